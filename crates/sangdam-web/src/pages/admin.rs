//! Admin pages: users (search, invite, change role, deactivate), the audit log and the outbox.
//! Every page here shows client data, so each needs an admin enrolled in two-factor (when the
//! center requires it) and each read is itself written to the audit log.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sangdam_app::invitations::{self, InviteError};
use sangdam_app::settings::{self, SettingsError};
use sangdam_domain::audit::AuditRecord;
use sangdam_domain::limits::MAX_SPECIALTIES;
use sangdam_domain::{Email, Role, UserId};
use sangdam_store::{
    AuditFilter, InvitationRecord, InvitationState, JobStatus, MailRecord, Specialty, UserRecord, UserSearch,
};
use serde::Deserialize;

use super::views::role_message_id;
use super::views::{render, see_other, with_status};
use crate::auth::{actor_of, audit, user_target};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::url::encode as url_encode;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UsersQuery {
    q: String,
    role: String,
    page: i64,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage<'a> {
    ctx: &'a Ctx,
    users: Vec<UserRecord>,
    total: i64,
    q: String,
    role: String,
    page: i64,
    pages: i64,
}

impl UsersPage<'_> {
    fn role_label(&self, r: &Role) -> String {
        self.ctx.t(role_message_id(*r))
    }

    fn page_link(&self, page: i64) -> String {
        format!("/admin/users?q={}&role={}&page={page}", url_encode(&self.q), url_encode(&self.role))
    }
}

pub async fn users(State(state): State<AppState>, ctx: Ctx, Query(q): Query<UsersQuery>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let page = q.page.max(0);
    let role = Role::parse(&q.role);
    let search =
        UserSearch { text: Some(q.q.chars().take(100).collect()), role, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
    let (users, total) = state.store.search_users(&search).await?;
    audit(&state, &ctx, Some(&v.user), "admin.users.search", None, "ok").await?;
    render(&UsersPage {
        ctx: &ctx,
        users,
        total,
        q: q.q,
        role: role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage<'a> {
    ctx: &'a Ctx,
    user: UserRecord,
    is_self: bool,
    entries: Vec<AuditRecord>,
    errors: Vec<String>,
}

impl UserPage<'_> {
    fn role_label(&self, r: &Role) -> String {
        self.ctx.t(role_message_id(*r))
    }
    fn roles(&self) -> Vec<(&'static str, String)> {
        Role::ALL.iter().map(|r| (r.as_str(), self.ctx.t(role_message_id(*r)))).collect()
    }
}

async fn load_user(state: &AppState, id: &str) -> Result<UserRecord, AppError> {
    let id = UserId::parse(id).ok_or(AppError::NotFound)?;
    state.store.user_by_id(&id).await?.ok_or(AppError::NotFound)
}

async fn show_user(state: &AppState, ctx: &Ctx, user: UserRecord, errors: Vec<String>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let entries = state
        .store
        .audit_page(&AuditFilter { target: user_target(&user.id), limit: 20, ..AuditFilter::default() })
        .await?
        .records;
    audit(state, ctx, Some(&v.user), "admin.user.read", user_target(&user.id), "ok").await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    with_status(status, render(&UserPage { ctx, is_self: user.id == v.user.id, user, entries, errors }))
}

pub async fn user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    ctx.client_data_viewer(&[Role::Admin])?;
    let user = load_user(&state, &id).await?;
    show_user(&state, &ctx, user, vec![]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<RoleForm>,
) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let user = load_user(&state, &id).await?;
    let Some(role) = Role::parse(&f.role) else {
        return show_user(&state, &ctx, user, vec![ctx.t("error-role-unknown")]).await;
    };
    // An admin cannot take away their own rights by accident, and the center keeps an admin.
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    let changed = sangdam_app::users::set_role(&state.store, &state.keys, &actor, &user.id, role).await;
    changed_or_refused(&state, &ctx, user, changed).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
}

/// Deactivation ends all of the user's sessions at once (in the same transaction).
pub async fn change_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<ActiveForm>,
) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let user = load_user(&state, &id).await?;
    let active = f.active == "true";
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    let changed = sangdam_app::users::set_active(&state.store, &state.keys, &actor, &user.id, active).await;
    changed_or_refused(&state, &ctx, user, changed).await
}

/// Back to the user's page after a change (open sockets re-check their session), or the page
/// again with the reason it was refused.
async fn changed_or_refused(
    state: &AppState,
    ctx: &Ctx,
    user: UserRecord,
    changed: Result<(), sangdam_app::users::ChangeError>,
) -> AppResult {
    use sangdam_app::users::ChangeError;
    match changed {
        Ok(()) => {
            state.sessions_changed();
            Ok(see_other(&format!("/admin/users/{}", user.id)))
        }
        Err(e) => match e.message_id() {
            Some(id) => show_user(state, ctx, user, vec![ctx.t(id)]).await,
            None => Err(match e {
                ChangeError::NotFound => AppError::NotFound,
                ChangeError::Store(e) => e.into(),
                _ => AppError::Forbidden,
            }),
        },
    }
}

#[derive(Template)]
#[template(path = "admin/invitations.html")]
struct InvitationsPage<'a> {
    ctx: &'a Ctx,
    invitations: Vec<InvitationRecord>,
    email: String,
    role: String,
    errors: Vec<String>,
    created_link: Option<String>,
}

impl InvitationsPage<'_> {
    fn role_label(&self, r: &Role) -> String {
        self.ctx.t(role_message_id(*r))
    }
    fn state_label(&self, i: &InvitationRecord) -> String {
        self.ctx.t(match i.state(self.ctx.now) {
            InvitationState::Open => "invitation-open",
            InvitationState::Used => "invitation-used",
            InvitationState::Expired => "invitation-expired",
        })
    }
    fn is_open(&self, i: &InvitationRecord) -> bool {
        i.state(self.ctx.now) == InvitationState::Open
    }
}

async fn show_invitations(
    state: &AppState,
    ctx: &Ctx,
    email: String,
    role: String,
    errors: Vec<String>,
    created_link: Option<String>,
) -> AppResult {
    let invitations = state.store.list_invitations(100).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    with_status(status, render(&InvitationsPage { ctx, invitations, email, role, errors, created_link }))
}

pub async fn invitations(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    audit(&state, &ctx, Some(&v.user), "admin.invitations.read", None, "ok").await?;
    show_invitations(&state, &ctx, String::new(), "counselor".into(), vec![], None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
}

pub async fn invite(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<InviteForm>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let mut errors = Vec::new();
    let email = Email::parse(&f.email).map_err(|e| errors.push(ctx.t(e.message_id())));
    let role =
        Role::parse(&f.role).filter(|r| r.is_invitable()).ok_or_else(|| errors.push(ctx.t("error-role-unknown")));
    let (Ok(email), Ok(role)) = (email, role) else {
        return show_invitations(&state, &ctx, f.email, f.role, errors, None).await;
    };
    // The invitee's language is unknown: the mail goes out in the inviting admin's.
    let mut link = String::new();
    let invited = invitations::invite(&state.store, &state.keys, &actor_of(&ctx, Some(&v.user)), &email, role, |t| {
        link = state.config.link(&format!("/invite/{t}"));
        mail::prepare(
            &state,
            &email,
            ctx.lang(),
            Mail::Invitation { link: link.clone(), role_message_id: role_message_id(role) },
        )
    })
    .await;
    let refused = match invited {
        Ok(_) => {
            state.mail_queued.notify_one();
            return show_invitations(&state, &ctx, String::new(), "counselor".into(), vec![], Some(link)).await;
        }
        Err(InviteError::EmailTaken) => "error-email-taken",
        Err(InviteError::Open) => "error-invitation-open",
        Err(InviteError::Forbidden) => return Err(AppError::Forbidden),
        Err(InviteError::Store(e)) => return Err(e.into()),
    };
    show_invitations(&state, &ctx, f.email, f.role, vec![ctx.t(refused)], None).await
}

pub async fn revoke_invitation(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let actor = actor_of(&ctx, Some(&v.user));
    match invitations::revoke(&state.store, &state.keys, &actor, &id).await {
        Ok(_) => Ok(see_other("/admin/invitations")),
        Err(InviteError::Store(e)) => Err(e.into()),
        Err(_) => Err(AppError::Forbidden),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    actor: String,
    action: String,
    target: String,
    outcome: String,
    from: String,
    to: String,
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPageView<'a> {
    ctx: &'a Ctx,
    q: AuditQuery,
    entries: Vec<AuditRecord>,
    actors: HashMap<String, String>,
    next_link: Option<String>,
    errors: Vec<String>,
}

impl AuditPageView<'_> {
    fn actor_label(&self, e: &AuditRecord) -> String {
        match &e.fields.actor_id {
            Some(id) => self.actors.get(id).cloned().unwrap_or_else(|| id.clone()),
            // No person and no address: the product itself (a job, a detection); a visitor who
            // was not signed in has an address.
            None if e.fields.address.is_none() => self.ctx.t("audit-actor-product"),
            None => "—".to_owned(),
        }
    }
}

/// A day typed as `YYYY-MM-DD`, taken in the viewer's time zone, as the Unix time it starts.
fn day_start(ctx: &Ctx, text: &str, plus_days: i64) -> Result<Option<i64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date: jiff::civil::Date = text.parse().map_err(|_| ())?;
    let date = date.checked_add(jiff::Span::new().days(plus_days)).map_err(|_| ())?;
    let zoned = date.to_zoned(ctx.timezone().to_jiff()).map_err(|_| ())?;
    Ok(Some(zoned.timestamp().as_second()))
}

pub async fn audit_log(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let mut errors = Vec::new();
    let actor_id = if q.actor.trim().is_empty() {
        None
    } else if let Some(id) = UserId::parse(q.actor.trim()) {
        Some(id)
    } else {
        match Email::parse(&q.actor) {
            Ok(email) => match state.store.user_by_email(&email).await? {
                Some(u) => Some(u.id),
                None => {
                    errors.push(ctx.t("error-audit-actor-unknown"));
                    None
                }
            },
            Err(_) => {
                errors.push(ctx.t("error-audit-actor-unknown"));
                None
            }
        }
    };
    let since = day_start(&ctx, &q.from, 0).unwrap_or_else(|_| {
        errors.push(ctx.t("error-date-invalid"));
        None
    });
    let until = day_start(&ctx, &q.to, 1).unwrap_or_else(|_| {
        errors.push(ctx.t("error-date-invalid"));
        None
    });
    let filter = AuditFilter {
        actor_id,
        action_prefix: Some(q.action.trim().chars().take(100).collect()),
        target: Some(q.target.trim().to_owned()).filter(|t| !t.is_empty()),
        outcome: Some(q.outcome.trim().to_owned()).filter(|t| !t.is_empty()),
        since,
        until,
        before_seq: q.before,
        limit: PAGE_SIZE,
    };
    let page = if errors.is_empty() {
        state.store.audit_page(&filter).await?
    } else {
        sangdam_store::AuditPage { records: vec![], next_before: None }
    };
    audit(&state, &ctx, Some(&v.user), "admin.audit.search", None, "ok").await?;
    let mut actors = HashMap::new();
    for e in &page.records {
        if let Some(id) = &e.fields.actor_id
            && !actors.contains_key(id)
            && let Some(uid) = UserId::parse(id)
            && let Some(u) = state.store.user_by_id(&uid).await?
        {
            actors.insert(id.clone(), u.email.to_string());
        }
    }
    let next_link = page.next_before.map(|before| {
        format!(
            "/admin/audit?actor={}&action={}&target={}&outcome={}&from={}&to={}&before={before}",
            url_encode(&q.actor),
            url_encode(&q.action),
            url_encode(&q.target),
            url_encode(&q.outcome),
            url_encode(&q.from),
            url_encode(&q.to)
        )
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    with_status(status, render(&AuditPageView { ctx: &ctx, q, entries: page.records, actors, next_link, errors }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutboxQuery {
    page: i64,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage<'a> {
    ctx: &'a Ctx,
    mails: Vec<MailRecord>,
    page: i64,
    pages: i64,
    smtp: bool,
}

pub async fn outbox(State(state): State<AppState>, ctx: Ctx, Query(q): Query<OutboxQuery>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let page = q.page.max(0);
    let (mails, total) = state.store.list_mail(PAGE_SIZE, page * PAGE_SIZE).await?;
    audit(&state, &ctx, Some(&v.user), "admin.outbox.list", None, "ok").await?;
    render(&OutboxPage {
        ctx: &ctx,
        mails,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        smtp: state.config.smtp.is_some(),
    })
}

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage<'a> {
    ctx: &'a Ctx,
    mail: MailRecord,
}

/// A mail's state in the admin's language.
fn mail_status_id(status: sangdam_store::MailStatus) -> &'static str {
    use sangdam_store::MailStatus as S;
    match status {
        S::Held => "status-mail-held",
        S::Pending => "status-mail-pending",
        S::Sending => "status-mail-sending",
        S::Sent => "status-mail-sent",
        S::Failed => "status-mail-failed",
    }
}

/// A job's state in the admin's language.
fn job_status_id(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Pending => "status-job-pending",
        JobStatus::Running => "status-job-running",
        JobStatus::Done => "status-job-done",
        JobStatus::Failed => "status-job-failed",
    }
}

impl OutboxPage<'_> {
    fn status(&self, m: &MailRecord) -> String {
        self.ctx.t(mail_status_id(m.status))
    }
}

impl MailPage<'_> {
    fn status(&self) -> String {
        self.ctx.t(mail_status_id(self.mail.status))
    }
}

pub async fn outbox_mail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let mail = state.store.mail_by_id(&id).await?.ok_or(AppError::NotFound)?;
    audit(&state, &ctx, Some(&v.user), "admin.mail.read", Some(format!("mail:{}", mail.id)), "ok").await?;
    render(&MailPage { ctx: &ctx, mail })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JobsQuery {
    status: String,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage<'a> {
    ctx: &'a Ctx,
    status: &'static str,
    /// Each state: its name in links, its label, how many jobs are in it.
    counts: Vec<(&'static str, String, i64)>,
    jobs: Vec<sangdam_store::JobRecord>,
}

/// The job queue: how many jobs wait, run, are done or failed, and the jobs of one state with
/// their last error (which names the failure, never a recipient).
pub async fn jobs(State(state): State<AppState>, ctx: Ctx, Query(q): Query<JobsQuery>) -> AppResult {
    let v = ctx.with_role(&[Role::Admin])?;
    let status = match q.status.as_str() {
        "" => JobStatus::Pending,
        s => JobStatus::parse(s).ok_or(AppError::BadRequest("error-form-invalid"))?,
    };
    let counts =
        state.store.job_counts().await?.into_iter().map(|(s, n)| (s.as_str(), ctx.t(job_status_id(s)), n)).collect();
    let jobs = state.store.list_jobs(status, 200).await?;
    audit(&state, &ctx, Some(&v.user), "admin.jobs.list", None, "ok").await?;
    render(&JobsPage { ctx: &ctx, status: status.as_str(), counts, jobs })
}

pub async fn retry_job(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.with_role(&[Role::Admin])?;
    if !state.store.retry_job(&id, ctx.now).await? {
        return Err(AppError::NotFound);
    }
    state.jobs_queued.notify_one();
    audit(&state, &ctx, Some(&v.user), "admin.jobs.retry", Some(format!("job:{id}")), "ok").await?;
    Ok(see_other("/admin/jobs?status=pending"))
}

#[derive(Template)]
#[template(path = "admin/specialties.html")]
struct SpecialtiesPage<'a> {
    ctx: &'a Ctx,
    specialties: Vec<Specialty>,
    /// What was typed into the add form, back after a refusal.
    form: SpecialtyForm,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SpecialtyForm {
    id: String,
    name_ko: String,
    name_en: String,
    position: String,
}

pub async fn specialties(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    ctx.with_role(&[Role::Admin])?;
    let specialties = state.store.list_specialties().await?;
    render(&SpecialtiesPage { ctx: &ctx, specialties, form: SpecialtyForm::default(), errors: vec![] })
}

/// Adds a specialty, or renames one (same id).
pub async fn save_specialty(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<SpecialtyForm>,
) -> AppResult {
    let v = ctx.with_role(&[Role::Admin])?;
    let s = Specialty {
        id: f.id.trim().to_lowercase(),
        name_ko: f.name_ko.trim().to_owned(),
        name_en: f.name_en.trim().to_owned(),
        position: f.position.trim().parse::<i64>().unwrap_or(0).clamp(0, 1000),
    };
    let actor = actor_of(&ctx, Some(&v.user));
    let errors = match settings::save_specialty(&state.store, &state.keys, &actor, &s).await {
        Ok(()) => return Ok(see_other("/admin/specialties")),
        Err(SettingsError::Invalid(ids)) => ids.into_iter().map(|id| ctx.t(id)).collect(),
        Err(SettingsError::TooMany) => vec![ctx.tn("error-specialty-limit", "max", MAX_SPECIALTIES as i64)],
        Err(e) => return Err(settings_error(e)),
    };
    let specialties = state.store.list_specialties().await?;
    with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&SpecialtiesPage { ctx: &ctx, specialties, form: f, errors }))
}

pub async fn delete_specialty(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.with_role(&[Role::Admin])?;
    let actor = actor_of(&ctx, Some(&v.user));
    settings::delete_specialty(&state.store, &state.keys, &actor, &id).await.map_err(settings_error)?;
    Ok(see_other("/admin/specialties"))
}

/// A refusal no form shows in place.
fn settings_error(e: SettingsError) -> AppError {
    match e {
        SettingsError::Forbidden => AppError::Forbidden,
        SettingsError::Store(e) => e.into(),
        _ => AppError::NotFound,
    }
}
