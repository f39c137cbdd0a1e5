//! Pure rules and types of Sangdam.
//!
//! This crate owns what the product *means*: who a user is (email, role, language, time zone),
//! what a good password is, how two-factor codes are computed, how the audit chain links, how
//! sign-in attempts are throttled, what money is, when a counselor can be booked (free slots
//! across time zones and daylight-saving changes), the cancel policy, recurring series, and the
//! iCalendar text of an appointment. It reads no clock (time is passed in), does no I/O and knows
//! nothing of tokio, sqlx or axum, so every rule here is tested in microseconds.

pub mod abuse;
pub mod access;
pub mod aftercare;
pub mod api;
pub mod audit;
pub mod booking;
pub mod chat;
pub mod courtesy;
pub mod crisis;
pub mod email;
pub mod files;
pub mod form;
pub mod ics;
pub mod ids;
pub mod language;
pub mod learned;
pub mod limits;
pub mod money;
pub mod names;
pub mod note;
pub mod password;
pub mod phone;
pub mod profile;
pub mod questionnaire;
pub mod recording;
pub mod retention;
pub mod role;
pub mod routing;
pub mod session;
mod textscan;
pub mod throttle;
pub mod totp;
pub mod webhooks;
pub mod when;

pub use email::Email;
pub use ids::{SecretToken, UserId};
pub use language::Language;
pub use money::{Currency, Money};
pub use password::NewPassword;
pub use profile::{DisplayName, Timezone};
pub use role::Role;

/// The version of the privacy notice that sign-up asks clients to accept. Bump it when the notice
/// text in the Fluent files changes, so that consent records say which text was agreed to.
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11-01";
