//! Who may see what, in one place. The rules (which states grant access) are
//! `sangdam_domain::access`; the store turns them into queries (`care_team`, `room_part`,
//! `rooms_taken_part`); every page and socket asks here. A refusal of client data is audited and
//! answered as "not found", so a stranger cannot learn who is a client.

use sangdam_domain::access::{ChatView, staff_may_read_chat};
use sangdam_domain::routing::ChatStatus;
use sangdam_domain::{Role, UserId};
use sangdam_store::{ChatRecord, RecordingRecord, RoomRecord, UserRecord};

use crate::auth::audit;
use crate::ctx::{Ctx, Viewer};
use crate::error::AppError;
use crate::state::AppState;

/// Whether `viewer` may see `client`'s record (profile, notes, scores, alerts): supervisors
/// always, counselors while the client is in their care.
pub async fn may_see_client(state: &AppState, viewer: &UserRecord, client: &UserId) -> Result<bool, AppError> {
    Ok(match viewer.role {
        Role::Supervisor => true,
        Role::Counselor => state.store.in_care(&viewer.id, client).await?,
        Role::Client | Role::Admin => false,
    })
}

/// The viewer, when they may see `client`'s record now (staff with two-factor, in care or a
/// supervisor); a refusal is audited.
pub async fn client_record<'c>(state: &AppState, ctx: &'c Ctx, client: &UserId) -> Result<&'c Viewer, AppError> {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    if !may_see_client(state, &v.user, client).await? {
        audit(state, ctx, Some(&v.user), "client.read", Some(format!("user:{client}")), "denied").await?;
        return Err(AppError::NotFound);
    }
    Ok(v)
}

/// The people `me` may write secure messages to: a client's care team, or a counselor's clients
/// in care.
pub async fn message_contacts(state: &AppState, me: &UserRecord) -> Result<Vec<UserId>, AppError> {
    Ok(match me.role {
        Role::Client => state.store.care_team(&me.id).await?,
        Role::Counselor => state.store.care_clients(&me.id).await?,
        Role::Supervisor | Role::Admin => vec![],
    })
}

/// Whether `user` took part in the room (a host, or a guest who was admitted).
pub async fn took_part(state: &AppState, room: &str, user: &UserId) -> Result<bool, AppError> {
    Ok(state.store.room_part(room, user).await?.is_some_and(|p| p.took_part()))
}

/// Whether `user` may play a stopped recording: supervisors; the room's hosts; a client who took
/// part in the room, once a counselor shared it.
pub async fn may_play_recording(
    state: &AppState,
    user: &UserRecord,
    rec: &RecordingRecord,
    room: &RoomRecord,
) -> Result<bool, AppError> {
    Ok(match user.role {
        Role::Supervisor => true,
        Role::Counselor => state.store.room_hosts(&room.id).await?.contains(&user.id),
        Role::Client => rec.shared_with_client && took_part(state, &room.id, &user.id).await?,
        Role::Admin => false,
    })
}

/// A chat for staff: the counselor holding it once accepted, supervisors, and any counselor for a
/// message left while nobody could answer. A refusal is audited.
pub async fn staff_chat(state: &AppState, ctx: &Ctx, id: &str) -> Result<(Viewer, ChatRecord), AppError> {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?.clone();
    let chat = state.store.chat(id).await?.ok_or(AppError::NotFound)?;
    let view =
        ChatView { status: chat.status, holder: chat.counselor_id.as_ref(), accepted: chat.accepted_at.is_some() };
    if !staff_may_read_chat(v.user.role, &v.user.id, &view) {
        audit(state, ctx, Some(&v.user), "chat.read", Some(format!("chat:{id}")), "denied").await?;
        return Err(AppError::NotFound);
    }
    Ok((v, chat))
}

/// How far a staff member may go with a crisis event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CrisisAccess {
    None,
    /// See the event and fill in the risk check: a counselor who was only offered the chat.
    See,
    /// Also close it with an outcome.
    Close,
}

/// What `viewer` may do with a crisis event: supervisors everything; a counselor everything when
/// the client is in their care, when the place is theirs (a room they host, a thread, a booking
/// or a form with them), or when they hold the chat it came from, and only see it (and fill in
/// the risk check) when that chat was offered to them.
pub async fn crisis_access(
    state: &AppState,
    viewer: &UserRecord,
    place: &crate::crisis::Place,
) -> Result<CrisisAccess, AppError> {
    match viewer.role {
        Role::Supervisor => Ok(CrisisAccess::Close),
        Role::Counselor => {
            if place.counselor_id().as_ref() == Some(&viewer.id) {
                return Ok(CrisisAccess::Close);
            }
            if let Some(client) = place.client_id()
                && state.store.in_care(&viewer.id, &client).await?
            {
                return Ok(CrisisAccess::Close);
            }
            if place.source == "chat"
                && let Some(c) = state.store.chat(&place.id).await?
                && c.counselor_id.as_ref() == Some(&viewer.id)
            {
                return Ok(if c.status == ChatStatus::Active { CrisisAccess::Close } else { CrisisAccess::See });
            }
            Ok(CrisisAccess::None)
        }
        Role::Client | Role::Admin => Ok(CrisisAccess::None),
    }
}

/// Whether `viewer` may see a crisis event (see [`crisis_access`]).
pub async fn may_see_crisis(
    state: &AppState,
    viewer: &UserRecord,
    place: &crate::crisis::Place,
) -> Result<bool, AppError> {
    Ok(crisis_access(state, viewer, place).await? >= CrisisAccess::See)
}

/// Whether `viewer` may close a crisis event with an outcome (see [`crisis_access`]).
pub async fn may_close_crisis(
    state: &AppState,
    viewer: &UserRecord,
    place: &crate::crisis::Place,
) -> Result<bool, AppError> {
    Ok(crisis_access(state, viewer, place).await? == CrisisAccess::Close)
}
