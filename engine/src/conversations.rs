//! A shop's conversations as the panel shows them: who wrote, each one's messages in and out (newest first, in pages), the buttons a reply offered, and what each inbound message was read as and booked.
//!
//! Every query is scoped by the shop. What a message booked is found through the idempotency
//! keys the dialog gives its bookings: `{message id}#{command index}` (an answer to a question
//! books under the key of the message that asked, so it shows there). What it was read as is
//! kept on the message itself (`messages.understood`) when the pipeline reads it.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::books::{CustomerId, EntryKind, InvoiceId, MerchantId, OperationId, Role};
use crate::messages::{Direction, MessageId, StoredMessage, from_row};
use crate::money::Paise;
use crate::nlu::command::{Command, Understood};
use crate::reply::QuickOption;
use crate::store::{Db, StoreError};

/// Peers listed at most.
const MAX_PEERS: i64 = 200;

/// Who a conversation is with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerKind {
    /// One of the shop's own phones, with its role.
    Shop(Role),
    /// A customer of the shop, by name.
    Customer { id: CustomerId, name: String },
    /// A number that is neither (a stranger the shop's log kept).
    Other,
}

/// One conversation: a phone, what it is to the shop, its last message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Peer {
    pub phone: String,
    pub kind: PeerKind,
    pub messages: i64,
    pub last_at: i64,
}

/// What a booking operation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationKind {
    Payment,
    Credit,
    Invoice,
    CancelInvoice,
    Undo,
    Stock,
    Reminder,
    /// A kind this version does not name.
    Other,
}

impl OperationKind {
    fn parse(text: &str) -> OperationKind {
        match text {
            "payment" => OperationKind::Payment,
            "credit" => OperationKind::Credit,
            "invoice" => OperationKind::Invoice,
            "cancel_invoice" => OperationKind::CancelInvoice,
            "undo" => OperationKind::Undo,
            "stock" => OperationKind::Stock,
            "reminder" => OperationKind::Reminder,
            _ => OperationKind::Other,
        }
    }
}

/// A ledger line a booking wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookedEntry {
    pub customer: CustomerId,
    pub customer_name: String,
    pub kind: EntryKind,
    pub amount: Paise,
}

/// One booking made because of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub operation: OperationId,
    pub kind: OperationKind,
    pub entries: Vec<BookedEntry>,
    /// The bill it issued, with its number.
    pub invoice: Option<(InvoiceId, i64)>,
    /// Undone since (the undo is its own operation).
    pub undone: bool,
}

/// A message of a conversation with what the panel shows beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogMessage {
    pub message: StoredMessage,
    /// The message it answers (outbound replies).
    pub in_reply_to: Option<MessageId>,
    /// Reply buttons an outbound message offered.
    pub options: Vec<QuickOption>,
    /// An archived voice note whose audio is still kept.
    pub recorded: bool,
    /// What an inbound message booked.
    pub bookings: Vec<Booking>,
    /// What an inbound message was read as, when the pipeline read it.
    pub understood: Option<Reading>,
}

/// How the parser read a message: its commands (intent, customer, amount…) and whether it stood
/// behind all of it, as `execora parse` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub commands: Vec<Command>,
    pub confident: bool,
}

impl Reading {
    pub fn of(understood: &Understood) -> Reading {
        Reading {
            commands: understood.parsed.commands.clone(),
            confident: understood.confident,
        }
    }
}

/// Keeps how the message with booking key `key` (its channel id, or `message-{id}` for one
/// without) was read, on the shop's inbound message; read again, the last reading stays.
pub async fn record_reading(
    db: &Db,
    merchant: MerchantId,
    key: &str,
    understood: &Understood,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&Reading::of(understood))
        .map_err(|error| StoreError::Query(sqlx::Error::Encode(Box::new(error))))?;
    let by_id = key
        .strip_prefix("message-")
        .and_then(|id| id.parse::<i64>().ok());
    let query = match by_id {
        Some(id) => sqlx::query(
            "UPDATE messages SET understood = $1 \
             WHERE merchant_id = $2 AND direction = 'in' AND id = $3 AND wa_message_id IS NULL",
        )
        .bind(json)
        .bind(merchant.0)
        .bind(id),
        None => sqlx::query(
            "UPDATE messages SET understood = $1 \
             WHERE merchant_id = $2 AND direction = 'in' AND wa_message_id = $3",
        )
        .bind(json)
        .bind(merchant.0)
        .bind(key),
    };
    // A write, so it waits in the writers' line: on the read pool it sat in SQLite's busy
    // handler behind the writer (up to 3 s a message in the soak, and the replies waited).
    query.execute(&mut *db.writer().await?).await?;
    Ok(())
}

/// One page of a conversation, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    pub messages: Vec<LogMessage>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<MessageId>,
}

/// The shop's conversations, the most recent first: its own phones and its customers among them.
pub async fn peers(db: &Db, merchant: MerchantId) -> Result<Vec<Peer>, StoreError> {
    let rows = sqlx::query(
        "SELECT peer, COUNT(*) AS messages, MAX(created_at) AS last_at, MAX(id) AS last_id \
         FROM messages WHERE merchant_id = $1 GROUP BY peer ORDER BY last_id DESC LIMIT $2",
    )
    .bind(merchant.0)
    .bind(MAX_PEERS)
    .fetch_all(db.pool())
    .await?;
    let phones = sqlx::query("SELECT phone, role FROM merchant_phones WHERE merchant_id = $1")
        .bind(merchant.0)
        .fetch_all(db.pool())
        .await?;
    let mut peers = Vec::with_capacity(rows.len());
    for row in &rows {
        let phone: String = row.try_get("peer")?;
        let own = phones.iter().find(|p| {
            p.try_get::<String, _>("phone")
                .is_ok_and(|stored| stored == phone)
        });
        let kind = match own {
            Some(own) => {
                let role: String = own.try_get("role")?;
                PeerKind::Shop(Role::parse(&role).unwrap_or(Role::Staff))
            }
            None => customer_of(db, merchant, &phone).await?,
        };
        peers.push(Peer {
            phone,
            kind,
            messages: row.try_get("messages")?,
            last_at: row.try_get("last_at")?,
        });
    }
    Ok(peers)
}

async fn customer_of(db: &Db, merchant: MerchantId, phone: &str) -> Result<PeerKind, StoreError> {
    let row = sqlx::query(
        "SELECT id, name FROM customers WHERE merchant_id = $1 AND phone = $2 ORDER BY id LIMIT 1",
    )
    .bind(merchant.0)
    .bind(phone)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(row) => PeerKind::Customer {
            id: CustomerId(row.try_get("id")?),
            name: row.try_get("name")?,
        },
        None => PeerKind::Other,
    })
}

/// What the conversation with `peer` is to the shop; `None` when the shop has no message with it.
pub async fn peer(db: &Db, merchant: MerchantId, phone: &str) -> Result<Option<Peer>, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS messages, MAX(created_at) AS last_at FROM messages \
         WHERE merchant_id = $1 AND peer = $2",
    )
    .bind(merchant.0)
    .bind(phone)
    .fetch_one(db.pool())
    .await?;
    let messages: i64 = row.try_get("messages")?;
    if messages == 0 {
        return Ok(None);
    }
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM merchant_phones WHERE merchant_id = $1 AND phone = $2",
    )
    .bind(merchant.0)
    .bind(phone)
    .fetch_optional(db.pool())
    .await?;
    let kind = match role {
        Some(role) => PeerKind::Shop(Role::parse(&role).unwrap_or(Role::Staff)),
        None => customer_of(db, merchant, phone).await?,
    };
    Ok(Some(Peer {
        phone: phone.to_string(),
        kind,
        messages,
        last_at: row.try_get("last_at")?,
    }))
}

/// The messages in and out with `peer`, newest first, `limit` a page, older than `before`.
pub async fn page(
    db: &Db,
    merchant: MerchantId,
    peer: &str,
    before: Option<MessageId>,
    limit: i64,
) -> Result<LogPage, StoreError> {
    let limit = limit.clamp(1, 200);
    let rows = sqlx::query(
        "SELECT m.id, m.merchant_id, m.direction, m.wa_message_id, m.peer, m.kind, m.body, m.status, \
         m.error_code, m.context_id, m.transcript, m.created_at, m.in_reply_to, m.options, \
         m.understood, CASE WHEN r.message_id IS NULL THEN 0 ELSE 1 END AS recorded \
         FROM messages m LEFT JOIN recordings r \
         ON r.merchant_id = m.merchant_id AND r.message_id = m.id AND r.purged_at IS NULL \
         WHERE m.merchant_id = $1 AND m.peer = $2 AND m.id < $3 ORDER BY m.id DESC LIMIT $4",
    )
    .bind(merchant.0)
    .bind(peer)
    .bind(before.map_or(i64::MAX, |b| b.0))
    .bind(limit + 1)
    .fetch_all(db.pool())
    .await?;
    let mut messages = Vec::with_capacity(rows.len());
    for row in rows.iter().take(limit as usize) {
        let message = from_row(row)?;
        let options: Option<String> = row.try_get("options")?;
        let options = options
            .and_then(|json| serde_json::from_str::<Vec<QuickOption>>(&json).ok())
            .unwrap_or_default();
        let recorded: i64 = row.try_get("recorded")?;
        // A reading this version cannot read back is left out rather than failing the page.
        let understood = row
            .try_get::<Option<String>, _>("understood")?
            .and_then(|json| serde_json::from_str::<Reading>(&json).ok());
        let bookings = match (&message.direction, &message.channel_id) {
            (Direction::In, Some(key)) => bookings(db, merchant, key).await?,
            (Direction::In, None) => {
                bookings(db, merchant, &format!("message-{}", message.id.0)).await?
            }
            (Direction::Out, _) => Vec::new(),
        };
        messages.push(LogMessage {
            in_reply_to: row.try_get::<Option<i64>, _>("in_reply_to")?.map(MessageId),
            options,
            recorded: recorded != 0,
            bookings,
            understood,
            message,
        });
    }
    let next_before = (rows.len() as i64 > limit)
        .then(|| messages.last().map(|m| m.message.id))
        .flatten();
    Ok(LogPage {
        messages,
        next_before,
    })
}

/// `text` as a LIKE pattern that matches it literally (`\` escapes).
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The bookings made under a message's key (`{key}#{index}`), oldest first.
pub async fn bookings(
    db: &Db,
    merchant: MerchantId,
    message_key: &str,
) -> Result<Vec<Booking>, StoreError> {
    let operations = sqlx::query(
        "SELECT id, kind, undone_by FROM operations \
         WHERE merchant_id = $1 AND idempotency_key LIKE $2 ESCAPE '\\' ORDER BY id",
    )
    .bind(merchant.0)
    .bind(format!("{}#%", like_literal(message_key)))
    .fetch_all(db.pool())
    .await?;
    let mut bookings = Vec::with_capacity(operations.len());
    for operation in &operations {
        let id = OperationId(operation.try_get("id")?);
        let kind: String = operation.try_get("kind")?;
        let entries = sqlx::query(
            "SELECT e.customer_id, c.name, e.kind, e.amount_paise FROM ledger_entries e \
             JOIN customers c ON c.merchant_id = e.merchant_id AND c.id = e.customer_id \
             WHERE e.merchant_id = $1 AND e.operation_id = $2 ORDER BY e.id",
        )
        .bind(merchant.0)
        .bind(id.0)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(BookedEntry {
                customer: CustomerId(row.try_get("customer_id")?),
                customer_name: row.try_get("name")?,
                kind: [
                    EntryKind::Sale,
                    EntryKind::Payment,
                    EntryKind::Credit,
                    EntryKind::Reversal,
                ]
                .into_iter()
                .find(|k| k.as_str() == kind)
                .unwrap_or(EntryKind::Reversal),
                amount: Paise::new(row.try_get("amount_paise")?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let invoice = sqlx::query(
            "SELECT id, number FROM invoices WHERE merchant_id = $1 AND operation_id = $2",
        )
        .bind(merchant.0)
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .map(|row| Ok::<_, sqlx::Error>((InvoiceId(row.try_get("id")?), row.try_get("number")?)))
        .transpose()?;
        bookings.push(Booking {
            operation: id,
            kind: OperationKind::parse(&kind),
            entries,
            invoice,
            undone: operation.try_get::<Option<i64>, _>("undone_by")?.is_some(),
        });
    }
    Ok(bookings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_key_is_matched_literally() {
        assert_eq!(like_literal("wamid.A_b%c\\d"), "wamid.A\\_b\\%c\\\\d");
        assert_eq!(like_literal("chat-1-2"), "chat-1-2");
    }
}
