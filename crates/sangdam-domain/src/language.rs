//! The two languages Sangdam speaks, and how a request's language is chosen.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Korean is the default: Sangdam is Korean-first.
    #[default]
    Ko,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Ko, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::Ko => "ko",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ko" => Some(Language::Ko),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// Picks the best language from an `Accept-Language` header by its quality values; `None`
    /// when the header names neither of ours.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Language)> = None;
        for (index, part) in header.split(',').enumerate().take(32) {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Language::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            // Higher quality wins; on a tie, the one the browser listed first.
            let better = match best {
                None => true,
                Some((bq, bi, _)) => q > bq || (q == bq && index < bi),
            };
            if better {
                best = Some((q, index, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_negotiation() {
        assert_eq!(Language::from_accept_language("en-US,en;q=0.9,ko;q=0.8"), Some(Language::En));
        assert_eq!(Language::from_accept_language("ko-KR,ko;q=0.9,en-US;q=0.8"), Some(Language::Ko));
        assert_eq!(Language::from_accept_language("fr-FR,en;q=0.5,ko;q=0.7"), Some(Language::Ko));
        assert_eq!(Language::from_accept_language("fr,de"), None);
        assert_eq!(Language::from_accept_language("en;q=0,ko;q=0.1"), Some(Language::Ko));
        assert_eq!(Language::from_accept_language(""), None);
    }
}
