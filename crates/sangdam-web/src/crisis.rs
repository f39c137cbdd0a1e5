//! Crisis-aware conversations: wherever a client writes (the chat center, a session room's chat,
//! secure messages, free-text answers of forms, the reason given when booking), the text goes
//! through the crisis check (`sangdam_domain::crisis`) before it is stored. A hit opens (or
//! raises) the place's crisis event in the transaction that stores the text, with its audit entry
//! and alert job; the client is shown the crisis lines at once, in their language; staff are
//! alerted live and by mail (the mail never carries the message); supervisors see the event on
//! their dashboard until someone closes it with an outcome.

use sangdam_domain::crisis::Level;
use sangdam_domain::routing::Status;
use sangdam_domain::{Language, UserId};
use sangdam_store::{CrisisRaised, CrisisRecord, CrisisWrite};

use crate::i18n::Tr;
use crate::mail::{self, Mail};
use crate::state::AppState;

pub use sangdam_app::access::Source;

/// What an event holds, sealed: the place, the client (a signed-in one), and the counselor the
/// place belongs to when there is one (a room's host, a thread's or a booking's counselor).
pub use sangdam_app::access::Place;

/// A crisis message found and its event raised.
#[derive(Debug, Clone)]
pub struct Hit {
    pub level: Level,
    pub event: String,
}

pub use sangdam_app::crisis::CRISIS_ALERT_MAILS;

/// The event to write for a place at `level`, now (see `sangdam_app::crisis::write_for`).
pub fn write_for(
    state: &AppState,
    source: Source,
    place_id: &str,
    client: Option<&UserId>,
    counselor: Option<&UserId>,
    level: Level,
) -> CrisisWrite {
    sangdam_app::crisis::write_for(&state.keys, state.clock.now(), source, place_id, client, counselor, level)
}

/// After the write committed: a new or raised event's alert job runs at once.
pub async fn after_raise(state: &AppState, w: &CrisisWrite, raised: &CrisisRaised) -> Hit {
    if raised.alerts() {
        crate::jobs::run_id(state, &w.job_id).await;
    }
    Hit { level: Level::from_rank(w.level).unwrap_or(Level::Concern), event: raised.id().to_owned() }
}

/// Whether a counselor who could answer now has a console open: online and available (a
/// high-risk chat reaches them even above capacity, in another language when nobody speaks the
/// client's). Supervisors' consoles and counselors busy, on a break or after-work do not count.
pub async fn counselor_available(state: &AppState) -> anyhow::Result<bool> {
    for a in state.store.agents().await? {
        if state.chat.online(&a.user_id) && a.status == Status::Available {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An event's place, opened.
pub fn place_of(state: &AppState, e: &CrisisRecord) -> anyhow::Result<Place> {
    let bytes = state.keys.open_at(&sangdam_store::sealed::CRISIS_EVENT, &[&e.id], &e.sealed)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The crisis lines to show a client: the configured ones, or Korea's defaults in their language
/// (109 suicide prevention, 1577-0199 mental health crisis, 1388 for young people, 112 and 119).
pub fn lines(state: &AppState, tr: &Tr) -> Vec<String> {
    if state.config.crisis_lines.is_empty() {
        ["crisis-line-suicide", "crisis-line-mental-health", "crisis-line-youth", "crisis-line-emergency"]
            .iter()
            .map(|id| tr.t(id))
            .collect()
    } else {
        state.config.crisis_lines.clone()
    }
}

pub use sangdam_realtime::care_notice::CareNotice;

pub fn care_notice(state: &AppState, lang: Language, nobody_online: bool) -> CareNotice {
    let tr = Tr::new(state.i18n.clone(), lang);
    let nobody = nobody_online.then(|| match &state.config.on_call_phone {
        Some(phone) => tr.ta("crisis-nobody-online-phone", "phone", phone.clone()),
        None => tr.t("crisis-nobody-online"),
    });
    CareNotice { title: tr.t("crisis-care-title"), body: tr.t("crisis-care-body"), lines: lines(state, &tr), nobody }
}

/// What a client is shown after a crisis message in a place nobody reads at once (a secure
/// message, a form, a booking's reason): the lines, and plainly that no reply comes at once.
pub fn care_notice_later(state: &AppState, lang: Language) -> CareNotice {
    let tr = Tr::new(state.i18n.clone(), lang);
    let later = match &state.config.on_call_phone {
        Some(phone) => tr.ta("crisis-not-read-at-once-phone", "phone", phone.clone()),
        None => tr.t("crisis-not-read-at-once"),
    };
    CareNotice { nobody: Some(later), ..care_notice(state, lang, false) }
}

/// Mails the people an event reaches, once each: the client's care team and the supervisors
/// (and, when nobody has a console open, the on-call addresses; when there are no supervisors
/// either, the admins). The mail says only that a crisis event waits in Sangdam.
pub async fn run_alert_mails(state: &AppState, job: &sangdam_store::JobRecord) -> anyhow::Result<()> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
    let event_id = payload["event"].as_str().unwrap_or_default();
    let Some(event) = state.store.crisis_event(event_id).await? else { return Ok(()) };
    if event.closed_at.is_some() {
        return Ok(());
    }
    let place = place_of(state, &event)?;
    let mut staff = Vec::new();
    if let Some(client) = place.client_id() {
        for id in state.store.care_team(&client).await? {
            staff.extend(state.store.user_by_id(&id).await?.filter(|u| u.active));
        }
    }
    if let Some(c) = place.counselor_id() {
        staff.extend(state.store.user_by_id(&c).await?.filter(|u| u.active));
    }
    let search =
        sangdam_store::UserSearch { text: None, role: Some(sangdam_domain::Role::Supervisor), limit: 500, offset: 0 };
    let supervisors: Vec<_> = state.store.search_users(&search).await?.0.into_iter().filter(|u| u.active).collect();
    let no_supervisors = supervisors.is_empty();
    staff.extend(supervisors);
    let link = state.config.link(&format!("/center/crisis/{event_id}"));
    let mut seen = std::collections::HashSet::new();
    let mut mailed = 0;
    for u in staff.iter().filter(|u| seen.insert(u.id.clone())) {
        let key = format!("crisis-alert:{event_id}:{}:{}", event.level, u.id);
        mail::send_once(state, &u.email, u.language, Mail::CrisisAlert { link: link.clone() }, &key).await?;
        mailed += 1;
    }
    let nobody_online = !counselor_available(state).await?;
    system_audit(state, "crisis.alert", event_id, &format!("mailed:{mailed}")).await?;
    if nobody_online {
        let mut fallback: Vec<(sangdam_domain::Email, Language)> =
            state.config.on_call_emails.iter().map(|e| (e.clone(), Language::Ko)).collect();
        if no_supervisors {
            let search = sangdam_store::UserSearch {
                text: None,
                role: Some(sangdam_domain::Role::Admin),
                limit: 500,
                offset: 0,
            };
            fallback.extend(
                state
                    .store
                    .search_users(&search)
                    .await?
                    .0
                    .into_iter()
                    .filter(|u| u.active)
                    .map(|u| (u.email, u.language)),
            );
        }
        for (email, lang) in fallback {
            let key = format!(
                "crisis-on-call:{event_id}:{}:{}",
                event.level,
                state.keys.mac_hex("crisis.mail", email.as_str().as_bytes())
            );
            mail::send_once(state, &email, lang, Mail::CrisisOnCall { link: link.clone() }, &key).await?;
        }
        system_audit(state, "crisis.on_call", event_id, "mailed").await?;
    }
    Ok(())
}

/// An audit entry of something the product itself did about an event (no person acted).
pub async fn system_audit(state: &AppState, action: &str, event: &str, outcome: &str) -> anyhow::Result<()> {
    let product = sangdam_app::Actor::the_product(state.clock.now());
    sangdam_app::audit::audit(&state.store, &state.keys, &product, action, Some(format!("crisis:{event}")), outcome)
        .await?;
    Ok(())
}

/// The open crisis event of a place, if any.
pub async fn open_event_at(state: &AppState, source: Source, place_id: &str) -> anyhow::Result<Option<String>> {
    Ok(state.store.open_crisis_at(&sangdam_app::crisis::place_key(&state.keys, source, place_id)).await?.map(|e| e.id))
}
