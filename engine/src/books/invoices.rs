//! Bills: creating one (priced from the catalog or given prices, stock moved, debit entry) and cancelling it.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::ledger::{EntryKind, Posting, post, reverse_operation_entries};
use super::operations::{self, Booked, Origin, Started};
use super::products::move_stock;
use super::{
    Books, BooksError, CustomerId, InvoiceId, OperationId, ProductId, Role, validate_name,
};
use crate::messages::MessageId;
use crate::money::{MAX_BOOKING, Paise};
use crate::quantity::{Quantity, Unit};
use crate::store::Tx;

/// How one line of a bill is priced.
#[derive(Debug, Clone, PartialEq)]
pub enum LinePricing {
    /// A catalog product at its catalog price; stock goes down.
    Catalog(ProductId),
    /// A catalog product at a price given for this bill (per product unit); stock goes down.
    CatalogAt(ProductId, Paise),
    /// Something not in the catalog, at a price per unit given now; no stock is tracked.
    Custom { name: String, unit_price: Paise },
}

/// One line as asked for: what, how much, and in which unit (defaults to the product's unit).
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceLineRequest {
    pub pricing: LinePricing,
    pub qty: Quantity,
    pub unit: Option<Unit>,
}

/// One line as billed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub product: Option<ProductId>,
    pub name: String,
    pub qty: Quantity,
    pub unit: Unit,
    pub unit_price: Paise,
    pub total: Paise,
}

/// A bill as issued, with the customer's new balance when it went on their account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedInvoice {
    pub id: InvoiceId,
    pub number: i64,
    pub customer: Option<CustomerId>,
    pub customer_name: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub total: Paise,
    pub balance: Option<Paise>,
    /// Products this bill took to or under their low-stock level.
    pub low_stock: Vec<String>,
}

/// A cancelled bill and the customer's balance after its reversal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelledInvoice {
    pub id: InvoiceId,
    pub number: i64,
    pub customer_name: Option<String>,
    pub total: Paise,
    pub balance: Option<Paise>,
}

/// Where a bill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Issued,
    Cancelled,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<InvoiceStatus> {
        [InvoiceStatus::Issued, InvoiceStatus::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Why staff may not cancel a bill (the owner always may).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefused {
    /// Someone else issued it.
    OthersBill { number: i64 },
    /// It is older than the shop's cancel window for staff.
    OldBill { number: i64, window_minutes: i64 },
}

/// The inbound message a booking came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceMessage {
    pub id: MessageId,
    /// `text`, `audio`, `interactive`…, as stored.
    pub kind: String,
    pub body: String,
    /// What a voice note was heard as.
    pub transcript: Option<String>,
    pub created_at: i64,
}

/// A bill in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub number: i64,
    pub customer: Option<CustomerId>,
    pub customer_name: Option<String>,
    pub total: Paise,
    pub cancelled: bool,
    pub created_at: i64,
}

const SUMMARY_SELECT: &str = "SELECT i.id, i.number, i.customer_id, c.name AS customer_name, i.total_paise, i.status, i.created_at \
     FROM invoices i LEFT JOIN customers c ON c.merchant_id = i.merchant_id AND c.id = i.customer_id";

fn summary_from_row(row: &AnyRow) -> Result<InvoiceSummary, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(InvoiceSummary {
        id: InvoiceId(row.try_get("id")?),
        number: row.try_get("number")?,
        customer: row
            .try_get::<Option<i64>, _>("customer_id")?
            .map(CustomerId),
        customer_name: row.try_get("customer_name")?,
        total: Paise::new(row.try_get("total_paise")?),
        cancelled: status == "cancelled",
        created_at: row.try_get("created_at")?,
    })
}

/// A priced line, plus the stock it moves (in the product's unit).
struct PricedLine {
    line: InvoiceLine,
    stock_delta: Option<(ProductId, Quantity)>,
}

impl Books {
    async fn price_line(&self, request: &InvoiceLineRequest) -> Result<PricedLine, BooksError> {
        if !request.qty.is_positive() {
            return Err(BooksError::InvalidQuantity("must be more than zero"));
        }
        let (product, given_price) = match &request.pricing {
            LinePricing::Catalog(id) => (*id, None),
            LinePricing::CatalogAt(id, price) => (*id, Some(*price)),
            LinePricing::Custom { name, unit_price } => {
                let name = validate_name(name)?;
                if unit_price.is_negative() || *unit_price > MAX_BOOKING {
                    return Err(BooksError::InvalidAmount(
                        "a price must be between zero and ₹10 crore",
                    ));
                }
                let unit = request.unit.unwrap_or(Unit::Piece);
                let total = unit_price
                    .times_milli(request.qty.milli())
                    .ok_or(BooksError::InvalidAmount("too large"))?;
                let line = InvoiceLine {
                    product: None,
                    name,
                    qty: request.qty,
                    unit,
                    unit_price: *unit_price,
                    total,
                };
                return Ok(PricedLine {
                    line,
                    stock_delta: None,
                });
            }
        };
        let item = self.product(product).await?;
        let qty = match request.unit {
            Some(unit) => {
                unit.convert(request.qty, item.unit)
                    .ok_or(BooksError::InvalidQuantity(
                        "that unit does not fit how this product is sold",
                    ))?
            }
            None => request.qty,
        };
        if !qty.is_positive() {
            return Err(BooksError::InvalidQuantity(
                "too small for this product's unit",
            ));
        }
        let unit_price = given_price.unwrap_or(item.price);
        if unit_price.is_negative() || unit_price > MAX_BOOKING {
            return Err(BooksError::InvalidAmount(
                "a price must be between zero and ₹10 crore",
            ));
        }
        let total = unit_price
            .times_milli(qty.milli())
            .ok_or(BooksError::InvalidAmount("too large"))?;
        let negative_qty = Quantity::from_milli(-qty.milli());
        Ok(PricedLine {
            line: InvoiceLine {
                product: Some(product),
                name: item.name,
                qty,
                unit: item.unit,
                unit_price,
                total,
            },
            stock_delta: Some((product, negative_qty)),
        })
    }

    /// Issues a bill in one transaction: the next invoice number, its lines, stock down for
    /// catalog items, and a debit on the customer's account when there is a customer
    /// (without one it is a cash sale over the counter).
    pub async fn create_invoice(
        &self,
        customer: Option<CustomerId>,
        lines: &[InvoiceLineRequest],
        origin: &Origin,
    ) -> Result<Booked<IssuedInvoice>, BooksError> {
        if lines.is_empty() {
            return Err(BooksError::EmptyInvoice);
        }
        let mut priced = Vec::with_capacity(lines.len());
        for request in lines {
            priced.push(self.price_line(request).await?);
        }
        let mut total = Paise::ZERO;
        for p in &priced {
            total = total
                .checked_add(p.line.total)
                .ok_or(BooksError::InvalidAmount("too large"))?;
        }
        if total > MAX_BOOKING {
            return Err(BooksError::InvalidAmount(
                "more than ₹10 crore in one booking",
            ));
        }
        let customer_name = match customer {
            Some(id) => Some(self.customer(id).await?.name),
            None => None,
        };

        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let operation = match operations::start(&mut tx, self.mid(), "invoice", origin, now).await?
        {
            Started::New(op) => op,
            Started::Replay(done) => return Ok(done),
        };
        let next: i64 = sqlx::query_scalar(
            "UPDATE merchants SET next_invoice_number = next_invoice_number + 1 WHERE id = $1 RETURNING next_invoice_number",
        )
        .bind(self.mid())
        .fetch_one(&mut *tx)
        .await?;
        let number = next - 1;
        let invoice: i64 = sqlx::query_scalar(
            "INSERT INTO invoices (merchant_id, number, customer_id, operation_id, status, total_paise, created_at) \
             VALUES ($1, $2, $3, $4, 'issued', $5, $6) RETURNING id",
        )
        .bind(self.mid())
        .bind(number)
        .bind(customer.map(|c| c.0))
        .bind(operation.0)
        .bind(total.as_i64())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for p in &priced {
            let line = &p.line;
            sqlx::query(
                "INSERT INTO invoice_items (merchant_id, invoice_id, product_id, product_name, qty_milli, unit, \
                 unit_price_paise, line_total_paise) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(self.mid())
            .bind(invoice)
            .bind(line.product.map(|p| p.0))
            .bind(&line.name)
            .bind(line.qty.milli())
            .bind(line.unit.as_str())
            .bind(line.unit_price.as_i64())
            .bind(line.total.as_i64())
            .execute(&mut *tx)
            .await?;
        }
        // Products are locked in id order so concurrent bills cannot deadlock on PostgreSQL.
        let mut moves: Vec<(ProductId, Quantity)> =
            priced.iter().filter_map(|p| p.stock_delta).collect();
        moves.sort_by_key(|(id, _)| *id);
        let mut low_stock = Vec::new();
        for (product, delta) in moves {
            move_stock(
                &mut tx,
                self.mid(),
                product,
                operation.0,
                delta,
                "sale",
                now,
            )
            .await?;
            let low: Option<String> = sqlx::query_scalar(
                "SELECT name FROM products WHERE merchant_id = $1 AND id = $2 \
                 AND low_stock_milli IS NOT NULL AND stock_milli <= low_stock_milli",
            )
            .bind(self.mid())
            .bind(product.0)
            .fetch_optional(&mut *tx)
            .await?;
            low_stock.extend(low.filter(|name| !low_stock.contains(name)));
        }
        let balance = match customer {
            Some(customer) if total.is_positive() => {
                let posting = Posting {
                    customer,
                    operation,
                    kind: EntryKind::Sale,
                    amount: total,
                    mode: None,
                    origin,
                    invoice: Some(InvoiceId(invoice)),
                    reverses: None,
                    note: None,
                };
                Some(post(&mut tx, self.mid(), posting, now).await?.1)
            }
            Some(customer) => Some(self.customer(customer).await?.balance),
            None => None,
        };
        let issued = IssuedInvoice {
            id: InvoiceId(invoice),
            number,
            customer,
            customer_name,
            lines: priced.into_iter().map(|p| p.line).collect(),
            total,
            balance,
            low_stock,
        };
        let booked = operations::finish(&mut tx, self.mid(), operation, issued).await?;
        tx.commit().await?;
        Ok(booked)
    }

    /// Cancels a bill: reversing entries for its debit, stock restored, status `cancelled`.
    pub async fn cancel_invoice(
        &self,
        invoice: InvoiceId,
        origin: &Origin,
    ) -> Result<Booked<CancelledInvoice>, BooksError> {
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let operation =
            match operations::start(&mut tx, self.mid(), "cancel_invoice", origin, now).await? {
                Started::New(op) => op,
                Started::Replay(done) => return Ok(done),
            };
        let cancelled = self
            .cancel_invoice_in(&mut tx, invoice, operation, origin, now)
            .await?;
        sqlx::query("UPDATE operations SET undone_by = $1 WHERE merchant_id = $2 AND undone_by IS NULL AND id = (SELECT operation_id FROM invoices WHERE merchant_id = $2 AND id = $3)")
            .bind(operation.0)
            .bind(self.mid())
            .bind(invoice.0)
            .execute(&mut *tx)
            .await?;
        let booked = operations::finish(&mut tx, self.mid(), operation, cancelled).await?;
        tx.commit().await?;
        Ok(booked)
    }

    pub(super) async fn cancel_invoice_in(
        &self,
        tx: &mut Tx,
        invoice: InvoiceId,
        operation: OperationId,
        origin: &Origin,
        now: i64,
    ) -> Result<CancelledInvoice, BooksError> {
        let row = sqlx::query(
            "SELECT i.number, i.status, i.total_paise, i.operation_id, c.name AS customer_name FROM invoices i \
             LEFT JOIN customers c ON c.merchant_id = i.merchant_id AND c.id = i.customer_id WHERE i.merchant_id = $1 AND i.id = $2",
        )
        .bind(self.mid())
        .bind(invoice.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(BooksError::InvoiceNotFound(invoice))?;
        let number: i64 = row.try_get("number")?;
        let status: String = row.try_get("status")?;
        if status == "cancelled" {
            return Err(BooksError::InvoiceAlreadyCancelled(number));
        }
        let issued_by = OperationId(row.try_get("operation_id")?);
        sqlx::query("UPDATE invoices SET status = 'cancelled', cancelled_at = $1 WHERE merchant_id = $2 AND id = $3 AND status = 'issued'")
            .bind(now)
            .bind(self.mid())
            .bind(invoice.0)
            .execute(&mut **tx)
            .await?;
        let sold = sqlx::query(
            "SELECT product_id, delta_milli FROM stock_movements WHERE merchant_id = $1 AND operation_id = $2 ORDER BY product_id",
        )
        .bind(self.mid())
        .bind(issued_by.0)
        .fetch_all(&mut **tx)
        .await?;
        for movement in &sold {
            let product = ProductId(movement.try_get("product_id")?);
            let restored = Quantity::from_milli(-movement.try_get::<i64, _>("delta_milli")?);
            move_stock(
                tx,
                self.mid(),
                product,
                operation.0,
                restored,
                "reversal",
                now,
            )
            .await?;
        }
        let reversed =
            reverse_operation_entries(tx, self.mid(), issued_by, operation, origin, now).await?;
        Ok(CancelledInvoice {
            id: invoice,
            number,
            customer_name: row.try_get("customer_name")?,
            total: Paise::new(row.try_get("total_paise")?),
            balance: reversed.map(|(_, _, balance)| balance),
        })
    }

    /// What a bill of these lines would total, priced as `create_invoice` would price them,
    /// without issuing it (the dialog asks before a large bill).
    pub async fn quote(&self, lines: &[InvoiceLineRequest]) -> Result<Paise, BooksError> {
        let mut total = Paise::ZERO;
        for request in lines {
            let priced = self.price_line(request).await?;
            total = total
                .checked_add(priced.line.total)
                .ok_or(BooksError::InvalidAmount("too large"))?;
        }
        Ok(total)
    }

    /// Who issued the bill (the sender's phone as recorded on its booking), if anyone was named.
    pub async fn invoice_issued_by(&self, id: InvoiceId) -> Result<Option<String>, BooksError> {
        let actor: Option<Option<String>> = sqlx::query_scalar(
            "SELECT o.actor FROM invoices i JOIN operations o ON o.merchant_id = i.merchant_id AND o.id = i.operation_id \
             WHERE i.merchant_id = $1 AND i.id = $2",
        )
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(self.db.pool())
        .await?;
        actor.ok_or(BooksError::InvoiceNotFound(id))
    }

    /// Bills newest first, for one customer or all.
    pub async fn invoices(
        &self,
        customer: Option<CustomerId>,
        limit: i64,
    ) -> Result<Vec<InvoiceSummary>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY_SELECT} WHERE i.merchant_id = $1 AND ($2 = 0 OR i.customer_id = $3) ORDER BY i.id DESC LIMIT $4"
        )))
        .bind(self.mid())
        .bind(i64::from(customer.is_some()))
        .bind(customer.map_or(0, |c| c.0))
        .bind(limit.clamp(1, 500))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Bills newest first, for one customer or all, only issued or only cancelled ones when
    /// asked, at most `limit`, continuing with bills older than `before`.
    pub async fn invoices_in(
        &self,
        customer: Option<CustomerId>,
        status: Option<InvoiceStatus>,
        limit: i64,
        before: Option<InvoiceId>,
    ) -> Result<Vec<InvoiceSummary>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY_SELECT} WHERE i.merchant_id = $1 AND ($2 = 0 OR i.customer_id = $3) \
             AND ($4 = '' OR i.status = $4) AND i.id < $5 ORDER BY i.id DESC LIMIT $6"
        )))
        .bind(self.mid())
        .bind(i64::from(customer.is_some()))
        .bind(customer.map_or(0, |c| c.0))
        .bind(status.map_or("", InvoiceStatus::as_str))
        .bind(before.map_or(i64::MAX, |b| b.0))
        .bind(limit.clamp(1, 500))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Whether `actor` with `role` may cancel this bill: the owner always; staff only a bill they
    /// issued themselves, inside the shop's cancel window. `None` when they may.
    pub async fn cancel_refusal(
        &self,
        invoice: &InvoiceSummary,
        role: Role,
        actor: &str,
    ) -> Result<Option<CancelRefused>, BooksError> {
        if role == Role::Owner {
            return Ok(None);
        }
        let issuer = self.invoice_issued_by(invoice.id).await?;
        if issuer.as_deref() != Some(actor) {
            return Ok(Some(CancelRefused::OthersBill {
                number: invoice.number,
            }));
        }
        let window = self.settings().await?.cancel_window_minutes;
        if self.now_ms() - invoice.created_at > window.saturating_mul(60_000) {
            return Ok(Some(CancelRefused::OldBill {
                number: invoice.number,
                window_minutes: window,
            }));
        }
        Ok(None)
    }

    /// The message a bill was booked from (a WhatsApp text or voice note of this shop), when
    /// it came from one: its booking's key is that message's id and the command's index.
    pub async fn invoice_source(&self, id: InvoiceId) -> Result<Option<SourceMessage>, BooksError> {
        let key: Option<Option<String>> = sqlx::query_scalar(
            "SELECT o.idempotency_key FROM invoices i JOIN operations o ON o.merchant_id = i.merchant_id AND o.id = i.operation_id \
             WHERE i.merchant_id = $1 AND i.id = $2",
        )
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(key) = key.ok_or(BooksError::InvoiceNotFound(id))? else {
            return Ok(None);
        };
        let message = key.rsplit_once('#').map_or(key.as_str(), |(id, _)| id);
        let row = sqlx::query(
            "SELECT id, kind, body, transcript, created_at FROM messages \
             WHERE merchant_id = $1 AND direction = 'in' AND wa_message_id = $2",
        )
        .bind(self.mid())
        .bind(message)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SourceMessage {
            id: MessageId(row.try_get("id")?),
            kind: row.try_get("kind")?,
            body: row.try_get("body")?,
            transcript: row.try_get("transcript")?,
            created_at: row.try_get("created_at")?,
        }))
    }

    /// The newest bill that is not cancelled, for one customer or any.
    pub async fn last_open_invoice(
        &self,
        customer: Option<CustomerId>,
    ) -> Result<Option<InvoiceSummary>, BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY_SELECT} WHERE i.merchant_id = $1 AND i.status = 'issued' AND ($2 = 0 OR i.customer_id = $3) \
             ORDER BY i.id DESC LIMIT 1"
        )))
        .bind(self.mid())
        .bind(i64::from(customer.is_some()))
        .bind(customer.map_or(0, |c| c.0))
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.as_ref().map(summary_from_row).transpose()?)
    }

    /// One bill with its lines.
    pub async fn invoice(
        &self,
        id: InvoiceId,
    ) -> Result<(InvoiceSummary, Vec<InvoiceLine>), BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY_SELECT} WHERE i.merchant_id = $1 AND i.id = $2"
        )))
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(BooksError::InvoiceNotFound(id))?;
        let items = sqlx::query(
            "SELECT product_id, product_name, qty_milli, unit, unit_price_paise, line_total_paise FROM invoice_items \
             WHERE merchant_id = $1 AND invoice_id = $2 ORDER BY id",
        )
        .bind(self.mid())
        .bind(id.0)
        .fetch_all(self.db.pool())
        .await?;
        let mut lines = Vec::with_capacity(items.len());
        for item in &items {
            let unit: String = item.try_get("unit")?;
            lines.push(InvoiceLine {
                product: item.try_get::<Option<i64>, _>("product_id")?.map(ProductId),
                name: item.try_get("product_name")?,
                qty: Quantity::from_milli(item.try_get("qty_milli")?),
                unit: Unit::parse(&unit).unwrap_or(Unit::Piece),
                unit_price: Paise::new(item.try_get("unit_price_paise")?),
                total: Paise::new(item.try_get("line_total_paise")?),
            });
        }
        Ok((summary_from_row(&row)?, lines))
    }
}
