//! Test databases: a fresh SQLite file or a fresh PostgreSQL database per test, and a seeded shop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{TimeZone, Utc};
use execora_engine::books::{self, Books, Customer, NewCustomer, NewMerchant, NewProduct, Product};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::reply::Locale;
use execora_engine::store::Db;
use execora_engine::time::ManualClock;
use sqlx::Executor;

/// The variable naming a PostgreSQL server the tests may create databases on.
pub const POSTGRES_URL_VAR: &str = "EXECORA_TEST_POSTGRES_URL";

/// A migrated, empty database that lives as long as this value.
pub struct TestDb {
    pub db: Db,
    /// Where it is, to open it again.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let test_db = TestDb::sqlite_unmigrated().await;
        test_db.db.migrate().await.expect("migrate sqlite");
        test_db
    }

    /// A new SQLite file with no tables yet.
    pub async fn sqlite_unmigrated() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("books.db").display());
        let db = Db::connect(&url).await.expect("open sqlite");
        TestDb {
            db,
            url,
            _dir: Some(dir),
        }
    }

    /// A new database on the server in `EXECORA_TEST_POSTGRES_URL`. Fails (never skips) without it,
    /// so a run that did not test PostgreSQL cannot pass.
    pub async fn postgres() -> TestDb {
        let test_db = TestDb::postgres_unmigrated().await;
        test_db.db.migrate().await.expect("migrate postgres");
        test_db
    }

    /// A new, empty PostgreSQL database.
    pub async fn postgres_unmigrated() -> TestDb {
        let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
            panic!("{POSTGRES_URL_VAR} is not set: run ./scripts/test, which starts a throwaway PostgreSQL")
        });
        let name = format!(
            "execora_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            Utc::now().timestamp_subsec_nanos()
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
        let url = format!("{base}/{name}{query}");
        let db = Db::connect(&url).await.expect("connect to test database");
        TestDb {
            db,
            url,
            _dir: None,
        }
    }
}

/// 22 Nov 2026, 10:00 in India.
pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 4, 30, 0)
        .single()
        .expect("valid time")
}

/// A shop with a pinned clock.
pub struct Shop {
    pub books: Books,
    pub clock: Arc<ManualClock>,
}

static PHONE_COUNTER: AtomicU32 = AtomicU32::new(0);

pub async fn shop(db: &Db, name: &str) -> Shop {
    let n = PHONE_COUNTER.fetch_add(1, Ordering::SeqCst);
    let merchant = books::merchants::create(
        db,
        NewMerchant {
            name: name.into(),
            owner_phone: format!("9198{:08}", n),
            locale: Locale::HiLatn,
            timezone: None,
            upi_id: None,
        },
        &*ManualClock::new(start_time()),
    )
    .await
    .expect("create merchant");
    let clock = ManualClock::new(start_time());
    let books = Books::open(db.clone(), merchant.id, clock.clone())
        .await
        .expect("open books");
    Shop { books, clock }
}

pub async fn customer(books: &Books, name: &str) -> Customer {
    books
        .add_customer(NewCustomer {
            name: name.into(),
            ..Default::default()
        })
        .await
        .expect("add customer")
        .0
}

pub async fn product(books: &Books, name: &str, rupees: i64, unit: Unit, stock: i64) -> Product {
    let (p, _) = books
        .upsert_product(NewProduct {
            name: name.into(),
            price: Paise::new(rupees * 100),
            unit,
            low_stock: None,
        })
        .await
        .expect("add product");
    if stock != 0 {
        books
            .adjust_stock(
                p.id,
                Quantity::from_milli(stock * 1000),
                None,
                &books::Origin::new(books::Source::Cli),
            )
            .await
            .expect("stock");
    }
    books.product(p.id).await.expect("product")
}

/// Runs each named `async fn(Db)` test once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test_db = $crate::support::TestDb::sqlite().await;
                    super::$name(test_db.db.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test_db = $crate::support::TestDb::postgres().await;
                    super::$name(test_db.db.clone()).await;
                }
            )*
        }
    };
}
