//! The English rules: words folded to plain lower-case Latin, letters inside words mapped back from
//! digits and symbols, spelled-out words joined, repeated letters allowed.

use super::{Category, EXEMPT};

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

/// The letters of `s` as runs of one letter repeated: `fuuuck` is f×1, u×3, c×1, k×1.
fn runs(s: &str) -> impl Iterator<Item = (char, usize)> + '_ {
    let mut chars = s.chars().peekable();
    std::iter::from_fn(move || {
        let c = chars.next()?;
        let mut n = 1;
        while chars.next_if_eq(&c).is_some() {
            n += 1;
        }
        Some((c, n))
    })
}

/// How many letters of `word` the start of `token` covers, when it spells `word` with letters
/// repeated at will and `*` for any one letter; `None` when it does not.
fn spell_prefix(token: &str, word: &str) -> Option<usize> {
    let mut t = runs(token);
    let mut covered = 0;
    for (wc, wn) in runs(word) {
        let (tc, tn) = t.next()?;
        if !(tc == wc || tc == '*') || (tc == wc && tn < wn) {
            return None;
        }
        covered += tn;
    }
    Some(covered)
}

fn spells(token: &str, word: &str) -> bool {
    spell_prefix(token, word).is_some_and(|n| n == token.chars().count())
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
const EN_INSULT_PHRASES: &[&[&str]] = &[
    &["screw", "you"],
    &["kiss", "my", "ass"],
    &["eat", "shit"],
    &["fu", "and"],
    &["fu", "$"],
    &["suck", "at"],
    &["waste", "of", "oxygen"],
    &["waste", "of", "space"],
    &["get", "a", "real", "job"],
    &["brick", "wall"],
    &["do", "better", "than", "you"],
    &["advice", "than", "you"],
    &["better", "job", "than", "you"],
    &["how", "did", "you", "pass"],
    &["are", "you", "always", "this"],
    &["you", "actually", "this"],
    &["cereal", "box"],
    &["fortune", "cookie"],
    &["glorified"],
    &["for", "the", "paycheck"],
    &["bunch", "of", "clowns"],
    &["you", "people", "are"],
    &["honestly", "pathetic"],
    &["you", "leech"],
    &["truly", "incompetent"],
    &["most", "incompetent"],
    &["run", "by", "clowns"],
    &["and", "so", "are", "you"],
    &["so", "are", "the", "people", "who", "work"],
    &["service", "is", "garbage"],
    &["wall", "with", "a", "pulse"],
    &["more", "empathy", "than", "you"],
    &["so", "bad", "at", "this"],
];
const EN_THREATS: &[&[&str]] = &[
    &["bringing", "my", "gun"],
    &["bring", "a", "gun"],
    &["bring", "my", "gun"],
    &["going", "to", "burn"],
    &["gonna", "burn"],
    &["burn", "that"],
    &["burn", "the", "clinic"],
    &["hope", "we", "never", "meet"],
    &["better", "hope"],
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
    &["coming", "down", "there"],
    &["shame", "if", "something", "happened"],
    &["bringing", "a", "bat"],
    &["pray", "we", "never", "meet"],
    &["make", "you", "disappear"],
    &["your", "plate", "number"],
    &["before", "i", "do", "it", "for", "you"],
    &["your", "last", "days"],
    &["parked", "across", "from", "your"],
    &["when", "you", "walk", "out"],
    &["see", "u", "this", "weekend"],
    &["know", "which", "office", "you"],
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
    &["session", "at", "my", "place"],
    &["light", "some", "candles"],
    &["just", "the", "two", "of", "us"],
    &["take", "you", "to", "bed"],
    &["taking", "you", "to", "bed"],
    &["to", "a", "hotel"],
    &["back", "to", "my", "place"],
    &["sit", "on", "my", "face"],
    &["show", "feet"],
    &["kissable"],
    &["slept", "with"],
    &["bending", "you", "over"],
    &["jerked", "off"],
    &["pic", "of", "my"],
    &["all", "the", "right", "places"],
    &["young", "enough", "to", "be", "fun"],
    &["so", "sexy"],
    &["sexy", "therapist"],
    &["tight", "dress"],
    &["that", "body"],
    &["noods"],
    &["n00ds"],
];
/// Words just before an insult that mean it is reported: `he called me an idiot`.
const EN_REPORTED: &[&str] = &["called", "calls", "calling", "told", "tells", "said", "says", "threatened"];

/// The message's words with, for each first letter, where words starting with it are (`*`
/// stands for any letter, so those words are listed under every phrase's first letter).
struct Words {
    list: Vec<(String, bool)>,
    by_first: std::collections::HashMap<char, Vec<usize>>,
    wild: Vec<usize>,
}

impl Words {
    fn new(list: Vec<(String, bool)>) -> Self {
        let mut by_first: std::collections::HashMap<char, Vec<usize>> = std::collections::HashMap::new();
        let mut wild = Vec::new();
        for (i, (w, _)) in list.iter().enumerate() {
            match w.chars().next() {
                Some('*') => wild.push(i),
                Some(c) => by_first.entry(c).or_default().push(i),
                None => {}
            }
        }
        Self { list, by_first, wild }
    }
}

impl std::ops::Deref for Words {
    type Target = [(String, bool)];
    fn deref(&self) -> &Self::Target {
        &self.list
    }
}

fn phrase_at(words: &Words, phrase: &[&str]) -> bool {
    let (needed, at_end) = match phrase.last() {
        Some(&"$") => (&phrase[..phrase.len() - 1], true),
        _ => (phrase, false),
    };
    let Some(first) = needed.first().and_then(|w| w.chars().next()) else { return false };
    if words.len() < needed.len() {
        return false;
    }
    let starts = words.by_first.get(&first).into_iter().flatten().chain(&words.wild);
    starts.copied().filter(|&i| i + needed.len() <= words.len()).any(|i| {
        let last = i + needed.len() - 1;
        needed.iter().enumerate().all(|(k, w)| spells(&words[i + k].0, w))
            && (!at_end || last + 1 == words.len() || words[last].1)
    })
}

/// Threats without a violent word: where the counselor lives or works, their family, waiting.
const EN_THREAT_MEANING: &[&[&str]] = &[
    &["stabs", "you"],
    &["found", "your"],
    &["capable", "of"],
    &["saw", "you", "at"],
    &["didnt", "see", "me"],
    &["parking", "lot"],
    &["parking", "garage"],
    &["when", "or", "where"],
    &["find", "anyone"],
    &["you", "included"],
    &["happens", "to", "you"],
    &["happen", "to", "you"],
    &["crap", "out", "of", "you"],
    &["shit", "out", "of", "you"],
    &["break", "every", "bone"],
    &["break", "your"],
    &["punch", "your"],
    &["punch", "you"],
    &["smash", "your"],
    &["slap", "you"],
    &["hit", "you"],
    &["and", "your", "family", "are", "dead"],
    &["your", "family", "is", "dead"],
    &["are", "dead"],
    &["teeth", "in"],
    &["where", "you", "live"],
    &["where", "you", "work"],
    &["where", "you", "park"],
    &["where", "your", "office"],
    &["where", "your", "kids"],
    &["your", "address"],
    &["your", "home", "address"],
    &["find", "you"],
    &["found", "you"],
    &["finding", "you"],
    &["follow", "you"],
    &["following", "you"],
    &["waiting", "outside"],
    &["wait", "outside"],
    &["waiting", "for", "you"],
    &["outside", "your"],
    &["see", "you", "after", "work"],
    &["see", "you", "outside"],
    &["visit", "your"],
    &["pay", "you", "a", "visit"],
    &["show", "up", "at", "your"],
    &["come", "to", "your"],
    &["coming", "to", "your"],
    &["watching", "you"],
    &["ill", "be", "watching"],
    &["regret", "this"],
    &["regret", "it"],
    &["youll", "regret"],
    &["you", "will", "regret"],
    &["gonna", "regret"],
    &["going", "to", "regret"],
    &["ruin", "your"],
    &["ruin", "you"],
    &["end", "you"],
    &["mess", "you", "up"],
    &["better", "watch", "out"],
    &["watch", "yourself"],
    &["be", "careful", "walking"],
    &["careful", "on", "your", "way"],
    &["what", "car", "you", "drive"],
    &["know", "your", "schedule"],
    &["know", "your", "name"],
    &["know", "what", "you", "look", "like"],
    &["would", "be", "a", "shame", "if"],
    &["shame", "if", "something"],
    &["something", "happened", "to", "your"],
    &["something", "happens", "to", "your"],
    &["make", "sure", "you", "never"],
    &["youll", "pay"],
    &["you", "will", "pay"],
    &["ill", "make", "you", "pay"],
    &["will", "make", "you", "pay"],
    &["going", "to", "make", "you", "pay"],
    &["gonna", "make", "you", "pay"],
    &["get", "what", "you", "deserve"],
    &["get", "what", "is", "coming"],
    &["whats", "coming", "to", "you"],
    &["know", "where", "you", "live"],
    &["know", "where", "you", "work"],
    &["know", "where", "your"],
    &["know", "which", "building", "you"],
    &["know", "which", "gym"],
    &["know", "what", "time", "you"],
    &["found", "out", "where", "you"],
    &["watch", "your", "back"],
    &["followed", "you"],
    &["follow", "you", "home"],
    &["you", "wont", "feel", "safe"],
    &["shame", "if", "something"],
    &["if", "something", "happened", "to"],
    &["teach", "you", "a", "lesson"],
    &["coming", "down", "there"],
    &["when", "i", "see", "u"],
    &["when", "i", "see", "you"],
    &["ur", "dead"],
    &["make", "it", "happen"],
    &["deserve", "to", "get", "hurt"],
    &["your", "kids", "go", "to"],
    &["which", "gym", "you"],
    &["which", "building", "you"],
    &["what", "time", "you", "leave"],
    &["youll", "regret"],
    &["you", "will", "regret"],
    &["coming", "for", "you"],
    &["waiting", "outside", "your"],
    &["outside", "your", "house"],
    &["outside", "your", "office"],
    &["your", "neighbors", "would"],
    &["post", "your", "address"],
    &["leak", "your"],
    &["sleep", "with", "one", "eye"],
];
/// A threat to the counselor's family: `your` and a relative, with a word of harm or safety.
const EN_FAMILY: &[&str] = &[
    "family",
    "kids",
    "children",
    "child",
    "daughter",
    "son",
    "husband",
    "wife",
    "parents",
    "mother",
    "mom",
    "father",
    "husbands",
    "wifes",
    "daughters",
    "sons",
    "kid",
    "boyfriend",
    "girlfriend",
    "partner",
];
const EN_FAMILY_HARM: &[&str] = &[
    "safe", "safety", "shame", "careful", "find", "know", "visit", "hurt", "watch", "happen", "happens", "happened",
    "school", "pity", "works", "name", "lives", "live", "hi", "tell",
];
/// Sexual remarks without an explicit word, addressed to the counselor.
const EN_SEXUAL_MEANING: &[&[&str]] = &[
    &["really", "hot"],
    &["hot", "on", "camera"],
    &["look", "hot"],
    &["grab", "a", "drink"],
    &["drink", "after"],
    &["just", "us"],
    &["want", "to", "fuck"],
    &["wanna", "fuck"],
    &["kind", "of", "body"],
    &["slept", "with", "a", "client"],
    &["ever", "slept", "with"],
    &["hot", "in", "that"],
    &["like", "a", "date"],
    &["as", "a", "date"],
    &["amazing", "legs"],
    &["nice", "legs"],
    &["camera", "down"],
    &["lower", "the", "camera"],
    &["if", "you", "know", "what", "i", "mean"],
    &["without", "the", "cameras"],
    &["without", "the", "camera"],
    &["just", "us", "two"],
    &["just", "the", "two", "of", "us"],
    &["fun", "at", "night"],
    &["like", "it", "rough"],
    &["jerked", "off"],
    &["jerk", "off"],
    &["thinking", "about", "you", "after"],
    &["favorite", "position"],
    &["a", "virgin"],
    &["hook", "up"],
    &["no", "strings"],
    &["cute", "smile"],
    &["wear", "the"],
    &["your", "body"],
    &["your", "legs"],
    &["your", "lips"],
    &["your", "butt"],
    &["your", "ass"],
    &["your", "chest"],
    &["your", "figure"],
    &["your", "curves"],
    &["your", "tits"],
    &["your", "outfit"],
    &["your", "skirt"],
    &["your", "dress"],
    &["your", "underwear"],
    &["your", "panties"],
    &["your", "bra"],
    &["wearing", "underneath"],
    &["what", "color", "is", "your"],
    &["pic", "of", "you"],
    &["pics", "of", "you"],
    &["photo", "of", "you"],
    &["photos", "of", "you"],
    &["picture", "of", "you"],
    &["pictures", "of", "you"],
    &["send", "me", "a", "selfie"],
    &["send", "a", "selfie"],
    &["selfie", "for", "me"],
    &["send", "me", "a", "pic"],
    &["send", "me", "a", "photo"],
    &["send", "me", "a", "picture"],
    &["send", "me", "pics"],
    &["go", "out", "with", "me"],
    &["date", "me"],
    &["date", "with", "me"],
    &["on", "a", "date"],
    &["dinner", "with", "me"],
    &["drink", "with", "me"],
    &["drinks", "with", "me"],
    &["coffee", "with", "me", "sometime"],
    &["are", "you", "single"],
    &["have", "a", "boyfriend"],
    &["have", "a", "girlfriend"],
    &["in", "bed"],
    &["kiss", "you"],
    &["hold", "you"],
    &["touch", "you"],
    &["make", "love"],
    &["turn", "me", "on"],
    &["turns", "me", "on"],
    &["turned", "on"],
    &["youre", "hot"],
    &["you", "are", "hot"],
    &["you", "look", "hot"],
    &["you", "look", "sexy"],
    &["sexy"],
    &["meet", "up", "after"],
    &["meet", "me", "after"],
    &["meet", "me", "outside"],
    &["your", "place", "or", "mine"],
    &["come", "over", "tonight"],
    &["your", "number"],
    &["private", "number"],
    &["personal", "number"],
    &["sit", "on", "my"],
    &["on", "my", "lap"],
    &["spank"],
    &["naked"],
    &["undress"],
    &["lingerie"],
    &["bikini"],
    &["attracted", "to", "you"],
    &["fantasize", "about", "you"],
    &["fantasizing", "about", "you"],
    &["think", "about", "you", "at", "night"],
    &["dream", "about", "you"],
    &["sex"],
    &["sexual"],
    &["blowjob"],
    &["orgasm"],
    &["masturbate"],
    &["looked", "really", "good", "in"],
    &["looked", "good", "in"],
    &["look", "good", "in"],
    &["what", "youre", "wearing"],
    &["what", "you", "are", "wearing"],
    &["your", "voice", "is", "doing"],
    &["doing", "things", "to", "me"],
    &["lean", "closer"],
    &["closer", "to", "the", "camera"],
    &["fun", "outside", "the", "office"],
    &["somewhere", "private"],
    &["think", "about", "me", "when"],
    &["like", "that", "way"],
    &["sleep", "with", "your", "clients"],
    &["sleep", "with", "you"],
    &["under", "that"],
    &["at", "my", "place"],
    &["light", "some", "candles"],
    &["youre", "gorgeous"],
    &["you", "are", "gorgeous"],
    &["got", "any", "more"],
    &["your", "profile", "photo"],
    &["touch", "yourself"],
    &["nice", "tits"],
    &["your", "tits"],
    &["your", "boobs"],
];
/// Words that make a sexual word the client's own concern: `our sex life`, `I was sexually
/// assaulted`.
const EN_OWN_LIFE: &[&str] = &[
    "my",
    "our",
    "husband",
    "wife",
    "partner",
    "boyfriend",
    "girlfriend",
    "assaulted",
    "abused",
    "harassed",
    "consent",
    "therapy",
    "therapist",
    "counseling",
    "help",
    "advice",
    "problem",
    "problems",
    "issue",
    "issues",
    "son",
    "daughter",
    "kid",
    "kids",
    "child",
    "teen",
    "education",
    "orientation",
    "identity",
];
/// Plain insults that aim at a person even after `a` or `typical`: `a useless person`.
const EN_STRONG_INSULTS: &[&str] = &[
    "useless",
    "stupid",
    "incompetent",
    "pathetic",
    "worthless",
    "dumb",
    "idiot",
    "moron",
    "clueless",
    "brainless",
    "fraud",
    "quack",
    "scammer",
    "condescending",
    "prick",
    "dense",
    "arrogant",
    "heartless",
    "jerk",
    "bitch",
    "cunt",
    "creep",
    "psycho",
    "loser",
    "joke",
    "clown",
    "braindead",
    "ignorant",
    "disgusting",
];
/// Plain insults addressed to the counselor right after `you`: `you pig`.
const EN_PLAIN_INSULTS: &[&str] = &[
    "dense",
    "prick",
    "condescending",
    "arrogant",
    "smug",
    "heartless",
    "brick",
    "incompetent",
    "braindead",
    "useless",
    "stupid",
    "incompetent",
    "pathetic",
    "worthless",
    "dumb",
    "joke",
    "clown",
    "fraud",
    "fake",
    "disgusting",
    "terrible",
    "awful",
    "loser",
    "trash",
    "garbage",
    "idiot",
    "moron",
    "ignorant",
    "clueless",
    "brainless",
    "hopeless",
    "lazy",
    "ugly",
    "fat",
    "freak",
    "scam",
    "scammer",
    "quack",
    "failure",
    "waste",
    "robot",
    "bot",
    "liar",
    "pig",
    "dog",
    "creep",
    "psycho",
    "crazy",
    "insane",
    "lame",
    "bitch",
    "cow",
    "witch",
    "jerk",
    "cunt",
];
const EN_YOU: &[&str] = &["you", "youre", "u", "ur", "your", "yourself", "counselor", "counsellor", "therapist"];
const EN_SELF: &[&str] = &["i", "im", "me", "myself", "my", "ive", "id", "feel", "felt"];

fn word_at(words: &[(String, bool)], i: usize) -> &str {
    words.get(i).map_or("", |w| w.0.as_str())
}

pub(super) fn english(text: &str, why: &mut Vec<String>) -> Option<Category> {
    let words = Words::new(english_words(text));
    let has = |w: &str| words.iter().any(|(x, _)| x == w);
    let reported = |at: usize| {
        // Someone else is the subject (`he'll be waiting outside`), or their words are told.
        let third = words[at.saturating_sub(5)..at].iter().any(|(w, _)| {
            matches!(
                w.as_str(),
                "he" | "she" | "they" | "hell" | "shell" | "theyll" | "hes" | "shes" | "theyre" | "him" | "her"
            )
        });
        let call_me = words[at.saturating_sub(10)..at].windows(2).any(|p| p[0].0 == "call" && p[1].0 == "me");
        third
            || call_me
            || words[at.saturating_sub(10)..at].iter().any(|(w, _)| {
                EN_REPORTED.contains(&w.as_str())
                    || matches!(
                        w.as_str(),
                        "threatened"
                            | "threatens"
                            | "threatening"
                            | "yelled"
                            | "yelling"
                            | "yells"
                            | "screamed"
                            | "screaming"
                            | "shouted"
                            | "shouting"
                            | "texted"
                            | "warned"
                            | "wrote"
                            | "keeps"
                    )
            })
    };
    let starts = |p: &[&str]| -> Option<usize> {
        let needed = match p.last() {
            Some(&"$") => &p[..p.len() - 1],
            _ => p,
        };
        if words.len() < needed.len() {
            return None;
        }
        (0..=words.len() - needed.len()).find(|&i| needed.iter().enumerate().all(|(k, w)| spells(&words[i + k].0, w)))
    };
    let told = |at: usize| {
        reported(at)
            || words[at.saturating_sub(10)..at]
                .iter()
                .any(|(w, _)| matches!(w.as_str(), "keep" | "asking" | "asked" | "asks"))
    };
    // Threats: a phrase of harm, or of finding, waiting or the counselor's family; never an
    // apology (`sorry if I hurt you`), an idiom (`shoot you an email`) or someone else's words.
    let helpful = words.iter().any(|(w, _)| {
        matches!(
            w.as_str(),
            "thanks"
                | "mail"
                | "form"
                | "consent"
                | "letter"
                | "package"
                | "invoice"
                | "receipt"
                | "thank"
                | "please"
                | "session"
                | "appointment"
                | "link"
                | "room"
                | "lobby"
                | "app"
                | "zoom"
                | "call"
                | "chat"
                | "website"
                | "page"
                | "worries"
                | "rescheduling"
        )
    });
    // An innuendo makes a meeting outside a sexual proposal, not a threat.
    if phrase_at(&words, &["if", "you", "know", "what", "i", "mean"]) {
        why.push("sexual:if you know what i mean".to_owned());
        return Some(Category::Sexual);
    }
    for (k, p) in EN_THREATS.iter().chain(EN_THREAT_MEANING).enumerate() {
        if !phrase_at(&words, p) {
            continue;
        }
        let meaning = k >= EN_THREATS.len();
        let Some(at) = starts(p) else { continue };
        let before: Vec<&str> = (at.saturating_sub(4)..at).map(|i| word_at(&words, i)).collect();
        let next = word_at(&words, at + p.len());
        let apology = !meaning
            && before.iter().any(|w| {
                matches!(
                    *w,
                    "sorry"
                        | "if"
                        | "mean"
                        | "meant"
                        | "want"
                        | "trying"
                        | "never"
                        | "not"
                        | "dont"
                        | "didnt"
                        | "wont"
                        | "wouldnt"
                )
            })
            && !matches!(p.first(), Some(&"ill" | &"will" | &"going" | &"gonna"));
        let idiom = matches!(
            next,
            "an" | "a" | "the" | "some" | "quick" | "message" | "email" | "text" | "note" | "line" | "up"
        ) && matches!(p.last(), Some(&"you"))
            && !matches!(p[0], "find" | "found" | "finding" | "follow" | "following" | "watching");
        let helpful = meaning && helpful;
        // A threat without a violent word must be addressed to the counselor.
        let unaddressed = meaning && !words.iter().any(|(w, _)| EN_YOU.contains(&w.as_str()) || w == "youll");
        if apology || idiom || helpful || unaddressed || reported(at) {
            why.push(EXEMPT.to_owned());
            continue;
        }
        why.push(format!("threat:{}", p.join(" ")));
        return Some(Category::Threat);
    }
    if let Some(i) = words.iter().position(|(w, _)| w == "your")
        && (EN_FAMILY.contains(&word_at(&words, i + 1))
            || (i > 0 && word_at(&words, i - 1) == "tell" && EN_FAMILY.contains(&word_at(&words, i + 1))))
        && words.iter().any(|(w, _)| EN_FAMILY_HARM.contains(&w.as_str()))
        && !reported(i)
        && !has("thank")
        && !has("hope")
    {
        why.push(format!("threat:your {}", word_at(&words, i + 1)));
        return Some(Category::Threat);
    }
    // Sexual remarks.
    for (k, p) in EN_SEXUAL.iter().chain(EN_SEXUAL_MEANING).enumerate() {
        if !phrase_at(&words, p) {
            continue;
        }
        let someone_else = words.iter().any(|(w, _)| {
            matches!(
                w.as_str(),
                "stranger"
                    | "someone"
                    | "somebody"
                    | "he"
                    | "she"
                    | "they"
                    | "sent"
                    | "received"
                    | "got"
                    | "ex"
                    | "guy"
                    | "girl"
                    | "boyfriend"
                    | "girlfriend"
                    | "dating"
                    | "threatened"
                    | "police"
                    | "husband"
                    | "wife"
                    | "partner"
            )
        });
        if k < EN_SEXUAL.len() && !someone_else {
            why.push(format!("sexual:{}", p.join(" ")));
            return Some(Category::Sexual);
        }
        if let Some(at) = starts(p)
            && word_at(&words, at + p.len()) == "of"
            && !matches!(word_at(&words, at + p.len() + 1), "you" | "yourself" | "your")
        {
            continue;
        }
        let own = words.iter().any(|(w, _)| EN_OWN_LIFE.contains(&w.as_str()));
        let addressed = words.iter().any(|(w, _)| matches!(w.as_str(), "you" | "your" | "youre" | "u" | "ur"));
        let explicit_single = p.len() == 1;
        if (explicit_single && (own || !addressed)) || (own && !addressed) {
            continue;
        }
        if let Some(at) = starts(p)
            && reported(at)
        {
            continue;
        }
        why.push(format!("sexual:{}", p.join(" ")));
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
    let addressed = words.iter().any(|(w, _)| EN_YOU.contains(&w.as_str()));
    for i in 0..words.len() {
        if insult_at(i) {
            let self_directed = (words[i.saturating_sub(4)..i].iter().any(|(w, _)| EN_SELF.contains(&w.as_str()))
                || matches!(word_at(&words, i + 1), "me" | "myself"))
                && !words[i.saturating_sub(4)..i].iter().any(|(w, _)| EN_YOU.contains(&w.as_str()));
            let interjection = ["fuck", "shit", "fck", "fuk"].iter().any(|x| spell_prefix(&words[i].0, x).is_some());
            let venting = !words.iter().any(|(w, _)| EN_YOU.contains(&w.as_str()))
                && words.iter().any(|(w, _)| {
                    matches!(
                        w.as_str(),
                        "my" | "traffic"
                            | "late"
                            | "running"
                            | "bus"
                            | "train"
                            | "meeting"
                            | "shift"
                            | "morning"
                            | "day"
                            | "job"
                            | "work"
                            | "boss"
                            | "manager"
                            | "coworker"
                            | "life"
                            | "week"
                            | "monday"
                            | "exam"
                            | "car"
                            | "today"
                            | "he"
                            | "she"
                            | "they"
                            | "him"
                            | "her"
                            | "his"
                            | "app"
                            | "wifi"
                            | "website"
                            | "site"
                            | "internet"
                            | "connection"
                            | "phone"
                            | "computer"
                            | "camera"
                            | "landlord"
                            | "neighbor"
                            | "neighbors"
                            | "this"
                    )
                });
            let about_other = words[i.saturating_sub(5)..i].iter().any(|(w, _)| {
                matches!(
                    w.as_str(),
                    "he" | "she"
                        | "they"
                        | "hes"
                        | "shes"
                        | "theyre"
                        | "coworker"
                        | "boss"
                        | "husband"
                        | "wife"
                        | "ex"
                        | "manager"
                        | "dad"
                        | "mom"
                        | "brother"
                        | "sister"
                        | "friend"
                        | "my"
                        | "landlord"
                        | "neighbor"
                        | "date"
                        | "guy"
                )
            });
            let product = words.iter().any(|(w, _)| {
                matches!(
                    w.as_str(),
                    "app" | "wifi" | "website" | "site" | "internet" | "connection" | "phone" | "computer" | "camera"
                )
            });
            // Someone of the client's own world, pointed at (`that asshole driver`, `the bastard
            // ghosted me`, `my last therapist was a jerk`), with no `you` before the word.
            let pointed = words[i.saturating_sub(4)..i]
                .iter()
                .any(|(w, _)| matches!(w.as_str(), "that" | "the" | "some" | "previous" | "last" | "old" | "former"))
                || matches!(
                    word_at(&words, i + 1),
                    "driver" | "neighbor" | "neighbour" | "guy" | "coworker" | "boss" | "landlord" | "ex" | "customer"
                );
            let you_before =
                words[..i].iter().any(|(w, _)| matches!(w.as_str(), "you" | "youre" | "your" | "u" | "ur"));
            let someone_pointed = pointed && !you_before;
            if !reported(i)
                && !self_directed
                && !someone_pointed
                && !(venting && (interjection || about_other || product))
            {
                why.push(format!("insult:{}", words[i].0));
                return Some(Category::Insult);
            }
            why.push(EXEMPT.to_owned());
        }
    }
    // A phrase someone else keeps saying to the client (`my parents keep asking when I'll get a
    // real job`) is told, not aimed.
    if EN_INSULT_PHRASES.iter().any(|p| phrase_at(&words, p) && !starts(p).is_some_and(&told)) {
        why.push("insult:phrase".to_owned());
        return Some(Category::Insult);
    }
    if phrase_at(&words, &["have", "a", "brain"]) && addressed {
        why.push("insult:have a brain".to_owned());
        return Some(Category::Insult);
    }
    // Plain words aimed at the counselor: `you're useless`, `worst counselor ever`.
    {
        for i in 0..words.len() {
            let w = words[i].0.as_str();
            let strong = EN_STRONG_INSULTS.contains(&w);
            if !strong && !EN_PLAIN_INSULTS.contains(&w) {
                continue;
            }
            let before: Vec<&str> = (i.saturating_sub(4)..i).map(|k| word_at(&words, k)).collect();
            // A weak word counts only right after "you" (`you pig`); a strong one after a word that
            // aims it (`a useless person`, `typical brainless response`).
            let aimed = if strong {
                before.iter().any(|w| {
                    matches!(
                        *w,
                        "you"
                            | "youre"
                            | "u"
                            | "ur"
                            | "your"
                            | "such"
                            | "what"
                            | "counselor"
                            | "therapist"
                            | "typical"
                            | "another"
                            | "a"
                            | "an"
                            | "so"
                    )
                })
            } else {
                matches!(before.last(), Some(&("you" | "youre" | "ur" | "u")))
            };
            let self_talk = words.iter().any(|(w, _)| matches!(w.as_str(), "i" | "im" | "ive" | "myself"))
                && !words.iter().any(|(w, _)| matches!(w.as_str(), "you" | "youre" | "your" | "u" | "ur"));
            let unaimed = before.iter().any(|w| {
                matches!(
                    *w,
                    "not"
                        | "isnt"
                        | "arent"
                        | "never"
                        | "dont"
                        | "it"
                        | "this"
                        | "app"
                        | "wifi"
                        | "my"
                        | "coworker"
                        | "boss"
                        | "manager"
                        | "husband"
                        | "wife"
                        | "mom"
                        | "dad"
                        | "sister"
                        | "brother"
                        | "friend"
                        | "ex"
                        | "neighbor"
                        | "landlord"
                        | "teacher"
                        | "he"
                        | "she"
                        | "hes"
                        | "shes"
                )
            });
            if aimed && !unaimed && !self_talk && !reported(i) {
                why.push(format!("insult:{}", words[i].0));
                return Some(Category::Insult);
            }
            why.push(EXEMPT.to_owned());
        }
        if phrase_at(&words, &["worst", "counselor"])
            || phrase_at(&words, &["worst", "therapist"])
            || phrase_at(&words, &["shut", "up"])
        {
            why.push("insult:worst".to_owned());
            return Some(Category::Insult);
        }
    }
    None
}
