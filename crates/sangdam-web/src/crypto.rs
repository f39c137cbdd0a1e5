//! The server's secrets at work: sealing stored secrets (XChaCha20-Poly1305 with a key id, so keys
//! can be rotated), keyed hashes for CSRF tokens and throttling keys, and random tokens.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// The server's master key and its id. Sealed data names the key id in its first byte so that a
/// later rotation can tell which key opens it.
#[derive(Clone)]
pub struct Keys {
    key_id: u8,
    master: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys(id {}, [redacted])", self.key_id)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("sealed data could not be opened")]
pub struct OpenError;

impl Keys {
    pub fn new(key_id: u8, master: [u8; 32]) -> Self {
        Self { key_id, master }
    }

    /// A key derived from the master key for one purpose, so that no two uses share a key.
    fn derived(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.master).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Encrypts a small secret for storage: key id, 24-byte nonce, ciphertext and tag.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(&self.derived(&format!("seal:{purpose}")).into());
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        // Encryption with a fresh nonce into a Vec cannot fail for inputs this small.
        let ct = cipher.encrypt(XNonce::from_slice(&nonce), plaintext).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + 24 + ct.len());
        out.push(self.key_id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < 1 + 24 + 16 || sealed[0] != self.key_id {
            return Err(OpenError);
        }
        let cipher = XChaCha20Poly1305::new(&self.derived(&format!("seal:{purpose}")).into());
        cipher.decrypt(XNonce::from_slice(&sealed[1..25]), &sealed[25..]).map_err(|_| OpenError)
    }

    /// A keyed hash, hex: the same input gives the same output only on this server.
    pub fn mac_hex(&self, purpose: &str, data: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derived(purpose)).unwrap_or_else(|_| unreachable!());
        mac.update(data);
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }
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
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trip_and_tamper() {
        let k = Keys::new(1, [9; 32]);
        let sealed = k.seal("totp", b"secret");
        assert_eq!(k.open("totp", &sealed).unwrap(), b"secret");
        assert!(k.open("other", &sealed).is_err());
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(k.open("totp", &bad).is_err());
        assert!(Keys::new(2, [9; 32]).open("totp", &sealed).is_err());
    }
}
