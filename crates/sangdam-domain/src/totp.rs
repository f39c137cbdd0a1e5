//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1, 6 digits, 30 s).
//!
//! The secret is shown once at enrollment as an `otpauth://` URI (QR code) and as base32 text.
//! A code is accepted for the current step and one step either side (clock drift), and only for a
//! step later than the last one used, so that a code seen over someone's shoulder cannot be
//! replayed.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const SKEW_STEPS: i64 = 1;

/// A 160-bit TOTP shared secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; 20]);

impl TotpSecret {
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 20]>::try_from(bytes).ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The secret as authenticator apps accept it typed in: base32, grouped by four.
    pub fn to_base32_grouped(&self) -> String {
        let plain = BASE32_NOPAD.encode(&self.0);
        plain.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
    }

    /// The URI that authenticator apps read from a QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{}:{}", percent(issuer), percent(account));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            BASE32_NOPAD.encode(&self.0),
            percent(issuer)
        )
    }

    /// The HOTP value for a counter (RFC 4226 section 5.3).
    pub fn hotp(&self, counter: u64) -> u32 {
        // HMAC accepts keys of any length, so building it cannot fail.
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(&counter.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = (digest[19] & 0x0f) as usize;
        let binary =
            u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
        binary % 10u32.pow(DIGITS)
    }

    /// The code for a Unix time, as six digits.
    pub fn code_at(&self, unix_seconds: i64) -> String {
        format!("{:06}", self.hotp(step_of(unix_seconds) as u64))
    }

    /// Checks a code typed by the user at `unix_seconds`. Returns the matched time step, which the
    /// caller must store and pass back as `last_used_step` so the code cannot be used again.
    pub fn verify(&self, code: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = step_of(unix_seconds);
        (now - SKEW_STEPS..=now + SKEW_STEPS)
            .filter(|&step| step >= 0 && last_used_step.is_none_or(|last| step > last))
            .find(|&step| constant_time_eq(format!("{:06}", self.hotp(step as u64)).as_bytes(), code.as_bytes()))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6238 appendix B test vectors for SHA-1 (the 8-digit values, reduced to 6).
    #[test]
    fn rfc6238_vectors() {
        let secret = TotpSecret::from_bytes(*b"12345678901234567890");
        for (t, code8) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(secret.code_at(t), code8[2..], "t={t}");
        }
    }

    #[test]
    fn rfc4226_vectors() {
        let secret = TotpSecret::from_bytes(*b"12345678901234567890");
        let expected = [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489];
        for (counter, want) in expected.iter().enumerate() {
            assert_eq!(secret.hotp(counter as u64), *want);
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_within_skew() {
        let secret = TotpSecret::from_bytes([42; 20]);
        let now = 1_800_000_000;
        let code = secret.code_at(now);
        let step = secret.verify(&code, now, None).unwrap();
        assert_eq!(secret.verify(&code, now, Some(step)), None, "replay accepted");
        assert!(secret.verify(&code, now + 30, None).is_some(), "one step of drift refused");
        assert!(secret.verify(&code, now + 90, None).is_none(), "three steps of drift accepted");
        assert!(secret.verify("12345", now, None).is_none());
        assert!(secret.verify("abcdef", now, None).is_none());
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(secret.verify(&spaced, now, None).is_some());
    }

    #[test]
    fn uri_and_text_form() {
        let secret = TotpSecret::from_bytes([0; 20]);
        let uri = secret.otpauth_uri("Sangdam", "a@example.com");
        assert!(uri.starts_with("otpauth://totp/Sangdam:a%40example.com?secret=AAAA"));
        assert_eq!(secret.to_base32_grouped().split(' ').count(), 8);
    }
}
