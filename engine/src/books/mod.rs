//! A merchant's books: customers, products, invoices, the append-only ledger, reminders, pay links, summaries and their check.
//!
//! Every call goes through [`Books`], which is bound to one merchant: no query here runs
//! without that merchant's id in its WHERE clause, and ids of other merchants' rows are
//! simply not found.

pub mod check;
mod customers;
pub mod digest;
mod invoices;
mod ledger;
pub mod merchants;
pub mod names;
mod operations;
pub mod pay_links;
mod products;
pub mod quiet_hours;
pub mod reminder_sends;
pub mod reminder_series;
pub mod reminders;
mod summary;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::money::Paise;
use crate::store::{Db, StoreError};
use crate::time::Clock;

pub use check::{CheckReport, Problem};
pub use customers::{Customer, CustomerOrder, NewCustomer};
pub use digest::{Digest, DigestChange, DigestChannel, DigestSchedule};
pub use invoices::{
    CancelRefused, CancelledInvoice, InvoiceLine, InvoiceLineRequest, InvoiceStatus,
    InvoiceSummary, IssuedInvoice, LinePricing, SourceMessage,
};
pub use ledger::{
    Entry, EntryKind, PaymentBooked, StatementLine, StatementPage, StatementRange, Undone,
};
pub use merchants::{Merchant, MerchantPhone, NewMerchant, Role, SettingsChange, ShopSettings};
pub use operations::{Booked, Origin, Source};
pub use pay_links::{IssuedPayLink, PayEntry, PayLinkError, PayToken, PayView};
pub use products::{NewProduct, Product, StockChanged};
pub use quiet_hours::{BadQuietHours, QuietHours};
pub use reminder_series::{AutoStopped, Recurrence, Series, SeriesEnd, SeriesStarted};
pub use reminders::{
    DueReminder, EventKind, Reminder, ReminderEvent, ReminderKey, ReminderKind, ReminderList,
    ReminderStatus,
};
pub use summary::{DailySummary, DayTotals, Debtor};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type!(
    /// A merchant (a shop): the tenant every business row belongs to.
    MerchantId,
    /// A customer of one merchant.
    CustomerId,
    /// A catalog item of one merchant.
    ProductId,
    /// An invoice (bill) of one merchant.
    InvoiceId,
    /// A ledger entry.
    EntryId,
    /// One booking action: the unit of idempotency and undo.
    OperationId,
    /// A scheduled payment reminder.
    ReminderId,
    /// A customer's automatic reminders, every N days while dues remain.
    SeriesId,
);

/// What a lookup by name found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<T> {
    /// Exactly one good match: act on it.
    One(T),
    /// Several close matches, best first: ask which.
    Several(Vec<T>),
    /// Nothing close enough.
    None,
}

/// Longest customer or product name we store; longer input is refused, not cut.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest free-text note on an entry.
pub const MAX_NOTE_CHARS: usize = 500;

/// What can go wrong with a books operation. Each variant is a meaningful answer for the merchant.
#[derive(Debug, thiserror::Error)]
pub enum BooksError {
    #[error("merchant {0} not found")]
    MerchantNotFound(MerchantId),
    #[error("customer {0} not found")]
    CustomerNotFound(CustomerId),
    #[error("product {0} not found")]
    ProductNotFound(ProductId),
    #[error("invoice {0} not found")]
    InvoiceNotFound(InvoiceId),
    #[error("reminder {0} not found")]
    ReminderNotFound(ReminderId),
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    #[error("invalid note: {0}")]
    InvalidNote(&'static str),
    #[error(transparent)]
    InvalidPhone(#[from] crate::phone::InvalidPhone),
    #[error("phone {0} is already registered to another shop")]
    PhoneTaken(String),
    #[error("invalid amount: {0}")]
    InvalidAmount(&'static str),
    #[error("invalid quantity: {0}")]
    InvalidQuantity(&'static str),
    #[error("a bill needs at least one item")]
    EmptyInvoice,
    #[error("invoice {0} is already cancelled")]
    InvoiceAlreadyCancelled(i64),
    #[error("there is nothing to undo")]
    NothingToUndo,
    #[error("a reminder must be in the future")]
    ReminderInPast,
    #[error("idempotency key was already used for a different kind of booking")]
    KeyReused,
    #[error(transparent)]
    UnknownZone(#[from] crate::time::UnknownZone),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BooksError {
    fn from(error: sqlx::Error) -> Self {
        BooksError::Store(StoreError::Query(error))
    }
}

/// One merchant's books. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Books {
    db: Db,
    merchant: Merchant,
    clock: Arc<dyn Clock>,
}

impl Books {
    /// Opens the books of `merchant`; fails if there is no such merchant.
    pub async fn open(
        db: Db,
        merchant: MerchantId,
        clock: Arc<dyn Clock>,
    ) -> Result<Books, BooksError> {
        let merchant = merchants::get(&db, merchant).await?;
        Ok(Books {
            db,
            merchant,
            clock,
        })
    }

    /// The books of a shop already read (a reminder claim reads its shops), with no read of its
    /// own.
    pub fn of_shop(db: Db, merchant: Merchant, clock: Arc<dyn Clock>) -> Books {
        Books {
            db,
            merchant,
            clock,
        }
    }

    pub fn merchant(&self) -> &Merchant {
        &self.merchant
    }

    pub fn merchant_id(&self) -> MerchantId {
        self.merchant.id
    }

    pub fn zone(&self) -> Tz {
        self.merchant.zone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The shop's settings (large amount, staff's bill-cancel window).
    pub async fn settings(&self) -> Result<ShopSettings, BooksError> {
        merchants::settings(&self.db, self.merchant.id).await
    }

    /// The role of `phone` in this shop; `None` when it is not one of the shop's phones.
    pub async fn role_of(&self, phone: &str) -> Result<Option<Role>, BooksError> {
        merchants::role_of(&self.db, self.merchant.id, phone).await
    }

    fn mid(&self) -> i64 {
        self.merchant.id.0
    }

    fn now_ms(&self) -> i64 {
        crate::time::to_millis(self.clock.now())
    }
}

/// Trims and checks a person's or product's name; quotes, SQL, emoji and any script are kept exactly.
pub fn validate_name(name: &str) -> Result<String, BooksError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(BooksError::InvalidName("empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(BooksError::InvalidName("longer than 120 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(BooksError::InvalidName("contains control characters"));
    }
    Ok(trimmed.to_string())
}

fn validate_note(note: Option<&str>) -> Result<Option<String>, BooksError> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(BooksError::InvalidNote("longer than 500 characters"));
    }
    if note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(BooksError::InvalidNote("contains control characters"));
    }
    Ok(Some(note.to_string()))
}

/// A booking amount must be positive and at most ₹10 crore.
fn validate_amount(amount: Paise) -> Result<Paise, BooksError> {
    if !amount.is_positive() {
        return Err(BooksError::InvalidAmount("must be more than zero"));
    }
    if amount > crate::money::MAX_BOOKING {
        return Err(BooksError::InvalidAmount(
            "more than ₹10 crore in one booking",
        ));
    }
    Ok(amount)
}
