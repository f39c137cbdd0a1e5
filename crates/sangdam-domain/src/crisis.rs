//! The crisis check: does a client's message speak of ending their life or harming themselves
//! (or of someone else about to), in Korean or English, and how urgently?
//!
//! - [`Level::High`]: intent, a plan, means at hand (pills and doses, 번개탄, a rope, a rooftop or
//!   a bridge), a time, an attempt in progress or just made, a goodbye.
//! - [`Level::Concern`]: passive ideation (wishing to die, to disappear, not to wake up),
//!   hopelessness with a death wish, an urge to hurt oneself.
//!
//! Like the abuse check it is rules, not a model, so the counselor can be told why a message was
//! marked (`Assessment::why` names the rules). It sees through spacing, symbols and digits inside
//! words (`자 살`, `자1살`), consonant shorthand (`ㅈㅅ`, `ㅈㄱㅅㄷ`), liaison spellings and typos
//! (`주꼬싶다`, `쥭고싶`), slang (`뒤지고 싶다`, `kms`, `unalive`), and it leaves alone what only
//! sounds like it: hyperbole and idioms (`배고파 죽겠어요`, `dying to know`, `kill the
//! process`), past and resolved episodes, others' deaths told as news or memory, a negation
//! (`죽고 싶은 건 아니에요`), and a question about a crisis line's number.
//!
//! A message this check marks is never treated as abuse (see [`crate::abuse::classify`]).

/// How urgent a crisis message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Concern,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Concern => "concern",
            Level::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "concern" => Some(Level::Concern),
            "high" => Some(Level::High),
            _ => None,
        }
    }

    /// As stored in a number column: 0 none, 1 concern, 2 high.
    pub fn rank(level: Option<Level>) -> i64 {
        match level {
            None => 0,
            Some(Level::Concern) => 1,
            Some(Level::High) => 2,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Level> {
        match rank {
            1 => Some(Level::Concern),
            r if r >= 2 => Some(Level::High),
            _ => None,
        }
    }
}

/// What the check decided, with the names of the rules that decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    pub level: Option<Level>,
    pub why: Vec<&'static str>,
}

// ---------------------------------------------------------------------------------------------
// Korean: the message as Hangul only (spaces, digits and symbols dropped), with shorthand and
// common misspellings written out.

/// Vowel variants people type by accident or for effect: 쥭 → 죽, 듀 → 두, ...
fn plain_vowel(c: char) -> char {
    let code = c as u32;
    if !(0xAC00..=0xD7A3).contains(&code) {
        return c;
    }
    let n = code - 0xAC00;
    let (initial, vowel, last) = (n / 588, (n % 588) / 28, n % 28);
    // ㅠ → ㅜ only for 쥭/듁/쥬 (죽 spelled cutely), leaving other words alone.
    let vowel = if vowel == 17 && (initial == 12 || initial == 3) { 13 } else { vowel };
    char::from_u32(0xAC00 + initial * 588 + vowel * 28 + last).unwrap_or(c)
}

/// The message as the Korean rules read it.
fn korean_form(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| ('\u{AC00}'..='\u{D7A3}').contains(c) || ('\u{3131}'..='\u{318E}').contains(c))
        .map(plain_vowel)
        .collect();
    let mut s = kept;
    // Shorthand: ㅈㄱㅅㄷ (죽고 싶다); ㅈㅅ only where it cannot be 죄송 (sorry): before a verb
    // of wanting, planning or thinking.
    for (from, to) in [("ㅈㄱㅅㄷ", "죽고싶다"), ("ㅈㄱㅅㅇ", "죽고싶어"), ("ㅈㄱㅅ", "죽고싶")] {
        s = s.replace(from, to);
    }
    for next in
        ["날짜", "하고싶", "할래", "할거", "할까", "생각", "충동", "시도", "하려", "해야", "각", "하면", "했", "하기"]
    {
        s = s.replace(&format!("ㅈㅅ{next}"), &format!("자살{next}"));
    }
    // Liaison and slang spellings.
    for (from, to) in [
        ("주꼬싶", "죽고싶"),
        ("죽꼬싶", "죽고싶"),
        ("죽구싶", "죽고싶"),
        ("죽고시퍼", "죽고싶어"),
        ("죽고십", "죽고싶"),
        ("죽고픈", "죽고싶은"),
        ("뒤지고싶", "죽고싶"),
        ("디지고싶", "죽고싶"),
        ("뒤져버리고싶", "죽고싶"),
        ("뒤져버릴", "죽어버릴"),
        ("뒤질래", "죽을래"),
        ("디질래", "죽을래"),
        ("자샬", "자살"),
        ("쟈살", "자살"),
        ("자쌀", "자살"),
        ("살고십지", "살고싶지"),
        ("살기시러", "살기싫어"),
        ("사라지구싶", "사라지고싶"),
        ("사라지고시퍼", "사라지고싶어"),
    ] {
        s = s.replace(from, to);
    }
    s
}

use crate::textscan::{any, matcher};

/// A rule: its name for `why`, its level, and the phrases (in the Korean form) any one of which
/// fires it.
struct Rule {
    name: &'static str,
    level: Level,
    any_of: &'static [&'static str],
}

const KO_RULES: &[Rule] = &[
    Rule {
        name: "ko.attempt-now",
        level: Level::High,
        any_of: &[
            "난간에걸터",
            "걸터앉아",
            "철로에",
            "철롯길",
            "줄이미걸어",
            "문고리에",
            "면도칼",
            "커터칼로",
            "긋는중",
            "그었어",
            "그엇어",
            "피가너무많이",
            "수면제같이먹",
            "약같이먹",
            "술이랑수면제",
            "술이랑약",
            "알이면되나",
            "다까놨",
            "까놨어요",
            "약털어넣",
            "안깨겠죠",
            "못깨어나",
            "약먹었다고",
            "목매겠다",
            "다리로간다",
            "지금다리",
            "약을다삼켰",
            "약먹었다는데",
            "약을먹었다는",
            "약먹었대",
            "난간에앉아",
            "난간에서",
            "난간에있",
            "통먹었",
            "통을먹었",
            "병다먹",
            "한움큼",
            "움큼먹",
            "왕창먹",
            "잔뜩먹었",
            "털어넣었",
            "다털어넣",
            "털어먹었",
            "목맸",
            "긋고있",
            "팔긋고있",
            "자해하는중",
            "자해하고있",
            "자해지금",
            "마포대교",
            "한강대교",
            "대교예요",
            "대교에있",
            "기찻길앞",
            "기찻길이에요",
            "기찻길에",
            "철길",
            "선로에",
            "옥상간다",
            "한강간다",
            "한강가",
            "한강에갈",
            "바다에뛰어",
            "안돌아갈거",
            "편지남겨놓",
            "편지를남기고",
            "편지남기고",
            "약을다먹",
            "약다먹었",
            "약전부먹",
            "약을전부먹",
            "약을한꺼번에",
            "약한꺼번에",
            "한꺼번에다먹",
            "통다먹",
            "통을다먹",
            "수면제다먹",
            "수면제를다",
            "수면제전부",
            "진통제다먹",
            "진통제를다",
            "약을왕창",
            "약왕창",
            "번개탄피웠",
            "번개탄을피웠",
            "번개탄피워놨",
            "번개탄피우고있",
            "손목을그었",
            "손목그었",
            "피가안멈",
            "피가멈추지않",
            "목을맸",
            "목매달았",
            "뛰어내리기직전",
            "지금뛰어내",
            "지금옥상",
            "옥상에올라왔",
            "옥상에와있",
            "옥상에있어",
            "옥상이에요",
            "옥상이야",
            "다리위에있",
            "다리위예요",
            "다리위야",
            "한강에와있",
            "한강다리위",
            "대교위에",
            "난간에서있",
            "난간위",
            "가스를틀어",
            "락스마셨",
            "농약마셨",
            "농약을마셨",
        ],
    },
    Rule {
        name: "ko.means",
        level: Level::High,
        any_of: &[
            "줄걸어놨",
            "준비다해둠",
            "준비다했",
            "짐다버렸",
            "짐거의다버렸",
            "다정리하고가",
            "정리하고가려",
            "고양이는친구한테",
            "고양이맡겼",
            "맡겼어요이제",
            "물건나눠",
            "나눠줬어요",
            "유서",
            "준비다됐어",
            "물건들다정리",
            "물건다정리",
            "신변정리",
            "칼들고있",
            "칼을들고있",
            "번개탄",
            "연탄피울",
            "밧줄샀",
            "밧줄준비",
            "밧줄을샀",
            "밧줄을준비",
            "줄을샀",
            "줄을준비",
            "목맬",
            "목을맬",
            "목매려",
            "목매달",
            "수면제모아",
            "수면제를모아",
            "약을모아",
            "약모아",
            "모아둔약",
            "모아놓은약",
            "모아둔수면제",
            "모아놓은수면제",
            "농약을사",
            "농약사놨",
            "칼을준비",
            "유서를썼",
            "유서썼",
            "유서를쓰",
            "유서써",
            "유서를남",
            "유서남",
        ],
    },
    Rule {
        name: "ko.intent",
        level: Level::High,
        any_of: &[
            "실행할거",
            "실행하려",
            "실행할게",
            "진짜실행",
            "죽을거임",
            "죽을게임",
            "더는안살",
            "안살아",
            "말리지마",
            "오늘주거",
            "주거버릴",
            "쥬글거",
            "주글거",
            "옥상올라갈",
            "옥상갈거",
            "옥상갈게",
            "옥상에갈",
            "옥상에올라갈",
            "끝낼래",
            "끝낸다",
            "끝낼거",
            "오늘로끝",
            "방법도다알아",
            "방법다알아",
            "방법알아봤",
            "방법도알아봤",
            "그냥죽을래",
            "나죽을래",
            "차라리죽을래",
            "오늘죽을",
            "오늘죽으려",
            "오늘밤죽을",
            "내일죽을",
            "내일죽으려",
            "다끝낼",
            "모든걸끝낼",
            "이제끝낼",
            "그냥끝낼",
            "오늘끝낼",
            "다끝내려",
            "모든걸끝내려",
            "삶을끝내려",
            "자살하겠",
            "뛰어내리겠",
            "죽어버리겠",
            "하늘나라로갈게",
            "먼저하늘나라",
            "자살할거",
            "자살할게",
            "자살할래",
            "자살하려",
            "자살하러",
            "자살할려",
            "자살하기로",
            "자살할계획",
            "자살계획",
            "자살할날",
            "자살할방법",
            "자살방법",
            "죽을거예",
            "죽을거에",
            "죽을거야",
            "죽을거임",
            "죽을겁니다",
            "죽을게요",
            "죽을게",
            "죽으려고",
            "죽을려고",
            "죽으러",
            "죽기로했",
            "죽기로결심",
            "죽기로마음",
            "죽을날",
            "죽을방법",
            "죽는방법",
            "죽어버릴거",
            "죽어버릴게",
            "죽어버릴래",
            "죽어버리려",
            "뛰어내릴거",
            "뛰어내릴게",
            "뛰어내릴래",
            "뛰어내리려",
            "뛰어내릴려",
            "뛰어내리러",
            "뛰어내릴까",
            "투신하려",
            "투신할",
            "생을마감",
            "삶을마감",
            "목숨을끊",
            "목숨끊",
            "스스로목숨",
            "삶을끝낼",
            "삶을끝내려",
            "인생끝낼",
            "인생을끝낼",
            "세상을떠날거",
            "세상을뜰",
            "오늘밤에죽",
            "이번주에죽",
            "주말에죽",
            "자해할거",
            "자해하려",
            "손목그을",
            "손목을그을",
            "손목을긋",
            "손목긋",
            "그어버릴",
        ],
    },
    Rule {
        name: "ko.goodbye",
        level: Level::High,
        any_of: &[
            "엄마한테편지",
            "아빠한테편지",
            "가족들한테편지",
            "가족한테편지",
            "부모님께편지",
            "보실때쯤이면",
            "볼때쯤이면",
            "저없을거",
            "나없을거",
            "엄마미안해",
            "아빠미안해",
            "다들미안해",
            "마지막으로누구한테",
            "메시지가마지막",
            "메세지가마지막",
            "연락이마지막",
            "다들잘지내",
            "모두잘지내",
            "잘지내요안녕",
            "다들잘있",
            "모두잘있",
            "잘있어요영원히",
            "마지막인사",
            "마지막으로인사",
            "마지막메시지",
            "마지막메세지",
            "마지막연락",
            "그동안고마웠",
            "그동안감사했",
            "다들안녕",
            "모두안녕",
            "이제안녕",
            "영원히안녕",
            "내가없어도",
            "제가없어도",
            "나없이도",
            "저없이도",
            "다음생에",
            "다음생엔",
            "살아서마지막",
            "내일은없",
            "내일이없",
        ],
    },
    Rule {
        name: "ko.ideation",
        level: Level::Concern,
        any_of: &[
            "사라질래",
            "사라질거",
            "난그냥사라",
            "사고라도나서죽",
            "교통사고라도",
            "죽었으면좋겠다는생각",
            "끝나있었으면",
            "빨리끝났음",
            "끝났음좋겠",
            "또하고싶어져",
            "그었던자리",
            "나없어도잘살",
            "나없어도다들",
            "빨려들어가고싶",
            "상처라도내고싶",
            "벽에박고싶",
            "못죽는",
            "살고싶진않",
            "살고싶지는않",
            "죽음에대해",
            "안깨어나고싶",
            "깨어나고싶지않",
            "있을이유가뭐",
            "내가있을이유",
            "주거버리고싶",
            "의미없어죽",
            "긋고싶",
            "치이면좋겠",
            "치였으면",
            "치이고싶",
            "사고나면좋겠",
            "사고났으면",
            "내가없어져도",
            "제가없어져도",
            "제가없으면",
            "내가없으면",
            "저없으면",
            "나없으면",
            "짐만되",
            "짐이되는것같",
            "죽는게낫",
            "죽는게낳",
            "놓아버리고싶",
            "삶을놓",
            "긁고싶은충동",
            "꼬집고긁고싶",
            "다그만하고싶",
            "사는거그만",
            "살아있는게너무",
            "제가죽으면",
            "내가죽으면",
            "죽으면누가",
            "내일이안왔으면",
            "내일이오지않았으면",
            "아침이오지않",
            "죽는상상",
            "죽는생각",
            "죽음을생각",
            "죽음에대해생각",
            "그냥다끝났으면",
            "버틸힘이없",
            "진작죽었",
            "벌써죽었을",
            "영원히자고싶",
            "영원히잠들",
            "멈췄으면",
            "없어져도아무도",
            "없어지면다들",
            "다끝내고싶",
            "모든걸끝내고싶",
            "이제끝내고싶",
            "그냥끝내고싶",
            "삶을끝내고싶",
            "인생끝내고싶",
            "인생을끝내고싶",
            "다끝냈으면",
            "그냥죽을까",
            "차라리죽을까",
            "죽어버릴까",
            "죽을까생각",
            "죽을수있을까",
            "죽으면편할",
            "죽으면끝날",
            "죽으면다끝",
            "살아있는게힘들",
            "살아있는게싫",
            "살아있는게지겹",
            "살아있는게고통",
            "사는의미가없",
            "살의미가없",
            "사는의미를모르",
            "내가죽었으면",
            "제가죽었으면",
            "그냥죽었으면",
            "차라리죽었으면",
            "나를해치고싶",
            "저를해치고싶",
            "상처를내고싶",
            "자살",
            "하늘나라로가고싶",
            "죽고싶",
            "죽어버리고싶",
            "죽어버렸으면",
            "죽는게나",
            "죽는편이나",
            "죽는게편",
            "죽어야",
            "죽어도괜찮",
            "죽어도상관",
            "자살하고싶",
            "자살생각",
            "자살충동",
            "자살하면",
            "자살할까",
            "자살하고프",
            "자살을생각",
            "자살하는상상",
            "자살을고민",
            "자살고민",
            "사라지고싶",
            "사라졌으면",
            "사라져버리고싶",
            "사라져버렸으면",
            "없어지고싶",
            "없어졌으면좋겠",
            "없어져버리고싶",
            "살고싶지않",
            "살고싶지가않",
            "살기싫",
            "사는게싫",
            "살아야할이유",
            "살이유",
            "살아갈이유",
            "살아있고싶지",
            "살아서뭐",
            "살아봤자",
            "태어나지말",
            "태어나지않았",
            "안태어났",
            "잠들어서깨지",
            "안깨어났으면",
            "안깼으면",
            "깨어나지않았으면",
            "깨지않았으면",
            "눈을안떴으면",
            "눈안떴으면",
            "눈뜨지않",
            "아침이안왔으면",
            "끝내버리고싶",
            "그만살고싶",
            "그만살",
            "세상에서없어",
            "세상에없었으면",
            "존재하지않았으면",
            "자해",
            "손목긋고싶",
            "스스로를해치",
            "뛰어내리고싶",
            "떨어지면어떨",
            "떨어지고싶",
            "차에치였으면",
            "차에치이고싶",
            "사고라도났으면",
        ],
    },
];

/// Idioms built on 죽다 that mean "very" (배고파 죽겠어요, 웃겨 죽는 줄, 죽을 뻔) or praise
/// (죽인다, 죽여준다); taken out before the rules read the message.
const KO_IDIOMS: &[&str] = &[
    "죽고싶냐",
    "죽고싶니",
    "죽여줘",
    "죽여준",
    "죽겠",
    "죽는줄",
    "죽을뻔",
    "죽을맛",
    "죽을지경",
    "죽을만큼맛",
    "죽인다",
    "죽여준",
    "죽이는",
    "죽이네",
    "죽어라공부",
    "죽어라일",
    "죽어라하",
    "죽자사자",
    "죽기살기",
    "죽을힘",
    "죽을둥살둥",
    "죽을똥살똥",
    "기가죽",
    "숨죽",
    "죽쑤",
    "죽이되든",
    "죽을죄",
    "죽었다깨어나도",
    "창피해서죽고싶",
    "부끄러워서죽고싶",
    "쪽팔려서죽고싶",
    "민망해서죽고싶",
    "쪽팔려죽고싶",
    "창피해죽고싶",
    "다리가아",
    "다리를다",
    "다리를다쳤",
    "다리위에서사진",
    "번개탄구이",
    "번개탄에구",
    "마지막으로인사드",
    "잘있어요다음주",
    "잘있어요내일",
    "끝내고싶어요일",
    "마지막말씀",
    "마지막인사를못",
    "마지막인사도못",
];

/// Signs the danger is past and resolved: the rules' hit then does not count unless the message
/// also says it is back now.
const KO_PAST: &[&str] = &[
    "년전엔",
    "학생때",
    "고등학생때",
    "중학생때",
    "대학생때",
    "어렸을때",
    "어릴적",
    "예전엔",
    "옛날엔",
    "전엔",
    "예전에",
    "옛날에",
    "전에는",
    "년전",
    "년전에",
    "달전",
    "작년에",
    "어릴때",
    "학창시절",
    "고등학교때",
    "중학교때",
    "대학교때",
    "그때는",
    "한때",
    "었었",
    "았었",
    "했었",
    "였었",
];
const KO_RESOLVED: &[&str] = &[
    "괜찮아졌",
    "안그래요",
    "요즘은안",
    "잘지내요",
    "잘지내고",
    "나아졌",
    "나아지",
    "살만해",
    "이제안해",
    "이제는안",
    "안한지",
    "지금돌아보면",
    "끊었",
    "지금은괜찮",
    "지금은안",
    "지금은없",
    "이제는괜찮",
    "이제괜찮",
    "지금은많이나아",
    "극복했",
    "많이좋아졌",
    "지금은좋아",
    "지금은그런생각",
];
const KO_NOW: &[&str] = &["아까", "방금", "요즘", "다시", "또", "지금", "오늘", "요새", "최근", "이번에"];
/// A negation right after the phrase: 죽고 싶은 건 아니에요, 자살할 생각은 없어요.
const KO_NEGATED: &[&str] = &[
    "은건아니",
    "은건아냐",
    "은게아니",
    "은거아니",
    "은거는아니",
    "은마음은없",
    "은생각은없",
    "은건절대",
    "생각은없",
    "생각은전혀",
    "생각은안",
    "생각없",
    "생각은아니",
    "마음은없",
    "진않",
    "지않아",
    "지는않",
    "진않아",
    "할생각없",
    "할생각은없",
];
/// Someone else's death told as news or memory (no rule of the writer's own fires with it).
const KO_OTHERS: &[&str] = &[
    "임종체험",
    "체험",
    "연수",
    "유서쓰기",
    "예방",
    "교육",
    "캠페인",
    "돌아가셨",
    "돌아가신",
    "사망",
    "별세",
    "뉴스",
    "기사",
    "연예인",
    "유명인",
    "드라마",
    "영화",
    "소설",
    "책에서",
    "통계",
    "숙제",
    "과제",
    "논문",
    "보고서",
    "발표",
];
/// Asking for a crisis line: "자살예방 상담전화 번호가 뭐예요?"
const KO_ASKING_LINE: &[&str] = &["번호", "전화번호", "상담전화", "핫라인", "어디로전화", "어디에전화", "연락처"];
/// Someone else at risk now: 친구가 뛰어내린대요.
const KO_THIRD: &[&str] = &[
    "룸메가",
    "룸메이트가",
    "친구가",
    "동생이",
    "언니가",
    "오빠가",
    "형이",
    "누나가",
    "엄마가",
    "아빠가",
    "남편이",
    "아내가",
    "와이프가",
    "딸이",
    "아들이",
    "애가",
    "아이가",
    "남친이",
    "여친이",
    "남자친구가",
    "여자친구가",
    "룸메이트가",
    "동료가",
];
/// Someone else says now that they will die: 친구가 자살한대요, 엄마가 죽겠다면서 나갔어요.
const KO_THIRD_INTENT: &[&str] = &[
    "죽겠다면서",
    "죽겠다며",
    "죽겠다고",
    "죽겠대",
    "죽는다고",
    "죽는대",
    "죽을거래",
    "죽을거라고",
    "자살한다고",
    "자살한대",
    "자살하겠다",
    "자살할거라",
    "죽어버린다고",
    "죽어버리겠다",
    "뛰어내린다고",
    "뛰어내린대",
    "뛰어내리겠다",
    "유서",
];
/// Tasks people finish (일을 다 끝내고 싶어요): an "end" rule does not fire with them.
const KO_TASKS: &[&str] = &[
    "일을",
    "일은",
    "과제",
    "숙제",
    "업무",
    "보고서",
    "공부",
    "프로젝트",
    "회의",
    "시험",
    "논문",
    "청소",
    "정리를",
    "계약",
    "관계를",
    "연애",
    "이혼",
    "얘기",
    "이야기",
    "대화",
    "상담을",
    "상담은",
    "작업",
];
/// Ordinary reasons to say goodbye to a counselor: moving, the last session, a new job.
const KO_FAREWELL_REASONS: &[&str] = &[
    "발령",
    "옮기게",
    "옮겨요",
    "센터로옮",
    "떠나요해외",
    "해외",
    "이사",
    "상담은여기까지",
    "여기까지할게",
    "종결",
    "마무리",
    "다음달",
    "이직",
    "졸업",
    "유학",
    "출국",
    "여행",
    "퇴사",
    "결혼",
    "상담을마치",
    "상담종료",
    "마지막상담",
    "마지막회기",
    "다음주에뵙",
    "다음에뵙",
    "다음주에봬",
    "다음에봬",
    "또뵐게",
    "뵐게요",
    "담당이바뀌",
    "바뀌게",
    "전근",
    "휴가",
    "출산",
];
const EN_FAREWELL_REASONS: &[&str] = &[
    " moving ",
    " last session ",
    " graduating ",
    " new job ",
    " relocating ",
    " ending therapy ",
    " vacation ",
    " holiday ",
    " see you next ",
    " see you on ",
    " see you tomorrow ",
    " next week ",
    " new counselor ",
    " new therapist ",
    " transfer ",
    " finishing therapy ",
    " maternity ",
];

/// A plan or a time that turns a wish into a plan: 방법을 찾아봤어요, 오늘 밤, 날짜를 정했어요.
const KO_PLAN: &[&str] = &[
    "계획",
    "날짜를정",
    "날을정",
    "날짜정",
    "방법을찾",
    "방법찾",
    "방법을알아",
    "방법검색",
    "방법을검색",
    "준비했",
    "준비해놨",
    "준비해뒀",
    "오늘밤",
    "오늘새벽",
    "지금당장",
];
const EN_PLAN: &[&str] = &[
    " exactly how ",
    " how and when ",
    " when and how ",
    " know how ",
    " plan ",
    " planned ",
    " planning ",
    " method ",
    " tonight ",
    " right now ",
    " looked up how ",
    " researched how ",
    " googled how ",
    " figured out how ",
    " decided ",
    " ready ",
];

/// A count of at least ten tablets taken: `30알 먹었어요`, `took 40 pills`. `units` follow the
/// number (with or without a space), and one of `taken` comes after it in the message.
fn many_pills(text: &str, units: &[&str], taken: &[&str]) -> bool {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let n: u32 = chars[start..i].iter().collect::<String>().parse().unwrap_or(0);
        let rest: String = chars[i..].iter().collect();
        let rest = rest.trim_start();
        let unit = units.iter().find(|u| rest.starts_with(*u));
        if n >= 10
            && let Some(u) = unit
        {
            let after = &rest[u.len()..];
            if taken.iter().any(|t| after.contains(t))
                || taken.iter().any(|t| lower[..lower.len() - rest.len()].contains(t))
            {
                return true;
            }
        }
    }
    false
}

const KO_REPORTED_NOW: &[&str] = &[
    "한대",
    "한다고",
    "하겠대",
    "하려고해",
    "하려고한",
    "한다며",
    "겠대",
    "려고해요",
    "려고해",
    "래요",
    "대요",
    "다고해",
    "다고했",
    "다고하",
];

fn korean(text: &str, why: &mut Vec<&'static str>) -> Option<Level> {
    let mut s = korean_form(text);
    if s.is_empty() {
        return None;
    }
    let mut level: Option<Level> = None;
    // Someone else says they will die, read before the idioms go (엄마가 죽겠다면서 나가셨어요).
    if any(&s, KO_THIRD) && any(&s, KO_THIRD_INTENT) {
        why.push("ko.someone-else-now");
        level = Some(Level::High);
    }
    s = matcher(KO_IDIOMS).replace(&s, "·");
    // Ending a task, leaving the center: not an ending of life.
    let task = any(&s, KO_TASKS);
    let farewell_reason = any(&s, KO_FAREWELL_REASONS);
    for rule in KO_RULES {
        let hits: Vec<usize> = matcher(rule.any_of)
            .ends(&s)
            .into_iter()
            .filter(|(p, _)| !(task && rule.any_of[*p].contains('끝')))
            .map(|(_, end)| end)
            .collect();
        if hits.is_empty() || (rule.name == "ko.goodbye" && farewell_reason) {
            continue;
        }
        // Negated right after each place it fired: it does not count.
        let negated = hits.iter().all(|&end| {
            let rest = &s[end..];
            let near: String = rest.chars().take(8).collect();
            KO_NEGATED.iter().any(|n| near.contains(n))
        });
        if negated {
            why.push("ko.negated");
            continue;
        }
        why.push(rule.name);
        level = level.max(Some(rule.level));
    }
    if many_pills(text, &["알", "정", "개"], &["먹", "삼켰", "삼킴"]) {
        why.push("ko.dose");
        level = Some(Level::High);
    }
    let mut level = level?;
    // Past or resolved, with nothing saying it is back now.
    let back = any(&s, &["다시", "또"])
        || (any(&s, KO_THIRD) && any(&s, &["대답이없", "연락이안", "전화를안받", "안나와", "문을안열"]));
    if (any(&s, KO_RESOLVED) && !back) || (any(&s, KO_PAST) && !any(&s, KO_NOW)) {
        why.push("ko.past");
        return None;
    }
    if any(&s, KO_OTHERS) && !any(&s, &["저도", "나도", "저는", "나는", "제가", "내가"]) {
        why.push("ko.others");
        return None;
    }
    if any(&s, KO_ASKING_LINE) && level == Level::Concern && !any(&s, &["죽고싶", "자살하고싶", "사라지고싶", "살기싫"])
    {
        why.push("ko.asking-for-a-line");
        return None;
    }
    // Another person at risk now is as urgent as oneself.
    if any(&s, KO_THIRD) && any(&s, KO_REPORTED_NOW) {
        why.push("ko.someone-else-now");
    }
    // Someone at risk who no longer answers.
    if any(&s, KO_THIRD) && any(&s, &["대답이없", "연락이안", "전화를안받", "안나와", "문을안열", "답이없"])
    {
        why.push("ko.someone-else-not-answering");
        return Some(Level::High);
    }
    // A wish with a plan or a time is no longer passive ("no plan" keeps it a wish).
    if level == Level::Concern && any(&s, KO_PLAN) && !any(&s, &["계획은없", "계획없", "계획은아직", "계획까지는"])
    {
        why.push("ko.plan-or-time");
        level = Level::High;
    }
    Some(level)
}

// ---------------------------------------------------------------------------------------------
// English: lower-case words, apostrophes dropped, digits inside words read as letters, joined
// by single spaces and padded, so phrases match on word boundaries.

fn english_form(text: &str) -> String {
    let mut out = String::from(" ");
    for raw in text.split_whitespace() {
        // Digits inside a word stand for letters (`k1ll`); a number stays a number (`2015`).
        let lettered = raw.chars().any(|c| c.is_ascii_alphabetic());
        let w: String = raw
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .filter(|c| *c != '\'' && *c != '’')
            .map(|c| match c {
                '0' if lettered => 'o',
                '3' if lettered => 'e',
                '4' | '@' if lettered => 'a',
                '$' if lettered => 's',
                c => c,
            })
            .collect();
        let w: String = w.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
        for part in w.split_whitespace() {
            out.push_str(part);
            out.push(' ');
        }
    }
    // Common spellings and slang written out.
    for (from, to) in [
        (" im ", " i am "),
        (" ive ", " i have "),
        (" ill ", " i will "),
        (" id ", " i would "),
        (" wanna ", " want to "),
        (" gonna ", " going to "),
        (" gunna ", " going to "),
        (" gona ", " going to "),
        (" tmrw ", " tomorrow "),
        (" tn ", " tonight "),
        (" 2nite ", " tonight "),
        (" tonite ", " tonight "),
        (" u ", " you "),
        (" ur ", " your "),
        (" kms ", " kill myself "),
        (" kys ", " kill yourself "),
        (" k1ll ", " kill "),
        (" suicde ", " suicide "),
        (" sucide ", " suicide "),
        (" suicidle ", " suicidal "),
        (" dont ", " do not "),
        (" wouldnt ", " would not "),
        (" couldnt ", " could not "),
        (" shouldnt ", " should not "),
        (" havent ", " have not "),
        (" doesnt ", " does not "),
        (" cant ", " can not "),
        (" cannot ", " can not "),
        (" wont ", " will not "),
        (" didnt ", " did not "),
        (" isnt ", " is not "),
        (" arent ", " are not "),
        (" unalive myself ", " kill myself "),
        (" unaliving myself ", " killing myself "),
        (" unaliving ", " dying "),
        (" unalive ", " die "),
        (" myslef ", " myself "),
        (" mysef ", " myself "),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

struct EnRule {
    name: &'static str,
    level: Level,
    any_of: &'static [&'static str],
}

const EN_RULES: &[EnRule] = &[
    EnRule {
        name: "en.attempt-now",
        level: Level::High,
        any_of: &[
            " i am on the roof ",
            " i am on the bridge ",
            " at the bridge now ",
            " pills lined up ",
            " taking them tonight ",
            " swallowed a whole bottle ",
            " took all my moms ",
            " took all my dads ",
            " took the pills ",
            " already took ",
            " with my pills ",
            " blade is already ",
            " already in my hand ",
            " gun is loaded ",
            " cutting right now ",
            " cutting now ",
            " am cutting ",
            " knife in my hand ",
            " blade in my hand ",
            " taking everything ",
            " took everything ",
            " all my meds ",
            " all of my meds ",
            " engine running ",
            " car in the garage ",
            " train tracks ",
            " on the tracks ",
            " railway tracks ",
            " jumping tonight ",
            " jumping off ",
            " overdosing ",
            " already took them ",
            " took them all ",
            " do not know how many ",
            " idk how many ",
            " everything is spinning ",
            " is on the bridge ",
            " is on the roof ",
            " all of it ",
            " took all my pills ",
            " took all of my pills ",
            " took all the pills ",
            " took a bunch of pills ",
            " took a bunch of my ",
            " took a whole bottle ",
            " took the whole bottle ",
            " took a handful ",
            " swallowed all ",
            " swallowed a bottle ",
            " swallowed the whole ",
            " swallowed a bunch ",
            " swallowed a handful ",
            " overdosed ",
            " i just od ",
            " i od ",
            " pills just now ",
            " cut my wrists ",
            " cut my wrist ",
            " slit my wrists ",
            " slit my wrist ",
            " bleeding a lot ",
            " wont stop bleeding ",
            " will not stop bleeding ",
            " am on the roof ",
            " am on the bridge ",
            " standing on the bridge ",
            " standing on the roof ",
            " standing on the ledge ",
            " on the ledge ",
            " at the bridge ",
            " on the edge of the roof ",
            " the rope is ready ",
            " noose is ready ",
            " tied the noose ",
            " tied a noose ",
            " lit the charcoal ",
            " drank bleach ",
            " drank the bleach ",
            " started the car in the garage ",
        ],
    },
    EnRule {
        name: "en.means",
        level: Level::High,
        any_of: &[
            " saving my lithium ",
            " saving my meds ",
            " i have enough now ",
            " given away my ",
            " gave away my ",
            " rope ",
            " the means ",
            " have the means ",
            " saved up my meds ",
            " saving my meds ",
            " saved my meds ",
            " saving up my meds ",
            " razor ",
            " noose ",
            " bought a rope ",
            " bought rope ",
            " got a rope ",
            " have a rope ",
            " have the rope ",
            " saving up pills ",
            " saving up my pills ",
            " saved up pills ",
            " saved up my pills ",
            " stockpiling ",
            " stockpiled ",
            " hoarding pills ",
            " hoarding my pills ",
            " have enough pills ",
            " got enough pills ",
            " enough pills to ",
            " bought a gun ",
            " loaded the gun ",
            " have a gun ",
            " charcoal ",
            " wrote a note ",
            " wrote my note ",
            " written my note ",
            " wrote a suicide note ",
            " suicide note ",
            " writing my note ",
            " writing a goodbye ",
            " wrote goodbye letters ",
            " gave away my ",
            " giving away my ",
        ],
    },
    EnRule {
        name: "en.intent",
        level: Level::High,
        any_of: &[
            " doing it tonight ",
            " do it tonight ",
            " going to do it ",
            " made my plan ",
            " my plan for ",
            " will not be here for ",
            " not going to make it to ",
            " going to the bridge ",
            " is the day ",
            " the day i ",
            " drive off ",
            " off the cliff ",
            " drive into ",
            " before anyone wakes up ",
            " going to kill herself ",
            " going to kill himself ",
            " going to kill themselves ",
            " kill herself ",
            " kill himself ",
            " kill themselves ",
            " end her life ",
            " end his life ",
            " how many pills would it take ",
            " how many pills does it take ",
            " how many pills to die ",
            " how many pills would kill ",
            " going to kill myself ",
            " will kill myself ",
            " am killing myself ",
            " about to kill myself ",
            " plan to kill myself ",
            " planning to kill myself ",
            " decided to kill myself ",
            " kill myself tonight ",
            " kill myself today ",
            " kill myself tomorrow ",
            " kill myself this ",
            " kill myself now ",
            " going to end it ",
            " will end it ",
            " am ending it ",
            " about to end it ",
            " end it tonight ",
            " end it all tonight ",
            " end it today ",
            " end my life tonight ",
            " end my life today ",
            " going to end my life ",
            " will end my life ",
            " plan to end my life ",
            " planning to end my life ",
            " decided to end my life ",
            " going to jump ",
            " about to jump ",
            " will jump off ",
            " jump off the ",
            " jump off a ",
            " jump in front of ",
            " going to hang myself ",
            " hang myself ",
            " going to overdose ",
            " will overdose ",
            " going to take all ",
            " take all my pills ",
            " take all of my pills ",
            " take all the pills ",
            " going to cut myself ",
            " going to slit ",
            " have it planned ",
            " what dose would ",
            " lethal dose ",
            " painless way to die ",
            " best way to die ",
            " easiest way to die ",
            " ways to kill myself ",
            " how to kill myself ",
            " going to die tonight ",
            " will be dead by ",
            " be dead by tomorrow ",
            " be dead by morning ",
        ],
    },
    EnRule {
        name: "en.goodbye",
        level: Level::High,
        any_of: &[
            " sorry for everything goodbye ",
            " thank you goodbye ",
            " said bye ",
            " said goodbye ",
            " i am sorry goodbye ",
            " sorry goodbye ",
            " please take care of my ",
            " goodbye forever ",
            " goodbye everyone ",
            " goodbye world ",
            " bye forever ",
            " this is goodbye ",
            " saying goodbye ",
            " say goodbye ",
            " my last message ",
            " this is my last ",
            " last time you will hear ",
            " last time youll hear ",
            " will not be here tomorrow ",
            " wont be here tomorrow ",
            " by the time you read this ",
            " when you read this i ",
            " thank you for everything goodbye ",
            " thanks for everything goodbye ",
            " you will not hear from me ",
            " will not hear from me again ",
            " see you on the other side ",
            " in my next life ",
        ],
    },
    EnRule {
        name: "en.ideation",
        level: Level::Concern,
        any_of: &[
            " something happens to me ",
            " car accident ",
            " dying would be a relief ",
            " want to not exist ",
            " not exist ",
            " thoughts of death ",
            " tired of existing ",
            " would not mind ",
            " fall asleep forever ",
            " more than scratch ",
            " wish i could just stop ",
            " thinking about death ",
            " still here ",
            " disappointed i woke up ",
            " woke up again ",
            " thinking about dying ",
            " think about dying ",
            " dying would be easier ",
            " death seems like ",
            " death is the only ",
            " only way out ",
            " point of living ",
            " urges to cut ",
            " urges to hurt ",
            " got hit by a car ",
            " would not mind dying ",
            " would not care if i died ",
            " would not mind if i died ",
            " if i died ",
            " want it to be over ",
            " want it all to end ",
            " want it all to be over ",
            " never been born ",
            " vanish ",
            " not existing ",
            " suicidal thoughts ",
            " crash my car ",
            " driving into a wall ",
            " sleep forever ",
            " if i was gone ",
            " if i were gone ",
            " nobody would notice ",
            " nobody would care if i ",
            " scratching my ",
            " burn myself ",
            " burning myself ",
            " hurting myself ",
            " telling me to die ",
            " ending it ",
            " want to be here anymore ",
            " done with everything ",
            " end it all ",
            " just end it ",
            " want to end it ",
            " to end it all ",
            " want to just disappear ",
            " i could just disappear ",
            " i would just disappear ",
            " wish i was hit by ",
            " get hit by a car ",
            " wish a car would hit me ",
            " want to die ",
            " wanted to die ",
            " wish i was dead ",
            " wish i were dead ",
            " wish i could die ",
            " wish i would die ",
            " wish i had died ",
            " want to be dead ",
            " better off dead ",
            " better off without me ",
            " better if i was gone ",
            " better if i were gone ",
            " better if i was not here ",
            " better if i were not here ",
            " better if i did not exist ",
            " do not want to live ",
            " do not want to be alive ",
            " do not want to be here ",
            " do not want to exist ",
            " do not want to wake up ",
            " not want to wake up ",
            " hope i do not wake up ",
            " not wake up ",
            " never wake up ",
            " stop existing ",
            " cease to exist ",
            " wish i could disappear ",
            " want to disappear ",
            " want to vanish ",
            " wish i never existed ",
            " wish i was never born ",
            " wish i had never been born ",
            " no reason to live ",
            " no reason to keep living ",
            " nothing to live for ",
            " no point in living ",
            " no point living ",
            " what is the point of living ",
            " tired of living ",
            " tired of being alive ",
            " done with life ",
            " done with living ",
            " end it all ",
            " end my life ",
            " kill myself ",
            " killing myself ",
            " suicidal ",
            " suicide ",
            " self harm ",
            " selfharm ",
            " harm myself ",
            " hurt myself ",
            " cut myself ",
            " cutting myself ",
            " cutting again ",
            " want to cut ",
            " urge to cut ",
            " die in my sleep ",
            " rather be dead ",
            " can not go on ",
            " can not do this anymore ",
            " can not keep going ",
            " give up on life ",
            " giving up on life ",
            " take my own life ",
            " taking my own life ",
            " not be alive ",
            " unalive ",
        ],
    },
];

/// Idioms that only sound deadly; removed before the rules read the message.
const EN_IDIOMS: &[&str] = &[
    " rope swing ",
    " phone is about to die ",
    " battery is about to die ",
    " about to die of ",
    " jump rope ",
    " rope course ",
    " ropes course ",
    " learning the ropes ",
    " show me the ropes ",
    " wanted to die of ",
    " want to die of ",
    " to die for ",
    " dying to ",
    " dying of laughter ",
    " died laughing ",
    " dying laughing ",
    " dead tired ",
    " dead on my feet ",
    " to die for ",
    " kill the process ",
    " kill the ",
    " killing it ",
    " killed it ",
    " is killing me ",
    " are killing me ",
    " killing me ",
    " kill for a ",
    " could die of embarrassment ",
    " die of embarrassment ",
    " died of embarrassment ",
    " wanted to die of embarrassment ",
    " want to die of embarrassment ",
    " bored to death ",
    " scared to death ",
    " sick to death ",
    " over my dead body ",
    " drop dead gorgeous ",
    " end it with ",
    " end it with him ",
    " end it with her ",
    " end it between ",
    " end it there ",
    " end it here ",
    " to end it early ",
    " end it now before ",
    " cut myself some slack ",
    " cut myself a break ",
    " cut myself off ",
    " hurt myself at the gym ",
    " hurt myself playing ",
    " hurt myself lifting ",
    " say goodbye to my ",
    " say goodbye to the ",
    " saying goodbye to my ",
    " saying goodbye to the ",
    " this is my last session ",
    " my last session ",
    " this is my last appointment ",
    " this is my last day ",
    " this is my last week ",
    " my last message was ",
    " take care of my cat ",
    " take care of my dog ",
    " take care of my kids today ",
    " jump off the page ",
];
const EN_PAST: &[&str] = &[
    " in 2015 ",
    " in 2016 ",
    " in 2017 ",
    " in 2018 ",
    " in 2019 ",
    " in 2020 ",
    " like 2019 ",
    " like 2018 ",
    " there was a time ",
    " last year ",
    " used to ",
    " years ago ",
    " year ago ",
    " months ago ",
    " in the past ",
    " back in the day ",
    " back in high school ",
    " back in college ",
    " when i was ",
    " as a teen ",
    " as a teenager ",
    " in high school ",
    " in college ",
    " in my twenties ",
    " had been ",
    " once tried ",
    " attempted when ",
    " previous attempt ",
    " past attempt ",
];
const EN_RESOLVED: &[&str] = &[
    " a lot better ",
    " doing okay now ",
    " therapy helped ",
    " helped a lot ",
    " it helped ",
    " no longer ",
    " not anymore ",
    " doing better ",
    " doing much better ",
    " much better now ",
    " better now ",
    " am okay now ",
    " am ok now ",
    " am fine now ",
    " am safe now ",
    " recovered ",
    " clean for ",
    " since then ",
    " got through ",
    " in recovery ",
    " have been stable ",
];
const EN_NOW: &[&str] = &[" again ", " tonight ", " right now ", " today ", " lately ", " these days ", " this week "];
const EN_NEGATED: &[&str] = &[
    " do not want to die ",
    " not want to die ",
    " never want to die ",
    " am not suicidal ",
    " not suicidal ",
    " never been suicidal ",
    " would never kill myself ",
    " would not kill myself ",
    " will not kill myself ",
    " never kill myself ",
    " not going to kill myself ",
    " am not going to hurt myself ",
    " not going to hurt myself ",
    " would never hurt myself ",
    " no thoughts of suicide ",
    " no thoughts of hurting ",
    " no plans to ",
    " not thinking about suicide ",
    " not thinking of suicide ",
    " not thinking of killing ",
    " not thinking about killing ",
    " not that i want to die ",
    " does not mean i want to die ",
    " do not have a plan ",
    " do not want to end my life ",
];
const EN_OTHERS: &[&str] = &[
    " committed suicide ",
    " died by suicide ",
    " took his own life ",
    " took her own life ",
    " took their own life ",
    " died ",
    " passed away ",
    " funeral ",
    " in the news ",
    " the news ",
    " news ",
    " article ",
    " celebrity ",
    " actor ",
    " singer ",
    " documentary ",
    " movie ",
    " novel ",
    " book ",
    " essay ",
    " research ",
    " statistics ",
    " awareness ",
    " prevention ",
];
const EN_ASKING_LINE: &[&str] = &[
    " hotline ",
    " crisis line ",
    " helpline ",
    " help line ",
    " phone number ",
    " number for ",
    " number of ",
    " what number ",
    " which number ",
    " who can i call ",
    " who do i call ",
];
const EN_THIRD: &[&str] = &[
    " my friend ",
    " my sister ",
    " my brother ",
    " my mom ",
    " my mother ",
    " my dad ",
    " my father ",
    " my son ",
    " my daughter ",
    " my husband ",
    " my wife ",
    " my partner ",
    " my boyfriend ",
    " my girlfriend ",
    " my roommate ",
    " my coworker ",
    " my kid ",
    " my child ",
    " she says ",
    " he says ",
    " they say ",
];

fn english(text: &str, why: &mut Vec<&'static str>) -> Option<Level> {
    let mut s = english_form(text);
    if s.trim().is_empty() {
        return None;
    }
    let negated = any(&s, EN_NEGATED);
    s = matcher(EN_NEGATED).replace(&s, " · ");
    s = matcher(EN_IDIOMS).replace(&s, " · ");
    if negated {
        why.push("en.negated");
    }
    let mut level: Option<Level> = None;
    let farewell_reason = any(&s, EN_FAREWELL_REASONS);
    for rule in EN_RULES {
        if rule.name == "en.goodbye" && farewell_reason {
            continue;
        }
        if any(&s, rule.any_of) {
            why.push(rule.name);
            level = level.max(Some(rule.level));
        }
    }
    // A goodbye with an apology or thanks and no ordinary reason.
    if !farewell_reason
        && any(&s, &[" goodbye ", " bye "])
        && any(&s, &[" sorry ", " thank ", " thanks ", " forever ", " everything ", " last "])
    {
        why.push("en.goodbye");
        level = Some(Level::High);
    }
    if many_pills(
        text,
        &["pills", "tablets", "sleeping", "of my", "xanax", "tylenol", "advil"],
        &["took", "swallowed", "taken", "just had"],
    ) {
        why.push("en.dose");
        level = Some(Level::High);
    }
    let mut level = level?;
    let first_person = any(&s, &[" i ", " me ", " my ", " myself "]);
    let back = any(&s, &[" again ", " back "]);
    if (any(&s, EN_RESOLVED) && !back) || (any(&s, EN_PAST) && !any(&s, EN_NOW)) {
        why.push("en.past");
        return None;
    }
    if any(&s, EN_OTHERS)
        && !any(
            &s,
            &[
                " i want ",
                " i am going ",
                " i will ",
                " myself ",
                " i feel ",
                " i wish ",
                " i think about ",
                " i have been thinking ",
                " if i died ",
                " i died ",
            ],
        )
    {
        why.push("en.others");
        return None;
    }
    if any(&s, EN_ASKING_LINE)
        && level == Level::Concern
        && !any(&s, &[" want to die ", " kill myself ", " i am suicidal ", " feel suicidal ", " feeling suicidal "])
    {
        why.push("en.asking-for-a-line");
        return None;
    }
    if level == Level::Concern
        && any(&s, EN_PLAN)
        && first_person
        && !any(&s, &[" no plan ", " not a plan ", " do not have a plan ", " without a plan "])
    {
        why.push("en.plan-or-time");
        level = Level::High;
    }
    if any(&s, EN_THIRD) {
        why.push("en.someone-else");
        if any(&s, &[" kill herself ", " kill himself ", " kill themselves ", " end her life ", " end his life "])
            && any(
                &s,
                &[" going to ", " about to ", " now ", " just ", " tonight ", " pills ", " bridge ", " gun ", " said "],
            )
        {
            level = Level::High;
        }
    } else if !first_person
        && level == Level::Concern
        && any(&s, &[" suicide ", " self harm ", " selfharm "])
        && !any(&s, EN_NOW)
    {
        // "suicide" or "self harm" as a topic, with nobody in it.
        why.push("en.topic-only");
        return None;
    }
    Some(level)
}

/// Checks a message: its crisis level, if any, and why.
pub fn assess(message: &str) -> Assessment {
    let mut why = Vec::new();
    let ko = korean(message, &mut why);
    let en = english(message, &mut why);
    let level = ko.max(en);
    if level.is_none() {
        why.retain(|w| {
            w.ends_with("negated")
                || w.ends_with("past")
                || w.ends_with("others")
                || w.contains("asking")
                || w.contains("topic")
        });
    }
    Assessment { level, why }
}

/// The crisis level of a message, if any.
pub fn check(message: &str) -> Option<Level> {
    assess(message).level
}

/// The short structured risk check a counselor fills in after a crisis message (the questions
/// of the usual suicide risk screening: ideation, plan, means, timing, past attempts, protective
/// factors, and what was done).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RiskCheck {
    /// `none`, `passive` or `active`.
    pub ideation: String,
    /// `yes`, `no` or `unknown` for the next three.
    pub plan: String,
    pub means: String,
    pub attempts: String,
    /// `none`, `later` or `now`.
    pub timing: String,
    pub protective: String,
    /// Any of `safety_plan`, `emergency`, `referral`; empty when nothing was done yet.
    pub actions: Vec<String>,
}

/// Longest text of protective factors.
pub const MAX_PROTECTIVE_CHARS: usize = 1000;
pub const IDEATION: &[&str] = &["none", "passive", "active"];
pub const YES_NO: &[&str] = &["yes", "no", "unknown"];
pub const TIMING: &[&str] = &["none", "later", "now"];
pub const ACTIONS: &[&str] = &["safety_plan", "emergency", "referral"];

impl RiskCheck {
    /// Checks a filled-in form: every choice from its list, the text within its limit. The error
    /// is a Fluent message id.
    pub fn new(
        ideation: &str,
        plan: &str,
        means: &str,
        attempts: &str,
        timing: &str,
        protective: &str,
        actions: &[String],
    ) -> Result<Self, &'static str> {
        let ok = IDEATION.contains(&ideation)
            && [plan, means, attempts].iter().all(|v| YES_NO.contains(v))
            && TIMING.contains(&timing)
            && actions.iter().all(|a| ACTIONS.contains(&a.as_str()));
        if !ok {
            return Err("error-crisis-check");
        }
        // A browser sends a line break as `\r\n`.
        let protective = protective.replace("\r\n", "\n");
        let protective = protective.trim();
        if protective.chars().count() > MAX_PROTECTIVE_CHARS || protective.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err("error-crisis-too-long");
        }
        let mut actions: Vec<String> = actions.to_vec();
        actions.sort();
        actions.dedup();
        Ok(Self {
            ideation: ideation.to_owned(),
            plan: plan.to_owned(),
            means: means.to_owned(),
            attempts: attempts.to_owned(),
            timing: timing.to_owned(),
            protective: protective.to_owned(),
            actions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_plans_means_and_goodbyes_are_high() {
        for m in [
            "다 끝내고 싶어요. 오늘 밤에 죽을 거예요",
            "수면제 모아둔 거 오늘 다 먹으려고요",
            "번개탄 사놨어요",
            "I took all my pills",
            "i'm going to kill myself tonight",
            "지금 옥상이에요",
            "그동안 고마웠어요 다들 안녕",
            "ㅈㅅ할거임",
            "자1살 할 거야",
            "goodbye everyone, this is my last message",
        ] {
            assert_eq!(check(m), Some(Level::High), "{m}");
        }
    }

    #[test]
    fn passive_ideation_is_concern() {
        for m in [
            "다 끝내고 싶어요",
            "죽고 싶다는 생각이 자꾸 들어요",
            "사라지고 싶어요",
            "ㅈㄱㅅㄷ",
            "i wish i could just not wake up",
            "i wanna kms",
        ] {
            assert_eq!(check(m), Some(Level::Concern), "{m}");
        }
    }

    #[test]
    fn a_risk_check_takes_only_known_answers() {
        let ok = RiskCheck::new("active", "yes", "no", "unknown", "now", "her sister", &["safety_plan".into()]);
        assert_eq!(ok.map(|c| c.actions), Ok(vec!["safety_plan".to_owned()]));
        assert_eq!(RiskCheck::new("maybe", "yes", "no", "no", "now", "", &[]), Err("error-crisis-check"));
        assert_eq!(RiskCheck::new("none", "yes", "no", "no", "now", "", &["call".into()]), Err("error-crisis-check"));
        let lines = RiskCheck::new("none", "no", "no", "no", "none", "언니\r\n친구", &[]);
        assert_eq!(lines.map(|c| c.protective), Ok("언니\n친구".to_owned()), "line breaks as browsers send them");
        let long = "가".repeat(MAX_PROTECTIVE_CHARS + 1);
        assert_eq!(RiskCheck::new("none", "no", "no", "no", "none", &long, &[]), Err("error-crisis-too-long"));
    }

    #[test]
    fn idioms_past_news_and_questions_pass() {
        for m in [
            "배고파 죽겠어요",
            "웃겨 죽는 줄 알았어요",
            "피곤해 죽겠네",
            "I'm dying to know",
            "I'm dead tired",
            "how do I kill the process",
            "3년 전에 자살 시도했었는데 지금은 괜찮아요",
            "I used to self-harm in high school, I'm doing much better now",
            "할머니가 작년에 돌아가셨어요",
            "자살예방 상담전화 번호가 뭐예요?",
            "죽고 싶은 건 아니에요",
            "I don't want to die, I just feel tired",
        ] {
            assert_eq!(check(m), None, "{m}: {:?}", assess(m).why);
        }
    }
}
