//! `spawn_app`: the real service (`startup::Application`) on a free port, on a fresh SQLite or
//! PostgreSQL database, with a local fake Graph API, and a `TestApp` to talk to it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{TimeZone, Utc};
use execora_bot::config::Config;
use execora_bot::startup::Application;
use execora_bot::whatsapp::graph::{GraphClient, GraphConfig};
use execora_bot::whatsapp::signature::sign;
use execora_engine::books::{self, NewMerchant};
use execora_engine::reply::Locale;
use execora_engine::store::Db;
use execora_engine::time::{Clock, ManualClock, SystemClock};
use serde_json::{Value, json};
use sqlx::Executor;

pub const SECRET: &str = "test_app_secret";
pub const MERCHANT_PHONE: &str = "919812345678";
pub const VERIFY_TOKEN: &str = "verify-me";
pub const TOKEN: &str = "EAAG-test-token";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
const POSTGRES_URL_VAR: &str = "EXECORA_TEST_POSTGRES_URL";

/// Which database the service runs on.
#[derive(Debug, Clone, Copy)]
pub enum Database {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database with the shop "Gupta Kirana" (owner 919812345678); lives as long as this value.
pub struct TestDatabase {
    pub url: String,
    pub db: Db,
    pub merchant: books::MerchantId,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    pub async fn new(database: Database) -> TestDatabase {
        TestDatabase::opened_at(database, &SystemClock).await
    }

    /// A database whose shop was opened at `clock`'s time: a test that runs on a hand-moved
    /// clock gets a shop that existed on that clock's day (its evening digest, say).
    pub async fn opened_at(database: Database, clock: &dyn Clock) -> TestDatabase {
        let (url, dir) = match database {
            Database::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("execora.db").display());
                (url, Some(dir))
            }
            Database::Postgres => (new_postgres_database().await, None),
        };
        let db = Db::connect(&url).await.expect("open the test database");
        db.migrate().await.expect("migrate");
        let merchant = books::merchants::create(
            &db,
            NewMerchant {
                name: "Gupta Kirana".into(),
                owner_phone: MERCHANT_PHONE.into(),
                locale: Locale::HiLatn,
                timezone: None,
                upi_id: None,
            },
            clock,
        )
        .await
        .expect("merchant")
        .id;
        TestDatabase {
            url,
            db,
            merchant,
            _dir: dir,
        }
    }
}

/// A new database on the server in `EXECORA_TEST_POSTGRES_URL`, as engine/tests/engine/support.rs
/// makes them. Fails (never skips) without the variable, so a run that did not test PostgreSQL
/// cannot pass.
async fn new_postgres_database() -> String {
    let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_URL_VAR} is not set: run ./scripts/test, which starts a throwaway PostgreSQL"
        )
    });
    let name = format!(
        "execora_bot_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_subsec_nanos()
    );
    let admin = Db::connect(&admin_url)
        .await
        .expect("connect to test postgres");
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create test database");
    admin.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin_url.clone(), String::new()),
    };
    let base = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => base[..slash].to_string(),
        _ => base,
    };
    format!("{base}/{name}{query}")
}

/// How the service is configured, beyond its database.
pub struct Setup {
    /// The webhook's secret; `None` refuses every POST.
    pub secret: Option<&'static str>,
    /// The previous secret, accepted during a rotation.
    pub previous_secret: Option<&'static str>,
    /// With WhatsApp credentials pointing at the fake Graph API; without, the sandbox.
    pub live: bool,
    /// The service's own workers run (`false`: the test drives workers by hand).
    pub workers: bool,
    pub clock: Arc<dyn Clock>,
    /// More environment, as an operator would set it.
    pub env: Vec<(&'static str, String)>,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            secret: Some(SECRET),
            previous_secret: None,
            live: false,
            workers: true,
            clock: Arc::new(SystemClock),
            env: Vec::new(),
        }
    }
}

impl Setup {
    /// The webhook only: the test runs workers by hand, one step at a time.
    pub fn workers_by_hand() -> Setup {
        Setup {
            workers: false,
            ..Setup::default()
        }
    }
}

/// The running service, its database and the fake Graph API it sends to.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub merchant: books::MerchantId,
    pub client: reqwest::Client,
    pub graph: FakeGraph,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    database: Arc<TestDatabase>,
}

/// The service with its workers, in the sandbox, on a fresh `database`.
pub async fn spawn_app(database: Database) -> TestApp {
    spawn_app_with(database, Setup::default()).await
}

/// The service configured by `setup`, on a fresh `database`.
pub async fn spawn_app_with(database: Database, setup: Setup) -> TestApp {
    let database = TestDatabase::opened_at(database, &*setup.clock).await;
    spawn_app_on(Arc::new(database), setup).await
}

/// The service on an existing database (a second start after a crash, say).
pub async fn spawn_app_on(database: Arc<TestDatabase>, setup: Setup) -> TestApp {
    let graph = FakeGraph::start().await;
    let mut env: HashMap<String, String> = HashMap::new();
    let mut set = |name: &str, value: String| {
        env.insert(name.to_string(), value);
    };
    set("DATABASE_URL", database.url.clone());
    set("HOST", "127.0.0.1".into());
    set("PORT", "0".into());
    set("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN.into());
    if let Some(secret) = setup.secret {
        set("WHATSAPP_APP_SECRET", secret.into());
    }
    if let Some(previous) = setup.previous_secret {
        set("WHATSAPP_APP_SECRET_PREVIOUS", previous.into());
    }
    if setup.live {
        set("WHATSAPP_ACCESS_TOKEN", TOKEN.into());
        set("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID.into());
        set("WHATSAPP_API_BASE", graph.api_base());
    }
    if !setup.workers {
        set("EXECORA_WORKERS", "off".into());
    }
    for (name, value) in setup.env {
        set(name, value);
    }
    let config = Config::from_env(&env).expect("test configuration");
    let app = Application::build(config, setup.clock)
        .await
        .expect("the service starts");
    let port = app.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until_stopped(async move {
        // Stopped by `TestApp::stop`, or when the TestApp is dropped.
        let _ = stopped.await;
    }));
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        db: database.db.clone(),
        merchant: database.merchant,
        client: reqwest::Client::new(),
        graph,
        stop: Some(stop),
        running: Some(running),
        database,
    }
}

/// The clock most tests start from: 22 Nov 2026, 10:00 in India (daytime in the shop's zone).
pub fn clock() -> Arc<ManualClock> {
    ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 4, 30, 0)
            .single()
            .expect("time"),
    )
}

/// The service with its workers running, every time judged by `clock`.
pub async fn serve_at(database: Database, clock: &Arc<ManualClock>) -> TestApp {
    spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            ..Setup::default()
        },
    )
    .await
}

/// How long a test waits for the service's workers before it fails.
const PATIENCE: Duration = Duration::from_secs(20);

impl TestApp {
    /// The database under the service, to start it again after `stop`.
    pub fn database(&self) -> Arc<TestDatabase> {
        self.database.clone()
    }

    /// POSTs a webhook body with this signature header (none when `None`); the status code.
    pub async fn post(&self, body: &[u8], signature: Option<&str>) -> u16 {
        let mut request = self
            .client
            .post(format!("{}/webhooks/whatsapp", self.base))
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("X-Hub-Signature-256", signature);
        }
        request.send().await.expect("response").status().as_u16()
    }

    /// POSTs a webhook body signed with the test secret; the status code.
    pub async fn post_signed(&self, body: &[u8]) -> u16 {
        self.post(body, Some(&sign(body, SECRET))).await
    }

    /// GETs `path`: status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("response");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Inbound messages stored.
    pub async fn stored(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
            .await
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(self.db.pool())
            .await
            .expect("count")
    }

    /// Waits until the service's workers have answered every inbound message and, live, tried
    /// every reply; fails the test after a generous while.
    pub async fn settle(&self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let waiting = self
                .count(
                    "SELECT COUNT(*) FROM messages WHERE (direction = 'in' AND status IN ('received', 'processing')) \
                     OR (direction = 'out' AND status IN ('queued', 'sending'))",
                )
                .await;
            if waiting == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{waiting} messages still waiting for the workers"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the service as a shutdown signal would, and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(running) = self.running.take() {
            running
                .await
                .expect("the service task")
                .expect("the service stops cleanly");
        }
    }
}

/// Serves `app` on a free loopback port for the rest of the test.
pub async fn serve_locally(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    address
}

/// Meta's Graph API messages endpoint, on a local port: records every request and answers
/// with a wamid (`wamid.SENT<n>`), or with an error when told to.
#[derive(Clone, Default)]
pub struct FakeGraph {
    /// (phone number id, headers, body) of every request.
    pub requests: Arc<Mutex<Vec<(String, HeaderMap, Value)>>>,
    /// Error code to answer with; none answers with a wamid.
    pub fail_with: Arc<Mutex<Option<i64>>>,
    /// Error code to answer every message but a template with (131047: window closed).
    pub refuse_non_templates: Arc<Mutex<Option<i64>>>,
    address: Option<std::net::SocketAddr>,
}

impl FakeGraph {
    pub async fn start() -> FakeGraph {
        let mut fake = FakeGraph::default();
        let app = axum::Router::new()
            .route(
                "/v25.0/{phone_number_id}/messages",
                axum::routing::post(messages_endpoint),
            )
            .with_state(fake.clone());
        fake.address = Some(serve_locally(app).await);
        fake
    }

    pub fn api_base(&self) -> String {
        format!("http://{}/v25.0", self.address.expect("started"))
    }

    /// A client for this fake, as the service builds one.
    pub fn client(&self) -> GraphClient {
        GraphClient::new(GraphConfig {
            api_base: self.api_base(),
            access_token: TOKEN.into(),
            phone_number_id: PHONE_NUMBER_ID.into(),
            timeout: Duration::from_secs(5),
        })
        .expect("client")
    }

    /// The bodies of the requests that were not read receipts.
    pub fn sent(&self) -> Vec<Value> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, _, body)| body.clone())
            .filter(|body| body["status"] != "read")
            .collect()
    }
}

async fn messages_endpoint(
    State(fake): State<FakeGraph>,
    Path(phone_number_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    let is_read_receipt = body["status"] == "read";
    let is_template = body["type"] == "template";
    let count = {
        let mut requests = fake.requests.lock().expect("lock");
        requests.push((phone_number_id, headers, body));
        requests.len()
    };
    if is_read_receipt {
        return Json(json!({"success": true})).into_response();
    }
    let refusal = *fake.refuse_non_templates.lock().expect("lock");
    let fail_with = match refusal {
        Some(code) if !is_template => Some(code),
        _ => *fake.fail_with.lock().expect("lock"),
    };
    match fail_with {
        Some(code) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "failed", "type": "OAuthException", "code": code, "fbtrace_id": "x"}})),
        )
            .into_response(),
        None => Json(json!({"messaging_product": "whatsapp", "contacts": [{"input": "+919812345678", "wa_id": "919812345678"}],
            "messages": [{"id": format!("wamid.SENT{count}")}]}))
        .into_response(),
    }
}
