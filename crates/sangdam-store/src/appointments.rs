//! Appointments and slot holds (the waitlist is in `waitlist`).
//!
//! No double booking is held by the database: PostgreSQL's exclusion constraint and SQLite's
//! triggers (which run inside SQLite's single writer) refuse an appointment that would overlap
//! another one of the same counselor that holds its time; the refusal surfaces as
//! [`StoreError::TimeTaken`]. Every booking transaction starts with a write, so on SQLite it takes
//! the write lock at once instead of failing to upgrade a read.
//!
//! The rest of the counselor's rules (buffer, daily cap, hours, notice, horizon) are checked again
//! inside the transaction, after the counselor's row is locked, against the appointments and holds
//! that are committed by then: two bookings racing each other see each other, so neither the
//! buffer nor the cap can be slipped past by sending requests at once. A write's audit entry and
//! the jobs carrying its mails and reminders commit with it ([`crate::Effects`]).

use sangdam_domain::booking::{AppointmentStatus, Availability, Busy, SessionKind, is_free_slot};
use sangdam_domain::{Currency, Money, UserId};
use sqlx::Row;

use crate::effects::write_effects;
use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct AppointmentRecord {
    pub id: String,
    pub counselor_id: UserId,
    pub client_id: UserId,
    pub kind: SessionKind,
    pub price: Money,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: AppointmentStatus,
    /// The client's reason for the visit, sealed by the web layer (counseling content).
    pub reason: Option<Vec<u8>>,
    pub first_time: bool,
    pub series_id: Option<String>,
    /// Increases with every change; calendars use it to apply the newest version.
    pub sequence: i64,
    pub cancel_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub created_at: i64,
    /// When it last changed (a calendar feed's DTSTAMP).
    pub updated_at: i64,
}

impl AppointmentRecord {
    pub fn busy(&self) -> Busy {
        Busy {
            start: jiff::Timestamp::from_second(self.starts_at).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            end: jiff::Timestamp::from_second(self.ends_at).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub id: String,
    pub counselor_id: UserId,
    pub client_id: UserId,
    pub kind: SessionKind,
    pub price: Money,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: AppointmentStatus,
    pub reason: Option<Vec<u8>>,
    pub first_time: bool,
    pub series_id: Option<String>,
}

const COLUMNS: &str = "id, counselor_id, client_id, kind, price_minor, currency, starts_at, ends_at, status, reason, \
     first_time, series_id, sequence, cancel_reason, cancelled_by, created_at, updated_at";

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("appointments.{what}"))
}

macro_rules! appointment_from_row {
    ($r:expr) => {{
        let r = $r;
        let counselor: String = r.try_get("counselor_id")?;
        let client: String = r.try_get("client_id")?;
        let kind: String = r.try_get("kind")?;
        let status: String = r.try_get("status")?;
        let currency: String = r.try_get("currency")?;
        let currency = Currency::parse(&currency).ok_or_else(|| corrupt("currency"))?;
        AppointmentRecord {
            id: r.try_get("id")?,
            counselor_id: UserId::parse(&counselor).ok_or_else(|| corrupt("counselor_id"))?,
            client_id: UserId::parse(&client).ok_or_else(|| corrupt("client_id"))?,
            kind: SessionKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
            price: Money::from_minor(r.try_get("price_minor")?, currency).map_err(|_| corrupt("price"))?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            status: AppointmentStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
            reason: r.try_get("reason")?,
            first_time: r.try_get("first_time")?,
            series_id: r.try_get("series_id")?,
            sequence: r.try_get("sequence")?,
            cancel_reason: r.try_get("cancel_reason")?,
            cancelled_by: r.try_get("cancelled_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        }
    }};
}

/// Whether the client has another appointment holding its time that overlaps `[starts, ends)`
/// (with any counselor; `except` is the one being moved): a client cannot be in two sessions.
/// A macro, so that it runs inside each backend's transaction of `on_backend!`.
macro_rules! client_busy {
    ($tx:expr, $client:expr, $starts:expr, $ends:expr, $except:expr) => {{
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointments WHERE client_id = $1 AND status IN ('requested', 'confirmed') \
             AND starts_at < $3 AND $2 < ends_at AND ($4 IS NULL OR id <> $4)",
        )
        .bind($client)
        .bind($starts)
        .bind($ends)
        .bind($except)
        .fetch_one(&mut *$tx)
        .await?;
        n > 0
    }};
}

/// Whether `[starts, ends)` keeps every rule of `availability` given what the counselor has
/// committed now (appointments that hold their time, except `except`; slots held for other
/// clients), read inside the booking transaction after the counselor's row is locked.
macro_rules! rules_hold {
    ($tx:expr, $availability:expr, $counselor:expr, $client:expr, $starts:expr, $ends:expr, $except:expr, $now:expr) => {{
        // Two days either side cover the local day (the cap) and any buffer.
        let (from, to) = ($starts - 2 * 86_400, $ends + 2 * 86_400);
        // Sessions held or done count: a day's cap counts the sessions already completed that day.
        let mut busy: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT starts_at, ends_at FROM appointments WHERE counselor_id = $1 \
             AND status IN ('requested', 'confirmed', 'completed', 'no_show') AND starts_at < $3 AND ends_at > $2 \
             AND ($4 IS NULL OR id <> $4)",
        )
        .bind($counselor)
        .bind(from)
        .bind(to)
        .bind($except)
        .fetch_all(&mut *$tx)
        .await?;
        let holds: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT starts_at, ends_at FROM slot_holds WHERE counselor_id = $1 AND expires_at > $2 \
             AND client_id <> $3 AND starts_at < $5 AND ends_at > $4",
        )
        .bind($counselor)
        .bind($now)
        .bind($client)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *$tx)
        .await?;
        busy.extend(holds);
        let busy: Vec<Busy> = busy
            .into_iter()
            .filter_map(|(s, e)| {
                Some(Busy { start: jiff::Timestamp::from_second(s).ok()?, end: jiff::Timestamp::from_second(e).ok()? })
            })
            .collect();
        let minutes = u32::try_from(($ends - $starts) / 60).unwrap_or(0);
        match (jiff::Timestamp::from_second($starts), jiff::Timestamp::from_second($now)) {
            (Ok(start), Ok(now)) => is_free_slot($availability, &busy, start, minutes, now),
            _ => false,
        }
    }};
}

/// Turns the database's refusal of an overlap into `TimeTaken`. PostgreSQL reports the exclusion
/// constraint by its SQLSTATE; SQLite by the message our trigger raises.
fn overlap(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && (db.code().as_deref() == Some("23P01") || db.message().contains("appointment_overlap"))
    {
        return StoreError::TimeTaken;
    }
    StoreError::from(e)
}

impl Store {
    /// Books one appointment or a whole series: all or none. `TimeTaken` when any of them overlaps
    /// an appointment that holds its time or a slot held for another client, or (with `rules`)
    /// breaks one of the counselor's rules given what is committed by now. The effects (audit,
    /// jobs) commit with the booking. `rules` is `None` only for data written by tools and tests.
    pub async fn book(
        &self,
        list: &[NewAppointment],
        now: i64,
        rules: Option<&Availability>,
        effects: &Effects,
    ) -> Result<()> {
        crate::crisis::check_write(effects.crisis.as_deref())?;
        let Some(first) = list.first() else { return Ok(()) };
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Take the write lock first (SQLite) and serialize this counselor's bookings and this
            // client's (PostgreSQL).
            sqlx::query("UPDATE counselor_profiles SET updated_at = updated_at WHERE user_id = $1")
                .bind(first.counselor_id.as_str())
                .execute(&mut *tx)
                .await?;
            // The client's row is locked too, and must still be an active account: an account
            // deleted (or deactivated) while this booking waited books nothing.
            let client = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1 AND active")
                .bind(first.client_id.as_str())
                .execute(&mut *tx)
                .await?;
            if client.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            for a in list {
                let held: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM slot_holds WHERE counselor_id = $1 AND client_id <> $2 AND expires_at > $3 \
                     AND starts_at < $5 AND $4 < ends_at",
                )
                .bind(a.counselor_id.as_str())
                .bind(a.client_id.as_str())
                .bind(now)
                .bind(a.starts_at)
                .bind(a.ends_at)
                .fetch_one(&mut *tx)
                .await?;
                if held > 0 {
                    return Err(StoreError::TimeTaken);
                }
                if let Some(av) = rules {
                    let client = a.client_id.as_str();
                    let counselor = a.counselor_id.as_str();
                    if !rules_hold!(tx, av, counselor, client, a.starts_at, a.ends_at, None::<&str>, now) {
                        return Err(StoreError::TimeTaken);
                    }
                }
                sqlx::query(&format!(
                    "INSERT INTO appointments ({COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, NULL, NULL, $13, $13)"
                ))
                .bind(&a.id)
                .bind(a.counselor_id.as_str())
                .bind(a.client_id.as_str())
                .bind(a.kind.as_str())
                .bind(a.price.minor())
                .bind(a.price.currency().code())
                .bind(a.starts_at)
                .bind(a.ends_at)
                .bind(a.status.as_str())
                .bind(a.reason.as_deref())
                .bind(a.first_time)
                .bind(a.series_id.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(overlap)?;
                // The counselor's time decides first ("just taken"); then the client's own: another
                // of their sessions overlapping this one refuses the whole booking.
                if client_busy!(tx, a.client_id.as_str(), a.starts_at, a.ends_at, Some(a.id.as_str())) {
                    return Err(StoreError::ClientBusy);
                }
                // A client who books the slot held for them uses up the hold.
                sqlx::query("DELETE FROM slot_holds WHERE counselor_id = $1 AND client_id = $2 AND starts_at = $3")
                    .bind(a.counselor_id.as_str())
                    .bind(a.client_id.as_str())
                    .bind(a.starts_at)
                    .execute(&mut *tx)
                    .await?;
            }
            write_effects!(&mut tx, effects, now);
            // A reason that speaks of suicide or self-harm raises its event with the booking.
            if let Some(w) = &effects.crisis {
                crate::crisis::raise_crisis_in!(&mut tx, w);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn appointment(&self, id: &str) -> Result<Option<AppointmentRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM appointments WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(appointment_from_row!(r)),
                None => None,
            })
        })
    }

    /// A counselor's appointments that overlap `[from, to)`, by start; with `holding_only`, only
    /// those that hold their time.
    pub async fn counselor_appointments(
        &self,
        counselor: &UserId,
        from: i64,
        to: i64,
        holding_only: bool,
    ) -> Result<Vec<AppointmentRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM appointments WHERE counselor_id = $1 AND starts_at < $3 AND ends_at > $2 \
                 AND ($4 = FALSE OR status IN ('requested', 'confirmed')) ORDER BY starts_at"
            ))
            .bind(counselor.as_str())
            .bind(from)
            .bind(to)
            .bind(holding_only)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(appointment_from_row!(r));
            }
            Ok(out)
        })
    }

    /// One page of appointments in (start, id) order after the cursor `after`, all of them or
    /// one counselor's; for the API's lists, whose cursor is the last item's start and id.
    pub async fn appointments_page(
        &self,
        counselor: Option<&UserId>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<AppointmentRecord>> {
        let (at, id) = after.unwrap_or((i64::MIN, ""));
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM appointments WHERE ($1 = '' OR counselor_id = $1) \
                 AND (starts_at > $2 OR (starts_at = $2 AND id > $3)) ORDER BY starts_at, id LIMIT $4"
            ))
            .bind(counselor.map_or("", |c| c.as_str()))
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(appointment_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Times a counselor is not free in `[from, to)`: appointments that hold their time or were held
    /// (completed, no-show: they count toward a day's cap), and slots
    /// held for a client other than `for_client`.
    pub async fn busy_times(
        &self,
        counselor: &UserId,
        from: i64,
        to: i64,
        for_client: Option<&UserId>,
        now: i64,
    ) -> Result<Vec<Busy>> {
        // Only the two times are read: decoding whole appointments was most of this query's cost.
        // Sessions held or done count, so a day's cap counts those already completed that day.
        let held: Vec<(i64, i64)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT starts_at, ends_at FROM appointments WHERE counselor_id = $1 \
                 AND status IN ('requested', 'confirmed', 'completed', 'no_show') AND starts_at < $3 AND ends_at > $2",
            )
            .bind(counselor.as_str())
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        });
        let mut busy: Vec<Busy> = Vec::with_capacity(held.len());
        for (s, e) in held {
            if let (Ok(start), Ok(end)) = (jiff::Timestamp::from_second(s), jiff::Timestamp::from_second(e)) {
                busy.push(Busy { start, end });
            }
        }
        let holds: Vec<(i64, i64)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT starts_at, ends_at FROM slot_holds WHERE counselor_id = $1 AND expires_at > $2 \
                 AND ($3 IS NULL OR client_id <> $3) AND starts_at < $5 AND ends_at > $4",
            )
            .bind(counselor.as_str())
            .bind(now)
            .bind(for_client.map(UserId::as_str))
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        });
        for (s, e) in holds {
            if let (Ok(start), Ok(end)) = (jiff::Timestamp::from_second(s), jiff::Timestamp::from_second(e)) {
                busy.push(Busy { start, end });
            }
        }
        Ok(busy)
    }

    /// A client's appointments, soonest first (`upcoming`) or latest first (past).
    pub async fn client_appointments(
        &self,
        client: &UserId,
        now: i64,
        upcoming: bool,
    ) -> Result<Vec<AppointmentRecord>> {
        let order = if upcoming { "ASC" } else { "DESC" };
        let cmp = if upcoming { ">=" } else { "<" };
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM appointments WHERE client_id = $1 AND ends_at {cmp} $2 ORDER BY starts_at {order} LIMIT 200"
            ))
            .bind(client.as_str())
            .bind(now)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(appointment_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Every appointment of a user as client or counselor from `since`, for calendar feeds.
    pub async fn user_appointments_since(&self, user: &UserId, since: i64) -> Result<Vec<AppointmentRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM appointments WHERE (client_id = $1 OR counselor_id = $1) AND ends_at >= $2 ORDER BY starts_at LIMIT 2000"
            ))
            .bind(user.as_str())
            .bind(since)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(appointment_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Moves an appointment that holds its time; `TimeTaken` when the new time overlaps another
    /// or (with `rules`) breaks one of the counselor's rules given what is committed by now.
    /// Returns false when the appointment no longer holds a time (it was cancelled meanwhile).
    /// The effects (audit, jobs) commit with the move.
    #[allow(clippy::too_many_arguments)]
    pub async fn reschedule(
        &self,
        id: &str,
        starts_at: i64,
        ends_at: i64,
        client: &UserId,
        now: i64,
        rules: Option<&Availability>,
        effects: &Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // The same order of locks as a booking (the counselor's row, then the client's), so
            // the two never wait on each other in a circle.
            let counselor: Option<String> = sqlx::query_scalar(
                "UPDATE counselor_profiles SET updated_at = updated_at \
                 WHERE user_id = (SELECT counselor_id FROM appointments WHERE id = $1) RETURNING user_id",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
                .bind(client.as_str())
                .execute(&mut *tx)
                .await?;
            let holding: Option<String> = sqlx::query_scalar(
                "UPDATE appointments SET updated_at = $2 WHERE id = $1 AND status IN ('requested', 'confirmed') RETURNING counselor_id",
            )
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let (Some(counselor), Some(_)) = (counselor, holding) else { return Ok(false) };
            if let Some(av) = rules
                && !rules_hold!(tx, av, counselor.as_str(), client.as_str(), starts_at, ends_at, Some(id), now)
            {
                return Err(StoreError::TimeTaken);
            }
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM slot_holds WHERE counselor_id = $1 AND client_id <> $2 AND expires_at > $3 \
                 AND starts_at < $5 AND $4 < ends_at",
            )
            .bind(&counselor)
            .bind(client.as_str())
            .bind(now)
            .bind(starts_at)
            .bind(ends_at)
            .fetch_one(&mut *tx)
            .await?;
            if held > 0 {
                return Err(StoreError::TimeTaken);
            }
            sqlx::query(
                // The status is left as it is: an approval that lands meanwhile must stand.
                "UPDATE appointments SET starts_at = $2, ends_at = $3, sequence = sequence + 1, updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(starts_at)
            .bind(ends_at)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(overlap)?;
            // The counselor's time decided first; then the client's own other sessions.
            if client_busy!(tx, client.as_str(), starts_at, ends_at, Some(id)) {
                return Err(StoreError::ClientBusy);
            }
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Changes the status of an appointment that is in one of `from`; returns false otherwise
    /// (and writes none of the effects). The effects (audit, jobs) commit with the change.
    pub async fn set_appointment_status(
        &self,
        id: &str,
        from: &[AppointmentStatus],
        to: AppointmentStatus,
        cancel: Option<(&str, &str)>,
        now: i64,
        effects: &Effects,
    ) -> Result<bool> {
        let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let placeholders = (0..allowed.len()).map(|i| format!("${}", i + 6)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE appointments SET status = $2, cancel_reason = COALESCE($3, cancel_reason), \
             cancelled_by = COALESCE($4, cancelled_by), sequence = sequence + 1, updated_at = $5 \
             WHERE id = $1 AND status IN ({placeholders})"
        );
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut q = sqlx::query(&sql)
                .bind(id)
                .bind(to.as_str())
                .bind(cancel.map(|c| c.0))
                .bind(cancel.map(|c| c.1))
                .bind(now);
            for s in &allowed {
                q = q.bind(*s);
            }
            let done = q.execute(&mut *tx).await.map_err(overlap)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }
}
