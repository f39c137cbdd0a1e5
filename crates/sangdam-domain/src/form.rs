//! A counselor's own form (intake, session feedback, anything): its questions, their kinds and
//! limits, and the checking of a client's answers. A form is stored as JSON; a stored form is
//! checked again when read, so a hand-edited row cannot smuggle in what the editor refuses.

use serde::{Deserialize, Serialize};

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_LABEL_CHARS: usize = 300;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION_CHARS: usize = 100;
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
pub const MAX_LONG_TEXT_CHARS: usize = 5000;
/// The scale question's range: 0 to this.
pub const SCALE_MAX: u8 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    ShortText,
    LongText,
    Single {
        options: Vec<String>,
    },
    Multiple {
        options: Vec<String>,
    },
    /// 0 to 10.
    Scale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub label: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSpec {
    title: String,
    questions: Vec<Question>,
}

/// What is wrong with a form a counselor built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormSpecError {
    #[error("the title is empty or too long")]
    Title,
    #[error("a form has 1 to 50 questions")]
    Questions,
    #[error("a question's label is empty or too long")]
    Label,
    #[error("a choice needs 2 to 20 distinct options")]
    Options,
}

impl FormSpecError {
    pub const ALL: [FormSpecError; 4] =
        [FormSpecError::Title, FormSpecError::Questions, FormSpecError::Label, FormSpecError::Options];

    pub fn message_id(self) -> &'static str {
        match self {
            FormSpecError::Title => "error-form-title",
            FormSpecError::Questions => "error-form-questions",
            FormSpecError::Label => "error-form-label",
            FormSpecError::Options => "error-form-options",
        }
    }
}

/// One checked answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Choice(usize),
    Choices(Vec<usize>),
    Scale(u8),
    Skipped,
}

/// What is wrong with one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("this question needs an answer")]
    Required,
    #[error("the answer is too long")]
    TooLong,
    #[error("the answer is not one of the choices")]
    Invalid,
}

impl AnswerError {
    pub const ALL: [AnswerError; 3] = [AnswerError::Required, AnswerError::TooLong, AnswerError::Invalid];

    pub fn message_id(self) -> &'static str {
        match self {
            AnswerError::Required => "error-answer-required",
            AnswerError::TooLong => "error-answer-too-long",
            AnswerError::Invalid => "error-answer-invalid",
        }
    }
}

fn clean(s: &str) -> String {
    s.trim().to_owned()
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

impl FormSpec {
    /// Checks a form as the counselor built it: a title, 1 to 50 questions, each labelled, and
    /// choice questions with 2 to 20 distinct, non-empty options.
    pub fn new(title: &str, questions: Vec<Question>) -> Result<FormSpec, FormSpecError> {
        let title = clean(title);
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS || has_control(&title) {
            return Err(FormSpecError::Title);
        }
        if questions.is_empty() || questions.len() > MAX_QUESTIONS {
            return Err(FormSpecError::Questions);
        }
        let mut checked = Vec::with_capacity(questions.len());
        for q in questions {
            let label = clean(&q.label);
            if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS || has_control(&label) {
                return Err(FormSpecError::Label);
            }
            let kind = match q.kind {
                QuestionKind::Single { options } => QuestionKind::Single { options: check_options(options)? },
                QuestionKind::Multiple { options } => QuestionKind::Multiple { options: check_options(options)? },
                other => other,
            };
            checked.push(Question { label, kind, required: q.required });
        }
        Ok(FormSpec { title, questions: checked })
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    /// Reads a stored form, checking it again.
    pub fn from_json(json: &str) -> Option<FormSpec> {
        let raw: FormSpec = serde_json::from_str(json).ok()?;
        FormSpec::new(&raw.title, raw.questions).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks a client's answers. `values(i)` gives what the form sent for question `i` (several
    /// values for a multiple choice). Returns every answer, or every problem by question index.
    pub fn check<'a>(&self, values: impl Fn(usize) -> Vec<&'a str>) -> Result<Vec<Answer>, Vec<(usize, AnswerError)>> {
        let mut answers = Vec::with_capacity(self.questions.len());
        let mut errors = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            let given: Vec<&str> = values(i).into_iter().map(str::trim).filter(|v| !v.is_empty()).collect();
            match check_answer(q, &given) {
                Ok(a) => answers.push(a),
                Err(e) => errors.push((i, e)),
            }
        }
        if errors.is_empty() { Ok(answers) } else { Err(errors) }
    }
}

fn check_options(options: Vec<String>) -> Result<Vec<String>, FormSpecError> {
    let options: Vec<String> = options.iter().map(|o| clean(o)).collect();
    let mut distinct = options.clone();
    distinct.sort();
    distinct.dedup();
    let ok = (2..=MAX_OPTIONS).contains(&options.len())
        && distinct.len() == options.len()
        && options.iter().all(|o| !o.is_empty() && o.chars().count() <= MAX_OPTION_CHARS && !has_control(o));
    if ok { Ok(options) } else { Err(FormSpecError::Options) }
}

fn check_answer(q: &Question, given: &[&str]) -> Result<Answer, AnswerError> {
    if given.is_empty() {
        return if q.required { Err(AnswerError::Required) } else { Ok(Answer::Skipped) };
    }
    let one = || if given.len() == 1 { Ok(given[0]) } else { Err(AnswerError::Invalid) };
    let index = |v: &str, n: usize| v.parse::<usize>().ok().filter(|i| *i < n).ok_or(AnswerError::Invalid);
    match &q.kind {
        QuestionKind::ShortText | QuestionKind::LongText => {
            let text = one()?;
            let max = if q.kind == QuestionKind::ShortText { MAX_SHORT_TEXT_CHARS } else { MAX_LONG_TEXT_CHARS };
            if text.chars().count() > max {
                Err(AnswerError::TooLong)
            } else if has_control(text) || (q.kind == QuestionKind::ShortText && text.contains('\n')) {
                Err(AnswerError::Invalid)
            } else {
                Ok(Answer::Text(text.to_owned()))
            }
        }
        QuestionKind::Single { options } => Ok(Answer::Choice(index(one()?, options.len())?)),
        QuestionKind::Multiple { options } => {
            let mut picked = given.iter().map(|v| index(v, options.len())).collect::<Result<Vec<_>, _>>()?;
            picked.sort_unstable();
            picked.dedup();
            Ok(Answer::Choices(picked))
        }
        QuestionKind::Scale => {
            one()?.parse::<u8>().ok().filter(|v| *v <= SCALE_MAX).map(Answer::Scale).ok_or(AnswerError::Invalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(label: &str, kind: QuestionKind, required: bool) -> Question {
        Question { label: label.into(), kind, required }
    }

    fn sample() -> FormSpec {
        FormSpec::new(
            " 첫 상담 전 질문지 ",
            vec![
                q("이름", QuestionKind::ShortText, true),
                q("오신 이유", QuestionKind::LongText, false),
                q("선호 시간", QuestionKind::Single { options: vec!["오전".into(), "오후".into()] }, true),
                q(
                    "관심 주제",
                    QuestionKind::Multiple { options: vec!["불안".into(), "우울".into(), "관계".into()] },
                    false,
                ),
                q("요즘 기분 (0-10)", QuestionKind::Scale, true),
            ],
        )
        .unwrap()
    }

    #[test]
    fn forms_are_checked_when_built() {
        assert_eq!(sample().title(), "첫 상담 전 질문지");
        assert_eq!(FormSpec::new("", vec![q("a", QuestionKind::Scale, true)]), Err(FormSpecError::Title));
        assert_eq!(FormSpec::new("t", vec![]), Err(FormSpecError::Questions));
        let many = (0..=MAX_QUESTIONS).map(|i| q(&i.to_string(), QuestionKind::Scale, false)).collect();
        assert_eq!(FormSpec::new("t", many), Err(FormSpecError::Questions));
        assert_eq!(FormSpec::new("t", vec![q(" ", QuestionKind::Scale, true)]), Err(FormSpecError::Label));
        for options in [vec!["one".to_owned()], vec!["a".into(), "a".into()], vec!["a".into(), "".into()]] {
            let r = FormSpec::new("t", vec![q("l", QuestionKind::Single { options }, true)]);
            assert_eq!(r, Err(FormSpecError::Options));
        }
    }

    #[test]
    fn answers_are_checked_against_their_questions() {
        let form = sample();
        let good = |i: usize| match i {
            0 => vec!["김민지"],
            1 => vec![],
            2 => vec!["1"],
            3 => vec!["2", "0", "2"],
            _ => vec!["7"],
        };
        assert_eq!(
            form.check(good).unwrap(),
            vec![
                Answer::Text("김민지".into()),
                Answer::Skipped,
                Answer::Choice(1),
                Answer::Choices(vec![0, 2]),
                Answer::Scale(7)
            ]
        );
        let long = "가".repeat(MAX_SHORT_TEXT_CHARS + 1);
        let bad = |i: usize| match i {
            0 => vec![long.as_str()],
            2 => vec!["2"],
            3 => vec!["x"],
            4 => vec!["11"],
            _ => vec![],
        };
        assert_eq!(
            form.check(bad).unwrap_err(),
            vec![
                (0, AnswerError::TooLong),
                (2, AnswerError::Invalid),
                (3, AnswerError::Invalid),
                (4, AnswerError::Invalid)
            ]
        );
        let missing = form.check(|_| vec![]).unwrap_err();
        assert_eq!(missing, vec![(0, AnswerError::Required), (2, AnswerError::Required), (4, AnswerError::Required)]);
        // Two values for a single choice are refused, not truncated.
        assert!(form.check(|i| if i == 2 { vec!["0", "1"] } else { good(i) }).is_err());
    }

    #[test]
    fn stored_forms_are_checked_again() {
        let form = sample();
        assert_eq!(FormSpec::from_json(&form.to_json()), Some(form));
        assert_eq!(FormSpec::from_json(r#"{"title":"","questions":[]}"#), None);
        assert_eq!(FormSpec::from_json("not json"), None);
    }
}
