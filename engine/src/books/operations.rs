//! Booking operations: who caused a change, idempotency by message id, and replay of the stored outcome.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::Row;

use super::{BooksError, OperationId};
use crate::store::Tx;

/// Which door a booking came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Whatsapp,
    Chat,
    Cli,
    Panel,
    Demo,
    System,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Whatsapp => "whatsapp",
            Source::Chat => "chat",
            Source::Cli => "cli",
            Source::Panel => "panel",
            Source::Demo => "demo",
            Source::System => "system",
        }
    }
}

/// Where a booking came from. With a `key` (e.g. the WhatsApp message id and command index),
/// the same booking asked twice is booked once and the second call returns the first outcome.
#[derive(Debug, Clone)]
pub struct Origin {
    pub source: Source,
    pub key: Option<String>,
    pub actor: Option<String>,
}

impl Origin {
    /// A booking with no idempotency key (operator tools, tests).
    pub fn new(source: Source) -> Origin {
        Origin {
            source,
            key: None,
            actor: None,
        }
    }

    /// A booking that happens at most once per `key`.
    pub fn keyed(source: Source, key: impl Into<String>) -> Origin {
        Origin {
            source,
            key: Some(key.into()),
            actor: None,
        }
    }

    pub fn by(mut self, actor: impl Into<String>) -> Origin {
        self.actor = Some(actor.into());
        self
    }
}

/// The result of a booking, and whether it was replayed from an earlier identical request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booked<T> {
    pub value: T,
    pub operation: OperationId,
    pub replayed: bool,
}

/// How an operation began inside its transaction.
pub(super) enum Started<T> {
    New(OperationId),
    Replay(Booked<T>),
}

/// Claims the idempotency key for a new operation, or finds the finished one it belongs to.
pub(super) async fn start<T: DeserializeOwned>(
    tx: &mut Tx,
    merchant: i64,
    kind: &str,
    origin: &Origin,
    now: i64,
) -> Result<Started<T>, BooksError> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO operations (merchant_id, kind, idempotency_key, source, actor, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (merchant_id, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(merchant)
    .bind(kind)
    .bind(&origin.key)
    .bind(origin.source.as_str())
    .bind(&origin.actor)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = inserted {
        return Ok(Started::New(OperationId(id)));
    }
    let row = sqlx::query(
        "SELECT id, kind, outcome FROM operations WHERE merchant_id = $1 AND idempotency_key = $2",
    )
    .bind(merchant)
    .bind(&origin.key)
    .fetch_one(&mut **tx)
    .await?;
    let stored_kind: String = row.try_get("kind")?;
    let outcome: String = row.try_get("outcome")?;
    if stored_kind != kind {
        return Err(BooksError::KeyReused);
    }
    let value = serde_json::from_str(&outcome).map_err(|_| BooksError::KeyReused)?;
    Ok(Started::Replay(Booked {
        value,
        operation: OperationId(row.try_get("id")?),
        replayed: true,
    }))
}

/// Records what the operation did, so a replay can answer exactly the same.
pub(super) async fn finish<T: Serialize>(
    tx: &mut Tx,
    merchant: i64,
    operation: OperationId,
    value: T,
) -> Result<Booked<T>, BooksError> {
    let outcome = serde_json::to_string(&value).map_err(|_| BooksError::KeyReused)?;
    sqlx::query("UPDATE operations SET outcome = $1 WHERE merchant_id = $2 AND id = $3")
        .bind(outcome)
        .bind(merchant)
        .bind(operation.0)
        .execute(&mut **tx)
        .await?;
    Ok(Booked {
        value,
        operation,
        replayed: false,
    })
}
