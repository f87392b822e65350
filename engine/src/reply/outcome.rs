//! What the dialog has to tell a merchant, as data; `render` turns it into words in their language.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
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

/// Why a booking waits for the merchant's yes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ConfirmReason {
    /// The message was not read with confidence: this is what we understood.
    Unsure,
    /// More than the shop's large-amount setting.
    LargeAmount { limit: Paise },
    /// Far above anything this customer has had before (their largest entry so far).
    AboveHistory { customer: String, largest: Paise },
}

/// What would be written, as a confirmation question shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "booking", rename_all = "snake_case")]
pub enum Proposal {
    Payment {
        customer: String,
        amount: Paise,
        mode: Option<PaymentMode>,
    },
    Credit {
        customer: String,
        amount: Paise,
    },
    Invoice {
        customer: Option<String>,
        total: Paise,
    },
    Stock {
        product: String,
        delta: Quantity,
        unit: Unit,
    },
    Product {
        product: String,
        price: Paise,
    },
    Customer {
        customer: String,
    },
    Reminder {
        customer: String,
        amount: Option<Paise>,
    },
    CancelReminders {
        customer: String,
    },
    CancelInvoice {
        number: i64,
        total: Paise,
    },
    Undo,
    /// Starting or stopping automatic reminders.
    AutoReminders(super::AutoProposal),
}

/// Why a message that looks like a booking wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NothingWritten {
    Negation,
    Question,
    Promise,
    Hypothetical,
    AlreadyWritten,
    MoneyPaidOut,
    AmountUnclear,
    TooLong,
}

/// What only the shop's owner may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OwnerOnly {
    /// The whole shop's dues (a balance without a customer).
    ShopDues,
    /// A day's summary.
    Summary,
    /// The whole shop's bill list.
    AllInvoices,
    /// Changing a product's rate or adding one by command.
    Products,
    /// Cancelling a customer's reminders.
    CancelReminders,
    /// Turning the shop-wide automatic reminders on or off, or stopping a customer's.
    AutoReminders,
    /// Cancelling a bill someone else issued.
    OthersBill { number: i64 },
    /// Cancelling a bill older than the shop's window for staff.
    OldBill { number: i64, window_minutes: i64 },
    /// Changing the evening digest's time or turning it off.
    Digest,
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

    /// Book this? Asked before an unsure or unusually large booking.
    AskConfirm {
        proposal: Proposal,
        reason: ConfirmReason,
    },

    // Refusals and errors.
    /// The message looked like a booking but was not one: nothing was written. The named
    /// customer's balance is shown when the message named one.
    NotBooked {
        why: NothingWritten,
        customer: Option<String>,
        balance: Option<Paise>,
    },
    /// The sender is staff; this needs the shop's owner.
    OwnerOnly {
        action: OwnerOnly,
    },
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
    /// To the merchant: a reminder fell due while the customer owed nothing, so it was not sent.
    ReminderSettled {
        customer: String,
    },
    /// To the merchant: a reminder could not go out because the customer has no phone number.
    ReminderNoPhone {
        customer: String,
    },
    /// To the merchant: whether a reminder reached WhatsApp cannot be known; it is not resent.
    ReminderNeedsReview {
        customer: String,
    },
    /// Automatic reminders and a reminder's fate ("Rahul ko reminder gaya?").
    Reminders(super::ReminderReply),
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

    // The evening digest.
    /// The shop's digest now comes at `at` (its local time), or is off.
    DigestSet {
        enabled: bool,
        at: NaiveTime,
    },
}
