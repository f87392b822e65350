//! Every books operation, on both databases.

use chrono::{Duration, NaiveDate};
use execora_engine::books::{
    BooksError, CustomerOrder, EntryKind, Found, InvoiceLineRequest, LinePricing, NewCustomer,
    NewProduct, Origin, ReminderStatus, Source,
};
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::{Backend, Db};

use crate::support::{customer, product, shop};

fn cli() -> Origin {
    Origin::new(Source::Cli)
}

fn rupees(r: i64) -> Paise {
    Paise::new(r * 100)
}

async fn payment_reduces_balance_and_credit_raises_it(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let credit = shop
        .books
        .add_credit(rahul.id, rupees(1500), Some("atta"), &cli())
        .await
        .expect("credit");
    assert_eq!(credit.value.balance, rupees(1500));
    let paid = shop
        .books
        .record_payment(rahul.id, rupees(200), Some(PaymentMode::Upi), &cli())
        .await
        .expect("payment");
    assert_eq!(paid.value.balance, rupees(1300));
    assert_eq!(paid.value.mode, Some(PaymentMode::Upi));
    assert_eq!(paid.value.customer_name, "Rahul");
    assert_eq!(
        shop.books.balance(rahul.id).await.expect("balance"),
        rupees(1300)
    );
    assert_eq!(
        shop.books.ledger_balance(rahul.id).await.expect("ledger"),
        rupees(1300)
    );
    let entries = shop.books.entries(rahul.id).await.expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].kind, EntryKind::Credit);
    assert_eq!(entries[0].note.as_deref(), Some("atta"));
    assert_eq!(entries[1].amount, Paise::new(-20_000));
    assert_eq!(entries[1].source, "cli");
}

async fn same_key_books_once_and_replays_the_outcome(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let origin = Origin::keyed(Source::Whatsapp, "wamid.ABC#0");
    let first = shop
        .books
        .record_payment(rahul.id, rupees(200), None, &origin)
        .await
        .expect("first");
    let second = shop
        .books
        .record_payment(rahul.id, rupees(200), None, &origin)
        .await
        .expect("second");
    assert!(!first.replayed);
    assert!(second.replayed);
    assert_eq!(first.value, second.value);
    assert_eq!(
        shop.books.entries(rahul.id).await.expect("entries").len(),
        1
    );
    assert_eq!(
        shop.books.balance(rahul.id).await.expect("balance"),
        rupees(-200)
    );
    // The same key for a different kind of booking is refused rather than silently replayed.
    let other = shop
        .books
        .add_credit(rahul.id, rupees(5), None, &origin)
        .await;
    assert!(matches!(other, Err(BooksError::KeyReused)), "{other:?}");
}

async fn customers_are_deduplicated_by_phone(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let new = |name: &str, phone: &str| NewCustomer {
        name: name.into(),
        phone: Some(phone.into()),
        nickname: None,
    };
    let (amit, created) = shop
        .books
        .add_customer(new("Amit", "9876543210"))
        .await
        .expect("add");
    assert!(created);
    assert_eq!(
        amit.phone.as_ref().map(|p| p.as_str()),
        Some("919876543210")
    );
    let (again, created) = shop
        .books
        .add_customer(new("Amit Kumar", "+91 98765 43210"))
        .await
        .expect("again");
    assert!(!created);
    assert_eq!(again.id, amit.id);
    assert_eq!(shop.books.customers(100, 0).await.expect("list").len(), 1);
}

async fn finds_customers_by_name_as_said(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    customer(&shop.books, "Suresh").await;
    match shop.books.find_customers("Rahul", 3).await.expect("find") {
        Found::One(found) => assert_eq!(found.id, rahul.id),
        other => panic!("expected one match, got {other:?}"),
    }
    assert_eq!(
        shop.books
            .find_customers("Zzyzx Qwerty", 3)
            .await
            .expect("find"),
        Found::None
    );
}

async fn fuzzy_lookup_understands_spelling_script_honorifics_and_nicknames(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let sharma = customer(&shop.books, "Ramesh Sharma").await;
    let (pappu, _) = shop
        .books
        .add_customer(NewCustomer {
            name: "Prakash Gupta".into(),
            phone: None,
            nickname: Some("Pappu".into()),
        })
        .await
        .expect("add");
    customer(&shop.books, "Suresh Verma").await;
    for (said, expected) in [
        ("Raahul", rahul.id),
        ("Rahool", rahul.id),
        ("rahul bhai", rahul.id),
        ("राहुल", rahul.id),
        ("Sharma ji", sharma.id),
        ("Pappu", pappu.id),
    ] {
        match shop.books.find_customers(said, 3).await.expect("find") {
            Found::One(found) => assert_eq!(found.id, expected, "{said}"),
            other => panic!("{said}: expected one match, got {other:?}"),
        }
    }
    customer(&shop.books, "Rahul Verma").await;
    assert!(
        matches!(shop.books.find_customers("Rahul Verma", 3).await.expect("find"), Found::One(c) if c.name == "Rahul Verma")
    );
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 0).await;
    product(&shop.books, "Parle-G", 10, Unit::Packet, 0).await;
    assert!(
        matches!(shop.books.find_products("doodh", 3).await.expect("find"), Found::One(p) if p.id == milk.id)
    );
    assert!(
        matches!(shop.books.find_products("parle g", 3).await.expect("find"), Found::One(p) if p.name == "Parle-G")
    );
    assert_eq!(
        shop.books.find_products("cement", 3).await.expect("find"),
        Found::None
    );
}

async fn invoice_prices_from_catalog_moves_stock_and_debits(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 50).await;
    let atta = product(&shop.books, "Atta", 40, Unit::Kg, 100).await;
    let lines = vec![
        InvoiceLineRequest {
            pricing: LinePricing::Catalog(milk.id),
            qty: Quantity::from_milli(2000),
            unit: None,
        },
        InvoiceLineRequest {
            pricing: LinePricing::Catalog(atta.id),
            qty: Quantity::from_milli(500_000),
            unit: Some(Unit::G),
        },
        InvoiceLineRequest {
            pricing: LinePricing::Custom {
                name: "Thaili".into(),
                unit_price: rupees(2),
            },
            qty: Quantity::ONE,
            unit: None,
        },
    ];
    let bill = shop
        .books
        .create_invoice(Some(rahul.id), &lines, &cli())
        .await
        .expect("invoice")
        .value;
    assert_eq!(bill.number, 1);
    assert_eq!(bill.total, rupees(60 + 20 + 2));
    assert_eq!(bill.lines[1].qty, Quantity::from_milli(500));
    assert_eq!(bill.lines[1].unit, Unit::Kg);
    assert_eq!(bill.balance, Some(rupees(82)));
    assert_eq!(
        shop.books.product(milk.id).await.expect("milk").stock,
        Quantity::from_milli(48_000)
    );
    assert_eq!(
        shop.books.product(atta.id).await.expect("atta").stock,
        Quantity::from_milli(99_500)
    );
    let second = shop
        .books
        .create_invoice(None, &lines[..1], &cli())
        .await
        .expect("walk-in")
        .value;
    assert_eq!(second.number, 2);
    assert_eq!(second.balance, None);
    let (summary, stored) = shop.books.invoice(bill.id).await.expect("stored invoice");
    assert_eq!(summary.customer_name.as_deref(), Some("Rahul"));
    assert_eq!(stored, bill.lines);
    let listed = shop.books.invoices(Some(rahul.id), 10).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(shop.books.invoices(None, 10).await.expect("all").len(), 2);
    // A given price wins over the catalog price.
    let at_price = InvoiceLineRequest {
        pricing: LinePricing::CatalogAt(milk.id, rupees(28)),
        qty: Quantity::ONE,
        unit: None,
    };
    let third = shop
        .books
        .create_invoice(Some(rahul.id), &[at_price], &cli())
        .await
        .expect("priced")
        .value;
    assert_eq!(third.total, rupees(28));
    // Packets cannot be sold by the kilo.
    let wrong = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::ONE,
        unit: Some(Unit::Kg),
    };
    assert!(matches!(
        shop.books
            .create_invoice(Some(rahul.id), &[wrong], &cli())
            .await,
        Err(BooksError::InvalidQuantity(_))
    ));
    assert!(matches!(
        shop.books.create_invoice(Some(rahul.id), &[], &cli()).await,
        Err(BooksError::EmptyInvoice)
    ));
}

async fn cancelling_an_invoice_reverses_entry_and_restores_stock(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::from_milli(3000),
        unit: None,
    };
    let bill = shop
        .books
        .create_invoice(Some(rahul.id), &[line], &cli())
        .await
        .expect("bill")
        .value;
    assert_eq!(shop.books.balance(rahul.id).await.expect("bal"), rupees(90));
    let last = shop
        .books
        .last_open_invoice(Some(rahul.id))
        .await
        .expect("last");
    assert_eq!(last.map(|i| i.id), Some(bill.id));
    let cancelled = shop
        .books
        .cancel_invoice(bill.id, &cli())
        .await
        .expect("cancel")
        .value;
    assert_eq!(cancelled.number, bill.number);
    assert_eq!(cancelled.balance, Some(Paise::ZERO));
    assert_eq!(
        shop.books.product(milk.id).await.expect("milk").stock,
        Quantity::from_milli(10_000)
    );
    let entries = shop.books.entries(rahul.id).await.expect("entries");
    assert_eq!(
        entries.len(),
        2,
        "history is kept: the sale and its reversal"
    );
    assert_eq!(entries[1].reverses, Some(entries[0].id));
    assert!(matches!(
        shop.books.cancel_invoice(bill.id, &cli()).await,
        Err(BooksError::InvoiceAlreadyCancelled(1))
    ));
    assert_eq!(
        shop.books
            .last_open_invoice(Some(rahul.id))
            .await
            .expect("last"),
        None
    );
    assert!(shop.books.invoices(None, 5).await.expect("list")[0].cancelled);
    // A cancelled bill is not undone a second time: the next undo reaches the stock set-up before it.
    assert_eq!(
        shop.books.undo_last(&cli()).await.expect("undo").value.kind,
        "stock"
    );
}

async fn undo_reverses_the_last_booking_and_never_deletes(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    shop.books
        .add_credit(rahul.id, rupees(500), None, &cli())
        .await
        .expect("credit");
    shop.books
        .record_payment(rahul.id, rupees(200), Some(PaymentMode::Cash), &cli())
        .await
        .expect("pay");
    let undone = shop.books.undo_last(&cli()).await.expect("undo").value;
    assert_eq!(undone.kind, "payment");
    assert_eq!(undone.amount, Some(rupees(200)));
    assert_eq!(undone.balance, Some(rupees(500)));
    let undone = shop
        .books
        .undo_last(&cli())
        .await
        .expect("undo credit")
        .value;
    assert_eq!(undone.kind, "credit");
    assert_eq!(
        shop.books.balance(rahul.id).await.expect("bal"),
        Paise::ZERO
    );
    assert_eq!(
        shop.books.entries(rahul.id).await.expect("entries").len(),
        4
    );
    // The stock added when the product was set up is the next thing to undo.
    let undone = shop
        .books
        .undo_last(&cli())
        .await
        .expect("undo stock")
        .value;
    assert_eq!(undone.kind, "stock");
    assert_eq!(undone.product_name.as_deref(), Some("Milk"));
    assert_eq!(
        shop.books.product(milk.id).await.expect("milk").stock,
        Quantity::ZERO
    );
    assert!(matches!(
        shop.books.undo_last(&cli()).await,
        Err(BooksError::NothingToUndo)
    ));
    // An invoice is undone by cancelling it.
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::ONE,
        unit: None,
    };
    let bill = shop
        .books
        .create_invoice(Some(rahul.id), &[line], &cli())
        .await
        .expect("bill");
    let since = execora_engine::time::to_millis(shop.books.now() - Duration::minutes(10));
    assert_eq!(
        shop.books.last_undoable(since).await.expect("undoable"),
        Some(bill.operation)
    );
    let undone = shop
        .books
        .undo(bill.operation, &cli())
        .await
        .expect("undo bill")
        .value;
    assert_eq!(undone.invoice_number, Some(1));
    assert_eq!(
        shop.books.product(milk.id).await.expect("milk").stock,
        Quantity::ZERO
    );
    assert!(matches!(
        shop.books.undo(bill.operation, &cli()).await,
        Err(BooksError::NothingToUndo)
    ));
    // Older than the window: not offered.
    shop.clock.advance(Duration::minutes(11));
    let since = execora_engine::time::to_millis(shop.books.now() - Duration::minutes(10));
    assert_eq!(
        shop.books.last_undoable(since).await.expect("undoable"),
        None
    );
}

async fn statement_shows_running_balance_newest_first_in_pages(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    for r in 1..=5 {
        shop.books
            .add_credit(rahul.id, rupees(r * 100), None, &cli())
            .await
            .expect("credit");
    }
    shop.books
        .record_payment(rahul.id, rupees(250), None, &cli())
        .await
        .expect("pay");
    let page = shop
        .books
        .statement(rahul.id, 4, None)
        .await
        .expect("page 1");
    let balances: Vec<Paise> = page.lines.iter().map(|l| l.balance_after).collect();
    assert_eq!(
        balances,
        vec![rupees(1250), rupees(1500), rupees(1000), rupees(600)]
    );
    let next = page.next_before.expect("more pages");
    let page2 = shop
        .books
        .statement(rahul.id, 4, Some(next))
        .await
        .expect("page 2");
    let balances: Vec<Paise> = page2.lines.iter().map(|l| l.balance_after).collect();
    assert_eq!(balances, vec![rupees(300), rupees(100)]);
    assert_eq!(page2.next_before, None);
}

async fn products_are_upserted_by_name_and_stock_is_exact(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let new = |name: &str, price: i64| NewProduct {
        name: name.into(),
        price: Paise::new(price),
        unit: Unit::Kg,
        low_stock: Some(Quantity::from_milli(5000)),
    };
    let (atta, created) = shop
        .books
        .upsert_product(new("Atta", 4000))
        .await
        .expect("add");
    assert!(created);
    let (again, created) = shop
        .books
        .upsert_product(new("atta", 4200))
        .await
        .expect("reprice");
    assert!(!created);
    assert_eq!(again.id, atta.id);
    assert_eq!(again.price, Paise::new(4200));
    let changed = shop
        .books
        .adjust_stock(atta.id, Quantity::from_milli(2500), None, &cli())
        .await
        .expect("stock")
        .value;
    assert_eq!(changed.stock, Quantity::from_milli(2500));
    assert!(shop.books.product(atta.id).await.expect("p").is_low());
    assert_eq!(shop.books.low_stock().await.expect("low").len(), 1);
    let grams = shop
        .books
        .adjust_stock(
            atta.id,
            Quantity::from_milli(750_000),
            Some(Unit::G),
            &cli(),
        )
        .await
        .expect("g");
    assert_eq!(grams.value.stock, Quantity::from_milli(3250));
    assert!(matches!(
        shop.books
            .adjust_stock(atta.id, Quantity::ONE, Some(Unit::Packet), &cli())
            .await,
        Err(BooksError::InvalidQuantity(_))
    ));
    assert!(
        matches!(shop.books.find_products("Atta", 3).await.expect("find"), Found::One(p) if p.id == atta.id)
    );
    assert_eq!(shop.books.products(10, 0).await.expect("list").len(), 1);
}

async fn daily_summary_counts_the_merchants_local_day(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let suresh = customer(&shop.books, "Suresh").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::from_milli(2000),
        unit: None,
    };
    shop.books
        .create_invoice(Some(rahul.id), std::slice::from_ref(&line), &cli())
        .await
        .expect("bill");
    shop.books
        .create_invoice(None, std::slice::from_ref(&line), &cli())
        .await
        .expect("cash bill");
    shop.books
        .add_credit(suresh.id, rupees(700), None, &cli())
        .await
        .expect("credit");
    shop.books
        .record_payment(rahul.id, rupees(50), None, &cli())
        .await
        .expect("pay");
    shop.books
        .record_payment(suresh.id, rupees(100), None, &cli())
        .await
        .expect("pay");
    shop.books.undo_last(&cli()).await.expect("undo the 100");
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    let summary = shop.books.daily_summary(today).await.expect("summary");
    assert_eq!(summary.sales, rupees(120));
    assert_eq!(summary.invoice_count, 2);
    assert_eq!(summary.collections, rupees(50));
    assert_eq!(summary.new_credit, rupees(700));
    assert_eq!(summary.outstanding, rupees(700 + 10));
    assert_eq!(
        summary.top_debtors.first().map(|d| d.name.as_str()),
        Some("Suresh")
    );
    // 23:59 IST on the 22nd is still the 22nd; 00:01 IST on the 23rd is not.
    shop.clock
        .set(crate::support::start_time() + Duration::minutes(13 * 60 + 59));
    shop.books
        .record_payment(rahul.id, rupees(1), None, &cli())
        .await
        .expect("late");
    shop.clock.advance(Duration::minutes(2));
    shop.books
        .record_payment(rahul.id, rupees(2), None, &cli())
        .await
        .expect("next day");
    assert_eq!(
        shop.books
            .daily_summary(today)
            .await
            .expect("s")
            .collections,
        rupees(51)
    );
    let tomorrow = today.succ_opt().expect("date");
    assert_eq!(
        shop.books
            .daily_summary(tomorrow)
            .await
            .expect("s")
            .collections,
        rupees(2)
    );
}

async fn reminders_are_scheduled_and_cancelled(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let at = execora_engine::time::to_millis(shop.books.now() + Duration::hours(9));
    let reminder = shop
        .books
        .schedule_reminder(rahul.id, Some(rupees(500)), at, &cli())
        .await
        .expect("schedule");
    assert_eq!(reminder.value.status, ReminderStatus::Scheduled);
    assert_eq!(
        shop.books
            .pending_reminders(Some(rahul.id))
            .await
            .expect("pending")
            .len(),
        1
    );
    let past = execora_engine::time::to_millis(shop.books.now() - Duration::hours(1));
    assert!(matches!(
        shop.books
            .schedule_reminder(rahul.id, None, past, &cli())
            .await,
        Err(BooksError::ReminderInPast)
    ));
    assert_eq!(
        shop.books.cancel_reminders(rahul.id).await.expect("cancel"),
        1
    );
    assert!(
        shop.books
            .pending_reminders(None)
            .await
            .expect("pending")
            .is_empty()
    );
}

async fn the_ledger_refuses_updates_and_deletes(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    shop.books
        .add_credit(rahul.id, rupees(10), None, &cli())
        .await
        .expect("credit");
    let update = sqlx::query("UPDATE ledger_entries SET amount_paise = 1")
        .execute(db.pool())
        .await;
    assert!(update.is_err(), "an UPDATE of history must fail");
    let delete = sqlx::query("DELETE FROM ledger_entries")
        .execute(db.pool())
        .await;
    assert!(delete.is_err(), "a DELETE of history must fail");
    assert_eq!(
        shop.books.ledger_balance(rahul.id).await.expect("ledger"),
        rupees(10)
    );
}

/// Runs each statement on its own and asserts the history guards refused it (not some other
/// constraint that happened to fail first).
async fn refused(db: &Db, statements: &[String]) {
    for statement in statements {
        let result = sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(db.pool())
            .await;
        let error = match result {
            Ok(done) => panic!("must be refused: {statement} ({done:?})"),
            Err(error) => error.to_string(),
        };
        assert!(
            error.contains("append-only") || error.contains("keep what was booked"),
            "{statement}: {error}"
        );
    }
}

async fn stock_history_and_booked_operations_refuse_changes(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    let credit = shop
        .books
        .add_credit(rahul.id, rupees(10), None, &cli())
        .await
        .expect("credit");
    let undone = shop.books.undo_last(&cli()).await.expect("undo");
    let (credit_op, undo_op) = (credit.operation.0, undone.operation.0);
    let mut forbidden = vec![
        "UPDATE stock_movements SET delta_milli = 1".to_string(),
        "DELETE FROM stock_movements".to_string(),
        format!(
            "DELETE FROM stock_movements WHERE product_id = {}",
            milk.id.0
        ),
        format!("UPDATE operations SET kind = 'stock' WHERE id = {credit_op}"),
        format!("UPDATE operations SET merchant_id = merchant_id + 1 WHERE id = {credit_op}"),
        format!("UPDATE operations SET created_at = created_at + 1 WHERE id = {credit_op}"),
        format!("UPDATE operations SET source = 'panel' WHERE id = {credit_op}"),
        format!("UPDATE operations SET actor = 'someone' WHERE id = {credit_op}"),
        format!("UPDATE operations SET idempotency_key = 'k' WHERE id = {credit_op}"),
        // A finished booking's outcome is what a replay answers: it never changes.
        format!("UPDATE operations SET outcome = '{{}}' WHERE id = {credit_op}"),
        // Undone once is undone for good, by the same undo.
        format!("UPDATE operations SET undone_by = NULL WHERE id = {credit_op}"),
        format!("UPDATE operations SET undone_by = {credit_op} WHERE id = {credit_op}"),
        format!("DELETE FROM operations WHERE id = {undo_op}"),
        "DELETE FROM operations".to_string(),
    ];
    // The whole-table erase: TRUNCATE on PostgreSQL (row triggers skip it); on SQLite a DELETE
    // without WHERE, which SQLite runs row by row once a table has a delete trigger.
    forbidden.extend(match db.backend() {
        Backend::Postgres => ["ledger_entries", "stock_movements", "operations"]
            .map(|table| format!("TRUNCATE {table} CASCADE"))
            .to_vec(),
        Backend::Sqlite => ["ledger_entries", "stock_movements", "operations"]
            .map(|table| format!("DELETE FROM {table}"))
            .to_vec(),
    });
    let operations = || async {
        let state: (i64, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM operations), (SELECT undone_by FROM operations WHERE id = $1)",
        )
        .bind(credit_op)
        .fetch_one(db.pool())
        .await
        .expect("operations");
        state
    };
    let before = operations().await;
    refused(&db, &forbidden).await;
    // Every refused statement left the books as they were.
    assert_eq!(operations().await, before);
    assert_eq!(before.1, Some(undo_op));
    assert_eq!(
        shop.books.product(milk.id).await.expect("milk").stock,
        Quantity::from_milli(10_000)
    );
    assert_eq!(
        shop.books.ledger_balance(rahul.id).await.expect("ledger"),
        Paise::ZERO
    );
}

async fn bookings_still_finish_undo_and_cancel_under_the_guards(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    // Each booking writes its outcome after its rows; a replay answers that outcome.
    let key = Origin::keyed(Source::Whatsapp, "wamid.GUARD#0");
    let paid = shop
        .books
        .record_payment(rahul.id, rupees(5), None, &key)
        .await
        .expect("payment");
    let replayed = shop
        .books
        .record_payment(rahul.id, rupees(5), None, &key)
        .await
        .expect("replay");
    assert!(replayed.replayed);
    assert_eq!(replayed.value, paid.value);
    // Undo sets undone_by once; cancelling a bill does too; stock moves only by new rows.
    shop.books.undo_last(&cli()).await.expect("undo payment");
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::from_milli(3000),
        unit: None,
    };
    let bill = shop
        .books
        .create_invoice(Some(rahul.id), &[line], &cli())
        .await
        .expect("bill");
    shop.books
        .cancel_invoice(bill.value.id, &cli())
        .await
        .expect("cancel");
    assert!(matches!(
        shop.books.undo(bill.operation, &cli()).await,
        Err(BooksError::NothingToUndo)
    ));
    shop.books
        .adjust_stock(milk.id, Quantity::from_milli(-1000), None, &cli())
        .await
        .expect("stock change");
    assert_eq!(
        shop.books.product(milk.id).await.expect("milk").stock,
        Quantity::from_milli(9000)
    );
    assert_eq!(
        shop.books.balance(rahul.id).await.expect("balance"),
        Paise::ZERO
    );
    let report = execora_engine::books::check::check(&db)
        .await
        .expect("check");
    assert!(report.is_ok(), "{report}: {:?}", report.problems);
}

async fn migrations_are_idempotent_and_readiness_works(db: Db) {
    db.migrate().await.expect("second migrate is a no-op");
    assert_eq!(db.pending_migrations().await.expect("pending"), 0);
    db.ping().await.expect("ping");
}

async fn daily_totals_agree_with_each_days_summary_across_local_midnight(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 10).await;
    let line = InvoiceLineRequest {
        pricing: LinePricing::Catalog(milk.id),
        qty: Quantity::from_milli(1000),
        unit: None,
    };
    // 21 Nov: a bill and udhaar; 22 Nov 10:00: a payment, and another undone.
    shop.clock.advance(-Duration::days(1));
    shop.books
        .create_invoice(Some(rahul.id), std::slice::from_ref(&line), &cli())
        .await
        .expect("bill");
    shop.books
        .add_credit(rahul.id, rupees(400), None, &cli())
        .await
        .expect("credit");
    shop.clock.advance(Duration::days(1));
    shop.books
        .record_payment(rahul.id, rupees(50), None, &cli())
        .await
        .expect("pay");
    shop.books
        .record_payment(rahul.id, rupees(70), None, &cli())
        .await
        .expect("pay");
    shop.books.undo_last(&cli()).await.expect("undo the 70");
    // 23:59 IST on the 22nd (18:29 UTC) and 00:01 IST on the 23rd.
    shop.clock
        .set(crate::support::start_time() + Duration::minutes(13 * 60 + 59));
    shop.books
        .record_payment(rahul.id, rupees(1), None, &cli())
        .await
        .expect("late");
    shop.clock.advance(Duration::minutes(2));
    shop.books
        .add_credit(rahul.id, rupees(2), None, &cli())
        .await
        .expect("next day");
    let first = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let last = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let days = shop.books.daily_totals(first, last).await.expect("totals");
    assert_eq!(days.len(), 5);
    for day in &days {
        let summary = shop.books.daily_summary(day.date).await.expect("summary");
        assert_eq!(day.sales, summary.sales, "{}", day.date);
        assert_eq!(day.collections, summary.collections, "{}", day.date);
        assert_eq!(day.new_credit, summary.new_credit, "{}", day.date);
    }
    assert_eq!(days[1].sales, rupees(30));
    assert_eq!(days[1].new_credit, rupees(400));
    assert_eq!(days[2].collections, rupees(51), "the undone 70 nets out");
    assert_eq!(days[3].new_credit, rupees(2));
    assert_eq!(days[0].collections, Paise::ZERO);
    // A range longer than 92 days is cut to the last 92.
    let long = shop
        .books
        .daily_totals(first - Duration::days(400), last)
        .await
        .expect("totals");
    assert_eq!(long.len(), 92);
    assert_eq!(long.last().map(|d| d.date), Some(last));
}

/// A month with a 25-hour day (London, 25 Oct 2026) is grouped by quarter hour, not by day.
async fn daily_totals_agree_with_each_days_summary_across_a_clock_change(db: Db) {
    use chrono::TimeZone;
    let merchant = execora_engine::books::merchants::create(
        &db,
        execora_engine::books::NewMerchant {
            name: "Patel Corner Shop".into(),
            owner_phone: "447700900123".into(),
            locale: execora_engine::reply::Locale::En,
            timezone: Some("Europe/London".into()),
            upi_id: None,
        },
        &*execora_engine::time::ManualClock::new(crate::support::start_time()),
    )
    .await
    .expect("shop");
    let utc = |day: u32, hour: u32, minute: u32| {
        chrono::Utc
            .with_ymd_and_hms(2026, 10, day, hour, minute, 0)
            .single()
            .expect("time")
    };
    let clock = execora_engine::time::ManualClock::new(utc(24, 12, 0));
    let books = execora_engine::books::Books::open(db.clone(), merchant.id, clock.clone())
        .await
        .expect("books");
    let asha = customer(&books, "Asha").await;
    // 00:30 BST on the 25th, 23:30 GMT on the 25th, 00:30 GMT on the 26th.
    for (at, amount) in [
        (utc(24, 23, 30), 1),
        (utc(25, 23, 30), 2),
        (utc(26, 0, 30), 4),
    ] {
        clock.set(at);
        books
            .add_credit(asha.id, rupees(amount), None, &cli())
            .await
            .expect("credit");
    }
    let first = NaiveDate::from_ymd_opt(2026, 10, 24).expect("date");
    let last = NaiveDate::from_ymd_opt(2026, 10, 26).expect("date");
    let days = books.daily_totals(first, last).await.expect("totals");
    assert_eq!(
        days.iter().map(|d| d.new_credit).collect::<Vec<_>>(),
        vec![Paise::ZERO, rupees(3), rupees(4)]
    );
    for day in &days {
        let summary = books.daily_summary(day.date).await.expect("summary");
        assert_eq!(day.new_credit, summary.new_credit, "{}", day.date);
    }
}

async fn customers_are_listed_by_name_or_dues_and_searched_by_name_as_said(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let other = crate::support::shop(&db, "Sharma Stores").await;
    let rahul = customer(&shop.books, "Rahul Sharma").await;
    let suresh = customer(&shop.books, "Suresh Patel").await;
    let amit = customer(&shop.books, "Amit").await;
    customer(&other.books, "Rahul Verma").await;
    shop.books
        .add_credit(rahul.id, rupees(500), None, &cli())
        .await
        .expect("credit");
    shop.books
        .add_credit(suresh.id, rupees(900), None, &cli())
        .await
        .expect("credit");
    shop.books
        .record_payment(amit.id, rupees(100), None, &cli())
        .await
        .expect("advance");
    let names = |list: Vec<execora_engine::books::Customer>| {
        list.into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            shop.books
                .customers_by(CustomerOrder::Name, 10, 0)
                .await
                .expect("list")
        ),
        ["Amit", "Rahul Sharma", "Suresh Patel"]
    );
    assert_eq!(
        names(
            shop.books
                .customers_by(CustomerOrder::Dues, 10, 0)
                .await
                .expect("list")
        ),
        ["Suresh Patel", "Rahul Sharma", "Amit"]
    );
    assert_eq!(
        names(
            shop.books
                .customers_by(CustomerOrder::Dues, 1, 1)
                .await
                .expect("list")
        ),
        ["Rahul Sharma"]
    );
    assert_eq!(shop.books.customer_count().await.expect("count"), 3);
    for said in ["raahul", "राहुल", "sharma ji"] {
        assert_eq!(
            names(shop.books.search_customers(said, 10).await.expect("search")),
            ["Rahul Sharma"],
            "{said}"
        );
    }
    assert!(
        shop.books
            .search_customers("zzzq", 10)
            .await
            .expect("search")
            .is_empty()
    );
}

async fn panel_reads_statements_by_date_bills_by_status_reminders_by_list_and_edits_products(
    db: Db,
) {
    use execora_engine::books::{CancelRefused, InvoiceStatus, ReminderList, Role, StatementRange};
    use execora_engine::time::to_millis;
    let shop = shop(&db, "Gupta Kirana").await;
    let other = shop_of_another(&db).await;
    let rahul = customer(&shop.books, "Rahul").await;
    // One credit a day for five days: ₹100, ₹200, … ₹500.
    let mut times = Vec::new();
    for day in 1..=5 {
        times.push(to_millis(shop.books.now()));
        shop.books
            .add_credit(rahul.id, rupees(day * 100), None, &cli())
            .await
            .expect("credit");
        shop.clock.advance(Duration::days(1));
    }
    // Days 2 to 4: three lines, newest first, the balance still counting day 1.
    let range = StatementRange {
        from: Some(times[1]),
        until: Some(times[4]),
    };
    let page = shop
        .books
        .statement_in(rahul.id, range, 2, None)
        .await
        .expect("statement");
    let amounts: Vec<_> = page.lines.iter().map(|l| l.entry.amount).collect();
    assert_eq!(amounts, [rupees(400), rupees(300)]);
    assert_eq!(page.lines[0].balance_after, rupees(1000));
    let rest = shop
        .books
        .statement_in(rahul.id, range, 2, page.next_before)
        .await
        .expect("older");
    assert_eq!(rest.lines.len(), 1);
    assert_eq!(rest.lines[0].balance_after, rupees(300));
    assert_eq!(rest.next_before, None);
    assert!(matches!(
        other.books.statement_in(rahul.id, range, 10, None).await,
        Err(BooksError::CustomerNotFound(_))
    ));

    // Bills by status, and the staff rule for cancelling.
    let atta = product(&shop.books, "Atta", 40, Unit::Kg, 10).await;
    let line = || InvoiceLineRequest {
        pricing: LinePricing::Catalog(atta.id),
        qty: Quantity::from_whole(1).expect("qty"),
        unit: None,
    };
    let staff = Origin::keyed(Source::Panel, "k1").by("919800000999");
    let first = shop
        .books
        .create_invoice(Some(rahul.id), &[line()], &staff)
        .await
        .expect("bill")
        .value;
    let second = shop
        .books
        .create_invoice(None, &[line()], &cli())
        .await
        .expect("bill")
        .value;
    shop.books
        .cancel_invoice(second.id, &cli())
        .await
        .expect("cancel");
    let issued = shop
        .books
        .invoices_in(None, Some(InvoiceStatus::Issued), 10, None)
        .await
        .expect("issued");
    assert_eq!(issued.iter().map(|i| i.id).collect::<Vec<_>>(), [first.id]);
    let cancelled = shop
        .books
        .invoices_in(None, Some(InvoiceStatus::Cancelled), 10, None)
        .await
        .expect("cancelled");
    assert_eq!(
        cancelled.iter().map(|i| i.id).collect::<Vec<_>>(),
        [second.id]
    );
    let all = shop
        .books
        .invoices_in(None, None, 1, None)
        .await
        .expect("all");
    assert_eq!(all[0].id, second.id, "newest first");
    let older = shop
        .books
        .invoices_in(None, None, 10, Some(second.id))
        .await
        .expect("older");
    assert_eq!(older.iter().map(|i| i.id).collect::<Vec<_>>(), [first.id]);
    assert!(
        shop.books
            .invoices_in(Some(rahul.id), Some(InvoiceStatus::Cancelled), 10, None)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        other
            .books
            .invoices_in(None, None, 10, None)
            .await
            .expect("theirs")
            .is_empty()
    );
    let summary = &issued[0];
    assert_eq!(
        shop.books
            .cancel_refusal(summary, Role::Owner, "x")
            .await
            .expect("rule"),
        None
    );
    assert_eq!(
        shop.books
            .cancel_refusal(summary, Role::Staff, "919800000999")
            .await
            .expect("rule"),
        None,
        "their own bill, inside the window"
    );
    assert_eq!(
        shop.books
            .cancel_refusal(summary, Role::Staff, "919800000111")
            .await
            .expect("rule"),
        Some(CancelRefused::OthersBill {
            number: first.number
        })
    );
    shop.clock.advance(Duration::hours(25));
    assert_eq!(
        shop.books
            .cancel_refusal(summary, Role::Staff, "919800000999")
            .await
            .expect("rule"),
        Some(CancelRefused::OldBill {
            number: first.number,
            window_minutes: 24 * 60
        })
    );
    assert_eq!(
        shop.books.invoice_source(first.id).await.expect("source"),
        None,
        "not booked from a message"
    );
    // A bill booked from a voice note names it; the same message id in another shop does not.
    for (merchant, wamid) in [
        (shop.books.merchant_id(), "wamid.VOICE"),
        (other.books.merchant_id(), "wamid.THEIRS"),
    ] {
        sqlx::query(
            "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, kind, body, transcript, status, created_at, updated_at) \
             VALUES ($1, 'in', $2, '919800000001', 'audio', '', 'do kilo atta', 'done', 1, 1)",
        )
        .bind(merchant.0)
        .bind(wamid)
        .execute(db.pool())
        .await
        .expect("message");
    }
    let voiced = shop
        .books
        .create_invoice(
            None,
            &[line()],
            &Origin::keyed(Source::Whatsapp, "wamid.VOICE#1"),
        )
        .await
        .expect("bill")
        .value;
    let source = shop
        .books
        .invoice_source(voiced.id)
        .await
        .expect("source")
        .expect("a message");
    assert_eq!(
        (source.kind.as_str(), source.transcript.as_deref()),
        ("audio", Some("do kilo atta"))
    );
    let crossed = shop
        .books
        .create_invoice(
            None,
            &[line()],
            &Origin::keyed(Source::Whatsapp, "wamid.THEIRS#0"),
        )
        .await
        .expect("bill")
        .value;
    assert_eq!(
        shop.books.invoice_source(crossed.id).await.expect("source"),
        None,
        "another shop's message is never shown"
    );
    assert!(matches!(
        other.books.invoice_source(voiced.id).await,
        Err(BooksError::InvoiceNotFound(_))
    ));

    // Reminders by list.
    let now = to_millis(shop.books.now());
    let later = shop
        .books
        .schedule_reminder(rahul.id, None, now + 3_600_000, &cli())
        .await
        .expect("later")
        .value;
    let sooner = shop
        .books
        .schedule_reminder(rahul.id, Some(rupees(50)), now + 60_000, &cli())
        .await
        .expect("sooner")
        .value;
    let dropped = shop
        .books
        .schedule_reminder(rahul.id, None, now + 120_000, &cli())
        .await
        .expect("dropped")
        .value;
    assert!(
        shop.books
            .cancel_reminder(dropped.id)
            .await
            .expect("cancel")
    );
    let upcoming = shop
        .books
        .reminders_in(ReminderList::Upcoming, 10, None)
        .await
        .expect("upcoming");
    assert_eq!(
        upcoming.iter().map(|r| r.id).collect::<Vec<_>>(),
        [sooner.id, later.id],
        "soonest first"
    );
    let next = shop
        .books
        .reminders_in(ReminderList::Upcoming, 10, Some(sooner.id))
        .await
        .expect("next page");
    assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), [later.id]);
    let closed = shop
        .books
        .reminders_in(ReminderList::Closed, 10, None)
        .await
        .expect("closed");
    assert_eq!(
        closed.iter().map(|r| r.id).collect::<Vec<_>>(),
        [dropped.id]
    );
    assert!(
        shop.books
            .reminders_in(ReminderList::Failed, 10, None)
            .await
            .expect("failed")
            .is_empty()
    );
    assert!(
        other
            .books
            .reminders_in(ReminderList::Upcoming, 10, None)
            .await
            .expect("theirs")
            .is_empty()
    );
    assert_eq!(
        ReminderList::parse("needs_review"),
        Some(ReminderList::NeedsReview)
    );

    // A product's price and low-stock level; another shop's product is not found.
    let edited = shop
        .books
        .update_product(
            atta.id,
            rupees(45),
            Some(Quantity::from_whole(9).expect("qty")),
        )
        .await
        .expect("edit");
    assert_eq!(edited.price, rupees(45));
    assert!(edited.is_low(), "7 kg left (three sold), level 9");
    assert_eq!(
        edited.stock,
        Quantity::from_whole(7).expect("qty"),
        "stock untouched"
    );
    let cleared = shop
        .books
        .update_product(atta.id, rupees(45), None)
        .await
        .expect("clear level");
    assert_eq!(cleared.low_stock, None);
    assert!(matches!(
        shop.books.update_product(atta.id, Paise::ZERO, None).await,
        Err(BooksError::InvalidAmount(_))
    ));
    assert!(matches!(
        other.books.update_product(atta.id, rupees(1), None).await,
        Err(BooksError::ProductNotFound(_))
    ));
    assert_eq!(
        shop.books.product(atta.id).await.expect("product").price,
        rupees(45)
    );
}

async fn shop_of_another(db: &Db) -> crate::support::Shop {
    shop(db, "Sharma Stores").await
}

crate::on_both_databases!(
    payment_reduces_balance_and_credit_raises_it,
    same_key_books_once_and_replays_the_outcome,
    customers_are_deduplicated_by_phone,
    finds_customers_by_name_as_said,
    fuzzy_lookup_understands_spelling_script_honorifics_and_nicknames,
    invoice_prices_from_catalog_moves_stock_and_debits,
    cancelling_an_invoice_reverses_entry_and_restores_stock,
    undo_reverses_the_last_booking_and_never_deletes,
    statement_shows_running_balance_newest_first_in_pages,
    products_are_upserted_by_name_and_stock_is_exact,
    daily_summary_counts_the_merchants_local_day,
    reminders_are_scheduled_and_cancelled,
    the_ledger_refuses_updates_and_deletes,
    stock_history_and_booked_operations_refuse_changes,
    bookings_still_finish_undo_and_cancel_under_the_guards,
    migrations_are_idempotent_and_readiness_works,
    daily_totals_agree_with_each_days_summary_across_local_midnight,
    daily_totals_agree_with_each_days_summary_across_a_clock_change,
    customers_are_listed_by_name_or_dues_and_searched_by_name_as_said,
    panel_reads_statements_by_date_bills_by_status_reminders_by_list_and_edits_products,
);
