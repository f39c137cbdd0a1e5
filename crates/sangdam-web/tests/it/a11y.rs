//! Accessibility: axe-core (vendored in `tests/assets/axe-core`) runs in headless Chromium on
//! every page, signed out and as each role, in Korean and English, at 390 px and 1280 px. No
//! serious or critical violation may remain.

use sangdam_domain::Role;

use crate::helpers::{Db, PASSWORD, TestApp};
use crate::webdriver::{Browser, Driver, browser_binaries};

const AXE: &str = include_str!("../assets/axe-core/axe.min.js");

/// The serious and critical violations on the page at `path`, as `rule: target` lines.
pub async fn violations(b: &Browser<'_>, app: &TestApp, path: &str) -> Vec<String> {
    b.goto(&app.url(path)).await;
    b.script(&format!("{AXE}; return true;")).await;
    let found = b
        .script_async(
            "axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
             .catch(e => done(['axe failed: ' + e]));",
        )
        .await;
    found.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(|s| format!("{path}: {s}"))).collect()
}

async fn sign_in(b: &Browser<'_>, app: &TestApp, email: &str, secret: Option<&sangdam_domain::totp::TotpSecret>) {
    crate::video::sign_in(b, app, email, secret).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_for_every_role_in_both_languages_at_both_widths() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor = crate::booking::counselor(&app, "a11y-counselor@example.com", |_| {}).await;
    app.create_user(Role::Client, "a11y-client@example.com").await;
    let mut secrets = Vec::new();
    for (role, email) in [(Role::Supervisor, "a11y-supervisor@example.com"), (Role::Admin, "a11y-admin@example.com")] {
        app.create_user(role, email).await;
    }
    for email in ["a11y-counselor@example.com", "a11y-supervisor@example.com", "a11y-admin@example.com"] {
        let setup = crate::helpers::new_client();
        assert_eq!(app.signin(&setup, email, PASSWORD).await.status(), 303);
        secrets.push((email, app.enroll_two_factor(&setup).await.0));
    }
    // An appointment tomorrow: its mail's link to move or cancel, and its room, open from a few
    // minutes before the start.
    let booker = crate::helpers::new_client();
    assert_eq!(app.signin(&booker, "a11y-client@example.com", PASSWORD).await.status(), 303);
    let start = crate::booking::times_in(&app, &booker, &counselor, 1).await[0];
    assert_eq!(crate::booking::book(&app, &booker, &counselor, start, &[]).await.status(), 303);
    let appointment = crate::booking::appointments_of(&app, &counselor).await[0].id.clone();
    let token = crate::booking::manage_token(&app, "a11y-client@example.com", "예약 완료").await;
    app.clock.advance(start - 5 * 60 - app.clock.now());
    let room = format!("/appointments/{appointment}/room");
    // The pages axe reads below are those pages, not a sign-in or an error.
    let (status, page) = app.get_html(&crate::helpers::new_client(), &format!("/m/{token}")).await;
    assert!(status == 200 && page.contains(r#"id="manage""#), "{status}");
    assert_eq!(app.signin(&booker, "a11y-client@example.com", PASSWORD).await.status(), 303);
    let r = app.get(&booker, &room).await;
    let (status, page) = app.get_html(&booker, &crate::helpers::location(&r)).await;
    assert!(
        status == 200 && page.contains("call-bar"),
        "{status} {}",
        crate::helpers::between(&page, "<title>", "</title>").unwrap_or_default()
    );
    app.clock.advance(31);
    let visitor = vec![
        format!("/m/{token}"),
        format!("/m/{token}/cancel"),
        format!("/m/{token}/reschedule"),
        "/".to_owned(),
        "/signup".into(),
        "/signin".into(),
        "/forgot".into(),
        "/privacy".into(),
        "/chat".into(),
        "/counselors".into(),
        format!("/counselors/{counselor}"),
        format!("/counselors/{counselor}/calendar?kind=video"),
        "/nope".into(),
    ];
    let client = [
        room.as_str(),
        "/dashboard",
        "/appointments",
        "/messages",
        "/portal",
        "/questionnaires",
        "/account",
        "/account/sessions",
        "/account/two-factor",
        "/account/notifications",
        "/check",
    ];
    let counselor_pages = [
        room.as_str(),
        "/dashboard",
        "/counselor/calendar",
        "/center",
        "/clients",
        "/counselor/settings",
        "/counselor/forms",
        "/recordings",
        "/counselor/feedback",
        "/messages",
        "/account/tokens",
    ];
    let supervisor = ["/dashboard", "/center", "/center/crisis", "/center/dashboard", "/clients"];
    let admin = [
        "/dashboard",
        "/admin/users",
        "/admin/audit",
        "/admin/outbox",
        "/admin/jobs",
        "/admin/invitations",
        "/admin/specialties",
        "/admin/retention",
        "/admin/tokens",
        "/admin/webhooks",
    ];

    let driver = Driver::start(&driver_path).await;
    let mut found = Vec::new();
    for lang in ["ko", "en"] {
        let people: [(Option<&str>, Vec<String>); 5] = [
            (None, visitor.clone()),
            (Some("a11y-client@example.com"), client.iter().map(|p| (*p).to_owned()).collect()),
            (Some("a11y-counselor@example.com"), counselor_pages.iter().map(|p| (*p).to_owned()).collect()),
            (Some("a11y-supervisor@example.com"), supervisor.iter().map(|p| (*p).to_owned()).collect()),
            (Some("a11y-admin@example.com"), admin.iter().map(|p| (*p).to_owned()).collect()),
        ];
        for (who, pages) in people {
            let b = driver.browser(&chromium, lang).await;
            if let Some(email) = who {
                let secret = secrets.iter().find(|(e, _)| *e == email).map(|(_, s)| s);
                app.clock.advance(31);
                sign_in(&b, &app, email, secret).await;
            }
            for width in [390, 1280] {
                b.resize(width, 900).await;
                for path in &pages {
                    for v in violations(&b, &app, path).await {
                        found.push(format!("{lang} {width}px {}: {v}", who.unwrap_or("visitor")));
                    }
                }
            }
            b.close().await;
        }
    }
    assert!(found.is_empty(), "{} serious or critical violations:\n{}", found.len(), found.join("\n"));
    drop(driver);
    app.finish().await;
}
