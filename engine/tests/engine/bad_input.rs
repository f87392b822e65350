//! Hostile and odd input is stored exactly or refused with a typed error, never a panic.

use execora_engine::books::{
    BooksError, CustomerId, InvoiceLineRequest, LinePricing, NewCustomer, NewProduct, Origin,
    Source,
};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::Db;

use crate::support::{customer, shop};

async fn strange_names_are_stored_exactly(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let long_ok = "अ".repeat(120);
    for name in [
        "Robert'); DROP TABLE customers;--",
        "O'Brien \"Bob\"",
        "<script>alert(1)</script>",
        "राहुल शर्मा",
        "Pappu 🙂🛒",
        "Ünïcödé Ñame",
        long_ok.as_str(),
    ] {
        let stored = customer(&shop.books, name).await;
        assert_eq!(
            shop.books
                .customer(stored.id)
                .await
                .expect("read back")
                .name,
            name
        );
        let (product, _) = shop
            .books
            .upsert_product(NewProduct {
                name: name.into(),
                price: Paise::new(100),
                unit: Unit::Piece,
                low_stock: None,
            })
            .await
            .expect("product");
        assert_eq!(product.name, name);
    }
    assert!(
        sqlx::query("SELECT COUNT(*) FROM customers")
            .fetch_one(db.pool())
            .await
            .is_ok(),
        "table survived"
    );
}

async fn bad_names_phones_and_amounts_get_typed_errors(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let origin = Origin::new(Source::Cli);
    let add = |name: String, phone: Option<&str>| NewCustomer {
        name,
        phone: phone.map(Into::into),
        nickname: None,
    };
    for name in [
        "".to_string(),
        "   ".to_string(),
        "x".repeat(500),
        "tab\there".to_string(),
        "nul\0".to_string(),
    ] {
        assert!(matches!(
            shop.books.add_customer(add(name, None)).await,
            Err(BooksError::InvalidName(_))
        ));
    }
    for phone in ["12", "abc", "98765432101234567", "' OR 1=1 --"] {
        assert!(matches!(
            shop.books
                .add_customer(add("Amit".into(), Some(phone)))
                .await,
            Err(BooksError::InvalidPhone(_))
        ));
    }
    let rahul = customer(&shop.books, "Rahul").await;
    for paise in [0, -100, i64::MIN, i64::MAX, 1_000_000_001 * 100] {
        assert!(matches!(
            shop.books
                .record_payment(rahul.id, Paise::new(paise), None, &origin)
                .await,
            Err(BooksError::InvalidAmount(_))
        ));
        assert!(matches!(
            shop.books
                .add_credit(rahul.id, Paise::new(paise), None, &origin)
                .await,
            Err(BooksError::InvalidAmount(_))
        ));
    }
    assert!(matches!(
        shop.books
            .add_credit(rahul.id, Paise::new(100), Some(&"n".repeat(501)), &origin)
            .await,
        Err(BooksError::InvalidNote(_))
    ));
    for qty in [0, -1000] {
        let line = InvoiceLineRequest {
            pricing: LinePricing::Custom {
                name: "Chai".into(),
                unit_price: Paise::new(100),
            },
            qty: Quantity::from_milli(qty),
            unit: None,
        };
        assert!(matches!(
            shop.books
                .create_invoice(Some(rahul.id), &[line], &origin)
                .await,
            Err(BooksError::InvalidQuantity(_))
        ));
    }
    let huge = InvoiceLineRequest {
        pricing: LinePricing::Custom {
            name: "Gold".into(),
            unit_price: Paise::new(1_000_000_000),
        },
        qty: Quantity::from_milli(1_000_000_000),
        unit: None,
    };
    assert!(matches!(
        shop.books
            .create_invoice(Some(rahul.id), &[huge], &origin)
            .await,
        Err(BooksError::InvalidAmount(_))
    ));
    for missing in [CustomerId(0), CustomerId(-1), CustomerId(i64::MAX)] {
        assert!(matches!(
            shop.books.customer(missing).await,
            Err(BooksError::CustomerNotFound(_))
        ));
        assert!(matches!(
            shop.books
                .record_payment(missing, Paise::new(100), None, &origin)
                .await,
            Err(BooksError::CustomerNotFound(_))
        ));
    }
    assert_eq!(
        shop.books
            .ledger_balance(rahul.id)
            .await
            .expect("nothing booked"),
        Paise::ZERO
    );
}

crate::on_both_databases!(
    strange_names_are_stored_exactly,
    bad_names_phones_and_amounts_get_typed_errors
);
