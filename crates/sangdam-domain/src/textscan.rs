//! Finding many fixed words in a message in one pass: each static word list is compiled once
//! into an Aho-Corasick automaton and kept for the life of the process, so the checks cost time
//! in proportion to the message, not to the message times the number of words.

use std::collections::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// A compiled list, or the list itself when it could not be compiled (then words are searched
/// one by one).
pub(crate) enum Matcher {
    /// One automaton that reports every occurrence, one that finds the longest at each place (for
    /// replacing).
    Automaton(AhoCorasick, AhoCorasick),
    Plain(&'static [&'static str]),
}

impl Matcher {
    pub(crate) fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Automaton(a, _) => a.is_match(s),
            Matcher::Plain(words) => words.iter().any(|w| s.contains(w)),
        }
    }

    /// Every place a word of the list occurs (overlapping ones too), as (word index, end byte).
    pub(crate) fn ends(&self, s: &str) -> Vec<(usize, usize)> {
        match self {
            Matcher::Automaton(a, _) => a.find_overlapping_iter(s).map(|m| (m.pattern().as_usize(), m.end())).collect(),
            Matcher::Plain(words) => words
                .iter()
                .enumerate()
                .flat_map(|(i, w)| s.match_indices(w).map(move |(at, _)| (i, at + w.len())))
                .collect(),
        }
    }

    /// The message with every occurrence of a word of the list replaced by `with`.
    pub(crate) fn replace(&self, s: &str, with: &str) -> String {
        match self {
            Matcher::Automaton(_, longest) => {
                let mut out = String::with_capacity(s.len());
                longest.replace_all_with(s, &mut out, |_, _, dst| {
                    dst.push_str(with);
                    true
                });
                out
            }
            Matcher::Plain(words) => {
                let mut out = s.to_owned();
                for w in *words {
                    out = out.replace(w, with);
                }
                out
            }
        }
    }
}

/// A DFA without a prefilter: the words share their first bytes (every Hangul syllable starts
/// with one of four bytes, every English phrase with a space), so a prefilter finds a candidate
/// at nearly every position and only slows the scan down.
fn builder(kind: MatchKind) -> aho_corasick::AhoCorasickBuilder {
    let mut b = AhoCorasick::builder();
    b.match_kind(kind).kind(Some(AhoCorasickKind::DFA)).prefilter(false);
    b
}

type Cache = RwLock<HashMap<(usize, usize), &'static Matcher>>;
static CACHE: LazyLock<Cache> = LazyLock::new(|| RwLock::new(HashMap::new()));

/// The compiled form of a static word list (built on first use).
pub(crate) fn matcher(words: &'static [&'static str]) -> &'static Matcher {
    let key = (words.as_ptr() as usize, words.len());
    if let Some(m) = CACHE.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return m;
    }
    let all = builder(MatchKind::Standard).build(words);
    let longest = builder(MatchKind::LeftmostLongest).build(words);
    let built = match (all, longest) {
        (Ok(a), Ok(l)) => Matcher::Automaton(a, l),
        _ => Matcher::Plain(words),
    };
    let built: &'static Matcher = Box::leak(Box::new(built));
    CACHE.write().unwrap_or_else(PoisonError::into_inner).entry(key).or_insert(built)
}

/// A word of the list that occurs in `s` (the leftmost), if any.
pub(crate) fn first(s: &str, words: &'static [&'static str]) -> Option<&'static &'static str> {
    match matcher(words) {
        Matcher::Automaton(_, longest) => longest.find(s).map(|m| &words[m.pattern().as_usize()]),
        Matcher::Plain(_) => words.iter().find(|w| s.contains(*w)),
    }
}

/// Whether any word of the list occurs in `s`.
pub(crate) fn any(s: &str, words: &'static [&'static str]) -> bool {
    matcher(words).is_match(s)
}

/// Several static lists read in one pass: which of `lists` have a word in `s`, as bits (bit `i`
/// for `lists[i]`; at most 64 lists). Words that overlap across lists are all seen.
pub(crate) fn kinds(s: &str, lists: &'static [&'static [&'static str]]) -> u64 {
    type Combined = (AhoCorasick, Vec<u8>);
    type KindCache = RwLock<HashMap<usize, &'static Option<Combined>>>;
    static KINDS: LazyLock<KindCache> = LazyLock::new(|| RwLock::new(HashMap::new()));
    let key = lists.as_ptr() as usize;
    let cached = KINDS.read().unwrap_or_else(PoisonError::into_inner).get(&key).copied();
    let combined = cached.unwrap_or_else(|| {
        let mut words = Vec::new();
        let mut list_of = Vec::new();
        for (i, list) in lists.iter().enumerate().take(64) {
            for w in *list {
                words.push(*w);
                list_of.push(u8::try_from(i).unwrap_or(u8::MAX));
            }
        }
        let built = builder(MatchKind::Standard).build(&words).ok().map(|a| (a, list_of));
        let built: &'static Option<Combined> = Box::leak(Box::new(built));
        *KINDS.write().unwrap_or_else(PoisonError::into_inner).entry(key).or_insert(built)
    });
    match combined {
        Some((automaton, list_of)) => {
            automaton.find_overlapping_iter(s).fold(0, |bits, m| bits | 1u64 << list_of[m.pattern().as_usize()])
        }
        None => lists.iter().enumerate().take(64).filter(|(_, l)| any(s, l)).fold(0, |bits, (i, _)| bits | 1 << i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static WORDS: &[&str] = &["죽겠", "죽는줄", "dying to"];

    #[test]
    fn finds_and_replaces_like_the_plain_search() {
        assert!(any("배고파죽겠어요", WORDS));
        assert!(!any("괜찮아요", WORDS));
        assert_eq!(matcher(WORDS).replace("웃겨죽는줄알았고배고파죽겠어", "·"), "웃겨·알았고배고파·어");
        let plain = Matcher::Plain(WORDS);
        assert_eq!(plain.replace("웃겨죽는줄알았고배고파죽겠어", "·"), "웃겨·알았고배고파·어");
        static LISTS: &[&[&str]] = &[&["죽겠"], &["dying to", "dying"], &["know"]];
        assert_eq!(kinds("im dying to know", LISTS), 0b110);
        assert_eq!(kinds("배고파죽겠어요", LISTS), 0b001);
        let mut ends = matcher(WORDS).ends("im dying to know");
        ends.sort_unstable();
        assert_eq!(ends, vec![(2, 11)]);
    }
}
