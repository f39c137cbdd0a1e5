//! Who may see what, tried by the people who should not: a client invited to a group room but
//! never admitted (or declined), another client of the same group session, a counselor whose
//! booking request was cancelled, a counselor only offered a chat, a transcript link past its
//! expiry, a client stopped at the two-factor step, and sockets whose session ended.

use std::time::Duration;

use futures_util::StreamExt;
use sangdam_domain::{Role, UserId};
use sangdam_store::{MemberRole, RoomFile};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::aftercare::past_appointment;
use crate::booking::{appointments_of, book, counselor, listed_slots};
use crate::chat::{Ws, available, browser, connect, console, guest, guest_ws, next_of, send, staff_browser};
use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, location, new_client};
use crate::records::{audited_count, new_note, staff};

fn id() -> String {
    sangdam_domain::ids::encode_random(&sangdam_web::crypto::random::<16>())
}

/// How many refusals of `action` the audit log holds.
async fn denied(app: &TestApp, action: &str) -> usize {
    let f = sangdam_store::AuditFilter {
        action_prefix: Some(action.into()),
        outcome: Some("denied".into()),
        limit: 100,
        ..Default::default()
    };
    app.store.audit_page(&f).await.unwrap().records.len()
}

/// The text of the data export of a signed-in client.
async fn export_text(app: &TestApp, client: &reqwest::Client) -> String {
    let r = app.post(client, "/portal/export", &[]).await;
    assert_eq!(r.status(), 200);
    crate::aftercare::unzip(&r.bytes().await.unwrap())
}

db_test!(room_content_is_for_those_who_took_part, async |app: &TestApp| {
    let now = app.clock.now();
    let host = app.create_user(Role::Counselor, "group-host@example.com").await;
    let (waiting, waiting_id) = app.signed_in(Role::Client, "never-admitted@example.com").await;
    let (declined, declined_id) = app.signed_in(Role::Client, "declined@example.com").await;
    let (member, member_id) = app.signed_in(Role::Client, "member@example.com").await;
    let (_, other_id) = app.signed_in(Role::Client, "other-member@example.com").await;
    // A group session: two clients admitted, one declined, one invited and never let in.
    let room = id();
    app.store.create_room(&room, &host, "그룹 상담", now, &sangdam_store::Effects::default()).await.unwrap();
    for u in [&waiting_id, &declined_id, &member_id, &other_id] {
        app.store.add_room_member(&room, u, MemberRole::Guest, now, &sangdam_store::Effects::default()).await.unwrap();
    }
    assert!(app.store.decide_admission(&room, &member_id, true, now).await.unwrap());
    assert!(app.store.decide_admission(&room, &other_id, true, now).await.unwrap());
    assert!(app.store.decide_admission(&room, &declined_id, false, now).await.unwrap());
    let say = |sender: UserId, text: &'static str| {
        let room = room.clone();
        async move {
            let message_id = id();
            let row = [room.as_str(), sender.as_str(), message_id.as_str()];
            let sealed = app.keys.seal_at(&sangdam_store::sealed::ROOM_MESSAGE, &row, text.as_bytes());
            app.store.post_room_message(&room, &sender, &message_id, &sealed, now, None).await.unwrap();
        }
    };
    say(host.clone(), "상담사가 모두에게 드리는 말").await;
    say(member_id.clone(), "제 고민은 잠입니다").await;
    say(other_id.clone(), "다른 내담자의 비밀 이야기").await;
    let share = |sender: UserId, name: &'static str, body: &'static [u8]| {
        let room = room.clone();
        async move {
            let f = RoomFile {
                id: id(),
                sender_id: sender,
                name: name.into(),
                content_type: "text/plain".into(),
                size: body.len() as i64,
                at: now,
            };
            let sealed = app.keys.seal_at(&sangdam_store::sealed::ROOM_FILE, &[&f.id], body);
            app.store.add_room_file(&room, &f, &sealed, &sangdam_store::Effects::default()).await.unwrap();
            f.id
        }
    };
    let worksheet = share(host.clone(), "worksheet.txt", b"counselor worksheet").await;
    share(other_id.clone(), "other-diary.txt", b"another client's diary").await;
    // A recording of the session, shared with the clients.
    let rec = id();
    app.store.propose_recording(&rec, &room, &host, now).await.unwrap();
    let key = app.keys.seal_at(&sangdam_store::sealed::RECORDING_KEY, &[&rec], &[7; 32]);
    app.store.recording_started(&rec, &key, now).await.unwrap();
    app.store
        .recording_ended(&rec, sangdam_domain::recording::RecordingState::Stopped, Some(10), Some(1000), None, now)
        .await
        .unwrap();
    app.store.set_recording_shared(&rec, true, now, &sangdam_store::Effects::default()).await.unwrap();

    // Invited but never admitted, or declined: nothing of the room, anywhere.
    for client in [&waiting, &declined] {
        let text = export_text(app, client).await;
        for secret in ["상담사가 모두에게", "잠입니다", "비밀 이야기", "worksheet", "other-diary"] {
            assert!(!text.contains(secret), "{secret} leaked into a non-participant's export:\n{text}");
        }
        let (_, portal) = app.get_html(client, "/portal").await;
        assert!(!portal.contains("worksheet.txt"), "the portal names no file of the room");
        assert!(!portal.contains(&format!("/recordings/{rec}")), "nor its recording");
        assert_eq!(app.get(client, &format!("/recordings/{rec}")).await.status(), 404);
        assert_eq!(app.get(client, &format!("/rooms/{room}/files/{worksheet}")).await.status(), 403);
    }
    assert!(denied(app, "recording.play").await >= 2, "the refusals are audited");

    // A participant's export: their own words and the counselor's, never the other client's.
    let text = export_text(app, &member).await;
    for expected in ["상담사가 모두에게", "제 고민은 잠입니다", "== files/worksheet.txt", "counselor worksheet"]
    {
        assert!(text.contains(expected), "{expected} missing from the member's export:\n{text}");
    }
    for secret in ["비밀 이야기", "other-diary", "another client's diary"] {
        assert!(!text.contains(secret), "another client's {secret} is in the export:\n{text}");
    }
    let (_, portal) = app.get_html(&member, "/portal").await;
    assert!(portal.contains(&format!("/recordings/{rec}")), "a participant finds the shared recording");
    assert_eq!(app.get(&member, &format!("/recordings/{rec}")).await.status(), 200);
});

/// A counselor's browser can open this client's record now.
async fn reads_record(app: &TestApp, counselor: &reqwest::Client, client: &UserId) -> bool {
    match app.get(counselor, &format!("/clients/{client}")).await.status().as_u16() {
        200 => true,
        404 => false,
        other => panic!("unexpected {other}"),
    }
}

db_test!(care_follows_confirmed_appointments_and_assignments, async |app: &TestApp| {
    // Counselor A takes requests for approval; counselor B saw the client last week.
    let a_id = counselor(app, "care-a@example.com", |p| p.requires_approval = true).await;
    let a = new_client();
    assert_eq!(app.signin(&a, "care-a@example.com", PASSWORD).await.status(), 303);
    app.enroll_two_factor(&a).await;
    let (b, b_id) = staff(app, Role::Counselor, "care-b@example.com").await;
    let (client, client_id) = app.signed_in(Role::Client, "care-client@example.com").await;
    let seen = past_appointment(app, &b_id, &client_id, 7 * 86_400).await;
    assert_eq!(
        app.post(&b, &format!("/counselor/appointments/{seen}/outcome"), &[("outcome", "completed")]).await.status(),
        303
    );
    assert!(reads_record(app, &b, &client_id).await, "a completed session makes B part of the care");
    let note = new_note(app, &b, &client_id, "free").await;
    app.post(&b, &format!("/notes/{note}"), &[("s_text", "B의 서명된 기록")]).await;
    assert_eq!(app.post(&b, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);

    // A request A has not approved grants nothing, and neither does its cancellation.
    let start = listed_slots(app, &client, &a_id).await[0];
    assert_eq!(book(app, &client, &a_id, start, &[]).await.status(), 303);
    let request = appointments_of(app, &a_id).await.remove(0);
    assert_eq!(request.status.as_str(), "requested");
    assert!(!reads_record(app, &a, &client_id).await, "a request is no care relationship");
    assert_eq!(
        app.post(&client, &format!("/appointments/{}/cancel", request.id), &[("confirm", "yes")]).await.status(),
        303
    );
    assert!(!reads_record(app, &a, &client_id).await, "nor is a cancelled request");
    let (status, body) = app.get_html(&a, &format!("/notes/{note}")).await;
    assert_eq!(status, 404, "another counselor's signed note stays closed");
    assert!(!body.contains("B의 서명된 기록"));
    assert_eq!(app.get(&a, &format!("/messages/{client_id}")).await.status(), 404);
    assert!(denied(app, "client.read").await >= 3, "every refusal is audited");

    // A risk alert reaches the care team, not a counselor the client only asked.
    crate::questionnaires::submit(app, &client, "phq9", &crate::questionnaires::answers(&[1, 1, 1, 1, 1, 1, 1, 1, 2]))
        .await;
    let (_, a_dash) = app.get_html(&a, "/dashboard").await;
    let (_, b_dash) = app.get_html(&b, "/dashboard").await;
    assert!(!a_dash.contains("/risk-alerts/") && b_dash.contains("/risk-alerts/"));
    assert!(app.mails_to("care-a@example.com").await.iter().all(|m| !m.subject.contains("위기 알림")));
    assert!(app.mails_to("care-b@example.com").await.iter().any(|m| m.subject.contains("위기 알림")));

    // Approved, the request makes A part of the care; cancelled, it stops.
    let start = listed_slots(app, &client, &a_id).await[0];
    assert_eq!(book(app, &client, &a_id, start, &[]).await.status(), 303);
    let second = appointments_of(app, &a_id).await.into_iter().find(|x| x.status.as_str() == "requested").unwrap();
    assert_eq!(app.post(&a, &format!("/counselor/appointments/{}/approve", second.id), &[]).await.status(), 303);
    assert!(reads_record(app, &a, &client_id).await);
    let cancel = format!("/counselor/appointments/{}/cancel", second.id);
    assert_eq!(app.post(&a, &cancel, &[("reason", "일정 변경")]).await.status(), 303);
    assert!(!reads_record(app, &a, &client_id).await, "a cancelled appointment ends it");

    // A supervisor assigns A, and ends B's care: B's completed session no longer opens the record.
    let (sup, _) = staff(app, Role::Supervisor, "care-sup@example.com").await;
    let r = app.post(&sup, &format!("/clients/{client_id}/care"), &[("counselor", a_id.as_str())]).await;
    assert_eq!(r.status(), 303);
    assert!(reads_record(app, &a, &client_id).await, "an assignment grants care");
    let (_, record) = app.get_html(&sup, &format!("/clients/{client_id}")).await;
    assert!(record.contains("care-a") && record.contains("care-b"), "the supervisor sees the care team");
    let r = app.post(&sup, &format!("/clients/{client_id}/care/end"), &[("counselor", b_id.as_str())]).await;
    assert_eq!(r.status(), 303);
    assert!(!reads_record(app, &b, &client_id).await, "ending care ends what past sessions granted");
    assert_eq!(app.get(&b, &format!("/notes/{note}")).await.status(), 404);
    // Counselors cannot assign themselves.
    let r = app.post(&b, &format!("/clients/{client_id}/care"), &[("counselor", b_id.as_str())]).await;
    assert_eq!(r.status(), 403);
    assert!(audited_count(app, "care.").await >= 2);
});

db_test!(an_offer_opens_no_transcript_and_mailed_links_expire, async |app: &TestApp| {
    let (cb, _) = staff_browser(app, Role::Counselor, "offer@example.com").await;
    let mut c = console(app, &cb).await;
    available(&mut c).await;
    let (g, chat) = guest(app, "보리").await;
    let mut gw = guest_ws(app, &g, &chat).await;
    send(&mut gw, json!({ "type": "say", "id": "g1", "text": "잠이 안 와요" })).await;
    next_of(&mut gw, "ack").await;
    next_of(&mut c, "offer").await;
    assert_eq!(app.get(&cb.0, &format!("/center/chats/{chat}")).await.status(), 404, "an offer opens nothing");
    assert!(denied(app, "chat.read").await >= 1);
    send(&mut c, json!({ "type": "accept", "chat": chat })).await;
    next_of(&mut c, "chat").await;
    assert_eq!(app.get(&cb.0, &format!("/center/chats/{chat}")).await.status(), 200);

    // The transcript link mailed to the guest works for a week, and every use is audited.
    send(&mut gw, json!({ "type": "transcript", "email": "boree@example.com" })).await;
    next_of(&mut gw, "transcript_requested").await;
    send(&mut gw, json!({ "type": "leave" })).await;
    next_of(&mut gw, "ended").await;
    let mail = app.mails_to("boree@example.com").await.remove(0);
    let link = crate::helpers::link_in(&mail.body, app);
    let stranger = new_client();
    assert_eq!(app.get(&stranger, &link).await.status(), 200);
    assert_eq!(audited_count(app, "chat.transcript.link").await, 1);
    let forged = link.replace("until=", "until=9");
    assert_eq!(app.get(&stranger, &forged).await.status(), 404, "the expiry cannot be pushed back");
    app.clock.advance(8 * 86_400);
    let r = app.get(&stranger, &link).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("만료"));
    assert_eq!(audited_count(app, "chat.transcript.link").await, 3);
});

db_test!(an_unfinished_two_factor_sign_in_acts_as_nobody, async |app: &TestApp| {
    let (first, client_id) = app.signed_in(Role::Client, "tf-client@example.com").await;
    app.enroll_two_factor(&first).await;
    // Someone with the password only is stopped at the code step ...
    let b = browser();
    let r = app.signin(&b.0, "tf-client@example.com", PASSWORD).await;
    assert!(location(&r).starts_with("/signin/two-factor"));
    assert!(location(&app.get(&b.0, "/portal").await).starts_with("/signin/two-factor"));
    // ... and a chat started from there is a guest's, never on the client's record.
    let r = app.post(&b.0, "/chat", &[("nickname", "x"), ("topic", "anxiety"), ("language", "ko")]).await;
    assert_eq!(r.status(), 422, "a guest must accept the privacy notice");
    let r = app
        .post(&b.0, "/chat", &[("nickname", "x"), ("topic", "anxiety"), ("language", "ko"), ("consent", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let chat = location(&r).trim_start_matches("/chat/").to_owned();
    assert_eq!(app.store.chat(&chat).await.unwrap().unwrap().client_id, None);
    assert!(app.store.chats_of_client(&client_id).await.unwrap().is_empty());
    // The page of one of the client's own chats stays closed to that browser.
    let r = app.post(&first, "/chat", &[("nickname", "me"), ("topic", "anxiety"), ("language", "ko")]).await;
    assert_eq!(r.status(), 303);
    let own = location(&r);
    assert_eq!(app.get(&b.0, &own).await.status(), 404);
    assert_eq!(connect(app, &b.1, &format!("{own}/ws")).await.err(), Some(404));
});

/// Whether the server closes the socket for an ended session within `wait`.
async fn closed_for_session(ws: &mut Ws, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return false,
            Ok(Some(Ok(Message::Close(Some(frame))))) => return u16::from(frame.code) == 4001,
            Ok(None | Some(Err(_))) => return false,
            Ok(Some(Ok(_))) => {}
        }
    }
}

db_test!(sockets_close_when_their_session_ends, async |app: &TestApp| {
    // A signed-in client's chat: signing out in that browser closes the socket.
    let client = browser();
    app.create_user(Role::Client, "ws-client@example.com").await;
    assert_eq!(app.signin(&client.0, "ws-client@example.com", PASSWORD).await.status(), 303);
    let r = app.post(&client.0, "/chat", &[("nickname", "me"), ("topic", "anxiety"), ("language", "ko")]).await;
    let chat = location(&r).trim_start_matches("/chat/").to_owned();
    let mut ws = guest_ws(app, &client, &chat).await;
    next_of(&mut ws, "state").await;
    let token = app.csrf(&client.0).await;
    let r =
        client.0.post(app.url("/signout")).form(&[("csrf", token.as_str()), ("confirm", "on")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(closed_for_session(&mut ws, Duration::from_secs(3)).await, "the chat socket closes on sign-out");

    // A counselor's console closes when an admin deactivates the counselor.
    let (cb, counselor_id) = staff_browser(app, Role::Counselor, "ws-counselor@example.com").await;
    let mut c = console(app, &cb).await;
    let (admin, _) = staff(app, Role::Admin, "ws-admin@example.com").await;
    let r = app.post(&admin, &format!("/admin/users/{counselor_id}/active"), &[("active", "false")]).await;
    assert_eq!(r.status(), 303);
    assert!(closed_for_session(&mut c, Duration::from_secs(3)).await, "the console closes on deactivation");

    // A room's host socket closes when the host signs out everywhere.
    let (hb, _) = staff_browser(app, Role::Counselor, "ws-host@example.com").await;
    let r = app.post(&hb.0, "/rooms", &[("title", "t")]).await;
    let room = location(&r).trim_start_matches("/rooms/").to_owned();
    let mut host = connect(app, &hb.1, &format!("/rooms/{room}/ws")).await.unwrap();
    send(&mut host, json!({ "type": "hello", "last_seq": 0 })).await;
    next_of(&mut host, "welcome").await;
    assert_eq!(app.post(&hb.0, "/account/sessions/end-all", &[]).await.status(), 303);
    assert!(closed_for_session(&mut host, Duration::from_secs(3)).await, "the room socket closes");

    // A counselor who turns two-factor sign-in off may no longer see client data: the console
    // closes (the page then meets the enrollment page).
    let tf_id = crate::booking::counselor(app, "ws-2fa@example.com", |_| {}).await;
    let tf = browser();
    assert_eq!(app.signin(&tf.0, "ws-2fa@example.com", PASSWORD).await.status(), 303);
    let (secret, _) = app.enroll_two_factor(&tf.0).await;
    let mut tf_console = console(app, &tf).await;
    app.clock.advance(30);
    let code = secret.code_at(app.clock.now());
    let r = app.post(&tf.0, "/account/two-factor/disable", &[("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(r.status(), 303);
    assert!(!app.store.user_by_id(&tf_id).await.unwrap().unwrap().two_factor_enrolled());
    assert!(closed_for_session(&mut tf_console, Duration::from_secs(3)).await, "the console closes without 2FA");

    // A socket whose session passes its absolute lifetime closes at the next check.
    let (hb2, _) = staff_browser(app, Role::Counselor, "ws-late@example.com").await;
    let mut late = console(app, &hb2).await;
    app.clock.advance(13 * 3600);
    assert!(
        closed_for_session(&mut late, Duration::from_secs(sangdam_web::session_watch::RECHECK_SECONDS + 3)).await,
        "an expired session closes its socket"
    );
});
