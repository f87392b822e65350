//! How much queued work waits, and since when: the figures behind the operator's queue metrics.

use sqlx::Row;

use crate::store::{Db, StoreError};

/// A queue of work the workers take from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Arrived messages not yet answered (deferred ones wait for their sender's window: not counted).
    Inbound,
    /// Replies not yet handed to WhatsApp.
    Outbound,
    /// Reminders due (or being sent) and not yet sent.
    Reminders,
}

impl Queue {
    pub const ALL: [Queue; 3] = [Queue::Inbound, Queue::Outbound, Queue::Reminders];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Inbound => "inbound",
            Queue::Outbound => "outbound",
            Queue::Reminders => "reminders",
        }
    }

    /// Rows waiting, and the time (unix ms) the oldest has waited since.
    fn sql(self) -> &'static str {
        match self {
            Queue::Inbound => {
                "SELECT COUNT(*) AS depth, MIN(created_at) AS since FROM messages \
                 WHERE direction = 'in' AND status IN ('received', 'processing')"
            }
            Queue::Outbound => {
                "SELECT COUNT(*) AS depth, MIN(created_at) AS since FROM messages \
                 WHERE direction = 'out' AND status IN ('queued', 'sending')"
            }
            Queue::Reminders => {
                "SELECT COUNT(*) AS depth, MIN(run_at) AS since FROM reminders \
                 WHERE status IN ('scheduled', 'sending') AND run_at <= $1"
            }
        }
    }
}

/// One queue's figures at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFigures {
    pub queue: Queue,
    pub depth: i64,
    /// How long the oldest item has waited (ms), 0 when the queue is empty.
    pub oldest_age_ms: i64,
}

/// Every queue's depth and oldest age at `now` (unix ms), across all shops: an operator's view.
pub async fn figures(db: &Db, now: i64) -> Result<Vec<QueueFigures>, StoreError> {
    let mut all = Vec::with_capacity(Queue::ALL.len());
    for queue in Queue::ALL {
        let query = sqlx::query(queue.sql());
        let query = match queue {
            Queue::Reminders => query.bind(now),
            Queue::Inbound | Queue::Outbound => query,
        };
        let row = query.fetch_one(db.pool()).await?;
        let depth: i64 = row.try_get("depth")?;
        let since: Option<i64> = row.try_get("since")?;
        all.push(QueueFigures {
            queue,
            depth,
            oldest_age_ms: since.map_or(0, |since| (now - since).max(0)),
        });
    }
    Ok(all)
}
