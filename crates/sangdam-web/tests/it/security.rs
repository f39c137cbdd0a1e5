//! CSRF, throttling and lockout, roles, deactivation, error pages, probes.

use sangdam_domain::Role;

use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, location, new_client};

db_test!(state_changing_requests_need_the_csrf_token, async |app: &TestApp| {
    let (browser, _) = app.signed_in(Role::Client, "csrf@example.com").await;
    let r = browser.post(app.url("/signout")).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(r.status(), 403, "no token");
    assert!(r.text().await.unwrap().contains("보안 확인에 실패했습니다"));
    let r = browser.post(app.url("/signout")).form(&[("csrf", "0000")]).send().await.unwrap();
    assert_eq!(r.status(), 403, "wrong token");
    let token = app.csrf(&browser).await;
    let r = browser
        .post(app.url("/signout"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "right token from another site");
    // Another browser's token does not work here.
    let other = new_client();
    let other_token = app.csrf(&other).await;
    let r = browser.post(app.url("/signout")).form(&[("csrf", other_token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.get(&browser, "/dashboard").await.status(), 200, "still signed in");
    let r = browser
        .post(app.url("/signout"))
        .header("origin", &app.address)
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "right token, right origin");
    // The sign-in form itself is protected too (login CSRF).
    let r = other
        .post(app.url("/signin"))
        .form(&[("email", "csrf@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
});

db_test!(throttling_then_lockout_then_recovery, async |app: &TestApp| {
    // The throttle counts seconds: a slow machine must not let a wait run out between two tries.
    app.clock.freeze();
    app.create_user(Role::Client, "target@example.com").await;
    let attacker = new_client();
    let wrong = "definitely not the password";
    for i in 1..=6 {
        let r = app.signin(&attacker, "target@example.com", wrong).await;
        assert_eq!(r.status(), 401, "failure {i} is answered at once");
    }
    // After six failures the next try must wait (1 s after the sixth, then longer).
    let r = app.signin(&attacker, "target@example.com", wrong).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("초 후에 다시 시도"));
    // Even the right password waits: the throttle does not tell a guess from the owner.
    assert_eq!(app.signin(&new_client(), "target@example.com", PASSWORD).await.status(), 429);
    for _ in 7..=10 {
        app.clock.advance(61);
        assert_eq!(app.signin(&attacker, "target@example.com", wrong).await.status(), 401);
    }
    // The tenth failure within 15 minutes locks the account for 15 minutes and tells the owner.
    app.clock.advance(61);
    let r = app.signin(&new_client(), "target@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("계정이 잠시 잠겼습니다"));
    let mails = app.mails_to("target@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("잠겼습니다"));
    app.clock.advance(15 * 60);
    let r = app.signin(&new_client(), "target@example.com", PASSWORD).await;
    assert_eq!(r.status(), 303, "the lock has ended");

    // An unknown address gets the same answers, so locks reveal nothing.
    for _ in 1..=6 {
        assert_eq!(app.signin(&attacker, "ghost@example.com", wrong).await.status(), 401);
    }
    assert_eq!(app.signin(&attacker, "ghost@example.com", wrong).await.status(), 429);
});

db_test!(one_network_address_is_limited_across_accounts, async |app: &TestApp| {
    let attacker = new_client();
    for i in 0..30 {
        let r = app.signin(&attacker, &format!("spray{i}@example.com"), "some guessed password").await;
        assert_eq!(r.status(), 401);
    }
    let r = app.signin(&attacker, "spray99@example.com", "some guessed password").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("이 네트워크에서 로그인 실패가 너무 많습니다"));
});

db_test!(clients_are_refused_on_admin_pages_and_others_data, async |app: &TestApp| {
    let (client, _) = app.signed_in(Role::Client, "client@example.com").await;
    let other = app.create_user(Role::Client, "other@example.com").await;
    for path in
        ["/admin/users", &format!("/admin/users/{other}"), "/admin/audit", "/admin/outbox", "/admin/invitations"]
    {
        let r = app.get(&client, path).await;
        assert_eq!(r.status(), 403, "{path}");
        assert!(r.text().await.unwrap().contains("접근 권한이 없습니다"));
    }
    let r = app.post(&client, &format!("/admin/users/{other}/active"), &[("active", "false")]).await;
    assert_eq!(r.status(), 403);
    let r = app.post(&client, &format!("/admin/users/{other}/role"), &[("role", "admin")]).await;
    assert_eq!(r.status(), 403);
    // Another user's session cannot be ended by naming it.
    let other_browser = crate::helpers::new_client();
    app.signin(&other_browser, "other@example.com", PASSWORD).await;
    let other_sessions = app.store.list_user_sessions(&other).await.unwrap();
    let public_id = &other_sessions[0].1.public_id;
    let r = app.post(&client, &format!("/account/sessions/{public_id}/end"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&other_browser, "/dashboard").await.status(), 200, "the other user's session lives on");
    let (_, html) = app.get_html(&client, "/account/sessions").await;
    assert!(!html.contains(public_id.as_str()), "nobody sees another user's sessions");
    // Not signed in at all: to the sign-in page, and back afterwards.
    let r = app.get(&new_client(), "/admin/users").await;
    assert_eq!(location(&r), "/signin?next=/admin/users");
});

db_test!(staff_must_enroll_in_two_factor_before_client_data, async |app: &TestApp| {
    let (admin, _) = app.signed_in(Role::Admin, "boss@example.com").await;
    let r = app.get(&admin, "/admin/users").await;
    assert_eq!(location(&r), "/account/two-factor?required=1");
    let (_, html) = app.get_html(&admin, "/dashboard").await;
    assert!(html.contains("2단계 인증을 설정해야 합니다"));
    app.enroll_two_factor(&admin).await;
    assert_eq!(app.get(&admin, "/admin/users").await.status(), 200);
});

db_test!(error_pages_are_localized_and_hide_internals, async |app: &TestApp| {
    let browser = new_client();
    let r = app.get(&browser, "/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("페이지를 찾을 수 없습니다"));
    let r = browser.get(app.url("/no/such/page")).header("accept-language", "en").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Page not found"));
    // An oversized form is refused with a clear answer, not a dropped connection.
    let token = app.csrf(&browser).await;
    let big = "x".repeat(100 * 1024);
    let r = browser
        .post(app.url("/signin"))
        .form(&[("csrf", token.as_str()), ("email", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // A broken database is a generic 500 page.
    app.store.close().await;
    let r = app.get(&browser, "/forgot").await;
    assert_eq!(r.status(), 200, "pages that need no database still work");
    let r = app.post(&browser, "/forgot", &[("email", "a@example.com")]).await;
    assert_eq!(r.status(), 500);
    let html = r.text().await.unwrap();
    assert!(html.contains("문제가 생겼습니다"));
    assert!(!html.to_lowercase().contains("pool") && !html.contains("sqlx"), "no internals: {html}");
    assert_eq!(app.get(&browser, "/readyz").await.status(), 503);
});

db_test!(probes_and_metrics, async |app: &TestApp| {
    let browser = new_client();
    assert_eq!(app.get(&browser, "/healthz").await.text().await.unwrap(), "ok");
    assert_eq!(app.get(&browser, "/readyz").await.status(), 200);
    app.signin(&browser, "nobody@example.com", "wrong password again").await;
    let metrics = app.get(&browser, "/metrics").await.text().await.unwrap();
    assert!(metrics.contains("sangdam_http_responses_total{class=\"2xx\"}"));
    assert!(metrics.contains("sangdam_signin_failures_total 1"), "{metrics}");
    let css = app.get(&browser, "/static/app.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
});
