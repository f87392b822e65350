//! Per-sender conversation state: the active customer, the pending question, the last booking.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::books::{Books, BooksError, CustomerId, InvoiceId, OperationId, ProductId};
use crate::money::Paise;
use crate::nlu::command::Command;
use crate::reply::{ConfirmReason, Proposal};

/// How long a conversation is remembered without a new message (minutes).
pub const STATE_TTL_MINUTES: i64 = 30;
/// How long an asked question waits for its answer (minutes).
pub const QUESTION_TTL_MINUTES: i64 = 10;
/// How long a booking can be undone (minutes).
pub const UNDO_WINDOW_MINUTES: i64 = 10;

/// The customer the merchant is talking about ("uska balance", "aur 100 likh do").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveCustomer {
    pub id: CustomerId,
    pub name: String,
}

/// The sender's newest booking, which "undo" reverses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastBooking {
    pub operation: OperationId,
    /// Unix ms.
    pub at: i64,
}

/// How one bill item was settled while resolving names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ItemChoice {
    Catalog(ProductId),
    Skip,
}

/// What has been settled about a command so far, across questions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settled {
    pub customer: Option<CustomerId>,
    pub items: Vec<Option<ItemChoice>>,
    /// The bill a cancel is about, once shown to the merchant.
    #[serde(default)]
    pub invoice: Option<InvoiceId>,
    /// The merchant said yes to writing it: no further confirmation is asked.
    #[serde(default)]
    pub confirmed: bool,
}

/// A question the merchant has not answered yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Question {
    WhichCustomer {
        said: String,
        options: Vec<(CustomerId, String)>,
    },
    CreateCustomer {
        name: String,
    },
    WhichProduct {
        item: usize,
        said: String,
        options: Vec<(ProductId, String)>,
    },
    ProductPrice {
        item: usize,
        product: String,
    },
    /// Write this? (an unsure reading, or an unusually large amount)
    Confirm {
        proposal: Proposal,
        reason: ConfirmReason,
    },
}

/// A command waiting on a question, and the commands of the same message after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub question: Question,
    pub command: Command,
    pub settled: Settled,
    pub rest: Vec<Command>,
    /// Unix ms.
    pub asked_at: i64,
    /// The id of the message that asked for the command: its bookings stay keyed by that
    /// message (`key_base#index`), so however many times the answer arrives, they book once.
    #[serde(default)]
    pub key_base: String,
    /// The command's position in that message.
    #[serde(default)]
    pub index: usize,
    /// The message was not read with confidence: each of its bookings asks first.
    #[serde(default)]
    pub unsure: bool,
}

/// Everything remembered about one sender's conversation with one shop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DialogState {
    pub active_customer: Option<ActiveCustomer>,
    pub pending: Option<Pending>,
    pub last_booking: Option<LastBooking>,
    /// Unix ms of the last message.
    pub updated_at: i64,
}

impl DialogState {
    /// Forgets what has gone stale by `now` (unix ms).
    pub fn expire(&mut self, now: i64) {
        if now - self.updated_at > STATE_TTL_MINUTES * 60_000 {
            self.active_customer = None;
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|p| now - p.asked_at > QUESTION_TTL_MINUTES * 60_000)
        {
            self.pending = None;
        }
    }

    /// Loads the sender's state for this merchant; a missing or unreadable row is a fresh start.
    pub async fn load(books: &Books, sender: &str) -> Result<DialogState, BooksError> {
        let row =
            sqlx::query("SELECT state FROM dialog_states WHERE merchant_id = $1 AND sender = $2")
                .bind(books.merchant_id().0)
                .bind(sender)
                .fetch_optional(books.db().pool())
                .await?;
        let Some(row) = row else {
            return Ok(DialogState::default());
        };
        let json: String = row.try_get("state")?;
        Ok(serde_json::from_str(&json).unwrap_or_else(|error| {
            tracing::warn!(%error, "dialog state unreadable; starting fresh");
            DialogState::default()
        }))
    }

    pub async fn save(&self, books: &Books, sender: &str) -> Result<(), BooksError> {
        let json =
            serde_json::to_string(self).map_err(|_| BooksError::InvalidNote("dialog state"))?;
        sqlx::query(
            "INSERT INTO dialog_states (merchant_id, sender, state, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (merchant_id, sender) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(books.merchant_id().0)
        .bind(sender)
        .bind(json)
        .bind(self.updated_at)
        .execute(&mut *books.db().writer().await?)
        .await?;
        Ok(())
    }
}

/// A price answer to "what does it cost?": "10", "₹12.50", "10 rupaye".
pub fn parse_price_answer(text: &str) -> Option<Paise> {
    let cleaned: String = text
        .trim()
        .trim_end_matches(|c: char| c.is_alphabetic() || c.is_whitespace() || c == '.')
        .chars()
        .map(|c| match c {
            '०'..='९' => char::from_digit(c as u32 - '०' as u32, 10).unwrap_or(c),
            other => other,
        })
        .collect();
    cleaned.parse::<Paise>().ok().filter(|p| p.is_positive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_answers_are_read_in_any_common_form() {
        assert_eq!(parse_price_answer("10"), Some(Paise::new(1000)));
        assert_eq!(parse_price_answer("₹12.50"), Some(Paise::new(1250)));
        assert_eq!(parse_price_answer("10 rupaye"), Some(Paise::new(1000)));
        assert_eq!(parse_price_answer("१५"), Some(Paise::new(1500)));
        assert_eq!(parse_price_answer("kal"), None);
        assert_eq!(parse_price_answer("0"), None);
    }
}
