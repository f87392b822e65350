//! Merchant A can never read or change merchant B's rows, even holding B's ids.

use execora_engine::books::{BooksError, Found, InvoiceLineRequest, LinePricing, Origin, Source};
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

crate::on_both_databases!(
    one_merchant_cannot_touch_anothers_books,
    the_database_refuses_cross_merchant_references
);
