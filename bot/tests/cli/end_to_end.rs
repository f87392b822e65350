//! The whole service on SQLite and on PostgreSQL: a signed webhook is stored, answered by the
//! service's own worker and the reply posted to the (fake) Graph API by its sender.

use std::sync::Arc;

use execora_engine::books::{Books, Found, NewCustomer, Source};
use execora_engine::dialog::Input;
use execora_engine::messages;
use execora_engine::money::Paise;
use execora_engine::pipeline::{Message, Pipeline};
use execora_engine::time::{Clock, ManualClock, SystemClock, to_millis};

use crate::app::{
    Database, MERCHANT_PHONE, PHONE_NUMBER_ID, Setup, TestApp, spawn_app_on, spawn_app_with,
};

/// Runs each scenario once on SQLite and once on PostgreSQL (`…::postgres::…` in the test name).
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Database::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Database::Postgres).await;
                }
            )*
        }
    };
}

on_both_databases!(
    the_service_is_live_and_ready_when_every_worker_runs,
    a_text_delivered_five_times_is_booked_once_and_answered_once_through_the_graph_api,
    a_message_whose_worker_died_mid_way_is_answered_once_after_a_restart_and_booked_once,
);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../fixtures/webhooks/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

async fn add_rahul(app: &TestApp) {
    Books::open(app.db.clone(), app.merchant, Arc::new(SystemClock))
        .await
        .expect("books")
        .add_customer(NewCustomer {
            name: "Rahul".into(),
            ..Default::default()
        })
        .await
        .expect("customer");
}

async fn rahul_balance(app: &TestApp) -> Paise {
    let books = Books::open(app.db.clone(), app.merchant, Arc::new(SystemClock))
        .await
        .expect("books");
    let Found::One(rahul) = books.find_customers("Rahul", 1).await.expect("find") else {
        panic!("Rahul")
    };
    rahul.balance
}

async fn replies(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT body, status FROM messages WHERE direction = 'out' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("outbox")
}

fn live() -> Setup {
    Setup {
        live: true,
        ..Setup::default()
    }
}

async fn the_service_is_live_and_ready_when_every_worker_runs(database: Database) {
    let app = spawn_app_with(database, live()).await;
    assert_eq!(app.get("/healthz").await, (200, "ok".to_string()));
    assert_eq!(app.get("/readyz").await, (200, "ready".to_string()));
    app.stop().await;
}

async fn a_text_delivered_five_times_is_booked_once_and_answered_once_through_the_graph_api(
    database: Database,
) {
    let app = spawn_app_with(database, live()).await;
    add_rahul(&app).await;
    let body = fixture("text.json");
    // Meta redelivers: five deliveries of one message, all at once.
    let delivered = tokio::join!(
        app.post_signed(&body),
        app.post_signed(&body),
        app.post_signed(&body),
        app.post_signed(&body),
        app.post_signed(&body),
    );
    assert_eq!(delivered, (200, 200, 200, 200, 200));
    app.settle().await;
    let sent = app.graph.sent();
    assert_eq!(sent.len(), 1, "one reply for five deliveries: {sent:?}");
    assert_eq!(sent[0]["to"], format!("+{MERCHANT_PHONE}"));
    let text = sent[0]["text"]["body"].as_str().unwrap_or_default();
    assert!(text.contains("₹200") && text.contains("UPI"), "{text}");
    let requests = app.graph.requests.lock().expect("lock").clone();
    assert!(
        requests.iter().all(|(id, _, _)| id == PHONE_NUMBER_ID),
        "everything goes to our number"
    );
    let stored = replies(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1, "sent");
    assert_eq!(rahul_balance(&app).await, Paise::new(-20_000));
    app.stop().await;
}

async fn a_message_whose_worker_died_mid_way_is_answered_once_after_a_restart_and_booked_once(
    database: Database,
) {
    let clock = ManualClock::new(chrono::Utc::now());
    let clock_for_service: Arc<dyn Clock> = clock.clone();
    let first = spawn_app_with(
        database,
        Setup {
            live: true,
            workers: false,
            clock: clock_for_service.clone(),
            ..Setup::default()
        },
    )
    .await;
    add_rahul(&first).await;
    let body = fixture("text.json");
    assert_eq!(first.post_signed(&body).await, 200);
    let database = first.database();
    let merchant = first.merchant;
    first.stop().await;
    // A worker, alive a moment ago, claims the message and books it, then dies before it replies.
    let killed = execora_engine::claimants::Claimant::fresh();
    execora_engine::claimants::sign_of_life(&database.db, &killed, to_millis(clock.now()))
        .await
        .expect("alive");
    let claimed = messages::claim_next_inbound(&database.db, to_millis(clock.now()), &killed)
        .await
        .expect("claim")
        .expect("the message");
    Pipeline::new(database.db.clone(), clock_for_service.clone(), None)
        .handle(&Message {
            merchant,
            sender: claimed.message.peer.clone(),
            id: claimed.message.channel_id.clone().expect("wamid"),
            source: Source::Whatsapp,
            input: Input::Text(claimed.message.body.clone()),
        })
        .await
        .expect("booked");
    // The service starts again; the dead worker has been silent for 25 seconds, long enough for
    // its claim to go back in line (not the half hour a live worker may hold one).
    clock.advance(chrono::Duration::seconds(25));
    let second = spawn_app_on(
        database,
        Setup {
            live: true,
            clock: clock_for_service,
            ..Setup::default()
        },
    )
    .await;
    second.settle().await;
    let sent = second.graph.sent();
    assert_eq!(sent.len(), 1, "replied once: {sent:?}");
    let text = sent[0]["text"]["body"].as_str().unwrap_or_default();
    assert!(text.contains("₹200"), "{text}");
    assert_eq!(replies(&second).await.len(), 1);
    assert_eq!(
        rahul_balance(&second).await,
        Paise::new(-20_000),
        "booked once"
    );
    second.stop().await;
}
