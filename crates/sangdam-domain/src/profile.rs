//! A person's display name and time zone.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The name shown to others: 1 to 50 characters, no control characters, trimmed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("display name is empty")]
    Empty,
    #[error("display name is too long")]
    TooLong,
    #[error("display name has control characters")]
    Control,
}

impl DisplayNameError {
    pub fn message_id(self) -> &'static str {
        match self {
            DisplayNameError::Empty => "error-name-empty",
            DisplayNameError::TooLong => "error-name-too-long",
            DisplayNameError::Control => "error-name-control",
        }
    }
}

impl DisplayName {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<Self, DisplayNameError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(DisplayNameError::TooLong);
        }
        if s.chars().any(char::is_control) {
            return Err(DisplayNameError::Control);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = DisplayNameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DisplayName> for String {
    fn from(n: DisplayName) -> String {
        n.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name is personal data: it never reaches a log through `Debug`.
impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayName([redacted])")
    }
}

/// An IANA time zone name that the bundled time zone database knows, e.g. `Asia/Seoul`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timezone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone")]
pub struct TimezoneError;

impl TimezoneError {
    pub fn message_id(self) -> &'static str {
        "error-timezone-unknown"
    }
}

impl Timezone {
    pub fn parse(raw: &str) -> Result<Self, TimezoneError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 64 {
            return Err(TimezoneError);
        }
        let tz = jiff::tz::db().get(s).map_err(|_| TimezoneError)?;
        // Keep the database's own spelling of the name so that "asia/seoul" is stored canonically.
        let name = tz.iana_name().unwrap_or(s).to_owned();
        Ok(Self(name))
    }

    pub fn seoul() -> Self {
        Self("Asia/Seoul".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn to_jiff(&self) -> jiff::tz::TimeZone {
        // The name was checked against the same database when it was parsed; UTC is only a
        // fallback for a database that changed under a running process.
        jiff::tz::db().get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// Every zone name the bundled database knows, sorted, for pickers.
    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .filter(|n| {
                n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("posix/") && !n.starts_with("right/")
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

impl TryFrom<String> for Timezone {
    type Error = TimezoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Timezone> for String {
    fn from(t: Timezone) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(DisplayName::parse("  김민지 ").unwrap().as_str(), "김민지");
        assert_eq!(DisplayName::parse(" "), Err(DisplayNameError::Empty));
        assert_eq!(DisplayName::parse(&"가".repeat(51)), Err(DisplayNameError::TooLong));
        assert!(DisplayName::parse(&"가".repeat(50)).is_ok());
        assert_eq!(DisplayName::parse("a\u{7}b"), Err(DisplayNameError::Control));
    }

    #[test]
    fn time_zones() {
        assert_eq!(Timezone::parse("Asia/Seoul").unwrap().as_str(), "Asia/Seoul");
        assert!(Timezone::parse("America/New_York").is_ok());
        assert!(Timezone::parse("Mars/Olympus").is_err());
        assert!(Timezone::parse("").is_err());
        let all = Timezone::all_names();
        assert!(all.len() > 300, "{}", all.len());
        assert!(all.iter().any(|n| n == "Asia/Seoul"));
    }
}
