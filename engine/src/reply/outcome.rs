//! What the dialog has to tell a merchant, as data; `render` turns it into words in their language.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::money::{Paise, PaymentMode};
use crate::quantity::{Quantity, Unit};

/// A bill line as shown in a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineView {
    pub name: String,
    pub qty: Quantity,
    pub unit: Unit,
    pub total: Paise,
}

/// A bill in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub number: i64,
    pub customer: Option<String>,
    pub total: Paise,
    pub cancelled: bool,
    pub date: NaiveDate,
}

/// Someone who owes money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebtorView {
    pub name: String,
    pub balance: Paise,
}

/// One thing to say. Every intent, question and error has a variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    // Bookings.
    PaymentRecorded {
        customer: String,
        amount: Paise,
        mode: Option<PaymentMode>,
        balance: Paise,
    },
    CreditAdded {
        customer: String,
        amount: Paise,
        balance: Paise,
    },
    InvoiceCreated {
        number: i64,
        customer: Option<String>,
        lines: Vec<LineView>,
        total: Paise,
        balance: Option<Paise>,
        low_stock: Vec<String>,
    },
    InvoiceCancelled {
        number: i64,
        customer: Option<String>,
        total: Paise,
        balance: Option<Paise>,
    },
    ReminderScheduled {
        customer: String,
        amount: Option<Paise>,
        at: DateTime<FixedOffset>,
    },
    RemindersCancelled {
        customer: String,
        count: u64,
    },
    StockUpdated {
        product: String,
        delta: Quantity,
        stock: Quantity,
        unit: Unit,
    },
    ProductSaved {
        product: String,
        price: Paise,
        unit: Unit,
        created: bool,
    },
    CustomerSaved {
        customer: String,
        phone: Option<String>,
        created: bool,
    },
    /// `kind` is payment, credit, invoice or stock.
    Undone {
        kind: String,
        customer: Option<String>,
        amount: Option<Paise>,
        invoice_number: Option<i64>,
        product: Option<String>,
        balance: Option<Paise>,
    },

    // Questions answered from the books.
    Balance {
        customer: String,
        balance: Paise,
    },
    TotalDues {
        total: Paise,
        debtors: Vec<DebtorView>,
        count: usize,
    },
    Stock {
        product: String,
        stock: Quantity,
        unit: Unit,
        low: bool,
    },
    DailySummary {
        date: NaiveDate,
        sales: Paise,
        invoice_count: i64,
        collections: Paise,
        new_credit: Paise,
        outstanding: Paise,
        top_debtors: Vec<DebtorView>,
        low_stock: Vec<String>,
    },
    InvoiceList {
        customer: Option<String>,
        invoices: Vec<InvoiceView>,
    },
    Help,

    // Questions back to the merchant (each comes with quick options).
    /// Several customers match what was said.
    AskWhichCustomer {
        said: String,
        options: Vec<String>,
    },
    /// No customer by that name: create one?
    AskCreateCustomer {
        name: String,
    },
    /// A bill names a product the catalog does not have: what does it cost?
    AskProductPrice {
        product: String,
    },
    /// Several products match.
    AskWhichProduct {
        said: String,
        options: Vec<String>,
    },

    // Refusals and errors.
    NotUnderstood,
    CustomerNotFound {
        name: String,
    },
    ProductNotFound {
        name: String,
    },
    NoInvoice {
        customer: Option<String>,
    },
    NothingToUndo,
    /// The last booking is older than the undo window (minutes).
    UndoExpired {
        minutes: i64,
    },
    InvalidAmount,
    InvalidQuantity,
    UnitMismatch {
        product: String,
        unit: Unit,
    },
    InvalidName,
    InvalidPhone,
    ReminderInPast,
    NoReminders {
        customer: String,
    },
    /// The merchant answered "no" to a question: nothing was done.
    Dropped,
    /// Something failed on our side; nothing was booked.
    TryAgain,

    // The channel.
    /// A phone no shop has registered wrote in.
    NotRegistered,
    /// A voice note arrived but speech-to-text is not configured.
    VoiceNotUnderstood,
    /// An image, sticker, location… arrived.
    UnsupportedMessage,
    /// The sender wrote more than `per_minute` messages in a minute; the rest are processed as
    /// the limit allows.
    TooManyMessages {
        per_minute: u32,
    },
    /// A message failed on every try and was given up on.
    MessageNotProcessed,
    /// A shop's customer wrote to the number: what the shop owner is told.
    CustomerWrote {
        /// The customer's name in the books, when the phone is on a customer.
        customer: Option<String>,
        phone: String,
        /// What they wrote; empty for a voice note, image or other media.
        text: String,
    },
    /// The customer's message was passed on to the shop.
    CustomerMessagePassedOn {
        shop: String,
    },
    /// Open signup: a stranger is asked for their shop's name.
    SignupAskName,
    /// Open signup: the shop's books are open, with this phone as owner.
    SignupOpened {
        shop: String,
    },
    /// Open signup: that cannot be a shop's name.
    SignupNameRefused,

    // Voice notes.
    /// The voice note is longer than the limit.
    VoiceTooLong {
        minutes: u32,
    },
    /// The voice note file is larger than the limit.
    VoiceTooLarge {
        megabytes: u32,
    },
    /// The voice note could not be decoded (corrupt, truncated, unknown format).
    VoiceUnreadable,
    /// The voice note holds no speech (silence).
    VoiceSilent,
    /// Speech-to-text failed or heard nothing; nothing was booked.
    VoiceNotHeard,
}
