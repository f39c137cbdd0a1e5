//! Session notes: the templates (SOAP, DAP, free text), their sections, and the limits of what a
//! counselor writes. A note's body is stored sealed as JSON; a stored body is checked again when
//! read. Whether a note is signed (and so locked) is the store's business; what may be written
//! into one is decided here.

use serde::{Deserialize, Serialize};

/// Longest section, in characters.
pub const MAX_SECTION_CHARS: usize = 20_000;
/// Longest addendum, in characters.
pub const MAX_ADDENDUM_CHARS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// Subjective, Objective, Assessment, Plan.
    Soap,
    /// Data, Assessment, Plan.
    Dap,
    Free,
}

impl Template {
    pub const ALL: [Template; 3] = [Template::Soap, Template::Dap, Template::Free];

    pub fn as_str(self) -> &'static str {
        match self {
            Template::Soap => "soap",
            Template::Dap => "dap",
            Template::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The section names, in order; each has a Fluent label `note-section-<name>`.
    pub fn sections(self) -> &'static [&'static str] {
        match self {
            Template::Soap => &["subjective", "objective", "assessment", "plan"],
            Template::Dap => &["data", "assessment", "plan"],
            Template::Free => &["text"],
        }
    }

    pub fn message_id(self) -> &'static str {
        match self {
            Template::Soap => "note-template-soap",
            Template::Dap => "note-template-dap",
            Template::Free => "note-template-free",
        }
    }
}

/// What is wrong with a note or addendum as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("a section is longer than 20,000 characters")]
    TooLong,
    #[error("a signed note cannot be empty")]
    Empty,
    #[error("an addendum is empty or longer than 10,000 characters")]
    Addendum,
    #[error("a signed note cannot be changed; add an addendum")]
    Locked,
}

impl NoteError {
    pub const ALL: [NoteError; 4] = [NoteError::TooLong, NoteError::Empty, NoteError::Addendum, NoteError::Locked];

    pub fn message_id(self) -> &'static str {
        match self {
            NoteError::TooLong => "error-note-too-long",
            NoteError::Empty => "error-note-empty",
            NoteError::Addendum => "error-note-addendum",
            NoteError::Locked => "error-note-locked",
        }
    }
}

/// A note's sections, in the template's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteBody {
    pub sections: Vec<(String, String)>,
}

impl NoteBody {
    /// An empty body with the template's sections.
    pub fn empty(template: Template) -> Self {
        Self { sections: template.sections().iter().map(|s| ((*s).to_owned(), String::new())).collect() }
    }

    /// Builds a body from what was submitted, section by section (`get` gives a section's text);
    /// a missing section is empty. Line endings are normalized to `\n`.
    pub fn from_sections(template: Template, get: impl Fn(&str) -> Option<String>) -> Result<Self, NoteError> {
        let mut sections = Vec::with_capacity(template.sections().len());
        for name in template.sections() {
            let text = get(name).unwrap_or_default().replace("\r\n", "\n");
            if text.chars().count() > MAX_SECTION_CHARS {
                return Err(NoteError::TooLong);
            }
            sections.push(((*name).to_owned(), text));
        }
        Ok(Self { sections })
    }

    pub fn is_blank(&self) -> bool {
        self.sections.iter().all(|(_, t)| t.trim().is_empty())
    }

    pub fn get(&self, name: &str) -> &str {
        self.sections.iter().find(|(n, _)| n == name).map_or("", |(_, t)| t.as_str())
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a stored body, checking it against the template like a submitted one.
    pub fn from_json(template: Template, bytes: &[u8]) -> Option<Self> {
        let raw: NoteBody = serde_json::from_slice(bytes).ok()?;
        Self::from_sections(template, |name| Some(raw.get(name).to_owned())).ok()
    }
}

/// Checks an addendum's text.
pub fn addendum(text: &str) -> Result<String, NoteError> {
    let text = text.trim().replace("\r\n", "\n");
    if text.is_empty() || text.chars().count() > MAX_ADDENDUM_CHARS {
        return Err(NoteError::Addendum);
    }
    Ok(text)
}

/// A draft save replaces the latest version in place, instead of adding one, when that version is
/// an unsigned draft by the same author saved less than this many seconds ago; so autosave keeps
/// one version per sitting rather than one per keystroke pause.
pub const SITTING_SECONDS: i64 = 10 * 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_have_their_sections() {
        assert_eq!(Template::Soap.sections().len(), 4);
        assert_eq!(Template::Dap.sections(), &["data", "assessment", "plan"]);
        assert_eq!(Template::parse("free"), Some(Template::Free));
        assert_eq!(Template::parse("soapy"), None);
    }

    #[test]
    fn bodies_round_trip_and_are_checked() {
        let body =
            NoteBody::from_sections(Template::Soap, |n| (n == "plan").then(|| "다음 주\r\n과제".to_owned())).unwrap();
        assert_eq!(body.get("plan"), "다음 주\n과제");
        assert_eq!(body.get("subjective"), "");
        assert!(!body.is_blank());
        assert_eq!(NoteBody::from_json(Template::Soap, &body.to_json()), Some(body));
        assert!(NoteBody::empty(Template::Dap).is_blank());
        let long = "가".repeat(MAX_SECTION_CHARS + 1);
        assert_eq!(NoteBody::from_sections(Template::Free, |_| Some(long.clone())), Err(NoteError::TooLong));
        assert_eq!(
            NoteBody::from_sections(Template::Free, |_| Some("가".repeat(MAX_SECTION_CHARS))).map(|_| ()),
            Ok(())
        );
        // A stored body that breaks the limits is refused when read.
        let forged = serde_json::to_vec(&NoteBody { sections: vec![("text".into(), long)] }).unwrap();
        assert_eq!(NoteBody::from_json(Template::Free, &forged), None);
        assert_eq!(NoteBody::from_json(Template::Free, b"not json"), None);
    }

    #[test]
    fn addenda_are_checked() {
        assert_eq!(addendum("  correction \r\n "), Ok("correction".to_owned()));
        assert_eq!(addendum("   "), Err(NoteError::Addendum));
        assert_eq!(addendum(&"a".repeat(MAX_ADDENDUM_CHARS + 1)), Err(NoteError::Addendum));
    }
}
