//! The `execora` binary: configuration, the HTTP service and the command line around the engine.

mod chat;
mod cli;

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use execora_engine::audio::AudioLimits;
use execora_engine::books::{self, NewMerchant, Role};
use execora_engine::messages::{self, MessageId, OutboxFilter};
use execora_engine::nlu::llm::{LlmParser, understand};
use execora_engine::nlu::{eval, rules};
use execora_engine::onboarding::SignupDefaults;
use execora_engine::pipeline::Pipeline;
use execora_engine::providers::{self, ResilienceConfig};
use execora_engine::recordings::Recordings;
use execora_engine::reply::Locale;
use execora_engine::store::{Db, redact};
use execora_engine::time::{Clock, SystemClock, local, parse_zone};

use execora_bot::config::{Config, ProcessEnv};
use execora_bot::http;
use execora_bot::whatsapp::graph::{GraphClient, GraphConfig};
use execora_bot::whatsapp::inbound::InboundWorker;
use execora_bot::whatsapp::outbound::{FallbackTemplate, Sender};
use execora_bot::whatsapp::signature::AppSecrets;
use execora_bot::whatsapp::voice::Listener;
use execora_bot::whatsapp::webhook::SenderLimits;

use crate::cli::{Cli, Command, MerchantCommand};

/// mimalloc instead of glibc's malloc: a third of the ingest path's CPU went to allocation, and
/// glibc's free (consolidating chunks) was the larger part of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("execora: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("execora: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("EXECORA_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init()
    } else {
        builder.init()
    }
}

async fn open_db(config: &Config, migrate: bool) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("opening {}", redact(&config.database_url)))?;
    if migrate {
        db.migrate().await.context("applying migrations")?;
    } else if db.pending_migrations().await? > 0 {
        bail!(
            "the database has pending migrations: run `execora migrate` (or unset EXECORA_AUTO_MIGRATE=false)"
        );
    }
    Ok(db)
}

fn llm(config: &Config) -> Option<Arc<LlmParser>> {
    config
        .llm
        .as_ref()
        .map(|c| Arc::new(LlmParser::new(c.engine_config())))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env(&ProcessEnv)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            let db = open_db(&config, config.auto_migrate).await?;
            if demo {
                let (merchant, created) = execora_engine::demo::seed(&db, clock.clone()).await?;
                tracing::info!(merchant = %merchant.id, created, "demo shop ready: execora chat --merchant {}", execora_engine::demo::DEMO_PHONE);
            }
            report_undelivered(&db).await;
            let address = std::net::SocketAddr::new(config.host, config.port);
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("listening on {address}"))?;
            tracing::info!(
                database = %redact(&config.database_url),
                backend = ?db.backend(),
                language_model = if config.llm.is_some() { "on (rules first, LLM fallback)" } else { "off (rules only)" },
                "execora listening on http://{} (public {})",
                listener.local_addr()?,
                config.public_url
            );
            let whatsapp = &config.whatsapp;
            if whatsapp.app_secret.is_none() {
                tracing::warn!(
                    "webhook: WHATSAPP_APP_SECRET is not set, so POST /webhooks/whatsapp refuses everything"
                );
            }
            let graph = match (&whatsapp.access_token, &whatsapp.phone_number_id) {
                (Some(token), Some(phone_number_id)) => Some(
                    GraphClient::new(GraphConfig {
                        api_base: whatsapp.api_base.clone(),
                        access_token: token.clone(),
                        phone_number_id: phone_number_id.clone(),
                        timeout: std::time::Duration::from_secs(15),
                    })
                    .context("configuration error: WHATSAPP_API_BASE / WHATSAPP_PHONE_NUMBER_ID")?,
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
            let state = http::AppState {
                db: db.clone(),
                app_secrets: whatsapp.app_secret.as_deref().map(|current| {
                    AppSecrets::new(current, whatsapp.previous_app_secret.as_deref())
                }),
                verify_token: whatsapp.verify_token.clone(),
                limits: Arc::new(SenderLimits::new(
                    whatsapp.messages_per_minute,
                    whatsapp.sandbox(),
                )),
            };
            // One shutdown signal for the web server and the worker.
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                http::shutdown_signal().await;
                let _ = stop.send(true);
            });
            let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            let pipeline = Pipeline::new(db.clone(), clock.clone(), llm(&config));
            let mut worker = InboundWorker::new(db.clone(), pipeline, whatsapp.sandbox());
            if let Some(graph) = &graph {
                worker = worker.with_read_receipts(graph.clone());
            }
            let voice = &config.voice;
            let resilience = ResilienceConfig {
                timeout: voice.timeout,
                ..ResilienceConfig::default()
            };
            // Only voice notes that are listened to are archived; without speech-to-text nothing
            // is downloaded, so no archive is opened (or created).
            let recordings = match &voice.stt {
                Some(_) => Some(
                    Recordings::from_url(&voice.recordings_url, voice.retention_days).map_err(
                        |error| {
                            anyhow::anyhow!("configuration error: EXECORA_RECORDINGS_URL: {error}")
                        },
                    )?,
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
                            max_duration: std::time::Duration::from_secs(u64::from(
                                voice.max_seconds,
                            )),
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
            if let Some(recordings) = recordings
                .clone()
                .filter(|_| voice.retention_days.is_some())
            {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut every = tokio::time::interval(RECORDINGS_PURGE_EVERY);
                    loop {
                        every.tick().await;
                        let now = chrono::Utc::now().timestamp_millis();
                        match recordings.purge_expired(&db, now).await {
                            Ok(0) => {}
                            Ok(purged) => {
                                tracing::info!(purged, "expired voice recordings deleted")
                            }
                            Err(error) => {
                                tracing::warn!(%error, "could not purge expired recordings")
                            }
                        }
                    }
                });
            }
            if config.open_signup {
                tracing::info!("signup: open, strangers who write in can open a shop");
                worker = worker.with_open_signup(SignupDefaults {
                    locale: Locale::default(),
                    timezone: config.timezone.clone(),
                });
            }
            let worker = tokio::spawn(worker.run(until_stopped(stopped.clone())));
            let per_second = whatsapp.messages_per_second;
            let sender = graph.map(|graph| {
                let mut sender = Sender::new(db.clone(), graph);
                if let Some(speaker) = speaker {
                    sender = sender.with_speaker(speaker, &config.voice.language);
                }
                let sender = sender.with_rate(per_second).with_fallback_template(
                    whatsapp
                        .fallback_template
                        .clone()
                        .map(|(name, language)| FallbackTemplate { name, language }),
                );
                tokio::spawn(sender.run(until_stopped(stopped.clone())))
            });
            http::serve(listener, state, until_stopped(stopped)).await?;
            let _ = worker.await;
            if let Some(sender) = sender {
                let _ = sender.await;
            }
            db.close().await;
        }
        Command::Migrate => {
            let db = open_db(&config, true).await?;
            println!("migrations applied to {}", redact(&config.database_url));
            db.close().await;
        }
        Command::Merchant { command } => merchant(&config, command).await?,
        Command::Parse { json, now, text } => {
            let now = match now {
                Some(now) => {
                    chrono::DateTime::parse_from_rfc3339(&now).context("--now must be RFC 3339")?
                }
                None => local(clock.now(), parse_zone(&config.timezone)?),
            };
            let llm = llm(&config);
            let understood = understand(&text, now, llm.as_deref()).await;
            let out = if json {
                serde_json::to_string(&understood)?
            } else {
                serde_json::to_string_pretty(&understood)?
            };
            println!("{out}");
        }
        Command::EvalNlu { summary, files } => {
            let mut general = Vec::new();
            let mut safety = Vec::new();
            for file in &files {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                match eval::load_file(&text).with_context(|| format!("in {}", file.display()))? {
                    eval::CaseFile::General(cases) => general.extend(cases),
                    eval::CaseFile::Safety(cases) => safety.extend(cases),
                }
            }
            if !general.is_empty() {
                println!("== general cases (rules only)");
                print!("{}", eval::evaluate(&general, rules::parse).render(summary));
            }
            if !safety.is_empty() {
                println!("== safety cases (rules only)");
                print!(
                    "{}",
                    eval::evaluate_safety(&safety, rules::parse).render(summary)
                );
            }
        }
        Command::Chat { merchant } => {
            let db = open_db(&config, true).await?;
            let found = books::merchants::find(&db, &merchant)
                .await?
                .with_context(|| {
                    format!("no shop with id or phone '{merchant}' (see `execora merchant list`)")
                })?;
            let phones = books::merchants::list(&db).await?;
            let sender = phones
                .iter()
                .find(|(m, _)| m.id == found.id)
                .and_then(|(_, p)| p.first())
                .map(|p| p.phone.as_str().to_string())
                .unwrap_or_else(|| merchant.clone());
            let pipeline = Pipeline::new(db.clone(), clock, llm(&config));
            chat::run(&pipeline, &found, &sender).await?;
            db.close().await;
        }
        Command::Outbox {
            failed,
            stuck,
            limit,
            retry,
        } => outbox(&config, failed, stuck, limit, retry).await?,
        Command::Demo => {
            let db = open_db(&config, true).await?;
            let (merchant, created) = execora_engine::demo::seed(&db, clock).await?;
            let verb = if created { "Created" } else { "Found" };
            println!(
                "{verb} the demo shop '{}' (id {}).",
                merchant.name, merchant.id
            );
            println!(
                "Try it: execora chat --merchant {}",
                execora_engine::demo::DEMO_PHONE
            );
            db.close().await;
        }
    }
    Ok(())
}

/// Says at start-up what an operator has to look at: replies WhatsApp refused and replies whose
/// sending was never confirmed (they are never resent on their own; see `execora outbox`).
async fn report_undelivered(db: &Db) {
    let now = chrono::Utc::now().timestamp_millis();
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
}

/// How often archived recordings past their retention are looked for.
const RECORDINGS_PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// A claim on an outbound message older than this, never confirmed, is shown as stuck.
const STUCK_AFTER_MS: i64 = 5 * 60 * 1000;

async fn outbox(
    config: &Config,
    failed: bool,
    stuck: bool,
    limit: i64,
    retry: Option<i64>,
) -> anyhow::Result<()> {
    let db = open_db(config, true).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let mut out = std::io::stdout();
    if let Some(id) = retry {
        if messages::requeue_outbound(&db, MessageId(id), now).await? {
            writeln!(out, "message {id} is queued again")?;
        } else {
            bail!("message {id} is not a failed or stuck outbound message");
        }
        db.close().await;
        return Ok(());
    }
    let filter = if failed {
        OutboxFilter::Failed
    } else if stuck {
        OutboxFilter::Stuck {
            since: now - STUCK_AFTER_MS,
        }
    } else {
        OutboxFilter::All
    };
    let entries = messages::outbox(&db, filter, limit).await?;
    if entries.is_empty() {
        writeln!(out, "nothing to show")?;
    }
    for entry in entries {
        let when = chrono::DateTime::from_timestamp_millis(entry.updated_at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
            .unwrap_or_default();
        let error = match (entry.error_code, &entry.error_title) {
            (Some(code), Some(title)) => format!("\terror {code}: {title}"),
            (Some(code), None) => format!("\terror {code}"),
            _ => String::new(),
        };
        let body: String = entry.body.replace('\n', " / ").chars().take(80).collect();
        writeln!(
            out,
            "{}\t{}\t+{}\t{}\ttries {}\t{}\t{}{}",
            entry.id.0, when, entry.peer, entry.status, entry.attempts, entry.kind, body, error
        )?;
    }
    db.close().await;
    Ok(())
}

async fn merchant(config: &Config, command: MerchantCommand) -> anyhow::Result<()> {
    let db = open_db(config, true).await?;
    let mut out = std::io::stdout();
    match command {
        MerchantCommand::Add {
            name,
            phone,
            locale,
            upi_id,
            timezone,
        } => {
            let locale = Locale::parse(&locale)
                .with_context(|| format!("--locale must be hi-Latn, hi or en, not '{locale}'"))?;
            let timezone = Some(timezone.unwrap_or_else(|| config.timezone.clone()));
            let merchant = books::merchants::create(
                &db,
                NewMerchant {
                    name,
                    owner_phone: phone,
                    locale,
                    timezone,
                    upi_id,
                },
            )
            .await?;
            writeln!(
                out,
                "added merchant {} '{}' ({}, {})",
                merchant.id,
                merchant.name,
                merchant.locale.as_str(),
                merchant.timezone
            )?;
        }
        MerchantCommand::List => {
            let all = books::merchants::list(&db).await?;
            if all.is_empty() {
                writeln!(
                    out,
                    "no merchants yet: execora merchant add --name \"Gupta Kirana\" --phone 919812345678"
                )?;
            }
            for (merchant, phones) in all {
                let phones: Vec<String> = phones
                    .iter()
                    .map(|p| format!("{} ({})", p.phone.as_str(), p.role.as_str()))
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    merchant.id,
                    merchant.name,
                    merchant.locale.as_str(),
                    phones.join(", ")
                )?;
            }
        }
        MerchantCommand::AddPhone {
            merchant,
            phone,
            role,
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("--role must be owner or staff, not '{role}'"))?;
            let found = books::merchants::find(&db, &merchant)
                .await?
                .with_context(|| format!("no shop with id or phone '{merchant}'"))?;
            let added = books::merchants::add_phone(&db, found.id, &phone, role).await?;
            writeln!(
                out,
                "added {} as {} of merchant {} '{}'",
                added.phone.as_str(),
                role.as_str(),
                found.id,
                found.name
            )?;
        }
    }
    db.close().await;
    Ok(())
}
