//! What the merchant is told about automatic reminders and about a reminder's fate ("Rahul ko reminder gaya?"), and its words.

use chrono::{DateTime, FixedOffset};
use fluent_templates::fluent_bundle::FluentValue;
use serde::{Deserialize, Serialize};

use super::Locale;
use super::render::{args, format_when, say, text};
use crate::books::ReminderStatus;
use crate::money::Paise;

/// The last reminder a customer was sent or meant to be sent, as the merchant is told about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastReminder {
    pub status: ReminderStatus,
    /// When it reached that status (merchant-local).
    pub at: DateTime<FixedOffset>,
    /// Why it failed (WhatsApp's words and code), when it did.
    pub reason: Option<String>,
    /// What the customer wrote back, the latest reply.
    pub reply: Option<String>,
}

/// Automatic reminders and reminder news, to the merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reminders", rename_all = "snake_case")]
pub enum ReminderReply {
    /// "Rahul ko har hafte reminder bhejo": the series is booked, the first one due at `first`.
    SeriesStarted {
        customer: String,
        every_days: i64,
        amount: Option<Paise>,
        first: DateTime<FixedOffset>,
    },
    /// "sab udhaar walon ko har 3 din reminder": every customer with dues, `debtors` of them now.
    ShopWideOn { every_days: i64, debtors: i64 },
    /// A customer's automatic reminders stopped (they will not be reminded on their own).
    CustomerStopped { customer: String },
    /// Every automatic reminder of the shop stopped; `any` when something was running.
    AllStopped { any: bool },
    /// To the merchant: a series' reminder fell due while the customer owed nothing; it was not
    /// sent and the series ended.
    PaidUp { customer: String },
    /// "Rahul ko reminder gaya?".
    News {
        customer: String,
        last: Option<LastReminder>,
        next: Option<DateTime<FixedOffset>>,
    },
}

/// What an automatic-reminder command would do, as a confirmation question shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "auto", rename_all = "snake_case")]
pub enum AutoProposal {
    Series { customer: String, every_days: i64 },
    ShopWide { every_days: i64 },
    Stop { customer: Option<String> },
}

/// "har hafte", "every 3 days": the interval in words, for the message that says it.
fn every(every_days: i64, l: Locale) -> FluentValue<'static> {
    text(say(
        l,
        "auto-every",
        &args([("days", FluentValue::from(every_days))]),
    ))
}

pub(super) fn proposal_text(proposal: &AutoProposal, l: Locale) -> String {
    match proposal {
        AutoProposal::Series {
            customer,
            every_days,
        } => say(
            l,
            "propose-auto-series",
            &args([
                ("customer", text(customer.clone())),
                ("every", every(*every_days, l)),
            ]),
        ),
        AutoProposal::ShopWide { every_days } => say(
            l,
            "propose-auto-shop",
            &args([("every", every(*every_days, l))]),
        ),
        AutoProposal::Stop {
            customer: Some(customer),
        } => say(
            l,
            "propose-auto-stop",
            &args([("customer", text(customer.clone()))]),
        ),
        AutoProposal::Stop { customer: None } => say(l, "propose-auto-stop-all", &args([])),
    }
}

pub(super) fn lines(reply: &ReminderReply, l: Locale) -> Vec<String> {
    let who = |customer: &String| ("customer", text(customer.clone()));
    match reply {
        ReminderReply::SeriesStarted {
            customer,
            every_days,
            amount,
            first,
        } => vec![match amount {
            Some(amount) => say(
                l,
                "auto-series-started-amount",
                &args([
                    who(customer),
                    ("every", every(*every_days, l)),
                    ("amount", text(amount.to_string())),
                    ("when", text(format_when(*first, l))),
                ]),
            ),
            None => say(
                l,
                "auto-series-started",
                &args([
                    who(customer),
                    ("every", every(*every_days, l)),
                    ("when", text(format_when(*first, l))),
                ]),
            ),
        }],
        ReminderReply::ShopWideOn {
            every_days,
            debtors,
        } => vec![say(
            l,
            "auto-shop-on",
            &args([
                ("every", every(*every_days, l)),
                ("count", FluentValue::from(*debtors)),
            ]),
        )],
        ReminderReply::CustomerStopped { customer } => {
            vec![say(l, "auto-stopped-customer", &args([who(customer)]))]
        }
        ReminderReply::AllStopped { any: true } => vec![say(l, "auto-stopped-all", &args([]))],
        ReminderReply::AllStopped { any: false } => {
            vec![say(l, "auto-stopped-all-none", &args([]))]
        }
        ReminderReply::PaidUp { customer } => {
            vec![say(l, "auto-paid-up", &args([who(customer)]))]
        }
        ReminderReply::News {
            customer,
            last,
            next,
        } => news(customer, last.as_ref(), *next, l),
    }
}

fn news(
    customer: &str,
    last: Option<&LastReminder>,
    next: Option<DateTime<FixedOffset>>,
    l: Locale,
) -> Vec<String> {
    let who = || ("customer", text(customer.to_string()));
    let mut out = Vec::new();
    match last {
        Some(last) => {
            let id = match last.status {
                ReminderStatus::Scheduled | ReminderStatus::Sending => "reminder-news-sending",
                ReminderStatus::Sent => "reminder-news-sent",
                ReminderStatus::Delivered => "reminder-news-delivered",
                ReminderStatus::Read => "reminder-news-read",
                ReminderStatus::Failed => "reminder-news-failed",
                ReminderStatus::Settled => "reminder-news-settled",
                ReminderStatus::Cancelled => "reminder-news-cancelled",
                ReminderStatus::NeedsReview => "reminder-news-review",
            };
            out.push(say(
                l,
                id,
                &args([
                    who(),
                    ("when", text(format_when(last.at, l))),
                    ("reason", text(last.reason.clone().unwrap_or_default())),
                ]),
            ));
            if let Some(reply) = &last.reply {
                out.push(say(
                    l,
                    "reminder-news-reply",
                    &args([who(), ("text", text(reply.clone()))]),
                ));
            }
            if let Some(next) = next {
                out.push(say(
                    l,
                    "reminder-news-next",
                    &args([("when", text(format_when(next, l)))]),
                ));
            }
        }
        None => match next {
            Some(next) => out.push(say(
                l,
                "reminder-news-only-next",
                &args([who(), ("when", text(format_when(next, l)))]),
            )),
            None => out.push(say(l, "reminder-news-none", &args([who()]))),
        },
    }
    out
}
