//! The pages in real headless Chromium: a visitor signs up and signs in through the forms, in
//! Korean and in English; the main pages are photographed at phone and desktop widths.

use std::path::PathBuf;

use crate::helpers::{Db, PASSWORD, TestApp};
use crate::webdriver::{Driver, browser_binaries};

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots")
}

/// Sign up through the form, sign out, sign in through the form.
async fn visitor_journey(lang: &str, greeting: &str, name: &str, email: &str) {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, lang).await;

    b.goto(&app.url("/")).await;
    b.wait_for_text(&format!("<html lang=\"{lang}\">")).await;
    b.click("a.button[href='/signup']").await;
    b.wait_for_url("/signup").await;
    b.fill("#email", email).await;
    b.fill("#display_name", name).await;
    b.fill("#password", PASSWORD).await;
    b.click("input[name=consent]").await;
    b.click("form button[type=submit]").await;
    b.wait_for_url("/dashboard").await;
    b.wait_for_text(greeting).await;

    b.click("header form button").await;
    b.wait_for_url("/signin").await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert!(b.wait_for_url("/dashboard").await.ends_with("/dashboard"));
    b.wait_for_text(greeting).await;
    b.close().await;
    drop(driver);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_signs_up_and_in_in_korean() {
    visitor_journey("ko", "지수님, 안녕하세요", "지수", "jisu@example.com").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_signs_up_and_in_in_english() {
    visitor_journey("en", "Hello, Grace", "Grace", "grace@example.com").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_fit_phones_and_desktops() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, "ko").await;
    app.create_user(sangdam_domain::Role::Admin, "shots@example.com").await;

    let public = ["/", "/signup", "/signin", "/forgot", "/privacy", "/nope"];
    let private = ["/dashboard", "/account", "/account/sessions", "/account/two-factor"];
    for width in [360, 390, 1280] {
        b.resize(width, 900).await;
        for path in public {
            shoot(&b, &app, path, width).await;
        }
    }
    b.goto(&app.url("/signin")).await;
    b.fill("#email", "shots@example.com").await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_url("/dashboard").await;
    // The two-factor page with its QR code, too.
    b.goto(&app.url("/account/two-factor")).await;
    b.click("form[action='/account/two-factor/start'] button").await;
    // The enrollment page shows the QR code once the key exists.
    b.element(".qr svg").await;
    for width in [360, 390, 1280] {
        b.resize(width, 900).await;
        for path in private {
            shoot(&b, &app, path, width).await;
        }
    }
    b.close().await;
    drop(driver);
    app.finish().await;
}

async fn shoot(b: &crate::webdriver::Browser<'_>, app: &TestApp, path: &str, width: u32) {
    b.goto(&app.url(path)).await;
    // Nothing may force sideways scrolling on a phone.
    let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
    assert_eq!(fits, serde_json::Value::Bool(true), "{path} overflows at {width} px");
    // 360 px is checked for fit only; the screenshots are at 390 px and 1280 px.
    if width != 360 {
        let name = match path {
            "/" => "landing".to_owned(),
            // A counselor's page is named by what it is, not by its random id.
            p if p.starts_with("/counselors/") => "counselor".to_owned(),
            p => p.trim_start_matches('/').replace('/', "-"),
        };
        b.screenshot(&screenshots().join(format!("{name}-{width}.png"))).await;
    }
}

/// A client finds a counselor in the directory, books the first free time, moves it and cancels
/// it, all through the pages; the booking pages fit a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_finds_books_moves_and_cancels() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor =
        crate::booking::counselor(&app, "seoyeon@example.com", |p| p.rules.min_notice_minutes = 48 * 60).await;
    app.create_user(sangdam_domain::Role::Client, "minjun@example.com").await;
    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, "ko").await;

    b.goto(&app.url("/signin")).await;
    b.fill("#email", "minjun@example.com").await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_url("/dashboard").await;

    b.click("header a[href='/counselors']").await;
    b.wait_for_url("/counselors").await;
    b.fill("#q", "seoyeon").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_for_url("q=seoyeon").await;
    b.click(&format!("main a[href='/counselors/{counselor}']")).await;
    b.wait_for_url(&format!("/counselors/{counselor}")).await;
    b.wait_for_text("KST").await;
    b.click("ul.slots a").await;
    b.wait_for_url("/book?").await;
    b.fill("#reason", "요즘 잠을 잘 못 자요").await;
    b.click("#terms").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_url("/appointments?booked=1").await;
    let booked = crate::booking::appointments_of(&app, &counselor).await;
    assert_eq!(booked.len(), 1);
    let first = booked[0].starts_at;

    b.click("a[href$='/reschedule']").await;
    b.wait_for_url("/reschedule").await;
    b.click("ul.slots button").await;
    b.wait_for_url("/appointments?moved=1").await;
    let moved = app.store.appointment(&booked[0].id).await.unwrap().unwrap();
    assert_ne!(moved.starts_at, first, "moved");

    for width in [360, 390, 1280] {
        b.resize(width, 900).await;
        for path in ["/counselors".to_owned(), format!("/counselors/{counselor}"), "/appointments".to_owned()] {
            shoot(&b, &app, &path, width).await;
        }
    }
    b.goto(&app.url("/appointments")).await;
    b.click("form[action$='/cancel'] button").await;
    b.wait_for_url("/appointments?cancelled=1").await;
    let cancelled = app.store.appointment(&booked[0].id).await.unwrap().unwrap();
    assert_eq!(cancelled.status.as_str(), "cancelled");
    b.close().await;
    drop(driver);
    app.finish().await;
}
