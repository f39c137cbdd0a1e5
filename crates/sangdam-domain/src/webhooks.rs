//! Outgoing webhooks, exactly per the Standard Webhooks specification 1.0: each message has an
//! id (`webhook-id`, the same on every attempt), the time of the attempt (`webhook-timestamp`,
//! Unix seconds) and one signature per secret in use (`webhook-signature`: `v1,` and the standard
//! base64 of HMAC-SHA256 over `id.timestamp.body`, separated by spaces). A secret is `whsec_` and
//! the standard base64 of 32 random bytes. Failed deliveries are retried on the specification's
//! schedule, with jitter.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a center can subscribe to. The payload is thin: ids and types; the receiver fetches the
/// rest with a token, which is audited.
pub const EVENTS: &[&str] = &[
    "appointment.requested",
    "appointment.booked",
    "appointment.confirmed",
    "appointment.moved",
    "appointment.cancelled",
    "appointment.completed",
    "appointment.no_show",
    "questionnaire.completed",
    "feedback.submitted",
    "client.created",
    "client.updated",
    "chat.started",
    "chat.closed",
];

/// Seconds after the first attempt fails until each retry: immediately, 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h, 24 h (ten attempts in all).
pub const SCHEDULE: [i64; 10] = [0, 5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];
/// An attempt waits this long for an answer.
pub const TIMEOUT_SECONDS: u64 = 15;
/// Endpoints one center may have.
pub const MAX_ENDPOINTS: usize = 20;
pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// A secret replaced by a new one still signs (beside it) for this long, so receivers can switch.
pub const ROTATION_OVERLAP_SECONDS: i64 = 24 * 3600;
/// How long the delivery log keeps a finished delivery.
pub const LOG_DAYS: i64 = 30;
/// The longest `Retry-After` honored: a later one waits for the next scheduled attempt instead.
pub const MAX_RETRY_AFTER_SECONDS: i64 = 24 * 3600;

/// When the next attempt goes, after attempt `attempts_made` (1 for the first) failed at `now`;
/// `None` when it was the last. `jitter` in [0, 1) spreads retries by up to ±10 %.
/// `retry_after` (seconds, from the receiver) is honored when it asks for a later time.
pub fn next_attempt(attempts_made: i64, now: i64, jitter: f64, retry_after: Option<i64>) -> Option<i64> {
    let delay = *SCHEDULE.get(usize::try_from(attempts_made).ok()?)?;
    let spread = (delay as f64 * 0.1 * (jitter.clamp(0.0, 1.0) * 2.0 - 1.0)).round() as i64;
    let scheduled = now + delay + spread;
    let asked = retry_after.filter(|s| (0..=MAX_RETRY_AFTER_SECONDS).contains(s)).map(|s| now + s);
    Some(asked.map_or(scheduled, |a| a.max(scheduled)))
}

/// A new secret from 32 random bytes.
pub fn new_secret(random: [u8; 32]) -> String {
    format!("whsec_{}", data_encoding::BASE64.encode(&random))
}

/// The key bytes of a `whsec_` secret.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    data_encoding::BASE64.decode(secret.strip_prefix("whsec_")?.as_bytes()).ok()
}

/// The `webhook-signature` header: one `v1,` signature per secret, separated by spaces.
pub fn signature(secrets: &[Vec<u8>], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        // HMAC takes keys of any length, so none is skipped.
        .filter_map(|key| Hmac::<Sha256>::new_from_slice(key).ok())
        .map(|mut mac| {
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body.as_bytes());
            format!("v1,{}", data_encoding::BASE64.encode(&mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message id: `msg_` and 26 characters of randomness.
pub fn message_id(random: [u8; 16]) -> String {
    format!("msg_{}", crate::ids::encode_random(&random))
}

/// Whether a network address is one a webhook may not reach unless an admin allows it:
/// loopback, private, link-local, shared (CGNAT), unique-local, unspecified, multicast,
/// broadcast, documentation and benchmarking ranges, and IPv4 mapped into IPv6 the same way.
pub fn is_private(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || (a == 192 && b == 0 && c == 0)
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

/// Why an endpoint's address is refused; each is a message id. A host written as a private or
/// loopback address (or `localhost`) is refused unless `allow_private`; a name is checked again,
/// as resolved, at every delivery.
pub fn check_url(url: &str, allow_private: bool) -> Result<(), &'static str> {
    let url = url.trim();
    if url.chars().count() > MAX_URL_CHARS || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("error-webhook-url");
    }
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or("error-webhook-url")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err("error-webhook-url");
    }
    // The host without its port: `[::1]:8080` is `::1`, `example.com:443` is `example.com`.
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err("error-webhook-url");
    }
    let lower = host.to_ascii_lowercase();
    let private = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => is_private(ip),
        Err(_) => lower == "localhost" || lower.ends_with(".localhost"),
    };
    if private && !allow_private {
        return Err("error-webhook-private");
    }
    Ok(())
}

/// Checks a new endpoint whole: `(field, message id)` for each thing wrong.
pub fn check_endpoint(
    url: &str,
    description: &str,
    events: &[String],
    allow_private: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut errors = Vec::new();
    if let Err(code) = check_url(url, allow_private) {
        errors.push(("url", code));
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS || description.chars().any(char::is_control) {
        errors.push(("description", "error-webhook-description"));
    }
    if events.is_empty() || events.len() > EVENTS.len() || events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        errors.push(("events", "error-webhook-events"));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_specification_s_example() {
        // The test vector of the Standard Webhooks reference libraries.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = signature(&[key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn several_secrets_sign_side_by_side() {
        let (a, b) = (secret_key(&new_secret([1; 32])).unwrap(), secret_key(&new_secret([2; 32])).unwrap());
        let both = signature(&[a.clone(), b], "msg_x", 1, "{}");
        assert_eq!(both.split(' ').count(), 2);
        assert!(both.starts_with(&signature(&[a], "msg_x", 1, "{}")));
    }

    #[test]
    fn retries_follow_the_schedule_within_ten_percent() {
        assert_eq!(next_attempt(1, 1000, 0.5, None), Some(1005));
        assert_eq!(next_attempt(2, 1000, 0.5, None), Some(1300));
        assert_eq!(next_attempt(9, 0, 0.5, None), Some(86_400));
        assert_eq!(next_attempt(10, 0, 0.5, None), None, "ten attempts in all");
        assert_eq!(next_attempt(4, 0, 0.0, None), Some(7200 - 720));
        assert_eq!(next_attempt(4, 0, 0.999_999, None), Some(7200 + 720));
        // A later Retry-After wins; an earlier one or an absurd one does not.
        assert_eq!(next_attempt(1, 0, 0.5, Some(60)), Some(60));
        assert_eq!(next_attempt(3, 0, 0.5, Some(60)), Some(1800));
        assert_eq!(next_attempt(1, 0, 0.5, Some(10 * 86_400)), Some(5));
    }

    #[test]
    fn private_addresses_are_known() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["203.0.114.1", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_http_with_a_host() {
        assert!(check_url("https://crm.example.com:8443/hooks/sangdam?x=1", false).is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https://user@host/",
            "https://a b",
            "javascript:alert(1)",
            "crm.example.com",
            "http://:80/",
        ] {
            assert_eq!(check_url(bad, true), Err("error-webhook-url"), "{bad}");
        }
        for private in [
            "http://127.0.0.1:9/h",
            "http://[::1]/h",
            "http://LOCALHOST/h",
            "http://10.0.0.5/h",
            "http://169.254.169.254/",
        ] {
            assert_eq!(check_url(private, false), Err("error-webhook-private"), "{private}");
            assert!(check_url(private, true).is_ok(), "{private}");
        }
    }

    #[test]
    fn endpoints_are_checked_whole() {
        let events = vec!["appointment.booked".to_owned()];
        assert!(check_endpoint("https://crm.example.com/h", "CRM", &events, false).is_empty());
        let bad = check_endpoint("http://127.0.0.1/", &"x".repeat(201), &["appointment.eaten".to_owned()], false);
        assert_eq!(
            bad,
            vec![
                ("url", "error-webhook-private"),
                ("description", "error-webhook-description"),
                ("events", "error-webhook-events")
            ]
        );
        assert_eq!(check_endpoint("https://a.example/", "", &[], false), vec![("events", "error-webhook-events")]);
    }
}
