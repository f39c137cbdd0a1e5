//! The password policy: length limits without composition rules, and a refusal of passwords that
//! an attacker would guess early (NIST SP 800-63B), judged by the zxcvbn estimator, which carries
//! the common-password, name and word lists.

use std::fmt;

use zxcvbn::feedback::Warning;

/// A password that passed the policy and is about to be hashed. Its `Debug` never shows it.
pub struct NewPassword(String);

/// Why the estimator thinks a password is easy to guess, so the page can say so in the user's
/// language instead of the estimator's English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuessHint {
    Common,
    KeyboardPattern,
    Repeats,
    Sequence,
    DatesOrYears,
    SingleWordOrName,
    PersonalInfo,
    General,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password is shorter than {min} characters")]
    TooShort { min: usize },
    #[error("password is longer than {max} characters")]
    TooLong { max: usize },
    #[error("password is too easy to guess")]
    TooGuessable(GuessHint),
}

impl PasswordError {
    pub fn message_id(self) -> &'static str {
        match self {
            PasswordError::TooShort { .. } => "error-password-too-short",
            PasswordError::TooLong { .. } => "error-password-too-long",
            PasswordError::TooGuessable(hint) => match hint {
                GuessHint::Common => "error-password-common",
                GuessHint::KeyboardPattern => "error-password-keyboard",
                GuessHint::Repeats => "error-password-repeats",
                GuessHint::Sequence => "error-password-sequence",
                GuessHint::DatesOrYears => "error-password-dates",
                GuessHint::SingleWordOrName => "error-password-word",
                GuessHint::PersonalInfo => "error-password-personal",
                GuessHint::General => "error-password-guessable",
            },
        }
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    /// Checks a chosen password. `personal` holds what the user told us about themselves (email,
    /// name), which an attacker would try first.
    pub fn parse(raw: &str, personal: &[&str]) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(PasswordError::TooShort { min: Self::MIN_CHARS });
        }
        if chars > Self::MAX_CHARS {
            return Err(PasswordError::TooLong { max: Self::MAX_CHARS });
        }
        let mut inputs: Vec<&str> = Vec::with_capacity(personal.len() * 2);
        for p in personal {
            inputs.push(p);
            // The part of an email address before the @ is what people reuse in passwords.
            if let Some((local, _)) = p.split_once('@') {
                inputs.push(local);
            }
        }
        let estimate = zxcvbn::zxcvbn(raw, &inputs);
        if (estimate.score() as u8) < 3 {
            let lowered = raw.to_lowercase();
            let personal_match = inputs
                .iter()
                .flat_map(|p| p.split(|c: char| !c.is_alphanumeric()))
                .filter(|word| word.chars().count() >= 3)
                .any(|word| lowered.contains(&word.to_lowercase()));
            let hint = if personal_match {
                GuessHint::PersonalInfo
            } else {
                estimate.feedback().and_then(|f| f.warning()).map_or(GuessHint::General, hint_for)
            };
            return Err(PasswordError::TooGuessable(hint));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn hint_for(w: Warning) -> GuessHint {
    match w {
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword
        | Warning::ThisIsSimilarToACommonlyUsedPassword => GuessHint::Common,
        Warning::StraightRowsOfKeysAreEasyToGuess | Warning::ShortKeyboardPatternsAreEasyToGuess => {
            GuessHint::KeyboardPattern
        }
        Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            GuessHint::Repeats
        }
        Warning::SequencesLikeAbcAreEasyToGuess => GuessHint::Sequence,
        Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess => GuessHint::DatesOrYears,
        Warning::AWordByItselfIsEasyToGuess
        | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        | Warning::CommonNamesAndSurnamesAreEasyToGuess => GuessHint::SingleWordOrName,
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_limits_count_characters_not_bytes() {
        assert_eq!(NewPassword::parse("short", &[]).unwrap_err(), PasswordError::TooShort { min: 10 });
        assert_eq!(NewPassword::parse(&"x".repeat(129), &[]).unwrap_err(), PasswordError::TooLong { max: 128 });
        // Ten Hangul syllables are ten characters (thirty bytes), and long enough.
        assert!(NewPassword::parse("하늘바다숲길노을별빛바람", &[]).is_ok());
    }

    #[test]
    fn common_and_patterned_passwords_are_refused() {
        for weak in ["password123", "qwertyuiop", "1234567890", "aaaaaaaaaaaa", "iloveyou12"] {
            assert!(
                matches!(NewPassword::parse(weak, &[]), Err(PasswordError::TooGuessable(_))),
                "{weak} was accepted"
            );
        }
        assert_eq!(NewPassword::parse("password123", &[]).unwrap_err(), PasswordError::TooGuessable(GuessHint::Common));
    }

    #[test]
    fn personal_information_is_refused() {
        let err = NewPassword::parse("minjikim2026", &["minjikim@example.com", "Minji Kim"]).unwrap_err();
        assert_eq!(err, PasswordError::TooGuessable(GuessHint::PersonalInfo));
    }

    #[test]
    fn no_composition_rules() {
        assert!(NewPassword::parse("correct horse battery staple", &[]).is_ok());
        assert!(NewPassword::parse("quiet river under paper lanterns", &[]).is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        let p = NewPassword::parse("quiet river under paper lanterns", &[]).unwrap();
        assert!(!format!("{p:?}").contains("river"));
    }
}
