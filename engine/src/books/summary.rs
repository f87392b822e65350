//! The daily summary: sales, collections, new credit, dues, top debtors and low stock for a local date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Books, BooksError, CustomerId};
use crate::money::Paise;
use crate::time::day_bounds;

/// A customer who owes money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Debtor {
    pub customer: CustomerId,
    pub name: String,
    pub balance: Paise,
}

/// One day of the shop, in the merchant's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailySummary {
    pub date: NaiveDate,
    /// Bills issued that day and not cancelled, cash and credit alike.
    pub sales: Paise,
    pub invoice_count: i64,
    /// Payments received that day, net of payments undone.
    pub collections: Paise,
    /// Udhaar written that day (without a bill), net of undos.
    pub new_credit: Paise,
    /// What all customers owe now.
    pub outstanding: Paise,
    pub top_debtors: Vec<Debtor>,
    /// Names of products at or under their low-stock level.
    pub low_stock: Vec<String>,
}

/// One local day's money movements (the panel's chart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayTotals {
    pub date: NaiveDate,
    /// Bills issued that day and not cancelled.
    pub sales: Paise,
    /// Payments received that day, net of payments undone.
    pub collections: Paise,
    /// Udhaar written that day, net of undos.
    pub new_credit: Paise,
}

/// Rows are grouped by quarter hour in SQL and the quarters put on local days here: every
/// zone's offset from UTC is a whole number of quarter hours, so no quarter straddles a local
/// midnight, and portable SQL has no time zones.
const BUCKET_MS: i64 = 15 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A ledger entry's kind for the totals: a reversal counts under the kind of the entry it
/// reverses, so an undone payment nets out. The entry it reverses is looked up only for a
/// reversal, one row by key: a join would let PostgreSQL's planner, without parallel workers,
/// hash-join the whole ledger of every shop (0.4 s at 1,000,000 entries) to find none.
macro_rules! kind_or_reversed {
    () => {
        "CASE WHEN e.reverses_entry_id IS NULL THEN e.kind ELSE (SELECT o.kind FROM ledger_entries o \
         WHERE o.merchant_id = e.merchant_id AND o.id = e.reverses_entry_id) END"
    };
}

fn plus(sum: Paise, more: i64) -> Paise {
    Paise::new(sum.as_i64().saturating_add(more))
}

/// The longest range [`Books::daily_totals`] answers for.
pub const MAX_TOTALS_DAYS: i64 = 92;

/// How many debtors a summary lists.
const TOP_DEBTORS: i64 = 5;

impl Books {
    pub async fn daily_summary(&self, date: NaiveDate) -> Result<DailySummary, BooksError> {
        let (start, end) = day_bounds(date, self.zone());
        let sales = sqlx::query(
            "SELECT CAST(COALESCE(SUM(total_paise), 0) AS BIGINT) AS total, COUNT(*) AS bills FROM invoices \
             WHERE merchant_id = $1 AND status = 'issued' AND created_at >= $2 AND created_at < $3",
        )
        .bind(self.mid())
        .bind(start)
        .bind(end)
        .fetch_one(self.db.pool())
        .await?;
        // A reversal counts under the kind of the entry it reverses, so an undone payment nets out.
        let by_kind = sqlx::query(concat!(
            "SELECT ",
            kind_or_reversed!(),
            " AS kind, CAST(SUM(e.amount_paise) AS BIGINT) AS total \
             FROM ledger_entries e WHERE e.merchant_id = $1 AND e.created_at >= $2 AND e.created_at < $3 GROUP BY 1"
        ))
        .bind(self.mid())
        .bind(start)
        .bind(end)
        .fetch_all(self.db.pool())
        .await?;
        let mut collections = Paise::ZERO;
        let mut new_credit = Paise::ZERO;
        for row in &by_kind {
            let kind: String = row.try_get("kind")?;
            let total = Paise::new(row.try_get("total")?);
            match kind.as_str() {
                "payment" => collections = Paise::new(-total.as_i64()),
                "credit" => new_credit = total,
                _ => {}
            }
        }
        let top_debtors = self.debtors(TOP_DEBTORS).await?;
        Ok(DailySummary {
            date,
            sales: Paise::new(sales.try_get("total")?),
            invoice_count: sales.try_get("bills")?,
            collections,
            new_credit,
            outstanding: self.total_dues().await?,
            top_debtors,
            low_stock: self
                .low_stock()
                .await?
                .into_iter()
                .map(|p| p.name)
                .collect(),
        })
    }

    /// Each local day from `first` to `last` (both included, at most [`MAX_TOTALS_DAYS`] days
    /// ending at `last`), days without movements included, oldest first.
    pub async fn daily_totals(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<DayTotals>, BooksError> {
        let first = first.max(last - chrono::Days::new(MAX_TOTALS_DAYS as u64 - 1));
        let zone = self.zone();
        let mut days: Vec<DayTotals> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|date| DayTotals {
                date,
                sales: Paise::ZERO,
                collections: Paise::ZERO,
                new_credit: Paise::ZERO,
            })
            .collect();
        if days.is_empty() {
            return Ok(days);
        }
        let (start, _) = day_bounds(first, zone);
        let (_, end) = day_bounds(last, zone);
        // When every day of the range is 24 hours long (no clock change in it: India's, always),
        // the database groups rows by day counted from `start`, a few dozen rows; otherwise by
        // quarter hour since the epoch, put on local days here. Quarter hours are thousands of
        // rows over a month of a busy shop, each one decoded and placed.
        let whole_days = days.len() as i64 * DAY_MS == end - start;
        let (origin, width) = if whole_days {
            (start, DAY_MS)
        } else {
            (0, BUCKET_MS)
        };
        let day_of = |bucket: i64| {
            if whole_days {
                return usize::try_from(bucket).ok();
            }
            let at = crate::time::local(crate::time::from_millis(bucket * BUCKET_MS), zone);
            let index = (at.date_naive() - first).num_days();
            usize::try_from(index).ok()
        };
        let sales = sqlx::query(
            "SELECT CAST((created_at - $4) / $5 AS BIGINT) AS bucket, CAST(SUM(total_paise) AS BIGINT) AS total \
             FROM invoices WHERE merchant_id = $1 AND status = 'issued' AND created_at >= $2 AND created_at < $3 GROUP BY 1",
        )
        .bind(self.mid())
        .bind(start)
        .bind(end)
        .bind(origin)
        .bind(width)
        .fetch_all(self.db.pool())
        .await?;
        for row in &sales {
            if let Some(day) = day_of(row.try_get("bucket")?).and_then(|i| days.get_mut(i)) {
                day.sales = plus(day.sales, row.try_get("total")?);
            }
        }
        // As in the daily summary, a reversal counts under the kind of the entry it reverses.
        let by_kind = sqlx::query(concat!(
            "SELECT CAST((e.created_at - $4) / $5 AS BIGINT) AS bucket, ",
            kind_or_reversed!(),
            " AS kind, CAST(SUM(e.amount_paise) AS BIGINT) AS total \
             FROM ledger_entries e WHERE e.merchant_id = $1 AND e.created_at >= $2 AND e.created_at < $3 GROUP BY 1, 2"
        ))
        .bind(self.mid())
        .bind(start)
        .bind(end)
        .bind(origin)
        .bind(width)
        .fetch_all(self.db.pool())
        .await?;
        for row in &by_kind {
            let Some(day) = day_of(row.try_get("bucket")?).and_then(|i| days.get_mut(i)) else {
                continue;
            };
            let kind: String = row.try_get("kind")?;
            let total: i64 = row.try_get("total")?;
            match kind.as_str() {
                "payment" => day.collections = plus(day.collections, 0i64.saturating_sub(total)),
                "credit" => day.new_credit = plus(day.new_credit, total),
                _ => {}
            }
        }
        Ok(days)
    }

    /// Customers who owe money, largest dues first.
    pub async fn debtors(&self, limit: i64) -> Result<Vec<Debtor>, BooksError> {
        let rows = sqlx::query(
            "SELECT id, name, balance_paise FROM customers WHERE merchant_id = $1 AND balance_paise > 0 \
             ORDER BY balance_paise DESC, id LIMIT $2",
        )
        .bind(self.mid())
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.db.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(Debtor {
                customer: CustomerId(row.try_get("id")?),
                name: row.try_get("name")?,
                balance: Paise::new(row.try_get("balance_paise")?),
            });
        }
        Ok(out)
    }
}
