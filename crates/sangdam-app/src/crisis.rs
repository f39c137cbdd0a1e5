//! A crisis event as a write carries it: wherever a client writes (a chat, a room's chat, a secure
//! message, a form's answer, a booking's reason) and the crisis check finds suicide or self-harm,
//! the write commits the place's event with it. The event's place is sealed under its id; the
//! place and the client are found by keyed hashes, never by their ids.

use sangdam_domain::UserId;
use sangdam_domain::crisis::Level;
use sangdam_store::CrisisWrite;

use crate::access::{Place, Source};
use crate::crypto::{Keys, random};

/// The job that mails an event's alert.
pub const CRISIS_ALERT_MAILS: &str = "crisis-alert-mails";

/// The keyed hash a place's events are found under.
pub fn place_key(keys: &Keys, source: Source, id: &str) -> String {
    keys.mac_hex("crisis.place", format!("{}:{id}", source.as_str()).as_bytes())
}

/// The keyed hash under which a client's risk alerts and crisis events are found.
pub fn risk_client_key(keys: &Keys, client: &UserId) -> String {
    keys.mac_hex("risk.client", client.as_str().as_bytes())
}

/// The event to write for a place at `level`: a new id, the place sealed under it, the keyed
/// hashes the place and the client are found by, and the alert job's id.
pub fn write_for(
    keys: &Keys,
    now: i64,
    source: Source,
    place_id: &str,
    client: Option<&UserId>,
    counselor: Option<&UserId>,
    level: Level,
) -> CrisisWrite {
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let place = Place {
        source,
        id: place_id.to_owned(),
        client: client.map(ToString::to_string),
        counselor: counselor.map(ToString::to_string),
    };
    let plain = serde_json::to_vec(&place).unwrap_or_default();
    let sealed = keys.seal_at(&sangdam_store::sealed::CRISIS_EVENT, &[&id], &plain);
    CrisisWrite {
        id,
        source: source.as_str().to_owned(),
        source_key: place_key(keys, source, place_id),
        client_key: client.map(|c| risk_client_key(keys, c)),
        level: Level::rank(Some(level)),
        sealed,
        now,
        chat: (source == Source::Chat).then(|| place_id.to_owned()),
        job_id: sangdam_domain::ids::encode_random(&random::<16>()),
        job_kind: CRISIS_ALERT_MAILS.to_owned(),
        chain_key: keys.chain_key(),
    }
}
