//! The routing loop: ends timed statuses, closes abandoned chats, takes back offers not accepted
//! in time, offers waiting chats to counselors (`sangdam_domain::routing`), and tells waiting
//! clients their place and supervisors the queue.

use sangdam_domain::routing::ChatStatus;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sangdam_domain::routing::{self, Status};
use sangdam_domain::{Language, UserId};
use sangdam_store::ChatRecord;
use tokio::sync::watch;

use super::hub::ChatHub;
use super::{AgentInfo, ClientOut, StaffOut, close, info, set_status, tr};
use crate::state::AppState;

/// How often the routing loop runs when nothing wakes it.
const TICK: Duration = Duration::from_secs(1);
/// The average handling time assumed until the center has a week of its own.
const DEFAULT_HANDLING_SECONDS: u32 = 600;

/// Runs the routing loop until `shutdown`: ends timed statuses, takes back offers not accepted in
/// time, offers waiting chats (see `sangdam_domain::routing`), and tells waiting clients their
/// place and supervisors the queue.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = route(&state).await {
            tracing::error!(error = ?e, "routing chats failed");
        }
        tokio::select! {
            () = state.chat.wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One pass of the routing loop.
pub async fn route(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now();
    for a in state.store.agents().await? {
        if a.status_until.is_some_and(|u| u <= now) {
            // The timed status (after-work, a break) is over: available again with a console
            // open, offline without one.
            let next = if state.chat.online(&a.user_id) { Status::Available } else { Status::Offline };
            set_status(state, &a.user_id, next, None, "").await?;
        }
    }
    let offer_seconds = i64::from(state.config.chat.offer_seconds.max(5));
    for (chat, counselor) in state.store.expire_offers(now - offer_seconds).await? {
        state.chat.to_user(&counselor, &StaffOut::Gone { chat });
        state.store.set_agent_idle_since(&counselor, now).await?;
    }
    close_abandoned(state, now).await?;
    let mut queue = state.store.chats_in(&[ChatStatus::Queued], 10_000).await?;
    // Risk first, then arrival: the order chats are offered in and the places clients are told.
    // (A stable sort: within a level, the store's order of arrival stays.)
    queue.sort_by_key(|c| std::cmp::Reverse(c.risk));
    // An alert that fails is logged; the routing pass goes on (the chat is still offered).
    if let Err(e) = alert_untaken_crises(state, now, offer_seconds).await {
        tracing::error!(error = ?e, "alerting consoles to an untaken crisis chat failed");
    }
    let agents = state.store.agents().await?;
    let counselors: Vec<routing::Counselor> = agents
        .iter()
        .filter(|a| state.chat.online(&a.user_id))
        .map(|a| routing::Counselor {
            id: a.user_id.to_string(),
            status: a.status,
            topics: a.topics.clone(),
            languages: a.languages.clone(),
            active: u32::try_from(a.active).unwrap_or(u32::MAX),
            capacity: u32::try_from(a.capacity).unwrap_or(1),
            idle_since: a.idle_since,
        })
        .collect();
    let waiting: Vec<routing::WaitingChat> = queue
        .iter()
        .map(|c| routing::WaitingChat {
            id: c.id.clone(),
            topic: c.topic.clone(),
            language: c.language,
            queued_at: c.queued_at,
            risk: sangdam_domain::crisis::Level::from_rank(c.risk),
        })
        .collect();
    let mut offered = HashSet::new();
    for (chat, counselor) in routing::assign(&waiting, &counselors, now) {
        let Some(counselor) = UserId::parse(&counselor) else { continue };
        if state.store.move_chat(&chat, &[ChatStatus::Queued], None, ChatStatus::Offered, Some(&counselor), now).await?
        {
            state.store.set_agent_idle_since(&counselor, now).await?;
            if let Some(c) = state.store.chat(&chat).await? {
                state.chat.to_user(&counselor, &StaffOut::Offer { chat: info(state, &c).await? });
            }
            offered.insert(chat);
        }
    }
    tell_waiting(state, &queue, &offered, &counselors, now).await?;
    if state.chat.has_supervisors() {
        let snapshot = queue_snapshot(state).await?;
        let text = serde_json::to_string(&snapshot)?;
        let changed = {
            let mut c = state.chat.conns();
            if c.snapshot == text {
                false
            } else {
                c.snapshot = text;
                true
            }
        };
        if changed {
            state.chat.to_supervisors(&snapshot);
        }
    }
    Ok(())
}

/// High-risk chats nobody has taken within the offer time: every console (counselors and
/// supervisors) gets a banner with a sound, and any counselor may take the chat.
async fn alert_untaken_crises(state: &AppState, now: i64, offer_seconds: i64) -> anyhow::Result<()> {
    let high = sangdam_domain::crisis::Level::rank(Some(sangdam_domain::crisis::Level::High));
    let waiting: Vec<ChatRecord> = state
        .store
        .chats_in(&[ChatStatus::Queued, ChatStatus::Offered], 10_000)
        .await?
        .into_iter()
        .filter(|c| c.risk >= high)
        .collect();
    let ids: Vec<&str> = waiting.iter().map(|c| c.id.as_str()).collect();
    for id in state.chat.crisis_alerts_due(&ids, now, offer_seconds) {
        if let Some(chat) = waiting.iter().find(|c| c.id == id) {
            let info = info(state, chat).await?;
            if let Some(event) = &info.crisis_event {
                crate::crisis::system_audit(state, "crisis.alert", event, "consoles").await?;
            }
            // Supervisors see the chat as they see the queue; counselors only what they need to
            // take it (no account, no event until they hold it).
            let mut bare = info.clone();
            bare.client = None;
            bare.crisis_event = None;
            bare.counselor = None;
            bare.counselor_id = None;
            state.chat.send_staff(|s| s.is_supervisor(), &StaffOut::CrisisAlert { chat: info });
            state.chat.send_staff(|s| !s.is_supervisor(), &StaffOut::CrisisAlert { chat: bare });
        }
    }
    Ok(())
}

/// The center's chat hours as clients read them.
pub(crate) fn hours(state: &AppState, lang: Language) -> String {
    let own = state.config.chat.hours.trim();
    if own.is_empty() { tr(state, lang).t("chat-hours-default") } else { own.to_owned() }
}

/// Closes open chats whose client has had no page connected for `abandon_seconds` (a closed
/// tab, a lost phone): they hold no counselor's capacity and no place in the queue. A chat never
/// seen by this process counts from when it started or from the process's start.
async fn close_abandoned(state: &AppState, now: i64) -> anyhow::Result<()> {
    let limit = i64::from(state.config.chat.abandon_seconds);
    for chat in state.store.chats_in(&[ChatStatus::Queued, ChatStatus::Offered, ChatStatus::Active], 10_000).await? {
        let Err(since) = state.chat.client_presence(&chat.id) else { continue };
        let since = since.unwrap_or_else(|| chat.queued_at.max(state.started_at));
        if now - since > limit {
            close(state, &chat, "left").await?;
        }
    }
    Ok(())
}

/// Each waiting client's place among the chats that need the same topic and language, and the
/// estimated wait; when nobody can answer (nobody online for it, or a wait past the configured
/// limit), the center's hours so they can leave a message or book instead.
async fn tell_waiting(
    state: &AppState,
    queue: &[ChatRecord],
    offered: &HashSet<String>,
    counselors: &[routing::Counselor],
    now: i64,
) -> anyhow::Result<()> {
    // Forget what was told to chats that are no longer waiting.
    {
        let waiting: HashSet<&str> = queue.iter().map(|c| c.id.as_str()).collect();
        state.chat.conns().told.retain(|id, _| waiting.contains(id.as_str()));
    }
    let handling = average_handling(state, now).await?;
    let mut ahead: HashMap<(String, Language), u32> = HashMap::new();
    let limit = i64::from(state.config.chat.nobody_after_seconds);
    for chat in queue {
        let key = (chat.topic.clone(), chat.language);
        let (status, position, wait, nobody) = if offered.contains(&chat.id) {
            ("offered", None, None, None)
        } else {
            let n = ahead.entry(key).or_insert(0);
            let serving = u32::try_from(
                counselors
                    .iter()
                    .filter(|c| {
                        matches!(c.status, Status::Available | Status::AfterWork)
                            && c.topics.contains(&chat.topic)
                            && c.languages.contains(&chat.language)
                    })
                    .count(),
            )
            .unwrap_or(u32::MAX);
            let wait = routing::estimated_wait(*n, serving, handling);
            let position = *n + 1;
            *n += 1;
            let nobody = (serving == 0 || now - chat.queued_at > limit).then(|| hours(state, chat.language));
            ("queued", Some(position), Some(wait), nobody)
        };
        let msg = ClientOut::State { status, position, wait_seconds: wait, counselor: None, nobody };
        let text = serde_json::to_string(&msg)?;
        let changed = {
            let mut c = state.chat.conns();
            if c.told.get(&chat.id) == Some(&text) {
                false
            } else {
                c.told.insert(chat.id.clone(), text);
                true
            }
        };
        if changed {
            ChatHub::send_clients(&mut state.chat.conns(), &chat.id, &msg);
        }
    }
    Ok(())
}

/// The center's average handling time over the last week, or the default.
async fn average_handling(state: &AppState, now: i64) -> anyhow::Result<u32> {
    let times = state.store.handling_times(now - 7 * 86_400).await?;
    let (n, total) = times.iter().fold((0i64, 0i64), |(n, t), (_, k, avg)| (n + k, t + k * avg));
    Ok(if n == 0 { DEFAULT_HANDLING_SECONDS } else { u32::try_from((total / n).max(1)).unwrap_or(u32::MAX) })
}

/// What supervisors see live: waiting chats, open chats, and every counselor.
pub(crate) async fn queue_snapshot(state: &AppState) -> anyhow::Result<StaffOut> {
    let mut waiting = Vec::new();
    let mut active = Vec::new();
    for c in state.store.chats_in(&[ChatStatus::Queued, ChatStatus::Offered, ChatStatus::Active], 10_000).await? {
        let i = info(state, &c).await?;
        if c.status == ChatStatus::Queued { waiting.push(i) } else { active.push(i) }
    }
    let mut agents = Vec::new();
    for a in state.store.agents().await? {
        let name = state.store.user_by_id(&a.user_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        agents.push(AgentInfo {
            id: a.user_id.to_string(),
            name,
            status: a.status.as_str().to_owned(),
            until: a.status_until,
            active: a.active,
            capacity: a.capacity,
        });
    }
    Ok(StaffOut::Queue { waiting, active, agents })
}
