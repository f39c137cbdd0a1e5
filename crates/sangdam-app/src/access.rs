//! Who may see what, in one place. The rules (which states grant access) are
//! `sangdam_domain::access`; the store turns them into queries (`in_care`, `care_team`,
//! `room_part`); every page, socket, job and API call asks here, with the person asking, never a
//! request. Refusing client data is audited by the caller that answers "not found", through
//! [`refuse`], so a stranger cannot learn who is a client.

use sangdam_domain::access::{ChatView, staff_may_read_chat};
use sangdam_domain::routing::ChatStatus;
use sangdam_domain::{Role, UserId};
use sangdam_store::{AppointmentRecord, ChatRecord, RecordingRecord, RoomRecord, Store, StoreError, UserRecord};

use crate::audit::{Actor, audit};
use crate::crypto::Keys;

/// Whether `viewer` may see `client`'s record (profile, notes, scores, alerts): supervisors
/// always, counselors while the client is in their care.
pub async fn may_see_client(store: &Store, viewer: &UserRecord, client: &UserId) -> Result<bool, StoreError> {
    Ok(match viewer.role {
        Role::Supervisor => true,
        Role::Counselor => store.in_care(&viewer.id, client).await?,
        Role::Client | Role::Admin => false,
    })
}

/// Who reads appointments through the API: a person with a personal token, or the center's own
/// systems with a service token.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    Person(&'a UserRecord),
    Center,
}

/// Which appointments a reader may list: their times, people and state, never the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentList {
    /// Every counselor's (supervisors; the center's systems).
    All,
    /// One counselor's own.
    OfCounselor(UserId),
    /// None (admins see no client data; clients use the pages).
    Nothing,
}

/// What `reader` may list: a counselor their own appointments, supervisors and the center all.
pub fn appointment_list(reader: Reader<'_>) -> AppointmentList {
    match reader {
        Reader::Center => AppointmentList::All,
        Reader::Person(u) => match u.role {
            Role::Supervisor => AppointmentList::All,
            Role::Counselor => AppointmentList::OfCounselor(u.id.clone()),
            Role::Client | Role::Admin => AppointmentList::Nothing,
        },
    }
}

/// Whether `reader` may read appointment `a`: the same rule as [`appointment_list`].
pub fn may_read_appointment(reader: Reader<'_>, a: &AppointmentRecord) -> bool {
    match appointment_list(reader) {
        AppointmentList::All => true,
        AppointmentList::OfCounselor(c) => c == a.counselor_id,
        AppointmentList::Nothing => false,
    }
}

/// Whether `reader` may book a session of `counselor` for `client` through the API: the center's
/// systems for anyone; a counselor for themselves, with a client in their care.
pub async fn may_book(
    store: &Store,
    reader: Reader<'_>,
    counselor: &UserId,
    client: &UserId,
) -> Result<bool, StoreError> {
    match reader {
        Reader::Center => Ok(true),
        Reader::Person(u) if u.role == Role::Counselor && &u.id == counselor => store.in_care(&u.id, client).await,
        Reader::Person(_) => Ok(false),
    }
}

/// Which live chats' metadata (times, state, topic, who; never a word of them) a reader may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatList {
    /// Every chat (supervisors; the center's systems).
    All,
    /// The chats this counselor took.
    HeldBy(UserId),
    Nothing,
}

/// What `reader` may list: a counselor the chats they accepted, as [`may_read_chat`] grants.
pub fn chat_list(reader: Reader<'_>) -> ChatList {
    match reader {
        Reader::Center => ChatList::All,
        Reader::Person(u) => match u.role {
            Role::Supervisor => ChatList::All,
            Role::Counselor => ChatList::HeldBy(u.id.clone()),
            Role::Client | Role::Admin => ChatList::Nothing,
        },
    }
}

/// Which clients a reader may list (their contact details, for a CRM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientList {
    /// Every client (supervisors; the center's systems).
    All,
    /// The clients in this counselor's care.
    InCareOf(UserId),
    Nothing,
}

/// What `reader` may list: the same people whose records they may open in the pages.
pub fn client_list(reader: Reader<'_>) -> ClientList {
    match reader {
        Reader::Center => ClientList::All,
        Reader::Person(u) => match u.role {
            Role::Supervisor => ClientList::All,
            Role::Counselor => ClientList::InCareOf(u.id.clone()),
            Role::Client | Role::Admin => ClientList::Nothing,
        },
    }
}

/// Whether `reader` may read or change `client`'s record through the API: a person as in the
/// pages ([`may_see_client`]), the center's systems always.
pub async fn may_read_client(store: &Store, reader: Reader<'_>, client: &UserId) -> Result<bool, StoreError> {
    match reader {
        Reader::Center => Ok(true),
        Reader::Person(u) => may_see_client(store, u, client).await,
    }
}

/// The people `me` may write secure messages to: a client's care team, or a counselor's clients
/// in care.
pub async fn message_contacts(store: &Store, me: &UserRecord) -> Result<Vec<UserId>, StoreError> {
    Ok(match me.role {
        Role::Client => store.care_team(&me.id).await?,
        Role::Counselor => store.care_clients(&me.id).await?,
        Role::Supervisor | Role::Admin => vec![],
    })
}

/// Whether `user` took part in the room (a host, or a guest who was admitted).
pub async fn took_part(store: &Store, room: &str, user: &UserId) -> Result<bool, StoreError> {
    Ok(store.room_part(room, user).await?.is_some_and(|p| p.took_part()))
}

/// Whether `user` may play a stopped recording: supervisors; the room's hosts; a client who took
/// part in the room, once a counselor shared it.
pub async fn may_play_recording(
    store: &Store,
    user: &UserRecord,
    rec: &RecordingRecord,
    room: &RoomRecord,
) -> Result<bool, StoreError> {
    Ok(match user.role {
        Role::Supervisor => true,
        Role::Counselor => store.room_hosts(&room.id).await?.contains(&user.id),
        Role::Client => rec.shared_with_client && took_part(store, &room.id, &user.id).await?,
        Role::Admin => false,
    })
}

/// Whether staff member `viewer` may read a live chat's transcript and files: the counselor
/// holding it once accepted, supervisors, and any counselor for a message left while nobody
/// could answer.
pub fn may_read_chat(viewer: &UserRecord, chat: &ChatRecord) -> bool {
    let view =
        ChatView { status: chat.status, holder: chat.counselor_id.as_ref(), accepted: chat.accepted_at.is_some() };
    staff_may_read_chat(viewer.role, &viewer.id, &view)
}

/// Where a client wrote: the live chat, a session room's chat, a secure message, a form's
/// answers, a booking's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Chat,
    Room,
    Message,
    Form,
    Booking,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Chat => "chat",
            Source::Room => "room",
            Source::Message => "message",
            Source::Form => "form",
            Source::Booking => "booking",
        }
    }
}

/// Where a crisis event was raised (a chat, a room, a thread, a booking, a form) and whose it is:
/// the client (a signed-in one) and the counselor the place belongs to when there is one (a
/// room's host, a thread's or a booking's counselor). Sealed with the event.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Place {
    pub source: Source,
    pub id: String,
    pub client: Option<String>,
    pub counselor: Option<String>,
}

impl Place {
    pub fn client_id(&self) -> Option<UserId> {
        self.client.as_deref().and_then(UserId::parse)
    }
    pub fn counselor_id(&self) -> Option<UserId> {
        self.counselor.as_deref().and_then(UserId::parse)
    }
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
pub async fn crisis_access(store: &Store, viewer: &UserRecord, place: &Place) -> Result<CrisisAccess, StoreError> {
    match viewer.role {
        Role::Supervisor => Ok(CrisisAccess::Close),
        Role::Counselor => {
            if place.counselor_id().as_ref() == Some(&viewer.id) {
                return Ok(CrisisAccess::Close);
            }
            if let Some(client) = place.client_id()
                && store.in_care(&viewer.id, &client).await?
            {
                return Ok(CrisisAccess::Close);
            }
            if place.source == Source::Chat
                && let Some(c) = store.chat(&place.id).await?
                && c.counselor_id.as_ref() == Some(&viewer.id)
            {
                return Ok(if c.status == ChatStatus::Active { CrisisAccess::Close } else { CrisisAccess::See });
            }
            Ok(CrisisAccess::None)
        }
        Role::Client | Role::Admin => Ok(CrisisAccess::None),
    }
}

/// Records a refusal of client data (`action` on `target`, outcome `denied`) before the caller
/// answers as if there were nothing there.
pub async fn refuse(store: &Store, keys: &Keys, actor: &Actor, action: &str, target: String) -> Result<(), StoreError> {
    audit(store, keys, actor, action, Some(target), "denied").await
}
