//! Money moves only when the merchant asked for it: unsure readings and unusual amounts are
//! written on "Haan" only, readings that are not bookings write nothing, and staff are limited.

use chrono::Duration;
use execora_engine::books::{self, Role, SettingsChange};
use execora_engine::dialog::state::DialogState;
use execora_engine::dialog::{self, Input, Turn};
use execora_engine::money::Paise;
use execora_engine::nlu::command::{Command, NotBooked, Parsed, Understood};
use execora_engine::quantity::Unit;
use execora_engine::reply::{ConfirmReason, NothingWritten, Outcome, OwnerOnly, Proposal};
use execora_engine::store::Db;

use crate::dialog::{Talk, rupees};
use crate::support::{customer, product};

/// A phone the tests register as the shop's staff.
const STAFF: &str = "919877000001";
const OTHER_STAFF: &str = "919877000002";

impl Talk {
    /// Hands `understood` to the dialog as the reading of a new message from the current sender.
    async fn understood(&mut self, understood: Understood) -> Vec<Outcome> {
        let message = self.message(Input::Text(String::new()));
        let turn = Turn {
            books: self.books(),
            sender: &message.sender,
            message_id: &message.id,
            source: message.source,
            llm: None,
        };
        dialog::respond_understood(&turn, understood)
            .await
            .expect("handled")
    }

    async fn with_staff(db: &Db) -> Talk {
        let talk = Talk::new(db).await;
        for phone in [STAFF, OTHER_STAFF] {
            books::merchants::add_phone(
                db,
                talk.books().merchant_id(),
                phone,
                Role::Staff,
                &*talk.shop.clock,
            )
            .await
            .expect("add staff");
        }
        talk
    }
}

fn unsure(commands: Vec<Command>) -> Understood {
    Understood {
        parsed: Parsed { commands },
        confident: false,
        not_booked: None,
    }
}

fn asked_to_confirm(outcomes: &[Outcome]) -> Option<(&Proposal, &ConfirmReason)> {
    match outcomes {
        [.., Outcome::AskConfirm { proposal, reason }] => Some((proposal, reason)),
        _ => None,
    }
}

async fn an_unsure_payment_is_shown_and_booked_only_on_haan_once(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Suresh Patel").await;
    let asked = talk
        .understood(unsure(vec![Command::RecordPayment {
            customer: "Suresh".into(),
            amount_paise: rupees(500),
            mode: None,
        }]))
        .await;
    assert_eq!(
        asked_to_confirm(&asked),
        Some((
            &Proposal::Payment {
                customer: "Suresh Patel".into(),
                amount: rupees(500),
                mode: None
            },
            &ConfirmReason::Unsure
        )),
        "{asked:?}"
    );
    assert_eq!(talk.balance_of("Suresh Patel").await, Paise::ZERO);

    // Two taps on Haan that both find the question open (a double tap processed side by side),
    // and a redelivery of the first: one payment.
    let waiting = DialogState::load(talk.books(), &talk.owner())
        .await
        .expect("state");
    let first = talk.message(Input::Button {
        id: "yes".into(),
        title: "Haan".into(),
    });
    let booked = talk.pipeline.handle(&first).await.expect("first yes");
    assert!(
        matches!(booked.outcomes.as_slice(), [Outcome::PaymentRecorded { customer, amount, .. }] if customer == "Suresh Patel" && *amount == rupees(500)),
        "{:?}",
        booked.outcomes
    );
    waiting
        .save(talk.books(), &talk.owner())
        .await
        .expect("reopen the question");
    let second = talk.tap("yes", "Haan").await;
    assert!(
        matches!(second.as_slice(), [Outcome::PaymentRecorded { .. }]),
        "{second:?}"
    );
    talk.pipeline.handle(&first).await.expect("redelivered yes");
    assert_eq!(talk.balance_of("Suresh Patel").await, rupees(-500));
}

async fn an_unsure_message_from_the_rules_asks_before_booking(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    let asked = talk.say("Rahul ne 200 diye kyunki woh aaya tha").await;
    let Some((
        Proposal::Payment {
            customer, amount, ..
        },
        ConfirmReason::Unsure,
    )) = asked_to_confirm(&asked)
    else {
        panic!("expected a confirmation, got {asked:?}");
    };
    assert_eq!((customer.as_str(), *amount), ("Rahul", rupees(200)));
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    let written = talk.say("haan").await;
    assert!(
        matches!(written.as_slice(), [Outcome::PaymentRecorded { .. }]),
        "{written:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(-200));
    // A clear command books at once, with no question.
    let clear = talk.say("Rahul ne 100 diye").await;
    assert!(
        matches!(clear.as_slice(), [Outcome::PaymentRecorded { .. }]),
        "{clear:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(-300));
}

async fn messages_the_rules_are_unsure_of_write_nothing_without_a_yes(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    for text in ["Rahul ne 200 diye kyunki woh aaya tha", "Rahul ko 500 diye"] {
        let outcomes = talk.say(text).await;
        assert!(
            matches!(
                outcomes.as_slice(),
                [Outcome::AskConfirm { .. }] | [Outcome::NotBooked { .. }]
            ),
            "{text}: {outcomes:?}"
        );
        talk.say("nahi").await;
        assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO, "{text}");
    }
    // A bare amount after talking about Rahul leaves the customer to a guess: asked, naming him.
    talk.say("Rahul ka balance batao").await;
    let guessed = talk.say("500 udhaar").await;
    assert!(
        matches!(asked_to_confirm(&guessed), Some((Proposal::Credit { customer, amount }, ConfirmReason::Unsure)) if customer == "Rahul" && *amount == rupees(500)),
        "{guessed:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    assert!(matches!(
        talk.say("haan").await.as_slice(),
        [Outcome::CreditAdded { .. }]
    ));
    // "aur …" says it goes on about him: written at once.
    let more = talk.say("aur 100 udhaar likh do").await;
    assert!(
        matches!(more.as_slice(), [Outcome::CreditAdded { amount, .. }] if *amount == rupees(100)),
        "{more:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(600));
}

async fn unsure_bills_and_stock_are_asked_about_too(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    let milk = product(talk.books(), "Milk", 30, Unit::Packet, 10).await;
    let bill = talk
        .understood(unsure(vec![Command::CreateInvoice {
            customer: Some("Rahul".into()),
            items: vec![execora_engine::nlu::command::ItemRequest {
                product: "milk".into(),
                qty: execora_engine::quantity::Quantity::from_milli(2_000),
                unit: None,
            }],
        }]))
        .await;
    assert!(
        matches!(asked_to_confirm(&bill), Some((Proposal::Invoice { customer: Some(c), total }, ConfirmReason::Unsure)) if c == "Rahul" && *total == rupees(60)),
        "{bill:?}"
    );
    assert_eq!(talk.say("nahi").await, vec![Outcome::Dropped]);
    let stock = talk
        .understood(unsure(vec![Command::UpdateStock {
            product: "milk".into(),
            qty: execora_engine::quantity::Quantity::from_milli(5_000),
            unit: None,
        }]))
        .await;
    assert!(
        matches!(
            asked_to_confirm(&stock),
            Some((Proposal::Stock { .. }, ConfirmReason::Unsure))
        ),
        "{stock:?}"
    );
    assert_eq!(talk.say("nahi").await, vec![Outcome::Dropped]);
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    assert_eq!(
        talk.books().product(milk.id).await.expect("milk").stock,
        milk.stock
    );
    assert!(
        talk.books()
            .invoices(None, 10)
            .await
            .expect("bills")
            .is_empty()
    );
}

async fn nahi_or_a_new_message_writes_nothing(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    let credit = Command::AddCredit {
        customer: "Rahul".into(),
        amount_paise: rupees(500),
        note: None,
    };
    let asked = talk.understood(unsure(vec![credit.clone()])).await;
    assert!(asked_to_confirm(&asked).is_some(), "{asked:?}");
    assert_eq!(talk.tap("no", "Nahi").await, vec![Outcome::Dropped]);
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);

    // An unrelated message drops the question; a late "haan" then writes nothing.
    talk.understood(unsure(vec![credit])).await;
    let balance = talk.say("Rahul ka balance batao").await;
    assert!(
        matches!(balance.as_slice(), [Outcome::Balance { .. }]),
        "{balance:?}"
    );
    let late = talk.say("haan").await;
    assert_eq!(late, vec![Outcome::NotUnderstood]);
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
}

async fn an_unsure_reading_that_writes_nothing_just_runs(db: Db) {
    let mut talk = Talk::new(&db).await;
    let rahul = customer(talk.books(), "Rahul").await;
    talk.books()
        .add_credit(
            rahul.id,
            rupees(300),
            None,
            &books::Origin::new(books::Source::Cli),
        )
        .await
        .expect("credit");
    let balance = talk
        .understood(unsure(vec![Command::CheckBalance {
            customer: Some("Rahul".into()),
        }]))
        .await;
    assert_eq!(
        balance,
        vec![Outcome::Balance {
            customer: "Rahul".into(),
            balance: rupees(300)
        }]
    );
}

async fn a_reading_that_is_not_a_booking_writes_nothing_and_says_why(db: Db) {
    let mut talk = Talk::new(&db).await;
    let rahul = customer(talk.books(), "Rahul").await;
    talk.books()
        .add_credit(
            rahul.id,
            rupees(700),
            None,
            &books::Origin::new(books::Source::Cli),
        )
        .await
        .expect("credit");
    let cases = [
        (NotBooked::Negation, NothingWritten::Negation),
        (NotBooked::Question, NothingWritten::Question),
        (NotBooked::Promise, NothingWritten::Promise),
        (NotBooked::Hypothetical, NothingWritten::Hypothetical),
        (NotBooked::AlreadyWritten, NothingWritten::AlreadyWritten),
        (NotBooked::MoneyPaidOut, NothingWritten::MoneyPaidOut),
        (NotBooked::AmountUnclear, NothingWritten::AmountUnclear),
    ];
    for (why, said) in cases {
        let outcomes = talk
            .understood(Understood {
                parsed: Parsed {
                    commands: vec![Command::RecordPayment {
                        customer: "Rahul".into(),
                        amount_paise: rupees(500),
                        mode: None,
                    }],
                },
                confident: true,
                not_booked: Some(why),
            })
            .await;
        assert_eq!(
            outcomes,
            vec![Outcome::NotBooked {
                why: said,
                customer: Some("Rahul".into()),
                balance: Some(rupees(700)),
            }]
        );
    }
    let too_long = talk
        .understood(Understood {
            parsed: Parsed::unknown(),
            confident: false,
            not_booked: Some(NotBooked::TooLong),
        })
        .await;
    assert_eq!(
        too_long,
        vec![Outcome::NotBooked {
            why: NothingWritten::TooLong,
            customer: None,
            balance: None,
        }]
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(700));
    assert!(talk.books().entries(rahul.id).await.expect("entries").len() == 1);
}

async fn a_large_amount_asks_even_when_clear_and_the_limit_is_the_shops(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    let asked = talk.say("Rahul ne 60000 diye").await;
    assert_eq!(
        asked_to_confirm(&asked).map(|(_, reason)| reason),
        Some(&ConfirmReason::LargeAmount {
            limit: rupees(50_000)
        }),
        "{asked:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    let written = talk.say("haan").await;
    assert!(
        matches!(written.as_slice(), [Outcome::PaymentRecorded { amount, .. }] if *amount == rupees(60_000)),
        "{written:?}"
    );

    books::merchants::set_settings(
        &db,
        talk.books().merchant_id(),
        SettingsChange {
            large_amount: Some(rupees(75_000)),
            cancel_window_minutes: None,
            ..SettingsChange::default()
        },
        &*talk.shop.clock,
    )
    .await
    .expect("settings");
    let under = talk.say("Rahul ko 70000 udhaar likho").await;
    assert!(
        matches!(under.as_slice(), [Outcome::CreditAdded { .. }]),
        "{under:?}"
    );
    let over = talk.say("Rahul ko 80000 udhaar likho").await;
    assert!(
        matches!(asked_to_confirm(&over), Some((Proposal::Credit { .. }, ConfirmReason::LargeAmount { limit })) if *limit == rupees(75_000)),
        "{over:?}"
    );
    assert_eq!(talk.say("nahi").await, vec![Outcome::Dropped]);
    assert_eq!(talk.balance_of("Rahul").await, rupees(10_000));

    // A bill is quoted before it is issued.
    product(talk.books(), "Fridge", 90_000, Unit::Piece, 5).await;
    let bill = talk.say("Rahul ko 1 Fridge ka bill bana do").await;
    assert!(
        matches!(asked_to_confirm(&bill), Some((Proposal::Invoice { total, .. }, ConfirmReason::LargeAmount { .. })) if *total == rupees(90_000)),
        "{bill:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(10_000));
}

async fn an_amount_far_above_the_customers_history_asks(db: Db) {
    let mut talk = Talk::new(&db).await;
    customer(talk.books(), "Rahul").await;
    customer(talk.books(), "Suresh").await;
    talk.say("Rahul ko 300 udhaar likho").await;
    let asked = talk.say("Rahul ko 8000 udhaar likho").await;
    assert_eq!(
        asked_to_confirm(&asked).map(|(_, reason)| reason),
        Some(&ConfirmReason::AboveHistory {
            customer: "Rahul".into(),
            largest: rupees(300)
        }),
        "{asked:?}"
    );
    assert_eq!(talk.say("nahi").await, vec![Outcome::Dropped]);
    assert_eq!(talk.balance_of("Rahul").await, rupees(300));
    // Below ₹5,000 nothing is questioned for being new, nor is a customer with no history.
    let small = talk.say("Rahul ko 4000 udhaar likho").await;
    assert!(
        matches!(small.as_slice(), [Outcome::CreditAdded { .. }]),
        "{small:?}"
    );
    let fresh = talk.say("Suresh ko 8000 udhaar likho").await;
    assert!(
        matches!(fresh.as_slice(), [Outcome::CreditAdded { .. }]),
        "{fresh:?}"
    );
    // Now 8000 is within ten times Rahul's largest entry (4000).
    let within = talk.say("Rahul ko 8000 udhaar likho").await;
    assert!(
        matches!(within.as_slice(), [Outcome::CreditAdded { .. }]),
        "{within:?}"
    );
}

async fn staff_book_and_ask_balances_but_the_owners_views_are_refused(db: Db) {
    let mut talk = Talk::with_staff(&db).await;
    customer(talk.books(), "Rahul").await;
    product(talk.books(), "Milk", 30, Unit::Packet, 10).await;
    talk.as_phone(STAFF);
    let paid = talk.say("Rahul ne 200 diye").await;
    assert!(
        matches!(paid.as_slice(), [Outcome::PaymentRecorded { .. }]),
        "{paid:?}"
    );
    let credit = talk.say("Rahul ko 500 udhaar likho").await;
    assert!(
        matches!(credit.as_slice(), [Outcome::CreditAdded { .. }]),
        "{credit:?}"
    );
    let bill = talk.say("Rahul ko 2 milk ka bill bana do").await;
    assert!(
        matches!(bill.as_slice(), [Outcome::InvoiceCreated { .. }]),
        "{bill:?}"
    );
    let balance = talk.say("Rahul ka balance batao").await;
    assert!(
        matches!(balance.as_slice(), [Outcome::Balance { .. }]),
        "{balance:?}"
    );

    let refusals = [
        ("total baaki kitna hai", OwnerOnly::ShopDues),
        ("aaj ki bikri batao", OwnerOnly::Summary),
        ("sab bills dikhao", OwnerOnly::AllInvoices),
        ("naya item Bourbon biscuit 35 rupaye", OwnerOnly::Products),
        ("Rahul ka reminder hatao", OwnerOnly::CancelReminders),
    ];
    for (text, action) in refusals {
        assert_eq!(
            talk.say(text).await,
            vec![Outcome::OwnerOnly { action }],
            "{text}"
        );
    }
    assert_eq!(
        talk.books()
            .find_products("Bourbon", 3)
            .await
            .expect("find"),
        books::Found::None
    );

    // The owner can do each of them.
    talk.as_phone(&talk.owner());
    let owner_answers = [
        talk.say("total baaki kitna hai").await,
        talk.say("aaj ki bikri batao").await,
        talk.say("sab bills dikhao").await,
        talk.say("naya item Bourbon biscuit 35 rupaye").await,
        talk.say("Rahul ka reminder hatao").await,
    ];
    for answer in owner_answers {
        assert!(
            !answer
                .iter()
                .any(|o| matches!(o, Outcome::OwnerOnly { .. } | Outcome::TryAgain)),
            "{answer:?}"
        );
    }
    assert!(matches!(
        talk.books()
            .find_products("Bourbon", 3)
            .await
            .expect("find"),
        books::Found::One(_)
    ));
}

async fn staff_cancel_only_their_own_recent_bills_and_the_owner_any(db: Db) {
    let mut talk = Talk::with_staff(&db).await;
    customer(talk.books(), "Rahul").await;
    customer(talk.books(), "Suresh").await;
    product(talk.books(), "Milk", 30, Unit::Packet, 50).await;

    // Someone else's bill: refused to staff.
    talk.as_phone(OTHER_STAFF);
    talk.say("Suresh ko 1 milk ka bill bana do").await;
    talk.as_phone(STAFF);
    let others = talk.say("Suresh ka last bill cancel karo").await;
    assert!(
        matches!(
            others.as_slice(),
            [Outcome::OwnerOnly {
                action: OwnerOnly::OthersBill { .. }
            }]
        ),
        "{others:?}"
    );
    assert_eq!(talk.balance_of("Suresh").await, rupees(30));

    // Their own bill, inside the window: cancelled.
    talk.say("Rahul ko 2 milk ka bill bana do").await;
    talk.shop.clock.advance(Duration::hours(23));
    let own = talk.say("Rahul ka last bill cancel karo").await;
    assert!(
        matches!(own.as_slice(), [Outcome::InvoiceCancelled { .. }]),
        "{own:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);

    // Their own bill after the window (24 hours by default): only the owner.
    talk.say("Rahul ko 3 milk ka bill bana do").await;
    talk.shop.clock.advance(Duration::hours(25));
    let old = talk.say("Rahul ka last bill cancel karo").await;
    assert!(
        matches!(
            old.as_slice(),
            [Outcome::OwnerOnly {
                action: OwnerOnly::OldBill {
                    window_minutes: 1440,
                    ..
                }
            }]
        ),
        "{old:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(90));

    // The owner cancels both, old and someone else's.
    talk.as_phone(&talk.owner());
    let by_owner = talk.say("Rahul ka last bill cancel karo").await;
    assert!(
        matches!(by_owner.as_slice(), [Outcome::InvoiceCancelled { .. }]),
        "{by_owner:?}"
    );
    let suresh = talk.say("Suresh ka last bill cancel karo").await;
    assert!(
        matches!(suresh.as_slice(), [Outcome::InvoiceCancelled { .. }]),
        "{suresh:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, Paise::ZERO);
    assert_eq!(talk.balance_of("Suresh").await, Paise::ZERO);

    // The window is the shop's setting.
    books::merchants::set_settings(
        &db,
        talk.books().merchant_id(),
        SettingsChange {
            large_amount: None,
            cancel_window_minutes: Some(30),
            ..SettingsChange::default()
        },
        &*talk.shop.clock,
    )
    .await
    .expect("settings");
    talk.as_phone(STAFF);
    talk.say("Rahul ko 1 milk ka bill bana do").await;
    talk.shop.clock.advance(Duration::minutes(31));
    let late = talk.say("Rahul ka last bill cancel karo").await;
    assert!(
        matches!(
            late.as_slice(),
            [Outcome::OwnerOnly {
                action: OwnerOnly::OldBill {
                    window_minutes: 30,
                    ..
                }
            }]
        ),
        "{late:?}"
    );
}

async fn staff_undo_only_their_own_booking(db: Db) {
    let mut talk = Talk::with_staff(&db).await;
    customer(talk.books(), "Rahul").await;
    talk.say("Rahul ne 200 diye").await;
    talk.as_phone(STAFF);
    // The owner's payment is not the staff phone's to take back.
    assert_eq!(
        talk.say("galti ho gayi, wapas lo").await,
        vec![Outcome::NothingToUndo]
    );
    talk.say("Rahul ne 50 diye").await;
    let undone = talk.say("galti ho gayi, wapas lo").await;
    assert!(
        matches!(undone.as_slice(), [Outcome::Undone { amount: Some(a), .. }] if *a == rupees(50)),
        "{undone:?}"
    );
    assert_eq!(talk.balance_of("Rahul").await, rupees(-200));
}

async fn a_phone_that_is_not_the_shops_has_staff_rights_only(db: Db) {
    let mut talk = Talk::new(&db).await;
    talk.as_phone("919800099999");
    assert_eq!(
        talk.say("aaj ki bikri batao").await,
        vec![Outcome::OwnerOnly {
            action: OwnerOnly::Summary
        }]
    );
}

crate::on_both_databases!(
    an_unsure_payment_is_shown_and_booked_only_on_haan_once,
    an_unsure_message_from_the_rules_asks_before_booking,
    nahi_or_a_new_message_writes_nothing,
    messages_the_rules_are_unsure_of_write_nothing_without_a_yes,
    unsure_bills_and_stock_are_asked_about_too,
    an_unsure_reading_that_writes_nothing_just_runs,
    a_reading_that_is_not_a_booking_writes_nothing_and_says_why,
    a_large_amount_asks_even_when_clear_and_the_limit_is_the_shops,
    an_amount_far_above_the_customers_history_asks,
    staff_book_and_ask_balances_but_the_owners_views_are_refused,
    staff_cancel_only_their_own_recent_bills_and_the_owner_any,
    staff_undo_only_their_own_booking,
    a_phone_that_is_not_the_shops_has_staff_rights_only,
);
