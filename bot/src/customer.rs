//! `execora customer export | delete`: the operator's door onto a customer's data rights.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use execora_engine::access::{AccessKey, CodeRefused};
use execora_engine::books::{self, CustomerId};
use execora_engine::messages::Delivery;
use execora_engine::recordings::Recordings;
use execora_engine::rights::{self, Requester};
use execora_engine::time::Clock;

use execora_bot::config::Config;

use crate::cli::CustomerCommand;
use crate::{find_customer, find_shop, open_db};

pub(crate) async fn run(
    config: &Config,
    clock: Arc<dyn Clock>,
    command: CustomerCommand,
) -> anyhow::Result<()> {
    let db = open_db(config, true).await?;
    let done = async {
        match command {
            CustomerCommand::Export { merchant, customer } => {
                let books = open_books(&db, clock, &merchant).await?;
                let id = customer_id(&books, &customer).await?;
                let export = rights::export_customer(&books, id).await?;
                let mut out = std::io::stdout().lock();
                serde_json::to_writer_pretty(&mut out, &export)?;
                writeln!(out)?;
            }
            CustomerCommand::Delete { merchant, customer } => {
                let books = open_books(&db, clock, &merchant).await?;
                let id = customer_id(&books, &customer).await?;
                delete(config, &books, id).await?;
            }
        }
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    done
}

async fn open_books(
    db: &execora_engine::store::Db,
    clock: Arc<dyn Clock>,
    merchant: &str,
) -> anyhow::Result<books::Books> {
    let shop = find_shop(db, merchant).await?;
    Ok(books::Books::open(db.clone(), shop.id, clock).await?)
}

/// `#42` is customer 42 of the shop (how a deleted customer is named); anything else a name.
async fn customer_id(books: &books::Books, customer: &str) -> anyhow::Result<CustomerId> {
    if let Some(id) = customer.trim().strip_prefix('#') {
        let id = id.parse().context("#<id> takes the customer's number")?;
        return Ok(books.customer(CustomerId(id)).await?.id);
    }
    Ok(find_customer(books, customer).await?.id)
}

/// Sends the owner a code and reads it from standard input; a right one deletes.
async fn delete(config: &Config, books: &books::Books, id: CustomerId) -> anyhow::Result<()> {
    // The code is asked and checked by this one process, so a key of its own is enough
    // when no panel secret is configured.
    let key = match &config.panel_secret {
        Some(secret) => AccessKey::from_secret(&secret.0)?,
        None => AccessKey::random()?,
    };
    let recordings = match &config.voice.stt {
        Some(_) => Some(Recordings::from_url(
            &config.voice.recordings_url,
            config.voice.retention_days,
        )?),
        None => None,
    };
    let delivery = if config.whatsapp.sandbox() {
        Delivery::Sandbox
    } else {
        Delivery::Queued
    };
    let requested = rights::request_deletion(books, &key, id, &Requester::Cli, delivery).await?;
    eprintln!(
        "A 6-digit code was sent to the owner's WhatsApp ({}){}. Type it to delete customer {} for good:",
        requested.owner.as_str(),
        if delivery == Delivery::Sandbox {
            " — sandbox: it is in `execora outbox`"
        } else {
            ""
        },
        id
    );
    loop {
        let typed = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map(|read| (read, line))
        })
        .await??;
        let (read, line) = typed;
        if read == 0 {
            bail!("no code typed: customer {id} was not deleted");
        }
        match rights::confirm_deletion(
            books,
            &key,
            recordings.as_ref(),
            id,
            requested.challenge.as_str(),
            line.trim(),
            &Requester::Cli,
        )
        .await?
        {
            Ok(deleted) => {
                println!(
                    "customer {} deleted: {} messages cleared, {} voice notes, {} reminders cancelled, {} pay links removed",
                    deleted.customer,
                    deleted.messages_redacted,
                    deleted.recordings_purged,
                    deleted.reminders_cancelled,
                    deleted.pay_links_removed
                );
                return Ok(());
            }
            Err(CodeRefused::Wrong { tries_left }) => {
                eprintln!("wrong code, {tries_left} tries left:");
            }
            Err(CodeRefused::Expired) => {
                bail!("the code expired or was used: customer {id} was not deleted (ask again)")
            }
            Err(CodeRefused::NoTriesLeft) => {
                bail!("the code was tried 5 times: customer {id} was not deleted (ask again)")
            }
        }
    }
}
