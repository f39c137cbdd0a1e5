//! Video and voice through the SFU in real headless Chromium with a fake camera and microphone:
//! each side decodes the other's video and receives audio (read from `getStats`), a shared screen
//! arrives, a dropped WebSocket recovers media and chat, and three people see each other.
//!
//! Each test runs two or three browsers encoding video in software; on a 2-core machine they
//! cannot share it with the rest of the suite and still meet their time limits, so they are
//! `#[ignore]`d in the plain run and `.ci/run` runs them alone, one at a time.

use std::time::{Duration, Instant};

use sangdam_domain::Role;
use sangdam_domain::totp::TotpSecret;
use serde_json::Value;

use crate::helpers::{Db, PASSWORD, TestApp, location};
use crate::webdriver::{Browser, Driver, browser_binaries};

mod network;

/// Signs a browser in through the form, with the two-factor code when there is one.
pub async fn sign_in(b: &Browser<'_>, app: &TestApp, email: &str, secret: Option<&TotpSecret>) {
    b.goto(&app.url("/signin")).await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    if let Some(secret) = secret {
        b.wait_for_url("/signin/two-factor").await;
        b.fill("#code", &secret.code_at(app.clock.now())).await;
        b.click("main form button[type=submit]").await;
    }
    b.wait_for_path("/dashboard").await;
}

/// A counselor with two-factor sign-in and an ad-hoc room with `guests` invited; returns the
/// room id, the counselor's secret, and the counselor's then the guests' user ids.
pub(crate) async fn room_with(app: &TestApp, host: &str, guests: &[&str]) -> (String, TotpSecret, String, Vec<String>) {
    let host_id = app.create_user(Role::Counselor, host).await.to_string();
    let setup = crate::helpers::new_client();
    assert_eq!(app.signin(&setup, host, PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&setup).await;
    let r = app.post(&setup, "/rooms", &[("title", "video")]).await;
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let mut ids = Vec::new();
    for g in guests {
        ids.push(app.create_user(Role::Client, g).await.to_string());
        let r = app.post(&setup, &format!("/rooms/{room}/invite"), &[("email", g)]).await;
        assert_eq!(r.status(), 303);
    }
    // The enrollment used this time step's code.
    app.clock.advance(31);
    (room, secret, host_id, ids)
}

/// One second of a 220 Hz tone at a speaking level: 16-bit mono PCM WAV at 48 kHz.
pub(crate) fn tone_wav() -> Vec<u8> {
    let rate = 48_000u32;
    let samples: Vec<i16> = (0..rate)
        .map(|i| ((i as f64 * 220.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 9000.0) as i16)
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut w = Vec::with_capacity(44 + data_len as usize);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data_len).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        w.extend_from_slice(&s.to_le_bytes());
    }
    w
}

/// The counselor enters the room (signed in with two-factor), the guest knocks and is admitted.
/// `query` is added to the room's address (`?relay=1` forces TURN).
pub(crate) async fn admit(
    app: &TestApp,
    room: &str,
    query: &str,
    host: (&Browser<'_>, &str, &TotpSecret),
    guest: (&Browser<'_>, &str),
) {
    sign_in(host.0, app, host.1, Some(host.2)).await;
    host.0.goto(&app.url(&format!("/rooms/{room}{query}"))).await;
    host.0.element("#room-chat-text:not([disabled])").await;
    sign_in(guest.0, app, guest.1, None).await;
    guest.0.goto(&app.url(&format!("/rooms/{room}{query}"))).await;
    guest.0.element("#room-status").await;
    host.0.click(".knock button.admit").await;
}

/// The stats once they name the candidate pair in use as relayed, or after 5 seconds as they are
/// (the pair's statistics can come a moment after the first frame).
async fn relayed(b: &Browser<'_>) -> Value {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let s = stats(b).await;
        if s["relay"] == Value::Bool(true) || Instant::now() > until {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn stats(b: &Browser<'_>) -> Value {
    b.script_async("window.sangdamRoom.stats().then(done, (e) => done(String(e)));").await
}

/// Waits until this browser decodes video from, and receives audio from, every stream in `from`.
pub(crate) async fn wait_for_media(b: &Browser<'_>, from: &[&str], within: Duration) -> Value {
    let until = Instant::now() + within;
    loop {
        let s = stats(b).await;
        let ok = from.iter().all(|k| {
            let v = &s["streams"][k];
            v["framesDecoded"].as_u64().unwrap_or(0) > 0
                && (k.ends_with("-screen") || v["audioPackets"].as_u64().unwrap_or(0) > 0)
        });
        if ok {
            return s;
        }
        assert!(Instant::now() < until, "no media from {from:?} within {within:?}: {s}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "media-heavy: .ci/run runs these alone, one at a time (cargo test -p sangdam-web --test it video:: -- --ignored --test-threads 1)"]
async fn a_counselor_and_a_client_see_and_hear_each_other() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let (room, secret, host_id, guests) = room_with(&app, "video-host@example.com", &["video-guest@example.com"]).await;
    let guest_id = guests[0].clone();

    let driver = Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    // The client's microphone hears a steady tone, as a voice would sound (Chromium's own fake
    // microphone only beeps for a few milliseconds twice a second).
    let tone = std::env::temp_dir().join(format!("sangdam-tone-{}.wav", std::process::id()));
    std::fs::write(&tone, tone_wav()).unwrap();
    let guest =
        driver.browser_with(&chromium, "en", &[format!("--use-file-for-fake-audio-capture={}", tone.display())]).await;
    admit(&app, &room, "", (&host, "video-host@example.com", &secret), (&guest, "video-guest@example.com")).await;

    // Each side decodes the other's camera and receives the other's microphone.
    let mut s = wait_for_media(&guest, &[&host_id], Duration::from_secs(15)).await;
    wait_for_media(&host, &[&guest_id], Duration::from_secs(15)).await;
    // The first frame shown is noted when the page paints it, a moment after it is decoded.
    let until = Instant::now() + Duration::from_secs(5);
    while s["firstFrameMs"].is_null() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        s = stats(&guest).await;
    }
    let first = s["firstFrameMs"].as_f64().expect("a first frame time");
    println!("admission to first decoded video frame: {first:.0} ms");
    // Each camera goes out in layers (Chromium sends two of the three for a 640x360 camera).
    let host_stats = stats(&host).await;
    let layers = host_stats["layersSent"].as_array().map_or(0, Vec::len);
    println!(
        "camera layers sent: {}; the client receives {}x{}",
        host_stats["layersSent"], s["streams"][&host_id]["width"], s["streams"][&host_id]["height"]
    );
    assert!(layers >= 2, "the camera is sent in layers: {host_stats}");

    // Chromium's fake microphone beeps: the counselor sees the client speaking, then muted.
    host.element(&format!("#room-people li.speaking[data-user='{guest_id}']")).await;
    guest.click("#media-mic").await;
    host.element(&format!("#room-people li[data-user='{guest_id}'][data-audio='false']")).await;

    // On loopback each page measures a good connection, shows it on its own tile and tells the
    // room: the counselor sees the client's quality on the client's tile, and the other way.
    for (b, other) in [(&host, &guest_id), (&guest, &host_id)] {
        let want = serde_json::json!(["self:good", format!("{other}:good")]);
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = b
                .script(
                    "return [...document.querySelectorAll('#media-stage figure:not(.screen) .quality')]
                       .map(q => q.closest('figure').dataset.stream + ':' + q.dataset.level).sort();",
                )
                .await;
            let mut sorted: Vec<String> =
                want.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
            sorted.sort();
            if seen == serde_json::json!(sorted) {
                break;
            }
            assert!(Instant::now() < until, "quality badges: {seen}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    host.screenshot(&crate::browser::screenshots().join("call-quality-host.png")).await;
    // A shared screen arrives as a track of its own.
    guest.click("#media-screen").await;
    let screen = format!("{guest_id}-screen");
    wait_for_media(&host, &[&screen], Duration::from_secs(15)).await;

    // The guest's WebSocket drops (as on a network change) with a chat message on its way: the
    // page reconnects without a new admission, media comes back, and the message arrives once.
    guest.script("window.sangdamRoom.dropConnection(); return true;").await;
    guest.element("#room-chat-text").await;
    let sent = guest
        .script(
            "const f = document.getElementById('room-chat-form'); const t = document.getElementById('room-chat-text');
             t.disabled = false; t.value = 'message during the drop'; f.requestSubmit(); return true;",
        )
        .await;
    assert_eq!(sent, Value::Bool(true));
    let dropped_at = Instant::now();
    host.wait_for_text("message during the drop").await;
    // The old connection's streams are replaced by the new ones within 10 seconds.
    let until = dropped_at + Duration::from_secs(10);
    loop {
        let s = stats(&guest).await;
        if s["streams"][&host_id]["framesDecoded"].as_u64().unwrap_or(0) > 0 && s["joins"].as_u64().unwrap_or(0) > 1 {
            break;
        }
        assert!(Instant::now() < until, "media did not come back within 10 s: {s}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let count = host
        .script("return [...document.querySelectorAll('#room-chat li')].filter(l => l.textContent.includes('message during the drop')).length;")
        .await;
    assert_eq!(count, Value::from(1));

    host.close().await;
    guest.close().await;
    drop(driver);
    let _ = std::fs::remove_file(&tone);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "media-heavy: .ci/run runs these alone, one at a time (cargo test -p sangdam-web --test it video:: -- --ignored --test-threads 1)"]
async fn three_people_in_a_group_session_see_each_other() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let (room, secret, host_id, guests) =
        room_with(&app, "group-host@example.com", &["group-a@example.com", "group-b@example.com"]).await;

    let driver = Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    sign_in(&host, &app, "group-host@example.com", Some(&secret)).await;
    host.goto(&app.url(&format!("/rooms/{room}"))).await;
    host.wait_for_text("연결되었습니다").await;
    let mut browsers = Vec::new();
    for email in ["group-a@example.com", "group-b@example.com"] {
        let b = driver.browser(&chromium, "ko").await;
        sign_in(&b, &app, email, None).await;
        b.goto(&app.url(&format!("/rooms/{room}"))).await;
        b.wait_for_text("잠시만 기다려 주세요").await;
        host.click(".knock button.admit").await;
        b.wait_for_text("연결되었습니다").await;
        browsers.push(b);
    }
    wait_for_media(&host, &[&guests[0], &guests[1]], Duration::from_secs(20)).await;
    wait_for_media(&browsers[0], &[&host_id, &guests[1]], Duration::from_secs(20)).await;
    wait_for_media(&browsers[1], &[&host_id, &guests[0]], Duration::from_secs(20)).await;
    for b in browsers {
        b.close().await;
    }
    host.close().await;
    drop(driver);
    app.finish().await;
}

/// coturn on loopback, started for one test and stopped when dropped.
struct Turn {
    process: std::process::Child,
    url: String,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn start_turn(secret: &str) -> Option<Turn> {
    let Some(binary) =
        ["/usr/bin/turnserver", "/usr/local/bin/turnserver"].into_iter().find(|p| std::path::Path::new(p).exists())
    else {
        assert!(
            std::env::var("SANGDAM_REQUIRE_E2E").as_deref() != Ok("1"),
            "SANGDAM_REQUIRE_E2E=1 but turnserver is missing (apt-get install coturn)"
        );
        eprintln!("skipped: the relay test needs Debian's coturn");
        return None;
    };
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let process = std::process::Command::new(binary)
        .args(["-n", "--no-cli", "--no-tls", "--no-dtls", "--fingerprint", "--allow-loopback-peers"])
        .args(["--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--realm=sangdam.test"])
        .arg(format!("--listening-port={port}"))
        .args(["--use-auth-secret", &format!("--static-auth-secret={secret}"), "--log-file=stdout", "--simple-log"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("turnserver starts");
    let turn = Turn { process, url: format!("turn:127.0.0.1:{port}?transport=udp") };
    // Wait until coturn answers a STUN binding request: a browser that asks before gets no relay.
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    probe.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    request.extend_from_slice(b"sangdam-stun");
    let mut buf = [0u8; 512];
    for _ in 0..100 {
        let _ = probe.send_to(&request, ("127.0.0.1", port));
        if probe.recv_from(&mut buf).is_ok_and(|(n, _)| n >= 20 && buf[0] == 0x01 && buf[1] == 0x01) {
            return Some(turn);
        }
    }
    panic!("coturn did not answer on port {port}");
}

/// With the browsers forced to relay (`iceTransportPolicy: 'relay'`), media still flows: through
/// coturn, with the credentials Sangdam hands out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "media-heavy: .ci/run runs these alone, one at a time (cargo test -p sangdam-web --test it video:: -- --ignored --test-threads 1)"]
async fn media_flows_through_turn_when_relay_is_forced() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let secret = "turn-test-secret";
    let Some(turn) = start_turn(secret) else { return };
    let url = turn.url.clone();
    let app = TestApp::spawn(Db::Sqlite, move |c| {
        c.turn_urls = vec![url];
        c.turn_secret = Some(sangdam_web::Secret::new(secret));
    })
    .await;
    let (room, secret, host_id, guests) = room_with(&app, "relay-host@example.com", &["relay-guest@example.com"]).await;
    let driver = Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    let guest = driver.browser(&chromium, "ko").await;
    admit(&app, &room, "?relay=1", (&host, "relay-host@example.com", &secret), (&guest, "relay-guest@example.com"))
        .await;
    wait_for_media(&guest, &[&host_id], Duration::from_secs(20)).await;
    let s = relayed(&guest).await;
    assert_eq!(s["relay"], Value::Bool(true), "the guest's media went through TURN: {s}");
    wait_for_media(&host, &[&guests[0]], Duration::from_secs(20)).await;
    let s = relayed(&host).await;
    assert_eq!(s["relay"], Value::Bool(true), "the host's media went through TURN: {s}");
    host.close().await;
    guest.close().await;
    drop(driver);
    app.finish().await;
    drop(turn);
}

/// Waits until `window.sangdamRoom.recording()` says `want` in this browser.
async fn wait_for_recording(b: &Browser<'_>, want: &str) {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let state = b.script("return window.sangdamRoom.recording();").await;
        if state == want {
            return;
        }
        assert!(Instant::now() < until, "recording stayed {state}, wanted {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "media-heavy: .ci/run runs these alone, one at a time (cargo test -p sangdam-web --test it video:: -- --ignored --test-threads 1)"]
async fn a_consented_recording_is_written_encrypted_and_decodes() {
    let Some((chromium, driver_path)) = browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let (room, secret, host_id, guests) = room_with(&app, "rec-host@example.com", &["rec-guest@example.com"]).await;
    let driver = Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    let guest = driver.browser(&chromium, "en").await;
    admit(&app, &room, "", (&host, "rec-host@example.com", &secret), (&guest, "rec-guest@example.com")).await;
    wait_for_media(&guest, &[&host_id], Duration::from_secs(15)).await;
    wait_for_media(&host, &[&guests[0]], Duration::from_secs(15)).await;

    // The counselor proposes; nothing records until the client agrees.
    host.click("#rec-propose").await;
    guest.element("#rec-ask:not([hidden])").await;
    assert_eq!(host.script("return window.sangdamRoom.recording();").await, "off");
    guest.click("#rec-agree").await;
    wait_for_recording(&host, "on").await;
    wait_for_recording(&guest, "on").await;
    guest.element("#rec-indicator:not([hidden])").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The client shares a screen while it records: it is kept as a part of its own.
    guest.click("#media-screen").await;
    wait_for_media(&host, &[&format!("{}-screen", guests[0])], Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The client withdraws: it stops at once, for everyone.
    guest.click("#rec-stop").await;
    wait_for_recording(&host, "off").await;

    let rec = app.store.stopped_recordings().await.unwrap().pop().expect("a stopped recording");
    let consents = app.store.recording_consents(&rec.id).await.unwrap();
    let answers: Vec<(String, bool)> = consents.iter().map(|(u, a, _)| (u.to_string(), *a)).collect();
    assert_eq!(
        answers,
        vec![(host_id.clone(), true), (guests[0].clone(), true), (guests[0].clone(), false)],
        "each agreement and the withdrawal are stored"
    );
    let duration = rec.duration_ms.unwrap();
    assert!((3_000..=12_000).contains(&duration), "{duration} ms recorded");

    // One part per person (camera and voice) and one for the shared screen, which begins later.
    let parts = app.store.recording_parts(&rec.id).await.unwrap();
    println!("parts: {parts:?}");
    let mut people: Vec<String> = parts
        .iter()
        .filter(|p| p.kind == sangdam_domain::recording::PartKind::Person)
        .map(|p| p.user.to_string())
        .collect();
    people.sort();
    let mut expected = vec![host_id.clone(), guests[0].clone()];
    expected.sort();
    assert_eq!(people, expected, "{parts:?}");
    assert!(
        parts
            .iter()
            .filter(|p| p.kind == sangdam_domain::recording::PartKind::Person)
            .all(|p| p.has_audio && p.has_video && p.offset_ms < 1_000)
    );
    let screen = parts
        .iter()
        .find(|p| p.kind == sangdam_domain::recording::PartKind::Screen)
        .expect("the shared screen is recorded");
    assert_eq!(screen.user.to_string(), guests[0]);
    assert!(!screen.has_audio && screen.has_video);
    assert!(screen.offset_ms >= 1_500 && screen.offset_ms + screen.duration_ms <= duration + 100, "{screen:?}");

    // At rest every part is sealed: no WebM header in it. Opened with the recording's key each
    // is a WebM that ffprobe decodes: each person's video and audio, the screen's video.
    let sealed = rec.file_key.as_deref().unwrap();
    let key: [u8; 32] =
        app.keys.open_at(&sangdam_store::sealed::RECORDING_KEY, &[&rec.id], sealed).unwrap().try_into().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut first = Vec::new();
    for p in &parts {
        let name = sangdam_web::recording_file::part_name(&rec.id, p.part as usize);
        let raw = std::fs::read(sangdam_web::recording_file::path(app.recordings_dir(), &name)).unwrap();
        assert!(!raw.windows(4).any(|w| w == [0x1A, 0x45, 0xDF, 0xA3]), "no clear WebM on disk");
        let mut reader = sangdam_web::recording_file::SealedReader::open(app.recordings_dir(), &name, &key).unwrap();
        let mut webm = Vec::new();
        while let Some(chunk) = reader.next_chunk().unwrap() {
            webm.extend(chunk);
        }
        let file = dir.path().join(format!("{name}.webm"));
        std::fs::write(&file, &webm).unwrap();
        let out = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-count_frames",
                "-show_entries",
                "stream=codec_name,width,height,nb_read_frames:format=duration",
                "-of",
                "csv=p=0",
            ])
            .arg(&file)
            .output()
            .expect("ffprobe (Debian ffmpeg) is installed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        println!("ffprobe {} part {}:\n{text}", p.kind.as_str(), p.part);
        let decoded = |codec: &str| {
            text.lines()
                .filter(|l| l.starts_with(codec))
                .filter(|l| l.rsplit(',').next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0) > 10)
                .count()
        };
        assert_eq!(decoded("vp8"), 1, "the picture decodes: {text}");
        assert_eq!(decoded("opus"), usize::from(p.has_audio), "the voice decodes: {text}");
        if p.part == 0 {
            first = webm;
        }
    }

    // The counselor plays it in the browser: every part side by side, all on one clock.
    host.goto(&app.url(&format!("/recordings/{}", rec.id))).await;
    assert_eq!(host.script("return document.querySelectorAll('.player-part video').length;").await, parts.len());
    host.click("#player-toggle").await;
    let until = Instant::now() + Duration::from_secs(20);
    let played = loop {
        let state = host.script("return [window.sangdamPlayer.time(), window.sangdamPlayer.parts()];").await;
        let t = state[0].as_f64().unwrap();
        let all = state[1].as_array().unwrap();
        // Past the screen's start, every part plays a picture near the clock.
        let near = all.iter().zip(&parts).all(|(v, p)| {
            let local = t - p.offset_ms as f64 / 1000.0;
            v["width"].as_u64().unwrap_or(0) > 0
                && !v["paused"].as_bool().unwrap()
                && (v["time"].as_f64().unwrap() - local).abs() < 1.0
        });
        if near && t > screen.offset_ms as f64 / 1000.0 + 0.5 {
            break state;
        }
        assert!(Instant::now() < until, "the parts did not all play together: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("player: {played}");
    // Back to the start: the screen is not in the recording yet, and says so.
    host.script(
        "const s = document.getElementById('player-seek'); s.value = '0.2'; s.dispatchEvent(new Event('input'));",
    )
    .await;
    let shown = host.script("return window.sangdamPlayer.parts().map(p => p.shown);").await;
    let want: Vec<bool> = parts.iter().map(|p| p.kind == sangdam_domain::recording::PartKind::Person).collect();
    assert_eq!(shown, serde_json::json!(want));
    host.click("#player-toggle").await;

    let bytes = host
        .script_async(&format!(
            "fetch('/recordings/{}/file?part=0').then(r => r.arrayBuffer()).then(b => done(b.byteLength));",
            rec.id
        ))
        .await;
    assert_eq!(bytes.as_u64(), Some(first.len() as u64));
    // Seeking: the player asks for a range and gets exactly those bytes.
    let part = host
        .script_async(&format!(
            "fetch('/recordings/{}/file', {{ headers: {{ Range: 'bytes=30000-30099' }} }}).then(async r => \
             done([r.status, r.headers.get('content-range'), Array.from(new Uint8Array(await r.arrayBuffer()))]));",
            rec.id
        ))
        .await;
    assert_eq!(part[0], 206);
    assert_eq!(part[1], format!("bytes 30000-30099/{}", first.len()));
    let got: Vec<u8> = part[2].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u8).collect();
    assert_eq!(got, first[30_000..30_100]);
    // A part that does not exist, or is not a number, is not found.
    for bad in [parts.len().to_string(), "x".to_owned(), "-1".to_owned()] {
        let status = host
            .script_async(&format!("fetch('/recordings/{}/file?part={bad}').then(r => done(r.status));", rec.id))
            .await;
        assert_eq!(status, 404, "part {bad}");
    }
    let f =
        sangdam_store::AuditFilter { action_prefix: Some("recording.play".into()), limit: 10, ..Default::default() };
    assert!(!app.store.audit_page(&f).await.unwrap().records.is_empty());
    // The player passes axe and fits a phone.
    let page = format!("/recordings/{}", rec.id);
    for (width, height) in [(1280, 900), (390, 844)] {
        host.resize(width, height).await;
        let found = crate::a11y::violations(&host, &app, &page).await;
        assert!(found.is_empty(), "{found:?}");
        let fits = host.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;").await;
        assert_eq!(fits, Value::Bool(true), "the player overflows at {width} px");
        host.click("#player-toggle").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        host.screenshot(&crate::browser::screenshots().join(format!("recording-player-{width}.png"))).await;
    }
    drop((host, guest));
    app.finish().await;
}
