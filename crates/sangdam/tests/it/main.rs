//! The binary as an operator meets it: subcommands run against a real SQLite file, and the server
//! started the way `cargo run --release` starts it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

mod crash;

fn sangdam(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sangdam"));
    c.current_dir(dir).env("SANGDAM_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("SANGDAM_") && k != "SANGDAM_LOG" {
            c.env_remove(k);
        }
    }
    // Servers of tests running at once each take a free media port, not the default one.
    c.env("SANGDAM_MEDIA_BIND", "127.0.0.1:0");
    c
}

fn run(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = sangdam(dir).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn user_add_demo_and_audit_verify_finds_a_tampered_row() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = run(dir.path(), &["migrate"]);
    assert!(ok, "{out}");
    assert!(dir.path().join("data/sangdam.db").exists(), "the SQLite file is created under ./data");

    let (ok, out) = run(dir.path(), &["user", "add", "--role", "admin", "--email", "admin@example.com"]);
    assert!(ok, "{out}");
    assert!(out.contains("Password (shown only now): "), "{out}");
    let (ok, out) = run(dir.path(), &["user", "add", "--role", "admin", "--email", "admin@example.com"]);
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = run(dir.path(), &["user", "add", "--role", "wizard", "--email", "w@example.com"]);
    assert!(!ok && out.contains("expected client, counselor, supervisor or admin"), "{out}");

    let mut child = sangdam(dir.path())
        .args(["user", "add", "--role", "counselor", "--email", "c@example.com", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"password1234\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "a weak password is refused");

    let (ok, out) = run(dir.path(), &["demo"]);
    assert!(ok, "{out}");
    assert_eq!(out.lines().filter(|l| l.contains("@sangdam.example")).count(), 10, "{out}");

    let (ok, out) = run(dir.path(), &["audit", "verify"]);
    assert!(ok, "{out}");
    assert!(out.contains("Audit log intact: 11 entries verified."), "{out}");
    // The head is printed to be kept elsewhere; the log reaches it.
    let (ok, head) = run(dir.path(), &["audit", "head"]);
    assert!(ok && head.trim().starts_with("11:k1:"), "{head}");
    let head = head.trim().to_owned();
    let (ok, out) = run(dir.path(), &["audit", "verify", "--head", &head]);
    assert!(ok && out.contains("11 entries verified"), "{out}");

    // Someone with access to the file cuts the last entries off and sets the head back: the
    // chain alone looks whole, the kept head does not.
    let db = dir.path().join("data/sangdam.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_delete").execute(&pool).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq > 8").execute(&pool).await.unwrap();
        sqlx::query("UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_log WHERE seq = 8)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let (ok, out) = run(dir.path(), &["audit", "verify"]);
    assert!(ok && out.contains("8 entries verified"), "{out}");
    let (ok, out) = run(dir.path(), &["audit", "verify", "--head", &head]);
    assert!(!ok && out.contains("BROKEN at entry 11"), "{out}");

    // Rewriting history from a changed row on, with the hashes recomputed as the unkeyed chain
    // would have allowed, is found at the changed row.
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.unwrap();
        sqlx::query("UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 4").execute(&pool).await.unwrap();
        pool.close().await;
    });
    let (ok, out) = run(dir.path(), &["audit", "verify"]);
    assert!(!ok, "{out}");
    assert!(out.contains("Audit log BROKEN at entry 4"), "{out}");
    let (ok, out) = run(dir.path(), &["audit", "verify", "--head", "x"]);
    assert!(!ok && out.contains("<sequence>:<hash>"), "{out}");
}

#[test]
fn keys_rotate_makes_a_new_current_key_and_destroys_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = run(dir.path(), &["keys", "list"]);
    assert!(ok, "{out}");
    assert!(out.contains("key 1: the master key from the settings (current)"), "{out}");
    let (ok, out) = run(dir.path(), &["keys", "rotate", "--grace", "0"]);
    assert!(ok, "{out}");
    assert!(out.contains("Key 2 is current"), "{out}");
    let (ok, out) = run(dir.path(), &["keys", "rotate", "--grace", "0"]);
    assert!(ok && out.contains("Key 3 is current") && out.contains("destroyed: [2]"), "{out}");
    let (ok, out) = run(dir.path(), &["keys", "list"]);
    assert!(ok && out.contains("key 2: Retired") && out.contains("key 3: Current"), "{out}");
    let (ok, out) = run(dir.path(), &["audit", "verify"]);
    assert!(ok && out.contains("2 entries verified"), "{out}");
}

/// Starts `sangdam <global> serve` on a free port; returns the process and its address.
fn start_serving(dir: &Path, global: &[&str]) -> (Child, String) {
    let mut child = sangdam(dir)
        .args(global)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("the address is printed: {line:?}"))
        .to_owned();
    (child, url)
}

#[test]
fn serve_starts_on_sqlite_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = start_serving(dir.path(), &[]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (health, landing) = rt.block_on(async {
        let health = reqwest::get(format!("{url}/healthz")).await.unwrap().text().await.unwrap();
        let landing = reqwest::get(format!("{url}/")).await.unwrap().text().await.unwrap();
        (health, landing)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(health, "ok");
    assert!(landing.contains("마음 편히 이야기할 수 있는 곳"));
    assert!(dir.path().join("data/secret.key").exists());
}

#[test]
fn classify_prints_one_json_line_per_message_with_the_reasons() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = sangdam(dir.path())
        .arg("classify")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input =
        b"\xeb\x8b\xa4 \xeb\x81\x9d\xeb\x82\xb4\xea\xb3\xa0 \xec\x8b\xb6\xec\x96\xb4\xec\x9a\x94\n".to_vec();
    input.extend_from_slice("씨발 뭐라는 거야\r\n배고파 죽겠어요\nI took all my pills\n\n".as_bytes());
    input.extend_from_slice(b"\xff\xfe broken bytes\n");
    input.extend_from_slice(&vec![b'a'; 70 * 1024]);
    input.extend_from_slice("\n남편이 저를 죽인다고 했어요".as_bytes());
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 8, "{lines:?}");
    assert_eq!((lines[0]["crisis"].as_str(), lines[0]["abuse"].as_str()), (Some("concern"), None));
    assert_eq!(lines[1]["abuse"], "insult");
    assert!(lines[1]["why"][0].as_str().unwrap().contains("시발"), "{}", lines[1]);
    assert_eq!(
        (lines[2]["crisis"].clone(), lines[2]["abuse"].clone()),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
    assert_eq!(lines[3]["crisis"], "high");
    assert_eq!(lines[4]["why"], serde_json::json!([]), "an empty line is nothing");
    assert_eq!(lines[5]["abuse"], serde_json::Value::Null, "broken bytes are read, not refused");
    assert!(lines[6]["error"].as_str().unwrap().contains("longer than"), "{}", lines[6]);
    assert_eq!(
        (lines[7]["crisis"].clone(), lines[7]["abuse"].clone()),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
}
