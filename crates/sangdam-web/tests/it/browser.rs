//! The pages in real headless Chromium: a visitor signs up and signs in through the forms, in
//! Korean and in English; the main pages are photographed at phone and desktop widths.

use std::path::PathBuf;

use crate::helpers::{Db, PASSWORD, TestApp};
use crate::webdriver::{Driver, browser_binaries};

pub fn screenshots() -> PathBuf {
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
    b.click("input[name=consent]").await;
    b.click("form button[type=submit]").await;
    // The page says to check the mail; the mailed link's page asks for the password and finishes.
    b.wait_for_text(email).await;
    let mail = app.mails_to(email).await.into_iter().find(|m| m.body.contains("/signup/confirm/")).expect("the mail");
    b.goto(&app.url(&crate::helpers::link_in(&mail.body, &app))).await;
    b.fill("#password", PASSWORD).await;
    b.click("input[name=consent]").await;
    b.click("#confirm-signup").await;
    b.wait_for_path("/dashboard").await;
    b.wait_for_text(greeting).await;

    b.click("header form button").await;
    b.wait_for_url("/signin").await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_path("/dashboard").await;
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

    let public = ["/", "/signup", "/signin", "/forgot", "/privacy", "/chat", "/nope"];
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
    b.wait_for_path("/dashboard").await;
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

/// The token pages and the API documentation, in Korean and English, on a phone and a desktop:
/// an admin makes a service token and sees it once, and the documentation renders from the
/// server's own files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_pages_and_api_docs_fit_phones_and_desktops() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |c| c.require_staff_two_factor = false).await;
    let driver = Driver::start(&driver_path).await;
    app.create_user(sangdam_domain::Role::Admin, "tokens-shots@example.com").await;
    for lang in ["ko", "en"] {
        let b = driver.browser(&chromium, lang).await;
        b.goto(&app.url("/signin")).await;
        b.fill("#email", "tokens-shots@example.com").await;
        b.fill("#password", PASSWORD).await;
        b.click("main form button[type=submit]").await;
        b.wait_for_path("/dashboard").await;
        b.goto(&app.url("/admin/tokens")).await;
        b.fill("#token-name", &format!("CRM {lang}")).await;
        b.click("input[value='appointments:read']").await;
        b.click("form[action='/admin/tokens'] button[type=submit]").await;
        b.element("#new-token").await;
        let shown = b.script("return document.getElementById('new-token').textContent;").await;
        assert!(shown.as_str().is_some_and(|t| t.starts_with("sgd_")), "{shown}");
        for width in [390, 1280] {
            b.resize(width, 900).await;
            let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
            let wide = b.script("return [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent || '').slice(0, 40));").await;
            assert_eq!(fits, serde_json::Value::Bool(true), "the new token's page overflows at {width} px: {wide}");
            b.screenshot(&screenshots().join(format!("admin-tokens-created-{lang}-{width}.png"))).await;
            for path in ["/admin/tokens", "/account/tokens", "/admin/webhooks"] {
                shoot(&b, &app, path, width).await;
            }
            b.goto(&app.url("/api/docs")).await;
            // Swagger UI draws the operations from the served document.
            b.element(".opblock-summary-path").await;
            let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
            assert_eq!(fits, serde_json::Value::Bool(true), "the API documentation overflows at {width} px");
            b.screenshot(&screenshots().join(format!("api-docs-{lang}-{width}.png"))).await;
        }
        // An endpoint's page, its secret shown once.
        b.resize(1280, 900).await;
        b.goto(&app.url("/admin/webhooks")).await;
        b.fill("#webhook-url", &format!("https://crm-{lang}.example.com/hooks/sangdam")).await;
        b.fill("#webhook-description", "CRM").await;
        b.click("input[value='appointment.booked']").await;
        b.click("form[action='/admin/webhooks'] button[type=submit]").await;
        b.element("#webhook-secret").await;
        for width in [390, 1280] {
            b.resize(width, 900).await;
            let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
            assert_eq!(fits, serde_json::Value::Bool(true), "the endpoint's page overflows at {width} px");
            b.screenshot(&screenshots().join(format!("admin-webhook-{lang}-{width}.png"))).await;
        }
        // A client the center adds through the API finishes the account in the invitation's
        // language, with their own password and consent, and lands on their dashboard.
        b.goto(&app.url("/admin/tokens")).await;
        b.fill("#token-name", &format!("CRM contacts {lang}")).await;
        b.click("input[value='clients:write']").await;
        b.click("form[action='/admin/tokens'] button[type=submit]").await;
        b.element("#new-token").await;
        let token = b.script("return document.getElementById('new-token').textContent;").await;
        let email = format!("crm-contact-{lang}@example.com");
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/clients"))
            .bearer_auth(token.as_str().unwrap())
            .json(&serde_json::json!({"email": email, "language": lang}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        b.close().await;
        let link = crate::helpers::link_in(&app.mails_to(&email).await[0].body, &app);
        let person = driver.browser(&chromium, lang).await;
        person.goto(&app.url(&link)).await;
        for width in [390, 1280] {
            person.resize(width, 900).await;
            let fits = person.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
            assert_eq!(fits, serde_json::Value::Bool(true), "the invitation overflows at {width} px");
            assert_eq!(person.script(BROKEN_WORDS).await, serde_json::json!([]), "at {width} px");
            person.screenshot(&screenshots().join(format!("client-invitation-{lang}-{width}.png"))).await;
        }
        person.fill("#display_name", "Contact").await;
        person.fill("#password", PASSWORD).await;
        person.click("input[name=consent]").await;
        person.click("main form button[type=submit]").await;
        person.wait_for_path("/dashboard").await;
        for width in [390, 1280] {
            person.resize(width, 900).await;
            person.screenshot(&screenshots().join(format!("invited-client-dashboard-{lang}-{width}.png"))).await;
        }
        person.close().await;
    }
    drop(driver);
    app.finish().await;
}

/// Waits (up to 5 s) until a script returns `want`.
async fn until(b: &crate::webdriver::Browser<'_>, script: &str, want: bool) {
    for _ in 0..50 {
        if b.script(script).await == serde_json::Value::Bool(want) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{script} did not become {want}");
}

/// Words of the page's main part that a line break cuts inside (`Counselo/r`,
/// `admin@sangdam.examp/le`): each word's pieces on more than one line.
const BROKEN_WORDS: &str = r#"
const broken = [];
const walk = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode() && broken.length < 5) {
  const node = walk.currentNode;
  if (!node.parentElement || node.parentElement.closest('textarea, script, style, [hidden]')) continue;
  // A line may break before an opening bracket (기록 / (시각과); nowhere else inside a word.
  for (const m of node.data.matchAll(/[^\s(\[{（「『]+/g)) {
    const r = document.createRange();
    r.setStart(node, m.index);
    r.setEnd(node, m.index + m[0].length);
    const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
    if (tops.size > 1) broken.push(m[0]);
  }
}
return broken;
"#;

async fn shoot(b: &crate::webdriver::Browser<'_>, app: &TestApp, path: &str, width: u32) {
    b.goto(&app.url(path)).await;
    // Nothing may force sideways scrolling on a phone.
    let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
    assert_eq!(fits, serde_json::Value::Bool(true), "{path} overflows at {width} px");
    // And no word is cut in two by a line break, on a phone or a desktop.
    if width != 360 {
        let broken = b.script(BROKEN_WORDS).await;
        assert_eq!(broken, serde_json::json!([]), "{path} breaks words inside at {width} px");
    }
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

/// A client books a session five weeks ahead through the month calendar: the months ahead, a
/// day with free times, its afternoon, then the review step with the cancellation deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_books_five_weeks_ahead_through_the_calendar() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor = crate::booking::counselor(&app, "calendar@example.com", |_| {}).await;
    app.create_user(sangdam_domain::Role::Client, "ahead@example.com").await;
    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, "ko").await;
    b.goto(&app.url("/signin")).await;
    b.fill("#email", "ahead@example.com").await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_path("/dashboard").await;

    b.goto(&app.url(&format!("/counselors/{counselor}"))).await;
    b.click("a[data-calendar=video]").await;
    b.wait_for_url("/calendar?").await;
    let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    let target = jiff::Timestamp::from_second(app.clock.now() + 35 * 86_400).unwrap().to_zoned(seoul.clone()).date();
    // Page through the months until the target's, then take the first free day from it on.
    for _ in 0..3 {
        let shown = b.script("return document.querySelector('a.day.free')?.dataset.date || ''").await;
        let shown: String = shown.as_str().unwrap_or_default().chars().take(7).collect();
        if shown == target.strftime("%Y-%m").to_string() {
            break;
        }
        b.click("#month-next").await;
        b.wait_for_url("month=").await;
    }
    let day = b
        .script(&format!(
            "const d = [...document.querySelectorAll('a.day.free')].find(a => a.dataset.date >= '{target}'); d.click(); return d.dataset.date"
        ))
        .await;
    b.wait_for_url("day=").await;
    b.wait_for_text("오후").await;
    b.click("#times ul.slots a").await;
    b.wait_for_url("/book?").await;
    b.element("#cancel-policy").await;
    let policy = b.script("return document.getElementById('cancel-policy').textContent").await;
    assert!(policy.as_str().unwrap_or_default().contains("무료로"), "the review step names the deadline: {policy}");
    b.click("#terms").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_url("/appointments?booked=1").await;
    let booked = crate::booking::appointments_of(&app, &counselor).await;
    assert_eq!(booked.len(), 1);
    let on = jiff::Timestamp::from_second(booked[0].starts_at).unwrap().to_zoned(seoul).date();
    assert_eq!(serde_json::json!(on.to_string()), day, "booked on the day chosen");
    assert!(on >= target, "five weeks ahead or later");
    for width in [390, 1280] {
        b.resize(width, 900).await;
        b.goto(
            &app.url(&format!("/counselors/{counselor}/calendar?kind=video&day={on}&month={}", on.strftime("%Y-%m"))),
        )
        .await;
        let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
        assert_eq!(fits, serde_json::Value::Bool(true), "the calendar overflows at {width} px");
        b.screenshot(&screenshots().join(format!("booking-calendar-{width}.png"))).await;
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
    b.wait_for_path("/dashboard").await;

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
    // The same month calendar as booking: a day with free times, then one of its times.
    b.click("a.day.free").await;
    b.wait_for_url("day=").await;
    b.click("ul.slots button").await;
    // The new time is confirmed on its own page.
    b.element("#move-confirm").await;
    b.click("#move-confirm button[type=submit]").await;
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
    // Cancelling asks for confirmation, with a place for a reason.
    b.click("a[href$='/cancel']").await;
    b.element("#cancel-confirm").await;
    b.fill("#reason", "다른 일정이 생겼어요").await;
    b.click("#cancel-confirm button[type=submit]").await;
    b.wait_for_url("/appointments?cancelled=1").await;
    let cancelled = app.store.appointment(&booked[0].id).await.unwrap().unwrap();
    assert_eq!(cancelled.status.as_str(), "cancelled");
    b.close().await;
    drop(driver);
    app.finish().await;
}

/// The room in two real browsers: the client waits, the counselor hears the knock and lets them
/// in, they chat both ways, and the counselor ends the session for both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counselor_admits_a_client_and_they_chat() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor = crate::booking::counselor(&app, "room-host@example.com", |_| {}).await;
    let (booker, _) = app.signed_in(sangdam_domain::Role::Client, "room-guest@example.com").await;
    let start = crate::booking::listed_slots(&app, &booker, &counselor).await[0];
    let r = app
        .post(
            &booker,
            &format!("/counselors/{counselor}/book"),
            &[("kind", "video"), ("start", &start.to_string()), ("terms", "on")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let appointment = crate::booking::appointments_of(&app, &counselor).await[0].id.clone();
    app.clock.advance(start - 5 * 60 - app.clock.now());
    // The counselor has two-factor sign-in, as staff must before seeing client data.
    let setup = crate::helpers::new_client();
    assert_eq!(app.signin(&setup, "room-host@example.com", PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&setup).await;
    app.clock.advance(31);

    let driver = Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    let guest = driver.browser(&chromium, "ko").await;

    crate::video::sign_in(&host, &app, "room-host@example.com", Some(&secret)).await;
    host.goto(&app.url(&format!("/appointments/{appointment}/room"))).await;
    host.wait_for_url("/rooms/").await;
    host.wait_for_text("연결되었습니다").await;

    guest.goto(&app.url("/signin")).await;
    guest.fill("#email", "room-guest@example.com").await;
    guest.fill("#password", PASSWORD).await;
    guest.click("main form button[type=submit]").await;
    guest.wait_for_path("/dashboard").await;
    guest.goto(&app.url("/appointments")).await;
    guest.click(&format!("a[href='/appointments/{appointment}/room']")).await;
    guest.wait_for_url("/rooms/").await;
    guest.wait_for_text("잠시만 기다려 주세요").await;
    // While waiting: one's own picture and a microphone level that moves with the (fake) microphone.
    guest.element("#waiting-check:not([hidden])").await;
    guest.element("#media-stage .tile[data-stream=self] video").await;
    until(&guest, "return parseFloat(document.getElementById('self-level').style.width || '0') > 0;", true).await;
    guest.screenshot(&screenshots().join("room-waiting-1280.png")).await;

    host.wait_for_text("입장을 기다리고 있습니다").await;
    host.click(".knock button.admit").await;
    guest.wait_for_text("연결되었습니다").await;
    guest.element("#waiting-check[hidden]").await;
    guest.element("#room-chat-text:not([disabled])").await;
    guest.fill("#room-chat-text", "안녕하세요, 오늘 처음이에요").await;
    guest.click("#room-chat-send").await;
    host.wait_for_text("안녕하세요, 오늘 처음이에요").await;
    // A host starts on the participants panel (for knocks); the chat is one tab away.
    host.click("#tab-chat").await;
    host.fill("#room-chat-text", "반가워요. 편하게 말씀하세요").await;
    host.click("#room-chat-send").await;
    guest.wait_for_text("반가워요. 편하게 말씀하세요").await;

    // A call screen: at 1280 px the other person fills most of the width, oneself is small.
    host.resize(1280, 900).await;
    until(
        &host,
        "const t = document.querySelector('#media-stage .tile:not([data-stream=self]):not(.screen)');
         const me = document.querySelector('#media-stage .tile[data-stream=self]');
         return !!t && !!me && t.getBoundingClientRect().width >= 0.6 * window.innerWidth
           && me.getBoundingClientRect().width < 0.3 * window.innerWidth;",
        true,
    )
    .await;
    // No empty screen-share tile for someone who shares nothing.
    assert_eq!(
        host.script("return [...document.querySelectorAll('#media-stage .tile.screen')].filter(t => !t.hidden).length")
            .await,
        serde_json::json!(0)
    );

    // The client draws a line on the whiteboard; it appears on the counselor's board.
    guest.click("#tab-board").await;
    let drew = guest
        .script(
            "const b = document.getElementById('board'); const r = b.getBoundingClientRect();
             const ev = (t, x, y) => b.dispatchEvent(new PointerEvent(t, { clientX: r.left + x * r.width,
               clientY: r.top + y * r.height, pointerId: 1, bubbles: true }));
             ev('pointerdown', 0.2, 0.5); for (let i = 1; i <= 20; i++) ev('pointermove', 0.2 + i * 0.02, 0.5);
             ev('pointerup', 0.6, 0.5); return true;",
        )
        .await;
    assert_eq!(drew, serde_json::Value::Bool(true));
    let mut seen = false;
    for _ in 0..50 {
        let ink = host
            .script(
                "const b = document.getElementById('board'); const d = b.getContext('2d')
                   .getImageData(Math.round(0.4 * b.width), Math.round(0.5 * b.height), 1, 1).data; return d[3] > 0;",
            )
            .await;
        if ink == serde_json::Value::Bool(true) {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the stroke reached the counselor's whiteboard");

    // A message about ending one's life: the client sees the lines at once, the counselor sees it
    // marked, and the room's crisis event waits on the dashboard.
    guest.click("#tab-chat").await;
    guest.fill("#room-chat-text", "사실 약을 모아뒀어요. 오늘 밤에 다 먹으려고요").await;
    guest.click("#room-chat-send").await;
    guest.element("#room-care:not([hidden])").await;
    guest.wait_for_text("109").await;
    host.element("#room-chat li.crisis-high").await;
    host.wait_for_text("자살이나 자해를 말하는 메시지입니다").await;
    let events = app.store.open_crisis_events().await.unwrap();
    assert_eq!((events.len(), events[0].source.as_str()), (1, "room"));

    for width in [360, 390] {
        guest.resize(width, 900).await;
        let fits = guest.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
        let wide = guest
            .script(
                "return [...document.querySelectorAll('main *')].filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
                   .map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().width)).slice(0, 8).join(' ');",
            )
            .await;
        assert_eq!(fits, serde_json::Value::Bool(true), "the room overflows at {width} px: {wide}");
    }
    // On a phone the video fills the screen and no panel covers it until asked; a tab opens its
    // panel as a sheet over the lower part, the close button closes it, and a message that comes
    // meanwhile marks the chat's tab.
    guest.resize(390, 844).await;
    until(&guest, "return [...document.querySelectorAll('.call-panels .panel')].every(p => p.hidden);", true).await;
    until(
        &guest,
        "return document.getElementById('media-stage').getBoundingClientRect().height >= 0.5 * window.innerHeight
           && document.getElementById('tab-chat').getBoundingClientRect().bottom <= window.innerHeight;",
        true,
    )
    .await;
    guest.screenshot(&screenshots().join("room-390.png")).await;
    guest.click("#tab-chat").await;
    until(
        &guest,
        "const p = document.getElementById('panel-chat'); const r = p.getBoundingClientRect();
         return !p.hidden && getComputedStyle(p).position === 'fixed' && Math.abs(r.bottom - window.innerHeight) < 2
           && r.height <= 0.75 * window.innerHeight && document.activeElement === p.querySelector('.sheet-close');",
        true,
    )
    .await;
    guest.screenshot(&screenshots().join("room-sheet-390.png")).await;
    guest.click("#panel-chat .sheet-close").await;
    until(
        &guest,
        "return document.getElementById('panel-chat').hidden && document.activeElement.id === 'tab-chat';",
        true,
    )
    .await;
    host.fill("#room-chat-text", "천천히 말씀하셔도 돼요").await;
    host.click("#room-chat-send").await;
    until(&guest, "return document.getElementById('tab-chat').classList.contains('unread');", true).await;
    guest.click("#tab-chat").await;
    until(&guest, "return !document.getElementById('tab-chat').classList.contains('unread');", true).await;
    guest.wait_for_text("천천히 말씀하셔도 돼요").await;
    host.screenshot(&screenshots().join("room-1280.png")).await;

    // The counselor switches to English mid-session: the page comes back in English and the call
    // goes on.
    host.script(
        "fetch('/language', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
           body: 'lang=en&csrf=' + encodeURIComponent(document.getElementById('room').dataset.csrf) })
         .then(() => location.reload()); return true;",
    )
    .await;
    host.wait_for_text("Connected.").await;
    until(
        &host,
        "const t = document.querySelector('#media-stage .tile:not([data-stream=self]):not(.screen) video');
         return !!t && t.videoWidth > 0 && t.getBoundingClientRect().width >= 0.6 * window.innerWidth;",
        true,
    )
    .await;
    host.wait_for_text("반가워요. 편하게 말씀하세요").await;
    host.screenshot(&screenshots().join("room-en-1280.png")).await;

    // Ending for everyone asks first, in the page's dialog: "no" keeps the session going.
    host.click("#room-end").await;
    host.click("dialog.confirm-dialog[open] #confirm-no").await;
    host.element("#room-end").await;
    assert_eq!(app.store.appointment(&appointment).await.unwrap().unwrap().status.as_str(), "confirmed");
    host.click("#room-end").await;
    host.screenshot(&screenshots().join("room-end-confirm-1280.png")).await;
    host.click("dialog.confirm-dialog[open] #confirm-yes").await;
    host.wait_for_text("The session has ended.").await;
    guest.wait_for_text("상담이 끝났습니다").await;
    let a = app.store.appointment(&appointment).await.unwrap().unwrap();
    assert_eq!(a.status.as_str(), "completed");
    host.close().await;
    guest.close().await;
    drop(driver);
    app.finish().await;
}

/// The device check with Chromium's fake camera and microphone: the preview plays, the level
/// meter moves, devices are listed; and a refused permission gets its guidance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_check_sees_camera_and_microphone() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, "ko").await;
    b.goto(&app.url("/check")).await;
    b.click("#check-start").await;
    b.wait_for_text("카메라와 마이크가 작동합니다").await;
    let mut ok = false;
    for _ in 0..50 {
        let v = b
            .script(
                "const v = document.getElementById('check-video');
                 return v.videoWidth > 0 && document.getElementById('check-level').value > 0
                   && document.getElementById('check-camera-select').options.length > 0
                   && document.getElementById('check-mic-select').options.length > 0;",
            )
            .await;
        if v == serde_json::Value::Bool(true) {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "video plays, the level moves, devices are listed");
    b.click("#check-sound").await;
    // The network test: media goes to the SFU and comes back, with a round trip.
    b.click("#check-network-start").await;
    let mut network = serde_json::Value::Null;
    for _ in 0..100 {
        network = b.script("return document.getElementById('check').dataset.network || null;").await;
        if network != "testing" && !network.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(network, serde_json::Value::from("ok"));
    b.wait_for_text("영상과 소리가 미디어 서버에 도착했다가 돌아옵니다").await;
    let rtt = b.script("return Number(document.getElementById('check').dataset.rtt);").await;
    assert!(rtt.as_f64().is_some_and(|ms| (1.0..1000.0).contains(&ms)), "round trip {rtt}");
    for width in [360, 390, 1280] {
        b.resize(width, 900).await;
        let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
        assert_eq!(fits, serde_json::Value::Bool(true), "the check overflows at {width} px");
        if width != 360 {
            b.screenshot(&screenshots().join(format!("check-{width}.png"))).await;
        }
    }
    // A refused permission: the page says how to allow it.
    b.goto(&app.url("/check")).await;
    b.script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
         return true;",
    )
    .await;
    b.click("#check-start").await;
    b.wait_for_text("허용").await;
    let status = b.script("return document.getElementById('check-status').textContent;").await;
    assert!(status.as_str().unwrap().contains("주소창의 카메라 아이콘"), "{status}");
    b.close().await;
    drop(driver);
    app.finish().await;
}

/// A counselor types a note and never presses save: the page saves the draft by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_draft_saves_itself_while_typing() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor = crate::booking::counselor(&app, "note-host@example.com", |_| {}).await;
    let (_, client) = crate::records::client_of(&app, &counselor, "note-client@example.com").await;
    let setup = crate::helpers::new_client();
    assert_eq!(app.signin(&setup, "note-host@example.com", PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&setup).await;
    let note = crate::records::new_note(&app, &setup, &client, "soap").await;
    app.clock.advance(31);

    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, "ko").await;
    crate::video::sign_in(&b, &app, "note-host@example.com", Some(&secret)).await;
    b.goto(&app.url(&format!("/notes/{note}"))).await;
    b.fill("#s_subjective", "저절로 저장되는 기록").await;
    b.wait_for_text("저장됨").await;
    let versions = app.store.note_versions(&note).await.unwrap();
    let body =
        app.keys.open_at(&sangdam_store::sealed::NOTE_VERSION, &[&note], &versions.last().unwrap().body).unwrap();
    assert!(String::from_utf8(body).unwrap().contains("저절로 저장되는 기록"));
    drop(b);
    app.finish().await;
}

/// The chat center in two real browsers: a guest starts a chat from the landing page, the
/// counselor accepts it in the console, they write both ways (the counselor with a canned
/// response found by "/"), a flagged message stays blurred until shown, and the counselor ends
/// the chat because of abuse with one click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_chats_with_a_counselor_in_the_chat_center() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor = crate::booking::counselor(&app, "chat-host@example.com", |_| {}).await;
    app.store
        .add_canned_response(
            &sangdam_store::CannedResponse {
                id: "greet".into(),
                owner_id: Some(counselor.clone()),
                shortcut: "hi".into(),
                body: "안녕하세요 {client}님, {counselor}입니다.".into(),
            },
            200,
            0,
            &sangdam_store::Effects::default(),
        )
        .await
        .unwrap();
    let setup = crate::helpers::new_client();
    assert_eq!(app.signin(&setup, "chat-host@example.com", PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&setup).await;
    app.clock.advance(31);

    let driver = Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    let guest = driver.browser(&chromium, "ko").await;
    crate::video::sign_in(&host, &app, "chat-host@example.com", Some(&secret)).await;
    host.goto(&app.url("/center")).await;
    host.element("#my-status[data-status]").await;
    host.click("[data-status=available]").await;
    host.element("#my-status[data-status=available]").await;

    guest.goto(&app.url("/")).await;
    guest.click("#landing-chat").await;
    guest.wait_for_url("/chat").await;
    guest.wait_for_text("누군가의 소중한 가족").await;
    guest.fill("#nickname", "들꽃").await;
    guest.script("document.getElementById('topic').value = 'anxiety'; return true").await;
    guest.click("#consent").await;
    guest.click("#chat-start").await;
    guest.wait_for_url("/chat/").await;

    host.wait_for_text("들꽃").await;
    host.click(".offer button").await;
    guest.wait_for_text("chat-host 상담사와 이야기하고 있습니다").await;
    guest.fill("#chat-text", "안녕하세요, 잠이 안 와요").await;
    guest.click("#chat-send").await;
    host.wait_for_text("안녕하세요, 잠이 안 와요").await;
    // The typing hint shows only while the counselor types (it once showed all the time).
    let typing_shown = "return document.getElementById('chat-typing').offsetParent !== null";
    assert_eq!(guest.script(typing_shown).await, serde_json::json!(false), "no hint before anyone types");
    host.fill(".chat-pane textarea", "/h").await;
    until(&guest, typing_shown, true).await;
    host.click(".canned-list button").await;
    host.click(".chat-form button[type=submit]").await;
    guest.wait_for_text("안녕하세요 들꽃님, chat-host입니다.").await;
    until(&guest, typing_shown, false).await;

    guest.fill("#chat-text", "ㅅㅂ 답답하네").await;
    guest.click("#chat-send").await;
    host.element(".chat-log li.flagged").await;
    let blurred = host.script("return getComputedStyle(document.querySelector('li.flagged .text')).filter").await;
    assert!(blurred.as_str().unwrap_or_default().contains("blur"), "{blurred}");
    host.click("li.flagged .show-flagged").await;
    assert_eq!(host.script("return document.querySelectorAll('li.flagged').length").await, serde_json::json!(0));
    guest.wait_for_text("존중하는 대화").await;
    host.click(".end-abuse").await;
    guest.wait_for_text("폭언으로 채팅이 종료되었습니다").await;
    // The client's page fits a phone.
    guest.resize(390, 900).await;
    let fits = guest.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
    assert_eq!(fits, serde_json::Value::Bool(true), "the chat page overflows at 390 px");
    guest.screenshot(&screenshots().join("chat-client-390.png")).await;
    host.element("#my-status[data-status=break]").await;
    host.screenshot(&screenshots().join("chat-center-1280.png")).await;
    host.close().await;
    guest.close().await;
    drop(driver);
    app.finish().await;
}

/// What the pages tell people is true, seen in the browser at a phone's width: on a Sunday night
/// the counselor's week shows the coming session; a risk answer shows the crisis lines and who
/// was told; a signed note whose stored text was swapped for another's says so instead of
/// showing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sundays_risks_and_tampering_are_shown_as_they_are() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let sunday = crate::helpers::WEEK_POINTS.iter().find(|(l, _)| l.starts_with("sunday")).unwrap().1;
    app.clock.freeze_at(sunday);
    let counselor = crate::booking::counselor(&app, "sun-counselor@example.com", |_| {}).await;
    let (_, client_id) = crate::records::client_of(&app, &counselor, "sun-client@example.com").await;
    let booked = crate::booking::appointments_of(&app, &counselor).await;
    assert!(booked[0].starts_at < sunday + 7 * 86_400, "the first free time is within the week shown");
    let setup = crate::helpers::new_client();
    assert_eq!(app.signin(&setup, "sun-counselor@example.com", PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&setup).await;
    app.clock.advance(31);

    let driver = Driver::start(&driver_path).await;
    let b = driver.browser(&chromium, "ko").await;
    b.resize(390, 900).await;
    crate::video::sign_in(&b, &app, "sun-counselor@example.com", Some(&secret)).await;
    b.goto(&app.url("/counselor/calendar")).await;
    b.wait_for_text("sun-client").await;
    // Today is marked, and it is the first of the seven days shown.
    let first = b.script("return document.querySelector('.card.day').getAttribute('aria-current')").await;
    assert_eq!(first, serde_json::json!("date"), "the week starts today, marked");
    b.screenshot(&screenshots().join("calendar-sunday-390.png")).await;
    b.resize(1280, 900).await;
    b.goto(&app.url("/counselor/calendar")).await;
    b.screenshot(&screenshots().join("calendar-week-1280.png")).await;

    // A signed note, then its stored text swapped for another note's.
    let note = crate::records::new_note(&app, &setup, &client_id, "free").await;
    assert_eq!(app.post(&setup, &format!("/notes/{note}"), &[("s_text", "서명한 기록")]).await.status(), 303);
    assert_eq!(app.post(&setup, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);
    let other = crate::records::new_note(&app, &setup, &client_id, "free").await;
    assert_eq!(app.post(&setup, &format!("/notes/{other}"), &[("s_text", "다른 기록의 비밀")]).await.status(), 303);
    sangdam_store::on_backend!(&app.store, |pool| {
        sqlx::query(
            "UPDATE note_versions SET body = (SELECT body FROM note_versions WHERE note_id = $1 \
             ORDER BY version DESC LIMIT 1) WHERE note_id = $2",
        )
        .bind(&other)
        .bind(&note)
        .execute(pool)
        .await
        .unwrap();
    });
    b.goto(&app.url(&format!("/notes/{note}"))).await;
    b.wait_for_text("integrity-warning").await;
    assert!(!b.source().await.contains("다른 기록의 비밀"), "the other note's text is not shown as this one's");
    b.screenshot(&screenshots().join("note-tampered-390.png")).await;
    b.close().await;

    // The client answers PHQ-9 with thoughts of self-harm: the crisis lines and the truth about
    // who was told (the counselor of the confirmed session).
    let c = driver.browser(&chromium, "ko").await;
    c.resize(390, 900).await;
    crate::video::sign_in(&c, &app, "sun-client@example.com", None).await;
    c.goto(&app.url("/questionnaires/phq9")).await;
    for item in 1..=9 {
        let value = if item == 9 { 1 } else { 0 };
        c.click(&format!("input[name=i{item}][value='{value}']")).await;
    }
    c.click("main form button[type=submit]").await;
    c.wait_for_text("109: 자살예방상담전화").await;
    c.wait_for_text("담당 상담사에게 알렸으며").await;
    c.screenshot(&screenshots().join("phq9-risk-390.png")).await;
    c.close().await;
    drop(driver);
    app.finish().await;
}
