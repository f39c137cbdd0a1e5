//! The one lease-based queue under the jobs and the mail outbox, attacked the way a busy server
//! would: many workers claiming at once, a worker that dies holding a lease, rows written
//! straight into the database.

use sangdam_store::{JobStatus, MailStatus, NewMail, on_backend};

use crate::db_test;
use crate::helpers::TestApp;

/// Jobs due only on a clock far ahead of the server's, so its own worker never takes them.
const AHEAD: i64 = 10 * 365 * 86_400;

db_test!(forty_workers_at_once_claim_each_due_job_once, async |app: &TestApp| {
    let now = app.clock.now() + AHEAD;
    for i in 0..50 {
        app.store
            .schedule_job(&format!("burst-{i}"), "no-such-kind", "{}", &format!("burst:{i}"), now, now)
            .await
            .unwrap();
    }
    let claims = (0..40).map(|_| {
        let store = app.store.clone();
        tokio::spawn(async move { store.claim_due_jobs(now, now + 120, 5).await.unwrap() })
    });
    let mut ids = Vec::new();
    for claim in claims {
        ids.extend(claim.await.unwrap().into_iter().map(|j| j.id));
    }
    let claimed = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((claimed, ids.len()), (50, 50), "every job claimed, none twice");
    // And one job asked for by its id by twenty requests at once runs once.
    app.store.schedule_job("one", "no-such-kind", "{}", "burst:one", now, now).await.unwrap();
    let claims = (0..20).map(|_| {
        let store = app.store.clone();
        tokio::spawn(async move { store.claim_job("one", now, now + 120).await.unwrap().is_some() })
    });
    let mut won = 0;
    for claim in claims {
        won += usize::from(claim.await.unwrap());
    }
    assert_eq!(won, 1);
});

db_test!(a_lease_held_by_a_dead_worker_lapses_and_only_then_is_claimed_again, async |app: &TestApp| {
    let now = app.clock.now() + AHEAD;
    app.store.schedule_job("held", "no-such-kind", "{}", "lease:held", now, now).await.unwrap();
    let first = app.store.claim_due_jobs(now, now + 120, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    // The worker that holds it dies here: nothing finishes or fails the job.
    assert!(app.store.claim_due_jobs(now + 119, now + 240, 10).await.unwrap().is_empty(), "still leased");
    assert!(app.store.claim_job("held", now + 119, now + 240).await.unwrap().is_none());
    let again = app.store.claim_due_jobs(now + 120, now + 240, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts, again[0].status), (1, 2, JobStatus::Running));
    app.store.finish_job("held", now + 130).await.unwrap();
    let done = app.store.list_jobs(JobStatus::Done, 10).await.unwrap();
    assert!(done.iter().any(|j| j.id == "held" && j.lease_until.is_none()));
    assert!(app.store.claim_due_jobs(now + 10_000, now + 10_120, 10).await.unwrap().is_empty(), "done stays done");
    // A job given up on is not claimed; an admin's retry makes it due again.
    app.store.schedule_job("given-up", "no-such-kind", "{}", "lease:given-up", now, now).await.unwrap();
    app.store.claim_job("given-up", now, now + 120).await.unwrap().unwrap();
    app.store.fail_job("given-up", "broken", None, now + 1).await.unwrap();
    assert!(app.store.claim_job("given-up", now + 10_000, now + 10_120).await.unwrap().is_none());
    assert!(app.store.retry_job("given-up", now + 20).await.unwrap());
    assert!(!app.store.retry_job("given-up", now + 20).await.unwrap(), "only a failed job is put back");
    assert!(app.store.claim_job("given-up", now + 20, now + 140).await.unwrap().is_some());
});

db_test!(the_outbox_sends_its_own_lane_and_the_database_refuses_an_unknown_one, async |app: &TestApp| {
    let now = app.clock.now() + AHEAD;
    let mail = NewMail {
        id: "lane-1",
        recipient: "lane@example.com",
        subject: "s",
        body: "b",
        idempotency_key: Some("lane:1"),
        attachment: None,
        sealed_body: None,
    };
    assert!(app.store.enqueue_mail_once(&mail, now, false).await.unwrap());
    let claimed = app.store.claim_due_mail(now, now + 60, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // A send that fails is retried on the backoff, then sent; a sent mail is never claimed again.
    let retry = sangdam_store::MAIL_BACKOFF.retry_at(claimed[0].attempts, now);
    assert_eq!(retry, Some(now + 60));
    app.store.mark_mail_failed("lane-1", "refused", retry, now).await.unwrap();
    assert!(app.store.claim_due_mail(now + 59, now + 119, 10).await.unwrap().is_empty());
    let again = app.store.claim_due_mail(now + 60, now + 120, 10).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    app.store.mark_mail_sent("lane-1", now + 61).await.unwrap();
    let sent = app.store.mail_by_id("lane-1").await.unwrap().unwrap();
    assert_eq!((sent.status, sent.sent_at, sent.last_error), (MailStatus::Sent, Some(now + 61), None));
    assert!(app.store.claim_due_mail(now + 10_000, now + 10_060, 10).await.unwrap().is_empty());
    // No sender serves a lane the outbox does not know, so the database takes none.
    let refused = on_backend!(&app.store, |pool| {
        sqlx::query("UPDATE mail_outbox SET channel = 'fax' WHERE id = 'lane-1'").execute(pool).await.map(|_| ())
    });
    assert!(refused.is_err(), "an unknown channel is refused by the database");
});
