//! The tamper-evident chain of the audit log.
//!
//! Every entry stores the hash of the entry before it and its own hash over its fields and that
//! previous hash. Changing, removing or inserting a row anywhere breaks the chain from that row
//! on, and [`verify_chain`] reports the first broken link.
//!
//! The hash is keyed: an HMAC-SHA-256 under a [`ChainKey`] derived from the server's master key,
//! written `k1:<hex>`. Someone who can write the database but does not hold the master key cannot
//! compute the hash of a changed row, so they cannot rewrite the chain from that row on. Entries
//! written before the chain was keyed carry a plain SHA-256 (`entry_hash`); they are accepted only
//! before the first keyed entry, whose MAC covers the last of them, so a rewrite of the old part
//! breaks the first keyed link too. A whole log rewritten unkeyed would pass that rule, so the server
//! keys the end of an old log when it starts and a log that ends unkeyed does not verify. Cutting
//! entries off the end is found by comparing with a head kept elsewhere (`sangdam audit head`,
//! then `sangdam audit verify --head`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The prefix of a keyed entry hash.
pub const KEYED_PREFIX: &str = "k1:";

/// The key of the audit chain's MACs. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ChainKey([u8; 32]);

impl ChainKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey([redacted])")
    }
}

/// The previous-hash of the very first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the log records of one event. `seq` numbers entries without gaps from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields {
    pub seq: i64,
    /// Unix seconds, UTC.
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub outcome: String,
}

/// An entry as stored: its fields and both hashes, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

/// Feeds an entry's fields to `update`, each length-prefixed, so that moving text from one field
/// into the next changes the hash.
fn encode(prev_hash: &str, f: &AuditFields, tag: &[u8], mut update: impl FnMut(&[u8])) {
    let mut put = |field: Option<&[u8]>| match field {
        Some(bytes) => {
            update(&(bytes.len() as u32).to_be_bytes());
            update(bytes);
        }
        None => update(&u32::MAX.to_be_bytes()),
    };
    put(Some(tag));
    put(Some(prev_hash.as_bytes()));
    put(Some(&f.seq.to_be_bytes()));
    put(Some(&f.at.to_be_bytes()));
    put(f.actor_id.as_deref().map(str::as_bytes));
    put(f.actor_role.as_deref().map(str::as_bytes));
    put(Some(f.action.as_bytes()));
    put(f.target.as_deref().map(str::as_bytes));
    put(f.address.as_deref().map(str::as_bytes));
    put(Some(f.outcome.as_bytes()));
}

/// The unkeyed hash of an entry whose predecessor's hash is `prev_hash`: how entries were chained
/// before the chain was keyed. Kept to verify those entries.
pub fn entry_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
    encode(prev_hash, f, b"sangdam-audit-v1", |b| h.update(b));
    data_encoding::HEXLOWER.encode(&h.finalize())
}

/// The keyed hash of an entry (`k1:` and the hex HMAC-SHA-256), as every new entry is chained.
pub fn keyed_hash(key: &ChainKey, prev_hash: &str, f: &AuditFields) -> String {
    // An HMAC key of any length is accepted, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0).unwrap_or_else(|_| unreachable!());
    encode(prev_hash, f, b"sangdam-audit-k1", |b| mac.update(b));
    format!("{KEYED_PREFIX}{}", data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()))
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokenLink {
    /// A sequence number is missing or out of order: rows were deleted or inserted.
    Gap { expected_seq: i64, found_seq: i64 },
    /// The entry does not point at its predecessor's hash.
    WrongPrevious { seq: i64 },
    /// The entry's own fields do not produce its stored hash: the row was changed.
    Altered { seq: i64 },
    /// The log ends before (or differs at) the head kept elsewhere: entries were cut off the end
    /// or the chain was rewritten.
    HeadMismatch { seq: i64 },
    /// The chain ends in an entry without a keyed hash. A running server keys every entry it
    /// writes and keys the end of an old chain when it starts, so a log that ends unkeyed was
    /// rewritten the old, unkeyed way by someone without the key.
    Unkeyed { seq: i64 },
}

impl BrokenLink {
    /// The sequence number where the chain first breaks (for a gap, the first missing entry).
    pub fn seq(&self) -> i64 {
        match self {
            BrokenLink::Gap { expected_seq, .. } => *expected_seq,
            BrokenLink::WrongPrevious { seq }
            | BrokenLink::Altered { seq }
            | BrokenLink::HeadMismatch { seq }
            | BrokenLink::Unkeyed { seq } => *seq,
        }
    }
}

/// Checks entries in order of `seq`, continuing from a known-good `(seq, hash)` position (or from
/// the start with `None`). Returns the last position checked, so a long log can be verified in
/// batches, or the first broken link.
pub fn verify_chain<'a>(
    key: &ChainKey,
    start: Option<(i64, String)>,
    records: impl IntoIterator<Item = &'a AuditRecord>,
) -> Result<Option<(i64, String)>, BrokenLink> {
    let mut position = start;
    for r in records {
        let (expected_seq, expected_prev) = match &position {
            Some((seq, hash)) => (seq + 1, hash.as_str()),
            None => (1, GENESIS_HASH),
        };
        if r.fields.seq != expected_seq {
            return Err(BrokenLink::Gap { expected_seq, found_seq: r.fields.seq });
        }
        if r.prev_hash != expected_prev {
            return Err(BrokenLink::WrongPrevious { seq: r.fields.seq });
        }
        // An unkeyed entry is only accepted before the first keyed one.
        let expected = if r.hash.starts_with(KEYED_PREFIX) || expected_prev.starts_with(KEYED_PREFIX) {
            keyed_hash(key, &r.prev_hash, &r.fields)
        } else {
            entry_hash(&r.prev_hash, &r.fields)
        };
        if expected != r.hash {
            return Err(BrokenLink::Altered { seq: r.fields.seq });
        }
        position = Some((r.fields.seq, r.hash.clone()));
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ChainKey {
        ChainKey::new([9; 32])
    }

    /// `n` entries, the first `unkeyed` of them chained the old, unkeyed way.
    fn mixed(n: i64, unkeyed: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let fields = AuditFields {
                    seq,
                    at: 1_800_000_000 + seq,
                    actor_id: Some(format!("user{seq}")),
                    actor_role: Some("admin".into()),
                    action: "user.read".into(),
                    target: Some("user:x".into()),
                    address: Some("127.0.0.1".into()),
                    outcome: "ok".into(),
                };
                let hash = if seq <= unkeyed { entry_hash(&prev, &fields) } else { keyed_hash(&key(), &prev, &fields) };
                let r = AuditRecord { fields, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                r
            })
            .collect()
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        mixed(n, 0)
    }

    #[test]
    fn an_intact_chain_verifies_in_batches() {
        let c = chain(10);
        let mid = verify_chain(&key(), None, &c[..4]).unwrap();
        let end = verify_chain(&key(), mid, &c[4..]).unwrap();
        assert_eq!(end.unwrap().0, 10);
        assert!(c.iter().all(|r| r.hash.starts_with(KEYED_PREFIX)));
        // Entries from before the chain was keyed are accepted before the first keyed one.
        let old = mixed(6, 3);
        assert_eq!(verify_chain(&key(), None, &old).unwrap().unwrap().0, 6);
    }

    #[test]
    fn without_the_key_nobody_rewrites_the_chain() {
        // Rewriting a row and every hash after it, as the unkeyed chain allowed.
        let mut c = chain(5);
        c[2].fields.outcome = "denied".into();
        for i in 2..5 {
            let prev = c[i - 1].hash.clone();
            c[i].prev_hash = prev.clone();
            c[i].hash = keyed_hash(&ChainKey::new([1; 32]), &prev, &c[i].fields);
        }
        assert_eq!(verify_chain(&key(), None, &c), Err(BrokenLink::Altered { seq: 3 }));
        let mut c = chain(5);
        c[2].fields.outcome = "denied".into();
        for i in 2..5 {
            let prev = c[i - 1].hash.clone();
            c[i].prev_hash = prev.clone();
            c[i].hash = entry_hash(&prev, &c[i].fields);
        }
        assert_eq!(verify_chain(&key(), None, &c), Err(BrokenLink::Altered { seq: 3 }), "no downgrade either");
        // Rewriting the unkeyed part breaks the first keyed link.
        let mut old = mixed(6, 3);
        old[1].fields.action = "nothing".into();
        old[1].hash = entry_hash(&old[1].prev_hash, &old[1].fields);
        old[2].prev_hash = old[1].hash.clone();
        old[2].hash = entry_hash(&old[2].prev_hash, &old[2].fields);
        old[3].prev_hash = old[2].hash.clone();
        assert_eq!(verify_chain(&key(), None, &old), Err(BrokenLink::Altered { seq: 4 }));
        assert!(!format!("{:?}", key()).contains('9'), "the key never shows");
    }

    #[test]
    fn changes_deletions_and_moved_text_are_found() {
        let mut c = chain(5);
        c[2].fields.outcome = "denied".into();
        assert_eq!(verify_chain(&key(), None, &c), Err(BrokenLink::Altered { seq: 3 }));

        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(&key(), None, &c), Err(BrokenLink::Gap { expected_seq: 2, found_seq: 3 }));

        // Rewriting a row and its own hash still breaks the next row's link.
        let mut c = chain(5);
        c[1].fields.action = "nothing".into();
        c[1].hash = keyed_hash(&key(), &c[1].prev_hash, &c[1].fields);
        assert_eq!(verify_chain(&key(), None, &c), Err(BrokenLink::WrongPrevious { seq: 3 }));

        let mut c = chain(2);
        c[0].fields.actor_id = Some("user".into());
        c[0].fields.actor_role = Some("1admin".into());
        assert_eq!(verify_chain(&key(), None, &c), Err(BrokenLink::Altered { seq: 1 }));
    }
}
