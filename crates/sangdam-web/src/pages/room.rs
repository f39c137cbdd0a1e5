//! Entering a session room: from an appointment (the join button opens shortly before the start)
//! or an ad-hoc room a counselor opens and invites clients to; the room page; and the upgrade to
//! the signaling WebSocket, which checks the session cookie, the Origin and membership.

use askama::Template;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use sangdam_app::rooms::{self, RoomError};
use sangdam_domain::{Email, Role};
use sangdam_store::{MemberRole, RoomRecord};
use serde::Deserialize;

use super::views::{render, see_other};
use crate::auth::{actor_of, audit};
use crate::crypto::random;
use crate::ctx::{Ctx, Viewer, same_origin};
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::room::{self, Entrant};
use crate::state::AppState;

/// The viewer as a member of the room: hosts must be cleared to see client data.
async fn member(state: &AppState, ctx: &Ctx, room: &RoomRecord) -> Result<(Viewer, MemberRole, bool), AppError> {
    let v = ctx.signed_in()?;
    let m = state.store.room_member(&room.id, &v.user.id).await?.ok_or(AppError::NotFound)?;
    if m.role == MemberRole::Host {
        ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    }
    if let Some(a) = &room.appointment_id {
        let a = state.store.appointment(a).await?.ok_or(AppError::NotFound)?;
        if !super::views::room_open(state, &a, ctx.now) {
            return Err(AppError::BadRequest("error-room-not-open"));
        }
    }
    Ok((v.clone(), m.role, m.role == MemberRole::Host || m.admitted_at.is_some()))
}

pub async fn enter_appointment(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.signed_in()?;
    let a = state.store.appointment(&id).await?.ok_or(AppError::NotFound)?;
    if a.client_id != v.user.id && a.counselor_id != v.user.id {
        return Err(AppError::NotFound);
    }
    if a.counselor_id == v.user.id {
        ctx.client_data_viewer(&[Role::Counselor])?;
    }
    if !super::views::room_open(&state, &a, ctx.now) {
        return Err(AppError::BadRequest("error-room-not-open"));
    }
    let new_id = sangdam_domain::ids::encode_random(&random::<16>());
    let room = state.store.room_for_appointment(&new_id, &a.id, &a.counselor_id, &a.client_id, ctx.now).await?;
    Ok(see_other(&format!("/rooms/{}", room.id)))
}

#[derive(Template)]
#[template(path = "room.html")]
struct RoomPage<'a> {
    ctx: &'a Ctx,
    id: String,
    title: String,
    host: bool,
    ad_hoc: bool,
    accept: String,
    max_mb: i64,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let room = state.store.room(&id).await?.ok_or(AppError::NotFound)?;
    // An ended session says so to its members (a reload after the end once waited for a
    // connection forever, or showed "not open").
    if room.ended_at.is_some() {
        let v = ctx.signed_in()?;
        state.store.room_member(&room.id, &v.user.id).await?.ok_or(AppError::NotFound)?;
        let home = if v.user.role == sangdam_domain::Role::Client { "/appointments" } else { "/dashboard" };
        return super::views::message(&ctx, "room-title", "room-ended-page", Some((home, "room-ended-back")));
    }
    let (v, role, _) = member(&state, &ctx, &room).await?;
    audit(&state, &ctx, Some(&v.user), "room.enter", Some(format!("room:{}", room.id)), "ok").await?;
    render(&RoomPage {
        ctx: &ctx,
        id: room.id.clone(),
        title: room.title.clone(),
        host: role == MemberRole::Host,
        ad_hoc: room.appointment_id.is_none(),
        accept: super::views::accepted_files(),
        max_mb: i64::try_from(state.config.room_file_max_bytes / (1024 * 1024)).unwrap_or(0),
    })
}

/// The signaling WebSocket. Refused (before the upgrade) without a signed-in member, from
/// another origin, or once the room has ended.
pub async fn socket(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> AppResult {
    if same_origin(&headers, &state) != Some(true) {
        return Err(AppError::Forbidden);
    }
    let room = state.store.room(&id).await?.ok_or(AppError::NotFound)?;
    let (v, role, admitted) = member(&state, &ctx, &room).await?;
    if room.ended_at.is_some() {
        return Err(AppError::BadRequest("error-room-ended"));
    }
    let entrant = Entrant {
        user: v.user.id.clone(),
        name: v.user.display_name.to_string(),
        role,
        admitted,
        tr: ctx.tr.clone(),
        session: (v.token_hash.clone(), v.user.role),
    };
    Ok(ws
        .max_message_size(room::MAX_MESSAGE_BYTES)
        .max_frame_size(room::MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| room::run(state, room, entrant, socket))
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewRoomForm {
    title: String,
}

/// A refused room operation, as the pages answer it.
fn room_error(e: RoomError) -> AppError {
    match e {
        RoomError::NotFound => AppError::NotFound,
        RoomError::Forbidden => AppError::Forbidden,
        RoomError::Invalid(id) => AppError::BadRequest(id),
        RoomError::Store(e) => e.into(),
    }
}

/// A counselor opens an ad-hoc room.
pub async fn create(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<NewRoomForm>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor])?;
    let actor = actor_of(&ctx, Some(&v.user));
    let id = rooms::create(&state.store, &state.keys, &actor, &f.title).await.map_err(room_error)?;
    Ok(see_other(&format!("/rooms/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
}

/// A host invites a client (who then knocks) or another counselor (who joins as a host).
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<InviteForm>,
) -> AppResult {
    let room = state.store.room(&id).await?.ok_or(AppError::NotFound)?;
    let (v, role, _) = member(&state, &ctx, &room).await?;
    if role != MemberRole::Host {
        return Err(AppError::Forbidden);
    }
    let email = Email::parse(&f.email).map_err(|e| AppError::BadRequest(e.message_id()))?;
    // Replies never reveal whether an address has an account: unknown addresses get the same answer.
    if let Some(u) = state.store.user_by_email(&email).await?.filter(|u| u.active) {
        let link = format!("{}/rooms/{}", state.config.public_url, room.id);
        let mail = mail::prepare(
            &state,
            &u.email,
            u.language,
            Mail::RoomInvitation { link, host: v.user.display_name.to_string() },
        );
        let actor = actor_of(&ctx, Some(&v.user));
        rooms::invite(&state.store, &state.keys, &actor, &room, &u, f.role == "host", mail)
            .await
            .map_err(room_error)?;
        state.mail_queued.notify_one();
    }
    Ok(see_other(&format!("/rooms/{}?invited=1", room.id)))
}

/// A participant allowed to see and share the room's content now: a host, or an admitted guest.
async fn participant(state: &AppState, ctx: &Ctx, room_id: &str) -> Result<(RoomRecord, Viewer), AppError> {
    let room = state.store.room(room_id).await?.ok_or(AppError::NotFound)?;
    let (v, _, admitted) = member(state, ctx, &room).await?;
    if !admitted {
        return Err(AppError::Forbidden);
    }
    Ok((room, v))
}

/// Shares a file in the room (multipart field `file`; the CSRF token in the `X-CSRF-Token` header
/// or the action's query). Its kind must be allowed and match its content; it is sealed at rest.
pub async fn upload_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> AppResult {
    let (room, v) = participant(&state, &ctx, &id).await?;
    if room.ended_at.is_some() {
        return Err(AppError::BadRequest("error-room-ended"));
    }
    let upload = crate::forms::read_upload(multipart, state.config.room_file_max_bytes).await?;
    let (name, content_type, bytes) = (upload.name, upload.content_type, upload.bytes);
    let file = sangdam_store::RoomFile {
        id: sangdam_domain::ids::encode_random(&random::<16>()),
        sender_id: v.user.id.clone(),
        name,
        content_type: content_type.to_owned(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        at: ctx.now,
    };
    let keys = state.keys.clone();
    let file_row = file.id.clone();
    let sealed =
        tokio::task::spawn_blocking(move || keys.seal_at(&sangdam_store::sealed::ROOM_FILE, &[&file_row], &bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
    let actor = actor_of(&ctx, Some(&v.user));
    rooms::share_file(&state.store, &state.keys, &actor, &room, &file, &sealed).await.map_err(room_error)?;
    let info = room::file_info(&file, v.user.display_name.as_str());
    room::announce(&state, &room.id, room::ServerMsg::File { file: info.clone() }).await;
    Ok(axum::Json(info).into_response())
}

/// Downloads a shared file: participants only; always as an attachment, never rendered.
pub async fn download_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(String, String)>,
) -> AppResult {
    let (room, v) = participant(&state, &ctx, &id).await?;
    let (file, sealed) = state.store.room_file(&room.id, &file_id).await?.ok_or(AppError::NotFound)?;
    let keys = state.keys.clone();
    let file_row = file.id.clone();
    let body =
        tokio::task::spawn_blocking(move || keys.open_at(&sangdam_store::sealed::ROOM_FILE, &[&file_row], &sealed))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|_| AppError::Internal(anyhow::anyhow!("a room file could not be opened")))?;
    audit(&state, &ctx, Some(&v.user), "room.file.read", Some(format!("room-file:{}", file.id)), "ok").await?;
    let disposition = crate::forms::attachment(&file.name);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, file.content_type.clone()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Time-limited TURN credentials for a participant (the TURN REST API scheme that coturn's
/// `use-auth-secret` understands): the user name is `<expiry>:<opaque id>`, the password the
/// base64 HMAC-SHA1 of that name under the shared secret.
pub async fn ice_servers(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (room, _) = participant(&state, &ctx, &id).await?;
    let _ = room;
    let mut servers = Vec::new();
    if let (Some(secret), false) = (&state.config.turn_secret, state.config.turn_urls.is_empty()) {
        let (username, credential) = turn_credentials(secret.expose(), ctx.now + state.config.turn_ttl_seconds);
        servers.push(
            serde_json::json!({ "urls": state.config.turn_urls, "username": username, "credential": credential }),
        );
    }
    Ok(axum::Json(serde_json::json!({ "iceServers": servers })).into_response())
}

/// `(username, credential)` valid until `expires` (Unix seconds). The name carries a random id,
/// not the user's, so the TURN server's logs hold no personal data.
pub fn turn_credentials(secret: &str, expires: i64) -> (String, String) {
    use hmac::{Hmac, Mac};
    let username = format!("{expires}:{}", sangdam_domain::ids::encode_random(&random::<8>()));
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(username.as_bytes());
    (username, data_encoding::BASE64.encode(&mac.finalize().into_bytes()))
}
