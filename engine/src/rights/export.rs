//! One customer's data as a JSON document: profile, statement with the running balance, bills, reminders with their timelines, and the messages exchanged with them.
//!
//! Times are unix milliseconds (UTC) and money is paise, as stored; the shop's zone is given so
//! a reader can show local times.

use serde::Serialize;
use sqlx::Row;

use super::RightsError;
use crate::books::{
    Books, CustomerId, EntryId, InvoiceId, InvoiceLine, InvoiceSummary, Reminder, ReminderEvent,
    ReminderId, StatementLine,
};
use crate::messages::{Delivery, Direction};
use crate::time::to_millis;

/// The format's name and version, first in the document.
pub const EXPORT_FORMAT: &str = "execora-customer-export/1";
/// Rows read per query while walking a long history.
const PAGE: i64 = 500;

/// Everything the shop holds about one customer.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerExport {
    pub format: &'static str,
    pub exported_at: i64,
    pub shop: ExportShop,
    pub customer: ExportCustomer,
    /// Oldest first, each line with the balance right after it.
    pub statement: Vec<StatementLine>,
    /// Oldest first.
    pub bills: Vec<ExportBill>,
    /// Oldest first, each with its timeline.
    pub reminders: Vec<ExportReminder>,
    /// The messages to and from the customer's phone, oldest first.
    pub messages: Vec<ExportMessage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportShop {
    pub id: i64,
    pub name: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportCustomer {
    pub id: CustomerId,
    pub name: String,
    pub phone: Option<String>,
    pub nickname: Option<String>,
    pub balance_paise: i64,
    pub created_at: i64,
    /// Set when the customer was deleted: what is left is the anonymised record.
    pub deleted_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportBill {
    #[serde(flatten)]
    pub bill: InvoiceSummary,
    pub lines: Vec<InvoiceLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReminder {
    #[serde(flatten)]
    pub reminder: Reminder,
    pub timeline: Vec<ReminderEvent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportMessage {
    pub id: i64,
    /// `in` from the customer, `out` to them.
    pub direction: Direction,
    pub kind: String,
    pub body: String,
    /// What a voice note was heard as.
    pub transcript: Option<String>,
    pub status: Delivery,
    pub created_at: i64,
    /// When the body and transcript were cleared (retention or deletion).
    pub redacted_at: Option<i64>,
}

/// Collects `customer`'s data from this shop's books. Another shop's customer is
/// `CustomerNotFound`, exactly like an id that does not exist.
pub async fn export_customer(
    books: &Books,
    customer: CustomerId,
) -> Result<CustomerExport, RightsError> {
    let found = books.customer(customer).await?;
    let merchant = books.merchant_id().0;
    let pool = books.db().pool();
    let deleted_at: Option<i64> =
        sqlx::query_scalar("SELECT deleted_at FROM customers WHERE merchant_id = $1 AND id = $2")
            .bind(merchant)
            .bind(customer.0)
            .fetch_one(pool)
            .await?;

    let mut statement = Vec::new();
    let mut before: Option<EntryId> = None;
    loop {
        let page = books.statement(customer, PAGE, before).await?;
        statement.extend(page.lines);
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    statement.reverse();

    let mut bills = Vec::new();
    let mut before: Option<InvoiceId> = None;
    loop {
        let page = books
            .invoices_in(Some(customer), None, PAGE, before)
            .await?;
        let full = page.len() as i64 >= PAGE;
        before = page.last().map(|bill| bill.id);
        for summary in page {
            let (bill, lines) = books.invoice(summary.id).await?;
            bills.push(ExportBill { bill, lines });
        }
        if !full {
            break;
        }
    }
    bills.reverse();

    let reminder_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM reminders WHERE merchant_id = $1 AND customer_id = $2 ORDER BY id",
    )
    .bind(merchant)
    .bind(customer.0)
    .fetch_all(pool)
    .await?;
    let mut reminders = Vec::with_capacity(reminder_ids.len());
    for id in reminder_ids.into_iter().map(ReminderId) {
        reminders.push(ExportReminder {
            reminder: books.reminder(id).await?,
            timeline: books.reminder_timeline(id).await?,
        });
    }

    let mut messages = Vec::new();
    if let Some(phone) = &found.phone {
        let rows = sqlx::query(
            "SELECT id, direction, kind, body, transcript, status, created_at, redacted_at FROM messages \
             WHERE merchant_id = $1 AND peer = $2 ORDER BY id",
        )
        .bind(merchant)
        .bind(phone.as_str())
        .fetch_all(pool)
        .await?;
        for row in &rows {
            let direction: String = row.try_get("direction")?;
            let status: String = row.try_get("status")?;
            messages.push(ExportMessage {
                id: row.try_get("id")?,
                direction: if direction == "in" {
                    Direction::In
                } else {
                    Direction::Out
                },
                kind: row.try_get("kind")?,
                body: row.try_get("body")?,
                transcript: row.try_get("transcript")?,
                status: Delivery::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
                    index: "status".to_string(),
                    source: format!("unknown message status {status:?}").into(),
                })?,
                created_at: row.try_get("created_at")?,
                redacted_at: row.try_get("redacted_at")?,
            });
        }
    }

    let merchant = books.merchant();
    Ok(CustomerExport {
        format: EXPORT_FORMAT,
        exported_at: to_millis(books.now()),
        shop: ExportShop {
            id: merchant.id.0,
            name: merchant.name.clone(),
            timezone: merchant.zone().name().to_string(),
        },
        customer: ExportCustomer {
            id: found.id,
            name: found.name,
            phone: found.phone.map(|p| p.as_str().to_string()),
            nickname: found.nickname,
            balance_paise: found.balance.as_i64(),
            created_at: found.created_at,
            deleted_at,
        },
        statement,
        bills,
        reminders,
        messages,
    })
}
