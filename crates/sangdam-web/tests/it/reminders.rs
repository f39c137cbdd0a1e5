//! Reminders and the job queue: a reminder scheduled before a restart is sent once after it, over
//! a real SMTP conversation on loopback; the invitation's calendar file carries the right times;
//! a client who opts out gets no reminder; admins see the queue.

use sangdam_domain::Role;

use crate::booking::{counselor, listed_slots};
use crate::db_test;
use crate::helpers::{Db, TestApp};
use crate::smtp::{ReceivedMail, SmtpServer};

/// The decoded parts of a MIME mail, as `(content type, text)`.
fn parts(mail: &ReceivedMail) -> Vec<(String, String)> {
    let data = mail.data.replace("\r\n", "\n");
    let Some(boundary) = data.split("boundary=\"").nth(1).and_then(|b| b.split('"').next()) else {
        return vec![];
    };
    data.split(&format!("--{boundary}"))
        .skip(1)
        .filter_map(|part| {
            let (head, body) = part.split_once("\n\n")?;
            let content_type = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))?
                .split_once(':')?
                .1
                .trim()
                .to_owned();
            let text = if head.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
                let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(data_encoding::BASE64.decode(b64.as_bytes()).ok()?).ok()?
            } else {
                body.to_owned()
            };
            Some((content_type, text))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_arrives_once_across_restarts() {
    let smtp = SmtpServer::start().await;
    let smtp_config = smtp.config();
    let mut app = TestApp::spawn(Db::Sqlite, |c| {
        c.smtp = Some(smtp_config.clone());
        c.reminder_minutes = vec![60];
    })
    .await;
    let c = counselor(&app, "remind@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "sleepy@example.com").await;
    let start = listed_slots(&app, &client, &c).await[0];
    let r = app
        .post(
            &client,
            &format!("/counselors/{c}/book"),
            &[("kind", "video"), ("start", &start.to_string()), ("terms", "on")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The confirmations arrive with a calendar file that parses and carries the booked times.
    let got = smtp.wait_for(2).await;
    let booked = got.iter().find(|m| m.to == ["sleepy@example.com"]).unwrap();
    let parts = parts(booked);
    let (_, ics) = parts.iter().find(|(t, _)| t.starts_with("text/calendar")).expect("a calendar part");
    let ics = ics.replace("\r\n ", "").replace("\n ", "");
    let field = |name: &str| ics.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned())).unwrap();
    let dtstart: jiff::Timestamp = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", field("DTSTART:"))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
    assert_eq!(dtstart.as_second(), start);
    assert_eq!(
        field("DTEND:"),
        jiff::Timestamp::from_second(start + 50 * 60).unwrap().strftime("%Y%m%dT%H%M%SZ").to_string()
    );
    assert!(ics.contains("METHOD:REQUEST") && ics.starts_with("BEGIN:VCALENDAR"));

    // Restart between scheduling and the due time.
    app.restart().await;
    app.clock.advance(start - 60 * 60 - app.clock.now() + 5);
    let got = smtp.wait_for(4).await;
    let reminders: Vec<_> =
        got.iter().filter(|m| m.data.contains("Subject:") && !m.data.contains("text/calendar")).collect();
    assert_eq!(reminders.len(), 2, "one reminder to the client, one to the counselor");

    // Restart again after it was sent, and let time pass: nothing is sent twice.
    app.restart().await;
    app.clock.advance(120);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(smtp.wait_for(4).await.len(), 4, "the reminder was delivered once");
    app.finish().await;
}

db_test!(clients_may_opt_out_of_reminders, async |app: &TestApp| {
    // Two days' notice, so that both reminders (a day and an hour before) lie ahead.
    let c = counselor(app, "optout@example.com", |p| p.rules.min_notice_minutes = 48 * 60).await;
    let (client, _) = app.signed_in(Role::Client, "quiet@example.com").await;
    let (_, html) = app.get_html(&client, "/account/notifications").await;
    assert!(html.contains("id=\"reminders\" name=\"reminders\" checked"), "reminders are on by default");
    assert_eq!(app.post(&client, "/account/notifications/reminders", &[]).await.status(), 303);
    let start = listed_slots(app, &client, &c).await[0];
    let r = app
        .post(
            &client,
            &format!("/counselors/{c}/book"),
            &[("kind", "video"), ("start", &start.to_string()), ("terms", "on")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Admins see the two pending reminders (a day and an hour before).
    let (admin, _) = app.signed_in(Role::Admin, "ops@example.com").await;
    let (status, html) = app.get_html(&admin, "/admin/jobs").await;
    assert_eq!(status, 200);
    assert!(html.contains("대기 중: <strong>2</strong>"), "{html}");

    app.clock.advance(start - 60 * 60 - app.clock.now() + 5);
    let mut done = 0;
    for _ in 0..200 {
        done =
            app.store.job_counts().await.unwrap().into_iter().find(|(s, _)| s.as_str() == "done").map_or(0, |(_, n)| n);
        if done == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    // The booking's own job (its mails, written with it) and both reminders.
    assert_eq!(done, 3, "both reminder jobs ran");
    let reminder = |m: &sangdam_store::MailRecord| m.subject.contains("예약 알림");
    assert!(!app.mails_to("quiet@example.com").await.iter().any(reminder), "the client opted out");
    assert_eq!(
        app.mails_to("optout@example.com").await.iter().filter(|m| reminder(m)).count(),
        2,
        "the counselor did not"
    );
});

db_test!(failing_jobs_back_off_then_fail_and_admins_retry_them, async |app: &TestApp| {
    let now = app.clock.now();
    assert!(app.store.schedule_job("job-1", "no-such-kind", "{}", "test:1", now, now).await.unwrap());
    assert!(
        !app.store.schedule_job("job-2", "no-such-kind", "{}", "test:1", now, now).await.unwrap(),
        "same key: no second job"
    );
    // Each failure is retried later and later; after six runs the job is failed.
    let mut attempts = Vec::new();
    for _ in 0..1000 {
        let failed = app.store.list_jobs(sangdam_store::JobStatus::Failed, 10).await.unwrap();
        if let Some(j) = failed.first() {
            attempts.push(j.attempts);
            break;
        }
        if let Some(j) = app.store.list_jobs(sangdam_store::JobStatus::Pending, 10).await.unwrap().first() {
            // Waiting for its backoff: jump to it.
            if j.run_at > app.clock.now() {
                assert!(j.last_error.as_deref().is_some_and(|e| e.contains("unknown job kind")));
                attempts.push(j.attempts);
                app.clock.advance(j.run_at - app.clock.now());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    attempts.dedup();
    assert_eq!(attempts, vec![1, 2, 3, 4, 5, 6], "six runs, then failed");

    let (admin, _) = app.signed_in(Role::Admin, "jobs@example.com").await;
    let (status, html) = app.get_html(&admin, "/admin/jobs?status=failed").await;
    assert_eq!(status, 200);
    assert!(html.contains("no-such-kind") && html.contains("unknown job kind"));
    // A retry is one more run, at once.
    assert_eq!(app.post(&admin, "/admin/jobs/job-1/retry", &[]).await.status(), 303);
    let mut runs = 0;
    for _ in 0..200 {
        runs =
            app.store.list_jobs(sangdam_store::JobStatus::Failed, 10).await.unwrap().first().map_or(0, |j| j.attempts);
        if runs == 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(runs, 7, "the retried job ran once more and failed again");
    assert_eq!(app.post(&admin, "/admin/jobs/no-such-job/retry", &[]).await.status(), 404);
    assert_eq!(app.get(&admin, "/admin/jobs?status=bogus").await.status(), 400);
});
