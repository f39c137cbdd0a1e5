//! What more than one page shows, so that no page imports another: every other module of
//! `pages` is a page (`pages` itself is only the router), and a page imports only from here.
//! Here: how a page answers (a rendered template, a message page, a redirect, a form shown again
//! with its status), sealed text opened for display, people's
//! display names, a chat's closing category and a role's name in the viewer's language, an entry
//! of a client's timeline, a new password's problem, the files a chat or a room accepts, whether
//! an appointment's room is open and the weekdays' names; in the modules below, what several
//! pages load and show of appointments, booking, crisis events, questionnaires, forms and
//! recordings.

pub mod appointments;
pub mod booking;
pub mod crisis;
pub mod forms;
pub mod month;
pub mod questionnaires;
pub mod recordings;

use std::collections::HashMap;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Weekday;
use sangdam_domain::password::PasswordError;
use sangdam_domain::{Role, UserId};

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
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

/// Each weekday with its key in forms and the Fluent id of its name.
pub const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Monday, "mon", "weekday-mon"),
    (Weekday::Tuesday, "tue", "weekday-tue"),
    (Weekday::Wednesday, "wed", "weekday-wed"),
    (Weekday::Thursday, "thu", "weekday-thu"),
    (Weekday::Friday, "fri", "weekday-fri"),
    (Weekday::Saturday, "sat", "weekday-sat"),
    (Weekday::Sunday, "sun", "weekday-sun"),
];

/// Opens sealed text (a summary, a message, an addendum) for display.
pub(crate) fn open_text_at(
    state: &AppState,
    column: &sangdam_store::SealedColumn,
    row: &[&str],
    sealed: &[u8],
) -> Result<String, AppError> {
    Ok(String::from_utf8_lossy(&state.keys.open_at(column, row, sealed)?).into_owned())
}

/// Renders a template into a response.
pub(crate) fn render(t: &impl Template) -> AppResult {
    Ok(Html(t.render()?).into_response())
}

/// A page with a title, a message and an optional button: "check your email", "link expired".
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage<'a> {
    pub ctx: &'a Ctx,
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

pub(crate) fn message(ctx: &Ctx, title_id: &str, message_id: &str, link: Option<(&str, &str)>) -> AppResult {
    render(&MessagePage {
        ctx,
        title: ctx.t(title_id),
        message: ctx.t(message_id),
        link: link.map(|(href, label_id)| (href.to_owned(), ctx.t(label_id))),
    })
}

/// A redirect after a successful form post (303, so the browser follows with GET).
pub(crate) fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

/// A 4xx status with a page, for forms re-shown with their errors.
pub(crate) fn with_status(status: axum::http::StatusCode, r: AppResult) -> AppResult {
    r.map(|mut resp| {
        *resp.status_mut() = status;
        resp
    })
}
