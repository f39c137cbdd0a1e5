//! The server's secrets at work: sealing stored data (XChaCha20-Poly1305; each ciphertext names
//! the id of the key that sealed it, so keys can be rotated), keyed hashes for CSRF tokens and
//! throttling keys, and random tokens.
//!
//! Key id 1 is derived from the master key in the settings. Rotation (`sangdam keys rotate`, see
//! [`rotate`]) adds data keys 2, 3, ... which live in the database wrapped under the master key;
//! every server reloads them every [`REFRESH_SECONDS`], so a rotation needs no restart.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sangdam_store::{KeyState, SealedColumn, Store};
use sha2::{Digest, Sha256};

/// How often a running server reloads the data keys.
pub const REFRESH_SECONDS: u64 = 10;

/// The master key's own key id.
const MASTER_ID: u8 = 1;

/// The keyring: the master key (which also wraps the data keys and keys every MAC) and the data
/// keys by id, one of them current for new data. Clones share the ring.
#[derive(Clone)]
pub struct Keys {
    master: [u8; 32],
    ring: Arc<RwLock<Ring>>,
}

#[derive(Default)]
struct Ring {
    current: u8,
    data: HashMap<u8, [u8; 32]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys(current {}, [redacted])", self.current_id())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("sealed data could not be opened")]
pub struct OpenError;

/// The key id a sealed value names, if it is long enough to be one.
pub fn key_id_of(sealed: &[u8]) -> Option<u8> {
    (sealed.len() >= 1 + 24 + 16).then(|| sealed[0])
}

fn derive(root: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(root).unwrap_or_else(|_| unreachable!());
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

fn seal_with(root: &[u8; 32], key_id: u8, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
    seal_with_aad(root, key_id, purpose, plaintext, b"")
}

fn seal_with_aad(root: &[u8; 32], key_id: u8, purpose: &str, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(&derive(root, &format!("seal:{purpose}")).into());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    // Encryption with a fresh nonce into a Vec cannot fail.
    let payload = chacha20poly1305::aead::Payload { msg: plaintext, aad };
    let ct = cipher.encrypt(XNonce::from_slice(&nonce), payload).unwrap_or_default();
    let mut out = Vec::with_capacity(1 + 24 + ct.len());
    out.push(key_id);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

fn open_with(root: &[u8; 32], purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
    open_with_aad(root, purpose, sealed, b"")
}

fn open_with_aad(root: &[u8; 32], purpose: &str, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpenError> {
    if sealed.len() < 1 + 24 + 16 {
        return Err(OpenError);
    }
    let cipher = XChaCha20Poly1305::new(&derive(root, &format!("seal:{purpose}")).into());
    let payload = chacha20poly1305::aead::Payload { msg: &sealed[25..], aad };
    cipher.decrypt(XNonce::from_slice(&sealed[1..25]), payload).map_err(|_| OpenError)
}

/// What a rotation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub new_key: u8,
    /// Values sealed again under the new key.
    pub resealed: u64,
    /// Values no key opens (damaged); left as they are and reported, never dropped.
    pub unreadable: u64,
    /// Old data keys destroyed because nothing sealed under them is left.
    pub retired: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("all 254 data key ids are used")]
    Exhausted,
    #[error(transparent)]
    Store(#[from] sangdam_store::StoreError),
}

impl Keys {
    /// A keyring with only the master key, current for new data until [`Keys::refresh`] finds data
    /// keys in the database.
    pub fn new(master: [u8; 32]) -> Self {
        Self { master, ring: Arc::new(RwLock::new(Ring { current: MASTER_ID, data: HashMap::new() })) }
    }

    fn root(&self, id: u8) -> Option<[u8; 32]> {
        if id == MASTER_ID {
            return Some(self.master);
        }
        self.ring.read().unwrap_or_else(|p| p.into_inner()).data.get(&id).copied()
    }

    /// The id of the key new data is sealed with.
    pub fn current_id(&self) -> u8 {
        self.ring.read().unwrap_or_else(|p| p.into_inner()).current
    }

    /// Encrypts data under the current key, bound to nothing: key id, 24-byte nonce, ciphertext
    /// and tag. Stored data is sealed with [`Keys::seal_at`]; this is for the crate's own tests.
    #[cfg(test)]
    fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        // The id and its key are read together, so a reload in between cannot pair them wrongly.
        let (id, root) = {
            let ring = self.ring.read().unwrap_or_else(|p| p.into_inner());
            match ring.data.get(&ring.current) {
                Some(key) => (ring.current, *key),
                None => (MASTER_ID, self.master),
            }
        };
        seal_with(&root, id, purpose, plaintext)
    }

    /// Seals a value for its place: the column and the row that will hold it (the column's
    /// `bind` values, in order) are its associated data, so the value opens nowhere else.
    pub fn seal_at(&self, column: &SealedColumn, row: &[&str], plaintext: &[u8]) -> Vec<u8> {
        let (id, root) = self.current_root();
        seal_with_aad(&root, id, column.purpose, plaintext, &column.aad(row))
    }

    /// Opens a value stored in this place. A value sealed before values were bound to their place
    /// (no associated data) still opens, until key rotation seals it again, bound; a value moved
    /// here from another row or column does not.
    pub fn open_at(&self, column: &SealedColumn, row: &[&str], sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        self.open_aad(column.purpose, &column.aad(row), sealed)
    }

    fn open_aad(&self, purpose: &str, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let root = key_id_of(sealed).and_then(|id| self.root(id)).ok_or(OpenError)?;
        open_with_aad(&root, purpose, sealed, aad).or_else(|_| open_with(&root, purpose, sealed))
    }

    fn current_root(&self) -> (u8, [u8; 32]) {
        // The id and its key are read together, so a reload in between cannot pair them wrongly.
        let ring = self.ring.read().unwrap_or_else(|p| p.into_inner());
        match ring.data.get(&ring.current) {
            Some(key) => (ring.current, *key),
            None => (MASTER_ID, self.master),
        }
    }

    /// Opens data sealed under any key of the ring, bound to nothing (see [`Keys::open_at`]).
    #[cfg(test)]
    fn open(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let root = key_id_of(sealed).and_then(|id| self.root(id)).ok_or(OpenError)?;
        open_with(&root, purpose, sealed)
    }

    /// Reloads the data keys from the database. A key that does not unwrap under this server's
    /// master key is an error: servers sharing a database must share the master key.
    pub async fn refresh(&self, store: &Store) -> Result<(), sangdam_store::StoreError> {
        let rows = store.encryption_keys().await?;
        let mut ring = Ring { current: MASTER_ID, data: HashMap::new() };
        for k in rows {
            let (Some(wrapped), false) = (&k.wrapped, k.state == KeyState::Retired) else { continue };
            let key: [u8; 32] = open_with(&self.master, "data-key", wrapped)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| sangdam_store::StoreError::Corrupt(format!("encryption_keys.{}", k.id)))?;
            ring.data.insert(k.id, key);
            if k.state == KeyState::Current {
                ring.current = k.id;
            }
        }
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = ring;
        Ok(())
    }

    /// A keyed hash, hex: the same input gives the same output only on this server. Always keyed by
    /// the master key, so rotating data keys does not end sessions or CSRF tokens.
    pub fn mac_hex(&self, purpose: &str, data: &[u8]) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&derive(&self.master, purpose)).unwrap_or_else(|_| unreachable!());
        mac.update(data);
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }

    /// The key of the audit chain's MACs, derived from the master key (never from a data key, so
    /// rotation does not touch the chain).
    pub fn chain_key(&self) -> sangdam_domain::audit::ChainKey {
        sangdam_domain::audit::ChainKey::new(derive(&self.master, "audit.chain"))
    }
}

/// Seals everything again under a new data key, while servers keep running:
///
/// 1. a new key is stored as `active`: servers can open with it but do not seal with it yet;
/// 2. after `grace` (at least one refresh), it becomes `current`: servers seal new data with it;
/// 3. after another `grace`, every sealed column is walked and each value under an older key is
///    opened and sealed again (an update that only lands if the value did not change meanwhile);
/// 4. older data keys under which nothing is left are destroyed (`retired`).
///
/// `grace` must exceed [`REFRESH_SECONDS`] when other servers share the database; a lone process
/// (or a test) may pass zero.
pub async fn rotate(store: &Store, keys: &Keys, grace: std::time::Duration, now: i64) -> Result<Rotation, RotateError> {
    keys.refresh(store).await?;
    let existing = store.encryption_keys().await?;
    let new_id =
        existing.iter().map(|k| k.id).max().unwrap_or(MASTER_ID).checked_add(1).ok_or(RotateError::Exhausted)?;
    let key = random::<32>();
    store.add_encryption_key(new_id, &seal_with(&keys.master, MASTER_ID, "data-key", &key), now).await?;
    keys.refresh(store).await?;
    tokio::time::sleep(grace).await;
    store.make_key_current(new_id).await?;
    keys.refresh(store).await?;
    tokio::time::sleep(grace).await;
    let mut report = Rotation { new_key: new_id, ..Rotation::default() };
    for column in sangdam_store::SEALED_COLUMNS {
        let mut after = None;
        loop {
            let batch = store.sealed_batch(column, new_id, after.as_ref(), 200).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.key.clone());
            for v in &batch {
                // Sealed again bound to its place, whether or not it was before.
                match keys.open_aad(column.purpose, &v.aad, &v.sealed) {
                    Ok(plain) => {
                        let (id, root) = keys.current_root();
                        let fresh = seal_with_aad(&root, id, column.purpose, &plain, &v.aad);
                        if store.reseal(column, &v.key, &v.sealed, &fresh).await? {
                            report.resealed += 1;
                        }
                    }
                    Err(OpenError) => report.unreadable += 1,
                }
            }
        }
    }
    for k in existing.iter().filter(|k| k.state != KeyState::Retired) {
        if store.retire_key_if_unused(k.id, now).await? {
            report.retired.push(k.id);
        }
    }
    keys.refresh(store).await?;
    Ok(report)
}

/// Random bytes from the operating system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// A fast hash for high-entropy secrets (recovery codes): brute force is hopeless anyway.
pub fn sha256_hex(data: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(data))
}

/// Compares two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    constant_time_eq_bytes(a.as_bytes(), b.as_bytes())
}

/// Whether two byte strings are equal, in time that depends only on their length.
pub fn constant_time_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_in_its_place() {
        use sangdam_store::sealed::{MESSAGE, NOTE_VERSION};
        let k = Keys::new([9; 32]);
        let sealed = k.seal_at(&MESSAGE, &["m1"], b"hello");
        assert_eq!(k.open_at(&MESSAGE, &["m1"], &sealed).unwrap(), b"hello");
        assert!(k.open_at(&MESSAGE, &["m2"], &sealed).is_err(), "another row");
        assert!(k.open_at(&NOTE_VERSION, &["m1"], &sealed).is_err(), "another column");
        // A value sealed before binding still opens where it is.
        let legacy = k.seal("message", b"old");
        assert_eq!(k.open_at(&MESSAGE, &["any"], &legacy).unwrap(), b"old");
    }

    #[test]
    fn seal_round_trip_and_tamper() {
        let k = Keys::new([9; 32]);
        let sealed = k.seal("totp", b"secret");
        assert_eq!(k.open("totp", &sealed).unwrap(), b"secret");
        assert!(k.open("other", &sealed).is_err());
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(k.open("totp", &bad).is_err());
        assert!(Keys::new([8; 32]).open("totp", &sealed).is_err());
        let mut other_id = sealed.clone();
        other_id[0] = 2;
        assert!(k.open("totp", &other_id).is_err());
    }
}
