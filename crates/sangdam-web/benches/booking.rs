//! Booking benchmarks, for BENCHMARKS.md:
//!
//! 1. Slot search for a counselor with a year of appointments: the domain computation alone, the
//!    path the counselor page takes (store query of the busy times, then the computation), and
//!    the whole page over HTTP.
//! 2. Booking throughput over HTTP: many signed-in clients booking different times at once.
//!
//! Runs on SQLite, and on PostgreSQL too when `SANGDAM_TEST_DATABASE_URL` is set:
//! `cargo bench -p sangdam-web --bench booking`. Prints medians of repeated runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use jiff::Timestamp;
use sangdam_domain::booking::{
    AppointmentStatus, Availability, BookingRules, Busy, Interval, SessionKind, SlotQuery, WeeklyHours, free_slots,
};
use sangdam_domain::{Currency, DisplayName, Email, Language, Money, NewPassword, Role, Timezone, UserId};
use sangdam_store::testing::{TEST_DATABASE_URL, TestDatabase};
use sangdam_store::{CounselorProfile, NewAppointment, NewUser, Offering, Store};
use sangdam_web::{AppState, Clock, Keys, WebConfig};

const DAY: i64 = 86_400;
const PASSWORD: &str = "quiet river under paper lanterns";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn hours() -> WeeklyHours {
    let day = vec![Interval::new(9 * 60, 18 * 60).unwrap()];
    WeeklyHours([day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), day])
}

fn rules() -> BookingRules {
    BookingRules { daily_cap: None, ..BookingRules::default() }
}

/// Local midnight (Seoul) of the day `days` from `now`.
fn seoul_day(now: i64, days: i64) -> i64 {
    let tz = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    let d = Timestamp::from_second(now + days * DAY).unwrap().to_zoned(tz.clone()).date();
    d.to_zoned(tz).unwrap().timestamp().as_second()
}

/// A year of sessions: from 300 days ago to 65 days ahead, eight a day at 09:00, 10:00, … with
/// 13:00 left free, so that free slots exist but are scattered.
fn a_year(now: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for d in -300..65 {
        let midnight = seoul_day(now, d);
        for h in [9, 10, 11, 12, 14, 15, 16, 17] {
            let s = midnight + h * 3600;
            out.push((s, s + 50 * 60));
        }
    }
    out
}

async fn user(store: &Store, role: Role, email: &str, hash: &str, now: i64) -> UserId {
    let id = UserId::from_random(sangdam_web::crypto::random());
    store
        .insert_user(&NewUser {
            id: id.clone(),
            email: Email::parse(email).unwrap(),
            display_name: DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
            role,
            language: Language::Ko,
            timezone: Timezone::seoul(),
            password_hash: hash.to_owned(),
            now,
            consent: None,
        })
        .await
        .unwrap();
    id
}

async fn counselor(store: &Store, email: &str, hash: &str, now: i64) -> UserId {
    let id = user(store, Role::Counselor, email, hash, now).await;
    let mut p = CounselorProfile::new(id.clone());
    p.published = true;
    p.weekly = hours();
    p.rules = rules();
    p.offerings = vec![Offering {
        kind: SessionKind::Video,
        duration_minutes: 50,
        price: Money::from_minor(50_000, Currency::Krw).unwrap(),
    }];
    store.save_counselor_profile(&p, now, &sangdam_store::Effects::default()).await.unwrap();
    id
}

struct Server {
    address: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn serve(store: &Store) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        store.clone(),
        WebConfig::for_url(&address),
        Keys::new(sangdam_web::crypto::random()),
        Clock::default(),
    )
    .unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        sangdam_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Server { address, stop, task }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn csrf(client: &reqwest::Client, address: &str) -> String {
    let html = client.get(format!("{address}/privacy")).send().await.unwrap().text().await.unwrap();
    let from = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    html[from..from + html[from..].find('"').unwrap()].to_owned()
}

async fn signed_in(address: &str, email: &str) -> (reqwest::Client, String) {
    let client = browser();
    let token = csrf(&client, address).await;
    let r = client
        .post(format!("{address}/signin"))
        .form(&[("email", email), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let token = csrf(&client, address).await;
    (client, token)
}

async fn run(label: &str, db: TestDatabase, hash: &str) {
    let store = db.open().await.unwrap();
    let now = Timestamp::now().as_second();
    println!("\n## {label}");

    // 1. Slot search with a year of appointments.
    let c = counselor(&store, "year@example.com", hash, now).await;
    let client = user(&store, Role::Client, "client@example.com", hash, now).await;
    let year = a_year(now);
    let list: Vec<NewAppointment> = year
        .iter()
        .enumerate()
        .map(|(i, &(s, e))| NewAppointment {
            id: format!("bench{i:06}"),
            counselor_id: c.clone(),
            client_id: client.clone(),
            kind: SessionKind::Video,
            price: Money::from_minor(50_000, Currency::Krw).unwrap(),
            starts_at: s,
            ends_at: e,
            status: if s < now { AppointmentStatus::Completed } else { AppointmentStatus::Confirmed },
            reason: None,
            first_time: false,
            series_id: None,
        })
        .collect();
    for chunk in list.chunks(500) {
        store.book(chunk, now, None, &sangdam_store::Effects::default()).await.unwrap();
    }
    println!("appointments of the counselor: {}", list.len());

    let av = Availability {
        timezone: jiff::tz::TimeZone::get("Asia/Seoul").unwrap(),
        weekly: hours(),
        exceptions: vec![],
        rules: rules(),
    };
    let busy_all: Vec<Busy> = year
        .iter()
        .map(|&(s, e)| Busy { start: Timestamp::from_second(s).unwrap(), end: Timestamp::from_second(e).unwrap() })
        .collect();
    let ts_now = Timestamp::from_second(now).unwrap();
    let q12 = SlotQuery { now: ts_now, duration_minutes: 50, from: ts_now, until: None, limit: 12 };
    let q_all = SlotQuery { limit: 10_000, ..q12 };
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..200 {
        let t = Instant::now();
        found = free_slots(&av, &busy_all, &q12).len();
        times.push(t.elapsed());
    }
    println!("domain free_slots, next {found} slots, {} busy entries: median {}", busy_all.len(), ms(median(times)));
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        found = free_slots(&av, &busy_all, &q_all).len();
        times.push(t.elapsed());
    }
    println!("domain free_slots, every slot in the 60-day horizon ({found}): median {}", ms(median(times)));

    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let busy = store.busy_times(&c, now - 2 * DAY, now + 62 * DAY, Some(&client), now).await.unwrap();
        found = free_slots(&av, &busy, &q12).len();
        times.push(t.elapsed());
    }
    println!("store busy_times + free_slots (the counselor page's path), {found} slots: median {}", ms(median(times)));

    let server = serve(&store).await;
    let anonymous = browser();
    let url = format!("{}/counselors/{c}", server.address);
    let mut times = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let r = anonymous.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    println!("GET /counselors/<id> over HTTP: median {}", ms(median(times)));

    // 2. Booking throughput: 40 signed-in clients, 10 counselors, 400 requests at once.
    let counselors = {
        let mut v = Vec::new();
        for i in 0..10 {
            v.push(counselor(&store, &format!("c{i}@example.com"), hash, now).await);
        }
        v
    };
    let mut clients = Vec::new();
    for i in 0..40 {
        user(&store, Role::Client, &format!("b{i}@example.com"), hash, now).await;
        clients.push(signed_in(&server.address, &format!("b{i}@example.com")).await);
    }
    // Three rounds where every request is for a different time (all succeed), then one round where
    // 400 requests compete for 100 times, four clients for each (as clients do for popular hours).
    // No client asks for two sessions at the same time (a client cannot be in two at once).
    let mut rates = Vec::new();
    for round in 0..4i64 {
        let contended = round == 3;
        let t = Instant::now();
        let mut tasks = Vec::new();
        for (i, (client, token)) in clients.iter().enumerate() {
            for (k, counselor) in counselors.iter().enumerate() {
                let counselor = counselor.clone();
                let (day, hour) = if contended {
                    // Ten times over two days; client i asks counselor k for time (i + k) mod 10.
                    let q = ((i + k) % 10) as i64;
                    (30 + q / 5, 9 + q % 5)
                } else {
                    // Forty times over five days; (i + 4k) mod 40 is a different time for each of a
                    // client's ten requests and for each client of one counselor.
                    let q = ((i + 4 * k) % 40) as i64;
                    (3 + round * 5 + q / 9, 9 + q % 9)
                };
                let start = seoul_day(now, day) + hour * 3600;
                let (client, token, address) = (client.clone(), token.clone(), server.address.clone());
                tasks.push(tokio::spawn(async move {
                    let start = start.to_string();
                    let r = client
                        .post(format!("{address}/counselors/{counselor}/book"))
                        .form(&[
                            ("kind", "video"),
                            ("start", start.as_str()),
                            ("terms", "on"),
                            ("csrf", token.as_str()),
                        ])
                        .send()
                        .await
                        .unwrap();
                    r.status().as_u16()
                }));
            }
        }
        let (mut ok, mut taken) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                303 => ok += 1,
                409 => taken += 1,
                other => panic!("unexpected status {other}"),
            }
        }
        let elapsed = t.elapsed();
        let rate = 400.0 / elapsed.as_secs_f64();
        if contended {
            assert_eq!(ok, 100, "every contended time is booked exactly once");
            println!(
                "contended: 400 requests for 100 times ({ok} booked, {taken} told 'just taken') in {}: {rate:.0} requests/s",
                ms(elapsed)
            );
        } else {
            assert_eq!(ok, 400, "distinct times all succeed");
            println!("round {round}: 400 bookings of distinct times in {}: {rate:.0} bookings/s", ms(elapsed));
            rates.push(rate);
        }
    }
    rates.sort_by(f64::total_cmp);
    println!("bookings per second over HTTP (40 clients, 10 at a time each), median of 3 rounds: {:.0}", rates[1]);

    let _ = server.stop.send(());
    let _ = server.task.await;
    store.close().await;
    db.drop_database().await.unwrap();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let hash = sangdam_web::auth::hash_password(&NewPassword::parse(PASSWORD, &[]).unwrap()).await.unwrap();
        run("SQLite", TestDatabase::sqlite().unwrap(), &hash).await;
        match std::env::var(TEST_DATABASE_URL) {
            Ok(url) => run("PostgreSQL", TestDatabase::postgres(&url).await.unwrap(), &hash).await,
            Err(_) => println!("\n(PostgreSQL skipped: {TEST_DATABASE_URL} is not set)"),
        }
    });
}
