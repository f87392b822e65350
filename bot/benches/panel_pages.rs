//! Server time of the panel's pages on a big shop: the demo shop plus one customer with
//! `ENTRIES` ledger entries (100,000), timed through the real service (docs/PERFORMANCE.md).
//!
//! `cargo bench -p execora-bot --bench panel_pages`; settings from the environment: `ENTRIES`
//! (100000), `REQUESTS` per page (200), `DATABASE_URL` (a fresh SQLite file when unset; a
//! PostgreSQL URL must name an empty database), `BULK_ENTRIES` (0): that many more entries for the
//! same customer, written in SQL in a few statements (a million through the engine takes about
//! 40 minutes) before the `ENTRIES` ones, each with its operation, five minutes apart. Each page is asked for `REQUESTS` times, one
//! after the other, over a kept-alive connection on localhost, after 20 unmeasured requests;
//! the time is from sending the request to the last byte of the answer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use execora_bot::config::Config;
use execora_bot::startup::Application;
use execora_engine::access::{self, AccessKey};
use execora_engine::books::{Books, NewCustomer, Origin, Source};
use execora_engine::demo;
use execora_engine::messages::Delivery;
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::phone::Phone;
use execora_engine::store::{Backend, Db};
use execora_engine::time::{Clock, ManualClock, to_millis};

const SECRET: &str = "bench-panel-secret-bench-panel-secret-0123";
const WARM_UP: usize = 20;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let entries = setting("ENTRIES", 100_000);
    let bulk = setting("BULK_ENTRIES", 0);
    let requests = setting("REQUESTS", 200);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));

    // History is written with a clock that walks forward five minutes an entry and ends at `now`.
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 4, 30, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("start time"))?;
    let step = chrono::Duration::minutes(5);
    let history = ManualClock::new(now - step * i32::try_from(entries + bulk)?);
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let (shop, _) = demo::seed(&db, history.clone()).await?;
    let books = Books::open(db.clone(), shop.id, history.clone()).await?;
    let (customer, _) = books
        .add_customer(NewCustomer {
            name: "Bada Grahak".into(),
            ..Default::default()
        })
        .await?;
    let origin = Origin::new(Source::Cli);
    let started = Instant::now();
    if bulk > 0 {
        bulk_entries(
            &db,
            shop.id.0,
            customer.id.0,
            to_millis(history.now()),
            bulk,
        )
        .await?;
        history.advance(step * i32::try_from(bulk)?);
        eprintln!(
            "bulk-wrote {bulk} ledger entries in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    for n in 0..entries {
        history.advance(step);
        if n % 2 == 0 {
            books
                .add_credit(customer.id, Paise::new(10_000), None, &origin)
                .await?;
        } else {
            books
                .record_payment(
                    customer.id,
                    Paise::new(6_000),
                    Some(PaymentMode::Upi),
                    &origin,
                )
                .await?;
        }
        // Writes that never pause keep the service's PASSIVE checkpoints from ever reaching the
        // end of SQLite's log, which then grows by gigabytes; a bulk load folds it back itself.
        if n % 5_000 == 4_999 {
            if db.backend() == Backend::Sqlite {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(db.pool())
                    .await?;
            }
            eprintln!("{} entries written", n + 1);
        }
    }
    eprintln!(
        "wrote {} ledger entries for one customer in {:.1} s",
        entries + bulk,
        started.elapsed().as_secs_f64()
    );

    let clock = ManualClock::new(now);
    let env: HashMap<String, String> = [
        ("DATABASE_URL", url.clone()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("EXECORA_WORKERS", "off".into()),
        ("EXECORA_PANEL_SECRET", SECRET.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let app = Application::build(Config::from_env(&env)?, clock.clone()).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));

    // A session for the owner, opened the way the login form opens one.
    let key = AccessKey::from_secret(SECRET)?;
    let phone = Phone::parse(demo::DEMO_PHONE)?;
    let asked = access::request_code(&db, &key, &phone, Delivery::Sandbox, clock.now()).await?;
    let sent = asked
        .sent
        .ok_or_else(|| anyhow::anyhow!("the demo phone is a shop's"))?;
    let opened = access::verify_code(
        &db,
        &key,
        asked.challenge.as_str(),
        sent.code.as_str(),
        clock.now(),
    )
    .await?
    .map_err(|refused| anyhow::anyhow!("the code was refused: {refused:?}"))?;
    let cookie = format!("execora_session={}", opened.token.as_str());

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    println!(
        "{} ledger entries for one customer, {requests} requests a page, {url_kind}",
        entries + bulk,
        url_kind = if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!("| page | bytes | p50 | p90 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    for (name, path) in [
        ("dashboard", "/panel".to_string()),
        ("customers, by name", "/panel/customers".to_string()),
        (
            "customers, by dues",
            "/panel/customers?sort=dues".to_string(),
        ),
        (
            "the big customer's page",
            format!("/panel/customers/{}", customer.id),
        ),
    ] {
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for n in 0..WARM_UP + requests {
            let sent_at = Instant::now();
            let answer = client
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await?;
            let status = answer.status();
            let body = answer.bytes().await?;
            let took = sent_at.elapsed();
            anyhow::ensure!(status.is_success(), "{path}: {status}");
            bytes = body.len();
            if n >= WARM_UP {
                times.push(took);
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1)];
        println!(
            "| {name} | {bytes} | {} | {} | {} | {} |",
            ms(at(0.50)),
            ms(at(0.90)),
            ms(at(0.99)),
            ms(times[times.len() - 1]),
        );
    }
    let _ = stop.send(());
    running.await??;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// `count` entries for one customer, alternately ₹100 udhaar and a ₹60 UPI payment five
/// minutes apart from `first_at` (unix ms), each with the operation the engine would have
/// written, in one statement per table; then the customer's cached balance, and fresh planner
/// statistics. The rows are what `Books::add_credit` and `record_payment` write.
async fn bulk_entries(
    db: &Db,
    merchant: i64,
    customer: i64,
    first_at: i64,
    count: usize,
) -> anyhow::Result<()> {
    let count = i64::try_from(count)?;
    let base: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM operations")
        .fetch_one(db.pool())
        .await?;
    let step_ms = 300_000;
    // n = 0, 1, …: even n is udhaar, odd a payment.
    let (series, overriding) = match db.backend() {
        Backend::Sqlite => (
            "WITH RECURSIVE series(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM series WHERE n + 1 < $4)",
            "",
        ),
        Backend::Postgres => (
            "WITH series(n) AS (SELECT generate_series(0, $4 - 1))",
            "OVERRIDING SYSTEM VALUE",
        ),
    };
    let mut tx = db.pool().begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{series} INSERT INTO operations (id, merchant_id, kind, source, created_at) {overriding} \
         SELECT $1 + 1 + n, $2, CASE WHEN n % 2 = 0 THEN 'credit' ELSE 'payment' END, 'cli', \
         $3 + n * {step_ms} FROM series"
    )))
    .bind(base)
    .bind(merchant)
    .bind(first_at)
    .bind(count)
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{series} INSERT INTO ledger_entries (merchant_id, customer_id, operation_id, kind, \
         amount_paise, mode, source, created_at) \
         SELECT $2, $5, $1 + 1 + n, CASE WHEN n % 2 = 0 THEN 'credit' ELSE 'payment' END, \
         CASE WHEN n % 2 = 0 THEN 10000 ELSE -6000 END, \
         CASE WHEN n % 2 = 0 THEN NULL ELSE 'upi' END, 'cli', $3 + n * {step_ms} FROM series"
    )))
    .bind(base)
    .bind(merchant)
    .bind(first_at)
    .bind(count)
    .bind(customer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE customers SET balance_paise = (SELECT COALESCE(SUM(amount_paise), 0) \
         FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2) \
         WHERE merchant_id = $1 AND id = $2",
    )
    .bind(merchant)
    .bind(customer)
    .execute(&mut *tx)
    .await?;
    if db.backend() == Backend::Postgres {
        // The identity moves past the ids given, so the engine's next operation gets a free one.
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('operations', 'id'), (SELECT MAX(id) FROM operations))",
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    if db.backend() == Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(db.pool())
            .await?;
    }
    Ok(())
}
