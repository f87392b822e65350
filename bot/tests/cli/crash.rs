//! Reminders survive real crashes: `execora serve` with 200 reminders due, SIGKILLed twice while
//! sending and started again, against a fake Graph API that counts every send by its
//! biz_opaque_callback_data and recipient: each reminder is sent exactly once, or (the send cut
//! by the kill) marked for review and never resent; none lost, none twice. SQLite and PostgreSQL.

use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use chrono::{Timelike, Utc};
use execora_bot::whatsapp::reminders::{ReminderSender, STALE_AFTER_MS};
use execora_engine::books::{Books, NewCustomer, Origin, ReminderKey, ReminderStatus, Source};
use execora_engine::money::Paise;
use execora_engine::time::{ManualClock, SystemClock, to_millis};
use serde_json::{Value, json};

use crate::Sandbox;
use crate::app::{Database, PHONE_NUMBER_ID, TOKEN, TestDatabase, serve_locally};

const REMINDERS: usize = 200;
/// Reminders each run of the service sends at once (`EXECORA_REMINDER_CONCURRENCY`): a kill can
/// cut that many sends in flight, each claimed and so left for review.
const CONCURRENCY: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reminders_are_sent_once_or_reviewed_across_two_sigkills() {
    reminders_are_sent_once_or_reviewed_across_two_sigkills(Database::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reminders_are_sent_once_or_reviewed_across_two_sigkills() {
    reminders_are_sent_once_or_reviewed_across_two_sigkills(Database::Postgres).await;
}

/// Every template send the fake accepted: (biz_opaque_callback_data, recipient).
#[derive(Clone, Default)]
struct CountingGraph {
    sends: Arc<Mutex<Vec<(String, String)>>>,
}

impl CountingGraph {
    fn templates(&self) -> Vec<(String, String)> {
        self.sends.lock().expect("lock").clone()
    }
}

async fn counting_endpoint(
    State(graph): State<CountingGraph>,
    Json(body): Json<Value>,
) -> axum::response::Response {
    // A little time per send, as Meta takes, so a kill lands between sends and inside one.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let n = {
        let mut sends = graph.sends.lock().expect("lock");
        if body["type"] == "template" {
            sends.push((
                body["biz_opaque_callback_data"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                body["to"].as_str().unwrap_or_default().to_string(),
            ));
        }
        sends.len()
    };
    Json(json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.CRASH{n}-{}", Utc::now().timestamp_nanos_opt().unwrap_or_default())}]}))
        .into_response()
}

/// A zone whose clock now shows early afternoon, so no quiet hour holds the reminders whenever
/// the test runs.
fn afternoon_zone() -> String {
    let offset = 13 - i64::from(Utc::now().hour());
    if offset >= 0 {
        format!("Etc/GMT-{offset}")
    } else {
        format!("Etc/GMT+{}", -offset)
    }
}

fn serve(sandbox: &Sandbox, database: &TestDatabase, api_base: &str) -> Child {
    sandbox
        .command()
        .arg("serve")
        .env("DATABASE_URL", &database.url)
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("PUBLIC_URL", "https://execora.example")
        .env("WHATSAPP_VERIFY_TOKEN", "verify-me")
        .env("WHATSAPP_APP_SECRET", "test_app_secret")
        .env("WHATSAPP_ACCESS_TOKEN", TOKEN)
        .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("WHATSAPP_API_BASE", api_base)
        .env("WHATSAPP_MESSAGES_PER_SECOND", "60")
        .env("EXECORA_REMINDER_CONCURRENCY", CONCURRENCY.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("execora serve starts")
}

/// Waits until the fake has accepted at least `sends` reminders, then SIGKILLs the service.
async fn kill_after(child: &mut Child, graph: &CountingGraph, sends: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while graph.templates().len() < sends {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} sends",
            graph.templates().len()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

async fn statuses(database: &TestDatabase) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, status FROM reminders WHERE merchant_id = $1 ORDER BY id")
        .bind(database.merchant.0)
        .fetch_all(database.db.pool())
        .await
        .expect("reminders")
}

/// `count` customers of the test shop, each owing ₹100 with a phone and a reminder due now, the
/// shop in a zone where it is early afternoon.
pub(crate) async fn reminders_due_now(database: &TestDatabase, count: usize) {
    sqlx::query("UPDATE merchants SET timezone = $1 WHERE id = $2")
        .bind(afternoon_zone())
        .bind(database.merchant.0)
        .execute(&mut *database.db.writer().await.expect("writer"))
        .await
        .expect("zone");
    let books = Books::open(
        database.db.clone(),
        database.merchant,
        Arc::new(SystemClock),
    )
    .await
    .expect("books");
    let origin = Origin::new(Source::Cli);
    for n in 0..count {
        let customer = books
            .add_customer(NewCustomer {
                name: format!("Customer {n}"),
                phone: Some(format!("98{n:08}")),
                ..Default::default()
            })
            .await
            .expect("customer")
            .0
            .id;
        books
            .add_credit(customer, Paise::new(10_000), None, &origin)
            .await
            .expect("udhaar");
        books
            .schedule_reminder(customer, None, to_millis(books.now()), &origin)
            .await
            .expect("due now");
    }
}

async fn reminders_are_sent_once_or_reviewed_across_two_sigkills(database: Database) {
    let database = TestDatabase::new(database).await;
    reminders_due_now(&database, REMINDERS).await;
    let graph = CountingGraph::default();
    let app = axum::Router::new()
        .route(
            "/v25.0/{phone_number_id}/messages",
            axum::routing::post(counting_endpoint),
        )
        .with_state(graph.clone());
    let api_base = format!("http://{}/v25.0", serve_locally(app).await);
    let sandbox = Sandbox::new();

    let mut first = serve(&sandbox, &database, &api_base);
    kill_after(&mut first, &graph, 50).await;
    let after_first = graph.templates().len();
    assert!(after_first < REMINDERS, "killed after everything was sent");
    let mut second = serve(&sandbox, &database, &api_base);
    kill_after(&mut second, &graph, after_first + 60).await;
    assert!(
        graph.templates().len() < REMINDERS,
        "the second kill came too late"
    );
    let mut third = serve(&sandbox, &database, &api_base);
    // The last run takes every reminder still scheduled; the ones a kill cut stay `sending`.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let left = statuses(&database)
            .await
            .into_iter()
            .filter(|(_, s)| s == "scheduled")
            .count();
        if left == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{left} never taken");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the sends in flight be stored (the claims the kills cut stay `sending`: the count
    // settles once two seconds pass without change), then stop for good.
    let sending = || async {
        statuses(&database)
            .await
            .into_iter()
            .filter(|(_, s)| s == "sending")
            .count()
    };
    let (mut last, mut since) = (sending().await, tokio::time::Instant::now());
    while since.elapsed() < Duration::from_secs(2) {
        assert!(tokio::time::Instant::now() < deadline, "sends never stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = sending().await;
        if now != last {
            (last, since) = (now, tokio::time::Instant::now());
        }
    }
    third.kill().expect("SIGKILL");
    third.wait().expect("reaped");

    // Five minutes later (the service's review, by a clock moved on): a claim never finished is
    // marked for the merchant's review, never resent.
    let later =
        ManualClock::new(Utc::now() + chrono::Duration::milliseconds(STALE_AFTER_MS + 60_000));
    ReminderSender::sandbox(database.db.clone(), later)
        .review_stale()
        .await
        .expect("review");

    let sends = graph.templates();
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    let mut by_recipient: HashMap<&str, usize> = HashMap::new();
    for (key, to) in &sends {
        *by_key.entry(key.as_str()).or_default() += 1;
        *by_recipient.entry(to.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = by_key.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert!(by_recipient.values().all(|n| *n == 1), "a customer got two");
    let rows = statuses(&database).await;
    assert_eq!(rows.len(), REMINDERS);
    let mut reviewed = 0;
    for (id, status) in &rows {
        let key = ReminderKey {
            merchant: database.merchant,
            reminder: execora_engine::books::ReminderId(*id),
        }
        .to_string();
        let sent = by_key.get(key.as_str()).copied().unwrap_or(0);
        match ReminderStatus::parse(status) {
            Some(ReminderStatus::Sent) => {
                assert_eq!(sent, 1, "{key} is sent but went {sent} times")
            }
            Some(ReminderStatus::NeedsReview) => {
                reviewed += 1;
                assert!(sent <= 1, "{key} went {sent} times");
            }
            other => panic!("{key} ended {other:?}: lost"),
        }
    }
    // Each kill can cut at most the sends in flight: a reminder is claimed only once the
    // number's throughput lets it go, and at most CONCURRENCY are out at once.
    assert!(reviewed <= 2 * CONCURRENCY, "{reviewed} reviewed");
    eprintln!(
        "crash test: {} sends, {reviewed} reviewed, first kill after {after_first}",
        sends.len()
    );
    // Every one sent is a send at the fake; a reviewed one may or may not have reached it.
    assert!(
        (REMINDERS - reviewed..=REMINDERS).contains(&sends.len()),
        "{} sends, {reviewed} reviewed",
        sends.len()
    );
}
