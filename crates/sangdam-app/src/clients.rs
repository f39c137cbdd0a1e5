//! A client's contact details as the center keeps them (phone, emergency contact, preferred way
//! of meeting, tags, follow-up), checked and saved once for the record page and the API; a save
//! commits with its audit entry and the `client.updated` webhook.

use sangdam_domain::UserId;
use sangdam_domain::limits::{MAX_TAG_CHARS, MAX_TAGS};
use sangdam_store::{ClientProfile, NewJob, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::Keys;

/// How a client prefers to meet.
pub const CHANNELS: [&str; 4] = ["video", "voice", "chat", "in_person"];
/// Longest emergency contact name, in characters.
pub const MAX_EMERGENCY_NAME_CHARS: usize = 100;

/// Contact details checked: trimmed, phone numbers normalized, and `(field, message id)` for each
/// thing wrong (none: they may be saved; some: show them again with the messages).
#[derive(Debug, Clone)]
pub struct Checked {
    pub profile: ClientProfile,
    pub errors: Vec<(&'static str, &'static str)>,
}

/// Checks contact details as given.
pub fn check_profile(given: ClientProfile) -> Checked {
    let mut errors = Vec::new();
    let tags: Vec<String> = given.tags.iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    let bad_tag =
        |t: &String| t.chars().count() > MAX_TAG_CHARS || t.chars().any(|c| c == ',' || c == '，' || c.is_control());
    if tags.len() > MAX_TAGS || tags.iter().any(bad_tag) {
        errors.push(("tags", "error-client-tags"));
    }
    let phone = sangdam_domain::phone::parse_optional;
    let (p1, p2) = (phone(given.phone.trim()), phone(given.emergency_phone.trim()));
    if p1.is_none() {
        errors.push(("phone", "error-client-phone"));
    }
    if p2.is_none() {
        errors.push(("emergency_phone", "error-client-phone"));
    }
    let emergency_name = given.emergency_name.trim().to_owned();
    if emergency_name.chars().count() > MAX_EMERGENCY_NAME_CHARS || emergency_name.chars().any(char::is_control) {
        errors.push(("emergency_name", "error-client-emergency-name"));
    }
    let channel = given.preferred_channel.trim().to_owned();
    if !CHANNELS.contains(&channel.as_str()) {
        errors.push(("preferred_channel", "error-client-channel"));
    }
    let checked = ClientProfile {
        phone: p1.unwrap_or_else(|| given.phone.trim().to_owned()),
        emergency_name,
        emergency_phone: p2.unwrap_or_else(|| given.emergency_phone.trim().to_owned()),
        preferred_channel: channel,
        tags,
        follow_up: given.follow_up,
    };
    Checked { profile: checked, errors }
}

/// Saves checked contact details of `client`; the webhook job, for the caller to run at once.
pub async fn save_profile(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    client: &UserId,
    profile: &ClientProfile,
) -> Result<Vec<NewJob>, StoreError> {
    let data = serde_json::json!({ "id": client.as_str() });
    let effects = audited(keys, actor, "client.profile.save", Some(format!("user:{client}")), "ok")
        .with_job(crate::webhooks::event_job("client.updated", data, actor.at));
    store.save_client_profile(client, profile, actor.at, &effects).await?;
    Ok(effects.jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given() -> ClientProfile {
        ClientProfile {
            phone: " 010-1234-5678 ".into(),
            emergency_name: "어머니".into(),
            emergency_phone: String::new(),
            preferred_channel: "video".into(),
            tags: vec![" 불안 ".into(), String::new(), "학생".into()],
            follow_up: true,
        }
    }

    #[test]
    fn details_are_trimmed_and_checked_whole() {
        let ok = check_profile(given());
        assert!(ok.errors.is_empty());
        assert_eq!(ok.profile.tags, ["불안", "학생"]);
        let bad = ClientProfile {
            phone: "+-()".into(),
            preferred_channel: "carrier pigeon".into(),
            tags: vec!["a,b".into()],
            emergency_name: "x".repeat(101),
            ..given()
        };
        let fields: Vec<&str> = check_profile(bad).errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["tags", "phone", "emergency_name", "preferred_channel"]);
        let many = ClientProfile { tags: (0..21).map(|i| i.to_string()).collect(), ..given() };
        assert!(!check_profile(many).errors.is_empty());
    }
}
