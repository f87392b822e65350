//! The books' invariants across every shop, verified from the stored rows (`execora check`).
//!
//! The schema refuses most broken states as they are written (composite foreign keys, append-only
//! triggers); this re-derives what it cannot, and what a database edited by hand (the `sqlite3`
//! shell runs with foreign keys off) may have lost: every cached balance is the sum of the
//! customer's ledger entries, every product's stock the sum of its movements, every reversal
//! undoes an entry of the same shop and customer by exactly its amount, and every reference
//! between rows stays inside one shop. Each check is one statement, so it reads one consistent
//! snapshot even while the service is writing.

use std::fmt;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{BooksError, CustomerId, EntryId, MerchantId, ProductId};
use crate::money::Paise;
use crate::quantity::Quantity;
use crate::store::Db;

/// One broken promise, named precisely enough to find the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `customers.balance_paise` is not the sum of the customer's ledger entries.
    BalanceDiffers {
        merchant: MerchantId,
        customer: CustomerId,
        cached: Paise,
        ledger: Paise,
    },
    /// `products.stock_milli` is not the sum of the product's stock movements.
    StockDiffers {
        merchant: MerchantId,
        product: ProductId,
        cached: Quantity,
        movements: Quantity,
    },
    /// A reversal names an entry that does not exist.
    ReversalOfMissingEntry {
        merchant: MerchantId,
        entry: EntryId,
        reverses: EntryId,
    },
    /// A reversal names another shop's entry.
    ReversalAcrossShops {
        merchant: MerchantId,
        entry: EntryId,
        reverses: EntryId,
        other_merchant: MerchantId,
    },
    /// A reversal is booked on another customer than the entry it reverses.
    ReversalOfAnotherCustomer {
        merchant: MerchantId,
        entry: EntryId,
        reverses: EntryId,
        expected: CustomerId,
        found: CustomerId,
    },
    /// A reversal does not undo exactly the amount of the entry it reverses.
    ReversalAmountDiffers {
        merchant: MerchantId,
        entry: EntryId,
        reverses: EntryId,
        expected: Paise,
        found: Paise,
    },
    /// An entry of kind `reversal` names no entry it reverses.
    ReversalWithoutTarget {
        merchant: MerchantId,
        entry: EntryId,
    },
    /// A row points at a row that is missing or belongs to another shop (or to none).
    ForeignReference {
        table: &'static str,
        column: &'static str,
        /// The referring row's key (its id; the phone for a signup).
        row: String,
        merchant: Option<MerchantId>,
        target: i64,
        /// `None` when the target row is missing.
        target_found: Option<TargetShop>,
    },
}

/// Whose row a reference landed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetShop {
    Shop(MerchantId),
    NoShop,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BalanceDiffers {
                merchant,
                customer,
                cached,
                ledger,
            } => write!(
                f,
                "shop {merchant}: customer {customer}: cached balance {cached} ({} paise), ledger entries sum to {ledger} ({} paise)",
                cached.as_i64(),
                ledger.as_i64()
            ),
            Problem::StockDiffers {
                merchant,
                product,
                cached,
                movements,
            } => write!(
                f,
                "shop {merchant}: product {product}: stock {cached}, stock movements sum to {movements}"
            ),
            Problem::ReversalOfMissingEntry {
                merchant,
                entry,
                reverses,
            } => write!(
                f,
                "shop {merchant}: entry {entry} reverses entry {reverses}, which does not exist"
            ),
            Problem::ReversalAcrossShops {
                merchant,
                entry,
                reverses,
                other_merchant,
            } => write!(
                f,
                "shop {merchant}: entry {entry} reverses entry {reverses} of shop {other_merchant}"
            ),
            Problem::ReversalOfAnotherCustomer {
                merchant,
                entry,
                reverses,
                expected,
                found,
            } => write!(
                f,
                "shop {merchant}: entry {entry} reverses entry {reverses}: expected customer {expected}, found customer {found}"
            ),
            Problem::ReversalAmountDiffers {
                merchant,
                entry,
                reverses,
                expected,
                found,
            } => write!(
                f,
                "shop {merchant}: entry {entry} reverses entry {reverses}: expected amount {expected} ({} paise), found {found} ({} paise)",
                expected.as_i64(),
                found.as_i64()
            ),
            Problem::ReversalWithoutTarget { merchant, entry } => write!(
                f,
                "shop {merchant}: entry {entry} is a reversal of no entry"
            ),
            Problem::ForeignReference {
                table,
                column,
                row,
                merchant,
                target,
                target_found,
            } => {
                match merchant {
                    Some(merchant) => write!(f, "shop {merchant}: ")?,
                    None => write!(f, "no shop: ")?,
                }
                write!(f, "{table} {row}: {column} = {target} ")?;
                match target_found {
                    None => write!(f, "does not exist"),
                    Some(TargetShop::Shop(other)) => write!(f, "belongs to shop {other}"),
                    Some(TargetShop::NoShop) => write!(f, "belongs to no shop"),
                }
            }
        }
    }
}

/// What was checked, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub shops: i64,
    pub customers: i64,
    pub entries: i64,
    pub products: i64,
    pub movements: i64,
    pub reversals: i64,
    /// How many kinds of reference between rows were checked (table and column).
    pub references: usize,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for CheckReport {
    /// The one-line summary: "ok: …" or how many problems were found.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_ok() {
            "ok".to_string()
        } else {
            format!("{} problem(s)", self.problems.len())
        };
        write!(
            f,
            "{verdict}: {} shops, {} customers (balances against {} ledger entries), {} products \
             (stock against {} movements), {} reversals, {} kinds of reference",
            self.shops,
            self.customers,
            self.entries,
            self.products,
            self.movements,
            self.reversals,
            self.references
        )
    }
}

/// How a reference is scoped.
#[derive(Clone, Copy)]
enum Scope {
    /// Both rows belong to a shop, the same one.
    SameShop,
    /// A message: a shop's reply answers a message of the same shop; a shop-less one (to a
    /// stranger) only has to answer an existing message.
    SameShopUnlessShopless,
    /// A signup's opening message is the stranger's (no shop yet) or the opened shop's.
    ShoplessOrSameShop,
}

/// A reference between rows: `table.column` → `target.id`, the referring row named by `key`.
struct Reference {
    table: &'static str,
    column: &'static str,
    key: &'static str,
    target: &'static str,
    scope: Scope,
}

const fn same_shop(table: &'static str, column: &'static str, target: &'static str) -> Reference {
    Reference {
        table,
        column,
        key: "id",
        target,
        scope: Scope::SameShop,
    }
}

/// Every reference between rows that carry a shop. Reversals are checked on their own, more
/// closely (same customer, opposite amount).
const REFERENCES: &[Reference] = &[
    same_shop("invoices", "customer_id", "customers"),
    same_shop("invoices", "operation_id", "operations"),
    same_shop("invoice_items", "invoice_id", "invoices"),
    same_shop("invoice_items", "product_id", "products"),
    same_shop("ledger_entries", "customer_id", "customers"),
    same_shop("ledger_entries", "operation_id", "operations"),
    same_shop("ledger_entries", "invoice_id", "invoices"),
    same_shop("stock_movements", "product_id", "products"),
    same_shop("stock_movements", "operation_id", "operations"),
    same_shop("reminders", "customer_id", "customers"),
    same_shop("reminders", "operation_id", "operations"),
    same_shop("reminders", "message_id", "messages"),
    same_shop("reminder_events", "reminder_id", "reminders"),
    same_shop("reminder_events", "message_id", "messages"),
    same_shop("reminders", "series_id", "reminder_series"),
    same_shop("reminder_series", "customer_id", "customers"),
    same_shop("reminder_series", "operation_id", "operations"),
    same_shop("pay_links", "customer_id", "customers"),
    same_shop("deletion_codes", "customer_id", "customers"),
    same_shop("customer_deletions", "customer_id", "customers"),
    same_shop("operations", "undone_by", "operations"),
    Reference {
        table: "recordings",
        column: "message_id",
        key: "message_id",
        target: "messages",
        scope: Scope::SameShop,
    },
    Reference {
        table: "messages",
        column: "in_reply_to",
        key: "id",
        target: "messages",
        scope: Scope::SameShopUnlessShopless,
    },
    Reference {
        table: "signups",
        column: "message_id",
        key: "phone",
        target: "messages",
        scope: Scope::ShoplessOrSameShop,
    },
];

impl Reference {
    /// Rows whose reference is broken. Identifiers come from the constant table above only.
    fn broken_rows_sql(&self) -> String {
        let Reference {
            table,
            column,
            key,
            target,
            scope,
        } = self;
        let foreign = "(t.merchant_id IS NULL OR t.merchant_id <> r.merchant_id)";
        let broken = match scope {
            Scope::SameShop => format!("t.id IS NULL OR {foreign}"),
            Scope::SameShopUnlessShopless => {
                format!("t.id IS NULL OR (r.merchant_id IS NOT NULL AND {foreign})")
            }
            Scope::ShoplessOrSameShop => "t.id IS NULL OR (t.merchant_id IS NOT NULL AND \
                 (r.merchant_id IS NULL OR t.merchant_id <> r.merchant_id))"
                .to_string(),
        };
        format!(
            "SELECT CAST(r.{key} AS TEXT) AS row_key, r.merchant_id AS merchant, r.{column} AS target, \
             t.id AS found, t.merchant_id AS target_merchant \
             FROM {table} r LEFT JOIN {target} t ON t.id = r.{column} \
             WHERE r.{column} IS NOT NULL AND ({broken}) ORDER BY r.merchant_id, r.{key}"
        )
    }

    fn problem(&self, row: &AnyRow) -> Result<Problem, sqlx::Error> {
        let found: Option<i64> = row.try_get("found")?;
        let target_merchant: Option<i64> = row.try_get("target_merchant")?;
        Ok(Problem::ForeignReference {
            table: self.table,
            column: self.column,
            row: row.try_get("row_key")?,
            merchant: row.try_get::<Option<i64>, _>("merchant")?.map(MerchantId),
            target: row.try_get("target")?,
            target_found: found.map(|_| match target_merchant {
                Some(merchant) => TargetShop::Shop(MerchantId(merchant)),
                None => TargetShop::NoShop,
            }),
        })
    }
}

/// Checks every shop's books; problems are in the report, `Err` only when the database failed.
pub async fn check(db: &Db) -> Result<CheckReport, BooksError> {
    let pool = db.pool();
    let counts = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM merchants) AS shops, (SELECT COUNT(*) FROM customers) AS customers, \
         (SELECT COUNT(*) FROM ledger_entries) AS entries, (SELECT COUNT(*) FROM products) AS products, \
         (SELECT COUNT(*) FROM stock_movements) AS movements, \
         (SELECT COUNT(*) FROM ledger_entries WHERE reverses_entry_id IS NOT NULL) AS reversals",
    )
    .fetch_one(pool)
    .await?;
    let mut problems = Vec::new();

    let balances = sqlx::query(
        "SELECT c.merchant_id, c.id, c.balance_paise, CAST(COALESCE(SUM(e.amount_paise), 0) AS BIGINT) AS ledger \
         FROM customers c LEFT JOIN ledger_entries e ON e.merchant_id = c.merchant_id AND e.customer_id = c.id \
         GROUP BY c.merchant_id, c.id, c.balance_paise \
         HAVING c.balance_paise <> COALESCE(SUM(e.amount_paise), 0) ORDER BY c.merchant_id, c.id",
    )
    .fetch_all(pool)
    .await?;
    for row in &balances {
        problems.push(Problem::BalanceDiffers {
            merchant: MerchantId(row.try_get("merchant_id")?),
            customer: CustomerId(row.try_get("id")?),
            cached: Paise::new(row.try_get("balance_paise")?),
            ledger: Paise::new(row.try_get("ledger")?),
        });
    }

    let stock = sqlx::query(
        "SELECT p.merchant_id, p.id, p.stock_milli, CAST(COALESCE(SUM(m.delta_milli), 0) AS BIGINT) AS movements \
         FROM products p LEFT JOIN stock_movements m ON m.merchant_id = p.merchant_id AND m.product_id = p.id \
         GROUP BY p.merchant_id, p.id, p.stock_milli \
         HAVING p.stock_milli <> COALESCE(SUM(m.delta_milli), 0) ORDER BY p.merchant_id, p.id",
    )
    .fetch_all(pool)
    .await?;
    for row in &stock {
        problems.push(Problem::StockDiffers {
            merchant: MerchantId(row.try_get("merchant_id")?),
            product: ProductId(row.try_get("id")?),
            cached: Quantity::from_milli(row.try_get("stock_milli")?),
            movements: Quantity::from_milli(row.try_get("movements")?),
        });
    }

    let reversals = sqlx::query(
        "SELECT r.merchant_id, r.id, r.customer_id, r.amount_paise, r.reverses_entry_id, \
         o.id AS found, o.merchant_id AS other_merchant, o.customer_id AS other_customer, o.amount_paise AS other_amount \
         FROM ledger_entries r LEFT JOIN ledger_entries o ON o.id = r.reverses_entry_id \
         WHERE (r.kind = 'reversal' AND r.reverses_entry_id IS NULL) OR (r.reverses_entry_id IS NOT NULL AND \
         (o.id IS NULL OR o.merchant_id <> r.merchant_id OR o.customer_id <> r.customer_id OR o.amount_paise <> -r.amount_paise)) \
         ORDER BY r.merchant_id, r.id",
    )
    .fetch_all(pool)
    .await?;
    for row in &reversals {
        problems.push(reversal_problem(row)?);
    }

    for reference in REFERENCES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(reference.broken_rows_sql()))
            .fetch_all(pool)
            .await?;
        for row in &rows {
            problems.push(reference.problem(row)?);
        }
    }

    Ok(CheckReport {
        shops: counts.try_get("shops")?,
        customers: counts.try_get("customers")?,
        entries: counts.try_get("entries")?,
        products: counts.try_get("products")?,
        movements: counts.try_get("movements")?,
        reversals: counts.try_get("reversals")?,
        // The reversal check covers ledger_entries.reverses_entry_id.
        references: REFERENCES.len() + 1,
        problems,
    })
}

fn reversal_problem(row: &AnyRow) -> Result<Problem, sqlx::Error> {
    let merchant = MerchantId(row.try_get("merchant_id")?);
    let entry = EntryId(row.try_get("id")?);
    let Some(reverses) = row
        .try_get::<Option<i64>, _>("reverses_entry_id")?
        .map(EntryId)
    else {
        return Ok(Problem::ReversalWithoutTarget { merchant, entry });
    };
    if row.try_get::<Option<i64>, _>("found")?.is_none() {
        return Ok(Problem::ReversalOfMissingEntry {
            merchant,
            entry,
            reverses,
        });
    }
    let other_merchant = MerchantId(row.try_get("other_merchant")?);
    if other_merchant != merchant {
        return Ok(Problem::ReversalAcrossShops {
            merchant,
            entry,
            reverses,
            other_merchant,
        });
    }
    let expected = CustomerId(row.try_get("other_customer")?);
    let found = CustomerId(row.try_get("customer_id")?);
    if expected != found {
        return Ok(Problem::ReversalOfAnotherCustomer {
            merchant,
            entry,
            reverses,
            expected,
            found,
        });
    }
    let reversed: i64 = row.try_get("other_amount")?;
    Ok(Problem::ReversalAmountDiffers {
        merchant,
        entry,
        reverses,
        expected: Paise::new(reversed.saturating_neg()),
        found: Paise::new(row.try_get("amount_paise")?),
    })
}
