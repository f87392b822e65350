//! `books::check` finds nothing wrong in books kept by the engine, and names each broken promise.

use execora_engine::books::check::{Problem, TargetShop, check};
use execora_engine::books::{
    EntryId, InvoiceLineRequest, LinePricing, MerchantId, Origin, ProductId, Source,
};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::{Backend, Db};
use sqlx::Executor;

use crate::support::{Shop, customer, product, shop};

fn cli() -> Origin {
    Origin::new(Source::Cli)
}

/// A shop with a customer who bought, paid, had a bill cancelled and a payment undone.
async fn busy_shop(db: &Db, name: &str) -> (Shop, execora_engine::books::CustomerId, ProductId) {
    let shop = shop(db, name).await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::from_milli(2000),
        unit: None,
    };
    let bill = shop
        .books
        .create_invoice(Some(rahul.id), std::slice::from_ref(&line), &cli())
        .await
        .expect("bill");
    shop.books
        .create_invoice(Some(rahul.id), &[line], &cli())
        .await
        .expect("second bill");
    shop.books
        .cancel_invoice(bill.value.id, &cli())
        .await
        .expect("cancel");
    shop.books
        .record_payment(rahul.id, Paise::new(2_000), None, &cli())
        .await
        .expect("payment");
    shop.books.undo_last(&cli()).await.expect("undo payment");
    shop.books
        .add_credit(rahul.id, Paise::new(500), None, &cli())
        .await
        .expect("credit");
    (shop, rahul.id, milk.id)
}

async fn books_kept_by_the_engine_check_ok(db: Db) {
    busy_shop(&db, "Gupta Kirana").await;
    busy_shop(&db, "Sharma Store").await;
    let report = check(&db).await.expect("check");
    assert!(report.is_ok(), "{report}: {:?}", report.problems);
    assert_eq!(report.shops, 2);
    assert_eq!(report.customers, 2);
    assert_eq!(report.products, 2);
    // Per shop: two sales, the cancelled one's reversal, the payment, its reversal, the credit.
    assert_eq!(report.entries, 12);
    assert_eq!(report.reversals, 4);
    assert!(report.to_string().starts_with("ok: 2 shops"), "{report}");
}

async fn a_corrupted_cached_balance_is_named_with_expected_and_found(db: Db) {
    busy_shop(&db, "Gupta Kirana").await;
    let (shop, rahul, _) = busy_shop(&db, "Sharma Store").await;
    let ledger = shop.books.ledger_balance(rahul).await.expect("ledger");
    sqlx::query("UPDATE customers SET balance_paise = balance_paise + 100 WHERE id = $1")
        .bind(rahul.0)
        .execute(db.pool())
        .await
        .expect("corrupt the cache");
    let report = check(&db).await.expect("check");
    let expected = Problem::BalanceDiffers {
        merchant: shop.books.merchant_id(),
        customer: rahul,
        cached: Paise::new(ledger.as_i64() + 100),
        ledger,
    };
    assert_eq!(report.problems, vec![expected.clone()]);
    let line = expected.to_string();
    assert!(
        line.contains(&format!("shop {}", shop.books.merchant_id()))
            && line.contains(&format!("customer {rahul}")),
        "{line}"
    );
    assert!(report.to_string().starts_with("1 problem(s)"), "{report}");
}

async fn a_corrupted_stock_is_named(db: Db) {
    let (shop, _, milk) = busy_shop(&db, "Gupta Kirana").await;
    sqlx::query("UPDATE products SET stock_milli = 0 WHERE id = $1")
        .bind(milk.0)
        .execute(db.pool())
        .await
        .expect("corrupt the stock");
    let report = check(&db).await.expect("check");
    assert_eq!(
        report.problems,
        vec![Problem::StockDiffers {
            merchant: shop.books.merchant_id(),
            product: milk,
            cached: Quantity::ZERO,
            // 10 in stock, 2 sold, 2 restored by the cancellation, 2 sold again.
            movements: Quantity::from_milli(8000),
        }]
    );
}

/// A connection with the database's reference checks off, as a hand edit might run.
struct Unchecked {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    backend: Backend,
}

impl Unchecked {
    async fn open(db: &Db) -> Unchecked {
        let mut conn = db.pool().acquire().await.expect("connection");
        let off = match db.backend() {
            Backend::Sqlite => "PRAGMA foreign_keys = OFF",
            // Foreign keys are triggers on PostgreSQL; a replica session does not fire them.
            Backend::Postgres => "SET session_replication_role = replica",
        };
        conn.execute(off).await.expect("checks off");
        Unchecked {
            conn,
            backend: db.backend(),
        }
    }

    /// Runs an INSERT … RETURNING id.
    async fn insert(&mut self, sql: String) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *self.conn)
            .await
            .expect("forged row")
    }

    async fn close(mut self) {
        let on = match self.backend {
            Backend::Sqlite => "PRAGMA foreign_keys = ON",
            Backend::Postgres => "SET session_replication_role = DEFAULT",
        };
        self.conn.execute(on).await.expect("checks on");
    }
}

async fn entry_of(db: &Db, merchant: MerchantId, operation: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM ledger_entries WHERE merchant_id = $1 AND operation_id = $2")
        .bind(merchant.0)
        .bind(operation)
        .fetch_one(db.pool())
        .await
        .expect("entry")
}

async fn forged_reversals_and_cross_shop_references_are_named(db: Db) {
    let (a, a_customer, _) = busy_shop(&db, "Shop A").await;
    let (b, b_customer, _) = busy_shop(&db, "Shop B").await;
    let (merchant_a, merchant_b) = (a.books.merchant_id(), b.books.merchant_id());
    let b_credit = b
        .books
        .add_credit(b_customer, Paise::new(700), None, &cli())
        .await
        .expect("b credit");
    let b_entry = entry_of(&db, merchant_b, b_credit.operation.0).await;
    let a_credit = a
        .books
        .add_credit(a_customer, Paise::new(300), None, &cli())
        .await
        .expect("a credit");
    let a_entry = entry_of(&db, merchant_a, a_credit.operation.0).await;
    let (a_id, b_id, a_op, a_cust, b_cust) = (
        merchant_a.0,
        merchant_b.0,
        a_credit.operation.0,
        a_customer.0,
        b_customer.0,
    );
    let mut forger = Unchecked::open(&db).await;
    // Shop A reverses shop B's entry.
    let across = forger
        .insert(format!(
            "INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, amount_paise, source, reverses_entry_id, created_at) \
             VALUES ({a_id}, {a_cust}, {a_op}, 'reversal', -700, 'cli', {b_entry}, 0) RETURNING id"
        ))
        .await;
    // Shop A reverses its own entry by the wrong amount.
    let short = forger
        .insert(format!(
            "INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, amount_paise, source, reverses_entry_id, created_at) \
             VALUES ({a_id}, {a_cust}, {a_op}, 'reversal', -200, 'cli', {a_entry}, 0) RETURNING id"
        ))
        .await;
    // Balances are kept right, so only the forged links are wrong.
    forger
        .insert(format!(
            "UPDATE customers SET balance_paise = balance_paise - 900 WHERE id = {a_cust} RETURNING id"
        ))
        .await;
    // Shop B's reminder made by shop A's booking.
    let reminder = forger
        .insert(format!(
            "INSERT INTO reminders (merchant_id, customer_id, operation_id, due_at, run_at, status, created_at, updated_at) \
             VALUES ({b_id}, {b_cust}, {a_op}, 0, 0, 'scheduled', 0, 0) RETURNING id"
        ))
        .await;
    forger.close().await;

    let report = check(&db).await.expect("check");
    assert_eq!(
        report.problems,
        vec![
            Problem::ReversalAcrossShops {
                merchant: merchant_a,
                entry: EntryId(across),
                reverses: EntryId(b_entry),
                other_merchant: merchant_b,
            },
            Problem::ReversalAmountDiffers {
                merchant: merchant_a,
                entry: EntryId(short),
                reverses: EntryId(a_entry),
                expected: Paise::new(-300),
                found: Paise::new(-200),
            },
            Problem::ForeignReference {
                table: "reminders",
                column: "operation_id",
                row: reminder.to_string(),
                merchant: Some(merchant_b),
                target: a_op,
                target_found: Some(TargetShop::Shop(merchant_a)),
            },
        ],
        "{report}"
    );
    assert_eq!(
        report.problems[2].to_string(),
        format!("shop {b_id}: reminders {reminder}: operation_id = {a_op} belongs to shop {a_id}")
    );
    assert!(!report.is_ok());
}

crate::on_both_databases!(
    books_kept_by_the_engine_check_ok,
    a_corrupted_cached_balance_is_named_with_expected_and_found,
    a_corrupted_stock_is_named,
    forged_reversals_and_cross_shop_references_are_named,
);
