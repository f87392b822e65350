//! Automatic reminders: a customer's series (every N days while dues remain), the shop-wide setting that reminds every customer with dues, and how both stop.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::merchants::{self, MAX_REMINDER_EVERY_DAYS, ShopSettings};
use super::operations::{self, Booked, Origin, Started};
use super::reminders::{
    EventKind, NewReminder, Reminder, ReminderKey, ReminderKind, ReminderStatus, add_event,
    corrupt, insert_reminder,
};
use super::{Books, BooksError, CustomerId, MerchantId, ReminderId, SeriesId, validate_amount};
use crate::money::Paise;
use crate::store::{Db, StoreError, Tx, is_unique_violation};

const DAY_MS: i64 = 86_400_000;

/// How a reminder came to be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    /// Asked for once ("Rahul ko reminder bhejo").
    Once,
    /// One of a customer's series ("Rahul ko har hafte reminder bhejo").
    Series,
    /// Booked by the shop-wide setting for a customer with dues.
    Shop,
}

impl Recurrence {
    pub fn as_str(self) -> &'static str {
        match self {
            Recurrence::Once => "once",
            Recurrence::Series => "series",
            Recurrence::Shop => "shop",
        }
    }

    pub fn parse(text: &str) -> Option<Recurrence> {
        [Recurrence::Once, Recurrence::Series, Recurrence::Shop]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// Why a series ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesEnd {
    /// The merchant stopped this customer's automatic reminders; the shop-wide setting skips
    /// them too until a series is started for them again.
    Stopped,
    /// The merchant stopped every automatic reminder of the shop.
    AllStopped,
    /// The customer owed nothing when a reminder of the series fell due.
    Paid,
    /// A new interval was asked for the same customer.
    Replaced,
}

impl SeriesEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesEnd::Stopped => "stopped",
            SeriesEnd::AllStopped => "all_stopped",
            SeriesEnd::Paid => "paid",
            SeriesEnd::Replaced => "replaced",
        }
    }

    pub fn parse(text: &str) -> Option<SeriesEnd> {
        [
            SeriesEnd::Stopped,
            SeriesEnd::AllStopped,
            SeriesEnd::Paid,
            SeriesEnd::Replaced,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// A customer's automatic reminders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub id: SeriesId,
    pub customer: CustomerId,
    pub customer_name: String,
    pub every_days: i64,
    /// Asked each time (capped at the balance); `None`: the balance.
    pub amount: Option<Paise>,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub end: Option<SeriesEnd>,
}

/// A series booked, with its first reminder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesStarted {
    pub series: Series,
    pub first: Reminder,
}

/// What stopping automatic reminders did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoStopped {
    /// Series that were running and ended.
    pub series: u64,
    /// Automatic reminders not yet taken for sending that were cancelled.
    pub cancelled: u64,
    /// The shop-wide setting was on (and is now off, when all were stopped).
    pub shop_wide: bool,
}

const SERIES_SELECT: &str = "SELECT s.id, s.customer_id, c.name AS customer_name, s.every_days, s.amount_paise, \
     s.created_at, s.ended_at, s.end_reason \
     FROM reminder_series s JOIN customers c ON c.merchant_id = s.merchant_id AND c.id = s.customer_id";

fn series_from_row(row: &AnyRow) -> Result<Series, sqlx::Error> {
    let end: Option<String> = row.try_get("end_reason")?;
    Ok(Series {
        id: SeriesId(row.try_get("id")?),
        customer: CustomerId(row.try_get("customer_id")?),
        customer_name: row.try_get("customer_name")?,
        every_days: row.try_get("every_days")?,
        amount: row
            .try_get::<Option<i64>, _>("amount_paise")?
            .map(Paise::new),
        created_at: row.try_get("created_at")?,
        ended_at: row.try_get("ended_at")?,
        end: end
            .map(|e| SeriesEnd::parse(&e).ok_or_else(|| corrupt("end_reason", &e)))
            .transpose()?,
    })
}

fn validate_days(every_days: i64) -> Result<i64, BooksError> {
    if (1..=MAX_REMINDER_EVERY_DAYS).contains(&every_days) {
        Ok(every_days)
    } else {
        Err(BooksError::InvalidQuantity(
            "automatic reminders go every 1 to 365 days",
        ))
    }
}

/// Ends the running series of `customer` (if any) and cancels the automatic reminders of that
/// customer not yet taken for sending; returns (series ended, reminders cancelled).
async fn stop_customer(
    tx: &mut Tx,
    merchant: MerchantId,
    customer: CustomerId,
    end: SeriesEnd,
    now: i64,
) -> Result<(u64, u64), sqlx::Error> {
    let ended = sqlx::query(
        "UPDATE reminder_series SET ended_at = $1, end_reason = $2 \
         WHERE merchant_id = $3 AND customer_id = $4 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(end.as_str())
    .bind(merchant.0)
    .bind(customer.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let cancelled: Vec<i64> = sqlx::query_scalar(
        "UPDATE reminders SET status = 'cancelled', updated_at = $1 \
         WHERE merchant_id = $2 AND customer_id = $3 AND status = 'scheduled' AND recurrence <> 'once' \
         RETURNING id",
    )
    .bind(now)
    .bind(merchant.0)
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    for id in &cancelled {
        add_event(
            &mut **tx,
            merchant,
            ReminderId(*id),
            EventKind::Cancelled,
            now,
            None,
            None,
        )
        .await?;
    }
    Ok((ended, cancelled.len() as u64))
}

impl Books {
    /// Starts a customer's automatic reminders: the first due at `first_due` (unix ms; now or
    /// later), then every `every_days` after each one is sent, while the customer owes. A running
    /// series of the same customer is replaced (its waiting reminder cancelled). Idempotent by
    /// the booking's key, like every booking.
    pub async fn start_reminder_series(
        &self,
        customer: CustomerId,
        every_days: i64,
        amount: Option<Paise>,
        first_due: i64,
        origin: &Origin,
    ) -> Result<Booked<SeriesStarted>, BooksError> {
        let every_days = validate_days(every_days)?;
        let amount = amount.map(validate_amount).transpose()?;
        let now = self.now_ms();
        if first_due < now - 60_000 {
            return Err(BooksError::ReminderInPast);
        }
        let first_due = first_due.max(now);
        let customer_name = self.customer(customer).await?.name;
        let mut tx = self.db.begin().await?;
        let operation =
            match operations::start(&mut tx, self.mid(), "reminder_series", origin, now).await? {
                Started::New(op) => op,
                Started::Replay(done) => return Ok(done),
            };
        stop_customer(
            &mut tx,
            self.merchant_id(),
            customer,
            SeriesEnd::Replaced,
            now,
        )
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reminder_series (merchant_id, customer_id, operation_id, every_days, amount_paise, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(self.mid())
        .bind(customer.0)
        .bind(operation.0)
        .bind(every_days)
        .bind(amount.map(Paise::as_i64))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let series = Series {
            id: SeriesId(id),
            customer,
            customer_name: customer_name.clone(),
            every_days,
            amount,
            created_at: now,
            ended_at: None,
            end: None,
        };
        let first = insert_reminder(
            &mut tx,
            &NewReminder {
                merchant: self.merchant_id(),
                customer,
                operation: Some(operation),
                recurrence: Recurrence::Series,
                series: Some(series.id),
                amount,
                due_at: first_due,
            },
            now,
        )
        .await?;
        let first = Reminder {
            id: first,
            customer,
            customer_name,
            kind: ReminderKind::Payment,
            recurrence: Recurrence::Series,
            series: Some(series.id),
            amount,
            due_at: first_due,
            status: ReminderStatus::Scheduled,
            sent_amount: None,
            error_code: None,
        };
        let booked = operations::finish(
            &mut tx,
            self.mid(),
            operation,
            SeriesStarted { series, first },
        )
        .await?;
        tx.commit().await?;
        // The first may be due now: the sender need not wait for its next look.
        self.db.wake(crate::store::Work::Scheduled);
        Ok(booked)
    }

    /// "Rahul ka auto reminder band karo": ends the customer's series, cancels their automatic
    /// reminders not yet taken, and keeps the shop-wide setting from reminding them until a
    /// series is started for them again (a row ended `stopped` says so).
    pub async fn stop_reminder_series(
        &self,
        customer: CustomerId,
    ) -> Result<AutoStopped, BooksError> {
        self.customer(customer).await?;
        let settings = self.settings().await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let (series, cancelled) = stop_customer(
            &mut tx,
            self.merchant_id(),
            customer,
            SeriesEnd::Stopped,
            now,
        )
        .await?;
        if series == 0 {
            // Nothing was running: the stop is still remembered, for the shop-wide setting.
            sqlx::query(
                "INSERT INTO reminder_series (merchant_id, customer_id, every_days, created_at, ended_at, end_reason) \
                 VALUES ($1, $2, $3, $4, $4, 'stopped')",
            )
            .bind(self.mid())
            .bind(customer.0)
            .bind(settings.auto_reminder_days.unwrap_or(7))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(AutoStopped {
            series,
            cancelled,
            shop_wide: settings.auto_reminder_days.is_some(),
        })
    }

    /// "sab udhaar walon ko har 3 din reminder": every customer with dues (and a phone) is
    /// reminded every `every_days` days, the first time at the reminder sender's next round.
    /// Returns the settings as they now are.
    pub async fn set_auto_reminders(&self, every_days: i64) -> Result<ShopSettings, BooksError> {
        let every_days = validate_days(every_days)?;
        let mut settings = self.settings().await?;
        settings.auto_reminder_days = Some(every_days);
        let mut tx = self.db.begin().await?;
        merchants::store_settings(&mut tx, self.merchant_id(), &settings, self.now_ms()).await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// "sab auto reminder band karo": the shop-wide setting off, every running series ended, and
    /// every automatic reminder not yet taken for sending cancelled. One-off reminders stay.
    pub async fn stop_all_auto_reminders(&self) -> Result<AutoStopped, BooksError> {
        let mut settings = self.settings().await?;
        let shop_wide = settings.auto_reminder_days.is_some();
        settings.auto_reminder_days = None;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        merchants::store_settings(&mut tx, self.merchant_id(), &settings, now).await?;
        let series = sqlx::query(
            "UPDATE reminder_series SET ended_at = $1, end_reason = 'all_stopped' \
             WHERE merchant_id = $2 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(self.mid())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let cancelled: Vec<i64> = sqlx::query_scalar(
            "UPDATE reminders SET status = 'cancelled', updated_at = $1 \
             WHERE merchant_id = $2 AND status = 'scheduled' AND recurrence <> 'once' RETURNING id",
        )
        .bind(now)
        .bind(self.mid())
        .fetch_all(&mut *tx)
        .await?;
        for id in &cancelled {
            add_event(
                &mut *tx,
                self.merchant_id(),
                ReminderId(*id),
                EventKind::Cancelled,
                now,
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(AutoStopped {
            series,
            cancelled: cancelled.len() as u64,
            shop_wide,
        })
    }

    /// The customer's running series, if any.
    pub async fn running_series(&self, customer: CustomerId) -> Result<Option<Series>, BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SERIES_SELECT} WHERE s.merchant_id = $1 AND s.customer_id = $2 AND s.ended_at IS NULL"
        )))
        .bind(self.mid())
        .bind(customer.0)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.as_ref().map(series_from_row).transpose()?)
    }

    /// The shop's series, running first, then the latest ended; at most `limit`.
    pub async fn reminder_series(&self, limit: i64) -> Result<Vec<Series>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SERIES_SELECT} WHERE s.merchant_id = $1 \
             ORDER BY CASE WHEN s.ended_at IS NULL THEN 0 ELSE 1 END, s.id DESC LIMIT $2"
        )))
        .bind(self.mid())
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows.iter().map(series_from_row).collect::<Result<_, _>>()?)
    }

    /// How many customers owe the shop and can be reminded (have a phone).
    pub async fn remindable_debtors(&self) -> Result<i64, BooksError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM customers WHERE merchant_id = $1 AND balance_paise > 0 AND phone IS NOT NULL",
        )
        .bind(self.mid())
        .fetch_one(self.db.pool())
        .await?)
    }
}

/// The series of reminder `key`, when it runs and this reminder is its latest: the one a next
/// reminder follows from.
async fn running_series_of_latest(
    tx: &mut Tx,
    key: ReminderKey,
) -> Result<Option<(SeriesId, CustomerId, i64, Option<Paise>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.id, s.customer_id, s.every_days, s.amount_paise FROM reminders r \
         JOIN reminder_series s ON s.merchant_id = r.merchant_id AND s.id = r.series_id \
         WHERE r.merchant_id = $1 AND r.id = $2 AND s.ended_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM reminders n WHERE n.merchant_id = r.merchant_id \
             AND n.series_id = r.series_id AND n.id > r.id)",
    )
    .bind(key.merchant.0)
    .bind(key.reminder.0)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok((
            SeriesId(row.try_get("id")?),
            CustomerId(row.try_get("customer_id")?),
            row.try_get("every_days")?,
            row.try_get::<Option<i64>, _>("amount_paise")?
                .map(Paise::new),
        ))
    })
    .transpose()
}

/// A reminder of a running series is finished (sent, failed or left for review) at `now`: the
/// series' next reminder is booked `every_days` later. Nothing for other reminders, or when a
/// later reminder of the series exists already (a late second finish books nothing twice).
pub(super) async fn continue_after(
    tx: &mut Tx,
    key: ReminderKey,
    now: i64,
) -> Result<Option<ReminderId>, sqlx::Error> {
    let Some((series, customer, every_days, amount)) = running_series_of_latest(tx, key).await?
    else {
        return Ok(None);
    };
    let next = insert_reminder(
        tx,
        &NewReminder {
            merchant: key.merchant,
            customer,
            operation: None,
            recurrence: Recurrence::Series,
            series: Some(series),
            amount,
            due_at: now.saturating_add(every_days.saturating_mul(DAY_MS)),
        },
        now,
    )
    .await?;
    Ok(Some(next))
}

/// The customer owed nothing when reminder `key` fell due: its series (if running) ends `paid`.
pub(super) async fn end_paid(tx: &mut Tx, key: ReminderKey, now: i64) -> Result<bool, sqlx::Error> {
    end_series_with(tx, key.merchant, key.reminder, SeriesEnd::Paid, now).await
}

/// The merchant cancelled reminder `id`: its series (if running) ends `stopped`.
pub(super) async fn end_series_of(
    tx: &mut Tx,
    merchant: MerchantId,
    id: ReminderId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    end_series_with(tx, merchant, id, SeriesEnd::Stopped, now).await
}

async fn end_series_with(
    tx: &mut Tx,
    merchant: MerchantId,
    id: ReminderId,
    end: SeriesEnd,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE reminder_series SET ended_at = $1, end_reason = $2 \
         WHERE merchant_id = $3 AND ended_at IS NULL \
         AND id = (SELECT series_id FROM reminders WHERE merchant_id = $3 AND id = $4)",
    )
    .bind(now)
    .bind(end.as_str())
    .bind(merchant.0)
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether reminder `key` belonged to a series that its settling ended (the merchant is told
/// the automatic reminders stopped).
pub async fn ended_paid(db: &Db, key: ReminderKey) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT s.id FROM reminders r JOIN reminder_series s ON s.merchant_id = r.merchant_id AND s.id = r.series_id \
         WHERE r.merchant_id = $1 AND r.id = $2 AND s.end_reason = 'paid'",
    )
    .bind(key.merchant.0)
    .bind(key.reminder.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// Most shop-wide reminders booked by one round, across shops: a round is cheap and frequent,
/// and the rest are booked by the next.
const ROUND_LIMIT: i64 = 500;

/// The shop-wide setting's round, across shops: every customer of a shop with
/// `auto_reminder_days` set who owes, has a phone, has no reminder waiting or being sent, no
/// series of their own (running, or stopped by the merchant), and was last reminded at least that
/// many days ago (or never), gets a reminder due now. The sender's policy (quiet hours, once a
/// day, the shop's cap) then decides when it leaves. Returns how many were booked.
pub async fn book_shop_rounds(db: &Db, now: i64) -> Result<usize, StoreError> {
    let rows = sqlx::query(
        "SELECT c.merchant_id, c.id FROM customers c \
         JOIN merchant_settings m ON m.merchant_id = c.merchant_id \
         WHERE m.auto_reminder_days IS NOT NULL AND c.balance_paise > 0 AND c.phone IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.merchant_id = c.merchant_id \
             AND r.customer_id = c.id AND r.status IN ('scheduled', 'sending')) \
         AND NOT EXISTS (SELECT 1 FROM reminder_series s WHERE s.merchant_id = c.merchant_id \
             AND s.customer_id = c.id AND (s.ended_at IS NULL OR (s.end_reason = 'stopped' \
             AND s.id = (SELECT MAX(x.id) FROM reminder_series x \
                 WHERE x.merchant_id = c.merchant_id AND x.customer_id = c.id)))) \
         AND COALESCE((SELECT MAX(r.run_at) FROM reminders r WHERE r.merchant_id = c.merchant_id \
             AND r.customer_id = c.id AND r.status NOT IN ('cancelled', 'settled')), 0) \
             <= $1 - m.auto_reminder_days * 86400000 \
         ORDER BY c.merchant_id, c.id LIMIT $2",
    )
    .bind(now)
    .bind(ROUND_LIMIT)
    .fetch_all(db.pool())
    .await?;
    let mut booked = 0;
    for row in &rows {
        let merchant = MerchantId(row.try_get("merchant_id")?);
        let customer = CustomerId(row.try_get("id")?);
        let mut tx = db.begin().await?;
        // Re-checked in the transaction: the merchant may have booked one meanwhile.
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reminders WHERE merchant_id = $1 AND customer_id = $2 \
             AND status IN ('scheduled', 'sending')",
        )
        .bind(merchant.0)
        .bind(customer.0)
        .fetch_one(&mut *tx)
        .await?;
        if open > 0 {
            tx.rollback().await?;
            continue;
        }
        let inserted = insert_reminder(
            &mut tx,
            &NewReminder {
                merchant,
                customer,
                operation: None,
                recurrence: Recurrence::Shop,
                series: None,
                amount: None,
                due_at: now,
            },
            now,
        )
        .await;
        match inserted {
            Ok(_) => {}
            // Another process's round booked this customer's between our check and our insert
            // (the unique index of migration 0014): theirs stands.
            Err(error) if is_unique_violation(&error) => {
                tx.rollback().await?;
                continue;
            }
            Err(error) => return Err(error.into()),
        }
        tx.commit().await?;
        booked += 1;
    }
    Ok(booked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrences_and_ends_read_back() {
        for r in [Recurrence::Once, Recurrence::Series, Recurrence::Shop] {
            assert_eq!(Recurrence::parse(r.as_str()), Some(r));
        }
        for e in [
            SeriesEnd::Stopped,
            SeriesEnd::AllStopped,
            SeriesEnd::Paid,
            SeriesEnd::Replaced,
        ] {
            assert_eq!(SeriesEnd::parse(e.as_str()), Some(e));
        }
        assert_eq!(Recurrence::parse("weekly"), None);
        assert!(validate_days(0).is_err());
        assert!(validate_days(366).is_err());
        assert_eq!(validate_days(7).ok(), Some(7));
    }
}
