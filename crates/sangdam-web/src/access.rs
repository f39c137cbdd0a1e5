//! Who may see what, as the web layer asks it. The one place that decides is
//! `sangdam_app::access` (over the rules in `sangdam_domain::access` and the store's queries);
//! this module takes the viewer from the request (staff need two-factor for client data), asks
//! there, and turns a refusal into an audited "not found".

use sangdam_app::access as rule;
pub use sangdam_app::access::{CrisisAccess, Place};
use sangdam_domain::{Role, UserId};
use sangdam_store::{ChatRecord, RecordingRecord, RoomRecord, UserRecord};

use crate::auth::actor_of;
use crate::ctx::{Ctx, Viewer};
use crate::error::AppError;
use crate::state::AppState;

/// Whether `viewer` may see `client`'s record (see `sangdam_app::access::may_see_client`).
pub async fn may_see_client(state: &AppState, viewer: &UserRecord, client: &UserId) -> Result<bool, AppError> {
    Ok(rule::may_see_client(&state.store, viewer, client).await?)
}

/// The viewer, when they may see `client`'s record now (staff with two-factor, in care or a
/// supervisor); a refusal is audited.
pub async fn client_record<'c>(state: &AppState, ctx: &'c Ctx, client: &UserId) -> Result<&'c Viewer, AppError> {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    if !rule::may_see_client(&state.store, &v.user, client).await? {
        let actor = actor_of(ctx, Some(&v.user));
        rule::refuse(&state.store, &state.keys, &actor, "client.read", format!("user:{client}")).await?;
        return Err(AppError::NotFound);
    }
    Ok(v)
}

/// The people `me` may write secure messages to.
pub async fn message_contacts(state: &AppState, me: &UserRecord) -> Result<Vec<UserId>, AppError> {
    Ok(rule::message_contacts(&state.store, me).await?)
}

/// Whether `user` took part in the room (a host, or a guest who was admitted).
pub async fn took_part(state: &AppState, room: &str, user: &UserId) -> Result<bool, AppError> {
    Ok(rule::took_part(&state.store, room, user).await?)
}

/// Whether `user` may play a stopped recording.
pub async fn may_play_recording(
    state: &AppState,
    user: &UserRecord,
    rec: &RecordingRecord,
    room: &RoomRecord,
) -> Result<bool, AppError> {
    Ok(rule::may_play_recording(&state.store, user, rec, room).await?)
}

/// A chat for staff who may read it (see `sangdam_app::access::may_read_chat`). A refusal is
/// audited.
pub async fn staff_chat(state: &AppState, ctx: &Ctx, id: &str) -> Result<(Viewer, ChatRecord), AppError> {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?.clone();
    let chat = state.store.chat(id).await?.ok_or(AppError::NotFound)?;
    if !rule::may_read_chat(&v.user, &chat) {
        let actor = actor_of(ctx, Some(&v.user));
        rule::refuse(&state.store, &state.keys, &actor, "chat.read", format!("chat:{id}")).await?;
        return Err(AppError::NotFound);
    }
    Ok((v, chat))
}

/// What `viewer` may do with a crisis event.
pub async fn crisis_access(state: &AppState, viewer: &UserRecord, place: &Place) -> Result<CrisisAccess, AppError> {
    Ok(rule::crisis_access(&state.store, viewer, place).await?)
}

/// Whether `viewer` may see a crisis event (see [`crisis_access`]).
pub async fn may_see_crisis(state: &AppState, viewer: &UserRecord, place: &Place) -> Result<bool, AppError> {
    Ok(crisis_access(state, viewer, place).await? >= CrisisAccess::See)
}

/// Whether `viewer` may close a crisis event with an outcome (see [`crisis_access`]).
pub async fn may_close_crisis(state: &AppState, viewer: &UserRecord, place: &Place) -> Result<bool, AppError> {
    Ok(crisis_access(state, viewer, place).await? == CrisisAccess::Close)
}
