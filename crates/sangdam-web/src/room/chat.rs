//! The room's chat: a guest's or host's message stored in order and handed to everyone admitted,
//! a guest's crisis message marked for hosts with the lines shown to the guest, and the catch-up a
//! (re)connecting page receives.

use std::collections::HashMap;

use sangdam_domain::UserId;
use sangdam_store::{RoomMessage, RoomRecord};

use super::{Entrant, MAX_CHAT_CHARS, RoomState, ServerMsg, error, valid_message_id};
use crate::state::AppState;

/// A room message's text, opened in its place.
pub(crate) fn open_room_message(
    state: &AppState,
    room: &str,
    m: &RoomMessage,
) -> Result<String, crate::crypto::OpenError> {
    let row = [room, m.sender_id.as_str(), m.client_msg_id.as_str()];
    Ok(String::from_utf8_lossy(&state.keys.open_at(&sangdam_store::sealed::ROOM_MESSAGE, &row, &m.body)?).into_owned())
}

/// A stored message for one connection; `crisis_for_host`: the reader is a host and the sender is
/// not, so a crisis message is marked.
fn chat_of(state: &AppState, room_id: &str, m: &RoomMessage, name: &str, crisis_for_host: bool) -> ServerMsg {
    let text = open_room_message(state, room_id, m).unwrap_or_default();
    let crisis = if crisis_for_host {
        sangdam_domain::crisis::check(&text).map(sangdam_domain::crisis::Level::as_str)
    } else {
        None
    };
    ServerMsg::Chat {
        seq: m.seq,
        id: m.client_msg_id.clone(),
        from: m.sender_id.to_string(),
        name: name.to_owned(),
        text,
        at: m.at,
        crisis,
    }
}

/// Display names of senders, looked up once per catch-up.
async fn names(state: &AppState, msgs: &[RoomMessage]) -> HashMap<UserId, String> {
    let mut out = HashMap::new();
    for m in msgs {
        if !out.contains_key(&m.sender_id)
            && let Ok(Some(u)) = state.store.user_by_id(&m.sender_id).await
        {
            out.insert(m.sender_id.clone(), u.display_name.to_string());
        }
    }
    out
}

/// Sends a connection what it missed (messages after its `last_seq`), under the room's lock.
pub(super) async fn catch_up(state: &AppState, room: &RoomRecord, s: &mut RoomState, conn: u64) -> anyhow::Result<()> {
    let Some(last) = s.conns.get(&conn).map(|c| c.last_seq) else { return Ok(()) };
    let mut after = last;
    loop {
        let msgs = state.store.room_messages_after(&room.id, after, 500).await?;
        if msgs.is_empty() {
            break;
        }
        let names = names(state, &msgs).await;
        let reader_is_host = s.conns.get(&conn).is_some_and(|c| c.host);
        let hosts = if reader_is_host { state.store.room_hosts(&room.id).await? } else { vec![] };
        for m in &msgs {
            let name = names.get(&m.sender_id).cloned().unwrap_or_default();
            let crisis_for_host = reader_is_host && !hosts.contains(&m.sender_id);
            s.send(conn, chat_of(state, &room.id, m, &name, crisis_for_host));
            after = m.seq;
        }
    }
    if let Some(c) = s.conns.get_mut(&conn) {
        c.last_seq = after;
    }
    Ok(())
}

/// Stores a message from `conn` (admitted) and hands it to everyone admitted.
pub(super) async fn post(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    conn: u64,
    who: &Entrant,
    id: String,
    text: &str,
) -> anyhow::Result<()> {
    let host = s.conns.get(&conn).is_some_and(|c| c.host);
    let text = text.trim();
    if !valid_message_id(&id) || text.is_empty() {
        s.send(conn, error(&who.tr, "error-room-message"));
        return Ok(());
    }
    if text.chars().count() > MAX_CHAT_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
        s.send(conn, error(&who.tr, "error-chat-too-long"));
        return Ok(());
    }
    let row = [room.id.as_str(), who.user.as_str(), id.as_str()];
    let sealed = state.keys.seal_at(&sangdam_store::sealed::ROOM_MESSAGE, &row, text.as_bytes());
    // A guest's message goes through the crisis check; its event commits with it.
    let level = if host { None } else { sangdam_domain::crisis::check(text) };
    let write = match level {
        Some(level) => {
            let counselor = state.store.room_hosts(&room.id).await?.into_iter().next();
            Some(crate::crisis::write_for(
                state,
                crate::crisis::Source::Room,
                &room.id,
                Some(&who.user),
                counselor.as_ref(),
                level,
            ))
        }
        None => None,
    };
    let (m, new, raised) =
        state.store.post_room_message(&room.id, &who.user, &id, &sealed, state.clock.now(), write.as_ref()).await?;
    s.send(conn, ServerMsg::Ack { id: id.clone(), seq: m.seq });
    if new {
        // Hosts see a crisis message marked; the guest sees the crisis lines.
        let chat = ServerMsg::Chat {
            seq: m.seq,
            id,
            from: who.user.to_string(),
            name: who.name.clone(),
            text: text.to_owned(),
            at: m.at,
            crisis: None,
        };
        let ids: Vec<(u64, bool)> = s.conns.iter().filter(|(_, c)| c.admitted).map(|(i, c)| (*i, c.host)).collect();
        for (i, to_host) in ids {
            let mut out = chat.clone();
            if to_host && let ServerMsg::Chat { crisis, .. } = &mut out {
                *crisis = level.map(sangdam_domain::crisis::Level::as_str);
            }
            s.send(i, out);
            if let Some(c) = s.conns.get_mut(&i) {
                c.last_seq = c.last_seq.max(m.seq);
            }
        }
        if let (Some(w), Some(raised)) = (&write, &raised) {
            // The lines first, then the alert's mails.
            s.send(conn, ServerMsg::Care(crate::crisis::care_notice(state, who.tr.lang, false)));
            crate::crisis::after_raise(state, w, raised).await;
        }
    }
    Ok(())
}
