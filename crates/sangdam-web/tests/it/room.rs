//! The session room's signaling WebSocket, spoken by a real WebSocket client: the join window,
//! the waiting room, chat in order and exactly once (resends, reconnects), limits, the Origin
//! check, and ending a session (completed, or no-show when the client never came).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sangdam_domain::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::booking::{appointments_of, counselor, listed_slots};
use crate::chat::{Ws, browser};
use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, location};

async fn connect(app: &TestApp, jar: &reqwest::cookie::Jar, room: &str, origin: Option<&str>) -> Result<Ws, u16> {
    use reqwest::cookie::CookieStore;
    let url = format!("{}/rooms/{room}/ws", app.address.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = jar.cookies(&app.address.parse().unwrap()) {
        req.headers_mut().insert("cookie", c);
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

async fn join(app: &TestApp, jar: &reqwest::cookie::Jar, room: &str, last_seq: i64) -> Ws {
    let mut ws = connect(app, jar, room, Some(&app.address)).await.unwrap();
    send(&mut ws, json!({ "type": "hello", "last_seq": last_seq })).await;
    ws
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next protocol message, within five seconds.
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message in time");
        match m {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

/// Whether the server closed the connection (within five seconds).
async fn closed(ws: &mut Ws) -> bool {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_) | Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn sign_in(app: &TestApp, email: &str) -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let (client, jar) = browser();
    assert_eq!(app.signin(&client, email, PASSWORD).await.status(), 303);
    (client, jar)
}

/// A confirmed appointment about 12 hours ahead; the clock is then moved to nine minutes before
/// its start, and counselor (with two-factor) and client are signed in afresh.
struct Scene {
    appointment: String,
    client_id: String,
    counselor: (reqwest::Client, Arc<reqwest::cookie::Jar>),
    client: (reqwest::Client, Arc<reqwest::cookie::Jar>),
}

async fn scene(app: &TestApp, tag: &str) -> Scene {
    let c = counselor(app, &format!("host-{tag}@example.com"), |_| {}).await;
    let (booker, client_id) = app.signed_in(Role::Client, &format!("guest-{tag}@example.com")).await;
    let start = listed_slots(app, &booker, &c).await[0];
    let r = app
        .post(
            &booker,
            &format!("/counselors/{c}/book"),
            &[("kind", "video"), ("start", &start.to_string()), ("terms", "on")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let appointment = appointments_of(app, &c).await[0].id.clone();
    // Eleven minutes before the start the room is still closed.
    app.clock.advance(start - 11 * 60 - app.clock.now());
    let client = sign_in(app, &format!("guest-{tag}@example.com")).await;
    let r = app.get(&client.0, &format!("/appointments/{appointment}/room")).await;
    assert_eq!(r.status(), 400, "the room opens ten minutes before the start");
    app.clock.advance(2 * 60);
    let counselor = sign_in(app, &format!("host-{tag}@example.com")).await;
    app.enroll_two_factor(&counselor.0).await;
    Scene { appointment, client_id: client_id.to_string(), counselor, client }
}

async fn room_of(app: &TestApp, client: &reqwest::Client, appointment: &str) -> String {
    let r = app.get(client, &format!("/appointments/{appointment}/room")).await;
    assert_eq!(r.status(), 303);
    location(&r).trim_start_matches("/rooms/").to_owned()
}

db_test!(the_waiting_room_then_chat_in_order_and_exactly_once, async |app: &TestApp| {
    let s = scene(app, "a").await;
    let room = room_of(app, &s.client.0, &s.appointment).await;
    assert_eq!(room_of(app, &s.counselor.0, &s.appointment).await, room, "one room per appointment");
    let (status, html) = app.get_html(&s.client.0, &format!("/rooms/{room}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("/static/room.js"));

    // The counselor is in at once; the client waits until admitted.
    let mut host = join(app, &s.counselor.1, &room, 0).await;
    let welcome = recv(&mut host).await;
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["host"], true);
    let mut guest = join(app, &s.client.1, &room, 0).await;
    assert_eq!(recv(&mut guest).await["type"], "waiting");
    let knock = recv(&mut host).await;
    assert_eq!((knock["type"].as_str(), knock["user"].as_str()), (Some("knock"), Some(s.client_id.as_str())));
    // Before admission the guest cannot chat.
    send(&mut guest, json!({ "type": "chat", "id": "early", "text": "hi" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-not-admitted");
    // A waiting client's microphone level is ignored quietly (it once replaced the waiting text
    // with "you can write once let in"): the next answer is the one to the next request.
    send(&mut guest, json!({ "type": "speaking", "on": true })).await;
    send(&mut guest, json!({ "type": "media", "audio": true, "video": true, "screen": false })).await;
    // Guests cannot admit.
    send(&mut guest, json!({ "type": "admit", "user": s.client_id })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-host-only");

    send(&mut host, json!({ "type": "admit", "user": s.client_id })).await;
    assert_eq!(recv(&mut guest).await["type"], "admitted");
    let w = recv(&mut guest).await;
    assert_eq!(w["type"], "welcome");
    assert!(w["ends_at"].as_i64().unwrap() > w["starts_at"].as_i64().unwrap(), "the booked times for the timer");
    assert_eq!(recv(&mut host).await["type"], "joined");

    // A message, then the same message again (a resend): stored once, delivered once.
    for _ in 0..2 {
        send(&mut guest, json!({ "type": "chat", "id": "m-1", "text": "안녕하세요, 잘 부탁드립니다" })).await;
    }
    let first = recv(&mut guest).await;
    assert_eq!((first["type"].as_str(), first["seq"].as_i64()), (Some("ack"), Some(1)));
    assert_eq!(recv(&mut guest).await["type"], "chat");
    let second = recv(&mut guest).await;
    assert_eq!(
        (second["type"].as_str(), second["seq"].as_i64()),
        (Some("ack"), Some(1)),
        "the resend gets the same number"
    );
    let got = recv(&mut host).await;
    assert_eq!((got["type"].as_str(), got["seq"].as_i64()), (Some("chat"), Some(1)));
    assert_eq!(got["text"], "안녕하세요, 잘 부탁드립니다");
    send(&mut host, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut host).await["type"], "pong", "and nothing else came before: no duplicate");

    // The client drops; the counselor writes twice; the client comes back without a new
    // admission and receives exactly what it missed, in order.
    drop(guest);
    assert_eq!(recv(&mut host).await["type"], "left");
    for (id, text) in [("h-1", "천천히 말씀하셔도 괜찮아요"), ("h-2", "오늘은 어떠셨어요?")] {
        send(&mut host, json!({ "type": "chat", "id": id, "text": text })).await;
        assert_eq!(recv(&mut host).await["type"], "ack");
        assert_eq!(recv(&mut host).await["type"], "chat");
    }
    let mut guest = join(app, &s.client.1, &room, 1).await;
    assert_eq!(recv(&mut guest).await["type"], "welcome", "no second admission");
    let (a, b) = (recv(&mut guest).await, recv(&mut guest).await);
    assert_eq!((a["seq"].as_i64(), b["seq"].as_i64()), (Some(2), Some(3)));
    assert_eq!(b["text"], "오늘은 어떠셨어요?");
    assert_eq!(recv(&mut host).await["type"], "joined");

    // Bad input: not JSON, unknown types and oversize messages.
    send(&mut guest, json!({ "type": "teleport" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-message");
    guest.send(Message::Text("{not json".into())).await.unwrap();
    assert_eq!(recv(&mut guest).await["code"], "error-room-message");
    send(&mut guest, json!({ "type": "chat", "id": "long", "text": "가".repeat(4001) })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-chat-too-long");
    send(&mut guest, json!({ "type": "chat", "id": "bad id!", "text": "x" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-message");
    send(&mut guest, json!({ "type": "end" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-host-only");
    send(&mut guest, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut guest).await["type"], "pong", "the connection survives bad messages");
    let mut big = join(app, &s.client.1, &room, 3).await;
    assert_eq!(recv(&mut big).await["type"], "welcome");
    big.send(Message::Text("x".repeat(65 * 1024).into())).await.unwrap();
    assert!(closed(&mut big).await, "a message over 16 KiB closes the connection");

    // The stored chat is sealed.
    let stored = app.store.room_messages_after(&room, 0, 10).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert!(!String::from_utf8_lossy(&stored[0].body).contains("안녕하세요"));

    // The counselor ends the session for everyone: completed, since the client came.
    send(&mut host, json!({ "type": "end" })).await;
    loop {
        if recv(&mut guest).await["type"] == "ended" {
            break;
        }
    }
    let a = app.store.appointment(&s.appointment).await.unwrap().unwrap();
    assert_eq!(a.status.as_str(), "completed");
    let events: Vec<String> = app.store.room_events(&room).await.unwrap().into_iter().map(|(_, e, _)| e).collect();
    for e in ["join", "admit", "leave", "end"] {
        assert!(events.iter().any(|x| x == e), "{e} recorded: {events:?}");
    }
    assert_eq!(
        connect(app, &s.client.1, &room, Some(&app.address)).await.err(),
        Some(400),
        "an ended room stays closed"
    );
});

db_test!(only_members_from_this_origin_enter_and_no_shows_are_recorded, async |app: &TestApp| {
    let s = scene(app, "b").await;
    let room = room_of(app, &s.counselor.0, &s.appointment).await;
    // No Origin, or another site's: refused before the upgrade.
    assert_eq!(connect(app, &s.client.1, &room, None).await.err(), Some(403));
    assert_eq!(connect(app, &s.client.1, &room, Some("https://evil.example")).await.err(), Some(403));
    // Not signed in, or not a member: refused.
    let (_, anonymous) = browser();
    assert!(connect(app, &anonymous, &room, Some(&app.address)).await.is_err());
    let _ = app.create_user(Role::Client, "stranger@example.com").await;
    let (stranger, stranger_jar) = sign_in(app, "stranger@example.com").await;
    assert_eq!(connect(app, &stranger_jar, &room, Some(&app.address)).await.err(), Some(404));
    assert_eq!(app.get(&stranger, &format!("/rooms/{room}")).await.status(), 404);
    assert_eq!(app.get(&stranger, &format!("/appointments/{}/room", s.appointment)).await.status(), 404);

    // The client never comes: ending records a no-show.
    let mut host = join(app, &s.counselor.1, &room, 0).await;
    assert_eq!(recv(&mut host).await["type"], "welcome");
    send(&mut host, json!({ "type": "end" })).await;
    assert_eq!(recv(&mut host).await["type"], "ended");
    assert_eq!(app.store.appointment(&s.appointment).await.unwrap().unwrap().status.as_str(), "no_show");
});

db_test!(counselors_open_ad_hoc_rooms_and_invite, async |app: &TestApp| {
    let (counselor, _) = sign_in_new(app, Role::Counselor, "adhoc@example.com").await;
    app.enroll_two_factor(&counselor).await;
    let r = app.post(&counselor, "/rooms", &[("title", "가족 상담")]).await;
    assert_eq!(r.status(), 303);
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let (client, client_jar) = sign_in_new(app, Role::Client, "family@example.com").await;
    assert_eq!(app.get(&client, &format!("/rooms/{room}")).await.status(), 404, "not invited yet");
    let r = app.post(&counselor, &format!("/rooms/{room}/invite"), &[("email", "family@example.com")]).await;
    assert_eq!(r.status(), 303);
    // An unknown address gets the same answer.
    let r = app.post(&counselor, &format!("/rooms/{room}/invite"), &[("email", "nobody@example.com")]).await;
    assert_eq!(r.status(), 303);
    let mail = app.mails_to("family@example.com").await.pop().unwrap();
    assert!(mail.body.contains(&format!("/rooms/{room}")));
    assert_eq!(app.get(&client, &format!("/rooms/{room}")).await.status(), 200);
    let mut guest = join(app, &client_jar, &room, 0).await;
    assert_eq!(recv(&mut guest).await["type"], "waiting");
});

async fn sign_in_new(app: &TestApp, role: Role, email: &str) -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    app.create_user(role, email).await;
    sign_in(app, email).await
}

/// Uploads a file as the room page does (multipart, CSRF token in a header).
async fn share(app: &TestApp, client: &reqwest::Client, room: &str, name: &str, bytes: &[u8]) -> reqwest::Response {
    crate::chat::upload(app, client, &format!("/rooms/{room}/files"), name, bytes).await
}

db_test!(participants_share_files_that_only_they_can_download, async |app: &TestApp| {
    let s = scene(app, "f").await;
    let room = room_of(app, &s.client.0, &s.appointment).await;
    let mut host = join(app, &s.counselor.1, &room, 0).await;
    assert_eq!(recv(&mut host).await["type"], "welcome");
    let pdf = b"%PDF-1.7\n% session worksheet: sleep diary\n%%EOF\n".to_vec();
    // Not admitted yet: the client cannot share.
    assert_eq!(share(app, &s.client.0, &room, "diary.pdf", &pdf).await.status(), 403);
    let mut guest = join(app, &s.client.1, &room, 0).await;
    assert_eq!(recv(&mut guest).await["type"], "waiting");
    assert_eq!(recv(&mut host).await["type"], "knock");
    send(&mut host, json!({ "type": "admit", "user": s.client_id })).await;
    assert_eq!(recv(&mut guest).await["type"], "admitted");
    assert_eq!(recv(&mut guest).await["type"], "welcome");
    assert_eq!(recv(&mut host).await["type"], "joined");

    let r = share(app, &s.client.0, &room, "../../수면 일기.pdf", &pdf).await;
    assert_eq!(r.status(), 200);
    let info: Value = r.json().await.unwrap();
    assert_eq!(info["name"], "수면 일기.pdf", "the path is stripped");
    let announced = recv(&mut host).await;
    assert_eq!((announced["type"].as_str(), announced["file"]["id"].as_str()), (Some("file"), info["id"].as_str()));

    let url = format!("/rooms/{room}/files/{}", info["id"].as_str().unwrap());
    let r = app.get(&s.counselor.0, &url).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // Outsiders cannot download it.
    let (stranger, _) = sign_in_new(app, Role::Client, "outsider@example.com").await;
    assert_eq!(app.get(&stranger, &url).await.status(), 404);
    // Refused kinds and sizes, each with nothing stored.
    assert_eq!(share(app, &s.client.0, &room, "invoice.pdf", b"MZ\x90\x00 a program").await.status(), 400);
    assert_eq!(share(app, &s.client.0, &room, "page.html", b"<script>alert(1)</script>").await.status(), 400);
    assert_eq!(share(app, &s.client.0, &room, "empty.txt", b"").await.status(), 400);
    let big = vec![b'a'; 20 * 1024 * 1024 + 1];
    assert_eq!(share(app, &s.client.0, &room, "big.txt", &big).await.status(), 400);
    let stored = app.store.room_files(&room).await.unwrap();
    assert_eq!(stored.len(), 1);
    let (_, sealed) = app.store.room_file(&room, &stored[0].id).await.unwrap().unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("sleep diary"), "sealed at rest");
    // A participant joining later sees the file in the welcome.
    let mut again = join(app, &s.client.1, &room, 0).await;
    let w = recv(&mut again).await;
    assert_eq!(w["files"][0]["name"], "수면 일기.pdf");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turn_credentials_follow_the_rest_api_scheme() {
    use hmac::{Hmac, Mac};
    let app = TestApp::spawn(crate::helpers::Db::Sqlite, |c| {
        c.turn_urls = vec!["turn:turn.example.org:3478?transport=udp".into()];
        c.turn_secret = Some(sangdam_web::Secret::new("coturn-shared-secret"));
        c.turn_ttl_seconds = 3600;
    })
    .await;
    let (client, _) = sign_in_new(&app, Role::Counselor, "turn@example.com").await;
    app.enroll_two_factor(&client).await;
    let r = app.post(&client, "/rooms", &[("title", "")]).await;
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let v: Value = app.get(&client, &format!("/rooms/{room}/ice")).await.json().await.unwrap();
    let server = &v["iceServers"][0];
    assert_eq!(server["urls"][0], "turn:turn.example.org:3478?transport=udp");
    let username = server["username"].as_str().unwrap();
    let expires: i64 = username.split(':').next().unwrap().parse().unwrap();
    assert!((expires - app.clock.now() - 3600).abs() <= 2, "valid for the configured time");
    assert!(!username.contains("turn@example.com"), "no personal data in the name");
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(b"coturn-shared-secret").unwrap();
    mac.update(username.as_bytes());
    assert_eq!(server["credential"].as_str().unwrap(), data_encoding::BASE64.encode(&mac.finalize().into_bytes()));
    // Outsiders get nothing.
    let (stranger, _) = sign_in_new(&app, Role::Client, "noturn@example.com").await;
    assert_eq!(app.get(&stranger, &format!("/rooms/{room}/ice")).await.status(), 404);
    app.finish().await;
}

/// The scene's counselor and client both in the appointment's room, the client admitted, every
/// message of the entry read.
async fn both_in(app: &TestApp, tag: &str) -> (Scene, String, Ws, Ws) {
    let s = scene(app, tag).await;
    let room = room_of(app, &s.client.0, &s.appointment).await;
    let mut host = join(app, &s.counselor.1, &room, 0).await;
    assert_eq!(recv(&mut host).await["type"], "welcome");
    let mut guest = join(app, &s.client.1, &room, 0).await;
    assert_eq!(recv(&mut guest).await["type"], "waiting");
    assert_eq!(recv(&mut host).await["type"], "knock");
    send(&mut host, json!({ "type": "admit", "user": s.client_id })).await;
    assert_eq!(recv(&mut guest).await["type"], "admitted");
    assert_eq!(recv(&mut guest).await["type"], "welcome");
    assert_eq!(recv(&mut host).await["type"], "joined");
    (s, room, host, guest)
}

db_test!(the_whiteboard_is_shared_live_and_kept_for_late_joiners, async |app: &TestApp| {
    let (s, room, mut host, mut guest) = both_in(app, "w").await;

    let stroke =
        json!({ "kind": "stroke", "id": "s1", "color": "#c0392b", "width": 3.0, "points": [[0.1, 0.2], [0.3, 0.4]] });
    send(&mut guest, json!({ "type": "board", "item": stroke })).await;
    let got = recv(&mut host).await;
    assert_eq!((got["type"].as_str(), got["item"]["id"].as_str()), (Some("board"), Some("s1")));
    let text = json!({ "kind": "text", "id": "t1", "color": "#1f6feb", "x": 0.5, "y": 0.5, "text": "불안 점수 7 → 4" });
    send(&mut host, json!({ "type": "board", "item": text })).await;
    assert_eq!(recv(&mut guest).await["item"]["text"], "불안 점수 7 → 4");

    // Bad items are refused and not kept.
    for bad in [
        json!({ "kind": "stroke", "id": "x", "color": "javascript:alert(1)", "width": 3.0, "points": [[0.1, 0.1]] }),
        json!({ "kind": "stroke", "id": "x", "color": "#c0392b", "width": 3.0, "points": [[1.5, 0.1]] }),
        json!({ "kind": "stroke", "id": "x", "color": "#c0392b", "width": 3.0, "points": vec![[0.1, 0.1]; 601] }),
        json!({ "kind": "stroke", "id": "x", "color": "#c0392b", "width": 3.0, "points": [] }),
        json!({ "kind": "text", "id": "x", "color": "#c0392b", "x": 0.1, "y": 0.1, "text": "가".repeat(201) }),
        json!({ "kind": "image", "id": "x", "url": "http://evil.example/x.png" }),
    ] {
        send(&mut guest, json!({ "type": "board", "item": bad })).await;
        assert_eq!(recv(&mut guest).await["type"], "error");
    }
    // Someone arriving later sees the board as it is.
    let mut late = join(app, &s.client.1, &room, 0).await;
    let w = recv(&mut late).await;
    assert_eq!(w["board"].as_array().unwrap().len(), 2);
    // Only hosts clear it.
    send(&mut guest, json!({ "type": "board_clear" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-host-only");
    send(&mut host, json!({ "type": "board_clear" })).await;
    assert_eq!(recv(&mut guest).await["type"], "board_cleared");
});

db_test!(group_rooms_take_two_counselors_and_at_most_eight_people, async |app: &TestApp| {
    let (lead, lead_jar) = sign_in_new(app, Role::Counselor, "lead@example.com").await;
    app.enroll_two_factor(&lead).await;
    let r = app.post(&lead, "/rooms", &[("title", "가족 상담")]).await;
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    // A second counselor joins as a host and enters at once.
    let (co, co_jar) = sign_in_new(app, Role::Counselor, "co@example.com").await;
    app.enroll_two_factor(&co).await;
    assert_eq!(
        app.post(&lead, &format!("/rooms/{room}/invite"), &[("email", "co@example.com"), ("role", "host")])
            .await
            .status(),
        303
    );
    let mut host = join(app, &lead_jar, &room, 0).await;
    assert_eq!(recv(&mut host).await["type"], "welcome");
    let mut second = join(app, &co_jar, &room, 0).await;
    let w = recv(&mut second).await;
    assert_eq!((w["type"].as_str(), w["host"].as_bool()), (Some("welcome"), Some(true)));
    assert_eq!(recv(&mut host).await["type"], "joined");
    // Seven more clients knock; six fit (8 with the two counselors), the seventh is refused.
    let mut guests = Vec::new();
    for i in 0..7 {
        let email = format!("family{i}@example.com");
        let (_, jar) = sign_in_new(app, Role::Client, &email).await;
        assert_eq!(app.post(&lead, &format!("/rooms/{room}/invite"), &[("email", &email)]).await.status(), 303);
        let mut g = join(app, &jar, &room, 0).await;
        assert_eq!(recv(&mut g).await["type"], "waiting");
        let knock = recv(&mut host).await;
        let _ = recv(&mut second).await; // the co-counselor hears the knock too
        send(&mut host, json!({ "type": "admit", "user": knock["user"] })).await;
        if i < 6 {
            assert_eq!(recv(&mut g).await["type"], "admitted", "guest {i}");
            assert_eq!(recv(&mut host).await["type"], "joined");
            assert_eq!(recv(&mut second).await["type"], "joined");
        } else {
            assert_eq!(recv(&mut host).await["code"], "error-room-full");
        }
        guests.push(g);
    }
    assert_eq!(app.store.room_participant_count(&room).await.unwrap(), 8);
});

// The device check's network test refuses what is not an offer, in the visitor's language, and
// needs the page's CSRF token like every other state-changing request.
db_test!(the_network_test_refuses_garbage, async |app: &TestApp| {
    let client = crate::helpers::new_client();
    let token = app.csrf(&client).await;
    let post = |body: String, token: Option<&str>| {
        let mut r = client
            .post(app.url("/check/media"))
            .header("content-type", "application/json")
            .header("origin", &app.address)
            .header("accept-language", "ko");
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.body(body).send()
    };
    assert_eq!(post(json!({ "sdp": "v=0" }).to_string(), None).await.unwrap().status(), 403);
    for body in [
        "not json".to_owned(),
        json!({ "sdp": "garbage" }).to_string(),
        // Over the 32 KiB an offer may have.
        json!({ "sdp": "v=0\r\n".repeat(7_000) }).to_string(),
        json!({ "offer": 1 }).to_string(),
    ] {
        let r = post(body, Some(&token)).await.unwrap();
        assert_eq!(r.status(), 400);
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["error"].as_str().unwrap().contains("연결하지 못했습니다"), "{v}");
    }
    let (peers, _) = app.state.as_ref().unwrap().media.stats().await;
    assert_eq!(peers, 0);
});

db_test!(recording_needs_everyone_and_stops_on_withdrawal, async |app: &TestApp| {
    let (_, _, mut host, mut guest) = both_in(app, "rec").await;

    // Only a host proposes; there is nothing to agree to yet; bad answers are refused.
    send(&mut guest, json!({ "type": "record_propose" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-host-only");
    send(&mut guest, json!({ "type": "record_consent", "agree": true })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-recording-none");
    send(&mut guest, json!({ "type": "record_consent", "agree": "maybe" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-message");

    // A refusal ends the proposal; nothing is recorded.
    send(&mut host, json!({ "type": "record_propose" })).await;
    let asked = recv(&mut guest).await;
    assert_eq!(asked["type"], "recording_asked");
    let first = asked["id"].as_str().unwrap().to_owned();
    send(&mut host, json!({ "type": "record_propose" })).await;
    assert_eq!(recv(&mut host).await["code"], "error-recording-busy");
    send(&mut guest, json!({ "type": "record_consent", "agree": false, "id": first })).await;
    for ws in [&mut host, &mut guest] {
        let m = recv(ws).await;
        assert_eq!(
            (m["type"].as_str(), m["on"].as_bool(), m["reason"].as_str()),
            (Some("recording"), Some(false), Some("declined"))
        );
    }
    // Agreed by everyone, it runs; the client withdraws and it stops.
    send(&mut host, json!({ "type": "record_propose" })).await;
    let second = recv(&mut guest).await["id"].as_str().unwrap().to_owned();
    // A late answer to the first proposal does not count for the second.
    send(&mut guest, json!({ "type": "record_consent", "agree": true, "id": first })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-recording-none");
    send(&mut guest, json!({ "type": "record_consent", "agree": true, "id": second })).await;
    for ws in [&mut host, &mut guest] {
        let m = recv(ws).await;
        assert_eq!((m["type"].as_str(), m["on"].as_bool()), (Some("recording"), Some(true)));
    }
    send(&mut guest, json!({ "type": "record_stop" })).await;
    for ws in [&mut host, &mut guest] {
        let m = recv(ws).await;
        assert_eq!((m["on"].as_bool(), m["reason"].as_str()), (Some(false), Some("withdrawn")));
    }
    // No camera or microphone reached the server (these sockets carry no media): nothing was
    // recorded, so the recording failed and leaves no file; the answers stay.
    assert!(app.store.stopped_recordings().await.unwrap().is_empty());
    let id =
        app.store.recordings_due_for_deletion(app.clock.now(), 0).await.unwrap().pop().expect("a failed recording");
    let failed = app.store.recording(&id).await.unwrap().unwrap();
    assert_eq!(failed.state, sangdam_domain::recording::RecordingState::Failed);
    assert!(failed.file_key.is_some());
    assert!(!sangdam_web::recording_file::path(app.recordings_dir(), &id).exists());
    let answers: Vec<bool> = app.store.recording_consents(&id).await.unwrap().iter().map(|c| c.1).collect();
    assert_eq!(answers, vec![true, true, false]);

    // The parts a recording lists hold their invariants in the database itself: a written part
    // goes in once; a screen with a voice, a negative offset, a part number out of range or an
    // unknown kind are refused.
    let user = failed.proposed_by.as_str();
    let row = |part: &str, kind: &str, offset: &str, audio: &str| {
        format!(
            "INSERT INTO recording_parts (recording_id, part, user_id, kind, offset_ms, duration_ms, has_audio, has_video) \
             VALUES ('{id}', {part}, '{user}', '{kind}', {offset}, 1000, {audio}, TRUE)"
        )
    };
    let exec = |sql: String| async move {
        match &app.store {
            sangdam_store::Store::Sqlite(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
            sangdam_store::Store::Postgres(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
        }
    };
    exec(row("0", "person", "0", "TRUE")).await.expect("a part as the recorder writes it");
    for bad in [
        row("0", "person", "0", "TRUE"),
        row("1", "screen", "0", "TRUE"),
        row("2", "person", "-5", "TRUE"),
        row("-1", "person", "0", "TRUE"),
        row("64", "person", "0", "TRUE"),
        row("3", "camera", "0", "FALSE"),
    ] {
        assert!(exec(bad.clone()).await.is_err(), "{bad} must be refused");
    }

    // Housekeeping deletes every part's file, then the key: here parts a crash might have left,
    // beside another recording's file, which stays.
    let dir = app.recordings_dir();
    let ours = [format!("{id}.sdrec"), format!("{id}.1.sdrec"), format!("{id}.2.sdrec")];
    let theirs = format!("{id}x.sdrec");
    for f in ours.iter().chain([&theirs]) {
        std::fs::write(dir.join(f), b"sealed").unwrap();
    }
    app.clock.advance(31 * 86_400);
    let state = app.state.clone().unwrap();
    assert_eq!(sangdam_web::server::delete_expired_recordings(&state).await.unwrap(), 1);
    assert!(ours.iter().all(|f| !dir.join(f).exists()), "every part is deleted");
    assert!(dir.join(&theirs).exists(), "another recording's file stays");
    let gone = app.store.recording(&id).await.unwrap().unwrap();
    assert!(app.store.recording_parts(&id).await.unwrap().is_empty(), "the list of parts goes with the files");
    assert_eq!((gone.state.as_str(), gone.file_key.is_none()), ("deleted", true));

    // A recording a stopped server left open is closed at the next start and deleted.
    send(&mut host, json!({ "type": "record_propose" })).await;
    let third = recv(&mut guest).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.store.fail_stale_recordings(app.clock.now()).await.unwrap(), 1);
    let stale = app.store.recording(&third).await.unwrap().unwrap();
    assert_eq!(stale.state, sangdam_domain::recording::RecordingState::Failed);
});

db_test!(the_language_assistant_advises_hosts_only, async |app: &TestApp| {
    let (_, _, mut host, mut guest) = both_in(app, "adv").await;
    send(&mut host, json!({ "type": "advise", "text": "잠시만 기다려" })).await;
    let advice = recv(&mut host).await;
    assert_eq!(advice["type"], "advice");
    let items: Vec<&str> = advice["items"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(items.len(), 2, "informal speech and a bare command: {items:?}");
    assert!(items[0].contains("반말") && items[1].contains("명령"), "in the host's language: {items:?}");
    send(&mut host, json!({ "type": "advise", "text": "잠시만 기다려 주시겠어요?" })).await;
    assert_eq!(recv(&mut host).await["items"], json!([]));
    // Advice is never shared, and clients get none.
    send(&mut host, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut host).await["type"], "pong");
    send(&mut guest, json!({ "type": "advise", "text": "기다려" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-host-only");
    send(&mut host, json!({ "type": "advise", "text": "가".repeat(4001) })).await;
    assert_eq!(recv(&mut host).await["code"], "error-chat-too-long");
});

db_test!(a_host_ends_a_session_because_of_abuse, async |app: &TestApp| {
    let (_scene, room, mut host, mut guest) = both_in(app, "abuse").await;
    app.create_user(Role::Supervisor, "sup@example.com").await;
    // Only a host may.
    send(&mut guest, json!({ "type": "end_abuse" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-host-only");
    send(&mut host, json!({ "type": "end_abuse" })).await;
    assert_eq!(recv(&mut guest).await["type"], "ended");
    assert!(closed(&mut host).await);
    assert!(app.store.room(&room).await.unwrap().unwrap().ended_at.is_some());
    // A reload after the end says the session has ended (it once waited to reconnect forever).
    let (status, page) = app.get_html(&_scene.client.0, &format!("/rooms/{room}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("이 상담은 끝났습니다") && !page.contains("/static/room.js"), "{page}");
    // The incident is recorded for the dashboard, the host is on a protected break, supervisors
    // are told (without content).
    let incidents = app.store.incidents_since(0).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].3.as_deref(), Some(room.as_str()));
    let host_id = incidents[0].1.clone();
    let agent = app.store.agent(&host_id).await.unwrap().unwrap();
    assert_eq!(agent.status, sangdam_domain::routing::Status::Break);
    let left = agent.status_until.unwrap() - app.clock.now();
    assert!((15 * 60 - 3..=15 * 60).contains(&left), "15 minutes: {left} s left");
    assert_eq!(app.mails_to("sup@example.com").await.len(), 1);
});

db_test!(a_crisis_message_in_the_room_chat_reaches_the_host_and_the_guest_sees_the_lines, async |app: &TestApp| {
    let (scene, room, mut host, mut guest) = both_in(app, "crisis").await;
    send(&mut guest, json!({ "type": "chat", "id": "c-1", "text": "약 다 먹었어요 이제 끝이에요" })).await;
    // The guest: their message back without any mark, then the lines.
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(recv(&mut guest).await);
    }
    let care = got.iter().find(|m| m["type"] == "care").unwrap_or_else(|| panic!("{got:?}"));
    assert!(care["lines"].to_string().contains("109"), "{care}");
    assert!(got.iter().filter(|m| m["type"] == "chat").all(|m| m["crisis"].is_null()), "{got:?}");
    // The host: the message marked.
    let line = recv(&mut host).await;
    assert_eq!((line["type"].as_str(), line["crisis"].as_str()), (Some("chat"), Some("high")), "{line}");
    // The room's event, with the host as its counselor.
    let events = app.store.open_crisis_events().await.unwrap();
    assert_eq!((events.len(), events[0].source.as_str(), events[0].level), (1, "room", 2));
    // A host reconnecting sees the mark again in the catch-up; the host's own words are never marked.
    send(&mut host, json!({ "type": "chat", "id": "h-1", "text": "지금 119에 전화할게요. 자살 생각이 드셨군요" }))
        .await;
    recv(&mut host).await;
    let mut again = join(app, &scene.counselor.1, &room, 0).await;
    let mut marks = Vec::new();
    for _ in 0..6 {
        let m = recv(&mut again).await;
        if m["type"] == "chat" {
            marks.push((m["id"].as_str().unwrap().to_owned(), m["crisis"].as_str().map(str::to_owned)));
        }
        if marks.len() == 2 {
            break;
        }
    }
    assert_eq!(marks, vec![("c-1".to_owned(), Some("high".to_owned())), ("h-1".to_owned(), None)]);
});

db_test!(connection_quality_reaches_the_room_once_per_change, async |app: &TestApp| {
    let s = scene(app, "q").await;
    let room = room_of(app, &s.client.0, &s.appointment).await;
    let mut host = join(app, &s.counselor.1, &room, 0).await;
    assert_eq!(recv(&mut host).await["type"], "welcome");
    let mut guest = join(app, &s.client.1, &room, 0).await;
    assert_eq!(recv(&mut guest).await["type"], "waiting");
    assert_eq!(recv(&mut host).await["type"], "knock");
    // A waiting client's quality is nobody's business yet: ignored quietly.
    send(&mut guest, json!({ "type": "quality", "level": "poor" })).await;
    send(&mut guest, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut guest).await["type"], "pong", "handled, quietly, while waiting");
    send(&mut host, json!({ "type": "admit", "user": s.client_id })).await;
    assert_eq!(recv(&mut guest).await["type"], "admitted");
    let w = recv(&mut guest).await;
    assert_eq!(w["type"], "welcome");
    assert!(w["participants"].as_array().unwrap().iter().all(|p| p["media"].get("quality").is_none()));
    let joined = recv(&mut host).await;
    assert_eq!(joined["type"], "joined");
    assert!(joined["person"]["media"].get("quality").is_none(), "what it sent while waiting was not kept");

    // The client's page says its connection is weak: the counselor's page (and its own) hear it.
    send(&mut guest, json!({ "type": "quality", "level": "weak" })).await;
    for ws in [&mut host, &mut guest] {
        let m = recv(ws).await;
        assert_eq!((m["type"].as_str(), m["user"].as_str()), (Some("media"), Some(s.client_id.as_str())));
        assert_eq!(m["media"]["quality"], "weak");
    }
    // The same level again, in a burst (within the socket's rate): nothing more is told.
    for _ in 0..10 {
        send(&mut guest, json!({ "type": "quality", "level": "weak" })).await;
    }
    send(&mut host, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut host).await["type"], "pong", "a repeated level is not told again");
    // A media change keeps the quality; an unknown level is refused.
    send(&mut guest, json!({ "type": "media", "audio": false, "video": true, "screen": false })).await;
    let m = recv(&mut host).await;
    assert_eq!((m["media"]["audio"].as_bool(), m["media"]["quality"].as_str()), (Some(false), Some("weak")));
    assert_eq!(recv(&mut guest).await["type"], "media");
    send(&mut guest, json!({ "type": "quality", "level": "awful" })).await;
    assert_eq!(recv(&mut guest).await["code"], "error-room-message");
    // Whoever comes in later sees it in the participant list.
    drop(host);
    let mut again = join(app, &s.counselor.1, &room, 0).await;
    let w = recv(&mut again).await;
    let client = w["participants"].as_array().unwrap().iter().find(|p| p["user"] == s.client_id.as_str()).cloned();
    assert_eq!(client.unwrap()["media"]["quality"], "weak");
});

db_test!(one_room_message_stored_twenty_times_at_once_is_stored_once, async |app: &TestApp| {
    let s = scene(app, "twenty").await;
    let room = room_of(app, &s.client.0, &s.appointment).await;
    let sender = sangdam_domain::UserId::parse(&s.client_id).unwrap();
    let now = app.clock.now();
    // One message arriving twenty times at once (a page resending from two tabs, say): one copy
    // is stored, the others get it back instead of an error.
    let posts = (0..20).map(|_| app.store.post_room_message(&room, &sender, "same", b"sealed", now, None));
    let results = futures_util::future::join_all(posts).await;
    let posted: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(posted.iter().filter(|p| p.1).count(), 1);
    assert!(posted.iter().all(|p| p.0.seq == posted[0].0.seq));
});

/// A stopped recording of a new ad-hoc room hosted by `host`.
async fn stopped_recording(app: &TestApp, host: &reqwest::Client, host_id: &sangdam_domain::UserId) -> String {
    let r = app.post(host, "/rooms", &[("title", "녹화")]).await;
    assert_eq!(r.status(), 303);
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let now = app.clock.now();
    let rec = sangdam_domain::ids::encode_random(&sangdam_web::crypto::random::<16>());
    app.store.propose_recording(&rec, &room, host_id, now).await.unwrap();
    let key = app.keys.seal_at(&sangdam_store::sealed::RECORDING_KEY, &[&rec], &[7; 32]);
    app.store.recording_started(&rec, &key, now).await.unwrap();
    app.store
        .recording_ended(&rec, sangdam_domain::recording::RecordingState::Stopped, Some(10), Some(1000), None, now)
        .await
        .unwrap();
    rec
}

db_test!(sharing_a_recording_pressed_twenty_times_at_once_is_one_change, async |app: &TestApp| {
    let (host, host_id) = crate::records::staff(app, Role::Counselor, "share-host@example.com").await;
    let (other, _) = crate::records::staff(app, Role::Counselor, "share-other@example.com").await;
    let (client, _) = sign_in_new(app, Role::Client, "share-client@example.com").await;
    let rec = stopped_recording(app, &host, &host_id).await;
    let shared = async || app.store.recording(&rec).await.unwrap().unwrap().shared_with_client;
    let share = format!("/recordings/{rec}/share");

    // Neither another counselor nor a client may change it, and a value the form never sends is refused.
    assert_eq!(app.post(&other, &share, &[("shared", "1")]).await.status(), 404);
    assert_ne!(app.post(&client, &share, &[("shared", "1")]).await.status(), 303);
    assert_eq!(app.post(&host, &share, &[("shared", "yes")]).await.status(), 400);
    assert!(!shared().await);

    for (value, action) in [("1", "recording.share"), ("0", "recording.unshare")] {
        let presses = (0..20).map(|_| async { app.post(&host, &share, &[("shared", value)]).await });
        let statuses: Vec<u16> =
            futures_util::future::join_all(presses).await.iter().map(|r| r.status().as_u16()).collect();
        assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
        assert_eq!(shared().await, value == "1");
        assert_eq!(crate::records::audited_count(app, action).await, 1, "one change, one entry: {action}");
    }
});

db_test!(a_room_write_whose_audit_entry_fails_leaves_nothing_behind, async |app: &TestApp| {
    let (host, _) = crate::records::staff(app, Role::Counselor, "tx-host@example.com").await;
    let r = app.post(&host, "/rooms", &[("title", "가족 상담")]).await;
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let invitee = app.create_user(Role::Client, "tx-invitee@example.com").await;

    app.break_audit_log(true).await;
    assert_eq!(app.post(&host, "/rooms", &[("title", "기록되지 않을 방")]).await.status(), 500);
    let r = app.post(&host, &format!("/rooms/{room}/invite"), &[("email", "tx-invitee@example.com")]).await;
    assert_eq!(r.status(), 500);
    app.break_audit_log(false).await;

    // No invitation mail went out for a membership that was never written, and the other way round.
    assert!(app.store.room_member(&room, &invitee).await.unwrap().is_none());
    assert!(app.mails_to("tx-invitee@example.com").await.is_empty());
    let r = app.post(&host, &format!("/rooms/{room}/invite"), &[("email", "tx-invitee@example.com")]).await;
    assert_eq!(r.status(), 303);
    assert!(app.store.room_member(&room, &invitee).await.unwrap().is_some());
    assert_eq!(app.mails_to("tx-invitee@example.com").await.len(), 1);
    assert_eq!(crate::records::audited_count(app, "room.create").await, 1, "the failed room left no entry");
});
