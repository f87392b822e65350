//! The append-only ledger: payments, credit (udhaar), balances, statements, reversals and undo.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::operations::{self, Booked, Origin, Started};
use super::products::move_stock;
use super::{
    Books, BooksError, CustomerId, EntryId, InvoiceId, OperationId, ProductId, validate_amount,
    validate_note,
};
use crate::money::{Paise, PaymentMode};
use crate::quantity::Quantity;
use crate::store::Tx;

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A bill on credit: the customer owes more.
    Sale,
    /// Money received: the customer owes less.
    Payment,
    /// Udhaar written without a bill: the customer owes more.
    Credit,
    /// Cancels an earlier entry with the opposite amount.
    Reversal,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Sale => "sale",
            EntryKind::Payment => "payment",
            EntryKind::Credit => "credit",
            EntryKind::Reversal => "reversal",
        }
    }

    fn parse(text: &str) -> EntryKind {
        match text {
            "sale" => EntryKind::Sale,
            "payment" => EntryKind::Payment,
            "credit" => EntryKind::Credit,
            _ => EntryKind::Reversal,
        }
    }
}

/// One ledger line. `amount > 0` means the customer owes more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    pub customer: CustomerId,
    pub operation: OperationId,
    pub kind: EntryKind,
    pub amount: Paise,
    pub mode: Option<PaymentMode>,
    pub source: String,
    pub source_ref: Option<String>,
    pub invoice: Option<InvoiceId>,
    pub reverses: Option<EntryId>,
    pub note: Option<String>,
    pub created_at: i64,
}

/// A statement line: the entry and the customer's balance right after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementLine {
    pub entry: Entry,
    pub balance_after: Paise,
}

/// One page of a statement, newest first; `next_before` continues with older entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementPage {
    pub lines: Vec<StatementLine>,
    pub next_before: Option<EntryId>,
}

/// Which entries a statement shows, by when they were booked (unix ms, UTC): `from` inclusive,
/// `until` exclusive; an open end is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementRange {
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// A payment or credit as booked, with the customer's new balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentBooked {
    pub entry: EntryId,
    pub customer: CustomerId,
    pub customer_name: String,
    pub amount: Paise,
    pub mode: Option<PaymentMode>,
    pub balance: Paise,
}

/// What an undo reversed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Undone {
    /// The kind of the operation that was undone: payment, credit, invoice or stock.
    pub kind: String,
    pub customer_name: Option<String>,
    pub amount: Option<Paise>,
    pub invoice_number: Option<i64>,
    pub product_name: Option<String>,
    pub balance: Option<Paise>,
}

const ENTRY_COLUMNS: &str = "id, customer_id, operation_id, kind, amount_paise, mode, source, source_ref, invoice_id, reverses_entry_id, note, created_at";

fn entry_from_row(row: &AnyRow) -> Result<Entry, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let mode: Option<String> = row.try_get("mode")?;
    Ok(Entry {
        id: EntryId(row.try_get("id")?),
        customer: CustomerId(row.try_get("customer_id")?),
        operation: OperationId(row.try_get("operation_id")?),
        kind: EntryKind::parse(&kind),
        amount: Paise::new(row.try_get("amount_paise")?),
        mode: mode.as_deref().and_then(PaymentMode::parse),
        source: row.try_get("source")?,
        source_ref: row.try_get("source_ref")?,
        invoice: row.try_get::<Option<i64>, _>("invoice_id")?.map(InvoiceId),
        reverses: row
            .try_get::<Option<i64>, _>("reverses_entry_id")?
            .map(EntryId),
        note: row.try_get("note")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A ledger entry to append.
pub(super) struct Posting<'a> {
    pub customer: CustomerId,
    pub operation: OperationId,
    pub kind: EntryKind,
    pub amount: Paise,
    pub mode: Option<PaymentMode>,
    pub origin: &'a Origin,
    pub invoice: Option<InvoiceId>,
    pub reverses: Option<EntryId>,
    pub note: Option<&'a str>,
}

/// Appends an entry and moves the cached balance in the same transaction; returns the entry id
/// and the new balance. The balance UPDATE comes first so the customer row is locked (PostgreSQL)
/// before anything else is written, and an unknown or foreign customer fails cleanly.
pub(super) async fn post(
    tx: &mut Tx,
    merchant: i64,
    posting: Posting<'_>,
    now: i64,
) -> Result<(EntryId, Paise), BooksError> {
    let balance: Option<i64> = sqlx::query_scalar(
        "UPDATE customers SET balance_paise = balance_paise + $1 WHERE merchant_id = $2 AND id = $3 RETURNING balance_paise",
    )
    .bind(posting.amount.as_i64())
    .bind(merchant)
    .bind(posting.customer.0)
    .fetch_optional(&mut **tx)
    .await?;
    let balance = balance.ok_or(BooksError::CustomerNotFound(posting.customer))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, amount_paise, mode, source, source_ref, \
         invoice_id, reverses_entry_id, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(merchant)
    .bind(posting.customer.0)
    .bind(posting.operation.0)
    .bind(posting.kind.as_str())
    .bind(posting.amount.as_i64())
    .bind(posting.mode.map(PaymentMode::as_str))
    .bind(posting.origin.source.as_str())
    .bind(&posting.origin.key)
    .bind(posting.invoice.map(|i| i.0))
    .bind(posting.reverses.map(|e| e.0))
    .bind(posting.note)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok((EntryId(id), Paise::new(balance)))
}

/// An operation's entries not reversed yet, found through `ledger_by_operation` (migration 0024).
fn unreversed_entries_of_operation() -> String {
    format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger_entries e WHERE merchant_id = $1 AND operation_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_entry_id = e.id) ORDER BY id"
    )
}

/// Reverses every not-yet-reversed entry of `operation`; returns the customer's last balance.
pub(super) async fn reverse_operation_entries(
    tx: &mut Tx,
    merchant: i64,
    operation: OperationId,
    reversing_op: OperationId,
    origin: &Origin,
    now: i64,
) -> Result<Option<(CustomerId, Paise, Paise)>, BooksError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(unreversed_entries_of_operation()))
        .bind(merchant)
        .bind(operation.0)
        .fetch_all(&mut **tx)
        .await?;
    let mut last = None;
    for row in &rows {
        let entry = entry_from_row(row)?;
        let amount = entry
            .amount
            .checked_neg()
            .ok_or(BooksError::InvalidAmount("cannot be reversed"))?;
        let posting = Posting {
            customer: entry.customer,
            operation: reversing_op,
            kind: EntryKind::Reversal,
            amount,
            mode: entry.mode,
            origin,
            invoice: entry.invoice,
            reverses: Some(entry.id),
            note: None,
        };
        let (_, balance) = post(tx, merchant, posting, now).await?;
        last = Some((entry.customer, entry.amount.abs(), balance));
    }
    Ok(last)
}

impl Books {
    /// Money received from a customer (a credit entry with its mode).
    pub async fn record_payment(
        &self,
        customer: CustomerId,
        amount: Paise,
        mode: Option<PaymentMode>,
        origin: &Origin,
    ) -> Result<Booked<PaymentBooked>, BooksError> {
        let amount = validate_amount(amount)?;
        let negative = amount
            .checked_neg()
            .ok_or(BooksError::InvalidAmount("too large"))?;
        self.book_entry(
            "payment",
            customer,
            EntryKind::Payment,
            negative,
            mode,
            None,
            origin,
        )
        .await
    }

    /// Udhaar: the customer takes goods or cash on credit without a bill (a debit entry).
    pub async fn add_credit(
        &self,
        customer: CustomerId,
        amount: Paise,
        note: Option<&str>,
        origin: &Origin,
    ) -> Result<Booked<PaymentBooked>, BooksError> {
        let amount = validate_amount(amount)?;
        let note = validate_note(note)?;
        self.book_entry(
            "credit",
            customer,
            EntryKind::Credit,
            amount,
            None,
            note.as_deref(),
            origin,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn book_entry(
        &self,
        operation_kind: &str,
        customer: CustomerId,
        kind: EntryKind,
        signed_amount: Paise,
        mode: Option<PaymentMode>,
        note: Option<&str>,
        origin: &Origin,
    ) -> Result<Booked<PaymentBooked>, BooksError> {
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let operation =
            match operations::start(&mut tx, self.mid(), operation_kind, origin, now).await? {
                Started::New(op) => op,
                Started::Replay(done) => return Ok(done),
            };
        let posting = Posting {
            customer,
            operation,
            kind,
            amount: signed_amount,
            mode,
            origin,
            invoice: None,
            reverses: None,
            note,
        };
        let (entry, balance) = post(&mut tx, self.mid(), posting, now).await?;
        let customer_name: String =
            sqlx::query_scalar("SELECT name FROM customers WHERE merchant_id = $1 AND id = $2")
                .bind(self.mid())
                .bind(customer.0)
                .fetch_one(&mut *tx)
                .await?;
        let booked = PaymentBooked {
            entry,
            customer,
            customer_name,
            amount: signed_amount.abs(),
            mode,
            balance,
        };
        let booked = operations::finish(&mut tx, self.mid(), operation, booked).await?;
        tx.commit().await?;
        Ok(booked)
    }

    /// What the customer owes now (negative: the shop owes them, e.g. an advance).
    pub async fn balance(&self, customer: CustomerId) -> Result<Paise, BooksError> {
        Ok(self.customer(customer).await?.balance)
    }

    /// The balance recomputed from the ledger itself, for audits and invariant checks.
    pub async fn ledger_balance(&self, customer: CustomerId) -> Result<Paise, BooksError> {
        self.customer(customer).await?;
        let sum: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount_paise), 0) AS BIGINT) FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2",
        )
        .bind(self.mid())
        .bind(customer.0)
        .fetch_one(self.db.pool())
        .await?;
        Ok(Paise::new(sum))
    }

    /// The largest single payment, udhaar or sale ever booked for the customer (reversals not
    /// counted); `None` when the customer has no entries yet.
    pub async fn largest_entry(&self, customer: CustomerId) -> Result<Option<Paise>, BooksError> {
        let largest: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(MAX(ABS(amount_paise)) AS BIGINT) FROM ledger_entries \
             WHERE merchant_id = $1 AND customer_id = $2 AND kind <> 'reversal'",
        )
        .bind(self.mid())
        .bind(customer.0)
        .fetch_one(self.db.pool())
        .await?;
        Ok(largest.map(Paise::new))
    }

    /// Sum of what all customers owe (advances not netted against dues).
    pub async fn total_dues(&self) -> Result<Paise, BooksError> {
        let sum: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(balance_paise), 0) AS BIGINT) FROM customers WHERE merchant_id = $1 AND balance_paise > 0",
        )
        .bind(self.mid())
        .fetch_one(self.db.pool())
        .await?;
        Ok(Paise::new(sum))
    }

    /// A customer's entries newest first with the running balance after each, `limit` per page,
    /// continuing before entry `before` when given.
    pub async fn statement(
        &self,
        customer: CustomerId,
        limit: i64,
        before: Option<EntryId>,
    ) -> Result<StatementPage, BooksError> {
        self.statement_in(customer, StatementRange::default(), limit, before)
            .await
    }

    /// The statement limited to entries booked in `range`; the running balance still counts
    /// every entry before it, so each line shows what the customer owed right after it.
    pub async fn statement_in(
        &self,
        customer: CustomerId,
        range: StatementRange,
        limit: i64,
        before: Option<EntryId>,
    ) -> Result<StatementPage, BooksError> {
        self.customer(customer).await?;
        let limit = limit.clamp(1, 500);
        // The page comes straight off the (merchant, customer, id) index; its running balances
        // are worked back from the customer's balance less what was booked after the page's
        // newest line. One statement reads both, so a booking landing meanwhile cannot skew it,
        // and the first page costs nothing however long the history (a window over the whole
        // history took 0.6 s for 100,000 entries).
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2 \
             AND id < $3 AND created_at >= $4 AND created_at < $5 ORDER BY id DESC LIMIT $6"
        )))
        .bind(self.mid())
        .bind(customer.0)
        .bind(before.map_or(i64::MAX, |b| b.0))
        .bind(range.from.unwrap_or(i64::MIN))
        .bind(range.until.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(self.db.pool())
        .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            entries.push(entry_from_row(row)?);
        }
        let mut lines = Vec::with_capacity(entries.len());
        if let Some(newest) = entries.first() {
            let after_newest: i64 = sqlx::query_scalar(
                "SELECT CAST(c.balance_paise - COALESCE((SELECT SUM(e.amount_paise) FROM ledger_entries e \
                 WHERE e.merchant_id = $1 AND e.customer_id = $2 AND e.id > $3), 0) AS BIGINT) \
                 FROM customers c WHERE c.merchant_id = $1 AND c.id = $2",
            )
            .bind(self.mid())
            .bind(customer.0)
            .bind(newest.id.0)
            .fetch_one(self.db.pool())
            .await?;
            // Walked down every entry the page spans, not only the page's own: a date filter
            // may leave some out, and they still moved the balance.
            let oldest = entries.last().map_or(newest.id.0, |e| e.id.0);
            let span: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT id, amount_paise FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2 \
                 AND id <= $3 AND id >= $4 ORDER BY id DESC",
            )
            .bind(self.mid())
            .bind(customer.0)
            .bind(newest.id.0)
            .bind(oldest)
            .fetch_all(self.db.pool())
            .await?;
            let mut balance_after = std::collections::HashMap::with_capacity(span.len());
            let mut balance = after_newest;
            for (id, amount) in span {
                balance_after.insert(id, balance);
                balance = balance.saturating_sub(amount);
            }
            for entry in entries {
                let after = balance_after.get(&entry.id.0).copied().unwrap_or(balance);
                lines.push(StatementLine {
                    entry,
                    balance_after: Paise::new(after),
                });
            }
        }
        let next_before = if lines.len() as i64 > limit {
            lines.truncate(limit as usize);
            lines.last().map(|l| l.entry.id)
        } else {
            None
        };
        Ok(StatementPage { lines, next_before })
    }

    /// The newest booking that can still be undone, if it happened at or after `since` (unix ms).
    pub async fn last_undoable(&self, since: i64) -> Result<Option<OperationId>, BooksError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM operations WHERE merchant_id = $1 AND undone_by IS NULL AND created_at >= $2 \
             AND kind IN ('payment', 'credit', 'invoice', 'stock') ORDER BY id DESC LIMIT 1",
        )
        .bind(self.mid())
        .bind(since)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(id.map(OperationId))
    }

    /// Undoes the newest booking of this merchant, whenever it was.
    pub async fn undo_last(&self, origin: &Origin) -> Result<Booked<Undone>, BooksError> {
        let target = self
            .last_undoable(i64::MIN)
            .await?
            .ok_or(BooksError::NothingToUndo)?;
        self.undo(target, origin).await
    }

    /// Undoes one booking with reversing entries (and stock movements); history is never edited.
    pub async fn undo(
        &self,
        target: OperationId,
        origin: &Origin,
    ) -> Result<Booked<Undone>, BooksError> {
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let operation = match operations::start(&mut tx, self.mid(), "undo", origin, now).await? {
            Started::New(op) => op,
            Started::Replay(done) => return Ok(done),
        };
        let claimed = sqlx::query(
            "UPDATE operations SET undone_by = $1 WHERE merchant_id = $2 AND id = $3 AND undone_by IS NULL \
             AND kind IN ('payment', 'credit', 'invoice', 'stock')",
        )
        .bind(operation.0)
        .bind(self.mid())
        .bind(target.0)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Err(BooksError::NothingToUndo);
        }
        let kind: String =
            sqlx::query_scalar("SELECT kind FROM operations WHERE merchant_id = $1 AND id = $2")
                .bind(self.mid())
                .bind(target.0)
                .fetch_one(&mut *tx)
                .await?;
        let mut undone = Undone {
            kind: kind.clone(),
            customer_name: None,
            amount: None,
            invoice_number: None,
            product_name: None,
            balance: None,
        };
        if kind == "invoice" {
            let invoice: i64 = sqlx::query_scalar(
                "SELECT id FROM invoices WHERE merchant_id = $1 AND operation_id = $2",
            )
            .bind(self.mid())
            .bind(target.0)
            .fetch_one(&mut *tx)
            .await?;
            let cancelled = self
                .cancel_invoice_in(&mut tx, InvoiceId(invoice), operation, origin, now)
                .await?;
            undone.customer_name = cancelled.customer_name;
            undone.amount = Some(cancelled.total);
            undone.invoice_number = Some(cancelled.number);
            undone.balance = cancelled.balance;
        } else if kind == "stock" {
            let moves = sqlx::query(
                "SELECT m.product_id, m.delta_milli, p.name FROM stock_movements m JOIN products p \
                 ON p.merchant_id = m.merchant_id AND p.id = m.product_id WHERE m.merchant_id = $1 AND m.operation_id = $2",
            )
            .bind(self.mid())
            .bind(target.0)
            .fetch_all(&mut *tx)
            .await?;
            for row in &moves {
                let delta = Quantity::from_milli(-row.try_get::<i64, _>("delta_milli")?);
                let product = ProductId(row.try_get("product_id")?);
                move_stock(
                    &mut tx,
                    self.mid(),
                    product,
                    operation.0,
                    delta,
                    "reversal",
                    now,
                )
                .await?;
                undone.product_name = Some(row.try_get("name")?);
            }
        } else if let Some((customer, amount, balance)) =
            reverse_operation_entries(&mut tx, self.mid(), target, operation, origin, now).await?
        {
            let name: String =
                sqlx::query_scalar("SELECT name FROM customers WHERE merchant_id = $1 AND id = $2")
                    .bind(self.mid())
                    .bind(customer.0)
                    .fetch_one(&mut *tx)
                    .await?;
            undone.customer_name = Some(name);
            undone.amount = Some(amount);
            undone.balance = Some(balance);
        }
        let booked = operations::finish(&mut tx, self.mid(), operation, undone).await?;
        tx.commit().await?;
        Ok(booked)
    }

    /// Every entry of this merchant for one customer, oldest first (for audits and tests).
    pub async fn entries(&self, customer: CustomerId) -> Result<Vec<Entry>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2 ORDER BY id"
        )))
        .bind(self.mid())
        .bind(customer.0)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An undo reads its operation's entries, not the shop's whole ledger.
    #[tokio::test]
    async fn an_operations_entries_are_found_by_the_operation() {
        let steps = crate::store::sqlite_plan(&unreversed_entries_of_operation()).await;
        assert!(steps[0].contains("ledger_by_operation"), "{steps:?}");
    }
}
