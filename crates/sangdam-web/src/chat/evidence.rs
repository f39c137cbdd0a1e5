//! A chat's transcript as one plain-text file, and the evidence lock: the SHA-256 of exactly that
//! file is stored with the chat, the database refuses to change or delete its messages
//! afterwards, and the export carries the hash, so `sha256sum` on the exported file shows it was
//! not altered. The transcript holds what the client saw (client, counselor and system messages;
//! never internal notes or whispers), with the abuse check's flags.

use sangdam_domain::routing::ChatStatus;
use std::fmt::Write as _;

use sangdam_store::ChatRecord;

use crate::state::AppState;

fn utc(at: i64) -> String {
    jiff::Timestamp::from_second(at).map(|t| t.to_string()).unwrap_or_else(|_| at.to_string())
}

/// The transcript file's text. Stable: it depends only on stored, locked data.
pub async fn transcript(state: &AppState, chat: &ChatRecord) -> anyhow::Result<String> {
    let mut out = String::new();
    let client = chat.client_id.as_ref().map_or_else(|| "guest".to_owned(), |id| format!("user {id}"));
    let counselor = chat.counselor_id.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
    writeln!(out, "Sangdam chat transcript")?;
    writeln!(out, "Chat: {}", chat.id)?;
    writeln!(out, "Client: {} ({client})", chat.nickname)?;
    writeln!(out, "Counselor: {counselor}")?;
    writeln!(out, "Topic: {}", chat.topic)?;
    writeln!(out, "Language: {}", chat.language.code())?;
    writeln!(out, "Queued: {}", utc(chat.queued_at))?;
    if let Some(at) = chat.closed_at {
        writeln!(out, "Closed: {} ({})", utc(at), chat.close_category.as_deref().unwrap_or("-"))?;
    }
    let mut after = 0;
    loop {
        let batch = state.store.chat_messages_after(&chat.id, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for m in batch.iter().filter(|m| m.kind.is_conversation()) {
            let text = super::open_message(state, &chat.id, m)?;
            let flag = m.flag.as_deref().map(|f| format!(" [flagged: {f}]")).unwrap_or_default();
            writeln!(out)?;
            writeln!(out, "#{} {} {}{flag}", m.seq, utc(m.at), m.kind.as_str())?;
            if let Some(file) = &m.file_id {
                // A shared file is named with its size and the SHA-256 of its content, so the
                // locked transcript covers the file too.
                let (f, sealed) = state
                    .store
                    .chat_file(&chat.id, file)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("a chat file is missing"))?;
                let body = state.keys.open_at(&sangdam_store::sealed::CHAT_FILE, &[file], &sealed)?;
                writeln!(
                    out,
                    "    [file] {} ({} bytes, SHA-256 {})",
                    f.name,
                    f.size,
                    crate::crypto::sha256_hex(&body)
                )?;
                continue;
            }
            for l in text.lines() {
                writeln!(out, "    {l}")?;
            }
        }
    }
    Ok(out)
}

/// Whether a locked chat still is what was locked: its transcript, built from what is stored now,
/// has the locked hash (and every message opens in its place). An unlocked chat has nothing to
/// compare with.
pub async fn still_matches(state: &AppState, chat: &ChatRecord) -> bool {
    let Some(locked) = &chat.evidence_hash else { return true };
    match transcript(state, chat).await {
        Ok(text) => crate::crypto::constant_time_eq(&crate::crypto::sha256_hex(text.as_bytes()), locked),
        Err(_) => false,
    }
}

/// Locks a closed chat's transcript with its hash. Returns the hash (the one already stored when
/// it was locked before).
pub async fn lock(state: &AppState, chat_id: &str) -> anyhow::Result<Option<String>> {
    let Some(chat) = state.store.chat(chat_id).await? else { return Ok(None) };
    if chat.evidence_hash.is_some() || chat.status != ChatStatus::Closed {
        return Ok(chat.evidence_hash);
    }
    let hash = crate::crypto::sha256_hex(transcript(state, &chat).await?.as_bytes());
    state.store.lock_chat_evidence(chat_id, &hash).await?;
    Ok(state.store.chat(chat_id).await?.and_then(|c| c.evidence_hash))
}

/// How long a transcript link mailed to the client opens the transcript.
pub const LINK_DAYS: i64 = 7;

/// The key in a transcript link mailed to the client, valid until `until` (Unix seconds): only
/// this server makes it, and changing the expiry breaks it.
pub fn link_key(state: &AppState, chat_id: &str, until: i64) -> String {
    state.keys.mac_hex("chat.transcript-link.v2", format!("{chat_id}:{until}").as_bytes())
}
