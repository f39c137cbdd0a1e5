//! What each subcommand does.

use std::io::BufRead as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use sangdam_app::crypto::random;
use sangdam_app::{Clock, Keys};
use sangdam_domain::booking::SessionKind;
use sangdam_domain::{Currency, DisplayName, Email, Language, Money, NewPassword, Role, Timezone, UserId};
use sangdam_store::{AuditEvent, CounselorProfile, NewUser, Offering, Store, StoreError};
use sangdam_web::AppState;

use crate::settings::Settings;

/// Opens the configured database and brings its schema up to date.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url();
    let store = Store::connect(&url).await.context("opening the database")?;
    store.migrate().await.context("running database migrations")?;
    Ok(store)
}

/// The server's master key: the `secret_key` setting, or a key generated once into
/// `<data_dir>/secret.key` (readable by the owner only).
pub fn load_keys(settings: &Settings) -> anyhow::Result<Keys> {
    let hex = match &settings.secret_key {
        Some(k) => k.expose().trim().to_owned(),
        None => read_or_create_key_file(&settings.data_dir.join("secret.key"))?,
    };
    let bytes =
        data_encoding::HEXLOWER_PERMISSIVE.decode(hex.as_bytes()).context("secret_key must be 64 hex characters")?;
    let master: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("secret_key must be 64 hex characters"))?;
    Ok(Keys::new(master))
}

fn read_or_create_key_file(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        return std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let hex = data_encoding::HEXLOWER.encode(&random::<32>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, hex.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new secret key; back it up with the database");
    Ok(hex)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::debug!(?settings, "settings");
    let store = open_store(&settings).await?;
    let keys = load_keys(&settings)?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let config = settings.web_config(local);
    let url = config.public_url.clone();
    let backend = store.backend();
    let state = AppState::new(store.clone(), config, keys, Clock::default()).map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!(address = %local, ?backend, "Sangdam started");
    println!("Sangdam is running at {url}  (database: {backend:?})");
    sangdam_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    println!("Database is up to date ({:?}).", store.backend());
    store.close().await;
    Ok(())
}

/// A random password of four groups of five letters and digits (about 100 bits).
pub fn generate_password() -> String {
    let raw = sangdam_domain::ids::encode_random(&random::<13>());
    raw.as_bytes().chunks(5).take(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

async fn create_user(
    store: &Store,
    keys: &Keys,
    role: Role,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<UserId> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email: {e}"))?;
    let display_name = DisplayName::parse(name).map_err(|e| anyhow::anyhow!("name: {e}"))?;
    let password =
        NewPassword::parse(password, &[email.as_str(), name]).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let hash = sangdam_app::hashing::hash_password(&password).await?;
    let id = UserId::from_random(random());
    let now = jiff::Timestamp::now().as_second();
    let user = NewUser {
        id: id.clone(),
        email,
        display_name,
        role,
        language: Language::Ko,
        timezone: Timezone::seoul(),
        password_hash: hash,
        now,
        consent: None,
    };
    match store.insert_user(&user).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => bail!("a user with that email already exists"),
        Err(e) => return Err(e).context("creating the user"),
    }
    store
        .append_audit(
            &AuditEvent {
                address: Some("cli".into()),
                ..AuditEvent::by_the_product(
                    now,
                    &format!("cli.user.add.{}", role.as_str()),
                    Some(format!("user:{id}")),
                    "ok",
                )
            },
            &keys.chain_key(),
        )
        .await?;
    Ok(id)
}

pub async fn add_user(
    settings: &Settings,
    role: Role,
    email: &str,
    name: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let keys = load_keys(settings)?;
    let default_name = email.split('@').next().unwrap_or(email).to_owned();
    let name = name.unwrap_or(&default_name);
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generate_password(), true)
    };
    create_user(&store, &keys, role, email, name, &password).await?;
    println!("Created {} {email}.", role.as_str());
    if generated {
        println!("Password (shown only now): {password}");
    }
    store.close().await;
    Ok(())
}

/// The demo people: one admin, one supervisor, three counselors, five clients. Names are plain
/// names: the pages add "상담사" or "Counselor" where a role is meant.
const DEMO: &[(Role, &str, &str)] = &[
    (Role::Admin, "admin@sangdam.example", "한지원"),
    (Role::Supervisor, "supervisor@sangdam.example", "오세린"),
    (Role::Counselor, "counselor1@sangdam.example", "김서연"),
    (Role::Counselor, "counselor2@sangdam.example", "이도윤"),
    (Role::Counselor, "counselor3@sangdam.example", "Emma Park"),
    (Role::Client, "client1@sangdam.example", "박민준"),
    (Role::Client, "client2@sangdam.example", "최수아"),
    (Role::Client, "client3@sangdam.example", "정하준"),
    (Role::Client, "client4@sangdam.example", "강지우"),
    (Role::Client, "client5@sangdam.example", "Liam Choi"),
];

/// A published profile for a demo counselor, so that clients can book at once: weekdays 09:00 to
/// 18:00 Seoul time, video and voice sessions, different specialties and prices.
fn demo_profile(id: UserId, email: &str) -> CounselorProfile {
    let mut p = CounselorProfile::new(id);
    p.published = true;
    let n = email.chars().find(char::is_ascii_digit).and_then(|c| c.to_digit(10)).unwrap_or(1);
    let won = |amount: i64| Money::from_minor(amount, Currency::Krw).unwrap_or_else(|_| unreachable!());
    let (bio_ko, bio_en, specialties, price) = match n {
        1 => ("우울과 불안을 함께 살펴봅니다.", "Depression and anxiety.", vec!["depression", "anxiety"], 60_000),
        2 => ("가족과 부부 관계 상담을 합니다.", "Family and couples counseling.", vec!["family", "couples"], 80_000),
        _ => ("", "Career and workplace counseling in English.", vec!["career", "workplace"], 70_000),
    };
    p.bio_ko = bio_ko.into();
    p.bio_en = bio_en.into();
    p.languages = if n == 3 { vec![Language::En, Language::Ko] } else { vec![Language::Ko] };
    p.specialties = specialties.into_iter().map(str::to_owned).collect();
    p.offerings = vec![
        Offering { kind: SessionKind::Video, duration_minutes: 50, price: won(price) },
        Offering { kind: SessionKind::Voice, duration_minutes: 50, price: won(price - 10_000) },
    ];
    p.requires_approval = n == 2;
    p
}

pub async fn demo(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let keys = load_keys(settings)?;
    println!("Demo accounts (passwords are shown only now):");
    for (role, email, name) in DEMO {
        let password = generate_password();
        match create_user(&store, &keys, *role, email, name, &password).await {
            Ok(id) => {
                if *role == Role::Counselor {
                    store
                        .save_counselor_profile(
                            &demo_profile(id, email),
                            jiff::Timestamp::now().as_second(),
                            &sangdam_store::Effects::default(),
                        )
                        .await?;
                }
                println!("  {:<10} {email:<30} {password}", role.as_str());
            }
            Err(e) if e.to_string().contains("already exists") => {
                println!("  {:<10} {email:<30} (already there; password unchanged)", role.as_str());
            }
            Err(e) => return Err(e),
        }
    }
    println!("Staff must set up two-factor sign-in before they see client data.");
    store.close().await;
    Ok(())
}

/// Parses a head printed by `sangdam audit head` (`<seq>:<hash>`).
fn parse_head(text: &str) -> anyhow::Result<(i64, String)> {
    let (seq, hash) = text.trim().split_once(':').context("a head is <sequence>:<hash>, as `audit head` prints it")?;
    let seq: i64 = seq.parse().context("the head's sequence number")?;
    if hash.is_empty() {
        bail!("the head's hash is empty");
    }
    Ok((seq, hash.to_owned()))
}

/// Prints the head of the audit chain (`<seq>:<hash>`), to keep somewhere the database's writers
/// cannot reach; `audit verify --head` later proves the log still reaches it unchanged.
pub async fn audit_head(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let (seq, hash) = store.audit_head().await.context("reading the audit head")?;
    store.close().await;
    println!("{seq}:{hash}");
    Ok(())
}

pub async fn audit_verify(settings: &Settings, head: Option<&str>) -> anyhow::Result<()> {
    let kept = head.map(parse_head).transpose()?;
    let store = open_store(settings).await?;
    let keys = load_keys(settings)?;
    let result = store.verify_audit(&keys.chain_key(), kept.as_ref()).await.context("reading the audit log")?;
    let keyed_since = store.audit_keyed_since().await.context("reading the audit log")?;
    store.close().await;
    match result {
        Ok(count) => {
            println!("Audit log intact: {count} entries verified.");
            if let Some(seq) = keyed_since.filter(|s| *s > 1) {
                println!("Keyed since entry {seq} (entries before it are from before the chain was keyed).");
            }
            Ok(())
        }
        Err(broken) => {
            println!("Audit log BROKEN at entry {}: {broken:?}", broken.seq());
            if matches!(broken, sangdam_domain::audit::BrokenLink::Unkeyed { .. }) {
                println!(
                    "The log ends without a keyed entry. Right after an upgrade, start the server once \
                     (it keys the end of an old log); otherwise the log was rewritten without the key."
                );
            }
            std::process::exit(1);
        }
    }
}

pub async fn keys_rotate(settings: &Settings, grace: u64) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let keys = load_keys(settings)?;
    println!("Rotating: each step waits {grace} s so that running servers follow.");
    let now = jiff::Timestamp::now().as_second();
    let report = sangdam_app::crypto::rotate(&store, &keys, std::time::Duration::from_secs(grace), now)
        .await
        .context("rotating the encryption keys")?;
    store
        .append_audit(
            &AuditEvent {
                address: Some("cli".into()),
                ..AuditEvent::by_the_product(
                    jiff::Timestamp::now().as_second(),
                    "cli.keys.rotate",
                    Some(format!("key:{}", report.new_key)),
                    "ok",
                )
            },
            &keys.chain_key(),
        )
        .await?;
    store.close().await;
    println!(
        "Key {} is current: {} values sealed again, old keys destroyed: {:?}.",
        report.new_key, report.resealed, report.retired
    );
    if report.unreadable > 0 {
        println!("{} values could not be opened with any key and were left as they are.", report.unreadable);
        std::process::exit(1);
    }
    Ok(())
}

pub async fn keys_list(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let keys = store.encryption_keys().await?;
    store.close().await;
    println!(
        "key 1: the master key from the settings{}",
        if keys.iter().any(|k| k.state == sangdam_store::KeyState::Current) { "" } else { " (current)" }
    );
    for k in keys {
        println!(
            "key {}: {:?}, created {}",
            k.id,
            k.state,
            jiff::Timestamp::from_second(k.created_at).map(|t| t.to_string()).unwrap_or_default()
        );
    }
    Ok(())
}

/// Longest line `classify` reads whole; a longer one is answered with an error line (the chat
/// itself takes at most 4,000 characters).
pub const CLASSIFY_MAX_LINE_BYTES: usize = 64 * 1024;

/// `sangdam classify`: one JSON line per input line, `{"abuse": null | "insult" | "threat" |
/// "sexual", "crisis": null | "concern" | "high", "why": [...]}`, in the order read. Bytes that
/// are not UTF-8 are replaced; a line over [`CLASSIFY_MAX_LINE_BYTES`] gets `{"error": ...}`.
pub fn classify(mut input: impl std::io::BufRead, mut output: impl std::io::Write) -> anyhow::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = std::io::BufRead::read_until(
            &mut std::io::Read::take(&mut input, CLASSIFY_MAX_LINE_BYTES as u64 + 1),
            b'\n',
            &mut line,
        )?;
        if n == 0 {
            break;
        }
        let complete = line.last() == Some(&b'\n');
        let json = if !complete && line.len() > CLASSIFY_MAX_LINE_BYTES {
            // Skip the rest of the long line.
            let mut rest = Vec::new();
            input.read_until(b'\n', &mut rest)?;
            serde_json::json!({ "error": format!("line longer than {CLASSIFY_MAX_LINE_BYTES} bytes") })
        } else {
            let text = String::from_utf8_lossy(&line);
            let c = sangdam_domain::abuse::classify(text.trim_end_matches(['\n', '\r']));
            serde_json::json!({
                "abuse": c.abuse.map(sangdam_domain::abuse::Category::as_str),
                "crisis": c.crisis.map(sangdam_domain::crisis::Level::as_str),
                "why": c.why,
            })
        };
        writeln!(output, "{json}")?;
    }
    output.flush()?;
    Ok(())
}
