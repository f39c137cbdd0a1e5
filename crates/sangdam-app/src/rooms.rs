//! Session rooms outside the live socket: a counselor opening an ad-hoc room, a host inviting
//! someone, a participant sharing a file. Each write commits with its audit entry, and an
//! invitation with its mail, in one transaction.
//!
//! Who is a member, a host or admitted is read from the store here; what the request must show
//! besides (a host's two-factor clearance, an appointment's room being open) is the caller's to
//! check first.

use sangdam_domain::Role;
use sangdam_domain::limits::MAX_ROOM_TITLE_CHARS;
use sangdam_store::{MemberRole, QueuedMail, RoomFile, RoomRecord, Store, StoreError, UserRecord};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// Why a room operation was not done. Each refusal names the message a person reads.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    /// Not a member, or no such room: the two look alike.
    #[error("not found")]
    NotFound,
    /// A member who may not do this (a guest inviting, a guest not yet admitted sharing a file).
    #[error("forbidden")]
    Forbidden,
    /// The request itself is wrong.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A counselor opens an ad-hoc room titled `title` (trimmed; it may be empty) and is its host.
/// Returns the room's id.
pub async fn create(store: &Store, keys: &Keys, actor: &Actor, title: &str) -> Result<String, RoomError> {
    let Some((me, Role::Counselor)) = &actor.user else { return Err(RoomError::Forbidden) };
    let title = title.trim();
    if title.chars().count() > MAX_ROOM_TITLE_CHARS {
        return Err(RoomError::Invalid("error-room-title"));
    }
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let effects = audited(keys, actor, "room.create", Some(format!("room:{id}")), "ok");
    store.create_room(&id, me, title, actor.at, &effects).await?;
    Ok(id)
}

/// The actor's membership of `room`: its role and whether they are admitted (a host always is).
async fn membership(store: &Store, actor: &Actor, room: &RoomRecord) -> Result<(MemberRole, bool), RoomError> {
    let Some((me, _)) = &actor.user else { return Err(RoomError::NotFound) };
    let m = store.room_member(&room.id, me).await?.ok_or(RoomError::NotFound)?;
    Ok((m.role, m.role == MemberRole::Host || m.admitted_at.is_some()))
}

/// A host of `room` invites `invitee`: a counselor or supervisor asked to join `as_host` joins
/// as one, anyone else as a guest who knocks. `invitation` is the mail to queue with it. Returns
/// the role they were given.
pub async fn invite(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    room: &RoomRecord,
    invitee: &UserRecord,
    as_host: bool,
    invitation: QueuedMail,
) -> Result<MemberRole, RoomError> {
    if membership(store, actor, room).await?.0 != MemberRole::Host {
        return Err(RoomError::Forbidden);
    }
    if room.ended_at.is_some() {
        return Err(RoomError::Invalid("error-room-ended"));
    }
    let as_host = as_host && matches!(invitee.role, Role::Counselor | Role::Supervisor);
    let role = if as_host { MemberRole::Host } else { MemberRole::Guest };
    let effects =
        audited(keys, actor, "room.invite", Some(format!("user:{}", invitee.id)), role.as_str()).with_mail(invitation);
    store.add_room_member(&room.id, &invitee.id, role, actor.at, &effects).await?;
    Ok(role)
}

/// An admitted participant of `room` shares `file`, whose body `sealed` the caller sealed under
/// the file's id. `Invalid("error-files-full")` when the room holds its most files already.
pub async fn share_file(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    room: &RoomRecord,
    file: &RoomFile,
    sealed: &[u8],
) -> Result<(), RoomError> {
    if !membership(store, actor, room).await?.1 {
        return Err(RoomError::Forbidden);
    }
    if room.ended_at.is_some() {
        return Err(RoomError::Invalid("error-room-ended"));
    }
    if actor.user.as_ref().map(|(u, _)| u) != Some(&file.sender_id) {
        return Err(RoomError::Forbidden);
    }
    let effects = audited(keys, actor, "room.file.share", Some(format!("room-file:{}", file.id)), "ok");
    match store.add_room_file(&room.id, file, sealed, &effects).await {
        Err(StoreError::LimitReached) => Err(RoomError::Invalid("error-files-full")),
        other => Ok(other?),
    }
}
