//! Client records and session notes: who may read them, drafts saved by themselves with one
//! version per sitting, signing locks (in the product and in the database), addenda, bad input
//! refused with nothing changed, and key rotation sealing everything again under a new key while
//! the server keeps serving.

use sangdam_domain::{Role, UserId};
use sangdam_store::{AuditFilter, StoreError};

use crate::booking::{book, counselor, listed_slots};
use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, between, location, new_client};

/// A staff member of `role`, signed in with two-factor.
pub async fn staff(app: &TestApp, role: Role, email: &str) -> (reqwest::Client, UserId) {
    let id =
        if role == Role::Counselor { counselor(app, email, |_| {}).await } else { app.create_user(role, email).await };
    let c = new_client();
    assert_eq!(app.signin(&c, email, PASSWORD).await.status(), 303);
    app.enroll_two_factor(&c).await;
    (c, id)
}

/// A client with a booked appointment with `counselor`.
pub async fn client_of(app: &TestApp, counselor: &UserId, email: &str) -> (reqwest::Client, UserId) {
    let (client, id) = app.signed_in(Role::Client, email).await;
    let start = listed_slots(app, &client, counselor).await[0];
    assert_eq!(book(app, &client, counselor, start, &[]).await.status(), 303);
    (client, id)
}

async fn autosave(app: &TestApp, c: &reqwest::Client, note: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let token = app.csrf(c).await;
    let mut all = fields.to_vec();
    all.push(("csrf", &token));
    let r = c.post(app.url(&format!("/notes/{note}"))).header("x-autosave", "1").form(&all).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn audited(app: &TestApp, action: &str, outcome: &str) -> usize {
    let f = AuditFilter {
        action_prefix: Some(action.into()),
        outcome: Some(outcome.into()),
        limit: 100,
        ..Default::default()
    };
    app.store.audit_page(&f).await.unwrap().records.len()
}

/// How many audit entries of an action there are, whatever their outcome.
pub async fn audited_count(app: &TestApp, action: &str) -> usize {
    let f = AuditFilter { action_prefix: Some(action.into()), limit: 100, ..Default::default() };
    app.store.audit_page(&f).await.unwrap().records.len()
}

pub async fn new_note(app: &TestApp, c: &reqwest::Client, client: &UserId, template: &str) -> String {
    let r = app.post(c, &format!("/clients/{client}/notes"), &[("template", template), ("appointment", "")]).await;
    assert_eq!(r.status(), 303);
    location(&r).trim_start_matches("/notes/").to_owned()
}

db_test!(notes_lock_when_signed_and_take_addenda, async |app: &TestApp| {
    let (mine, mine_id) = staff(app, Role::Counselor, "n-counselor@example.com").await;
    let (other, _) = staff(app, Role::Counselor, "n-other@example.com").await;
    let (supervisor, _) = staff(app, Role::Supervisor, "n-supervisor@example.com").await;
    let (client, client_id) = client_of(app, &mine_id, "n-client@example.com").await;

    let (status, list) = app.get_html(&mine, "/clients").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("/clients/{client_id}")));
    let note = new_note(app, &mine, &client_id, "soap").await;

    // Drafts save by themselves; within one sitting they replace the latest version.
    let (status, text) = autosave(app, &mine, &note, &[("s_subjective", "잠을 잘 못 잔다고 함"), ("s_plan", "")]).await;
    assert_eq!(status, 200, "{text}");
    autosave(app, &mine, &note, &[("s_subjective", "잠을 잘 못 잔다고 함. 식욕 저하")]).await;
    assert_eq!(app.store.note_versions(&note).await.unwrap().len(), 1);
    app.clock.advance(11 * 60);
    autosave(app, &mine, &note, &[("s_subjective", "두 번째 시간"), ("s_plan", "수면 일지")]).await;
    let versions = app.store.note_versions(&note).await.unwrap();
    assert_eq!(versions.len(), 2, "a new sitting keeps the earlier version");
    assert!(versions.iter().all(|v| !String::from_utf8_lossy(&v.body).contains("수면")), "sealed at rest");
    let (_, v1) = app.get_html(&mine, &format!("/notes/{note}/versions/1")).await;
    assert!(v1.contains("식욕 저하") && !v1.contains("수면 일지"));

    // Oversized input is refused and nothing changes.
    let long = "가".repeat(20_001);
    let (status, text) = autosave(app, &mine, &note, &[("s_subjective", &long)]).await;
    assert_eq!(status, 422);
    assert!(text.contains("20,000"), "{text}");
    assert_eq!(app.store.note_versions(&note).await.unwrap(), versions);

    // Another counselor, the client, and a supervisor writing: refused. A supervisor reads.
    assert_eq!(app.get(&other, &format!("/notes/{note}")).await.status(), 404);
    assert_eq!(app.get(&other, &format!("/clients/{client_id}")).await.status(), 404);
    assert_eq!(app.get(&client, &format!("/notes/{note}")).await.status(), 403);
    assert_eq!(app.get(&client, &format!("/clients/{client_id}")).await.status(), 403);
    assert!(audited(app, "note.read", "denied").await + audited(app, "client.read", "denied").await >= 2);
    let (status, page) = app.get_html(&supervisor, &format!("/notes/{note}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("수면 일지"));
    assert_eq!(app.post(&supervisor, &format!("/notes/{note}"), &[("s_plan", "x")]).await.status(), 403);
    assert!(audited(app, "note.read", "ok").await >= 2);

    // An addendum waits for the signature; then the note is locked.
    let r = app.post(&mine, &format!("/notes/{note}/addenda"), &[("text", "early")]).await;
    assert_eq!(r.status(), 409);
    // Signing is permanent, so it needs the box that says so: one click signs nothing.
    let r = app.post(&mine, &format!("/notes/{note}/sign"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("확인란"));
    assert!(app.store.note(&note).await.unwrap().unwrap().signed_at.is_none(), "not signed");
    assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);
    let (status, text) = autosave(app, &mine, &note, &[("s_subjective", "고쳐 쓰기")]).await;
    assert_eq!(status, 409);
    assert!(text.contains("잠긴"), "{text}");
    let r = app.post(&mine, &format!("/notes/{note}"), &[("s_subjective", "고쳐 쓰기")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("추가 기록"));
    assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 409);
    assert_eq!(app.store.note_versions(&note).await.unwrap(), versions, "nothing changed");
    // The database holds the lock even if the product's check were missed.
    let by = mine_id.clone();
    let none = sangdam_store::Effects::default();
    let err = app.store.save_note_draft(&note, b"x", &by, app.clock.now(), 600, &none).await.unwrap_err();
    assert!(matches!(err, StoreError::Locked), "{err:?}");

    // Addenda: empty refused, a real one kept and shown; from the supervisor too.
    assert_eq!(app.post(&mine, &format!("/notes/{note}/addenda"), &[("text", "  ")]).await.status(), 422);
    let r = app.post(&mine, &format!("/notes/{note}/addenda"), &[("text", "정정: 식욕은 보통")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.post(&supervisor, &format!("/notes/{note}/addenda"), &[("text", "검토함")]).await.status(), 303);
    let (_, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert!(page.contains("정정: 식욕은 보통") && page.contains("검토함") && page.contains("id=\"signed\""));
    assert!(!page.contains("id=\"note-form\""), "a signed note has no editor");

    // An empty note cannot be signed.
    let empty = new_note(app, &mine, &client_id, "dap").await;
    let r = app.post(&mine, &format!("/notes/{empty}/sign"), &[("confirm", "on")]).await;
    assert_eq!(r.status(), 422);
    assert!(app.store.note(&empty).await.unwrap().unwrap().signed_at.is_none());
    // A forged template or someone else's appointment is refused.
    let r = app.post(&mine, &format!("/clients/{client_id}/notes"), &[("template", "bogus")]).await;
    assert_eq!(r.status(), 400);
    let r =
        app.post(&mine, &format!("/clients/{client_id}/notes"), &[("template", "free"), ("appointment", "nope")]).await;
    assert_eq!(r.status(), 400);
});

db_test!(the_database_refuses_changes_to_a_signed_note, async |app: &TestApp| {
    let (mine, mine_id) = staff(app, Role::Counselor, "lock-counselor@example.com").await;
    let (_, client_id) = client_of(app, &mine_id, "lock-client@example.com").await;
    let note = new_note(app, &mine, &client_id, "free").await;
    autosave(app, &mine, &note, &[("s_text", "내용")]).await;
    assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);
    app.post(&mine, &format!("/notes/{note}/addenda"), &[("text", "추가 기록")]).await;
    let statements = [
        format!("DELETE FROM note_addenda WHERE note_id = '{note}'"),
        format!("DELETE FROM note_versions WHERE note_id = '{note}'"),
        format!("DELETE FROM session_notes WHERE id = '{note}'"),
        format!("UPDATE session_notes SET signed_hash = 'x' WHERE id = '{note}'"),
        format!("UPDATE session_notes SET signed_at = NULL WHERE id = '{note}'"),
        format!("UPDATE note_versions SET saved_at = saved_at + 1 WHERE note_id = '{note}'"),
        format!(
            "INSERT INTO note_versions (note_id, version, body, author_id, saved_at) \
             SELECT note_id, 9, body, author_id, saved_at FROM note_versions WHERE note_id = '{note}'"
        ),
    ];
    for sql in statements {
        let err = match &app.store {
            sangdam_store::Store::Sqlite(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
            sangdam_store::Store::Postgres(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
        };
        assert!(err.is_err(), "{sql} must be refused");
    }
    let (_, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert!(page.contains("내용") && !page.contains("integrity-warning"), "an intact note shows no warning");

    // A signed version's body swapped for another note's (the one change the database allows a
    // body, for key rotation) no longer opens there, and the page says so.
    let other = new_note(app, &mine, &client_id, "free").await;
    autosave(app, &mine, &other, &[("s_text", "다른 기록의 비밀")]).await;
    let swap = format!(
        "UPDATE note_versions SET body = (SELECT body FROM note_versions WHERE note_id = '{other}' ORDER BY version DESC LIMIT 1) \
         WHERE note_id = '{note}'"
    );
    match &app.store {
        sangdam_store::Store::Sqlite(p) => sqlx::query(&swap).execute(p).await.map(|_| ()).unwrap(),
        sangdam_store::Store::Postgres(p) => sqlx::query(&swap).execute(p).await.map(|_| ()).unwrap(),
    }
    let (status, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"integrity-warning\""), "the note warns");
    assert!(!page.contains("다른 기록의 비밀"), "the other note's text is not shown as this one's");
});

// Drafts saved while the note is signed (the autosave, another tab): whichever wins, the
// signature covers the text stored with it, and a signature that lost says so and signs nothing.
db_test!(a_draft_and_a_signature_at_once_never_disagree, async |app: &TestApp| {
    let (mine, mine_id) = staff(app, Role::Counselor, "race-counselor@example.com").await;
    let (_, client_id) = client_of(app, &mine_id, "race-client@example.com").await;
    let note = new_note(app, &mine, &client_id, "free").await;
    autosave(app, &mine, &note, &[("s_text", "처음 내용")]).await;
    let mut tasks = Vec::new();
    let token = app.csrf(&mine).await;
    for i in 0..24 {
        let (app_url, c, note, token) = (app.url(""), mine.clone(), note.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let r = if i % 2 == 0 {
                let text = format!("내용 {i}");
                c.post(format!("{app_url}/notes/{note}"))
                    .header("x-autosave", "1")
                    .form(&[("s_text", text.as_str()), ("csrf", token.as_str())])
                    .send()
                    .await
            } else {
                c.post(format!("{app_url}/notes/{note}/sign"))
                    .form(&[("csrf", token.as_str()), ("confirm", "on")])
                    .send()
                    .await
            };
            r.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|s| [200, 303, 409].contains(s)), "{statuses:?}");
    if app.store.note(&note).await.unwrap().unwrap().signed_at.is_none() {
        assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);
    }
    assert_eq!(audited(app, "note.sign", "ok").await, 1, "signed once");
    let (status, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("integrity-warning"), "the signature matches the stored text");
    assert!(page.contains("id=\"signed\""));
});

db_test!(the_client_record_keeps_contact_and_timeline, async |app: &TestApp| {
    let (mine, mine_id) = staff(app, Role::Counselor, "rec-counselor@example.com").await;
    let (client, client_id) = client_of(app, &mine_id, "rec-client@example.com").await;
    crate::questionnaires::submit(app, &client, "gad7", &crate::questionnaires::answers(&[1, 1, 1, 1, 1, 1, 1])).await;
    let fields = [
        ("phone", "010-1234-5678"),
        ("emergency_name", "보호자 김"),
        ("emergency_phone", "+82 10 9999 0000"),
        ("preferred_channel", "voice"),
        ("tags", "수면, 불안"),
        ("follow_up", "yes"),
    ];
    let r = app.post(&mine, &format!("/clients/{client_id}/profile"), &fields).await;
    assert_eq!(r.status(), 303);
    let p = app.store.client_profile(&client_id).await.unwrap();
    assert_eq!((p.phone.as_str(), p.preferred_channel.as_str()), ("010-1234-5678", "voice"));
    assert_eq!(p.tags, vec!["수면".to_owned(), "불안".to_owned()]);
    let (status, page) = app.get_html(&mine, &format!("/clients/{client_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("보호자 김") && page.contains("<svg class=\"score-chart\""));
    let timeline = between(&page, "<ol class=\"timeline\">", "</ol>").unwrap();
    assert!(timeline.contains("GAD-7") && (timeline.contains("상담")), "{timeline}");

    // Bad fields: the form comes back with what was typed; nothing saved.
    let bad = [("phone", "call me maybe"), ("preferred_channel", "pigeon"), ("tags", "")];
    let r = app.post(&mine, &format!("/clients/{client_id}/profile"), &bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("call me maybe") && page.contains("전화번호"));
    assert_eq!(app.store.client_profile(&client_id).await.unwrap(), p);
});

db_test!(every_blob_column_is_sealed_or_known_plain, async |app: &TestApp| {
    for (table, column) in app.store.blob_columns().await.unwrap() {
        let sealed = sangdam_store::SEALED_COLUMNS.iter().any(|c| c.table == table && c.column == column);
        let plain = sangdam_store::PLAIN_BLOB_COLUMNS.contains(&(table.as_str(), column.as_str()));
        assert!(sealed || plain, "{table}.{column} is neither in SEALED_COLUMNS nor in PLAIN_BLOB_COLUMNS");
    }
});

/// No sealed value names a key other than `id`.
async fn all_sealed_under(app: &TestApp, id: u8) {
    for column in sangdam_store::SEALED_COLUMNS {
        let left = app.store.sealed_batch(column, id, None, 10).await.unwrap();
        assert!(left.is_empty(), "{}.{} still has values under another key", column.table, column.column);
    }
}

db_test!(key_rotation_reseals_everything_while_serving, async |app: &TestApp| {
    use std::time::Duration;
    let (mine, mine_id) = staff(app, Role::Counselor, "rot-counselor@example.com").await;
    let (client, client_id) = client_of(app, &mine_id, "rot-client@example.com").await;
    crate::questionnaires::submit(app, &client, "phq9", &crate::questionnaires::answers(&[1; 9])).await;
    let note = new_note(app, &mine, &client_id, "free").await;
    autosave(app, &mine, &note, &[("s_text", "회전 전의 기록")]).await;
    app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await;
    app.post(&mine, &format!("/notes/{note}/addenda"), &[("text", "회전 전 추가")]).await;
    // A room's chat, whose rows have a two-column key.
    app.store.create_room("rot-room", &mine_id, "", app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    for i in 0..3 {
        let row = ["rot-room", mine_id.as_str(), &format!("m{i}")];
        let body = app.keys.seal_at(&sangdam_store::sealed::ROOM_MESSAGE, &row, format!("메시지 {i}").as_bytes());
        app.store
            .post_room_message("rot-room", &mine_id, &format!("m{i}"), &body, app.clock.now(), None)
            .await
            .unwrap();
    }
    all_sealed_under(app, 1).await;

    // Rotate while the note is being read.
    let rotation = {
        let (store, keys, now) = (app.store.clone(), app.keys.clone(), app.clock.now());
        tokio::spawn(async move { sangdam_web::crypto::rotate(&store, &keys, Duration::from_millis(200), now).await })
    };
    while !rotation.is_finished() {
        let (status, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("회전 전의 기록") && page.contains("회전 전 추가"));
    }
    let report = rotation.await.unwrap().unwrap();
    assert_eq!(report.new_key, 2);
    assert_eq!(report.unreadable, 0);
    // The TOTP secret, the booking's reason, the client's booking mail (sealed whole: it carries
    // the link to move or cancel), the answers and their risk alert, the note's one version
    // (autosave in one sitting), its addendum and three chat messages.
    assert_eq!(report.resealed, 10, "{report:?}");
    all_sealed_under(app, 2).await;
    assert_eq!(app.keys.current_id(), 2);

    // Everything still opens, in the product and in a second server that only reads the database.
    let (_, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert!(page.contains("회전 전의 기록"));
    let (_, page) = app.get_html(&client, "/questionnaires").await;
    assert!(page.contains("score-chart"));
    let other = sangdam_web::Keys::new(app.master);
    other.refresh(&app.store).await.unwrap();
    let messages = app.store.room_messages_after("rot-room", 0, 10).await.unwrap();
    let row = ["rot-room", mine_id.as_str(), "m2"];
    let opened = other.open_at(&sangdam_store::sealed::ROOM_MESSAGE, &row, &messages[2].body).unwrap();
    assert_eq!(opened, "메시지 2".as_bytes());

    // A second rotation destroys key 2 once nothing is sealed under it; the master key's own id
    // stays (it is the settings' key).
    let report = sangdam_web::crypto::rotate(&app.store, &app.keys, Duration::ZERO, app.clock.now()).await.unwrap();
    assert_eq!((report.new_key, report.retired.clone()), (3, vec![2]));
    let keys = app.store.encryption_keys().await.unwrap();
    assert!(keys.iter().any(|k| k.id == 2 && k.wrapped.is_none() && k.state == sangdam_store::KeyState::Retired));
    all_sealed_under(app, 3).await;
    let (_, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert!(page.contains("회전 전 추가"));
    // New data goes under the current key.
    let (_, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert!(page.contains("id=\"signed\""));
    let fresh = new_note(app, &mine, &client_id, "free").await;
    let v = app.store.note_versions(&fresh).await.unwrap();
    assert_eq!(sangdam_web::crypto::key_id_of(&v[0].body), Some(3));
});

db_test!(saves_and_signatures_at_once_each_commit_with_their_audit_entry, async |app: &TestApp| {
    let (mine, mine_id) = staff(app, Role::Counselor, "burst-counselor@example.com").await;
    let (_, client_id) = client_of(app, &mine_id, "burst-client@example.com").await;
    let note = new_note(app, &mine, &client_id, "free").await;
    assert_eq!(autosave(app, &mine, &note, &[("s_text", "처음 내용")]).await.0, 200);
    let saves_before = audited_count(app, "note.save").await;

    // 20 autosaves and 5 signatures at once, from two tabs of the author.
    let tasks = (0..25).map(|i| {
        let (c, note) = (&mine, &note);
        async move {
            if i % 5 == 4 {
                let r = app.post(c, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await;
                ("sign", r.status().as_u16())
            } else {
                ("save", autosave(app, c, note, &[("s_text", &format!("고친 내용 {i}"))]).await.0)
            }
        }
    });
    let results = futures_util::future::join_all(tasks).await;
    assert!(results.iter().all(|(_, s)| [200, 303, 409].contains(s)), "no error but a refusal: {results:?}");
    let saved = results.iter().filter(|r| **r == ("save", 200)).count();
    let signed = results.iter().filter(|r| **r == ("sign", 303)).count();
    // A signature meets a save in between and is refused (the author reads the text again), or
    // wins once; never twice.
    assert!(signed <= 1, "signed at most once: {results:?}");
    // Every save that answered 200 left its audit entry, and none that was refused did.
    assert_eq!(audited_count(app, "note.save").await - saves_before, saved);
    assert_eq!(audited_count(app, "note.sign").await, signed);
    if signed == 0 {
        assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);
    }
    assert_eq!(audited_count(app, "note.sign").await, 1);
    // The signature covers the text stored last: the page shows no tampering.
    let (_, page) = app.get_html(&mine, &format!("/notes/{note}")).await;
    assert!(page.contains("id=\"signed\"") && !page.contains("id=\"integrity-warning\""), "{page}");

    // The store refuses an addendum to a draft and to a note that is not there, whoever calls it.
    let draft = new_note(app, &mine, &client_id, "free").await;
    let none = sangdam_store::Effects::default();
    let now = app.clock.now();
    let err = app.store.add_addendum("a1", &draft, &mine_id, b"x", now, &none).await.unwrap_err();
    assert!(matches!(err, StoreError::Locked), "{err:?}");
    let err = app.store.add_addendum("a2", "no-such-note", &mine_id, b"x", now, &none).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert!(app.store.note_addenda(&draft).await.unwrap().is_empty());
});

db_test!(a_note_write_that_cannot_be_audited_is_not_done, async |app: &TestApp| {
    let (mine, mine_id) = staff(app, Role::Counselor, "audit-counselor@example.com").await;
    let (_, client_id) = client_of(app, &mine_id, "audit-client@example.com").await;
    let note = new_note(app, &mine, &client_id, "free").await;
    assert_eq!(autosave(app, &mine, &note, &[("s_text", "기록된 내용")]).await.0, 200);
    let notes_before = app.store.client_notes(&client_id).await.unwrap().len();
    let versions = app.store.note_versions(&note).await.unwrap();

    app.break_audit_log(true).await;
    let r = app.post(&mine, &format!("/clients/{client_id}/notes"), &[("template", "free"), ("appointment", "")]).await;
    assert_eq!(r.status(), 500);
    assert_eq!(autosave(app, &mine, &note, &[("s_text", "기록되지 않을 내용")]).await.0, 500);
    assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 500);
    app.break_audit_log(false).await;

    // Nothing of it happened: no new note, no new version, no signature.
    assert_eq!(app.store.client_notes(&client_id).await.unwrap().len(), notes_before);
    assert_eq!(app.store.note_versions(&note).await.unwrap(), versions);
    assert!(app.store.note(&note).await.unwrap().unwrap().signed_at.is_none());
    assert_eq!(app.post(&mine, &format!("/notes/{note}/sign"), &[("confirm", "on")]).await.status(), 303);
    app.break_audit_log(true).await;
    let r = app.post(&mine, &format!("/notes/{note}/addenda"), &[("text", "추가")]).await;
    assert_eq!(r.status(), 500);
    app.break_audit_log(false).await;
    assert!(app.store.note_addenda(&note).await.unwrap().is_empty());
});
