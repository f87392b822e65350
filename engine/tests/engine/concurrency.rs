//! Many bookings at once against one customer lose no update.

use std::sync::Arc;

use execora_engine::books::{InvoiceLineRequest, LinePricing, Origin, Source};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::Db;

use crate::support::{customer, product, shop};

async fn two_hundred_concurrent_payments_and_invoices_lose_nothing(db: Db) {
    let shop = shop(&db, "Busy Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let milk = product(&shop.books, "Milk", 30, Unit::Packet, 1000).await;
    let books = Arc::new(shop.books.clone());
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let books = books.clone();
        tasks.push(tokio::spawn(async move {
            let origin = Origin::keyed(Source::Whatsapp, format!("wamid.concurrent.{i}"));
            if i % 2 == 0 {
                books
                    .record_payment(rahul.id, Paise::new(1_000), None, &origin)
                    .await
                    .map(|_| ())
            } else {
                let line = InvoiceLineRequest {
                    pricing: LinePricing::Catalog(milk.id),
                    qty: Quantity::ONE,
                    unit: None,
                };
                books
                    .create_invoice(Some(rahul.id), &[line], &origin)
                    .await
                    .map(|_| ())
            }
        }));
    }
    // Every booking is also retried once concurrently with the same key: it must book once.
    for i in (0..200u32).step_by(7) {
        let books = books.clone();
        tasks.push(tokio::spawn(async move {
            let origin = Origin::keyed(Source::Whatsapp, format!("wamid.concurrent.{i}"));
            if i % 2 == 0 {
                books
                    .record_payment(rahul.id, Paise::new(1_000), None, &origin)
                    .await
                    .map(|_| ())
            } else {
                let line = InvoiceLineRequest {
                    pricing: LinePricing::Catalog(milk.id),
                    qty: Quantity::ONE,
                    unit: None,
                };
                books
                    .create_invoice(Some(rahul.id), &[line], &origin)
                    .await
                    .map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.expect("task ran").expect("booking succeeded");
    }
    // 100 payments of ₹10 and 100 bills of ₹30.
    let expected = Paise::new(100 * 3_000 - 100 * 1_000);
    assert_eq!(books.balance(rahul.id).await.expect("balance"), expected);
    assert_eq!(
        books.ledger_balance(rahul.id).await.expect("ledger"),
        expected
    );
    assert_eq!(books.entries(rahul.id).await.expect("entries").len(), 200);
    assert_eq!(
        books.product(milk.id).await.expect("milk").stock,
        Quantity::from_milli(900_000)
    );
    let bills = books.invoices(None, 500).await.expect("bills");
    let mut numbers: Vec<i64> = bills.iter().map(|b| b.number).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=100).collect::<Vec<i64>>(),
        "invoice numbers are gapless and unique"
    );
}

crate::on_both_databases!(two_hundred_concurrent_payments_and_invoices_lose_nothing);
