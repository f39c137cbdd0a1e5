//! Risk alerts raised by a questionnaire (an answer above 0 on PHQ-9 item 9): the alert as it is
//! stored (client and time sealed, found by keyed hashes of its response and its client), who it
//! reaches, and the job that mails them. The questionnaire page raises one; the chat center's and
//! the client record's crisis pages find a client's alerts by the same key.

use sangdam_domain::{Role, UserId};
use sangdam_store::{NewRiskFlag, UserRecord, UserSearch};

use crate::crypto::random;
use crate::error::AppError;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// The keyed hash under which a client's risk alerts are found.
pub fn risk_client_key(state: &AppState, client: &UserId) -> String {
    sangdam_app::crisis::risk_client_key(&state.keys, client)
}

/// What a risk alert holds, sealed.
#[derive(serde::Serialize, serde::Deserialize)]
struct FlagContent {
    client: String,
    at: i64,
}

/// A risk alert as it is stored: sealed (client and time) under its id, and found by keyed
/// hashes of its response and its client.
pub struct SealedFlag {
    pub id: String,
    response_key: String,
    client_key: String,
    sealed: Vec<u8>,
}

impl SealedFlag {
    pub fn new(state: &AppState, id: String, client: &UserId, response: &str, at: i64) -> Self {
        let content = serde_json::to_vec(&FlagContent { client: client.to_string(), at }).unwrap_or_default();
        let sealed = state.keys.seal_at(&sangdam_store::sealed::RISK_FLAG, &[&id], &content);
        let response_key = state.keys.mac_hex("risk.response", response.as_bytes());
        Self { id, response_key, client_key: risk_client_key(state, client), sealed }
    }

    pub fn stored(&self) -> NewRiskFlag<'_> {
        NewRiskFlag {
            id: &self.id,
            response_key: &self.response_key,
            client_key: &self.client_key,
            sealed: &self.sealed,
        }
    }
}

/// A stored alert, opened: its client and when it was raised.
fn open_flag(state: &AppState, f: &sangdam_store::RiskFlag) -> Result<(UserId, i64), AppError> {
    let opened = state.keys.open_at(&sangdam_store::sealed::RISK_FLAG, &[&f.id], &f.sealed)?;
    let content: FlagContent = serde_json::from_slice(&opened).map_err(|e| AppError::Internal(e.into()))?;
    let client =
        UserId::parse(&content.client).ok_or_else(|| AppError::Internal(anyhow::anyhow!("a risk alert's client")))?;
    Ok((client, content.at))
}

/// An open alert: id, client, when.
pub async fn open_alerts(state: &AppState) -> Result<Vec<(String, UserId, i64)>, AppError> {
    let mut out = Vec::new();
    for f in state.store.open_risk_flags().await? {
        let (client, at) = open_flag(state, &f)?;
        out.push((f.id, client, at));
    }
    out.sort_by_key(|(_, _, at)| std::cmp::Reverse(*at));
    Ok(out)
}

/// Moves alerts written before they were sealed into `risk_flags` (at start-up; nothing to do
/// once done).
pub async fn seal_legacy_alerts(state: &AppState) -> anyhow::Result<usize> {
    let legacy = state.store.legacy_risk_alerts().await?;
    for (id, response, client, at, ack) in &legacy {
        let flag = SealedFlag::new(state, id.clone(), client, response, *at);
        state.store.move_legacy_risk_alert(id, &flag.stored(), ack.as_ref().map(|(u, a)| (u, *a))).await?;
    }
    Ok(legacy.len())
}

/// Who a client's risk alert reaches: their care team and the supervisors; when there are
/// neither, the admins and the configured on-call addresses (who see no client data, and are asked
/// to find someone).
pub struct Reach {
    staff: Vec<UserRecord>,
    care_team: bool,
    fallback: Vec<(sangdam_domain::Email, sangdam_domain::Language)>,
}

impl Reach {
    pub fn message_id(&self) -> &'static str {
        if self.care_team {
            "crisis-counselor-told"
        } else if !self.staff.is_empty() || !self.fallback.is_empty() {
            "crisis-center-told"
        } else {
            "crisis-nobody"
        }
    }
}

pub async fn reachable(state: &AppState, client: &UserId) -> anyhow::Result<Reach> {
    let mut staff = Vec::new();
    for id in state.store.care_team(client).await? {
        if let Some(u) = state.store.user_by_id(&id).await?.filter(|u| u.active) {
            staff.push(u);
        }
    }
    let care_team = !staff.is_empty();
    let search = UserSearch { text: None, role: Some(Role::Supervisor), limit: 500, offset: 0 };
    staff.extend(state.store.search_users(&search).await?.0.into_iter().filter(|u| u.active));
    let mut fallback = Vec::new();
    if staff.is_empty() {
        let search = UserSearch { text: None, role: Some(Role::Admin), limit: 500, offset: 0 };
        for u in state.store.search_users(&search).await?.0.into_iter().filter(|u| u.active) {
            fallback.push((u.email, u.language));
        }
        for e in &state.config.on_call_emails {
            fallback.push((e.clone(), sangdam_domain::Language::Ko));
        }
    }
    Ok(Reach { staff, care_team, fallback })
}

pub const RISK_ALERT_MAILS: &str = "risk-alert-mails";

/// The job that mails a new alert's staff; it carries only the alert's id.
pub fn alert_job(flag: &str, now: i64) -> sangdam_store::NewJob {
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    sangdam_store::NewJob {
        key: format!("risk-alert:{flag}"),
        id,
        kind: RISK_ALERT_MAILS.to_owned(),
        payload: serde_json::json!({ "flag": flag }).to_string(),
        run_at: now,
    }
}

/// Mails everyone an alert reaches, each in their own language, once each (by key). The mail
/// only says that an alert waits in Sangdam (or, to admins and on-call addresses, that nobody
/// can see it).
pub async fn run_alert_mails(state: &AppState, job: &sangdam_store::JobRecord) -> anyhow::Result<()> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
    let flag_id = payload["flag"].as_str().unwrap_or_default();
    let Some(flag) = state.store.open_risk_flags().await?.into_iter().find(|f| f.id == flag_id) else {
        return Ok(());
    };
    let (client, _) = open_flag(state, &flag)?;
    let reach = reachable(state, &client).await?;
    let link = format!("{}/dashboard", state.config.public_url);
    for u in &reach.staff {
        let key = format!("risk-alert:{flag_id}:{}", u.id);
        mail::send_once(state, &u.email, u.language, Mail::RiskAlert { link: link.clone() }, &key).await?;
    }
    for (email, lang) in &reach.fallback {
        let mail = Mail::RiskAlertNoStaff { link: format!("{}/admin/users", state.config.public_url) };
        let key = format!("risk-alert:{flag_id}:{}", state.keys.mac_hex("risk.mail", email.as_str().as_bytes()));
        mail::send_once(state, email, *lang, mail, &key).await?;
    }
    Ok(())
}
