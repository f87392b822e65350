//! Each sender's per-minute message window kept in the database, so every process on one
//! database shares a sender's limit (the `sender_windows` table).

use std::sync::Arc;

use sqlx::Row;

use crate::store::{Db, StoreError};
use crate::time::Clock;

/// One minute, a sender's window.
pub const WINDOW_MS: i64 = 60_000;

/// Where an arriving message goes in its sender's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Within the limit: processed now.
    Now,
    /// Over the limit: processed once its window opens (unix ms).
    Later { due: i64 },
}

/// The first `per_minute` messages of a sender's window are processed at once, the rest kept and
/// scheduled one window later each `per_minute`: the rule an inbox applies in the transaction
/// that stores the messages (`Inbox::start_limited`).
#[derive(Clone)]
pub struct SenderLimit {
    per_minute: u32,
    clock: Arc<dyn Clock>,
}

impl SenderLimit {
    pub fn new(per_minute: u32, clock: Arc<dyn Clock>) -> SenderLimit {
        SenderLimit {
            per_minute: per_minute.max(1),
            clock,
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Takes the window rows of `peers` (sorted, each once) until the caller's transaction ends,
    /// before the caller inserts their messages. Two processes storing one sender's messages
    /// then number and place them in the same order: without it, the process that inserted
    /// first (lower ids, which the worker takes first) could place second and find its messages
    /// over the limit, holding the other's processable ones behind them for a window.
    pub(crate) async fn hold_windows(
        &self,
        connection: &mut sqlx::AnyConnection,
        peers: &[&str],
    ) -> Result<(), StoreError> {
        if peers.is_empty() {
            return Ok(());
        }
        let values = (0..peers.len())
            .map(|n| format!("(${}, 0, 0)", n + 1))
            .collect::<Vec<_>>()
            .join(", ");
        // A new row with nothing used is a window already over, so `place` starts it afresh.
        let mut hold = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO sender_windows (peer, started_at, used) VALUES {values} \
             ON CONFLICT (peer) DO UPDATE SET used = sender_windows.used"
        )));
        for peer in peers {
            hold = hold.bind(*peer);
        }
        hold.execute(connection).await?;
        Ok(())
    }

    /// The places of `count` new messages of `peer`, in the order they arrived, taken in the
    /// window row that the statement locks until the caller's transaction ends: a process placing
    /// the same sender waits, then counts these too. A window is over once every window holding
    /// a taken place is, and the sender then starts afresh.
    pub(crate) async fn place(
        &self,
        connection: &mut sqlx::AnyConnection,
        peer: &str,
        count: usize,
        now: i64,
    ) -> Result<Vec<Place>, StoreError> {
        let per_minute = i64::from(self.per_minute);
        let count = count as i64;
        let row = sqlx::query(
            "INSERT INTO sender_windows (peer, started_at, used) VALUES ($1, $2, $3) \
             ON CONFLICT (peer) DO UPDATE SET \
             started_at = CASE WHEN $2 >= sender_windows.started_at \
                 + ((sender_windows.used + $4 - 1) / $4) * $5 \
                 THEN $2 ELSE sender_windows.started_at END, \
             used = CASE WHEN $2 >= sender_windows.started_at \
                 + ((sender_windows.used + $4 - 1) / $4) * $5 \
                 THEN $3 ELSE sender_windows.used + $3 END \
             RETURNING started_at, used",
        )
        .bind(peer)
        .bind(now)
        .bind(count)
        .bind(per_minute)
        .bind(WINDOW_MS)
        .fetch_one(connection)
        .await?;
        let started_at: i64 = row.try_get("started_at")?;
        let used: i64 = row.try_get("used")?;
        Ok((used - count..used)
            .map(|taken_before| {
                let due = started_at + (taken_before / per_minute) * WINDOW_MS;
                // The first window is open whatever this process's clock says: another process
                // (or machine) may have started it a moment after `now`.
                if due <= now.max(started_at) {
                    Place::Now
                } else {
                    Place::Later { due }
                }
            })
            .collect())
    }
}

/// A sender's row is forgotten once the last window it took a place in has been over this long:
/// a day later, nothing it held still counts.
pub const FORGET_AFTER_MS: i64 = 24 * 3_600_000;

/// Deletes, as of `now`, the rows of senders whose last window closed more than
/// `FORGET_AFTER_MS` ago (the table would otherwise keep a row for every number that ever
/// wrote). A forgotten sender who writes again starts afresh, as it would have anyway.
pub async fn forget_quiet(db: &Db, per_minute: u32, now: i64) -> Result<u64, StoreError> {
    let per_minute = i64::from(per_minute.max(1));
    let forgotten = sqlx::query(
        "DELETE FROM sender_windows WHERE started_at + ((used + $1 - 1) / $1) * $2 < $3",
    )
    .bind(per_minute)
    .bind(WINDOW_MS)
    .bind(now - FORGET_AFTER_MS)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(forgotten.rows_affected())
}

/// Whether `peer` is due a "slow down" notice at `now`: one a window at most, whichever process
/// asks, so the notice itself cannot flood anyone.
pub async fn notice_due(db: &Db, peer: &str, now: i64) -> Result<bool, StoreError> {
    let marked = sqlx::query(
        "UPDATE sender_windows SET noticed_at = $1 \
         WHERE peer = $2 AND (noticed_at IS NULL OR noticed_at + $3 <= $1)",
    )
    .bind(now)
    .bind(peer)
    .bind(WINDOW_MS)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(marked.rows_affected() == 1)
}
