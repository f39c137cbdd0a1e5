//! Identifiers and secret tokens.
//!
//! Ids that appear in URLs are random and unguessable (128 bits, lower-case base32 without
//! padding), so that knowing one user's id tells nothing about another's. Secret tokens (session
//! cookies, reset links, invitations) are also 128 bits or more and are only ever stored hashed.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Encodes random bytes as a lower-case base32 string: URL-safe, case-insensitive, unambiguous.
pub fn encode_random(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes).to_ascii_lowercase()
}

fn is_token_text(s: &str, min_len: usize, max_len: usize) -> bool {
    (min_len..=max_len).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// A user's id: 128 random bits, as 26 base32 characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Makes an id from 16 random bytes that the caller drew from the operating system.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(encode_random(&bytes))
    }

    /// Accepts an id from a URL or the database; refuses anything that is not of the id's form.
    pub fn parse(s: &str) -> Option<Self> {
        is_token_text(s, 26, 26).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({})", self.0)
    }
}

/// A bearer secret (session cookie, reset link, invitation): 160 random bits.
///
/// Its `Debug` never shows the value, so a token cannot leak into a log by accident. Only its
/// SHA-256 hash is stored: whoever reads the database cannot use what they read.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn from_random(bytes: [u8; 20]) -> Self {
        Self(encode_random(&bytes))
    }

    /// Accepts a token presented by a browser; refuses anything that is not of a token's form
    /// before it reaches the database.
    pub fn parse(s: &str) -> Option<Self> {
        is_token_text(s, 32, 32).then(|| Self(s.to_owned()))
    }

    /// The value to hand to the user (cookie, link). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash under which the token is stored and looked up.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken([redacted])")
    }
}

/// The SHA-256 of a secret token, as stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn to_hex(self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_hide_in_debug() {
        let t = SecretToken::from_random([7; 20]);
        assert_eq!(t.expose().len(), 32);
        assert_eq!(SecretToken::parse(t.expose()), Some(t.clone()));
        assert!(!format!("{t:?}").contains(t.expose()));
        assert_ne!(t.hash(), SecretToken::from_random([8; 20]).hash());
    }

    #[test]
    fn ids_refuse_foreign_shapes() {
        let id = UserId::from_random([1; 16]);
        assert_eq!(UserId::parse(id.as_str()), Some(id));
        assert_eq!(UserId::parse("../../etc/passwd"), None);
        assert_eq!(UserId::parse("AAAAAAAAAAAAAAAAAAAAAAAAAA"), None);
        assert_eq!(SecretToken::parse("short"), None);
    }
}
