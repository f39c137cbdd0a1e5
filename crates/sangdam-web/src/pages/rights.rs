//! A client's rights over their data (개인정보 보호법): "download all my data", a ZIP of JSON files and
//! the files from their sessions, and "delete my account", under the retention rule the center
//! sets (`retention_signed_note_years`, 10 by default): signed session notes are kept that long,
//! then purged by housekeeping; everything else is deleted at once. Counselors' session notes are
//! the center's records and are not in the export; a client asks the center for them. Of a session
//! room the export holds only rooms the client took part in, and of a group session only what the
//! client wrote or shared and what its counselors said or shared (`sangdam_domain::access`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use sangdam_domain::Role;
use sangdam_domain::access::export_includes;
use serde_json::{Value, json};

use super::views::display_names;
use super::views::{open_text_at, render, see_other, with_status};
use crate::auth::{audit, audited};
use crate::booking::{Change, FollowOn};
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::forms::{FormData, clear_cookie};
use crate::state::AppState;
use crate::throttle::check_current_password;
use crate::zip::ZipWriter;
use sangdam_store::sealed;

fn time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map(|t| t.to_string()).unwrap_or_default()
}

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// Builds the export: one JSON file per kind of data, and `files/` with the session files.
async fn export_zip(state: &AppState, ctx: &Ctx, user: &sangdam_store::UserRecord) -> Result<Vec<u8>, AppError> {
    let me = &user.id;
    let profile = state.store.client_profile(me).await?;
    let mut appointments = state.store.client_appointments(me, ctx.now, false).await?;
    appointments.extend(state.store.client_appointments(me, ctx.now, true).await?);
    let summaries = state.store.client_summaries(me).await?;
    let feedback = state.store.feedback_list(None, Some(me)).await?;
    // Rooms count only when the client took part (was admitted); threads whatever their care.
    let rooms = state.store.rooms_taken_part(me).await?;
    let threads: Vec<_> = state.store.threads_of(me).await?.into_iter().map(|(other, _, _)| other).collect();
    let mut people: Vec<_> = appointments.iter().map(|a| a.counselor_id.clone()).collect();
    people.extend(threads.iter().cloned());
    let mut hosts = HashMap::new();
    for room in &rooms {
        let list = state.store.room_hosts(room).await?;
        people.extend(list.iter().cloned());
        hosts.insert(room.clone(), list);
    }
    let names = display_names(state, people).await?;
    let name = |id: &sangdam_domain::UserId| names.get(id).cloned().unwrap_or_default();

    let mut zip = ZipWriter::default();
    let z = |e: crate::zip::TooLarge| AppError::Internal(e.into());
    zip.add(
        "account.json",
        &pretty(&json!({
            "id": user.id.as_str(), "email": user.email.as_str(), "name": user.display_name.to_string(),
            "language": user.language.code(), "timezone": user.timezone.as_str(), "created_at": time(user.created_at),
            "phone": profile.phone, "emergency_contact": profile.emergency_name, "emergency_phone": profile.emergency_phone,
            "preferred_channel": profile.preferred_channel, "follow_up_invitations": profile.follow_up,
        })),
    )
    .map_err(z)?;
    let mut list = Vec::new();
    for a in &appointments {
        let reason = match &a.reason {
            Some(r) => Some(open_text_at(state, &sealed::APPOINTMENT_REASON, &[&a.id], r)?),
            None => None,
        };
        list.push(json!({
            "id": a.id, "counselor": name(&a.counselor_id), "kind": a.kind.as_str(), "starts_at": time(a.starts_at),
            "ends_at": time(a.ends_at), "status": a.status.as_str(), "reason": reason,
        }));
    }
    zip.add("appointments.json", &pretty(&Value::Array(list))).map_err(z)?;
    let mut list = Vec::new();
    for r in state.store.client_responses(me).await? {
        let (answers, score) = super::views::questionnaires::scored(state, &r)?;
        list.push(json!({
            "instrument": r.instrument.as_str(), "answers": answers, "total": score.total,
            "band": score.band.as_str(), "submitted_at": time(r.submitted_at),
        }));
    }
    zip.add("questionnaires.json", &pretty(&Value::Array(list))).map_err(z)?;
    let mut list = Vec::new();
    for s in &summaries {
        list.push(json!({
            "appointment": s.appointment_id, "counselor": name(&s.counselor_id), "shared_at": time(s.created_at),
            "summary": open_text_at(state, &sealed::SUMMARY, &[&s.appointment_id], &s.summary)?,
            "homework": open_text_at(state, &sealed::HOMEWORK, &[&s.appointment_id], &s.homework)?,
        }));
    }
    zip.add("summaries.json", &pretty(&Value::Array(list))).map_err(z)?;
    let mut list = Vec::new();
    for f in &feedback {
        let comment = match &f.comment {
            Some(c) => Some(open_text_at(state, &sealed::FEEDBACK_COMMENT, &[&f.appointment_id], c)?),
            None => None,
        };
        list.push(json!({
            "appointment": f.appointment_id, "stars": f.stars, "felt_heard": f.answers[0], "worked_on_my_goals": f.answers[1],
            "approach_fit": f.answers[2], "comment": comment, "name_shown_to_counselor": f.show_name, "given_at": time(f.created_at),
        }));
    }
    zip.add("feedback.json", &pretty(&Value::Array(list))).map_err(z)?;
    let mut list = Vec::new();
    for c in &threads {
        for m in state.store.thread(me, c, 10_000).await? {
            list.push(json!({
                "with": name(c), "from_me": m.sender_id == *me, "at": time(m.created_at), "text": open_text_at(state, &sealed::MESSAGE, &[&m.id], &m.body)?,
            }));
        }
    }
    zip.add("messages.json", &pretty(&Value::Array(list))).map_err(z)?;
    let mut chat = Vec::new();
    let mut used: HashMap<String, u32> = HashMap::new();
    for room in &rooms {
        // A group session's export holds what this client wrote and shared and what the
        // counselors (the room's hosts) said and shared; other clients' words stay theirs.
        let room_hosts = hosts.get(room).map(Vec::as_slice).unwrap_or_default();
        let included = |sender: &sangdam_domain::UserId| export_includes(sender == me, room_hosts.contains(sender));
        for m in state.store.room_messages_after(room, 0, 100_000).await?.into_iter().filter(|m| included(&m.sender_id))
        {
            let from = if m.sender_id == *me { String::new() } else { name(&m.sender_id) };
            chat.push(json!({
                "room": room, "from_me": m.sender_id == *me, "from": from, "at": time(m.at),
                "text": crate::room::open_room_message(state, room, &m).map_err(AppError::from)?,
            }));
        }
        for f in state.store.room_files(room).await?.into_iter().filter(|f| included(&f.sender_id)) {
            let Some((_, sealed)) = state.store.room_file(room, &f.id).await? else { continue };
            let keys = state.keys.clone();
            let file_row = f.id.clone();
            let body = tokio::task::spawn_blocking(move || keys.open_at(&sealed::ROOM_FILE, &[&file_row], &sealed))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|e| AppError::Internal(e.into()))?;
            // Two files of one name both survive: the second becomes "name (2)".
            let n = used.entry(f.name.clone()).or_insert(0);
            *n += 1;
            let file_name = if *n == 1 { f.name.clone() } else { format!("({n}) {}", f.name) };
            zip.add(&format!("files/{file_name}"), &body).map_err(z)?;
        }
    }
    zip.add("session_chat.json", &pretty(&Value::Array(chat))).map_err(z)?;
    // The client's own answers to counselors' forms, with the questions as they were asked.
    let mut list = Vec::new();
    for (when, title, rows) in super::views::forms::answered(state, ctx, me).await? {
        let answers: Vec<Value> = rows.into_iter().map(|(q, a)| json!({ "question": q, "answer": a })).collect();
        list.push(json!({ "form": title, "submitted_at": when, "answers": answers }));
    }
    zip.add("forms.json", &pretty(&Value::Array(list))).map_err(z)?;
    // Live chats: each transcript as the client saw it (never staff notes), and the files in them.
    for c in state.store.chats_of_client(me).await? {
        let text = crate::chat::evidence::transcript(state, &c).await?;
        zip.add(&format!("chats/{}.txt", c.id), text.as_bytes()).map_err(z)?;
        let mut after = 0;
        loop {
            let batch = state.store.chat_messages_after(&c.id, after, 500).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for file in batch.iter().filter_map(|m| m.file_id.as_ref()) {
                let Some((f, sealed)) = state.store.chat_file(&c.id, file).await? else { continue };
                let body = state.keys.open_at(&sealed::CHAT_FILE, &[&f.id], &sealed)?;
                zip.add(&format!("chats/{}/{}-{}", c.id, f.id, f.name), &body).map_err(z)?;
            }
        }
    }
    zip.add("README.txt", ctx.t("export-readme").as_bytes()).map_err(z)?;
    zip.finish().map_err(z)
}

/// "Download all my data": the ZIP, built on request and never stored.
pub async fn export(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.with_role(&[Role::Client])?;
    let bytes = export_zip(&state, &ctx, &v.user).await?;
    audit(&state, &ctx, Some(&v.user), "data.export", Some(format!("user:{}", v.user.id)), "ok").await?;
    let day = jiff::Timestamp::from_second(ctx.now).map(|t| t.strftime("%Y%m%d").to_string()).unwrap_or_default();
    let disposition = format!("attachment; filename=\"sangdam-export-{day}.zip\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "aftercare/delete.html")]
struct DeletePage<'a> {
    ctx: &'a Ctx,
    years: u32,
    errors: Vec<String>,
}

pub async fn delete_form(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    ctx.with_role(&[Role::Client])?;
    render(&DeletePage { ctx: &ctx, years: crate::retention::signed_note_years(&state).await?, errors: vec![] })
}

/// Deletes the account after the password is typed again and the box is ticked.
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = ctx.with_role(&[Role::Client])?;
    let password = f.get("password").map_or("", String::as_str);
    let confirmed = f.get("confirm").is_some_and(|c| c == "yes");
    let refused = if confirmed {
        check_current_password(&state, &ctx, &v.user, password, "account.delete").await?.err()
    } else {
        Some(crate::throttle::Refused::Wrong(ctx.t("error-delete-confirm")))
    };
    if let Some(refused) = refused {
        audit(&state, &ctx, Some(&v.user), "account.delete", Some(format!("user:{}", v.user.id)), "refused").await?;
        let status = refused.status();
        let message = match refused {
            crate::throttle::Refused::Wrong(_) => ctx.t("error-delete-confirm"),
            crate::throttle::Refused::Throttled(m) => m,
        };
        let page =
            DeletePage { ctx: &ctx, years: crate::retention::signed_note_years(&state).await?, errors: vec![message] };
        return with_status(status, render(&page));
    }
    // The audit entry, and the jobs that tell the counselors of the sessions this cancels (without
    // the client's name) and offer those times to their waitlists, commit with the deletion.
    let mut effects = audited(&state, &ctx, Some(&v.user), "account.delete", Some(format!("user:{}", v.user.id)), "ok");
    for a in state.store.client_appointments(&v.user.id, ctx.now, true).await? {
        if a.status.holds_time() && a.starts_at > ctx.now {
            let follow = FollowOn {
                change: Some(Change::ClientDeleted),
                freed: Some((a.starts_at, a.ends_at)),
                ..FollowOn::default()
            };
            effects = effects.with_job(crate::booking::change_job(&a.id, follow, ctx.now));
        }
    }
    let risk_key = crate::risk_alerts::risk_client_key(&state, &v.user.id);
    let done =
        state.store.delete_client_account(&v.user.id, v.user.email.as_str(), &risk_key, ctx.now, &effects).await?;
    state.sessions_changed();
    crate::jobs::run_now(&state, &effects.jobs).await;
    tracing::info!(
        deleted = done.deleted_rows,
        retained_notes = done.retained_notes,
        cancelled = done.cancelled,
        "a client deleted their account"
    );
    let mut r = see_other("/?deleted=1");
    r.headers_mut().append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, state.config.is_https()));
    Ok(r)
}
