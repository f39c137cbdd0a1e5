//! A client's WebSocket (`/chat/{id}/ws`): signed-in or a guest, from the queue to the close.
//! Every message the client sends goes through the abuse check first (`sangdam_domain::abuse`).

use axum::extract::ws::WebSocket;
use sangdam_domain::chat::MessageKind;
use sangdam_domain::routing::ChatStatus;
use sangdam_domain::{Email, UserId, abuse};
use sangdam_realtime::kernel::Step;
use sangdam_store::ChatRecord;
use tokio::sync::mpsc;

use super::{ClientIn, ClientOut, HELLO_TIMEOUT, QUEUE};
use crate::i18n::Tr;
use crate::state::AppState;

/// Who is connecting, as the upgrade handler established it.
pub struct ClientEntrant {
    pub chat: String,
    /// The signed-in client (with their account's address), or `None` for a guest.
    pub user: Option<(UserId, Email)>,
    /// The signed-in client's session (token hash and role), checked again while the socket is
    /// open; `None` for a guest.
    pub session: Option<(String, sangdam_domain::Role)>,
    pub tr: Tr,
}

fn error(tr: &Tr, code: &'static str) -> ClientOut {
    ClientOut::Error { code, message: tr.t(code) }
}

/// Registers the page and collects what it missed, under the chat's lock: the caller writes the
/// catch-up on the socket before anything from the channel, so nothing is missed, doubled or
/// dropped for lack of room.
async fn welcome(
    state: &AppState,
    who: &ClientEntrant,
    last_seq: i64,
    tx: &mpsc::Sender<ClientOut>,
) -> anyhow::Result<Option<(u64, tokio::sync::oneshot::Receiver<()>, Vec<ClientOut>)>> {
    let lock = state.chat.lock_of(&who.chat);
    let _held = lock.lock().await;
    let Some((conn, closed)) = state.chat.add_client(&who.chat, tx.clone()) else { return Ok(None) };
    let mut out = Vec::new();
    let Some(chat) = state.store.chat(&who.chat).await? else { return Ok(Some((conn, closed, out))) };
    // Each counselor message under the name of who wrote it (a transfer changes the holder).
    let mut names: std::collections::HashMap<UserId, String> = std::collections::HashMap::new();
    let mut after = last_seq;
    loop {
        let batch = state.store.chat_messages_after(&chat.id, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for m in batch.iter().filter(|m| m.kind.is_conversation()) {
            let name = match (&m.sender_id, m.kind) {
                (Some(id), MessageKind::Counselor) => {
                    if !names.contains_key(id) {
                        let n = state.store.user_by_id(id).await?.map(|u| u.display_name.to_string());
                        names.insert(id.clone(), n.unwrap_or_default());
                    }
                    names.get(id).cloned().unwrap_or_default()
                }
                _ => String::new(),
            };
            let mut l = super::line(state, &chat, m, &name);
            l.flag = None;
            l.crisis = None;
            out.push(ClientOut::Message(l));
        }
    }
    out.push(state_of(state, &chat).await?);
    // A client in crisis sees the lines again on every page of the open chat.
    if chat.risk > 0 && chat.status != ChatStatus::Closed {
        let nobody = !crate::crisis::counselor_available(state).await?;
        out.push(ClientOut::Care(crate::crisis::care_notice(state, chat.language, nobody)));
    }
    if chat.staff_read > 0 {
        out.push(ClientOut::Read { seq: chat.staff_read });
    }
    Ok(Some((conn, closed, out)))
}

async fn counselor_name(state: &AppState, chat: &ChatRecord) -> anyhow::Result<String> {
    Ok(match &chat.counselor_id {
        Some(id) => state.store.user_by_id(id).await?.map(|u| u.display_name.to_string()).unwrap_or_default(),
        None => String::new(),
    })
}

/// The chat's state for its client (the queue's place comes from the routing loop).
pub(crate) async fn state_of(state: &AppState, chat: &ChatRecord) -> anyhow::Result<ClientOut> {
    Ok(match chat.status {
        ChatStatus::Closed => ClientOut::Ended { category: chat.close_category.clone().unwrap_or_default() },
        ChatStatus::Active => ClientOut::State {
            status: "active",
            position: None,
            wait_seconds: None,
            counselor: Some(counselor_name(state, chat).await?),
            nobody: None,
        },
        _ => ClientOut::State { status: "queued", position: None, wait_seconds: None, counselor: None, nobody: None },
    })
}

/// Runs one client connection until it closes.
pub async fn run(state: AppState, who: ClientEntrant, socket: WebSocket) {
    let mut socket = crate::session_watch::socket(&state, socket, who.session.clone(), super::CLIENT_RATE);
    let last_seq = match socket.hello::<ClientIn>(HELLO_TIMEOUT).await {
        Some(ClientIn::Hello { last_seq }) => last_seq.max(0),
        _ => return,
    };
    let (tx, mut rx) = mpsc::channel::<ClientOut>(QUEUE);
    let (conn, mut closed, catch_up) = match welcome(&state, &who, last_seq, &tx).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            // Too many pages of this chat are open: this one is told so and closed.
            socket.send(&error(&who.tr, "error-chat-too-many-pages")).await;
            return;
        }
        Err(e) => {
            tracing::error!(error = ?e, "a chat client could not join");
            return;
        }
    };
    state.chat.wake.notify_one();
    for msg in catch_up {
        if !socket.send(&msg).await {
            state.chat.remove_client(conn, &who.chat, state.clock.now());
            return;
        }
    }
    loop {
        // The hub dropping this connection (it could not keep up) ends it too, so the page
        // reconnects and catches up.
        let msg = match socket.next::<ClientIn, _, _>(&mut rx, |_| false, &mut closed).await {
            Step::Message(msg) => msg,
            Step::Refused(message_id) => {
                let _ = tx.try_send(error(&who.tr, message_id));
                continue;
            }
            Step::Other(_) | Step::End(_) => break,
        };
        if let Err(e) = handle(&state, &who, &tx, msg).await {
            if matches!(e.downcast_ref::<sangdam_store::StoreError>(), Some(sangdam_store::StoreError::Locked)) {
                let _ = tx.try_send(error(&who.tr, "error-chat-closed"));
            } else {
                tracing::error!(error = ?e, "a chat message failed");
                let _ = tx.try_send(error(&who.tr, "error-room-failed"));
            }
        }
    }
    state.chat.remove_client(conn, &who.chat, state.clock.now());
}

async fn handle(
    state: &AppState,
    who: &ClientEntrant,
    tx: &mpsc::Sender<ClientOut>,
    msg: ClientIn,
) -> anyhow::Result<()> {
    let Some(chat) = state.store.chat(&who.chat).await? else { return Ok(()) };
    let closed = chat.status == ChatStatus::Closed;
    match msg {
        ClientIn::Ping => {
            let _ = tx.try_send(ClientOut::Pong);
        }
        ClientIn::Hello { .. } => {
            let _ = tx.try_send(error(&who.tr, "error-room-message"));
        }
        ClientIn::Say { .. } | ClientIn::Typing { .. } | ClientIn::Leave if closed => {
            let _ = tx.try_send(error(&who.tr, "error-chat-closed"));
        }
        ClientIn::Say { id, text } => {
            let Some(text) = super::clean_text(&text).filter(|_| super::valid_message_id(&id)) else {
                let code = if text.trim().is_empty() || !super::valid_message_id(&id) {
                    "error-room-message"
                } else {
                    "error-chat-too-long"
                };
                let _ = tx.try_send(error(&who.tr, code));
                // Refused (too long) but read: a client in crisis still sees the lines at once.
                if sangdam_domain::crisis::check(&text).is_some() {
                    let nobody = !crate::crisis::counselor_available(state).await?;
                    let _ = tx.try_send(ClientOut::Care(crate::crisis::care_notice(state, chat.language, nobody)));
                }
                return Ok(());
            };
            // The crisis check comes first: a crisis message is never treated as abuse.
            let checked = abuse::classify(text);
            let sender = who.user.as_ref().map(|(id, _)| (id, chat.nickname.as_str()));
            // The chat's crisis event commits with the message.
            let write = checked.crisis.map(|level| {
                crate::crisis::write_for(
                    state,
                    crate::crisis::Source::Chat,
                    &chat.id,
                    chat.client_id.as_ref(),
                    None,
                    level,
                )
            });
            let marks = super::Marks { flag: checked.abuse, crisis: write.as_ref() };
            let posted = super::post(state, &chat, MessageKind::Client, sender, &id, text, marks).await?;
            let _ = tx.try_send(ClientOut::Ack { id, seq: posted.message.seq });
            if posted.new {
                if let (Some(w), Some(raised)) = (&write, &posted.crisis) {
                    super::crisis::on_crisis(state, &chat, &posted, w, raised).await?;
                } else if let Some(category) = checked.abuse {
                    super::respond_to_abuse(state, &chat, &posted, category).await?;
                }
            }
        }
        ClientIn::Typing { on } => {
            // Only the counselor who accepted the chat sees it (and supervisors watching).
            let counselor = chat.counselor_id.as_ref().filter(|_| chat.status == ChatStatus::Active);
            state.chat.to_staff(&chat.id, counselor, &super::StaffOut::Typing { chat: chat.id.clone(), on });
        }
        ClientIn::Read { seq } => {
            state.store.mark_chat_read(&chat.id, false, seq).await?;
            let counselor = chat.counselor_id.as_ref().filter(|_| chat.status == ChatStatus::Active);
            state.chat.to_staff(&chat.id, counselor, &super::StaffOut::Read { chat: chat.id.clone(), seq });
        }
        ClientIn::Transcript { email } => {
            let to = match (&who.user, email) {
                (Some((_, own)), _) => own.clone(),
                (None, Some(e)) => match Email::parse(&e) {
                    Ok(e) => e,
                    Err(err) => {
                        let _ = tx.try_send(error(&who.tr, err.message_id()));
                        return Ok(());
                    }
                },
                (None, None) => {
                    let _ = tx.try_send(error(&who.tr, "error-email-empty"));
                    return Ok(());
                }
            };
            let sealed =
                state.keys.seal_at(&sangdam_store::sealed::CHAT_TRANSCRIPT_TO, &[&chat.id], to.as_str().as_bytes());
            state.store.set_chat_transcript_to(&chat.id, &sealed).await?;
            let _ = tx.try_send(ClientOut::TranscriptRequested);
            if closed {
                super::mail_transcript(state, &chat.id, &to, chat.language).await?;
            }
        }
        ClientIn::Leave => {
            super::close(state, &chat, "left").await?;
        }
    }
    Ok(())
}
