//! The `execora` binary: configuration, the HTTP service and the command line around the engine.

mod chat;
mod cli;

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use execora_engine::books::{self, NewMerchant, Role};
use execora_engine::nlu::command::Parsed;
use execora_engine::nlu::llm::{LlmParser, understand};
use execora_engine::nlu::{eval, rules};
use execora_engine::pipeline::Pipeline;
use execora_engine::reply::Locale;
use execora_engine::store::{Db, redact};
use execora_engine::time::{Clock, SystemClock, local, parse_zone};

use execora_bot::config::{Config, ProcessEnv};
use execora_bot::http;
use execora_bot::whatsapp::graph::{GraphClient, GraphConfig};
use execora_bot::whatsapp::inbound::InboundWorker;
use execora_bot::whatsapp::outbound::Sender;
use execora_bot::whatsapp::signature::AppSecrets;
use execora_bot::whatsapp::webhook::SenderLimits;

use crate::cli::{Cli, Command, MerchantCommand};

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
            let worker = tokio::spawn(worker.run(until_stopped(stopped.clone())));
            let per_second = whatsapp.messages_per_second;
            let sender = graph.map(|graph| {
                let sender = Sender::new(db.clone(), graph).with_rate(per_second);
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
            let parsed: Parsed = understand(&text, now, llm.as_deref()).await;
            let out = if json {
                serde_json::to_string(&parsed)?
            } else {
                serde_json::to_string_pretty(&parsed)?
            };
            println!("{out}");
        }
        Command::EvalNlu { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let cases = eval::load_cases(&text)?;
            let report = eval::evaluate(&cases, |text, now| rules::parse(text, now).parsed);
            print!("{report}");
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
