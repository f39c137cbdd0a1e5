//! Limits that must hold when requests come all at once, not one after another: sign-in bursts
//! against one account and from one address, wrong two-factor codes and current passwords, the
//! hashing that answers them, sockets and files piling onto one chat or room; and the edges an
//! attacker pokes: `next` with a tab, headers that trickle in, `/metrics` from outside.

use std::time::Duration;

use sangdam_domain::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::chat::{browser, connect, guest, next_of, send};
use crate::db_test;
use crate::helpers::{Db, PASSWORD, TestApp, location, new_client};

/// Sends `n` sign-in posts for `email` at once from fresh browsers; returns the statuses.
async fn burst_signins(app: &TestApp, n: usize, email: impl Fn(usize) -> String, password: &str) -> Vec<u16> {
    let mut prepared = Vec::new();
    for i in 0..n {
        let c = new_client();
        let token = app.csrf(&c).await;
        prepared.push((c, token, email(i)));
    }
    let mut tasks = Vec::new();
    for (c, token, email) in prepared {
        let url = app.url("/signin");
        let password = password.to_owned();
        tasks.push(tokio::spawn(async move {
            let fields = [("csrf", token.as_str()), ("email", email.as_str()), ("password", password.as_str())];
            c.post(url).form(&fields).send().await.unwrap().status().as_u16()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// The resident memory of this process, in MiB (Linux).
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

db_test!(simultaneous_wrong_passwords_are_counted_before_they_are_checked, async |app: &TestApp| {
    // The throttle counts seconds: the burst happens within one frozen second.
    app.clock.freeze();
    app.create_user(Role::Client, "burst@example.com").await;
    let statuses = burst_signins(app, 25, |_| "burst@example.com".into(), "not the password at all").await;
    // Five free failures, then the sixth answer is checked and every further one must wait: as if
    // they had come one after another.
    // A request let through may still be shed with 503 when no core frees up within a second
    // (a loaded machine): it was counted all the same.
    assert_eq!(count(&statuses, 401) + count(&statuses, 503), 6, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 19, "{statuses:?}");
    // More bursts after the waits lock the account at the tenth failure, and only then.
    for _ in 0..4 {
        app.clock.advance(61);
        burst_signins(app, 10, |_| "burst@example.com".into(), "not the password at all").await;
    }
    let r = app.signin(&new_client(), "burst@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429, "locked, even for the right password");
    assert!(r.text().await.unwrap().contains("분"), "the lock names its minutes");
    assert_eq!(app.mails_to("burst@example.com").await.iter().filter(|m| m.subject.contains("잠")).count(), 1);
});

db_test!(one_address_is_limited_across_accounts_under_a_burst, async |app: &TestApp| {
    app.clock.freeze();
    let statuses = burst_signins(app, 45, |i| format!("nobody{i}@example.com"), "not the password at all").await;
    // Let through: checked (401) or, on a loaded machine, shed for want of a free core (503).
    assert_eq!(count(&statuses, 401) + count(&statuses, 503), 30, "the address limit of 30 holds: {statuses:?}");
    assert_eq!(count(&statuses, 429), 15, "{statuses:?}");
});

db_test!(wrong_codes_and_current_passwords_are_throttled_under_a_burst, async |app: &TestApp| {
    app.clock.freeze();
    let (enrolled, _) = app.signed_in(Role::Client, "codes@example.com").await;
    app.enroll_two_factor(&enrolled).await;
    // Forty wrong codes at once at the two-factor step.
    let b = new_client();
    assert!(location(&app.signin(&b, "codes@example.com", PASSWORD).await).starts_with("/signin/two-factor"));
    let token = app.csrf(&b).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (b, token, url) = (b.clone(), token.clone(), app.url("/signin/two-factor"));
        tasks.push(tokio::spawn(async move {
            b.post(url).form(&[("csrf", token.as_str()), ("code", "000000")]).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(count(&statuses, 401), 6, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 34);

    // Fifteen wrong current passwords at once when changing the password.
    let (c, _) = app.signed_in(Role::Client, "current@example.com").await;
    let token = app.csrf(&c).await;
    let mut tasks = Vec::new();
    for _ in 0..15 {
        let (c, token, url) = (c.clone(), token.clone(), app.url("/account/password"));
        tasks.push(tokio::spawn(async move {
            let fields =
                [("csrf", token.as_str()), ("current", "wrong wrong wrong"), ("new", "a brand new passphrase")];
            c.post(url).form(&fields).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(count(&statuses, 422), 6, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 9);
    // Deleting the account is behind the same count now.
    let r = app.post(&c, "/portal/delete", &[("password", "wrong wrong wrong"), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 429);
    assert!(
        app.store.user_by_email(&sangdam_domain::Email::parse("current@example.com").unwrap()).await.unwrap().is_some()
    );
});

/// A burst of right passwords: hashing runs one per core with reused memory, so the process does
/// not grow by a work area per request; requests that wait too long are told to try again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sign_ins_keeps_memory_bounded() {
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    // Under the per-address limit of 30 attempts in flight or failed (all come from loopback).
    for i in 0..28 {
        app.create_user(Role::Client, &format!("crowd{i}@example.com")).await;
    }
    let before = rss_mib();
    let statuses = burst_signins(&app, 28, |i| format!("crowd{i}@example.com"), PASSWORD).await;
    let after = rss_mib();
    assert!(statuses.iter().all(|s| *s == 303 || *s == 503), "{statuses:?}");
    assert!(count(&statuses, 303) >= 10, "most get through: {statuses:?}");
    // Twenty-eight work areas of 19 MiB would be 530 MiB; a bounded pool is a few.
    assert!(after.saturating_sub(before) < 200, "memory grew from {before} to {after} MiB");
    app.finish().await;
}

db_test!(next_takes_only_a_path_of_this_site, async |app: &TestApp| {
    app.create_user(Role::Client, "next@example.com").await;
    for evil in ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "/\u{b}x", "https://e.x"]
    {
        let c = new_client();
        let r = app.post(&c, "/signin", &[("email", "next@example.com"), ("password", PASSWORD), ("next", evil)]).await;
        assert_eq!(r.status(), 303, "{evil:?}");
        assert_eq!(location(&r), "/dashboard", "{evil:?}");
        let r = app.post(&c, "/language", &[("lang", "en"), ("next", evil)]).await;
        assert_eq!(r.status(), 303, "{evil:?}");
        assert_eq!(location(&r), "/dashboard", "{evil:?}");
    }
    // The two-factor step too.
    let (enrolled, _) = app.signed_in(Role::Client, "next2@example.com").await;
    let (secret, _) = app.enroll_two_factor(&enrolled).await;
    let c = new_client();
    app.signin(&c, "next2@example.com", PASSWORD).await;
    app.clock.advance(30);
    let code = secret.code_at(app.clock.now());
    let r = app.post(&c, "/signin/two-factor", &[("code", &code), ("next", "/\t/evil.example")]).await;
    assert_eq!(location(&r), "/dashboard");
    let r = app.get(&new_client(), "/signin/two-factor?next=%0B").await;
    assert!(r.status().as_u16() < 500);
});

/// A client that sends its headers one line every second is cut off after the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_trickle_in_are_cut_off() {
    let app = TestApp::spawn(Db::Sqlite, |c| c.header_read_seconds = 2).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let started = tokio::time::Instant::now();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut closed = false;
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if slow.write_all(format!("X-Slow-{i}: y\r\n").as_bytes()).await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(10), slow.read(&mut buf)).await
            && (n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"))
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "the trickling connection was closed");
    assert!(started.elapsed() < Duration::from_secs(6), "within the header timeout");
    // A connection that sends nothing at all is closed too.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(_)) | Ok(Err(_))), "closed, not left open");
    // Ordinary requests are unaffected.
    assert_eq!(app.get(&new_client(), "/healthz").await.status(), 200);
    app.finish().await;
}

db_test!(sockets_and_files_piling_onto_one_chat_or_room_are_capped, async |app: &TestApp| {
    // Six pages of one guest's chat: the sixth is told there are too many, and closed.
    let (g, chat) = guest(app, "tabs").await;
    let mut open = Vec::new();
    for _ in 0..5 {
        let mut ws = connect(app, &g.1, &format!("/chat/{chat}/ws")).await.unwrap();
        send(&mut ws, serde_json::json!({ "type": "hello", "last_seq": 0 })).await;
        next_of(&mut ws, "state").await;
        open.push(ws);
    }
    let mut sixth = connect(app, &g.1, &format!("/chat/{chat}/ws")).await.unwrap();
    send(&mut sixth, serde_json::json!({ "type": "hello", "last_seq": 0 })).await;
    assert_eq!(next_of(&mut sixth, "error").await["code"], "error-chat-too-many-pages");

    // Sixty uploads at once into a room that takes fifty files: exactly fifty are kept.
    let (host, _) = crate::chat::staff_browser(app, Role::Counselor, "files-host@example.com").await;
    let r = app.post(&host.0, "/rooms", &[("title", "files")]).await;
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let (client, app_url, token) =
            (host.0.clone(), app.url(&format!("/rooms/{room}/files")), app.csrf(&host.0).await);
        let origin = app.address.clone();
        tasks.push(tokio::spawn(async move {
            let boundary = "----b";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n{i}.txt\"\r\nContent-Type: text/plain\r\n\r\nnote {i}\r\n--{boundary}--\r\n"
            );
            client
                .post(app_url)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .header("x-csrf-token", token)
                .header("origin", origin)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(count(&statuses, 200), 50, "{statuses:?}");
    assert_eq!(count(&statuses, 400), 10);
    assert_eq!(app.store.room_files(&room).await.unwrap().len(), 50);
    let _ = browser();
});

/// `/metrics` answers only the configured ranges, or a bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_not_public() {
    let app = TestApp::spawn(Db::Sqlite, |c| {
        c.metrics_allow = vec![sangdam_web::config::AddressRange::parse("10.0.0.0/8").unwrap()];
        c.metrics_token = Some(sangdam_web::Secret::new("scrape-token-for-tests"));
    })
    .await;
    let c = new_client();
    assert_eq!(app.get(&c, "/metrics").await.status(), 404, "loopback is not in the allowed range here");
    let r = c.get(app.url("/metrics")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = c.get(app.url("/metrics")).bearer_auth("scrape-token-for-tests").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("sangdam_"));
    app.finish().await;
    // The default is loopback only.
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    assert_eq!(app.get(&new_client(), "/metrics").await.status(), 200);
    app.finish().await;
}
