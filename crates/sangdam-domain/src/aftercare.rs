//! Between sessions: the limits of a session summary, its homework, a feedback survey and a
//! secure message, and the checking of a survey's answers.

/// Longest summary, homework, feedback comment and message, in characters.
pub const MAX_SUMMARY_CHARS: usize = 5_000;
pub const MAX_HOMEWORK_CHARS: usize = 3_000;
pub const MAX_COMMENT_CHARS: usize = 2_000;
pub const MAX_MESSAGE_CHARS: usize = 5_000;

/// The survey's three questions, each answered 1 to 5; each has Fluent ids `feedback-q-<name>`.
pub const FEEDBACK_QUESTIONS: [&str; 3] = ["heard", "goals", "approach"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AftercareError {
    #[error("the summary is longer than 5,000 characters")]
    Summary,
    #[error("the summary is empty")]
    SummaryEmpty,
    #[error("the homework is longer than 3,000 characters")]
    Homework,
    #[error("every rating is a whole number from 1 to 5")]
    Rating,
    #[error("the comment is longer than 2,000 characters")]
    Comment,
    #[error("a message is longer than 5,000 characters")]
    Message,
    #[error("a message is empty")]
    MessageEmpty,
}

impl AftercareError {
    pub const ALL: [AftercareError; 7] = [
        AftercareError::Summary,
        AftercareError::SummaryEmpty,
        AftercareError::Homework,
        AftercareError::Rating,
        AftercareError::Comment,
        AftercareError::Message,
        AftercareError::MessageEmpty,
    ];

    pub fn message_id(self) -> &'static str {
        match self {
            AftercareError::Summary => "error-summary",
            AftercareError::SummaryEmpty => "error-summary-empty",
            AftercareError::Homework => "error-homework",
            AftercareError::Rating => "error-rating",
            AftercareError::Comment => "error-comment",
            AftercareError::Message => "error-message",
            AftercareError::MessageEmpty => "error-message-empty",
        }
    }
}

/// Trims and normalizes line endings; `Err(empty)` when empty and required, `Err(too_long)` when
/// over `max` characters.
fn text(
    s: &str,
    max: usize,
    required: Option<AftercareError>,
    too_long: AftercareError,
) -> Result<String, AftercareError> {
    let t = s.trim().replace("\r\n", "\n");
    if let Some(empty) = required
        && t.is_empty()
    {
        return Err(empty);
    }
    if t.chars().count() > max {
        return Err(too_long);
    }
    Ok(t)
}

pub fn summary(s: &str) -> Result<String, AftercareError> {
    text(s, MAX_SUMMARY_CHARS, Some(AftercareError::SummaryEmpty), AftercareError::Summary)
}

pub fn homework(s: &str) -> Result<String, AftercareError> {
    text(s, MAX_HOMEWORK_CHARS, None, AftercareError::Homework)
}

pub fn message(s: &str) -> Result<String, AftercareError> {
    text(s, MAX_MESSAGE_CHARS, Some(AftercareError::MessageEmpty), AftercareError::Message)
}

/// A checked survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub stars: u8,
    pub answers: [u8; 3],
    pub comment: Option<String>,
    pub show_name: bool,
}

fn rating(s: Option<&str>) -> Result<u8, AftercareError> {
    s.and_then(|s| s.trim().parse::<u8>().ok()).filter(|v| (1..=5).contains(v)).ok_or(AftercareError::Rating)
}

impl Feedback {
    /// Checks a submitted survey: `get` gives a field by name (`stars`, the three questions,
    /// `comment`, `show_name`). Every problem is listed, so the form can show them all.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, Vec<AftercareError>> {
        let mut errors = Vec::new();
        let stars = rating(get("stars")).map_err(|e| errors.push(e)).unwrap_or(0);
        let mut answers = [0u8; 3];
        for (k, q) in FEEDBACK_QUESTIONS.iter().enumerate() {
            match rating(get(q)) {
                Ok(v) => answers[k] = v,
                Err(e) if !errors.contains(&e) => errors.push(e),
                Err(_) => {}
            }
        }
        let comment = text(get("comment").unwrap_or(""), MAX_COMMENT_CHARS, None, AftercareError::Comment)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            stars,
            answers,
            comment: (!comment.is_empty()).then_some(comment),
            show_name: get("show_name").is_some_and(|v| v == "yes"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(fields: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |k| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
    }

    #[test]
    fn a_survey_is_checked_whole() {
        let ok = [("stars", "5"), ("heard", "4"), ("goals", "3"), ("approach", "5"), ("comment", " 고마워요 ")];
        let f = Feedback::parse(form(&ok)).unwrap();
        assert_eq!((f.stars, f.answers, f.comment.as_deref(), f.show_name), (5, [4, 3, 5], Some("고마워요"), false));
        let bad = [("stars", "6"), ("heard", "0"), ("goals", "x"), ("approach", "3")];
        assert_eq!(Feedback::parse(form(&bad)), Err(vec![AftercareError::Rating]));
        let long = "가".repeat(MAX_COMMENT_CHARS + 1);
        let bad = [("stars", "1"), ("heard", "1"), ("goals", "1"), ("approach", "1"), ("comment", &long)];
        assert_eq!(Feedback::parse(form(&bad)), Err(vec![AftercareError::Comment]));
        let named = [("stars", "1"), ("heard", "1"), ("goals", "1"), ("approach", "1"), ("show_name", "yes")];
        assert!(Feedback::parse(form(&named)).unwrap().show_name);
    }

    #[test]
    fn texts_have_limits() {
        // Empty and too long are told apart: "it is empty" is not "keep it under 5,000".
        assert_eq!(summary("  "), Err(AftercareError::SummaryEmpty));
        assert_eq!(summary(&"a".repeat(MAX_SUMMARY_CHARS + 1)), Err(AftercareError::Summary));
        assert_eq!(message(" \r\n "), Err(AftercareError::MessageEmpty));
        assert_eq!(summary("a\r\nb"), Ok("a\nb".to_owned()));
        assert_eq!(homework(""), Ok(String::new()));
        assert_eq!(homework(&"a".repeat(MAX_HOMEWORK_CHARS + 1)), Err(AftercareError::Homework));
        assert_eq!(message(&"a".repeat(MAX_MESSAGE_CHARS)).map(|m| m.len()), Ok(MAX_MESSAGE_CHARS));
        assert_eq!(message(&"a".repeat(MAX_MESSAGE_CHARS + 1)), Err(AftercareError::Message));
    }
}
