//! `execora chat`: a terminal conversation with the full pipeline, as one of the shop's phones.

use std::io::Write;

use anyhow::Context;
use execora_engine::books::{Merchant, Source};
use execora_engine::dialog::Input;
use execora_engine::messages::{self, Delivery, NewInbound, NewOutbound};
use execora_engine::pipeline::{Message, Pipeline};
use execora_engine::time::to_millis;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Reads lines from stdin until EOF or `exit`, printing Execora's replies.
pub async fn run(pipeline: &Pipeline, merchant: &Merchant, sender: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    writeln!(
        out,
        "Execora chat: {} ({}). Type a message; 'exit' to quit.",
        merchant.name,
        merchant.locale.as_str()
    )?;
    if !pipeline.has_llm() {
        writeln!(out, "(rules-only understanding: no OPENAI_API_KEY)")?;
    }
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let session = to_millis(pipeline.clock().now());
    let mut count = 0u64;
    loop {
        write!(out, "> ")?;
        out.flush()?;
        let Some(line) = lines.next_line().await.context("reading stdin")? else {
            break;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if matches!(line, "exit" | "quit") {
            break;
        }
        count += 1;
        let message = Message {
            merchant: merchant.id,
            sender: sender.to_string(),
            id: format!("chat-{session}-{count}"),
            source: Source::Chat,
            input: Input::Text(line.to_string()),
        };
        let at = to_millis(pipeline.clock().now());
        let inbound = NewInbound {
            merchant: Some(merchant.id),
            channel_id: &message.id,
            peer: sender,
            peer_user_id: None,
            kind: "text",
            body: line,
            media_id: None,
            context_id: None,
            status: Delivery::Received,
            at,
        };
        let stored = messages::record_inbound(pipeline.db(), &inbound).await?;
        let handled = pipeline
            .handle(&message)
            .await
            .context("handling the message")?;
        // No WhatsApp here: the reply goes to the outbox, where the panel's chat page shows it too.
        let reply = NewOutbound {
            merchant: Some(merchant.id),
            peer: sender,
            kind: "text",
            body: &handled.reply.text,
            in_reply_to: stored,
            options: None,
            status: Delivery::Sandbox,
            at: to_millis(pipeline.clock().now()),
        };
        messages::record_outbound(pipeline.db(), &reply).await?;
        if let Some(id) = stored {
            messages::set_inbound_status(pipeline.db(), id, Delivery::Processed, at).await?;
        }
        writeln!(out, "Execora: {}", handled.reply.text)?;
        if !handled.reply.options.is_empty() {
            // What WhatsApp shows as reply buttons; typing the number or the name answers too.
            let buttons: Vec<String> = handled
                .reply
                .options
                .iter()
                .map(|o| format!("[{}]", o.title))
                .collect();
            writeln!(out, "  buttons: {}", buttons.join(" "))?;
        }
    }
    writeln!(out)?;
    Ok(())
}
