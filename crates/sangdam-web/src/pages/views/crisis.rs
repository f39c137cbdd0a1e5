//! Crisis events as staff read them: on the dashboard, in the list and on a client's timeline.

use sangdam_domain::crisis::{Level, RiskCheck};
use sangdam_store::{CrisisRecord, UserRecord};

use crate::crisis::{Place, Source, place_of};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// An event as staff read it.
pub struct Row {
    pub id: String,
    pub level: &'static str,
    pub source_id: String,
    pub when: String,
    pub client: Option<(String, String)>,
    pub link: Option<String>,
    pub open: bool,
}

impl Row {
    /// The Fluent id of the level's name.
    pub fn level_id(&self) -> String {
        format!("crisis-level-{}", self.level)
    }
}

/// An event as `viewer` reads it: the client's name and record only for someone who may see
/// the client's record (a counselor who holds a chat sees the chat, not who the client is).
pub async fn row(
    state: &AppState,
    ctx: &Ctx,
    viewer: &UserRecord,
    e: &CrisisRecord,
    place: &Place,
) -> Result<Row, AppError> {
    let client = match place.client_id() {
        Some(id) if crate::access::may_see_client(state, viewer, &id).await? => {
            state.store.user_by_id(&id).await?.map(|u| (id.to_string(), u.display_name.to_string()))
        }
        _ => None,
    };
    let link = match place.source {
        Source::Chat => Some(format!("/center/chats/{}", place.id)),
        Source::Message | Source::Form | Source::Booking | Source::Room => {
            client.as_ref().map(|(id, _)| format!("/clients/{id}"))
        }
    };
    Ok(Row {
        id: e.id.clone(),
        level: Level::from_rank(e.level).map_or("concern", Level::as_str),
        source_id: format!("crisis-source-{}", place.source.as_str()),
        when: ctx.time(e.created_at),
        client,
        link,
        open: e.closed_at.is_none(),
    })
}

/// The open events `viewer` may see, most urgent first.
pub async fn open_for(state: &AppState, ctx: &Ctx, viewer: &UserRecord) -> Result<Vec<Row>, AppError> {
    let mut out = Vec::new();
    for e in state.store.open_crisis_events().await? {
        // An event that does not open is left out (and logged), not the whole list.
        let place = match place_of(state, &e) {
            Ok(p) => p,
            Err(err) => {
                tracing::error!(error = ?err, "a crisis event does not open");
                continue;
            }
        };
        if crate::access::may_see_crisis(state, viewer, &place).await? {
            out.push(row(state, ctx, viewer, &e, &place).await?);
        }
    }
    Ok(out)
}

pub fn open_check(state: &AppState, e: &CrisisRecord) -> Result<Option<RiskCheck>, AppError> {
    let Some(sealed) = &e.assessment else { return Ok(None) };
    let bytes = state.keys.open_at(&sangdam_store::sealed::CRISIS_ASSESSMENT, &[&e.id], sealed)?;
    Ok(Some(serde_json::from_slice(&bytes).map_err(|e| AppError::Internal(e.into()))?))
}

/// A client's events for their record's timeline (the viewer may see the record already).
pub async fn timeline_of(
    state: &AppState,
    ctx: &Ctx,
    client: &sangdam_domain::UserId,
) -> Result<Vec<super::Event>, AppError> {
    let key = crate::risk_alerts::risk_client_key(state, client);
    let mut out = Vec::new();
    for e in state.store.crisis_events_of(&key).await? {
        let place = place_of(state, &e)?;
        let level = Level::from_rank(e.level).map_or("concern", Level::as_str);
        let mut text =
            vec![ctx.t(&format!("crisis-level-{level}")), ctx.t(&format!("crisis-source-{}", place.source.as_str()))];
        if let Some(c) = open_check(state, &e)? {
            text.push(format!(
                "{}: {}",
                ctx.t("crisis-check-ideation"),
                ctx.t(&format!("crisis-check-ideation-{}", c.ideation))
            ));
        }
        if let Some(o) = &e.outcome {
            text.push(ctx.t(&format!("crisis-outcome-{o}")));
        }
        out.push(super::Event {
            at: e.created_at,
            when: ctx.time(e.created_at),
            kind: ctx.t("crisis-event-title"),
            text: text.join(" · "),
            link: Some(format!("/center/crisis/{}", e.id)),
        });
    }
    Ok(out)
}
