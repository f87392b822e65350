//! The inbound worker: claims stored messages, answers them through the engine's pipeline, and
//! puts the reply in the outbox (`sandbox` without WhatsApp credentials, `queued` for the sender).

use std::future::Future;
use std::time::Duration;

use execora_engine::books::{BooksError, MerchantId, Source, merchants};
use execora_engine::dialog::Input;
use execora_engine::messages::{self, Claimed, Delivery, NewOutbound};
use execora_engine::pipeline::{Message, Pipeline};
use execora_engine::reply::{Locale, Outcome, Reply, render};
use execora_engine::store::{Db, StoreError};

use super::graph::GraphClient;

/// How often an idle worker looks for work.
const POLL: Duration = Duration::from_millis(200);
/// A claim older than this belongs to a worker that died; the message goes back in line.
const STALE_CLAIM: Duration = Duration::from_secs(300);
/// How often stale claims are looked for.
const STALE_CHECK: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Books(#[from] BooksError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Processes inbound WhatsApp messages one at a time.
#[derive(Clone)]
pub struct InboundWorker {
    db: Db,
    pipeline: Pipeline,
    /// No WhatsApp credentials: replies stay in the outbox as `sandbox`.
    sandbox: bool,
    /// With credentials: messages are marked read with a typing indicator while they are answered.
    read_receipts: Option<GraphClient>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl InboundWorker {
    pub fn new(db: Db, pipeline: Pipeline, sandbox: bool) -> InboundWorker {
        InboundWorker {
            db,
            pipeline,
            sandbox,
            read_receipts: None,
        }
    }

    /// Marks each message read, with the typing indicator, when work on it starts.
    pub fn with_read_receipts(mut self, graph: GraphClient) -> InboundWorker {
        self.read_receipts = Some(graph);
        self
    }

    /// Handles the oldest waiting message; `false` when there was none.
    pub async fn process_next(&self) -> Result<bool, WorkerError> {
        let Some(claimed) = messages::claim_next_inbound(&self.db, now_ms()).await? else {
            return Ok(false);
        };
        self.handle(claimed).await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(message = claimed.message.id.0, wamid = claimed.message.channel_id.as_deref().unwrap_or("")))]
    async fn handle(&self, claimed: Claimed) -> Result<(), WorkerError> {
        let inbound = claimed.message;
        if let (Some(graph), Some(wamid)) = (&self.read_receipts, &inbound.channel_id)
            && inbound.merchant.is_some()
            && let Err(error) = graph.mark_read(wamid, true).await
        {
            // The blue ticks are a courtesy: failing to send them never holds up the answer.
            tracing::warn!(%error, "could not mark the message read");
        }
        let (merchant, answer) = match inbound.merchant {
            None => (None, render(&Outcome::NotRegistered, Locale::default())),
            Some(merchant) => (Some(merchant), self.answer(merchant, &inbound).await?),
        };
        let options = (!answer.options.is_empty())
            .then(|| serde_json::to_string(&answer.options).unwrap_or_default());
        let reply = NewOutbound {
            merchant,
            peer: &inbound.peer,
            kind: "text",
            body: &answer.text,
            in_reply_to: Some(inbound.id),
            options: options.as_deref(),
            status: if self.sandbox {
                Delivery::Sandbox
            } else {
                Delivery::Queued
            },
            at: now_ms(),
        };
        if messages::complete_inbound(&self.db, inbound.id, Some(&reply), now_ms())
            .await?
            .is_none()
        {
            tracing::info!("message was finished by another run; no second reply");
        }
        Ok(())
    }

    /// The words for a registered shop's message.
    async fn answer(
        &self,
        merchant: MerchantId,
        inbound: &messages::StoredMessage,
    ) -> Result<Reply, WorkerError> {
        let input = match inbound.kind.as_str() {
            "text" => Input::Text(inbound.body.clone()),
            "button_reply" | "list_reply" | "template_button" => {
                let (id, title) = inbound
                    .body
                    .split_once('\n')
                    .unwrap_or((inbound.body.as_str(), ""));
                Input::Button {
                    id: id.to_string(),
                    title: title.to_string(),
                }
            }
            other => {
                let locale = merchants::get(&self.db, merchant).await?.locale;
                let outcome = if other == "audio" {
                    Outcome::VoiceNotUnderstood
                } else {
                    Outcome::UnsupportedMessage
                };
                return Ok(render(&outcome, locale));
            }
        };
        let message = Message {
            merchant,
            sender: inbound.peer.clone(),
            id: inbound
                .channel_id
                .clone()
                .unwrap_or_else(|| format!("message-{}", inbound.id.0)),
            source: Source::Whatsapp,
            input,
        };
        Ok(self.pipeline.handle(&message).await?.reply)
    }

    /// Works until `shutdown` completes, putting back messages whose worker died.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut last_check: Option<std::time::Instant> = None;
        loop {
            if last_check.is_none_or(|at| at.elapsed() >= STALE_CHECK) {
                last_check = Some(std::time::Instant::now());
                if let Err(error) =
                    messages::requeue_stale(&self.db, now_ms() - STALE_CLAIM.as_millis() as i64)
                        .await
                {
                    tracing::error!(%error, "could not requeue stale messages");
                }
            }
            let idle = match self.process_next().await {
                Ok(worked) => !worked,
                Err(error) => {
                    tracing::error!(%error, "inbound message failed; it will be retried");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        }
    }
}
