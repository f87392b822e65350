//! Replies to merchants, rendered from the Fluent files in templates/ in the merchant's language.

mod digest;
mod labels;
mod locale;
mod outcome;
mod pay_page;
mod reminders;
mod render;

use serde::{Deserialize, Serialize};

pub use digest::{digest_line, digest_setting, digest_text, format_time_of_day};
pub use labels::{deletion_code, label, label_with, login_code};
pub use locale::Locale;
pub use outcome::{
    ConfirmReason, DebtorView, InvoiceView, LineView, NothingWritten, Outcome, OwnerOnly, Proposal,
};
pub use pay_page::{
    PayPageLine, PayPageText, kind_label as entry_kind_label, pay_page, signed as signed_amount,
};
pub use reminders::{AutoProposal, LastReminder, ReminderReply};
pub use render::{format_date, format_when, render};

/// WhatsApp allows at most three reply buttons.
pub const MAX_OPTIONS: usize = 3;
/// WhatsApp's limit on a reply button title.
pub const MAX_OPTION_TITLE_CHARS: usize = 20;

/// A quick answer the merchant can tap (a WhatsApp reply button) or type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickOption {
    /// What the dialog receives back: `pick:1`…`pick:3`, `yes`, `no`, `skip`.
    pub id: String,
    pub title: String,
}

/// One message to send back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub text: String,
    /// At most [`MAX_OPTIONS`], titles at most [`MAX_OPTION_TITLE_CHARS`] characters.
    pub options: Vec<QuickOption>,
    /// True when the reply asks a question and waits for the answer.
    pub expects_answer: bool,
}

#[cfg(test)]
mod tests;
