//! Invariants after any sequence of bookings: balances equal their entries, and `books::check` is ok.

use execora_engine::books::check::check;
use execora_engine::books::{
    Books, BooksError, CustomerId, InvoiceLineRequest, LinePricing, Origin, ProductId, Source,
};
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::store::Db;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::support::{TestDb, customer, product, shop};

#[derive(Debug, Clone)]
enum Op {
    Pay {
        who: usize,
        paise: i64,
        mode: Option<PaymentMode>,
    },
    Credit {
        who: usize,
        paise: i64,
    },
    Bill {
        who: Option<usize>,
        qty_milli: i64,
    },
    CancelLastBill {
        who: usize,
    },
    Undo,
    Restock {
        qty_milli: i64,
    },
    /// The same booking again with an earlier key: must not book twice.
    Replay {
        of: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let mode = prop_oneof![
        Just(None),
        Just(Some(PaymentMode::Cash)),
        Just(Some(PaymentMode::Upi))
    ];
    prop_oneof![
        (0..3usize, -500i64..2_000_000, mode).prop_map(|(who, paise, mode)| Op::Pay {
            who,
            paise,
            mode
        }),
        (0..3usize, -500i64..2_000_000).prop_map(|(who, paise)| Op::Credit { who, paise }),
        (proptest::option::of(0..3usize), 1i64..5_000)
            .prop_map(|(who, qty_milli)| Op::Bill { who, qty_milli }),
        (0..3usize).prop_map(|who| Op::CancelLastBill { who }),
        Just(Op::Undo),
        (1i64..10_000).prop_map(|qty_milli| Op::Restock { qty_milli }),
        (0..40usize).prop_map(|of| Op::Replay { of }),
    ]
}

async fn apply(books: &Books, people: &[CustomerId], milk: ProductId, ops: &[Op]) {
    let cli = Origin::new(Source::Cli);
    for (i, step) in ops.iter().enumerate() {
        let key = Origin::keyed(Source::Whatsapp, format!("wamid.{i}"));
        let result: Result<(), BooksError> = match step {
            Op::Pay { who, paise, mode } => books
                .record_payment(people[*who], Paise::new(*paise), *mode, &key)
                .await
                .map(|_| ()),
            Op::Credit { who, paise } => books
                .add_credit(people[*who], Paise::new(*paise), None, &key)
                .await
                .map(|_| ()),
            Op::Bill { who, qty_milli } => {
                let line = InvoiceLineRequest {
                    pricing: LinePricing::Catalog(milk),
                    qty: Quantity::from_milli(*qty_milli),
                    unit: Some(Unit::Packet),
                };
                books
                    .create_invoice(who.map(|w| people[w]), &[line], &key)
                    .await
                    .map(|_| ())
            }
            Op::CancelLastBill { who } => match books.last_open_invoice(Some(people[*who])).await {
                Ok(Some(bill)) => books.cancel_invoice(bill.id, &cli).await.map(|_| ()),
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
            Op::Undo => books.undo_last(&cli).await.map(|_| ()),
            Op::Restock { qty_milli } => books
                .adjust_stock(milk, Quantity::from_milli(*qty_milli), None, &key)
                .await
                .map(|_| ()),
            Op::Replay { of } if *of < i => match &ops[*of] {
                Op::Pay { who, paise, mode } => books
                    .record_payment(
                        people[*who],
                        Paise::new(*paise),
                        *mode,
                        &Origin::keyed(Source::Whatsapp, format!("wamid.{of}")),
                    )
                    .await
                    .map(|_| ()),
                _ => Ok(()),
            },
            Op::Replay { .. } => Ok(()),
        };
        match result {
            Ok(())
            | Err(BooksError::InvalidAmount(_))
            | Err(BooksError::NothingToUndo)
            | Err(BooksError::InvoiceAlreadyCancelled(_))
            | Err(BooksError::KeyReused) => {}
            Err(other) => panic!("step {i} {step:?} failed: {other}"),
        }
    }
}

async fn check_invariant(books: &Books, people: &[CustomerId]) {
    for id in people {
        let cached = books.balance(*id).await.expect("balance");
        let derived = books.ledger_balance(*id).await.expect("ledger");
        assert_eq!(
            cached, derived,
            "cached balance differs from the ledger for {id}"
        );
        let statement = books.statement(*id, 500, None).await.expect("statement");
        let newest = statement
            .lines
            .first()
            .map_or(Paise::ZERO, |l| l.balance_after);
        assert_eq!(
            newest, derived,
            "statement's newest running balance differs"
        );
    }
}

fn run_property(make_db: fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = TestDb>>>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            runtime.block_on(async {
                let test_db = make_db().await;
                let db: Db = test_db.db.clone();
                let shop = shop(&db, "Property Kirana").await;
                let mut people = Vec::new();
                for name in ["Rahul", "Suresh", "Priya"] {
                    people.push(customer(&shop.books, name).await.id);
                }
                let milk = product(&shop.books, "Milk", 31, Unit::Packet, 100).await.id;
                apply(&shop.books, &people, milk, &ops).await;
                check_invariant(&shop.books, &people).await;
                let report = check(&db).await.expect("check");
                assert!(report.is_ok(), "{report}: {:?}", report.problems);
                db.close().await;
            });
            Ok(())
        })
        .expect("balance equals the sum of entries after every sequence");
}

#[test]
fn sqlite_balance_always_equals_sum_of_entries() {
    run_property(|| Box::pin(TestDb::sqlite()));
}

#[test]
fn postgres_balance_always_equals_sum_of_entries() {
    run_property(|| Box::pin(TestDb::postgres()));
}
