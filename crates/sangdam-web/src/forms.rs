//! Small helpers for forms, cookies and redirects.

use axum::extract::{FromRequest, Request};
use axum::http::HeaderValue;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body that fails with a localized 400 instead of axum's plain-text rejection. Form
/// structs take every field as `#[serde(default)]` text and validate it themselves, so a missing
/// or odd field becomes a message next to the field rather than a bare error page.
pub struct FormData<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormData<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(FormData(v)),
            Err(_) => Err(AppError::BadRequest("error-form-invalid")),
        }
    }
}

/// A file uploaded with a multipart form (field `file`), read under a size limit, its name made
/// safe and its kind checked by extension and content (`sangdam_domain::files`).
pub struct Upload {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub async fn read_upload(mut multipart: axum::extract::Multipart, max: usize) -> Result<Upload, AppError> {
    let mut found = None;
    while let Some(mut field) =
        multipart.next_field().await.map_err(|_| AppError::BadRequest("error-file-too-large"))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| AppError::BadRequest("error-file-too-large"))? {
            if bytes.len() + chunk.len() > max {
                return Err(AppError::BadRequest("error-file-too-large"));
            }
            bytes.extend_from_slice(&chunk);
        }
        found = Some((name, bytes));
        break;
    }
    let (raw_name, bytes) = found.ok_or(AppError::BadRequest("error-file-empty"))?;
    let name = sangdam_domain::files::safe_name(&raw_name).map_err(|e| AppError::BadRequest(e.message_id()))?;
    let content_type =
        sangdam_domain::files::content_type(&name, &bytes).map_err(|e| AppError::BadRequest(e.message_id()))?;
    Ok(Upload { name, content_type, bytes })
}

/// A download's `Content-Disposition`: always an attachment, the name in ASCII and in UTF-8.
pub fn attachment(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::url::encode(name))
}

/// A redirect target from a form or query: only a path on this site, never another host. It is
/// taken as it came or not at all, never cleaned up: a slash followed by a path character (not a
/// second slash or a backslash, which browsers read as another host), and nothing but visible
/// ASCII after it (browsers drop tabs and newlines, so `/\t/evil.example` would become
/// `//evil.example`; other bytes cannot be a `Location` header). Anything else goes to the
/// dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    let valid = |n: &str| {
        let bytes = n.as_bytes();
        n.len() < 512
            && bytes.first() == Some(&b'/')
            && bytes.get(1).is_none_or(|b| !matches!(b, b'/' | b'\\'))
            && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
    };
    match next {
        Some(n) if valid(n) => n.to_owned(),
        _ => "/dashboard".to_owned(),
    }
}

/// A `Set-Cookie` value. Every cookie of ours is HttpOnly and SameSite=Lax; Secure under HTTPS.
pub fn cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    // Names and values are our own ASCII tokens, which are valid header text.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    cookie(name, "", Some(0), secure)
}

/// Cookies of a request, by name (the first of a name wins).
pub fn parse_cookies(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .take(64)
        .collect()
}

pub fn cookie_value<'a>(cookies: &'a [(String, String)], name: &str) -> Option<&'a str> {
    cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/account")), "/account");
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
        for evil in ["/\t/evil.example", "/\n/evil.example", "/\x0b", "/%09/ok", "/\u{3000}/x", "", "/ /x", "/\\\\x"] {
            let expected = if evil == "/%09/ok" { evil } else { "/dashboard" };
            assert_eq!(safe_next(Some(evil)), expected, "{evil:?}");
        }
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(Some("/counselors?lang=en&x=%2F%2F")), "/counselors?lang=en&x=%2F%2F");
    }
}
