//! The database handle: one pool over SQLite or PostgreSQL, pragmas, migrations and transactions.
//!
//! Queries are written once in portable SQL (`$1` parameters, which SQLite also accepts by
//! number) and run through sqlx's `Any` driver, so every query is exercised by the tests of
//! both dialects. Only the schema is written per dialect, under `migrations/` (and the batch
//! INSERT of `inbox`, which uses `?` marks on SQLite for speed).

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{AnyConnection, AnyPool, Executor, SqlSafeStr};
use tokio::sync::{Mutex, Notify};

pub use sqlx::Any as Dialect;
pub use wakeups::{Wakeup, Work};

mod wakeups;

/// A write transaction; it derefs to the connection, so queries run on `&mut *tx`. On SQLite it
/// holds the process's one writer connection (see [`Db::begin`]).
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// Why storage failed. The message never contains secrets from the URL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://, got '{0}'")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("could not lock the database for migrating: {0}")]
    MigrationLock(#[source] std::io::Error),
    #[error("a connection being readied stopped: {0}")]
    WarmUp(String),
}

/// Why a backup was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backup copies the SQLite database; for PostgreSQL use pg_dump or a base backup (docs/DEPLOY.md)"
    )]
    NotSqlite,
    #[error("{0} already exists: choose a new file")]
    Exists(PathBuf),
    #[error("the backup path must be valid UTF-8: {0}")]
    PathNotUtf8(PathBuf),
    #[error("could not write the backup: {0}")]
    Write(#[source] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which SQL dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The shared database handle. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    /// Reads, on any number of connections.
    pool: AnyPool,
    /// Writes. On SQLite one connection, which every write of the process queues for in order
    /// (see [`Db::begin`]); on PostgreSQL the same pool as reads.
    writer: AnyPool,
    backend: Backend,
    /// How this handle's background writes reach the disk on SQLite (see [`Db::lazy`]).
    durability: Durability,
    gate: Arc<WriteGate>,
    wakeups: Arc<wakeups::Wakeups>,
}

/// How many batches of arriving messages may take the writer, one after another, while a
/// background write (the worker's, the sender's) waits. Webhook requests wait on a batch;
/// the background catches up once they stop, and never waits longer than this many batches.
const ARRIVALS_AHEAD: usize = 4;

/// Longest a background write waits for one batch of arriving messages to finish.
const BATCH_WAIT_LIMIT: Duration = Duration::from_millis(50);

/// How a write on SQLite's one writer connection reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// On disk when the commit returns (`synchronous = FULL`: the log is synced at each commit):
    /// what an answer to anyone outside (a webhook's 200, a page's "saved") rests on.
    Synced,
    /// In the log when the commit returns, on disk with the next synced commit (`synchronous =
    /// NORMAL`). The log is written in order and one sync covers every frame before it, so a
    /// crash of the machine can lose only a tail of lazy commits, never one before a synced
    /// commit, and a crash of the process loses none.
    Lazy,
}

/// What the writer connection's `synchronous` setting is now, as far as we know.
const WRITER_SYNCED: u8 = 0;
const WRITER_LAZY: u8 = 1;
/// A change was under way when its future was dropped: set it again before the next write.
const WRITER_UNKNOWN: u8 = 2;

/// Puts webhook requests ahead of background writes in the line for the writer. Hand-written:
/// tokio's locks are first come, first served, and neither tokio nor sqlx has a priority lock.
#[derive(Debug, Default)]
struct WriteGate {
    /// Arriving messages are waiting for, or being written by, the inbox's writer.
    arrivals: AtomicBool,
    /// Told each time the inbox's writer finishes a batch.
    batch_done: Notify,
    /// Background writers go one at a time, so at most one is ever ahead of a batch.
    background: Mutex<()>,
    /// The writer connection's `synchronous` setting (`WRITER_*`), changed only by whoever
    /// holds the connection.
    writer_mode: std::sync::atomic::AtomicU8,
}

impl WriteGate {
    /// Waits, holding the background turn, until no arrivals wait or `ARRIVALS_AHEAD` batches
    /// have gone first. The caller takes the writer before dropping the guard.
    async fn background_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.background_turn_between(|| async {}).await
    }

    /// As [`WriteGate::background_turn`], running `between` after each batch that goes first
    /// (the checkpointer copies each batch's frames while the next one is written).
    async fn background_turn_between<Between, Ran>(
        &self,
        between: Between,
    ) -> tokio::sync::MutexGuard<'_, ()>
    where
        Between: Fn() -> Ran,
        Ran: Future<Output = ()>,
    {
        let turn = self.background.lock().await;
        for _ in 0..ARRIVALS_AHEAD {
            let done = self.batch_done.notified();
            tokio::pin!(done);
            // Registered before the check, so a batch finishing in between still wakes us.
            done.as_mut().enable();
            if !self.arrivals.load(Ordering::Acquire) {
                break;
            }
            // Bounded, so a writer that stopped without saying so cannot hold us up.
            let _ = tokio::time::timeout(BATCH_WAIT_LIMIT, done).await;
            between().await;
        }
        turn
    }
}

/// SQLite settings on every connection. WAL lets readers run beside the one writer;
/// synchronous=FULL makes every commit durable before we acknowledge a webhook; the busy timeout
/// queues writers from other processes instead of failing them. Checkpoints are taken off the
/// committing connection (see `checkpoint_in_background`), so no webhook waits for one. Temporary
/// tables and statement journals stay in memory: spilled to files, each batch of arriving
/// messages created and deleted one. Under writes that never pause, checkpoints never catch up
/// with the end of the log, so the WAL only grows until the checkpointer starts it over
/// (`WAL_RESTART_FRAMES`). The file is cut back only past 512 MiB, twice what a restart leaves:
/// cut back to the restart's own size (64 MiB then), the first commit after each restart
/// truncated the file inside a webhook's write and the next ones grew it again, which was most
/// of the ingest p99 (26–44 ms against 18–19 ms uncut, at the same restart size).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; \
     PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 536870912;";
/// The writer's page cache (KiB, as SQLite's negative `cache_size`). SQLite drops a connection's
/// cache whenever another connection wrote since its last transaction, so the writer keeping one
/// connection keeps its cache, and a large one holds the index pages each batch of arriving
/// messages touches instead of reading them again from the file.
const SQLITE_WRITER_CACHE_KIB: i64 = 64 * 1024;

/// Connections a process keeps to PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 16;

/// The default when `DATABASE_URL` is unset: a file next to where the service runs.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://execora.db";

impl Db {
    /// Opens (and for SQLite creates) the database at `url`.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(StoreError::Connect)?;
        let (pool, writer) = match backend {
            Backend::Sqlite => {
                let pool = sqlite_pool(8, "").connect_with(options.clone()).await;
                let pool = pool.map_err(StoreError::Connect)?;
                let writer_pragmas = format!("PRAGMA cache_size = -{SQLITE_WRITER_CACHE_KIB};");
                let writer = sqlite_pool(1, &writer_pragmas)
                    // One connection for the process's life, so its cache stays warm.
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await
                    .map_err(StoreError::Connect)?;
                (pool, writer)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    // Kept open once warmed (`warm_up`): a new one starts cold.
                    .min_connections(POSTGRES_CONNECTIONS)
                    .idle_timeout(None)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(StoreError::Connect)?;
                (pool.clone(), pool)
            }
        };
        let postgres_url = (backend == Backend::Postgres).then(|| url.clone());
        let db = Db {
            pool,
            writer,
            backend,
            durability: Durability::Synced,
            gate: Arc::default(),
            wakeups: wakeups::Wakeups::new(postgres_url),
        };
        if backend == Backend::Sqlite {
            checkpoint_in_background(db.clone());
        }
        Ok(db)
    }

    /// Applies pending migrations for this dialect.
    ///
    /// On SQLite a migration that rebuilds tables runs outside sqlx's transaction (foreign keys
    /// must be off to drop a referenced table) and opens its own; if it fails half-way, the pools
    /// are closed, which rolls that transaction back, and this handle is unusable.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                // Held until the migrations are done: see `sqlite_migration_lock`.
                let _lock = self.sqlite_migration_lock().await?;
                if let Err(error) = SQLITE_MIGRATIONS.run(&self.pool).await {
                    self.close().await;
                    return Err(error.into());
                }
            }
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// An exclusive lock on a file beside the SQLite database, for as long as the returned file
    /// is kept. sqlx's migrator takes an advisory lock on PostgreSQL but none on SQLite, so
    /// processes starting together on one file would each apply the same migration (the later
    /// one failing half-way); with this lock they take turns and the later ones find nothing
    /// pending. An in-memory database has no file and needs none.
    async fn sqlite_migration_lock(&self) -> Result<Option<std::fs::File>, StoreError> {
        let file: String =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(&self.pool)
                .await?;
        if file.is_empty() {
            return Ok(None);
        }
        let path = format!("{file}-migrate.lock");
        let locked = tokio::task::spawn_blocking(move || {
            let lock = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            lock.lock()?;
            Ok(lock)
        })
        .await
        .map_err(|joined| StoreError::MigrationLock(std::io::Error::other(joined)))?;
        locked.map(Some).map_err(StoreError::MigrationLock)
    }

    /// Whether migrations that this binary knows are missing from the database.
    pub async fn pending_migrations(&self) -> Result<usize, StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // No migrations table yet means nothing is applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = $1")
                .bind(true)
                .fetch_all(&self.pool)
                .await
                .unwrap_or_default();
        Ok(migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count())
    }

    /// Readies every PostgreSQL connection the process will use before any work comes: opens the
    /// pool's connections together and, on each, plans a read of every table of the schema. A
    /// PostgreSQL connection is a new server process that loads each table's and index's
    /// description on its first use of it, and the first burst of work would otherwise pay that
    /// on every connection at once (replies of up to 200 ms in a process's first second,
    /// docs/PERFORMANCE.md). `EXPLAIN` plans without reading a row. Nothing to do on SQLite,
    /// whose connections share the file's pages.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?;
        // All taken before any is used, so each is a different connection.
        let mut connections = Vec::new();
        for _ in 0..POSTGRES_CONNECTIONS {
            connections.push(self.pool.acquire().await?);
        }
        let tables = Arc::new(tables);
        let mut plans = tokio::task::JoinSet::new();
        for mut connection in connections {
            let tables = tables.clone();
            plans.spawn(async move {
                for table in tables.iter() {
                    let quoted = table.replace('"', "\"\"");
                    let explain = format!("EXPLAIN SELECT * FROM \"{quoted}\"");
                    connection.execute(sqlx::AssertSqlSafe(explain)).await?;
                }
                Ok::<(), sqlx::Error>(())
            });
        }
        while let Some(planned) = plans.join_next().await {
            match planned {
                Ok(result) => result?,
                Err(error) => return Err(StoreError::WarmUp(error.to_string())),
            }
        }
        Ok(())
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction. On SQLite it waits in line for the process's one writer
    /// connection, then takes the write lock up front (`BEGIN IMMEDIATE`), so a read-then-write
    /// transaction never fails with SQLITE_BUSY when it upgrades its lock. Waiting in line wakes
    /// as soon as the writer is free; SQLite's own busy handler sleeps in steps of 1, 2, 5, 10,
    /// 20 … ms, which stalled webhook commits behind bookings for tens of milliseconds. The busy
    /// timeout stays for writers in other processes.
    ///
    /// A transaction is a background write: waiting webhook requests go first (see
    /// [`Db::arrivals_writer`]).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match self.backend {
            Backend::Sqlite => {
                let mut writer = {
                    let _turn = self.gate.background_turn().await;
                    self.writer.acquire().await?
                };
                self.set_durability(&mut writer, self.durability).await?;
                // `Pool::begin_with` with the connection already in hand (sqlx's own path,
                // hidden from its docs): the setting above and the transaction share the
                // connection, with no arrival batch between them.
                sqlx::Transaction::begin(writer, Some("BEGIN IMMEDIATE".into_sql_str())).await?
            }
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(Tx { inner })
    }

    /// This handle with its background writes lazy on SQLite: committed to the log without
    /// waiting for the disk, and made durable by the next synced commit (see `Durability`).
    /// For work that a later synced commit stands between and anyone outside: the inbound
    /// worker's claims, bookings and answers reach the merchant only as a reply, and a reply
    /// is sent only after the sender's claim of it (a synced commit) has made all of them
    /// durable. After a crash of the machine a lost tail is done again, once (the message is
    /// claimed anew and its booking was lost with it). Webhook writes are always synced.
    pub fn lazy(&self) -> Db {
        Db {
            durability: Durability::Lazy,
            ..self.clone()
        }
    }

    /// Puts the writer connection in `durability`'s mode, if it is not in it already.
    async fn set_durability(
        &self,
        writer: &mut AnyConnection,
        durability: Durability,
    ) -> Result<(), StoreError> {
        let wanted = match durability {
            Durability::Synced => WRITER_SYNCED,
            Durability::Lazy => WRITER_LAZY,
        };
        if self.backend != Backend::Sqlite
            || self.gate.writer_mode.load(Ordering::Acquire) == wanted
        {
            return Ok(());
        }
        self.gate
            .writer_mode
            .store(WRITER_UNKNOWN, Ordering::Release);
        let pragma = match durability {
            Durability::Synced => "PRAGMA synchronous = FULL",
            Durability::Lazy => "PRAGMA synchronous = NORMAL",
        };
        writer.execute(pragma).await?;
        self.gate.writer_mode.store(wanted, Ordering::Release);
        Ok(())
    }

    /// For reads. A write outside [`Db::begin`] goes to [`Db::writer`].
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection for a write of one statement, which needs no transaction of its own: it
    /// waits in line with the write transactions instead of in SQLite's busy handler, behind
    /// waiting webhook requests. Dropping it frees the writer.
    pub async fn writer(&self) -> Result<PoolConnection<sqlx::Any>, StoreError> {
        let mut writer = {
            let _turn = match self.backend {
                Backend::Sqlite => Some(self.gate.background_turn().await),
                Backend::Postgres => None,
            };
            self.writer.acquire().await?
        };
        self.set_durability(&mut writer, self.durability).await?;
        Ok(writer)
    }

    /// Arriving messages wait for the writer: background writes now let up to
    /// `ARRIVALS_AHEAD` of their batches go first.
    pub fn arrivals_waiting(&self) {
        self.gate.arrivals.store(true, Ordering::Release);
    }

    /// A batch of arriving messages is written; `more` says whether others already wait.
    pub fn arrivals_written(&self, more: bool) {
        self.gate.arrivals.store(more, Ordering::Release);
        self.gate.batch_done.notify_waiters();
    }

    /// The writer for a batch of arriving messages, ahead of background writes.
    pub async fn arrivals_writer(&self) -> Result<PoolConnection<sqlx::Any>, StoreError> {
        let mut writer = self.writer.acquire().await?;
        // A webhook is answered once what it brought is on disk, whatever wrote last.
        self.set_durability(&mut writer, Durability::Synced).await?;
        Ok(writer)
    }

    /// Writes an online, consistent copy of a SQLite database to `target` while the service
    /// keeps serving: `VACUUM INTO` reads one snapshot (WAL readers never block the writer) into
    /// `<target>.partial`, which is renamed only once complete, so a crash never leaves a
    /// half-written file under the backup's name. PostgreSQL has its own tools (`pg_dump`,
    /// base backups); this refuses rather than pretend.
    pub async fn backup_to(&self, target: &Path) -> Result<(), BackupError> {
        if self.backend != Backend::Sqlite {
            return Err(BackupError::NotSqlite);
        }
        if target.exists() {
            return Err(BackupError::Exists(target.to_path_buf()));
        }
        let mut partial = target.as_os_str().to_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        if partial.exists() {
            std::fs::remove_file(&partial).map_err(BackupError::Write)?;
        }
        let destination = partial
            .to_str()
            .ok_or_else(|| BackupError::PathNotUtf8(target.to_path_buf()))?
            .to_string();
        sqlx::query("VACUUM INTO $1")
            .bind(destination)
            .execute(&self.pool)
            .await
            .map_err(StoreError::Query)?;
        std::fs::rename(&partial, target).map_err(BackupError::Write)?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Tells the workers waiting for `work` (in this process, and on PostgreSQL in every
    /// process) that a commit made some ready. Call it after the commit, never before.
    pub fn wake(&self, work: Work) {
        self.wakeups.wake(work, &self.pool);
    }

    /// What a worker of `work` waits on between looks at its queue.
    pub fn wakeup(&self, work: Work) -> Wakeup {
        self.wakeups.subscribe(work)
    }

    pub async fn close(&self) {
        self.wakeups.stop();
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A SQLite pool of `connections` with our pragmas, then `extra` ones. Connections are not pinged
/// before each use: they are files in this process, and a ping is a round trip to the
/// connection's thread on every query.
/// How long a connection waits for a writer in another process (or a restart of the log).
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 30000;";

fn sqlite_pool(connections: u32, extra: &str) -> AnyPoolOptions {
    let pragmas = format!("{SQLITE_PRAGMAS} {BUSY_TIMEOUT} {extra}");
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            let pragmas = pragmas.clone();
            Box::pin(async move {
                conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                Ok(())
            })
        })
}

/// The URL with every password removed, safe for logs and error messages: the userinfo password
/// (`user:***@host`) and the value of every query parameter whose name contains "password" or
/// "secret" (`password`, `sslpassword`, `client_secret`…). Hand-written: `url` would re-encode
/// (and so reshape) what the operator wrote, and a URL it cannot parse still has to be redacted.
pub fn redact(url: &str) -> String {
    const MAX_CHARS: usize = 200;
    let (scheme, rest) = match url.find("://") {
        Some(end) => (&url[..end + 3], &url[end + 3..]),
        None => ("", url),
    };
    // The userinfo ends at the last '@' before the path, so a password holding '@' or '?' stays
    // hidden whole; libpq itself stops the userinfo at the first '/'.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (userinfo, location) = match rest[..authority_end].rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let mut redacted = String::from(scheme);
    if let Some(userinfo) = userinfo {
        if userinfo.contains('?') {
            // Either a password holding '?' or a '@' inside a query value with no path before
            // it (`host?password=a@b`): which one cannot be told, so nothing more is shown.
            redacted.push_str("***");
            return redacted;
        }
        let user = userinfo.split(':').next().unwrap_or("");
        redacted.push_str(user);
        redacted.push_str(":***@");
    }
    match location.split_once('?') {
        Some((before, query)) => {
            redacted.push_str(before);
            redacted.push('?');
            redacted.push_str(&redact_query(query));
        }
        None => redacted.push_str(location),
    }
    redacted.chars().take(MAX_CHARS).collect()
}

/// `query` with the value of every secret-named parameter replaced by `***`.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_parameter(name) => format!("{name}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_secret_parameter(name: &str) -> bool {
    // Percent-encoded letters in the name must not slip a password past the check.
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    ["password", "secret", "passwd", "pwd"]
        .iter()
        .any(|word| name.contains(word))
}

/// True when `error` is a unique-constraint violation (both dialects).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db
                    .code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
        }
        _ => false,
    }
}

/// How often the SQLite write-ahead log is folded back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Frames (pages) in the write-ahead log past which it is started over: 65,536 pages of 4 KiB,
/// a 256 MiB log. Each restart holds webhook writes up while it copies the last frames and syncs
/// the database file (10–16 ms when it copied the frames of its whole wait for the writer), so
/// the fewer the better for the ingest tail (p99 under a flood then: 18–19 ms restarting at
/// 16,384 frames, 14–15 at 32,768, 11–12 at 65,536, 10.4 at 131,072), against a larger file and
/// slower reads in a longer log (docs/PERFORMANCE.md).
const WAL_RESTART_FRAMES: i64 = 65_536;

/// PASSIVE checkpoints taken to catch up before a restart, and the frames it may leave to it.
const CATCH_UP_TRIES: usize = 4;
const CATCH_UP_FRAMES: i64 = 256;

/// The longest a restart of the log waits for readers still on an older snapshot. It waits in
/// the writers' line, so a reader that stays longer makes it give up (and try at the next tick)
/// instead of holding webhook writes up.
const WAL_RESTART_WAIT_MS: u32 = 100;

/// SQLite's automatic checkpoint runs inside whichever commit crosses the threshold, so that
/// commit (and every webhook waiting on it) stalls for the copy and its fsync. Instead a task
/// takes PASSIVE checkpoints on a connection of its own: they copy what no reader still needs
/// and never block writers. Under writes that never pause they never find the log fully copied
/// at the moment a writer starts, so SQLite never starts it over and it only grows (8 GiB in a
/// 10-minute soak at 500 messages a second), and every read then searches an index of millions
/// of frames: processing fell from 300 to 70 messages a second. So once the log passes
/// `WAL_RESTART_FRAMES` the task takes its turn as a background writer and restarts it. It ends
/// when the pool is closed.
fn checkpoint_in_background(db: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if db.pool.is_closed() {
                return;
            }
            if let Err(error) = db.checkpoint(WAL_RESTART_FRAMES).await {
                if db.pool.is_closed() {
                    return;
                }
                tracing::warn!(%error, "WAL checkpoint failed; will try again");
            }
        }
    });
}

/// The steps SQLite's planner chooses for `sql` on a freshly migrated database, one `detail` a
/// step, its parameters left unbound (NULL): for tests that hold a hot statement to its index.
#[cfg(test)]
pub(crate) async fn sqlite_plan(sql: &str) -> Vec<String> {
    use sqlx::Row;
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = Db::connect(&format!("sqlite://{}/plan.db", dir.path().display()))
        .await
        .expect("open");
    db.migrate().await.expect("migrate");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
        .fetch_all(db.pool())
        .await
        .expect("plan");
    db.close().await;
    rows.iter()
        .map(|row| row.try_get::<String, _>("detail").unwrap_or_default())
        .collect()
}

/// What one checkpoint found: frames in the log, and whether it was started over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    pub log_frames: i64,
    pub restarted: bool,
}

impl Db {
    /// One PASSIVE checkpoint, then, when the log holds `restart_at` frames or more, a RESTART
    /// in the writers' line (behind waiting webhook batches), waiting at most
    /// `WAL_RESTART_WAIT_MS` for readers. SQLite only.
    pub async fn checkpoint(&self, restart_at: i64) -> Result<Checkpointed, StoreError> {
        let (_busy, log_frames, _copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&self.pool)
                .await?;
        if log_frames < restart_at {
            return Ok(Checkpointed {
                log_frames,
                restarted: false,
            });
        }
        // Copied off the writers' line first, until little is left: what the restart still has
        // to copy (and fsync) it copies while every webhook write waits behind it. Started
        // straight after a checkpoint of 500 ms of writes, that wait was most of the ingest p99.
        for _ in 0..CATCH_UP_TRIES {
            let (_busy, log, copied): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&self.pool)
                    .await?;
            if log - copied <= CATCH_UP_FRAMES {
                break;
            }
        }
        // Each batch that goes ahead of the restart is copied as the next is written, so the
        // restart is left the last batch's frames to copy while writes wait.
        let pool = &self.pool;
        let _turn = self
            .gate
            .background_turn_between(|| async move {
                let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(pool)
                    .await;
            })
            .await;
        let mut writer = self.writer.acquire().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA busy_timeout = {WAL_RESTART_WAIT_MS}"
        )))
        .execute(&mut *writer)
        .await?;
        let restart: Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(RESTART)")
                .fetch_one(&mut *writer)
                .await;
        // Back to the timeout every writer has, whatever the restart did.
        sqlx::query(BUSY_TIMEOUT).execute(&mut *writer).await?;
        let (busy, _, _) = restart?;
        Ok(Checkpointed {
            log_frames,
            restarted: busy == 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's `synchronous` on the writer as a write finds it: 1 NORMAL (lazy), 2 FULL.
    async fn synchronous(writer: &mut AnyConnection) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(writer)
            .await
            .expect("pragma")
    }

    #[tokio::test]
    async fn lazy_writes_skip_the_sync_and_every_other_write_is_synced() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/sync.db", dir.path().display());
        let db = Db::connect(&url).await.expect("open");
        let lazy = db.lazy();
        assert_eq!(synchronous(&mut db.writer().await.expect("w")).await, 2);
        assert_eq!(synchronous(&mut lazy.writer().await.expect("w")).await, 1);
        // Whatever wrote last, a webhook's write and a synced handle's are synced again.
        assert_eq!(
            synchronous(&mut db.arrivals_writer().await.expect("w")).await,
            2
        );
        let mut tx = lazy.begin().await.expect("begin");
        assert_eq!(synchronous(&mut tx).await, 1);
        tx.commit().await.expect("commit");
        let mut tx = db.begin().await.expect("begin");
        assert_eq!(synchronous(&mut tx).await, 2);
        tx.commit().await.expect("commit");
        assert_eq!(synchronous(&mut lazy.writer().await.expect("w")).await, 1);
        assert_eq!(synchronous(&mut db.writer().await.expect("w")).await, 2);
        db.close().await;
    }

    #[tokio::test]
    async fn a_log_past_its_limit_is_started_over_once_no_reader_holds_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/wal.db", dir.path().display());
        let db = Db::connect(&url).await.expect("open");
        let write = |db: Db| async move {
            let mut writer = db.writer().await.expect("writer");
            sqlx::query("INSERT INTO pages (body) VALUES (?)")
                .bind("x".repeat(6000))
                .execute(&mut *writer)
                .await
                .expect("insert");
        };
        {
            let mut writer = db.writer().await.expect("writer");
            sqlx::query("CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
                .execute(&mut *writer)
                .await
                .expect("create");
        }
        // A reader on an old snapshot: nothing written after it can be copied back, so the log
        // grows, as it does when readers never pause.
        let mut reader = db.pool().acquire().await.expect("reader");
        sqlx::query("BEGIN")
            .execute(&mut *reader)
            .await
            .expect("begin");
        let _: i64 = sqlx::query_scalar("SELECT count(*) FROM pages")
            .fetch_one(&mut *reader)
            .await
            .expect("read");
        for _ in 0..150 {
            write(db.clone()).await;
        }
        let held = db.checkpoint(200).await.expect("checkpoint");
        assert!(held.log_frames >= 200, "{held:?}");
        assert!(
            !held.restarted,
            "a reader on an old snapshot holds the log: {held:?}"
        );
        sqlx::query("COMMIT")
            .execute(&mut *reader)
            .await
            .expect("commit");
        drop(reader);

        let restart = db.checkpoint(200).await.expect("restart");
        assert!(restart.restarted, "{restart:?}");
        write(db.clone()).await;
        let after = db.checkpoint(i64::MAX).await.expect("passive");
        assert!(
            after.log_frames < held.log_frames / 4,
            "{} frames before the restart, {} after",
            held.log_frames,
            after.log_frames
        );
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&db.writer)
            .await
            .expect("timeout");
        assert_eq!(timeout, 30000, "the writer keeps its busy timeout");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://bob:secret@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(redact("sqlite://execora.db"), "sqlite://execora.db");
    }

    #[test]
    fn redacts_a_password_given_as_a_url_parameter() {
        assert_eq!(
            redact("postgres://host/db?user=x&password=secret"),
            "postgres://host/db?user=x&password=***"
        );
        assert_eq!(
            redact(
                "postgresql://host/db?sslmode=verify-full&sslpassword=hunter2&application_name=execora"
            ),
            "postgresql://host/db?sslmode=verify-full&sslpassword=***&application_name=execora"
        );
    }

    #[test]
    fn redacts_every_parameter_whose_name_says_password_or_secret() {
        let redacted = redact(
            "postgres://h/db?Password=a&client_secret=b&my_SECRET_key=c&user=owner&passwd=d&PWD=e",
        );
        assert_eq!(
            redacted,
            "postgres://h/db?Password=***&client_secret=***&my_SECRET_key=***&user=owner&passwd=***&PWD=***"
        );
        for secret in ["=a&", "=b&", "=c&", "=d&", "=e"] {
            assert!(!redacted.contains(secret), "{secret} leaked: {redacted}");
        }
    }

    #[test]
    fn redacts_userinfo_and_parameters_together() {
        assert_eq!(
            redact("postgres://bob:p@ss@db/x?sslpassword=k3y&sslmode=require"),
            "postgres://bob:***@db/x?sslpassword=***&sslmode=require"
        );
    }

    #[test]
    fn an_at_sign_inside_a_parameter_never_leaks_the_password() {
        let redacted = redact("postgres://host?user=x&password=pa@ss");
        assert_eq!(redacted, "postgres://***");
        let redacted = redact("postgres://bob:pa?ss@host/db");
        assert_eq!(redacted, "postgres://***");
        let redacted = redact("postgres://host/db?password=pa@ss");
        assert_eq!(redacted, "postgres://host/db?password=***");
    }

    #[test]
    fn a_percent_encoded_parameter_name_is_still_a_password() {
        let redacted = redact("postgres://host/db?pass%77ord=topsecret");
        assert!(!redacted.contains("topsecret"), "{redacted}");
    }

    #[test]
    fn the_unsupported_url_error_is_redacted_too() {
        let error = StoreError::UnsupportedUrl(redact("mysql://root:pw@h/db?password=zz"));
        let message = error.to_string();
        assert!(!message.contains("pw@"), "{message}");
        assert!(!message.contains("zz"), "{message}");
    }
}
