//! Webhook-to-reply latency: signed text webhooks at a steady rate into a running `execora
//! serve`, each reply timed when it reaches a local fake Graph API (docs/PERFORMANCE.md).
//!
//! `scripts/bench-reply` builds the release binary and runs this; settings come from the
//! environment: `EXECORA_BIN` (the binary), `RATE` (messages a second, 100), `RUN_SECONDS` (20),
//! `SENDERS` (shops writing in, 400), `WARM_UP_SECONDS` (1: the first second is reported apart,
//! as a process starting), `DATABASE_URL` (a fresh SQLite file when unset; a
//! PostgreSQL URL must name an empty database), `PROCESSES` (servers sharing the database, 1).
//! Every message is from a registered shop, half of them booking a payment and half asking a
//! balance, so each takes the whole path: signature, store, the worker's pipeline and booking,
//! the reply committed, the sender's Graph call.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use execora_engine::books::{self, NewCustomer, NewMerchant};
use execora_engine::reply::Locale;
use execora_engine::store::Db;
use execora_engine::time::SystemClock;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "bench_reply_secret";
const PHONE_NUMBER_ID: &str = "106540352242922";

/// Numbers the fake's answers: every sent message gets its own wamid, as Meta's do.
static SENT_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Replies not yet arrived, by the shop phone they go to: when its webhook was posted.
type Waiting = Arc<Mutex<HashMap<String, Instant>>>;

struct Fake {
    waiting: Waiting,
    /// Each reply's latency, with when its webhook was posted.
    latencies: Arc<Mutex<Vec<(Instant, Duration)>>>,
    unexpected: Arc<Mutex<u64>>,
}

async fn graph_messages(State(fake): State<Arc<Fake>>, Json(body): Json<Value>) -> Json<Value> {
    let arrived = Instant::now();
    if body["status"] == "read" {
        return Json(json!({"success": true}));
    }
    let to = body["to"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches('+');
    let posted = lock(&fake.waiting).remove(to);
    match posted {
        Some(posted) => lock(&fake.latencies).push((posted, arrived - posted)),
        None => *lock(&fake.unexpected) += 1,
    }
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": format!("wamid.reply.{}", SENT_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed))}]
    }))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn shop_phone(n: usize) -> String {
    format!("91981{n:07}")
}

fn webhook(from: &str, wamid: &str, text: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Bench"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": "1795000000", "type": "text", "text": {"body": text}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

/// A server process, killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(bin: &str, database_url: &str, graph: &str, dir: &std::path::Path) -> Server {
    let mut child = Command::new(bin)
        .arg("serve")
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("PORT", "0")
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_ACCESS_TOKEN", "bench-token")
        .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("WHATSAPP_API_BASE", graph)
        .env("WHATSAPP_MESSAGES_PER_SECOND", "1000")
        .env("EXECORA_MESSAGES_PER_MINUTE", "1000")
        .env("RUST_LOG", "warn,execora_bot::startup=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("execora serve starts (set EXECORA_BIN)");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server said where it listens")
            .expect("utf-8");
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on ".len()..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("ERROR") || line.contains("WARN") || line.contains("panicked") {
                eprintln!("server: {line}");
            }
        }
    });
    Server { child, base }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let bin = std::env::var("EXECORA_BIN").unwrap_or_else(|_| "target/release/execora".into());
    let rate: u64 = setting("RATE", 100);
    let seconds: u64 = setting("RUN_SECONDS", 20);
    let senders: usize = setting("SENDERS", 400);
    let processes: usize = setting("PROCESSES", 1);
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));

    let migrated = Command::new(&bin)
        .arg("migrate")
        .current_dir(dir.path())
        .env("DATABASE_URL", &database_url)
        .output()
        .expect("execora migrate");
    assert!(migrated.status.success(), "{:?}", migrated);
    let db = Db::connect(&database_url).await.expect("database");
    for n in 0..senders {
        let merchant = books::merchants::create(
            &db,
            NewMerchant {
                name: format!("Bench Kirana {n}"),
                owner_phone: shop_phone(n),
                locale: Locale::default(),
                timezone: None,
                upi_id: None,
            },
            &SystemClock,
        )
        .await
        .expect("a shop");
        books::Books::open(db.clone(), merchant.id, Arc::new(SystemClock))
            .await
            .expect("the shop's books")
            .add_customer(NewCustomer {
                name: "Ramesh Yadav".into(),
                phone: None,
                nickname: None,
            })
            .await
            .expect("a customer");
    }
    db.close().await;

    let fake = Arc::new(Fake {
        waiting: Waiting::default(),
        latencies: Arc::default(),
        unexpected: Arc::default(),
    });
    let graph = Router::new()
        .route("/v25.0/{phone}/messages", post(graph_messages))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let graph_base = format!("http://{}/v25.0", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, graph).await });

    let servers: Vec<Server> = (0..processes)
        .map(|_| start_server(&bin, &database_url, &graph_base, dir.path()))
        .collect();
    let client = reqwest::Client::new();
    let total = rate * seconds;
    println!(
        "{total} messages at {rate}/s from {senders} shops into {processes} process(es) on {}",
        if database_url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let refused = Arc::new(Mutex::new(0u64));
    for n in 0..total as usize {
        tick.tick().await;
        let from = shop_phone(n % senders);
        let text = if n % 2 == 0 {
            "Ramesh Yadav ne 10 rupaye diye"
        } else {
            "Ramesh Yadav ka balance batao"
        };
        let body = webhook(&from, &format!("wamid.bench.{n}"), text);
        let signature = sign(&body);
        let url = format!("{}/webhooks/whatsapp", servers[n % processes].base);
        let (client, refused) = (client.clone(), refused.clone());
        // Marked waiting before the post is spawned: marked inside the task, the last one could
        // be missed by the wait below, which then stopped the server under its request (the one
        // "refused" webhook of earlier runs, a connection reset at the very end).
        lock(&fake.waiting).insert(from, Instant::now());
        tokio::spawn(async move {
            let answered = client
                .post(url)
                .header("X-Hub-Signature-256", signature)
                .body(body)
                .send()
                .await;
            // Said apiece: a status is the server's answer, an error the connection's.
            match answered {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    eprintln!("webhook answered {}", response.status());
                    *lock(&refused) += 1;
                }
                Err(error) => {
                    eprintln!("webhook {n} not answered: {error:?}");
                    *lock(&refused) += 1;
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lock(&fake.waiting).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(servers);
    let timed = lock(&fake.latencies).clone();
    // The first second is reported apart: a process's first messages open its connections and
    // prepare its statements, which says how a process starts, not how it runs.
    let warm_up = Duration::from_secs(setting("WARM_UP_SECONDS", 1));
    let (mut first, mut latencies): (Vec<Duration>, Vec<Duration>) = (Vec::new(), Vec::new());
    for (posted, latency) in &timed {
        if *posted - started < warm_up {
            first.push(*latency);
        } else {
            latencies.push(*latency);
        }
    }
    first.sort();
    latencies.sort();
    // Where in the run the slowest replies were: at the start (connections opened, statements
    // prepared) or anywhere (a stall).
    let mut slowest = timed.clone();
    slowest.sort_by_key(|(_, latency)| std::cmp::Reverse(*latency));
    let slowest: Vec<String> = slowest
        .iter()
        .take(10)
        .map(|(posted, latency)| {
            format!(
                "{:.0} ms at {:.2} s",
                latency.as_secs_f64() * 1000.0,
                (*posted - started).as_secs_f64()
            )
        })
        .collect();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "replies timed: {} of {total} | refused webhooks: {} | replies without a waiting message: {} | still waiting: {}",
        timed.len(),
        lock(&refused),
        lock(&fake.unexpected),
        lock(&fake.waiting).len()
    );
    println!(
        "first {} s ({} replies): p50 {:.1} ms | max {:.1} ms",
        warm_up.as_secs(),
        first.len(),
        ms(percentile(&first, 50.0)),
        ms(first.last().copied().unwrap_or_default())
    );
    println!(
        "webhook -> reply after it: p50 {:.1} ms | p90 {:.1} ms | p99 {:.1} ms | max {:.1} ms",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!("slowest: {}", slowest.join(", "));
}
