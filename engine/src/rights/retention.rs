//! How long message bodies and transcripts are kept: past the retention they are cleared, the rows (ids, direction, status, times) stay with `redacted_at`.

use chrono::TimeDelta;

use crate::store::{Db, StoreError};

/// Rows cleared per statement, so one sweep never holds the writer long.
const BATCH: i64 = 500;

/// `EXECORA_MESSAGE_RETENTION_DAYS`: message texts older than this are cleared; `None` keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRetention(Option<TimeDelta>);

impl MessageRetention {
    /// `0` days keeps texts for ever.
    pub fn days(days: u32) -> MessageRetention {
        MessageRetention((days > 0).then(|| TimeDelta::days(i64::from(days))))
    }

    pub fn keeps_forever(self) -> bool {
        self.0.is_none()
    }

    /// The instant (unix ms) before which texts go, at `now_ms`.
    pub fn cutoff(self, now_ms: i64) -> Option<i64> {
        self.0
            .map(|keep| now_ms.saturating_sub(keep.num_milliseconds()))
    }
}

/// Clears the body, transcript and reply options of every message stored before the retention
/// (all shops: it is the operator's sweep), and the customers' words copied onto reminder
/// timelines. A message still being worked on (waiting, deferred, claimed, queued or being
/// sent) keeps its text until it is done. Returns how many messages were cleared.
pub async fn purge_message_texts(
    db: &Db,
    retention: MessageRetention,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let Some(cutoff) = retention.cutoff(now_ms) else {
        return Ok(0);
    };
    let mut cleared = 0;
    loop {
        let done = sqlx::query(
            "UPDATE messages SET body = '', transcript = NULL, options = NULL, redacted_at = $1 \
             WHERE id IN (SELECT id FROM messages WHERE redacted_at IS NULL AND created_at < $2 \
             AND status NOT IN ('received', 'deferred', 'processing', 'queued', 'sending') \
             ORDER BY created_at LIMIT $3)",
        )
        .bind(now_ms)
        .bind(cutoff)
        .bind(BATCH)
        .execute(&mut *db.writer().await?)
        .await?
        .rows_affected();
        cleared += done;
        if i64::try_from(done).unwrap_or(i64::MAX) < BATCH {
            break;
        }
    }
    sqlx::query(
        "UPDATE reminder_events SET detail = NULL WHERE kind = 'replied' AND detail IS NOT NULL AND at < $1",
    )
    .bind(cutoff)
    .execute(&mut *db.writer().await?)
    .await?;
    if cleared > 0 {
        tracing::info!(cleared, "message texts past their retention cleared");
    }
    Ok(cleared)
}
