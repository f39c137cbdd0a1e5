//! The rules of the public API's tokens: what a token may do (its scopes), who may hold which
//! scope, how long a token may live, and the text a token is written in.
//!
//! A token is `sgd_` followed by a [`SecretToken`] (160 random bits). Only its SHA-256 hash is
//! stored, so the token is shown once, when it is made, and whoever reads the database cannot use
//! what they read.

use crate::Role;
use crate::ids::SecretToken;

/// Every token begins with this, so that a secret scanner (and a person) can tell one at sight.
pub const TOKEN_PREFIX: &str = "sgd_";
/// A token's name: what the person who made it calls it ("CRM sync").
pub const MAX_TOKEN_NAME_CHARS: usize = 80;
/// A token lives at least a day and at most a year; the default is 90 days.
pub const MIN_TOKEN_DAYS: i64 = 1;
pub const MAX_TOKEN_DAYS: i64 = 365;
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// Open tokens one person (or the center, for service tokens) may hold at once.
pub const MAX_OPEN_TOKENS: usize = 20;
/// Requests one token may make per minute; the 121st within a minute gets 429.
pub const REQUESTS_PER_MINUTE: u32 = 120;
/// The most items one page of a list holds, and the default.
pub const MAX_PAGE: u32 = 100;
pub const DEFAULT_PAGE: u32 = 25;
/// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// How long a stored answer replays for the same key.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;
/// The largest JSON body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    AppointmentsRead,
    AppointmentsWrite,
    ClientsRead,
    ClientsWrite,
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::AppointmentsRead,
        Scope::AppointmentsWrite,
        Scope::ClientsRead,
        Scope::ClientsWrite,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::AppointmentsRead => "appointments:read",
            Scope::AppointmentsWrite => "appointments:write",
            Scope::ClientsRead => "clients:read",
            Scope::ClientsWrite => "clients:write",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a person of `role` may hold this scope on a personal token. A personal token can
    /// never do more than its holder could do in the pages: clients hold no tokens, counselors
    /// and supervisors read and change appointments and their clients' contact details, and
    /// webhooks are the admins' (who see no client data).
    pub fn personal_for(self, role: Role) -> bool {
        match role {
            Role::Client => false,
            Role::Counselor | Role::Supervisor => !matches!(self, Scope::WebhooksManage),
            Role::Admin => matches!(self, Scope::WebhooksManage),
        }
    }
}

/// A personal token acts as the person who made it; a service token, made by an admin, acts for
/// the center (a CRM, a partner's portal) and is not tied to anyone's own clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Personal,
    Service,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Personal => "personal",
            TokenKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "personal" => Some(TokenKind::Personal),
            "service" => Some(TokenKind::Service),
            _ => None,
        }
    }

    /// Whether a token of this kind held by `role` may carry `scope`.
    pub fn allows(self, role: Role, scope: Scope) -> bool {
        match self {
            TokenKind::Personal => scope.personal_for(role),
            TokenKind::Service => role == Role::Admin,
        }
    }
}

/// A set of scopes, stored as their names separated by spaces, in a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub fn new(mut list: Vec<Scope>) -> Self {
        list.sort();
        list.dedup();
        Self(list)
    }

    /// Reads a stored or submitted list; `None` if any name is unknown.
    pub fn parse(s: &str) -> Option<Self> {
        s.split_whitespace().map(Scope::parse).collect::<Option<Vec<_>>>().map(Self::new)
    }

    pub fn contains(&self, s: Scope) -> bool {
        self.0.contains(&s)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The scopes still allowed for a token of `kind` whose holder now has `role` (a role changed
    /// since the token was made takes the scopes the new role may not hold away at once).
    pub fn allowed(&self, kind: TokenKind, role: Role) -> Scopes {
        Scopes(self.0.iter().copied().filter(|s| kind.allows(role, *s)).collect())
    }

    pub fn to_text(&self) -> String {
        self.0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// Why a token cannot be made as asked; each is a message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefused {
    NameMissing,
    NameTooLong,
    NoScope,
    ScopeNotAllowed,
    DaysOutOfRange,
}

impl TokenRefused {
    pub fn message_id(self) -> &'static str {
        match self {
            TokenRefused::NameMissing => "error-token-name-missing",
            TokenRefused::NameTooLong => "error-token-name-too-long",
            TokenRefused::NoScope => "error-token-no-scope",
            TokenRefused::ScopeNotAllowed => "error-token-scope-not-allowed",
            TokenRefused::DaysOutOfRange => "error-token-days-range",
        }
    }
}

/// A token as asked for in a form, checked: its name trimmed, its scopes allowed for the maker,
/// its lifetime in range.
pub fn check_request(
    kind: TokenKind,
    role: Role,
    name: &str,
    scopes: &[&str],
    days: &str,
) -> Result<(String, Scopes, i64), Vec<TokenRefused>> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        errors.push(TokenRefused::NameMissing);
    } else if name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
        errors.push(TokenRefused::NameTooLong);
    }
    let parsed: Option<Vec<Scope>> = scopes.iter().map(|s| Scope::parse(s)).collect();
    let scopes = match parsed {
        None => {
            errors.push(TokenRefused::ScopeNotAllowed);
            Scopes::default()
        }
        Some(list) if list.is_empty() => {
            errors.push(TokenRefused::NoScope);
            Scopes::default()
        }
        Some(list) => {
            if list.iter().any(|s| !kind.allows(role, *s)) {
                errors.push(TokenRefused::ScopeNotAllowed);
            }
            Scopes::new(list)
        }
    };
    let days = match days.trim().parse::<i64>() {
        Ok(d) if (MIN_TOKEN_DAYS..=MAX_TOKEN_DAYS).contains(&d) => d,
        _ => {
            errors.push(TokenRefused::DaysOutOfRange);
            0
        }
    };
    if errors.is_empty() { Ok((name.to_owned(), scopes, days)) } else { Err(errors) }
}

/// A new token: the text to show once and its secret part (whose hash is stored).
pub fn new_token(random: [u8; 20]) -> (String, SecretToken) {
    let secret = SecretToken::from_random(random);
    (format!("{TOKEN_PREFIX}{}", secret.expose()), secret)
}

/// Reads a presented token (`Authorization: Bearer sgd_…`); `None` for anything else.
pub fn parse_token(text: &str) -> Option<SecretToken> {
    SecretToken::parse(text.strip_prefix(TOKEN_PREFIX)?)
}

/// Whether `key` may be an `Idempotency-Key`.
pub fn valid_idempotency_key(key: &str) -> bool {
    (1..=MAX_IDEMPOTENCY_KEY).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_in_a_fixed_order() {
        let s = Scopes::parse("clients:read appointments:read clients:read").unwrap();
        assert_eq!(s.to_text(), "appointments:read clients:read");
        assert_eq!(Scopes::parse("appointments:read root"), None);
        for x in Scope::ALL {
            assert_eq!(Scope::parse(x.as_str()), Some(x));
        }
    }

    #[test]
    fn a_personal_token_never_does_more_than_its_holder() {
        assert!(Scope::ALL.iter().all(|s| !s.personal_for(Role::Client)));
        assert!(!Scope::WebhooksManage.personal_for(Role::Counselor));
        assert!(!Scope::ClientsRead.personal_for(Role::Admin));
        assert!(TokenKind::Service.allows(Role::Admin, Scope::ClientsWrite));
        assert!(!TokenKind::Service.allows(Role::Supervisor, Scope::AppointmentsRead));
        let s = Scopes::parse("appointments:read webhooks:manage").unwrap();
        assert_eq!(s.allowed(TokenKind::Personal, Role::Counselor).to_text(), "appointments:read");
        assert!(s.allowed(TokenKind::Personal, Role::Client).is_empty());
    }

    #[test]
    fn requests_are_checked_whole() {
        let ok = check_request(TokenKind::Personal, Role::Counselor, " CRM ", &["appointments:read"], "30");
        assert_eq!(ok.unwrap().0, "CRM");
        let bad = check_request(TokenKind::Personal, Role::Counselor, "", &["webhooks:manage"], "366").unwrap_err();
        assert_eq!(bad, vec![TokenRefused::NameMissing, TokenRefused::ScopeNotAllowed, TokenRefused::DaysOutOfRange]);
        let none = check_request(TokenKind::Service, Role::Admin, &"x".repeat(81), &[], "0").unwrap_err();
        assert_eq!(none, vec![TokenRefused::NameTooLong, TokenRefused::NoScope, TokenRefused::DaysOutOfRange]);
        assert!(check_request(TokenKind::Personal, Role::Counselor, "a\u{7}", &["appointments:read"], "1").is_err());
    }

    #[test]
    fn tokens_parse_only_with_their_prefix() {
        let (text, secret) = new_token([3; 20]);
        assert!(text.starts_with("sgd_"));
        assert_eq!(parse_token(&text), Some(secret.clone()));
        assert_eq!(parse_token(secret.expose()), None);
        assert_eq!(parse_token("sgd_short"), None);
    }

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        assert!(valid_idempotency_key("order-42"));
        assert!(!valid_idempotency_key(""));
        assert!(!valid_idempotency_key("a b"));
        assert!(!valid_idempotency_key(&"k".repeat(256)));
        assert!(!valid_idempotency_key("키"));
    }
}
