//! Counselors' own forms: the builder with bad specs refused, assignment as intake and every N
//! sessions, the client filling a form in (bad answers refused, nothing stored), PHQ-9 requested
//! on a schedule, and the answers on the staff record.

use sangdam_domain::Role;

use crate::aftercare::past_appointment;
use crate::db_test;
use crate::helpers::{TestApp, between};
use crate::records::{client_of, staff};

db_test!(forms_are_built_assigned_and_filled_in, async |app: &TestApp| {
    let (counselor, counselor_id) = staff(app, Role::Counselor, "f-counselor@example.com").await;
    let (_, page) = app.get_html(&counselor, "/counselor/forms/new").await;
    let id = between(&page, "action=\"/counselor/forms/", "\"").unwrap();
    let path = format!("/counselor/forms/{id}");
    // "Add a question" brings the form back with one more row.
    let r = app
        .post(&counselor, &path, &[("rows", "1"), ("title", "초기 질문지"), ("q0_label", "이름"), ("action", "add")])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("name=\"q1_label\""));
    let mut fields = vec![
        ("rows", "3"),
        ("title", "초기 질문지"),
        ("q0_label", "오신 이유"),
        ("q0_kind", "short_text"),
        ("q0_required", "yes"),
        ("q1_label", "상담 경험"),
        ("q1_kind", "single"),
        ("q1_options", "처음입니다"),
        ("q2_label", "지금 힘든 정도"),
        ("q2_kind", "scale"),
        ("action", "save"),
    ];
    // A choice with one option is refused, with the typed form back.
    let r = app.post(&counselor, &path, &fields).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("처음입니다"));
    assert!(app.store.form(&id).await.unwrap().is_none());
    fields[7] = ("q1_options", "처음입니다\n해 본 적 있습니다");
    assert_eq!(app.post(&counselor, &path, &fields).await.status(), 303);

    // Intake: this form; every 2 sessions: PHQ-9.
    let counselor_ref = &counselor;
    let assign = |form: String, mode: &'static str, every: &'static str| async move {
        let fields = [("form", form.as_str()), ("mode", mode), ("every", every)];
        app.post(counselor_ref, "/counselor/forms/assignments", &fields).await.status()
    };
    assert_eq!(assign(format!("form:{id}"), "intake", "").await, 303);
    assert_eq!(assign(format!("form:{id}"), "intake", "").await, 409);
    assert_eq!(assign("phq9".into(), "every", "99").await, 422);
    assert_eq!(assign("form:someone-elses".into(), "intake", "").await, 422);
    assert_eq!(assign("phq9".into(), "every", "2").await, 303);

    // Booking asks for the intake form, by mail and in the portal.
    let (client, client_id) = client_of(app, &counselor_id, "f-client@example.com").await;
    assert!(app.mails_to("f-client@example.com").await.iter().any(|m| m.subject.contains("양식")));
    let (_, portal) = app.get_html(&client, "/portal").await;
    let request = between(&portal, "href=\"/forms/requests/", "\"").expect("the request is listed");
    let fill = format!("/forms/requests/{request}");
    let (status, form) = app.get_html(&client, &fill).await;
    assert_eq!(status, 200);
    assert!(form.contains("오신 이유") && form.contains("해 본 적 있습니다"));
    // A missing required answer and a forged choice are refused; nothing is stored.
    let r = app.post(&client, &fill, &[("a1", "7"), ("a2", "4")]).await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.contains("답해 주세요") || text.contains("answer"), "{text}");
    assert!(app.store.client_form_responses(&client_id).await.unwrap().is_empty());
    let long = "가".repeat(201);
    assert_eq!(app.post(&client, &fill, &[("a0", &long)]).await.status(), 422);
    // Twenty submissions at once (a double click, a second tab, a flaky network): one is
    // stored, with its one audit entry, and the others are told it was answered.
    let answers = [("a0", "잠을 못 자요"), ("a1", "1"), ("a2", "6")];
    let sends = (0..20).map(|_| app.post(&client, &fill, &answers));
    let mut statuses: Vec<u16> =
        futures_util::future::join_all(sends).await.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [[303].as_slice(), &[409; 19]].concat(), "one answer wins");
    assert_eq!(app.post(&client, &fill, &[("a0", "두 번")]).await.status(), 409);
    let stored = app.store.client_form_responses(&client_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(crate::records::audited_count(app, "form.answer").await, 1, "one audit entry, with the answer");
    assert!(!String::from_utf8_lossy(&stored[0].answers).contains("잠을"), "sealed at rest");
    let (_, record) = app.get_html(&counselor, &format!("/clients/{client_id}")).await;
    assert!(record.contains("잠을 못 자요") && record.contains("해 본 적 있습니다") && record.contains("6 / 10"));
    // The client's own answers are in their data export, with the questions asked.
    let r = app.post(&client, "/portal/export", &[]).await;
    let export = crate::aftercare::unzip(&r.bytes().await.unwrap());
    let forms = export.split("== forms.json").nth(1).expect("forms.json in the export");
    assert!(forms.contains("오신 이유") && forms.contains("잠을 못 자요") && forms.contains("6 / 10"), "{forms}");
    // Editing the form later (the options swapped) does not change what the answer meant.
    fields[7] = ("q1_options", "해 본 적 있습니다\n처음입니다");
    assert_eq!(app.post(&counselor, &path, &fields).await.status(), 303);
    let (_, record) = app.get_html(&counselor, &format!("/clients/{client_id}")).await;
    let answers = between(&record, "<dl>", "</dl>").unwrap();
    assert!(answers.contains("해 본 적 있습니다") && !answers.contains("처음입니다"), "{answers}");

    // After the second completed session, PHQ-9 is asked for; answering it closes the request.
    for ago in [7 * 86_400, 600] {
        let a = past_appointment(app, &counselor_id, &client_id, ago).await;
        let r =
            app.post(&counselor, &format!("/counselor/appointments/{a}/outcome"), &[("outcome", "completed")]).await;
        assert_eq!(r.status(), 303);
    }
    let open = app.store.open_form_requests(&client_id).await.unwrap();
    assert_eq!(open.iter().map(|r| r.form_ref.as_str()).collect::<Vec<_>>(), vec!["phq9"]);
    // Run again after a crash between the request and its mail (the mail never queued): the mail
    // goes once, the request stays one, and a later session does not change which one it is.
    let key = format!("form-request:{}", open[0].id);
    sangdam_store::on_backend!(&app.store, |pool| {
        sqlx::query("DELETE FROM mail_outbox WHERE idempotency_key = $1").bind(&key).execute(pool).await.unwrap();
    });
    let all = app.store.client_appointments(&client_id, 0, true).await.unwrap();
    let second = all.iter().rfind(|a| a.status == sangdam_domain::booking::AppointmentStatus::Completed).unwrap();
    let person = app.store.user_by_id(&client_id).await.unwrap().unwrap();
    let state = app.state.as_ref().unwrap();
    for _ in 0..2 {
        sangdam_web::form_requests::request_scheduled(state, second, &person).await.unwrap();
    }
    let queued: i64 = sangdam_store::on_backend!(&app.store, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key = $1")
            .bind(&key)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(queued, 1, "the missing mail is sent once");
    assert_eq!(app.store.open_form_requests(&client_id).await.unwrap().len(), 1);
    let (_, portal) = app.get_html(&client, "/portal").await;
    assert!(portal.contains("href=\"/questionnaires/phq9\""));
    crate::questionnaires::submit(app, &client, "phq9", &crate::questionnaires::answers(&[1, 1, 1, 1, 0, 0, 0, 0, 0]))
        .await;
    assert!(app.store.open_form_requests(&client_id).await.unwrap().is_empty());

    // Two more sessions, marked completed out of order (the later first): the fourth completed
    // session still brings PHQ-9 again.
    let third = past_appointment(app, &counselor_id, &client_id, 3 * 86_400).await;
    let fourth = past_appointment(app, &counselor_id, &client_id, 86_400).await;
    for a in [&fourth, &third] {
        let r =
            app.post(&counselor, &format!("/counselor/appointments/{a}/outcome"), &[("outcome", "completed")]).await;
        assert_eq!(r.status(), 303);
    }
    let open = app.store.open_form_requests(&client_id).await.unwrap();
    assert_eq!(open.iter().map(|r| r.form_ref.as_str()).collect::<Vec<_>>(), vec!["phq9"], "asked after session 4");
});

/// A form posted with one short question.
fn one_question(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("rows", "1".into()),
        ("title", title.into()),
        ("q0_label", "오늘 기분은 어떠세요?".into()),
        ("q0_kind", "short_text".into()),
        ("action", "save".into()),
    ]
}

db_test!(new_forms_saved_at_once_stop_at_the_limit_each_with_its_audit_entry, async |app: &TestApp| {
    use sangdam_domain::limits::MAX_FORMS;
    let (counselor, counselor_id) = staff(app, Role::Counselor, "many-forms@example.com").await;
    let spec = sangdam_domain::form::FormSpec::new(
        "미리 만든 양식",
        vec![sangdam_domain::form::Question {
            label: "질문".into(),
            kind: sangdam_domain::form::QuestionKind::ShortText,
            required: false,
        }],
    )
    .unwrap()
    .to_json();
    let none = sangdam_store::Effects::default();
    for n in 0..MAX_FORMS - 5 {
        assert!(app.store.save_form(&format!("held{n}"), &counselor_id, &spec, MAX_FORMS, 0, &none).await.unwrap());
    }
    // Twenty new forms at once: five fit.
    let saves = (0..20).map(|n| {
        let counselor = &counselor;
        async move {
            let fields = one_question(&format!("한꺼번에 {n}"));
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.post(counselor, &format!("/counselor/forms/burst{n}"), &form).await;
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(saves).await;
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 303).count(),
        5,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    for (status, body) in &answers {
        if *status != 303 {
            assert_eq!(*status, 422);
            assert!(body.contains(&format!("양식은 한 사람이 {MAX_FORMS}개까지")), "the refusal says why");
            assert!(body.contains("오늘 기분은 어떠세요?"), "the typed form comes back");
        }
    }
    assert_eq!(app.store.counselor_forms(&counselor_id).await.unwrap().len(), MAX_FORMS);
    assert_eq!(crate::records::audited_count(app, "form.save").await, 5);
    // Editing one of them still works at the limit.
    let fields = one_question("고친 양식");
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post(&counselor, "/counselor/forms/held0", &form).await.status(), 303);
    assert!(app.store.form("held0").await.unwrap().unwrap().spec.contains("고친 양식"));
});

db_test!(a_form_and_its_assignments_are_changed_only_by_their_counselor, async |app: &TestApp| {
    let (owner, _) = staff(app, Role::Counselor, "form-owner@example.com").await;
    let (other, _) = staff(app, Role::Counselor, "form-other@example.com").await;
    let (supervisor, _) = staff(app, Role::Supervisor, "form-supervisor@example.com").await;
    let fields = one_question("내 양식");
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The same new form saved twenty times at once is one form.
    let saves = (0..20).map(|_| app.post(&owner, "/counselor/forms/mine", &form));
    let statuses: Vec<u16> = futures_util::future::join_all(saves).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    // Another counselor can neither overwrite it nor assign it; a supervisor keeps no forms.
    let theirs = one_question("덮어쓰기");
    let theirs: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post(&other, "/counselor/forms/mine", &theirs).await.status(), 404);
    assert_eq!(app.post(&supervisor, "/counselor/forms/mine", &theirs).await.status(), 403);
    assert!(app.store.form("mine").await.unwrap().unwrap().spec.contains("내 양식"));
    let assign = [("form", "form:mine"), ("mode", "intake"), ("every", "")];
    assert_eq!(app.post(&other, "/counselor/forms/assignments", &assign).await.status(), 422);
    // The owner's assignment, pressed twenty times at once, is one assignment.
    let presses = (0..20).map(|_| app.post(&owner, "/counselor/forms/assignments", &assign));
    let statuses: Vec<u16> =
        futures_util::future::join_all(presses).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 409), "{statuses:?}");
    assert_eq!(crate::records::audited_count(app, "form.assign").await, 1);
    let (_, page) = app.get_html(&owner, "/counselor/forms").await;
    let id = between(&page, "action=\"/counselor/forms/assignments/", "/delete\"").expect("the assignment is listed");
    let delete = format!("/counselor/forms/assignments/{id}/delete");
    assert_eq!(app.post(&other, &delete, &[]).await.status(), 404);
    assert_eq!(app.post(&owner, &delete, &[]).await.status(), 303);
    assert_eq!(app.post(&owner, &delete, &[]).await.status(), 404);
    assert_eq!(crate::records::audited_count(app, "form.unassign").await, 1);
});

db_test!(a_form_whose_audit_entry_fails_is_not_saved, async |app: &TestApp| {
    let (owner, owner_id) = staff(app, Role::Counselor, "form-broken-audit@example.com").await;
    let fields = one_question("기록 안 되는 양식");
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.break_audit_log(true).await;
    assert_eq!(app.post(&owner, "/counselor/forms/unlogged", &form).await.status(), 500);
    let assign = [("form", "phq9"), ("mode", "intake"), ("every", "")];
    assert_eq!(app.post(&owner, "/counselor/forms/assignments", &assign).await.status(), 500);
    app.break_audit_log(false).await;
    assert!(app.store.form("unlogged").await.unwrap().is_none());
    assert!(app.store.assignments(&owner_id).await.unwrap().is_empty());
});
