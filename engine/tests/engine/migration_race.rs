//! The audit's "migration race": several processes starting at once against one fresh database
//! all migrate it, and each migration is applied exactly once.

use execora_engine::store::Db;

use crate::support::TestDb;

/// How many "processes" (each its own handle and pool) start together.
const STARTING: usize = 4;

async fn all_start_at_once(test_db: TestDb) {
    let mut handles = Vec::new();
    for _ in 0..STARTING {
        handles.push(Db::connect(&test_db.url).await.expect("connect"));
    }
    let mut starting = tokio::task::JoinSet::new();
    for db in &handles {
        let db = db.clone();
        starting.spawn(async move { db.migrate().await });
    }
    while let Some(result) = starting.join_next().await {
        let result = result.expect("no panic");
        assert!(result.is_ok(), "{result:?}");
    }
    let (applied, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(handles[0].pool())
    .await
    .expect("migrations table");
    assert_eq!(applied, distinct, "no migration applied twice");
    assert_eq!(handles[0].pending_migrations().await.expect("pending"), 0);
    for db in &handles {
        db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_processes_starting_together_migrate_once() {
    all_start_at_once(TestDb::sqlite_unmigrated().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_starting_together_migrate_once() {
    all_start_at_once(TestDb::postgres_unmigrated().await).await;
}
