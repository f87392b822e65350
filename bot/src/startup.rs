//! Builds the service from its `Config` (database, webhook, workers, listener) and runs it until told to stop.

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use execora_engine::access::AccessKey;
use execora_engine::audio::AudioLimits;
use execora_engine::messages::{self, OutboxFilter};
use execora_engine::nlu::llm::LlmParser;
use execora_engine::onboarding::SignupDefaults;
use execora_engine::pipeline::Pipeline;
use execora_engine::providers::{self, ResilienceConfig};
use execora_engine::recordings::{Recordings, RecordingsError};
use execora_engine::reply::Locale;
use execora_engine::rights::{self, MessageRetention};
use execora_engine::store::{Backend, Db, StoreError, redact};
use execora_engine::time::{Clock, to_millis};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::{self, AppState};
use crate::supervisor::{Backoff, Supervisor, WorkerFactory};
use crate::whatsapp::digest::DigestSender;
use crate::whatsapp::graph::{GraphClient, GraphConfig, GraphError};
use crate::whatsapp::inbound::InboundWorker;
use crate::whatsapp::outbound::{
    FallbackTemplate, Sender, number_throttle, shared_number_throttle,
};
use crate::whatsapp::reminders::ReminderSender;
use crate::whatsapp::signature::AppSecrets;
use crate::whatsapp::voice::Listener;
use crate::whatsapp::webhook::SenderLimits;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("opening {url}: {source}")]
    Database { url: String, source: StoreError },
    #[error("applying migrations: {0}")]
    Migrate(StoreError),
    #[error(
        "the database has pending migrations: run `execora migrate` (or unset EXECORA_AUTO_MIGRATE=false)"
    )]
    PendingMigrations,
    #[error("configuration error: WHATSAPP_API_BASE / WHATSAPP_PHONE_NUMBER_ID: {0}")]
    Graph(GraphError),
    #[error("configuration error: EXECORA_RECORDINGS_URL: {0}")]
    Recordings(RecordingsError),
    #[error("the panel's key: {0}")]
    PanelKey(execora_engine::access::AccessError),
    #[error("listening on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Opens the configured database, applying pending migrations when `migrate` (else refusing to
/// run on a database that has some).
pub async fn open_database(config: &Config, migrate: bool) -> Result<Db, StartupError> {
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|source| StartupError::Database {
            url: redact(&config.database_url),
            source,
        })?;
    if migrate {
        db.migrate().await.map_err(StartupError::Migrate)?;
    } else if db
        .pending_migrations()
        .await
        .map_err(StartupError::Migrate)?
        > 0
    {
        return Err(StartupError::PendingMigrations);
    }
    Ok(db)
}

/// The language model the configuration names, if any.
pub fn language_model(config: &Config) -> Option<Arc<LlmParser>> {
    config
        .llm
        .as_ref()
        .map(|c| Arc::new(LlmParser::new(c.engine_config())))
}

/// How often archived recordings past their retention are looked for.
const RECORDINGS_PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How often message texts past their retention are looked for.
const MESSAGE_TEXTS_PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How often replies whose send was never confirmed are looked for, once the grace has passed.
const UNCONFIRMED_SENDS_EVERY: Duration = Duration::from_secs(60);
/// How far back, before the grace, an unconfirmed claim is still sent again: a reply older than
/// this is stale news, left for the operator (`execora outbox --stuck`).
const RESEND_CLAIMS_WITHIN_MS: i64 = 60 * 60 * 1000;
/// How often the windows of senders quiet for a day are forgotten (PostgreSQL).
const SENDER_WINDOWS_FORGET_EVERY: Duration = Duration::from_secs(3600);

/// A claim on an outbound message older than this, never confirmed, is shown as stuck.
pub const STUCK_AFTER_MS: i64 = 5 * 60 * 1000;

/// The service, built and listening, its workers not yet started.
pub struct Application {
    port: u16,
    listener: TcpListener,
    router: Router,
    db: Db,
    supervisor: Supervisor,
    workers: Vec<(&'static str, WorkerFactory)>,
    shutdown_grace: Duration,
    /// `/metrics`, on its own port, when configured.
    metrics: Option<(TcpListener, Router)>,
}

impl Application {
    /// Opens the database and wires the webhook, the workers and the listener as `config` says.
    /// Every timestamp the service writes comes from `clock`.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> Result<Application, StartupError> {
        let db = open_database(&config, config.auto_migrate).await?;
        if let Err(error) = db.warm_up().await {
            // A cold connection is slower, not wrong: the service starts anyway.
            tracing::warn!(%error, "the database connections could not be readied before serving");
        }
        report_undelivered(&db, clock.as_ref()).await;
        let address = std::net::SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartupError::Bind { address, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?;
        tracing::info!(
            database = %redact(&config.database_url),
            backend = ?db.backend(),
            language_model = if config.llm.is_some() { "on (rules first, LLM fallback)" } else { "off (rules only)" },
            "execora listening on http://{bound} (public {})",
            config.public_url
        );
        let metrics = match config.metrics_port {
            None => None,
            Some(port) => {
                let address = std::net::SocketAddr::new(config.host, port);
                let listener = TcpListener::bind(address)
                    .await
                    .map_err(|source| StartupError::Bind { address, source })?;
                let bound = listener
                    .local_addr()
                    .map_err(|source| StartupError::Bind { address, source })?;
                tracing::info!("metrics on http://{bound}/metrics");
                Some((listener, crate::metrics::routes(db.clone(), clock.clone())))
            }
        };
        let supervisor = Supervisor::new(Backoff::default());
        let whatsapp = &config.whatsapp;
        if whatsapp.app_secret.is_none() {
            tracing::warn!(
                "webhook: WHATSAPP_APP_SECRET is not set, so POST /webhooks/whatsapp refuses everything"
            );
        }
        let state = AppState {
            db: db.clone(),
            app_secrets: whatsapp
                .app_secret
                .as_deref()
                .map(|current| AppSecrets::new(current, whatsapp.previous_app_secret.as_deref())),
            verify_token: whatsapp.verify_token.clone(),
            limits: Arc::new(
                SenderLimits::new(whatsapp.messages_per_minute, whatsapp.sandbox())
                    .with_clock(clock.clone()),
            ),
            workers: supervisor.health(),
            business_number: whatsapp.phone_number_id.clone(),
            clock: clock.clone(),
        };
        let panel = execora_panel::app::routes(panel_config(&config, &db, clock.clone())?);
        let router = http::observed(http::router(state).merge(panel));
        let workers = if config.run_workers {
            workers(&config, &db, clock)?
        } else {
            tracing::info!(
                "workers: off (EXECORA_WORKERS=off), this process only stores what arrives"
            );
            Vec::new()
        };
        Ok(Application {
            port: bound.port(),
            listener,
            router,
            db,
            supervisor,
            workers,
            shutdown_grace: config.shutdown_grace,
            metrics,
        })
    }

    /// The port the service listens on (the one the OS chose when the configuration says 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The service's database, for what has to happen before it runs (the demo shop).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Starts the workers under the supervisor and serves until `shutdown` completes; then
    /// finishes in-flight requests, stops the workers between two messages and closes the database.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            db,
            mut supervisor,
            workers,
            shutdown_grace,
            metrics,
            ..
        } = self;
        for (name, worker) in workers {
            supervisor.spawn(name, worker);
        }
        let (stopping, stop_requested) = tokio::sync::watch::channel(false);
        if let Some((listener, routes)) = metrics {
            let mut stop = stop_requested.clone();
            tokio::spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                if let Err(error) = axum::serve(listener, routes)
                    .with_graceful_shutdown(stopped)
                    .await
                {
                    tracing::error!(%error, "the metrics page stopped");
                }
            });
        }
        let shutdown = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        // The peer address goes with each request: the panel's login limits count per client.
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .into_future();
        // Once asked to stop, in-flight requests and the workers' current messages get the grace
        // period together; what is still running then is dropped. Nothing is lost by that: a
        // webhook not yet answered is delivered again by Meta, and a message a worker held is
        // taken again once its worker is silent (engine::claimants).
        let grace_over = async move {
            let mut stop_requested = stop_requested;
            let _ = stop_requested.wait_for(|stop| *stop).await;
            tokio::time::Instant::now() + shutdown_grace
        };
        tokio::pin!(served, grace_over);
        let (served, deadline) = tokio::select! {
            served = &mut served => (served, tokio::time::Instant::now() + shutdown_grace),
            deadline = &mut grace_over => {
                match tokio::time::timeout_at(deadline, &mut served).await {
                    Ok(served) => (served, deadline),
                    Err(_) => {
                        tracing::warn!(grace = ?shutdown_grace, "requests still in flight at the end of the grace period; closing them");
                        (Ok(()), deadline)
                    }
                }
            }
        };
        if tokio::time::timeout_at(deadline, supervisor.stop())
            .await
            .is_err()
        {
            tracing::warn!(grace = ?shutdown_grace, "workers still busy at the end of the grace period; their messages are taken again after a restart");
        }
        db.close().await;
        tracing::info!("stopped");
        served
    }
}

/// The panel's settings from the service's: its key from `EXECORA_PANEL_SECRET` (or drawn for
/// this process), Secure cookies behind an https PUBLIC_URL, codes kept in the outbox in the sandbox.
fn panel_config(
    config: &Config,
    db: &Db,
    clock: Arc<dyn Clock>,
) -> Result<execora_panel::PanelConfig, StartupError> {
    let key = match &config.panel_secret {
        Some(secret) => AccessKey::from_secret(&secret.0),
        None => {
            tracing::info!(
                "panel: EXECORA_PANEL_SECRET is not set, so login codes and open forms do not survive a restart"
            );
            AccessKey::random()
        }
    }
    .map_err(StartupError::PanelKey)?;
    Ok(execora_panel::PanelConfig {
        db: db.clone(),
        clock,
        key,
        sandbox: config.whatsapp.sandbox(),
        secure_cookies: config.public_url.starts_with("https://"),
        client_ip_header: config
            .client_ip_header
            .as_deref()
            .and_then(|name| axum::http::HeaderName::from_bytes(name.as_bytes()).ok()),
        limits: execora_panel::LoginLimits::default(),
        // The archive the worker files listened-to notes in; none is opened (or created)
        // where notes are not listened to.
        recordings: match &config.voice.stt {
            Some(_) => Some(
                Recordings::from_url(&config.voice.recordings_url, config.voice.retention_days)
                    .map_err(StartupError::Recordings)?,
            ),
            None => None,
        },
    })
}

/// The background workers `config` asks for: the inbound worker, the reminder sender and the
/// evening digest always (both go to the sandbox outbox without credentials), the sender with WhatsApp
/// credentials, the recordings purge with a retention.
fn workers(
    config: &Config,
    db: &Db,
    clock: Arc<dyn Clock>,
) -> Result<Vec<(&'static str, WorkerFactory)>, StartupError> {
    let whatsapp = &config.whatsapp;
    let graph = match (&whatsapp.access_token, &whatsapp.phone_number_id) {
        (Some(token), Some(phone_number_id)) => Some(
            GraphClient::new(GraphConfig {
                api_base: whatsapp.api_base.clone(),
                access_token: token.clone(),
                phone_number_id: phone_number_id.clone(),
                timeout: Duration::from_secs(15),
            })
            .map_err(StartupError::Graph)?,
        ),
        _ => None,
    };
    match &graph {
        Some(_) => {
            tracing::info!(api = %whatsapp.api_base, "whatsapp: live, replies are sent through the Graph API")
        }
        None => tracing::info!(
            "whatsapp: sandbox (no WHATSAPP_ACCESS_TOKEN/WHATSAPP_PHONE_NUMBER_ID): replies stay in the outbox"
        ),
    }
    // The worker's commits reach anyone outside only through a reply, which the sender sends
    // after a synced commit of its own: they need not wait for the disk (`Db::lazy`).
    let worker_db = db.lazy();
    let pipeline = Pipeline::new(worker_db.clone(), clock.clone(), language_model(config));
    let mut worker = InboundWorker::new(worker_db, pipeline, whatsapp.sandbox())
        .with_max_attempts(whatsapp.inbound_max_attempts)
        .with_concurrency(config.inbound_concurrency);
    if let Some(graph) = &graph {
        worker = worker.with_read_receipts(graph.clone());
    }
    let voice = &config.voice;
    let resilience = ResilienceConfig {
        timeout: voice.timeout,
        ..ResilienceConfig::default()
    };
    // Only voice notes that are listened to are archived; without speech-to-text nothing is
    // downloaded, so no archive is opened (or created).
    let recordings = match &voice.stt {
        Some(_) => Some(
            Recordings::from_url(&voice.recordings_url, voice.retention_days)
                .map_err(StartupError::Recordings)?,
        ),
        None => None,
    };
    match (&voice.stt, &graph) {
        (Some(stt), Some(graph)) => {
            tracing::info!(stt = ?stt, recordings = ?recordings, "voice notes: listened to");
            worker = worker.with_listener(Listener {
                graph: graph.clone(),
                transcriber: providers::transcriber(stt.clone(), resilience),
                limits: AudioLimits {
                    max_duration: Duration::from_secs(u64::from(voice.max_seconds)),
                    ..AudioLimits::default()
                },
                language: voice.language.clone(),
                recordings: recordings.clone(),
            });
        }
        (Some(_), None) => tracing::info!(
            "voice notes: speech-to-text is configured, but media cannot be fetched in the sandbox; merchants are asked to type"
        ),
        (None, _) => tracing::info!(
            "voice notes: no speech-to-text (EXECORA_STT); merchants are asked to type"
        ),
    }
    let speaker = match (&voice.tts, &graph) {
        (Some(tts), Some(_)) => {
            let speaker = providers::speaker(tts.clone(), resilience);
            worker = worker.with_spoken_replies(speaker.max_chars());
            tracing::info!(tts = ?tts, "spoken replies: on for voice notes");
            Some(speaker)
        }
        _ => None,
    };
    if config.open_signup {
        tracing::info!("signup: open, strangers who write in can open a shop");
        worker = worker.with_open_signup(SignupDefaults {
            locale: Locale::default(),
            timezone: config.timezone.clone(),
        });
    }
    let mut workers: Vec<(&'static str, WorkerFactory)> = vec![(
        "inbound",
        Box::new(move |shutdown| Box::pin(worker.clone().run(shutdown))),
    )];
    // Replies and reminders leave through one number: one throughput limit for both, and on
    // PostgreSQL (where several processes may serve) one for every process.
    let throttle = match (db.backend(), &whatsapp.phone_number_id) {
        (Backend::Postgres, Some(number)) => shared_number_throttle(
            db.clone(),
            number,
            whatsapp.messages_per_second,
            clock.clone(),
        ),
        _ => number_throttle(whatsapp.messages_per_second),
    };
    let reminders = match &graph {
        Some(graph) => {
            ReminderSender::live(db.clone(), clock.clone(), graph.clone(), throttle.clone())
        }
        None => ReminderSender::sandbox(db.clone(), clock.clone()),
    }
    .with_concurrency(config.reminder_concurrency);
    workers.push((
        "reminders",
        Box::new(move |shutdown| Box::pin(reminders.clone().run(shutdown))),
    ));
    let digests = DigestSender::new(db.clone(), clock.clone(), graph.is_none());
    workers.push((
        "digest",
        Box::new(move |shutdown| Box::pin(digests.clone().run(shutdown))),
    ));
    if let Some(graph) = graph {
        let mut sender = Sender::new(db.clone(), graph).with_clock(clock.clone());
        if let Some(speaker) = speaker {
            sender = sender.with_speaker(speaker, &voice.language);
        }
        let sender = sender
            .with_throttle(throttle)
            .with_concurrency(config.reply_concurrency)
            .with_fallback_template(
                whatsapp
                    .fallback_template
                    .clone()
                    .map(|(name, language)| FallbackTemplate { name, language }),
            )
            .with_otp_template(
                whatsapp
                    .otp_template
                    .clone()
                    .map(|(name, language)| FallbackTemplate { name, language }),
            );
        workers.push((
            "sender",
            Box::new(move |shutdown| Box::pin(sender.clone().run(shutdown))),
        ));
        let grace = config.resend_unconfirmed_after;
        let db = db.clone();
        let clock = clock.clone();
        workers.push((
            "unconfirmed-sends",
            Box::new(move |shutdown| {
                Box::pin(resend_unconfirmed(
                    grace,
                    db.clone(),
                    clock.clone(),
                    shutdown,
                ))
            }),
        ));
    }
    if db.backend() == Backend::Postgres {
        // Only PostgreSQL keeps senders' windows in the database (SQLite's webhook keeps them in
        // memory): old rows are forgotten hourly, by every process (a DELETE of nothing is cheap).
        let per_minute = whatsapp.messages_per_minute;
        let db = db.clone();
        let clock = clock.clone();
        workers.push((
            "sender-windows",
            Box::new(move |shutdown| {
                Box::pin(forget_quiet_senders(
                    per_minute,
                    db.clone(),
                    clock.clone(),
                    shutdown,
                ))
            }),
        ));
    }
    if !config.message_retention.keeps_forever() {
        let retention = config.message_retention;
        let db = db.clone();
        let clock = clock.clone();
        workers.push((
            "message-retention",
            Box::new(move |shutdown| {
                Box::pin(purge_message_texts(
                    retention,
                    db.clone(),
                    clock.clone(),
                    shutdown,
                ))
            }),
        ));
    }
    if let Some(recordings) = recordings.filter(|_| voice.retention_days.is_some()) {
        let db = db.clone();
        workers.push((
            "recordings-purge",
            Box::new(move |shutdown| {
                Box::pin(purge_recordings(
                    recordings.clone(),
                    db.clone(),
                    clock.clone(),
                    shutdown,
                ))
            }),
        ));
    }
    Ok(workers)
}

/// Puts back in line, every minute, the replies claimed more than `grace` ago whose send was
/// never recorded and which no tagged status has named (`messages::resend_unconfirmed`). It first
/// waits out one `grace` itself, so the statuses Meta retried while no process was up have come.
async fn resend_unconfirmed(
    grace: Duration,
    db: Db,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    tokio::select! {
        () = &mut shutdown => return,
        () = tokio::time::sleep(grace) => {}
    }
    let grace_ms = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
    let mut every = tokio::time::interval(UNCONFIRMED_SENDS_EVERY);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = every.tick() => {}
        }
        let now = to_millis(clock.now());
        let claimed_before = now.saturating_sub(grace_ms);
        let window = (
            claimed_before.saturating_sub(RESEND_CLAIMS_WITHIN_MS),
            claimed_before,
        );
        match messages::resend_unconfirmed(&db, window, now).await {
            Ok(0) => {}
            Ok(requeued) => tracing::warn!(
                requeued,
                "replies whose send was never confirmed, and which Meta never reported, are sent again"
            ),
            Err(error) => tracing::warn!(%error, "could not put unconfirmed sends back in line"),
        }
    }
}

/// Deletes archived recordings past their retention, every hour, until `shutdown`.
async fn purge_recordings(
    recordings: Recordings,
    db: Db,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut every = tokio::time::interval(RECORDINGS_PURGE_EVERY);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = every.tick() => {}
        }
        match recordings.purge_expired(&db, to_millis(clock.now())).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired voice recordings deleted"),
            Err(error) => tracing::warn!(%error, "could not purge expired recordings"),
        }
    }
}

/// Clears message bodies and transcripts past their retention, and settles delivery statuses
/// that overtook their send, at start and every hour, until `shutdown`; the rows stay. The time
/// is the app's clock's.
async fn purge_message_texts(
    retention: MessageRetention,
    db: Db,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut every = tokio::time::interval(MESSAGE_TEXTS_PURGE_EVERY);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = every.tick() => {}
        }
        if let Err(error) =
            rights::purge_message_texts(&db, retention, to_millis(clock.now())).await
        {
            tracing::warn!(%error, "could not clear message texts past their retention");
        }
        match messages::settle_early_statuses(&db, to_millis(clock.now())).await {
            Ok(0) => {}
            Ok(applied) => {
                tracing::info!(
                    applied,
                    "delivery statuses that overtook their send applied"
                )
            }
            Err(error) => tracing::warn!(%error, "could not settle early delivery statuses"),
        }
    }
}

/// Forgets the per-minute windows of senders quiet for a day, at start and every hour, until
/// `shutdown`.
async fn forget_quiet_senders(
    per_minute: u32,
    db: Db,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut every = tokio::time::interval(SENDER_WINDOWS_FORGET_EVERY);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = every.tick() => {}
        }
        match execora_engine::senders::forget_quiet(&db, per_minute, to_millis(clock.now())).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::debug!(forgotten, "quiet senders' windows forgotten"),
            Err(error) => tracing::warn!(%error, "could not forget quiet senders' windows"),
        }
    }
}

/// Says at start-up what an operator has to look at: replies WhatsApp refused and replies whose
/// sending was never confirmed (recorded when a status names them, sent again after
/// `EXECORA_RESEND_UNCONFIRMED_AFTER` otherwise; see `execora outbox`).
async fn report_undelivered(db: &Db, clock: &dyn Clock) {
    let now = to_millis(clock.now());
    for (filter, what, flag) in [
        (OutboxFilter::Failed, "failed for good", "--failed"),
        (
            OutboxFilter::Stuck {
                since: now - STUCK_AFTER_MS,
            },
            "were claimed for sending and never confirmed",
            "--stuck",
        ),
    ] {
        match messages::outbox(db, filter, 1000).await {
            Ok(found) if !found.is_empty() => tracing::warn!(
                count = found.len(),
                "{} outbound messages {what}: see `execora outbox {flag}`",
                found.len()
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not check the outbox"),
        }
    }
    match execora_engine::books::reminders::count_needing_review(db).await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(
            count,
            "{count} reminders may or may not have gone out and are never resent on their own: see `execora reminder list`"
        ),
        Err(error) => tracing::warn!(%error, "could not check the reminders"),
    }
    match messages::count_dead_inbound(db).await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(
            count,
            "{count} inbound messages failed on every try and were given up on: see `execora inbox --dead`"
        ),
        Err(error) => tracing::warn!(%error, "could not check the inbox"),
    }
}
