//! The conversation log: every message in and out, stored once by its channel id; outbound
//! rows double as the outbox that sandbox mode and the sender read.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::books::MerchantId;
use crate::claimants::Claimant;
use crate::store::{Db, StoreError, Work, is_unique_violation};

/// Our id of a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub i64);

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

/// Where an outbound message is on its way to the phone. Order matters: a status only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Stored, waiting for the sender.
    Queued,
    /// Kept in the sandbox outbox: no WhatsApp credentials, nothing leaves the machine.
    Sandbox,
    Sent,
    Delivered,
    Read,
    Played,
    Failed,
    /// Inbound: stored, to be processed.
    Received,
    /// Outbound: handed to the channel, acceptance not yet recorded (recorded by a status carrying
    /// its tag, or sent again after a grace if none comes: `resend_unconfirmed`).
    Sending,
    /// Inbound: claimed by a worker.
    Processing,
    /// Inbound: processed.
    Processed,
    /// Inbound: stored but not processed (a customer writing, another business number's message).
    Logged,
    /// Inbound: over its sender's per-minute limit, processed once its window allows
    /// (`next_attempt_at`).
    Deferred,
    /// Inbound: failed on every attempt; never tried again on its own (see `execora inbox --dead`).
    Dead,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Sandbox => "sandbox",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
            Delivery::Played => "played",
            Delivery::Failed => "failed",
            Delivery::Received => "received",
            Delivery::Sending => "sending",
            Delivery::Processing => "processing",
            Delivery::Processed => "processed",
            Delivery::Logged => "logged",
            Delivery::Deferred => "deferred",
            Delivery::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Delivery> {
        [
            Delivery::Queued,
            Delivery::Sandbox,
            Delivery::Sent,
            Delivery::Delivered,
            Delivery::Read,
            Delivery::Played,
            Delivery::Failed,
            Delivery::Received,
            Delivery::Sending,
            Delivery::Processing,
            Delivery::Processed,
            Delivery::Logged,
            Delivery::Deferred,
            Delivery::Dead,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
    }

    /// Progress of an outbound message; `failed` is final.
    fn rank(self) -> u8 {
        match self {
            Delivery::Queued
            | Delivery::Sandbox
            | Delivery::Received
            | Delivery::Sending
            | Delivery::Processing
            | Delivery::Deferred => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Played => 4,
            Delivery::Processed | Delivery::Logged | Delivery::Dead => 5,
            Delivery::Failed => 6,
        }
    }

    /// Statuses of lower rank than `self`, as stored: the ones `self` may replace.
    fn replaces(self) -> Vec<&'static str> {
        [
            Delivery::Queued,
            Delivery::Sandbox,
            Delivery::Sent,
            Delivery::Delivered,
            Delivery::Read,
            Delivery::Played,
        ]
        .into_iter()
        .filter(|d| d.rank() < self.rank())
        .map(Delivery::as_str)
        .collect()
    }
}

/// `text` as both databases can store it. PostgreSQL refuses a NUL character in text (SQLite
/// keeps it), and one refused row would fail its whole batch; NUL carries nothing a merchant
/// meant, so it is dropped on both databases alike and a message reads the same on either.
pub fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub id: MessageId,
    pub merchant: Option<MerchantId>,
    pub direction: Direction,
    pub channel_id: Option<String>,
    pub peer: String,
    pub kind: String,
    pub body: String,
    pub status: Delivery,
    pub error_code: Option<i64>,
    /// The message this one replies to (WhatsApp's context id), when the sender quoted one.
    pub context_id: Option<String>,
    /// What a voice note said, once transcribed.
    pub transcript: Option<String>,
    pub created_at: i64,
}

/// A message arriving from a phone.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub merchant: Option<MerchantId>,
    /// The channel's unique id (WhatsApp `wamid`), the deduplication key.
    pub channel_id: &'a str,
    pub peer: &'a str,
    pub peer_user_id: Option<&'a str>,
    pub kind: &'a str,
    pub body: &'a str,
    pub media_id: Option<&'a str>,
    /// The wamid of the message this one replies to.
    pub context_id: Option<&'a str>,
    pub status: Delivery,
    pub at: i64,
}

/// A message to a phone.
#[derive(Debug, Clone)]
pub struct NewOutbound<'a> {
    pub merchant: Option<MerchantId>,
    pub peer: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
    pub in_reply_to: Option<MessageId>,
    /// A question's quick replies as JSON `[{"id","title"}]`, sent as reply buttons.
    pub options: Option<&'a str>,
    pub status: Delivery,
    pub at: i64,
}

const COLUMNS: &str = "id, merchant_id, direction, wa_message_id, peer, kind, body, status, error_code, \
     context_id, transcript, created_at";

/// The row's `status`, which only this module writes: anything else is a corrupt row.
fn delivery_from_row(row: &AnyRow) -> Result<Delivery, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Delivery::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "status".to_string(),
        source: format!("unknown message status {status:?}").into(),
    })
}

pub(crate) fn from_row(row: &AnyRow) -> Result<StoredMessage, sqlx::Error> {
    let direction: String = row.try_get("direction")?;
    Ok(StoredMessage {
        id: MessageId(row.try_get("id")?),
        merchant: row
            .try_get::<Option<i64>, _>("merchant_id")?
            .map(MerchantId),
        direction: if direction == "in" {
            Direction::In
        } else {
            Direction::Out
        },
        channel_id: row.try_get("wa_message_id")?,
        peer: row.try_get("peer")?,
        kind: row.try_get("kind")?,
        body: row.try_get("body")?,
        status: delivery_from_row(row)?,
        error_code: row.try_get("error_code")?,
        context_id: row.try_get("context_id")?,
        transcript: row.try_get("transcript")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores an inbound message once. `None` when that channel id was stored before (a redelivery).
pub async fn record_inbound(
    db: &Db,
    new: &NewInbound<'_>,
) -> Result<Option<MessageId>, StoreError> {
    let inserted: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, peer_user_id, kind, body, media_id, status, created_at, updated_at, context_id) \
         VALUES ($1, 'in', $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) ON CONFLICT (wa_message_id) DO NOTHING RETURNING id",
    )
    .bind(new.merchant.map(|m| m.0))
    .bind(new.channel_id)
    .bind(new.peer)
    .bind(new.peer_user_id)
    .bind(new.kind)
    .bind(storable(new.body).as_ref())
    .bind(new.media_id)
    .bind(new.status.as_str())
    .bind(new.at)
    .bind(new.context_id)
    .fetch_optional(&mut *db.writer().await?)
    .await;
    match inserted {
        Ok(id) => Ok(id.map(MessageId)),
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Stores an outbound message (the outbox row the sender or the sandbox takes it from).
pub async fn record_outbound(db: &Db, new: &NewOutbound<'_>) -> Result<MessageId, StoreError> {
    let id = insert_outbound(&mut *db.writer().await?, new).await?;
    db.wake(Work::Outbound);
    Ok(id)
}

/// Stores an outbound message inside the caller's transaction (a login code with its code row);
/// the caller wakes the sender ([`Db::wake`]) once it has committed.
pub(crate) async fn record_outbound_in(
    tx: &mut crate::store::Tx,
    new: &NewOutbound<'_>,
) -> Result<MessageId, StoreError> {
    insert_outbound(&mut **tx, new).await
}

async fn insert_outbound<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    new: &NewOutbound<'_>,
) -> Result<MessageId, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (merchant_id, direction, peer, kind, body, status, in_reply_to, options, created_at, updated_at) \
         VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(new.merchant.map(|m| m.0))
    .bind(new.peer)
    .bind(new.kind)
    .bind(new.body)
    .bind(new.status.as_str())
    .bind(new.in_reply_to.map(|m| m.0))
    .bind(new.options)
    .bind(new.at)
    .fetch_one(executor)
    .await?;
    Ok(MessageId(id))
}

/// Marks an inbound message processed or logged.
pub async fn set_inbound_status(
    db: &Db,
    id: MessageId,
    status: Delivery,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE messages SET status = $1, updated_at = $2 WHERE id = $3 AND direction = 'in'",
    )
    .bind(status.as_str())
    .bind(at)
    .bind(id.0)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// Records that the channel accepted an outbound message under `channel_id`.
pub async fn mark_sent(
    db: &Db,
    id: MessageId,
    channel_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE messages SET wa_message_id = $1, status = CASE WHEN status IN ('queued', 'sandbox', 'sending') THEN 'sent' ELSE status END, \
         updated_at = $2 WHERE id = $3 AND direction = 'out'",
    )
    .bind(channel_id)
    .bind(at)
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    // A status Meta sent before this record was written.
    apply_early_statuses(&mut tx, channel_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies a delivery status from the channel, only if it moves the message forward
/// (a late `delivered` never overwrites `read`). Returns whether anything changed. The webhook
/// goes through [`crate::statuses::StatusLog`], which commits many statuses at once.
pub async fn apply_status(
    db: &Db,
    channel_id: &str,
    status: Delivery,
    error: Option<(i64, &str)>,
    at: i64,
) -> Result<bool, StoreError> {
    // Statuses arrive on the webhook, whose requests go ahead of background writes.
    apply_status_on(
        &mut *db.arrivals_writer().await?,
        channel_id,
        status,
        error,
        at,
        None,
    )
    .await
}

/// What a reply is tagged with when sent (`biz_opaque_callback_data`), which Meta echoes on every
/// status of it: a status can then name the reply even if the record of its send was lost.
pub fn reply_tag(id: MessageId) -> String {
    format!("{REPLY_TAG}{}", id.0)
}

/// The reply a status's tag names, if it is one of ours.
pub fn parse_reply_tag(tag: &str) -> Option<MessageId> {
    tag.strip_prefix(REPLY_TAG)?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(MessageId)
}

const REPLY_TAG: &str = "execora-reply:";

/// [`apply_status`] on a connection the caller holds (inside a transaction, for a batch).
/// `tagged` is the reply the status's tag names ([`reply_tag`]) and the number Meta says it went
/// to: a reply to that number whose send went out but was never recorded (the process was
/// killed in between) is recorded as sent by it.
pub(crate) async fn apply_status_on(
    connection: &mut sqlx::AnyConnection,
    channel_id: &str,
    status: Delivery,
    error: Option<(i64, &str)>,
    at: i64,
    tagged: Option<(MessageId, &str)>,
) -> Result<bool, StoreError> {
    let replaceable = status.replaces();
    if replaceable.is_empty() {
        return Ok(false);
    }
    // The replaceable set is at most six fixed words, bound one by one.
    let parameters: Vec<String> = (0..replaceable.len())
        .map(|i| format!("${}", i + 6))
        .collect();
    let sql = format!(
        "UPDATE messages SET status = $1, error_code = COALESCE($2, error_code), error_title = COALESCE($3, error_title), \
         updated_at = $4 WHERE wa_message_id = $5 AND direction = 'out' AND status IN ({})",
        parameters.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status.as_str())
        .bind(error.map(|(code, _)| code))
        .bind(error.map(|(_, title)| title.chars().take(300).collect::<String>()))
        .bind(at)
        .bind(storable(channel_id).into_owned());
    for word in replaceable {
        query = query.bind(word);
    }
    if query.execute(&mut *connection).await?.rows_affected() > 0 {
        return Ok(true);
    }
    // No reply has this wamid yet: the status may have overtaken the record of its send, and
    // waits for it (migration 0025).
    let known: Option<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE wa_message_id = $1")
        .bind(storable(channel_id).into_owned())
        .fetch_optional(&mut *connection)
        .await?;
    // Tagged as a reply whose send is unrecorded (still `sending`, or put back in line after
    // it by `resend_unconfirmed`, so claimed before): it went out under this wamid, and is not
    // sent again. The number must be the reply's, so a tag from elsewhere (another install on
    // the same Meta app) cannot mark one of ours sent.
    if known.is_none()
        && let Some((reply, recipient)) = tagged
    {
        let recorded = sqlx::query(
            "UPDATE messages SET wa_message_id = $1, status = 'sent', updated_at = $2 \
             WHERE id = $3 AND direction = 'out' AND peer = $4 AND wa_message_id IS NULL \
             AND (status = 'sending' OR (status = 'queued' AND attempts > 0))",
        )
        .bind(storable(channel_id).into_owned())
        .bind(at)
        .bind(reply.0)
        .bind(storable(recipient).into_owned())
        .execute(&mut *connection)
        .await?
        .rows_affected();
        if recorded > 0 {
            // Statuses of this send that came before its tagged one, then this one.
            apply_early_statuses(connection, channel_id).await?;
            return Box::pin(apply_status_on(
                connection, channel_id, status, error, at, None,
            ))
            .await
            .map(|_| true);
        }
    }
    if known.is_none() {
        sqlx::query(
            "INSERT INTO early_statuses (wa_message_id, status, error_code, error_title, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(storable(channel_id).into_owned())
        .bind(status.as_str())
        .bind(error.map(|(code, _)| code))
        .bind(error.map(|(_, title)| title.chars().take(300).collect::<String>()))
        .bind(at)
        .execute(&mut *connection)
        .await?;
    }
    Ok(false)
}

/// Applies to the reply sent as `channel_id` the statuses that arrived before its send was
/// recorded, and forgets them.
async fn apply_early_statuses(
    connection: &mut sqlx::AnyConnection,
    channel_id: &str,
) -> Result<(), StoreError> {
    let early = sqlx::query(
        "DELETE FROM early_statuses WHERE wa_message_id = $1 \
         RETURNING status, error_code, error_title, at",
    )
    .bind(channel_id)
    .fetch_all(&mut *connection)
    .await?;
    for row in early {
        let status: String = row.try_get("status")?;
        let Some(status) = Delivery::parse(&status) else {
            continue;
        };
        let code: Option<i64> = row.try_get("error_code")?;
        let title: Option<String> = row.try_get("error_title")?;
        let error = code.map(|code| (code, title.as_deref().unwrap_or("")));
        // Boxed: a tagged status applies the early ones through here (the two call each other).
        Box::pin(apply_status_on(
            connection,
            channel_id,
            status,
            error,
            row.try_get("at")?,
            None,
        ))
        .await?;
    }
    Ok(())
}

/// How long a status about no message of ours is kept waiting for one (a week): Meta also
/// reports on messages other tools sent from the number.
pub const EARLY_STATUS_KEPT_MS: i64 = 7 * 24 * 3600 * 1000;

/// The hourly sweep of statuses that arrived early: applies those whose reply is recorded now
/// (on PostgreSQL a status and the record of its send can commit side by side, neither seeing
/// the other) and forgets those older than `EARLY_STATUS_KEPT_MS`. Returns how many it applied.
pub async fn settle_early_statuses(db: &Db, now: i64) -> Result<u64, StoreError> {
    let waiting: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT e.wa_message_id FROM early_statuses e \
         JOIN messages m ON m.wa_message_id = e.wa_message_id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut tx = db.begin().await?;
    for channel_id in &waiting {
        apply_early_statuses(&mut tx, channel_id).await?;
    }
    sqlx::query("DELETE FROM early_statuses WHERE at < $1")
        .bind(now - EARLY_STATUS_KEPT_MS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(waiting.len() as u64)
}

/// The newest messages of one merchant's conversation log, newest first.
pub async fn recent(
    db: &Db,
    merchant: MerchantId,
    limit: i64,
) -> Result<Vec<StoredMessage>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2"
    )))
    .bind(merchant.0)
    .bind(limit.clamp(1, 500))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One stored message by our id.
pub async fn get(db: &Db, id: MessageId) -> Result<Option<StoredMessage>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// An inbound message claimed for processing.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub message: StoredMessage,
    pub media_id: Option<String>,
    /// Tries including this one.
    pub attempts: i64,
    /// The webhook request that delivered it, when one did.
    pub request_id: Option<String>,
}

/// Claims for `claimant` the oldest inbound message that is due (`received`, or `deferred` or
/// retried with its `next_attempt_at` passed) whose sender has no earlier message waiting and no
/// message in work, marking it `processing` and counting the try, or `None`. Several workers share the
/// queue, yet each sender's messages are answered in the order they came: "500 likho" then
/// "nahi, 400" must not race. Two workers never claim the same row: SQLite's one writer runs
/// the claim whole, and on PostgreSQL the search locks the row it takes (`FOR UPDATE SKIP
/// LOCKED`).
pub async fn claim_next_inbound(
    db: &Db,
    at: i64,
    claimant: &Claimant,
) -> Result<Option<Claimed>, StoreError> {
    // Each condition in the form the partial indexes answer (`messages_waiting_in_order` for the
    // walk, `messages_pending_by_peer` for the sender's other messages): one written as an OR
    // made SQLite scan every inbound message for every waiting one (seconds a claim at a
    // backlog of 17,000). SQLite is told which index to walk; PostgreSQL's planner picks it.
    // On PostgreSQL each NOT EXISTS is fenced (`OFFSET 0`) so it stays a probe of the sender's
    // own rows (`messages_pending_by_peer`, `messages_processing_by_peer`) for each message
    // walked: left to the planner, statistics that lag a queue growing by hundreds a second (it
    // believed the queue one row long) turned them into anti-joins that read every pending
    // message for every one walked, 90 ms a claim with 10,000 waiting, and processing all but
    // stopped while webhooks kept arriving (migration 0022 also took the outbox's index away
    // from inbound rows, which made that plan look cheap).
    // One statement searches and claims. Searched on a reader and claimed with a second
    // statement, every lane woken together found the same oldest message, and all but one lost
    // it and searched again: more lanes were slower (on SQLite each loss also took a turn on
    // the one writer). SQLite's one writer runs the statement whole; on PostgreSQL a message
    // another claim is taking is skipped (`SKIP LOCKED`), and a sender's later message is
    // never taken instead, because the earlier one still counts as waiting until that claim
    // commits.
    let (walk, fence, lock) = match db.backend() {
        crate::store::Backend::Sqlite => {
            ("messages AS m INDEXED BY messages_waiting_in_order", "", "")
        }
        crate::store::Backend::Postgres => {
            ("messages AS m", " OFFSET 0", " FOR UPDATE SKIP LOCKED")
        }
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE messages SET status = 'processing', attempts = attempts + 1, updated_at = $1, \
         claimed_by = $2 WHERE id = (SELECT id FROM {walk} \
             WHERE direction = 'in' AND status IN ('received', 'deferred') \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
             AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.peer = m.peer AND e.direction = 'in' \
                 AND e.status IN ('received', 'deferred', 'processing') AND e.id < m.id{fence}) \
             AND NOT EXISTS (SELECT 1 FROM messages p WHERE p.peer = m.peer AND p.direction = 'in' \
                 AND p.status IN ('received', 'deferred', 'processing') AND p.status = 'processing'{fence}) \
             ORDER BY id LIMIT 1{lock}) \
         RETURNING {COLUMNS}, media_id, attempts, request_id"
    )))
    .bind(at)
    .bind(claimant.as_str())
    .fetch_optional(&mut *db.writer().await?)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Claimed {
        message: from_row(&row)?,
        media_id: row.try_get("media_id")?,
        attempts: row.try_get("attempts")?,
        request_id: row.try_get("request_id")?,
    }))
}

/// Puts a message `claimant` holds, which failed, back in line, due again at `retry_at` (unix
/// ms), keeping why it failed for the operator. A claim taken back from it meanwhile (its worker
/// was found silent) is left to the worker that holds it now.
pub async fn retry_inbound(
    db: &Db,
    id: MessageId,
    claimant: &Claimant,
    retry_at: i64,
    error: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE messages SET status = 'received', next_attempt_at = $1, error_title = $2, updated_at = $3, \
         claimed_by = NULL WHERE id = $4 AND direction = 'in' AND status = 'processing' AND claimed_by = $5",
    )
    .bind(retry_at)
    .bind(storable(&error.chars().take(300).collect::<String>()).as_ref())
    .bind(at)
    .bind(id.0)
    .bind(claimant.as_str())
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// Gives up on a claimed inbound message that failed on every try: it becomes `dead` and
/// `notice` (telling the sender it could not be processed) is stored with it, in one
/// transaction, so the sender is told exactly once. `false` when the message was not
/// `claimant`'s.
pub async fn mark_dead(
    db: &Db,
    id: MessageId,
    claimant: &Claimant,
    error: &str,
    notice: &NewOutbound<'_>,
    at: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let died = sqlx::query(
        "UPDATE messages SET status = 'dead', next_attempt_at = NULL, error_title = $1, updated_at = $2 \
         WHERE id = $3 AND direction = 'in' AND status = 'processing' AND claimed_by = $4",
    )
    .bind(storable(&error.chars().take(300).collect::<String>()).as_ref())
    .bind(at)
    .bind(id.0)
    .bind(claimant.as_str())
    .execute(&mut *tx)
    .await?;
    if died.rows_affected() != 1 {
        return Ok(false);
    }
    let notice = NewOutbound {
        in_reply_to: Some(id),
        ..notice.clone()
    };
    insert_outbound(&mut *tx, &notice).await?;
    tx.commit().await?;
    db.wake(Work::Outbound);
    Ok(true)
}

/// An inbound message given up on, as the operator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadInbound {
    pub id: MessageId,
    pub merchant: Option<MerchantId>,
    pub channel_id: Option<String>,
    pub peer: String,
    pub kind: String,
    pub attempts: i64,
    /// Why the last try failed.
    pub error: Option<String>,
    pub updated_at: i64,
}

/// Inbound messages that are `dead`, newest first.
pub async fn dead_inbound(db: &Db, limit: i64) -> Result<Vec<DeadInbound>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, merchant_id, wa_message_id, peer, kind, attempts, error_title, updated_at \
         FROM messages WHERE direction = 'in' AND status = 'dead' ORDER BY id DESC LIMIT $1",
    )
    .bind(limit.clamp(1, 10_000))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DeadInbound {
                id: MessageId(row.try_get("id")?),
                merchant: row
                    .try_get::<Option<i64>, _>("merchant_id")?
                    .map(MerchantId),
                channel_id: row.try_get("wa_message_id")?,
                peer: row.try_get("peer")?,
                kind: row.try_get("kind")?,
                attempts: row.try_get("attempts")?,
                error: row.try_get("error_title")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// How many inbound messages are `dead` (the start-up warning).
pub async fn count_dead_inbound(db: &Db) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND status = 'dead'",
    )
    .fetch_one(db.pool())
    .await?)
}

/// How a claimed inbound message ends.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    /// `Processed` when it was answered, `Logged` when it was only kept (a customer's message).
    pub status: Delivery,
    /// The shop the message turned out to belong to, when it was stored without one.
    pub merchant: Option<MerchantId>,
    /// What a voice note said.
    pub transcript: Option<&'a str>,
    /// Messages to send because of it, in order.
    pub replies: &'a [NewOutbound<'a>],
    /// A shop's customer wrote: the message joins the timeline of the reminder it answers, in
    /// the same transaction (never a finished message the timeline misses after a crash).
    pub reminder_reply: Option<crate::books::reminders::CustomerReply<'a>>,
}

/// Ends a claimed inbound message. It leaves `merchant_id` out of its SET list: a message's
/// `(merchant_id, id)` is the parent key of replies, operations, reminders, digests and
/// recordings, and SQLite checks the children of every row whose parent key columns an UPDATE
/// names, even when their values stay the same (through `merchant_id` alone, every message of the
/// shop: 6.4 ms a message with 3,000 in a shop, the soak's largest cost by far).
const FINISH_INBOUND: &str = "UPDATE messages SET status = $1, updated_at = $2, \
     transcript = COALESCE($3, transcript) \
     WHERE id = $4 AND direction = 'in' AND status = 'processing' AND claimed_by = $5";

/// Gives a message stored without a shop the shop it turned out to belong to; a message that
/// has one matches no row, so no child is looked at.
const ADOPT_SHOP: &str =
    "UPDATE messages SET merchant_id = $1 WHERE id = $2 AND merchant_id IS NULL";

/// Finishes an inbound message `claimant` holds as `finish` says, with its replies, in one
/// transaction. `None` when the message is no longer its (another run finished it, or holds it
/// now): nothing is stored then, so a retried job never replies twice. Otherwise the stored
/// replies' ids.
pub async fn finish_inbound(
    db: &Db,
    inbound: MessageId,
    claimant: &Claimant,
    finish: &Finish<'_>,
    at: i64,
) -> Result<Option<Vec<MessageId>>, StoreError> {
    let mut tx = db.begin().await?;
    let finished = sqlx::query(FINISH_INBOUND)
        .bind(finish.status.as_str())
        .bind(at)
        .bind(finish.transcript.map(storable).as_deref())
        .bind(inbound.0)
        .bind(claimant.as_str())
        .execute(&mut *tx)
        .await?;
    if finished.rows_affected() != 1 {
        return Ok(None);
    }
    if let Some(merchant) = finish.merchant {
        sqlx::query(ADOPT_SHOP)
            .bind(merchant.0)
            .bind(inbound.0)
            .execute(&mut *tx)
            .await?;
    }
    let mut stored = Vec::with_capacity(finish.replies.len());
    for reply in finish.replies {
        let reply = NewOutbound {
            in_reply_to: Some(inbound),
            ..reply.clone()
        };
        stored.push(insert_outbound(&mut *tx, &reply).await?);
    }
    if let Some(reply) = &finish.reminder_reply {
        crate::books::reminders::record_reply_in(&mut tx, reply, inbound, at).await?;
    }
    tx.commit().await?;
    if !stored.is_empty() {
        db.wake(Work::Outbound);
    }
    Ok(Some(stored))
}

/// Stores a voice note's transcript as soon as it is known, so it survives a failure later on.
pub async fn set_transcript(db: &Db, id: MessageId, transcript: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE messages SET transcript = $1 WHERE id = $2 AND direction = 'in'")
        .bind(storable(transcript).as_ref())
        .bind(id.0)
        .execute(&mut *db.writer().await?)
        .await?;
    Ok(())
}

/// How long a reply being sent holds back later replies to the same number: a send that has
/// not finished in this time was cut by a crash (the send itself times out far sooner), so the
/// number's next replies go on; it is sent again later only if no status names it
/// (`resend_unconfirmed`), and then arrives after them.
pub const SENDING_HOLDS_ORDER_MS: i64 = 120_000;

/// An outbound message claimed for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: MessageId,
    pub peer: String,
    /// `text`, `notice`, or `voice` (the body is spoken and sent as a voice note).
    pub kind: String,
    pub body: String,
    pub options: Option<String>,
    /// Tries including this one.
    pub attempts: i64,
}

/// Claims the oldest `queued` outbound message that is due and first in line for its number,
/// marking it `sending`, or `None` (see [`claim_outbound`]).
pub async fn claim_next_outbound(db: &Db, at: i64) -> Result<Option<Outgoing>, StoreError> {
    Ok(claim_outbound(db, at, 1).await?.pop())
}

/// Claims up to `most` of the oldest due `queued` outbound messages, each first in line for its
/// number (so at most one a number), marking them `sending`; oldest first. One commit for all
/// of them: on SQLite each claim is a synced commit on the one writer, and one a reply held it
/// for a disk sync per reply sent, which under a flood left replies queued faster than they went.
/// Call it on a synced handle (never `Db::lazy`): this commit, on disk before the send, is what
/// makes the booking and answer behind each reply durable.
pub async fn claim_outbound(db: &Db, at: i64, most: usize) -> Result<Vec<Outgoing>, StoreError> {
    // The queue walked in id order through its own partial index (migration 0022); SQLite is told
    // which index, PostgreSQL's planner picks it (and keeps the probe a probe behind its fence).
    // Several senders take replies at once, so a reply is taken only when no earlier one to the
    // same number is queued or being sent (migration 0023): only the first unsent reply of each
    // number is ever a candidate, two senders racing for it meet on its row, and a number's
    // replies arrive in the order they were written. A reply left `sending` by a process that
    // died stops holding the number's later replies back after `SENDING_HOLDS_ORDER_MS`; sent
    // again after the grace of `resend_unconfirmed`, it arrives after them.
    // First unsent to its number, due: the same condition searched and claimed.
    let first_in_line = |fence: &str| {
        format!(
            "direction = 'out' AND status = 'queued' \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
             AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.peer = m.peer AND e.direction = 'out' \
                 AND e.status IN ('queued', 'sending') AND e.id < m.id \
                 AND (e.status = 'queued' OR e.updated_at > $2){fence})"
        )
    };
    let most = most.max(1);
    // The search sees the queue as it was before the claim, when only each number's first
    // unsent reply qualifies: so never two of one number.
    let rows = match db.backend() {
        // One statement searches and claims: a reply another claim is taking is skipped, and a
        // number's later reply is never taken instead, because the earlier one still counts as
        // queued until that claim commits. The pick is a CTE, which runs once: written as `id
        // IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL searched again as it updated
        // and claimed more than asked, out of order.
        crate::store::Backend::Postgres => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH picked AS (SELECT id FROM messages AS m WHERE {} \
                     ORDER BY id LIMIT {most} FOR UPDATE SKIP LOCKED) \
                 UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = $1 \
                 FROM picked WHERE messages.id = picked.id AND messages.status = 'queued' \
                 RETURNING messages.id, peer, kind, body, options, attempts",
                first_in_line(" OFFSET 0")
            )))
            .bind(at)
            .bind(at - SENDING_HOLDS_ORDER_MS)
            .fetch_all(db.pool())
            .await?
        }
        // Searched on a reader, so a lane that finds nothing never takes the one writer (every
        // committed reply wakes a lane: searched on the writer, those wakes halved the inbound
        // worker's turns, docs/PERFORMANCE.md); claimed on the writer with the condition checked
        // again, so what another lane took meanwhile is passed over. The whole batch is one
        // synced commit instead of one a reply. A claim that finds everything taken meanwhile
        // searches again: a lane that gave up there would idle with replies waiting.
        crate::store::Backend::Sqlite => loop {
            let found: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM messages AS m INDEXED BY messages_queued_in_order WHERE {} \
                 ORDER BY id LIMIT {most}",
                first_in_line("")
            )))
            .bind(at)
            .bind(at - SENDING_HOLDS_ORDER_MS)
            .fetch_all(db.pool())
            .await?;
            if found.is_empty() {
                return Ok(Vec::new());
            }
            let ids = found
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = $1 \
                 WHERE id IN (SELECT id FROM messages AS m WHERE id IN ({ids}) AND {}) \
                 AND status = 'queued' RETURNING id, peer, kind, body, options, attempts",
                first_in_line("")
            )))
            .bind(at)
            .bind(at - SENDING_HOLDS_ORDER_MS)
            .fetch_all(&mut *db.writer().await?)
            .await?;
            if !rows.is_empty() {
                break rows;
            }
        },
    };
    let mut claimed = rows
        .iter()
        .map(|row| {
            Ok(Outgoing {
                id: MessageId(row.try_get("id")?),
                peer: row.try_get("peer")?,
                kind: row.try_get("kind")?,
                body: row.try_get("body")?,
                options: row.try_get("options")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    claimed.sort_by_key(|outgoing| outgoing.id.0);
    Ok(claimed)
}

/// Puts back in line the replies claimed for sending between `window.0` and `window.1` whose
/// send was never recorded, and which no status of Meta's has named since (a status tagged with
/// the reply records it as sent: see [`apply_status_on`]). The process that claimed them was
/// killed before its send reached Meta; after this long with no status it did not reach Meta,
/// and the reply is sent again rather than never. A spoken reply (speech synthesis with its
/// retries can take minutes) waits at least `VOICE_SEND_MAY_TAKE_MS`; a login code, useless by
/// then, is not sent again; claims older than the window are left for the operator
/// (`execora outbox --stuck`), stale news. And only once Meta's statuses have caught up past
/// it: a reply written after it has been delivered or read. Under a flood the webhook's backlog
/// can hold a status longer than any grace (the 10-minute soak: 13 replies sent twice with a
/// 60-second grace while acknowledgements lagged by minutes); a status of a later send says the
/// backlog has passed this one's. Returns how many.
pub async fn resend_unconfirmed(db: &Db, window: (i64, i64), at: i64) -> Result<u64, StoreError> {
    let (claimed_after, claimed_before) = window;
    let requeued = sqlx::query(
        "UPDATE messages SET status = 'queued', next_attempt_at = NULL, updated_at = $1 \
         WHERE direction = 'out' AND status = 'sending' AND wa_message_id IS NULL \
         AND updated_at < $2 AND updated_at >= $3 AND kind <> $4 \
         AND (kind <> 'voice' OR updated_at < $5) \
         AND EXISTS (SELECT 1 FROM messages later WHERE later.direction = 'out' \
             AND later.id > messages.id AND later.status IN ('delivered', 'read'))",
    )
    .bind(at)
    .bind(claimed_before)
    .bind(claimed_after)
    .bind(crate::access::LOGIN_CODE_KIND)
    .bind(claimed_before.min(at - VOICE_SEND_MAY_TAKE_MS))
    .execute(&mut *db.writer().await?)
    .await?
    .rows_affected();
    if requeued > 0 {
        db.wake(Work::Outbound);
    }
    Ok(requeued)
}

/// How long sending one spoken reply may take: speech synthesis (up to two minutes a try, three
/// tries), the upload and the send.
pub const VOICE_SEND_MAY_TAKE_MS: i64 = 15 * 60 * 1000;

/// Puts a message that failed on a passing error back in the queue, due at `retry_at` (unix ms).
pub async fn retry_later(
    db: &Db,
    id: MessageId,
    retry_at: i64,
    error_code: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE messages SET status = 'queued', next_attempt_at = $1, error_code = COALESCE($2, error_code), updated_at = $1 \
         WHERE id = $3 AND status = 'sending'",
    )
    .bind(retry_at)
    .bind(error_code)
    .bind(id.0)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// Gives up on a message: the channel refused it for good.
pub async fn mark_failed(
    db: &Db,
    id: MessageId,
    error_code: Option<i64>,
    title: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE messages SET status = 'failed', error_code = $1, error_title = $2, updated_at = $3 WHERE id = $4 AND status = 'sending'",
    )
    .bind(error_code)
    .bind(title.chars().take(300).collect::<String>())
    .bind(at)
    .bind(id.0)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// Which outbound messages an operator asks to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxFilter {
    /// Everything, newest first.
    All,
    /// Refused for good by the channel.
    Failed,
    /// Claimed for sending before `since` (unix ms) and never confirmed: the process died around
    /// the send. A status carrying the reply's tag records it; one no status names is sent again
    /// within an hour of the grace (`resend_unconfirmed`); older ones an operator looks at.
    Stuck { since: i64 },
}

/// An outbound message as the operator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: MessageId,
    pub merchant: Option<MerchantId>,
    pub peer: String,
    pub kind: String,
    pub body: String,
    pub status: Delivery,
    pub attempts: i64,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
    pub channel_id: Option<String>,
    pub updated_at: i64,
}

/// Outbound messages for the operator, newest first.
pub async fn outbox(
    db: &Db,
    filter: OutboxFilter,
    limit: i64,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let (condition, since) = match filter {
        OutboxFilter::All => ("1 = 1", None),
        OutboxFilter::Failed => ("status = 'failed'", None),
        OutboxFilter::Stuck { since } => ("status = 'sending' AND updated_at < $2", Some(since)),
    };
    let sql = format!(
        "SELECT id, merchant_id, peer, kind, body, status, attempts, error_code, error_title, wa_message_id, updated_at \
         FROM messages WHERE direction = 'out' AND {condition} ORDER BY id DESC LIMIT $1"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit.clamp(1, 10_000));
    if let Some(since) = since {
        query = query.bind(since);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxEntry {
                id: MessageId(row.try_get("id")?),
                merchant: row
                    .try_get::<Option<i64>, _>("merchant_id")?
                    .map(MerchantId),
                peer: row.try_get("peer")?,
                kind: row.try_get("kind")?,
                body: row.try_get("body")?,
                status: delivery_from_row(row)?,
                attempts: row.try_get("attempts")?,
                error_code: row.try_get("error_code")?,
                error_title: row.try_get("error_title")?,
                channel_id: row.try_get("wa_message_id")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Puts a failed or stuck outbound message back in the queue, on an operator's word (after the
/// cause was fixed, or after checking a stuck one never reached the phone). `false` when the
/// message is not failed or sending.
pub async fn requeue_outbound(db: &Db, id: MessageId, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE messages SET status = 'queued', attempts = 0, next_attempt_at = NULL, updated_at = $1 \
         WHERE id = $2 AND direction = 'out' AND status IN ('failed', 'sending') AND wa_message_id IS NULL",
    )
    .bind(at)
    .bind(id.0)
    .execute(&mut *db.writer().await?)
    .await?;
    if done.rows_affected() == 1 {
        db.wake(Work::Outbound);
    }
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finishing a message must touch that row alone: a parent key column in the SET list makes
    /// SQLite search every child table for rows pointing at it (see `FINISH_INBOUND`).
    #[tokio::test]
    async fn finishing_a_message_looks_at_no_other_row_on_sqlite() {
        let steps = crate::store::sqlite_plan(FINISH_INBOUND).await;
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert!(steps[0].contains("INTEGER PRIMARY KEY"), "{steps:?}");
    }
}
