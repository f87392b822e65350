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
        let by_kind = sqlx::query(
            "SELECT COALESCE(o.kind, e.kind) AS kind, CAST(SUM(e.amount_paise) AS BIGINT) AS total \
             FROM ledger_entries e LEFT JOIN ledger_entries o ON o.merchant_id = e.merchant_id AND o.id = e.reverses_entry_id \
             WHERE e.merchant_id = $1 AND e.created_at >= $2 AND e.created_at < $3 GROUP BY COALESCE(o.kind, e.kind)",
        )
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
