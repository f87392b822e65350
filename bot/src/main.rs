//! The `execora` binary: configuration, the HTTP service and the command line around the engine.

mod chat;
mod cli;
mod customer;

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use execora_engine::books::{self, NewMerchant, Role};
use execora_engine::messages::{self, MessageId, OutboxFilter};
use execora_engine::nlu::llm::understand;
use execora_engine::nlu::{eval, rules};
use execora_engine::pipeline::Pipeline;
use execora_engine::reply::Locale;
use execora_engine::store::{Db, redact};
use execora_engine::time::{Clock, SystemClock, local, parse_zone, to_millis};

use execora_bot::config::{Config, ProcessEnv};
use execora_bot::http;
use execora_bot::startup::{Application, STUCK_AFTER_MS, language_model, open_database};
use execora_bot::whatsapp::graph::TemplateAccount;
use execora_bot::whatsapp::templates;

use crate::cli::{AdminCommand, Cli, Command, MerchantCommand, ReminderCommand, WhatsappCommand};

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
    // JSON lines go to stdout, where log collectors (Fly, Docker, journald) read them; the text
    // form stays on stderr, beside the commands' own output on stdout.
    let json = std::env::var("EXECORA_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().with_writer(std::io::stdout).init()
    } else {
        builder.with_writer(std::io::stderr).init()
    }
}

/// The service listens on HOST; an unspecified address (0.0.0.0, ::) is reached on the loopback.
async fn healthcheck(config: &Config) -> anyhow::Result<()> {
    let host = match config.host {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => {
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        }
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => {
            std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
        }
        other => other,
    };
    let url = format!(
        "http://{}/healthz",
        std::net::SocketAddr::new(host, config.port)
    );
    let answer = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()?
        .get(&url)
        .send()
        .await
        .with_context(|| format!("no answer from {url}"))?;
    if !answer.status().is_success() {
        bail!("{url} answered {}", answer.status());
    }
    println!("healthy: {url}");
    Ok(())
}

async fn open_db(config: &Config, migrate: bool) -> anyhow::Result<Db> {
    Ok(open_database(config, migrate).await?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env(&ProcessEnv)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            let stop = http::shutdown_signal();
            let app = Application::build(config, clock.clone()).await?;
            if demo {
                let (merchant, created) =
                    execora_engine::demo::seed(app.db(), clock.clone()).await?;
                tracing::info!(merchant = %merchant.id, created, "demo shop ready: execora chat --merchant {}", execora_engine::demo::DEMO_PHONE);
            }
            app.run_until_stopped(stop).await?;
        }
        Command::Healthcheck => healthcheck(&config).await?,
        Command::Migrate => {
            let db = open_db(&config, true).await?;
            println!("migrations applied to {}", redact(&config.database_url));
            db.close().await;
        }
        Command::Merchant { command } => merchant(&config, clock.as_ref(), command).await?,
        Command::Parse { json, now, text } => {
            let now = match now {
                Some(now) => {
                    chrono::DateTime::parse_from_rfc3339(&now).context("--now must be RFC 3339")?
                }
                None => local(clock.now(), parse_zone(&config.timezone)?),
            };
            let llm = language_model(&config);
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
            let pipeline = Pipeline::new(db.clone(), clock, language_model(&config));
            chat::run(&pipeline, &found, &sender).await?;
            db.close().await;
        }
        Command::Outbox {
            failed,
            stuck,
            limit,
            retry,
        } => outbox(&config, clock.as_ref(), failed, stuck, limit, retry).await?,
        Command::Check => {
            let db = open_db(&config, false).await?;
            let report = books::check::check(&db).await;
            db.close().await;
            let report = report.context("checking the books")?;
            for problem in &report.problems {
                println!("{problem}");
            }
            if !report.is_ok() {
                bail!("{report}");
            }
            println!("{report}");
        }
        Command::Backup { path } => {
            let db = open_db(&config, false).await?;
            let taken = db.backup_to(&path).await;
            db.close().await;
            taken?;
            println!(
                "backup of {} written to {}",
                redact(&config.database_url),
                path.display()
            );
        }
        Command::Inbox { dead, limit } => inbox(&config, dead, limit).await?,
        Command::Admin {
            command:
                AdminCommand::Add {
                    email,
                    password_file,
                },
        } => add_operator(&config, clock.as_ref(), &email, password_file).await?,
        Command::PayLink { merchant, customer } => {
            pay_link(&config, clock, &merchant, &customer).await?
        }
        Command::Customer { command } => customer::run(&config, clock, command).await?,
        Command::Reminder { command } => reminder(&config, clock, command).await?,
        Command::Whatsapp {
            command: WhatsappCommand::Templates { submit, status },
        } => whatsapp_templates(&config, submit, status).await?,
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

async fn outbox(
    config: &Config,
    clock: &dyn Clock,
    failed: bool,
    stuck: bool,
    limit: i64,
    retry: Option<i64>,
) -> anyhow::Result<()> {
    let db = open_db(config, true).await?;
    let now = to_millis(clock.now());
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
            entry.id.0,
            when,
            entry.peer,
            entry.status.as_str(),
            entry.attempts,
            entry.kind,
            body,
            error
        )?;
    }
    db.close().await;
    Ok(())
}

/// Inbound messages given up on after their last try, newest first (`--dead`, the only view).
async fn inbox(config: &Config, dead: bool, limit: i64) -> anyhow::Result<()> {
    if !dead {
        bail!("say which messages to show: `execora inbox --dead`");
    }
    let db = open_db(config, true).await?;
    let mut out = std::io::stdout();
    let entries = messages::dead_inbound(&db, limit).await?;
    if entries.is_empty() {
        writeln!(out, "nothing to show")?;
    }
    for entry in entries {
        let when = chrono::DateTime::from_timestamp_millis(entry.updated_at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
            .unwrap_or_default();
        let shop = entry
            .merchant
            .map_or_else(|| "-".to_string(), |m| m.0.to_string());
        let error: String = entry.error.unwrap_or_default().chars().take(120).collect();
        writeln!(
            out,
            "{}\t{}\tshop {}\t+{}\t{}\ttries {}\t{}\t{}",
            entry.id.0,
            when,
            shop,
            entry.peer,
            entry.kind,
            entry.attempts,
            entry.channel_id.unwrap_or_default(),
            error
        )?;
    }
    db.close().await;
    Ok(())
}

/// `execora admin add`: the password from the file's first line or standard input's.
async fn add_operator(
    config: &Config,
    clock: &dyn Clock,
    email: &str,
    password_file: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let text = match &password_file {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            line
        }
    };
    let password = text.lines().next().unwrap_or_default();
    let db = open_db(config, true).await?;
    let added =
        execora_engine::access::operators::add_operator(&db, email, password, clock.now()).await;
    db.close().await;
    let operator = added?;
    println!(
        "added operator {} (id {}): log in at /panel/admin/login",
        operator.email, operator.id
    );
    Ok(())
}

async fn merchant(
    config: &Config,
    clock: &dyn Clock,
    command: MerchantCommand,
) -> anyhow::Result<()> {
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
                clock,
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
            let added = books::merchants::add_phone(&db, found.id, &phone, role, clock).await?;
            writeln!(
                out,
                "added {} as {} of merchant {} '{}'",
                added.phone.as_str(),
                role.as_str(),
                found.id,
                found.name
            )?;
        }
        MerchantCommand::Set {
            merchant,
            large_amount,
            cancel_window_hours,
            reminder_cap,
            quiet_hours,
            auto_reminder_days,
            digest,
        } => {
            let found = books::merchants::find(&db, &merchant)
                .await?
                .with_context(|| format!("no shop with id or phone '{merchant}'"))?;
            let large_amount = large_amount
                .map(|text| {
                    text.parse::<execora_engine::money::Paise>()
                        .ok()
                        .filter(|amount| amount.is_positive())
                        .with_context(|| {
                            format!("--large-amount must be rupees such as 75000, not '{text}'")
                        })
                })
                .transpose()?;
            let quiet_hours = quiet_hours
                .map(|text| text.parse::<books::QuietHours>())
                .transpose()
                .context("--quiet-hours")?;
            let change = books::SettingsChange {
                large_amount,
                cancel_window_minutes: cancel_window_hours.map(|h| h.saturating_mul(60)),
                reminder_daily_cap: reminder_cap,
                auto_reminder_days: auto_reminder_days.map(|days| (days != 0).then_some(days)),
                quiet_hours,
            };
            let digest_change = digest.as_deref().map(digest_change).transpose()?;
            let settings = if change == books::SettingsChange::default() {
                books::merchants::settings(&db, found.id).await?
            } else {
                books::merchants::set_settings(&db, found.id, change, clock).await?
            };
            let auto = settings
                .auto_reminder_days
                .map_or_else(|| "off".to_string(), |days| format!("every {days} days"));
            let schedule = match digest_change {
                Some(change) => books::digest::set_schedule(&db, found.id, change, clock).await?,
                None => books::digest::schedule(&db, found.id).await?,
            };
            let digest = if schedule.enabled {
                format!("evening digest at {}", schedule.at.format("%H:%M"))
            } else {
                "evening digest off".to_string()
            };
            writeln!(
                out,
                "merchant {} '{}': large amount {}, staff may cancel a bill for {} hours, \
                 at most {} reminders a day, none in the quiet hours {}, \
                 automatic reminders to everyone who owes: {auto}, {digest} ({})",
                found.id,
                found.name,
                settings.large_amount,
                settings.cancel_window_minutes as f64 / 60.0,
                settings.reminder_daily_cap,
                settings.quiet_hours,
                found.timezone
            )?;
        }
    }
    db.close().await;
    Ok(())
}

/// `--digest HH:MM|off|on` as a change of the shop's digest.
fn digest_change(text: &str) -> anyhow::Result<books::DigestChange> {
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "off" => Ok(books::DigestChange {
            enabled: Some(false),
            at: None,
        }),
        "on" => Ok(books::DigestChange {
            enabled: Some(true),
            at: None,
        }),
        _ => {
            let at = chrono::NaiveTime::parse_from_str(text, "%H:%M").with_context(|| {
                format!("--digest must be a time such as 21:00, or off, not '{text}'")
            })?;
            Ok(books::DigestChange {
                enabled: Some(true),
                at: Some(at),
            })
        }
    }
}

/// Issues a pay link to a shop's customer found by name and prints its URL.
/// A shop by id or phone, for an operator command.
pub(crate) async fn find_shop(db: &Db, merchant: &str) -> anyhow::Result<books::Merchant> {
    books::merchants::find(db, merchant)
        .await?
        .with_context(|| {
            format!("no shop with id or phone '{merchant}' (see `execora merchant list`)")
        })
}

/// One of the shop's customers by name; several or none is an error naming them.
pub(crate) async fn find_customer(
    books: &books::Books,
    customer: &str,
) -> anyhow::Result<books::Customer> {
    match books.find_customers(customer, 5).await? {
        books::Found::One(person) => Ok(person),
        books::Found::Several(people) => {
            let names: Vec<String> = people
                .iter()
                .map(|p| format!("{} (id {})", p.name, p.id))
                .collect();
            bail!(
                "'{customer}' could be {}: give the full name",
                names.join(", ")
            )
        }
        books::Found::None => bail!(
            "shop {} has no customer named '{customer}'",
            books.merchant_id()
        ),
    }
}

/// A local "YYYY-MM-DD HH:MM" in `zone` as unix ms; a time the clocks skip is refused, one
/// they pass twice is the first.
fn local_time_ms(text: &str, zone: chrono_tz::Tz) -> anyhow::Result<i64> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M")
        .with_context(|| format!("'{text}' is not a time like 2026-12-06 19:00"))?;
    let at = zone
        .from_local_datetime(&naive)
        .earliest()
        .with_context(|| format!("{text} does not exist in {zone}"))?;
    Ok(to_millis(at.with_timezone(&chrono::Utc)))
}

async fn reminder(
    config: &Config,
    clock: Arc<dyn Clock>,
    command: ReminderCommand,
) -> anyhow::Result<()> {
    let db = open_db(config, true).await?;
    let result = run_reminder(&db, clock, command).await;
    db.close().await;
    result
}

async fn run_reminder(
    db: &Db,
    clock: Arc<dyn Clock>,
    command: ReminderCommand,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    match command {
        ReminderCommand::Add {
            merchant,
            customer,
            amount,
            at,
            every,
        } => {
            let shop = find_shop(db, &merchant).await?;
            let books = books::Books::open(db.clone(), shop.id, clock).await?;
            let person = find_customer(&books, &customer).await?;
            let amount = amount
                .map(|a| {
                    a.parse::<execora_engine::money::Paise>()
                        .with_context(|| format!("'{a}' is not an amount of rupees"))
                })
                .transpose()?;
            let due = match at {
                Some(at) => local_time_ms(&at, books.zone())?,
                None => to_millis(books.now()),
            };
            let origin = books::Origin::new(books::Source::Cli);
            if let Some(every) = every {
                let started = books
                    .start_reminder_series(person.id, every, amount, due, &origin)
                    .await?
                    .value;
                let when = local(
                    execora_engine::time::from_millis(started.first.due_at),
                    books.zone(),
                );
                writeln!(
                    out,
                    "series {} to {} every {} days while they owe; first reminder {} at {} {}",
                    started.series.id,
                    started.series.customer_name,
                    started.series.every_days,
                    started.first.id,
                    when.format("%Y-%m-%d %H:%M"),
                    books.zone()
                )?;
                return Ok(());
            }
            let booked = books
                .schedule_reminder(person.id, amount, due, &origin)
                .await?;
            let r = booked.value;
            let when = local(execora_engine::time::from_millis(r.due_at), books.zone());
            let asked = r
                .amount
                .map_or_else(|| "the balance due then".to_string(), |a| a.to_string());
            writeln!(
                out,
                "reminder {} to {} for {asked} at {} {}",
                r.id,
                r.customer_name,
                when.format("%Y-%m-%d %H:%M"),
                books.zone()
            )?;
        }
        ReminderCommand::List { merchant, limit } => {
            let shop = find_shop(db, &merchant).await?;
            let books = books::Books::open(db.clone(), shop.id, clock).await?;
            for r in books.reminders(limit).await? {
                let when = local(execora_engine::time::from_millis(r.due_at), books.zone());
                let asked = r
                    .sent_amount
                    .or(r.amount)
                    .map_or_else(|| "balance".to_string(), |a| a.to_string());
                let error = r
                    .error_code
                    .map_or_else(String::new, |code| format!(" (error {code})"));
                let repeat = match r.recurrence {
                    books::Recurrence::Once => String::new(),
                    books::Recurrence::Series => {
                        format!(" [series {}]", r.series.map_or(0, |s| s.0))
                    }
                    books::Recurrence::Shop => " [shop-wide]".to_string(),
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{asked}\t{}{error}{repeat}",
                    r.id,
                    when.format("%Y-%m-%d %H:%M"),
                    r.customer_name,
                    r.status
                )?;
                // What the customer wrote back, on the reminder's timeline.
                for event in books.reminder_timeline(r.id).await? {
                    if event.kind == books::EventKind::Replied {
                        let at = local(execora_engine::time::from_millis(event.at), books.zone());
                        writeln!(
                            out,
                            "\treply {}: {}",
                            at.format("%Y-%m-%d %H:%M"),
                            event.detail.unwrap_or_default()
                        )?;
                    }
                }
            }
        }
        ReminderCommand::Series { merchant, limit } => {
            let shop = find_shop(db, &merchant).await?;
            let books = books::Books::open(db.clone(), shop.id, clock).await?;
            let settings = books.settings().await?;
            if let Some(days) = settings.auto_reminder_days {
                writeln!(out, "shop-wide: everyone who owes, every {days} days")?;
            }
            for s in books.reminder_series(limit).await? {
                let asked = s
                    .amount
                    .map_or_else(|| "balance".to_string(), |a| a.to_string());
                let state = match (s.end, s.ended_at) {
                    (Some(end), Some(at)) => format!(
                        "ended {} ({})",
                        local(execora_engine::time::from_millis(at), books.zone())
                            .format("%Y-%m-%d %H:%M"),
                        end.as_str()
                    ),
                    _ => "running".to_string(),
                };
                writeln!(
                    out,
                    "{}\t{}\tevery {} days\t{asked}\t{state}",
                    s.id, s.customer_name, s.every_days
                )?;
            }
        }
        ReminderCommand::Stop {
            merchant,
            customer,
            all,
        } => {
            let shop = find_shop(db, &merchant).await?;
            let books = books::Books::open(db.clone(), shop.id, clock).await?;
            match customer {
                Some(customer) if !all => {
                    let person = find_customer(&books, &customer).await?;
                    let stopped = books.stop_reminder_series(person.id).await?;
                    writeln!(
                        out,
                        "automatic reminders to {} stopped ({} series, {} waiting reminders cancelled)",
                        person.name, stopped.series, stopped.cancelled
                    )?;
                }
                _ => {
                    let stopped = books.stop_all_auto_reminders().await?;
                    writeln!(
                        out,
                        "all automatic reminders stopped ({} series, {} waiting reminders cancelled; shop-wide setting off)",
                        stopped.series, stopped.cancelled
                    )?;
                }
            }
        }
        ReminderCommand::Cancel { merchant, id } => {
            let shop = find_shop(db, &merchant).await?;
            let books = books::Books::open(db.clone(), shop.id, clock).await?;
            let id = books::ReminderId(id);
            if books.cancel_reminder(id).await? {
                writeln!(out, "reminder {id} cancelled")?;
            } else {
                let status = books.reminder(id).await?.status;
                bail!("reminder {id} is {status}, not scheduled: nothing to cancel");
            }
        }
    }
    Ok(())
}

async fn pay_link(
    config: &Config,
    clock: Arc<dyn Clock>,
    merchant: &str,
    customer: &str,
) -> anyhow::Result<()> {
    let db = open_db(config, true).await?;
    let issued = async {
        let found = books::merchants::find(&db, merchant)
            .await?
            .with_context(|| format!("no shop with id or phone '{merchant}'"))?;
        let books = books::Books::open(db.clone(), found.id, clock).await?;
        let person = match books.find_customers(customer, 5).await? {
            books::Found::One(person) => person,
            books::Found::Several(people) => {
                let names: Vec<String> = people
                    .iter()
                    .map(|p| format!("{} (id {})", p.name, p.id))
                    .collect();
                bail!(
                    "'{customer}' could be {}: give the full name",
                    names.join(", ")
                );
            }
            books::Found::None => bail!("shop {} has no customer named '{customer}'", found.id),
        };
        let link = books.issue_pay_link(person.id).await?;
        anyhow::Ok((person, link))
    }
    .await;
    db.close().await;
    let (person, link) = issued?;
    let until = chrono::DateTime::from_timestamp_millis(link.expires_at)
        .map(|t| t.format("%Y-%m-%d %H:%MZ").to_string())
        .unwrap_or_default();
    println!(
        "{}",
        execora_panel::pay_url(&config.public_url, &link.token)
    );
    eprintln!(
        "pay link for {} (customer {}), valid until {until}",
        person.name, person.id
    );
    Ok(())
}

/// Prints our WhatsApp templates as Meta takes them, or submits them, or shows their review.
async fn whatsapp_templates(config: &Config, submit: bool, status: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    if !submit && !status {
        let all = templates::definitions(&config.public_url)?;
        writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
        return Ok(());
    }
    let whatsapp = &config.whatsapp;
    let account_id = whatsapp.business_account_id.as_deref().context(
        "set WHATSAPP_BUSINESS_ACCOUNT_ID (the WhatsApp Business Account id, in Meta's WhatsApp Manager) to submit templates or see their status",
    )?;
    let token = whatsapp
        .access_token
        .as_deref()
        .context("set WHATSAPP_ACCESS_TOKEN (a token allowed to manage the account's templates)")?;
    let account = TemplateAccount::new(
        &whatsapp.api_base,
        token,
        account_id,
        std::time::Duration::from_secs(30),
    )?;
    if submit {
        let all = templates::definitions_to_submit(&config.public_url)?;
        let mut refused = 0;
        for template in &all {
            let name = template["name"].as_str().unwrap_or_default();
            let language = template["language"].as_str().unwrap_or_default();
            match account.create(template).await {
                Ok(created) => writeln!(
                    out,
                    "{name}\t{language}\tsubmitted (id {}, {})",
                    created.id,
                    created.status.as_deref().unwrap_or("PENDING")
                )?,
                Err(error) => {
                    refused += 1;
                    writeln!(out, "{name}\t{language}\trefused: {error}")?;
                }
            }
        }
        if refused > 0 {
            bail!("{refused} of {} templates were refused", all.len());
        }
        return Ok(());
    }
    let listed = account.list().await?;
    if listed.is_empty() {
        writeln!(out, "no templates yet: execora whatsapp templates --submit")?;
    }
    for template in listed {
        let reason = template
            .rejected_reason
            .filter(|reason| reason != "NONE")
            .map(|reason| format!("\t{reason}"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}\t{}\t{}{reason}",
            template.name, template.language, template.status
        )?;
    }
    Ok(())
}
