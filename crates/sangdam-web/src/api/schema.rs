//! The API's documents, as Rust types: what handlers send is what the OpenAPI document says,
//! because both come from these types.

use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// A price in the currency's smallest unit (won, cents).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Price {
    /// In minor units: 50000 KRW is ₩50,000; 5000 USD is $50.00.
    pub amount: i64,
    /// ISO 4217: KRW, USD, EUR, JPY, CNY, GBP.
    pub currency: String,
}

/// An appointment: times, people, state and price. Never the client's reason for the visit nor
/// the reason given for cancelling (counseling content).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Appointment {
    pub id: String,
    pub counselor_id: String,
    pub client_id: String,
    /// `video`, `voice` or `chat`.
    pub kind: String,
    /// `requested`, `confirmed`, `cancelled`, `late_cancelled`, `completed` or `no_show`.
    pub status: String,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: String,
    pub price: Price,
    pub first_time: bool,
    /// The series a weekly or two-weekly booking belongs to.
    pub series_id: Option<String>,
    /// `client` or `counselor`, once cancelled.
    pub cancelled_by: Option<String>,
    /// Increases with every change.
    pub sequence: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppointmentPage {
    pub data: Vec<Appointment>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppointmentOne {
    pub data: Appointment,
}

/// A session type a counselor offers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Offering {
    pub kind: String,
    pub duration_minutes: u32,
    pub price: Price,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Counselor {
    pub id: String,
    pub display_name: String,
    /// IANA time zone of the counselor's hours.
    pub timezone: String,
    /// `ko`, `en`.
    pub languages: Vec<String>,
    /// Specialty ids, as the center names them.
    pub specialties: Vec<String>,
    /// Whether a booking waits for the counselor's approval.
    pub requires_approval: bool,
    pub offerings: Vec<Offering>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CounselorList {
    pub data: Vec<Counselor>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FreeTime {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FreeTimes {
    pub data: Vec<FreeTime>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    /// `personal` or `service`.
    pub kind: String,
    /// What the token may do now (narrowed to what its owner may do).
    pub scopes: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OwnerInfo {
    pub id: String,
    /// `counselor`, `supervisor` or `admin`.
    pub role: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub token: TokenInfo,
    pub owner: OwnerInfo,
}

/// `{"reason": "…"}`: told to the client; 1 to 500 characters.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    #[serde(default)]
    pub reason: String,
}

/// `{"outcome": "completed" | "no_show"}`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    #[serde(default)]
    pub outcome: String,
}

/// One wrong field of a request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    pub field: String,
    /// A stable message id.
    pub code: String,
    /// The message, in the request's language.
    pub detail: String,
}

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemDoc {
    /// `urn:sangdam:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in the `Accept-Language` asked for (Korean or English).
    pub detail: String,
    /// A stable id to match on.
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The bearer token scheme.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sangdam API",
        version = "1",
        description = "Counselors, free times and appointments for a center's own systems. Every call takes \
                       `Authorization: Bearer sgd_…` (a personal token from the account page, or a service \
                       token from the admin pages). Errors are RFC 9457 problems; 120 requests a minute per \
                       token; POST takes an `Idempotency-Key`.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&Bearer),
    components(schemas(ProblemDoc, FieldError)),
    tags(
        (name = "token", description = "The token itself"),
        (name = "counselors", description = "The directory and free times (any token)"),
        (name = "appointments", description = "Appointments (scopes appointments:read, appointments:write)"),
        (name = "clients", description = "Clients as contacts (scopes clients:read, clients:write)"),
        (name = "chats", description = "Live chats' metadata (scope clients:read)"),
        (name = "webhooks", description = "Webhook endpoints (scope webhooks:manage); messages follow Standard Webhooks 1.0")
    )
)]
pub struct ApiDoc;

/// A webhook endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpointDoc {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types it receives (`appointment.booked`, …).
    pub events: Vec<String>,
    pub allow_private: bool,
    pub enabled: bool,
    /// `admin` or `gone` (the receiver answered 410), when turned off.
    pub disabled_reason: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookEndpointDoc>,
}

/// A new endpoint, with the secret that signs its messages: shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    pub data: WebhookEndpointDoc,
    /// `whsec_…`: verifies `webhook-signature` (Standard Webhooks).
    pub secret: String,
}

/// An endpoint to add.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// `https://…` (or `http://…`); a private or loopback address only with `allow_private`.
    pub url: String,
    #[serde(default)]
    pub description: String,
    pub events: Vec<String>,
    #[serde(default)]
    pub allow_private: bool,
}

/// A notice the client accepted.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Consent {
    /// `privacy`, …
    pub kind: String,
    pub version: String,
    pub accepted_at: String,
}

/// A client as a contact: who they are, how to reach them, how they prefer to meet, the center's
/// tags and the notices they accepted.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientContact {
    pub id: String,
    pub display_name: String,
    pub email: String,
    /// `ko` or `en`: the language of their mails.
    pub language: String,
    pub timezone: String,
    pub active: bool,
    pub phone: String,
    pub emergency_name: String,
    pub emergency_phone: String,
    /// `video`, `voice`, `chat` or `in_person`.
    pub preferred_channel: String,
    pub tags: Vec<String>,
    /// Whether a follow-up is sent after sessions.
    pub follow_up: bool,
    pub consents: Vec<Consent>,
    pub created_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientPage {
    pub data: Vec<ClientContact>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientOne {
    pub data: ClientContact,
}

/// A person to add as a client: they are mailed an invitation in `language`, and finish the
/// account themselves (their name, password and consent to the privacy notice).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    pub email: String,
    /// `ko` or `en`: the language of the invitation mail.
    pub language: String,
}

/// A client invited and not yet signed up. `client.created` names this `id` as its
/// `invitation_id` once the person has made the account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientInvitation {
    pub id: String,
    pub email: String,
    pub language: String,
    /// `invited`.
    pub status: String,
    pub created_at: String,
    /// The invitation's link works until then (7 days).
    pub expires_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientInvitationOne {
    pub data: ClientInvitation,
}

/// The fields to change; those left out stay as they are.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientBody {
    pub phone: Option<String>,
    pub emergency_name: Option<String>,
    pub emergency_phone: Option<String>,
    pub preferred_channel: Option<String>,
    /// Up to 20 tags of up to 30 characters, without commas.
    pub tags: Option<Vec<String>>,
    pub follow_up: Option<bool>,
}

/// One questionnaire, summarized.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScoreSummary {
    pub id: String,
    /// `phq9` or `gad7`.
    pub questionnaire: String,
    pub total: u8,
    /// `minimal`, `mild`, `moderate`, `moderately_severe` or `severe`.
    pub band: String,
    pub submitted_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Scores {
    pub data: Vec<ScoreSummary>,
}

/// A session to book for a client.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointmentBody {
    pub counselor_id: String,
    pub client_id: String,
    /// `video`, `voice` or `chat`: one the counselor offers.
    pub kind: String,
    /// RFC 3339: one of the counselor's free times (see `free-times`).
    pub start: String,
    /// The client's reason for the visit, up to 2000 characters; sealed, never sent back.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub first_time: bool,
}

/// A live chat's metadata: never its messages, the client's nickname or device.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatMeta {
    pub id: String,
    /// `queued`, `offered`, `active` or `closed`.
    pub status: String,
    /// The topic the client chose.
    pub topic: String,
    /// `ko` or `en`.
    pub language: String,
    /// The client, when signed in; absent for a guest.
    pub client_id: Option<String>,
    pub counselor_id: Option<String>,
    pub queued_at: String,
    pub accepted_at: Option<String>,
    pub closed_at: Option<String>,
    /// How it ended (`done`, `abuse`, …), once closed.
    pub close_category: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatPage {
    pub data: Vec<ChatMeta>,
    pub next_cursor: Option<String>,
}

/// `{"start": "…"}`: the new time (RFC 3339), one of the counselor's free times.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    #[serde(default)]
    pub start: String,
}
