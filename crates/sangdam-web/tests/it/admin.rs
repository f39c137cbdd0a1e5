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
