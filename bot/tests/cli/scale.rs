//! Two `execora serve` processes on one PostgreSQL behave as one: every message delivered to
//! either (and redelivered to the other) is booked once and answered once, and together they
//! send no faster than the number's one throughput limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use execora_bot::whatsapp::signature::sign;
use execora_engine::books::{self, Books, NewCustomer, NewMerchant};
use execora_engine::reply::Locale;
use execora_engine::time::SystemClock;

use crate::app::{Database, FakeGraph, PHONE_NUMBER_ID, SECRET, TOKEN, TestDatabase};
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
