//! Group commit for arriving messages: concurrent webhook deliveries share one transaction, and
//! each is acknowledged only once its row is durable.

use tokio::sync::{mpsc, oneshot};

use crate::books::MerchantId;
use crate::messages::{self, Delivery, MessageId, NewInbound};
use crate::store::{Db, StoreError};

/// Most messages written in one transaction. Bounded so one commit never holds the writer long.
const MAX_BATCH: usize = 256;
/// Deliveries waiting for the writer before callers wait for room (backpressure, not loss).
const QUEUE: usize = 4096;

/// An arriving message, owned so it can wait in the writer's queue.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub merchant: Option<MerchantId>,
    pub channel_id: String,
    pub peer: String,
    pub peer_user_id: Option<String>,
    pub kind: String,
    pub body: String,
    pub media_id: Option<String>,
    pub context_id: Option<String>,
    pub status: Delivery,
    pub at: i64,
}

impl Arrival {
    fn as_new(&self) -> NewInbound<'_> {
        NewInbound {
            merchant: self.merchant,
            channel_id: &self.channel_id,
            peer: &self.peer,
            peer_user_id: self.peer_user_id.as_deref(),
            kind: &self.kind,
            body: &self.body,
            media_id: self.media_id.as_deref(),
            context_id: self.context_id.as_deref(),
            status: self.status,
            at: self.at,
        }
    }
}

/// Why a message could not be stored; the caller answers so the channel delivers it again.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not store the message: {0}")]
    Failed(String),
    #[error("the message writer has stopped")]
    Stopped,
}

type Reply = oneshot::Sender<Result<Option<MessageId>, InboxError>>;

/// The handle webhook requests store messages through. Cloning shares the one writer.
#[derive(Clone)]
pub struct Inbox {
    queue: mpsc::Sender<(Arrival, Reply)>,
}

impl Inbox {
    /// Starts the writer task on the current tokio runtime; it ends when every handle is dropped.
    pub fn start(db: Db) -> Inbox {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, waiting));
        Inbox { queue }
    }

    /// Stores `arrival` once by its channel id, returning when it is committed. `None`: that id
    /// was stored before (a redelivery), also when the copies arrive in the same batch.
    pub async fn record(&self, arrival: Arrival) -> Result<Option<MessageId>, InboxError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((arrival, reply))
            .await
            .map_err(|_| InboxError::Stopped)?;
        answer.await.map_err(|_| InboxError::Stopped)?
    }
}

/// Takes whatever has queued up while the last commit ran and writes it in one transaction: one
/// durable commit (one fsync on SQLite) serves many requests, which is where the throughput is.
async fn write_batches(db: Db, mut waiting: mpsc::Receiver<(Arrival, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write(&db, &batch).await {
            Ok(ids) => {
                for ((_, reply), id) in batch.drain(..).zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(error) => {
                tracing::error!(%error, messages = batch.len(), "could not store arriving messages");
                let shown = error.to_string();
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(InboxError::Failed(shown.clone())));
                }
            }
        }
    }
}

async fn write(db: &Db, batch: &[(Arrival, Reply)]) -> Result<Vec<Option<MessageId>>, StoreError> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(batch.len());
    for (arrival, _) in batch {
        ids.push(messages::insert_inbound(&mut *tx, &arrival.as_new()).await?);
    }
    tx.commit().await?;
    Ok(ids)
}
