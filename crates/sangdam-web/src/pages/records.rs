//! The staff's record of a client: contact, emergency contact, preferred language and channel,
//! tags, the scores over time, the notes, and one timeline of everything. Only the client's care
//! team and supervisors see it, with two-factor (`crate::access`); every view is in the audit log,
//! and so is every refusal.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use sangdam_domain::note::Template as NoteTemplate;
use sangdam_domain::{Role, UserId};
use sangdam_store::{CareDecision, ClientProfile, UserRecord, UserSearch};

use super::views::{Event, category_name, display_names};
use super::views::{render, see_other};
use crate::access::client_record;
use crate::auth::{audit, audited};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

pub use sangdam_app::clients::CHANNELS;

async fn client_user(state: &AppState, id: &str) -> Result<UserRecord, AppError> {
    let id = UserId::parse(id).ok_or(AppError::NotFound)?;
    state.store.user_by_id(&id).await?.filter(|u| u.role == Role::Client).ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "records/clients.html")]
struct ClientsPage<'a> {
    ctx: &'a Ctx,
    clients: Vec<(String, String, String)>,
}

/// The clients in a counselor's care (supervisors: every client).
pub async fn clients(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    let users = if v.user.role == Role::Supervisor {
        let search = UserSearch { text: None, role: Some(Role::Client), limit: 500, offset: 0 };
        state.store.search_users(&search).await?.0
    } else {
        let mut out = Vec::new();
        for id in state.store.care_clients(&v.user.id).await? {
            out.extend(state.store.user_by_id(&id).await?);
        }
        out
    };
    audit(&state, &ctx, Some(&v.user), "clients.list", None, "ok").await?;
    let clients =
        users.into_iter().map(|u| (u.id.to_string(), u.display_name.to_string(), u.email.to_string())).collect();
    render(&ClientsPage { ctx: &ctx, clients })
}

#[derive(Template)]
#[template(path = "records/client.html")]
struct ClientPage<'a> {
    ctx: &'a Ctx,
    client: UserRecord,
    language_id: &'static str,
    profile: ClientProfile,
    channels: Vec<(&'static str, String)>,
    histories: Vec<super::views::questionnaires::History>,
    /// Own forms answered: when, title, (question, answer).
    answered: Vec<super::views::forms::Answered>,
    notes: Vec<(String, String, String, bool)>,
    templates: Vec<(&'static str, String)>,
    appointments: Vec<(String, String)>,
    timeline: Vec<Event>,
    /// The care team: counselor id, name, and whether a supervisor assigned them.
    care: Vec<(String, String, bool)>,
    /// Counselors a supervisor may assign: id, name (empty for counselors).
    assignable: Vec<(String, String)>,
    saved: bool,
    errors: Vec<String>,
}

fn channel_id(c: &str) -> String {
    format!("channel-{}", c.replace('_', "-"))
}

async fn client_page(
    state: &AppState,
    ctx: &Ctx,
    viewer: &UserRecord,
    client: UserRecord,
    profile: ClientProfile,
    saved: bool,
    errors: Vec<String>,
) -> AppResult {
    let responses = state.store.client_responses(&client.id).await?;
    let notes = state.store.client_notes(&client.id).await?;
    let mut past = state.store.client_appointments(&client.id, ctx.now, false).await?;
    past.extend(state.store.client_appointments(&client.id, ctx.now, true).await?);
    let names = display_names(
        state,
        notes.iter().map(|n| n.counselor_id.clone()).chain(past.iter().map(|a| a.counselor_id.clone())).collect(),
    )
    .await?;
    let mut timeline = Vec::new();
    for a in &past {
        timeline.push(Event {
            at: a.starts_at,
            when: ctx.time(a.starts_at),
            kind: ctx.t("timeline-appointment"),
            text: format!(
                "{} · {}",
                names.get(&a.counselor_id).cloned().unwrap_or_default(),
                ctx.t(a.status.message_id())
            ),
            link: None,
        });
    }
    for r in &responses {
        let (_, score) = super::views::questionnaires::scored(state, r)?;
        timeline.push(Event {
            at: r.submitted_at,
            when: ctx.time(r.submitted_at),
            kind: ctx.t(&format!("q-{}-title", r.instrument.as_str())),
            text: format!("{} · {}", score.total, ctx.t(score.band.message_id())),
            link: None,
        });
    }
    for n in &notes {
        let status = if n.signed_at.is_some() { "note-signed" } else { "note-draft" };
        timeline.push(Event {
            at: n.created_at,
            when: ctx.time(n.created_at),
            kind: ctx.t("timeline-note"),
            text: format!(
                "{} · {} · {}",
                ctx.t(n.template.message_id()),
                ctx.t(status),
                names.get(&n.counselor_id).cloned().unwrap_or_default()
            ),
            link: Some(format!("/notes/{}", n.id)),
        });
    }
    for sm in state.store.client_summaries(&client.id).await? {
        timeline.push(Event {
            at: sm.created_at,
            when: ctx.time(sm.created_at),
            kind: ctx.t("timeline-summary"),
            text: names.get(&sm.counselor_id).cloned().unwrap_or_default(),
            link: None,
        });
    }
    // Files the client shared in session rooms (those of rooms the viewer may see: supervisors
    // all, counselors their own rooms).
    for (room_id, f) in state.store.user_room_files(&client.id).await? {
        if f.sender_id != client.id {
            continue;
        }
        let took_part = crate::access::took_part(state, &room_id, &viewer.id).await?;
        if viewer.role == Role::Counselor && !took_part {
            continue;
        }
        timeline.push(Event {
            at: f.at,
            when: ctx.time(f.at),
            kind: ctx.t("timeline-file"),
            text: f.name.clone(),
            // Downloads are for the room's participants.
            link: took_part.then(|| format!("/rooms/{room_id}/files/{}", f.id)),
        });
    }
    timeline.extend(super::views::crisis::timeline_of(state, ctx, &client.id).await?);
    // Feedback shows on the record only when the client agreed to show their name with it.
    for f in state.store.feedback_list(None, Some(&client.id)).await?.into_iter().filter(|f| f.show_name) {
        timeline.push(Event {
            at: f.created_at,
            when: ctx.time(f.created_at),
            kind: ctx.t("timeline-feedback"),
            text: format!("★ {}", f.stars),
            link: None,
        });
    }
    for (counselor, _, _) in state.store.threads_of(&client.id).await? {
        if counselor != viewer.id && viewer.role == Role::Counselor {
            continue;
        }
        for m in state.store.thread(&client.id, &counselor, 200).await? {
            let from_client = m.sender_id == client.id;
            timeline.push(Event {
                at: m.created_at,
                when: ctx.time(m.created_at),
                kind: ctx.t(if from_client { "timeline-message-from" } else { "timeline-message-to" }),
                text: if counselor == viewer.id { ctx.t("timeline-open") } else { String::new() },
                link: (counselor == viewer.id).then(|| format!("/messages/{}", client.id)),
            });
        }
    }
    // Live chats the client had while signed in; their transcript opens for the chat's
    // counselor and supervisors.
    for c in state.store.chats_of_client(&client.id).await? {
        let view = sangdam_domain::access::ChatView {
            status: c.status,
            holder: c.counselor_id.as_ref(),
            accepted: c.accepted_at.is_some(),
        };
        let mine = sangdam_domain::access::staff_may_read_chat(viewer.role, &viewer.id, &view);
        let category = category_name(ctx, c.close_category.as_deref());
        timeline.push(Event {
            at: c.queued_at,
            when: ctx.time(c.queued_at),
            kind: ctx.t("timeline-chat"),
            text: category,
            link: mine.then(|| format!("/center/chats/{}", c.id)),
        });
    }
    timeline.sort_by_key(|e| std::cmp::Reverse(e.at));
    // Only the client's own counselor writes notes for an appointment of theirs.
    let appointments = past
        .iter()
        .filter(|a| a.counselor_id == viewer.id && a.starts_at <= ctx.now)
        .map(|a| (a.id.clone(), ctx.time(a.starts_at)))
        .collect();
    let notes = notes
        .iter()
        .map(|n| (n.id.clone(), ctx.time(n.created_at), ctx.t(n.template.message_id()), n.signed_at.is_some()))
        .collect();
    let answered = super::views::forms::answered(state, ctx, &client.id).await?;
    let team = state.store.care_team(&client.id).await?;
    let assigned: Vec<UserId> = state
        .store
        .care_assignments(&client.id)
        .await?
        .into_iter()
        .filter(|a| a.state == CareDecision::Assign)
        .map(|a| a.counselor_id)
        .collect();
    let team_names = display_names(state, team.clone()).await?;
    let care = team
        .iter()
        .map(|id| (id.to_string(), team_names.get(id).cloned().unwrap_or_default(), assigned.contains(id)))
        .collect();
    let assignable = if viewer.role == Role::Supervisor {
        let search = UserSearch { text: None, role: Some(Role::Counselor), limit: 500, offset: 0 };
        state
            .store
            .search_users(&search)
            .await?
            .0
            .into_iter()
            .filter(|u| u.active && !team.contains(&u.id))
            .map(|u| (u.id.to_string(), u.display_name.to_string()))
            .collect()
    } else {
        Vec::new()
    };
    render(&ClientPage {
        ctx,
        language_id: if client.language == sangdam_domain::Language::Ko {
            "client-language-ko"
        } else {
            "client-language-en"
        },
        client,
        profile,
        channels: CHANNELS.iter().map(|c| (*c, channel_id(c))).collect(),
        histories: super::views::questionnaires::histories(state, ctx, &responses)?,
        answered,
        notes,
        templates: NoteTemplate::ALL.iter().map(|t| (t.as_str(), ctx.t(t.message_id()))).collect(),
        appointments,
        timeline,
        care,
        assignable,
        saved,
        errors,
    })
}

pub async fn client(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult {
    let client = client_user(&state, &id).await?;
    let v = client_record(&state, &ctx, &client.id).await?;
    audit(&state, &ctx, Some(&v.user), "client.read", Some(format!("user:{}", client.id)), "ok").await?;
    let profile = state.store.client_profile(&client.id).await?;
    client_page(&state, &ctx, &v.user, client, profile, q.contains_key("saved"), vec![]).await
}

/// Saves the record's contact, emergency contact, channel, tags and follow-up choice. Bad fields
/// bring the form back with what was typed and nothing saved.
pub async fn save_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let client = client_user(&state, &id).await?;
    let v = client_record(&state, &ctx, &client.id).await?;
    let field = |k: &str| f.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let given = ClientProfile {
        phone: field("phone"),
        emergency_name: field("emergency_name"),
        emergency_phone: field("emergency_phone"),
        preferred_channel: field("preferred_channel"),
        tags: field("tags").split([',', '，']).map(str::to_owned).collect(),
        follow_up: f.contains_key("follow_up"),
    };
    let checked = sangdam_app::clients::check_profile(given);
    let profile = checked.profile;
    if !checked.errors.is_empty() {
        // The two phone numbers share one message on the page.
        let mut messages: Vec<String> = checked.errors.iter().map(|(_, id)| ctx.t(id)).collect();
        messages.dedup();
        return super::views::with_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            client_page(&state, &ctx, &v.user, client, profile, false, messages).await,
        );
    }
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    let jobs = sangdam_app::clients::save_profile(&state.store, &state.keys, &actor, &client.id, &profile).await?;
    crate::jobs::run_now(&state, &jobs).await;
    Ok(see_other(&format!("/clients/{}?saved=1", client.id)))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CareForm {
    counselor: String,
}

/// A supervisor's decision about a counselor's care of a client: a counselor can be assigned
/// when they are an active counselor, and their care ended when they are in the care team.
async fn decide_care(state: &AppState, ctx: &Ctx, id: &str, f: &CareForm, decision: CareDecision) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Supervisor])?;
    let client = client_user(state, id).await?;
    let counselor = UserId::parse(&f.counselor).ok_or(AppError::BadRequest("error-care-counselor"))?;
    let (allowed, action) = match decision {
        CareDecision::Assign => (
            state.store.user_by_id(&counselor).await?.is_some_and(|u| u.active && u.role == Role::Counselor),
            "care.assign",
        ),
        CareDecision::End => (state.store.in_care(&counselor, &client.id).await?, "care.end"),
    };
    if !allowed {
        return Err(AppError::BadRequest("error-care-counselor"));
    }
    let target = Some(format!("user:{}#counselor:{counselor}", client.id));
    let effects = audited(state, ctx, Some(&v.user), action, target, "ok");
    state.store.decide_care(&client.id, &counselor, &v.user.id, decision, ctx.now, &effects).await?;
    Ok(see_other(&format!("/clients/{}#care", client.id)))
}

/// A supervisor assigns a counselor to a client's care (`/clients/{id}/care`).
pub async fn assign_care(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<CareForm>,
) -> AppResult {
    decide_care(&state, &ctx, &id, &f, CareDecision::Assign).await
}

/// A supervisor ends a counselor's care of a client: the assignment and what earlier
/// appointments granted (`/clients/{id}/care/end`).
pub async fn end_care(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<CareForm>,
) -> AppResult {
    decide_care(&state, &ctx, &id, &f, CareDecision::End).await
}
