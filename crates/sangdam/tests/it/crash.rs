//! The server killed (SIGKILL) while clients book, again and again, then started once more: every
//! appointment that was stored has its mails to both sides and its reminders, because they are
//! queued in the booking's own transaction. Runs on SQLite, and on PostgreSQL when
//! `SANGDAM_TEST_DATABASE_URL` is set.

use std::path::Path;
use std::time::Duration;

use sangdam_store::{Store, on_backend};

use super::{run, start_serving};

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn between(haystack: &str, start: &str, end: &str) -> Option<String> {
    let from = haystack.find(start)? + start.len();
    let to = haystack[from..].find(end)? + from;
    Some(haystack[from..to].to_owned())
}

async fn csrf(url: &str, c: &reqwest::Client) -> String {
    let html = c.get(format!("{url}/privacy")).send().await.unwrap().text().await.unwrap();
    between(&html, "name=\"csrf\" value=\"", "\"").unwrap()
}

async fn sign_in(url: &str, email: &str, password: &str) -> reqwest::Client {
    let c = browser();
    let token = csrf(url, &c).await;
    let r = c
        .post(format!("{url}/signin"))
        .form(&[("csrf", token.as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in of {email}");
    c
}

async fn scalar(store: &Store, sql: &str, bind: &str) -> i64 {
    on_backend!(store, |pool| sqlx::query_scalar::<_, i64>(sql).bind(bind).fetch_one(pool).await.unwrap())
}

/// A fresh database for this test: a SQLite file in `dir`, or a new PostgreSQL database.
async fn database(dir: &Path) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}", dir.join("crash.db").display())];
    if let Ok(pg) = std::env::var("SANGDAM_TEST_DATABASE_URL") {
        let name = format!("sangdam_test_crash_{}", std::process::id());
        let admin = sqlx::PgPool::connect(&pg).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
        admin.close().await;
        let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b).to_owned();
        urls.push(format!("{base}/{name}"));
    }
    urls
}

#[test]
fn bookings_keep_their_mails_and_reminders_across_kill_9() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let urls = rt.block_on(database(dir.path()));
    for db in urls {
        let work = dir.path().join(if db.starts_with("sqlite") { "sqlite" } else { "postgres" });
        std::fs::create_dir_all(&work).unwrap();
        let (ok, out) = run(&work, &["--database-url", &db, "demo"]);
        assert!(ok, "{out}");
        let clients: Vec<(String, String)> = out
            .lines()
            .filter(|l| l.trim_start().starts_with("client "))
            .map(|l| {
                let parts: Vec<&str> = l.split_whitespace().collect();
                (parts[1].to_owned(), parts[2].to_owned())
            })
            .collect();
        assert_eq!(clients.len(), 5, "{out}");
        let store = rt.block_on(async { Store::connect(&db).await.unwrap() });
        let counselor: String = rt.block_on(async {
            on_backend!(&store, |pool| sqlx::query_scalar(
                "SELECT id FROM users WHERE email = 'counselor1@sangdam.example'"
            )
            .fetch_one(pool)
            .await
            .unwrap())
        });

        // Five rounds: five clients book at once, and the server is killed a few milliseconds in.
        for round in 0..5u64 {
            let stored = rt.block_on(scalar(&store, "SELECT COUNT(*) FROM appointments WHERE id <> $1", "-"));
            let (mut child, url) = start_serving(&work, &["--database-url", &db]);
            rt.block_on(async {
                let mut browsers = Vec::new();
                for (email, password) in &clients {
                    browsers.push(sign_in(&url, email, password).await);
                }
                let page = browsers[0].get(format!("{url}/counselors/{counselor}")).send().await.unwrap();
                let html = page.text().await.unwrap();
                let slots: Vec<String> =
                    html.split("&amp;start=").skip(1).filter_map(|p| p.split('"').next().map(str::to_owned)).collect();
                assert!(slots.len() >= 5, "free times are listed");
                let mut tasks = Vec::new();
                for (b, slot) in browsers.into_iter().zip(slots) {
                    let token = csrf(&url, &b).await;
                    let target = format!("{url}/counselors/{counselor}/book");
                    tasks.push(tokio::spawn(async move {
                        let fields =
                            [("kind", "video"), ("start", slot.as_str()), ("terms", "on"), ("csrf", token.as_str())];
                        let _ = b.post(target).form(&fields).send().await;
                    }));
                }
                // Killed as soon as a booking of this round is stored (and a moment later in
                // later rounds): between the booking and what follows it, if they were apart.
                let before = stored;
                for _ in 0..5000 {
                    if scalar(&store, "SELECT COUNT(*) FROM appointments WHERE id <> $1", "-").await > before {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::time::sleep(Duration::from_millis(round % 3)).await;
                child.kill().unwrap();
                child.wait().unwrap();
                for t in tasks {
                    let _ = t.await;
                }
            });
        }

        // The leases of jobs a killed server held have run out by the time anyone looks.
        rt.block_on(async {
            on_backend!(&store, |pool| {
                sqlx::query("UPDATE jobs SET lease_until = 0 WHERE status = 'running'").execute(pool).await.unwrap();
            });
        });
        let left = rt.block_on(scalar(
            &store,
            "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status IN ('pending', 'running')",
            "appointment-changed",
        ));
        eprintln!("{db}: {left} bookings' follow-ups were left for the restart");
        let (mut child, _) = start_serving(&work, &["--database-url", &db]);
        rt.block_on(async {
            for _ in 0..200 {
                let open = scalar(
                    &store,
                    "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status IN ('pending', 'running')",
                    "appointment-changed",
                )
                .await;
                if open == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        child.kill().unwrap();
        child.wait().unwrap();

        rt.block_on(async {
            let booked: Vec<(String, String, String, i64, i64, i64)> = on_backend!(&store, |pool| sqlx::query_as(
                "SELECT id, client_id, counselor_id, sequence, starts_at, created_at FROM appointments"
            )
            .fetch_all(pool)
            .await
            .unwrap());
            assert!(!booked.is_empty(), "some bookings were stored before the kills");
            eprintln!("{db}: {} bookings stored", booked.len());
            for (id, client, counselor, _sequence, starts_at, created_at) in &booked {
                for who in [client, counselor] {
                    // One booking, one change: whatever ran twice, each side has one mail for it.
                    let key = format!("appointment:{id}:%:{who}");
                    let mails =
                        scalar(&store, "SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key LIKE $1", &key).await;
                    assert_eq!(mails, 1, "the booking mail to each side exists ({db})");
                }
                let reminders = scalar(
                    &store,
                    "SELECT COUNT(*) FROM jobs WHERE kind = 'reminder' AND payload LIKE $1",
                    &format!("%{id}%"),
                )
                .await;
                // A day and an hour before, those still ahead when it was booked.
                let ahead = [24 * 3600, 3600].iter().filter(|b| starts_at - *b > created_at + 60).count() as i64;
                assert!(reminders >= ahead && reminders >= 1, "reminders {reminders} of {ahead} ({db})");
            }
            let audited = scalar(&store, "SELECT COUNT(*) FROM audit_log WHERE action = $1", "appointment.book").await;
            assert_eq!(audited, booked.len() as i64, "every booking is audited, none twice");
            store.close().await;
            if let (Ok(pg), Some(name)) = (std::env::var("SANGDAM_TEST_DATABASE_URL"), db.strip_prefix("postgres")) {
                let name = name.rsplit('/').next().unwrap_or_default();
                let admin = sqlx::PgPool::connect(&pg).await.unwrap();
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await.unwrap();
                admin.close().await;
            }
        });
    }
}
