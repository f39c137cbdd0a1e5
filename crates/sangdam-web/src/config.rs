//! What the web layer needs to know from the settings.

use std::fmt;
use std::path::PathBuf;

use sangdam_domain::session::SessionPolicy;
use sangdam_domain::throttle::ThrottlePolicy;

/// How long a client may take to send a request's headers (and how long a kept-alive connection
/// may wait for its next request), unless the configuration says otherwise.
pub const HEADER_READ_SECONDS: u64 = 10;

/// A secret setting: its `Debug` never shows it, so settings can be logged whole.
#[derive(Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on the same machine.
    None,
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use, e.g. `https://sangdam.example.org`; links in emails start with it
    /// and form posts must come from it. Defaults to `http://<listen address>`.
    pub public_url: String,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<TlsFiles>,
    /// A TLS proxy in front terminates HTTPS: cookies are marked Secure and the client's address
    /// is taken from `X-Forwarded-For`.
    pub behind_tls_proxy: bool,
    pub session: SessionPolicy,
    pub throttle: ThrottlePolicy,
    /// Staff must enroll in two-factor sign-in before they see client data.
    pub require_staff_two_factor: bool,
    pub smtp: Option<SmtpConfig>,
    /// The sender of Sangdam's mail.
    pub mail_from: String,
    /// Name shown in authenticator apps and page titles.
    pub site_name: String,
    /// Reminders go out this many minutes before each appointment (default: a day and an hour).
    pub reminder_minutes: Vec<u32>,
    /// A waitlist offer holds its slot this long for the client it was offered to.
    pub waitlist_hold_minutes: u32,
    /// Days after a completed session without a next appointment when the client is invited to
    /// book (0: never).
    pub follow_up_days: u32,
    /// Years a signed note is kept after its client deleted their account.
    pub retention_signed_note_years: u32,
    /// Days a recording is kept; then its file and key are deleted.
    pub recording_retention_days: u32,
    /// Where recordings are written (encrypted).
    pub recordings_dir: std::path::PathBuf,
    /// An appointment's room opens this many minutes before the start.
    pub room_opens_minutes: u32,
    /// Largest file shared in a room.
    pub room_file_max_bytes: usize,
    /// TURN servers (`turn:turn.example.org:3478?transport=udp`, …) handed to browsers, with the
    /// shared secret of coturn's `static-auth-secret` (the TURN REST API scheme).
    pub turn_urls: Vec<String>,
    pub turn_secret: Option<Secret>,
    /// How long handed-out TURN credentials stay valid.
    pub turn_ttl_seconds: i64,
    /// The media server's UDP port and the address browsers are told to send media to.
    pub media: sangdam_media::MediaConfig,
    /// Crisis lines shown to a client whose answers or messages show a risk; empty: Korea's 109,
    /// 1577-0199, 1388 and 112/119, in the viewer's language.
    pub crisis_lines: Vec<String>,
    /// The live chat center.
    pub chat: ChatConfig,
    /// How long a client may take to send a request's headers, and a kept-alive connection may
    /// wait for its next request.
    pub header_read_seconds: u64,
    /// Who may read `/metrics`: these network ranges, or anyone with the bearer token.
    pub metrics_allow: Vec<AddressRange>,
    pub metrics_token: Option<Secret>,
    /// Mailed (without content) when a risk alert has no counselor or supervisor to reach.
    pub on_call_emails: Vec<sangdam_domain::Email>,
    /// Shown to a client in crisis when no counselor is online.
    pub on_call_phone: Option<String>,
    /// A counselor's calendar feed names each client in full (otherwise by initials).
    pub feed_full_names: bool,
}

/// A network address range (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    network: std::net::IpAddr,
    prefix: u8,
}

impl AddressRange {
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a.parse::<std::net::IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.trim().parse::<std::net::IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { network: addr, prefix })
    }

    /// Whether `ip` is in the range (an IPv4 address written as IPv6 counts as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
                IpAddr::V6(v6) => u128::from(v6),
            }
        };
        if ip.is_ipv4() != self.network.is_ipv4() {
            return false;
        }
        let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
        bits(ip) & mask == bits(self.network) & mask
    }
}

/// The chat center's rules.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// The notice a client sees before a chat starts, per language; empty: the built-in one (the
    /// counselor is someone's family too; abusive conversations may be ended).
    pub notice_ko: String,
    pub notice_en: String,
    /// The center's chat hours as people should read them ("평일 09:00–18:00"), shown when nobody
    /// can answer; empty: the built-in sentence.
    pub hours: String,
    /// Days a client whose chat was ended because of abuse cannot start a new one.
    pub ban_days: u32,
    /// After-work time after a counselor's last chat closes, before chats are routed again.
    pub after_work_seconds: u32,
    /// A protected recovery break after abuse (and each "more time" asked for).
    pub recovery_break_minutes: u32,
    /// An offered chat goes back to the queue when not accepted within this time.
    pub offer_seconds: u32,
    /// A client waiting this long is offered to leave a message or book instead.
    pub nobody_after_seconds: u32,
    /// Chats one network address may start in an hour (a flood would fill the queue).
    pub starts_per_hour: u32,
    /// An open chat whose client has had no page connected this long is closed as left.
    pub abandon_seconds: u32,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            notice_ko: String::new(),
            notice_en: String::new(),
            hours: String::new(),
            ban_days: 7,
            after_work_seconds: 60,
            recovery_break_minutes: 15,
            offer_seconds: 30,
            nobody_after_seconds: 600,
            starts_per_hour: 20,
            abandon_seconds: 600,
        }
    }
}

impl WebConfig {
    pub fn for_url(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into(),
            tls: None,
            behind_tls_proxy: false,
            session: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            require_staff_two_factor: true,
            smtp: None,
            mail_from: "Sangdam <no-reply@localhost>".into(),
            site_name: "Sangdam".into(),
            reminder_minutes: vec![24 * 60, 60],
            waitlist_hold_minutes: 30,
            follow_up_days: 7,
            retention_signed_note_years: 10,
            recording_retention_days: 30,
            recordings_dir: std::path::PathBuf::from("data/recordings"),
            room_opens_minutes: 10,
            room_file_max_bytes: 20 * 1024 * 1024,
            turn_urls: vec![],
            turn_secret: None,
            turn_ttl_seconds: 12 * 3600,
            // Tests and embedders get a free loopback port; the binary's settings choose a fixed one.
            media: sangdam_media::MediaConfig {
                bind: std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
                public_ip: None,
                public_port: None,
                workers: 0,
            },
            crisis_lines: vec![],
            chat: ChatConfig::default(),
            header_read_seconds: HEADER_READ_SECONDS,
            metrics_allow: ["127.0.0.0/8", "::1"].iter().filter_map(|a| AddressRange::parse(a)).collect(),
            metrics_token: None,
            on_call_emails: vec![],
            on_call_phone: None,
            feed_full_names: false,
        }
    }

    /// Whether browsers reach us over HTTPS (directly or through the proxy).
    pub fn is_https(&self) -> bool {
        self.tls.is_some() || self.behind_tls_proxy || self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL, as browsers send it in `Origin`.
    pub fn origin(&self) -> &str {
        let url = self.public_url.trim_end_matches('/');
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(i) => &url[..after_scheme + i],
            None => url,
        }
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_public_url() {
        assert_eq!(WebConfig::for_url("https://a.example/base/").origin(), "https://a.example");
        assert_eq!(WebConfig::for_url("http://127.0.0.1:8080").origin(), "http://127.0.0.1:8080");
        assert!(!format!("{:?}", Secret::new("hunter2")).contains("hunter2"));
    }

    #[test]
    fn address_ranges() {
        let lan = AddressRange::parse("10.0.0.0/8").unwrap();
        assert!(lan.contains("10.1.2.3".parse().unwrap()));
        assert!(!lan.contains("11.0.0.1".parse().unwrap()));
        assert!(lan.contains("::ffff:10.0.0.9".parse().unwrap()), "IPv4 written as IPv6");
        let one = AddressRange::parse("::1").unwrap();
        assert!(one.contains("::1".parse().unwrap()) && !one.contains("::2".parse().unwrap()));
        assert!(AddressRange::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(AddressRange::parse("10.0.0.0/33").is_none() && AddressRange::parse("nope").is_none());
    }
}
