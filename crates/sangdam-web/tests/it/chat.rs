//! The chat center over real WebSockets: a guest queues, a counselor accepts, messages flow both
//! ways; the graded response to abuse warns, and the counselor's one click ends the chat, locks its
//! transcript and bans the guest; the
//! counselor's recovery break keeps chats away; transfers, supervisors' watch and whisper, notes
//! never reaching the client; canned responses, the dashboard, and bad input.

use sangdam_domain::routing::{ChatStatus, Status};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sangdam_domain::{Role, UserId};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::booking::counselor;
use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, location};

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
pub type Browser = (reqwest::Client, Arc<reqwest::cookie::Jar>);

pub fn browser() -> Browser {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

pub async fn connect(app: &TestApp, jar: &reqwest::cookie::Jar, path: &str) -> Result<Ws, u16> {
    use reqwest::cookie::CookieStore;
    let url = format!("{}{path}", app.address.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = jar.cookies(&app.address.parse().unwrap()) {
        req.headers_mut().insert("cookie", c);
    }
    req.headers_mut().insert("origin", app.address.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next message of type `kind`, skipping others, within ten seconds.
pub async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let m = tokio::time::timeout_at(deadline, ws.next()).await.unwrap_or_else(|_| panic!("no {kind} in time"));
        if let Some(Ok(Message::Text(t))) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == kind {
                return v;
            }
        } else if !matches!(m, Some(Ok(Message::Ping(_) | Message::Pong(_)))) {
            panic!("expected {kind}, got {m:?}");
        }
    }
}

/// Whether a message of type `kind` arrives within `wait`.
pub async fn arrives(ws: &mut Ws, kind: &str, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return false,
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == kind {
                    return true;
                }
            }
            Ok(_) => {}
        }
    }
}

/// A guest starts a chat from the form; returns their browser and the chat id.
pub async fn guest(app: &TestApp, nickname: &str) -> (Browser, String) {
    let b = browser();
    let r = app
        .post(&b.0, "/chat", &[("nickname", nickname), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")])
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let id = location(&r).trim_start_matches("/chat/").to_owned();
    (b, id)
}

pub async fn guest_ws(app: &TestApp, b: &Browser, chat: &str) -> Ws {
    let mut ws = connect(app, &b.1, &format!("/chat/{chat}/ws")).await.unwrap();
    send(&mut ws, json!({ "type": "hello", "last_seq": 0 })).await;
    ws
}

/// A staff member signed in with two-factor, in a browser whose cookies the WebSocket can use.
pub async fn staff_browser(app: &TestApp, role: Role, email: &str) -> (Browser, UserId) {
    let id =
        if role == Role::Counselor { counselor(app, email, |_| {}).await } else { app.create_user(role, email).await };
    let b = browser();
    assert_eq!(app.signin(&b.0, email, PASSWORD).await.status(), 303);
    app.enroll_two_factor(&b.0).await;
    (b, id)
}

pub async fn console(app: &TestApp, b: &Browser) -> Ws {
    let mut ws = connect(app, &b.1, "/center/ws").await.unwrap();
    send(&mut ws, json!({ "type": "hello" })).await;
    next_of(&mut ws, "welcome").await;
    ws
}

pub async fn available(ws: &mut Ws) {
    send(ws, json!({ "type": "status", "status": "available" })).await;
    assert_eq!(next_of(ws, "status").await["status"], "available");
}

/// Uploads a file as a page's script does: multipart, with the CSRF token in a header.
pub async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let token = app.csrf(client).await;
    let boundary = "----sangdamfileboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post(app.url(path))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("x-csrf-token", token)
        .header("origin", &app.address)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The client's state updates until one with this status.
async fn state_until(ws: &mut Ws, status: &str) -> Value {
    loop {
        let s = next_of(ws, "state").await;
        if s["status"] == status && (status != "queued" || !s["position"].is_null()) {
            return s;
        }
    }
}

/// The guest's next message line, skipping state updates.
async fn line(ws: &mut Ws) -> Value {
    next_of(ws, "message").await
}

db_test!(a_guest_is_served_warned_ended_banned_and_the_counselor_rests, async |app: &TestApp| {
    let (cb, counselor_id) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    let (_sb, _) = staff_browser(app, Role::Supervisor, "s@example.com").await;

    // A guest queues and sees their place.
    let (g, chat) = guest(app, "민들레").await;
    let mut gw = guest_ws(app, &g, &chat).await;
    let offer = next_of(&mut c, "offer").await;
    assert_eq!(offer["chat"]["id"], chat.as_str());
    assert_eq!(offer["chat"]["nickname"], "민들레");
    send(&mut c, json!({ "type": "accept", "chat": chat })).await;
    assert_eq!(next_of(&mut c, "chat").await["chat"]["status"], "active");
    let state = state_until(&mut gw, "active").await;
    assert_eq!(state["counselor"], "c");

    // Messages both ways, with typing and read receipts.
    send(&mut gw, json!({ "type": "say", "id": "g1", "text": "안녕하세요, 요즘 잠을 못 자요" })).await;
    assert_eq!(next_of(&mut gw, "ack").await["id"], "g1");
    let m = line(&mut c).await;
    assert_eq!((m["kind"].as_str(), m["text"].as_str()), (Some("client"), Some("안녕하세요, 요즘 잠을 못 자요")));
    assert!(m["flag"].is_null());
    send(&mut c, json!({ "type": "typing", "chat": chat, "on": true })).await;
    assert_eq!(next_of(&mut gw, "typing").await["on"], true);
    send(&mut c, json!({ "type": "read", "chat": chat, "seq": m["seq"] })).await;
    assert_eq!(next_of(&mut gw, "read").await["seq"], m["seq"]);
    send(&mut c, json!({ "type": "say", "chat": chat, "id": "c1", "text": "말씀해 주셔서 고마워요." })).await;
    let m = line(&mut gw).await;
    assert_eq!((m["kind"].as_str(), m["name"].as_str()), (Some("counselor"), Some("c")));
    // An internal note never reaches the client.
    send(&mut c, json!({ "type": "note", "chat": chat, "id": "n1", "text": "수면 문제, 2주째" })).await;
    assert_eq!(line(&mut c).await["kind"], "counselor");
    assert_eq!(line(&mut c).await["kind"], "note");

    // Abuse: a warning, a final warning, then the end.
    send(&mut gw, json!({ "type": "say", "id": "g2", "text": "ㅅㅂ 왜 이렇게 느려" })).await;
    let flagged = line(&mut c).await;
    assert_eq!(flagged["flag"], "insult", "the counselor's page blurs it");
    assert_eq!(next_of(&mut c, "flagged").await["step"], "warning");
    let own = line(&mut gw).await;
    assert!(own["flag"].is_null(), "the client is not told the category");
    let warning = line(&mut gw).await;
    assert_eq!(warning["kind"], "system");
    assert!(warning["text"].as_str().unwrap().contains("존중"), "{warning}");

    send(&mut gw, json!({ "type": "say", "id": "g3", "text": "씨 1 발 진짜" })).await;
    assert_eq!(next_of(&mut c, "flagged").await["step"], "final_warning");
    line(&mut gw).await;
    assert!(line(&mut gw).await["text"].as_str().unwrap().contains("마지막 경고"));

    // The warnings are used up: the product offers the counselor the end, and ends nothing by
    // itself; the counselor decides.
    send(&mut gw, json!({ "type": "say", "id": "g4", "text": "개.새.끼야" })).await;
    let offered = next_of(&mut c, "flagged").await;
    assert_eq!((offered["step"].as_str(), offered["end_now"].as_bool()), (Some("end"), Some(true)));
    assert!(!arrives(&mut gw, "ended", Duration::from_millis(800)).await, "the product never ends a chat by itself");
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().status, ChatStatus::Active);
    send(&mut c, json!({ "type": "end_abuse", "chat": chat })).await;
    assert_eq!(next_of(&mut gw, "ended").await["category"], "abuse");
    assert_eq!(next_of(&mut c, "closed").await["category"], "abuse");
    let status = next_of(&mut c, "status").await;
    assert_eq!(status["status"], "break", "a protected recovery break");
    let until = status["until"].as_i64().unwrap();
    let left = until - app.clock.now();
    assert!((15 * 60 - 3..=15 * 60).contains(&left), "15 minutes: {left} s left");

    // The transcript is locked with its hash; the export carries it; the database keeps it.
    let stored = app.store.chat(&chat).await.unwrap().unwrap();
    let hash = stored.evidence_hash.clone().expect("locked");
    let r = app.get(&cb.0, &format!("/center/chats/{chat}/export")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-sangdam-locked-sha256"], hash.as_str());
    let body = r.text().await.unwrap();
    assert_eq!(sangdam_web::crypto::sha256_hex(body.as_bytes()), hash, "sha256sum of the file is the hash");
    assert!(body.contains("[flagged: insult]") && !body.contains("수면 문제"), "no internal notes:\n{body}");
    // An incident for the dashboard, and the supervisor is told by mail (without content).
    let incidents = app.store.incidents_since(0).await.unwrap();
    assert_eq!((incidents.len(), incidents[0].1.clone()), (1, counselor_id.clone()));
    let mails = app.mails_to("s@example.com").await;
    assert!(mails.iter().any(|m| m.body.contains("/center/dashboard") && !m.body.contains("새끼")), "{mails:?}");

    // The guest is refused a new chat.
    let r = app
        .post(&g.0, "/chat", &[("nickname", "민들레"), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")])
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("이후에 새 채팅을 시작할 수 있습니다"), "the refusal says until when");
    let (status, html) = app.get_html(&g.0, "/chat").await;
    assert_eq!(status, 403);
    assert!(html.contains("폭언으로 종료"), "the start page explains the ban");

    // On break, the counselor gets no chat; when the break ends, they do.
    let (g2, chat2) = guest(app, "새 손님").await;
    let _g2w = guest_ws(app, &g2, &chat2).await;
    assert!(!arrives(&mut c, "offer", Duration::from_secs(2)).await, "no chat during the break");
    assert_eq!(app.store.chat(&chat2).await.unwrap().unwrap().status, ChatStatus::Queued);
    // The break holds: the counselor cannot set themselves available, and closing and reopening the
    // console does not turn it into "offline".
    send(&mut c, json!({ "type": "status", "status": "available" })).await;
    assert_eq!(next_of(&mut c, "error").await["code"], "error-break-protected");
    drop(c);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = connect(app, &cb.1, "/center/ws").await.unwrap();
    send(&mut c, json!({ "type": "hello" })).await;
    let welcome = next_of(&mut c, "welcome").await;
    assert_eq!((welcome["status"].as_str(), welcome["until"].as_i64()), (Some("break"), Some(until)));
    assert!(!arrives(&mut c, "offer", Duration::from_secs(1)).await, "still no chat");
    app.clock.advance(15 * 60 + 1);
    let offer = next_of(&mut c, "offer").await;
    assert_eq!(offer["chat"]["id"], chat2.as_str());
    // The break counted as break time, in full.
    let seconds = app.store.status_seconds(0, app.clock.now()).await.unwrap();
    assert!(seconds.iter().any(|(u, s, n)| *u == counselor_id && *s == Status::Break && *n >= 15 * 60), "{seconds:?}");
});

db_test!(a_supervisor_may_end_a_recovery_break_and_nobody_else, async |app: &TestApp| {
    let (cb, counselor_id) = staff_browser(app, Role::Counselor, "rest@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    sangdam_web::chat_recovery_break_for_tests(app.state.as_ref().unwrap(), &counselor_id).await;
    assert_eq!(next_of(&mut c, "status").await["status"], "break");
    // The counselor's own "end break" is a supervisor's message: refused.
    send(&mut c, json!({ "type": "end_break", "user": counselor_id.to_string() })).await;
    assert_eq!(next_of(&mut c, "error").await["code"], "error-chat-supervisor-only");
    let (sb, _) = staff_browser(app, Role::Supervisor, "lead@example.com").await;
    let mut s = console(app, &sb).await;
    send(&mut s, json!({ "type": "end_break", "user": counselor_id.to_string() })).await;
    assert_eq!(next_of(&mut c, "status").await["status"], "available");
    assert!(crate::records::audited_count(app, "chat.break.end").await >= 1);
});

db_test!(the_database_keeps_locked_evidence, async |app: &TestApp| {
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    let (g, chat) = guest(app, "guest").await;
    let mut gw = guest_ws(app, &g, &chat).await;
    next_of(&mut c, "offer").await;
    send(&mut c, json!({ "type": "accept", "chat": chat })).await;
    next_of(&mut c, "chat").await;
    // A file shared by the guest reaches the counselor; only those who may read the chat download it.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = upload(app, &g.0, &format!("/chat/{chat}/files"), "report.pdf", pdf).await;
    assert_eq!(r.status(), 200);
    let shared = line(&mut c).await;
    assert_eq!(shared["text"], "report.pdf");
    let file = shared["file"].as_str().unwrap().to_owned();
    let r = app.get(&cb.0, &format!("/chat/{chat}/files/{file}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf);
    assert_eq!(app.get(&g.0, &format!("/chat/{chat}/files/{file}")).await.status(), 200);
    let stranger = browser();
    assert_eq!(app.get(&stranger.0, &format!("/chat/{chat}/files/{file}")).await.status(), 303, "to sign-in");
    let r = upload(app, &g.0, &format!("/chat/{chat}/files"), "setup.exe", b"MZ\x90\x00").await;
    assert_eq!(r.status(), 400, "kinds are checked as in the room");
    let r = upload(app, &cb.0, &format!("/center/chats/{chat}/files"), "notes.txt", b"breathing exercise").await;
    assert_eq!(r.status(), 200);
    assert_eq!(line(&mut gw).await["text"], "report.pdf", "the guest's own, first");
    assert_eq!(line(&mut gw).await["text"], "notes.txt");

    send(&mut gw, json!({ "type": "say", "id": "a", "text": "I will find you and kill you" })).await;
    assert_eq!(next_of(&mut c, "flagged").await["end_now"], true, "threats can be ended at once");
    send(&mut c, json!({ "type": "end_abuse", "chat": chat })).await;
    assert_eq!(next_of(&mut gw, "ended").await["category"], "abuse");
    assert!(app.store.chat(&chat).await.unwrap().unwrap().evidence_hash.is_some());
    assert_eq!(next_of(&mut c, "status").await["status"], "break", "the break comes last");
    assert_eq!(app.store.incidents_since(0).await.unwrap()[0].4, "threat");
    // The locked transcript covers the files by their hash.
    let body = app.get(&cb.0, &format!("/center/chats/{chat}/export")).await.text().await.unwrap();
    let pdf_hash = sangdam_web::crypto::sha256_hex(pdf);
    assert!(body.contains(&format!("[file] report.pdf ({} bytes, SHA-256 {pdf_hash})", pdf.len())), "{body}");

    let raw = |sql: &'static str| {
        let store = app.store.clone();
        let chat = chat.clone();
        async move {
            match &store {
                sangdam_store::Store::Sqlite(p) => sqlx::query(sql).bind(&chat).execute(p).await.map(|_| ()),
                sangdam_store::Store::Postgres(p) => sqlx::query(sql).bind(&chat).execute(p).await.map(|_| ()),
            }
        }
    };
    for sql in [
        "DELETE FROM chat_messages WHERE chat_id = $1",
        "UPDATE chat_messages SET flag = NULL WHERE chat_id = $1",
        "UPDATE chats SET evidence_hash = NULL WHERE id = $1",
        "DELETE FROM chats WHERE id = $1",
        "DELETE FROM chat_files WHERE chat_id = $1",
        "INSERT INTO chat_messages (chat_id, seq, kind, client_msg_id, body, at) VALUES ($1, 99, 'system', 'x', X'00', 0)",
    ] {
        let sql = if matches!(app.store, sangdam_store::Store::Postgres(_)) {
            sql.replace("X'00'", "'\\x00'::bytea")
        } else {
            sql.to_owned()
        };
        let sql: &'static str = Box::leak(sql.into_boxed_str());
        let e = raw(sql).await.expect_err(sql).to_string();
        assert!(e.contains("evidence is locked") || e.contains("chat is closed"), "{sql}: {e}");
    }
    // Re-sealing (key rotation) still may change a body.
    assert!(raw("UPDATE chat_messages SET body = body WHERE chat_id = $1").await.is_ok());
    let (_, page) = app.get_html(&cb.0, &format!("/center/chats/{chat}")).await;
    assert!(!page.contains("integrity-warning"), "an intact transcript shows no warning");
    // But a body swapped for another message's no longer opens in its place: the transcript page
    // warns above the locked hash, and the export refuses to pass it off as the evidence.
    let swap = "UPDATE chat_messages SET body = (SELECT body FROM chat_messages WHERE chat_id = $1 ORDER BY seq LIMIT 1) \
                WHERE chat_id = $1 AND seq = (SELECT MAX(seq) FROM chat_messages WHERE chat_id = $1 AND kind = 'client')";
    raw(swap).await.unwrap();
    let (status, page) = app.get_html(&cb.0, &format!("/center/chats/{chat}")).await;
    assert_eq!(status, 200);
    let warning = page.find("id=\"integrity-warning\"").expect("the page warns");
    assert!(warning < page.find("id=\"evidence-hash\"").unwrap(), "above the locked hash");
    assert_eq!(app.get(&cb.0, &format!("/center/chats/{chat}/export")).await.status(), 409);
});

db_test!(transfers_watching_whispers_and_closing, async |app: &TestApp| {
    let (ab, a_id) = staff_browser(app, Role::Counselor, "a@example.com").await;
    let (bb, b_id) = staff_browser(app, Role::Counselor, "bora@example.com").await;
    let (sb, _) = staff_browser(app, Role::Supervisor, "s@example.com").await;
    let mut a = console(app, &ab).await;
    available(&mut a).await;
    let mut b = console(app, &bb).await;
    let mut s = console(app, &sb).await;
    let (g, chat) = guest(app, "guest").await;
    let mut gw = guest_ws(app, &g, &chat).await;
    next_of(&mut a, "offer").await;
    send(&mut a, json!({ "type": "accept", "chat": chat })).await;
    next_of(&mut a, "chat").await;

    // The supervisor sees the queue live, watches silently and whispers to the counselor only.
    let q = next_of(&mut s, "queue").await;
    assert!(q["agents"].as_array().unwrap().iter().any(|x| x["id"] == a_id.as_str()), "{q}");
    send(&mut s, json!({ "type": "watch", "chat": chat })).await;
    next_of(&mut s, "chat").await;
    send(&mut gw, json!({ "type": "say", "id": "g1", "text": "hello" })).await;
    assert_eq!(line(&mut s).await["text"], "hello");
    send(&mut s, json!({ "type": "whisper", "chat": chat, "id": "w1", "text": "ask about sleep" })).await;
    let w = line(&mut a).await;
    let w = if w["kind"] == "client" { line(&mut a).await } else { w };
    assert_eq!((w["kind"].as_str(), w["text"].as_str()), (Some("whisper"), Some("ask about sleep")));
    // Counselors cannot whisper or watch.
    send(&mut a, json!({ "type": "whisper", "chat": chat, "id": "w2", "text": "x" })).await;
    assert_eq!(next_of(&mut a, "error").await["code"], "error-chat-supervisor-only");
    // Nobody else may speak in it.
    send(&mut b, json!({ "type": "say", "chat": chat, "id": "b1", "text": "hi" })).await;
    assert_eq!(next_of(&mut b, "error").await["code"], "error-chat-not-yours");

    // Transfer to a colleague who is offline is refused; once they are available it works: B
    // gets the history, note included; A lets go.
    send(&mut a, json!({ "type": "transfer", "chat": chat, "to": b_id.to_string(), "note": "" })).await;
    assert_eq!(next_of(&mut a, "error").await["code"], "error-chat-colleague");
    available(&mut b).await;
    send(&mut a, json!({ "type": "transfer", "chat": chat, "to": b_id.to_string(), "note": "sleep issue, 2 weeks" }))
        .await;
    assert_eq!(next_of(&mut a, "gone").await["chat"], chat.as_str());
    assert_eq!(next_of(&mut b, "chat").await["chat"]["id"], chat.as_str());
    let mut kinds = vec![];
    for _ in 0..3 {
        kinds.push(line(&mut b).await["kind"].as_str().unwrap().to_owned());
    }
    assert_eq!(kinds, ["client", "whisper", "note"]);
    // The client was told, and never saw the whisper or the note.
    let mut client_kinds = vec![];
    loop {
        let m = line(&mut gw).await;
        client_kinds.push(m["kind"].as_str().unwrap().to_owned());
        if m["kind"] == "system" {
            break;
        }
    }
    assert_eq!(client_kinds, ["client", "system"]);

    // Closing needs a known category; then the client is told and after-work starts.
    send(&mut b, json!({ "type": "close", "chat": chat, "category": "lunch" })).await;
    assert_eq!(next_of(&mut b, "error").await["code"], "error-chat-category");
    send(&mut b, json!({ "type": "close", "chat": chat, "category": "resolved" })).await;
    assert_eq!(next_of(&mut gw, "ended").await["category"], "resolved");
    assert_eq!(next_of(&mut b, "status").await["status"], "after_work");
    // A supervisor reads the transcript (audited); the other counselor may not.
    assert_eq!(app.get(&sb.0, &format!("/center/chats/{chat}")).await.status(), 200);
    assert_eq!(app.get(&ab.0, &format!("/center/chats/{chat}")).await.status(), 404);
    let (_, html) = app.get_html(&sb.0, "/center/dashboard").await;
    assert!(html.contains("<td>bora</td>"), "the dashboard lists counselors");
});

db_test!(starting_a_chat_checks_its_input, async |app: &TestApp| {
    let b = browser();
    let (status, html) = app.get_html(&b.0, "/chat").await;
    assert_eq!(status, 200);
    assert!(html.contains("누군가의 소중한 가족"), "the notice is shown before a chat starts");
    for (fields, message) in [
        (vec![("nickname", "n"), ("topic", "anxiety"), ("language", "ko")], "개인정보 처리방침에 동의"),
        (vec![("nickname", ""), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")], "닉네임"),
        (vec![("nickname", &*"가".repeat(41)), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")], "닉네임"),
        (vec![("nickname", "n"), ("topic", "astrology"), ("language", "ko"), ("consent", "yes")], "주제"),
        (vec![("nickname", "n"), ("topic", "anxiety"), ("language", "fr"), ("consent", "yes")], "영어"),
    ] {
        let r = app.post(&b.0, "/chat", &fields).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        assert!(r.text().await.unwrap().contains(message), "{fields:?}");
    }
    assert!(app.store.chats_in(&[ChatStatus::Queued], 10).await.unwrap().is_empty(), "nothing was queued");

    // A chat belongs to its browser: another browser cannot open it or its socket.
    let (g, chat) = guest(app, "guest").await;
    let other = browser();
    assert_eq!(app.get(&other.0, &format!("/chat/{chat}")).await.status(), 404);
    assert_eq!(connect(app, &other.1, &format!("/chat/{chat}/ws")).await.err(), Some(404));
    // Starting again from the same browser returns to the open chat.
    let r = app
        .post(&g.0, "/chat", &[("nickname", "again"), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")])
        .await;
    assert_eq!(location(&r), format!("/chat/{chat}"));

    // Nobody online: the client is told the hours (to leave a message or book instead).
    let mut gw = guest_ws(app, &g, &chat).await;
    let state = state_until(&mut gw, "queued").await;
    let state = if state["nobody"].is_null() { next_of(&mut gw, "state").await } else { state };
    assert!(state["nobody"].as_str().unwrap().contains("09:00"), "{state}");
    assert_eq!(state["position"], 1);
    // Bad messages get a localized error and nothing is stored.
    send(&mut gw, json!({ "type": "say", "id": "x", "text": "가".repeat(4001) })).await;
    assert_eq!(next_of(&mut gw, "error").await["code"], "error-chat-too-long");
    send(&mut gw, json!({ "type": "say", "id": "bad id!", "text": "hi" })).await;
    assert_eq!(next_of(&mut gw, "error").await["code"], "error-room-message");
    send(&mut gw, json!({ "type": "shout" })).await;
    assert_eq!(next_of(&mut gw, "error").await["code"], "error-room-message");
    send(&mut gw, json!({ "type": "transcript", "email": "not an address" })).await;
    assert_eq!(next_of(&mut gw, "error").await["type"], "error");
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().last_seq, 0);
    // A message while waiting is kept; leaving closes the chat and mails the transcript link.
    send(&mut gw, json!({ "type": "say", "id": "m1", "text": "내일 다시 올게요" })).await;
    next_of(&mut gw, "ack").await;
    send(&mut gw, json!({ "type": "transcript", "email": "guest@example.com" })).await;
    next_of(&mut gw, "transcript_requested").await;
    send(&mut gw, json!({ "type": "leave" })).await;
    assert_eq!(next_of(&mut gw, "ended").await["category"], "left");
    let mail = app.mails_to("guest@example.com").await;
    assert_eq!(mail.len(), 1);
    assert!(!mail[0].body.contains("내일 다시"), "the mail holds a link, never the content");
    let link = crate::helpers::link_in(&mail[0].body, app);
    let r = app.get(&other.0, &link).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("내일 다시 올게요"));
    assert_eq!(app.get(&other.0, &format!("/chat/{chat}/transcript?key=00")).await.status(), 404);
    // Counselors find the message left while waiting and the address to answer at.
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let (_, html) = app.get_html(&cb.0, "/center").await;
    assert!(html.contains(&format!("/center/chats/{chat}")), "the message left is listed");
    let (status, html) = app.get_html(&cb.0, &format!("/center/chats/{chat}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("내일 다시 올게요") && html.contains("mailto:guest@example.com"));
});

db_test!(canned_responses_are_personal_or_shared, async |app: &TestApp| {
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let (sb, s_id) = staff_browser(app, Role::Supervisor, "s@example.com").await;
    let r = app
        .post(&cb.0, "/center/canned", &[("shortcut", "/hi"), ("body", "안녕하세요 {client}님, {counselor}입니다.")])
        .await;
    assert_eq!(r.status(), 303);
    let r =
        app.post(&sb.0, "/center/canned", &[("shortcut", "hours"), ("body", "평일 9시–6시"), ("shared", "yes")]).await;
    assert_eq!(r.status(), 303);
    for bad in [vec![("shortcut", "a b"), ("body", "x")], vec![("shortcut", "ok"), ("body", "")]] {
        assert_eq!(app.post(&cb.0, "/center/canned", &bad).await.status(), 422);
    }
    let (_, html) = app.get_html(&cb.0, "/center").await;
    assert!(html.contains("hi") && html.contains("hours") && html.contains("{client}"), "the console carries both");
    let (_, html) = app.get_html(&sb.0, "/center").await;
    assert!(!html.contains("{counselor}입니다"), "personal ones stay personal");
    // A counselor cannot delete the shared one.
    let shared = app.store.canned_responses(&s_id).await.unwrap();
    let hours = shared.iter().find(|c| c.shortcut == "hours").unwrap();
    assert_eq!(app.post(&cb.0, &format!("/center/canned/{}/delete", hours.id), &[]).await.status(), 404);
    assert_eq!(app.post(&sb.0, &format!("/center/canned/{}/delete", hours.id), &[]).await.status(), 303);
    // Clients and guests have no console.
    let g = browser();
    assert_ne!(app.get(&g.0, "/center").await.status(), 200);
    assert_eq!(connect(app, &g.1, "/center/ws").await.err().map(|s| s >= 300), Some(true));
});

db_test!(a_deleted_canned_response_comes_back_once_for_whoever_deleted_it, async |app: &TestApp| {
    let (cb, c_id) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let (other, _) = staff_browser(app, Role::Counselor, "other@example.com").await;
    let r =
        app.post(&cb.0, "/center/canned", &[("shortcut", "bye"), ("body", "오늘 이야기 나눠주셔서 고마워요")]).await;
    assert_eq!(r.status(), 303);
    let before = app.store.canned_responses(&c_id).await.unwrap();
    let r = app.post(&cb.0, &format!("/center/canned/{}/delete", before[0].id), &[]).await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    let token = page.strip_prefix("/center/canned?undo=").expect("the page offers an undo").to_owned();
    assert!(app.store.canned_responses(&c_id).await.unwrap().is_empty());
    let (_, html) = app.get_html(&cb.0, &page).await;
    assert!(html.contains("notice undo") && html.contains(&format!("name=\"token\" value=\"{token}\"")), "offered");
    // Someone else's page never offers it, and their undo does nothing.
    let (_, html) = app.get_html(&other.0, &page).await;
    assert!(!html.contains("notice undo"));
    let r = app.post(&other.0, "/undo", &[("token", token.as_str()), ("back", "/center/canned")]).await;
    assert_eq!(location(&r), "/center/canned?undone=late");
    assert!(app.store.canned_responses(&c_id).await.unwrap().is_empty());
    // Twenty undos at once: it comes back once, as it was.
    let form = [("token", token.as_str()), ("back", "/center/canned")];
    let tries = (0..20).map(|_| app.post(&cb.0, "/undo", &form));
    let mut outcomes: Vec<String> = futures_util::future::join_all(tries).await.iter().map(location).collect();
    outcomes.sort();
    outcomes.dedup();
    assert_eq!(outcomes, ["/center/canned?undone=late", "/center/canned?undone=ok"]);
    let after = app.store.canned_responses(&c_id).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        (&after[0].id, &after[0].shortcut, &after[0].body),
        (&before[0].id, &before[0].shortcut, &before[0].body)
    );
    let (_, html) = app.get_html(&cb.0, "/center/canned?undone=ok").await;
    assert!(html.contains("삭제 전 그대로 되돌렸습니다"));
    // After ten minutes it can no longer be undone; a made-up back page leads home.
    let r = app.post(&cb.0, &format!("/center/canned/{}/delete", before[0].id), &[]).await;
    let token = location(&r).trim_start_matches("/center/canned?undo=").to_owned();
    app.clock.advance(sangdam_web::undo::UNDO_SECS);
    let (_, html) = app.get_html(&cb.0, &location(&r)).await;
    assert!(!html.contains("notice undo"), "no longer offered");
    let r = app.post(&cb.0, "/undo", &[("token", token.as_str()), ("back", "https://evil.example/")]).await;
    assert_eq!(location(&r), "/?undone=late");
    assert!(app.store.canned_responses(&c_id).await.unwrap().is_empty());
});

db_test!(a_signed_in_clients_chat_is_on_their_record, async |app: &TestApp| {
    let (cb, c_id) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let (client, client_id) = crate::records::client_of(app, &c_id, "client@example.com").await;
    // No consent box for a signed-in client: they accepted the notice when signing up.
    let r = app.post(&client, "/chat", &[("nickname", "지은"), ("topic", "anxiety"), ("language", "ko")]).await;
    assert_eq!(r.status(), 303);
    let chat = location(&r).trim_start_matches("/chat/").to_owned();
    let stored = app.store.chat(&chat).await.unwrap().unwrap();
    assert_eq!((stored.client_id.as_ref(), stored.guest_token.is_none()), (Some(&client_id), true));
    assert_eq!(app.get(&client, &format!("/chat/{chat}")).await.status(), 200);
    assert!(
        app.store
            .move_chat(&chat, &[ChatStatus::Queued], None, ChatStatus::Active, Some(&c_id), app.clock.now())
            .await
            .unwrap()
    );
    assert!(
        app.store
            .close_chat(&chat, "booked", app.clock.now(), &sangdam_store::Effects::default())
            .await
            .unwrap()
            .is_some()
    );
    let (status, html) = app.get_html(&cb.0, &format!("/clients/{client_id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("채팅 상담") && html.contains(&format!("/center/chats/{chat}")), "on the timeline");
    // The client's export holds the transcript; deleting the account deletes the chat.
    let zip = client.post(app.url("/portal/export")).form(&[("csrf", app.csrf(&client).await)]).send().await.unwrap();
    assert_eq!(zip.status(), 200);
    let bytes = zip.bytes().await.unwrap();
    let needle = format!("chats/{chat}.txt");
    assert!(bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "the ZIP has the transcript");
    let r = app.post(&client, "/portal/delete", &[("password", crate::helpers::PASSWORD), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert!(app.store.chat(&chat).await.unwrap().is_none(), "the chat went with the account");
    // Staff answer chats; they do not start them.
    let r = app.post(&cb.0, "/chat", &[("nickname", "x"), ("topic", "anxiety"), ("language", "ko")]).await;
    assert_eq!(r.status(), 400);
});

db_test!(an_abandoned_chat_closes_by_itself, async |app: &TestApp| {
    let (g, chat) = guest(app, "guest").await;
    let mut gw = guest_ws(app, &g, &chat).await;
    next_of(&mut gw, "state").await;
    drop(gw);
    // Once the server has seen the page go, a short absence keeps its place.
    for _ in 0..50 {
        if format!("{:?}", app.state.as_ref().unwrap().chat).contains("clients: 0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.clock.advance(5 * 60);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().status, ChatStatus::Queued);
    // Gone for longer than `abandon_seconds` (10 minutes): closed as left, so it holds no place.
    app.clock.advance(6 * 60);
    let mut closed = false;
    for _ in 0..50 {
        if app.store.chat(&chat).await.unwrap().unwrap().status == ChatStatus::Closed {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed, "the routing loop closed it");
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().close_category.as_deref(), Some("left"));
    // The browser starts a new chat rather than being sent back to the closed one.
    let r = app
        .post(&g.0, "/chat", &[("nickname", "guest"), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")])
        .await;
    assert_ne!(location(&r), format!("/chat/{chat}"));
});

db_test!(an_offered_chat_is_not_the_counselors_until_accepted, async |app: &TestApp| {
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    let (g, chat) = guest(app, "guest").await;
    let mut gw = guest_ws(app, &g, &chat).await;
    next_of(&mut c, "offer").await;
    // Offered only: what the client writes does not reach the counselor, who cannot act on it.
    send(&mut gw, json!({ "type": "say", "id": "g1", "text": "are you there?" })).await;
    next_of(&mut gw, "ack").await;
    assert!(!arrives(&mut c, "message", Duration::from_millis(700)).await, "nothing before accepting");
    send(&mut c, json!({ "type": "note", "chat": chat, "id": "n1", "text": "x" })).await;
    assert_eq!(next_of(&mut c, "error").await["code"], "error-chat-not-yours");
    send(&mut c, json!({ "type": "close", "chat": chat, "category": "resolved" })).await;
    assert_eq!(next_of(&mut c, "error").await["code"], "error-chat-not-yours");
    // The client leaves: the offer goes away, and the chat is a message left, unassigned.
    send(&mut gw, json!({ "type": "leave" })).await;
    assert_eq!(next_of(&mut c, "gone").await["chat"], chat.as_str());
    let closed = app.store.chat(&chat).await.unwrap().unwrap();
    assert_eq!((closed.status.as_str(), closed.counselor_id), ("closed", None));
    assert_eq!(app.store.left_messages(10).await.unwrap()[0].id, chat);
    // No after-work for a chat the counselor never held.
    assert!(!arrives(&mut c, "status", Duration::from_millis(500)).await);
});

db_test!(a_supervisors_home_shows_the_center_at_a_glance, async |app: &TestApp| {
    let (supervisor, _) = crate::records::staff(app, Role::Supervisor, "glance@example.com").await;
    // Two guests wait, nobody is available; one of them wrote of ending their life.
    let (_first, _) = guest(app, "첫째").await;
    let (second, id) = guest(app, "둘째").await;
    let mut ws = guest_ws(app, &second, &id).await;
    send(&mut ws, json!({ "type": "say", "id": "m1", "text": "오늘 밤에 옥상에서 뛰어내릴 거예요" })).await;
    let mut high = false;
    for _ in 0..50 {
        let (_, html) = app.get_html(&supervisor, "/dashboard").await;
        let glance =
            crate::helpers::between(&html, r#"id="center-glance""#, "</section>").expect("the center at a glance");
        if glance.contains("고위험 1명") {
            assert!(glance.contains(r#"<span class="big">2</span>"#), "two waiting: {glance}");
            high = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(high, "the high-risk chat is counted");
});

db_test!(thirty_chats_started_at_once_stay_within_the_limit_and_are_each_audited, async |app: &TestApp| {
    // Thirty browsers behind one address (a school, an office) start a chat at the same moment.
    let browsers: Vec<Browser> = (0..30).map(|_| browser()).collect();
    let fields = [("nickname", "guest"), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")];
    let starts = browsers.iter().map(|b| app.post(&b.0, "/chat", &fields));
    let statuses: Vec<u16> = futures_util::future::join_all(starts).await.iter().map(|r| r.status().as_u16()).collect();
    let started = statuses.iter().filter(|s| **s == 303).count();
    assert!(statuses.iter().all(|s| [303, 400].contains(s)), "{statuses:?}");
    // The hourly allowance of one address (20 by default) holds however the requests interleave.
    assert_eq!(started, 20, "{statuses:?}");
    let queued = app.store.chats_in(&[ChatStatus::Queued], 100).await.unwrap();
    assert_eq!(queued.len(), 20);
    // Each chat committed with its own audit entry, and nothing was logged for the refused ones.
    assert_eq!(crate::records::audited_count(app, "chat.start").await, 20);
});

db_test!(one_message_sent_twenty_times_at_once_is_stored_once, async |app: &TestApp| {
    let (_g, chat) = guest(app, "스무번").await;
    let now = app.clock.now();
    // A browser that resends one message from twenty tabs at once: one is stored, the others
    // get the stored message back.
    let posts = (0..20).map(|_| {
        sangdam_app::chats::post(
            &app.store,
            &app.keys,
            now,
            sangdam_app::chats::Message {
                chat: &chat,
                kind: sangdam_domain::chat::MessageKind::Client,
                sender: None,
                client_msg_id: "same",
                text: "한 번만 저장돼야 해요",
                flag: None,
                crisis: None,
            },
        )
    });
    let results = futures_util::future::join_all(posts).await;
    let posted: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(posted.iter().filter(|p| p.new).count(), 1);
    assert!(posted.iter().all(|p| p.message.seq == posted[0].message.seq));
    let stored = app.store.chat_messages_after(&chat, 0, 100).await.unwrap();
    assert_eq!(stored.iter().filter(|m| m.client_msg_id == "same").count(), 1);

    // A counselor who does not hold the chat cannot write in it.
    let stranger = app.create_user(Role::Counselor, "not-holding@example.com").await;
    let refused = sangdam_app::chats::post(
        &app.store,
        &app.keys,
        now,
        sangdam_app::chats::Message {
            chat: &chat,
            kind: sangdam_domain::chat::MessageKind::Counselor,
            sender: Some(&stranger),
            client_msg_id: "intruder",
            text: "들어왔어요",
            flag: None,
            crisis: None,
        },
    )
    .await;
    assert!(matches!(refused, Err(sangdam_store::StoreError::NotFound)), "{:?}", refused.map(|p| p.new));
});

db_test!(canned_responses_sent_at_once_stop_at_the_limit_personal_and_shared, async |app: &TestApp| {
    use sangdam_domain::limits::MAX_CANNED;
    let (cb, c_id) = staff_browser(app, Role::Counselor, "many-canned@example.com").await;
    let (sb, _) = staff_browser(app, Role::Supervisor, "many-shared@example.com").await;
    for (owner, prefix) in [(Some(&c_id), "mine"), (None, "ours")] {
        for n in 0..MAX_CANNED - 5 {
            let id = format!("{prefix}{n}");
            let row = sangdam_store::CannedResponse {
                id: id.clone(),
                owner_id: owner.cloned(),
                shortcut: id,
                body: "미리 넣어 둔 문구".into(),
            };
            app.store.add_canned_response(&row, MAX_CANNED, 0, &sangdam_store::Effects::default()).await.unwrap();
        }
    }
    for (b, shared) in [(&cb, "no"), (&sb, "yes")] {
        let adds = (0..20).map(|n| async move {
            let shortcut = format!("burst{n}");
            let form = [("shortcut", shortcut.as_str()), ("body", "한꺼번에 보낸 문구"), ("shared", shared)];
            app.post(&b.0, "/center/canned", &form).await.status().as_u16()
        });
        let statuses = futures_util::future::join_all(adds).await;
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 5, "{shared}: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 303 || *s == 422), "{statuses:?}");
    }
    let all = app.store.canned_responses(&c_id).await.unwrap();
    assert_eq!(all.iter().filter(|c| c.owner_id.is_some()).count(), MAX_CANNED);
    assert_eq!(all.iter().filter(|c| c.owner_id.is_none()).count(), MAX_CANNED);
    assert_eq!(crate::records::audited_count(app, "canned.add").await, 10, "each added response is logged");
});

db_test!(a_canned_response_is_deleted_only_by_its_owner_and_shared_ones_by_a_supervisor, async |app: &TestApp| {
    let (a, a_id) = staff_browser(app, Role::Counselor, "canned-a@example.com").await;
    let (b, _) = staff_browser(app, Role::Counselor, "canned-b@example.com").await;
    let (sup, _) = staff_browser(app, Role::Supervisor, "canned-sup@example.com").await;
    let add = |who: &'static str, shortcut: &'static str, shared: &'static str| {
        let browser = match who {
            "a" => &a,
            _ => &sup,
        };
        async move {
            let form = [("shortcut", shortcut), ("body", "안녕하세요"), ("shared", shared)];
            app.post(&browser.0, "/center/canned", &form).await.status().as_u16()
        }
    };
    assert_eq!(add("a", "mine", "no").await, 303);
    assert_eq!(add("sup", "ours", "yes").await, 303);
    // A counselor asking for a shared one adds their own.
    assert_eq!(add("a", "tried", "yes").await, 303);
    let rows = app.store.canned_responses(&a_id).await.unwrap();
    let id_of = |shortcut: &str| rows.iter().find(|c| c.shortcut == shortcut).unwrap().id.clone();
    assert!(rows.iter().find(|c| c.shortcut == "tried").unwrap().owner_id.is_some());
    let (mine, ours) = (id_of("mine"), id_of("ours"));
    let delete = |id: &str| format!("/center/canned/{id}/delete");
    assert_eq!(app.post(&b.0, &delete(&mine), &[]).await.status(), 404, "another counselor's");
    assert_eq!(app.post(&a.0, &delete(&ours), &[]).await.status(), 404, "a shared one, by a counselor");
    assert_eq!(app.post(&sup.0, &delete(&mine), &[]).await.status(), 404, "a counselor's own, by a supervisor");
    // Pressed twenty times at once: one deletion, one entry.
    let ours_path = delete(&ours);
    let presses = (0..20).map(|_| app.post(&sup.0, &ours_path, &[]));
    let statuses: Vec<u16> =
        futures_util::future::join_all(presses).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert_eq!(crate::records::audited_count(app, "canned.delete").await, 1);
    // Bad shortcuts and texts are refused with the form back.
    let r = app.post(&a.0, "/center/canned", &[("shortcut", "공백 있는"), ("body", ""), ("shared", "no")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("공백 있는"), "the typed shortcut comes back");
    assert_eq!(crate::records::audited_count(app, "canned.add").await, 3);
});
