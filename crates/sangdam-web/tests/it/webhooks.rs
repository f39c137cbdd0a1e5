//! Outgoing webhooks against a real receiver on loopback: signatures checked by the Standard
//! Webhooks reference library from PyPI, the retry schedule on a clock the test moves, Retry-After,
//! 410 turning the endpoint off, a private address refused, manual replay with the same id, and
//! the endpoint limit under a burst.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use sangdam_domain::Role;
use serde_json::Value;

use crate::api::python;
use crate::booking::{book, counselor, listed_slots};
use crate::db_test;
use crate::helpers::{TestApp, between};

/// What the receiver answers next: a status and a `Retry-After`.
type Answers = Arc<Mutex<VecDeque<(u16, Option<&'static str>)>>>;

/// A receiver on loopback: what it was sent, and what it answers (200 once the list runs out).
#[derive(Clone)]
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    answers: Answers,
}

impl Receiver {
    async fn start() -> Receiver {
        let seen: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
        let answers: Answers = Arc::default();
        let (s, a) = (seen.clone(), answers.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (s, a) = (s.clone(), a.clone());
                async move {
                    s.lock().unwrap().push((headers, body));
                    let (status, retry) = a.lock().unwrap().pop_front().unwrap_or((200, None));
                    let mut r = axum::response::Response::new(axum::body::Body::empty());
                    *r.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
                    if let Some(v) = retry {
                        r.headers_mut().insert("retry-after", v.parse().unwrap());
                    }
                    r
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, seen, answers }
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Waits (up to 10 s) until `n` requests have come.
    async fn wait_for(&self, n: usize) -> Vec<(HeaderMap, String)> {
        for _ in 0..100 {
            if self.count() >= n {
                return self.seen.lock().unwrap().clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} webhook requests expected, {} came", self.count());
    }
}

/// An admin enrolled in two-factor sign-in.
async fn admin(app: &TestApp) -> reqwest::Client {
    admin_with_secret(app).await.0
}

async fn admin_with_secret(app: &TestApp) -> (reqwest::Client, sangdam_domain::totp::TotpSecret) {
    let (browser, _) = app.signed_in(Role::Admin, "hooks-admin@example.com").await;
    let (secret, _) = app.enroll_two_factor(&browser).await;
    (browser, secret)
}

/// The admin signs in again (their session ran out while the test moved the clock on).
async fn admin_again(app: &TestApp, secret: &sangdam_domain::totp::TotpSecret) -> reqwest::Client {
    let b = crate::helpers::new_client();
    assert_eq!(app.signin(&b, "hooks-admin@example.com", crate::helpers::PASSWORD).await.status(), 303);
    let code = secret.code_at(app.clock.now());
    assert_eq!(app.post(&b, "/signin/two-factor", &[("code", &code)]).await.status(), 303);
    b
}

/// Adds an endpoint on the admin page; its id and secret.
async fn endpoint(app: &TestApp, admin: &reqwest::Client, url: &str, events: &[&str]) -> (String, String) {
    let mut fields = vec![("url", url), ("description", "CRM"), ("allow_private", "on")];
    fields.extend(events.iter().map(|e| ("event", *e)));
    let r = app.post(admin, "/admin/webhooks", &fields).await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let secret = between(&html, "id=\"webhook-secret\">", "<").unwrap();
    let id = between(&html, "action=\"/admin/webhooks/", "/").unwrap();
    (id, secret)
}

/// Checks one received request with the `standardwebhooks` package; whether it verified.
fn verifies(secret: &str, headers: &HeaderMap, body: &str) -> Option<bool> {
    let h = |k: &str| headers.get(k).unwrap().to_str().unwrap().to_owned();
    let input = serde_json::json!({
        "secret": secret,
        "body": body,
        "headers": {"webhook-id": h("webhook-id"), "webhook-timestamp": h("webhook-timestamp"), "webhook-signature": h("webhook-signature")},
    });
    let script = "import json, sys\nfrom standardwebhooks.webhooks import Webhook\nd = json.load(sys.stdin)\n\
                  try:\n    Webhook(d['secret']).verify(d['body'], d['headers'])\n    print('ok')\nexcept Exception as e:\n    print('refused', e)";
    let out = python(script, &input.to_string(), "standardwebhooks")?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).trim() == "ok")
}

/// A client books the counselor's first free time; the appointment's id.
async fn booked(app: &TestApp, c: &sangdam_domain::UserId, tag: &str) -> String {
    let (client, _) = app.signed_in(Role::Client, &format!("{tag}@example.com")).await;
    let slot = listed_slots(app, &client, c).await[0];
    assert_eq!(book(app, &client, c, slot, &[]).await.status(), 303);
    let now = app.clock.now();
    app.store.counselor_appointments(c, now - 86_400, now + 400 * 86_400, false).await.unwrap().pop().unwrap().id
}

db_test!(webhooks_are_signed_as_the_standard_says, async |app: &TestApp| {
    let receiver = Receiver::start().await;
    let admin = admin(app).await;
    let (id, secret) = endpoint(app, &admin, &receiver.url, &["appointment.booked", "appointment.cancelled"]).await;
    assert!(secret.starts_with("whsec_"));
    // The secret is sealed at rest.
    let stored = app.store.webhook_secrets(&id, app.clock.now()).await.unwrap();
    assert!(!String::from_utf8_lossy(&stored[0].secret).contains(&secret[6..]));
    let (_, page) = app.get_html(&admin, &format!("/admin/webhooks/{id}")).await;
    assert!(!page.contains(&secret), "shown once");

    let c = counselor(app, "hooks-c@example.com", |_| {}).await;
    let appointment = booked(app, &c, "hooks-client").await;
    let got = receiver.wait_for(1).await;
    let (headers, body) = &got[0];
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["type"], "appointment.booked");
    assert_eq!(payload["data"]["id"], appointment.as_str());
    assert!(payload["data"].get("reason").is_none() && !body.contains("잠이"), "thin: ids and types");
    assert!(headers["webhook-id"].to_str().unwrap().starts_with("msg_"));
    assert_eq!(headers["content-type"], "application/json");
    if let Some(ok) = verifies(&secret, headers, body) {
        assert!(ok, "the reference library accepts the signature");
        let mut tampered = body.clone();
        tampered.push(' ');
        assert_eq!(verifies(&secret, headers, &tampered), Some(false), "and refuses a changed body");
    }

    // A new secret: both sign for a day, so a receiver holding either accepts.
    let r = app.post(&admin, &format!("/admin/webhooks/{id}/rotate"), &[]).await;
    let new_secret = between(&r.text().await.unwrap(), "id=\"webhook-secret\">", "<").unwrap();
    assert_ne!(new_secret, secret);
    let (browser, _) = app.signed_in(Role::Counselor, "hooks-c2@example.com").await;
    drop(browser);
    let counselor_browser = crate::helpers::new_client();
    assert_eq!(app.signin(&counselor_browser, "hooks-c@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&counselor_browser).await;
    let r = app
        .post(&counselor_browser, &format!("/counselor/appointments/{appointment}/cancel"), &[("reason", "아파서요")])
        .await;
    assert_eq!(r.status(), 303);
    let got = receiver.wait_for(2).await;
    let (headers, body) = &got[1];
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["type"], "appointment.cancelled");
    assert_eq!(headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
    for s in [&secret, &new_secret] {
        if let Some(ok) = verifies(s, headers, body) {
            assert!(ok, "each secret in use verifies");
        }
    }
    // Ten replacements at once: each is made, one after another, and a day later exactly one
    // secret signs (none is left running beside it for good).
    let path = format!("/admin/webhooks/{id}/rotate");
    let rotations = (0..10).map(|_| {
        let (admin, path) = (&admin, &path);
        async move { app.post(admin, path, &[]).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(rotations).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        app.store.webhook_secrets(&id, app.clock.now()).await.unwrap().len(),
        12,
        "each replaced one signs a day"
    );
    // A day later only the newest signs.
    app.clock.advance(24 * 3600 + 1);
    assert_eq!(app.store.webhook_secrets(&id, app.clock.now()).await.unwrap().len(), 1);
});

db_test!(failed_deliveries_follow_the_schedule_and_410_turns_the_endpoint_off, async |app: &TestApp| {
    let start = app.clock.now();
    app.clock.freeze_at(start);
    let receiver = Receiver::start().await;
    receiver.answers.lock().unwrap().extend([(500, None), (502, None), (503, Some("3600"))]);
    let (admin, totp) = admin_with_secret(app).await;
    let (id, _) = endpoint(app, &admin, &receiver.url, &["appointment.booked", "appointment.cancelled"]).await;
    let c = counselor(app, "retry-c@example.com", |_| {}).await;
    let appointment = booked(app, &c, "retry-client").await;

    // The delivery once its `n`th attempt is recorded (the receiver hears it a moment before).
    let settled = |n: i64| {
        let id = id.clone();
        async move {
            for _ in 0..100 {
                let d = app.store.webhook_deliveries(&id, 10).await.unwrap().pop().unwrap();
                if d.attempts == n && d.status != sangdam_store::DeliveryStatus::Sending {
                    return d;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("attempt {n} was not recorded");
        }
    };
    let delivery = || async { app.store.webhook_deliveries(&id, 10).await.unwrap().pop().unwrap() };
    receiver.wait_for(1).await;
    // After the first failure: 5 s (±10 %).
    let d = settled(1).await;
    assert_eq!((d.status, d.attempts), (sangdam_store::DeliveryStatus::Pending, 1));
    assert!((start + 4..=start + 6).contains(&d.next_attempt_at), "{}", d.next_attempt_at - start);
    app.clock.freeze_at(d.next_attempt_at);
    receiver.wait_for(2).await;
    // After the second: 5 minutes.
    let d = settled(2).await;
    let after = d.next_attempt_at - app.clock.now();
    assert!((270..=330).contains(&after), "{after}");
    app.clock.freeze_at(d.next_attempt_at);
    receiver.wait_for(3).await;
    // The third answered 503 with Retry-After: 3600, later than the 30 minutes scheduled.
    let d = settled(3).await;
    assert_eq!(d.next_attempt_at - app.clock.now(), 3600);
    assert_eq!(d.last_error.as_deref(), Some("http-503"));
    app.clock.freeze_at(d.next_attempt_at - 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.count(), 3, "not before its time");
    app.clock.freeze_at(d.next_attempt_at);
    let got = receiver.wait_for(4).await;
    for _ in 0..50 {
        if delivery().await.status == sangdam_store::DeliveryStatus::Delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivery().await.status, sangdam_store::DeliveryStatus::Delivered);
    // Every attempt carried the same id, so the receiver can tell duplicates; each is logged.
    let ids: std::collections::HashSet<_> =
        got.iter().map(|(h, _)| h["webhook-id"].to_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 1);
    let log = app.store.webhook_attempts(&d.id).await.unwrap();
    assert_eq!(log.iter().map(|a| a.status).collect::<Vec<_>>(), vec![Some(500), Some(502), Some(503), Some(200)]);
    // The delivery log is on the endpoint's page, and an admin can send it again: same id.
    let admin = admin_again(app, &totp).await;
    let (_, page) = app.get_html(&admin, &format!("/admin/webhooks/{id}")).await;
    assert!(page.contains(&d.id) && page.contains("HTTP 503"));
    let r = app.post(&admin, &format!("/admin/webhooks/{id}/deliveries/{}/replay", d.id), &[]).await;
    assert_eq!(r.status(), 303);
    let got = receiver.wait_for(5).await;
    assert_eq!(got[4].0["webhook-id"].to_str().unwrap(), d.id);

    // 410 Gone: the endpoint is turned off, and later events are not sent to it.
    receiver.answers.lock().unwrap().push_back((410, None));
    let counselor_browser = crate::helpers::new_client();
    assert_eq!(app.signin(&counselor_browser, "retry-c@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&counselor_browser).await;
    let path = format!("/counselor/appointments/{appointment}/cancel");
    assert_eq!(app.post(&counselor_browser, &path, &[("reason", "x")]).await.status(), 303);
    receiver.wait_for(6).await;
    for _ in 0..50 {
        if app.store.webhook_endpoint(&id).await.unwrap().unwrap().disabled_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let e = app.store.webhook_endpoint(&id).await.unwrap().unwrap();
    assert_eq!(e.disabled_reason.as_deref(), Some("gone"));
    booked(app, &c, "retry-client-2").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.count(), 6, "nothing more to an endpoint that is gone");
});

db_test!(private_addresses_are_refused_unless_allowed, async |app: &TestApp| {
    let receiver = Receiver::start().await;
    let admin = admin(app).await;
    for url in [receiver.url.as_str(), "http://localhost:9/hook", "http://[::1]/hook", "http://169.254.169.254/latest"]
    {
        let r = app.post(&admin, "/admin/webhooks", &[("url", url), ("event", "appointment.booked")]).await;
        assert_eq!(r.status(), 422, "{url}");
        assert!(r.text().await.unwrap().contains("사설 주소나 루프백 주소입니다"));
    }
    for url in ["ftp://example.com/x", "https://", "not a url"] {
        let r = app.post(&admin, "/admin/webhooks", &[("url", url), ("event", "appointment.booked")]).await;
        assert_eq!(r.status(), 422, "{url}");
    }
    // Allowed when made, then no longer (as a database edit would): nothing is sent, and the
    // refusal is in the log.
    let (id, _) = endpoint(app, &admin, &receiver.url, &["appointment.booked"]).await;
    sangdam_store::on_backend!(&app.store, |pool| {
        sqlx::query("UPDATE webhook_endpoints SET allow_private = FALSE").execute(pool).await.unwrap();
    });
    let c = counselor(app, "private-c@example.com", |_| {}).await;
    booked(app, &c, "private-client").await;
    let mut log = vec![];
    for _ in 0..50 {
        if let Some(d) = app.store.webhook_deliveries(&id, 1).await.unwrap().pop() {
            log = app.store.webhook_attempts(&d.id).await.unwrap();
            if !log.is_empty() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(log[0].error.as_deref(), Some("private-address"));
    assert_eq!(receiver.count(), 0);
});

db_test!(no_more_endpoints_than_the_limit_under_a_burst, async |app: &TestApp| {
    let admin = admin(app).await;
    let csrf = app.csrf(&admin).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let (url, admin, csrf) = (app.url("/admin/webhooks"), admin.clone(), csrf.clone());
            tokio::spawn(async move {
                let target = format!("https://crm{i}.example.com/hook");
                let form = [("csrf", csrf.as_str()), ("url", &target), ("event", "appointment.booked")];
                admin.post(url).form(&form).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut made = 0;
    for t in tasks {
        match t.await.unwrap() {
            201 => made += 1,
            409 => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(made, 20);
    assert_eq!(app.store.webhook_endpoints().await.unwrap().len(), 20);
});

db_test!(sessions_feedback_and_questionnaires_are_told_thinly, async |app: &TestApp| {
    let receiver = Receiver::start().await;
    let admin = admin(app).await;
    let events = ["appointment.completed", "feedback.submitted", "questionnaire.completed"];
    let (_, secret) = endpoint(app, &admin, &receiver.url, &events).await;
    let (counselor, counselor_id) = app.signed_in(Role::Counselor, "thin-c@example.com").await;
    app.enroll_two_factor(&counselor).await;
    let (client, client_id) = app.signed_in(Role::Client, "thin-client@example.com").await;
    let appointment = crate::aftercare::past_appointment(app, &counselor_id, &client_id, 600).await;

    let r = app
        .post(&counselor, &format!("/counselor/appointments/{appointment}/outcome"), &[("outcome", "completed")])
        .await;
    assert_eq!(r.status(), 303);
    let good = [("stars", "4"), ("heard", "5"), ("goals", "4"), ("approach", "3"), ("comment", "편안했어요")];
    assert_eq!(app.post(&client, &format!("/feedback/{appointment}"), &good).await.status(), 303);
    let mut phq =
        vec![("i1", "3"), ("i2", "2"), ("i3", "1"), ("i4", "0"), ("i5", "0"), ("i6", "0"), ("i7", "0"), ("i8", "0")];
    phq.push(("i9", "0"));
    assert_eq!(app.post(&client, "/questionnaires/phq9", &phq).await.status(), 200);

    let got = receiver.wait_for(3).await;
    let mut by_type = std::collections::HashMap::new();
    for (headers, body) in &got {
        let v: Value = serde_json::from_str(body).unwrap();
        if let Some(ok) = verifies(&secret, headers, body) {
            assert!(ok);
        }
        by_type.insert(v["type"].as_str().unwrap().to_owned(), v);
    }
    assert_eq!(by_type["appointment.completed"]["data"]["id"], appointment.as_str());
    let feedback = &by_type["feedback.submitted"]["data"];
    assert_eq!(feedback["appointment_id"], appointment.as_str());
    assert!(feedback.get("client_id").is_none(), "feedback may be anonymous: the client is not named");
    let q = &by_type["questionnaire.completed"]["data"];
    assert_eq!((q["questionnaire"].as_str(), q["client_id"].as_str()), (Some("phq9"), Some(client_id.as_str())));
    let text = got.iter().map(|(_, b)| b.as_str()).collect::<String>();
    for never in ["편안", "\"total\"", "\"score\"", "\"band\"", "\"stars\""] {
        assert!(!text.contains(never), "{never} is not sent");
    }
});

db_test!(the_delivery_log_and_idempotency_keys_are_pruned, async |app: &TestApp| {
    let receiver = Receiver::start().await;
    let admin = admin(app).await;
    let (id, _) = endpoint(app, &admin, &receiver.url, &["appointment.booked"]).await;
    let c = counselor(app, "prune-c@example.com", |_| {}).await;
    booked(app, &c, "prune-client").await;
    receiver.wait_for(1).await;
    for _ in 0..50 {
        if app.store.webhook_deliveries(&id, 1).await.unwrap()[0].status == sangdam_store::DeliveryStatus::Delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let raised = app.store.webhook_deliveries(&id, 1).await.unwrap()[0].created_at;
    assert_eq!(app.store.prune_webhook_deliveries(raised).await.unwrap(), 0, "a month is kept");
    assert_eq!(app.store.prune_webhook_deliveries(raised + 1).await.unwrap(), 1);
    assert!(app.store.webhook_deliveries(&id, 1).await.unwrap().is_empty());
});

db_test!(a_chat_that_ends_is_told_without_a_word_of_it, async |app: &TestApp| {
    let receiver = Receiver::start().await;
    let admin = admin(app).await;
    let (_, secret) = endpoint(app, &admin, &receiver.url, &["chat.started", "chat.closed"]).await;
    let (b, chat) = crate::chat::guest(app, "비밀손님").await;
    let mut ws = crate::chat::guest_ws(app, &b, &chat).await;
    crate::chat::send(&mut ws, serde_json::json!({ "type": "say", "id": "g1", "text": "시험이 너무 걱정돼요" })).await;
    crate::chat::send(&mut ws, serde_json::json!({ "type": "leave" })).await;
    let got = receiver.wait_for(2).await;
    // Two deliveries may cross on the way: found by type, not by order.
    let of = |t: &str| got.iter().find(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["type"] == t).unwrap();
    let started: Value = serde_json::from_str(&of("chat.started").1).unwrap();
    assert_eq!(started["data"]["topic"], "anxiety");
    let (headers, body) = of("chat.closed");
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["type"], "chat.closed");
    assert_eq!(v["data"]["id"], chat.as_str());
    assert_eq!(v["data"]["category"], "left");
    let all: String = got.iter().map(|(_, b)| b.as_str()).collect();
    assert!(!all.contains("시험") && !all.contains("비밀손님"), "no word of it, no nickname");
    if let Some(ok) = verifies(&secret, headers, body) {
        assert!(ok);
    }
});
