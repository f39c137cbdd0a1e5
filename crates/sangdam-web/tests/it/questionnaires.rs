//! PHQ-9 and GAD-7 in the client portal: scoring and bands over HTTP, the item-9 risk alert
//! reaching the client's counselor and the supervisors (and no one else), the crisis lines, the
//! chart, and bad answers refused with nothing stored.

use sangdam_domain::Role;
use sangdam_domain::questionnaire::Band;

use crate::booking::{book, counselor, listed_slots};
use crate::db_test;
use crate::helpers::TestApp;

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
    assert_eq!((stored[0].total, stored[0].band, stored[0].risk), (1, Band::Minimal, true));
    assert_eq!(app.store.open_risk_alerts().await.unwrap().len(), 1);

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
    assert!(app.store.open_risk_alerts().await.unwrap().is_empty());

    // No risk, no alert.
    let (status, page) = submit(app, &client, "phq9", &answers(&[2, 2, 2, 2, 2, 1, 1, 1, 0])).await;
    assert_eq!(status, 200);
    assert!(!page.contains("1577-0199"));
    assert!(app.store.open_risk_alerts().await.unwrap().is_empty());
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
    assert_eq!(stored.iter().map(|r| (r.total, r.band)).collect::<Vec<_>>(), vec![(7, Band::Mild), (15, Band::Severe)]);
    // The answers are sealed at rest.
    assert_ne!(stored[0].answers, vec![1, 2, 0, 1, 2, 0, 1]);
    let (_, list) = app.get_html(&client, "/questionnaires").await;
    assert!(list.contains("<svg class=\"score-chart\""));
    assert_eq!(list.matches("<circle").count(), 2, "one point per response");
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
