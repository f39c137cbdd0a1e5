//! Who may see what: the states that grant access to a client's data, a room's content and a
//! live chat. The store turns these rules into queries and the web layer asks them in one module
//! (`sangdam_web::access`); nothing else decides access.
//!
//! - **Care**: a counselor cares for a client while they have an appointment that is confirmed,
//!   completed or a no-show (a request, a cancellation or a late cancellation grants nothing), or
//!   while a supervisor's assignment is open. A supervisor who ends a counselor's care of a client
//!   ends what earlier appointments granted; only an appointment booked afterwards, or a new
//!   assignment, grants it again. Supervisors see every client; admins none.
//! - **Rooms**: a room's content (chat, files, recordings) is for those who took part: its hosts
//!   and the guests a host admitted. Being invited, waiting or being declined grants nothing.
//! - **Chats**: a live chat is for the counselor holding it once accepted (active or closed with
//!   them) and for supervisors; an offer grants nothing. A message left while nobody could answer
//!   (closed, never accepted, no holder) is open to every counselor, who may answer it.

use crate::Role;
use crate::booking::AppointmentStatus;
use crate::routing::ChatStatus;

/// What a supervisor decides about a counselor's care of a client; an open assignment grants
/// care like a granting appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CareDecision {
    Assign,
    End,
}

impl CareDecision {
    /// The `care_assignments.state` it leaves.
    pub fn state(self) -> &'static str {
        match self {
            CareDecision::Assign => "assigned",
            CareDecision::End => "ended",
        }
    }

    /// The decision a stored `care_assignments.state` records.
    pub fn parse_state(s: &str) -> Option<Self> {
        [CareDecision::Assign, CareDecision::End].into_iter().find(|d| d.state() == s)
    }
}

/// The appointment states that make a counselor part of the client's care.
pub const CARE_STATUSES: [AppointmentStatus; 3] =
    [AppointmentStatus::Confirmed, AppointmentStatus::Completed, AppointmentStatus::NoShow];

/// Whether an appointment in `status` makes its counselor part of the client's care.
pub fn grants_care(status: AppointmentStatus) -> bool {
    CARE_STATUSES.contains(&status)
}

/// The SQL list (`'confirmed', 'completed', 'no_show'`) of [`CARE_STATUSES`], for queries.
pub fn care_statuses_sql() -> String {
    CARE_STATUSES.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// Where someone stands in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomPart {
    /// Enters at once and admits others.
    Host,
    /// A guest a host let in (the admission is kept for reconnects).
    Admitted,
    /// Invited, knocking or not yet decided on.
    Waiting,
    Declined,
}

impl RoomPart {
    /// From a membership row: host or guest, and the admission decisions.
    pub fn of(host: bool, admitted_at: Option<i64>, declined_at: Option<i64>) -> Self {
        match (host, admitted_at, declined_at) {
            (true, _, _) => RoomPart::Host,
            (false, Some(_), _) => RoomPart::Admitted,
            (false, None, Some(_)) => RoomPart::Declined,
            (false, None, None) => RoomPart::Waiting,
        }
    }

    /// Whether this person took part, and so may see the room's chat, files and recordings.
    pub fn took_part(self) -> bool {
        matches!(self, RoomPart::Host | RoomPart::Admitted)
    }
}

/// What a group session's export holds of a room's chat and files: what the client wrote or
/// shared themselves, and what a host (a counselor) said or shared to the room. Other clients'
/// words and files are theirs and stay out of it.
pub fn export_includes(sender_is_me: bool, sender_is_host: bool) -> bool {
    sender_is_me || sender_is_host
}

/// A live chat as access sees it.
#[derive(Debug, Clone, Copy)]
pub struct ChatView<'a, Id: PartialEq> {
    pub status: ChatStatus,
    pub holder: Option<&'a Id>,
    pub accepted: bool,
}

/// Whether a staff member (`me`, in `role`) may read a chat's transcript and files.
pub fn staff_may_read_chat<Id: PartialEq>(role: Role, me: &Id, chat: &ChatView<'_, Id>) -> bool {
    match role {
        Role::Supervisor => true,
        Role::Counselor => {
            let holds = chat.holder == Some(me)
                && matches!(chat.status, ChatStatus::Active | ChatStatus::Closed)
                && chat.accepted;
            let left_message = chat.holder.is_none() && !chat.accepted && chat.status == ChatStatus::Closed;
            holds || left_message
        }
        Role::Client | Role::Admin => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_confirmed_completed_and_no_show_grant_care() {
        for s in AppointmentStatus::ALL {
            let expected =
                matches!(s, AppointmentStatus::Confirmed | AppointmentStatus::Completed | AppointmentStatus::NoShow);
            assert_eq!(grants_care(s), expected, "{s:?}");
        }
        assert_eq!(care_statuses_sql(), "'confirmed', 'completed', 'no_show'");
    }

    #[test]
    fn only_hosts_and_admitted_guests_took_part() {
        assert!(RoomPart::of(true, None, None).took_part());
        assert!(RoomPart::of(false, Some(1), None).took_part());
        assert!(RoomPart::of(false, Some(2), Some(1)).took_part(), "admitted after a decline");
        assert_eq!(RoomPart::of(false, None, Some(1)), RoomPart::Declined);
        assert!(!RoomPart::of(false, None, Some(1)).took_part());
        assert!(!RoomPart::of(false, None, None).took_part());
    }

    #[test]
    fn an_offer_grants_no_chat() {
        let (me, other) = (1, 2);
        let offered = ChatView { status: ChatStatus::Offered, holder: Some(&me), accepted: false };
        assert!(!staff_may_read_chat(Role::Counselor, &me, &offered));
        // Offered again after someone else had accepted and handed it back.
        let reoffered = ChatView { status: ChatStatus::Offered, holder: Some(&me), accepted: true };
        assert!(!staff_may_read_chat(Role::Counselor, &me, &reoffered));
        let active = ChatView { status: ChatStatus::Active, holder: Some(&me), accepted: true };
        assert!(staff_may_read_chat(Role::Counselor, &me, &active));
        assert!(!staff_may_read_chat(Role::Counselor, &other, &active));
        assert!(staff_may_read_chat(Role::Supervisor, &other, &active));
        assert!(!staff_may_read_chat(Role::Admin, &other, &active));
        let left = ChatView::<i32> { status: ChatStatus::Closed, holder: None, accepted: false };
        assert!(staff_may_read_chat(Role::Counselor, &other, &left));
        let abandoned = ChatView::<i32> { status: ChatStatus::Closed, holder: None, accepted: true };
        assert!(!staff_may_read_chat(Role::Counselor, &other, &abandoned));
    }

    #[test]
    fn a_group_export_holds_mine_and_the_hosts() {
        assert!(export_includes(true, false));
        assert!(export_includes(false, true));
        assert!(!export_includes(false, false));
    }
}
