//! The check of a client's chat message for insults and profanity, threats, and sexual
//! harassment, in Korean and English, including the usual ways of slipping past a word list:
//! spaces or symbols inside words (`시.발`, `f u c k`), consonant-only forms (`ㅅㅂ`, `ㅄ`),
//! digits or Latin look-alikes inside words (`시1발`, `b1tch`, `fuсk` with a Cyrillic `с`),
//! full-width letters, repeated letters (`시이이발`, `fuuuck`), tense or aspirated consonants
//! (`씨빨`, `씨팔`), and Korean typed on an English keyboard (`tlqkf`).
//!
//! It is a word list with rules, not a model, so every decision can be explained to a counselor
//! and to the client. Two rules keep ordinary messages from being flagged: a word a client reports
//! someone else saying (`씨발이라고 소리 질렀어요`, `he called me an idiot`) is not an insult to
//! the counselor, and neither is a client's hard word about themselves (`저는 쓰레기 같은
//! 인간이에요`). Its precision and recall on the labelled set in `tests/data/abuse.tsv` are in
//! BENCHMARKS.md.

/// What a message was flagged for, most serious last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Insult,
    /// Ends the conversation at once (the counselor's choice).
    Sexual,
    Threat,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Insult => "insult",
            Category::Sexual => "sexual",
            Category::Threat => "threat",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Korean: the message as a stream of Hangul syllables (everything else dropped, so spaces,
// digits and symbols inside words vanish), each reduced to a coarse form.

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

/// Where in `msg` the word `w` stands, as syllable indices.
fn find(msg: &[Syl], w: &[Syl]) -> Vec<usize> {
    if w.is_empty() || msg.len() < w.len() {
        return Vec::new();
    }
    (0..=msg.len() - w.len())
        .filter(|&i| {
            let span = &msg[i..i + w.len()];
            // A lone typed consonant never stands for a whole one-syllable word (`ㅈ` is not `좆`).
            let has_full = span.iter().any(|s| matches!(s, Syl::Full { .. }));
            (has_full || w.len() >= 2) && span.iter().zip(w).all(|(m, w)| syl_matches(*m, *w))
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
    "씹새끼",
    "씹",
    "좆",
    "좆같",
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
    "저새끼",
    "그새끼",
    "새끼야",
    "새끼들",
    "년아",
];
/// Korean words that count only as a whole word (`꺼져` but not `꺼져요`, `닥쳐` but not `닥쳐올`).
const KO_INSULT_WORDS: &[&str] = &["꺼져", "꺼져라", "닥쳐", "닥쳐라"];
const KO_THREATS: &[&str] = &[
    "죽여버",
    "죽일거",
    "죽인다",
    "찾아간다",
    "집주소알아",
    "밤길조심",
    "가만안둔",
    "가만두지않",
    "칼로찔러",
    "때려죽",
    "다죽일",
    "불질러",
    "패버",
    "얼굴기억했",
    "죽고싶냐",
    "뒤지고싶냐",
    "각오해라",
];
const KO_SEXUAL: &[&str] = &[
    "가슴사진",
    "가슴보여",
    "가슴크",
    "벗어봐",
    "나랑자자",
    "섹스",
    "속옷입었",
    "야동",
    "자위",
    "모텔갈래",
    "신음",
    "엉덩이만지",
    "엉덩이사진",
    "알몸",
    "대주",
    "너랑하고싶",
    "몸파는거얼마",
    "몸매좋",
    "보지보여",
];
/// Ordinary words that contain an insult: 시발점 (starting point), 시발역, 지랄맞다 (a rotten day).
const KO_ALLOWED: &[&str] = &["시발점", "시발역", "시발택시", "지랄맞"];
/// After a word, these mean someone else said it: `씨발이라고`, `병신이라며`, `지랄이라는 소리`.
const KO_REPORTED: &[&str] = &["라고", "이라고", "라며", "이라며", "라는", "이라는", "소리"];
/// A message about oneself: `저는 쓰레기 같은 인간이에요`.
const KO_SELF: &[&str] = &["저는", "제가", "저자신", "나는", "내가"];
const KO_YOU: &[&str] = &["너", "니가", "네가", "당신", "상담사", "선생"];

fn compile(words: &[&str]) -> Vec<Vec<Syl>> {
    words.iter().map(|w| syllables(w)).collect()
}

fn hangul_only(s: &str) -> String {
    s.chars().filter(|c| ('\u{AC00}'..='\u{D7A3}').contains(c) || ('\u{3131}'..='\u{318E}').contains(c)).collect()
}

fn korean(text: &str) -> Option<Category> {
    let msg = syllables(text);
    let allowed: Vec<usize> =
        compile(KO_ALLOWED).iter().flat_map(|w| find(&msg, w).into_iter().flat_map(move |i| i..i + w.len())).collect();
    let hits = |words: &[&str], reported_exempt: bool| {
        compile(words).iter().any(|w| {
            find(&msg, w).into_iter().any(|i| {
                if allowed.contains(&i) {
                    return false;
                }
                let after = &msg[i + w.len()..];
                let reported = reported_exempt
                    && compile(KO_REPORTED)
                        .iter()
                        .any(|r| after.len() >= r.len() && after.iter().zip(r).all(|(a, b)| syl_matches(*a, *b)));
                !reported
            })
        })
    };
    if hits(KO_THREATS, true) {
        return Some(Category::Threat);
    }
    if hits(KO_SEXUAL, false) {
        return Some(Category::Sexual);
    }
    let whole_word = text.split_whitespace().any(|w| {
        let w = hangul_only(w);
        KO_INSULT_WORDS.contains(&w.as_str())
    });
    if whole_word || hits(KO_INSULTS, true) {
        let flat = hangul_only(&text.replace(' ', ""));
        let about_self = KO_SELF.iter().any(|s| flat.contains(s))
            && !text.split_whitespace().any(|w| KO_YOU.iter().any(|y| w.starts_with(y)));
        if !about_self {
            return Some(Category::Insult);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// English: words folded to plain lower-case Latin, letters inside words mapped back from digits
// and symbols, spelled-out words joined, repeated letters allowed.

fn fold_char(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    match c {
        'а' | 'А' => 'a',
        'е' | 'Е' => 'e',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'с' | 'С' => 'c',
        'у' => 'y',
        'х' | 'Х' => 'x',
        'і' | 'І' => 'i',
        'к' | 'К' => 'k',
        'т' | 'Т' => 't',
        'м' | 'М' => 'm',
        other => other.to_ascii_lowercase(),
    }
}

fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        _ => return None,
    })
}

/// The message's English words, normalized, each with whether a sentence ends after it; single
/// letters in a row (`f u c k`) are joined into one word.
fn english_words(text: &str) -> Vec<(String, bool)> {
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut singles = String::new();
    for raw in text.split_whitespace() {
        let folded: Vec<char> = raw.chars().map(fold_char).collect();
        let has_letter = folded.iter().any(char::is_ascii_alphabetic);
        let ends = folded.last().is_some_and(|c| matches!(c, '.' | '!' | '?' | ','));
        let mut w = String::new();
        for (k, &c) in folded.iter().enumerate() {
            if c.is_ascii_alphabetic() || c == '*' {
                w.push(c);
            } else if has_letter && let Some(l) = leet(c) {
                // A symbol at the end is punctuation (`fuck!`), inside it stands for a letter.
                if c.is_ascii_digit() || folded[k + 1..].iter().any(char::is_ascii_alphabetic) {
                    w.push(l);
                }
            }
        }
        if w.is_empty() {
            continue;
        }
        // Letters typed one by one (`f u c k`) make one word; `u` or `i` alone stays a word.
        if w.chars().count() == 1 {
            singles.push_str(&w);
            if ends {
                words.push((std::mem::take(&mut singles), true));
            }
            continue;
        }
        if !singles.is_empty() {
            words.push((std::mem::take(&mut singles), false));
        }
        words.push((w, ends));
    }
    if !singles.is_empty() {
        words.push((singles, true));
    }
    words
}

fn runs(s: &str) -> Vec<(char, usize)> {
    let mut out: Vec<(char, usize)> = Vec::new();
    for c in s.chars() {
        match out.last_mut() {
            Some((l, n)) if *l == c => *n += 1,
            _ => out.push((c, 1)),
        }
    }
    out
}

/// How many letters of `word` the start of `token` covers, when it spells `word` with letters
/// repeated at will and `*` for any one letter; `None` when it does not.
fn spell_prefix(token: &str, word: &str) -> Option<usize> {
    let (t, w) = (runs(token), runs(word));
    if t.len() < w.len() {
        return None;
    }
    for (i, (wc, wn)) in w.iter().enumerate() {
        let (tc, tn) = t[i];
        if !(tc == *wc || tc == '*') || (tc == *wc && tn < *wn) {
            return None;
        }
    }
    Some(t[..w.len()].iter().map(|(_, n)| n).sum())
}

fn spells(token: &str, word: &str) -> bool {
    spell_prefix(token, word) == Some(token.chars().count())
}

/// Insults: a word, or a stem with the usual endings (`fucking`, `bitches`).
const EN_INSULT_STEMS: &[&str] = &[
    "fuck",
    "fck",
    "fuk",
    "fvck",
    "phuck",
    "shit",
    "bitch",
    "cunt",
    "whore",
    "slut",
    "retard",
    "bastard",
    "asshole",
    "dickhead",
    "motherfucker",
    "moron",
    "idiot",
    "dumbass",
    "jackass",
    "bullshit",
    "dipshit",
    "shithead",
    "stfu",
    "sibal",
    "ssibal",
    "shibal",
    "tlqkf",
    "qudtls",
    "ass",
];
const EN_ENDINGS: &[&str] = &["", "s", "es", "ing", "in", "er", "ers", "ed", "y", "ty", "head", "face", "off"];
/// Phrases, word by word; `$` means the message or sentence ends there.
const EN_INSULT_PHRASES: &[&[&str]] = &[&["screw", "you"], &["kiss", "my", "ass"], &["eat", "shit"]];
const EN_THREATS: &[&[&str]] = &[
    &["kill", "you"],
    &["kill", "u"],
    &["hurt", "you"],
    &["find", "you", "and"],
    &["find", "your", "family"],
    &["know", "where", "you", "live"],
    &["know", "your", "address"],
    &["watch", "your", "back"],
    &["youre", "dead", "$"],
    &["you", "are", "dead", "$"],
    &["beat", "you", "up"],
    &["burn", "your"],
    &["shoot", "you"],
    &["stab", "you"],
    &["coming", "for", "you"],
    &["make", "you", "pay"],
];
const EN_SEXUAL: &[&[&str]] = &[
    &["nudes"],
    &["noodz"],
    &["boobs"],
    &["sext"],
    &["horny"],
    &["sexy", "body"],
    &["what", "are", "you", "wearing"],
    &["sleep", "with", "me"],
    &["sex", "with", "you"],
    &["suck", "my"],
    &["touch", "your"],
    &["your", "breasts"],
    &["pics", "of", "your"],
    &["show", "me", "your"],
    &["take", "it", "off"],
    &["how", "much", "for", "a", "night"],
];
/// Words just before an insult that mean it is reported: `he called me an idiot`.
const EN_REPORTED: &[&str] = &["called", "calls", "told", "tells", "said", "says", "threatened"];

fn phrase_at(words: &[(String, bool)], phrase: &[&str]) -> bool {
    let (needed, at_end) = match phrase.last() {
        Some(&"$") => (&phrase[..phrase.len() - 1], true),
        _ => (phrase, false),
    };
    if words.len() < needed.len() {
        return false;
    }
    (0..=words.len() - needed.len()).any(|i| {
        let last = i + needed.len() - 1;
        needed.iter().enumerate().all(|(k, w)| spells(&words[i + k].0, w))
            && (!at_end || last + 1 == words.len() || words[last].1)
    })
}

fn english(text: &str) -> Option<Category> {
    let words = english_words(text);
    if EN_THREATS.iter().any(|p| phrase_at(&words, p)) {
        return Some(Category::Threat);
    }
    if EN_SEXUAL.iter().any(|p| phrase_at(&words, p)) {
        return Some(Category::Sexual);
    }
    let insult_at = |i: usize| {
        let word = &words[i].0;
        EN_INSULT_STEMS.iter().any(|stem| {
            spell_prefix(word, stem).is_some_and(|n| {
                let rest: String = word.chars().skip(n).collect();
                EN_ENDINGS.contains(&rest.as_str())
            })
        })
    };
    for i in 0..words.len() {
        if insult_at(i) {
            let reported = words[i.saturating_sub(3)..i].iter().any(|(w, _)| EN_REPORTED.contains(&w.as_str()));
            if !reported {
                return Some(Category::Insult);
            }
        }
    }
    if EN_INSULT_PHRASES.iter().any(|p| phrase_at(&words, p)) {
        return Some(Category::Insult);
    }
    None
}

/// Checks a message: the most serious thing it was flagged for, or `None`.
pub fn check(message: &str) -> Option<Category> {
    match (korean(message), english(message)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evasive_spellings_are_seen_through() {
        for m in [
            "시 발",
            "시1발",
            "씨~빨",
            "ㅅㅂ",
            "ㅄ",
            "시이이발",
            "ｆｕｃｋ",
            "fuсk",
            "f u c k",
            "b!tch",
            "fuuuck",
            "f*ck",
            "tlqkf",
        ] {
            assert_eq!(check(m), Some(Category::Insult), "{m}");
        }
    }

    #[test]
    fn ordinary_words_that_contain_rude_ones_pass() {
        for m in [
            "시발점이 어디예요",
            "불이 꺼져요",
            "닥쳐올 시험",
            "ㄱㅅㄱㅅ",
            "i assessed my class",
            "scunthorpe",
            "dickens",
            "shiitake",
        ] {
            assert_eq!(check(m), None, "{m}");
        }
    }

    #[test]
    fn reported_and_self_directed_words_pass() {
        assert_eq!(check("동료가 씨발이라고 소리 질렀어요"), None);
        assert_eq!(check("my boss called me an idiot"), None);
        assert_eq!(check("저는 쓰레기 같은 인간이에요"), None);
        assert_eq!(check("이 쓰레기 같은 상담사야"), Some(Category::Insult));
    }

    #[test]
    fn threats_and_harassment_outrank_insults() {
        assert_eq!(check("씨발 죽여버린다"), Some(Category::Threat));
        assert_eq!(check("fuck you, send nudes"), Some(Category::Sexual));
        assert_eq!(check("you're dead right"), None);
        assert_eq!(check("you're dead."), Some(Category::Threat));
    }
}
