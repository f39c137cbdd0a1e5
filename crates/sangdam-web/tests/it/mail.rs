//! Password reset and invitations by mail: through the outbox without SMTP, and through a real
//! SMTP server on loopback.

use sangdam_domain::Role;

use crate::db_test;
use crate::helpers::{Db, PASSWORD, TestApp, link_in, location, new_client};
use crate::smtp::SmtpServer;

db_test!(password_reset_by_emailed_link, async |app: &TestApp| {
    let (old_browser, _) = app.signed_in(Role::Client, "forgetful@example.com").await;
    let browser = new_client();
    let r = app.post(&browser, "/forgot", &[("email", "forgetful@example.com")]).await;
    let known = r.text().await.unwrap();
    let r = app.post(&browser, "/forgot", &[("email", "stranger@example.com")]).await;
    assert_eq!(known, r.text().await.unwrap(), "the answer does not reveal whether the address exists");

    let mails = app.mails_to("forgetful@example.com").await;
    assert_eq!(mails.len(), 1);
    let link = link_in(&mails[0].body, app);
    assert!(link.starts_with("/reset/"));
    // The link is stored only sealed; what the database and the admins see has it replaced.
    let stored = &app.stored_mails_to("forgetful@example.com").await[0];
    assert!(!stored.body.contains("/reset/") && stored.body.contains("비공개 링크"), "{}", stored.body);
    let sealed = stored.sealed_body.as_ref().expect("the whole body is sealed");
    let token = link.trim_start_matches("/reset/");
    assert!(!sealed.windows(token.len()).any(|w| w == token.as_bytes()), "the token is not in clear");
    let (admin, _) = app.signed_in(Role::Admin, "outbox-admin@example.com").await;
    app.enroll_two_factor(&admin).await;
    for page in ["/admin/outbox".to_owned(), format!("/admin/outbox/{}", stored.id)] {
        let (status, html) = app.get_html(&admin, &page).await;
        assert_eq!(status, 200);
        assert!(!html.contains(token), "{page} shows no live link");
    }
    assert_eq!(app.get(&browser, &link).await.status(), 200);

    // A refused password does not spend the link.
    let r = app.post(&browser, &link, &[("password", "forgetful123")]).await;
    assert_eq!(r.status(), 422);
    let r = app.post(&browser, &link, &[("password", "lantern harbor velvet morning")]).await;
    assert_eq!(location(&r), "/signin?notice=reset");
    assert_eq!(app.get(&old_browser, "/dashboard").await.status(), 303, "old sessions end");
    assert_eq!(app.signin(&browser, "forgetful@example.com", PASSWORD).await.status(), 401);
    assert_eq!(app.signin(&browser, "forgetful@example.com", "lantern harbor velvet morning").await.status(), 303);

    // Single use.
    let r = app.post(&new_client(), &link, &[("password", "another fine passphrase")]).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("이미 사용되었거나"));
});

db_test!(reset_links_expire_after_thirty_minutes, async |app: &TestApp| {
    app.create_user(Role::Client, "slow@example.com").await;
    let browser = new_client();
    app.post(&browser, "/forgot", &[("email", "slow@example.com")]).await;
    let link = link_in(&app.mails_to("slow@example.com").await[0].body, app);
    app.clock.advance(30 * 60 + 1);
    assert_eq!(app.get(&browser, &link).await.status(), 404);
    let r = app.post(&browser, &link, &[("password", "lantern harbor velvet morning")]).await;
    assert_eq!(r.status(), 404);
});

db_test!(invitations_are_single_use_and_expire, async |app: &TestApp| {
    let (admin, _) = app.signed_in(Role::Admin, "root@example.com").await;
    app.enroll_two_factor(&admin).await;
    let r =
        app.post(&admin, "/admin/invitations", &[("email", "new.counselor@example.com"), ("role", "counselor")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("/invite/"));
    let r = app.post(&admin, "/admin/invitations", &[("email", "x@example.com"), ("role", "client")]).await;
    assert_eq!(r.status(), 422, "clients are not invited here");
    let r =
        app.post(&admin, "/admin/invitations", &[("email", "new.counselor@example.com"), ("role", "counselor")]).await;
    assert_eq!(r.status(), 422, "one open invitation per address");
    assert!(r.text().await.unwrap().contains("이 주소로 보낸 초대가 아직 유효합니다"));
    assert_eq!(app.mails_to("new.counselor@example.com").await.len(), 1);

    let mail = &app.mails_to("new.counselor@example.com").await[0];
    assert!(mail.body.contains("상담사"));
    let link = link_in(&mail.body, app);
    let invitee = new_client();
    let (status, html) = app.get_html(&invitee, &link).await;
    assert_eq!(status, 200);
    assert!(html.contains("new.counselor@example.com"));
    let form = [
        ("display_name", "새 상담사"),
        ("password", PASSWORD),
        ("language", "ko"),
        ("timezone", "Asia/Seoul"),
        ("consent", "yes"),
        // A typed email is ignored: the invitation fixes it.
        ("email", "someone.else@example.com"),
    ];
    let r = app.post(&invitee, &link, &form).await;
    assert_eq!(location(&r), "/account/two-factor");
    let user = app
        .store
        .user_by_email(&sangdam_domain::Email::parse("new.counselor@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::Counselor);
    assert_eq!(app.post(&new_client(), &link, &form).await.status(), 404, "single use");

    app.post(&admin, "/admin/invitations", &[("email", "late@example.com"), ("role", "supervisor")]).await;
    let link = link_in(&app.mails_to("late@example.com").await[0].body, app);
    app.clock.advance(7 * 24 * 3600 + 1);
    assert_eq!(app.get(&new_client(), &link).await.status(), 404, "expired after 7 days");
});

/// With SMTP configured, mail leaves through a real SMTP conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_delivered_over_smtp() {
    let smtp = SmtpServer::start().await;
    let smtp_config = smtp.config();
    let app = TestApp::spawn(Db::Sqlite, |c| {
        c.smtp = Some(smtp_config.clone());
        c.mail_from = "Sangdam <center@example.com>".into();
    })
    .await;
    app.create_user(Role::Client, "mailme@example.com").await;
    app.post(&new_client(), "/forgot", &[("email", "mailme@example.com")]).await;
    let got = smtp.wait_for(1).await;
    assert_eq!(got[0].to, vec!["mailme@example.com".to_owned()]);
    assert!(got[0].from.contains("center@example.com"));
    // The body travels base64-encoded (it is Korean text); decode it as a mail client would.
    let data = &got[0].data;
    assert!(data.contains("Content-Transfer-Encoding: base64"), "{data}");
    let encoded: String = data.split("\r\n\r\n").nth(1).unwrap().chars().filter(|c| !c.is_whitespace()).collect();
    let body = String::from_utf8(data_encoding::BASE64.decode(encoded.as_bytes()).unwrap()).unwrap();
    assert!(body.contains("/reset/") && body.contains("30분"), "{body}");
    let outbox_id = &app.mails_to("mailme@example.com").await[0].id;
    assert!(data.contains(&format!("Message-ID: <{outbox_id}@sangdam>")), "the outbox id names the message");
    // The outbox records the delivery.
    let mails = app.mails_to("mailme@example.com").await;
    // The sender records the delivery right after the server's reply; give it a moment.
    let mut status = mails[0].status;
    for _ in 0..250 {
        if status == sangdam_store::MailStatus::Sent {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        status = app.mails_to("mailme@example.com").await[0].status;
    }
    assert_eq!(status, sangdam_store::MailStatus::Sent);
    app.finish().await;
}

/// One recipient's server hangs after taking a mail: the others' mail is not held behind it, and
/// only that one mail waits for its lease (the duplicate window is one SMTP transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_recipient_holds_nobody_elses_mail() {
    let smtp = SmtpServer::start_stalling(Some("stuck@example.com")).await;
    let smtp_config = smtp.config();
    let app = TestApp::spawn(Db::Sqlite, |c| {
        c.smtp = Some(smtp_config.clone());
    })
    .await;
    for who in ["stuck", "second", "third", "fourth"] {
        app.create_user(Role::Client, &format!("{who}@example.com")).await;
        app.post(&new_client(), "/forgot", &[("email", &format!("{who}@example.com"))]).await;
    }
    let got = smtp.wait_for(4).await;
    assert!(got.iter().any(|m| m.to == ["fourth@example.com"]), "mail queued after the stuck one still went");
    let mut sending = 0;
    for _ in 0..100 {
        let (mails, _) = app.store.list_mail(100, 0).await.unwrap();
        sending = mails.iter().filter(|m| m.status == sangdam_store::MailStatus::Sending).count();
        let sent = mails.iter().filter(|m| m.status == sangdam_store::MailStatus::Sent).count();
        if sent == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(sending, 1, "only the stuck mail is in its lease");
    app.finish().await;
}
