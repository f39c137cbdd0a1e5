//! The waitlist: clients waiting for a day of a counselor, the freed slot offered to the first
//! of them and held for them, and what happens when the hold lapses.

use sangdam_domain::UserId;
use sangdam_domain::booking::{SessionKind, WaitlistStatus};
use sqlx::Row;

use crate::appointments::corrupt;
use crate::{Effects, Result, Store, StoreError, on_backend};

/// A freed slot to offer to the first client waiting for `day` (the counselor's local date) for one
/// of `kinds`, held under `hold_id` until `expires_at`.
#[derive(Debug, Clone, Copy)]
pub struct WaitlistOffer<'a> {
    pub counselor: &'a UserId,
    pub day: &'a str,
    pub hold_id: &'a str,
    pub kinds: &'a [SessionKind],
    pub starts_at: i64,
    pub ends_at: i64,
    pub expires_at: i64,
}

/// A waitlist entry with the client it belongs to.
#[derive(Debug, Clone)]
pub struct WaitlistEntry {
    pub id: String,
    pub counselor_id: UserId,
    pub client_id: UserId,
    pub day: String,
    pub kind: SessionKind,
    pub status: WaitlistStatus,
    pub hold_id: Option<String>,
    pub created_at: i64,
}

macro_rules! waitlist_from_row {
    ($r:expr) => {{
        let r = $r;
        let counselor: String = r.try_get("counselor_id")?;
        let client: String = r.try_get("client_id")?;
        let kind: String = r.try_get("kind")?;
        WaitlistEntry {
            id: r.try_get("id")?,
            counselor_id: UserId::parse(&counselor).ok_or_else(|| corrupt("waitlist counselor"))?,
            client_id: UserId::parse(&client).ok_or_else(|| corrupt("waitlist client"))?,
            day: r.try_get("day")?,
            kind: SessionKind::parse(&kind).ok_or_else(|| corrupt("waitlist kind"))?,
            status: {
                let s: String = r.try_get("status")?;
                WaitlistStatus::parse(&s).ok_or_else(|| StoreError::Corrupt("waitlist.status".into()))?
            },
            hold_id: r.try_get("hold_id")?,
            created_at: r.try_get("created_at")?,
        }
    }};
}

const WAITLIST_COLUMNS: &str = "id, counselor_id, client_id, day, kind, status, hold_id, created_at";

impl Store {
    /// Puts a client on a counselor's waitlist for a day (again, after they left it), with what
    /// follows it (the audit entry); `LimitReached` when they wait for `max_open` other days
    /// already.
    pub async fn join_waitlist(&self, e: &WaitlistEntry, max_open: i64, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Counted under the client's row in `throttle_locks`, so that joins sent at once cannot
            // pass the limit; the entry being joined again does not count against it.
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(format!("waitlist:{}", e.client_id))
            .bind(e.created_at)
            .execute(&mut *tx)
            .await?;
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM waitlist WHERE client_id = $1 AND status IN ('waiting', 'offered') \
                 AND NOT (counselor_id = $2 AND day = $3)",
            )
            .bind(e.client_id.as_str())
            .bind(e.counselor_id.as_str())
            .bind(&e.day)
            .fetch_one(&mut *tx)
            .await?;
            if open >= max_open {
                return Err(StoreError::LimitReached);
            }
            sqlx::query(&format!(
                "INSERT INTO waitlist ({WAITLIST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'waiting', NULL, $6) \
                 ON CONFLICT (counselor_id, client_id, day) DO UPDATE SET status = 'waiting', kind = excluded.kind, \
                 created_at = excluded.created_at, hold_id = NULL WHERE waitlist.status NOT IN ('waiting', 'offered')"
            ))
            .bind(&e.id)
            .bind(e.counselor_id.as_str())
            .bind(e.client_id.as_str())
            .bind(&e.day)
            .bind(e.kind.as_str())
            .bind(e.created_at)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, e.created_at);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes a client off a waitlist. When they held an offered slot, the hold goes and its
    /// `(counselor, starts_at, ends_at)` is returned, to be offered to the next one waiting.
    pub async fn leave_waitlist(&self, client: &UserId, id: &str) -> Result<Option<Option<(UserId, i64, i64)>>> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let hold: Option<Option<String>> = sqlx::query_scalar(
                "UPDATE waitlist SET status = 'left' WHERE id = $1 AND client_id = $2 AND status IN ('waiting', 'offered') \
                 RETURNING hold_id",
            )
            .bind(id)
            .bind(client.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(hold) = hold else { return Ok(None) };
            let mut freed = None;
            if let Some(hold) = hold {
                let row =
                    sqlx::query("DELETE FROM slot_holds WHERE id = $1 RETURNING counselor_id, starts_at, ends_at")
                        .bind(&hold)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(h) = row {
                    let counselor: String = h.try_get("counselor_id")?;
                    freed = Some((
                        UserId::parse(&counselor).ok_or_else(|| corrupt("hold counselor"))?,
                        h.try_get("starts_at")?,
                        h.try_get("ends_at")?,
                    ));
                }
            }
            tx.commit().await?;
            Ok(Some(freed))
        })
    }

    /// How many waitlist entries a client has open.
    pub async fn open_waitlist_entries(&self, client: &UserId) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM waitlist WHERE client_id = $1 AND status IN ('waiting', 'offered')",
            )
            .bind(client.as_str())
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn client_waitlist(&self, client: &UserId) -> Result<Vec<WaitlistEntry>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {WAITLIST_COLUMNS} FROM waitlist WHERE client_id = $1 AND status IN ('waiting', 'offered') ORDER BY day"
            ))
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(waitlist_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Offers a freed slot to the first client waiting for that counselor's day: a hold until
    /// `expires_at`, recorded on the entry. Returns the entry offered, or `None` when nobody waits.
    pub async fn offer_to_waitlist(&self, o: &WaitlistOffer<'_>) -> Result<Option<WaitlistEntry>> {
        let WaitlistOffer { counselor, day, hold_id, kinds, starts_at, ends_at, expires_at } = *o;
        if kinds.is_empty() {
            return Ok(None);
        }
        let placeholders = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE waitlist SET status = 'offered', hold_id = $3 WHERE id = (\
               SELECT id FROM waitlist WHERE counselor_id = $1 AND day = $2 AND status = 'waiting' \
               AND kind IN ({placeholders}) ORDER BY created_at, id LIMIT 1\
             ) AND status = 'waiting' RETURNING {WAITLIST_COLUMNS}"
        );
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Claim the first waiting entry (for a session type that fits the freed time) with a
            // write, so two offers never pick the same one.
            let mut q = sqlx::query(&sql).bind(counselor.as_str()).bind(day).bind(hold_id);
            for k in kinds {
                q = q.bind(k.as_str());
            }
            let row = q.fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Ok(None) };
            let entry = waitlist_from_row!(&row);
            sqlx::query("INSERT INTO slot_holds (id, counselor_id, client_id, starts_at, ends_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(hold_id)
                .bind(counselor.as_str())
                .bind(entry.client_id.as_str())
                .bind(starts_at)
                .bind(ends_at)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(entry))
        })
    }

    /// Ends an offer whose hold expired: the entry passes (unless it was booked), the hold goes.
    /// Returns the hold's `(counselor, starts_at, ends_at)` when there still was a hold, so the
    /// slot can go to the next one waiting.
    pub async fn expire_offer(&self, hold_id: &str) -> Result<Option<(UserId, i64, i64)>> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let hold = sqlx::query("DELETE FROM slot_holds WHERE id = $1 RETURNING counselor_id, starts_at, ends_at")
                .bind(hold_id)
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query("UPDATE waitlist SET status = 'passed' WHERE hold_id = $1 AND status = 'offered'")
                .bind(hold_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            // Whoever it was held for (they may have booked another time, or left), a hold that
            // lapsed frees its slot for the next one waiting.
            match hold {
                Some(h) => {
                    let counselor: String = h.try_get("counselor_id")?;
                    Ok(Some((
                        UserId::parse(&counselor).ok_or_else(|| corrupt("hold counselor"))?,
                        h.try_get("starts_at")?,
                        h.try_get("ends_at")?,
                    )))
                }
                None => Ok(None),
            }
        })
    }

    /// Marks the client's offered entry for that counselor as booked.
    /// The waitlist entry an offer with this hold went to, if one did.
    pub async fn waitlist_entry_by_hold(&self, hold_id: &str) -> Result<Option<WaitlistEntry>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {WAITLIST_COLUMNS} FROM waitlist WHERE hold_id = $1"))
                .bind(hold_id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(waitlist_from_row!(&r)),
                None => None,
            })
        })
    }

    pub async fn waitlist_booked(&self, counselor: &UserId, client: &UserId, day: &str) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE waitlist SET status = 'booked' WHERE counselor_id = $1 AND client_id = $2 AND day = $3 AND status IN ('waiting', 'offered')")
                .bind(counselor.as_str())
                .bind(client.as_str())
                .bind(day)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
