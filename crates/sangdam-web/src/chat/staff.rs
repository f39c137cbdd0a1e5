//! A counselor's or supervisor's console (`/center/ws`): one connection for their status, the
//! chats offered to them, every chat they hold, and (supervisors) the live queue, watching and
//! whispering. Opening a chat's history is audited.

use axum::extract::ws::WebSocket;
use sangdam_app::Actor;
use sangdam_domain::chat::MessageKind;
use sangdam_domain::routing::{ChatStatus, Status};
use sangdam_domain::{UserId, courtesy};
use sangdam_realtime::kernel::Step;
use sangdam_store::{ChatRecord, UserRecord};
use tokio::sync::mpsc;

use super::{HELLO_TIMEOUT, QUEUE, StaffIn, StaffOut};
use crate::i18n::Tr;
use crate::state::AppState;

pub struct StaffEntrant {
    pub user: UserRecord,
    pub supervisor: bool,
    pub tr: Tr,
    /// For the audit log.
    pub address: String,
    /// The session (token hash) the console was opened with, checked again while it stays open.
    pub session: String,
}

fn error(tr: &Tr, code: &'static str) -> StaffOut {
    StaffOut::Error { code, message: tr.t(code) }
}

async fn audit(
    state: &AppState,
    actor: &UserRecord,
    address: Option<&str>,
    action: &str,
    chat: &str,
) -> anyhow::Result<()> {
    audit_target(state, actor, address, action, format!("chat:{chat}")).await
}

async fn audit_target(
    state: &AppState,
    actor: &UserRecord,
    address: Option<&str>,
    action: &str,
    target: String,
) -> anyhow::Result<()> {
    let who = Actor::person(&actor.id, actor.role, address, state.clock.now());
    sangdam_app::audit::audit(&state.store, &state.keys, &who, action, Some(target), "ok").await?;
    Ok(())
}

/// Where a chat's history goes: straight onto this console's socket (the run loop writes it
/// before anything queued after), or to every console of a colleague through the hub (a console
/// that cannot take it all is closed and catches up when it reconnects).
enum To<'a> {
    Direct(&'a mut Vec<StaffOut>),
    User(&'a UserId),
}

impl To<'_> {
    fn send(&mut self, state: &AppState, msg: StaffOut) {
        match self {
            To::Direct(out) => out.push(msg),
            To::User(user) => state.chat.to_user(user, &msg),
        }
    }
}

/// Sends a chat's whole history to a console (or a colleague's consoles), under the chat's lock,
/// after `register` ran under the same lock: what `register` changes (the chat's holder, a
/// supervisor's watch) decides who receives what is posted next, so nothing is missed or doubled.
/// The reader is audited.
async fn open_chat(
    state: &AppState,
    reader: (&UserRecord, Option<&str>),
    mut to: To<'_>,
    chat_id: &str,
    register: impl Future<Output = anyhow::Result<bool>>,
) -> anyhow::Result<bool> {
    let lock = state.chat.lock_of(chat_id);
    let _held = lock.lock().await;
    if !register.await? {
        return Ok(false);
    }
    let Some(chat) = state.store.chat(chat_id).await? else { return Ok(false) };
    to.send(state, StaffOut::Chat { chat: super::info(state, &chat).await? });
    let mut names = std::collections::HashMap::new();
    let mut after = 0;
    loop {
        let batch = state.store.chat_messages_after(chat_id, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for m in &batch {
            let name = match &m.sender_id {
                Some(id) if m.kind != MessageKind::Client => {
                    if !names.contains_key(id) {
                        let n =
                            state.store.user_by_id(id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
                        names.insert(id.clone(), n);
                    }
                    names.get(id).cloned().unwrap_or_default()
                }
                _ => String::new(),
            };
            to.send(state, StaffOut::Message(super::line(state, &chat, m, &name)));
        }
    }
    if chat.client_read > 0 {
        to.send(state, StaffOut::Read { chat: chat_id.to_owned(), seq: chat.client_read });
    }
    audit(state, reader.0, reader.1, "chat.read", chat_id).await?;
    Ok(true)
}

/// Runs one console until it closes. When a counselor's last console closes they go offline.
pub async fn run(state: AppState, who: StaffEntrant, socket: WebSocket) {
    let mut socket =
        crate::session_watch::socket(&state, socket, Some((who.session.clone(), who.user.role)), super::STAFF_RATE);
    if !matches!(socket.hello::<StaffIn>(HELLO_TIMEOUT).await, Some(StaffIn::Hello)) {
        return;
    }
    let (tx, mut rx) = mpsc::channel::<StaffOut>(QUEUE);
    let (conn, mut closed) = state.chat.add_staff(&who.user.id, who.supervisor, tx.clone());
    let mut direct = Vec::new();
    if let Err(e) = welcome(&state, &who, &mut direct).await {
        tracing::error!(error = ?e, "a console could not start");
        state.chat.remove_staff(conn);
        return;
    }
    state.chat.wake.notify_one();
    // Whether the hub dropped this console for being slow: it reconnects at once, so the
    // counselor keeps their status.
    let mut dropped = false;
    'run: loop {
        // What a handler sent this console directly (a chat's history) goes first.
        for msg in direct.drain(..) {
            if !socket.send(&msg).await {
                break 'run;
            }
        }
        let msg = match socket.next::<StaffIn, _, _>(&mut rx, |_| false, &mut closed).await {
            Step::Message(msg) => msg,
            Step::Refused(message_id) => {
                let _ = tx.try_send(error(&who.tr, message_id));
                continue;
            }
            Step::Other(_) => {
                dropped = true;
                break;
            }
            Step::End(_) => break,
        };
        if let Err(e) = handle(&state, &who, conn, &tx, &mut direct, msg).await {
            if matches!(e.downcast_ref::<sangdam_store::StoreError>(), Some(sangdam_store::StoreError::Locked)) {
                let _ = tx.try_send(error(&who.tr, "error-chat-closed"));
            } else {
                tracing::error!(error = ?e, "a console message failed");
                let _ = tx.try_send(error(&who.tr, "error-room-failed"));
            }
        }
    }
    state.chat.remove_staff(conn);
    if !dropped
        && !state.chat.online(&who.user.id)
        && let Ok(Some(a)) = state.store.agent(&who.user.id).await
        && a.status != Status::Offline
        && let Err(e) = crate::counselor_status::set_status(&state, &who.user.id, Status::Offline, None, "").await
    {
        tracing::error!(error = ?e, "setting a counselor offline failed");
    }
}

async fn welcome(state: &AppState, who: &StaffEntrant, direct: &mut Vec<StaffOut>) -> anyhow::Result<()> {
    let agent = state.store.agent(&who.user.id).await?;
    let (status, until) =
        agent.map_or_else(|| ("offline".to_owned(), None), |a| (a.status.as_str().to_owned(), a.status_until));
    let mut chats = Vec::new();
    for c in state.store.chats_of_counselor(&who.user.id).await? {
        chats.push(super::info(state, &c).await?);
    }
    direct.push(StaffOut::Welcome {
        you: who.user.id.to_string(),
        supervisor: who.supervisor,
        status,
        until,
        chats: chats.clone(),
    });
    for c in chats.iter().filter(|c| c.status == ChatStatus::Active.as_str()) {
        // Still theirs under the chat's lock (a transfer may have taken it meanwhile).
        let still = async {
            let now = state.store.chat(&c.id).await?;
            Ok(now.is_some_and(|n| n.status == ChatStatus::Active && n.counselor_id.as_ref() == Some(&who.user.id)))
        };
        open_chat(state, (&who.user, Some(&who.address)), To::Direct(direct), &c.id, still).await?;
    }
    Ok(())
}

/// Whether a colleague can be given a chat now: their console is open, they are not on a break
/// or offline, and they are under their capacity.
async fn can_take(state: &AppState, id: &UserId) -> anyhow::Result<bool> {
    let Some(a) = state.store.agent(id).await? else { return Ok(false) };
    Ok(state.chat.online(id) && !matches!(a.status, Status::Break | Status::Offline) && a.active < a.capacity)
}

/// The chat, when this console may act on it: its counselor once it is active with them, or
/// (`supervisors`) a supervisor.
async fn held(
    state: &AppState,
    who: &StaffEntrant,
    chat: &str,
    supervisors: bool,
) -> anyhow::Result<Option<ChatRecord>> {
    let Some(c) = state.store.chat(chat).await? else { return Ok(None) };
    let mine = c.counselor_id.as_ref() == Some(&who.user.id) && c.status == ChatStatus::Active;
    Ok((mine || (supervisors && who.supervisor)).then_some(c))
}

#[allow(clippy::too_many_lines)]
async fn handle(
    state: &AppState,
    who: &StaffEntrant,
    conn: u64,
    tx: &mpsc::Sender<StaffOut>,
    direct: &mut Vec<StaffOut>,
    msg: StaffIn,
) -> anyhow::Result<()> {
    let me = &who.user.id;
    let name = who.user.display_name.to_string();
    let now = state.clock.now();
    let refuse = |code: &'static str| {
        let _ = tx.try_send(error(&who.tr, code));
        Ok(())
    };
    match msg {
        StaffIn::Ping => {
            let _ = tx.try_send(StaffOut::Pong);
        }
        StaffIn::Hello => return refuse("error-room-message"),
        StaffIn::Advise { text } if text.chars().count() > super::MAX_CHARS => return refuse("error-chat-too-long"),
        StaffIn::Advise { text } => {
            let items = courtesy::advise(&text).into_iter().map(|a| who.tr.t(a.message_id())).collect();
            let _ = tx.try_send(StaffOut::Advice { items });
        }
        StaffIn::Status { status } => {
            let Some(s) = Status::parse(&status).filter(|s| *s != Status::AfterWork) else {
                return refuse("error-chat-status");
            };
            // A recovery break holds until it ends or a supervisor ends it.
            if !crate::counselor_status::set_status(state, me, s, None, "").await? {
                return refuse("error-break-protected");
            }
        }
        StaffIn::MoreBreak => {
            let until = state.store.agent(me).await?.and_then(|a| a.status_until).unwrap_or(now).max(now);
            let minutes = i64::from(state.config.chat.recovery_break_minutes.max(1));
            crate::counselor_status::set_status(state, me, Status::Break, Some(until + minutes * 60), "recovery")
                .await?;
        }
        StaffIn::Accept { chat } => {
            let accept = async {
                Ok(state
                    .store
                    .move_chat(&chat, &[ChatStatus::Offered], Some(me), ChatStatus::Active, Some(me), now)
                    .await?)
            };
            let accepted = open_chat(state, (&who.user, Some(&who.address)), To::Direct(direct), &chat, accept).await?;
            if !accepted {
                return refuse("error-chat-gone");
            }
            if let Some(c) = state.store.chat(&chat).await? {
                state.chat.to_client(&chat, &super::client::state_of(state, &c).await?);
            }
            state.chat.wake.notify_one();
        }
        StaffIn::TakeCrisis { chat } => {
            // Counselors only (a supervisor assigns); the chat must still be waiting and high risk.
            if who.user.role != sangdam_domain::Role::Counselor {
                return refuse("error-chat-not-yours");
            }
            // On a break or offline, a counselor is not handed a chat, even this one.
            let ready = state
                .store
                .agent(me)
                .await?
                .is_some_and(|a| matches!(a.status, Status::Available | Status::Busy | Status::AfterWork));
            if !ready {
                return refuse("error-chat-take-break");
            }
            let before = state.store.chat(&chat).await?;
            let take = async { Ok(state.store.take_crisis_chat(&chat, me, now).await?) };
            let taken = open_chat(state, (&who.user, Some(&who.address)), To::Direct(direct), &chat, take).await?;
            if !taken {
                return refuse("error-chat-gone");
            }
            if let Some(offered) = before.and_then(|c| c.counselor_id).filter(|c| c != me) {
                state.chat.to_user(&offered, &StaffOut::Gone { chat: chat.clone() });
            }
            if let Some(c) = state.store.chat(&chat).await? {
                state.chat.to_client(&chat, &super::client::state_of(state, &c).await?);
            }
            audit(state, &who.user, Some(&who.address), "chat.take-crisis", &chat).await?;
            state.chat.wake.notify_one();
        }
        StaffIn::Transfer { chat, to, note } => {
            // The counselor a chat was only offered to may hand it back too (declining it).
            let offered = state
                .store
                .chat(&chat)
                .await?
                .filter(|c| c.status == ChatStatus::Offered && c.counselor_id.as_ref() == Some(me));
            let held = match offered {
                Some(c) => Some(c),
                None => held(state, who, &chat, true).await?,
            };
            let Some(c) = held.filter(|c| c.status != ChatStatus::Closed) else {
                return refuse("error-chat-not-yours");
            };
            let note = note.trim();
            if note.chars().count() > super::MAX_CHARS {
                return refuse("error-chat-too-long");
            }
            let colleague = match to.as_deref().map(UserId::parse) {
                None => None,
                Some(None) => return refuse("error-chat-colleague"),
                Some(Some(id)) => {
                    if id == *me || !can_take(state, &id).await? {
                        return refuse("error-chat-colleague");
                    }
                    Some(id)
                }
            };
            if !note.is_empty() {
                let id = sangdam_domain::ids::encode_random(&crate::crypto::random::<12>());
                super::post(state, &c, MessageKind::Note, Some((me, &name)), &id, note, super::Marks::default())
                    .await?;
            }
            let holder = c.counselor_id.clone();
            let moved = match &colleague {
                None => {
                    state
                        .store
                        .move_chat(
                            &chat,
                            &[ChatStatus::Offered, ChatStatus::Active],
                            holder.as_ref(),
                            ChatStatus::Queued,
                            None,
                            now,
                        )
                        .await?
                }
                Some(to) => {
                    let Some(reader) = state.store.user_by_id(to).await? else { return refuse("error-chat-colleague") };
                    let give = async {
                        Ok(state
                            .store
                            .move_chat(
                                &chat,
                                &[ChatStatus::Offered, ChatStatus::Active],
                                holder.as_ref(),
                                ChatStatus::Active,
                                Some(to),
                                now,
                            )
                            .await?)
                    };
                    open_chat(state, (&reader, None), To::User(to), &chat, give).await?
                }
            };
            if !moved {
                return refuse("error-chat-gone");
            }
            if let Some(h) = holder.as_ref().filter(|h| Some(*h) != colleague.as_ref()) {
                state.chat.to_user(h, &StaffOut::Gone { chat: chat.clone() });
            }
            audit(state, &who.user, Some(&who.address), "chat.transfer", &chat).await?;
            super::system(state, &c, "chat-transferred").await?;
            if let Some(c) = state.store.chat(&chat).await? {
                state.chat.to_client(&chat, &super::client::state_of(state, &c).await?);
            }
            state.chat.wake.notify_one();
        }
        StaffIn::Say { chat, id, text } => {
            let Some(c) = held(state, who, &chat, false).await?.filter(|c| c.status == ChatStatus::Active) else {
                return refuse("error-chat-not-yours");
            };
            let Some(text) = super::clean_text(&text).filter(|_| super::valid_message_id(&id)) else {
                return refuse("error-chat-too-long");
            };
            // Stored only while this counselor still holds the chat (a transfer may have just
            // taken it away).
            match super::post(state, &c, MessageKind::Counselor, Some((me, &name)), &id, text, super::Marks::default())
                .await
            {
                Ok(p) => {
                    let _ = tx.try_send(StaffOut::Ack { chat, id, seq: p.message.seq });
                }
                Err(e) if matches!(e.downcast_ref(), Some(sangdam_store::StoreError::NotFound)) => {
                    return refuse("error-chat-not-yours");
                }
                Err(e) => return Err(e),
            }
        }
        StaffIn::Note { chat, id, text } => {
            let Some(c) = held(state, who, &chat, true).await? else { return refuse("error-chat-not-yours") };
            let Some(text) = super::clean_text(&text).filter(|_| super::valid_message_id(&id)) else {
                return refuse("error-chat-too-long");
            };
            let p = super::post(state, &c, MessageKind::Note, Some((me, &name)), &id, text, super::Marks::default())
                .await?;
            let _ = tx.try_send(StaffOut::Ack { chat, id, seq: p.message.seq });
        }
        StaffIn::Whisper { .. } | StaffIn::Assign { .. } | StaffIn::Watch { .. } | StaffIn::EndBreak { .. }
            if !who.supervisor =>
        {
            return refuse("error-chat-supervisor-only");
        }
        StaffIn::EndBreak { user } => {
            let Some(user) = UserId::parse(&user) else { return refuse("error-chat-colleague") };
            // What cannot be audited is not done: the entry comes first.
            audit_target(state, &who.user, Some(&who.address), "chat.break.end", format!("user:{user}")).await?;
            crate::counselor_status::end_break(state, &user).await?;
        }
        StaffIn::Whisper { chat, id, text } => {
            let Some(c) = state.store.chat(&chat).await?.filter(|c| c.status == ChatStatus::Active) else {
                return refuse("error-chat-gone");
            };
            let Some(text) = super::clean_text(&text).filter(|_| super::valid_message_id(&id)) else {
                return refuse("error-chat-too-long");
            };
            let p = super::post(state, &c, MessageKind::Whisper, Some((me, &name)), &id, text, super::Marks::default())
                .await?;
            let _ = tx.try_send(StaffOut::Ack { chat, id, seq: p.message.seq });
        }
        StaffIn::Typing { chat, on } => {
            if held(state, who, &chat, false).await?.is_some() {
                state.chat.to_client(&chat, &super::ClientOut::Typing { on });
            }
        }
        StaffIn::Read { chat, seq } => {
            if held(state, who, &chat, false).await?.is_some() {
                state.store.mark_chat_read(&chat, true, seq).await?;
                state.chat.to_client(&chat, &super::ClientOut::Read { seq });
            }
        }
        StaffIn::Close { chat, category } => {
            if !super::CLOSE_CATEGORIES.contains(&category.as_str()) {
                return refuse("error-chat-category");
            }
            let Some(c) = held(state, who, &chat, true).await? else { return refuse("error-chat-not-yours") };
            if super::close(state, &c, &category).await?.is_none() {
                return refuse("error-chat-closed");
            }
            audit(state, &who.user, Some(&who.address), "chat.close", &chat).await?;
        }
        StaffIn::EndAbuse { chat } => {
            let Some(c) = held(state, who, &chat, true).await? else { return refuse("error-chat-not-yours") };
            // A client in crisis is not sent away and banned: the chat is transferred or handed to
            // a supervisor instead.
            if c.risk > 0 {
                return refuse("error-chat-crisis-no-end");
            }
            let category = last_flag(state, &c).await?.unwrap_or_else(|| "other".to_owned());
            if super::end_for_abuse(state, &chat, &category).await?.is_none() {
                return refuse("error-chat-closed");
            }
            audit(state, &who.user, Some(&who.address), "chat.end-abuse", &chat).await?;
        }
        StaffIn::Assign { chat, to } => {
            let Some(to) = UserId::parse(&to) else { return refuse("error-chat-colleague") };
            if !can_take(state, &to).await? {
                return refuse("error-chat-colleague");
            }
            let Some(reader) = state.store.user_by_id(&to).await? else { return refuse("error-chat-colleague") };
            let previous = state.store.chat(&chat).await?.and_then(|c| c.counselor_id);
            let give = async {
                Ok(state
                    .store
                    .move_chat(
                        &chat,
                        &[ChatStatus::Queued, ChatStatus::Offered],
                        None,
                        ChatStatus::Active,
                        Some(&to),
                        now,
                    )
                    .await?)
            };
            if !open_chat(state, (&reader, None), To::User(&to), &chat, give).await? {
                return refuse("error-chat-gone");
            }
            if let Some(p) = previous.filter(|p| *p != to) {
                state.chat.to_user(&p, &StaffOut::Gone { chat: chat.clone() });
            }
            if let Some(c) = state.store.chat(&chat).await? {
                state.chat.to_client(&chat, &super::client::state_of(state, &c).await?);
            }
            audit(state, &who.user, Some(&who.address), "chat.assign", &chat).await?;
            state.chat.wake.notify_one();
        }
        StaffIn::Watch { chat } => {
            let watch = async {
                let open = state.store.chat(&chat).await?.is_some_and(|c| c.status != ChatStatus::Closed);
                if open {
                    state.chat.watch(conn, &chat, true);
                }
                Ok(open)
            };
            if !open_chat(state, (&who.user, Some(&who.address)), To::Direct(direct), &chat, watch).await? {
                return refuse("error-chat-gone");
            }
            audit(state, &who.user, Some(&who.address), "chat.watch", &chat).await?;
        }
        StaffIn::Unwatch { chat } => state.chat.watch(conn, &chat, false),
    }
    Ok(())
}

/// The category of the chat's last flagged message, for ending it with one click.
async fn last_flag(state: &AppState, chat: &ChatRecord) -> anyhow::Result<Option<String>> {
    let mut flag = None;
    let mut after = 0;
    loop {
        let batch = state.store.chat_messages_after(&chat.id, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        if let Some(f) = batch.iter().rev().find_map(|m| m.flag.clone()) {
            flag = Some(f);
        }
    }
    Ok(flag)
}
