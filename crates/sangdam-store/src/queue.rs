//! One lease-based queue, written once and worked over two tables: the durable jobs and the
//! outbox of messages to send. A row waits until it is due; a worker claims it by a conditional
//! update that sets a lease, so two workers never hold one row; a worker that dies leaves the
//! lease to lapse and the row to be claimed again; a failure is retried on a [`Backoff`] or given
//! up for an admin to see and put back.
//!
//! Each table says which of its columns play which part ([`Queue`]); the rows it returns are
//! its own records ([`Leased`]).

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::{Result, Store, on_backend};

/// Which columns and states of a table make up its queue. Every name is a constant of this crate,
/// never input.
pub(crate) struct Queue {
    pub table: &'static str,
    /// The columns a claim returns.
    pub columns: &'static str,
    pub waiting: &'static str,
    pub working: &'static str,
    pub done: &'static str,
    pub failed: &'static str,
    /// When a waiting row is due.
    pub due: &'static str,
    /// Until when a working row is held. The outbox keeps both in `next_attempt_at`; the jobs
    /// keep the lease apart, and clear it when the job ends.
    pub lease: &'static str,
    /// Set to the time of every change, where the table keeps one.
    pub updated: Option<&'static str>,
    /// Set to the time a row is done, where the table keeps one.
    pub done_at: Option<&'static str>,
    /// A column that splits the queue into lanes that different workers serve (the outbox's
    /// channel), where the table has one.
    pub lane: Option<&'static str>,
}

impl Queue {
    /// Due and waiting, or held under a lease that has lapsed (`$now` is the time).
    fn claimable(&self, now: &str) -> String {
        let Queue { waiting, working, due, lease, .. } = self;
        format!("((status = '{waiting}' AND {due} <= {now}) OR (status = '{working}' AND {lease} <= {now}))")
    }

    /// Clears the lease when the row stops being worked, where it has a column of its own.
    fn release(&self) -> String {
        if self.lease == self.due { String::new() } else { format!(", {} = NULL", self.lease) }
    }

    fn touch(&self, now: &str) -> String {
        self.updated.map(|c| format!(", {c} = {now}")).unwrap_or_default()
    }

    /// Claims the row `$1` until `$2` at time `$3`, when it is claimable.
    fn claim_sql(&self) -> String {
        let Queue { table, working, lease, columns, .. } = self;
        format!(
            "UPDATE {table} SET status = '{working}', {lease} = $2, attempts = attempts + 1{touch} \
             WHERE id = $1 AND {claimable} RETURNING {columns}",
            touch = self.touch("$3"),
            claimable = self.claimable("$3"),
        )
    }
}

/// A record of a table worked as a [`Queue`].
pub(crate) trait Leased: Sized {
    const QUEUE: Queue;
    fn from_sqlite(row: &SqliteRow) -> Result<Self>;
    fn from_pg(row: &PgRow) -> Result<Self>;
}

/// When a failed row is tried again: `first` seconds doubled for each attempt made so far, and
/// never again after `attempts` attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: i64,
    pub attempts: i64,
}

impl Backoff {
    /// The time of the next try after `attempts_made` tries, or `None` to give up.
    pub fn retry_at(self, attempts_made: i64, now: i64) -> Option<i64> {
        (attempts_made < self.attempts).then(|| now + self.first * (1 << attempts_made.clamp(0, 10)))
    }
}

impl Store {
    /// Claims one row by id until `lease_until` when it is due (or its lease lapsed): `None`
    /// when a worker has it already or it is not due.
    pub(crate) async fn claim_one<T: Leased>(&self, id: &str, now: i64, lease_until: i64) -> Result<Option<T>> {
        let sql = T::QUEUE.claim_sql();
        match self {
            Store::Sqlite(pool) => {
                let row = sqlx::query(&sql).bind(id).bind(lease_until).bind(now).fetch_optional(pool).await?;
                row.as_ref().map(T::from_sqlite).transpose()
            }
            Store::Postgres(pool) => {
                let row = sqlx::query(&sql).bind(id).bind(lease_until).bind(now).fetch_optional(pool).await?;
                row.as_ref().map(T::from_pg).transpose()
            }
        }
    }

    /// Claims up to `limit` claimable rows (only those in `lane`, when given and the queue has
    /// lanes), soonest due first, each by its own conditional update.
    pub(crate) async fn claim_due<T: Leased>(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
        lane: Option<&str>,
    ) -> Result<Vec<T>> {
        let q = T::QUEUE;
        let in_lane = match (q.lane, lane) {
            (Some(column), Some(_)) => format!("AND {column} = $3"),
            _ => String::new(),
        };
        let pick = format!(
            "SELECT id FROM {table} WHERE {claimable} {in_lane} ORDER BY {due} LIMIT $2",
            table = q.table,
            claimable = q.claimable("$1"),
            due = q.due,
        );
        let ids: Vec<String> = on_backend!(self, |pool| {
            let mut query = sqlx::query_scalar(&pick).bind(now).bind(limit);
            if let (Some(_), Some(lane)) = (q.lane, lane) {
                query = query.bind(lane);
            }
            query.fetch_all(pool).await?
        });
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.claim_one::<T>(&id, now, lease_until).await? {
                claimed.push(row);
            }
        }
        Ok(claimed)
    }

    /// Marks a claimed row done.
    pub(crate) async fn finish<T: Leased>(&self, id: &str, now: i64) -> Result<()> {
        let q = T::QUEUE;
        let lease = q.release();
        let done_at = q.done_at.map(|c| format!(", {c} = $2")).unwrap_or_default();
        let sql = format!(
            "UPDATE {table} SET status = '{done}', last_error = NULL{lease}{done_at}{touch} WHERE id = $1",
            table = q.table,
            done = q.done,
            touch = q.touch("$2"),
        );
        on_backend!(self, |pool| {
            sqlx::query(&sql).bind(id).bind(now).execute(pool).await?;
        });
        Ok(())
    }

    /// Records a failed try: due again at `retry_at`, or given up when it is `None`.
    pub(crate) async fn fail<T: Leased>(&self, id: &str, error: &str, retry_at: Option<i64>, now: i64) -> Result<()> {
        let q = T::QUEUE;
        let status = if retry_at.is_some() { q.waiting } else { q.failed };
        let lease = q.release();
        let sql = format!(
            "UPDATE {table} SET status = $2, {due} = COALESCE($3, {due}), last_error = $4{lease}{touch} WHERE id = $1",
            table = q.table,
            due = q.due,
            touch = q.touch("$5"),
        );
        on_backend!(self, |pool| {
            let mut query = sqlx::query(&sql).bind(id).bind(status).bind(retry_at).bind(error);
            if q.updated.is_some() {
                query = query.bind(now);
            }
            query.execute(pool).await?;
        });
        Ok(())
    }

    /// Puts a given-up row back, due now (an admin's "retry"); `false` when it had not failed.
    pub(crate) async fn requeue<T: Leased>(&self, id: &str, now: i64) -> Result<bool> {
        let q = T::QUEUE;
        let sql = format!(
            "UPDATE {table} SET status = '{waiting}', {due} = $2{touch} WHERE id = $1 AND status = '{failed}'",
            table = q.table,
            waiting = q.waiting,
            due = q.due,
            failed = q.failed,
            touch = q.touch("$2"),
        );
        on_backend!(self, |pool| {
            let done = sqlx::query(&sql).bind(id).bind(now).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;

    #[test]
    fn retries_double_and_stop() {
        let b = Backoff { first: 30, attempts: 3 };
        assert_eq!(b.retry_at(1, 1000), Some(1060));
        assert_eq!(b.retry_at(2, 1000), Some(1120));
        assert_eq!(b.retry_at(3, 1000), None);
        // A count past what a shift can hold waits the longest, never overflows.
        assert_eq!(Backoff { first: 30, attempts: i64::MAX }.retry_at(63, 0), Some(30 * 1024));
    }
}
