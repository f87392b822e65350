//! The commands a merchant message can carry: the output contract of `execora parse` (shared/spec/nlu.md).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::money::{Paise, PaymentMode};
use crate::quantity::{Quantity, Unit};

/// Everything one message asked for, in the order it was said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parsed {
    pub commands: Vec<Command>,
}

impl Parsed {
    pub fn unknown() -> Self {
        Parsed {
            commands: vec![Command::Unknown],
        }
    }

    /// True when nothing in the message was understood.
    pub fn is_unknown(&self) -> bool {
        self.commands.iter().all(|c| matches!(c, Command::Unknown))
    }
}

/// A reading of one message and whether the parser stands behind all of it: the contract's
/// output, `{"commands": [...], "confident": true}`. An unconfident reading is never booked
/// without the merchant's yes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Understood {
    #[serde(flatten)]
    pub parsed: Parsed,
    /// False whenever any part of the message was not accounted for, or a command was a guess.
    pub confident: bool,
    /// Why a message that looks like a booking is not one, when the parser recognised that;
    /// the dialog says so instead of booking. Not part of the printed contract.
    #[serde(skip)]
    pub not_booked: Option<NotBooked>,
}

/// Messages that look like a booking and are not: the merchant must be told nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotBooked {
    /// "Suresh ne 500 nahi diye", "udhaar mat likhna".
    Negation,
    /// "did Imran pay 400?", "diye kya?".
    Question,
    /// "kal 500 dega", "will pay next week".
    Promise,
    /// "agar Rahul 500 de to ...".
    Hypothetical,
    /// "Rahul ka 500 pehle hi likh diya tha".
    AlreadyWritten,
    /// "maine Rahul ko 500 lautaye", "kiraya 8000 diya": money went out of the shop (to the
    /// customer, a supplier or a bill), not from a customer.
    MoneyPaidOut,
    /// A range or alternative ("2-3 sau", "200 ya 300"): which amount was meant is not known.
    AmountUnclear,
    /// Longer than the parser reads whole; refused rather than cut off.
    TooLong,
}

impl Understood {
    /// A reading the parser stands behind (the rules were sure, or the language model answered).
    pub fn confident(parsed: Parsed) -> Self {
        Understood {
            parsed,
            confident: true,
            not_booked: None,
        }
    }

    /// Nothing understood.
    pub fn unknown() -> Self {
        Understood {
            parsed: Parsed::unknown(),
            confident: false,
            not_booked: None,
        }
    }
}

/// One line item of a bill as said: product words, quantity, optional unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRequest {
    pub product: String,
    pub qty: Quantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

/// One command. Serialises exactly as the contract: `{"intent": "record_payment", ...}`, unsaid fields left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Command {
    CreateInvoice {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<String>,
        items: Vec<ItemRequest>,
    },
    RecordPayment {
        customer: String,
        amount_paise: Paise,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<PaymentMode>,
    },
    AddCredit {
        customer: String,
        amount_paise: Paise,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    CheckBalance {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<String>,
    },
    ScheduleReminder {
        customer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount_paise: Option<Paise>,
        /// RFC 3339 with the merchant's offset, seconds included.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<DateTime<FixedOffset>>,
        /// Again every this many days while the customer owes ("har hafte": 7); the first at `at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        every_days: Option<i64>,
    },
    CancelReminder {
        customer: String,
    },
    /// "sab udhaar walon ko har 3 din reminder": every customer with dues, every N days.
    AutoRemindAll {
        every_days: i64,
    },
    /// "Rahul ka auto reminder band karo"; without a customer, every automatic reminder.
    StopAutoReminder {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<String>,
    },
    /// "Rahul ko reminder gaya?": what became of the customer's latest reminder.
    ReminderStatus {
        customer: String,
    },
    CheckStock {
        product: String,
    },
    UpdateStock {
        product: String,
        qty: Quantity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<Unit>,
    },
    AddProduct {
        product: String,
        price_paise: Paise,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<Unit>,
    },
    AddCustomer {
        customer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
    },
    DailySummary {
        date: NaiveDate,
    },
    ListInvoices {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<String>,
    },
    CancelInvoice {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<String>,
    },
    Undo,
    Help,
    /// The evening digest: off (`on: false`), or on, at `at` when a time was said
    /// (docs/UNDERSTANDING.md, "The evening digest").
    SetDigest {
        on: bool,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::digest::hhmm"
        )]
        at: Option<NaiveTime>,
    },
    Unknown,
}

impl Command {
    /// The customer the command is about, as said.
    pub fn customer(&self) -> Option<&str> {
        match self {
            Command::RecordPayment { customer, .. }
            | Command::AddCredit { customer, .. }
            | Command::ScheduleReminder { customer, .. }
            | Command::CancelReminder { customer }
            | Command::ReminderStatus { customer }
            | Command::AddCustomer { customer, .. } => Some(customer),
            Command::CreateInvoice { customer, .. }
            | Command::CheckBalance { customer }
            | Command::ListInvoices { customer }
            | Command::CancelInvoice { customer }
            | Command::StopAutoReminder { customer } => customer.as_deref(),
            _ => None,
        }
    }

    /// The amount of money the command names: a payment's, an udhaar's, a reminder's.
    pub fn amount(&self) -> Option<Paise> {
        match self {
            Command::RecordPayment { amount_paise, .. }
            | Command::AddCredit { amount_paise, .. } => Some(*amount_paise),
            Command::ScheduleReminder { amount_paise, .. } => *amount_paise,
            _ => None,
        }
    }

    /// The contract's intent name, e.g. `record_payment`.
    pub fn intent(&self) -> &'static str {
        match self {
            Command::CreateInvoice { .. } => "create_invoice",
            Command::RecordPayment { .. } => "record_payment",
            Command::AddCredit { .. } => "add_credit",
            Command::CheckBalance { .. } => "check_balance",
            Command::ScheduleReminder { .. } => "schedule_reminder",
            Command::CancelReminder { .. } => "cancel_reminder",
            Command::AutoRemindAll { .. } => "auto_remind_all",
            Command::StopAutoReminder { .. } => "stop_auto_reminder",
            Command::ReminderStatus { .. } => "reminder_status",
            Command::CheckStock { .. } => "check_stock",
            Command::UpdateStock { .. } => "update_stock",
            Command::AddProduct { .. } => "add_product",
            Command::AddCustomer { .. } => "add_customer",
            Command::DailySummary { .. } => "daily_summary",
            Command::ListInvoices { .. } => "list_invoices",
            Command::CancelInvoice { .. } => "cancel_invoice",
            Command::Undo => "undo",
            Command::Help => "help",
            Command::SetDigest { .. } => "set_digest",
            Command::Unknown => "unknown",
        }
    }
}
