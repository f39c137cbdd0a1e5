//! Phone numbers as people write them (a client's contact and emergency contact, the on-call
//! number shown to a client in crisis): kept as typed, checked, never dialled by the product.

/// Most characters a phone number may have, spaces and signs included (15 digits is the
/// international maximum; the rest is room for `+`, spaces, dashes and brackets).
pub const MAX_CHARS: usize = 30;

/// Fewest digits a number has: emergency numbers (112, 119, 109) are three.
pub const MIN_DIGITS: usize = 3;

/// A typed phone number, trimmed: digits, spaces, `+`, `-`, `(` and `)`, at most [`MAX_CHARS`]
/// characters and at least [`MIN_DIGITS`] digits. `None` for anything else (words, an empty
/// string: the caller decides whether a number may be left out).
pub fn parse(s: &str) -> Option<String> {
    let s = s.trim();
    let allowed = s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (allowed && s.chars().count() <= MAX_CHARS && digits >= MIN_DIGITS).then(|| s.to_owned())
}

/// A number that may be left out: `Some("")` for an empty field, the number when it is one,
/// `None` when something was typed that is not a number.
pub fn parse_optional(s: &str) -> Option<String> {
    if s.trim().is_empty() { Some(String::new()) } else { parse(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_write_them() {
        for ok in ["010-1234-5678", "+82 10 9999 0000", "(02) 123-4567", "112", " 1588 9191 "] {
            assert_eq!(parse(ok).as_deref(), Some(ok.trim()), "{ok}");
        }
        for bad in ["", "call me maybe", "+-()", "12", "010-1234-5678 ext. 9", &"1".repeat(31), "０１０"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(parse_optional("  ").as_deref(), Some(""));
        assert_eq!(parse_optional("abc"), None);
    }
}
