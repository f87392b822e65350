//! A PostgreSQL process readies every connection it keeps before it serves; SQLite has nothing
//! to ready.

use execora_engine::store::{Backend, Db};

/// After `warm_up` the pool holds all its PostgreSQL connections open, each one used (it planned
/// a read of every table, so the tables it will touch are known to its server process); warming
/// again opens none more.
async fn every_postgres_connection_is_opened_and_used_before_serving(db: Db) {
    db.warm_up().await.expect("warm up");
    match db.backend() {
        Backend::Postgres => {
            assert_eq!(db.pool().size(), 16, "every connection opened");
            // Each server process's last statement was a plan; the one asking is the 16th.
            let planned: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND query LIKE 'EXPLAIN SELECT * FROM %'",
            )
            .fetch_one(db.pool())
            .await
            .expect("activity");
            assert_eq!(planned, 15, "every other connection planned the tables");
            db.warm_up().await.expect("warming twice is harmless");
            assert_eq!(db.pool().size(), 16, "no connection more");
        }
        Backend::Sqlite => db.ping().await.expect("still usable"),
    }
}

crate::on_both_databases!(every_postgres_connection_is_opened_and_used_before_serving);
