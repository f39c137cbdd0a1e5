//! Every open room's connections, and each room's state under its one lock: who is connected
//! and admitted, the whiteboard, a recording proposed or running. The server's state holds the
//! hub without importing the room's socket code.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use sangdam_domain::UserId;
use tokio::sync::mpsc;

use super::board::BoardItem;
use super::protocol::{MediaState, Person, ServerMsg};

pub struct Conn {
    pub user: UserId,
    pub name: String,
    pub host: bool,
    pub admitted: bool,
    pub last_seq: i64,
    pub media: MediaState,
    pub tx: mpsc::Sender<ServerMsg>,
}

#[derive(Default)]
pub struct RoomState {
    pub conns: HashMap<u64, Conn>,
    /// The whiteboard, kept while anyone is in the room.
    pub board: Vec<BoardItem>,
    /// A recording proposed or running.
    pub recording: Option<RecState>,
}

impl RoomState {
    pub fn send(&mut self, id: u64, msg: ServerMsg) {
        if let Some(c) = self.conns.get(&id)
            && c.tx.try_send(msg).is_err()
        {
            // A connection that cannot keep up is dropped; it reconnects and catches up.
            self.conns.remove(&id);
        }
    }

    pub fn broadcast(&mut self, msg: &ServerMsg, only_admitted: bool, except: Option<u64>) {
        let ids: Vec<u64> = self
            .conns
            .iter()
            .filter(|(id, c)| (!only_admitted || c.admitted) && Some(**id) != except)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.send(id, msg.clone());
        }
    }

    pub fn hosts(&mut self, msg: &ServerMsg) {
        let ids: Vec<u64> = self.conns.iter().filter(|(_, c)| c.host).map(|(id, _)| *id).collect();
        for id in ids {
            self.send(id, msg.clone());
        }
    }

    pub fn participants(&self) -> Vec<Person> {
        let mut seen = std::collections::BTreeMap::new();
        for c in self.conns.values().filter(|c| c.admitted) {
            let person = Person { user: c.user.to_string(), name: c.name.clone(), host: c.host, media: c.media };
            seen.insert(c.user.to_string(), person);
        }
        seen.into_values().collect()
    }

    pub fn user_connected(&self, user: &UserId, except: u64) -> bool {
        self.conns.iter().any(|(id, c)| *id != except && c.user == *user && c.admitted)
    }
}

/// Every open room's connections.
#[derive(Default)]
pub struct Hub {
    pub rooms: Mutex<HashMap<String, Arc<tokio::sync::Mutex<RoomState>>>>,
    pub next_conn: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rooms = self.rooms.lock().map_or(0, |r| r.len());
        f.debug_struct("Hub").field("open_rooms", &rooms).finish()
    }
}

impl Hub {
    /// A number no connection and no device check has had: the SFU's name for a participant.
    pub fn next_id(&self) -> u64 {
        self.next_conn.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    pub fn room(&self, id: &str) -> Arc<tokio::sync::Mutex<RoomState>> {
        let mut rooms = self.rooms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        rooms.entry(id.to_owned()).or_default().clone()
    }

    pub fn forget_if_empty(&self, id: &str) {
        let mut rooms = self.rooms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(r) = rooms.get(id)
            && Arc::strong_count(r) == 1
            && r.try_lock().is_ok_and(|s| s.conns.is_empty())
        {
            rooms.remove(id);
        }
    }
}

/// A proposal, or a recording running.
#[derive(Debug)]
pub struct RecState {
    pub id: String,
    pub on: bool,
    pub agreed: HashSet<UserId>,
}
