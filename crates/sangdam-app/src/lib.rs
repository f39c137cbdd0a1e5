//! Sangdam's service layer: what the product does, written once under every way of asking for it
//! (the pages, the realtime hubs, the jobs and the command line), with no request or socket in
//! sight. It holds the server's secrets at work ([`crypto`]: sealing, MACs, key rotation), the
//! one clock ([`clock`]), password hashing with bounded CPU and memory ([`hashing`]), the
//! audit log's way of naming who acted ([`audit`]) and the one place that decides who may see
//! what ([`access`]), and the operations themselves: a person's own account ([`account`]), a
//! session's summary for the client ([`aftercare`]),
//! booking and moving ([`booking`]), a
//! counselor's changes to an appointment ([`appointments`]), a counselor's own profile and photo
//! ([`counselors`]), their days off and extra hours ([`availability`]), a client joining a
//! waitlist ([`waitlist`]), a live chat started ([`chats`]), a counselor's chat-center settings and
//! canned responses ([`center`]),
//! the crisis event a write raises ([`crisis`]), a client's contact details ([`clients`]),
//! a counselor's own forms and their assignments ([`form_authoring`]), answers to a form ([`forms`]), invitations ([`invitations`]), secure messages ([`messages`]),
//! session notes ([`notes`]), sharing a recording ([`recordings`]), session rooms opened, joined
//! by invitation and given files ([`rooms`]), an admin changing someone's role or status
//! ([`users`]), the center's retention rules and specialties ([`settings`]) and webhook endpoints
//! ([`webhooks`]).

pub mod access;
pub mod account;
pub mod aftercare;
pub mod appointments;
pub mod audit;
pub mod availability;
pub mod booking;
pub mod center;
pub mod chats;
pub mod clients;
pub mod clock;
pub mod counselors;
pub mod crisis;
pub mod crypto;
pub mod form_authoring;
pub mod forms;
pub mod hashing;
pub mod invitations;
pub mod messages;
pub mod notes;
pub mod recordings;
pub mod rooms;
pub mod settings;
pub mod users;
pub mod waitlist;
pub mod webhooks;

pub use audit::Actor;
pub use clock::Clock;
pub use crypto::Keys;
