//! The audit log's chain: appends from many requests at once stay one chain, and tampering with
//! the database is found.

use sangdam_domain::Role;
use sangdam_domain::audit::BrokenLink;
use sangdam_store::{AuditEvent, Store, on_backend};

use crate::db_test;
use crate::helpers::{TestApp, new_client};

/// What an attacker with write access to the database would do: switch the append-only trigger
/// off and rewrite a row.
async fn tamper(store: &Store, seq: i64) {
    match store {
        Store::Sqlite(pool) => {
            sqlx::query("DROP TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        }
    }
    on_backend!(store, |pool| {
        sqlx::query("UPDATE audit_log SET outcome = 'ok' WHERE seq = $1").bind(seq).execute(pool).await.unwrap();
    });
}

db_test!(audit_chain_survives_concurrency_and_finds_tampering, async |app: &TestApp| {
    // Sign-ins, failures and page views from several browsers at once.
    app.create_user(Role::Client, "a@example.com").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let browser = new_client();
        let url = app.url("/signin");
        let token = app.csrf(&browser).await;
        tasks.push(tokio::spawn(async move {
            let password = if i % 2 == 0 { crate::helpers::PASSWORD } else { "wrong password value" };
            browser
                .post(url)
                .form(&[("csrf", token.as_str()), ("email", "a@example.com"), ("password", password)])
                .send()
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let count = app.store.verify_audit(&app.keys.chain_key(), None).await.unwrap().unwrap();
    assert!(count >= 8, "{count}");

    // Updates and deletes are refused by the database itself.
    let refused =
        on_backend!(&app.store, |pool| sqlx::query("DELETE FROM audit_log WHERE seq = 1").execute(pool).await.is_err());
    assert!(refused, "the log is append-only");

    let failed = app
        .store
        .audit_page(&sangdam_store::AuditFilter { outcome: Some("denied".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    let seq = failed.records.last().unwrap().fields.seq;
    tamper(&app.store, seq).await;
    assert_eq!(app.store.verify_audit(&app.keys.chain_key(), None).await.unwrap(), Err(BrokenLink::Altered { seq }));
});

db_test!(appends_are_numbered_without_gaps, async |app: &TestApp| {
    let mut handles = Vec::new();
    for i in 0..20 {
        let store = app.store.clone();
        let key = app.keys.chain_key();
        handles.push(tokio::spawn(async move {
            store
                .append_audit(
                    &AuditEvent {
                        at: 1_800_000_000 + i,
                        actor_id: None,
                        actor_role: None,
                        action: "test.concurrent".into(),
                        target: None,
                        address: None,
                        outcome: "ok".into(),
                    },
                    &key,
                )
                .await
                .unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for h in handles {
        seqs.push(h.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
    assert_eq!(app.store.verify_audit(&app.keys.chain_key(), None).await.unwrap(), Ok(20));
});

db_test!(a_rewritten_chain_needs_the_key_and_a_cut_tail_needs_the_kept_head, async |app: &TestApp| {
    app.create_user(Role::Client, "chain@example.com").await;
    for _ in 0..4 {
        app.signin(&new_client(), "chain@example.com", "wrong password value").await;
    }
    let key = app.keys.chain_key();
    let kept = app.store.audit_head().await.unwrap();
    assert!(kept.1.starts_with("k1:"), "new entries are keyed");
    assert_eq!(app.store.verify_audit(&key, Some(&kept)).await.unwrap(), Ok(kept.0));
    // Without the master key the server's chain cannot be rebuilt: a chain keyed with any other
    // key (what an attacker can compute) fails at its first entry.
    assert_eq!(
        app.store.verify_audit(&sangdam_domain::audit::ChainKey::new([0; 32]), None).await.unwrap(),
        Err(BrokenLink::Altered { seq: 1 })
    );
    // Entries cut off the end, with the recorded head set back, are found by the kept head.
    match &app.store {
        Store::Sqlite(pool) => {
            sqlx::query("DROP TRIGGER audit_log_no_delete").execute(pool).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        }
    }
    on_backend!(&app.store, |pool| {
        sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(kept.0 - 2).execute(pool).await.unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1")
            .bind(kept.0 - 2)
            .execute(pool)
            .await
            .unwrap();
    });
    assert_eq!(app.store.verify_audit(&key, None).await.unwrap(), Ok(kept.0 - 2), "the chain alone looks whole");
    assert_eq!(app.store.verify_audit(&key, Some(&kept)).await.unwrap(), Err(BrokenLink::HeadMismatch { seq: kept.0 }));
});

db_test!(a_log_rewritten_unkeyed_from_the_start_does_not_verify, async |app: &TestApp| {
    app.create_user(Role::Client, "downgrade@example.com").await;
    for _ in 0..3 {
        app.signin(&new_client(), "downgrade@example.com", "wrong password value").await;
    }
    let key = app.keys.chain_key();
    let records = app.store.audit_records_after(0, 1000).await.unwrap();
    assert!(records.len() >= 3);
    assert_eq!(app.store.audit_keyed_since().await.unwrap(), Some(1), "a new log is keyed from its start");
    // Someone without the key rewrites every entry the old, unkeyed way, and the recorded head too.
    match &app.store {
        Store::Sqlite(pool) => {
            sqlx::query("DROP TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        }
    }
    let mut prev = sangdam_domain::audit::GENESIS_HASH.to_owned();
    for r in &records {
        let mut fields = r.fields.clone();
        fields.outcome = "denied".into();
        let hash = sangdam_domain::audit::entry_hash(&prev, &fields);
        on_backend!(&app.store, |pool| {
            sqlx::query("UPDATE audit_log SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
                .bind(&fields.outcome)
                .bind(&prev)
                .bind(&hash)
                .bind(fields.seq)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(pool).await.unwrap();
        });
        prev = hash;
    }
    let last = records.last().unwrap().fields.seq;
    assert_eq!(app.store.verify_audit(&key, None).await.unwrap(), Err(BrokenLink::Unkeyed { seq: last }));
    // The head kept elsewhere was keyed: it finds the rewrite even after a keyed entry follows it.
    let kept = (last, records.last().unwrap().hash.clone());
    assert!(app.store.key_audit_chain(&key, 1_900_000_000).await.unwrap(), "the start keys an unkeyed end");
    assert!(!app.store.key_audit_chain(&key, 1_900_000_000).await.unwrap(), "once");
    // The chain now looks keyed only from after the rewrite: the number kept with the head moved.
    assert_eq!(app.store.audit_keyed_since().await.unwrap(), Some(last + 1));
    assert_eq!(app.store.verify_audit(&key, Some(&kept)).await.unwrap(), Err(BrokenLink::HeadMismatch { seq: last }));
});
