//! Unregistered phones: open signup opens one shop per phone, once per message; customers
//! writing back find only the shop that wrote to them.

use execora_engine::books::{NewCustomer, merchants};
use execora_engine::messages::{self, Delivery, NewInbound, NewOutbound};
use execora_engine::onboarding::{self, SignupDefaults, SignupStep};
use execora_engine::phone::Phone;
use execora_engine::reply::Locale;
use execora_engine::store::Db;

use crate::support::shop;

fn defaults() -> SignupDefaults {
    SignupDefaults {
        locale: Locale::HiLatn,
        timezone: "Asia/Kolkata".into(),
    }
}

async fn message(db: &Db, phone: &Phone, wamid: &str, body: &str) -> messages::MessageId {
    messages::record_inbound(
        db,
        &NewInbound {
            merchant: None,
            channel_id: wamid,
            peer: phone.as_str(),
            peer_user_id: None,
            kind: "text",
            body,
            media_id: None,
            context_id: None,
            status: Delivery::Received,
            at: 1,
        },
    )
    .await
    .expect("stored")
    .expect("new")
}

async fn signup_opens_one_shop_per_phone_and_a_retry_repeats_the_welcome(db: Db) {
    let phone = Phone::parse("9333333333").expect("phone");
    let hello = message(&db, &phone, "wamid.SU1", "hi").await;
    let step = onboarding::signup(&db, &phone, hello, Some("hi"), &defaults(), 1)
        .await
        .expect("step");
    assert_eq!(step, SignupStep::AskedName);
    let blank = message(&db, &phone, "wamid.SU2", " ").await;
    let step = onboarding::signup(&db, &phone, blank, Some(" "), &defaults(), 2)
        .await
        .expect("step");
    assert_eq!(step, SignupStep::NameRefused);
    let voice = message(&db, &phone, "wamid.SU2b", "").await;
    let step = onboarding::signup(&db, &phone, voice, None, &defaults(), 2)
        .await
        .expect("step");
    assert_eq!(
        step,
        SignupStep::NameRefused,
        "a voice note cannot name a shop"
    );
    let name = message(&db, &phone, "wamid.SU3", "Verma Store").await;
    let SignupStep::Opened(opened) =
        onboarding::signup(&db, &phone, name, Some("Verma Store"), &defaults(), 3)
            .await
            .expect("step")
    else {
        panic!("the shop opens")
    };
    assert_eq!(opened.name, "Verma Store");
    // The same message handled again (a retried job): the same shop, not a second one.
    let again = onboarding::signup(&db, &phone, name, Some("Verma Store"), &defaults(), 4)
        .await
        .expect("step");
    assert_eq!(again, SignupStep::Opened(opened.clone()));
    assert_eq!(
        onboarding::opened_by(&db, &phone).await.expect("opened by"),
        Some(name)
    );
    let later = message(&db, &phone, "wamid.SU4", "Another Store").await;
    let step = onboarding::signup(&db, &phone, later, Some("Another Store"), &defaults(), 5)
        .await
        .expect("step");
    assert_eq!(step, SignupStep::AlreadyOpen(opened.clone()));
    let (found, _) = merchants::find_by_phone(&db, &phone)
        .await
        .expect("find")
        .expect("owner");
    assert_eq!(found.id, opened.id);
    assert_eq!(merchants::list(&db).await.expect("list").len(), 1);
}

async fn a_customer_reply_finds_the_shop_that_wrote_and_no_other(db: Db) {
    let gupta = shop(&db, "Gupta Kirana").await;
    let sharma = shop(&db, "Sharma Stores").await;
    let phone = Phone::parse("9111111111").expect("phone");
    assert_eq!(
        onboarding::customer_thread(&db, &phone, None)
            .await
            .expect("thread"),
        None,
        "nobody knows this phone"
    );
    gupta
        .books
        .add_customer(NewCustomer {
            name: "Rahul".into(),
            phone: Some(phone.as_str().into()),
            ..Default::default()
        })
        .await
        .expect("customer");
    let thread = onboarding::customer_thread(&db, &phone, None)
        .await
        .expect("thread")
        .expect("the one shop with this customer");
    assert_eq!(thread.merchant.id, gupta.books.merchant_id());
    assert_eq!(thread.customer_name.as_deref(), Some("Rahul"));
    assert!(thread.owner_phone.is_some());
    // Sharma writes to the same phone: the last shop to write is the one answered.
    let reminder = messages::record_outbound(
        &db,
        &NewOutbound {
            merchant: Some(sharma.books.merchant_id()),
            peer: phone.as_str(),
            kind: "text",
            body: "Reminder",
            in_reply_to: None,
            options: None,
            status: Delivery::Queued,
            at: 1,
        },
    )
    .await
    .expect("reminder");
    messages::mark_sent(&db, reminder, "wamid.SHARMA1", 2)
        .await
        .expect("sent");
    let thread = onboarding::customer_thread(&db, &phone, None)
        .await
        .expect("thread")
        .expect("a shop");
    assert_eq!(thread.merchant.id, sharma.books.merchant_id());
    assert_eq!(thread.customer_name, None, "not in Sharma's books");
    assert!(
        !onboarding::acknowledged_since(&db, sharma.books.merchant_id(), &phone, 0)
            .await
            .expect("ack")
    );
}

/// Shops abroad open under their own number: Singapore's, New Zealand's and Lebanon's sender ids
/// look like Indian mobiles without 91, and must never be registered (or found) as those.
async fn a_shop_opened_from_abroad_is_registered_under_the_sender_id_as_it_came(db: Db) {
    let indian = shop(&db, "Indian Kirana").await;
    for (n, wa_id) in ["6591234567", "6421234567", "9613123456"]
        .into_iter()
        .enumerate()
    {
        merchants::add_phone(
            &db,
            indian.books.merchant_id(),
            wa_id,
            execora_engine::books::Role::Staff,
            &execora_engine::time::SystemClock,
        )
        .await
        .expect("the Indian shop has the look-alike Indian mobile");
        let phone = Phone::from_wa_id(wa_id).expect("a sender id");
        let hello = message(&db, &phone, &format!("wamid.ABROAD{n}a"), "hi").await;
        assert_eq!(
            onboarding::signup(&db, &phone, hello, Some("hi"), &defaults(), 1)
                .await
                .expect("signup"),
            SignupStep::AskedName
        );
        let name = message(&db, &phone, &format!("wamid.ABROAD{n}b"), "Overseas Store").await;
        let SignupStep::Opened(opened) =
            onboarding::signup(&db, &phone, name, Some("Overseas Store"), &defaults(), 2)
                .await
                .expect("signup")
        else {
            panic!("a shop is opened for {wa_id}")
        };
        assert_ne!(opened.id, indian.books.merchant_id());
        let (found, _) = merchants::find_by_phone(&db, &phone)
            .await
            .expect("find")
            .expect("registered");
        assert_eq!(found.id, opened.id, "{wa_id} is its own shop's number");
        let indian_mobile = Phone::parse(wa_id).expect("typed");
        assert_eq!(indian_mobile.as_str(), format!("91{wa_id}"));
        let (still_indian, _) = merchants::find_by_phone(&db, &indian_mobile)
            .await
            .expect("find")
            .expect("registered");
        assert_eq!(still_indian.id, indian.books.merchant_id());
    }
}

crate::on_both_databases!(
    a_shop_opened_from_abroad_is_registered_under_the_sender_id_as_it_came,
    signup_opens_one_shop_per_phone_and_a_retry_repeats_the_welcome,
    a_customer_reply_finds_the_shop_that_wrote_and_no_other,
);
