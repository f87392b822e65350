//! Payment reminders as rows: scheduling, moving and cancelling them, the due-row claim the sender works from, their statuses and timeline.

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::operations::{self, Booked, Origin, Started};
use super::quiet_hours::QuietHours;
use super::reminder_series::{self, Recurrence};
use super::{
    Books, BooksError, Customer, CustomerId, Merchant, MerchantId, OperationId, ReminderId,
    SeriesId, validate_amount,
};
use crate::messages::{Delivery, MessageId, storable};
use crate::money::Paise;
use crate::store::{Db, StoreError};
use crate::time::{from_millis, to_millis};

/// Where a reminder is. A reminder is claimed (`Sending`) before WhatsApp is called, so one
/// found `Sending` after a crash may or may not have gone out: it is never sent again on its
/// own, only moved on by a status webhook carrying its key, or marked `NeedsReview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderStatus {
    /// Waiting for its time (`run_at`).
    Scheduled,
    /// Claimed by the sender; WhatsApp may have been called.
    Sending,
    /// WhatsApp accepted it (or, without credentials, the sandbox outbox holds it).
    Sent,
    Delivered,
    Read,
    /// WhatsApp refused it or could not deliver it; `error_code` says why.
    Failed,
    /// The customer owed nothing when it fell due: not sent, the merchant was told.
    Settled,
    /// Cancelled by the merchant before it went out.
    Cancelled,
    /// Whether it went out cannot be known (the sender stopped between calling WhatsApp and
    /// storing the answer, or the answer was lost): never resent, shown to the merchant.
    NeedsReview,
}

impl ReminderStatus {
    pub const ALL: [ReminderStatus; 9] = [
        ReminderStatus::Scheduled,
        ReminderStatus::Sending,
        ReminderStatus::Sent,
        ReminderStatus::Delivered,
        ReminderStatus::Read,
        ReminderStatus::Failed,
        ReminderStatus::Settled,
        ReminderStatus::Cancelled,
        ReminderStatus::NeedsReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderStatus::Scheduled => "scheduled",
            ReminderStatus::Sending => "sending",
            ReminderStatus::Sent => "sent",
            ReminderStatus::Delivered => "delivered",
            ReminderStatus::Read => "read",
            ReminderStatus::Failed => "failed",
            ReminderStatus::Settled => "settled",
            ReminderStatus::Cancelled => "cancelled",
            ReminderStatus::NeedsReview => "needs_review",
        }
    }

    pub fn parse(text: &str) -> Option<ReminderStatus> {
        ReminderStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Progress of a reminder that went to WhatsApp: a delivery status only moves it forward,
    /// so a late `delivered` never overwrites `read`, and `failed` is final.
    fn rank(self) -> Option<u8> {
        match self {
            ReminderStatus::Sending | ReminderStatus::NeedsReview => Some(0),
            ReminderStatus::Sent => Some(1),
            ReminderStatus::Delivered => Some(2),
            ReminderStatus::Read => Some(3),
            ReminderStatus::Failed => Some(4),
            ReminderStatus::Scheduled | ReminderStatus::Settled | ReminderStatus::Cancelled => None,
        }
    }
}

impl std::fmt::Display for ReminderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reminder asks for. One kind today; how it repeats is its `Recurrence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A payment reminder with a pay link.
    Payment,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Payment => "payment",
        }
    }

    pub fn parse(text: &str) -> Option<ReminderKind> {
        (text == "payment").then_some(ReminderKind::Payment)
    }
}

/// The lists the panel shows reminders in, each a set of statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderList {
    /// Waiting for their time or being sent.
    Upcoming,
    /// Gone out: sent, delivered or read.
    Sent,
    Failed,
    /// Whether it went out is not known; the merchant should look.
    NeedsReview,
    /// Not sent by choice or need: cancelled, or nothing was owed.
    Closed,
}

impl ReminderList {
    pub const ALL: [ReminderList; 5] = [
        ReminderList::Upcoming,
        ReminderList::Sent,
        ReminderList::Failed,
        ReminderList::NeedsReview,
        ReminderList::Closed,
    ];

    pub fn statuses(self) -> &'static [ReminderStatus] {
        match self {
            ReminderList::Upcoming => &[ReminderStatus::Scheduled, ReminderStatus::Sending],
            ReminderList::Sent => &[
                ReminderStatus::Sent,
                ReminderStatus::Delivered,
                ReminderStatus::Read,
            ],
            ReminderList::Failed => &[ReminderStatus::Failed],
            ReminderList::NeedsReview => &[ReminderStatus::NeedsReview],
            ReminderList::Closed => &[ReminderStatus::Settled, ReminderStatus::Cancelled],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderList::Upcoming => "upcoming",
            ReminderList::Sent => "sent",
            ReminderList::Failed => "failed",
            ReminderList::NeedsReview => "needs_review",
            ReminderList::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ReminderList> {
        ReminderList::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// One step in a reminder's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Scheduled,
    Moved,
    Cancelled,
    Sending,
    /// A try failed in a way that proves nothing was sent; it is due again later.
    Retry,
    Sent,
    Delivered,
    Read,
    Failed,
    Settled,
    NeedsReview,
    /// The customer wrote back after it (`detail` holds what they wrote).
    Replied,
}

impl EventKind {
    const ALL: [EventKind; 12] = [
        EventKind::Scheduled,
        EventKind::Moved,
        EventKind::Cancelled,
        EventKind::Sending,
        EventKind::Retry,
        EventKind::Sent,
        EventKind::Delivered,
        EventKind::Read,
        EventKind::Failed,
        EventKind::Settled,
        EventKind::NeedsReview,
        EventKind::Replied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Scheduled => "scheduled",
            EventKind::Moved => "moved",
            EventKind::Cancelled => "cancelled",
            EventKind::Sending => "sending",
            EventKind::Retry => "retry",
            EventKind::Sent => "sent",
            EventKind::Delivered => "delivered",
            EventKind::Read => "read",
            EventKind::Failed => "failed",
            EventKind::Settled => "settled",
            EventKind::NeedsReview => "needs_review",
            EventKind::Replied => "replied",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    fn of(status: ReminderStatus) -> EventKind {
        match status {
            ReminderStatus::Scheduled => EventKind::Scheduled,
            ReminderStatus::Sending => EventKind::Sending,
            ReminderStatus::Sent => EventKind::Sent,
            ReminderStatus::Delivered => EventKind::Delivered,
            ReminderStatus::Read => EventKind::Read,
            ReminderStatus::Failed => EventKind::Failed,
            ReminderStatus::Settled => EventKind::Settled,
            ReminderStatus::Cancelled => EventKind::Cancelled,
            ReminderStatus::NeedsReview => EventKind::NeedsReview,
        }
    }
}

/// A reminder to a customer to pay, due at a time (unix ms, UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    pub id: ReminderId,
    pub customer: CustomerId,
    pub customer_name: String,
    pub kind: ReminderKind,
    /// Asked for once, one of a customer's series, or booked by the shop-wide setting.
    pub recurrence: Recurrence,
    /// The series it belongs to, when `recurrence` is `Series`.
    pub series: Option<SeriesId>,
    /// The amount asked for; `None` asks for the balance at sending time.
    pub amount: Option<Paise>,
    pub due_at: i64,
    pub status: ReminderStatus,
    /// The amount the message asked for, once it was sent.
    pub sent_amount: Option<Paise>,
    /// Meta's error code, when it failed.
    pub error_code: Option<i64>,
}

/// One line of a reminder's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReminderEvent {
    pub kind: EventKind,
    pub at: i64,
    pub amount: Option<Paise>,
    pub error_code: Option<i64>,
    pub detail: Option<String>,
}

/// What ties a message we send back to its reminder: sent as WhatsApp's
/// `biz_opaque_callback_data` and echoed on every status webhook of that message, so a
/// reminder whose answer was never stored is still found from its statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReminderKey {
    pub merchant: MerchantId,
    pub reminder: ReminderId,
}

impl ReminderKey {
    const PREFIX: &'static str = "execora-reminder:";

    /// `execora-reminder:<shop>:<reminder>`, or `None` for any other text (other callback data).
    pub fn parse(text: &str) -> Option<ReminderKey> {
        let rest = text.strip_prefix(Self::PREFIX)?;
        let (merchant, reminder) = rest.split_once(':')?;
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<i64>().ok())
                .flatten()
        };
        Some(ReminderKey {
            merchant: MerchantId(number(merchant)?),
            reminder: ReminderId(number(reminder)?),
        })
    }
}

impl std::fmt::Display for ReminderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}:{}", Self::PREFIX, self.merchant, self.reminder)
    }
}

pub(super) fn corrupt(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown {column} {value:?}").into(),
    }
}

fn status_from_row(row: &AnyRow) -> Result<ReminderStatus, sqlx::Error> {
    let status: String = row.try_get("status")?;
    ReminderStatus::parse(&status).ok_or_else(|| corrupt("status", &status))
}

fn reminder_from_row(row: &AnyRow) -> Result<Reminder, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let recurrence: String = row.try_get("recurrence")?;
    Ok(Reminder {
        id: ReminderId(row.try_get("id")?),
        customer: CustomerId(row.try_get("customer_id")?),
        customer_name: row.try_get("customer_name")?,
        kind: ReminderKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        recurrence: Recurrence::parse(&recurrence)
            .ok_or_else(|| corrupt("recurrence", &recurrence))?,
        series: row.try_get::<Option<i64>, _>("series_id")?.map(SeriesId),
        amount: row
            .try_get::<Option<i64>, _>("amount_paise")?
            .map(Paise::new),
        due_at: row.try_get("due_at")?,
        status: status_from_row(row)?,
        sent_amount: row
            .try_get::<Option<i64>, _>("sent_amount_paise")?
            .map(Paise::new),
        error_code: row.try_get("error_code")?,
    })
}

const REMINDER_SELECT: &str = "SELECT r.id, r.customer_id, c.name AS customer_name, r.kind, r.recurrence, r.series_id, \
     r.amount_paise, r.due_at, r.status, r.sent_amount_paise, r.error_code \
     FROM reminders r JOIN customers c ON c.merchant_id = r.merchant_id AND c.id = r.customer_id";

/// Appends a step to a reminder's timeline.
pub(super) async fn add_event<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    merchant: MerchantId,
    reminder: ReminderId,
    kind: EventKind,
    at: i64,
    amount: Option<Paise>,
    error: Option<(Option<i64>, &str)>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at, amount_paise, error_code, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(merchant.0)
    .bind(reminder.0)
    .bind(kind.as_str())
    .bind(at)
    .bind(amount.map(Paise::as_i64))
    .bind(error.and_then(|(code, _)| code))
    .bind(error.map(|(_, detail)| detail.chars().take(300).collect::<String>()))
    .execute(executor)
    .await?;
    Ok(())
}

/// A reminder to insert, with its `scheduled` event, inside a booking's transaction.
pub(super) struct NewReminder {
    pub merchant: MerchantId,
    pub customer: CustomerId,
    pub operation: Option<OperationId>,
    pub recurrence: Recurrence,
    pub series: Option<SeriesId>,
    pub amount: Option<Paise>,
    pub due_at: i64,
}

/// Inserts a scheduled reminder (due at `due_at`, the sender's job from then) and its first event.
pub(super) async fn insert_reminder(
    tx: &mut crate::store::Tx,
    new: &NewReminder,
    now: i64,
) -> Result<ReminderId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reminders (merchant_id, customer_id, operation_id, kind, recurrence, series_id, amount_paise, \
         due_at, run_at, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 'scheduled', $9, $9) RETURNING id",
    )
    .bind(new.merchant.0)
    .bind(new.customer.0)
    .bind(new.operation.map(|o| o.0))
    .bind(ReminderKind::Payment.as_str())
    .bind(new.recurrence.as_str())
    .bind(new.series.map(|s| s.0))
    .bind(new.amount.map(Paise::as_i64))
    .bind(new.due_at)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    add_event(
        &mut **tx,
        new.merchant,
        ReminderId(id),
        EventKind::Scheduled,
        now,
        new.amount,
        None,
    )
    .await?;
    Ok(ReminderId(id))
}

impl Books {
    /// Schedules a reminder; `due_at` (unix ms) may be now but not in the past by more than a minute.
    /// Without an amount the reminder asks for the balance due when it is sent. The row is the
    /// sender's job: booking it is scheduling it, in the booking's one transaction.
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
        let due_at = due_at.max(now);
        let customer_name = self.customer(customer).await?.name;
        let mut tx = self.db.begin().await?;
        let operation =
            match operations::start(&mut tx, self.mid(), "reminder", origin, now).await? {
                Started::New(op) => op,
                Started::Replay(done) => return Ok(done),
            };
        let id = insert_reminder(
            &mut tx,
            &NewReminder {
                merchant: self.merchant_id(),
                customer,
                operation: Some(operation),
                recurrence: Recurrence::Once,
                series: None,
                amount,
                due_at,
            },
            now,
        )
        .await?;
        let reminder = Reminder {
            id,
            customer,
            customer_name,
            kind: ReminderKind::Payment,
            recurrence: Recurrence::Once,
            series: None,
            amount,
            due_at,
            status: ReminderStatus::Scheduled,
            sent_amount: None,
            error_code: None,
        };
        let booked = operations::finish(&mut tx, self.mid(), operation, reminder).await?;
        tx.commit().await?;
        self.db.wake(crate::store::Work::Scheduled);
        Ok(booked)
    }

    /// Cancels a customer's reminders that have not been taken for sending; returns how many.
    pub async fn cancel_reminders(&self, customer: CustomerId) -> Result<u64, BooksError> {
        self.customer(customer).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let cancelled: Vec<i64> = sqlx::query_scalar(
            "UPDATE reminders SET status = 'cancelled', updated_at = $1 \
             WHERE merchant_id = $2 AND customer_id = $3 AND status = 'scheduled' RETURNING id",
        )
        .bind(now)
        .bind(self.mid())
        .bind(customer.0)
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
            // Cancelling a series' reminder is the merchant saying stop: the series ends too.
            reminder_series::end_series_of(&mut tx, self.merchant_id(), ReminderId(*id), now)
                .await?;
        }
        tx.commit().await?;
        Ok(cancelled.len() as u64)
    }

    /// Cancels one reminder if it has not been taken for sending. `false` when it was already
    /// sending, sent, settled or cancelled; another shop's reminder is not found.
    pub async fn cancel_reminder(&self, id: ReminderId) -> Result<bool, BooksError> {
        self.reminder(id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let done = sqlx::query(
            "UPDATE reminders SET status = 'cancelled', updated_at = $1 \
             WHERE merchant_id = $2 AND id = $3 AND status = 'scheduled'",
        )
        .bind(now)
        .bind(self.mid())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let cancelled = done.rows_affected() > 0;
        if cancelled {
            add_event(
                &mut *tx,
                self.merchant_id(),
                id,
                EventKind::Cancelled,
                now,
                None,
                None,
            )
            .await?;
            reminder_series::end_series_of(&mut tx, self.merchant_id(), id, now).await?;
        }
        tx.commit().await?;
        Ok(cancelled)
    }

    /// Moves a reminder that has not been taken for sending to `due_at` (not in the past).
    /// `false` when it is no longer scheduled.
    pub async fn move_reminder(&self, id: ReminderId, due_at: i64) -> Result<bool, BooksError> {
        self.reminder(id).await?;
        let now = self.now_ms();
        if due_at < now - 60_000 {
            return Err(BooksError::ReminderInPast);
        }
        let due_at = due_at.max(now);
        let mut tx = self.db.begin().await?;
        let done = sqlx::query(
            "UPDATE reminders SET due_at = $1, run_at = $1, updated_at = $2 \
             WHERE merchant_id = $3 AND id = $4 AND status = 'scheduled'",
        )
        .bind(due_at)
        .bind(now)
        .bind(self.mid())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let moved = done.rows_affected() > 0;
        if moved {
            let at = crate::time::from_millis(due_at).to_rfc3339();
            add_event(
                &mut *tx,
                self.merchant_id(),
                id,
                EventKind::Moved,
                now,
                None,
                Some((None, &at)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// One reminder of this shop.
    pub async fn reminder(&self, id: ReminderId) -> Result<Reminder, BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REMINDER_SELECT} WHERE r.merchant_id = $1 AND r.id = $2"
        )))
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(BooksError::ReminderNotFound(id))?;
        Ok(reminder_from_row(&row)?)
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

    /// Every reminder of the shop in any status, the latest due first, at most `limit`.
    pub async fn reminders(&self, limit: i64) -> Result<Vec<Reminder>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REMINDER_SELECT} WHERE r.merchant_id = $1 ORDER BY r.due_at DESC, r.id DESC LIMIT $2"
        )))
        .bind(self.mid())
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(reminder_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The shop's reminders in one of the panel's lists, at most `limit`, continuing after
    /// reminder `after` (the last one of the previous page). Upcoming ones come soonest first,
    /// the others most recent first.
    pub async fn reminders_in(
        &self,
        list: ReminderList,
        limit: i64,
        after: Option<ReminderId>,
    ) -> Result<Vec<Reminder>, BooksError> {
        let statuses = list
            .statuses()
            .iter()
            .map(|status| format!("'{}'", status.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        // Keyset pages on (due_at, id) in the list's order.
        let (order, next) = if list == ReminderList::Upcoming {
            (
                "r.due_at, r.id",
                "(r.due_at > $3 OR (r.due_at = $3 AND r.id > $4))",
            )
        } else {
            (
                "r.due_at DESC, r.id DESC",
                "(r.due_at < $3 OR (r.due_at = $3 AND r.id < $4))",
            )
        };
        let cursor = match after {
            Some(id) => Some(self.reminder(id).await?),
            None => None,
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REMINDER_SELECT} WHERE r.merchant_id = $1 AND r.status IN ({statuses}) \
             AND ($2 = 0 OR {next}) ORDER BY {order} LIMIT $5"
        )))
        .bind(self.mid())
        .bind(i64::from(cursor.is_some()))
        .bind(cursor.as_ref().map_or(0, |r| r.due_at))
        .bind(cursor.as_ref().map_or(0, |r| r.id.0))
        .bind(limit.clamp(1, 500))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(reminder_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// What happened to a reminder, in order.
    pub async fn reminder_timeline(
        &self,
        id: ReminderId,
    ) -> Result<Vec<ReminderEvent>, BooksError> {
        self.reminder(id).await?;
        let rows = sqlx::query(
            "SELECT kind, at, amount_paise, error_code, detail FROM reminder_events \
             WHERE merchant_id = $1 AND reminder_id = $2 ORDER BY id",
        )
        .bind(self.mid())
        .bind(id.0)
        .fetch_all(self.db.pool())
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let kind: String = row.try_get("kind")?;
            events.push(ReminderEvent {
                kind: EventKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
                at: row.try_get("at")?,
                amount: row
                    .try_get::<Option<i64>, _>("amount_paise")?
                    .map(Paise::new),
                error_code: row.try_get("error_code")?,
                detail: row.try_get("detail")?,
            });
        }
        Ok(events)
    }
}

/// What the merchant is told when asking "Rahul ko reminder gaya?": the customer's latest
/// reminder that was taken for sending or finished, with its timeline, and the next one waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderNews {
    pub last: Option<(Reminder, Vec<ReminderEvent>)>,
    pub next: Option<Reminder>,
}

impl Books {
    /// The customer's latest reminder that is no longer waiting (with its timeline) and the
    /// soonest one still waiting.
    pub async fn reminder_news(&self, customer: CustomerId) -> Result<ReminderNews, BooksError> {
        self.customer(customer).await?;
        let last = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REMINDER_SELECT} WHERE r.merchant_id = $1 AND r.customer_id = $2 AND r.status <> 'scheduled' \
             ORDER BY r.id DESC LIMIT 1"
        )))
        .bind(self.mid())
        .bind(customer.0)
        .fetch_optional(self.db.pool())
        .await?;
        let last = match last {
            Some(row) => {
                let reminder = reminder_from_row(&row)?;
                let events = self.reminder_timeline(reminder.id).await?;
                Some((reminder, events))
            }
            None => None,
        };
        let next = self
            .pending_reminders(Some(customer))
            .await?
            .into_iter()
            .next();
        Ok(ReminderNews { last, next })
    }
}

/// A customer's message counts as a reply to their latest reminder sent this long before it
/// (when it does not quote one).
pub const REPLY_WINDOW_MS: i64 = 7 * 86_400_000;

/// A shop's customer's message, for the timeline of the reminder it answers.
#[derive(Debug, Clone, Copy)]
pub struct CustomerReply<'a> {
    pub merchant: MerchantId,
    pub customer_phone: &'a str,
    /// The wamid the message quotes, when it quotes one.
    pub quoted: Option<&'a str>,
    pub text: &'a str,
}

/// A shop's customer wrote back: the message (`message`, already the shop's) is added to the
/// timeline of the reminder it answers, the one it quotes (`quoted`, a wamid) or else the
/// customer's latest reminder sent in the last seven days, as a `replied` event holding its text.
/// Once per message. Returns the reminder, or `None` when the message answers none.
pub async fn record_reply(
    db: &Db,
    merchant: MerchantId,
    customer_phone: &str,
    quoted: Option<&str>,
    message: MessageId,
    text: &str,
    at: i64,
) -> Result<Option<ReminderId>, StoreError> {
    let reply = CustomerReply {
        merchant,
        customer_phone,
        quoted,
        text,
    };
    record_reply_in(&mut *db.writer().await?, &reply, message, at).await
}

/// `record_reply` on `connection`: inside the transaction that finishes the message
/// (`messages::finish_inbound`), so the message is never done without its place on the timeline.
pub async fn record_reply_in(
    connection: &mut sqlx::AnyConnection,
    reply: &CustomerReply<'_>,
    message: MessageId,
    at: i64,
) -> Result<Option<ReminderId>, StoreError> {
    let CustomerReply {
        merchant,
        customer_phone,
        quoted,
        text,
    } = *reply;
    let mut reminder: Option<i64> = None;
    if let Some(quoted) = quoted {
        reminder = sqlx::query_scalar(
            "SELECT r.id FROM reminders r JOIN customers c ON c.merchant_id = r.merchant_id AND c.id = r.customer_id \
             WHERE r.merchant_id = $1 AND r.wa_message_id = $2 AND c.phone = $3",
        )
        .bind(merchant.0)
        .bind(quoted)
        .bind(customer_phone)
        .fetch_optional(&mut *connection)
        .await?;
    }
    if reminder.is_none() {
        reminder = sqlx::query_scalar(
            "SELECT r.id FROM reminders r JOIN customers c ON c.merchant_id = r.merchant_id AND c.id = r.customer_id \
             WHERE r.merchant_id = $1 AND c.phone = $2 AND r.status IN ('sent', 'delivered', 'read', 'needs_review') \
             AND EXISTS (SELECT 1 FROM reminder_events e WHERE e.merchant_id = r.merchant_id \
                 AND e.reminder_id = r.id AND e.kind = 'sent' AND e.at >= $3 AND e.at <= $4) \
             ORDER BY r.id DESC LIMIT 1",
        )
        .bind(merchant.0)
        .bind(customer_phone)
        .bind(at - REPLY_WINDOW_MS)
        .bind(at)
        .fetch_optional(&mut *connection)
        .await?;
    }
    let Some(reminder) = reminder else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at, detail, message_id) \
         VALUES ($1, $2, 'replied', $3, $4, $5) ON CONFLICT (merchant_id, message_id) DO NOTHING",
    )
    .bind(merchant.0)
    .bind(reminder)
    .bind(at)
    .bind(text.chars().take(300).collect::<String>())
    .bind(message.0)
    .execute(&mut *connection)
    .await?;
    Ok(Some(ReminderId(reminder)))
}

/// A reminder claimed for sending (status `sending`), across shops.
#[derive(Debug, Clone, PartialEq)]
pub struct DueReminder {
    pub key: ReminderKey,
    pub customer: CustomerId,
    pub kind: ReminderKind,
    pub amount: Option<Paise>,
    pub due_at: i64,
    /// Tries including this one.
    pub attempts: i64,
    /// The customer's pay link, issued with the claim (so the send writes nothing before
    /// WhatsApp is called); `None` when it could not be, and the send issues one itself.
    pub pay_link: Option<super::pay_links::IssuedPayLink>,
    /// The customer as the claim read them, in its transaction (the balance and phone the send
    /// uses); `None` when the send must read them itself.
    pub customer_now: Option<Customer>,
}

/// How many due reminders one claim looks at, at most, whatever it claims: the ones the shop's
/// policy holds are moved on in the same transaction, and that transaction must stay short.
const CLAIM_SCAN: i64 = 512;

/// What one claim did: the reminders it took for sending (`sending`, the try counted), and how
/// many due ones the shop's policy moved to a later `run_at` instead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claimed {
    pub due: Vec<DueReminder>,
    pub held: usize,
    /// The shops of the reminders taken, as the claim read them: the sends need no read of their
    /// own.
    pub shops: std::collections::HashMap<MerchantId, Merchant>,
}

impl Claimed {
    /// Whether due reminders were found at all (claimed or held): more may be waiting.
    pub fn found_any(&self) -> bool {
        !self.due.is_empty() || self.held > 0
    }
}

/// Claims the reminder that fell due first, if the shop's policy lets it leave now (see
/// [`claim_batch`]).
pub async fn claim_due(db: &Db, now: i64) -> Result<Option<DueReminder>, BooksError> {
    Ok(claim_batch(db, now, 1).await?.due.into_iter().next())
}

/// How many reminders are due at `now` (unix ms), counting at most `most`: the sender asks
/// before it takes from the number's throughput, so a poll that finds nothing due spends none
/// of the budget the replies share.
pub async fn due_count(db: &Db, now: i64, most: usize) -> Result<usize, StoreError> {
    let most = i64::try_from(most).unwrap_or(i64::MAX);
    let due: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT id FROM reminders WHERE status = 'scheduled' AND run_at <= $1 \
         LIMIT $2) AS due",
    )
    .bind(now)
    .bind(most)
    .fetch_one(db.pool())
    .await?;
    Ok(usize::try_from(due).unwrap_or(0))
}

/// Claims up to `limit` reminders that fell due (`run_at <= now`, from the service's clock),
/// first due first, in one transaction: each is marked `sending` with its try counted, and the
/// claim is stored before WhatsApp is called. The shop's policy ([`policy_hold`]) is decided in
/// the same transaction, counting the reminders other claims hold `sending`, so claimers running
/// side by side (tasks or processes) can neither exceed a shop's daily cap nor remind a customer
/// twice in a day; a reminder it holds goes to its later `run_at` here (`moved`, never `sending`).
///
/// Claims are serialised: on SQLite by the one writer, on PostgreSQL by the row lock the first
/// statement takes on `reminder_claim_lock` (read committed: every later statement of the claim
/// sees what the previous claim committed). A claim is a few milliseconds, once per batch.
pub async fn claim_batch(db: &Db, now: i64, limit: usize) -> Result<Claimed, BooksError> {
    let limit = i64::try_from(limit.max(1)).unwrap_or(CLAIM_SCAN);
    let mut claimed = Claimed::default();
    // Each shop's policy as of this claim: read once per shop (a few statements), then kept up
    // to date in memory as its reminders are claimed, instead of two counts per reminder.
    let mut shops: std::collections::HashMap<MerchantId, ShopDay> =
        std::collections::HashMap::new();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE reminder_claim_lock SET claimed_at = $1 WHERE id = 1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let mut scanned = 0;
    while (claimed.due.len() as i64) < limit && scanned < CLAIM_SCAN {
        let want = (limit - claimed.due.len() as i64).min(CLAIM_SCAN - scanned);
        // Every row looked at leaves the due set below (claimed, held, or taken meanwhile by a
        // cancel), so the next page starts after it.
        let candidates = sqlx::query(
            "SELECT id, merchant_id, customer_id FROM reminders WHERE status = 'scheduled' AND run_at <= $1 \
             ORDER BY run_at, id LIMIT $2",
        )
        .bind(now)
        .bind(want)
        .fetch_all(&mut *tx)
        .await?;
        if candidates.is_empty() {
            break;
        }
        scanned += candidates.len() as i64;
        // The days of the page's shops not read yet in this claim, all at once.
        let mut unread: Vec<MerchantId> = Vec::new();
        for row in &candidates {
            let merchant = MerchantId(row.try_get("merchant_id")?);
            if !shops.contains_key(&merchant) && !unread.contains(&merchant) {
                unread.push(merchant);
            }
        }
        shops.extend(ShopDay::read_many(db, &mut tx, &unread, now).await?);
        let mut page: Vec<(MerchantId, CustomerId)> = Vec::with_capacity(candidates.len());
        for row in &candidates {
            page.push((
                MerchantId(row.try_get("merchant_id")?),
                CustomerId(row.try_get("customer_id")?),
            ));
        }
        ShopDay::read_reminded(&mut tx, &mut shops, &page).await?;
        // The page's reminders that may leave now, across shops, in the order they fell due.
        let mut leaving: Vec<ReminderKey> = Vec::new();
        for row in &candidates {
            let key = ReminderKey {
                merchant: MerchantId(row.try_get("merchant_id")?),
                reminder: ReminderId(row.try_get("id")?),
            };
            let customer = CustomerId(row.try_get("customer_id")?);
            // A shop that is gone (never, with its reminders referencing it) holds nothing.
            let Some(day) = shops.get_mut(&key.merchant) else {
                continue;
            };
            if let Some((hold, run_at)) = day.hold(customer) {
                if hold_until(&mut tx, key, run_at, now).await? {
                    tracing::info!(reminder = %key, ?hold, run_at, "reminder held by the shop's policy");
                    claimed.held += 1;
                }
                continue;
            }
            // Counted as it is chosen: the next one of this customer, or past the cap, waits.
            day.leaving(customer);
            leaving.push(key);
        }
        claimed
            .due
            .extend(claim_many(&mut tx, &leaving, now).await?);
    }
    tx.commit().await?;
    for due in &claimed.due {
        if let Some(day) = shops.get(&due.key.merchant) {
            claimed
                .shops
                .entry(due.key.merchant)
                .or_insert_with(|| day.shop.clone());
        }
    }
    Ok(claimed)
}

/// One shop's reminder policy for the day a claim runs in: its zone and settings, how many
/// reminders it has sent or is sending today, and which customers were reminded today.
struct ShopDay {
    shop: Merchant,
    zone: Tz,
    daily_cap: i64,
    quiet: QuietHours,
    now: i64,
    sent_today: i64,
    reminded_today: std::collections::HashSet<CustomerId>,
}

impl ShopDay {
    /// Reads the days of `merchants` inside the claim's transaction, the same counts
    /// [`policy_hold`] takes, in four statements for all of them (a claim's page often spans
    /// many shops).
    async fn read_many(
        db: &Db,
        tx: &mut crate::store::Tx,
        merchants: &[MerchantId],
        now: i64,
    ) -> Result<std::collections::HashMap<MerchantId, ShopDay>, BooksError> {
        let mut days = std::collections::HashMap::new();
        if merchants.is_empty() {
            return Ok(days);
        }
        let shops = super::merchants::shops_with_settings(db, merchants).await?;
        // Each shop with the start of its own day: `WITH shop_day(merchant, since) AS (VALUES …)`.
        let starts: Vec<(MerchantId, i64)> = shops
            .iter()
            .map(|(shop, _)| (shop.id, shop_day_start(shop.zone(), now)))
            .collect();
        if starts.is_empty() {
            return Ok(days);
        }
        let values = (0..starts.len())
            .map(|n| format!("(${}, ${})", 2 * n + 1, 2 * n + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let day = format!("WITH shop_day(merchant, since) AS (VALUES {values})");
        let mut counts = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{day} SELECT merchant, \
             (SELECT COUNT(*) FROM reminder_events e WHERE e.merchant_id = shop_day.merchant \
                 AND e.kind = 'sent' AND e.at >= shop_day.since) \
             + (SELECT COUNT(*) FROM reminders r WHERE r.merchant_id = shop_day.merchant \
                 AND r.status = 'sending' AND r.claimed_at >= shop_day.since) AS sent_today FROM shop_day"
        )));
        for (merchant, since) in &starts {
            counts = counts.bind(merchant.0).bind(*since);
        }
        let mut sent: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        for row in counts.fetch_all(&mut **tx).await? {
            sent.insert(row.try_get("merchant")?, row.try_get("sent_today")?);
        }
        for (shop, settings) in shops {
            days.insert(
                shop.id,
                ShopDay {
                    zone: shop.zone(),
                    daily_cap: settings.reminder_daily_cap,
                    quiet: settings.quiet_hours,
                    now,
                    sent_today: sent.get(&shop.id.0).copied().unwrap_or(0),
                    reminded_today: std::collections::HashSet::new(),
                    shop,
                },
            );
        }
        Ok(days)
    }

    /// Adds to `days` which of `page`'s customers were reminded today (a `sent` event since the
    /// start of their shop's day, or a reminder of theirs another claim holds `sending`), in one
    /// statement for the page: only the customers a claim looks at, not every customer each of
    /// its shops reminded today.
    async fn read_reminded(
        tx: &mut crate::store::Tx,
        days: &mut std::collections::HashMap<MerchantId, ShopDay>,
        page: &[(MerchantId, CustomerId)],
    ) -> Result<(), BooksError> {
        let mut asked: Vec<(MerchantId, CustomerId, i64)> = Vec::with_capacity(page.len());
        for (merchant, customer) in page {
            let Some(day) = days.get(merchant) else {
                continue;
            };
            let pair = (*merchant, *customer, shop_day_start(day.zone, day.now));
            if !day.reminded_today.contains(customer) && !asked.contains(&pair) {
                asked.push(pair);
            }
        }
        if asked.is_empty() {
            return Ok(());
        }
        let values = (0..asked.len())
            .map(|n| format!("(${}, ${}, ${})", 3 * n + 1, 3 * n + 2, 3 * n + 3))
            .collect::<Vec<_>>()
            .join(", ");
        // A customer's few reminders first, then each one's timeline (`kind || ''` keeps SQLite
        // from walking the shop's whole day of `sent` events through `reminder_events_sent`).
        let mut reminded = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH page(merchant, customer, since) AS (VALUES {values}) \
             SELECT page.merchant, page.customer FROM page WHERE EXISTS (SELECT 1 FROM reminders r \
                 WHERE r.merchant_id = page.merchant AND r.customer_id = page.customer \
                 AND EXISTS (SELECT 1 FROM reminder_events e WHERE e.merchant_id = r.merchant_id \
                 AND e.reminder_id = r.id AND e.kind || '' = 'sent' AND e.at >= page.since)) \
             OR EXISTS (SELECT 1 FROM reminders r WHERE r.merchant_id = page.merchant \
                 AND r.customer_id = page.customer AND r.status = 'sending' AND r.claimed_at >= page.since)"
        )));
        for (merchant, customer, since) in &asked {
            reminded = reminded.bind(merchant.0).bind(customer.0).bind(*since);
        }
        for row in reminded.fetch_all(&mut **tx).await? {
            let merchant = MerchantId(row.try_get("merchant")?);
            if let Some(day) = days.get_mut(&merchant) {
                day.reminded_today
                    .insert(CustomerId(row.try_get("customer")?));
            }
        }
        Ok(())
    }

    /// Why a reminder for `customer` waits, and until when; `None` when it may leave now.
    fn hold(&self, customer: CustomerId) -> Option<(Hold, i64)> {
        if let Some(ends) = self.quiet.ends_after(self.zone, self.now) {
            return Some((Hold::QuietHours, ends));
        }
        let next_day = self.quiet.next_day_opens(self.zone, self.now);
        if self.reminded_today.contains(&customer) {
            return Some((Hold::CustomerRemindedToday, next_day));
        }
        if self.sent_today >= self.daily_cap {
            return Some((Hold::ShopCapReached, next_day));
        }
        None
    }

    /// A reminder for `customer` leaves in this claim.
    fn leaving(&mut self, customer: CustomerId) {
        self.sent_today += 1;
        self.reminded_today.insert(customer);
    }
}

/// Midnight of the shop's day that `now` falls in, as unix ms.
fn shop_day_start(zone: Tz, now: i64) -> i64 {
    let today = from_millis(now).with_timezone(&zone).date_naive();
    zone.from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now - 86_400_000, |t| to_millis(t.with_timezone(&Utc)))
}

/// Marks the reminders `keys` (of any shops) `sending` inside a claim, in one statement, with
/// their `sending` events, their customers as they stand now and their pay links, one statement
/// each; the ones no longer `scheduled` (cancelled meanwhile) are left out. A claim's page often
/// spans many shops, so nothing here is a statement per shop or per reminder.
async fn claim_many(
    tx: &mut crate::store::Tx,
    keys: &[ReminderKey],
    now: i64,
) -> Result<Vec<DueReminder>, BooksError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // Joined from a `VALUES` list rather than `(merchant_id, id) IN (VALUES …)`, which SQLite
    // answers by scanning every scheduled reminder; joined, each is found by its key.
    let mut update = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH claimed(merchant, reminder) AS (VALUES {}) \
         UPDATE reminders SET status = 'sending', attempts = attempts + 1, claimed_at = $1, updated_at = $1 \
         FROM claimed WHERE reminders.merchant_id = claimed.merchant AND reminders.id = claimed.reminder \
         AND reminders.status = 'scheduled' \
         RETURNING merchant_id, id, customer_id, kind, amount_paise, due_at, attempts",
        rows_of(2, keys.len(), 2)
    )))
    .bind(now);
    for key in keys {
        update = update.bind(key.merchant.0).bind(key.reminder.0);
    }
    let rows = update.fetch_all(&mut **tx).await?;
    let mut due = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        due.push(DueReminder {
            key: ReminderKey {
                merchant: MerchantId(row.try_get("merchant_id")?),
                reminder: ReminderId(row.try_get("id")?),
            },
            customer: CustomerId(row.try_get("customer_id")?),
            kind: ReminderKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            amount: row
                .try_get::<Option<i64>, _>("amount_paise")?
                .map(Paise::new),
            due_at: row.try_get("due_at")?,
            attempts: row.try_get("attempts")?,
            customer_now: None,
            pay_link: None,
        });
    }
    if due.is_empty() {
        return Ok(due);
    }
    // RETURNING gives no order on PostgreSQL: the claim keeps the order they fell due in.
    due.sort_by_key(|d| {
        keys.iter()
            .position(|key| *key == d.key)
            .unwrap_or(usize::MAX)
    });
    let values = (0..due.len())
        .map(|n| format!("(${}, ${}, $1, $2)", 2 * n + 3, 2 * n + 4))
        .collect::<Vec<_>>()
        .join(", ");
    let mut events = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at) VALUES {values}"
    )))
    .bind(EventKind::Sending.as_str())
    .bind(now);
    for d in &due {
        events = events.bind(d.key.merchant.0).bind(d.key.reminder.0);
    }
    events.execute(&mut **tx).await?;
    // The customers as they stand at the claim, a few milliseconds before the sends: the balance
    // decides what is asked, the phone where it goes.
    let columns = super::customers::CUSTOMER_COLUMNS
        .split(", ")
        .map(|column| format!("c.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut customers = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH wanted(merchant, customer) AS (VALUES {}) SELECT c.merchant_id, {columns} \
         FROM wanted JOIN customers c ON c.merchant_id = wanted.merchant AND c.id = wanted.customer",
        rows_of(1, due.len(), 2)
    )));
    for d in &due {
        customers = customers.bind(d.key.merchant.0).bind(d.customer.0);
    }
    let mut read: std::collections::HashMap<(i64, i64), Customer> =
        std::collections::HashMap::new();
    for row in customers.fetch_all(&mut **tx).await? {
        let customer = super::customers::customer_from_row(&row)?;
        read.insert((row.try_get("merchant_id")?, customer.id.0), customer);
    }
    for d in &mut due {
        d.customer_now = read.get(&(d.key.merchant.0, d.customer.0)).cloned();
    }
    let reminded: Vec<(MerchantId, CustomerId)> =
        due.iter().map(|d| (d.key.merchant, d.customer)).collect();
    match super::pay_links::issue_many(tx, &reminded, now).await {
        Ok(links) => {
            for (d, link) in due.iter_mut().zip(links) {
                d.pay_link = Some(link);
            }
        }
        Err(super::pay_links::PayLinkError::Books(error)) => return Err(error),
        // No randomness now: each send issues its link itself (and fails there, if still).
        Err(error) => tracing::warn!(%error, "pay links not issued with the claim"),
    }
    Ok(due)
}

/// `count` rows of `width` numbered parameters from `$first` on, for a `VALUES` list:
/// `($1, $2), ($3, $4), …` for `rows_of(1, n, 2)`.
fn rows_of(first: usize, count: usize, width: usize) -> String {
    (0..count)
        .map(|row| {
            let columns = (0..width)
                .map(|column| format!("${}", first + row * width + column))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({columns})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Moves a claimed reminder from `sending` to `to`, with its timeline step, in one transaction;
/// `false` when it was no longer `sending` (a status webhook got there first).
async fn finish_sending(
    db: &Db,
    key: ReminderKey,
    to: ReminderStatus,
    now: i64,
    amount: Option<Paise>,
    error: Option<(Option<i64>, &str)>,
    run_at: Option<i64>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE reminders SET status = $1, updated_at = $2, run_at = COALESCE($3, run_at), \
         error_code = COALESCE($4, error_code), error_title = COALESCE($5, error_title), \
         sent_amount_paise = COALESCE($6, sent_amount_paise), claimed_at = CASE WHEN $1 = 'scheduled' THEN NULL ELSE claimed_at END \
         WHERE merchant_id = $7 AND id = $8 AND status = 'sending'",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(run_at)
    .bind(error.and_then(|(code, _)| code))
    .bind(error.map(|(_, title)| title.chars().take(300).collect::<String>()))
    .bind(amount.map(Paise::as_i64))
    .bind(key.merchant.0)
    .bind(key.reminder.0)
    .execute(&mut *tx)
    .await?;
    let moved = done.rows_affected() > 0;
    if moved {
        let kind = if to == ReminderStatus::Scheduled {
            EventKind::Retry
        } else {
            EventKind::of(to)
        };
        add_event(
            &mut *tx,
            key.merchant,
            key.reminder,
            kind,
            now,
            amount,
            error,
        )
        .await?;
        match to {
            // Nothing owed: a series ends (the merchant is told by the sender).
            ReminderStatus::Settled => {
                reminder_series::end_paid(&mut tx, key, now).await?;
            }
            // Not sent, but finished: a series goes on from here, the merchant having been told.
            ReminderStatus::Failed | ReminderStatus::NeedsReview => {
                reminder_series::continue_after(&mut tx, key, now).await?;
            }
            _ => {}
        }
    }
    tx.commit().await?;
    if moved {
        let outcome = match to {
            ReminderStatus::Scheduled => "retried",
            other => other.as_str(),
        };
        metrics::counter!(crate::metrics::REMINDERS, "outcome" => outcome).increment(1);
    }
    Ok(moved)
}

/// Why a due reminder waits instead of leaving now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Inside the shop's quiet hours (`merchant_settings.quiet_*_minute`, in the shop's zone).
    QuietHours,
    /// This customer was already reminded today (the shop's day).
    CustomerRemindedToday,
    /// The shop sent its daily cap of reminders today (`merchant_settings.reminder_daily_cap`).
    ShopCapReached,
}

/// The shop's policy for a reminder that fell due at `now`: `None` when it may leave now, else why
/// it waits and until when (unix ms): the end of the quiet hours it fell in, or, held for the rest
/// of the day, the first minute of the shop's next day outside its quiet hours. `daily_cap` and
/// `quiet` are the shop's settings: at most that many reminders leave it in one of its days, none
/// inside its quiet hours. Run inside a transaction: a reminder counts once sent today or while
/// another claim holds it `sending`, the reminder itself excepted. [`claim_batch`] makes the same
/// decision for the scheduled reminders it looks at from one read of each shop's day (`ShopDay`),
/// where no candidate can count itself.
pub async fn policy_hold(
    tx: &mut crate::store::Tx,
    key: ReminderKey,
    customer: CustomerId,
    zone: Tz,
    daily_cap: i64,
    quiet: QuietHours,
    now: i64,
) -> Result<Option<(Hold, i64)>, StoreError> {
    if let Some(ends) = quiet.ends_after(zone, now) {
        return Ok(Some((Hold::QuietHours, ends)));
    }
    let next_day = quiet.next_day_opens(zone, now);
    let day_start = shop_day_start(zone, now);
    // One statement each, so on PostgreSQL one snapshot: a send finishing in between moves a
    // reminder from `sending` to a `sent` event, and is counted exactly once either way.
    let customer_today: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM reminder_events e JOIN reminders r ON r.merchant_id = e.merchant_id AND r.id = e.reminder_id \
         WHERE e.merchant_id = $1 AND r.customer_id = $2 AND e.kind = 'sent' AND e.at >= $3 AND r.id <> $4) \
         + (SELECT COUNT(*) FROM reminders WHERE merchant_id = $1 AND customer_id = $2 AND status = 'sending' \
         AND claimed_at >= $3 AND id <> $4)",
    )
    .bind(key.merchant.0)
    .bind(customer.0)
    .bind(day_start)
    .bind(key.reminder.0)
    .fetch_one(&mut **tx)
    .await?;
    if customer_today > 0 {
        return Ok(Some((Hold::CustomerRemindedToday, next_day)));
    }
    let shop_today: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM reminder_events WHERE merchant_id = $1 AND kind = 'sent' AND at >= $2) \
         + (SELECT COUNT(*) FROM reminders WHERE merchant_id = $1 AND status = 'sending' AND claimed_at >= $2 \
         AND id <> $3)",
    )
    .bind(key.merchant.0)
    .bind(day_start)
    .bind(key.reminder.0)
    .fetch_one(&mut **tx)
    .await?;
    if shop_today >= daily_cap {
        return Ok(Some((Hold::ShopCapReached, next_day)));
    }
    Ok(None)
}

/// Moves a due reminder to `run_at` because the shop's policy holds it, inside the claim's
/// transaction: never `sending`, no try counted, the timeline shows it `moved`. `false` when it
/// was no longer `scheduled`.
async fn hold_until(
    tx: &mut crate::store::Tx,
    key: ReminderKey,
    run_at: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE reminders SET run_at = $1, updated_at = $2 \
         WHERE merchant_id = $3 AND id = $4 AND status = 'scheduled'",
    )
    .bind(run_at)
    .bind(now)
    .bind(key.merchant.0)
    .bind(key.reminder.0)
    .execute(&mut **tx)
    .await?;
    let moved = done.rows_affected() > 0;
    if moved {
        add_event(
            &mut **tx,
            key.merchant,
            key.reminder,
            EventKind::Moved,
            now,
            None,
            None,
        )
        .await?;
    }
    Ok(moved)
}

/// The customer owed nothing when the reminder fell due: `settled`, nothing sent.
pub async fn mark_settled(db: &Db, key: ReminderKey, now: i64) -> Result<bool, StoreError> {
    finish_sending(db, key, ReminderStatus::Settled, now, None, None, None).await
}

/// WhatsApp refused it, or it could not be sent (no phone); `detail` says why.
pub async fn mark_failed(
    db: &Db,
    key: ReminderKey,
    code: Option<i64>,
    detail: &str,
    now: i64,
) -> Result<bool, StoreError> {
    finish_sending(
        db,
        key,
        ReminderStatus::Failed,
        now,
        None,
        Some((code, detail)),
        None,
    )
    .await
}

/// A try that provably sent nothing: due again at `retry_at`.
pub async fn retry_later(
    db: &Db,
    key: ReminderKey,
    retry_at: i64,
    code: Option<i64>,
    detail: &str,
    now: i64,
) -> Result<bool, StoreError> {
    finish_sending(
        db,
        key,
        ReminderStatus::Scheduled,
        now,
        None,
        Some((code, detail)),
        Some(retry_at),
    )
    .await
}

/// Whether WhatsApp took it cannot be known from here: never resent, the merchant decides.
pub async fn mark_needs_review(
    db: &Db,
    key: ReminderKey,
    detail: &str,
    now: i64,
) -> Result<bool, StoreError> {
    finish_sending(
        db,
        key,
        ReminderStatus::NeedsReview,
        now,
        None,
        Some((None, detail)),
        None,
    )
    .await
}

/// What went out for a reminder: the amount asked, WhatsApp's id for it (none in the sandbox),
/// and how the conversation log shows it (the customer's phone and a line of text).
#[derive(Debug, Clone)]
pub struct Delivered<'a> {
    pub amount: Paise,
    pub wamid: Option<&'a str>,
    pub peer: &'a str,
    pub body: &'a str,
}

/// WhatsApp accepted the reminder (or, without a wamid, the sandbox outbox holds it): one
/// transaction logs the message (`sent`, or `sandbox`) and marks the reminder `sent` with its
/// amount, wamid and message. A status webhook may already have moved it on from `sending`;
/// what was sent is stored either way. Returns the logged message.
pub async fn mark_sent(
    db: &Db,
    key: ReminderKey,
    sent: &Delivered<'_>,
    now: i64,
) -> Result<MessageId, StoreError> {
    let mut tx = db.begin().await?;
    let message = mark_sent_in(&mut tx, key, sent, now).await?;
    tx.commit().await?;
    metrics::counter!(crate::metrics::REMINDERS, "outcome" => "sent").increment(1);
    Ok(message)
}

/// What `mark_sent` writes, inside a transaction of the caller's (one per send, or one for a
/// batch of finished sends: `reminder_sends::SentLog`).
pub(super) async fn mark_sent_in(
    tx: &mut crate::store::Tx,
    key: ReminderKey,
    sent: &Delivered<'_>,
    now: i64,
) -> Result<MessageId, StoreError> {
    let status = if sent.wamid.is_some() {
        Delivery::Sent
    } else {
        Delivery::Sandbox
    };
    let message: i64 = sqlx::query_scalar(
        "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, kind, body, status, created_at, updated_at) \
         VALUES ($1, 'out', $2, $3, 'template', $4, $5, $6, $6) RETURNING id",
    )
    .bind(key.merchant.0)
    .bind(sent.wamid)
    .bind(sent.peer)
    .bind(storable(sent.body).as_ref())
    .bind(status.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    // The reminder is marked sent; its `series_id` says whether a series goes on after it.
    let done = sqlx::query(
        "UPDATE reminders SET status = CASE WHEN status IN ('sending', 'needs_review') THEN 'sent' ELSE status END, \
         wa_message_id = COALESCE($1, wa_message_id), sent_amount_paise = $2, message_id = $3, updated_at = $4 \
         WHERE merchant_id = $5 AND id = $6 AND status IN ('sending', 'needs_review', 'sent', 'delivered', 'read', 'failed') \
         RETURNING series_id",
    )
    .bind(sent.wamid)
    .bind(sent.amount.as_i64())
    .bind(message)
    .bind(now)
    .bind(key.merchant.0)
    .bind(key.reminder.0)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(done) = done else {
        return Ok(MessageId(message));
    };
    // One `sent` event, however often the send is recorded (a status webhook, a late finish):
    // added only when the timeline has none, in the same statement.
    let first_sent = sqlx::query(
        "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at, amount_paise) \
         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM reminder_events \
         WHERE merchant_id = $1 AND reminder_id = $2 AND kind = $3)",
    )
    .bind(key.merchant.0)
    .bind(key.reminder.0)
    .bind(EventKind::Sent.as_str())
    .bind(now)
    .bind(sent.amount.as_i64())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0;
    let in_series = done.try_get::<Option<i64>, _>("series_id")?.is_some();
    if first_sent && in_series {
        // The next of a series is due its interval after this one went.
        reminder_series::continue_after(tx, key, now).await?;
    }
    Ok(MessageId(message))
}

/// What [`mark_sent_in`] writes, for many finished sends in three statements instead of three
/// each (`reminder_sends::SentLog` commits a batch at once). The sends must be of distinct
/// reminders, and distinct in (shop, peer, wamid), by which the logged messages are matched back
/// to them: the caller splits a batch that is not. Returns the logged messages in `sends`' order.
pub(super) async fn mark_many_sent_in(
    tx: &mut crate::store::Tx,
    sends: &[(ReminderKey, Delivered<'_>, i64)],
) -> Result<Vec<MessageId>, StoreError> {
    if sends.is_empty() {
        return Ok(Vec::new());
    }
    // The messages, one row each.
    let values = (0..sends.len())
        .map(|n| {
            let p = 6 * n;
            format!(
                "(${}, 'out', ${}, ${}, 'template', ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 6
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, kind, body, status, created_at, updated_at) \
         VALUES {values} RETURNING id, merchant_id, peer, wa_message_id"
    )));
    for (key, sent, now) in sends {
        let status = if sent.wamid.is_some() {
            Delivery::Sent
        } else {
            Delivery::Sandbox
        };
        insert = insert
            .bind(key.merchant.0)
            .bind(sent.wamid)
            .bind(sent.peer)
            .bind(storable(sent.body).into_owned())
            .bind(status.as_str())
            .bind(*now);
    }
    // RETURNING's order is not promised (SQLite says so): matched back by what each row holds.
    let mut logged: std::collections::HashMap<(i64, String, Option<String>), i64> =
        std::collections::HashMap::with_capacity(sends.len());
    for row in insert.fetch_all(&mut **tx).await? {
        logged.insert(
            (
                row.try_get("merchant_id")?,
                row.try_get("peer")?,
                row.try_get("wa_message_id")?,
            ),
            row.try_get("id")?,
        );
    }
    let mut messages = Vec::with_capacity(sends.len());
    for (key, sent, _) in sends {
        let found = logged
            .get(&(
                key.merchant.0,
                sent.peer.to_string(),
                sent.wamid.map(str::to_string),
            ))
            .copied()
            .ok_or_else(|| corrupt("message", sent.peer))?;
        messages.push(MessageId(found));
    }
    // The reminders marked sent (as `mark_sent_in` does, row by row), in one statement.
    let rows = rows_of(1, sends.len(), 6);
    let mut update = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH sent(merchant, reminder, wamid, amount, message, at) AS (VALUES {rows}) \
         UPDATE reminders SET status = CASE WHEN status IN ('sending', 'needs_review') THEN 'sent' ELSE status END, \
         wa_message_id = COALESCE(sent.wamid, reminders.wa_message_id), sent_amount_paise = sent.amount, \
         message_id = sent.message, updated_at = sent.at FROM sent \
         WHERE reminders.merchant_id = sent.merchant AND reminders.id = sent.reminder \
         AND reminders.status IN ('sending', 'needs_review', 'sent', 'delivered', 'read', 'failed') \
         RETURNING merchant_id, id, series_id"
    )));
    for ((key, sent, now), message) in sends.iter().zip(&messages) {
        update = update
            .bind(key.merchant.0)
            .bind(key.reminder.0)
            .bind(sent.wamid)
            .bind(sent.amount.as_i64())
            .bind(message.0)
            .bind(*now);
    }
    let mut in_series: std::collections::HashMap<ReminderKey, bool> =
        std::collections::HashMap::new();
    for row in update.fetch_all(&mut **tx).await? {
        let key = ReminderKey {
            merchant: MerchantId(row.try_get("merchant_id")?),
            reminder: ReminderId(row.try_get("id")?),
        };
        in_series.insert(key, row.try_get::<Option<i64>, _>("series_id")?.is_some());
    }
    // One `sent` event for each reminder that was marked and has none yet.
    let marked: Vec<&(ReminderKey, Delivered<'_>, i64)> = sends
        .iter()
        .filter(|(key, _, _)| in_series.contains_key(key))
        .collect();
    if !marked.is_empty() {
        let rows = rows_of(2, marked.len(), 4);
        let mut events = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH sent(merchant, reminder, at, amount) AS (VALUES {rows}) \
             INSERT INTO reminder_events (merchant_id, reminder_id, kind, at, amount_paise) \
             SELECT sent.merchant, sent.reminder, $1, sent.at, sent.amount FROM sent WHERE NOT EXISTS \
             (SELECT 1 FROM reminder_events e WHERE e.merchant_id = sent.merchant \
             AND e.reminder_id = sent.reminder AND e.kind = $1) \
             RETURNING merchant_id, reminder_id"
        )))
        .bind(EventKind::Sent.as_str());
        for (key, sent, now) in &marked {
            events = events
                .bind(key.merchant.0)
                .bind(key.reminder.0)
                .bind(*now)
                .bind(sent.amount.as_i64());
        }
        for row in events.fetch_all(&mut **tx).await? {
            let key = ReminderKey {
                merchant: MerchantId(row.try_get("merchant_id")?),
                reminder: ReminderId(row.try_get("reminder_id")?),
            };
            // The next of a series is due its interval after this one went.
            if in_series.get(&key).copied().unwrap_or(false) {
                let now = sends
                    .iter()
                    .find(|(sent, _, _)| *sent == key)
                    .map_or(0, |(_, _, now)| *now);
                reminder_series::continue_after(tx, key, now).await?;
            }
        }
    }
    Ok(messages)
}

/// Reminders claimed before `claimed_before` and still `sending`: their sender stopped between
/// calling WhatsApp and storing the answer. They become `needs_review` (never resent); returns
/// their keys and customers, for the merchant to be told.
pub async fn review_stale(
    db: &Db,
    claimed_before: i64,
    now: i64,
) -> Result<Vec<(ReminderKey, CustomerId)>, StoreError> {
    let mut tx = db.begin().await?;
    let rows = sqlx::query(
        "UPDATE reminders SET status = 'needs_review', updated_at = $1 \
         WHERE status = 'sending' AND claimed_at < $2 RETURNING merchant_id, id, customer_id",
    )
    .bind(now)
    .bind(claimed_before)
    .fetch_all(&mut *tx)
    .await?;
    let mut stale = Vec::with_capacity(rows.len());
    for row in &rows {
        let key = ReminderKey {
            merchant: MerchantId(row.try_get("merchant_id")?),
            reminder: ReminderId(row.try_get("id")?),
        };
        add_event(
            &mut *tx,
            key.merchant,
            key.reminder,
            EventKind::NeedsReview,
            now,
            None,
            Some((
                None,
                "the sender stopped before WhatsApp's answer was stored",
            )),
        )
        .await?;
        reminder_series::continue_after(&mut tx, key, now).await?;
        stale.push((key, CustomerId(row.try_get("customer_id")?)));
    }
    tx.commit().await?;
    Ok(stale)
}

/// A delivery status from WhatsApp for a reminder's message, found by the key echoed in
/// `biz_opaque_callback_data` or else by the wamid. It only moves the reminder forward (a
/// reminder left `sending` or `needs_review` learns here that it went out) and adds the step
/// to its timeline; returns whether anything changed.
pub async fn apply_status(
    db: &Db,
    key: Option<ReminderKey>,
    wamid: &str,
    status: ReminderStatus,
    error: Option<(i64, &str)>,
    at: i64,
) -> Result<bool, StoreError> {
    let Some(rank) = status.rank().filter(|r| *r > 0) else {
        return Ok(false);
    };
    let replaceable: Vec<&'static str> = ReminderStatus::ALL
        .into_iter()
        .filter(|s| s.rank().is_some_and(|r| r < rank))
        .map(ReminderStatus::as_str)
        .collect();
    let parameters: Vec<String> = (0..replaceable.len())
        .map(|i| format!("${}", i + 9))
        .collect();
    // With a key, the key decides (the wamid may not be stored yet); the wamid is then stored.
    let sql = format!(
        "UPDATE reminders SET status = $1, error_code = COALESCE($2, error_code), error_title = COALESCE($3, error_title), \
         wa_message_id = COALESCE(wa_message_id, $4), updated_at = $5 \
         WHERE (($6 = 1 AND merchant_id = $7 AND id = $8) OR ($6 = 0 AND wa_message_id = $4)) \
         AND status IN ({}) RETURNING merchant_id, id",
        parameters.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status.as_str())
        .bind(error.map(|(code, _)| code))
        .bind(error.map(|(_, title)| title.chars().take(300).collect::<String>()))
        .bind(wamid)
        .bind(at)
        .bind(i64::from(key.is_some()))
        .bind(key.map_or(0, |k| k.merchant.0))
        .bind(key.map_or(0, |k| k.reminder.0));
    for word in replaceable {
        query = query.bind(word);
    }
    let mut tx = db.begin().await?;
    let Some(row) = query.fetch_optional(&mut *tx).await? else {
        tx.rollback().await?;
        return Ok(false);
    };
    add_event(
        &mut *tx,
        MerchantId(row.try_get("merchant_id")?),
        ReminderId(row.try_get("id")?),
        EventKind::of(status),
        at,
        None,
        error.map(|(code, title)| (Some(code), title)),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// How many reminders, across shops, wait for a merchant's review.
pub async fn count_needing_review(db: &Db) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM reminders WHERE status = 'needs_review'")
            .fetch_one(db.pool())
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_and_nothing_else_reads_as_one() {
        let key = ReminderKey {
            merchant: MerchantId(7),
            reminder: ReminderId(42),
        };
        assert_eq!(key.to_string(), "execora-reminder:7:42");
        assert_eq!(ReminderKey::parse(&key.to_string()), Some(key));
        for other in [
            "",
            "execora-reminder:",
            "execora-reminder:7",
            "execora-reminder:7:",
            "execora-reminder::42",
            "execora-reminder:7:42:1",
            "execora-reminder:-7:42",
            "execora-reminder:7:4x",
            "execora-reminder:99999999999999999999:1",
            "campaign-7",
        ] {
            assert_eq!(ReminderKey::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn statuses_and_events_read_back() {
        for status in ReminderStatus::ALL {
            assert_eq!(ReminderStatus::parse(status.as_str()), Some(status));
        }
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReminderStatus::parse("queued"), None);
        assert_eq!(ReminderKind::parse("payment"), Some(ReminderKind::Payment));
    }

    #[test]
    fn a_delivery_status_only_moves_forward() {
        use ReminderStatus::*;
        assert!(Read.rank() > Delivered.rank());
        assert!(Failed.rank() > Read.rank());
        assert!(Sent.rank() > NeedsReview.rank());
        assert_eq!(Cancelled.rank(), None);
        assert_eq!(Settled.rank(), None);
    }
}
