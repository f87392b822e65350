//! Two `execora serve` processes on one PostgreSQL behave as one: every message delivered to
//! either (and redelivered to the other) is booked once and answered once, a sender's per-minute
//! limit holds for the two together, and together they send no faster than the number's one
//! throughput limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use execora_bot::whatsapp::signature::sign;
use execora_engine::books::{self, Books, NewCustomer, NewMerchant};
use execora_engine::reply::Locale;
use execora_engine::time::SystemClock;

use crate::app::{
    Database, FakeGraph, MERCHANT_PHONE, PHONE_NUMBER_ID, SECRET, TOKEN, TestDatabase,
};
use crate::{Sandbox, serve, stderr, stdout, text_webhook};

const SHOPS: usize = 8;
const MESSAGES_PER_SHOP: usize = 8;

fn shop_phone(n: usize) -> String {
    format!("9198765{n:05}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_book_and_answer_each_message_once() {
    let database = TestDatabase::new(Database::Postgres).await;
    for n in 0..SHOPS {
        let shop = books::merchants::create(
            &database.db,
            NewMerchant {
                name: format!("Scale Kirana {n}"),
                owner_phone: shop_phone(n),
                locale: Locale::HiLatn,
                timezone: None,
                upi_id: None,
            },
            &SystemClock,
        )
        .await
        .expect("shop");
        Books::open(database.db.clone(), shop.id, Arc::new(SystemClock))
            .await
            .expect("books")
            .add_customer(NewCustomer {
                name: "Rahul".into(),
                phone: None,
                nickname: None,
            })
            .await
            .expect("customer");
    }
    let graph = FakeGraph::start().await;
    let sandbox = Sandbox::new();
    let process = || {
        let mut command = sandbox.command();
        command
            .args(["serve"])
            .env("DATABASE_URL", &database.url)
            .env("WHATSAPP_APP_SECRET", SECRET)
            .env("WHATSAPP_ACCESS_TOKEN", TOKEN)
            .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
            .env("WHATSAPP_API_BASE", graph.api_base());
        serve(command)
    };
    let processes = [process(), process()];
    let client = reqwest::Client::new();
    let mut deliveries = Vec::new();
    for round in 0..MESSAGES_PER_SHOP {
        for shop in 0..SHOPS {
            let from = shop_phone(shop);
            let body = text_webhook(
                &from,
                &format!("wamid.SCALE.{shop}.{round}"),
                &format!("Rahul ne {} diye", 100 + round),
            );
            // Delivered to one process and, as Meta redelivers, to the other too.
            for process in &processes {
                let (client, body, url) = (
                    client.clone(),
                    body.clone(),
                    format!("{}/webhooks/whatsapp", process.base),
                );
                deliveries.push(tokio::spawn(async move {
                    client
                        .post(url)
                        .header("X-Hub-Signature-256", sign(&body, SECRET))
                        .body(body)
                        .send()
                        .await
                        .map(|response| response.status().as_u16())
                }));
            }
        }
    }
    for delivery in deliveries {
        let status = delivery.await.expect("task").expect("answered");
        assert_eq!(status, 200);
    }
    let expected = SHOPS * MESSAGES_PER_SHOP;
    let deadline = Instant::now() + Duration::from_secs(60);
    while graph.sent().len() < expected {
        assert!(
            Instant::now() < deadline,
            "{} of {expected} replies",
            graph.sent().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Anything sent twice would arrive within moments of the first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent = graph.sent();
    if sent.len() != expected {
        // What was stored, to tell a reply sent twice from a reply nobody expected.
        let rows = sqlx::query(
            "SELECT id, direction, status, in_reply_to, claimed_by FROM messages ORDER BY id",
        )
        .fetch_all(database.db.pool())
        .await
        .expect("rows");
        for row in rows {
            let (id, direction, status, in_reply_to, claimed_by): (
                i64,
                String,
                String,
                Option<i64>,
                Option<String>,
            ) = sqlx::FromRow::from_row(&row).expect("a message");
            eprintln!("{id} {direction} {status} in_reply_to={in_reply_to:?} by={claimed_by:?}");
        }
        for body in &sent {
            eprintln!("sent {body}");
        }
    }
    assert_eq!(sent.len(), expected, "each message answered exactly once");
    for shop in 0..SHOPS {
        let to_shop = sent
            .iter()
            .filter(|body| {
                body["to"].as_str().map(|to| to.trim_start_matches('+'))
                    == Some(shop_phone(shop).as_str())
            })
            .count();
        assert_eq!(to_shop, MESSAGES_PER_SHOP, "shop {shop}");
    }
    let (inbound, payments): (i64, i64) = (
        database
            .db
            .pool()
            .try_into_count("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
            .await,
        database
            .db
            .pool()
            .try_into_count("SELECT COUNT(*) FROM ledger_entries WHERE amount_paise < 0")
            .await,
    );
    assert_eq!(inbound, expected as i64, "each delivery stored once");
    assert_eq!(payments, expected as i64, "each payment booked once");
    drop(processes);
    let checked = sandbox
        .command()
        .args(["check"])
        .env("DATABASE_URL", &database.url)
        .output()
        .expect("check runs");
    assert!(
        checked.status.success(),
        "{} {}",
        stdout(&checked),
        stderr(&checked)
    );
}

/// Inbound messages in `status`.
async fn inbound(database: &TestDatabase, status: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND status = $1",
    )
    .bind(status)
    .fetch_one(database.db.pool())
    .await
    .expect("count")
}

/// One sender's burst, each message delivered to both processes: the per-minute limit holds
/// for the two together (not for each), the messages over it are kept for the windows to come
/// and then processed, and none is lost, booked twice or counted twice for its redelivery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_hold_one_senders_limit_together() {
    const PER_MINUTE: i64 = 3;
    const BURST: i64 = 10;
    let database = TestDatabase::new(Database::Postgres).await;
    Books::open(
        database.db.clone(),
        database.merchant,
        Arc::new(SystemClock),
    )
    .await
    .expect("books")
    .add_customer(NewCustomer {
        name: "Rahul".into(),
        phone: None,
        nickname: None,
    })
    .await
    .expect("customer");
    let graph = FakeGraph::start().await;
    let sandbox = Sandbox::new();
    let process = || {
        let mut command = sandbox.command();
        command
            .args(["serve"])
            .env("DATABASE_URL", &database.url)
            .env("WHATSAPP_APP_SECRET", SECRET)
            .env("WHATSAPP_ACCESS_TOKEN", TOKEN)
            .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
            .env("WHATSAPP_API_BASE", graph.api_base())
            .env("EXECORA_MESSAGES_PER_MINUTE", PER_MINUTE.to_string());
        serve(command)
    };
    let processes = [process(), process()];
    let client = reqwest::Client::new();
    let mut deliveries = Vec::new();
    for n in 0..BURST {
        let body = text_webhook(
            MERCHANT_PHONE,
            &format!("wamid.LIMIT.{n}"),
            &format!("Rahul ne {} diye", 100 + n),
        );
        for process in &processes {
            let (client, body, url) = (
                client.clone(),
                body.clone(),
                format!("{}/webhooks/whatsapp", process.base),
            );
            deliveries.push(tokio::spawn(async move {
                client
                    .post(url)
                    .header("X-Hub-Signature-256", sign(&body, SECRET))
                    .body(body)
                    .send()
                    .await
                    .map(|response| response.status().as_u16())
            }));
        }
    }
    for delivery in deliveries {
        assert_eq!(delivery.await.expect("task").expect("answered"), 200);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while inbound(&database, "processed").await < PER_MINUTE {
        assert!(
            Instant::now() < deadline,
            "the first messages were not processed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // More processed now would show within moments (each process wakes on its own commits).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        inbound(&database, "processed").await,
        PER_MINUTE,
        "the limit, once for both"
    );
    assert_eq!(
        inbound(&database, "deferred").await,
        BURST - PER_MINUTE,
        "the rest kept"
    );
    let now = chrono::Utc::now().timestamp_millis();
    let dues: Vec<i64> = sqlx::query_scalar(
        "SELECT next_attempt_at FROM messages WHERE status = 'deferred' ORDER BY next_attempt_at",
    )
    .fetch_all(database.db.pool())
    .await
    .expect("dues");
    assert!(
        dues.iter().all(|due| *due > now),
        "kept for windows to come: {dues:?}"
    );
    // Three to a window: the next three a minute on, and so on.
    let windows: Vec<i64> = dues
        .iter()
        .map(|due| (due - dues[0] + 1_000) / 60_000)
        .collect();
    assert_eq!(windows, [0, 0, 0, 1, 1, 1, 2], "{dues:?}");
    // One "slow down" notice for the sender, not one per process.
    let notices = database
        .db
        .pool()
        .try_into_count("SELECT COUNT(*) FROM messages WHERE direction = 'out' AND in_reply_to IN (SELECT id FROM messages WHERE status = 'deferred')")
        .await;
    assert_eq!(notices, 1);
    // The windows open (moved forward here instead of waited for): every kept message is
    // processed, once.
    sqlx::query("UPDATE messages SET next_attempt_at = $1 WHERE status = 'deferred'")
        .bind(now)
        .execute(database.db.pool())
        .await
        .expect("windows opened");
    let deadline = Instant::now() + Duration::from_secs(60);
    while inbound(&database, "processed").await < BURST {
        assert!(
            Instant::now() < deadline,
            "the kept messages were not processed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (stored, payments) = (
        database
            .db
            .pool()
            .try_into_count("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
            .await,
        database
            .db
            .pool()
            .try_into_count("SELECT COUNT(*) FROM ledger_entries WHERE amount_paise < 0")
            .await,
    );
    assert_eq!(stored, BURST, "each message stored once");
    assert_eq!(payments, BURST, "each payment booked once");
}

trait Count {
    async fn try_into_count(&self, sql: &'static str) -> i64;
}

impl Count for sqlx::AnyPool {
    async fn try_into_count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(self)
            .await
            .expect("count")
    }
}

/// Two processes sending reminders for one number share its limit (the `send_budget` row):
/// 200 reminders at 20 a second take at least 8 s from the first send to the last (the first
/// second's budget may all go at its end, then 20 a second for nine more), where two
/// limits of their own (40 a second, and a burst of 20 each at the start) would take about 4 s.
/// Each reminder goes once. Only a lower bound on time is asserted: a loaded machine is slower,
/// never faster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_share_the_numbers_send_rate() {
    use axum::Json;
    use axum::extract::State;
    use serde_json::{Value, json};
    use std::collections::HashSet;
    use std::sync::Mutex;

    const REMINDERS: usize = 200;
    const RATE: usize = 20;
    type Sends = Arc<Mutex<Vec<(Instant, String)>>>;
    async fn counting(State(sends): State<Sends>, Json(body): Json<Value>) -> Json<Value> {
        let n = {
            let mut sends = sends.lock().expect("lock");
            if body["type"] == "template" {
                let key = body["biz_opaque_callback_data"]
                    .as_str()
                    .unwrap_or_default();
                sends.push((Instant::now(), key.to_string()));
            }
            sends.len()
        };
        Json(
            json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.RATE{n}")}]}),
        )
    }

    let database = TestDatabase::new(Database::Postgres).await;
    crate::crash::reminders_due_now(&database, REMINDERS).await;
    let sends: Sends = Arc::default();
    let app = axum::Router::new()
        .route(
            "/v25.0/{phone_number_id}/messages",
            axum::routing::post(counting),
        )
        .with_state(sends.clone());
    let api_base = format!("http://{}/v25.0", crate::app::serve_locally(app).await);
    let sandbox = Sandbox::new();
    let process = || {
        let mut command = sandbox.command();
        command
            .args(["serve"])
            .env("DATABASE_URL", &database.url)
            .env("WHATSAPP_APP_SECRET", SECRET)
            .env("WHATSAPP_ACCESS_TOKEN", TOKEN)
            .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
            .env("WHATSAPP_API_BASE", &api_base)
            .env("WHATSAPP_MESSAGES_PER_SECOND", RATE.to_string());
        serve(command)
    };
    let processes = [process(), process()];
    let deadline = Instant::now() + Duration::from_secs(120);
    while sends.lock().expect("lock").len() < REMINDERS {
        assert!(
            Instant::now() < deadline,
            "{} of {REMINDERS} sent",
            sends.lock().expect("lock").len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Anything sent twice would arrive within moments.
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(processes);
    let sends = sends.lock().expect("lock").clone();
    assert_eq!(sends.len(), REMINDERS, "each reminder sent once");
    let keys: HashSet<_> = sends.iter().map(|(_, key)| key.as_str()).collect();
    assert_eq!(keys.len(), REMINDERS, "no reminder twice");
    let first = sends.iter().map(|(at, _)| *at).min().expect("sends");
    let last = sends.iter().map(|(at, _)| *at).max().expect("sends");
    let took = last - first;
    eprintln!("two processes: {REMINDERS} sends at {RATE}/s in {took:?}");
    assert!(
        took >= Duration::from_secs((REMINDERS / RATE - 2) as u64),
        "{REMINDERS} sends in {took:?}: faster than {RATE} a second"
    );
}
