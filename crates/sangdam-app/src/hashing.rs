//! Argon2id password hashing with bounded CPU and memory. Each hash needs 19 MiB and tens of
//! milliseconds of a core, so a burst of sign-ins must not start a hash per request: at most one
//! hash runs per core (a semaphore), a request that cannot get a turn within a second is answered
//! "busy, try again" ([`HashError::Busy`]), and the 19 MiB work areas are kept in a pool and reused,
//! so the process holds `cores × 19 MiB` for hashing however many requests arrive, instead of
//! allocating (and the allocator keeping) a new area for each.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand_core::OsRng;
use sangdam_domain::NewPassword;
use tokio::sync::Semaphore;

use crate::crypto::{constant_time_eq_bytes, random};

/// Why a password could not be hashed or checked now.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every core is hashing and none came free within a second: try again.
    #[error("every core is busy hashing")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// How long a request waits for a free core before it is told to try again.
const QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Argon2id with 19 MiB, 2 passes, 1 lane (the OWASP recommendation).
fn params() -> Params {
    // The parameters are constants within Argon2's limits, so building them cannot fail.
    Params::new(19 * 1024, 2, 1, Some(32)).unwrap_or_else(|_| unreachable!())
}

struct Pool {
    turns: Semaphore,
    areas: Mutex<Vec<Vec<Block>>>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Pool { turns: Semaphore::new(cores), areas: Mutex::new(Vec::new()) }
    })
}

/// Runs `work` with a work area of `blocks` blocks, off the executor, once a core is free.
async fn with_area<T: Send + 'static>(
    blocks: usize,
    work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
) -> Result<T, HashError> {
    let pool = pool();
    let Ok(Ok(turn)) = tokio::time::timeout(QUEUE_WAIT, pool.turns.acquire()).await else {
        return Err(HashError::Busy);
    };
    let result = tokio::task::spawn_blocking(move || {
        let mut area = pool.areas.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
        area.resize(blocks, Block::default());
        let out = work(&mut area);
        // Kept for the next hash only when it is the usual size (a stored hash with unusual
        // parameters gets its own area, which then goes).
        if blocks == params().block_count() {
            pool.areas.lock().unwrap_or_else(|p| p.into_inner()).push(area);
        }
        out
    })
    .await
    .map_err(|e| HashError::Internal(e.into()));
    drop(turn);
    result
}

/// Hashes a new password (a PHC string).
pub async fn hash_password(password: &NewPassword) -> Result<String, HashError> {
    let plain = password.expose().to_owned();
    let salt = SaltString::generate(&mut OsRng);
    let p = params();
    let blocks = p.block_count();
    let raw = with_area(blocks, move |area| {
        let mut out = [0u8; 32];
        let mut salt_bytes = [0u8; 64];
        let decoded = salt.as_salt().decode_b64(&mut salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
            .hash_password_into_with_memory(plain.as_bytes(), decoded, &mut out, area)
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        Ok::<_, anyhow::Error>((out, salt))
    })
    .await?;
    let (out, salt) = raw.map_err(HashError::Internal)?;
    let output = Output::new(&out).map_err(|e| HashError::Internal(anyhow::anyhow!("argon2 output: {e}")))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: params().try_into().map_err(|e| HashError::Internal(anyhow::anyhow!("argon2 params: {e}")))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// A hash of a random password, checked when the email is unknown so that the answer takes as
/// long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        use argon2::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(&random::<16>(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks a password against a stored PHC hash (or the dummy hash when there is none).
pub async fn verify_password(stored: Option<String>, candidate: &str) -> Result<bool, HashError> {
    let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
    // Anything that is not an Argon2 hash we made (a disabled account's "!") never matches, but
    // still takes a turn, so the answer takes as long.
    let parsed = PasswordHash::new(&stored).ok().and_then(|h| {
        let p = Params::try_from(&h).ok()?;
        let mut buf = [0u8; 64];
        let salt = h.salt?.decode_b64(&mut buf).ok()?.to_vec();
        let expected = h.hash?.as_bytes().to_vec();
        (h.algorithm == argon2::ARGON2ID_IDENT).then_some((p, salt, expected))
    });
    let (p, salt, expected, real) = match parsed {
        Some((p, salt, expected)) => (p, salt, expected, true),
        None => (params(), b"sangdam-no-such-hash".to_vec(), vec![0; 32], false),
    };
    let candidate = candidate.to_owned();
    let blocks = p.block_count();
    let matched = with_area(blocks, move |area| {
        let mut out = vec![0u8; expected.len().max(4)];
        let ok = Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
            .hash_password_into_with_memory(candidate.as_bytes(), &salt, &mut out, area)
            .is_ok();
        ok && constant_time_eq_bytes(&out, &expected)
    })
    .await?;
    Ok(real && matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_match_the_phc_format() {
        let p = NewPassword::parse("quiet river under paper lanterns", &[]).unwrap();
        let h = hash_password(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(Some(h.clone()), "quiet river under paper lanterns").await.unwrap());
        assert!(!verify_password(Some(h.clone()), "quiet river under paper lantern").await.unwrap());
        assert!(!verify_password(None, "anything").await.unwrap());
        assert!(!verify_password(Some("!".into()), "anything").await.unwrap());
        // A hash made by the argon2 crate's own API (how earlier versions stored them) verifies.
        use argon2::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).unwrap())
            .hash_password(b"an older passphrase here", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password(Some(old), "an older passphrase here").await.unwrap());
    }
}
