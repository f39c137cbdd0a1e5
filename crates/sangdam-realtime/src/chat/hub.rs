//! Every chat connection of this process: client pages by chat, staff consoles by user (with
//! the chats supervisors watch), and what the routing loop last told each of them. Connections
//! are registered in one short-held `std` mutex and written to with `try_send`, never awaited; a
//! connection that cannot keep up is dropped and told to close.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sangdam_domain::UserId;
use tokio::sync::{Notify, mpsc, oneshot};

use super::protocol::{ClientOut, StaffOut};

/// Pages one chat may have open at once (a client with a few tabs, not hundreds of sockets).
pub const MAX_PAGES_PER_CHAT: usize = 5;

/// A registered connection's end of its close signal: dropping it (when the hub drops a
/// connection that cannot keep up) tells the connection's task to close, so the page reconnects
/// and catches up instead of silently missing messages.
type Closer = oneshot::Sender<()>;

pub struct ClientConn {
    chat: String,
    tx: mpsc::Sender<ClientOut>,
    _close: Closer,
}

pub struct StaffConn {
    user: UserId,
    supervisor: bool,
    tx: mpsc::Sender<StaffOut>,
    watching: HashSet<String>,
    _close: Closer,
}

#[derive(Default)]
pub struct Conns {
    clients: HashMap<u64, ClientConn>,
    staff: HashMap<u64, StaffConn>,
    /// The last state each queued client was told, so the loop only sends changes.
    pub told: HashMap<String, String>,
    /// Since when an open chat has had no page of its client connected (absent: never seen by
    /// this process).
    absent_since: HashMap<String, i64>,
    /// The last queue snapshot supervisors were sent.
    pub snapshot: String,
    /// Since when a waiting chat has been high risk, and which of them every console was alerted
    /// to already.
    crisis_since: HashMap<String, i64>,
    crisis_alerted: HashSet<String>,
}

impl StaffConn {
    pub fn is_supervisor(&self) -> bool {
        self.supervisor
    }
    pub fn user(&self) -> &UserId {
        &self.user
    }
}

/// Every chat connection of this process.
#[derive(Default)]
pub struct ChatHub {
    conns: Mutex<Conns>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    next: AtomicU64,
    /// Wakes the routing loop (a chat queued, a status changed, a chat closed).
    pub wake: Notify,
}

impl std::fmt::Debug for ChatHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("ChatHub").field("clients", &c.clients.len()).field("staff", &c.staff.len()).finish()
    }
}

impl ChatHub {
    pub fn conns(&self) -> std::sync::MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lock_of(&self, chat: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(chat.to_owned()).or_default().clone()
    }

    /// Registers a client page; `None` when the chat has [`MAX_PAGES_PER_CHAT`] open already.
    pub fn add_client(&self, chat: &str, tx: mpsc::Sender<ClientOut>) -> Option<(u64, oneshot::Receiver<()>)> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let mut c = self.conns();
        if c.clients.values().filter(|conn| conn.chat == chat).count() >= MAX_PAGES_PER_CHAT {
            return None;
        }
        c.clients.insert(id, ClientConn { chat: chat.to_owned(), tx, _close: close });
        c.told.remove(chat);
        c.absent_since.remove(chat);
        Some((id, closed))
    }

    pub fn add_staff(
        &self,
        user: &UserId,
        supervisor: bool,
        tx: mpsc::Sender<StaffOut>,
    ) -> (u64, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let mut c = self.conns();
        c.staff.insert(id, StaffConn { user: user.clone(), supervisor, tx, watching: HashSet::new(), _close: close });
        if supervisor {
            c.snapshot.clear();
        }
        (id, closed)
    }

    /// A client page's task ended: it is gone (if the hub had not dropped it already), and the
    /// chat's absence starts now when no other page of it is open.
    pub fn remove_client(&self, id: u64, chat: &str, now: i64) {
        let mut c = self.conns();
        c.clients.remove(&id);
        Self::note_absence(&mut c, chat, now);
    }

    pub fn remove_staff(&self, id: u64) {
        self.conns().staff.remove(&id);
    }

    fn note_absence(c: &mut Conns, chat: &str, now: i64) {
        if !c.clients.values().any(|k| k.chat == chat) {
            c.absent_since.insert(chat.to_owned(), now);
        }
    }

    /// Whether this staff member has a console open.
    pub fn online(&self, user: &UserId) -> bool {
        self.conns().staff.values().any(|s| s.user == *user)
    }

    /// Whether a page of this chat's client is connected; if not, since when (`None`: not seen
    /// since this process started).
    pub fn client_presence(&self, chat: &str) -> Result<(), Option<i64>> {
        let c = self.conns();
        if c.clients.values().any(|k| k.chat == chat) { Ok(()) } else { Err(c.absent_since.get(chat).copied()) }
    }

    pub fn forget(&self, chat: &str) {
        let mut c = self.conns();
        c.absent_since.remove(chat);
        c.told.remove(chat);
        c.crisis_since.remove(chat);
        c.crisis_alerted.remove(chat);
    }

    /// A chat became high risk now (kept from the first time).
    pub fn crisis_started(&self, chat: &str, now: i64) {
        self.conns().crisis_since.entry(chat.to_owned()).or_insert(now);
    }

    /// Of the high-risk chats still waiting, those waiting `after` seconds or more that every
    /// console was not alerted to yet (each is alerted once). Chats no longer waiting are
    /// forgotten; a waiting one this process has not seen starts counting now.
    pub fn crisis_alerts_due(&self, waiting: &[&str], now: i64, after: i64) -> Vec<String> {
        let mut c = self.conns();
        c.crisis_since.retain(|k, _| waiting.contains(&k.as_str()));
        c.crisis_alerted.retain(|k| waiting.contains(&k.as_str()));
        let mut due = Vec::new();
        for chat in waiting {
            let since = *c.crisis_since.entry((*chat).to_owned()).or_insert(now);
            if now - since >= after && c.crisis_alerted.insert((*chat).to_owned()) {
                due.push((*chat).to_owned());
            }
        }
        due
    }

    pub fn watch(&self, conn: u64, chat: &str, on: bool) {
        if let Some(s) = self.conns().staff.get_mut(&conn) {
            if on {
                s.watching.insert(chat.to_owned());
            } else {
                s.watching.remove(chat);
            }
        }
    }

    /// Sends to every page of a chat's client. A page that cannot keep up is dropped (and told
    /// to close). A state sent from outside the routing loop makes the loop tell the next one.
    pub fn to_client(&self, chat: &str, msg: &ClientOut) {
        let mut c = self.conns();
        if matches!(msg, ClientOut::State { .. }) {
            c.told.remove(chat);
        }
        Self::send_clients(&mut c, chat, msg);
    }

    pub fn send_clients(c: &mut Conns, chat: &str, msg: &ClientOut) {
        let slow: Vec<u64> = c
            .clients
            .iter()
            .filter(|(_, k)| k.chat == chat && k.tx.try_send(msg.clone()).is_err())
            .map(|(id, _)| *id)
            .collect();
        for id in slow {
            c.clients.remove(&id);
        }
    }

    /// Sends to the consoles of the chat's counselor (when given) and of the supervisors
    /// watching it.
    pub fn to_staff(&self, chat: &str, counselor: Option<&UserId>, msg: &StaffOut) {
        self.send_staff(|s| Some(&s.user) == counselor || s.watching.contains(chat), msg);
    }

    /// Sends to every console of one staff member.
    pub fn to_user(&self, user: &UserId, msg: &StaffOut) {
        self.send_staff(|s| s.user == *user, msg);
    }

    pub fn to_supervisors(&self, msg: &StaffOut) {
        self.send_staff(|s| s.supervisor, msg);
    }

    /// Sends to the consoles `to` picks; one that cannot keep up is dropped (and told to close).
    pub fn send_staff(&self, to: impl Fn(&StaffConn) -> bool, msg: &StaffOut) {
        let mut c = self.conns();
        let slow: Vec<u64> =
            c.staff.iter().filter(|(_, s)| to(s) && s.tx.try_send(msg.clone()).is_err()).map(|(id, _)| *id).collect();
        for id in slow {
            c.staff.remove(&id);
        }
    }

    pub fn has_supervisors(&self) -> bool {
        self.conns().staff.values().any(|s| s.supervisor)
    }
}
