//! The evening digest worker: when a shop's clock reaches its digest time, writes that day's digest to the owner once, as text inside the 24-hour window and as the evening_digest template outside it, through the outbox.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use execora_engine::books::digest::{self, DigestChannel, DueDigest, WrittenDigest};
use execora_engine::books::{Books, BooksError, merchants};
use execora_engine::messages::{Delivery, NewOutbound};
use execora_engine::reply::{digest_line, digest_text};
use execora_engine::store::{Db, StoreError};
use execora_engine::time::{Clock, to_millis};

use super::templates::{self, QUEUED_TEMPLATE_KIND, QueuedTemplate};

/// How often the worker looks for shops whose digest time came (digest times are minutes).
const POLL: Duration = Duration::from_secs(20);

/// WhatsApp's customer-service window: free text is allowed this long after a person's message.
pub const SERVICE_WINDOW_MS: i64 = 24 * 3_600_000;

/// Why a digest could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Books(#[from] BooksError),
    #[error("the digest's template parameters could not be written: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Writes each shop's evening digest to the outbox once a day.
#[derive(Clone)]
pub struct DigestSender {
    db: Db,
    clock: Arc<dyn Clock>,
    /// Without WhatsApp credentials the digest stays in the sandbox outbox.
    sandbox: bool,
}

impl DigestSender {
    /// A worker whose digests the outbox sender delivers (`sandbox`: kept in the sandbox outbox).
    pub fn new(db: Db, clock: Arc<dyn Clock>, sandbox: bool) -> DigestSender {
        DigestSender { db, clock, sandbox }
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Writes every digest due now that no process wrote yet; returns the ones this call wrote.
    pub async fn send_due(&self) -> Result<Vec<(DueDigest, WrittenDigest)>, DigestError> {
        let mut written = Vec::new();
        for due in digest::due(&self.db, self.now_ms()).await? {
            match self.send(due).await {
                Ok(Some(done)) => written.push((due, done)),
                Ok(None) => {}
                Err(error) => {
                    // One shop's failure does not hold up the others; it is tried again next poll.
                    tracing::error!(merchant = %due.merchant, %error, "evening digest not written");
                }
            }
        }
        Ok(written)
    }

    /// Writes one shop's digest; `None` when another process wrote it first.
    async fn send(&self, due: DueDigest) -> Result<Option<WrittenDigest>, DigestError> {
        let books = Books::open(self.db.clone(), due.merchant, self.clock.clone()).await?;
        let now = self.now_ms();
        let Some(owner) = merchants::owner_phone(&self.db, due.merchant).await? else {
            tracing::warn!(merchant = %due.merchant, "shop has no owner phone for its digest");
            return Ok(digest::write(
                &self.db,
                due.merchant,
                due.day,
                DigestChannel::NoPhone,
                None,
                now,
            )
            .await?);
        };
        let peer = owner.as_str();
        let figures = books.evening_digest(due.day).await?;
        let merchant = books.merchant();
        let text = digest_text(&merchant.name, &figures, merchant.locale);
        let in_window = digest::last_inbound_at(&self.db, due.merchant, peer)
            .await?
            .is_some_and(|at| now - at < SERVICE_WINDOW_MS);
        let (channel, kind, options) = if in_window {
            (DigestChannel::Text, "text", None)
        } else {
            let template = QueuedTemplate::new(
                templates::evening_digest(merchant.locale),
                templates::digest_parameters(
                    &merchant.name,
                    &digest_line(&figures, merchant.locale),
                ),
            );
            (
                DigestChannel::Template,
                QUEUED_TEMPLATE_KIND,
                Some(serde_json::to_string(&template)?),
            )
        };
        let status = if self.sandbox {
            Delivery::Sandbox
        } else {
            Delivery::Queued
        };
        let outbound = NewOutbound {
            merchant: Some(due.merchant),
            peer,
            kind,
            body: &text,
            in_reply_to: None,
            options: options.as_deref(),
            status,
            at: now,
        };
        let written = digest::write(
            &self.db,
            due.merchant,
            due.day,
            channel,
            Some(&outbound),
            now,
        )
        .await?;
        if let Some(done) = &written {
            tracing::info!(merchant = %due.merchant, day = %due.day, channel = done.channel.as_str(), "evening digest written");
        }
        Ok(written)
    }

    /// Works until `shutdown` completes: at start (the catch-up of a digest missed while no
    /// process ran, the same evening only) and then every poll.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = self.send_due().await {
                tracing::error!(%error, "could not look for due digests");
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
