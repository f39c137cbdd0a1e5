//! Questionnaires: the built-in screening instruments (PHQ-9 for depression, GAD-7 for anxiety)
//! with their standard scoring and severity bands, the risk rule of PHQ-9 item 9, and counselors'
//! own forms (question kinds, limits, and the checking of a client's answers).
//!
//! The questions' wording lives in the Fluent files (`q-phq9-1` …), so that both languages show
//! the validated translations; this module knows only their number and scoring.

use std::fmt;

/// A built-in instrument. Each item is answered 0 ("not at all") to 3 ("nearly every day").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instrument {
    Phq9,
    Gad7,
}

/// A severity band, as the instruments' authors define them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    Minimal,
    Mild,
    Moderate,
    ModeratelySevere,
    Severe,
}

impl Band {
    pub const ALL: [Band; 5] = [Band::Minimal, Band::Mild, Band::Moderate, Band::ModeratelySevere, Band::Severe];

    /// The band's name in the Fluent files.
    pub fn message_id(self) -> &'static str {
        match self {
            Band::Minimal => "band-minimal",
            Band::Mild => "band-mild",
            Band::Moderate => "band-moderate",
            Band::ModeratelySevere => "band-moderately-severe",
            Band::Severe => "band-severe",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Minimal => "minimal",
            Band::Mild => "mild",
            Band::Moderate => "moderate",
            Band::ModeratelySevere => "moderately_severe",
            Band::Severe => "severe",
        }
    }

    pub fn parse(s: &str) -> Option<Band> {
        Band::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// A scored response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub total: u8,
    pub band: Band,
    /// PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered above 0: the
    /// counselor and supervisors are alerted at once and the client is shown crisis lines.
    pub risk: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("expected {expected} answers, got {got}")]
    WrongCount { expected: usize, got: usize },
    #[error("answer {item} is {value}; answers are 0 to 3")]
    OutOfRange { item: usize, value: u8 },
}

impl Instrument {
    pub const ALL: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq9",
            Instrument::Gad7 => "gad7",
        }
    }

    pub fn parse(s: &str) -> Option<Instrument> {
        Instrument::ALL.into_iter().find(|i| i.as_str() == s)
    }

    pub fn items(self) -> usize {
        match self {
            Instrument::Phq9 => 9,
            Instrument::Gad7 => 7,
        }
    }

    pub fn max_total(self) -> u8 {
        (self.items() * 3) as u8
    }

    /// The band's lower bounds: PHQ-9 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately
    /// severe, 20–27 severe; GAD-7 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.
    pub fn bands(self) -> &'static [(u8, Band)] {
        match self {
            Instrument::Phq9 => &[
                (0, Band::Minimal),
                (5, Band::Mild),
                (10, Band::Moderate),
                (15, Band::ModeratelySevere),
                (20, Band::Severe),
            ],
            Instrument::Gad7 => &[(0, Band::Minimal), (5, Band::Mild), (10, Band::Moderate), (15, Band::Severe)],
        }
    }

    pub fn band(self, total: u8) -> Band {
        self.bands().iter().rev().find(|(from, _)| total >= *from).map_or(Band::Minimal, |(_, b)| *b)
    }

    /// Scores a complete response: every item answered 0 to 3.
    pub fn score(self, answers: &[u8]) -> Result<Score, ScoreError> {
        if answers.len() != self.items() {
            return Err(ScoreError::WrongCount { expected: self.items(), got: answers.len() });
        }
        if let Some((i, v)) = answers.iter().enumerate().find(|(_, v)| **v > 3) {
            return Err(ScoreError::OutOfRange { item: i + 1, value: *v });
        }
        let total: u8 = answers.iter().sum();
        let risk = self == Instrument::Phq9 && answers[8] > 0;
        Ok(Score { total, band: self.band(total), risk })
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_standard_cut_points() {
        use Band::*;
        use Instrument::*;
        let cases: [(Instrument, &[(u8, Band)]); 2] = [
            (
                Phq9,
                &[
                    (0, Minimal),
                    (4, Minimal),
                    (5, Mild),
                    (9, Mild),
                    (10, Moderate),
                    (14, Moderate),
                    (15, ModeratelySevere),
                    (19, ModeratelySevere),
                    (20, Severe),
                    (27, Severe),
                ],
            ),
            (
                Gad7,
                &[
                    (0, Minimal),
                    (4, Minimal),
                    (5, Mild),
                    (9, Mild),
                    (10, Moderate),
                    (14, Moderate),
                    (15, Severe),
                    (21, Severe),
                ],
            ),
        ];
        for (instrument, points) in cases {
            for &(total, band) in points {
                assert_eq!(instrument.band(total), band, "{instrument} {total}");
            }
        }
    }

    #[test]
    fn scores_sum_the_items() {
        let s = Instrument::Phq9.score(&[3, 3, 3, 3, 3, 3, 3, 3, 3]).unwrap();
        assert_eq!((s.total, s.band, s.risk), (27, Band::Severe, true));
        let s = Instrument::Gad7.score(&[1, 2, 0, 1, 2, 0, 1]).unwrap();
        assert_eq!((s.total, s.band, s.risk), (7, Band::Mild, false));
    }

    #[test]
    fn any_answer_above_zero_on_item_nine_is_a_risk() {
        for v in 1..=3 {
            let mut a = [0u8; 9];
            a[8] = v;
            let s = Instrument::Phq9.score(&a).unwrap();
            assert!(s.risk, "item 9 = {v}");
            assert_eq!(s.band, Band::Minimal, "a low total does not hide the risk");
        }
        assert!(!Instrument::Phq9.score(&[3, 3, 3, 3, 3, 3, 3, 3, 0]).unwrap().risk);
        // GAD-7 has no such item.
        assert!(!Instrument::Gad7.score(&[3; 7]).unwrap().risk);
    }

    #[test]
    fn malformed_responses_are_refused() {
        assert_eq!(Instrument::Phq9.score(&[0; 8]), Err(ScoreError::WrongCount { expected: 9, got: 8 }));
        assert_eq!(Instrument::Gad7.score(&[0; 9]), Err(ScoreError::WrongCount { expected: 7, got: 9 }));
        assert_eq!(Instrument::Gad7.score(&[0, 0, 4, 0, 0, 0, 0]), Err(ScoreError::OutOfRange { item: 3, value: 4 }));
    }

    #[test]
    fn names_round_trip() {
        for i in Instrument::ALL {
            assert_eq!(Instrument::parse(i.as_str()), Some(i));
        }
        for b in Band::ALL {
            assert_eq!(Band::parse(b.as_str()), Some(b));
        }
        assert_eq!(Instrument::parse("phq2"), None);
    }
}
