//! Finished reminder sends recorded together: the `sent` transactions of sends that finish
//! while one commits share the next commit (one fsync on SQLite for many sends).

use tokio::sync::{mpsc, oneshot};

use super::reminders::{self, Delivered, ReminderKey};
use crate::messages::MessageId;
use crate::money::Paise;
use crate::store::{Db, StoreError};

/// Sends finished at once, at most, in one commit: a batch of the sender's.
const MAX_BATCH: usize = 64;
/// Finished sends waiting for their commit, at most.
const QUEUE: usize = 1024;
/// Writers committing side by side on PostgreSQL, where a commit costs round trips rather than
/// an fsync, and one writer's statements one after another would make every send wait for the
/// whole batch's. SQLite has one writer connection, so one writer.
const POSTGRES_WRITERS: usize = 8;

/// One finished send, as `reminders::mark_sent` takes it, owned for the queue.
struct Finished {
    key: ReminderKey,
    amount: Paise,
    wamid: Option<String>,
    peer: String,
    body: String,
    now: i64,
    done: oneshot::Sender<Result<MessageId, StoreError>>,
}

impl Finished {
    fn delivered(&self) -> Delivered<'_> {
        Delivered {
            amount: self.amount,
            wamid: self.wamid.as_deref(),
            peer: &self.peer,
            body: &self.body,
        }
    }
}

/// Records finished sends as `reminders::mark_sent` does, several in one transaction. Each
/// caller still waits for its own commit, so "recorded" means durable, as before.
#[derive(Clone)]
pub struct SentLog {
    db: Db,
    queue: mpsc::Sender<Finished>,
}

impl SentLog {
    /// Starts the writer on the current runtime; it stops when the last `SentLog` is dropped.
    pub fn start(db: Db) -> SentLog {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let waiting = std::sync::Arc::new(tokio::sync::Mutex::new(waiting));
        let writers = match db.backend() {
            crate::store::Backend::Sqlite => 1,
            crate::store::Backend::Postgres => POSTGRES_WRITERS,
        };
        for _ in 0..writers {
            tokio::spawn(write_batches(db.clone(), waiting.clone()));
        }
        SentLog { db, queue }
    }

    /// `reminders::mark_sent`, committed with whatever else finished meanwhile.
    pub async fn mark_sent(
        &self,
        key: ReminderKey,
        sent: &Delivered<'_>,
        now: i64,
    ) -> Result<MessageId, StoreError> {
        let (done, answer) = oneshot::channel();
        let finished = Finished {
            key,
            amount: sent.amount,
            wamid: sent.wamid.map(str::to_owned),
            peer: sent.peer.to_owned(),
            body: sent.body.to_owned(),
            now,
            done,
        };
        if self.queue.send(finished).await.is_err() {
            // The writer is gone (a panic): each send records itself, as before batching.
            return reminders::mark_sent(&self.db, key, sent, now).await;
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => reminders::mark_sent(&self.db, key, sent, now).await,
        }
    }
}

/// Takes whatever finished while the last commit ran and records it in one transaction; if that
/// transaction fails, each is recorded alone, so one refused row costs the others nothing.
/// Writers take turns at the queue, not at the database.
async fn write_batches(
    db: Db,
    waiting: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Finished>>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = waiting.lock().await.recv_many(&mut batch, MAX_BATCH).await;
        if received == 0 {
            return;
        }
        match write(&db, &batch).await {
            Ok(messages) => {
                for (finished, message) in batch.drain(..).zip(messages) {
                    metrics::counter!(crate::metrics::REMINDERS, "outcome" => "sent").increment(1);
                    let _ = finished.done.send(Ok(message));
                }
            }
            Err(error) => {
                tracing::warn!(%error, sends = batch.len(), "a batch of finished reminder sends failed; recording them one by one");
                for finished in batch.drain(..) {
                    let recorded = reminders::mark_sent(
                        &db,
                        finished.key,
                        &finished.delivered(),
                        finished.now,
                    )
                    .await;
                    let _ = finished.done.send(recorded);
                }
            }
        }
    }
}

/// The batch in one transaction: its sends in as few rounds of [`reminders::mark_many_sent_in`]
/// as keep each round's sends distinct (a reminder, or a shop's peer and wamid, twice in a batch
/// goes to the next round).
async fn write(db: &Db, batch: &[Finished]) -> Result<Vec<MessageId>, StoreError> {
    let mut tx = db.begin().await?;
    let mut messages: Vec<Option<MessageId>> = vec![None; batch.len()];
    let mut left: Vec<usize> = (0..batch.len()).collect();
    while !left.is_empty() {
        let mut keys = std::collections::HashSet::new();
        let mut logged = std::collections::HashSet::new();
        let (round, later): (Vec<usize>, Vec<usize>) = left.into_iter().partition(|&n| {
            let finished = &batch[n];
            let fresh_key = !keys.contains(&finished.key);
            let fresh_log =
                !logged.contains(&(finished.key.merchant, &finished.peer, &finished.wamid));
            if fresh_key && fresh_log {
                keys.insert(finished.key);
                logged.insert((finished.key.merchant, &finished.peer, &finished.wamid));
                true
            } else {
                false
            }
        });
        let sends: Vec<_> = round
            .iter()
            .map(|&n| (batch[n].key, batch[n].delivered(), batch[n].now))
            .collect();
        let written = reminders::mark_many_sent_in(&mut tx, &sends).await?;
        for (n, message) in round.into_iter().zip(written) {
            messages[n] = Some(message);
        }
        left = later;
    }
    tx.commit().await?;
    Ok(messages.into_iter().flatten().collect())
}
