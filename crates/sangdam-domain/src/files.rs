//! Files shared in a session room: which kinds are accepted (by name and by content, both must
//! agree), and a file name that is safe to store, show and send back in a download header.

/// The kinds accepted, with their extensions, content type and how their content begins.
const KINDS: &[(&[&str], &str, Magic)] = &[
    (&["pdf"], "application/pdf", Magic::Prefix(b"%PDF-")),
    (&["png"], "image/png", Magic::Prefix(b"\x89PNG\r\n\x1a\n")),
    (&["jpg", "jpeg"], "image/jpeg", Magic::Prefix(b"\xFF\xD8\xFF")),
    (&["txt"], "text/plain; charset=utf-8", Magic::Utf8Text),
    (
        &["docx"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (&["xlsx"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Magic::Prefix(b"PK\x03\x04")),
    (
        &["pptx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    // 한글 (Hancom Office): the binary format is an OLE container, the newer one a zip.
    (&["hwp"], "application/x-hwp", Magic::Prefix(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")),
    (&["hwpx"], "application/hwp+zip", Magic::Prefix(b"PK\x03\x04")),
];

#[derive(Debug, Clone, Copy)]
enum Magic {
    Prefix(&'static [u8]),
    /// UTF-8 without NUL bytes.
    Utf8Text,
}

/// The extensions accepted, for the upload form's `accept` and the error message.
pub fn accepted_extensions() -> Vec<&'static str> {
    KINDS.iter().flat_map(|(exts, _, _)| exts.iter().copied()).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file name is empty or unusable")]
    Name,
    #[error("this kind of file is not accepted, or its content does not match its name")]
    Kind,
    #[error("the file is empty")]
    Empty,
}

impl FileError {
    pub fn message_id(self) -> &'static str {
        match self {
            FileError::Name => "error-file-name",
            FileError::Kind => "error-file-type",
            FileError::Empty => "error-file-empty",
        }
    }
}

/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Files one session room may hold (each up to the configured size).
pub const MAX_FILES_PER_ROOM: i64 = 50;

/// Files one live chat may hold.
pub const MAX_FILES_PER_CHAT: i64 = 20;

/// A file name that is safe anywhere: no folders, no control or quoting characters, no leading
/// dots, at most 100 characters (the extension is kept).
pub fn safe_name(raw: &str) -> Result<String, FileError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*' | ';') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '_') {
        return Err(FileError::Name);
    }
    if cleaned.chars().count() <= MAX_NAME_CHARS {
        return Ok(cleaned);
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 10 => (s.to_owned(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let keep = MAX_NAME_CHARS - ext.chars().count();
    Ok(format!("{}{ext}", stem.chars().take(keep).collect::<String>()))
}

/// The content type of an accepted file, when its extension is allowed and its content begins
/// as that kind of file does.
pub fn content_type(name: &str, content: &[u8]) -> Result<&'static str, FileError> {
    if content.is_empty() {
        return Err(FileError::Empty);
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).ok_or(FileError::Kind)?;
    let (_, ty, magic) = KINDS.iter().find(|(exts, _, _)| exts.contains(&ext.as_str())).ok_or(FileError::Kind)?;
    let ok = match magic {
        Magic::Prefix(p) => content.starts_with(p),
        Magic::Utf8Text => !content.contains(&0) && std::str::from_utf8(content).is_ok(),
    };
    if ok { Ok(ty) } else { Err(FileError::Kind) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\상담 기록.pdf").unwrap(), "상담 기록.pdf");
        assert_eq!(safe_name("a\"b\r\nc.txt").unwrap(), "a_b__c.txt");
        assert_eq!(safe_name(".htaccess").unwrap(), "htaccess");
        assert!(safe_name("").is_err());
        assert!(safe_name("...").is_err());
        assert!(safe_name("dir/").is_err());
        let long = format!("{}.pdf", "가".repeat(300));
        let s = safe_name(&long).unwrap();
        assert_eq!(s.chars().count(), MAX_NAME_CHARS);
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn kinds_must_match_their_content() {
        assert_eq!(content_type("report.PDF", b"%PDF-1.7 ...").unwrap(), "application/pdf");
        assert_eq!(content_type("photo.jpeg", b"\xFF\xD8\xFF\xE0").unwrap(), "image/jpeg");
        assert_eq!(content_type("notes.txt", "안녕하세요".as_bytes()).unwrap(), "text/plain; charset=utf-8");
        assert_eq!(content_type("기록.hwp", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest").unwrap(), "application/x-hwp");
        // A program dressed as a PDF, an unknown kind, no extension, binary "text", empty.
        assert_eq!(content_type("invoice.pdf", b"MZ\x90\x00"), Err(FileError::Kind));
        assert_eq!(content_type("setup.exe", b"MZ\x90\x00"), Err(FileError::Kind));
        assert_eq!(content_type("page.html", b"<script>"), Err(FileError::Kind));
        assert_eq!(content_type("README", b"hello"), Err(FileError::Kind));
        assert_eq!(content_type("a.txt", b"ab\0cd"), Err(FileError::Kind));
        assert_eq!(content_type("a.txt", b""), Err(FileError::Empty));
    }
}
