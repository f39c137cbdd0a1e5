//! How a person's name is shortened where a full name would say too much (a calendar feed that
//! ends up in a calendar service).

/// A name's initials: a Korean name keeps its family name and hides the rest (`김서연` →
/// `김○○`); any other keeps each word's first letter (`Sora Kim` → `S. K.`).
pub fn initials(name: &str) -> String {
    let name = name.trim();
    let hangul = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
    if name.chars().any(hangul) {
        let letters: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
        let mut out: String = letters.iter().take(1).collect();
        out.extend(std::iter::repeat_n('○', letters.len().saturating_sub(1).max(1)));
        return out;
    }
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_hide_all_but_a_letter_or_the_family_name() {
        assert_eq!(initials("김서연"), "김○○");
        assert_eq!(initials("남궁 민"), "남○○");
        assert_eq!(initials("Sora Kim"), "S. K.");
        assert_eq!(initials("  yuna  "), "Y.");
        assert_eq!(initials("이"), "이○");
        assert_eq!(initials(""), "");
    }
}
