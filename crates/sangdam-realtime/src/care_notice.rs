//! What a client is shown after a crisis message, as both realtime sockets and the pages send it.

use serde::Serialize;

/// A short caring message and the crisis lines; when no counselor can answer now, that plainly,
/// with the on-call number if the center has one.
#[derive(Debug, Clone, Serialize)]
pub struct CareNotice {
    pub title: String,
    pub body: String,
    pub lines: Vec<String>,
    /// Set when no counselor is online: what to do now.
    pub nobody: Option<String>,
}
