//! Merchant A can never read or change merchant B's rows, even holding B's ids.

use execora_engine::books::{
    BooksError, CustomerId, Found, InvoiceLineRequest, LinePricing, Origin, Problem, Source,
};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::Db;

use crate::support::{customer, product, shop};

async fn one_merchant_cannot_touch_anothers_books(db: Db) {
    let a = shop(&db, "Shop A").await;
    let b = shop(&db, "Shop B").await;
    let origin = Origin::new(Source::Cli);
    let b_customer = customer(&b.books, "Rahul").await;
    let b_product = product(&b.books, "Milk", 30, Unit::Packet, 10).await;
    b.books
        .add_credit(b_customer.id, Paise::new(50_000), None, &origin)
        .await
        .expect("b credit");
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(b_product.id),
        qty: Quantity::ONE,
        unit: None,
    };
    let b_bill = b
        .books
        .create_invoice(Some(b_customer.id), std::slice::from_ref(&line), &origin)
        .await
        .expect("b bill");

    // Reading with B's ids.
    assert!(matches!(
        a.books.customer(b_customer.id).await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books.balance(b_customer.id).await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books.statement(b_customer.id, 10, None).await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books.product(b_product.id).await,
        Err(BooksError::ProductNotFound(_))
    ));
    assert!(matches!(
        a.books.invoice(b_bill.value.id).await,
        Err(BooksError::InvoiceNotFound(_))
    ));
    assert!(
        a.books
            .entries(b_customer.id)
            .await
            .expect("empty")
            .is_empty()
    );
    assert!(
        a.books
            .invoices(Some(b_customer.id), 10)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(a.books.customers(100, 0).await.expect("list").is_empty());
    assert_eq!(
        a.books.find_customers("Rahul", 3).await.expect("find"),
        Found::None
    );
    assert_eq!(
        a.books.find_products("Milk", 3).await.expect("find"),
        Found::None
    );
    assert!(
        a.books
            .pending_reminders(Some(b_customer.id))
            .await
            .expect("none")
            .is_empty()
    );

    // Writing with B's ids.
    assert!(matches!(
        a.books
            .record_payment(b_customer.id, Paise::new(100), None, &origin)
            .await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books
            .add_credit(b_customer.id, Paise::new(100), None, &origin)
            .await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books.create_invoice(None, &[line], &origin).await,
        Err(BooksError::ProductNotFound(_))
    ));
    let a_customer = customer(&a.books, "Amit").await;
    let a_line = InvoiceLineRequest {
        pricing: LinePricing::Custom {
            name: "Chai".into(),
            unit_price: Paise::new(1000),
        },
        qty: Quantity::ONE,
        unit: None,
    };
    assert!(matches!(
        a.books
            .create_invoice(Some(b_customer.id), std::slice::from_ref(&a_line), &origin)
            .await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books.cancel_invoice(b_bill.value.id, &origin).await,
        Err(BooksError::InvoiceNotFound(_))
    ));
    assert!(matches!(
        a.books
            .adjust_stock(b_product.id, Quantity::ONE, None, &origin)
            .await,
        Err(BooksError::ProductNotFound(_))
    ));
    assert!(matches!(
        a.books.undo(b_bill.operation, &origin).await,
        Err(BooksError::NothingToUndo)
    ));
    assert!(matches!(
        a.books.cancel_reminders(b_customer.id).await,
        Err(BooksError::CustomerNotFound(_))
    ));
    assert!(matches!(
        a.books
            .schedule_reminder(b_customer.id, None, i64::MAX / 2, &origin)
            .await,
        Err(BooksError::CustomerNotFound(_))
    ));
    // A's own undo never reaches B's bookings.
    a.books
        .add_credit(a_customer.id, Paise::new(100), None, &origin)
        .await
        .expect("a credit");
    let undone = a.books.undo_last(&origin).await.expect("undo a");
    assert_eq!(undone.value.customer_name.as_deref(), Some("Amit"));
    assert!(matches!(
        a.books.undo_last(&origin).await,
        Err(BooksError::NothingToUndo)
    ));
    // The same idempotency key in two shops is two bookings.
    let key = Origin::keyed(Source::Whatsapp, "wamid.SAME#0");
    a.books
        .add_credit(a_customer.id, Paise::new(100), None, &key)
        .await
        .expect("a keyed");
    b.books
        .add_credit(b_customer.id, Paise::new(100), None, &key)
        .await
        .expect("b keyed");

    // B's books are untouched: 500 credit + 30 bill + 1 keyed rupee.
    assert_eq!(
        b.books.balance(b_customer.id).await.expect("b"),
        Paise::new(53_100)
    );
    assert_eq!(
        b.books.product(b_product.id).await.expect("b milk").stock,
        Quantity::from_milli(9000)
    );
    assert!(
        !b.books
            .invoice(b_bill.value.id)
            .await
            .expect("b bill")
            .0
            .cancelled
    );
}

async fn the_database_refuses_cross_merchant_references(db: Db) {
    let a = shop(&db, "Shop A").await;
    let b = shop(&db, "Shop B").await;
    let b_customer = customer(&b.books, "Rahul").await;
    let a_customer = customer(&a.books, "Amit").await;
    let a_booking = a
        .books
        .add_credit(
            a_customer.id,
            Paise::new(100),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("a");
    // Even a bug that skipped the scope could not link A's entry to B's customer.
    let forged = sqlx::query(
        "INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, amount_paise, source, created_at) \
         VALUES ($1, $2, $3, 'credit', 100, 'cli', 0)",
    )
    .bind(a.books.merchant_id().0)
    .bind(b_customer.id.0)
    .bind(a_booking.operation.0)
    .execute(db.pool())
    .await;
    assert!(
        forged.is_err(),
        "a cross-merchant ledger row must be refused by the schema"
    );
    // The same row for A's own customer is accepted, so the refusal above was the tenant check.
    let own = sqlx::query(
        "INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, amount_paise, source, created_at) \
         VALUES ($1, $2, $3, 'credit', 100, 'cli', 0)",
    )
    .bind(a.books.merchant_id().0)
    .bind(a_customer.id.0)
    .bind(a_booking.operation.0)
    .execute(db.pool())
    .await;
    assert!(own.is_ok(), "{own:?}");
}

/// Runs `sql` once with another shop's id, which the schema must refuse, then with the shop's own,
/// which it must accept (so the refusal was the tenant check, not a malformed row).
async fn refused_across_shops_accepted_within(
    db: &Db,
    what: &str,
    sql: &str,
    foreign: &[i64],
    own: &[i64],
) {
    let run = |binds: &[i64]| {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
        for bind in binds {
            query = query.bind(*bind);
        }
        query.execute(db.pool())
    };
    let refused = run(foreign).await;
    assert!(
        refused.is_err(),
        "{what}: another shop's row must be refused by the schema"
    );
    let accepted = run(own).await;
    assert!(
        accepted.is_ok(),
        "{what}: the shop's own row is accepted: {accepted:?}"
    );
}

async fn message(db: &Db, merchant: Option<i64>, peer: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, created_at, updated_at) \
         VALUES ($1, 'in', $2, 'text', 'processed', 0, 0) RETURNING id",
    )
    .bind(merchant)
    .bind(peer)
    .fetch_one(db.pool())
    .await
    .expect("message")
}

async fn entry_of(db: &Db, merchant: i64, operation: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM ledger_entries WHERE merchant_id = $1 AND operation_id = $2")
        .bind(merchant)
        .bind(operation)
        .fetch_one(db.pool())
        .await
        .expect("entry")
}

async fn every_newly_scoped_reference_is_refused_across_shops(db: Db) {
    let a = shop(&db, "Shop A").await;
    let b = shop(&db, "Shop B").await;
    let origin = Origin::new(Source::Cli);
    let (a_id, b_id) = (a.books.merchant_id().0, b.books.merchant_id().0);
    let a_customer = customer(&a.books, "Amit").await.id.0;
    let b_customer = customer(&b.books, "Rahul").await.id.0;
    let a_op = a
        .books
        .add_credit(CustomerId(a_customer), Paise::new(100), None, &origin)
        .await
        .expect("a credit")
        .operation
        .0;
    let b_op = b
        .books
        .add_credit(CustomerId(b_customer), Paise::new(100), None, &origin)
        .await
        .expect("b credit")
        .operation
        .0;
    let a_entry = entry_of(&db, a_id, a_op).await;
    let b_entry = entry_of(&db, b_id, b_op).await;
    let a_message = message(&db, Some(a_id), "919811111111").await;
    let b_message = message(&db, Some(b_id), "919822222222").await;

    refused_across_shops_accepted_within(
        &db,
        "ledger_entries.reverses_entry_id",
        "INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, amount_paise, source, reverses_entry_id, created_at) \
         VALUES ($1, $2, $3, 'reversal', -100, 'cli', $4, 0)",
        &[a_id, a_customer, a_op, b_entry],
        &[a_id, a_customer, a_op, a_entry],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "pay_links.customer_id",
        "INSERT INTO pay_links (merchant_id, customer_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 0, 1)",
        &[a_id, b_customer],
        &[a_id, a_customer],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "operations.undone_by on insert",
        "INSERT INTO operations (merchant_id, kind, source, undone_by, created_at) VALUES ($1, 'payment', 'cli', $2, 0)",
        &[a_id, b_op],
        &[a_id, a_op],
    )
    .await;
    let a_target: i64 = sqlx::query_scalar(
        "INSERT INTO operations (merchant_id, kind, source, created_at) VALUES ($1, 'payment', 'cli', 0) RETURNING id",
    )
    .bind(a_id)
    .fetch_one(db.pool())
    .await
    .expect("a operation");
    refused_across_shops_accepted_within(
        &db,
        "operations.undone_by on update",
        "UPDATE operations SET undone_by = $1 WHERE id = $2",
        &[b_op, a_target],
        &[a_op, a_target],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "reminders.operation_id",
        "INSERT INTO reminders (merchant_id, customer_id, operation_id, due_at, run_at, status, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, 0, 'scheduled', 0, 0)",
        &[a_id, a_customer, b_op],
        &[a_id, a_customer, a_op],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "reminders.message_id",
        "INSERT INTO reminders (merchant_id, customer_id, message_id, due_at, run_at, status, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, 0, 'sent', 0, 0)",
        &[a_id, a_customer, b_message],
        &[a_id, a_customer, a_message],
    )
    .await;
    // 0011: a series is the shop's customer's, a reminder's series and a reply's message the shop's.
    refused_across_shops_accepted_within(
        &db,
        "reminder_series.customer_id",
        "INSERT INTO reminder_series (merchant_id, customer_id, every_days, created_at, ended_at, end_reason) \
         VALUES ($1, $2, 7, 0, 0, 'stopped')",
        &[a_id, b_customer],
        &[a_id, a_customer],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "reminder_series.operation_id",
        "INSERT INTO reminder_series (merchant_id, customer_id, operation_id, every_days, created_at, ended_at, end_reason) \
         VALUES ($1, $2, $3, 7, 0, 0, 'stopped')",
        &[a_id, a_customer, b_op],
        &[a_id, a_customer, a_op],
    )
    .await;
    let series = |merchant: i64, customer: i64| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO reminder_series (merchant_id, customer_id, every_days, created_at, ended_at, end_reason) \
                 VALUES ($1, $2, 7, 0, 0, 'paid') RETURNING id",
            )
            .bind(merchant)
            .bind(customer)
            .fetch_one(db.pool())
            .await
            .expect("series")
        }
    };
    let (a_series, b_series) = (
        series(a_id, a_customer).await,
        series(b_id, b_customer).await,
    );
    refused_across_shops_accepted_within(
        &db,
        "reminders.series_id",
        "INSERT INTO reminders (merchant_id, customer_id, recurrence, series_id, due_at, run_at, status, created_at, updated_at) \
         VALUES ($1, $2, 'series', $3, 0, 0, 'scheduled', 0, 0)",
        &[a_id, a_customer, b_series],
        &[a_id, a_customer, a_series],
    )
    .await;
    let a_reminder: i64 = sqlx::query_scalar(
        "INSERT INTO reminders (merchant_id, customer_id, due_at, run_at, status, created_at, updated_at) \
         VALUES ($1, $2, 0, 0, 'sent', 0, 0) RETURNING id",
    )
    .bind(a_id)
    .bind(a_customer)
    .fetch_one(db.pool())
    .await
    .expect("reminder");
    refused_across_shops_accepted_within(
        &db,
        "reminder_events.message_id",
        "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at, detail, message_id) \
         VALUES ($1, $2, 'replied', 0, 'kal de dunga', $3)",
        &[a_id, a_reminder, b_message],
        &[a_id, a_reminder, a_message],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "messages.in_reply_to",
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, in_reply_to, created_at, updated_at) \
         VALUES ($1, 'out', '919811111111', 'text', 'sandbox', $2, 0, 0)",
        &[a_id, b_message],
        &[a_id, a_message],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "recordings.message_id",
        "INSERT INTO recordings (merchant_id, message_id, audio_key, bytes, created_at) VALUES ($1, $2, 'k.ogg', 1, 0)",
        &[a_id, b_message],
        &[a_id, a_message],
    )
    .await;

    // A stranger's message has no shop: a reply without a shop may answer it, a shop's may not
    // until the message is stored as that shop's (as the worker does before it replies).
    let stranger = message(&db, None, "919833333333").await;
    sqlx::query(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, in_reply_to, created_at, updated_at) \
         VALUES (NULL, 'out', '919833333333', 'text', 'sandbox', $1, 0, 0)",
    )
    .bind(stranger)
    .execute(db.pool())
    .await
    .expect("a shop-less reply to a stranger");
    let shop_reply_to_stranger = sqlx::query(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, in_reply_to, created_at, updated_at) \
         VALUES ($1, 'out', '919833333333', 'text', 'sandbox', $2, 0, 0)",
    )
    .bind(a_id)
    .bind(stranger)
    .execute(db.pool())
    .await;
    assert!(
        shop_reply_to_stranger.is_err(),
        "a shop's reply answers only its own messages"
    );
    sqlx::query("UPDATE messages SET merchant_id = $1 WHERE id = $2")
        .bind(a_id)
        .bind(stranger)
        .execute(db.pool())
        .await
        .expect("the stranger's message turns out to be shop A's");
    sqlx::query(
        "INSERT INTO messages (merchant_id, direction, peer, kind, status, in_reply_to, created_at, updated_at) \
         VALUES ($1, 'out', '919833333333', 'text', 'sandbox', $2, 0, 0)",
    )
    .bind(a_id)
    .bind(stranger)
    .execute(db.pool())
    .await
    .expect("shop A answers its message");

    // A signup points at the stranger's message that opened its shop, never another shop's.
    let opener = message(&db, None, "919844444444").await;
    refused_across_shops_accepted_within(
        &db,
        "signups.message_id on insert",
        "INSERT INTO signups (phone, state, merchant_id, message_id, created_at, updated_at) \
         VALUES ('919844444444', 'opened', $1, $2, 0, 0)",
        &[a_id, b_message],
        &[a_id, opener],
    )
    .await;
    refused_across_shops_accepted_within(
        &db,
        "signups.message_id on update",
        "UPDATE signups SET message_id = $1 WHERE phone = '919844444444'",
        &[b_message],
        &[a_message],
    )
    .await;

    // The rows accepted above all stayed within shop A; the only thing they broke is the
    // balance the forged reversal skipped, and `check` says exactly that.
    let report = execora_engine::books::check::check(&db)
        .await
        .expect("check");
    assert_eq!(
        report.problems,
        vec![Problem::BalanceDiffers {
            merchant: a.books.merchant_id(),
            customer: CustomerId(a_customer),
            cached: Paise::new(100),
            ledger: Paise::ZERO,
        }]
    );
}

crate::on_both_databases!(
    one_merchant_cannot_touch_anothers_books,
    the_database_refuses_cross_merchant_references,
    every_newly_scoped_reference_is_refused_across_shops,
);
