//! Group commit for delivery statuses: concurrent status webhooks share one commit, and each is
//! acknowledged only once its update is durable.
//!
//! Meta sends two statuses (delivered, read) for every reply, so at 500 replies a second the
//! webhook gets 1,000 statuses a second. Written one commit each, they would take the one
//! SQLite writer (and an fsync) a thousand times a second, ahead of every background write (the
//! worker's claims, bookings and answers). Hand-written beside `inbox` for the same reason: no
//! crate batches writes into sqlx transactions.

use tokio::sync::{mpsc, oneshot};

use crate::messages::{Delivery, MessageId, apply_status_on};
use crate::store::{Db, StoreError};

/// Most statuses in one commit. Bounded so one commit never holds the writer long.
const MAX_BATCH: usize = 256;
/// Statuses waiting for the writer before callers wait for room (backpressure, not loss).
const QUEUE: usize = 4096;

/// A delivery status from the channel, owned so it can wait in the writer's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    /// The channel's id of the message it is about (a wamid).
    pub channel_id: String,
    pub status: Delivery,
    /// The channel's error code and title, for a failure.
    pub error: Option<(i64, String)>,
    /// When the channel says it happened (unix ms).
    pub at: i64,
    /// The reply the status's tag names (`messages::reply_tag`), when it carries ours.
    pub reply: Option<MessageId>,
    /// The number the channel says the message went to (digits).
    pub recipient: Option<String>,
}

/// Why a status could not be stored; the caller answers so the channel delivers it again.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the status writer has stopped")]
    Stopped,
}

type Reply = oneshot::Sender<Result<bool, StatusError>>;

/// The handle webhook requests apply statuses through. Cloning shares the one writer.
#[derive(Clone)]
pub struct StatusLog {
    queue: mpsc::Sender<(StatusUpdate, Reply)>,
}

impl StatusLog {
    /// Starts the writer task on the current tokio runtime; it ends when every handle is dropped.
    pub fn start(db: Db) -> StatusLog {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, waiting));
        StatusLog { queue }
    }

    /// Applies `update` if it moves its message forward (a late `delivered` never overwrites
    /// `read`), returning once it is committed: whether anything changed. Statuses queued
    /// together are applied in the order they were queued.
    pub async fn apply(&self, update: StatusUpdate) -> Result<bool, StatusError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((update, reply))
            .await
            .map_err(|_| StatusError::Stopped)?;
        answer.await.map_err(|_| StatusError::Stopped)?
    }
}

/// Takes whatever has queued up while the last commit ran and applies it in one transaction.
async fn write_batches(db: Db, mut waiting: mpsc::Receiver<(StatusUpdate, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        db.arrivals_waiting();
        let updates: Vec<&StatusUpdate> = batch.iter().map(|(update, _)| update).collect();
        match write(&db, &updates).await {
            Ok(changed) => {
                for ((_, reply), changed) in batch.drain(..).zip(changed) {
                    let _ = reply.send(Ok(changed));
                }
            }
            Err(error) => {
                // One update the database refuses must not cost the others: each is applied
                // alone, and only the refused one is answered with an error (Meta sends it again).
                tracing::warn!(%error, statuses = batch.len(), "a batch of statuses failed; applying them one by one");
                for (update, reply) in batch.drain(..) {
                    let applied = write(&db, &[&update])
                        .await
                        .map(|changed| changed.first().copied().unwrap_or(false));
                    if let Err(error) = &applied {
                        tracing::error!(%error, wamid = %update.channel_id, "could not apply a status");
                    }
                    let _ = reply.send(applied.map_err(StatusError::from));
                }
            }
        }
        db.arrivals_written(!waiting.is_empty());
    }
}

/// The batch's updates in one transaction, in order: one durable commit (one fsync on SQLite)
/// for all of them.
async fn write(db: &Db, batch: &[&StatusUpdate]) -> Result<Vec<bool>, StoreError> {
    let mut writer = db.arrivals_writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *writer).await?;
    let mut changed = Vec::with_capacity(batch.len());
    for update in batch {
        let error = update
            .error
            .as_ref()
            .map(|(code, title)| (*code, title.as_str()));
        changed.push(
            apply_status_on(
                &mut tx,
                &update.channel_id,
                update.status,
                error,
                update.at,
                update.reply.zip(update.recipient.as_deref()),
            )
            .await?,
        );
    }
    tx.commit().await?;
    Ok(changed)
}
