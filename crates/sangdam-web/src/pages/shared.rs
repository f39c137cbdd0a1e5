//! Helpers the pages share, so that no page imports another for them: people's display names, a
//! chat's closing category and a role's name in the viewer's language, an entry of a client's
//! timeline, a new password's problem, the files a chat or a room accepts, and whether an
//! appointment's room is open.

use std::collections::HashMap;

use sangdam_domain::password::PasswordError;
use sangdam_domain::{Role, UserId};

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// The display names of some users, each looked up once.
pub async fn display_names(state: &AppState, ids: Vec<UserId>) -> Result<HashMap<UserId, String>, AppError> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            let name = state.store.user_by_id(e.key()).await?.map(|u| u.display_name.to_string());
            e.insert(name.unwrap_or_default());
        }
    }
    Ok(names)
}

/// A closing category's name in the viewer's language (empty for an open chat).
pub fn category_name(ctx: &Ctx, category: Option<&str>) -> String {
    category.map(|k| ctx.t(&format!("chat-category-{k}"))).unwrap_or_default()
}

/// One entry of the timeline.
pub struct Event {
    pub at: i64,
    pub when: String,
    pub kind: String,
    pub text: String,
    pub link: Option<String>,
}

/// The Fluent id of a role's name.
pub fn role_message_id(role: Role) -> &'static str {
    match role {
        Role::Client => "role-client",
        Role::Counselor => "role-counselor",
        Role::Supervisor => "role-supervisor",
        Role::Admin => "role-admin",
    }
}

/// A new password's problem in the viewer's language.
pub fn password_error(ctx: &Ctx, e: PasswordError) -> String {
    match e {
        PasswordError::TooShort { min } => ctx.tn(e.message_id(), "min", min as i64),
        PasswordError::TooLong { max } => ctx.tn(e.message_id(), "max", max as i64),
        PasswordError::TooGuessable(_) => ctx.t(e.message_id()),
    }
}

/// The file picker's kinds (`.pdf,.png,…`), as the session room offers them.
pub fn accepted_files() -> String {
    sangdam_domain::files::accepted_extensions().iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(",")
}

/// How long after its end an appointment's room stays open.
pub const ROOM_GRACE_SECONDS: i64 = 60 * 60;

/// Whether an appointment's room is open at `now`.
pub fn room_open(state: &AppState, a: &sangdam_store::AppointmentRecord, now: i64) -> bool {
    a.status.holds_time()
        && now >= a.starts_at - i64::from(state.config.room_opens_minutes) * 60
        && now <= a.ends_at + ROOM_GRACE_SECONDS
}
