//! The tamper-evident chain of the audit log.
//!
//! Every entry stores the hash of the entry before it and its own hash over its fields and that
//! previous hash. Changing, removing or inserting a row anywhere breaks the chain from that row
//! on, and [`verify_chain`] reports the first broken link.

use sha2::{Digest, Sha256};

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

/// The hash of an entry whose predecessor's hash is `prev_hash`. Every field is length-prefixed,
/// so that moving text from one field into the next changes the hash.
pub fn entry_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
    let mut put = |field: Option<&[u8]>| match field {
        Some(bytes) => {
            h.update((bytes.len() as u32).to_be_bytes());
            h.update(bytes);
        }
        None => h.update(u32::MAX.to_be_bytes()),
    };
    put(Some(b"sangdam-audit-v1"));
    put(Some(prev_hash.as_bytes()));
    put(Some(&f.seq.to_be_bytes()));
    put(Some(&f.at.to_be_bytes()));
    put(f.actor_id.as_deref().map(str::as_bytes));
    put(f.actor_role.as_deref().map(str::as_bytes));
    put(Some(f.action.as_bytes()));
    put(f.target.as_deref().map(str::as_bytes));
    put(f.address.as_deref().map(str::as_bytes));
    put(Some(f.outcome.as_bytes()));
    data_encoding::HEXLOWER.encode(&h.finalize())
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
}

impl BrokenLink {
    /// The sequence number where the chain first breaks (for a gap, the first missing entry).
    pub fn seq(&self) -> i64 {
        match self {
            BrokenLink::Gap { expected_seq, .. } => *expected_seq,
            BrokenLink::WrongPrevious { seq } | BrokenLink::Altered { seq } => *seq,
        }
    }
}

/// Checks entries in order of `seq`, continuing from a known-good `(seq, hash)` position (or from
/// the start with `None`). Returns the last position checked, so a long log can be verified in
/// batches, or the first broken link.
pub fn verify_chain<'a>(
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
        if entry_hash(&r.prev_hash, &r.fields) != r.hash {
            return Err(BrokenLink::Altered { seq: r.fields.seq });
        }
        position = Some((r.fields.seq, r.hash.clone()));
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
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
                let hash = entry_hash(&prev, &fields);
                let r = AuditRecord { fields, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                r
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_in_batches() {
        let c = chain(10);
        let mid = verify_chain(None, &c[..4]).unwrap();
        let end = verify_chain(mid, &c[4..]).unwrap();
        assert_eq!(end.unwrap().0, 10);
    }

    #[test]
    fn changes_deletions_and_moved_text_are_found() {
        let mut c = chain(5);
        c[2].fields.outcome = "denied".into();
        assert_eq!(verify_chain(None, &c), Err(BrokenLink::Altered { seq: 3 }));

        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(None, &c), Err(BrokenLink::Gap { expected_seq: 2, found_seq: 3 }));

        // Rewriting a row and its own hash still breaks the next row's link.
        let mut c = chain(5);
        c[1].fields.action = "nothing".into();
        c[1].hash = entry_hash(&c[1].prev_hash, &c[1].fields);
        assert_eq!(verify_chain(None, &c), Err(BrokenLink::WrongPrevious { seq: 3 }));

        let mut c = chain(2);
        c[0].fields.actor_id = Some("user".into());
        c[0].fields.actor_role = Some("1admin".into());
        assert_eq!(verify_chain(None, &c), Err(BrokenLink::Altered { seq: 1 }));
    }
}
