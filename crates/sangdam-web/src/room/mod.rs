//! The live room's signaling WebSocket: the waiting room (guests knock, hosts admit or decline),
//! presence, the stored chat, the end of a session, and the media's offers and answers, which it
//! relays between the page and the SFU (`sangdam_media::MediaServer`). The protocol is JSON, one object per
//! message, tagged by `type`; ARCHITECTURE.md documents it.
//!
//! The messages themselves are in `protocol`; the whiteboard's items and their checks in `board`;
//! the chat (storing, the crisis check of a guest's message, catching up) in `chat`.
//!
//! Each room has one async lock. Storing a chat message and handing it to every connection happen
//! under it, and so does a (re)connection's catching up on what it missed, so every participant
//! receives the room's messages in their stored order, each once.

use std::time::Duration;

use axum::extract::ws::WebSocket;
use sangdam_domain::UserId;
use sangdam_media::{PeerId, Signal};
use sangdam_realtime::kernel::Step;
use sangdam_store::{MemberRole, RoomRecord};
use tokio::sync::mpsc;

pub use sangdam_realtime::room::{board, hub, protocol};
mod chat;
mod ending;
mod recording;

use chat::catch_up;
pub(crate) use chat::open_room_message;
use ending::end_session;
pub use hub::Hub;
use hub::{Conn, RoomState};

pub use board::{BoardItem, MAX_BOARD_ITEMS, MAX_BOARD_TEXT_CHARS, MAX_STROKE_POINTS};
pub use protocol::{ClientMsg, FileInfo, MediaState, Person, ServerMsg};

/// A stored file as the room lists it.
pub fn file_info(f: &sangdam_store::RoomFile, from: &str) -> FileInfo {
    FileInfo { id: f.id.clone(), name: f.name.clone(), size: f.size, from: from.to_owned() }
}

use crate::i18n::Tr;
use crate::state::AppState;

/// Most people in one room (group and family sessions), counselors included.
/// Connections one person may have open to one room at once (a few tabs or devices).
pub const MAX_PAGES_PER_USER: usize = 4;

pub use sangdam_domain::limits::MAX_PARTICIPANTS;
/// Largest WebSocket message accepted: a browser's offer for three tracks, with every codec it
/// knows, runs to about 12 KiB.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
pub use sangdam_domain::limits::MAX_CHAT_CHARS;
/// Messages a connection may send: a burst of 20, refilled at 10 a second (the chat center's
/// client page has the same).
const RATE: (f64, f64) = (20.0, 10.0);
/// Messages queued for one slow connection before it is dropped.
const QUEUE: usize = 512;
/// A connection must say hello within this time.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Tells everyone admitted in a room (when anyone is connected) about something that happened
/// outside the WebSocket, such as an upload.
pub async fn announce(state: &AppState, room: &str, msg: ServerMsg) {
    let lock = state.hub.room(room);
    lock.lock().await.broadcast(&msg, true, None);
    drop(lock);
    state.hub.forget_if_empty(room);
}

/// Who is connecting, as the upgrade handler established it.
pub struct Entrant {
    pub user: UserId,
    pub name: String,
    pub role: MemberRole,
    pub admitted: bool,
    pub tr: Tr,
    /// The session (token hash) and role the socket was opened with, checked again while it
    /// stays open.
    pub session: (String, sangdam_domain::Role),
}

fn error(tr: &Tr, code: &'static str) -> ServerMsg {
    ServerMsg::Error { code, message: tr.t(code) }
}

pub(crate) use crate::realtime::valid_message_id;

async fn welcome(state: &AppState, room: &RoomRecord, s: &mut RoomState, conn: u64) -> anyhow::Result<()> {
    let (starts_at, ends_at) = match &room.appointment_id {
        Some(a) => state.store.appointment(a).await?.map_or((None, None), |a| (Some(a.starts_at), Some(a.ends_at))),
        None => (None, None),
    };
    let Some(c) = s.conns.get(&conn) else { return Ok(()) };
    let (user, host, person) = (
        c.user.clone(),
        c.host,
        Person { user: c.user.to_string(), name: c.name.clone(), host: c.host, media: c.media },
    );
    let participants = s.participants();
    let mut files = Vec::new();
    for f in state.store.room_files(&room.id).await? {
        let from = state.store.user_by_id(&f.sender_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        files.push(file_info(&f, &from));
    }
    let board = s.board.clone();
    s.send(conn, ServerMsg::Welcome { you: user.to_string(), host, participants, starts_at, ends_at, files, board });
    catch_up(state, room, s, conn).await?;
    if !s.user_connected(&user, conn) {
        s.broadcast(&ServerMsg::Joined { person }, true, Some(conn));
        state.store.record_room_event(&room.id, &user, "join", state.clock.now()).await?;
        recording::joined(state, room, s, &user).await?;
    }
    if let Some(msg) = recording::status_for(s, &user) {
        s.send(conn, msg);
    }
    Ok(())
}

/// Runs one connection until it closes.
pub async fn run(state: AppState, room: RoomRecord, who: Entrant, socket: WebSocket) {
    let mut socket = crate::session_watch::socket(&state, socket, Some(who.session.clone()), RATE);
    let last_seq = match socket.hello::<ClientMsg>(HELLO_TIMEOUT).await {
        Some(ClientMsg::Hello { last_seq }) => last_seq.max(0),
        _ => return,
    };
    let (tx, mut rx) = mpsc::channel::<ServerMsg>(QUEUE);
    let id = state.hub.next_id();
    let lock = state.hub.room(&room.id);
    {
        let mut s = lock.lock().await;
        if s.conns.values().filter(|c| c.user == who.user).count() >= MAX_PAGES_PER_USER {
            drop(s);
            socket.send(&error(&who.tr, "error-room-too-many-pages")).await;
            state.hub.forget_if_empty(&room.id);
            return;
        }
        s.conns.insert(
            id,
            Conn {
                user: who.user.clone(),
                name: who.name.clone(),
                host: who.role == MemberRole::Host,
                admitted: who.admitted,
                last_seq,
                media: MediaState::default(),
                tx,
            },
        );
        let result = if who.admitted {
            welcome(&state, &room, &mut s, id).await
        } else {
            s.send(id, ServerMsg::Waiting);
            s.hosts(&ServerMsg::Knock { user: who.user.to_string(), name: who.name.clone() });
            Ok(())
        };
        if let Err(e) = result {
            tracing::error!(error = ?e, "joining a room failed");
            s.conns.remove(&id);
            return;
        }
    }

    // Offers the SFU makes for this connection's browser.
    let (signal_tx, mut signals) = mpsc::unbounded_channel::<Signal>();
    let peer = PeerId(id);
    let ends = |msg: &ServerMsg| matches!(msg, ServerMsg::Ended | ServerMsg::Declined);
    loop {
        let msg = match socket.next::<ClientMsg, _, _>(&mut rx, ends, signals.recv()).await {
            Step::Message(msg) => msg,
            Step::Refused(message_id) => {
                lock.lock().await.send(id, error(&who.tr, message_id));
                continue;
            }
            Step::Other(Some(signal)) => {
                let msg = match signal {
                    Signal::Answer(sdp) => ServerMsg::RtcAnswer { sdp },
                    Signal::Offer(sdp) => ServerMsg::RtcOffer { sdp },
                    Signal::Closed => ServerMsg::RtcClosed,
                    // The SFU hears this participant speak (or stop): the others' pages mark them.
                    Signal::Speaking(on) => {
                        lock.lock().await.broadcast(
                            &ServerMsg::Speaking { user: who.user.to_string(), on },
                            true,
                            Some(id),
                        );
                        continue;
                    }
                };
                if !socket.send(&msg).await {
                    break;
                }
                continue;
            }
            // The sender lives in this loop: the channel does not close while it runs.
            Step::Other(None) => continue,
            Step::End(_) => break,
        };
        let result = match msg {
            ClientMsg::RtcOffer { sdp } => join_media(&state, &room, &lock, id, &who, sdp, &signal_tx).await,
            ClientMsg::RtcAnswer { sdp } => {
                if let Err(e) = state.media.answer(peer, sdp).await {
                    tracing::debug!(error = %e, "an answer was refused");
                    lock.lock().await.send(id, error(&who.tr, "error-media-refused"));
                }
                Ok(true)
            }
            ClientMsg::VoiceOnly { on } => {
                state.media.receive_video(peer, !on);
                Ok(true)
            }
            msg => handle(&state, &room, &lock, id, &who, msg).await,
        };
        match result {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                tracing::error!(error = ?e, "a room message failed");
                lock.lock().await.send(id, error(&who.tr, "error-room-failed"));
            }
        }
    }

    state.media.leave(peer);
    let mut s = lock.lock().await;
    let was_admitted = s.conns.remove(&id).is_some_and(|c| c.admitted);
    if s.recording.is_some() && !s.conns.values().any(|c| c.admitted) {
        // Everyone has gone: nothing more to record.
        if let Err(e) = recording::end(&state, &room, &mut s, "ended").await {
            tracing::error!(error = ?e, "ending a recording failed");
        }
    }
    if was_admitted && !s.user_connected(&who.user, id) {
        s.broadcast(&ServerMsg::Left { user: who.user.to_string() }, true, None);
        if let Err(e) = state.store.record_room_event(&room.id, &who.user, "leave", state.clock.now()).await {
            tracing::error!(error = ?e, "recording a leave failed");
        }
    }
    drop(s);
    state.hub.forget_if_empty(&room.id);
}

/// Joins this connection's browser to the room's media with its offer; the answer goes back as
/// `rtc_answer`. Only admitted participants get media.
async fn join_media(
    state: &AppState,
    room: &RoomRecord,
    lock: &tokio::sync::Mutex<RoomState>,
    conn: u64,
    who: &Entrant,
    sdp: String,
    signals: &mpsc::UnboundedSender<Signal>,
) -> anyhow::Result<bool> {
    let admitted = lock.lock().await.conns.get(&conn).is_some_and(|c| c.admitted);
    if !admitted {
        lock.lock().await.send(conn, error(&who.tr, "error-room-not-admitted"));
        return Ok(true);
    }
    // The answer reaches the browser through `signals`, ahead of the SFU's first offer.
    if let Err(e) = state.media.join(PeerId(conn), &room.id, &who.user.to_string(), sdp, signals.clone()).await {
        tracing::debug!(error = %e, "an offer was refused");
        lock.lock().await.send(conn, error(&who.tr, "error-media-refused"));
    }
    Ok(true)
}

/// Handles one message; `Ok(false)` closes the connection.
async fn handle(
    state: &AppState,
    room: &RoomRecord,
    lock: &tokio::sync::Mutex<RoomState>,
    conn: u64,
    who: &Entrant,
    msg: ClientMsg,
) -> anyhow::Result<bool> {
    let mut s = lock.lock().await;
    let (admitted, host) = s.conns.get(&conn).map_or((false, false), |c| (c.admitted, c.host));
    match msg {
        ClientMsg::Ping => s.send(conn, ServerMsg::Pong),
        // Handled before the room lock is taken, in `run`.
        ClientMsg::RtcOffer { .. } | ClientMsg::RtcAnswer { .. } | ClientMsg::VoiceOnly { .. } => {}
        // A waiting client's camera and microphone already run for the preview: what they report
        // is not shown to anyone before admission, and not an error to show them either.
        ClientMsg::Media { .. } | ClientMsg::Speaking { .. } | ClientMsg::Quality { .. } if !admitted => {}
        ClientMsg::Media { audio, video, screen } => {
            let Some(c) = s.conns.get_mut(&conn) else { return Ok(true) };
            let media = MediaState { audio, video, screen, quality: c.media.quality };
            c.media = media;
            s.broadcast(&ServerMsg::Media { user: who.user.to_string(), media }, true, None);
        }
        ClientMsg::Quality { level } => {
            let Some(c) = s.conns.get_mut(&conn) else { return Ok(true) };
            // Told to everyone only when it changes, however often a page repeats it.
            if c.media.quality != Some(level) {
                c.media.quality = Some(level);
                let media = c.media;
                s.broadcast(&ServerMsg::Media { user: who.user.to_string(), media }, true, None);
            }
        }
        // Who speaks is told by the SFU from the audio levels in the microphone packets; what a
        // page says about itself (an older page) is not passed on.
        ClientMsg::Speaking { .. } => {}
        ClientMsg::Hello { .. } => s.send(conn, error(&who.tr, "error-room-message")),
        ClientMsg::Chat { id, text } if !admitted => {
            let _ = (id, text);
            s.send(conn, error(&who.tr, "error-room-not-admitted"));
        }
        ClientMsg::Chat { id, text } => chat::post(state, room, &mut s, conn, who, id, &text).await?,
        ClientMsg::Admit { user } | ClientMsg::Decline { user } if !host => {
            let _ = user;
            s.send(conn, error(&who.tr, "error-room-host-only"));
        }
        ClientMsg::Admit { user } => {
            let Some(user) = UserId::parse(&user) else {
                s.send(conn, error(&who.tr, "error-room-message"));
                return Ok(true);
            };
            let already = state.store.room_member(&room.id, &user).await?.is_some_and(|m| m.admitted_at.is_some());
            if !already && state.store.room_participant_count(&room.id).await? >= MAX_PARTICIPANTS {
                s.send(conn, error(&who.tr, "error-room-full"));
                return Ok(true);
            }
            if !state.store.decide_admission(&room.id, &user, true, state.clock.now()).await? {
                s.send(conn, error(&who.tr, "error-room-message"));
                return Ok(true);
            }
            state.store.record_room_event(&room.id, &user, "admit", state.clock.now()).await?;
            let waiting: Vec<u64> =
                s.conns.iter().filter(|(_, c)| c.user == user && !c.admitted).map(|(i, _)| *i).collect();
            for i in waiting {
                if let Some(c) = s.conns.get_mut(&i) {
                    c.admitted = true;
                }
                s.send(i, ServerMsg::Admitted);
                welcome(state, room, &mut s, i).await?;
            }
        }
        ClientMsg::Decline { user } => {
            let Some(user) = UserId::parse(&user) else {
                s.send(conn, error(&who.tr, "error-room-message"));
                return Ok(true);
            };
            if state.store.decide_admission(&room.id, &user, false, state.clock.now()).await? {
                state.store.record_room_event(&room.id, &user, "decline", state.clock.now()).await?;
                let waiting: Vec<u64> =
                    s.conns.iter().filter(|(_, c)| c.user == user && !c.admitted).map(|(i, _)| *i).collect();
                for i in waiting {
                    s.send(i, ServerMsg::Declined);
                }
            }
        }
        ClientMsg::Board { item } => {
            if !admitted {
                s.send(conn, error(&who.tr, "error-room-not-admitted"));
            } else if !item.valid() {
                s.send(conn, error(&who.tr, "error-room-message"));
            } else if s.board.len() >= MAX_BOARD_ITEMS {
                s.send(conn, error(&who.tr, "error-board-full"));
            } else {
                s.board.push(item.clone());
                s.broadcast(&ServerMsg::Board { item, from: who.user.to_string() }, true, Some(conn));
            }
        }
        ClientMsg::BoardClear if !host => s.send(conn, error(&who.tr, "error-room-host-only")),
        ClientMsg::BoardClear => {
            s.board.clear();
            s.broadcast(&ServerMsg::BoardCleared, true, None);
        }
        ClientMsg::RecordPropose | ClientMsg::RecordConsent { .. } | ClientMsg::RecordStop if !admitted => {
            s.send(conn, error(&who.tr, "error-room-message"));
        }
        ClientMsg::Advise { .. } if !host => s.send(conn, error(&who.tr, "error-room-host-only")),
        ClientMsg::Advise { text } if text.chars().count() > MAX_CHAT_CHARS => {
            s.send(conn, error(&who.tr, "error-chat-too-long"));
        }
        ClientMsg::Advise { text } => {
            let items = sangdam_domain::courtesy::advise(&text).into_iter().map(|a| who.tr.t(a.message_id())).collect();
            s.send(conn, ServerMsg::Advice { items });
        }
        ClientMsg::RecordPropose if !host => s.send(conn, error(&who.tr, "error-room-host-only")),
        ClientMsg::RecordPropose => recording::propose(state, room, &mut s, conn, who).await?,
        ClientMsg::RecordConsent { agree, id } => {
            recording::consent(state, room, &mut s, conn, who, agree, id.as_deref()).await?;
        }
        ClientMsg::RecordStop => recording::withdraw(state, room, &mut s, who).await?,
        ClientMsg::End | ClientMsg::EndAbuse if !host => s.send(conn, error(&who.tr, "error-room-host-only")),
        ClientMsg::EndAbuse => {
            let ended = end_session(state, room, &mut s, who).await?;
            // The rest (mail to supervisors among it) does not hold up the room.
            drop(s);
            if ended {
                let incident = sangdam_domain::ids::encode_random(&crate::crypto::random::<16>());
                let now = state.clock.now();
                state.store.add_incident(&incident, &who.user, None, Some(&room.id), "other", now).await?;
                crate::counselor_status::recovery_break(state, &who.user).await?;
                crate::counselor_status::alert(state, None, &who.user, "other").await?;
            }
            return Ok(true);
        }
        ClientMsg::End => {
            end_session(state, room, &mut s, who).await?;
            return Ok(true);
        }
    }
    Ok(true)
}
