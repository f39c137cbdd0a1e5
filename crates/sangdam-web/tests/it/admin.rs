//! The admin pages: user search, role changes, deactivation, the outbox and the audit log.

use sangdam_domain::Role;

use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, new_client};

async fn enrolled_admin(app: &TestApp) -> reqwest::Client {
    let (admin, _) = app.signed_in(Role::Admin, "admin@example.com").await;
    app.enroll_two_factor(&admin).await;
    admin
}

db_test!(admin_searches_users_and_changes_roles, async |app: &TestApp| {
    let admin = enrolled_admin(app).await;
    let counselor = app.create_user(Role::Client, "future.counselor@example.com").await;
    app.create_user(Role::Client, "someone@example.com").await;

    let (status, html) = app.get_html(&admin, "/admin/users?q=FUTURE").await;
    assert_eq!(status, 200);
    assert!(html.contains("future.counselor@example.com") && !html.contains("someone@example.com"));
    let (_, html) = app.get_html(&admin, "/admin/users?role=admin").await;
    assert!(html.contains("admin@example.com") && !html.contains("someone@example.com"));
    // LIKE wildcards in the search are taken literally.
    let (_, html) = app.get_html(&admin, "/admin/users?q=%25").await;
    assert!(!html.contains("someone@example.com"));

    let r = app.post(&admin, &format!("/admin/users/{counselor}/role"), &[("role", "counselor")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.store.user_by_id(&counselor).await.unwrap().unwrap().role, Role::Counselor);
    let r = app.post(&admin, &format!("/admin/users/{counselor}/role"), &[("role", "emperor")]).await;
    assert_eq!(r.status(), 422);

    // Nobody takes away their own admin rights by accident.
    let me =
        app.store.user_by_email(&sangdam_domain::Email::parse("admin@example.com").unwrap()).await.unwrap().unwrap();
    let r = app.post(&admin, &format!("/admin/users/{}/role", me.id), &[("role", "client")]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.get(&admin, "/admin/users/nonexistent").await.status(), 404);
});

db_test!(deactivation_ends_every_session_at_once, async |app: &TestApp| {
    let admin = enrolled_admin(app).await;
    let (victim, id) = app.signed_in(Role::Client, "leaving@example.com").await;
    let second = new_client();
    app.signin(&second, "leaving@example.com", PASSWORD).await;
    assert_eq!(app.get(&victim, "/dashboard").await.status(), 200);

    let r = app.post(&admin, &format!("/admin/users/{id}/active"), &[("active", "false")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&victim, "/dashboard").await.status(), 303);
    assert_eq!(app.get(&second, "/dashboard").await.status(), 303);
    assert_eq!(app.signin(&new_client(), "leaving@example.com", PASSWORD).await.status(), 401, "cannot sign in again");

    app.post(&admin, &format!("/admin/users/{id}/active"), &[("active", "true")]).await;
    assert_eq!(app.signin(&new_client(), "leaving@example.com", PASSWORD).await.status(), 303);
});

db_test!(admin_reads_the_outbox_and_every_read_is_audited, async |app: &TestApp| {
    let admin = enrolled_admin(app).await;
    app.create_user(Role::Client, "resetme@example.com").await;
    app.post(&new_client(), "/forgot", &[("email", "resetme@example.com")]).await;
    let (_, html) = app.get_html(&admin, "/admin/outbox").await;
    assert!(html.contains("resetme@example.com"));
    assert!(html.contains("메일 서버(SMTP)가 설정되지 않아"));
    let mail = &app.mails_to("resetme@example.com").await[0];
    let (status, html) = app.get_html(&admin, &format!("/admin/outbox/{}", mail.id)).await;
    assert_eq!(status, 200);
    assert!(!html.contains("/reset/"), "a live reset link is never shown, not even to admins");
    assert!(html.contains("비공개 링크"), "the page says why");

    let (status, html) = app.get_html(&admin, "/admin/audit?action=admin.mail").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("mail:{}", mail.id)), "the read of the mail is in the log");
    let (_, html) = app.get_html(&admin, "/admin/audit?actor=admin%40example.com&action=signin").await;
    assert!(html.contains("signin.ok") && !html.contains("admin.mail.read"));
    let (status, html) = app.get_html(&admin, "/admin/audit?from=2026-13-45").await;
    assert_eq!(status, 422);
    assert!(html.contains("2026-01-31"));
});

db_test!(admins_manage_specialties, async |app: &TestApp| {
    let (admin, _) = app.signed_in(Role::Admin, "lists@example.com").await;
    let (status, html) = app.get_html(&admin, "/admin/specialties").await;
    assert_eq!(status, 200);
    assert!(html.contains("고객상담"), "the seeded list is there");
    let r = app
        .post(&admin, "/admin/specialties", &[("id", "trauma"), ("name_ko", "트라우마"), ("name_en", "Trauma")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.store.list_specialties().await.unwrap().iter().any(|s| s.id == "trauma" && s.name_en == "Trauma"));
    // Bad ids and missing names are refused with a message.
    for (id, ko, en) in [("Bad Id!", "가", "A"), ("ok-id", "", "A"), ("ok-id", "가", &"x".repeat(41) as &str)] {
        let r = app.post(&admin, "/admin/specialties", &[("id", id), ("name_ko", ko), ("name_en", en)]).await;
        assert_eq!(r.status(), 422, "{id}");
    }
    assert!(!app.store.list_specialties().await.unwrap().iter().any(|s| s.id == "ok-id"));
    assert_eq!(app.post(&admin, "/admin/specialties/trauma/delete", &[]).await.status(), 303);
    assert!(!app.store.list_specialties().await.unwrap().iter().any(|s| s.id == "trauma"));
    // Clients and counselors cannot.
    let (client, _) = app.signed_in(Role::Client, "curious@example.com").await;
    assert_eq!(app.get(&client, "/admin/specialties").await.status(), 403);
    assert_eq!(app.get(&client, "/admin/jobs").await.status(), 403);
    assert_eq!(app.post(&client, "/admin/specialties/anxiety/delete", &[]).await.status(), 403);
    assert!(app.store.list_specialties().await.unwrap().iter().any(|s| s.id == "anxiety"));
});

db_test!(specialties_added_at_once_stop_at_the_limit_each_with_its_audit_entry, async |app: &TestApp| {
    use sangdam_domain::limits::MAX_SPECIALTIES;
    let (admin, _) = app.signed_in(Role::Admin, "many-lists@example.com").await;
    let held = app.store.list_specialties().await.unwrap().len();
    let none = sangdam_store::Effects::default();
    for n in held..MAX_SPECIALTIES - 5 {
        let s = sangdam_store::Specialty {
            id: format!("held-{n}"),
            name_ko: "분야".into(),
            name_en: "Field".into(),
            position: 0,
        };
        app.store.save_specialty(&s, MAX_SPECIALTIES, 0, &none).await.unwrap();
    }
    let adds = (0..20).map(|n| {
        let admin = &admin;
        async move {
            let id = format!("burst-{n}");
            let form = [("id", id.as_str()), ("name_ko", "새 분야"), ("name_en", "New field")];
            app.post(admin, "/admin/specialties", &form).await.status().as_u16()
        }
    });
    let statuses = futures_util::future::join_all(adds).await;
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 5, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 422), "{statuses:?}");
    assert_eq!(app.store.list_specialties().await.unwrap().len(), MAX_SPECIALTIES);
    assert_eq!(crate::records::audited_count(app, "admin.specialty.save").await, 5);
    // At the limit, renaming one still works, and the refusal says why.
    let r = app
        .post(
            &admin,
            "/admin/specialties",
            &[("id", &format!("held-{held}")), ("name_ko", "바뀐 이름"), ("name_en", "Renamed")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post(&admin, "/admin/specialties", &[("id", "one-more"), ("name_ko", "하나 더"), ("name_en", "One more")])
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("{MAX_SPECIALTIES}개까지")));
    assert!(page.contains("value=\"one-more\"") && page.contains("value=\"하나 더\""), "what was typed comes back");
    // Deleting one twenty times at once deletes it once.
    let delete = format!("/admin/specialties/held-{}/delete", held + 1);
    let presses = (0..20).map(|_| app.post(&admin, &delete, &[]));
    let statuses: Vec<u16> =
        futures_util::future::join_all(presses).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert_eq!(crate::records::audited_count(app, "admin.specialty.delete").await, 1);
});

db_test!(two_admins_taking_each_others_rights_at_once_leave_the_center_one, async |app: &TestApp| {
    let a = enrolled_admin(app).await;
    let (b, b_id) = app.signed_in(Role::Admin, "second.admin@example.com").await;
    app.enroll_two_factor(&b).await;
    let a_id =
        app.store.user_by_email(&sangdam_domain::Email::parse("admin@example.com").unwrap()).await.unwrap().unwrap().id;
    // Forty requests at once: each admin demotes and deactivates the other, ten times over.
    let mut asks = Vec::new();
    for _ in 0..10 {
        for (from, target) in [(&a, &b_id), (&b, &a_id)] {
            asks.push((from, format!("/admin/users/{target}/role"), ("role", "client")));
            asks.push((from, format!("/admin/users/{target}/active"), ("active", "false")));
        }
    }
    let sent = asks.iter().map(|(from, path, field)| async move { app.post(from, path, &[*field]).await.status() });
    let statuses: Vec<u16> = futures_util::future::join_all(sent).await.iter().map(|s| s.as_u16()).collect();
    let admins: Vec<_> =
        [&a_id, &b_id].into_iter().map(|id| async move { app.store.user_by_id(id).await.unwrap().unwrap() }).collect();
    let admins = futures_util::future::join_all(admins).await;
    let left = admins.iter().filter(|u| u.role == Role::Admin && u.active).count();
    assert_eq!(left, 1, "exactly one admin is left: {statuses:?}");
    // Requests that passed their admin check at the same moment meet in the store, which takes
    // them one at a time: through the service layer, twenty such changes at once, both ways.
    app.store.set_role(&a_id, Role::Admin, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    app.store.set_active(&a_id, true, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    app.store.set_role(&b_id, Role::Admin, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    app.store.set_active(&b_id, true, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    let actor = |id: &sangdam_domain::UserId| sangdam_app::Actor {
        user: Some((id.clone(), Role::Admin)),
        address: None,
        at: app.clock.now(),
    };
    let (for_a, for_b) = (actor(&a_id), actor(&b_id));
    let mut changes = Vec::new();
    for i in 0..20 {
        let (who, target) = if i % 2 == 0 { (&for_a, &b_id) } else { (&for_b, &a_id) };
        changes.push(async move {
            if i % 4 < 2 {
                sangdam_app::users::set_role(&app.store, &app.keys, who, target, Role::Client).await
            } else {
                sangdam_app::users::set_active(&app.store, &app.keys, who, target, false).await
            }
        });
    }
    let results = futures_util::future::join_all(changes).await;
    let refused = results.iter().filter(|r| matches!(r, Err(sangdam_app::users::ChangeError::LastAdmin))).count();
    let mut left = 0;
    for id in [&a_id, &b_id] {
        let u = app.store.user_by_id(id).await.unwrap().unwrap();
        left += usize::from(u.role == Role::Admin && u.active);
    }
    assert_eq!(left, 1, "one admin is left");
    assert!(refused >= 1, "the change that would have left none was refused");
    assert!(results.iter().all(|r| r.is_ok() || matches!(r, Err(sangdam_app::users::ChangeError::LastAdmin))));
});
