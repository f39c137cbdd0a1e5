//! One error type for every handler. A 4xx carries what the person should know, in their
//! language (rendered by `ctx::finish_response`, which knows the request's language);
//! a 5xx logs the whole cause chain and shows a generic page that never names the cause.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sangdam_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: go to the sign-in page and come back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// Password given, second factor still owed.
    #[error("two-factor step pending")]
    TwoFactorPending,
    /// Staff who must enroll in two-factor before seeing client data.
    #[error("two-factor enrollment required")]
    TwoFactorRequired,
    #[error("not found")]
    NotFound,
    /// A link or offer that existed but has expired; the message id says which.
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF check failed")]
    Csrf,
    #[error("request too large")]
    TooLarge,
    /// Too much at once (every core is hashing passwords): try again in a moment.
    #[error("busy")]
    Busy,
    /// The request is malformed; the message id says how, for the person.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The request conflicts with the record's state (a signed note); the message id says how.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Which localized error page to render; set on the response by `into_response`.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title_id: &'static str,
    pub message_id: &'static str,
}

impl From<sangdam_app::hashing::HashError> for AppError {
    fn from(e: sangdam_app::hashing::HashError) -> Self {
        match e {
            sangdam_app::hashing::HashError::Busy => AppError::Busy,
            sangdam_app::hashing::HashError::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Locked => AppError::Conflict("error-note-locked"),
            StoreError::LimitReached => AppError::BadRequest("error-files-full"),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<crate::crypto::OpenError> for AppError {
    fn from(e: crate::crypto::OpenError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

fn page(status: StatusCode, title_id: &'static str, message_id: &'static str) -> Response {
    let mut r = status.into_response();
    r.extensions_mut().insert(ErrorPage { status, title_id, message_id });
    r
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::SignInRequired { next } => {
                let target = if next == "/" || next.is_empty() {
                    "/signin".to_owned()
                } else {
                    format!("/signin?next={}", crate::url::encode(&next))
                };
                Redirect::to(&target).into_response()
            }
            AppError::TwoFactorPending => Redirect::to("/signin/two-factor").into_response(),
            AppError::TwoFactorRequired => Redirect::to("/account/two-factor?required=1").into_response(),
            AppError::NotFound => page(StatusCode::NOT_FOUND, "error-404-title", "error-404-body"),
            AppError::Gone(message_id) => page(StatusCode::GONE, "error-410-title", message_id),
            AppError::Forbidden => page(StatusCode::FORBIDDEN, "error-403-title", "error-403-body"),
            AppError::Csrf => page(StatusCode::FORBIDDEN, "error-csrf-title", "error-csrf-body"),
            AppError::TooLarge => page(StatusCode::PAYLOAD_TOO_LARGE, "error-413-title", "error-413-body"),
            AppError::Busy => {
                let mut r = page(StatusCode::SERVICE_UNAVAILABLE, "error-503-title", "error-503-body");
                r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("2"));
                r
            }
            AppError::BadRequest(message_id) => page(StatusCode::BAD_REQUEST, "error-400-title", message_id),
            AppError::Conflict(message_id) => page(StatusCode::CONFLICT, "error-409-title", message_id),
            AppError::Internal(err) => {
                // The chain names only our own error types and the database's message, never
                // bound values, so it carries no personal data.
                tracing::error!(error = ?err, "request failed");
                page(StatusCode::INTERNAL_SERVER_ERROR, "error-500-title", "error-500-body")
            }
        }
    }
}

pub type AppResult<T = Response> = Result<T, AppError>;
