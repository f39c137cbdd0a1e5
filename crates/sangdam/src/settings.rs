//! Settings: defaults, then `sangdam.toml`, then `SANGDAM_*` environment variables, then command
//! line flags. Secrets never appear in `Debug` output, so the settings can be logged.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use sangdam_web::{Secret, SmtpConfig, SmtpSecurity, TlsFiles, WebConfig};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// `sqlite://path` (default `sqlite://data/sangdam.db`) or `postgres://...`.
    pub database_url: Option<Secret>,
    /// Folder for the SQLite database and the generated secret key.
    pub data_dir: PathBuf,
    /// The address people use, e.g. `https://sangdam.example.org`.
    pub public_url: Option<String>,
    pub tls_certificate: Option<PathBuf>,
    pub tls_private_key: Option<PathBuf>,
    pub behind_tls_proxy: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub require_staff_two_factor: bool,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// `none`, `starttls` or `tls`.
    pub smtp_security: String,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    pub mail_from: String,
    /// 64 hex characters. Without it, a key is generated once into `<data_dir>/secret.key`.
    /// Instances sharing one PostgreSQL database must share this key.
    pub secret_key: Option<Secret>,
    /// `text` or `json`.
    pub log_format: String,
    /// A tracing filter such as `info` or `info,sangdam_web=debug`.
    pub log_level: String,
    /// Minutes before each appointment at which reminders go out (the file takes a list; the
    /// environment a comma-separated text such as `1440,60`).
    pub reminder_minutes: ReminderMinutes,
    /// How long a waitlist offer holds its slot.
    pub waitlist_hold_minutes: u32,
    /// Days after a session without a next appointment when the client is invited to book
    /// (0: never).
    pub follow_up_days: u32,
    /// Years a signed session note is kept after a client deletes their account.
    pub retention_signed_note_years: u32,
    /// Days a session recording is kept before its file and key are deleted.
    pub recording_retention_days: u32,
    /// An appointment's room opens this many minutes before the start.
    pub room_opens_minutes: u32,
    /// Largest file shared in a session room, in megabytes.
    pub room_file_max_mb: u32,
    /// TURN servers for browsers behind strict NATs (a list, or comma-separated in the
    /// environment), and coturn's `static-auth-secret`.
    pub turn_urls: StringList,
    pub turn_secret: Option<Secret>,
    /// How long handed-out TURN credentials stay valid.
    pub turn_ttl_minutes: u32,
    /// The one UDP port all audio and video goes through.
    pub media_bind: SocketAddr,
    /// The IP browsers send media to, for a server behind NAT (its public IP). Unset: the IP of
    /// the interface that routes outward.
    pub media_public_ip: Option<IpAddr>,
    /// The port browsers send media to, when a NAT or port forward maps another port onto
    /// `media_bind`'s. Unset: the bound port.
    pub media_public_port: Option<u16>,
    /// Worker tasks the media server spreads its rooms over; 0: one per core.
    pub media_workers: usize,
    /// Crisis lines shown to a client whose questionnaire or message shows a risk (a list, or
    /// comma-separated in the environment). Unset: Korea's 109, 1577-0199, 1388 and 112/119, in
    /// the client's language.
    pub crisis_lines: StringList,
    /// The notice a client reads before a chat starts, in Korean and English. Unset: the built-in
    /// one (the counselor is someone's family too; abusive chats may be ended).
    pub chat_notice_ko: String,
    pub chat_notice_en: String,
    /// The center's chat hours as clients should read them, shown when nobody can answer.
    pub chat_hours: String,
    /// Days a client whose chat was ended because of abuse cannot start a new one.
    pub chat_ban_days: u32,
    /// After-work time after a counselor's last chat, before new chats are routed to them.
    pub chat_after_work_seconds: u32,
    /// The protected recovery break after abuse (and each extension asked for).
    pub chat_recovery_break_minutes: u32,
    /// An offered chat goes back to the queue when not accepted within this time.
    pub chat_offer_seconds: u32,
    /// A client waiting this long is offered to leave a message or book instead.
    pub chat_nobody_after_seconds: u32,
    /// An open chat whose client has had no page connected this long is closed as left.
    pub chat_abandon_seconds: u32,
    /// Who may read `/metrics`: network addresses or ranges (`10.0.0.0/8`, `::1`; a list, or
    /// comma-separated in the environment), and/or a bearer token. Default: loopback only.
    pub metrics_allow: StringList,
    pub metrics_token: Option<Secret>,
    /// Addresses that are mailed (without content) when a client's risk alert has nobody else to
    /// reach: no counselor in their care and no supervisor (admins are mailed too).
    pub on_call_emails: StringList,
    /// A phone number of the person on call, shown to a client whose message speaks of suicide
    /// or self-harm when no counselor is online. Unset: only the crisis lines are shown.
    pub on_call_phone: String,
    /// How a counselor's calendar feed names each session's client: `initials` (김○○, S. K.;
    /// the default, since a feed ends up in a calendar service) or `full`.
    pub feed_names: String,
}

/// A list of strings, from a TOML list or a comma-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<String>),
            Text(String),
        }
        Ok(StringList(match Raw::deserialize(d)? {
            Raw::List(l) => l,
            Raw::Text(t) => t.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
        }))
    }
}

/// Reminder offsets, from a TOML list or a comma-separated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderMinutes(pub Vec<u32>);

impl<'de> Deserialize<'de> for ReminderMinutes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<u32>),
            Text(String),
            One(u32),
        }
        Ok(ReminderMinutes(match Raw::deserialize(d)? {
            Raw::List(l) => l,
            Raw::One(n) => vec![n],
            Raw::Text(t) => t
                .split(',')
                .map(|p| p.trim().parse::<u32>())
                .collect::<Result<_, _>>()
                .map_err(|_| serde::de::Error::custom("reminder_minutes must be numbers such as 1440,60"))?,
        }))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("data"),
            public_url: None,
            tls_certificate: None,
            tls_private_key: None,
            behind_tls_proxy: false,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            require_staff_two_factor: true,
            smtp_host: None,
            smtp_port: None,
            smtp_security: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            mail_from: "Sangdam <no-reply@localhost>".into(),
            secret_key: None,
            log_format: "text".into(),
            log_level: "info,sqlx=warn".into(),
            reminder_minutes: ReminderMinutes(vec![24 * 60, 60]),
            waitlist_hold_minutes: 30,
            follow_up_days: 7,
            retention_signed_note_years: 10,
            recording_retention_days: 30,
            room_opens_minutes: 10,
            room_file_max_mb: 20,
            turn_urls: StringList::default(),
            turn_secret: None,
            turn_ttl_minutes: 12 * 60,
            media_bind: SocketAddr::from(([0, 0, 0, 0], 50000)),
            media_public_ip: None,
            media_public_port: None,
            media_workers: 0,
            crisis_lines: StringList::default(),
            chat_notice_ko: String::new(),
            chat_notice_en: String::new(),
            chat_hours: String::new(),
            chat_ban_days: 7,
            chat_after_work_seconds: 60,
            chat_recovery_break_minutes: 15,
            chat_offer_seconds: 30,
            chat_nobody_after_seconds: 600,
            chat_abandon_seconds: 600,
            metrics_allow: StringList(vec!["127.0.0.0/8".into(), "::1".into()]),
            metrics_token: None,
            on_call_emails: StringList::default(),
            on_call_phone: String::new(),
            feed_names: "initials".into(),
        }
    }
}

/// The environment variables read, with the setting each one fills. Values are TOML scalars
/// (numbers and `true`/`false` as such), or plain strings.
const ENV_KEYS: &[&str] = &[
    "listen",
    "database_url",
    "data_dir",
    "public_url",
    "tls_certificate",
    "tls_private_key",
    "behind_tls_proxy",
    "session_idle_minutes",
    "session_absolute_hours",
    "require_staff_two_factor",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "smtp_password",
    "mail_from",
    "secret_key",
    "log_format",
    "log_level",
    "reminder_minutes",
    "waitlist_hold_minutes",
    "follow_up_days",
    "retention_signed_note_years",
    "recording_retention_days",
    "room_opens_minutes",
    "room_file_max_mb",
    "turn_urls",
    "turn_secret",
    "turn_ttl_minutes",
    "media_bind",
    "media_public_ip",
    "media_public_port",
    "media_workers",
    "crisis_lines",
    "chat_notice_ko",
    "chat_notice_en",
    "chat_hours",
    "chat_ban_days",
    "chat_after_work_seconds",
    "chat_recovery_break_minutes",
    "chat_offer_seconds",
    "chat_nobody_after_seconds",
    "chat_abandon_seconds",
    "metrics_allow",
    "metrics_token",
    "on_call_emails",
    "on_call_phone",
    "feed_names",
];

const STRING_KEYS: &[&str] = &[
    "database_url",
    "smtp_password",
    "smtp_username",
    "secret_key",
    "mail_from",
    "public_url",
    "smtp_host",
    "turn_urls",
    "turn_secret",
    "crisis_lines",
    "chat_notice_ko",
    "chat_notice_en",
    "chat_hours",
    "metrics_allow",
    "metrics_token",
    "on_call_emails",
    "on_call_phone",
    "feed_names",
];

impl Settings {
    /// Loads the settings file (when it exists) and the environment.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut table = toml::Table::new();
        let default_file = Path::new("sangdam.toml");
        let path = file.or_else(|| default_file.exists().then_some(default_file));
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            table = text.parse::<toml::Table>().with_context(|| format!("{} is not valid TOML", path.display()))?;
        }
        for key in ENV_KEYS {
            let var = format!("SANGDAM_{}", key.to_ascii_uppercase());
            if let Some(value) = env(&var) {
                let parsed = if STRING_KEYS.contains(key) {
                    toml::Value::String(value)
                } else if let Ok(b) = value.parse::<bool>() {
                    toml::Value::Boolean(b)
                } else if let Ok(i) = value.parse::<i64>() {
                    toml::Value::Integer(i)
                } else {
                    toml::Value::String(value)
                };
                table.insert((*key).to_owned(), parsed);
            }
        }
        let settings: Settings = Settings::deserialize(toml::Value::Table(table)).context("invalid settings")?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        if !(1..=24 * 60).contains(&self.session_idle_minutes) {
            bail!("session_idle_minutes must be between 1 and 1440");
        }
        if !(1..=24 * 30).contains(&self.session_absolute_hours) {
            bail!("session_absolute_hours must be between 1 and 720");
        }
        if self.tls_certificate.is_some() != self.tls_private_key.is_some() {
            bail!("tls_certificate and tls_private_key go together");
        }
        if !["none", "starttls", "tls"].contains(&self.smtp_security.as_str()) {
            bail!("smtp_security must be none, starttls or tls");
        }
        if self.reminder_minutes.0.len() > 5 || self.reminder_minutes.0.iter().any(|m| !(1..=14 * 24 * 60).contains(m))
        {
            bail!("reminder_minutes takes at most 5 values, each between 1 and 20160");
        }
        if !(5..=24 * 60).contains(&self.waitlist_hold_minutes) {
            bail!("waitlist_hold_minutes must be between 5 and 1440");
        }
        if self.follow_up_days > 90 {
            bail!("follow_up_days must be between 0 (off) and 90");
        }
        if !(1..=3650).contains(&self.recording_retention_days) {
            bail!("recording_retention_days must be between 1 and 3650");
        }
        if !(1..=50).contains(&self.retention_signed_note_years) {
            bail!("retention_signed_note_years must be between 1 and 50");
        }
        if self.media_workers > sangdam_web::MAX_MEDIA_WORKERS {
            bail!("media_workers must be between 0 (one per core) and {}", sangdam_web::MAX_MEDIA_WORKERS);
        }
        if !(1..=200).contains(&self.room_file_max_mb) {
            bail!("room_file_max_mb must be between 1 and 200");
        }
        if !(1..=7 * 24 * 60).contains(&self.turn_ttl_minutes) {
            bail!("turn_ttl_minutes must be between 1 and 10080");
        }
        if let Some(bad) = self.metrics_allow.0.iter().find(|a| sangdam_web::config::AddressRange::parse(a).is_none()) {
            bail!("metrics_allow: {bad} is not an address or a range such as 10.0.0.0/8");
        }
        if let Some(bad) = self.on_call_emails.0.iter().find(|a| sangdam_domain::Email::parse(a).is_err()) {
            bail!("on_call_emails: {bad} is not an email address");
        }
        let phone = self.on_call_phone.trim();
        if sangdam_domain::phone::parse_optional(phone).is_none() {
            bail!(
                "on_call_phone must be a phone number: up to 30 digits, spaces, +, - and parentheses, with at least 3 digits"
            );
        }
        if !["initials", "full"].contains(&self.feed_names.as_str()) {
            bail!("feed_names must be initials or full");
        }
        if !self.turn_urls.0.is_empty() && self.turn_secret.is_none() {
            bail!("turn_urls needs turn_secret (coturn's static-auth-secret)");
        }
        if let Some(bad) = self
            .turn_urls
            .0
            .iter()
            .find(|u| !(u.starts_with("turn:") || u.starts_with("turns:") || u.starts_with("stun:")))
        {
            bail!("turn_urls must start with turn:, turns: or stun: ({bad})");
        }
        if !(1..=24 * 60).contains(&self.room_opens_minutes) {
            bail!("room_opens_minutes must be between 1 and 1440");
        }
        if !(1..=365).contains(&self.chat_ban_days) {
            bail!("chat_ban_days must be between 1 and 365");
        }
        if self.chat_after_work_seconds > 3600 {
            bail!("chat_after_work_seconds must be between 0 and 3600");
        }
        if !(1..=240).contains(&self.chat_recovery_break_minutes) {
            bail!("chat_recovery_break_minutes must be between 1 and 240");
        }
        if !(5..=600).contains(&self.chat_offer_seconds) {
            bail!("chat_offer_seconds must be between 5 and 600");
        }
        if !(30..=24 * 3600).contains(&self.chat_nobody_after_seconds) {
            bail!("chat_nobody_after_seconds must be between 30 and 86400");
        }
        if !(60..=24 * 3600).contains(&self.chat_abandon_seconds) {
            bail!("chat_abandon_seconds must be between 60 and 86400");
        }
        if [&self.chat_notice_ko, &self.chat_notice_en, &self.chat_hours].iter().any(|t| t.chars().count() > 2000) {
            bail!("chat_notice_ko, chat_notice_en and chat_hours take at most 2000 characters");
        }
        if !["text", "json"].contains(&self.log_format.as_str()) {
            bail!("log_format must be text or json");
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!("sqlite://{}", self.data_dir.join("sangdam.db").display()),
        }
    }

    /// The web layer's configuration; `listen` is the address actually bound.
    pub fn web_config(&self, listen: SocketAddr) -> WebConfig {
        let scheme = if self.tls_certificate.is_some() { "https" } else { "http" };
        let mut c = WebConfig::for_url(self.public_url.clone().unwrap_or_else(|| format!("{scheme}://{listen}")));
        c.tls = match (&self.tls_certificate, &self.tls_private_key) {
            (Some(certificate), Some(private_key)) => {
                Some(TlsFiles { certificate: certificate.clone(), private_key: private_key.clone() })
            }
            _ => None,
        };
        c.behind_tls_proxy = self.behind_tls_proxy;
        c.session.idle_seconds = self.session_idle_minutes * 60;
        c.session.absolute_seconds = self.session_absolute_hours * 3600;
        c.require_staff_two_factor = self.require_staff_two_factor;
        c.mail_from = self.mail_from.clone();
        c.reminder_minutes = self.reminder_minutes.0.clone();
        c.waitlist_hold_minutes = self.waitlist_hold_minutes;
        c.follow_up_days = self.follow_up_days;
        c.retention_signed_note_years = self.retention_signed_note_years;
        c.recording_retention_days = self.recording_retention_days;
        c.recordings_dir = self.data_dir.join("recordings");
        c.room_opens_minutes = self.room_opens_minutes;
        c.room_file_max_bytes = self.room_file_max_mb as usize * 1024 * 1024;
        c.turn_urls = self.turn_urls.0.clone();
        c.turn_secret = self.turn_secret.clone();
        c.turn_ttl_seconds = i64::from(self.turn_ttl_minutes) * 60;
        c.media = sangdam_web::MediaConfig {
            bind: self.media_bind,
            public_ip: self.media_public_ip,
            public_port: self.media_public_port,
            workers: self.media_workers,
        };
        c.crisis_lines = self.crisis_lines.0.clone();
        c.metrics_allow =
            self.metrics_allow.0.iter().filter_map(|a| sangdam_web::config::AddressRange::parse(a)).collect();
        c.metrics_token = self.metrics_token.clone();
        c.on_call_emails = self.on_call_emails.0.iter().filter_map(|a| sangdam_domain::Email::parse(a).ok()).collect();
        c.on_call_phone = Some(self.on_call_phone.trim().to_owned()).filter(|p| !p.is_empty());
        c.feed_full_names = self.feed_names == "full";
        c.chat = sangdam_web::ChatConfig {
            notice_ko: self.chat_notice_ko.clone(),
            notice_en: self.chat_notice_en.clone(),
            hours: self.chat_hours.clone(),
            ban_days: self.chat_ban_days,
            after_work_seconds: self.chat_after_work_seconds,
            recovery_break_minutes: self.chat_recovery_break_minutes,
            offer_seconds: self.chat_offer_seconds,
            nobody_after_seconds: self.chat_nobody_after_seconds,
            abandon_seconds: self.chat_abandon_seconds,
            ..sangdam_web::ChatConfig::default()
        };
        c.smtp = self.smtp_host.as_ref().map(|host| {
            let security = match self.smtp_security.as_str() {
                "none" => SmtpSecurity::None,
                "tls" => SmtpSecurity::Tls,
                _ => SmtpSecurity::StartTls,
            };
            let default_port = match security {
                SmtpSecurity::None => 25,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::Tls => 465,
            };
            SmtpConfig {
                host: host.clone(),
                port: self.smtp_port.unwrap_or(default_port),
                security,
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
            }
        });
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sangdam.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nsmtp_host = \"mail.example.com\"\nsmtp_password = \"hunter2hunter2\"\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "SANGDAM_SESSION_IDLE_MINUTES" => Some("45".to_owned()),
            "SANGDAM_SMTP_PASSWORD" => Some("12345".to_owned()),
            _ => None,
        };
        let s = Settings::load(Some(&file), env).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.session_idle_minutes, 45);
        assert_eq!(s.smtp_password.as_ref().unwrap().expose(), "12345");
        let debug = format!("{s:?}");
        assert!(!debug.contains("12345") && !debug.contains("hunter2"), "{debug}");
        let web = s.web_config(s.listen);
        assert_eq!(web.smtp.unwrap().port, 587);
        assert_eq!(web.session.idle_seconds, 45 * 60);
    }

    #[test]
    fn bad_settings_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sangdam.toml");
        std::fs::write(&file, "lisen = \"x\"").unwrap();
        let err = Settings::load(Some(&file), |_| None).unwrap_err();
        assert!(format!("{err:#}").contains("lisen"), "{err:#}");
        let err = Settings::load(None, |k| (k == "SANGDAM_SESSION_IDLE_MINUTES").then(|| "0".into())).unwrap_err();
        assert!(format!("{err:#}").contains("session_idle_minutes"));
    }
}
