//! The chat center's conversations as metadata for a center's reports and CRM: when, which
//! topic and language, who, how it ended. Never a word of the conversation, the nickname or the
//! device. Who may list follows `sangdam_app::access::chat_list`; every list is audited.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use sangdam_app::access::{ChatList, chat_list};
use sangdam_domain::api::Scope;
use sangdam_store::ChatRecord;

use super::schema::{ChatMeta, ChatPage, ProblemDoc};
use super::{ApiResult, Caller, cursor, ok, page_size, parse_cursor, time};
use crate::state::AppState;

fn view(c: &ChatRecord) -> ChatMeta {
    ChatMeta {
        id: c.id.clone(),
        status: c.status.as_str().to_owned(),
        topic: c.topic.clone(),
        language: c.language.code().to_owned(),
        client_id: c.client_id.as_ref().map(ToString::to_string),
        counselor_id: c.counselor_id.as_ref().map(ToString::to_string),
        queued_at: time(c.queued_at),
        accepted_at: c.accepted_at.map(time),
        closed_at: c.closed_at.map(time),
        close_category: c.close_category.clone(),
    }
}

/// Chats, newest first: the ones a counselor took; every chat for supervisors and service tokens.
#[utoipa::path(get, path = "/api/v1/chats", operation_id = "list_chats", tag = "chats",
    params(
        ("limit" = Option<u32>, Query, description = "1 to 100, default 25"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")
    ),
    responses(
        (status = 200, description = "Done", body = ChatPage),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["clients:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    caller.require(Scope::ClientsRead)?;
    let limit = page_size(q.get("limit").map(String::as_str))?;
    let before = parse_cursor(q.get("cursor").map(String::as_str))?;
    let held_by = match chat_list(caller.reader()) {
        ChatList::All => None,
        ChatList::HeldBy(c) => Some(c),
        ChatList::Nothing => return Err(caller.require_role()),
    };
    let before_ref = before.as_ref().map(|(at, id)| (*at, id.as_str()));
    let mut page = state.store.chats_page(held_by.as_ref(), before_ref, i64::from(limit) + 1).await?;
    let more = page.len() > limit as usize;
    page.truncate(limit as usize);
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "api.chats.list", None, "ok").await?;
    let next = if more { page.last().map(|c| cursor(c.queued_at, &c.id)) } else { None };
    Ok(ok(StatusCode::OK, &ChatPage { data: page.iter().map(view).collect(), next_cursor: next }))
}
