//! Sign-up, sign-in, sign-out, sessions, profile and language.

use sangdam_domain::Role;

use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, location, new_client};

// A session's age is its own, not its user's: the user's `created_at` once shadowed the session's
// in the joined query on SQLite, so accounts older than the absolute session limit (12 hours)
// were signed out on their first page.
db_test!(old_accounts_stay_signed_in, async |app: &TestApp| {
    app.create_user(Role::Client, "veteran@example.com").await;
    app.clock.advance(3 * 24 * 3600);
    let browser = new_client();
    assert_eq!(app.signin(&browser, "veteran@example.com", PASSWORD).await.status(), 303);
    let (status, _) = app.get_html(&browser, "/dashboard").await;
    assert_eq!(status, 200, "still signed in on the next page");
    app.clock.advance(10 * 60);
    assert_eq!(app.get_html(&browser, "/account").await.0, 200);
});

db_test!(sign_up_sign_out_and_sign_in, async |app: &TestApp| {
    let browser = new_client();
    let r = app.signup_confirmed(&browser, "minji@example.com", "김민지", "ko").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard?welcome=1");
    let (status, html) = app.get_html(&browser, "/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("김민지님, 안녕하세요"), "{html}");

    // The consent to the privacy notice is stored with its version.
    let user =
        app.store.user_by_email(&sangdam_domain::Email::parse("minji@example.com").unwrap()).await.unwrap().unwrap();
    assert_eq!(user.role, Role::Client);

    let r = app.post(&browser, "/signout", &[]).await;
    assert_eq!(location(&r), "/signin?notice=signed-out");
    let r = app.get(&browser, "/dashboard").await;
    assert_eq!(r.status(), 303, "signed out");
    assert!(location(&r).starts_with("/signin"));

    let r = app.signin(&browser, "MINJI@example.com ", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(app.get(&browser, "/dashboard").await.status(), 200);
});

db_test!(sign_up_in_english_and_errors_keep_what_was_typed, async |app: &TestApp| {
    let browser = new_client();
    let r = app
        .post(
            &browser,
            "/signup",
            &[("email", "liam@example.com"), ("display_name", "Liam"), ("language", "en"), ("timezone", "Mars/Base")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"liam@example.com\""), "the email is kept");
    assert!(html.contains("value=\"Liam\""), "the name is kept");
    assert!(!html.contains("type=\"password\""), "the first form asks no password: the mailed link does");
    // Without an English choice yet, the page speaks Korean (the default).
    assert!(html.contains("알 수 없는 시간대"), "{html}");
    assert!(html.contains("개인정보 수집·이용에 동의"));

    let english = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers({
            let mut h = reqwest::header::HeaderMap::new();
            h.insert("accept-language", "en-US,en;q=0.9".parse().unwrap());
            h
        })
        .build()
        .unwrap();
    let r = app.post(&english, "/signup", &[("email", "not-an-email")]).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("That does not look like an email address"), "{html}");
    // The link's page asks for the password, says what is wrong with it, keeps the name typed
    // and never sends the password back.
    assert_eq!(app.signup(&english, "liam@example.com", "Liam", "en").await.status(), 200);
    let link = crate::helpers::link_in(&app.mails_to("liam@example.com").await[0].body, app);
    let (status, html) = app.get_html(&english, &link).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"Liam\"") && html.contains("autocomplete=\"new-password\""), "{html}");
    for (password, error) in [("short", "at least 10 characters"), ("password123", "too common")] {
        let r =
            app.post(&english, &link, &[("display_name", "Liam W."), ("password", password), ("consent", "yes")]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains(error), "{error}: {html}");
        assert!(html.contains("value=\"Liam W.\"") && !html.contains(password), "{html}");
    }
    assert_eq!(app.mails_to("liam@example.com").await.len(), 1, "a refused password keeps the link open");
    // The owner's own consent is asked there too, and is the one recorded.
    let r = app.post(&english, &link, &[("display_name", "Liam"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("agree to the collection"), "consent is required");
    let r = app.post(&english, &link, &[("display_name", "Liam"), ("password", PASSWORD), ("consent", "yes")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_html(&english, "/dashboard").await;
    assert!(html.contains("Hello, Liam"));

    // The same email cannot sign up twice, and the form does not say so: the owner is told by
    // mail instead, and the page is the one a new address gets.
    let before = app.mails_to("liam@example.com").await.len();
    let taken = app.signup(&new_client(), "Liam@Example.com", "Other", "en").await;
    assert_eq!(taken.status(), 200);
    let taken = taken.text().await.unwrap();
    let fresh = app.signup(&new_client(), "noah@example.com", "Noah", "en").await.text().await.unwrap();
    let strip = |s: &str| {
        let csrf = crate::helpers::between(s, "name=\"csrf\" value=\"", "\"").unwrap_or_default();
        s.replace(&csrf, "").replace("liam@example.com", "X").replace("noah@example.com", "X")
    };
    assert_eq!(strip(&taken), strip(&fresh), "the answer reveals nothing about which address has an account");
    let mails = app.mails_to("liam@example.com").await;
    assert_eq!(mails.len(), before + 1);
    assert!(mails.iter().any(|m| m.subject == "[Sangdam] This address already has an account"));
    assert_eq!(
        app.store
            .search_users(&sangdam_store::UserSearch { text: Some("Other".into()), role: None, limit: 5, offset: 0 })
            .await
            .unwrap()
            .1,
        0
    );
    // A sign-up link works once.
    let link = crate::helpers::link_in(&app.mails_to("noah@example.com").await[0].body, app);
    let noah = new_client();
    let fields = [("display_name", "Noah"), ("password", PASSWORD), ("consent", "yes")];
    assert_eq!(app.post(&noah, &link, &fields).await.status(), 303);
    assert_eq!(app.post(&new_client(), &link, &fields).await.status(), 404);
});

// Someone who types another person's address into the sign-up form learns nothing and holds
// nothing: the owner, who opens the mailed link, chooses the password and may change the name.
db_test!(a_sign_up_typed_by_someone_else_is_the_owners_account, async |app: &TestApp| {
    let intruder = new_client();
    assert_eq!(app.signup(&intruder, "owner@example.com", "Not You", "en").await.status(), 200);
    let link = crate::helpers::link_in(&app.mails_to("owner@example.com").await[0].body, app);
    let owner = new_client();
    let r = app.post(&owner, &link, &[("display_name", "Owner"), ("password", PASSWORD), ("consent", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&intruder, "/dashboard").await.status(), 303, "the intruder is not signed in");
    let user = app
        .store
        .user_by_email(&sangdam_domain::Email::parse("owner@example.com").unwrap())
        .await
        .unwrap()
        .expect("the account exists");
    assert_eq!(user.display_name.as_str(), "Owner", "the name the owner chose");
    // Only the password chosen on the link's page opens it.
    assert_eq!(app.signin(&new_client(), "owner@example.com", PASSWORD).await.status(), 303);
});

db_test!(wrong_password_and_unknown_email_get_the_same_answer, async |app: &TestApp| {
    app.create_user(Role::Client, "known@example.com").await;
    let browser = new_client();
    let a = app.signin(&browser, "known@example.com", "not the right password").await;
    let b = app.signin(&browser, "nobody@example.com", "not the right password").await;
    assert_eq!(a.status(), 401);
    assert_eq!(b.status(), 401);
    let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
    assert!(a.contains("이메일 또는 비밀번호가 맞지 않습니다"));
    let strip = |s: &str| s.replace("known@example.com", "X").replace("nobody@example.com", "X");
    assert_eq!(strip(&a), strip(&b), "the replies reveal nothing about which email exists");
});

db_test!(language_follows_setting_then_cookie_then_browser, async |app: &TestApp| {
    let browser = new_client();
    let (_, html) = app.get_html(&browser, "/").await;
    assert!(html.contains("<html lang=\"ko\">"), "Korean by default");
    let r = app.post(&browser, "/language", &[("lang", "en"), ("next", "/privacy")]).await;
    assert_eq!(location(&r), "/privacy");
    let (_, html) = app.get_html(&browser, "/").await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("A safe place to talk"));
    // A way back to another site is refused.
    let r = app.post(&browser, "/language", &[("lang", "ko"), ("next", "//evil.example/")]).await;
    assert_eq!(location(&r), "/dashboard");

    // Signed in, the account's language wins, and the switcher changes it.
    app.create_user(Role::Client, "hana@example.com").await;
    let signed = new_client();
    app.signin(&signed, "hana@example.com", PASSWORD).await;
    let (_, html) = app.get_html(&signed, "/dashboard").await;
    assert!(html.contains("<html lang=\"ko\">"));
    app.post(&signed, "/language", &[("lang", "en"), ("next", "/dashboard")]).await;
    let user =
        app.store.user_by_email(&sangdam_domain::Email::parse("hana@example.com").unwrap()).await.unwrap().unwrap();
    assert_eq!(user.language, sangdam_domain::Language::En);
    // Bad input is a clear, localized 400.
    let r = app.post(&signed, "/language", &[("lang", "fr")]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("The form could not be read"));
});

db_test!(idle_sessions_expire_and_sign_out_everywhere_works, async |app: &TestApp| {
    let (laptop, _) = app.signed_in(Role::Client, "jiwoo@example.com").await;
    let phone = new_client();
    app.signin(&phone, "jiwoo@example.com", PASSWORD).await;
    let (_, html) = app.get_html(&laptop, "/account/sessions").await;
    assert_eq!(html.matches("/end\"").count(), 2, "both sessions are listed");

    // 29 minutes idle is fine; at 31 minutes the session is over.
    app.clock.advance(29 * 60);
    assert_eq!(app.get(&laptop, "/dashboard").await.status(), 200);
    app.clock.advance(2 * 60);
    let r = app.get(&phone, "/dashboard").await;
    assert_eq!(r.status(), 303, "the phone, idle for 31 minutes, is signed out");
    assert_eq!(app.get(&laptop, "/dashboard").await.status(), 200, "the laptop was used 2 minutes ago");

    // "Sign out everywhere" ends every session, this one included.
    let tablet = new_client();
    app.signin(&tablet, "jiwoo@example.com", PASSWORD).await;
    let r = app.post(&laptop, "/account/sessions/end-all", &[]).await;
    assert_eq!(location(&r), "/signin?notice=everywhere");
    assert_eq!(app.get(&laptop, "/dashboard").await.status(), 303);
    assert_eq!(app.get(&tablet, "/dashboard").await.status(), 303);
});

db_test!(sessions_end_after_twelve_hours_however_busy, async |app: &TestApp| {
    let (browser, _) = app.signed_in(Role::Client, "busy@example.com").await;
    for _ in 0..(11 * 3 + 2) {
        app.clock.advance(20 * 60);
        assert_eq!(app.get(&browser, "/dashboard").await.status(), 200);
    }
    app.clock.advance(20 * 60);
    assert_eq!(app.get(&browser, "/dashboard").await.status(), 303, "12 hours is the absolute limit");
});

db_test!(password_change_ends_other_sessions, async |app: &TestApp| {
    let (laptop, _) = app.signed_in(Role::Client, "seoyeon@example.com").await;
    let phone = new_client();
    app.signin(&phone, "seoyeon@example.com", PASSWORD).await;
    let r = app
        .post(
            &laptop,
            "/account/password",
            &[("current", "wrong password here"), ("new", "another long passphrase here")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(&laptop, "/account/password", &[("current", PASSWORD), ("new", "amber kettle over misty harbor")])
        .await;
    assert_eq!(location(&r), "/account/password?saved=1");
    assert_eq!(app.get(&laptop, "/dashboard").await.status(), 200, "this session stays");
    assert_eq!(app.get(&phone, "/dashboard").await.status(), 303, "the other ends");
    assert_eq!(app.signin(&new_client(), "seoyeon@example.com", "amber kettle over misty harbor").await.status(), 303);
    assert_eq!(app.mails_to("seoyeon@example.com").await.len(), 1, "the owner is told");
});

db_test!(profile_changes_are_validated_and_saved, async |app: &TestApp| {
    let (browser, id) = app.signed_in(Role::Client, "doyun@example.com").await;
    let r =
        app.post(&browser, "/account", &[("display_name", ""), ("language", "en"), ("timezone", "Nowhere/City")]).await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            &browser,
            "/account",
            &[("display_name", "Doyun Lee"), ("language", "en"), ("timezone", "America/New_York")],
        )
        .await;
    assert_eq!(location(&r), "/account?saved=1");
    let user = app.store.user_by_id(&id).await.unwrap().unwrap();
    assert_eq!(user.display_name.as_str(), "Doyun Lee");
    assert_eq!(user.timezone.as_str(), "America/New_York");
    let (_, html) = app.get_html(&browser, "/account?saved=1").await;
    assert!(html.contains("Saved."));
});

db_test!(each_role_has_a_short_menu_that_marks_the_page_it_is_on, async |app: &TestApp| {
    // The top menu's own items (the "more" group and the account aside), and the one marked.
    fn menu(html: &str) -> (usize, Vec<String>) {
        let nav = crate::helpers::between(html, r#"<ul id="nav-items">"#, "</nav>").expect("the menu");
        let top = nav.split("<details").next().unwrap_or_default();
        let items = top.matches("<li><a href=").count();
        let current = nav
            .split(r#"aria-current="page">"#)
            .skip(1)
            .filter_map(|p| p.split('<').next().map(str::to_owned))
            .collect();
        (items, current)
    }
    let visitor = new_client();
    let (_, html) = app.get_html(&visitor, "/counselors").await;
    assert_eq!(menu(&html).1, vec!["상담사 찾기"]);
    for (role, email, path, marked) in [
        (Role::Client, "menu-client@example.com", "/appointments", "예약"),
        (Role::Counselor, "menu-counselor@example.com", "/dashboard", "홈"),
        (Role::Supervisor, "menu-supervisor@example.com", "/dashboard", "홈"),
        (Role::Admin, "menu-admin@example.com", "/dashboard", "홈"),
    ] {
        let (browser, _) = app.signed_in(role, email).await;
        let (status, html) = app.get_html(&browser, path).await;
        assert_eq!(status, 200, "{email}");
        let (items, current) = menu(&html);
        assert!(items <= 6, "{email}: {items} top items");
        assert_eq!(current, vec![marked.to_owned()], "{email} on {path}");
    }
});

db_test!(a_visitor_sees_times_in_the_browsers_zone_and_signs_up_with_it, async |app: &TestApp| {
    let c = crate::booking::counselor(app, "zones@example.com", |_| {}).await;
    let visitor = new_client();
    let page = |path: String, zone: Option<&'static str>| {
        let mut r = visitor.get(app.url(&path));
        if let Some(z) = zone {
            r = r.header("cookie", format!("tz={z}"));
        }
        async move { r.send().await.unwrap().text().await.unwrap() }
    };
    // The pages' script stores the browser's zone in a cookie; until then, Seoul.
    assert!(page(format!("/counselors/{c}"), None).await.contains(" KST</a>"));
    let html = page(format!("/counselors/{c}"), Some("America/New_York")).await;
    assert!(html.contains(" EST</a>") || html.contains(" EDT</a>"), "slot times in New York time");
    let signup = page("/signup".into(), Some("America/New_York")).await;
    assert!(
        signup.contains(r#"name="timezone" list="timezones" value="America/New_York""#),
        "the sign-up form starts from the browser's zone"
    );
    // A zone that does not exist is ignored.
    assert!(page(format!("/counselors/{c}"), Some("Mars/Olympus")).await.contains(" KST</a>"));
});

db_test!(a_password_change_whose_audit_entry_fails_changes_nothing_and_mails_nothing, async |app: &TestApp| {
    let (laptop, id) = app.signed_in(Role::Client, "minji@example.com").await;
    let phone = new_client();
    app.signin(&phone, "minji@example.com", PASSWORD).await;
    let before = app.store.user_by_id(&id).await.unwrap().unwrap().password_hash;
    app.break_audit_log(true).await;
    let r = app
        .post(&laptop, "/account/password", &[("current", PASSWORD), ("new", "amber kettle over misty harbor")])
        .await;
    assert_eq!(r.status(), 500);
    app.break_audit_log(false).await;
    assert_eq!(app.store.user_by_id(&id).await.unwrap().unwrap().password_hash, before, "the password is as it was");
    assert_eq!(app.get(&phone, "/dashboard").await.status(), 200, "no session ended");
    assert!(app.mails_to("minji@example.com").await.is_empty(), "nobody is told of a change that did not happen");
    // Done again with the log working: changed, the other session ended, the owner told, one entry.
    let r = app
        .post(&laptop, "/account/password", &[("current", PASSWORD), ("new", "amber kettle over misty harbor")])
        .await;
    assert_eq!(location(&r), "/account/password?saved=1");
    assert_eq!(app.get(&phone, "/dashboard").await.status(), 303);
    assert_eq!(app.mails_to("minji@example.com").await.len(), 1);
    assert_eq!(crate::records::audited_count(app, "password.change").await, 1);
});

db_test!(sessions_ended_at_once_are_each_logged_once, async |app: &TestApp| {
    let (laptop, id) = app.signed_in(Role::Client, "jiho@example.com").await;
    let laptop_id = app.store.list_user_sessions(&id).await.unwrap()[0].1.public_id.clone();
    let phone = new_client();
    app.signin(&phone, "jiho@example.com", PASSWORD).await;
    let sessions = app.store.list_user_sessions(&id).await.unwrap();
    let phone_id = sessions.iter().map(|(_, s)| s.public_id.clone()).find(|p| *p != laptop_id).unwrap();
    let path = format!("/account/sessions/{phone_id}/end");
    let presses = (0..20).map(|_| app.post(&laptop, &path, &[]));
    let statuses: Vec<u16> =
        futures_util::future::join_all(presses).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(app.get(&phone, "/dashboard").await.status(), 303, "the phone is signed out");
    assert_eq!(app.get(&laptop, "/dashboard").await.status(), 200, "the laptop is not");
    assert_eq!(crate::records::audited_count(app, "session.end").await, 1, "one session ended, one entry");
});
