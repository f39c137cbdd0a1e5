//! Sangdam's HTTP face: server-rendered pages in Korean and English, authentication (passwords,
//! sessions, two-factor), CSRF protection, the admin pages, outgoing mail, probes and metrics.
//!
//! Handlers are thin: they turn forms into domain types, ask the [`sangdam_store::Store`], write
//! the audit log and render a template. Everything per-request (who, which language, which CSRF
//! token) is prepared once by [`ctx::context_layer`].

pub mod access;
pub mod aftercare;
pub mod api;
pub mod auth;
pub mod booking;
pub mod chat;
pub mod config;
pub mod counselor_status;
pub mod crisis;
pub mod ctx;
pub mod error;
pub mod form_requests;
pub mod forms;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod metrics;
mod pages;
pub mod photo;
pub mod recording_file;
pub mod retention;
pub mod risk_alerts;
pub mod room;
pub mod server;
pub mod session_watch;
pub mod state;
pub mod throttle;
pub mod undo;
pub mod url;
pub mod webhooks;
pub mod worker;
pub mod zip;

// The service layer's modules, under the paths the web layer has always used.
pub use sangdam_app::{clock, crypto, hashing};

use axum::Router;
use axum::extract::DefaultBodyLimit;

pub use clock::Clock;
pub use config::{ChatConfig, Secret, SmtpConfig, SmtpSecurity, TlsFiles, WebConfig};
pub use crypto::Keys;
pub use sangdam_media::{MAX_WORKERS as MAX_MEDIA_WORKERS, MediaConfig};
pub use sangdam_realtime::{care_notice, kernel as realtime};
pub use server::serve;
pub use state::AppState;

impl AppState {
    /// The state of a server: its store, configuration, keys and clock, and every kind of job
    /// with the handler that runs it. Must run inside a tokio runtime: it binds the media port
    /// and starts the SFU task.
    pub fn new(store: sangdam_store::Store, config: WebConfig, keys: Keys, clock: Clock) -> Result<Self, String> {
        Self::assemble(store, config, keys, clock, job_handlers())
    }
}

/// Every kind of durable job and its handler.
fn job_handlers() -> state::JobHandlers {
    let mut h = state::JobHandlers::new();
    h.insert(booking::APPOINTMENT_CHANGED, |s, j| Box::pin(booking::run_change(s, j)));
    h.insert(booking::REMINDER, |s, j| Box::pin(booking::run_reminder(s, j)));
    h.insert(booking::OFFER_EXPIRY, |s, j| Box::pin(booking::run_offer_expiry(s, j)));
    h.insert(aftercare::FOLLOW_UP, |s, j| Box::pin(aftercare::run_follow_up(s, j)));
    h.insert(risk_alerts::RISK_ALERT_MAILS, |s, j| Box::pin(risk_alerts::run_alert_mails(s, j)));
    h.insert(crisis::CRISIS_ALERT_MAILS, |s, j| Box::pin(crisis::run_alert_mails(s, j)));
    h.insert(webhooks::WEBHOOK_EVENT, |s, j| Box::pin(webhooks::run_event(s, j)));
    h
}

/// Starts a protected recovery break for a counselor, as ending a chat because of abuse does:
/// for tests that need one without staging the abuse.
#[doc(hidden)]
pub async fn chat_recovery_break_for_tests(state: &AppState, counselor: &sangdam_domain::UserId) {
    if let Err(e) = counselor_status::recovery_break(state, counselor).await {
        tracing::error!(error = ?e, "a test's recovery break failed");
    }
}

/// The whole application as an axum router.
pub fn app(state: AppState) -> Router {
    // The API has its own layer (tokens, not cookies; problem+json, not error pages), so it is
    // merged after the pages' layer is applied.
    pages::router()
        .layer(axum::middleware::from_fn_with_state(state.clone(), ctx::context_layer))
        .merge(api::router().layer(axum::middleware::from_fn_with_state(state.clone(), api::api_layer)))
        .layer(DefaultBodyLimit::max(ctx::MAX_FORM_BYTES))
        .with_state(state)
}
