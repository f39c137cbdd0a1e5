//! Percent-encoding for what goes into a link the server writes (a `next` to come back to, a
//! search kept in a page link, a download's file name).

/// `s` with every byte but letters, digits and `-._~/` percent-encoded.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
