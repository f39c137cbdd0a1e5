//! Entering a session room: from an appointment (the join button opens shortly before the start)
//! or an ad-hoc room a counselor opens and invites clients to; the room page; and the upgrade to
//! the signaling WebSocket, which checks the session cookie, the Origin and membership.

use askama::Template;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use sangdam_domain::{Email, Role};
use sangdam_store::{AppointmentRecord, MemberRole, RoomRecord};
use serde::Deserialize;

use super::{render, see_other};
use crate::auth::audit;
use crate::crypto::random;
use crate::ctx::{Ctx, Viewer, same_origin};
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::room::{self, Entrant};
use crate::state::AppState;

/// A room stays open this long after the booked end.
const GRACE_SECONDS: i64 = 60 * 60;

/// Whether an appointment's room is open at `now`.
pub fn room_open(state: &AppState, a: &AppointmentRecord, now: i64) -> bool {
    a.status.holds_time()
        && now >= a.starts_at - i64::from(state.config.room_opens_minutes) * 60
        && now <= a.ends_at + GRACE_SECONDS
}

/// The viewer as a member of the room: hosts must be cleared to see client data.
async fn member(state: &AppState, ctx: &Ctx, room: &RoomRecord) -> Result<(Viewer, MemberRole, bool), AppError> {
    let v = ctx.signed_in()?;
    let m = state.store.room_member(&room.id, &v.user.id).await?.ok_or(AppError::NotFound)?;
    if m.role == MemberRole::Host {
        ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    }
    if let Some(a) = &room.appointment_id {
        let a = state.store.appointment(a).await?.ok_or(AppError::NotFound)?;
        if !room_open(state, &a, ctx.now) {
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
    if !room_open(&state, &a, ctx.now) {
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
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let room = state.store.room(&id).await?.ok_or(AppError::NotFound)?;
    let (v, role, _) = member(&state, &ctx, &room).await?;
    audit(&state, &ctx, Some(&v.user), "room.enter", Some(format!("room:{}", room.id)), "ok").await?;
    render(&RoomPage {
        ctx: &ctx,
        id: room.id.clone(),
        title: room.title.clone(),
        host: role == MemberRole::Host,
        ad_hoc: room.appointment_id.is_none(),
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
    let entrant =
        Entrant { user: v.user.id.clone(), name: v.user.display_name.to_string(), role, admitted, tr: ctx.tr.clone() };
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

/// A counselor opens an ad-hoc room.
pub async fn create(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<NewRoomForm>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor])?;
    let title = f.title.trim();
    if title.chars().count() > 100 {
        return Err(AppError::BadRequest("error-room-title"));
    }
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    state.store.create_room(&id, &v.user.id, title, ctx.now).await?;
    audit(&state, &ctx, Some(&v.user), "room.create", Some(format!("room:{id}")), "ok").await?;
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
        let as_host = f.role == "host" && matches!(u.role, Role::Counselor | Role::Supervisor);
        let member_role = if as_host { MemberRole::Host } else { MemberRole::Guest };
        state.store.add_room_member(&room.id, &u.id, member_role).await?;
        let link = format!("{}/rooms/{}", state.config.public_url, room.id);
        mail::send(&state, &u.email, u.language, Mail::RoomInvitation { link, host: v.user.display_name.to_string() })
            .await?;
        audit(&state, &ctx, Some(&v.user), "room.invite", Some(format!("user:{}", u.id)), member_role.as_str()).await?;
    }
    Ok(see_other(&format!("/rooms/{}?invited=1", room.id)))
}
