//! Undo for deletions that are safe to take back: a canned response, a day's exception in a
//! counselor's hours. Nothing else follows from them (no mail, no booking moves), so putting the
//! row back as it was is the whole of undoing.
//!
//! The deleted row is kept in memory for [`UNDO_SECS`] under a random token that only the person
//! who deleted it can use, once; the page after the deletion shows "Deleted. Undo". A restart
//! forgets them, which only means the button no longer works.

use std::collections::HashMap;
use std::sync::Mutex;

use sangdam_domain::UserId;
use sangdam_domain::booking::DateException;
use sangdam_store::CannedResponse;

use crate::crypto::random;

/// How long a deletion can be undone.
pub const UNDO_SECS: i64 = 600;
/// Deletions kept at most; the oldest go first.
const MAX_KEPT: usize = 10_000;

/// A deleted row, as it was.
#[derive(Debug, Clone)]
pub enum Deleted {
    Canned(CannedResponse),
    Exception { id: String, exception: DateException },
}

/// The pages deletions are undone from: canned responses, a counselor's settings.
pub const PAGES: [&str; 2] = ["/center/canned", "/counselor/settings"];

impl Deleted {
    /// The page the deletion was made on, where the undo leads back to.
    pub fn page(&self) -> &'static str {
        match self {
            Deleted::Canned(_) => PAGES[0],
            Deleted::Exception { .. } => PAGES[1],
        }
    }
}

#[derive(Debug, Default)]
pub struct Undos {
    kept: Mutex<HashMap<String, (UserId, i64, Deleted)>>,
}

impl Undos {
    /// Keeps `what`, deleted by `actor` at `now`; the token that undoes it.
    pub fn keep(&self, actor: &UserId, now: i64, what: Deleted) -> String {
        let token = sangdam_domain::ids::encode_random(&random::<16>());
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.retain(|_, (_, at, _)| now - *at < UNDO_SECS);
        if kept.len() >= MAX_KEPT
            && let Some(oldest) = kept.iter().min_by_key(|(_, (_, at, _))| *at).map(|(k, _)| k.clone())
        {
            kept.remove(&oldest);
        }
        kept.insert(token.clone(), (actor.clone(), now, what));
        token
    }

    /// Whether `token` can still be used by `actor`.
    pub fn pending(&self, actor: &UserId, token: &str, now: i64) -> bool {
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(token).is_some_and(|(who, at, _)| who == actor && now - *at < UNDO_SECS)
    }

    /// Takes the deletion `token` undoes, when it is `actor`'s and still in time; only once.
    pub fn take(&self, actor: &UserId, token: &str, now: i64) -> Option<Deleted> {
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match kept.get(token) {
            Some((who, at, _)) if who == actor && now - *at < UNDO_SECS => kept.remove(token).map(|(_, _, d)| d),
            _ => None,
        }
    }
}

/// What a page after a deletion (or an undo) was told in its query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct UndoQuery {
    /// The token of a deletion just made.
    pub undo: Option<String>,
    /// How an undo just tried went: `ok`, `late` or `taken`.
    pub undone: Option<String>,
}

impl UndoQuery {
    /// The token to offer, when it is still `actor`'s to use.
    pub fn offer(&self, undos: &Undos, actor: &UserId, now: i64) -> Option<String> {
        self.undo.clone().filter(|t| undos.pending(actor, t, now))
    }

    /// What to say about an undo just tried (a Fluent message id).
    pub fn outcome(&self) -> Option<&'static str> {
        match self.undone.as_deref()? {
            "ok" => Some("undo-restored"),
            "late" => Some("undo-expired"),
            "taken" => Some("undo-taken"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned() -> Deleted {
        Deleted::Canned(CannedResponse {
            id: "c1".into(),
            owner_id: None,
            shortcut: "hi".into(),
            body: "안녕하세요".into(),
        })
    }

    #[test]
    fn only_the_one_who_deleted_undoes_once_and_in_time() {
        let undos = Undos::default();
        let (me, other) = (UserId::from_random([1; 16]), UserId::from_random([2; 16]));
        let token = undos.keep(&me, 1_000, canned());
        assert!(undos.pending(&me, &token, 1_000));
        assert!(!undos.pending(&other, &token, 1_000));
        assert!(undos.take(&other, &token, 1_001).is_none(), "not someone else");
        assert!(undos.take(&me, &token, 1_000 + UNDO_SECS).is_none(), "not after the time");
        let token = undos.keep(&me, 2_000, canned());
        assert!(undos.take(&me, &token, 2_001).is_some());
        assert!(undos.take(&me, &token, 2_002).is_none(), "only once");
        assert!(undos.take(&me, "made-up", 2_002).is_none());
    }
}
