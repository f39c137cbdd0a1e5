//! Finding many fixed words in a message in one pass: each static word list is compiled once
//! into an Aho-Corasick automaton and kept for the life of the process, so the checks cost time
//! in proportion to the message, not to the message times the number of words.

use std::collections::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

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

type Cache = RwLock<HashMap<(usize, usize), &'static Matcher>>;
static CACHE: LazyLock<Cache> = LazyLock::new(|| RwLock::new(HashMap::new()));

/// The compiled form of a static word list (built on first use).
pub(crate) fn matcher(words: &'static [&'static str]) -> &'static Matcher {
    let key = (words.as_ptr() as usize, words.len());
    if let Some(m) = CACHE.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return m;
    }
    let all = AhoCorasick::builder().match_kind(MatchKind::Standard).build(words);
    let longest = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(words);
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
        let mut ends = matcher(WORDS).ends("im dying to know");
        ends.sort_unstable();
        assert_eq!(ends, vec![(2, 11)]);
    }
}
