//! Group commit for arriving messages: concurrent webhook deliveries share one commit, and
//! each is acknowledged only once its row is durable (and, when the inbox limits senders, placed
//! in its sender's window in that same commit).

use std::collections::HashMap;
use std::fmt::Write;

use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::books::MerchantId;
use crate::messages::{Delivery, MessageId, storable};
use crate::senders::{Place, SenderLimit};
use crate::store::{Backend, Db, StoreError, Work};

/// Most messages written in one statement. Bounded so one commit never holds the writer long.
const MAX_BATCH: usize = 256;
/// Deliveries waiting for the writer before callers wait for room (backpressure, not loss).
const QUEUE: usize = 4096;
/// Writers storing arrivals side by side on PostgreSQL, where a commit costs round trips rather
/// than an fsync: one writer's batches, one after another, capped ingest near 1,800 a second at
/// a p50 of 35 ms (each batch waiting for the last one's statements). A sender's messages always
/// go to the same writer (by a hash of the sender), so they are placed in their sender's window
/// in the order of their ids: two writers placing one sender's messages could give a later
/// message this minute's place and an earlier one the next minute's, and the earlier one, due
/// later, would hold the later one back (a sender's messages are answered in order). A wamid is
/// stored once by its unique key whichever writer gets it. SQLite has one writer connection,
/// so one writer.
const POSTGRES_WRITERS: usize = 4;

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
    /// When a `deferred` message may be processed (unix ms); `None` for any other.
    pub due_at: Option<i64>,
    pub at: i64,
    /// The id of the webhook request that delivered it, for the worker's log lines.
    pub request_id: Option<String>,
}

impl Arrival {
    /// The arrival with every text as both databases store it (see `messages::storable`).
    fn storable(self) -> Arrival {
        let clean = |text: String| match storable(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(cleaned) => cleaned,
        };
        Arrival {
            channel_id: clean(self.channel_id),
            peer: clean(self.peer),
            peer_user_id: self.peer_user_id.map(clean),
            kind: clean(self.kind),
            body: clean(self.body),
            media_id: self.media_id.map(clean),
            context_id: self.context_id.map(clean),
            request_id: self.request_id.map(clean),
            ..self
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

/// A stored message and its place in its sender's window.
type Stored = (MessageId, Place);

type Reply = oneshot::Sender<Result<Option<Stored>, InboxError>>;

/// The handle webhook requests store messages through. Cloning shares the one writer.
#[derive(Clone)]
pub struct Inbox {
    /// One queue a writer; a sender's messages always take the same one.
    queues: Vec<mpsc::Sender<(Arrival, Reply)>>,
    limits_senders: bool,
}

impl Inbox {
    /// Starts the writer task on the current tokio runtime; it ends when every handle is dropped.
    /// Messages are stored with the status and due time they come with.
    pub fn start(db: Db) -> Inbox {
        Inbox::spawn(db, None)
    }

    /// As [`Inbox::start`], and every new `received` message is also placed in its sender's
    /// window in the commit that stores it: over `limit`, it is stored `deferred` until its
    /// window opens. The windows live in the database, so the limit holds across every process
    /// on it; a redelivery, never inserted, never counts.
    pub fn start_limited(db: Db, limit: SenderLimit) -> Inbox {
        Inbox::spawn(db, Some(limit))
    }

    fn spawn(db: Db, limit: Option<SenderLimit>) -> Inbox {
        let limits_senders = limit.is_some();
        let writers = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        let queues = (0..writers)
            .map(|_| {
                let (queue, waiting) = mpsc::channel(QUEUE / writers);
                tokio::spawn(write_batches(db.clone(), limit.clone(), waiting));
                queue
            })
            .collect();
        Inbox {
            queues,
            limits_senders,
        }
    }

    /// Whether this inbox places messages in their senders' windows (`start_limited`).
    pub fn limits_senders(&self) -> bool {
        self.limits_senders
    }

    /// Stores `arrival` once by its channel id, returning when it is committed. `None`: that id
    /// was stored before (a redelivery), also when the copies arrive in the same batch.
    pub async fn record(&self, arrival: Arrival) -> Result<Option<MessageId>, InboxError> {
        Ok(self.record_placed(arrival).await?.map(|(id, _)| id))
    }

    /// As [`Inbox::record`], with the place the message was given in its sender's window
    /// (always [`Place::Now`] from an inbox that does not limit senders, which keeps the status
    /// the arrival came with).
    pub async fn record_placed(&self, arrival: Arrival) -> Result<Option<Stored>, InboxError> {
        let arrival = arrival.storable();
        let (reply, answer) = oneshot::channel();
        let writer = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            arrival.peer.hash(&mut hasher);
            usize::try_from(hasher.finish() % self.queues.len() as u64).unwrap_or(0)
        };
        self.queues[writer]
            .send((arrival, reply))
            .await
            .map_err(|_| InboxError::Stopped)?;
        answer.await.map_err(|_| InboxError::Stopped)?
    }
}

/// Takes whatever has queued up while the last commit ran and writes it in one statement: one
/// durable commit (one fsync on SQLite) serves many requests, which is where the throughput is.
async fn write_batches(
    db: Db,
    limit: Option<SenderLimit>,
    mut waiting: mpsc::Receiver<(Arrival, Reply)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        db.arrivals_waiting();
        let arrivals: Vec<&Arrival> = batch.iter().map(|(arrival, _)| arrival).collect();
        match write(&db, limit.as_ref(), &arrivals).await {
            Ok(ids) => {
                if ids.iter().any(Option::is_some) {
                    db.wake(Work::Inbound);
                }
                for ((_, reply), id) in batch.drain(..).zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(error) => {
                // One row the database refuses must not cost the others their place: each is
                // written alone, and only the refused one is answered with an error (Meta
                // delivers that one again).
                tracing::warn!(%error, messages = batch.len(), "a batch of arriving messages failed; writing them one by one");
                for (arrival, reply) in batch.drain(..) {
                    let written = write(&db, limit.as_ref(), &[&arrival])
                        .await
                        .map(|mut ids| ids.pop().flatten());
                    if let Err(error) = &written {
                        tracing::error!(%error, wamid = %arrival.channel_id, "could not store an arriving message");
                    }
                    if matches!(written, Ok(Some(_))) {
                        db.wake(Work::Inbound);
                    }
                    let _ =
                        reply.send(written.map_err(|error| InboxError::Failed(error.to_string())));
                }
            }
        }
        db.arrivals_written(!waiting.is_empty());
    }
}

/// One multi-row INSERT, committed on its own: a single statement is atomic, and outside an
/// explicit transaction SQLite keeps no statement journal for it (inside one, the journal of a
/// batch's ~80 touched pages spilled to a temporary file on every commit). With a sender limit,
/// the insert and the placing of the new messages share one transaction.
async fn write(
    db: &Db,
    limit: Option<&SenderLimit>,
    batch: &[&Arrival],
) -> Result<Vec<Option<Stored>>, StoreError> {
    let mut writer = db.arrivals_writer().await?;
    let Some(limit) = limit else {
        let ids = insert_many(&mut writer, db.backend(), batch).await?;
        return Ok(ids
            .into_iter()
            .map(|id| id.map(|id| (id, Place::Now)))
            .collect());
    };
    let mut tx = sqlx::Connection::begin(&mut *writer).await?;
    if db.backend() == Backend::Postgres {
        // SQLite's one writer already keeps each process's insert and placing together.
        let mut peers: Vec<&str> = batch
            .iter()
            .filter(|arrival| arrival.status == Delivery::Received)
            .map(|arrival| arrival.peer.as_str())
            .collect();
        peers.sort_unstable();
        peers.dedup();
        limit.hold_windows(&mut tx, &peers).await?;
    }
    let ids = insert_many(&mut tx, db.backend(), batch).await?;
    let places = place_new(&mut tx, limit, batch, &ids).await?;
    tx.commit().await?;
    Ok(ids
        .into_iter()
        .zip(places)
        .map(|(id, place)| id.map(|id| (id, place)))
        .collect())
}

/// Places each new `received` message of `batch` in its sender's window, and stores the ones
/// over the limit `deferred` until their window opens. Senders are placed in the order of their
/// ids, so two processes placing the same senders lock their windows in the same order (and
/// never wait for each other in a cycle); a sender's messages keep the order they arrived in.
async fn place_new(
    connection: &mut sqlx::AnyConnection,
    limit: &SenderLimit,
    batch: &[&Arrival],
    ids: &[Option<MessageId>],
) -> Result<Vec<Place>, StoreError> {
    let mut places = vec![Place::Now; batch.len()];
    let mut by_sender: Vec<(&str, usize)> = batch
        .iter()
        .zip(ids)
        .enumerate()
        .filter(|(_, (arrival, id))| id.is_some() && arrival.status == Delivery::Received)
        .map(|(at, (arrival, _))| (arrival.peer.as_str(), at))
        .collect();
    by_sender.sort();
    let now = limit.now();
    let mut deferred: Vec<(MessageId, i64)> = Vec::new();
    for same in by_sender.chunk_by(|a, b| a.0 == b.0) {
        let taken = limit.place(connection, same[0].0, same.len(), now).await?;
        for ((_, at), place) in same.iter().zip(taken) {
            places[*at] = place;
            if let (Place::Later { due }, Some(id)) = (place, ids[*at]) {
                deferred.push((id, due));
            }
        }
    }
    // The batch's messages over their senders' limits, deferred in one statement.
    for chunk in deferred.chunks(MAX_BATCH) {
        let values = (0..chunk.len())
            .map(|n| format!("(${}, ${})", 2 * n + 1, 2 * n + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let mut update = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH later(message, due) AS (VALUES {values}) \
             UPDATE messages SET status = 'deferred', next_attempt_at = later.due FROM later \
             WHERE messages.id = later.message"
        )));
        for (id, due) in chunk {
            update = update.bind(id.0).bind(*due);
        }
        update.execute(&mut *connection).await?;
    }
    Ok(places)
}

/// Parameters per row.
const COLUMNS: usize = 13;
// A whole batch is one statement: 12 parameters a row stays far below SQLite's 32,766 and
// PostgreSQL's 65,535.
const _: () = assert!(MAX_BATCH * COLUMNS < 32_766);

/// Inserts `batch` with one multi-row statement (one round trip to the database thread instead
/// of one per message) and tells each delivery whether it was new. A wamid already stored, or
/// repeated earlier in the same batch, is not new.
async fn insert_many(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
    batch: &[&Arrival],
) -> Result<Vec<Option<MessageId>>, StoreError> {
    let mut sql = String::from(
        "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, peer_user_id, kind, body, \
         media_id, status, created_at, updated_at, context_id, next_attempt_at, request_id) VALUES ",
    );
    for row in 0..batch.len() {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 1..=COLUMNS {
            match column {
                1 => {}
                // direction, a constant, comes after merchant_id.
                2 => sql.push_str(", 'in', "),
                _ => sql.push_str(", "),
            }
            match backend {
                // Plain `?` on SQLite: sqlx looks up the name of every numbered parameter, and
                // SQLite finds a name by scanning all of them, which made binding a batch
                // quadratic (5% of the ingest profile at 1,280 parameters).
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${}", row * COLUMNS + column);
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (wa_message_id) DO NOTHING RETURNING id, wa_message_id");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for arrival in batch {
        query = query
            .bind(arrival.merchant.map(|m| m.0))
            .bind(arrival.channel_id.as_str())
            .bind(arrival.peer.as_str())
            .bind(arrival.peer_user_id.as_deref())
            .bind(arrival.kind.as_str())
            .bind(arrival.body.as_str())
            .bind(arrival.media_id.as_deref())
            .bind(arrival.status.as_str())
            .bind(arrival.at)
            .bind(arrival.at)
            .bind(arrival.context_id.as_deref())
            .bind(arrival.due_at)
            .bind(arrival.request_id.as_deref());
    }
    let rows = query.fetch_all(connection).await?;
    let mut inserted: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    for row in &rows {
        inserted.insert(row.try_get("wa_message_id")?, row.try_get("id")?);
    }
    // `remove` hands each new id to the first delivery of its wamid only.
    Ok(batch
        .iter()
        .map(|arrival| inserted.remove(&arrival.channel_id).map(MessageId))
        .collect())
}
