//! Email addresses, parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A syntactically plausible email address, trimmed and lower-cased so that one person cannot
/// hold two accounts by changing the case of their address.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email is empty")]
    Empty,
    #[error("email is too long")]
    TooLong,
    #[error("email is not of the form name@example.com")]
    Malformed,
}

impl EmailError {
    /// The Fluent message id that explains this error to a person.
    pub fn message_id(self) -> &'static str {
        match self {
            EmailError::Empty => "error-email-empty",
            EmailError::TooLong => "error-email-too-long",
            EmailError::Malformed => "error-email-malformed",
        }
    }
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.');
        let domain_ok = domain.len() >= 3
            && domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let chars_ok = s.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
        if !(local_ok && domain_ok && chars_ok) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email is personal data: `Debug` (and so every `tracing` field formatted with `?`) shows
/// only its domain.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map_or("", |(_, d)| d);
        write!(f, "Email(***@{domain})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        let e = Email::parse("  Kim.Minji@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "kim.minji@example.com");
        assert!(Email::parse("상담@예시.한국").is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "   ",
            "a",
            "a@b",
            "@example.com",
            "a@.com",
            "a b@example.com",
            "a@example..com",
            "a@@example.com",
            "<a>@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn debug_hides_the_person() {
        let e = Email::parse("minji@example.com").unwrap();
        assert!(!format!("{e:?}").contains("minji"));
    }
}
