//! `TestApp`: the real server on port 0 over a fresh database, and what tests do with it.

use sangdam_domain::totp::TotpSecret;
use sangdam_domain::{DisplayName, Email, Language, NewPassword, Role, Timezone, UserId};
use sangdam_store::testing::{TEST_DATABASE_URL, TestDatabase};
use sangdam_store::{NewUser, Store};
use sangdam_web::{AppState, Clock, Keys, WebConfig};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "quiet river under paper lanterns";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub clock: Clock,
    config: WebConfig,
    /// The keyring the server runs with (clones share it), and its master key.
    pub keys: Keys,
    pub master: [u8; 32],
    db: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// The running server's state, for looking inside (the media server's counts, say).
    pub state: Option<AppState>,
}

/// Runs a test body on SQLite and, when `SANGDAM_TEST_DATABASE_URL` is set, on PostgreSQL.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Db::Sqlite, |_| {}).await;
                ($body)(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if std::env::var($crate::helpers::PG_VAR).is_err() {
                    eprintln!("skipped: {} is not set", $crate::helpers::PG_VAR);
                    return;
                }
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Db::Postgres, |_| {}).await;
                ($body)(&app).await;
                app.finish().await;
            }
        }
    };
}

/// Runs a test body whose outcome may depend on the day of the week or the hour (free times, the
/// week calendar) on both backends with the server's clock frozen at each of [`WEEK_POINTS`]: a
/// Monday morning, a Friday evening, a Saturday noon and a Sunday just before midnight, Seoul time.
#[macro_export]
macro_rules! db_test_each_weekday {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run(db: $crate::helpers::Db) {
                if matches!(db, $crate::helpers::Db::Postgres) && std::env::var($crate::helpers::PG_VAR).is_err() {
                    eprintln!("skipped: {} is not set", $crate::helpers::PG_VAR);
                    return;
                }
                for (label, at) in $crate::helpers::WEEK_POINTS {
                    eprintln!("at {label}");
                    let app = $crate::helpers::TestApp::spawn(db, |_| {}).await;
                    app.clock.freeze_at(*at);
                    ($body)(&app).await;
                    app.finish().await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::helpers::Db::Postgres).await;
            }
        }
    };
}

/// Moments of one future week (Seoul time), for [`db_test_each_weekday`].
pub const WEEK_POINTS: &[(&str, i64)] = &[
    // 2027-03-01 (Monday) 09:30 +09:00
    ("monday 09:30", 1_803_861_000),
    // 2027-03-05 (Friday) 18:30 +09:00
    ("friday 18:30", 1_804_239_000),
    // 2027-03-06 (Saturday) 12:00 +09:00
    ("saturday 12:00", 1_804_302_000),
    // 2027-03-07 (Sunday) 23:50 +09:00
    ("sunday 23:50", 1_804_431_000),
];

pub const PG_VAR: &str = TEST_DATABASE_URL;

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl TestApp {
    /// Runs SQL straight against the database, as someone with access to it would.
    pub async fn raw_sql(&self, sql: &str) -> Result<(), sqlx::Error> {
        match &self.store {
            sangdam_store::Store::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            sangdam_store::Store::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        }
    }

    /// Makes every new audit entry fail (a full disk, a broken log), or lifts that again.
    pub async fn break_audit_log(&self, broken: bool) {
        let sql = match (&self.store, broken) {
            (sangdam_store::Store::Sqlite(_), true) => {
                "CREATE TRIGGER test_audit_broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log broken'); END;"
            }
            (sangdam_store::Store::Sqlite(_), false) => "DROP TRIGGER test_audit_broken;",
            (sangdam_store::Store::Postgres(_), true) => {
                "CREATE FUNCTION test_audit_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit log broken'; END $$; \
                 CREATE TRIGGER test_audit_broken BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_audit_broken();"
            }
            (sangdam_store::Store::Postgres(_), false) => {
                "DROP TRIGGER test_audit_broken ON audit_log; DROP FUNCTION test_audit_broken();"
            }
        };
        self.raw_sql(sql).await.unwrap();
    }

    /// Starts the server; `configure` may change the web configuration first.
    pub async fn spawn(db: Db, configure: impl FnOnce(&mut WebConfig)) -> Self {
        let db = match db {
            Db::Sqlite => TestDatabase::sqlite().unwrap(),
            Db::Postgres => TestDatabase::postgres(&std::env::var(PG_VAR).unwrap()).await.unwrap(),
        };
        let store = db.open().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let mut config = WebConfig::for_url(&address);
        let tag = sangdam_domain::ids::encode_random(&sangdam_web::crypto::random::<8>());
        config.recordings_dir = std::env::temp_dir().join(format!("sangdam-recordings-{tag}"));
        configure(&mut config);
        let clock = Clock::default();
        let master = sangdam_web::crypto::random();
        let keys = Keys::new(master);
        let mut app =
            TestApp { address, store, clock, config, keys, master, db, shutdown: None, server: None, state: None };
        app.start(listener);
        app
    }

    fn start(&mut self, listener: tokio::net::TcpListener) {
        let state =
            AppState::new(self.store.clone(), self.config.clone(), self.keys.clone(), self.clock.clone()).unwrap();
        self.state = Some(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            sangdam_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        self.shutdown = Some(tx);
        self.server = Some(server);
    }

    /// Stops the server (its background workers too) and starts a new one on the same address
    /// and database, as a restart of the process would.
    pub async fn restart(&mut self) {
        self.stop().await;
        let addr = self.address.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
        self.start(listener);
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.state = None;
    }

    /// Stops the server and removes the database.
    pub async fn finish(mut self) {
        self.stop().await;
        let _ = std::fs::remove_dir_all(&self.config.recordings_dir);
        self.store.close().await;
        self.db.drop_database().await.unwrap();
    }

    /// Where this server writes recordings.
    pub fn recordings_dir(&self) -> &std::path::Path {
        &self.config.recordings_dir
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        match client.get(self.url(path)).send().await {
            Ok(r) => r,
            // A kept-alive connection the server closed meanwhile (after refusing an oversize
            // upload without reading it, say): browsers send an idempotent request again.
            Err(e) if e.is_request() => client.get(self.url(path)).send().await.unwrap(),
            Err(e) => panic!("{e}"),
        }
    }

    pub async fn get_html(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = self.get(client, path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The CSRF token the given browser's pages carry now.
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let (_, html) = self.get_html(client, "/privacy").await;
        between(&html, "name=\"csrf\" value=\"", "\"").expect("page has a CSRF field")
    }

    /// Posts a form as a browser would: with the page's CSRF token.
    pub async fn post(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf(client).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        client.post(self.url(path)).form(&all).send().await.unwrap()
    }

    pub async fn signup(&self, client: &reqwest::Client, email: &str, name: &str, lang: &str) -> reqwest::Response {
        self.post(
            client,
            "/signup",
            &[
                ("email", email),
                ("display_name", name),
                ("language", lang),
                ("timezone", "Asia/Seoul"),
                ("consent", "yes"),
            ],
        )
        .await
    }

    /// Signs up through the form and finishes it from the mailed link, as a person does; returns
    /// the answer to the confirmation (a redirect to the dashboard, signed in).
    pub async fn signup_confirmed(
        &self,
        client: &reqwest::Client,
        email: &str,
        name: &str,
        lang: &str,
    ) -> reqwest::Response {
        let r = self.signup(client, email, name, lang).await;
        assert_eq!(r.status(), 200, "the sign-up form says: check your mail");
        let mail = self
            .mails_to(&email.to_lowercase())
            .await
            .into_iter()
            .find(|m| m.body.contains("/signup/confirm/"))
            .expect("a sign-up mail");
        let link = link_in(&mail.body, self);
        assert!(link.starts_with("/signup/confirm/"), "{}", mail.body);
        assert_eq!(self.get(client, &link).await.status(), 200);
        self.post(client, &link, &[("display_name", name), ("password", PASSWORD), ("consent", "yes")]).await
    }

    pub async fn signin(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        self.post(client, "/signin", &[("email", email), ("password", password)]).await
    }

    /// Creates a user directly in the store (as `sangdam user add` does).
    pub async fn create_user(&self, role: Role, email: &str) -> UserId {
        let id = UserId::from_random(sangdam_web::crypto::random());
        let password = NewPassword::parse(PASSWORD, &[]).unwrap();
        self.store
            .insert_user(&NewUser {
                id: id.clone(),
                email: Email::parse(email).unwrap(),
                display_name: DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
                role,
                language: Language::Ko,
                timezone: Timezone::seoul(),
                password_hash: sangdam_web::auth::hash_password(&password).await.unwrap(),
                now: self.clock.now(),
                consent: None,
            })
            .await
            .unwrap();
        id
    }

    /// A new browser, signed in as a new user of `role`.
    pub async fn signed_in(&self, role: Role, email: &str) -> (reqwest::Client, UserId) {
        let id = self.create_user(role, email).await;
        let client = new_client();
        let r = self.signin(&client, email, PASSWORD).await;
        assert_eq!(r.status(), 303, "sign-in of {email}");
        (client, id)
    }

    /// Enrolls the signed-in browser's user in two-factor; returns the secret.
    pub async fn enroll_two_factor(&self, client: &reqwest::Client) -> (TotpSecret, Vec<String>) {
        assert_eq!(self.post(client, "/account/two-factor/start", &[]).await.status(), 303);
        let (_, html) = self.get_html(client, "/account/two-factor").await;
        assert!(html.contains("<svg"), "the enrollment page shows a QR code");
        let key = between(&html, "id=\"totp-key\">", "<").unwrap().replace(' ', "");
        let secret = TotpSecret::from_slice(&data_encoding::BASE32_NOPAD.decode(key.as_bytes()).unwrap()).unwrap();
        let code = secret.code_at(self.clock.now());
        let r = self.post(client, "/account/two-factor/confirm", &[("code", &code)]).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        let codes: Vec<String> =
            html.split("<li><code>").skip(1).filter_map(|p| p.split('<').next().map(str::to_owned)).collect();
        assert_eq!(codes.len(), 10, "ten recovery codes are shown once");
        assert!(!html.contains(r#"class="banner""#), "the page that says two-factor is on no longer asks for it");
        (secret, codes)
    }

    /// Mails in the outbox for one recipient, oldest first, as the recipient gets them: a body
    /// stored sealed (it carries a secret link) is opened, as the sender opens it.
    pub async fn mails_to(&self, email: &str) -> Vec<sangdam_store::MailRecord> {
        let (mut mails, _) = self.store.list_mail(1000, 0).await.unwrap();
        mails.retain(|m| m.recipient == email);
        mails.reverse();
        for m in &mut mails {
            if let Some(sealed) = &m.sealed_body {
                let opened = self.keys.open_at(&sangdam_store::sealed::MAIL_BODY, &[&m.id], sealed).unwrap();
                m.body = String::from_utf8(opened).unwrap();
            }
        }
        mails
    }

    /// Mails in the outbox for one recipient as stored (what a copy of the database shows).
    pub async fn stored_mails_to(&self, email: &str) -> Vec<sangdam_store::MailRecord> {
        let (mut mails, _) = self.store.list_mail(1000, 0).await.unwrap();
        mails.retain(|m| m.recipient == email);
        mails.reverse();
        mails
    }
}

/// The text between two markers.
pub fn between(haystack: &str, start: &str, end: &str) -> Option<String> {
    let from = haystack.find(start)? + start.len();
    let to = haystack[from..].find(end)? + from;
    Some(haystack[from..to].to_owned())
}

/// The first link of this site found in a text.
pub fn link_in(text: &str, app: &TestApp) -> String {
    let start = text.find(&app.address).expect("a link to the app");
    let rest = &text[start + app.address.len()..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    rest[..end].to_owned()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}
