//! Upgrading a database that already holds books to migration 0006 keeps every row and scopes it.

use std::path::Path;

use execora_engine::books::check::check;
use execora_engine::books::{InvoiceLineRequest, LinePricing, Origin, Source};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::{Backend, Db};
use sqlx::migrate::Migrator;

use crate::support::{TestDb, customer, product, shop};

/// The last migration before tenant-scoped references.
const BEFORE_SCOPING: i64 = 5;

async fn migrate_to_before_scoping(db: &Db) {
    let dialect = match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(dialect);
    let migrator = Migrator::new(dir).await.expect("migrations");
    migrator
        .run_to(BEFORE_SCOPING, db.pool())
        .await
        .expect("migrate to 0005");
}

const TABLES: [&str; 9] = [
    "operations",
    "ledger_entries",
    "stock_movements",
    "invoices",
    "invoice_items",
    "reminders",
    "messages",
    "recordings",
    "signups",
];

async fn row_counts(db: &Db) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(db.pool())
                .await
                .expect("count");
        counts.push(count);
    }
    counts
}

async fn an_upgrade_keeps_every_row_and_then_refuses_cross_shop_links(test_db: TestDb) {
    let db = test_db.db.clone();
    migrate_to_before_scoping(&db).await;
    let a = shop(&db, "Shop A").await;
    let b = shop(&db, "Shop B").await;
    let cli = Origin::new(Source::Cli);
    let rahul = customer(&a.books, "Rahul").await;
    let milk = product(&a.books, "Milk", 30, Unit::Packet, 10).await;
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::from_milli(2000),
        unit: None,
    };
    let bill = a
        .books
        .create_invoice(Some(rahul.id), &[line], &cli)
        .await
        .expect("bill");
    a.books
        .cancel_invoice(bill.value.id, &cli)
        .await
        .expect("cancel");
    a.books
        .record_payment(rahul.id, Paise::new(5_000), None, &cli)
        .await
        .expect("payment");
    let (a_id, b_id) = (a.books.merchant_id().0, b.books.merchant_id().0);
    // A reminder as the schema before 0009 stored it (0009 adds its run time and timeline).
    sqlx::query(
        "INSERT INTO reminders (merchant_id, customer_id, due_at, status, created_at, updated_at) \
         VALUES ($1, $2, 4102444800000, 'scheduled', 1, 1)",
    )
    .bind(a_id)
    .bind(rahul.id.0)
    .execute(db.pool())
    .await
    .expect("reminder");
    let inbound: i64 = sqlx::query_scalar(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, created_at, updated_at) \
         VALUES ($1, 'in', '919811111111', 'audio', 'processed', 0, 0) RETURNING id",
    )
    .bind(a_id)
    .fetch_one(db.pool())
    .await
    .expect("inbound");
    sqlx::query(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, in_reply_to, created_at, updated_at) \
         VALUES ($1, 'out', '919811111111', 'text', 'sandbox', $2, 0, 0)",
    )
    .bind(a_id)
    .bind(inbound)
    .execute(db.pool())
    .await
    .expect("reply");
    sqlx::query(
        "INSERT INTO recordings (merchant_id, message_id, audio_key, bytes, created_at) VALUES ($1, $2, 'a.ogg', 10, 0)",
    )
    .bind(a_id)
    .bind(inbound)
    .execute(db.pool())
    .await
    .expect("recording");
    let before = row_counts(&db).await;
    let balance = a.books.balance(rahul.id).await.expect("balance");

    db.migrate().await.expect("migrate to 0006");
    assert_eq!(db.pending_migrations().await.expect("pending"), 0);
    assert_eq!(row_counts(&db).await, before);
    assert_eq!(a.books.balance(rahul.id).await.expect("balance"), balance);
    // The reminder stored before 0009 is still scheduled for its time, with its first step.
    let pending = a.books.pending_reminders(None).await.expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].due_at, 4102444800000);
    assert_eq!(
        a.books
            .reminder_timeline(pending[0].id)
            .await
            .expect("timeline")
            .iter()
            .map(|e| e.kind)
            .collect::<Vec<_>>(),
        vec![execora_engine::books::EventKind::Scheduled]
    );
    // Claimed at 11:30 in India: at its due time, 05:30, the shop's quiet hours would hold it.
    assert_eq!(
        execora_engine::books::reminders::claim_due(&db, 4102444800000 + 6 * 3_600_000)
            .await
            .expect("claim")
            .map(|due| due.key.reminder),
        Some(pending[0].id)
    );
    let report = check(&db).await.expect("check");
    assert!(report.is_ok(), "{report}: {:?}", report.problems);

    // Every connection has its foreign keys back on (the migration turned them off on one).
    let mut connections = Vec::new();
    for _ in 0..4 {
        connections.push(db.pool().acquire().await.expect("connection"));
    }
    if db.backend() == Backend::Sqlite {
        for conn in &mut connections {
            let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut **conn)
                .await
                .expect("pragma");
            assert_eq!(on, 1);
        }
        // The rebuilt tables kept their indexes and the ledger its triggers.
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&mut *connections[0])
        .await
        .expect("schema");
        for expected in [
            "ledger_by_customer",
            "ledger_by_time",
            "ledger_entries_no_delete",
            "ledger_entries_no_update",
            "messages_outbox",
            "messages_out_by_peer",
            "recordings_live_by_age",
            "reminders_by_customer",
            "reminders_due",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
    }
    drop(connections);

    let forged = sqlx::query("UPDATE ledger_entries SET amount_paise = 1")
        .execute(db.pool())
        .await;
    assert!(forged.is_err(), "the ledger is still append-only");
    let cross = sqlx::query(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, in_reply_to, created_at, updated_at) \
         VALUES ($1, 'out', '919811111111', 'text', 'sandbox', $2, 0, 0)",
    )
    .bind(b_id)
    .bind(inbound)
    .execute(db.pool())
    .await;
    assert!(cross.is_err(), "shop B cannot reply to shop A's message");
}

async fn a_cross_shop_link_already_stored_stops_the_upgrade_and_changes_nothing(test_db: TestDb) {
    let db = test_db.db.clone();
    migrate_to_before_scoping(&db).await;
    let a = shop(&db, "Shop A").await;
    let b = shop(&db, "Shop B").await;
    let cli = Origin::new(Source::Cli);
    let rahul = customer(&a.books, "Rahul").await;
    let amit = customer(&b.books, "Amit").await;
    let a_credit = a
        .books
        .add_credit(rahul.id, Paise::new(100), None, &cli)
        .await
        .expect("a");
    let b_credit = b
        .books
        .add_credit(amit.id, Paise::new(100), None, &cli)
        .await
        .expect("b");
    // Before 0006 nothing stopped shop A's booking from naming shop B's as its undo.
    sqlx::query("UPDATE operations SET undone_by = $1 WHERE id = $2")
        .bind(b_credit.operation.0)
        .bind(a_credit.operation.0)
        .execute(db.pool())
        .await
        .expect("a cross-shop link under 0005");
    let before = row_counts(&db).await;

    assert!(db.migrate().await.is_err(), "the upgrade must refuse it");
    db.close().await;
    let db = Db::connect(&test_db.url).await.expect("open again");
    let applied: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(db.pool())
        .await
        .expect("applied migrations");
    assert_eq!(applied, 5, "0006 and everything after it stay pending");
    assert!(db.pending_migrations().await.expect("pending") >= 1);
    assert_eq!(row_counts(&db).await, before);
    let undone_by: Option<i64> =
        sqlx::query_scalar("SELECT undone_by FROM operations WHERE id = $1")
            .bind(a_credit.operation.0)
            .fetch_one(db.pool())
            .await
            .expect("operation");
    assert_eq!(undone_by, Some(b_credit.operation.0));
    db.close().await;
}

macro_rules! on_both_unmigrated {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::TestDb::sqlite_unmigrated().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::TestDb::postgres_unmigrated().await).await;
                }
            )*
        }
    };
}

on_both_unmigrated!(
    an_upgrade_keeps_every_row_and_then_refuses_cross_shop_links,
    a_cross_shop_link_already_stored_stops_the_upgrade_and_changes_nothing,
);
