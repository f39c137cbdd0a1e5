//! The public API over real HTTP: tokens made on the pages (shown once, stored hashed, scoped,
//! expiring, revocable), who may read which appointment, a counselor's changes through the same
//! operations as the calendar, problem details in the asked language, the per-token rate limit
//! and idempotency keys under bursts of simultaneous requests, and cursor pagination.

use std::collections::HashSet;

use reqwest::StatusCode;
use sangdam_domain::{Role, UserId};
use serde_json::{Value, json};

use crate::booking::{book, counselor, listed_slots};
use crate::db_test;
use crate::helpers::{TestApp, between};

/// A signed-in staff member enrolled in two-factor sign-in (required before client data).
async fn staff(app: &TestApp, role: Role, email: &str) -> (reqwest::Client, UserId) {
    let (browser, id) = app.signed_in(role, email).await;
    app.enroll_two_factor(&browser).await;
    (browser, id)
}

/// Makes a token on the page at `base` (`/account/tokens` or `/admin/tokens`); the page's answer.
async fn make_token(
    app: &TestApp,
    browser: &reqwest::Client,
    base: &str,
    name: &str,
    scopes: &[&str],
    days: &str,
) -> reqwest::Response {
    let mut fields = vec![("name", name), ("days", days)];
    fields.extend(scopes.iter().map(|s| ("scope", *s)));
    app.post(browser, base, &fields).await
}

/// A token made on the page, as shown that once.
async fn token(app: &TestApp, browser: &reqwest::Client, base: &str, scopes: &[&str]) -> String {
    let r = make_token(app, browser, base, "CRM sync", scopes, "30").await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    between(&html, "id=\"new-token\">", "<").expect("the new token is shown")
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Answer {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), app.url(path)).bearer_auth(token);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    Answer { status, headers, body }
}

async fn get(app: &TestApp, token: &str, path: &str) -> Answer {
    call(app, token, "GET", path, None, &[]).await
}

fn problem(a: &Answer) -> &str {
    assert_eq!(
        a.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{:?}",
        a.body
    );
    assert_eq!(a.body["status"].as_u64(), Some(u64::from(a.status.as_u16())));
    // Exactly the document the OpenAPI description gives.
    let doc: sangdam_web::api::schema::ProblemDoc = serde_json::from_value(a.body.clone()).unwrap();
    assert_eq!(doc.kind, format!("urn:sangdam:problem:{}", doc.code));
    a.body["code"].as_str().unwrap()
}

async fn audit_count(app: &TestApp, action: &str, outcome: Option<&str>) -> usize {
    let f = sangdam_store::AuditFilter {
        action_prefix: Some(action.into()),
        outcome: outcome.map(str::to_owned),
        limit: 1000,
        ..Default::default()
    };
    app.store.audit_page(&f).await.unwrap().records.iter().filter(|r| r.fields.action == action).count()
}

/// A counselor with `n` booked appointments (one client each); their ids in order of start.
async fn booked(app: &TestApp, c: &UserId, tag: &str, n: usize) -> Vec<String> {
    let (client, _) = app.signed_in(Role::Client, &format!("{tag}-client@example.com")).await;
    let slots = listed_slots(app, &client, c).await;
    for s in slots.iter().take(n) {
        assert_eq!(book(app, &client, c, *s, &[]).await.status(), 303);
    }
    let now = app.clock.now();
    let mut list = app.store.counselor_appointments(c, now - 86_400, now + 400 * 86_400, false).await.unwrap();
    list.sort_by(|a, b| (a.starts_at, &a.id).cmp(&(b.starts_at, &b.id)));
    list.into_iter().map(|a| a.id).collect()
}

db_test!(a_token_is_shown_once_stored_hashed_and_revocable, async |app: &TestApp| {
    let (browser, me) = staff(app, Role::Counselor, "api-once@example.com").await;
    let secret = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    assert!(secret.starts_with("sgd_") && secret.len() == 36, "{secret}");

    // The page never shows it again; the database holds only its hash.
    let (_, html) = app.get_html(&browser, "/account/tokens").await;
    assert!(!html.contains(&secret) && html.contains("CRM sync"));
    let stored = app.store.api_tokens(Some(&me)).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(audit_count(app, "api.token.create", Some("personal")).await, 1);

    let before = app.clock.now();
    let a = get(app, &secret, "/api/v1/me").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["token"]["scopes"], json!(["appointments:read"]));
    assert_eq!(a.body["owner"]["id"], json!(me.as_str()));
    assert!(a.headers.get("ratelimit-policy").is_some() && a.headers.get("ratelimit").is_some());
    let used = app.store.api_tokens(Some(&me)).await.unwrap();
    let at = used[0].last_used_at.expect("the use is recorded");
    assert!((before..=app.clock.now()).contains(&at));

    // Another counselor cannot revoke it; its owner can, and it stops at once.
    let (other, _) = staff(app, Role::Counselor, "api-other@example.com").await;
    let path = format!("/account/tokens/{}/revoke", stored[0].id);
    assert_eq!(app.post(&other, &path, &[]).await.status(), 404);
    assert_eq!(get(app, &secret, "/api/v1/me").await.status, 200);
    assert_eq!(app.post(&browser, &path, &[]).await.status(), 303);
    let a = get(app, &secret, "/api/v1/me").await;
    assert_eq!((a.status, problem(&a)), (StatusCode::UNAUTHORIZED, "error-api-token-revoked"));
    assert_eq!(app.post(&browser, &path, &[]).await.status(), 404, "a revoked token is not revoked twice");
    assert_eq!(audit_count(app, "api.token.revoke", None).await, 1);
});

db_test!(tokens_are_refused_with_reasons_in_the_asked_language, async |app: &TestApp| {
    let (browser, _) = staff(app, Role::Counselor, "api-refused@example.com").await;
    let secret = token(app, &browser, "/account/tokens", &["appointments:read"]).await;

    let none = reqwest::Client::new().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"sangdam\"");
    for bad in ["sgd_", "sgd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &secret[4..], "sgd_' OR 1=1 --"] {
        let a = get(app, bad, "/api/v1/me").await;
        assert_eq!((a.status, problem(&a)), (StatusCode::UNAUTHORIZED, "error-api-token-invalid"), "{bad}");
    }
    let en = call(app, "nope", "GET", "/api/v1/me", None, &[("accept-language", "en-US,en;q=0.9")]).await;
    let ko = call(app, "nope", "GET", "/api/v1/me", None, &[("accept-language", "ko-KR")]).await;
    assert_eq!(en.body["detail"], json!("This token is not valid."));
    assert_eq!(ko.body["detail"], json!("유효하지 않은 토큰입니다."));
    assert_eq!(en.body["type"], json!("urn:sangdam:problem:error-api-token-invalid"));

    // An unknown path and a wrong method are problems too, not HTML pages.
    let a = get(app, &secret, "/api/v1/nothing-here").await;
    assert_eq!((a.status, problem(&a)), (StatusCode::NOT_FOUND, "error-api-not-found"));
    let a = call(app, &secret, "DELETE", "/api/v1/appointments", None, &[]).await;
    assert_eq!((a.status, problem(&a)), (StatusCode::METHOD_NOT_ALLOWED, "error-api-method"));

    // Thirty days later it has expired.
    app.clock.advance(30 * 86_400);
    let a = get(app, &secret, "/api/v1/me").await;
    assert_eq!((a.status, problem(&a)), (StatusCode::UNAUTHORIZED, "error-api-token-expired"));
});

db_test!(the_token_pages_check_what_is_asked, async |app: &TestApp| {
    let (browser, _) = staff(app, Role::Counselor, "api-form@example.com").await;
    // A counselor cannot give a token webhooks, nor a year and a day, nor no name.
    let r = make_token(app, &browser, "/account/tokens", " ", &["webhooks:manage"], "366").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for message in ["토큰 이름을 입력해 주세요.", "사용할 수 없는 권한", "1일에서 365일까지"] {
        assert!(html.contains(message), "{message}");
    }
    assert!(app.store.api_tokens(None).await.unwrap().is_empty());
    // Clients have no token page; admins make service tokens, counselors cannot.
    let (client, _) = app.signed_in(Role::Client, "api-form-client@example.com").await;
    assert_eq!(app.get(&client, "/account/tokens").await.status(), 403);
    assert_eq!(app.get(&browser, "/admin/tokens").await.status(), 403);
    // Staff who must enroll in two-factor first are sent to do so.
    let (fresh, _) = app.signed_in(Role::Supervisor, "api-no-2fa@example.com").await;
    let r = app.get(&fresh, "/account/tokens").await;
    assert_eq!(r.status(), 303);
});

db_test!(twenty_at_once_make_no_more_than_the_open_limit, async |app: &TestApp| {
    let (browser, me) = staff(app, Role::Counselor, "api-burst@example.com").await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let (app_url, browser) = (app.url("/account/tokens"), browser.clone());
            let csrf_page = app.url("/account/tokens");
            tokio::spawn(async move {
                let html = browser.get(&csrf_page).send().await.unwrap().text().await.unwrap();
                let csrf = between(&html, "name=\"csrf\" value=\"", "\"").unwrap();
                let name = format!("t{i}");
                let form = [("csrf", csrf.as_str()), ("name", &name), ("days", "10"), ("scope", "appointments:read")];
                browser.post(&app_url).form(&form).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut made = 0;
    for t in tasks {
        match t.await.unwrap() {
            201 => made += 1,
            409 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(made, 20);
    let open = app.store.api_tokens(Some(&me)).await.unwrap();
    assert_eq!(open.len(), 20);
});

db_test!(who_may_read_which_appointment, async |app: &TestApp| {
    let a = counselor(app, "api-read-a@example.com", |_| {}).await;
    let b = counselor(app, "api-read-b@example.com", |_| {}).await;
    let of_a = booked(app, &a, "read-a", 2).await;
    let of_b = booked(app, &b, "read-b", 1).await;

    // Counselor A sees their own two, never B's, and a look at B's is audited as refused.
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-read-a@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let mine = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    let list = get(app, &mine, "/api/v1/appointments").await;
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["data"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, of_a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(list.body["data"][0].get("reason").is_none(), "the reason for the visit is never sent");
    let one = get(app, &mine, &format!("/api/v1/appointments/{}", of_a[0])).await;
    assert_eq!((one.status, one.body["data"]["counselor_id"].as_str()), (StatusCode::OK, Some(a.as_str())));
    let theirs = get(app, &mine, &format!("/api/v1/appointments/{}", of_b[0])).await;
    let missing = get(app, &mine, "/api/v1/appointments/AAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(theirs.status, 404);
    assert_eq!(theirs.body["code"], missing.body["code"], "another's and none look the same");
    assert_eq!(audit_count(app, "api.appointment.read", Some("denied")).await, 2);
    assert_eq!(audit_count(app, "api.appointment.read", Some("ok")).await, 1);
    assert_eq!(audit_count(app, "api.appointments.list", Some("ok")).await, 1);
    // Its audit entries name the token beside the address.
    let f = sangdam_store::AuditFilter {
        action_prefix: Some("api.appointment.read".into()),
        limit: 5,
        ..Default::default()
    };
    let entry = &app.store.audit_page(&f).await.unwrap().records[0];
    assert!(entry.fields.address.as_deref().unwrap().contains(" token:"));

    // A read-only token cannot change anything.
    let a_cancel = call(
        app,
        &mine,
        "POST",
        &format!("/api/v1/appointments/{}/cancel", of_a[0]),
        Some(json!({"reason": "x"})),
        &[],
    )
    .await;
    assert_eq!((a_cancel.status, problem(&a_cancel)), (StatusCode::FORBIDDEN, "error-api-scope"));
    assert!(a_cancel.headers["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));

    // A supervisor and the center's service token see every appointment.
    let (sup, _) = staff(app, Role::Supervisor, "api-read-sup@example.com").await;
    let sup_token = token(app, &sup, "/account/tokens", &["appointments:read"]).await;
    let (admin, _) = staff(app, Role::Admin, "api-read-admin@example.com").await;
    let service = token(app, &admin, "/admin/tokens", &["appointments:read", "appointments:write"]).await;
    for t in [&sup_token, &service] {
        let all = get(app, t, "/api/v1/appointments").await;
        assert_eq!(all.body["data"].as_array().unwrap().len(), 3);
        assert_eq!(get(app, t, &format!("/api/v1/appointments/{}", of_b[0])).await.status, 200);
    }
    // Only the appointment's counselor changes it.
    let by_service = call(app, &service, "POST", &format!("/api/v1/appointments/{}/approve", of_a[0]), None, &[]).await;
    assert_eq!((by_service.status, problem(&by_service)), (StatusCode::FORBIDDEN, "error-api-counselor-only"));
    // An admin's personal token cannot hold appointment scopes at all.
    let r = make_token(app, &admin, "/account/tokens", "mine", &["appointments:read"], "30").await;
    assert_eq!(r.status(), 422);

    // What the owner may do decides at every use: without two-factor sign-in, no client data;
    // a counselor made admin keeps no appointment scope.
    app.store.disable_totp(&a, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    let a_list = get(app, &mine, "/api/v1/appointments").await;
    assert_eq!((a_list.status, problem(&a_list)), (StatusCode::FORBIDDEN, "error-api-two-factor"));
    assert_eq!(get(app, &mine, "/api/v1/me").await.body["token"]["scopes"], json!([]));
    let sup_id = app.store.api_tokens(None).await.unwrap();
    assert_eq!(sup_id.len(), 1, "one service token");
    let sup_user = app
        .store
        .user_by_email(&sangdam_domain::Email::parse("api-read-sup@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store.set_role(&sup_user.id, Role::Admin, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    let now_admin = get(app, &sup_token, "/api/v1/appointments").await;
    assert_eq!((now_admin.status, problem(&now_admin)), (StatusCode::FORBIDDEN, "error-api-scope"));

    // The owner deactivated: the token opens nothing.
    app.store.set_active(&a, false, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    assert_eq!(get(app, &mine, "/api/v1/me").await.status, 401);
});

db_test!(a_counselor_cancels_through_the_api_as_on_the_calendar, async |app: &TestApp| {
    let c = counselor(app, "api-cancel@example.com", |_| {}).await;
    let ids = booked(app, &c, "cancel", 1).await;
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-cancel@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read", "appointments:write"]).await;
    let path = format!("/api/v1/appointments/{}/cancel", ids[0]);

    let empty = call(app, &t, "POST", &path, Some(json!({"reason": "  "})), &[("accept-language", "en")]).await;
    assert_eq!((empty.status, problem(&empty)), (StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid"));
    assert_eq!(empty.body["errors"][0]["field"], json!("reason"));
    assert_eq!(empty.body["errors"][0]["code"], json!("error-cancel-reason-required"));
    let long = call(app, &t, "POST", &path, Some(json!({"reason": "가".repeat(501)})), &[]).await;
    assert_eq!(long.body["errors"][0]["code"], json!("error-cancel-reason-too-long"));
    let odd = call(app, &t, "POST", &path, Some(json!({"reason": "x", "refund": true})), &[]).await;
    assert_eq!((odd.status, problem(&odd)), (StatusCode::BAD_REQUEST, "error-api-body"));
    let huge = call(app, &t, "POST", &path, Some(json!({"reason": "x".repeat(70_000)})), &[]).await;
    assert_eq!(huge.status, 413);

    let done = call(app, &t, "POST", &path, Some(json!({"reason": "몸이 좋지 않아 취소합니다"})), &[]).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["data"]["status"], json!("cancelled"));
    assert_eq!(done.body["data"]["cancelled_by"], json!("counselor"));
    // The same operation as the calendar's: its audit entry, and the client is told by mail.
    assert_eq!(audit_count(app, "appointment.cancel", Some("counselor")).await, 1);
    let mails = app.mails_to("cancel-client@example.com").await;
    assert!(mails.iter().any(|m| m.body.contains("몸이 좋지 않아 취소합니다")), "the client is told why");
    let again = call(app, &t, "POST", &path, Some(json!({"reason": "again"})), &[]).await;
    assert_eq!((again.status, problem(&again)), (StatusCode::CONFLICT, "error-appointment-closed"));
    // Outcomes wait for the start.
    let ids = booked(app, &c, "outcome", 1).await;
    let early = call(
        app,
        &t,
        "POST",
        &format!("/api/v1/appointments/{}/outcome", ids[0]),
        Some(json!({"outcome": "completed"})),
        &[],
    )
    .await;
    assert_eq!((early.status, problem(&early)), (StatusCode::CONFLICT, "error-outcome-too-early"));
    let wrong = call(
        app,
        &t,
        "POST",
        &format!("/api/v1/appointments/{}/outcome", ids[0]),
        Some(json!({"outcome": "great"})),
        &[],
    )
    .await;
    assert_eq!(wrong.body["errors"][0]["field"], json!("outcome"));
});

db_test!(one_idempotency_key_runs_once_under_a_burst, async |app: &TestApp| {
    let c = counselor(app, "api-idem@example.com", |_| {}).await;
    let ids = booked(app, &c, "idem", 2).await;
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-idem@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read", "appointments:write"]).await;
    let path = format!("/api/v1/appointments/{}/cancel", ids[0]);
    let body = json!({"reason": "일정이 겹쳐서요"});

    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let (url, t, body) = (app.url(&path), t.clone(), body.clone());
            tokio::spawn(async move {
                let r = reqwest::Client::new()
                    .post(url)
                    .bearer_auth(t)
                    .header("idempotency-key", "cancel-42")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.headers().contains_key("idempotent-replayed"))
            })
        })
        .collect();
    let mut answers = vec![];
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    assert!(answers.iter().all(|(s, _)| *s == 200 || *s == 409), "{answers:?}");
    assert_eq!(answers.iter().filter(|(s, replay)| *s == 200 && !replay).count(), 1, "{answers:?}");
    assert_eq!(audit_count(app, "appointment.cancel", None).await, 1, "cancelled once");

    // The stored answer comes back; another request under the key is refused.
    let replay = call(app, &t, "POST", &path, Some(body.clone()), &[("idempotency-key", "cancel-42")]).await;
    assert_eq!(replay.status, 200);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.body["data"]["status"], json!("cancelled"));
    let other =
        call(app, &t, "POST", &path, Some(json!({"reason": "다른 이유"})), &[("idempotency-key", "cancel-42")]).await;
    assert_eq!((other.status, problem(&other)), (StatusCode::UNPROCESSABLE_ENTITY, "error-api-idempotency-mismatch"));
    let bad = call(app, &t, "POST", &path, Some(body.clone()), &[("idempotency-key", "has space")]).await;
    assert_eq!((bad.status, problem(&bad)), (StatusCode::BAD_REQUEST, "error-api-idempotency-key"));
    // A refusal is stored too: the same request under its key gets the same refusal.
    let second = format!("/api/v1/appointments/{}/cancel", ids[1]);
    let refused = call(app, &t, "POST", &second, Some(json!({"reason": ""})), &[("idempotency-key", "k2")]).await;
    assert_eq!(refused.status, 422);
    let again = call(app, &t, "POST", &second, Some(json!({"reason": ""})), &[("idempotency-key", "k2")]).await;
    assert_eq!(
        (again.status, again.headers.contains_key("idempotent-replayed")),
        (StatusCode::UNPROCESSABLE_ENTITY, true)
    );
    assert_eq!(again.body["code"], json!("error-api-invalid"));
    // A day later the key is forgotten.
    app.clock.advance(24 * 3600 + 1);
    let later =
        call(app, &t, "POST", &second, Some(json!({"reason": "이제 취소"})), &[("idempotency-key", "k2")]).await;
    assert_eq!(later.status, 200);
});

db_test!(a_request_whose_process_died_holds_its_key_only_for_a_while, async |app: &TestApp| {
    let c = counselor(app, "api-lease@example.com", |_| {}).await;
    let ids = booked(app, &c, "lease", 1).await;
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-lease@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let t = token(app, &browser, "/account/tokens", &["appointments:write"]).await;
    let token_id = app.store.api_tokens(Some(&c)).await.unwrap()[0].id.clone();
    let path = format!("/api/v1/appointments/{}/approve", ids[0]);
    // As a process killed between holding the key and storing its answer leaves it.
    let fingerprint = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(format!("POST {path}\n").as_bytes());
        data_encoding::HEXLOWER.encode(&h.finalize())
    };
    let now = app.clock.now();
    let held = app.store.begin_idempotent(&token_id, "k", &fingerprint, now, 86_400).await.unwrap();
    assert_eq!(held, sangdam_store::Idempotent::Run);
    let a = call(app, &t, "POST", &path, None, &[("idempotency-key", "k")]).await;
    assert_eq!((a.status, problem(&a)), (StatusCode::CONFLICT, "error-api-idempotency-running"));
    app.clock.advance(sangdam_store::IDEMPOTENCY_LEASE_SECONDS);
    let a = call(app, &t, "POST", &path, None, &[("idempotency-key", "k")]).await;
    // Booked without approval, so it is confirmed already: the state answers, nothing runs twice.
    assert_eq!((a.status, problem(&a)), (StatusCode::CONFLICT, "error-appointment-closed"));
});

db_test!(the_rate_limit_holds_under_a_burst, async |app: &TestApp| {
    app.clock.freeze_at(app.clock.now());
    let (browser, _) = staff(app, Role::Counselor, "api-rate@example.com").await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    let tasks: Vec<_> = (0..130)
        .map(|_| {
            let (url, t) = (app.url("/api/v1/me"), t.clone());
            tokio::spawn(async move {
                let r = reqwest::Client::new().get(url).bearer_auth(t).send().await.unwrap();
                let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
                let left = r.headers().get("ratelimit").map(|v| v.to_str().unwrap().to_owned());
                (r.status().as_u16(), retry, left)
            })
        })
        .collect();
    let mut answers = vec![];
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|a| a.0 == 200).count(), 120);
    let limited: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    assert_eq!(limited.len(), 10);
    assert!(limited.iter().all(|a| a.1.as_deref() == Some("60") && a.2.as_deref() == Some("\"token\";r=0;t=60")));
    // Each token has its own allowance, and the window moves on.
    let (other, _) = staff(app, Role::Counselor, "api-rate-2@example.com").await;
    let t2 = token(app, &other, "/account/tokens", &["appointments:read"]).await;
    assert_eq!(get(app, &t2, "/api/v1/me").await.status, 200);
    app.clock.advance(60);
    assert_eq!(get(app, &t, "/api/v1/me").await.status, 200);
});

db_test!(lists_page_with_a_cursor, async |app: &TestApp| {
    let c = counselor(app, "api-pages@example.com", |_| {}).await;
    let ids = booked(app, &c, "pages", 5).await;
    assert_eq!(ids.len(), 5);
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-pages@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    let mut seen = vec![];
    let mut path = "/api/v1/appointments?limit=2".to_owned();
    loop {
        let page = get(app, &t, &path).await;
        assert_eq!(page.status, 200);
        let data = page.body["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|x| x["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(cur) => path = format!("/api/v1/appointments?limit=2&cursor={cur}"),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every appointment once, in order of start");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);
    for bad in ["limit=0", "limit=101", "limit=x", "cursor=%21%21", "cursor=MTIzLi4u"] {
        let a = get(app, &t, &format!("/api/v1/appointments?{bad}")).await;
        assert_eq!((a.status, problem(&a)), (StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid"), "{bad}");
    }
});

db_test!(counselors_and_free_times_match_the_pages, async |app: &TestApp| {
    let c = counselor(app, "api-dir@example.com", |_| {}).await;
    let (browser, _) = staff(app, Role::Counselor, "api-dir-reader@example.com").await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    let list = get(app, &t, "/api/v1/counselors").await;
    let found = list.body["data"].as_array().unwrap().iter().find(|x| x["id"] == json!(c.as_str())).cloned().unwrap();
    assert_eq!(
        found["offerings"][0],
        json!({"kind": "video", "duration_minutes": 50, "price": {"amount": 50000, "currency": "KRW"}})
    );

    let (client, _) = app.signed_in(Role::Client, "api-dir-client@example.com").await;
    let shown = listed_slots(app, &client, &c).await;
    let times = get(app, &t, &format!("/api/v1/counselors/{c}/free-times?kind=video&limit=5")).await;
    assert_eq!(times.status, 200);
    let starts: Vec<i64> = times.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["start"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_second())
        .collect();
    assert_eq!(starts, shown.iter().take(5).copied().collect::<Vec<_>>());
    let bad_kind = get(app, &t, &format!("/api/v1/counselors/{c}/free-times?kind=chat")).await;
    assert_eq!(bad_kind.body["errors"][0]["field"], json!("kind"));
    let bad_from = get(app, &t, &format!("/api/v1/counselors/{c}/free-times?kind=video&from=tomorrow")).await;
    assert_eq!(bad_from.body["errors"][0]["field"], json!("from"));
    assert_eq!(get(app, &t, "/api/v1/counselors/nobody/free-times?kind=video").await.status, 404);
});

db_test!(the_database_refuses_tokens_that_break_the_rules, async |app: &TestApp| {
    use sangdam_store::on_backend;
    let owner = app.create_user(Role::Counselor, "api-db@example.com").await;
    let now = app.clock.now();
    let insert = async |id: &str, hash: &str, kind: &str, name: &str, expires: i64| {
        on_backend!(&app.store, |pool| sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, owner_id, kind, name, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, 'appointments:read', $6, $7)"
        )
        .bind(id)
        .bind(hash)
        .bind(owner.as_str())
        .bind(kind)
        .bind(name)
        .bind(now)
        .bind(expires)
        .execute(pool)
        .await
        .is_ok())
    };
    assert!(insert("t1", "h1", "personal", "ok", now + 86_400).await);
    assert!(!insert("t2", "h1", "personal", "same hash", now + 86_400).await, "hashes are unique");
    assert!(!insert("t3", "h3", "root", "kind", now + 86_400).await, "only two kinds");
    assert!(!insert("t4", "h4", "personal", "", now + 86_400).await, "a name is required");
    assert!(!insert("t5", "h5", "personal", &"x".repeat(81), now + 86_400).await, "names are short");
    assert!(!insert("t6", "h6", "personal", "past", now).await, "expiry after creation");
    assert!(!insert("t7", "h7", "personal", "forever", now + 400 * 86_400).await, "at most a year");
    let bad_status = on_backend!(&app.store, |pool| {
        sqlx::query(
        "INSERT INTO api_idempotency (token_id, key, fingerprint, status, created_at) VALUES ('t1', 'k', 'f', 42, 0)"
    )
    .execute(pool)
    .await
    .is_err()
    });
    assert!(bad_status, "a stored answer has an HTTP status");
    let orphan = on_backend!(&app.store, |pool| sqlx::query(
        "INSERT INTO api_idempotency (token_id, key, fingerprint, created_at) VALUES ('nobody', 'k', 'f', 0)"
    )
    .execute(pool)
    .await
    .is_err());
    assert!(orphan, "a key belongs to a token");
});

/// Runs `python3` with `script`, `input` on standard input; `None` when Python or the module the
/// script needs is missing (a failure under `SANGDAM_REQUIRE_E2E`, as CI sets it).
pub fn python(script: &str, input: &str, module: &str) -> Option<std::process::Output> {
    use std::io::Write;
    let has = std::process::Command::new("python3").args(["-c", &format!("import {module}")]).output();
    if !has.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("SANGDAM_REQUIRE_E2E").is_err(),
            "python3 with {module} is required (.ci/run installs it)"
        );
        eprintln!("skipped: python3 with {module} is not installed");
        return None;
    }
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    Some(child.wait_with_output().unwrap())
}

db_test!(the_openapi_document_is_valid_and_names_every_route, async |app: &TestApp| {
    // Served without a token, as JSON, OpenAPI 3.1.
    let r = reqwest::Client::new().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], json!("bearer"));

    // Every route the API serves is in it, and every path in it is a route: a method it does
    // not document answers 405 (the path exists), not the catch-all's 404.
    let mut documented: Vec<(String, String)> = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let expected = [
        ("GET", "/api/v1/appointments"),
        ("POST", "/api/v1/appointments"),
        ("GET", "/api/v1/appointments/{id}"),
        ("GET", "/api/v1/counselors"),
        ("GET", "/api/v1/counselors/{id}/free-times"),
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/appointments/{id}/approve"),
        ("POST", "/api/v1/appointments/{id}/cancel"),
        ("POST", "/api/v1/appointments/{id}/outcome"),
        ("POST", "/api/v1/appointments/{id}/move"),
        ("GET", "/api/v1/chats"),
        ("GET", "/api/v1/clients"),
        ("POST", "/api/v1/clients"),
        ("GET", "/api/v1/clients/{id}"),
        ("PATCH", "/api/v1/clients/{id}"),
        ("GET", "/api/v1/clients/{id}/questionnaires"),
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("DELETE", "/api/v1/webhooks/{id}"),
    ];
    let mut expected_sorted: Vec<(String, String)> =
        expected.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    expected_sorted.sort();
    assert_eq!(documented, expected_sorted, "the documented routes");
    let (browser, _) = staff(app, Role::Counselor, "api-doc@example.com").await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    for (_, path) in &expected {
        let a = call(app, &t, "PUT", &path.replace("{id}", "x"), None, &[]).await;
        assert_eq!(a.status, 405, "{path} is a route");
    }
    // Every operation names its errors as problems.
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let problem = &op["responses"]["401"]["content"]["application/problem+json"];
            assert!(problem.is_object(), "{op}");
        }
    }

    // An independent validator accepts it.
    let check =
        "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(sys.stdin))\nprint('valid')";
    if let Some(out) = python(check, &text, "openapi_spec_validator") {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
    }

    // The documentation page is served from here, its scripts and styles too.
    let (status, html) = app.get_html(&browser, "/api/docs").await;
    assert_eq!(status, 200);
    assert!(html.contains("/api/v1/openapi.json") && html.contains("/static/swagger-ui-bundle.js"));
    assert!(!html.contains("https://"), "nothing from a CDN");
    for asset in ["/static/swagger-ui-bundle.js", "/static/swagger-ui.css", "/static/api-docs.js"] {
        assert_eq!(app.get(&browser, asset).await.status(), 200, "{asset}");
    }
});

db_test!(admins_manage_webhook_endpoints_through_the_api, async |app: &TestApp| {
    let (admin, _) = staff(app, Role::Admin, "api-hooks-admin@example.com").await;
    let t = token(app, &admin, "/account/tokens", &["webhooks:manage"]).await;
    let body = json!({"url": "https://crm.example.com/hooks", "description": "CRM", "events": ["appointment.booked"]});
    let made = call(app, &t, "POST", "/api/v1/webhooks", Some(body), &[]).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    assert!(made.body["secret"].as_str().unwrap().starts_with("whsec_"));
    let id = made.body["data"]["id"].as_str().unwrap().to_owned();
    let list = get(app, &t, "/api/v1/webhooks").await;
    assert_eq!(list.body["data"][0]["url"], json!("https://crm.example.com/hooks"));
    assert!(list.body["data"][0].get("secret").is_none(), "the secret is shown once");
    assert_eq!(audit_count(app, "webhook.create", Some("ok")).await, 1);

    let bad = json!({"url": "http://127.0.0.1/x", "description": "x".repeat(201), "events": ["appointment.eaten"]});
    let refused = call(app, &t, "POST", "/api/v1/webhooks", Some(bad), &[("accept-language", "en")]).await;
    assert_eq!((refused.status, problem(&refused)), (StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid"));
    let fields: Vec<&str> =
        refused.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["url", "description", "events"]);
    assert!(refused.body["errors"][1]["detail"].as_str().unwrap().contains("200"), "{}", refused.body);

    // Counselors cannot hold the scope; their tokens are refused.
    let (c, _) = staff(app, Role::Counselor, "api-hooks-c@example.com").await;
    let ct = token(app, &c, "/account/tokens", &["appointments:read"]).await;
    let a = get(app, &ct, "/api/v1/webhooks").await;
    assert_eq!((a.status, problem(&a)), (StatusCode::FORBIDDEN, "error-api-scope"));

    let gone = call(app, &t, "DELETE", &format!("/api/v1/webhooks/{id}"), None, &[]).await;
    assert_eq!(gone.status, 204);
    let again = call(app, &t, "DELETE", &format!("/api/v1/webhooks/{id}"), None, &[]).await;
    assert_eq!((again.status, problem(&again)), (StatusCode::NOT_FOUND, "error-api-not-found"));
});

db_test!(clients_as_crm_contacts_follow_the_record_s_rule, async |app: &TestApp| {
    // Counselor A has a client in care (a confirmed appointment); B has none.
    let a = counselor(app, "api-crm-a@example.com", |_| {}).await;
    booked(app, &a, "crm", 1).await;
    let client = app
        .store
        .user_by_email(&sangdam_domain::Email::parse("crm-client@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    // As signing up records it.
    sangdam_store::on_backend!(&app.store, |pool| {
        sqlx::query(
            "INSERT INTO consents (user_id, kind, version, accepted_at) VALUES ($1, 'privacy', '2026-11-01', 1)",
        )
        .bind(client.id.as_str())
        .execute(pool)
        .await
        .unwrap();
    });
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-crm-a@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let t = token(app, &browser, "/account/tokens", &["clients:read", "appointments:read"]).await;
    let (b_browser, _) = staff(app, Role::Counselor, "api-crm-b@example.com").await;
    let tb = token(app, &b_browser, "/account/tokens", &["clients:read"]).await;

    let list = get(app, &t, "/api/v1/clients").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["data"][0]["email"], json!("crm-client@example.com"));
    assert_eq!(list.body["data"][0]["consents"][0]["kind"], json!("privacy"));
    assert_eq!(get(app, &tb, "/api/v1/clients").await.body["data"], json!([]));
    let path = format!("/api/v1/clients/{}", client.id);
    assert_eq!(get(app, &t, &path).await.status, 200);
    let theirs = get(app, &tb, &path).await;
    assert_eq!((theirs.status, problem(&theirs)), (StatusCode::NOT_FOUND, "error-api-not-found"));
    assert_eq!(audit_count(app, "client.read", Some("denied")).await, 1);
    assert_eq!(audit_count(app, "client.read", Some("ok")).await, 1);

    // Changing needs clients:write; only the fields given change; bad ones are named.
    let change = json!({"tags": ["불안", "대학생"], "preferred_channel": "voice"});
    let refused = call(app, &t, "PATCH", &path, Some(change.clone()), &[]).await;
    assert_eq!((refused.status, problem(&refused)), (StatusCode::FORBIDDEN, "error-api-scope"));
    let tw = token(app, &browser, "/account/tokens", &["clients:read", "clients:write"]).await;
    let bad = json!({"phone": "+-()", "tags": ["a,b"], "preferred_channel": "fax"});
    let refused = call(app, &tw, "PATCH", &path, Some(bad), &[]).await;
    assert_eq!(refused.status, 422);
    let fields: Vec<&str> =
        refused.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["tags", "phone", "preferred_channel"]);
    assert_eq!(app.store.client_profile(&client.id).await.unwrap().tags, Vec::<String>::new(), "nothing saved");
    let done = call(app, &tw, "PATCH", &path, Some(change), &[]).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["data"]["tags"], json!(["불안", "대학생"]));
    assert_eq!(done.body["data"]["preferred_channel"], json!("voice"));
    assert_eq!(done.body["data"]["follow_up"], json!(true), "left as it was");
    assert_eq!(audit_count(app, "client.profile.save", Some("ok")).await, 1);
    // The client.updated webhook event committed with the change and ran.
    let done = app.store.list_jobs(sangdam_store::JobStatus::Done, 100).await.unwrap();
    assert_eq!(done.iter().filter(|j| j.kind == "webhook-event" && j.payload.contains("client.updated")).count(), 1);
    let other = call(
        app,
        &token(app, &b_browser, "/account/tokens", &["clients:write"]).await,
        "PATCH",
        &path,
        Some(json!({"tags": []})),
        &[],
    )
    .await;
    assert_eq!(other.status, 404, "another counselor cannot change it");

    // Scores: a summary, never answers.
    let (client_browser, _) = (crate::helpers::new_client(), ());
    assert_eq!(app.signin(&client_browser, "crm-client@example.com", crate::helpers::PASSWORD).await.status(), 303);
    let phq: Vec<(String, String)> = (1..=9).map(|n| (format!("i{n}"), "2".to_owned())).collect();
    let phq: Vec<(&str, &str)> = phq.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(app.post(&client_browser, "/questionnaires/phq9", &phq).await.status(), 200);
    let scores = get(app, &t, &format!("{path}/questionnaires")).await;
    assert_eq!(scores.status, 200);
    assert_eq!(scores.body["data"][0]["questionnaire"], json!("phq9"));
    assert_eq!(scores.body["data"][0]["total"], json!(18));
    assert_eq!(scores.body["data"][0]["band"], json!("moderately_severe"));
    assert!(scores.body["data"][0].get("answers").is_none());
    assert_eq!(audit_count(app, "client.scores.read", Some("ok")).await, 1);

    // The center's service token reads every client; an admin's personal token none.
    let (admin, _) = staff(app, Role::Admin, "api-crm-admin@example.com").await;
    let service = token(app, &admin, "/admin/tokens", &["clients:read"]).await;
    assert_eq!(get(app, &service, "/api/v1/clients").await.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(get(app, &service, &path).await.status, 200);
});

db_test!(a_burst_of_wrong_tokens_is_cut_off_per_address, async |app: &TestApp| {
    app.clock.freeze_at(app.clock.now());
    let (browser, _) = staff(app, Role::Counselor, "api-spray@example.com").await;
    let good = token(app, &browser, "/account/tokens", &["appointments:read"]).await;
    // Valid requests give their reservation back: many in a row never reach the limit.
    for _ in 0..110 {
        assert_eq!(
            reqwest::Client::new().get(app.url("/api/v1/me")).bearer_auth(&good).send().await.unwrap().status(),
            200
        );
    }
    let tasks: Vec<_> = (0..130)
        .map(|i| {
            let url = app.url("/api/v1/me");
            tokio::spawn(async move {
                let wrong = format!("sgd_{:0>32}", i);
                reqwest::Client::new().get(url).bearer_auth(wrong).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut answers = vec![];
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|s| **s == 401).count(), sangdam_web::api::BAD_TOKENS_PER_MINUTE);
    assert_eq!(answers.iter().filter(|s| **s == 429).count(), 130 - sangdam_web::api::BAD_TOKENS_PER_MINUTE);
    // The address is cut off for the rest of the minute, good token or not; then it is not.
    assert_eq!(get(app, &good, "/api/v1/me").await.status, 429);
    app.clock.advance(60);
    assert_eq!(get(app, &good, "/api/v1/me").await.status, 200);
});

db_test!(the_center_books_through_the_api_as_the_booking_page_does, async |app: &TestApp| {
    let c = counselor(app, "api-book-c@example.com", |_| {}).await;
    let (admin, _) = staff(app, Role::Admin, "api-book-admin@example.com").await;
    let service = token(app, &admin, "/admin/tokens", &["appointments:read", "appointments:write"]).await;
    let mut clients = vec![];
    for i in 0..20 {
        clients.push(app.create_user(Role::Client, &format!("api-book-{i}@example.com")).await);
    }
    let (viewer, _) = app.signed_in(Role::Client, "api-book-viewer@example.com").await;
    let slots = listed_slots(app, &viewer, &c).await;
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let ask = |client: &UserId, start: i64| json!({"counselor_id": c.as_str(), "client_id": client.as_str(), "kind": "video", "start": at(start), "reason": "시험 불안"});

    // Twenty clients at once for one time: exactly one gets it.
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (url, t, body) = (app.url("/api/v1/appointments"), service.clone(), ask(client, slots[0]));
            tokio::spawn(async move {
                reqwest::Client::new().post(url).bearer_auth(t).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut answers = vec![];
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|s| **s == 201).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|s| **s == 409).count(), 19, "{answers:?}");
    let mine = crate::booking::appointments_of(app, &c).await;
    assert_eq!(mine.len(), 1);
    assert!(mine[0].reason.is_some(), "the reason is kept, sealed");
    let booked_for = mine[0].client_id.clone();
    let email = app.store.user_by_id(&booked_for).await.unwrap().unwrap().email;
    assert!(!app.mails_to(email.as_str()).await.is_empty(), "the client is told, as after the page");
    assert_eq!(audit_count(app, "appointment.book", Some("ok")).await, 1);

    // The same key and request again: the first answer, nothing booked twice.
    let key = [("idempotency-key", "crm-booking-7")];
    let first = call(app, &service, "POST", "/api/v1/appointments", Some(ask(&clients[0], slots[2])), &key).await;
    let again = call(app, &service, "POST", "/api/v1/appointments", Some(ask(&clients[0], slots[2])), &key).await;
    assert_eq!((first.status, again.status), (StatusCode::CREATED, StatusCode::CREATED), "{:?}", first.body);
    assert_eq!(first.body["data"]["id"], again.body["data"]["id"]);
    assert_eq!(crate::booking::appointments_of(app, &c).await.len(), 2);

    // Bad requests name their fields; nothing is booked.
    let bad = json!({"counselor_id": c.as_str(), "client_id": clients[1].as_str(), "kind": "fax", "start": "soon", "reason": "가".repeat(2001)});
    let refused = call(app, &service, "POST", "/api/v1/appointments", Some(bad), &[]).await;
    let fields: Vec<&str> =
        refused.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((refused.status, fields), (StatusCode::UNPROCESSABLE_ENTITY, vec!["kind", "start", "reason"]));
    let off_grid =
        call(app, &service, "POST", "/api/v1/appointments", Some(ask(&clients[1], slots[0] + 60)), &[]).await;
    assert_eq!((off_grid.status, problem(&off_grid)), (StatusCode::CONFLICT, "error-slot-unavailable"));

    // A counselor books only for themselves, and only a client in their care.
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-book-c@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let own = token(app, &browser, "/account/tokens", &["appointments:write"]).await;
    // A client with no session with this counselor (the burst's winner was any of the twenty).
    let booked_clients: Vec<UserId> =
        crate::booking::appointments_of(app, &c).await.into_iter().map(|a| a.client_id).collect();
    let outsider = clients.iter().find(|id| !booked_clients.contains(id)).unwrap();
    let stranger = call(app, &own, "POST", "/api/v1/appointments", Some(ask(outsider, slots[3])), &[]).await;
    assert_eq!(stranger.status, 404);
    assert_eq!(audit_count(app, "appointment.book", Some("denied")).await, 1);
    let in_care = call(app, &own, "POST", "/api/v1/appointments", Some(ask(&booked_for, slots[3])), &[]).await;
    assert_eq!(in_care.status, 201, "{:?}", in_care.body);
});

db_test!(chats_are_listed_as_metadata_to_whoever_held_them, async |app: &TestApp| {
    let (a_browser, a) = staff(app, Role::Counselor, "api-chat-a@example.com").await;
    let b = app.create_user(Role::Counselor, "api-chat-b@example.com").await;
    let now = app.clock.now();
    // Three chats: one A took, one only offered to A, one B took.
    for (i, (who, accepted)) in [(&a, true), (&a, false), (&b, true)].into_iter().enumerate() {
        let id = format!("chat{i}AAAAAAAAAAAAAAAAAAAAAAA");
        let chat = sangdam_store::NewChat {
            id: &id,
            client_id: None,
            nickname: "비밀닉네임",
            guest_token: Some(b"guest".as_slice()),
            device: "device",
            topic: "anxiety",
            language: sangdam_domain::Language::Ko,
        };
        app.store.create_chat(&chat, now + i as i64, &sangdam_store::Effects::default()).await.unwrap();
        let (status, at) = if accepted { ("active", Some(now + 10)) } else { ("offered", None) };
        sangdam_store::on_backend!(&app.store, |pool| {
            sqlx::query("UPDATE chats SET status = $2, counselor_id = $3, accepted_at = $4 WHERE id = $1")
                .bind(&id)
                .bind(status)
                .bind(who.as_str())
                .bind(at)
                .execute(pool)
                .await
                .unwrap();
        });
    }
    let t = token(app, &a_browser, "/account/tokens", &["clients:read"]).await;
    let mine = get(app, &t, "/api/v1/chats").await;
    assert_eq!(mine.status, 200);
    let ids: Vec<&str> = mine.body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["chat0AAAAAAAAAAAAAAAAAAAAAAA"], "an offer alone is not theirs");
    assert!(!mine.body.to_string().contains("비밀닉네임") && !mine.body.to_string().contains("device"));
    assert_eq!(mine.body["data"][0]["topic"], json!("anxiety"));

    let (sup, _) = staff(app, Role::Supervisor, "api-chat-sup@example.com").await;
    let st = token(app, &sup, "/account/tokens", &["clients:read"]).await;
    let first = get(app, &st, "/api/v1/chats?limit=2").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = get(app, &st, &format!("/api/v1/chats?limit=2&cursor={cursor}")).await;
    let all: Vec<String> = [&first, &rest]
        .iter()
        .flat_map(|p| {
            p.body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(all.len(), 3, "newest first, each once: {all:?}");
    assert_eq!(all[0], "chat2AAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(rest.body["next_cursor"], Value::Null);
    assert_eq!(audit_count(app, "api.chats.list", Some("ok")).await, 3);
});

db_test!(appointments_move_through_the_api_as_on_the_pages, async |app: &TestApp| {
    let c = counselor(app, "api-move-c@example.com", |_| {}).await;
    let ids = booked(app, &c, "move", 3).await;
    let (viewer, _) = app.signed_in(Role::Client, "api-move-viewer@example.com").await;
    let free = listed_slots(app, &viewer, &c).await;
    let taken: Vec<i64> = crate::booking::appointments_of(app, &c).await.iter().map(|a| a.starts_at).collect();
    let open: Vec<i64> = free.into_iter().filter(|s| !taken.contains(s)).collect();
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let browser = crate::helpers::new_client();
    assert_eq!(app.signin(&browser, "api-move-c@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&browser).await;
    let t = token(app, &browser, "/account/tokens", &["appointments:read", "appointments:write"]).await;

    // Two appointments into one free time at once, ten requests each: exactly one lands.
    let target = open[0];
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (url, t) = (app.url(&format!("/api/v1/appointments/{}/move", ids[i % 2])), t.clone());
            let body = json!({"start": at(target)});
            tokio::spawn(async move {
                reqwest::Client::new().post(url).bearer_auth(t).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut answers = vec![];
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let now = crate::booking::appointments_of(app, &c).await;
    assert_eq!(now.iter().filter(|a| a.starts_at == target).count(), 1, "{answers:?}");
    assert!(answers.iter().all(|s| *s == 200 || *s == 409), "{answers:?}");
    // Onto another appointment's time: refused.
    let onto = call(
        app,
        &t,
        "POST",
        &format!("/api/v1/appointments/{}/move", ids[2]),
        Some(json!({"start": at(target)})),
        &[],
    )
    .await;
    assert_eq!((onto.status, problem(&onto)), (StatusCode::CONFLICT, "error-slot-unavailable"));
    let bad = call(
        app,
        &t,
        "POST",
        &format!("/api/v1/appointments/{}/move", ids[2]),
        Some(json!({"start": "tomorrow"})),
        &[],
    )
    .await;
    assert_eq!(bad.body["errors"][0]["field"], json!("start"));
    // The client is told it moved, and the move is audited with the token beside the address.
    let moved = now.iter().find(|a| a.starts_at == target).unwrap();
    let mails = app.mails_to("move-client@example.com").await;
    assert!(
        mails.iter().any(|m| m.subject.contains("변경")),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(moved.sequence >= 1);
    // Another counselor sees nothing to move.
    let (other, _) = staff(app, Role::Counselor, "api-move-other@example.com").await;
    let ot = token(app, &other, "/account/tokens", &["appointments:write", "appointments:read"]).await;
    let theirs = call(
        app,
        &ot,
        "POST",
        &format!("/api/v1/appointments/{}/move", ids[2]),
        Some(json!({"start": at(open[1])})),
        &[],
    )
    .await;
    assert_eq!(theirs.status, 404);
    // The center moves for the client only within the counselor's window for changes (24 h).
    let (admin, _) = staff(app, Role::Admin, "api-move-admin@example.com").await;
    let service = token(app, &admin, "/admin/tokens", &["appointments:read", "appointments:write"]).await;
    let last = crate::booking::appointments_of(app, &c).await.into_iter().find(|a| a.id == ids[2]).unwrap();
    app.clock.freeze_at(last.starts_at - 3600);
    let late = call(
        app,
        &service,
        "POST",
        &format!("/api/v1/appointments/{}/move", ids[2]),
        Some(json!({"start": at(open[2])})),
        &[],
    )
    .await;
    assert_eq!((late.status, problem(&late)), (StatusCode::CONFLICT, "error-reschedule-window"));
});

db_test!(a_center_adds_a_client_who_finishes_the_account_themselves, async |app: &TestApp| {
    use crate::helpers::{PASSWORD, link_in, location, new_client};
    let (admin, _) = staff(app, Role::Admin, "api-invite-admin@example.com").await;
    let service = token(app, &admin, "/admin/tokens", &["clients:read", "clients:write"]).await;
    let reader = token(app, &admin, "/admin/tokens", &["clients:read"]).await;

    // Needs clients:write; bad fields are named; nothing is written.
    let body = json!({"email": "new-contact@example.com", "language": "en"});
    let refused = call(app, &reader, "POST", "/api/v1/clients", Some(body.clone()), &[]).await;
    assert_eq!((refused.status, problem(&refused)), (StatusCode::FORBIDDEN, "error-api-scope"));
    let bad =
        call(app, &service, "POST", "/api/v1/clients", Some(json!({"email": "nope", "language": "fr"})), &[]).await;
    assert_eq!((bad.status, problem(&bad)), (StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid"));
    let fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "language"]);
    assert!(app.store.list_invitations(100).await.unwrap().is_empty());

    let done = call(app, &service, "POST", "/api/v1/clients", Some(body.clone()), &[]).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    assert_eq!(done.body["data"]["status"], json!("invited"));
    let invitation = done.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(audit_count(app, "client.invite", Some("ok")).await, 1);
    // Asked again while it is open: refused, and no second mail.
    let again = call(app, &service, "POST", "/api/v1/clients", Some(body), &[]).await;
    assert_eq!((again.status, problem(&again)), (StatusCode::CONFLICT, "error-api-invitation-open"));
    let mails = app.mails_to("new-contact@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.is_ascii(), "in the language asked for: {}", mails[0].subject);

    // The person makes the account with their own password and consent, and lands as a client.
    let link = link_in(&mails[0].body, app);
    let person = new_client();
    let form = [
        ("display_name", "New Contact"),
        ("password", PASSWORD),
        ("language", "en"),
        ("timezone", "Asia/Seoul"),
        ("email", "someone.else@example.com"),
    ];
    assert_eq!(app.post(&person, &link, &form).await.status(), 422, "consent is their own to give");
    let mut with_consent = form.to_vec();
    with_consent.push(("consent", "yes"));
    let r = app.post(&person, &link, &with_consent).await;
    assert_eq!(location(&r), "/dashboard?welcome=1");
    let user = app
        .store
        .user_by_email(&sangdam_domain::Email::parse("new-contact@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::Client);
    let contact = get(app, &service, &format!("/api/v1/clients/{}", user.id)).await;
    assert_eq!(contact.body["data"]["consents"][0]["kind"], json!("privacy"));
    // client.created committed with the account, naming the invitation it came from.
    let jobs = app.store.list_jobs(sangdam_store::JobStatus::Done, 100).await.unwrap();
    let created: Vec<_> =
        jobs.iter().filter(|j| j.kind == "webhook-event" && j.payload.contains("client.created")).collect();
    assert_eq!(created.len(), 1);
    assert!(created[0].payload.contains(&invitation) && created[0].payload.contains(user.id.as_str()));
    // A client who signs up on their own is created too, without an invitation.
    app.signup_confirmed(&new_client(), "self-made@example.com", "Self Made", "ko").await;
    let jobs = app.store.list_jobs(sangdam_store::JobStatus::Done, 100).await.unwrap();
    assert_eq!(jobs.iter().filter(|j| j.payload.contains("client.created")).count(), 2);
    // An address with an account is refused.
    let taken = call(
        app,
        &service,
        "POST",
        "/api/v1/clients",
        Some(json!({"email": "self-made@example.com", "language": "ko"})),
        &[],
    )
    .await;
    assert_eq!((taken.status, problem(&taken)), (StatusCode::CONFLICT, "error-api-client-exists"));

    // Twenty at once for one address (each with its own key): one invitation, one mail.
    let (counselor_browser, _) = staff(app, Role::Counselor, "api-invite-counselor@example.com").await;
    let personal = token(app, &counselor_browser, "/account/tokens", &["clients:write"]).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let t = if i % 2 == 0 { service.clone() } else { personal.clone() };
            let url = app.url("/api/v1/clients");
            tokio::spawn(async move {
                let r = reqwest::Client::new()
                    .post(url)
                    .bearer_auth(t)
                    .header("idempotency-key", format!("burst-{i}"))
                    .json(&json!({"email": "burst@example.com", "language": "ko"}))
                    .send()
                    .await
                    .unwrap();
                r.status()
            })
        })
        .collect();
    let mut statuses = vec![];
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 19, "{statuses:?}");
    assert_eq!(app.mails_to("burst@example.com").await.len(), 1);

    // The database holds the rules whoever writes: one open invitation per address, known roles.
    let direct = |email: &'static str, role: &'static str, token: &'static str| async move {
        let inviter = app.store.list_invitations(1).await.unwrap()[0].invited_by.clone();
        sangdam_store::on_backend!(&app.store, |pool| {
            sqlx::query(
                "INSERT INTO invitations (token_hash, public_id, email, role, invited_by, created_at, expires_at) \
                 VALUES ($1, $1, $2, $3, $4, 1, 2)",
            )
            .bind(token)
            .bind(email)
            .bind(role)
            .bind(inviter.as_str())
            .execute(pool)
            .await
            .is_ok()
        })
    };
    assert!(!direct("burst@example.com", "client", "direct-1").await, "a second open invitation");
    assert!(!direct("janitor@example.com", "janitor", "direct-2").await, "an unknown role");
    assert!(direct("fine@example.com", "client", "direct-3").await);
});
