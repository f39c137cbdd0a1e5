//! Crisis-aware conversations over the real server: a crisis message jumps the chat queue and
//! reaches a counselor even above capacity, the client sees the lines at once, an untaken chat
//! alerts every console, the counselor records the risk check and a supervisor closes the event;
//! the same in secure messages, forms and a booking's reason; no crisis message is warned, ended
//! or banned; a waiting client is never warned; the event holds under a burst and against direct
//! writes; a stranger cannot see an event. The last test walks the same path in headless
//! Chromium (skipped without it).

use sangdam_domain::routing::ChatStatus;
use std::time::Duration;

use sangdam_domain::Role;
use serde_json::json;

use crate::booking::{counselor, listed_slots};
use crate::chat::{arrives, available, console, guest, guest_ws, next_of, send, staff_browser};
use crate::db_test;
use crate::helpers::{Db, PASSWORD, TestApp, location};
use crate::records::{audited_count, staff};

const HIGH: &str = "오늘 밤에 옥상에서 뛰어내릴 거예요. 다들 안녕";

/// The client's queue state until one with a position (or another status).
async fn place_of(ws: &mut crate::chat::Ws) -> serde_json::Value {
    loop {
        let s = next_of(ws, "state").await;
        if s["status"] != "queued" || !s["position"].is_null() {
            return s;
        }
    }
}

db_test!(a_crisis_message_jumps_the_queue_and_reaches_a_person, async |app: &TestApp| {
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let r = app.post(&cb.0, "/center/capacity", &[("capacity", "1")]).await;
    assert_eq!(r.status(), 303);
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    let (sb, _) = staff_browser(app, Role::Supervisor, "s@example.com").await;
    let mut s = console(app, &sb).await;

    // The counselor's one place is taken; two guests queue behind.
    let (ga, chat_a) = guest(app, "첫째").await;
    let _wa = guest_ws(app, &ga, &chat_a).await;
    next_of(&mut c, "offer").await;
    send(&mut c, json!({ "type": "accept", "chat": chat_a })).await;
    next_of(&mut c, "chat").await;
    // (A second apart: chats of the same second are in no particular order.)
    app.clock.advance(1);
    let (gb, chat_b) = guest(app, "둘째").await;
    let mut wb = guest_ws(app, &gb, &chat_b).await;
    assert_eq!(place_of(&mut wb).await["position"], 1);
    app.clock.advance(1);
    let (gc, chat_c) = guest(app, "셋째").await;
    let mut wc = guest_ws(app, &gc, &chat_c).await;
    assert_eq!(place_of(&mut wc).await["position"], 2);

    // A third guest writes a high-risk message: the lines at once, and the chat is offered to the
    // counselor above their capacity, ahead of the two who came first.
    app.clock.advance(1);
    let (gd, chat_d) = guest(app, "넷째").await;
    let mut wd = guest_ws(app, &gd, &chat_d).await;
    place_of(&mut wd).await;
    send(&mut wd, json!({ "type": "say", "id": "d1", "text": HIGH })).await;
    let care = next_of(&mut wd, "care").await;
    let lines = care["lines"].to_string();
    assert!(lines.contains("109") && lines.contains("1388") && lines.contains("119"), "{care}");
    assert!(care["nobody"].is_null(), "counselors are online: {care}");
    let offer = next_of(&mut c, "offer").await;
    assert_eq!((offer["chat"]["id"].as_str(), offer["chat"]["risk"].as_str()), (Some(chat_d.as_str()), Some("high")));
    // The supervisor sees the badge and the event at once; nobody else was offered anything.
    let crisis = next_of(&mut s, "crisis").await;
    assert_eq!((crisis["chat"]["id"].as_str(), crisis["level"].as_str()), (Some(chat_d.as_str()), Some("high")));
    let event = crisis["event"].as_str().unwrap().to_owned();
    assert_eq!(app.store.chat(&chat_b).await.unwrap().unwrap().status, ChatStatus::Queued);
    // Only offered, the counselor may see the event and fill in the risk check, not close it.
    let page = format!("/center/crisis/{event}");
    let html = app.get_html(&cb.0, &page).await.1;
    assert!(html.contains("crisis-check-save") && !html.contains("crisis-close\""), "{html}");
    assert_eq!(app.post(&cb.0, &format!("{page}/close"), &[("outcome", "no_risk")]).await.status(), 403);

    // Nobody takes it within the offer time: every console is alerted, and a counselor takes it.
    app.clock.advance(31);
    assert!(arrives(&mut s, "crisis_alert", Duration::from_secs(5)).await, "the supervisor is alerted");
    send(&mut c, json!({ "type": "take_crisis", "chat": chat_d })).await;
    let pane = next_of(&mut c, "chat").await;
    assert_eq!(
        (pane["chat"]["status"].as_str(), pane["chat"]["crisis_event"].as_str()),
        (Some("active"), Some(event.as_str()))
    );
    // The counselor's page shows the message highlighted; the client's page never says so.
    let line = next_of(&mut c, "message").await;
    assert_eq!((line["text"].as_str(), line["crisis"].as_str()), (Some(HIGH), Some("high")));
    let mut again = guest_ws(app, &gd, &chat_d).await;
    let own = next_of(&mut again, "message").await;
    assert!(own["crisis"].is_null() && own["flag"].is_null(), "{own}");

    // The counselor records the risk check; an incomplete one comes back with the error.
    let (status, html) = app.get_html(&cb.0, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains("위기 평가") && html.contains("채팅 상담"), "{html}");
    let r = app.post(&cb.0, &format!("{page}/check"), &[("ideation", "active"), ("plan", "maybe")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("모든 질문에 답을"));
    let fields = [
        ("ideation", "active"),
        ("plan", "yes"),
        ("means", "yes"),
        ("attempts", "no"),
        ("timing", "now"),
        ("protective", "언니와 가깝게 지냄"),
        ("action", "safety_plan"),
        ("action", "emergency"),
    ];
    assert_eq!(app.post(&cb.0, &format!("{page}/check"), &fields).await.status(), 303);
    let html = app.get_html(&cb.0, &page).await.1;
    assert!(html.contains("언니와 가깝게 지냄") && html.contains(r#"value="emergency" checked"#), "{html}");
    let stored = app.store.crisis_event(&event).await.unwrap().unwrap();
    let sealed = stored.assessment.unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("언니"), "the risk check is sealed");

    // The supervisor's dashboard shows the open event until someone closes it with an outcome.
    let html = app.get_html(&sb.0, "/dashboard").await.1;
    assert!(html.contains(&format!("/center/crisis/{event}")), "{html}");
    let r = app.post(&sb.0, &format!("{page}/close"), &[("outcome", "")]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.post(&sb.0, &format!("{page}/close"), &[("outcome", "safety_plan")]).await.status(), 303);
    let html = app.get_html(&sb.0, "/dashboard").await.1;
    assert!(!html.contains(&format!("/center/crisis/{event}")), "closed events leave the dashboard");
    assert_eq!(app.post(&sb.0, &format!("{page}/close"), &[("outcome", "no_risk")]).await.status(), 422);

    // Every detection, view, check and close is audited; the mails never carry the message.
    for action in ["crisis.detect", "crisis.alert", "crisis.read", "crisis.assess", "crisis.close"] {
        assert!(audited_count(app, action).await >= 1, "{action}");
    }
    let mails = app.mails_to("s@example.com").await;
    assert!(
        mails.iter().any(|m| m.body.contains(&page)),
        "{:?}",
        mails.iter().map(|m| (&m.subject, &m.body)).collect::<Vec<_>>()
    );
    assert!(mails.iter().all(|m| !m.body.contains("옥상") && !m.subject.contains("옥상")));

    // Another counselor, not holding the chat, cannot see the event; the refusal is audited.
    let (other, _) = staff(app, Role::Counselor, "other@example.com").await;
    assert_eq!(app.get(&other, &page).await.status(), 404);
    let f = sangdam_store::AuditFilter {
        action_prefix: Some("crisis.read".into()),
        outcome: Some("denied".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(app.store.audit_page(&f).await.unwrap().records.len(), 1);
    // A client cannot either.
    let (client, _) = app.signed_in(Role::Client, "someone@example.com").await;
    assert_ne!(app.get(&client, &page).await.status(), 200);
});

db_test!(no_crisis_message_is_warned_ended_or_banned, async |app: &TestApp| {
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    let (g, chat) = guest(app, "손님").await;
    let mut w = guest_ws(app, &g, &chat).await;
    next_of(&mut c, "offer").await;
    send(&mut c, json!({ "type": "accept", "chat": chat })).await;
    next_of(&mut c, "chat").await;
    // Rude words in a crisis: the lines, no warning, no flag, however many.
    for (i, text) in ["씨발 그냥 다 끝내고 죽어버릴래", "fuck it I'm going to kill myself tonight", "ㅅㅂ 약 다 먹었어"]
        .iter()
        .enumerate()
    {
        send(&mut w, json!({ "type": "say", "id": format!("m{i}"), "text": text })).await;
        next_of(&mut w, "care").await;
        let line = next_of(&mut c, "message").await;
        assert!(line["flag"].is_null(), "{line}");
    }
    assert!(!arrives(&mut c, "flagged", Duration::from_millis(800)).await, "no warning step");
    let stored = app.store.chat(&chat).await.unwrap().unwrap();
    assert_eq!((stored.status.as_str(), stored.flagged, stored.risk), ("active", 0, 2));
    let messages = app.store.chat_messages_after(&chat, 0, 100).await.unwrap();
    assert!(messages.iter().all(|m| m.kind != sangdam_domain::chat::MessageKind::System), "no warning was posted");
    // Three crisis messages, one event.
    assert_eq!(app.store.open_crisis_events().await.unwrap().len(), 1);
    // Nor can the counselor end it as abuse and ban a client in crisis.
    send(&mut c, json!({ "type": "end_abuse", "chat": chat })).await;
    assert_eq!(next_of(&mut c, "error").await["code"], "error-chat-crisis-no-end");
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().status, ChatStatus::Active);
});

db_test!(a_waiting_client_is_never_warned, async |app: &TestApp| {
    // Nobody online: a guest waits and writes rudely.
    let (g, chat) = guest(app, "기다림").await;
    let mut w = guest_ws(app, &g, &chat).await;
    send(&mut w, json!({ "type": "say", "id": "x1", "text": "삼십 분째 기다리고 있어요" })).await;
    send(&mut w, json!({ "type": "say", "id": "x2", "text": "씨발 언제까지 기다려" })).await;
    send(&mut w, json!({ "type": "say", "id": "x3", "text": "개새끼들아 빨리 좀 해" })).await;
    next_of(&mut w, "ack").await;
    assert!(!arrives(&mut w, "ended", Duration::from_millis(1500)).await);
    let stored = app.store.chat(&chat).await.unwrap().unwrap();
    assert_eq!((stored.status.as_str(), stored.flagged), ("queued", 2), "blurred for whoever joins, not warned");
    let messages = app.store.chat_messages_after(&chat, 0, 100).await.unwrap();
    assert!(
        messages.iter().all(|m| m.kind != sangdam_domain::chat::MessageKind::System),
        "no warning while nobody has joined"
    );
    assert!(app.store.incidents_since(0).await.unwrap().is_empty());
    // Whoever joins starts the graded response afresh: the next rude message is a first warning.
    let (cb, _) = staff_browser(app, Role::Counselor, "c@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    next_of(&mut c, "offer").await;
    send(&mut c, json!({ "type": "accept", "chat": chat })).await;
    next_of(&mut c, "chat").await;
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().flagged, 0);
    send(&mut w, json!({ "type": "say", "id": "x4", "text": "씨발 이제야 오네" })).await;
    assert_eq!(next_of(&mut c, "flagged").await["step"], "warning");
});

db_test!(a_burst_of_crisis_messages_makes_one_event, async |app: &TestApp| {
    let (g, chat) = guest(app, "폭주").await;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(guest_ws(app, &g, &chat).await);
    }
    // 30 messages at once over three pages, concern and high mixed.
    let mut sends = Vec::new();
    for (k, mut ws) in sockets.into_iter().enumerate() {
        sends.push(tokio::spawn(async move {
            for i in 0..10 {
                let text = if i % 2 == 0 { "죽고 싶다는 생각이 자꾸 들어요" } else { HIGH };
                send(&mut ws, json!({ "type": "say", "id": format!("b{k}-{i}"), "text": text })).await;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            ws
        }));
    }
    for s in sends {
        s.await.unwrap();
    }
    // Every message is checked before it is stored; wait until the last is.
    for _ in 0..100 {
        if app.store.open_crisis_events().await.unwrap().first().is_some_and(|e| e.level == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open = app.store.open_crisis_events().await.unwrap();
    assert_eq!(open.len(), 1, "one open event per place");
    assert_eq!(open[0].level, 2);
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().risk, 2);
    // The database holds it too: a second open event for the place is refused, and so is an
    // outcome without a close.
    let place: String = app.keys.mac_hex("crisis.place", format!("chat:{chat}").as_bytes());
    let write = sangdam_store::CrisisWrite {
        id: "direct".into(),
        source: "chat".into(),
        source_key: place.clone(),
        client_key: None,
        level: 1,
        sealed: b"x".to_vec(),
        now: 0,
        chat: None,
        job_id: "direct-job".into(),
        job_kind: "crisis-alert-mails".into(),
        chain_key: app.keys.chain_key(),
    };
    let raised = app.store.raise_crisis(&write).await.unwrap();
    assert_eq!(raised, sangdam_store::CrisisRaised::Same(open[0].id.clone()));
    let sql = "INSERT INTO crisis_events (id, source, source_key, level, sealed, created_at) VALUES ('d2', 'chat', $1, 1, $2, 0)";
    assert!(!raw(&app.store, sql, &place, Some(b"x")).await, "unique open event per place");
    let sql = "UPDATE crisis_events SET outcome = 'no_risk' WHERE source_key = $1";
    assert!(!raw(&app.store, sql, &place, None).await, "an outcome needs a close");
    let sql = "UPDATE chats SET risk = 7 WHERE id = $1";
    assert!(!raw(&app.store, sql, &chat, None).await, "risk is 0, 1 or 2");
    // Closing the chat clears its queue level; the event stays for someone to close.
    sqlx_close(app, &chat).await;
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().risk, 0);
    assert_eq!(app.store.open_crisis_events().await.unwrap().len(), 1);
});

/// A write straight to the database, as someone with access to it would make; whether it went in.
async fn raw(store: &sangdam_store::Store, sql: &str, text: &str, blob: Option<&[u8]>) -> bool {
    sangdam_store::on_backend!(store, |pool| {
        let q = sqlx::query(sql).bind(text);
        let q = match blob {
            Some(b) => q.bind(b.to_vec()),
            None => q,
        };
        q.execute(pool).await.is_ok()
    })
}

async fn sqlx_close(app: &TestApp, chat: &str) {
    app.store.close_chat(chat, "left", app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nobody_online_the_client_is_told_plainly_and_on_call_is_mailed() {
    let app = TestApp::spawn(Db::Sqlite, |c| {
        c.on_call_emails = vec![sangdam_domain::Email::parse("oncall@example.com").unwrap()];
        c.on_call_phone = Some("010-1234-5678".into());
    })
    .await;
    let (g, chat) = guest(&app, "밤손님").await;
    let mut w = guest_ws(&app, &g, &chat).await;
    send(&mut w, json!({ "type": "say", "id": "n1", "text": "I took all my pills" })).await;
    let care = next_of(&mut w, "care").await;
    let nobody = care["nobody"].as_str().unwrap();
    assert!(nobody.contains("010-1234-5678") && nobody.contains("119"), "{care}");
    let mails = app.mails_to("oncall@example.com").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(!mails[0].body.contains("pills"), "the mail never carries the message");
    // On every reconnect the lines are shown again.
    drop(w);
    let mut again = guest_ws(&app, &g, &chat).await;
    next_of(&mut again, "care").await;
    app.finish().await;
}

db_test!(secure_messages_forms_and_a_booking_reason_raise_the_alert, async |app: &TestApp| {
    let (cc, counselor_id) = staff(app, Role::Counselor, "c@example.com").await;
    let (client, client_id) = crate::records::client_of(app, &counselor_id, "client@example.com").await;
    let _ = cc;
    // A secure message: the page the client lands on shows the lines; the counselor's thread marks it.
    let r = app.post(&client, &format!("/messages/{counselor_id}"), &[("text", "요즘 그냥 사라지고 싶어요")]).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.ends_with("?care=1"), "{to}");
    let html = app.get_html(&client, &to).await.1;
    assert!(html.contains("crisis-care") && html.contains("109"), "{html}");
    assert!(html.contains("바로 읽지는 못합니다"), "a message is not read at once, and the page says so");
    // A message refused as too long still shows the lines.
    let long = format!("{} 그냥 사라지고 싶어요", "가".repeat(5001));
    let r = app.post(&client, &format!("/messages/{counselor_id}"), &[("text", &long)]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("crisis-care"));
    let html = app.get_html(&cc, &format!("/messages/{client_id}")).await.1;
    assert!(html.contains("crisis-message-marked") || html.contains("자살이나 자해를 말하는 메시지"), "{html}");
    let events = app.store.open_crisis_events().await.unwrap();
    assert_eq!((events.len(), events[0].source.as_str(), events[0].level), (1, "message", 1));
    // An ordinary message raises nothing.
    app.post(&client, &format!("/messages/{counselor_id}"), &[("text", "다음 주에 뵐게요")]).await;
    assert_eq!(app.store.open_crisis_events().await.unwrap().len(), 1);

    // A booking's reason.
    let start = listed_slots(app, &client, &counselor_id).await.last().copied().unwrap().to_string();
    let r = app
        .post(
            &client,
            &format!("/counselors/{counselor_id}/book"),
            &[
                ("kind", "video"),
                ("start", &start),
                ("terms", "on"),
                ("reason", "수면제 모아둔 거 이번 주말에 다 먹으려고요"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("care=1"));
    let html = app.get_html(&client, &location(&r)).await.1;
    assert!(html.contains("crisis-care"), "{html}");
    let events = app.store.open_crisis_events().await.unwrap();
    assert!(events.iter().any(|e| e.source == "booking" && e.level == 2), "most urgent first");
    assert_eq!(events[0].source, "booking");

    // The counselor sees both on the dashboard and in the client's record.
    let html = app.get_html(&cc, "/dashboard").await.1;
    assert!(html.contains("예약할 때 적은 사유") && html.contains("보안 메시지"), "{html}");
    let html = app.get_html(&cc, &format!("/clients/{client_id}")).await.1;
    assert!(html.contains("위기 사건"), "{html}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_in_client_sees_the_lines_in_english() {
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let id = counselor(&app, "c@example.com", |_| {}).await;
    let (client, _) = crate::records::client_of(&app, &id, "en@example.com").await;
    app.post(&client, "/language", &[("lang", "en"), ("next", "/dashboard")]).await;
    let r = app.post(&client, &format!("/messages/{id}"), &[("text", "i wanna kms, nothing matters")]).await;
    let html = app.get_html(&client, &location(&r)).await.1;
    assert!(html.contains("Thank you for telling us") && html.contains("1388: youth counseling line"), "{html}");
    let _ = PASSWORD;
    app.finish().await;
}

db_test!(a_free_text_form_answer_raises_the_alert, async |app: &TestApp| {
    let (counselor, counselor_id) = staff(app, Role::Counselor, "f@example.com").await;
    let (_, page) = app.get_html(&counselor, "/counselor/forms/new").await;
    let id = crate::helpers::between(&page, "action=\"/counselor/forms/", "\"").unwrap();
    let fields = [
        ("rows", "1"),
        ("title", "초기 질문"),
        ("q0_label", "요즘 어떠세요"),
        ("q0_kind", "long_text"),
        ("action", "save"),
    ];
    assert_eq!(app.post(&counselor, &format!("/counselor/forms/{id}"), &fields).await.status(), 303);
    let fields = [("form", format!("form:{id}")), ("mode", "intake".to_owned()), ("every", String::new())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post(&counselor, "/counselor/forms/assignments", &fields).await.status(), 303);
    let (client, _) = crate::records::client_of(app, &counselor_id, "fc@example.com").await;
    let (_, portal) = app.get_html(&client, "/portal").await;
    let request = crate::helpers::between(&portal, "href=\"/forms/requests/", "\"").unwrap();
    let r = app
        .post(
            &client,
            &format!("/forms/requests/{request}"),
            &[("a0", "잠이 안 와요. 그냥 사라지고 싶다는 생각만 들어요")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal?answered=1&care=1");
    let html = app.get_html(&client, &location(&r)).await.1;
    assert!(html.contains("crisis-care") && html.contains("109"), "{html}");
    let events = app.store.open_crisis_events().await.unwrap();
    assert_eq!((events.len(), events[0].source.as_str(), events[0].level), (1, "form", 1));
    // The counselor who asked for the form may see it.
    assert_eq!(app.get(&counselor, &format!("/center/crisis/{}", events[0].id)).await.status(), 200);
});

db_test!(a_message_and_its_crisis_event_commit_together_or_not_at_all, async |app: &TestApp| {
    let (_g1, first) = guest(app, "하나").await;
    let (_g2, second) = guest(app, "둘").await;
    let write = |chat: &str, id: &str, job: &str| sangdam_store::CrisisWrite {
        id: id.into(),
        source: "chat".into(),
        source_key: app.keys.mac_hex("crisis.place", format!("chat:{chat}").as_bytes()),
        client_key: None,
        level: 2,
        sealed: b"x".to_vec(),
        now: app.clock.now(),
        chat: Some(chat.to_owned()),
        job_id: job.into(),
        job_kind: "crisis-alert-mails".into(),
        chain_key: app.keys.chain_key(),
    };
    let now = app.clock.now();
    let w = write(&first, "e1", "job-1");
    let posted = app
        .store
        .post_chat_message(
            &first,
            sangdam_domain::chat::MessageKind::Client,
            None,
            "m1",
            b"sealed",
            None,
            None,
            now,
            Some(&w),
        )
        .await
        .unwrap();
    assert_eq!(posted.crisis, Some(sangdam_store::CrisisRaised::New("e1".into())));
    // The second write fails inside its transaction (its alert job's id is taken): neither the
    // message nor the event is kept, and the chat's queue level stays.
    let w = write(&second, "e2", "job-1");
    assert!(
        app.store
            .post_chat_message(
                &second,
                sangdam_domain::chat::MessageKind::Client,
                None,
                "m2",
                b"sealed",
                None,
                None,
                now,
                Some(&w)
            )
            .await
            .is_err()
    );
    assert!(app.store.chat_messages_after(&second, 0, 10).await.unwrap().is_empty());
    assert_eq!(app.store.chat(&second).await.unwrap().unwrap().risk, 0);
    assert!(app.store.crisis_event("e2").await.unwrap().is_none());
    // The first is whole: message, event, audit entry and job.
    assert_eq!(app.store.chat_messages_after(&first, 0, 10).await.unwrap().len(), 1);
    assert!(app.store.crisis_event("e1").await.unwrap().is_some());
    assert_eq!(audited_count(app, "crisis.detect").await, 1);
});

/// A guest in crisis behind two others in the queue: the chat jumps the queue and reaches the
/// counselor above capacity, the guest sees the lines at once; untaken, it sounds an alert on every
/// console; the counselor takes it, records the risk check; the supervisor closes the event from
/// the dashboard; and the same words in a secure message show the lines too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisis_in_the_queue_reaches_a_person_and_is_closed_with_an_outcome() {
    let Some((chromium, driver_path)) = crate::webdriver::browser_binaries() else { return };
    let app = TestApp::spawn(Db::Sqlite, |_| {}).await;
    let counselor = crate::booking::counselor(&app, "crisis-host@example.com", |_| {}).await;
    app.create_user(sangdam_domain::Role::Supervisor, "crisis-lead@example.com").await;
    let setup = crate::helpers::new_client();
    assert_eq!(app.signin(&setup, "crisis-host@example.com", PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&setup).await;
    assert_eq!(app.post(&setup, "/center/capacity", &[("capacity", "1")]).await.status(), 303);
    let lead = crate::helpers::new_client();
    assert_eq!(app.signin(&lead, "crisis-lead@example.com", PASSWORD).await.status(), 303);
    let (lead_secret, _) = app.enroll_two_factor(&lead).await;
    app.clock.advance(31);

    let driver = crate::webdriver::Driver::start(&driver_path).await;
    let host = driver.browser(&chromium, "ko").await;
    let sup = driver.browser(&chromium, "ko").await;
    let guest = driver.browser(&chromium, "ko").await;
    crate::video::sign_in(&host, &app, "crisis-host@example.com", Some(&secret)).await;
    host.goto(&app.url("/center")).await;
    host.element("#my-status[data-status]").await;
    host.click("[data-status=available]").await;
    host.element("#my-status[data-status=available]").await;
    crate::video::sign_in(&sup, &app, "crisis-lead@example.com", Some(&lead_secret)).await;
    sup.goto(&app.url("/center")).await;
    sup.element("#my-status[data-status]").await;

    // The counselor's one place is taken; two guests wait.
    let (first, first_chat) = crate::chat::guest(&app, "첫손님").await;
    let _first = crate::chat::guest_ws(&app, &first, &first_chat).await;
    host.wait_for_text("첫손님").await;
    host.click(".offer button").await;
    host.element(".chat-pane").await;
    let mut waiting = Vec::new();
    for name in ["둘째손님", "셋째손님"] {
        let (b, chat) = crate::chat::guest(&app, name).await;
        waiting.push((crate::chat::guest_ws(&app, &b, &chat).await, chat));
    }

    guest.goto(&app.url("/chat")).await;
    guest.fill("#nickname", "새벽").await;
    guest.script("document.getElementById('topic').value = 'anxiety'; return true").await;
    guest.click("#consent").await;
    guest.click("#chat-start").await;
    guest.wait_for_url("/chat/").await;
    guest.fill("#chat-text", "더는 못 버티겠어요. 오늘 밤에 옥상에서 뛰어내릴 거예요").await;
    guest.click("#chat-send").await;
    guest.element("#chat-care:not([hidden])").await;
    guest.wait_for_text("1388").await;
    guest.resize(390, 900).await;
    guest.screenshot(&crate::browser::screenshots().join("crisis-guest-390.png")).await;

    // It jumps the queue: offered at once, above capacity, with the badge.
    host.element(".offer.risk-high").await;
    for (_, chat) in &waiting {
        assert_eq!(app.store.chat(chat).await.unwrap().unwrap().status, ChatStatus::Queued);
    }
    sup.element("#crisis-alerts .crisis-banner").await;
    // Nobody accepts within the offer time: every console sounds and shows the alert.
    app.clock.advance(31);
    host.element("#crisis-alerts .crisis-banner button").await;
    sup.element("#crisis-alerts .crisis-banner").await;
    let banner = sup.script("return document.querySelector('#crisis-alerts').innerText").await;
    assert!(banner.as_str().unwrap_or_default().contains("위기에 처한 내담자가 기다리는데"), "{banner}");
    host.screenshot(&crate::browser::screenshots().join("crisis-console-1280.png")).await;
    host.click("#crisis-alerts .crisis-banner button").await;
    host.element(".chat-pane.risk-high .risk-badge[data-level=high]").await;
    host.element(".chat-pane li.crisis-high").await;
    guest.wait_for_text("crisis-host 상담사와 이야기하고 있습니다").await;

    // The counselor fills in the risk check from the pane's link.
    let href = host.script("return document.querySelector('.chat-pane .crisis-check').getAttribute('href')").await;
    let href = href.as_str().unwrap().to_owned();
    host.goto(&app.url(&href)).await;
    host.click("input[name=ideation][value=active]").await;
    host.click("input[name=plan][value=yes]").await;
    host.click("input[name=means][value=unknown]").await;
    host.click("input[name=attempts][value=no]").await;
    host.click("input[name=timing][value=now]").await;
    host.fill("#protective", "동생과 연락함").await;
    host.click("input[name=action][value=safety_plan]").await;
    host.click("#crisis-check-save").await;
    host.wait_for_text("위기 평가를 저장했습니다").await;
    host.screenshot(&crate::browser::screenshots().join("crisis-event-1280.png")).await;

    // The supervisor's dashboard shows it until they close it with an outcome.
    sup.goto(&app.url("/dashboard")).await;
    sup.wait_for_text("열린 위기 사건").await;
    sup.resize(390, 900).await;
    sup.screenshot(&crate::browser::screenshots().join("crisis-dashboard-390.png")).await;
    sup.click(&format!("a[href='{href}']")).await;
    sup.wait_for_text("동생과 연락함").await;
    sup.script("document.getElementById('outcome').value = 'safety_plan'; return true").await;
    // Closing asks first, in the page's dialog: "no" keeps it open, "yes" closes it.
    sup.click("#crisis-close").await;
    sup.click("dialog.confirm-dialog[open] #confirm-no").await;
    assert_eq!(app.store.open_crisis_events().await.unwrap().len(), 1, "not closed without the answer");
    sup.click("#crisis-close").await;
    sup.click("dialog.confirm-dialog[open] #confirm-yes").await;
    sup.wait_for_path("/center/crisis").await;
    sup.wait_for_text("열린 위기 사건이 없습니다").await;
    assert!(app.store.open_crisis_events().await.unwrap().is_empty());

    // The same words in a secure message show the lines too.
    let (client, _) = crate::records::client_of(&app, &counselor, "crisis-client@example.com").await;
    let _ = client;
    guest.goto(&app.url("/signin")).await;
    guest.fill("#email", "crisis-client@example.com").await;
    guest.fill("#password", PASSWORD).await;
    guest.click("main form button[type=submit]").await;
    guest.wait_for_path("/dashboard").await;
    guest.goto(&app.url(&format!("/messages/{counselor}"))).await;
    guest.fill("textarea[name=text]", "더는 못 버티겠어요. 오늘 밤에 옥상에서 뛰어내릴 거예요").await;
    guest.click("main form button[type=submit]").await;
    guest.element("#crisis-care").await;
    guest.wait_for_text("109").await;
    guest.screenshot(&crate::browser::screenshots().join("crisis-message-390.png")).await;
    host.close().await;
    sup.close().await;
    guest.close().await;
    drop(driver);
    app.finish().await;
}
