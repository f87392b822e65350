//! Every dialog path through the real pipeline: ambiguity, unknown names, the active customer, undo, replays.

use std::sync::Arc;

use chrono::Duration;
use execora_engine::books::{Books, Found, Source};
use execora_engine::dialog::Input;
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::pipeline::{Message, Pipeline};
use execora_engine::quantity::Unit;
use execora_engine::reply::Outcome;
use execora_engine::store::Db;

use crate::support::{Shop, customer, product, shop};

pub(crate) struct Talk {
    pub(crate) pipeline: Pipeline,
    pub(crate) shop: Shop,
    count: u32,
    /// Who is talking: the shop's owner unless `as_phone` says otherwise.
    sender: String,
    owner: String,
}

impl Talk {
    /// A conversation with a new shop, as its owner.
    pub(crate) async fn new(db: &Db) -> Talk {
        let shop = shop(db, "Dialog Kirana").await;
        let pipeline = Pipeline::new(db.clone(), shop.clock.clone(), None);
        let owner = execora_engine::books::merchants::list(db)
            .await
            .expect("list shops")
            .into_iter()
            .find(|(m, _)| m.id == shop.books.merchant_id())
            .and_then(|(_, phones)| phones.into_iter().next())
            .expect("the shop has its owner's phone")
            .phone
            .as_str()
            .to_string();
        Talk {
            pipeline,
            shop,
            count: 0,
            sender: owner.clone(),
            owner,
        }
    }

    /// The owner's phone, as the books know it.
    pub(crate) fn owner(&self) -> String {
        self.owner.clone()
    }

    /// Talks from `phone` from now on.
    pub(crate) fn as_phone(&mut self, phone: &str) {
        self.sender = phone.to_string();
    }

    pub(crate) fn books(&self) -> &Books {
        &self.shop.books
    }

    pub(crate) fn message(&mut self, input: Input) -> Message {
        self.count += 1;
        Message {
            merchant: self.books().merchant_id(),
            sender: self.sender.clone(),
            id: format!("wamid.dialog.{}", self.count),
            source: Source::Whatsapp,
            input,
        }
    }

    pub(crate) async fn say(&mut self, text: &str) -> Vec<Outcome> {
        let message = self.message(Input::Text(text.into()));
        self.pipeline
            .handle(&message)
            .await
            .expect("handled")
            .outcomes
    }

    pub(crate) async fn tap(&mut self, id: &str, title: &str) -> Vec<Outcome> {
        let message = self.message(Input::Button {
            id: id.into(),
            title: title.into(),
        });
        self.pipeline
            .handle(&message)
            .await
            .expect("handled")
            .outcomes
    }

    pub(crate) async fn balance_of(&self, name: &str) -> Paise {
        match self.books().find_customers(name, 3).await.expect("find") {
            Found::One(c) => c.balance,
            other => panic!("{name}: {other:?}"),
        }
    }
}

pub(crate) fn rupees(r: i64) -> Paise {
    Paise::new(r * 100)
}

async fn an_ambiguous_name_is_asked_and_answered_by_number_name_or_button(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul Sharma").await;
    customer(talk.books(), "Rahul Verma").await;
    let asked = talk.say("Rahul ne 200 diye").await;
    match asked.as_slice() {
        [Outcome::AskWhichCustomer { options, .. }] => {
            assert_eq!(options.len(), 2);
            assert!(
                options.contains(&"Rahul Sharma".to_string())
                    && options.contains(&"Rahul Verma".to_string())
            );
        }
        other => panic!("expected a question, got {other:?}"),
    }
    let Outcome::AskWhichCustomer { options, .. } = &asked[0] else {
        unreachable!()
    };
    let verma = options
        .iter()
        .position(|o| o == "Rahul Verma")
        .expect("listed")
        + 1;
    let answered = talk.say(&verma.to_string()).await;
    assert!(
        matches!(answered.as_slice(), [Outcome::PaymentRecorded { customer, amount, .. }] if customer == "Rahul Verma" && *amount == rupees(200)),
        "{answered:?}"
    );
    assert_eq!(talk.balance_of("Rahul Verma").await, rupees(-200));

    talk.say("Rahul ne 300 diye").await;
    let by_name = talk.say("Rahul Sharma").await;
    assert!(
        matches!(by_name.as_slice(), [Outcome::PaymentRecorded { customer, .. }] if customer == "Rahul Sharma"),
        "{by_name:?}"
    );

    let asked = talk.say("Rahul ko 50 udhaar likho").await;
    let Some(Outcome::AskWhichCustomer { options, .. }) = asked.first() else {
        panic!("{asked:?}")
    };
    let sharma = options
        .iter()
        .position(|o| o == "Rahul Sharma")
        .expect("listed")
        + 1;
    let tapped = talk.tap(&format!("pick:{sharma}"), "Rahul Sharma").await;
    assert!(
        matches!(tapped.as_slice(), [Outcome::CreditAdded { customer, .. }] if customer == "Rahul Sharma"),
        "{tapped:?}"
    );
    assert_eq!(talk.balance_of("Rahul Sharma").await, rupees(-300 + 50));
}

async fn an_unknown_customer_is_offered_and_created_only_on_yes(db: Db) {
    let mut talk = Talk::new(&db).await;
    let asked = talk.say("Amit ne 500 UPI kiya").await;
    assert!(
        matches!(asked.as_slice(), [Outcome::AskCreateCustomer { name }] if name == "Amit"),
        "{asked:?}"
    );
    let declined = talk.say("nahi").await;
    assert_eq!(declined, vec![Outcome::Dropped]);
    assert_eq!(
        talk.books().find_customers("Amit", 3).await.expect("find"),
        Found::None
    );

    talk.say("Amit ne 500 UPI kiya").await;
    let created = talk.tap("yes", "Haan, banao").await;
    assert!(
        matches!(created.as_slice(), [Outcome::PaymentRecorded { customer, mode: Some(PaymentMode::Upi), balance, .. }] if customer == "Amit" && *balance == rupees(-500)),
        "{created:?}"
    );
    // A balance question about nobody does not offer to create anyone.
    let missing = talk.say("Zorawar ka balance batao").await;
    assert!(
        matches!(missing.as_slice(), [Outcome::CustomerNotFound { .. }]),
        "{missing:?}"
    );
}

async fn the_active_customer_carries_over_to_the_next_message(db: Db) {
    let mut talk = Talk::new(&db).await;
    let rahul = customer(talk.books(), "Rahul").await;
    customer(talk.books(), "Suresh").await;
    talk.books()
        .add_credit(
            rahul.id,
            rupees(1500),
            None,
            &execora_engine::books::Origin::new(Source::Cli),
        )
        .await
        .expect("seed");
    let balance = talk.say("Rahul ka balance batao").await;
    assert_eq!(
        balance,
        vec![Outcome::Balance {
            customer: "Rahul".into(),
            balance: rupees(1500)
        }]
    );
    let paid = talk.say("usne 200 diye").await;
    assert!(
        matches!(paid.as_slice(), [Outcome::PaymentRecorded { customer, balance, .. }] if customer == "Rahul" && *balance == rupees(1300)),
        "{paid:?}"
    );
    let more = talk.say("aur 100 udhaar likh do").await;
    assert!(
        matches!(more.as_slice(), [Outcome::CreditAdded { customer, balance, .. }] if customer == "Rahul" && *balance == rupees(1400)),
        "{more:?}"
    );
    let again = talk.say("uska balance batao").await;
    assert_eq!(
        again,
        vec![Outcome::Balance {
            customer: "Rahul".into(),
            balance: rupees(1400)
        }]
    );
    // After the conversation goes quiet, "uska" means nobody.
    talk.shop.clock.advance(Duration::minutes(31));
    let stale = talk.say("uska balance batao").await;
    assert!(
        !matches!(stale.as_slice(), [Outcome::Balance { .. }]),
        "{stale:?}"
    );
}

async fn undo_works_inside_the_window_and_not_after(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    talk.say("Rahul ne 200 diye").await;
    assert_eq!(talk.balance_of("Rahul").await, rupees(-200));
    let undone = talk.say("galti ho gayi, wapas lo").await;
    assert!(
        matches!(undone.as_slice(), [Outcome::Undone { kind, amount: Some(a), .. }] if kind == "payment" && *a == rupees(200)),
        "{undone:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    assert_eq!(
        talk.say("galti ho gayi, wapas lo").await,
        vec![Outcome::NothingToUndo]
    );
    talk.say("Rahul ne 300 diye").await;
    talk.shop.clock.advance(Duration::minutes(11));
    assert_eq!(
        talk.say("galti ho gayi, wapas lo").await,
        vec![Outcome::UndoExpired { minutes: 10 }]
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(-300));
    let rahul = match talk.books().find_customers("Rahul", 1).await.expect("find") {
        Found::One(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        talk.books().entries(rahul.id).await.expect("entries").len(),
        3,
        "undo appends, never deletes"
    );
}

async fn the_same_message_twice_books_once(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    let message = talk.message(Input::Text("Rahul ne 200 diye".into()));
    let first = talk.pipeline.handle(&message).await.expect("first");
    let second = talk.pipeline.handle(&message).await.expect("second");
    assert_eq!(first.outcomes, second.outcomes);
    assert_eq!(talk.balance_of("Rahul").await, rupees(-200));
    // Concurrently, too.
    let message = talk.message(Input::Text("Rahul ne 100 diye".into()));
    let pipeline = Arc::new(talk.pipeline.clone());
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (pipeline, message) = (pipeline.clone(), message.clone());
        tasks.push(tokio::spawn(async move {
            pipeline.handle(&message).await.map(|h| h.outcomes)
        }));
    }
    for task in tasks {
        task.await.expect("joined").expect("handled");
    }
    assert_eq!(talk.balance_of("Rahul").await, rupees(-300));
}

async fn an_unknown_product_on_a_bill_is_priced_and_added(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    product(talk.books(), "Milk", 30, Unit::Packet, 20).await;
    let asked = talk
        .say("Rahul ko 2 milk aur 3 Maggi ka bill bana do")
        .await;
    assert!(
        matches!(asked.as_slice(), [Outcome::AskProductPrice { product }] if product.eq_ignore_ascii_case("maggi")),
        "{asked:?}"
    );
    let billed = talk.say("12").await;
    match billed.as_slice() {
        [
            Outcome::InvoiceCreated {
                total,
                lines,
                customer: Some(c),
                balance,
                ..
            },
        ] => {
            assert_eq!(c, "Rahul");
            assert_eq!(lines.len(), 2);
            assert_eq!(*total, rupees(60 + 36));
            assert_eq!(*balance, Some(rupees(96)));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(talk.books().find_products("Maggi", 3).await.expect("find"), Found::One(p) if p.price == rupees(12))
    );
    // Skipping the unknown item bills the rest.
    let asked = talk
        .say("Rahul ko 1 milk aur 1 Kurkure ka bill bana do")
        .await;
    assert!(
        matches!(asked.as_slice(), [Outcome::AskProductPrice { .. }]),
        "{asked:?}"
    );
    let billed = talk.tap("skip", "Hata do").await;
    assert!(
        matches!(billed.as_slice(), [Outcome::InvoiceCreated { total, .. }] if *total == rupees(30)),
        "{billed:?}"
    );
}

async fn several_commands_in_one_message_run_in_order(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    customer(talk.books(), "Suresh").await;
    let outcomes = talk.say("Rahul ne 200 diye aur Suresh ko 300 udhaar").await;
    assert!(
        matches!(outcomes.as_slice(), [Outcome::PaymentRecorded { customer: a, .. }, Outcome::CreditAdded { customer: b, .. }] if a == "Rahul" && b == "Suresh"),
        "{outcomes:?}"
    );
    assert_eq!(talk.balance_of("Suresh").await, rupees(300));
}

async fn questions_expire_and_nonsense_is_not_understood(db: Db) {
    let mut talk = Talk::new(&db).await;
    assert_eq!(
        talk.say("mausam kaisa hai").await,
        vec![Outcome::NotUnderstood]
    );
    talk.say("Amit ne 500 diye").await;
    talk.shop.clock.advance(Duration::minutes(11));
    // The late "haan" answers nothing: no customer is created.
    let late = talk.say("haan").await;
    assert!(
        !late
            .iter()
            .any(|o| matches!(o, Outcome::PaymentRecorded { .. })),
        "{late:?}"
    );
    assert_eq!(
        talk.books().find_customers("Amit", 3).await.expect("find"),
        Found::None
    );
    let help = talk.say("kya kya kar sakte ho?").await;
    assert_eq!(help, vec![Outcome::Help]);
}

async fn refusals_are_answered_not_failed(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    let too_much = talk.say("Rahul ne 50 crore diye").await;
    assert_eq!(too_much, vec![Outcome::InvalidAmount]);
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    let no_bill = talk.say("Rahul ka last bill cancel karo").await;
    assert!(
        matches!(no_bill.as_slice(), [Outcome::NoInvoice { .. }]),
        "{no_bill:?}"
    );
}

crate::on_both_databases!(
    an_ambiguous_name_is_asked_and_answered_by_number_name_or_button,
    an_unknown_customer_is_offered_and_created_only_on_yes,
    the_active_customer_carries_over_to_the_next_message,
    undo_works_inside_the_window_and_not_after,
    the_same_message_twice_books_once,
    an_unknown_product_on_a_bill_is_priced_and_added,
    several_commands_in_one_message_run_in_order,
    questions_expire_and_nonsense_is_not_understood,
    refusals_are_answered_not_failed,
);

/// Arbitrary text through the whole pipeline: always an answer, never a panic, never a stray booking.
#[test]
fn any_text_gets_an_answer_and_books_nothing_unasked() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let test_db = runtime.block_on(crate::support::TestDb::sqlite());
    let (talk, rahul) = runtime.block_on(async {
        let talk = Talk::new(&test_db.db).await;
        let rahul = customer(talk.books(), "Rahul").await;
        (std::cell::RefCell::new(talk), rahul)
    });
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let words = prop::sample::select(vec![
        "Rahul",
        "ne",
        "ko",
        "ka",
        "diye",
        "udhaar",
        "bill",
        "bana",
        "do",
        "aur",
        "₹",
        "500",
        "dedh",
        "sau",
        "kal",
        "शाम",
        "राहुल",
        "😀",
        "'; DROP TABLE customers;--",
        "<script>",
        "\u{0}",
        "9876543210",
        "haan",
        "1",
        "wapas",
    ]);
    let strategy = prop_oneof![
        ".{0,80}".prop_map(|s: String| s),
        prop::collection::vec(words, 0..12).prop_map(|w| w.join(" ")),
    ];
    runner
        .run(&strategy, |text| {
            let outcomes = runtime.block_on(talk.borrow_mut().say(&text));
            prop_assert!(!outcomes.is_empty(), "every message gets an answer");
            Ok(())
        })
        .expect("no input breaks the pipeline");
    // Whatever was booked went to Rahul or to a customer the merchant was asked about.
    let talk = talk.borrow();
    let balance = runtime
        .block_on(talk.books().ledger_balance(rahul.id))
        .expect("ledger");
    let cached = runtime
        .block_on(talk.books().balance(rahul.id))
        .expect("balance");
    assert_eq!(balance, cached);
}
