//! After a session: the summary and homework reaching the client, the feedback survey end to end,
//! the follow-up invitation (and its per-client off switch), secure messages with email notices,
//! the data export, and account deletion under the retention rule.

use std::time::Duration;

use sangdam_domain::booking::{AppointmentStatus, SessionKind};
use sangdam_domain::{Currency, Money, Role, UserId};
use sangdam_store::NewAppointment;

use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, new_client};
use crate::records::{client_of, new_note, staff};

/// A 50-minute appointment that ended `ago` seconds ago, still confirmed.
pub async fn past_appointment(app: &TestApp, counselor: &UserId, client: &UserId, ago: i64) -> String {
    let id = sangdam_domain::ids::encode_random(&sangdam_web::crypto::random::<16>());
    let now = app.clock.now();
    let a = NewAppointment {
        id: id.clone(),
        counselor_id: counselor.clone(),
        client_id: client.clone(),
        kind: SessionKind::Video,
        price: Money::from_minor(50_000, Currency::Krw).unwrap(),
        starts_at: now - ago - 3000,
        ends_at: now - ago,
        status: AppointmentStatus::Confirmed,
        reason: Some(app.keys.seal_at(&sangdam_store::sealed::APPOINTMENT_REASON, &[&id], "시험 불안".as_bytes())),
        first_time: false,
        series_id: None,
    };
    app.store.book(&[a], now - 7 * 86_400, None, &sangdam_store::Effects::default()).await.unwrap();
    id
}

async fn wait_for_mail(app: &TestApp, to: &str, subject_part: &str) -> Vec<sangdam_store::MailRecord> {
    for _ in 0..100 {
        let mails: Vec<_> = app.mails_to(to).await.into_iter().filter(|m| m.subject.contains(subject_part)).collect();
        if !mails.is_empty() {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

db_test!(a_session_ends_with_a_summary_feedback_and_a_follow_up, async |app: &TestApp| {
    let (counselor, counselor_id) = staff(app, Role::Counselor, "ac-counselor@example.com").await;
    let (client, client_id) = app.signed_in(Role::Client, "ac-client@example.com").await;
    let (_, quiet_id) = app.signed_in(Role::Client, "ac-quiet@example.com").await;
    let appointment = past_appointment(app, &counselor_id, &client_id, 600).await;
    let quiet_appointment = past_appointment(app, &counselor_id, &quiet_id, 4 * 3600).await;
    let mut quiet = app.store.client_profile(&quiet_id).await.unwrap();
    quiet.follow_up = false;
    app.store
        .save_client_profile(&quiet_id, &quiet, app.clock.now(), &sangdam_store::Effects::default())
        .await
        .unwrap();

    for a in [&appointment, &quiet_appointment] {
        let r =
            app.post(&counselor, &format!("/counselor/appointments/{a}/outcome"), &[("outcome", "completed")]).await;
        assert_eq!(r.status(), 303);
    }
    let invite = app.mails_to("ac-client@example.com").await;
    assert!(
        invite.iter().any(|m| m.subject.contains("어떠셨나요") && m.body.contains(&format!("/feedback/{appointment}")))
    );

    // The summary: empty refused; then shared, and the client told once.
    let path = format!("/counselor/appointments/{appointment}/summary");
    assert_eq!(app.post(&counselor, &path, &[("summary", " "), ("homework", "")]).await.status(), 422);
    let fields = [("summary", "오늘은 시험 불안을 이야기했습니다."), ("homework", "매일 10분 호흡 연습")];
    assert_eq!(app.post(&counselor, &path, &fields).await.status(), 303);
    assert_eq!(app.post(&counselor, &path, &fields).await.status(), 303);
    let told: Vec<_> =
        app.mails_to("ac-client@example.com").await.into_iter().filter(|m| m.subject.contains("요약")).collect();
    assert_eq!(told.len(), 1);
    assert!(!told[0].body.contains("시험 불안"), "the mail holds no content");
    let (status, portal) = app.get_html(&client, "/portal").await;
    assert_eq!(status, 200);
    assert!(portal.contains("오늘은 시험 불안을 이야기했습니다.") && portal.contains("매일 10분 호흡 연습"));
    assert!(portal.contains(&format!("data-feedback=\"{appointment}\"")));

    // Feedback: bad ratings refused with nothing stored, then given once, anonymously.
    let path = format!("/feedback/{appointment}");
    let bad = [("stars", "9"), ("heard", "3"), ("goals", "3"), ("approach", "3")];
    let r = app.post(&client, &path, &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("1부터 5"));
    assert!(app.store.feedback_for_appointment(&appointment).await.unwrap().is_none());
    let good = [("stars", "4"), ("heard", "5"), ("goals", "4"), ("approach", "3"), ("comment", "편안했어요")];
    assert_eq!(app.post(&client, &path, &good).await.status(), 303);
    assert_eq!(app.post(&client, &path, &good).await.status(), 409);
    let stored = app.store.feedback_for_appointment(&appointment).await.unwrap().unwrap();
    assert_eq!((stored.stars, stored.answers, stored.show_name), (4, [5, 4, 3], false));
    assert!(!String::from_utf8_lossy(stored.comment.as_deref().unwrap()).contains("편안"), "sealed at rest");
    let (_, list) = app.get_html(&counselor, "/counselor/feedback").await;
    assert!(list.contains("편안했어요") && list.contains("익명") && !list.contains("ac-client"), "{list}");
    // Another client's session is not theirs to rate.
    assert_eq!(app.get(&client, &format!("/feedback/{quiet_appointment}")).await.status(), 404);

    // Seven days on with nothing booked: an invitation, but not to the client who turned them off.
    app.clock.advance(7 * 86_400 + 60);
    let follow = wait_for_mail(app, "ac-client@example.com", "다음 상담").await;
    assert_eq!(follow.len(), 1);
    assert!(follow[0].body.contains(&format!("/counselors/{counselor_id}")));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(app.mails_to("ac-quiet@example.com").await.iter().all(|m| !m.subject.contains("다음 상담")));
});

db_test!(secure_messages_notify_by_mail_without_content, async |app: &TestApp| {
    let (counselor, counselor_id) = staff(app, Role::Counselor, "m-counselor@example.com").await;
    let (stranger, _) = staff(app, Role::Counselor, "m-stranger@example.com").await;
    let (client, client_id) = client_of(app, &counselor_id, "m-client@example.com").await;
    let (_, list) = app.get_html(&client, "/messages").await;
    assert!(list.contains(&format!("/messages/{counselor_id}")));
    let to_counselor = format!("/messages/{counselor_id}");
    assert_eq!(app.post(&client, &to_counselor, &[("text", "   ")]).await.status(), 422);
    let long = "가".repeat(5001);
    assert_eq!(app.post(&client, &to_counselor, &[("text", &long)]).await.status(), 422);
    assert_eq!(app.post(&client, &to_counselor, &[("text", "과제가 어려워요")]).await.status(), 303);
    assert_eq!(app.post(&client, &to_counselor, &[("text", "내일 다시 해볼게요")]).await.status(), 303);
    let notices = app.mails_to("m-counselor@example.com").await;
    let notices: Vec<_> = notices.iter().filter(|m| m.subject.contains("새 메시지")).collect();
    assert_eq!(notices.len(), 1, "one notice for a burst");
    assert!(!notices[0].body.contains("과제"));
    let (_, list) = app.get_html(&counselor, "/messages").await;
    assert!(list.contains("새 메시지 2개"), "{list}");
    let (status, thread) = app.get_html(&counselor, &format!("/messages/{client_id}")).await;
    assert_eq!(status, 200);
    assert!(thread.contains("과제가 어려워요") && thread.contains("내일 다시 해볼게요"));
    let r = app.post(&counselor, &format!("/messages/{client_id}"), &[("text", "천천히 해도 괜찮아요")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.mails_to("m-client@example.com").await.iter().filter(|m| m.subject.contains("새 메시지")).count(),
        1
    );
    // Someone who is not the client's counselor cannot read or write.
    assert_eq!(app.get(&stranger, &format!("/messages/{client_id}")).await.status(), 404);
    assert_eq!(app.post(&stranger, &format!("/messages/{client_id}"), &[("text", "안녕")]).await.status(), 404);
    let stored = app.store.thread(&client_id, &counselor_id, 10).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|m| !String::from_utf8_lossy(&m.body).contains("괜찮")), "sealed at rest");
});

db_test!(a_burst_of_messages_at_once_commits_each_with_its_audit_entry_and_one_notice, async |app: &TestApp| {
    let (_, counselor_id) = staff(app, Role::Counselor, "burst-counselor@example.com").await;
    let (client, client_id) = client_of(app, &counselor_id, "burst-client@example.com").await;
    let to_counselor = format!("/messages/{counselor_id}");
    let texts: Vec<String> = (0..20).map(|i| format!("메시지 {i}")).collect();
    let sends = texts.iter().map(|t| {
        let (client, to) = (&client, &to_counselor);
        async move { app.post(client, to, &[("text", t.as_str())]).await }
    });
    let statuses: Vec<u16> = futures_util::future::join_all(sends).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(app.store.thread(&client_id, &counselor_id, 100).await.unwrap().len(), 20);
    assert_eq!(crate::records::audited_count(app, "message.send").await, 20, "each with its audit entry");
    let notices = app.mails_to("burst-counselor@example.com").await;
    assert_eq!(notices.iter().filter(|m| m.subject.contains("새 메시지")).count(), 1, "one notice for the burst");
});

/// The names and JSON texts in a ZIP, read by Python's zipfile (which also checks every CRC).
pub fn unzip(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.zip");
    std::fs::write(&path, bytes).unwrap();
    let script = "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n\
                  for n in z.namelist():\n print('==', n)\n print(z.read(n).decode('utf-8', 'replace'))";
    let out = std::process::Command::new("python3").args(["-c", script]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

db_test!(the_export_holds_my_data_and_deletion_keeps_only_signed_notes, async |app: &TestApp| {
    let (counselor, counselor_id) = staff(app, Role::Counselor, "d-counselor@example.com").await;
    let (client, client_id) = app.signed_in(Role::Client, "d-client@example.com").await;
    let appointment = past_appointment(app, &counselor_id, &client_id, 600).await;
    app.post(&counselor, &format!("/counselor/appointments/{appointment}/outcome"), &[("outcome", "completed")]).await;
    let path = format!("/counselor/appointments/{appointment}/summary");
    app.post(&counselor, &path, &[("summary", "요약 본문"), ("homework", "과제 본문")]).await;
    crate::questionnaires::submit(app, &client, "gad7", &crate::questionnaires::answers(&[2, 1, 0, 1, 2, 0, 1])).await;
    app.post(&client, &format!("/messages/{counselor_id}"), &[("text", "메시지 본문")]).await;
    let signed = new_note(app, &counselor, &client_id, "free").await;
    app.post(&counselor, &format!("/notes/{signed}"), &[("s_text", "기록지 본문")]).await;
    assert_eq!(app.post(&counselor, &format!("/notes/{signed}/sign"), &[("confirm", "on")]).await.status(), 303);
    let draft = new_note(app, &counselor, &client_id, "free").await;

    let r = app.post(&client, "/portal/export", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let text = unzip(&r.bytes().await.unwrap());
    for expected in [
        "== account.json",
        "d-client@example.com",
        "시험 불안",
        "요약 본문",
        "과제 본문",
        "메시지 본문",
        "\"instrument\": \"gad7\"",
        "== README.txt",
    ] {
        assert!(text.contains(expected), "{expected} missing from the export:\n{text}");
    }
    assert!(!text.contains("기록지 본문"), "staff notes are the center's records");
    assert!(crate::records::audited_count(app, "data.export").await >= 1);

    // Deleting: the password and the box are required, then everything but the signed note goes.
    assert_eq!(app.post(&client, "/portal/delete", &[("password", "wrong"), ("confirm", "yes")]).await.status(), 422);
    assert_eq!(app.store.client_responses(&client_id).await.unwrap().len(), 1, "nothing deleted yet");
    let r = app.post(&client, "/portal/delete", &[("password", PASSWORD), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert!(app.store.client_responses(&client_id).await.unwrap().is_empty());
    assert!(app.store.client_summaries(&client_id).await.unwrap().is_empty());
    assert!(app.store.thread(&client_id, &counselor_id, 10).await.unwrap().is_empty());
    assert!(app.store.note(&draft).await.unwrap().is_none(), "an unsigned draft goes");
    assert!(app.store.note(&signed).await.unwrap().is_some(), "a signed note is retained");
    let a = app.store.appointment(&appointment).await.unwrap().unwrap();
    assert!(a.reason.is_none());
    let user = app.store.user_by_id(&client_id).await.unwrap().unwrap();
    assert!(!user.active && user.email.as_str().ends_with("@deleted.invalid"));
    assert_eq!(app.signin(&new_client(), "d-client@example.com", PASSWORD).await.status(), 401, "cannot sign in");
    assert!(app.mails_to("d-client@example.com").await.is_empty(), "mail to them is gone too");

    // The retention purge: not before the period ends, then the signed note goes.
    let now = app.clock.now();
    assert_eq!(app.store.purge_retained_notes(sangdam_domain::retention::note_cutoff(now, 10)).await.unwrap(), 0);
    let later = now + 11 * 366 * 86_400;
    assert_eq!(app.store.purge_retained_notes(sangdam_domain::retention::note_cutoff(later, 10)).await.unwrap(), 1);
    assert!(app.store.note(&signed).await.unwrap().is_none());
    assert!(app.store.note_versions(&signed).await.unwrap().is_empty());
});

db_test!(a_summary_saved_twenty_times_at_once_is_one_summary_and_one_mail, async |app: &TestApp| {
    let (counselor, counselor_id) = staff(app, Role::Counselor, "burst-summary@example.com").await;
    let (_, client_id) = app.signed_in(Role::Client, "burst-summary-client@example.com").await;
    let (other, _) = staff(app, Role::Counselor, "other-summary@example.com").await;
    let appointment = past_appointment(app, &counselor_id, &client_id, 600).await;
    let path = format!("/counselor/appointments/{appointment}/summary");
    let fields = [("summary", "함께 정리한 내용"), ("homework", "하루 한 번 산책")];
    assert_eq!(app.post(&other, &path, &fields).await.status(), 404, "another counselor's appointment");
    let saves = (0..20).map(|_| app.post(&counselor, &path, &fields));
    let statuses: Vec<u16> = futures_util::future::join_all(saves).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 303), "none fails: {statuses:?}");
    assert!(app.store.summary_for_appointment(&appointment).await.unwrap().is_some());
    let told = app.mails_to("burst-summary-client@example.com").await;
    assert_eq!(told.iter().filter(|m| m.subject.contains("요약")).count(), 1, "the client is told once");
    assert_eq!(crate::records::audited_count(app, "summary.save").await, 20);
    // A save whose entry cannot be written changes nothing.
    app.break_audit_log(true).await;
    let changed = [("summary", "기록되지 않을 내용"), ("homework", "")];
    assert_eq!(app.post(&counselor, &path, &changed).await.status(), 500);
    app.break_audit_log(false).await;
    let (_, page) = app.get_html(&counselor, &path).await;
    assert!(page.contains("함께 정리한 내용") && !page.contains("기록되지 않을 내용"));
});

db_test!(admins_set_the_retention_rules, async |app: &TestApp| {
    let (admin, _) = staff(app, Role::Admin, "ret-admin@example.com").await;
    let (status, page) = app.get_html(&admin, "/admin/retention").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"10\"") && page.contains("value=\"30\""), "the defaults");
    let r = app.post(&admin, "/admin/retention", &[("years", "0"), ("days", "99999")]).await;
    assert_eq!(r.status(), 422);
    assert!(app.store.center_setting("retention_signed_note_years").await.unwrap().is_none(), "nothing saved");
    assert_eq!(app.post(&admin, "/admin/retention", &[("years", "5"), ("days", "7")]).await.status(), 303);
    assert_eq!(app.store.center_setting("retention_signed_note_years").await.unwrap(), Some(5));
    assert_eq!(app.store.center_setting("recording_retention_days").await.unwrap(), Some(7));
    assert!(crate::records::audited_count(app, "admin.retention").await >= 1);
    // Clients are told the rule in force before they delete their account.
    let (client, _) = app.signed_in(Role::Client, "ret-client@example.com").await;
    let (_, page) = app.get_html(&client, "/portal/delete").await;
    assert!(page.contains("5년"), "{page}");
    // Only admins set them.
    let (counselor, _) = staff(app, Role::Counselor, "ret-counselor@example.com").await;
    assert_eq!(app.post(&counselor, "/admin/retention", &[("years", "1"), ("days", "1")]).await.status(), 403);
});

db_test!(retention_rules_whose_audit_entry_fails_stay_as_they_were, async |app: &TestApp| {
    let (admin, _) = staff(app, Role::Admin, "ret-broken@example.com").await;
    assert_eq!(app.post(&admin, "/admin/retention", &[("years", "5"), ("days", "7")]).await.status(), 303);
    app.break_audit_log(true).await;
    assert_eq!(app.post(&admin, "/admin/retention", &[("years", "20"), ("days", "365")]).await.status(), 500);
    app.break_audit_log(false).await;
    assert_eq!(app.store.center_setting("retention_signed_note_years").await.unwrap(), Some(5), "neither changed");
    assert_eq!(app.store.center_setting("recording_retention_days").await.unwrap(), Some(7));
    // A whole number out of range and a word are refused alike, each with its message.
    let r = app.post(&admin, "/admin/retention", &[("years", "열"), ("days", "0")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("1~50") || page.contains("1부터 50"), "{page}");
    assert_eq!(crate::records::audited_count(app, "admin.retention").await, 1);
});

db_test!(deleting_an_account_cancels_what_is_booked_and_forgets_the_name, async |app: &TestApp| {
    let counselor_id = crate::booking::counselor(app, "del-counselor@example.com", |_| {}).await;
    let (client, client_id) = app.signed_in(Role::Client, "leaving@example.com").await;
    let name = app.store.user_by_id(&client_id).await.unwrap().unwrap().display_name.to_string();
    // A future session (mails naming the client, reminders pending), a message, a group room.
    let start = crate::booking::listed_slots(app, &client, &counselor_id).await[0];
    assert_eq!(crate::booking::book(app, &client, &counselor_id, start, &[]).await.status(), 303);
    let booked = crate::booking::appointments_of(app, &counselor_id).await.remove(0);
    assert_eq!(
        app.post(&client, &format!("/messages/{counselor_id}"), &[("text", "다음 주에 봬요")]).await.status(),
        303
    );
    let named = |mails: Vec<sangdam_store::MailRecord>| mails.iter().filter(|m| m.body.contains(&name)).count();
    assert!(named(app.mails_to("del-counselor@example.com").await) >= 2, "the notices name the client");
    let room = sangdam_domain::ids::encode_random(&sangdam_web::crypto::random::<16>());
    app.store.create_room(&room, &counselor_id, "", app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    app.store
        .add_room_member(
            &room,
            &client_id,
            sangdam_store::MemberRole::Guest,
            app.clock.now(),
            &sangdam_store::Effects::default(),
        )
        .await
        .unwrap();
    app.store.decide_admission(&room, &client_id, true, app.clock.now()).await.unwrap();
    app.store.record_room_event(&room, &client_id, "join", app.clock.now()).await.unwrap();

    let r = app.post(&client, "/portal/delete", &[("password", PASSWORD), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    let a = app.store.appointment(&booked.id).await.unwrap().unwrap();
    assert_eq!(a.status, AppointmentStatus::Cancelled, "the future session is cancelled");
    let mails = app.mails_to("del-counselor@example.com").await;
    let notice = mails.iter().find(|m| m.subject.contains("내담자 탈퇴")).expect("the counselor is told");
    assert!(!notice.body.contains(&name));
    assert_eq!(named(mails), 0, "no mail in the outbox names the client any more");
    let pending = app.store.list_jobs(sangdam_store::JobStatus::Pending, 100).await.unwrap();
    assert!(pending.iter().all(|j| !j.payload.contains(&booked.id)), "no reminder waits for it");
    assert!(app.store.room_member(&room, &client_id).await.unwrap().is_none(), "no membership left");
    assert!(app.store.room_events(&room).await.unwrap().is_empty(), "no presence left");
    assert!(crate::records::audited_count(app, "account.delete").await >= 1);
});

// Bookings that arrive while the account is being deleted: the deletion cancels what it finds
// and every booking after it finds no active account, so none outlives the account.
db_test!(bookings_racing_a_deletion_leave_no_session_behind, async |app: &TestApp| {
    let (_, counselor_id) = staff(app, Role::Counselor, "race-del-counselor@example.com").await;
    let client_id = app.create_user(Role::Client, "race-del-client@example.com").await;
    let now = app.clock.now();
    let bookings = (0..20).map(|i| {
        let id = sangdam_domain::ids::encode_random(&sangdam_web::crypto::random::<16>());
        let starts_at = now + 86_400 * (2 + i);
        let a = NewAppointment {
            id,
            counselor_id: counselor_id.clone(),
            client_id: client_id.clone(),
            kind: SessionKind::Video,
            price: Money::from_minor(50_000, Currency::Krw).unwrap(),
            starts_at,
            ends_at: starts_at + 3000,
            status: AppointmentStatus::Confirmed,
            reason: None,
            first_time: false,
            series_id: None,
        };
        async move { app.store.book(&[a], now, None, &sangdam_store::Effects::default()).await }
    });
    let deletion = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        app.store
            .delete_client_account(&client_id, "race-del-client@example.com", "key", now, &Default::default())
            .await
            .unwrap()
    };
    let (results, deleted) = tokio::join!(futures_util::future::join_all(bookings), deletion);
    let refused = results.iter().filter(|r| matches!(r, Err(sangdam_store::StoreError::NotFound))).count();
    assert!(results.iter().all(|r| r.is_ok() || matches!(r, Err(sangdam_store::StoreError::NotFound))));
    let holding = app
        .store
        .client_appointments(&client_id, now, true)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.status.holds_time())
        .count();
    assert_eq!(holding, 0, "{} cancelled by the deletion, {refused} refused after it", deleted.cancelled);
    let late = NewAppointment {
        id: "after-deletion".into(),
        counselor_id: counselor_id.clone(),
        client_id: client_id.clone(),
        kind: SessionKind::Video,
        price: Money::from_minor(50_000, Currency::Krw).unwrap(),
        starts_at: now + 86_400 * 30,
        ends_at: now + 86_400 * 30 + 3000,
        status: AppointmentStatus::Confirmed,
        reason: None,
        first_time: false,
        series_id: None,
    };
    let err = app.store.book(&[late], now, None, &sangdam_store::Effects::default()).await.unwrap_err();
    assert!(matches!(err, sangdam_store::StoreError::NotFound), "{err:?}");
});
