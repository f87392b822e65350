//! The WhatsApp door's trust and failure paths end to end (signed webhook → stored → worker →
//! reply row), on SQLite and PostgreSQL: who a sender is, whose number a message came to, a
//! message that keeps failing, a sender over the limit, a redelivered burst.

use std::sync::Arc;

use execora_bot::whatsapp::inbound::InboundWorker;
use execora_bot::whatsapp::signature::sign;
use execora_engine::books::{self, Books, Found, NewCustomer, Role};
use execora_engine::messages::Delivery;
use execora_engine::money::Paise;
use execora_engine::pipeline::Pipeline;
use execora_engine::reply::{Locale, Outcome, render};
use execora_engine::store::{Backend, Db};
use execora_engine::time::ManualClock;

use crate::app::{Database, SECRET, Setup, TestApp as Service, TestDatabase, clock, spawn_app_on};

/// Our business number's id, as in the fixtures.
const OURS: &str = "106540352242922";
const SHOP_PHONE: &str = "919812345678";

async fn sqlite() -> TestDatabase {
    TestDatabase::new(Database::Sqlite).await
}

async fn postgres() -> TestDatabase {
    TestDatabase::new(Database::Postgres).await
}

/// Each scenario on SQLite and on PostgreSQL.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::postgres().await).await;
                }
            )*
        }
    };
}

/// The real service on `database` (workers off: the test steps the worker), every time judged by
/// `clock`, at most `per_minute` messages a sender, and `business_number` as
/// WHATSAPP_PHONE_NUMBER_ID (without an access token: still the sandbox).
async fn serve(
    database: TestDatabase,
    clock: &Arc<ManualClock>,
    per_minute: u32,
    business_number: Option<&str>,
) -> (Service, String) {
    let url = database.url.clone();
    let mut env = vec![("EXECORA_MESSAGES_PER_MINUTE", per_minute.to_string())];
    if let Some(number) = business_number {
        env.push(("WHATSAPP_PHONE_NUMBER_ID", number.to_string()));
    }
    let service = spawn_app_on(
        Arc::new(database),
        Setup {
            clock: clock.clone(),
            env,
            ..Setup::workers_by_hand()
        },
    )
    .await;
    (service, url)
}

/// The sandbox worker, on `clock`.
fn worker(service: &Service, clock: &Arc<ManualClock>) -> InboundWorker {
    InboundWorker::new(
        service.db.clone(),
        Pipeline::new(service.db.clone(), clock.clone(), None),
        true,
    )
}

/// A signed text from `from` to the business number `to`, as Meta posts it.
async fn post_text(service: &Service, to: &str, from: &str, wamid: &str, text: &str) {
    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": to},
            "contacts": [{"profile": {"name": "Sender"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": "1795000000",
                          "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string();
    assert_eq!(
        service
            .post(body.as_bytes(), Some(&sign(body.as_bytes(), SECRET)))
            .await,
        200
    );
}

async fn rahul(service: &Service) -> Books {
    let books = Books::open(service.db.clone(), service.merchant, clock())
        .await
        .expect("books");
    books
        .add_customer(NewCustomer {
            name: "Rahul".into(),
            ..Default::default()
        })
        .await
        .expect("customer");
    books
}

async fn balance_of_rahul(books: &Books) -> Paise {
    let Found::One(rahul) = books.find_customers("Rahul", 1).await.expect("find") else {
        panic!("Rahul")
    };
    rahul.balance
}

/// (peer, body, in_reply_to) of every outbound message, in order.
async fn outbox(db: &Db) -> Vec<(String, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT peer, body, in_reply_to FROM messages WHERE direction = 'out' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .expect("outbox")
}

async fn count_inbound(db: &Db, status: Delivery) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE direction = 'in' AND status = $1")
        .bind(status.as_str())
        .fetch_one(db.pool())
        .await
        .expect("count")
}

/// Singapore's 65 9123 4567, New Zealand's 64 21 234 567 and Lebanon's 961 3 123 456 arrive as
/// 10-digit ids that read like Indian mobiles without 91; the Indian shop has exactly those
/// Indian mobiles registered. None of the three may reach its books or its log.
async fn senders_abroad_whose_ids_look_like_indian_mobiles_never_reach_the_indian_shop(
    database: TestDatabase,
) {
    let clock = clock();
    let (service, _) = serve(database, &clock, 20, Some(OURS)).await;
    let books = rahul(&service).await;
    let abroad = ["6591234567", "6421234567", "9613123456"];
    for wa_id in abroad {
        books::merchants::add_phone(&service.db, service.merchant, wa_id, Role::Staff, &*clock)
            .await
            .expect("the look-alike Indian mobile is the Indian shop's");
    }
    for (n, wa_id) in abroad.into_iter().enumerate() {
        post_text(
            &service,
            OURS,
            wa_id,
            &format!("wamid.ABROAD{n}"),
            "Rahul ne 200 UPI kiya",
        )
        .await;
    }
    let shops: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT peer, merchant_id FROM messages WHERE direction = 'in' ORDER BY id")
            .fetch_all(service.db.pool())
            .await
            .expect("stored");
    assert_eq!(
        shops,
        abroad
            .iter()
            .map(|id| (id.to_string(), None))
            .collect::<Vec<_>>(),
        "stored as strangers, under the ids as they came"
    );
    let worker = worker(&service, &clock);
    while worker.process_next().await.expect("processed") {}
    assert_eq!(
        balance_of_rahul(&books).await,
        Paise::new(0),
        "nothing booked"
    );
    let replies = outbox(&service.db).await;
    assert_eq!(replies.len(), 3);
    let not_registered = render(&Outcome::NotRegistered, Locale::default()).text;
    for ((peer, body, _), wa_id) in replies.iter().zip(abroad) {
        assert_eq!(
            (peer.as_str(), body.as_str()),
            (wa_id, not_registered.as_str())
        );
    }
    assert!(
        execora_engine::messages::recent(&service.db, service.merchant, 50)
            .await
            .expect("log")
            .is_empty(),
        "the Indian shop's log holds none of it"
    );
}

/// A message to another business number is kept for the record, under no shop, and never
/// answered or booked; the same words to our number are.
async fn a_message_to_another_business_number_is_kept_but_never_processed(database: TestDatabase) {
    let clock = clock();
    let (service, _) = serve(database, &clock, 20, Some(OURS)).await;
    let books = rahul(&service).await;
    post_text(
        &service,
        "999000111222333",
        SHOP_PHONE,
        "wamid.ELSEWHERE",
        "Rahul ne 200 UPI kiya",
    )
    .await;
    let stored: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT status, merchant_id FROM messages WHERE wa_message_id = 'wamid.ELSEWHERE'",
    )
    .fetch_all(service.db.pool())
    .await
    .expect("stored");
    assert_eq!(stored, vec![(Delivery::Logged.as_str().to_string(), None)]);
    let worker = worker(&service, &clock);
    assert!(!worker.process_next().await.expect("nothing to process"));
    assert!(outbox(&service.db).await.is_empty());
    assert_eq!(balance_of_rahul(&books).await, Paise::new(0));
    post_text(
        &service,
        OURS,
        SHOP_PHONE,
        "wamid.OURS",
        "Rahul ne 200 UPI kiya",
    )
    .await;
    assert!(worker.process_next().await.expect("processed"));
    assert_eq!(balance_of_rahul(&books).await, Paise::new(-20_000));
    assert_eq!(outbox(&service.db).await.len(), 1);
}

/// The dialog store refuses every write, so the shop's message fails on each try. It is tried
/// again only when its retry is due, five times in all, then `dead`: the merchant is told once in
/// the shop's language, it is never tried again, and `execora inbox --dead` lists it.
async fn a_message_that_keeps_failing_is_given_up_after_five_tries_and_the_merchant_told_once(
    database: TestDatabase,
) {
    let backend = database.db.backend();
    let clock = clock();
    let (service, url) = serve(database, &clock, 20, Some(OURS)).await;
    let books = rahul(&service).await;
    let refuse: &[&str] = match backend {
        Backend::Sqlite => &[
            "CREATE TRIGGER refuse_dialog BEFORE INSERT ON dialog_states \
             BEGIN SELECT RAISE(ABORT, 'dialog store unavailable'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_dialog() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'dialog store unavailable'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_dialog BEFORE INSERT ON dialog_states FOR EACH ROW \
             EXECUTE FUNCTION refuse_dialog()",
        ],
    };
    for statement in refuse {
        sqlx::query(sqlx::AssertSqlSafe(*statement))
            .execute(service.db.pool())
            .await
            .expect("trigger");
    }
    post_text(
        &service,
        OURS,
        SHOP_PHONE,
        "wamid.DOOMED",
        "Rahul ne 200 UPI kiya",
    )
    .await;
    let worker = worker(&service, &clock);
    for attempt in 1..=5 {
        assert!(worker.process_next().await.is_err(), "try {attempt} fails");
        assert!(
            !worker.process_next().await.expect("idle"),
            "not tried again before its retry is due (after try {attempt})"
        );
        clock.advance(chrono::Duration::minutes(10));
    }
    assert_eq!(count_inbound(&service.db, Delivery::Dead).await, 1);
    clock.advance(chrono::Duration::hours(2));
    assert!(
        !worker.process_next().await.expect("idle"),
        "a dead message is never tried again"
    );
    let told = outbox(&service.db).await;
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM messages WHERE wa_message_id = 'wamid.DOOMED'")
            .fetch_one(service.db.pool())
            .await
            .expect("id");
    assert_eq!(
        told,
        vec![(
            SHOP_PHONE.to_string(),
            render(&Outcome::MessageNotProcessed, Locale::HiLatn).text,
            Some(id)
        )],
        "one notice, in the shop's Hinglish"
    );
    assert_eq!(
        balance_of_rahul(&books).await,
        Paise::new(-20_000),
        "the booking made before the failure is kept once, never repeated by a retry"
    );
    let listed = std::process::Command::new(crate::BIN)
        .args(["inbox", "--dead"])
        .env("DATABASE_URL", &url)
        .env_remove("EXECORA_TIMEZONE")
        .output()
        .expect("execora runs");
    let shown = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(
        shown.contains("wamid.DOOMED")
            && shown.contains("tries 5")
            && shown.contains("dialog store unavailable"),
        "{shown}"
    );
}

/// After an outage Meta redelivers in bursts: copies of a stored message never count against
/// the sender's limit, and messages over it are kept and booked in the next minute, none lost;
/// the sender gets one notice.
async fn a_redelivered_burst_never_counts_and_messages_over_the_limit_are_booked_a_minute_later(
    database: TestDatabase,
) {
    let clock = clock();
    let (service, _) = serve(database, &clock, 4, Some(OURS)).await;
    let books = rahul(&service).await;
    for n in 1..=3 {
        for _ in 0..5 {
            post_text(
                &service,
                OURS,
                SHOP_PHONE,
                &format!("wamid.BURST{n}"),
                &format!("Rahul ne {n}00 UPI kiya"),
            )
            .await;
        }
    }
    post_text(
        &service,
        OURS,
        SHOP_PHONE,
        "wamid.BURST4",
        "Rahul ne 400 UPI kiya",
    )
    .await;
    assert_eq!(
        count_inbound(&service.db, Delivery::Received).await,
        4,
        "twelve copies took no place: the fourth message is within the limit of four"
    );
    for n in 5..=6 {
        post_text(
            &service,
            OURS,
            SHOP_PHONE,
            &format!("wamid.BURST{n}"),
            &format!("Rahul ne {n}00 UPI kiya"),
        )
        .await;
    }
    assert_eq!(count_inbound(&service.db, Delivery::Deferred).await, 2);
    let notices = outbox(&service.db).await;
    assert_eq!(notices.len(), 1, "one notice");
    assert_eq!(
        notices[0].1,
        render(&Outcome::TooManyMessages { per_minute: 4 }, Locale::HiLatn).text
    );
    let worker = worker(&service, &clock);
    while worker.process_next().await.expect("processed") {}
    assert_eq!(
        balance_of_rahul(&books).await,
        Paise::new(-100_000),
        "the first four are booked now"
    );
    clock.advance(chrono::Duration::seconds(60));
    while worker.process_next().await.expect("processed") {}
    assert_eq!(
        balance_of_rahul(&books).await,
        Paise::new(-210_000),
        "the two over the limit are booked once their minute comes"
    );
    assert_eq!(count_inbound(&service.db, Delivery::Processed).await, 6);
    assert_eq!(
        outbox(&service.db).await.len(),
        7,
        "six replies and the notice"
    );
}

on_both_databases!(
    senders_abroad_whose_ids_look_like_indian_mobiles_never_reach_the_indian_shop,
    a_message_to_another_business_number_is_kept_but_never_processed,
    a_message_that_keeps_failing_is_given_up_after_five_tries_and_the_merchant_told_once,
    a_redelivered_burst_never_counts_and_messages_over_the_limit_are_booked_a_minute_later,
);
