//! The append-only audit log. Appends are serialized through the one-row `audit_head` table, whose
//! update comes first in the transaction: on PostgreSQL it takes the row lock, on SQLite the write
//! lock, so two appends can never link to the same predecessor. Triggers refuse updates and
//! deletes of logged rows on both backends.

use sangdam_domain::audit::{AuditFields, AuditRecord, BrokenLink, ChainKey, KEYED_PREFIX, verify_chain};
use sangdam_domain::{Role, UserId};
use sqlx::Row;

use crate::{Result, Store, on_backend};

/// One event to log. `action` is a stable dotted name (`signin.ok`, `admin.user.role`), `target`
/// names what was acted on (`user:<id>`), never personal data in clear.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor_role: Option<Role>,
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub outcome: String,
}

impl AuditEvent {
    /// Something the product did by itself, no person acting (no actor, no address).
    pub fn by_the_product(at: i64, action: &str, target: Option<String>, outcome: &str) -> Self {
        Self {
            at,
            actor_id: None,
            actor_role: None,
            action: action.to_owned(),
            target,
            address: None,
            outcome: outcome.to_owned(),
        }
    }
}

/// The admin's search over the log; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<UserId>,
    /// Matches actions that start with this text (`signin` finds `signin.ok` and `signin.failed`).
    pub action_prefix: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Entries older than this sequence number (the next page).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Where the next page starts, when there is one.
    pub next_before: Option<i64>,
}

macro_rules! record_from_row {
    ($r:expr) => {{
        let r = $r;
        AuditRecord {
            fields: AuditFields {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                actor_role: r.try_get("actor_role")?,
                action: r.try_get("action")?,
                target: r.try_get("target")?,
                address: r.try_get("address")?,
                outcome: r.try_get("outcome")?,
            },
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
        }
    }};
}

pub(crate) const COLUMNS: &str = "seq, at, actor_id, actor_role, action, target, address, outcome, prev_hash, hash";

/// Appends an event to the chain inside an open transaction (`$tx`, a `&mut Transaction`), keyed
/// with `$key`; evaluates to its sequence number. Used by [`Store::append_audit`] and by writes
/// whose audit entry must commit with them (the head's update serializes appends either way).
macro_rules! append_audit_in {
    ($tx:expr, $e:expr, $key:expr) => {{
        let e: &$crate::AuditEvent = $e;
        let tx = $tx;
        let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
        let seq: i64 = sqlx::Row::try_get(&head, "seq")?;
        let prev_hash: String = sqlx::Row::try_get(&head, "hash")?;
        let fields = sangdam_domain::audit::AuditFields {
            seq,
            at: e.at,
            actor_id: e.actor_id.as_ref().map(|u| u.as_str().to_owned()),
            actor_role: e.actor_role.map(|r| r.as_str().to_owned()),
            action: e.action.clone(),
            target: e.target.clone(),
            address: e.address.clone(),
            outcome: e.outcome.clone(),
        };
        let hash = sangdam_domain::audit::keyed_hash($key, &prev_hash, &fields);
        sqlx::query(&format!(
            "INSERT INTO audit_log ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            $crate::audit::COLUMNS
        ))
        .bind(seq)
        .bind(fields.at)
        .bind(&fields.actor_id)
        .bind(&fields.actor_role)
        .bind(&fields.action)
        .bind(&fields.target)
        .bind(&fields.address)
        .bind(&fields.outcome)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut **tx).await?;
        seq
    }};
}
#[allow(unused_imports)]
pub(crate) use append_audit_in;

impl Store {
    /// Appends an event to the chain, keyed with `key`; returns its sequence number.
    pub async fn append_audit(&self, e: &AuditEvent, key: &ChainKey) -> Result<i64> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let seq = append_audit_in!(&mut tx, e, key);
            tx.commit().await?;
            Ok(seq)
        })
    }

    /// A page of the log, newest first.
    pub async fn audit_page(&self, f: &AuditFilter) -> Result<AuditPage> {
        let prefix = f.action_prefix.as_deref().filter(|p| !p.is_empty()).map(|p| {
            let escaped: String =
                p.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
            format!("{escaped}%")
        });
        let limit = f.limit.clamp(1, 500);
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_log WHERE \
                 ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR action LIKE $2 ESCAPE '\\') \
                 AND ($3 IS NULL OR target = $3) AND ($4 IS NULL OR outcome = $4) \
                 AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) AND ($7 IS NULL OR seq < $7) \
                 ORDER BY seq DESC LIMIT $8"
            ))
            .bind(f.actor_id.as_ref().map(UserId::as_str))
            .bind(prefix.as_deref())
            .bind(f.target.as_deref())
            .bind(f.outcome.as_deref())
            .bind(f.since)
            .bind(f.until)
            .bind(f.before_seq)
            .bind(limit + 1)
            .fetch_all(pool)
            .await?;
            let mut records = Vec::with_capacity(rows.len());
            for r in rows.iter().take(limit as usize) {
                records.push(record_from_row!(r));
            }
            let next_before = (rows.len() as i64 > limit).then(|| records.last().map(|r| r.fields.seq)).flatten();
            Ok(AuditPage { records, next_before })
        })
    }

    /// Entries after `seq` in chain order, for verification in batches.
    pub async fn audit_records_after(&self, seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(seq)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(record_from_row!(r));
            }
            Ok(out)
        })
    }

    /// The head of the chain as recorded: the last sequence number and its hash. Verification
    /// compares it with the last row, which finds rows cut off the end of the log.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        on_backend!(self, |pool| {
            let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
            Ok((r.try_get("seq")?, r.try_get("hash")?))
        })
    }

    /// Walks the whole chain in batches and checks every link (keyed with `key`), that the recorded
    /// head matches the last row, and, when given, that the chain reaches `kept_head` (a head
    /// printed earlier and kept elsewhere) with the same hash, which finds entries cut off the end
    /// together with the recorded head. Returns the number of entries checked, or the first broken
    /// link.
    pub async fn verify_audit(
        &self,
        key: &ChainKey,
        kept_head: Option<&(i64, String)>,
    ) -> Result<Result<i64, BrokenLink>> {
        let mut seen_kept = false;
        let mut position: Option<(i64, String)> = None;
        loop {
            let after = position.as_ref().map_or(0, |(seq, _)| *seq);
            let batch = self.audit_records_after(after, 1000).await?;
            if batch.is_empty() {
                break;
            }
            if let Some((seq, hash)) = kept_head
                && let Some(r) = batch.iter().find(|r| r.fields.seq == *seq)
            {
                if r.hash != *hash {
                    return Ok(Err(BrokenLink::HeadMismatch { seq: *seq }));
                }
                seen_kept = true;
            }
            match verify_chain(key, position.clone(), &batch) {
                Ok(p) => position = p,
                Err(broken) => return Ok(Err(broken)),
            }
        }
        if let Some((seq, _)) = kept_head
            && !seen_kept
            && *seq > 0
        {
            return Ok(Err(BrokenLink::HeadMismatch { seq: *seq }));
        }
        let (head_seq, head_hash) = self.audit_head().await?;
        let (last_seq, last_hash) = position.unwrap_or((0, sangdam_domain::audit::GENESIS_HASH.to_owned()));
        if head_seq != last_seq {
            return Ok(Err(BrokenLink::Gap { expected_seq: last_seq + 1, found_seq: head_seq }));
        }
        if head_hash != last_hash {
            return Ok(Err(BrokenLink::WrongPrevious { seq: head_seq }));
        }
        if last_seq > 0 && !last_hash.starts_with(KEYED_PREFIX) {
            return Ok(Err(BrokenLink::Unkeyed { seq: last_seq }));
        }
        Ok(Ok(last_seq))
    }

    /// The first entry chained with the key. Entries before it are from before the chain was
    /// keyed; if this number moves later between two checks, the log was rewritten unkeyed and
    /// continued (keep it with the head).
    pub async fn audit_keyed_since(&self) -> Result<Option<i64>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE hash LIKE 'k1:%'").fetch_one(pool).await?)
        })
    }

    /// Makes sure the chain ends in a keyed entry: a log written before the chain was keyed gets
    /// one `audit.keyed` entry, whose MAC covers all of the old part. Run at start; afterwards a
    /// log that ends unkeyed was rewritten. Returns whether an entry was added.
    pub async fn key_audit_chain(&self, key: &ChainKey, now: i64) -> Result<bool> {
        let (seq, hash) = self.audit_head().await?;
        if seq == 0 || hash.starts_with(KEYED_PREFIX) {
            return Ok(false);
        }
        let e = AuditEvent::by_the_product(now, "audit.keyed", None, "ok");
        self.append_audit(&e, key).await?;
        Ok(true)
    }
}
