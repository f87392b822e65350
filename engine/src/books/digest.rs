//! The merchant's evening digest: each shop's digest time, when a digest is due (catch-up rule), its figures, and the one claim per shop-day.
//!
//! A digest is due for a shop on its local date `D` from its digest time on `D` until the end
//! of `D` (local midnight), and is written at most once for `D`: the `digests` row of
//! `(shop, D)` is inserted in the same transaction as the outbox message that carries it, so
//! processes sharing one database never both write it, and a crash leaves either both or
//! neither. A digest missed because no process ran is sent when one comes back only while the
//! shop's clock still shows `D`; after midnight it is skipped, never sent the next morning.
//! A shop opened after its digest time on `D` gets its first digest on the next day: a digest
//! of a day the shop hardly existed in would only be noise.

use chrono::{NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Books, BooksError, DailySummary, MerchantId};
use crate::messages::{self, MessageId, NewOutbound};
use crate::money::Paise;
use crate::store::{Db, StoreError};
use crate::time::{Clock, day_bounds, from_millis, parse_zone, to_millis};

/// When a shop that never chose gets its digest.
pub const DEFAULT_DIGEST_MINUTE: u32 = 21 * 60;

/// How far back a reminder counts as the reason a customer paid.
const REMINDER_EFFECT_MS: i64 = 30 * 24 * 3_600_000;

/// How many debtors the digest names.
const DIGEST_DEBTORS: usize = 3;

/// When a shop wants its digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestSchedule {
    pub enabled: bool,
    /// The shop's local time of day.
    pub at: NaiveTime,
}

impl Default for DigestSchedule {
    fn default() -> Self {
        DigestSchedule {
            enabled: true,
            at: minute_time(DEFAULT_DIGEST_MINUTE),
        }
    }
}

/// A change to a shop's digest; `None` keeps what it is. Turning it on keeps the time it had.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestChange {
    pub enabled: Option<bool>,
    pub at: Option<NaiveTime>,
}

fn minute_time(minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minute / 60 % 24, minute % 60, 0).unwrap_or(NaiveTime::MIN)
}

fn time_minute(at: NaiveTime) -> i64 {
    i64::from(at.hour() * 60 + at.minute())
}

fn schedule_from(enabled: i64, at_minute: i64) -> DigestSchedule {
    DigestSchedule {
        enabled: enabled != 0,
        at: minute_time(u32::try_from(at_minute.clamp(0, 1439)).unwrap_or(DEFAULT_DIGEST_MINUTE)),
    }
}

/// The shop's digest schedule; a shop that never changed it gets it at 21:00.
pub async fn schedule(db: &Db, merchant: MerchantId) -> Result<DigestSchedule, BooksError> {
    let row = sqlx::query("SELECT enabled, at_minute FROM digest_settings WHERE merchant_id = $1")
        .bind(merchant.0)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => Ok(schedule_from(
            row.try_get("enabled")?,
            row.try_get("at_minute")?,
        )),
        None => Ok(DigestSchedule::default()),
    }
}

/// Applies `change` to the shop's digest schedule and returns it as it now is.
pub async fn set_schedule(
    db: &Db,
    merchant: MerchantId,
    change: DigestChange,
    clock: &dyn Clock,
) -> Result<DigestSchedule, BooksError> {
    super::merchants::get(db, merchant).await?;
    let current = schedule(db, merchant).await?;
    let next = DigestSchedule {
        enabled: change.enabled.unwrap_or(current.enabled),
        // Seconds are not kept: the digest runs on minutes.
        at: change
            .at
            .map_or(current.at, |at| minute_time(at.hour() * 60 + at.minute())),
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO digest_settings (merchant_id, enabled, at_minute, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (merchant_id) DO UPDATE SET enabled = excluded.enabled, at_minute = excluded.at_minute, \
         updated_at = excluded.updated_at",
    )
    .bind(merchant.0)
    .bind(i64::from(next.enabled))
    .bind(time_minute(next.at))
    .bind(to_millis(clock.now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// The rule: the shop's local date when its digest is due at `now` (unix ms), that is when the
/// digest is on and the shop's clock shows its digest time or later on that same date.
pub fn due_day(schedule: DigestSchedule, zone: Tz, now: i64) -> Option<NaiveDate> {
    if !schedule.enabled {
        return None;
    }
    let local = from_millis(now).with_timezone(&zone);
    (local.time() >= schedule.at).then(|| local.date_naive())
}

/// Whether a shop opened at `opened_at` (unix ms) has a digest for its local date `day`: only
/// when it was open at that day's digest time.
pub fn open_by_digest_time(
    schedule: DigestSchedule,
    zone: Tz,
    day: NaiveDate,
    opened_at: i64,
) -> bool {
    let digest_time = zone
        .from_local_datetime(&day.and_time(schedule.at))
        .earliest()
        .map(|t| to_millis(t.with_timezone(&chrono::Utc)));
    // A digest time the zone's clock skips that day: the shop's whole day counts.
    digest_time.is_none_or(|at| opened_at <= at)
}

/// A shop whose digest for `day` (its local date) is due and not yet written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDigest {
    pub merchant: MerchantId,
    pub day: NaiveDate,
}

/// Every shop whose digest is due at `now` (unix ms) and not yet written, oldest shop first.
/// One query for all shops: the worker asks this every poll.
pub async fn due(db: &Db, now: i64) -> Result<Vec<DueDigest>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.id, m.timezone, m.created_at, s.enabled, s.at_minute, \
         (SELECT MAX(d.day) FROM digests d WHERE d.merchant_id = m.id) AS last_day \
         FROM merchants m LEFT JOIN digest_settings s ON s.merchant_id = m.id ORDER BY m.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for row in &rows {
        let schedule = match (
            row.try_get::<Option<i64>, _>("enabled")?,
            row.try_get::<Option<i64>, _>("at_minute")?,
        ) {
            (Some(enabled), Some(at)) => schedule_from(enabled, at),
            _ => DigestSchedule::default(),
        };
        let timezone: String = row.try_get("timezone")?;
        let zone = parse_zone(&timezone).unwrap_or(chrono_tz::Asia::Kolkata);
        let Some(day) = due_day(schedule, zone, now) else {
            continue;
        };
        if !open_by_digest_time(schedule, zone, day, row.try_get("created_at")?) {
            continue;
        }
        let last: Option<String> = row.try_get("last_day")?;
        // Days are stored as YYYY-MM-DD, so text order is date order.
        if last.is_some_and(|last| last.as_str() >= day_key(day).as_str()) {
            continue;
        }
        out.push(DueDigest {
            merchant: MerchantId(row.try_get("id")?),
            day,
        });
    }
    Ok(out)
}

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// How a digest went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestChannel {
    /// A plain text: the owner wrote to us within the last 24 hours.
    Text,
    /// The approved `evening_digest` template: the 24-hour window was closed.
    Template,
    /// The shop has no owner phone to send it to: the day is marked done, nothing sent.
    NoPhone,
}

impl DigestChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestChannel::Text => "text",
            DigestChannel::Template => "template",
            DigestChannel::NoPhone => "no_phone",
        }
    }

    pub fn parse(text: &str) -> Option<DigestChannel> {
        [
            DigestChannel::Text,
            DigestChannel::Template,
            DigestChannel::NoPhone,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// A digest as written for one shop-day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenDigest {
    pub day: NaiveDate,
    pub channel: DigestChannel,
    pub message: Option<MessageId>,
    pub created_at: i64,
}

/// Writes the digest of `(merchant, day)`: its claim row and, unless `channel` is `NoPhone`,
/// the outbox message `outbound`, in one transaction. `None` when that shop-day's digest was
/// already written (by this process or another): nothing is written then.
pub async fn write(
    db: &Db,
    merchant: MerchantId,
    day: NaiveDate,
    channel: DigestChannel,
    outbound: Option<&NewOutbound<'_>>,
    now: i64,
) -> Result<Option<WrittenDigest>, StoreError> {
    let mut tx = db.begin().await?;
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO digests (merchant_id, day, channel, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (merchant_id, day) DO NOTHING RETURNING day",
    )
    .bind(merchant.0)
    .bind(day_key(day))
    .bind(channel.as_str())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if claimed.is_none() {
        tx.rollback().await?;
        return Ok(None);
    }
    let message = match outbound {
        Some(new) if channel != DigestChannel::NoPhone => {
            let id = messages::record_outbound_in(&mut tx, new).await?;
            sqlx::query("UPDATE digests SET message_id = $1 WHERE merchant_id = $2 AND day = $3")
                .bind(id.0)
                .bind(merchant.0)
                .bind(day_key(day))
                .execute(&mut *tx)
                .await?;
            Some(id)
        }
        _ => None,
    };
    tx.commit().await?;
    Ok(Some(WrittenDigest {
        day,
        channel,
        message,
        created_at: now,
    }))
}

/// The shop's digests, newest first.
pub async fn written(
    db: &Db,
    merchant: MerchantId,
    limit: i64,
) -> Result<Vec<WrittenDigest>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, channel, message_id, created_at FROM digests WHERE merchant_id = $1 \
         ORDER BY day DESC LIMIT $2",
    )
    .bind(merchant.0)
    .bind(limit.clamp(1, 1000))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let day: String = row.try_get("day")?;
        let channel: String = row.try_get("channel")?;
        out.push(WrittenDigest {
            day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                sqlx::Error::ColumnDecode {
                    index: "day".into(),
                    source: e.into(),
                }
            })?,
            channel: DigestChannel::parse(&channel).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "channel".into(),
                source: format!("unknown digest channel {channel:?}").into(),
            })?,
            message: row.try_get::<Option<i64>, _>("message_id")?.map(MessageId),
            created_at: row.try_get("created_at")?,
        });
    }
    Ok(out)
}

/// When `peer` last wrote to the shop (unix ms): WhatsApp lets a business answer with free text
/// for 24 hours after a person's last message, so this decides text or template.
pub async fn last_inbound_at(
    db: &Db,
    merchant: MerchantId,
    peer: &str,
) -> Result<Option<i64>, StoreError> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT created_at FROM messages WHERE merchant_id = $1 AND direction = 'in' AND peer = $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(merchant.0)
    .bind(peer)
    .fetch_optional(db.pool())
    .await?;
    Ok(at)
}

/// What the evening digest says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// Today's figures (sales, collections, new udhaar, dues, top debtors).
    pub summary: DailySummary,
    /// Reminders that went out since the last digest (or since the day began, for the first).
    pub reminders_sent: i64,
    /// Customers reminded in the 30 days before who paid since the last digest, and how much.
    pub reminded_paid: i64,
    pub reminded_paid_amount: Paise,
    /// Reminders waiting for tomorrow (the shop's date).
    pub tomorrow_reminders: i64,
}

impl Books {
    /// The digest of the shop's local date `day`, figures as of now.
    pub async fn evening_digest(&self, day: NaiveDate) -> Result<Digest, BooksError> {
        let mut summary = self.daily_summary(day).await?;
        summary.top_debtors.truncate(DIGEST_DEBTORS);
        let now = self.now_ms();
        let (day_start, _) = day_bounds(day, self.zone());
        let since: i64 = sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(created_at) FROM digests WHERE merchant_id = $1 AND day < $2",
        )
        .bind(self.mid())
        .bind(day_key(day))
        .fetch_one(self.db.pool())
        .await?
        .unwrap_or(day_start);
        let reminders_sent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reminder_events WHERE merchant_id = $1 AND kind = 'sent' AND at >= $2 AND at <= $3",
        )
        .bind(self.mid())
        .bind(since)
        .bind(now)
        .fetch_one(self.db.pool())
        .await?;
        let paid = sqlx::query(
            "SELECT COUNT(DISTINCT e.customer_id) AS customers, CAST(COALESCE(SUM(e.amount_paise), 0) AS BIGINT) AS total \
             FROM ledger_entries e WHERE e.merchant_id = $1 AND e.kind = 'payment' AND e.created_at >= $2 AND e.created_at <= $3 \
             AND EXISTS (SELECT 1 FROM reminder_events v JOIN reminders r ON r.merchant_id = v.merchant_id AND r.id = v.reminder_id \
               WHERE v.merchant_id = $1 AND v.kind = 'sent' AND r.customer_id = e.customer_id \
               AND v.at <= e.created_at AND v.at >= e.created_at - $4)",
        )
        .bind(self.mid())
        .bind(since)
        .bind(now)
        .bind(REMINDER_EFFECT_MS)
        .fetch_one(self.db.pool())
        .await?;
        let tomorrow = day.succ_opt().unwrap_or(day);
        let (tomorrow_start, tomorrow_end) = day_bounds(tomorrow, self.zone());
        let tomorrow_reminders: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reminders WHERE merchant_id = $1 AND status = 'scheduled' AND run_at >= $2 AND run_at < $3",
        )
        .bind(self.mid())
        .bind(tomorrow_start)
        .bind(tomorrow_end)
        .fetch_one(self.db.pool())
        .await?;
        // Payments are stored as negative entries.
        let paid_total: i64 = paid.try_get("total")?;
        Ok(Digest {
            summary,
            reminders_sent,
            reminded_paid: paid.try_get("customers")?,
            reminded_paid_amount: Paise::new(0i64.saturating_sub(paid_total)),
            tomorrow_reminders,
        })
    }

    /// The shop's digest schedule.
    pub async fn digest_schedule(&self) -> Result<DigestSchedule, BooksError> {
        schedule(&self.db, self.merchant_id()).await
    }

    /// Changes the shop's digest schedule.
    pub async fn set_digest_schedule(
        &self,
        change: DigestChange,
    ) -> Result<DigestSchedule, BooksError> {
        set_schedule(&self.db, self.merchant_id(), change, self.clock.as_ref()).await
    }
}
