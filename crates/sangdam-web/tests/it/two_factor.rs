//! Two-factor enrollment and sign-in, code replay, recovery codes.

use sangdam_domain::Role;

use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, location, new_client};

db_test!(enroll_then_sign_in_with_a_code_that_works_once, async |app: &TestApp| {
    let (browser, _) = app.signed_in(Role::Counselor, "counselor@example.com").await;
    let (secret, _codes) = app.enroll_two_factor(&browser).await;
    app.post(&browser, "/signout", &[]).await;

    // The password alone opens only the two-factor step.
    let r = app.signin(&browser, "counselor@example.com", PASSWORD).await;
    assert_eq!(location(&r), "/signin/two-factor?next=/dashboard");
    assert_eq!(location(&app.get(&browser, "/dashboard").await), "/signin/two-factor");
    let (_, html) = app.get_html(&browser, "/signin/two-factor").await;
    assert!(html.contains("인증 앱에 표시된 6자리 코드"));

    // The code that confirmed enrollment was used: the same time step is refused.
    let used = secret.code_at(app.clock.now());
    let r = app.post(&browser, "/signin/two-factor", &[("code", &used)]).await;
    assert_eq!(r.status(), 401, "a code cannot be used twice");
    assert!(r.text().await.unwrap().contains("인증 코드가 맞지 않거나 이미 사용되었습니다"));

    app.clock.advance(30);
    let fresh = secret.code_at(app.clock.now());
    let r = app.post(&browser, "/signin/two-factor", &[("code", &fresh), ("next", "/account")]).await;
    assert_eq!(location(&r), "/account");
    assert_eq!(app.get(&browser, "/dashboard").await.status(), 200);

    // The same fresh code, replayed in another sign-in, is refused.
    let thief = new_client();
    app.signin(&thief, "counselor@example.com", PASSWORD).await;
    let r = app.post(&thief, "/signin/two-factor", &[("code", &fresh)]).await;
    assert_eq!(r.status(), 401);
    assert_eq!(location(&app.get(&thief, "/dashboard").await), "/signin/two-factor");
});

db_test!(recovery_codes_work_once_each, async |app: &TestApp| {
    let (browser, id) = app.signed_in(Role::Client, "phone-lost@example.com").await;
    let (_, codes) = app.enroll_two_factor(&browser).await;
    app.post(&browser, "/signout", &[]).await;

    let lost = new_client();
    app.signin(&lost, "phone-lost@example.com", PASSWORD).await;
    let r = app.post(&lost, "/signin/two-factor", &[("code", &codes[0].to_uppercase())]).await;
    assert_eq!(r.status(), 303, "a recovery code signs in, whatever its case");
    assert_eq!(app.store.unused_recovery_codes(&id).await.unwrap(), 9);
    app.post(&lost, "/signout", &[]).await;

    app.signin(&lost, "phone-lost@example.com", PASSWORD).await;
    let r = app.post(&lost, "/signin/two-factor", &[("code", &codes[0])]).await;
    assert_eq!(r.status(), 401, "a used recovery code is refused");
    let r = app.post(&lost, "/signin/two-factor", &[("code", &codes[1])]).await;
    assert_eq!(r.status(), 303);

    // New codes replace the old ones.
    let r = app.post(&lost, "/account/two-factor/recovery-codes", &[("code", &codes[2])]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10);
    assert_eq!(app.store.unused_recovery_codes(&id).await.unwrap(), 10);
});

db_test!(wrong_codes_count_as_failed_sign_ins, async |app: &TestApp| {
    // The throttle counts seconds: a slow machine must not let a wait run out between two tries.
    app.clock.freeze();
    let (browser, _) = app.signed_in(Role::Admin, "admin2@example.com").await;
    app.enroll_two_factor(&browser).await;
    app.post(&browser, "/signout", &[]).await;
    app.signin(&browser, "admin2@example.com", PASSWORD).await;
    for _ in 0..6 {
        assert_eq!(app.post(&browser, "/signin/two-factor", &[("code", "000000")]).await.status(), 401);
    }
    assert_eq!(app.post(&browser, "/signin/two-factor", &[("code", "000000")]).await.status(), 429);
});

db_test!(disabling_needs_password_and_code, async |app: &TestApp| {
    let (browser, id) = app.signed_in(Role::Client, "off@example.com").await;
    let (secret, _) = app.enroll_two_factor(&browser).await;
    app.clock.advance(30);
    let code = secret.code_at(app.clock.now());
    let r = app
        .post(&browser, "/account/two-factor/disable", &[("password", "wrong password value"), ("code", &code)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(app.store.user_by_id(&id).await.unwrap().unwrap().two_factor_enrolled());
    let r = app.post(&browser, "/account/two-factor/disable", &[("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(r.status(), 303);
    assert!(!app.store.user_by_id(&id).await.unwrap().unwrap().two_factor_enrolled());
});

db_test!(two_factor_is_not_turned_off_when_its_audit_entry_fails, async |app: &TestApp| {
    let (browser, id) = app.signed_in(Role::Counselor, "careful@example.com").await;
    let (secret, _codes) = app.enroll_two_factor(&browser).await;
    assert_eq!(crate::records::audited_count(app, "two_factor.enable").await, 1);
    app.clock.advance(30);
    let code = secret.code_at(app.clock.now());
    app.break_audit_log(true).await;
    let r = app.post(&browser, "/account/two-factor/disable", &[("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(r.status(), 500);
    app.break_audit_log(false).await;
    assert!(app.store.user_by_id(&id).await.unwrap().unwrap().two_factor_enrolled(), "still on, as nothing was logged");
    app.clock.advance(30);
    let code = secret.code_at(app.clock.now());
    let r = app.post(&browser, "/account/two-factor/disable", &[("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(r.status(), 303);
    assert!(!app.store.user_by_id(&id).await.unwrap().unwrap().two_factor_enrolled());
    assert_eq!(crate::records::audited_count(app, "two_factor.disable").await, 1);
});
