//! The Korean rules: the message as a stream of Hangul syllables (everything else dropped, so
//! spaces, digits and symbols inside words vanish), each reduced to a coarse form.

use super::{Category, EXEMPT};

/// A syllable with tense and aspirated consonants folded into their plain class and similar
/// vowels folded together; a lone consonant jamo (`ㅅ` in `ㅅㅂ`) is a wildcard for any syllable
/// beginning with exactly that consonant.
#[derive(Debug, Clone, Copy)]
enum Syl {
    /// `initial` is the consonant's class, `exact` the consonant itself.
    Full {
        initial: u8,
        exact: u8,
        vowel: u8,
        last: u8,
    },
    Jamo {
        initial: u8,
    },
}

/// Index of an initial consonant (0-18, Unicode order) for a compatibility jamo.
fn jamo_initial(c: char) -> Option<u8> {
    const INITIALS: &str = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ";
    INITIALS.chars().position(|x| x == c).map(|i| i as u8)
}

/// The class of an initial: ㄱㄲㅋ, ㄷㄸㅌ, ㅂㅃㅍ, ㅅㅆ, ㅈㅉㅊ fold together.
fn initial_class(i: u8) -> u8 {
    match i {
        1 | 15 => 0,
        4 | 16 => 3,
        8 | 17 => 7,
        10 => 9,
        13 | 14 => 12,
        other => other,
    }
}

/// The class of a vowel (Unicode order 0-20).
fn vowel_class(v: u8) -> u8 {
    match v {
        2 => 0,            // ㅑ → ㅏ
        3 | 5 | 7 => 1,    // ㅒ ㅔ ㅖ → ㅐ
        6 => 4,            // ㅕ → ㅓ
        12 => 8,           // ㅛ → ㅗ
        17 => 13,          // ㅠ → ㅜ
        19 | 16 => 20,     // ㅢ ㅟ → ㅣ
        10 | 11 | 15 => 1, // ㅙ ㅚ ㅞ → ㅐ (쉐끼 for 새끼)
        other => other,
    }
}

fn syllables(text: &str) -> Vec<Syl> {
    let mut out: Vec<Syl> = Vec::new();
    for c in text.chars() {
        let code = c as u32;
        if (0xAC00..=0xD7A3).contains(&code) {
            let n = code - 0xAC00;
            let (initial, vowel, last) = ((n / 588) as u8, ((n % 588) / 28) as u8, (n % 28) as u8);
            // Stretched vowels (시이이발): a silent-initial syllable repeating the previous vowel.
            if initial == 11
                && last == 0
                && matches!(out.last(), Some(Syl::Full { vowel: v, last: 0, .. }) if *v == vowel_class(vowel))
            {
                continue;
            }
            out.push(Syl::Full { initial: initial_class(initial), exact: initial, vowel: vowel_class(vowel), last });
        } else if c == 'ㅄ' {
            out.push(Syl::Jamo { initial: 7 });
            out.push(Syl::Jamo { initial: 9 });
        } else if let Some(i) = jamo_initial(c) {
            out.push(Syl::Jamo { initial: i });
        }
    }
    out
}

/// Does the message's syllable `m` stand for the word's syllable `w`? A typed consonant stands
/// for a word syllable beginning with exactly that consonant (so `ㄱㅅㄱㅅ`, 감사감사, is not
/// `ㄱㅅㄲ`); full syllables compare by class.
fn syl_matches(m: Syl, w: Syl) -> bool {
    match (m, w) {
        (Syl::Jamo { initial }, Syl::Full { exact, .. }) => initial == exact,
        (Syl::Full { initial: a, vowel: b, last: c, .. }, Syl::Full { initial: x, vowel: y, last: z, .. }) => {
            (a, b, c) == (x, y, z)
        }
        (Syl::Jamo { initial: a }, Syl::Jamo { initial: b }) => a == b,
        (Syl::Full { .. }, Syl::Jamo { .. }) => false,
    }
}

/// Where each kind of syllable stands in a message, so a word is compared only where its first
/// syllable could match instead of at every position (a 4,000-character message is read once,
/// not once per word).
struct Starts {
    full: std::collections::HashMap<(u8, u8, u8), Vec<usize>>,
    jamo: [Vec<usize>; 19],
}

impl Starts {
    fn new(msg: &[Syl]) -> Self {
        let mut full: std::collections::HashMap<(u8, u8, u8), Vec<usize>> = std::collections::HashMap::new();
        let mut jamo: [Vec<usize>; 19] = Default::default();
        for (i, syl) in msg.iter().enumerate() {
            match *syl {
                Syl::Full { initial, vowel, last, .. } => full.entry((initial, vowel, last)).or_default().push(i),
                Syl::Jamo { initial } => {
                    if let Some(v) = jamo.get_mut(usize::from(initial)) {
                        v.push(i);
                    }
                }
            }
        }
        Self { full, jamo }
    }

    /// The positions where `first` (a word's first syllable) could stand, in order.
    fn of(&self, first: Syl) -> Vec<usize> {
        let (full, typed) = match first {
            Syl::Full { initial, exact, vowel, last } => {
                (self.full.get(&(initial, vowel, last)).map_or(&[][..], Vec::as_slice), usize::from(exact))
            }
            Syl::Jamo { initial } => (&[][..], usize::from(initial)),
        };
        let typed = self.jamo.get(typed).map_or(&[][..], Vec::as_slice);
        let mut all: Vec<usize> = full.iter().chain(typed).copied().collect();
        all.sort_unstable();
        all
    }
}

/// Where in `msg` the word `w` stands, as syllable indices.
fn find(msg: &[Syl], starts: &Starts, w: &[Syl]) -> Vec<usize> {
    if w.is_empty() || msg.len() < w.len() {
        return Vec::new();
    }
    starts
        .of(w[0])
        .into_iter()
        .filter(|&i| i + w.len() <= msg.len())
        .filter(|&i| {
            let span = &msg[i..i + w.len()];
            // A lone typed consonant never stands for a whole one-syllable word (`ㅈ` is not `좆`).
            span.iter().zip(w).all(|(m, w)| syl_matches(*m, *w))
                && (w.len() >= 2 || span.iter().any(|s| matches!(s, Syl::Full { .. })))
        })
        .collect()
}

/// Korean words matched anywhere in the syllable stream.
const KO_INSULTS: &[&str] = &[
    "시발",
    "씨발",
    "병신",
    "븅신",
    "빙신",
    "븅딱",
    "병딱",
    "개새끼",
    "지랄",
    "미친놈",
    "미친년",
    "미친새끼",
    "개같은",
    "개같이",
    "개소리",
    "엿먹어",
    "염병",
    "느금마",
    "니애미",
    "애미없",
    "대가리",
    "머저리",
    "등신",
    "멍청한년",
    "한남충",
    "김치녀",
    "틀딱",
    "찐따",
    "또라이",
    "정신병자",
    "꼴값",
    "쓰레기같은",
    "돌팔이",
    "죽빵",
    "호구새끼",
    "상담사새끼",
    "너새끼",
    "니새끼",
    "이새끼",
    "새끼야",
    "년아",
];
/// Korean words matched as typed (tense consonant and all): 씹 but not 십 (ten), 좆 but not 좇.
const KO_EXACT_INSULTS: &[&str] = &[
    "ㄲㅈ",
    "씹새끼",
    "씹새",
    "씹년",
    "씹할",
    "씹탱",
    "좆같",
    "좆까",
    "좆밥",
    "좆도",
    "ㅆㅂ",
    "ㅈㄹ",
    "ㅄ",
    "ㅈ같",
    "ㅗㅗ",
];
/// Korean words that count only as a whole word (`꺼져` but not `꺼져요`, `닥쳐` but not `닥쳐올`).
const KO_INSULT_WORDS: &[&str] = &["꺼져", "꺼져라", "닥쳐", "닥쳐라"];
const KO_SEXUAL: &[&str] = &[
    "가슴사진",
    "가슴보여",
    "가슴크",
    "벗어봐",
    "나랑자자",
    "속옷입었",
    "모텔갈래",
    "엉덩이만지",
    "엉덩이사진",
    "너랑하고싶",
    "몸파는거얼마",
    "몸매좋",
    "보지보여",
];
/// Ordinary words that contain an insult: 시발점 (starting point), 시발역, 지랄맞다 (a rotten day).
const KO_ALLOWED: &[&str] = &["시발점", "시발역", "시발택시", "지랄맞", "병신년에", "년병신년", "병신년은", "병신년이"];
/// After a word, these mean someone else said it: `씨발이라고`, `병신이라며`, `지랄이라는 소리`.
const KO_REPORTED: &[&str] = &["라고", "이라고", "라며", "이라며", "라는", "이라는", "소리질", "소리쳤", "소리를질"];
/// A message about oneself: `저는 쓰레기 같은 인간이에요`.
const KO_SELF: &[&str] = &["저는", "제가", "저자신", "나는", "내가", "제자신", "내자신", "거울보면"];

static KO_ALLOWED_SYL: std::sync::LazyLock<Vec<Vec<Syl>>> = std::sync::LazyLock::new(|| compile(KO_ALLOWED));
static KO_INSULTS_SYL: std::sync::LazyLock<Vec<Vec<Syl>>> = std::sync::LazyLock::new(|| compile(KO_INSULTS));
static KO_SEXUAL_SYL: std::sync::LazyLock<Vec<Vec<Syl>>> = std::sync::LazyLock::new(|| compile(KO_SEXUAL));

fn compile(words: &[&str]) -> Vec<Vec<Syl>> {
    words.iter().map(|w| syllables(w)).collect()
}

fn hangul_only(s: &str) -> String {
    s.chars().filter(|c| ('\u{AC00}'..='\u{D7A3}').contains(c) || ('\u{3131}'..='\u{318E}').contains(c)).collect()
}

/// The message as Hangul only, without spaces: what the meaning patterns read.
fn flat(text: &str) -> String {
    hangul_only(text)
}

/// A victim or a third person in the message: the client tells of harm done or threatened to
/// them (`남편이 저를 죽인다고 했어요`), which is not a threat to the counselor.
const KO_VICTIM: &[&str] = &[
    "저를",
    "나를",
    "저한테",
    "나한테",
    "저에게",
    "나에게",
    "제게",
    "저희",
    "우리애",
    "우리아이",
    "우리가족",
    "제아이",
    "제딸",
    "제아들",
    "내딸",
    "내아들",
    "우리엄마",
    "우리딸",
    "우리아들",
    "엄마를",
    "아이를",
    "애를",
    "딸을",
    "아들을",
    "꿈에서",
    "꿈에",
];
const KO_THIRD_PERSON: &[&str] = &[
    "남편이",
    "아내가",
    "와이프가",
    "아빠가",
    "엄마가",
    "아버지가",
    "어머니가",
    "형이",
    "오빠가",
    "언니가",
    "누나가",
    "동생이",
    "남친이",
    "여친이",
    "남자친구가",
    "여자친구가",
    "전남편이",
    "전남친이",
    "전여친이",
    "전처가",
    "상사가",
    "팀장이",
    "팀장님이",
    "부장이",
    "부장님이",
    "사장이",
    "사장님이",
    "선배가",
    "동료가",
    "시어머니가",
    "시아버지가",
    "장인이",
    "장모가",
    "친구가",
    "친구들이",
    "애들이",
    "반애들이",
    "걔가",
    "그사람이",
    "그놈이",
    "그새끼가",
    "그가",
    "그녀가",
    "이웃이",
    "손님이",
    "고객이",
    "누가",
    "사람들이",
    "선생님이저",
    "교수가",
    "교수님이",
];
/// Reported speech after a word, within a few syllables: -다고, -냐고, -라며, -다는, -대요.
const KO_REPORTED_NEAR: &[&str] = &[
    "다고",
    "라고",
    "냐고",
    "자고",
    "다며",
    "라며",
    "냐며",
    "다는",
    "라는",
    "대요",
    "래요",
    "더라",
    "다더",
    "랬",
    "댔",
    "했대",
    "겠대",
    "소리질",
    "소리쳤",
    "소리를질",
    "하더",
    "하면서",
    "면서",
    "협박",
    "했어요",
    "했다",
    "했어",
    "하셨",
    "당했",
    "들었",
    "그랬",
];
/// Asking for help about one's own life: 섹스리스 부부 문제로 상담받고 싶어요.
const KO_HELP: &[&str] = &[
    "폭력",
    "관련",
    "상담받",
    "상담을받",
    "상담하고싶",
    "상담을하고",
    "상담해주",
    "고민",
    "문제",
    "때문에",
    "당했",
    "피해",
    "성폭력",
    "성추행",
    "성희롱",
    "어떻게해야",
    "괜찮은건가",
    "정상인가",
    "걱정",
    "아이가",
    "애가",
    "아들이",
    "딸이",
    "남편이",
    "아내가",
    "부부",
    "이후로",
    "죄책감",
    "트라우마",
    "운동",
    "자신감",
    "다이어트",
    "연애",
    "남자친구랑",
    "여자친구랑",
    "소개팅",
    "앞두고",
    "떨려",
    "첫데이트",
    "데이트앱",
];
/// Words that address the counselor.
const KO_SECOND: &[&str] =
    &["너", "니가", "네가", "니", "당신", "선생", "쌤", "상담사", "상담원", "언니", "누나", "오빠", "님"];
/// Threats without a violent word: a place or person of the counselor's, and finding or waiting.
const KO_THREAT_TARGETS: &[&str] = &[
    "상담소",
    "상담실",
    "센터",
    "어딘지",
    "어디있는지",
    "어디다니는지",
    "사는동네",
    "동네",
    "집앞",
    "번호판",
    "인스타",
    "학교",
    "집주소",
    "주소",
    "사는곳",
    "사는데",
    "어디사는지",
    "어디사는",
    "퇴근길",
    "퇴근하",
    "출근길",
    "퇴근시간",
    "회사앞",
    "센터앞",
    "사무실앞",
    "상담소앞",
    "건물앞",
    "주차장",
    "차번호",
    "직장",
    "사무실",
    "가족",
    "애들",
    "자식",
    "딸",
    "아들",
    "남편",
    "와이프",
    "부모",
    "얼굴",
    "이름",
    "뒷조사",
    "신상",
    "유치원",
    "초등학교",
    "여고",
    "아파트",
    "단지",
    "놀이터",
    "헬스장",
    "지하철",
    "호선",
    "타이어",
    "역앞",
    "집방향",
    "남편분",
    "따님",
    "아드님",
    "가족들",
    "커뮤",
    "인터넷에",
    "전화번호",
    "차타이어",
    "집어딘지",
    "사무실어딘지",
];
const KO_THREAT_ACTIONS: &[&str] = &[
    "알게되",
    "찾았",
    "잘봤어",
    "봤어",
    "봤다",
    "에서보자",
    "앞에서보자",
    "밖에서보자",
    "조만간보자",
    "보자",
    "찾아가",
    "찾아갈",
    "찾아낼",
    "찾아낸",
    "찾을거",
    "찾는다",
    "알아낼",
    "알아냈",
    "알아낸",
    "알고있",
    "알아놨",
    "기다릴",
    "기다리고있",
    "기다린다",
    "기다리겠",
    "조심해",
    "조심하라",
    "조심하는게",
    "무사할",
    "무사하",
    "안전할",
    "안전하",
    "뒤따라",
    "따라갈",
    "따라간",
    "미행",
    "지켜보고",
    "지켜볼",
    "지켜본다",
    "보고있다",
    "퍼뜨",
    "뿌릴",
    "뿌린다",
    "털어",
    "다캐",
    "캐낼",
    "가만",
    "두고봐",
    "어딘지알",
    "알아요",
    "알겠더라",
    "알더라",
    "외웠",
    "있을게",
    "있을께",
    "타시죠",
    "다니죠",
    "다니시죠",
    "귀엽던데",
    "건강하시죠",
    "건강했으면",
    "올린다",
    "올릴거",
    "뿌려",
    "찢어",
    "쑤셔",
    "숨나",
    "몸성히",
    "혼나봐야",
    "보여줄게",
    "더라고요",
    "봤어요",
    "찾아놨",
    "다알아",
    "다알고",
    "검색하니까",
    "봤어요",
];
const KO_THREAT_PHRASES: &[&str] = &[
    "사는데어딘지",
    "학교어딘지",
    "차맞죠",
    "번호도외웠",
    "각오하",
    "가족들얼굴",
    "얼굴다알아",
    "퇴근몇시",
    "주차장에서봬",
    "인생끝나게",
    "밖에서봐요",
    "곧알게될",
    "누군지곧",
    "두고봐",
    "차번호판",
    "번호판봤",
    "어디다니는지",
    "밤길혼자",
    "세상이험하",
    "조만간보자",
    "발뻗고못자",
    "못자게해줄",
    "칼들고",
    "칼가지고",
    "흉기",
    "목따",
    "따버린",
    "밟아버",
    "부숴버",
    "뿌려버",
    "염산",
    "주먹이운",
    "맞고싶어",
    "맞을래",
    "쳐맞",
    "패줄",
    "죽여놓",
    "가만안있",
    "두고보자",
    "두고보세요",
    "후회하게",
    "후회할거",
    "후회할걸",
    "후회하실",
    "가만안둬",
    "가만안둔",
    "가만안있",
    "가만두지않",
    "가만안놔",
    "밤길조심",
    "퇴근길조심",
    "뒤통수조심",
    "몸조심해라",
    "몸조심하",
    "길조심",
    "어디사는지알",
    "집주소알아",
    "손봐줄",
    "손봐준",
    "혼내줄",
    "혼쭐",
    "묻어버",
    "찔러버",
    "칼로찔러",
    "불질러",
    "패버",
    "때려죽",
    "죽여버",
    "죽일거",
    "죽일꺼",
    "죽일수도",
    "죽이러",
    "죽여놓",
    "다죽일",
    "얼굴기억했",
    "죽고싶냐",
    "뒤지고싶냐",
    "각오해",
    "책임지게",
    "대가를치르",
    "끝장내",
    "매장시",
    "인생망가뜨",
    "인생망쳐",
    "인생을망",
    "밥줄끊",
    "잘리게",
    "자르게만들",
    "신상털",
    "신상을털",
    "조심해서다니",
    "세상험하",
    "몸성히",
    "인생끝장",
    "끝장날줄",
    "한대맞고",
    "맞고싶냐",
    "ㅈㄱㅂㄹㄷ",
    "숨나보자",
    "어디숨나",
    "끝까지따라",
    "칼로쑤셔",
    "쑤셔버",
    "찢어놓",
    "혼나봐야",
    "직접가서보여",
    "가족들건강",
    "계속건강했으면",
    "귀엽던데",
    "놀이터에있을",
    "차번호외웠",
    "집방향",
    "뿌려줄까",
    "다올린다",
    "커뮤에다",
    "커뮤에올",
    "기다려라",
    "찾아놨다",
    "보게될거",
    "따라오면",
    "나인줄알아",
    "ㅈㅇ버린",
    "ㅈㅇ버릴",
    "폭파",
    "주먹날아",
    "말조심해",
    "건드리기전에",
    "건드린다",
    "똑바로해라",
    "주겨버린",
    "주겨버릴",
    "타고다니는차",
    "조만간인사드릴",
    "출근시간다알",
    "들어가더라",
    "뒤조심",
    "말로안끝",
    "학원끝나는시간",
    "맞아봐야",
    "정신차릴래",
];
/// Sexual remarks: about the counselor's body, clothes or photos, a date, or sex, addressed to
/// the counselor.
const KO_BODY: &[&str] =
    &["몸매", "가슴", "다리", "엉덩이", "허벅지", "입술", "몸", "피부", "허리", "골반", "각선미", "목선"];
const KO_BODY_EVAL: &[&str] = &[
    "예쁘",
    "이쁘",
    "섹시",
    "좋",
    "크",
    "빵빵",
    "쩔",
    "죽이",
    "만지",
    "만져",
    "보고싶",
    "보여",
    "꼴리",
    "탐나",
    "매끈",
    "늘씬",
    "볼륨",
    "보이",
    "라인",
    "예뻐",
    "이뻐",
    "집중이안",
    "눈을어디",
    "냄새",
    "사이즈",
    "궁금",
    "몇이에요",
];
const KO_CLOTHES: &[&str] = &[
    "치마",
    "스타킹",
    "속옷",
    "브라",
    "팬티",
    "입고있",
    "뭐입었",
    "뭐입고",
    "블라우스",
    "레깅스",
    "옷차림",
    "옷이",
    "옷은",
    "옷",
    "립스틱",
    "향수",
    "잠옷",
    "안경벗",
    "머리풀",
];
const KO_CLOTHES_EVAL: &[&str] = &[
    "짧",
    "야하",
    "섹시",
    "무슨색",
    "벗",
    "보여",
    "비치",
    "붙는",
    "달라붙",
    "파인",
    "입고있어",
    "입고와",
    "입어줘",
    "꼴리",
    "딱붙",
    "눈을어디",
    "예쁠",
    "맡고싶",
    "입고해",
    "해주면",
    "섹시",
    "무슨옷",
    "입으셨",
    "신고와",
    "입은사진",
    "사이즈",
];
const KO_PHOTO: &[&str] = &["사진", "셀카", "영상"];
const KO_PHOTO_ASK: &[&str] =
    &["보내줘", "보내주", "보내봐", "보여줘", "보여주", "찍어", "줘봐", "한장만", "한장", "받고싶"];
const KO_DATE: &[&str] = &[
    "첫경험",
    "집올래",
    "치마입고",
    "혼자사세요",
    "외롭지않아요",
    "밤에외롭",
    "제거사진",
    "평가해줘",
    "술한잔해요",
    "단추풀",
    "단추하나",
    "꼴린",
    "아래로내려",
    "키스하고",
    "섹시해",
    "모텔에서",
    "둘이있으면",
    "자고싶",
    "같이자고",
    "몇번해",
    "성경험",
    "한번하자",
    "한번할래",
    "야한사진",
    "야한거",
    "설레",
    "밤에전화",
    "집에서상담",
    "단추",
    "풀어주",
    "카메라좀아래",
    "카메라아래로",
    "수영복",
    "비키니",
    "사귀고싶",
    "이상한생각",
    "몸매관리",
    "좋아보여",
    "데이트",
    "사귀자",
    "사귈래",
    "사귀어",
    "사귀실",
    "만나자",
    "만날래",
    "만나줘",
    "만나주",
    "따로만나",
    "밖에서만나",
    "술한잔",
    "술한번",
    "밥한번",
    "밥한끼",
    "애인있",
    "남자친구있",
    "여자친구있",
    "남친있",
    "여친있",
    "결혼하자",
    "번호줘",
    "연락처줘",
    "카톡아이디",
    "개인번호",
    "둘이서",
    "우리집에",
    "놀러와",
    "자고가",
    "같이자",
    "잠자리",
    "모텔",
    "호텔가",
    "침대",
    "키스",
    "뽀뽀",
    "안아줘",
    "안아주",
    "안고싶",
    "만지고싶",
    "만져보고",
    "섹시",
    "야하",
    "꼴려",
    "꼴리",
    "흥분돼",
    "흥분된다",
    "스타일이야",
    "내스타일",
    "이상형",
    "첫눈에",
    "반했",
    "좋아하게됐",
    "좋아해요선생",
    "사랑해요선생",
    "선생님을좋아",
    "상담사님을좋아",
    "여자로보",
    "남자로보",
    "여자로서",
    "남자로서",
    "오빠라고",
    "자보고",
    "생각나서잠이",
    "무슨생각인지",
    "벗은사진",
    "경험몇번",
    "꼴리게",
    "냄새맡고",
    "섹시하다",
    "섹시하네",
    "섹시해요",
    "ㅅㅅ하",
    "야한얘기",
    "목소리가야",
    "목소리야해",
    "너무야해",
    "하는상상",
    "상상하면서",
    "저랑자요",
    "랑자요",
    "보고반했",
    "사적으로만나",
    "개인연락처",
    "밤에보통뭐",
];
/// Explicit words: flagged when addressed to the counselor or proposed, not when a client asks
/// for help about their own life.
const KO_EXPLICIT: &[&str] = &[
    "섹스",
    "자위",
    "야동",
    "신음",
    "알몸",
    "성관계",
    "관계하",
    "오르가즘",
    "콘돔",
    "처녀",
    "숫총각",
    "ㅅㅅ",
    "체위",
    "ㅂㅈ",
];
const KO_PROPOSAL: &[&str] = &[
    "하자",
    "할래",
    "해줘",
    "해줄래",
    "보여줘",
    "보내줘",
    "어때",
    "할까",
    "해볼래",
    "해봤어",
    "해봤",
    "좋아해",
    "좋아하",
    "경험있",
    "몇번있",
    "하고싶",
    "갈래",
    "가실래",
    "하실래",
];

/// Ordinary words that insult the counselor without any rude word: 자격도 없는 주제에.
const KO_PLAIN_INSULTS: &[&str] = &[
    "지껄",
    "개념없",
    "위선",
    "이딴",
    "애들장난",
    // Not 밥맛이 없어요 (no appetite).
    "밥맛없",
    "밥맛이네",
    "밥맛떨",
    "당신같은",
    "돈주고샀",
    "애나보세요",
    "얼굴보니까",
    "노답",
    "인성",
    "꼬라지",
    "꼬락서니",
    "꼰대",
    "뇌가",
    "뇌는",
    "초보",
    "백배못",
    "로봇",
    "공감능력",
    "니같은",
    "너같은",
    "니까짓",
    "너따위",
    "존나쓸모",
    "그것밖에",
    "무슨상담",
    "상담을해",
    "뽑았",
    "월급받고",
    "머리가나쁜",
    "어디서이런",
    "자격도없",
    "자격없",
    "무능",
    "한심",
    "멍청",
    "쓸모없",
    "수준하고는",
    "수준이",
    "주제에",
    "뻔뻔",
    "무식",
    "재수없",
    "역겹",
    "역겨",
    "돌대가리",
    "돌팔이",
    "사기꾼",
    "월급도둑",
    "세금도둑",
    "돈만밝",
    "못생",
    "찌질",
    "븅",
    "꼴보기싫",
    "꼴도보기싫",
    "말귀를못",
    "말귀도못",
    "머리가나쁘",
    "바보",
    "얼간이",
    "쓰레기",
    "인간말종",
    "제정신",
    "정신나간",
    "미쳤",
    "병원가봐",
    "정신과가봐",
    "아는게없",
    "아는게뭐",
    "할줄아는게",
    "하는게뭐",
    "로봇이냐",
    "로봇같",
    "기계냐",
    "짜증나게",
    "답답하게",
    "그따위",
    "따위",
    "상담사맞",
    "상담사라고",
    "상담사도아니",
    "그만둬",
    "때려치워",
    "때려쳐",
    "닥치",
    "꺼지",
    "일못",
    "일을못",
    "일도못",
    "초딩이",
    "바닥이네",
    "수준바닥",
    "월급루팡",
    "루팡",
    "앵무새",
    "머리는장식",
    "장식이세요",
    "지능이딸",
    "어디서샀",
    "이나라망했",
    "ㅉㅉ",
    "그거밖에못",
    "월급받기부끄",
    "지능에문제",
    "미친년",
    "훈계질",
    "부르기도아깝",
    "당신보다낫",
    "너보다낫",
    "이것보단잘하",
    "상담못하",
    "안받아준",
    "처참하",
];

pub(super) fn korean(text: &str, why: &mut Vec<String>) -> Option<Category> {
    let msg = syllables(text);
    if msg.is_empty() {
        return None;
    }
    let s = flat(text);
    let starts = Starts::new(&msg);
    let allowed: Vec<usize> = KO_ALLOWED_SYL
        .iter()
        .flat_map(|w| find(&msg, &starts, w).into_iter().flat_map(move |i| i..i + w.len()))
        .collect();
    // The client tells of someone else's words or of harm done to them.
    let reported_anywhere = any_of(&s, KO_REPORTED_NEAR);
    let victim = any_of(&s, KO_VICTIM) || any_of(&s, KO_THIRD_PERSON);
    let second = text.split_whitespace().any(|w| {
        let w = hangul_only(w);
        KO_SECOND.iter().any(|y| w.starts_with(y))
            && !["니까", "니다", "너무", "너머", "너그러", "너구리", "님도"].iter().any(|x| w.starts_with(x))
    }) || any_of(&s, &["선생님", "상담사님", "쌤", "당신"]);
    // Which whitespace token each syllable came from, and where each token's syllables start
    // and end: a word spelled across two tokens does not count when the second goes on as a
    // longer word of its own (`시 발표회`); an evasion (`시 발`, `시 발놈`) does.
    let mut token_of: Vec<(usize, usize, usize)> = Vec::new();
    for (t, token) in text.split_whitespace().enumerate() {
        let n = syllables(token).len();
        let start = token_of.len();
        for _ in 0..n {
            token_of.push((t, start, start + n));
        }
    }
    let split_across_words = |i: usize, len: usize| {
        if token_of.len() != msg.len() || len == 0 {
            return false;
        }
        let (first, first_start, _) = token_of[i];
        let (last, _, end) = token_of[i + len - 1];
        first != last && (end >= i + len + 2 || first_start < i)
    };
    let hit_word = |compiled: &[Vec<Syl>], words: &[&str], reported_exempt: bool| -> Option<String> {
        compiled.iter().zip(words).find_map(|(w, name)| {
            find(&msg, &starts, w)
                .into_iter()
                .any(|i| {
                    if allowed.contains(&i) || split_across_words(i, w.len()) {
                        return false;
                    }
                    if !reported_exempt {
                        return true;
                    }
                    let near_after = flat_after(text, name);
                    !KO_REPORTED.iter().chain(KO_REPORTED_NEAR).any(|r| near_after.contains(r))
                })
                .then(|| (*name).to_owned())
        })
    };
    // Someone in the client's own life the message is about (우리 부장, 동생이랑, 옆집); the
    // honorific forms (남편분, 따님) are the counselor's family.
    let counselors_family = any_of(&s, &["남편분", "아내분", "가족분", "따님", "아드님", "사모님", "부군"]);
    let other_people = !second
        && !counselors_family
        && text.split_whitespace().any(|w| {
            let w = hangul_only(w);
            KO_OTHER_PEOPLE.iter().any(|p| w.starts_with(p))
        });
    // Threats: a violent word, a phrase, or a place or person of the counselor's with finding or
    // waiting; never when the client tells of a threat made to them.
    let told_of_a_threat = any_of(&s, KO_VICTIM) || other_people || victim && reported_anywhere;
    if told_of_a_threat {
        why.push(EXEMPT.to_owned());
    }
    if !told_of_a_threat {
        if let Some(p) = crate::textscan::first(&s, KO_THREAT_PHRASES) {
            let near = flat_after(text, p);
            if !KO_REPORTED_NEAR.iter().any(|r| near.contains(r)) || second {
                why.push(format!("threat:{p}"));
                return Some(Category::Threat);
            }
        }
        if second
            && let Some(p) = ["죽인다", "죽여", "찾아간다", "찾아갈게", "찾아갈거", "찾아가서", "가만안", "가만두"]
                .iter()
                .find(|p| s.contains(*p) && !s.contains(&format!("{p}줘")) && !s.contains(&format!("{p}준")))
                .filter(|_| !any_of(&s, &["노래", "맛", "날씨", "경치", "음악", "영화", "분위기", "풍경"]))
        {
            why.push(format!("threat:{p}+you"));
            return Some(Category::Threat);
        }
        let target = crate::textscan::first(&s, KO_THREAT_TARGETS);
        let action = crate::textscan::first(&s, KO_THREAT_ACTIONS);
        if let (Some(t), Some(a)) = (target, action)
            && (second || !(own_words(text) || any_of(&s, KO_THIRD_PERSON)))
            && !any_of(
                &s,
                &[
                    "하세요",
                    "하십시오",
                    "드릴",
                    "드려요",
                    "습니다",
                    "어디였",
                    "어디예요",
                    "어디에요",
                    "어디인가요",
                    "알려주",
                ],
            )
        {
            why.push(format!("threat:{t}+{a}"));
            return Some(Category::Threat);
        }
    }
    // Sexual remarks.
    let self_owned = |w: &str| {
        ["제", "내", "저의", "나의", "우리", "아내", "남편", "애", "아이", "딸", "아들", "여자친구", "남자친구"]
            .iter()
            .any(|o| s.contains(&format!("{o}{w}")) || s.contains(&format!("{o}가{w}")))
    };
    let help = any_of(&s, KO_HELP);
    let told_of_others = !second && (other_people || (reported_anywhere && any_of(&s, KO_THIRD_PERSON)));
    if let Some(b) = KO_BODY.iter().find(|b| s.contains(*b) && !self_owned(b))
        && let Some(e) = KO_BODY_EVAL.iter().find(|e| after_word(&s, b, e))
        && !help
        && !told_of_others
    {
        why.push(format!("sexual:{b}+{e}"));
        return Some(Category::Sexual);
    }
    if let Some(c) = KO_CLOTHES.iter().find(|c| s.contains(*c) && !self_owned(c))
        && let Some(e) = crate::textscan::first(&s, KO_CLOTHES_EVAL)
        && !help
        && !told_of_others
    {
        why.push(format!("sexual:{c}+{e}"));
        return Some(Category::Sexual);
    }
    if let Some(ph) = KO_PHOTO.iter().find(|p| s.contains(*p) && !self_owned(p))
        && let Some(a) = crate::textscan::first(&s, KO_PHOTO_ASK)
        && (second || any_of(&s, &["얼굴", "몸", "전신", "셀카", "비키니", "수영복", "속옷", "야한", "벗은"]))
    {
        why.push(format!("sexual:{ph}+{a}"));
        return Some(Category::Sexual);
    }
    // 업데이트 is not a date, and 야하/야한 inside a word is an obligation (참아야 하는, 해야한다).
    let dating = s.replace("업데이트", "·");
    let lewd_at_word_start = text.split_whitespace().any(|w| w.starts_with('야'));
    if let Some(d) = crate::textscan::first(&dating, KO_DATE).filter(|d| !d.starts_with('야') || lewd_at_word_start)
        && (second || KO_PROPOSAL.iter().any(|p| s.contains(p)) || d.chars().count() >= 3)
        && (!help || second)
        && (!told_of_others || ["남친있", "여친있", "남자친구있", "여자친구있", "애인있"].contains(d))
    {
        why.push(format!("sexual:{d}"));
        return Some(Category::Sexual);
    }
    if let Some(x) = crate::textscan::first(&s, KO_EXPLICIT)
        && (second || KO_PROPOSAL.iter().any(|p| s.contains(p)))
        && (!help || second)
        && !reported_anywhere
    {
        why.push(format!("sexual:{x}"));
        return Some(Category::Sexual);
    }
    if let Some(w) = hit_word(&KO_SEXUAL_SYL, KO_SEXUAL, false).filter(|_| !help && !reported_anywhere) {
        why.push(format!("sexual:{w}"));
        return Some(Category::Sexual);
    }
    // Insults.
    let whole_word = text.split_whitespace().find_map(|w| {
        let w = hangul_only(w);
        KO_INSULT_WORDS.iter().find(|x| **x == w.as_str()).map(|x| (*x).to_owned())
    });
    let exact = crate::textscan::first(&s, KO_EXACT_INSULTS).map(|w| (*w).to_owned());
    let plain = crate::textscan::first(&s, KO_PLAIN_INSULTS).map(|w| (*w).to_owned());
    // An exclamation about one's own day (아 ㅅㅂ 오늘 회사에서 털렸어요) is not aimed at anyone here.
    let venting = !second && any_of(&s, KO_OWN_DAY);
    // A complaint about the product, not the person: 이 앱 진짜 쓰레기네.
    let about_product = !second
        && any_of(
            &s,
            &[
                "앱",
                "어플",
                "시스템",
                "사이트",
                "화면",
                "예약",
                "프로그램",
                "홈페이지",
                "와이파이",
                "인터넷",
                "노트북",
                "컴퓨터",
                "게임",
                "핸드폰",
            ],
        );
    if let Some(word) = whole_word.or(exact).or_else(|| hit_word(&KO_INSULTS_SYL, KO_INSULTS, true)).or(plain.clone()) {
        let about_self = (KO_SELF.iter().any(|x| s.contains(x)) || self_words(text)) && !second;
        let about_other = ((any_of(&s, KO_THIRD_PERSON) || any_of(&s, KO_THIRD_TO)) && !second)
            || other_people
            || (!second && any_of(&s, KO_INSULTED_OTHERS))
            || (any_of(&s, KO_THIRD_PERSON) && reported_anywhere);
        let interjection = ["시발", "씨발", "ㅅㅂ", "존나", "젠장", "씨팔", "시팔", "좆같", "ㅈ같", "개같은", "개같"]
            .contains(&word.as_str());
        let plain_only = plain.as_deref() == Some(word.as_str());
        // A weak word (수준이, 미쳤) in a message about one's own day, with no "you": venting.
        let not_at_anyone_here = (interjection || plain_only) && (venting || about_product);
        // 미쳤 as praise: of a thing (뷰 미쳤음, 떡볶이 맛 미쳤음), or of the counselor with a word
        // of praise (선생님 진짜 미쳤어요 어떻게 이렇게 잘 들어주세요).
        let praise = word == "미쳤" && ((!second && any_of(&s, KO_PRAISED_THINGS)) || any_of(&s, KO_PRAISE));
        // A voice that sounds robotic on a weak connection (선생님 목소리가 로봇처럼 들려요).
        let sounds = word == "로봇" && any_of(&s, &["로봇처럼들", "로봇같이들", "로봇소리"]);
        if !(about_self || about_other || not_at_anyone_here || sounds || praise || about_product && plain_only) {
            why.push(format!("insult:{word}"));
            return Some(Category::Insult);
        }
        why.push(EXEMPT.to_owned());
    }
    None
}

/// Things people call 미쳤다 in praise.
const KO_PRAISED_THINGS: &[&str] = &[
    "뷰",
    "맛",
    "결말",
    "드라마",
    "영화",
    "노래",
    "경치",
    "풍경",
    "야경",
    "음식",
    "가성비",
    "분위기",
    "퀄리티",
    "실력",
    "비주얼",
    "케이크",
    "라면",
    "떡볶이",
    "치킨",
    "카페",
    "공연",
    "무대",
    "반전",
    "전개",
    "연기",
    "날씨",
];
/// Words of praise around a 미쳤다 said of the counselor.
const KO_PRAISE: &[&str] = &["최고", "대박", "잘들어", "어떻게이렇게", "감사", "존경", "짱", "천재", "고마워", "고맙"];

/// Words of one's own day and circumstances: a curse among them is venting.
const KO_OWN_DAY: &[&str] = &[
    "오늘",
    "회사",
    "학교",
    "직장",
    "알바",
    "과제",
    "시험",
    "출근",
    "퇴근",
    "월요일",
    "주말",
    "날씨",
    "차가",
    "버스",
    "지하철",
    "야근",
    "털렸",
    "깨짐",
    "깨졌",
    "망했",
    "망함",
    "짜증나",
    "피곤",
    "하루였",
    "하루가",
    "월요일",
    "이번주",
    "인생",
    "왜나만",
];
/// Strangers and people at work a client speaks of with a rude word (어떤 개새끼가 제 차를,
/// 택시기사 미친놈이었음): the word is about them. Only for insults: a threat naming them is still read.
const KO_INSULTED_OTHERS: &[&str] =
    &["어떤", "대표", "택시기사", "기사가", "기사님", "간호사", "교수가", "손님이", "진상", "걔", "쟤"];

/// Someone else a client speaks of: 상사한테, 남편한테.
const KO_THIRD_TO: &[&str] =
    &["상사한테", "남편한테", "아내한테", "엄마한테", "아빠한테", "팀장한테", "부장한테", "친구한테", "선배한테"];

/// People in a client's own life (without a particle): a rude word about them is not aimed at
/// the counselor.
const KO_OTHER_PEOPLE: &[&str] = &[
    "부장",
    "팀장",
    "사장",
    "상사",
    "남편",
    "아내",
    "와이프",
    "시어머니",
    "시아버지",
    "시댁",
    "엄마",
    "아빠",
    "동생",
    "친구",
    "동료",
    "선배",
    "후배",
    "옆집",
    "이웃",
    "남친",
    "여친",
    "전남친",
    "전여친",
    "교수",
    "집주인",
    "룸메",
    "담임",
    "애아빠",
    "애엄마",
    "오빠가",
    "언니가",
    "형이",
    "누나가",
];

/// The writer speaks of themselves: a word `저` or `나` on its own, `나 같은`, `저 같은`.
fn self_words(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let w = hangul_only(w);
        w == "저" || w == "나" || w.starts_with("나같은") || w.starts_with("저같은")
    }) || hangul_only(text).contains("나같은")
        || hangul_only(text).contains("저같은")
}

/// A word of the writer's own (제 아이, 우리 가족, 저희 집): the place or person is theirs.
fn own_words(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let w = hangul_only(w);
        w == "제" || w == "내" || ["저희", "우리", "저의", "나의", "제가", "내가"].iter().any(|o| w.starts_with(o))
    })
}

fn any_of(s: &str, words: &'static [&'static str]) -> bool {
    crate::textscan::any(s, words)
}

/// `e` comes after `b` in `s` within a few syllables (몸매 좋으시네요, not 좋은 몸매 관리법).
fn after_word(s: &str, b: &str, e: &str) -> bool {
    s.match_indices(b).any(|(i, _)| s[i + b.len()..].chars().take(6).collect::<String>().contains(e))
}

/// The few syllables after a word in the message (Hangul only), for reported-speech endings.
fn flat_after(text: &str, word: &str) -> String {
    let s = hangul_only(text);
    let w = hangul_only(word);
    match s.find(&w) {
        Some(i) => s[i + w.len()..].chars().take(8).collect(),
        None => {
            // Matched through an evasive spelling: read what follows the matched syllables.
            String::new()
        }
    }
}
