//! PHQ-9 and GAD-7 in the client portal: scoring and bands over HTTP, the item-9 risk alert
//! reaching the client's counselor and the supervisors (and no one else), the crisis lines, the
//! chart, and bad answers refused with nothing stored.

use sangdam_domain::Role;
use sangdam_domain::questionnaire::Band;
use sangdam_store::{Store, on_backend};

use crate::booking::{book, counselor, listed_slots};
use crate::db_test;
use crate::helpers::TestApp;

/// What a stored response scores, from its sealed answers (as the product computes it).
fn scores(app: &TestApp, stored: &[sangdam_store::ResponseRecord]) -> Vec<(u8, Band, bool)> {
    stored
        .iter()
        .map(|r| {
            let answers =
                app.keys.open_at(&sangdam_store::sealed::QUESTIONNAIRE_ANSWERS, &[&r.id], &r.answers).unwrap();
            let s = r.instrument.score(&answers).unwrap();
            (s.total, s.band, s.risk)
        })
        .collect()
}

async fn open_alerts(app: &TestApp) -> usize {
    app.store.open_risk_flags().await.unwrap().len()
}

pub fn answers(values: &[u8]) -> Vec<(String, String)> {
    values.iter().enumerate().map(|(i, v)| (format!("i{}", i + 1), v.to_string())).collect()
}

pub async fn submit(app: &TestApp, client: &reqwest::Client, name: &str, fields: &[(String, String)]) -> (u16, String) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post(client, &format!("/questionnaires/{name}"), &fields).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

db_test!(a_risk_answer_alerts_the_counselor_and_supervisors, async |app: &TestApp| {
    let mine = counselor(app, "q-counselor@example.com", |_| {}).await;
    counselor(app, "q-other@example.com", |_| {}).await;
    app.create_user(Role::Supervisor, "q-supervisor@example.com").await;
    let (client, client_id) = app.signed_in(Role::Client, "q-client@example.com").await;
    let start = listed_slots(app, &client, &mine).await[0];
    assert_eq!(book(app, &client, &mine, start, &[]).await.status(), 303);

    // Only item 9 is above 0: a minimal total, and still a risk.
    let (status, page) = submit(app, &client, "phq9", &answers(&[0, 0, 0, 0, 0, 0, 0, 0, 1])).await;
    assert_eq!(status, 200);
    assert!(page.contains("109") && page.contains("1577-0199"), "the crisis lines are shown at once");
    let stored = app.store.client_responses(&client_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(scores(app, &stored), vec![(1, Band::Minimal, true)]);
    assert_eq!(open_alerts(app).await, 1);

    for to in ["q-counselor@example.com", "q-supervisor@example.com"] {
        let mut mails = app.mails_to(to).await;
        mails.retain(|m| m.subject.contains("위기 알림") || m.subject.contains("risk alert"));
        assert_eq!(mails.len(), 1, "{to} is alerted");
        assert!(
            mails[0].subject.contains("위기 알림") || mails[0].subject.contains("risk alert"),
            "{}",
            mails[0].subject
        );
        assert!(!mails[0].body.contains("q-client"), "the mail names no client");
    }
    let other = app.mails_to("q-other@example.com").await;
    assert!(other.iter().all(|m| !m.subject.contains("위기 알림")), "another counselor is not alerted");

    // The counselor (with two-factor sign-in) sees the alert on the dashboard and attends to it.
    let staff = crate::helpers::new_client();
    assert_eq!(app.signin(&staff, "q-counselor@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&staff).await;
    let (_, dashboard) = app.get_html(&staff, "/dashboard").await;
    let alert = crate::helpers::between(&dashboard, "data-alert=\"", "\"").expect("the alert is listed");
    let r = app.post(&staff, &format!("/risk-alerts/{alert}/acknowledge"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(open_alerts(app).await, 0);

    // No risk, no alert.
    let (status, page) = submit(app, &client, "phq9", &answers(&[2, 2, 2, 2, 2, 1, 1, 1, 0])).await;
    assert_eq!(status, 200);
    assert!(!page.contains("1577-0199"));
    assert_eq!(open_alerts(app).await, 0);
    assert_eq!(app.mails_to("q-supervisor@example.com").await.len(), 1);
});

db_test!(gad7_is_scored_banded_and_charted, async |app: &TestApp| {
    let (client, client_id) = app.signed_in(Role::Client, "gad@example.com").await;
    let (status, page) = submit(app, &client, "gad7", &answers(&[1, 2, 0, 1, 2, 0, 1])).await;
    assert_eq!(status, 200);
    assert!(page.contains("7") && (page.contains("경도") || page.contains("mild")), "{page}");
    app.clock.advance(10 * 60);
    submit(app, &client, "gad7", &answers(&[3, 3, 3, 3, 3, 0, 0])).await;
    let stored = app.store.client_responses(&client_id).await.unwrap();
    let got: Vec<(u8, Band)> = scores(app, &stored).into_iter().map(|(t, b, _)| (t, b)).collect();
    assert_eq!(got, vec![(7, Band::Mild), (15, Band::Severe)]);
    // The answers are sealed at rest.
    assert_ne!(stored[0].answers, vec![1, 2, 0, 1, 2, 0, 1]);
    let (_, list) = app.get_html(&client, "/questionnaires").await;
    assert!(list.contains("<svg class=\"score-chart\""));
    assert_eq!(list.matches("<circle").count(), 2, "one point per response");
    // The chart has a scale: 0, each band's start, the maximum (21 for GAD-7), and its dates.
    let chart = crate::helpers::between(&list, "<svg class=\"score-chart\"", "</svg>").unwrap();
    for tick in [">0</text>", ">5</text>", ">10</text>", ">15</text>", ">21</text>"] {
        assert!(chart.contains(tick), "{tick} on the score axis");
    }
    assert!(chart.contains("aria-label=\"") && chart.matches("/").count() >= 1, "named, with a date");
});

db_test!(bad_answers_are_refused_and_nothing_is_stored, async |app: &TestApp| {
    let (client, client_id) = app.signed_in(Role::Client, "bad-q@example.com").await;
    let (status, page) = submit(app, &client, "phq9", &answers(&[0, 0, 0, 0, 0, 0, 0, 0])).await;
    assert_eq!(status, 422);
    assert!(page.contains("모든 질문에 답해 주세요"), "a clear message");
    assert_eq!(submit(app, &client, "phq9", &answers(&[0, 0, 0, 0, 4, 0, 0, 0, 0])).await.0, 422);
    assert_eq!(submit(app, &client, "phq9", &answers(&[0, 0, 0, 0, 0, 0, 0, 0, 255])).await.0, 422);
    let mut forged = answers(&[0; 9]);
    forged[3].1 = "-1".into();
    assert_eq!(submit(app, &client, "phq9", &forged).await.0, 422);
    assert_eq!(submit(app, &client, "phq2", &answers(&[0; 9])).await.0, 404);
    assert!(app.store.client_responses(&client_id).await.unwrap().is_empty());
    // Questionnaires are the client's own: staff cannot submit one.
    let (staff, _) = app.signed_in(Role::Counselor, "bad-q-staff@example.com").await;
    assert_eq!(submit(app, &staff, "phq9", &answers(&[0; 9])).await.0, 403);
});

/// What a copy of the database shows of questionnaires and alerts: no score, band or risk, and no
/// alert that names a client.
async fn clear_text_of_risk(store: &Store) -> (i64, i64, i64) {
    on_backend!(store, |pool| {
        let risky: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM questionnaire_responses WHERE risk OR total <> 0 OR band <> 'minimal'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let legacy: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risk_alerts").fetch_one(pool).await.unwrap();
        let flags: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risk_flags").fetch_one(pool).await.unwrap();
        (risky, legacy, flags)
    })
}

db_test!(scores_and_alerts_reveal_nothing_at_rest_and_repeat_answers_alert_once, async |app: &TestApp| {
    let mine = counselor(app, "s-counselor@example.com", |_| {}).await;
    let (client, client_id) = app.signed_in(Role::Client, "s-client@example.com").await;
    let start = listed_slots(app, &client, &mine).await[0];
    assert_eq!(book(app, &client, &mine, start, &[]).await.status(), 303);
    // Twelve risk answers, all at once.
    let token = app.csrf(&client).await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (c, token, url) = (client.clone(), token.clone(), app.url("/questionnaires/phq9"));
        tasks.push(tokio::spawn(async move {
            let mut fields = answers(&[3, 3, 3, 3, 3, 3, 3, 3, 3]);
            fields.push(("csrf".into(), token));
            c.post(url).form(&fields).send().await.unwrap().text().await.unwrap()
        }));
    }
    for t in tasks {
        let page = t.await.unwrap();
        assert!(page.contains("109"), "every answer shows the crisis lines");
    }
    assert_eq!(open_alerts(app).await, 1, "one open alert for the client");
    let risk_mails =
        app.mails_to("s-counselor@example.com").await.iter().filter(|m| m.subject.contains("위기 알림")).count();
    assert_eq!(risk_mails, 1, "mailed once, not twelve times");
    // At rest: no score, band or risk in clear, and the alert names nobody.
    assert_eq!(clear_text_of_risk(&app.store).await, (0, 0, 1));
    let flag = &app.store.open_risk_flags().await.unwrap()[0];
    assert!(!flag.sealed.windows(client_id.as_str().len()).any(|w| w == client_id.as_str().as_bytes()));
    assert_eq!(scores(app, &app.store.client_responses(&client_id).await.unwrap()).len(), 12);
});

db_test!(an_alert_with_nobody_to_reach_says_so_and_goes_to_admins_and_on_call, async |app: &TestApp| {
    // No counselor, no supervisor, no admin yet: the client is told nobody can be reached now.
    let (client, _) = app.signed_in(Role::Client, "alone@example.com").await;
    let (_, page) = submit(app, &client, "phq9", &answers(&[0, 0, 0, 0, 0, 0, 0, 0, 2])).await;
    assert!(page.contains("바로 알림을 받을 수 있는 사람이 없습니다"), "{page}");
    assert!(!page.contains("담당 상담사에게 알렸으며"));
    assert!(page.contains("109"));
    // With an admin: the admin is mailed (no name, no answer) and the client told the center knows.
    app.create_user(Role::Admin, "ops@example.com").await;
    let (other, _) = app.signed_in(Role::Client, "alone2@example.com").await;
    let (_, page) = submit(app, &other, "phq9", &answers(&[0, 0, 0, 0, 0, 0, 0, 0, 2])).await;
    assert!(page.contains("상담 센터에 알렸습니다"), "{page}");
    let mails = app.mails_to("ops@example.com").await;
    assert_eq!(mails.iter().filter(|m| m.subject.contains("담당자가 없는")).count(), 1);
    assert!(mails.iter().all(|m| !m.body.contains("alone2")));
});

db_test!(alerts_written_before_sealing_are_sealed_at_start, async |app: &TestApp| {
    let (client, client_id) = app.signed_in(Role::Client, "legacy@example.com").await;
    submit(app, &client, "gad7", &answers(&[0, 0, 0, 0, 0, 0, 0])).await;
    let response = app.store.client_responses(&client_id).await.unwrap().remove(0).id;
    // An alert as the earlier version wrote it.
    on_backend!(&app.store, |pool| {
        sqlx::query("INSERT INTO risk_alerts (id, response_id, client_id, created_at) VALUES ('old1', $1, $2, 1)")
            .bind(&response)
            .bind(client_id.as_str())
            .execute(pool)
            .await
            .unwrap();
    });
    // What a server does when it starts.
    let moved = sangdam_web::server::seal_legacy_alerts(app.state.as_ref().unwrap()).await.unwrap();
    assert_eq!(moved, 1);
    assert_eq!(clear_text_of_risk(&app.store).await.1, 0, "nothing left in clear");
    assert_eq!(open_alerts(app).await, 1, "the alert is still open, sealed");
});

/// The configured on-call address hears of an alert nobody in the product can see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_on_call_address_is_mailed_when_no_staff_can_see_an_alert() {
    let app = crate::helpers::TestApp::spawn(crate::helpers::Db::Sqlite, |c| {
        c.on_call_emails = vec![sangdam_domain::Email::parse("on-call@example.com").unwrap()];
    })
    .await;
    let (client, _) = app.signed_in(Role::Client, "night@example.com").await;
    let (_, page) = submit(&app, &client, "phq9", &answers(&[0, 0, 0, 0, 0, 0, 0, 0, 1])).await;
    assert!(page.contains("상담 센터에 알렸습니다"), "{page}");
    let mails = app.mails_to("on-call@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(!mails[0].body.contains("night"), "the mail names no one");
    app.finish().await;
}
