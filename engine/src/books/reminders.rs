//! Payment reminders as rows: scheduling and cancelling. Sending them is the bot's job.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::operations::{self, Booked, Origin, Started};
use super::{Books, BooksError, CustomerId, ReminderId, validate_amount};
use crate::money::Paise;

/// A reminder to a customer to pay, due at a time (unix ms, UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    pub id: ReminderId,
    pub customer: CustomerId,
    pub customer_name: String,
    pub amount: Option<Paise>,
    pub due_at: i64,
    pub status: String,
}

fn reminder_from_row(row: &AnyRow) -> Result<Reminder, sqlx::Error> {
    Ok(Reminder {
        id: ReminderId(row.try_get("id")?),
        customer: CustomerId(row.try_get("customer_id")?),
        customer_name: row.try_get("customer_name")?,
        amount: row
            .try_get::<Option<i64>, _>("amount_paise")?
            .map(Paise::new),
        due_at: row.try_get("due_at")?,
        status: row.try_get("status")?,
    })
}

const REMINDER_SELECT: &str = "SELECT r.id, r.customer_id, c.name AS customer_name, r.amount_paise, r.due_at, r.status \
     FROM reminders r JOIN customers c ON c.merchant_id = r.merchant_id AND c.id = r.customer_id";

impl Books {
    /// Schedules a reminder; `due_at` (unix ms) may be now but not in the past by more than a minute.
    /// Without an amount the reminder asks for the balance due when it is sent.
    pub async fn schedule_reminder(
        &self,
        customer: CustomerId,
        amount: Option<Paise>,
        due_at: i64,
        origin: &Origin,
    ) -> Result<Booked<Reminder>, BooksError> {
        let amount = amount.map(validate_amount).transpose()?;
        let now = self.now_ms();
        if due_at < now - 60_000 {
            return Err(BooksError::ReminderInPast);
        }
        let customer_name = self.customer(customer).await?.name;
        let mut tx = self.db.begin().await?;
        let operation =
            match operations::start(&mut tx, self.mid(), "reminder", origin, now).await? {
                Started::New(op) => op,
                Started::Replay(done) => return Ok(done),
            };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reminders (merchant_id, customer_id, operation_id, amount_paise, due_at, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $6) RETURNING id",
        )
        .bind(self.mid())
        .bind(customer.0)
        .bind(operation.0)
        .bind(amount.map(Paise::as_i64))
        .bind(due_at.max(now))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let reminder = Reminder {
            id: ReminderId(id),
            customer,
            customer_name,
            amount,
            due_at: due_at.max(now),
            status: "scheduled".into(),
        };
        let booked = operations::finish(&mut tx, self.mid(), operation, reminder).await?;
        tx.commit().await?;
        Ok(booked)
    }

    /// Cancels a customer's reminders that have not been sent; returns how many.
    pub async fn cancel_reminders(&self, customer: CustomerId) -> Result<u64, BooksError> {
        self.customer(customer).await?;
        let done = sqlx::query(
            "UPDATE reminders SET status = 'cancelled', updated_at = $1 \
             WHERE merchant_id = $2 AND customer_id = $3 AND status = 'scheduled'",
        )
        .bind(self.now_ms())
        .bind(self.mid())
        .bind(customer.0)
        .execute(&mut *self.db.writer().await?)
        .await?;
        Ok(done.rows_affected())
    }

    /// Reminders not yet sent, soonest first.
    pub async fn pending_reminders(
        &self,
        customer: Option<CustomerId>,
    ) -> Result<Vec<Reminder>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REMINDER_SELECT} WHERE r.merchant_id = $1 AND r.status = 'scheduled' AND ($2 = 0 OR r.customer_id = $3) \
             ORDER BY r.due_at, r.id"
        )))
        .bind(self.mid())
        .bind(i64::from(customer.is_some()))
        .bind(customer.map_or(0, |c| c.0))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(reminder_from_row)
            .collect::<Result<_, _>>()?)
    }
}
