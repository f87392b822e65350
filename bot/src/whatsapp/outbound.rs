//! The outbound sender: drains `queued` replies through the Graph API, questions as reply
//! buttons, retrying passing errors with backoff and stopping on permanent ones.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use execora_engine::access;
use execora_engine::messages::{self, Outgoing};
use execora_engine::providers::{ProviderError, Speaker};
use execora_engine::reply::QuickOption;
use execora_engine::send_budget;
use execora_engine::store::{Db, StoreError, Work};
use execora_engine::time::{Clock, SystemClock, to_millis};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::watch;

use crate::supervisor::IdleLanes;

use super::graph::{ErrorClass, GraphClient, GraphError, OutboundContent, ReplyButton};
use super::templates::{QUEUED_TEMPLATE_KIND, QueuedTemplate};
use super::voice::{self, SpeakError};

/// How often an idle sender looks for work it was not woken for (retries falling due, another
/// process's replies on SQLite): a committed reply wakes it at once (`Db::wake`).
const SAFETY_POLL: Duration = Duration::from_secs(1);
/// Replies one lane claims in one commit and sends together: on SQLite a claim is a synced
/// commit on the one writer, and one a reply cost a disk sync per reply (docs/PERFORMANCE.md).
const SEND_BATCH: usize = 8;
/// Tries before a message that keeps failing on passing errors is given up.
pub const MAX_ATTEMPTS: i64 = 6;

/// Meta's default throughput per business phone number (messages per second).
pub const DEFAULT_PER_SECOND: u32 = 80;

/// An approved template with one body parameter, `{{1}}`, sent in place of a reply that WhatsApp
/// refuses because the 24-hour window is closed (131047).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackTemplate {
    pub name: String,
    pub language: String,
}

/// Template body parameters must fit in one line; longer texts are cut here with an ellipsis.
const TEMPLATE_PARAMETER_CHARS: usize = 900;

/// A reply as one template parameter: lines joined with " | ", tabs and runs of spaces folded.
pub fn template_parameter(text: &str) -> String {
    let one_line = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    if one_line.chars().count() <= TEMPLATE_PARAMETER_CHARS {
        return one_line;
    }
    let mut cut: String = one_line
        .chars()
        .take(TEMPLATE_PARAMETER_CHARS - 1)
        .collect();
    cut.push('…');
    cut
}

/// How many lanes of one process send replies by default, each up to `SEND_BATCH` at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Sends queued outbound messages, several at once (each number's in the order they were
/// written), no faster than the business number's throughput.
#[derive(Clone)]
pub struct Sender {
    db: Db,
    graph: GraphClient,
    throttle: NumberThrottle,
    /// Sends in flight at once: a Graph API call takes a few hundred milliseconds, so one at a
    /// time caps a process at a few replies a second whatever the throughput limit allows.
    concurrency: usize,
    /// How idle lanes wait: one listens for new replies, the rest wait to be called in.
    idle: IdleLanes,
    fallback_template: Option<FallbackTemplate>,
    /// The authentication template a login code goes out as when the window is closed.
    otp_template: Option<FallbackTemplate>,
    /// Text-to-speech for `voice` messages, and the language to speak.
    speaker: Option<(Arc<dyn Speaker>, String)>,
    /// Where the timestamps it writes come from.
    clock: Arc<dyn Clock>,
}

/// The business number's throughput limit: the reply sender and the reminder sender take from
/// the same one, so together they never exceed what Meta allows the number. In one process (and
/// on SQLite, which one process serves) a limiter in memory; with several processes on one
/// PostgreSQL, the budget in the database they all take from (`engine::send_budget`).
#[derive(Clone)]
pub struct NumberThrottle {
    limit: Limit,
}

#[derive(Clone)]
enum Limit {
    Local(Arc<DefaultDirectRateLimiter>),
    Shared {
        db: Db,
        number: String,
        per_second: i64,
        clock: Arc<dyn Clock>,
    },
}

impl NumberThrottle {
    /// Waits until one message may go.
    pub async fn until_ready(&self) {
        self.take(1).await;
    }

    /// Waits until one message may go, and takes up to `most` in all that may go now: a batch
    /// of sends starts at once without waiting for the whole batch. Returns how many (≥ 1).
    pub async fn take(&self, most: usize) -> usize {
        match &self.limit {
            Limit::Local(limiter) => {
                limiter.until_ready().await;
                let mut taken = 1;
                while taken < most && limiter.check().is_ok() {
                    taken += 1;
                }
                taken
            }
            Limit::Shared {
                db,
                number,
                per_second,
                clock,
            } => {
                let want = i64::try_from(most.max(1)).unwrap_or(i64::MAX);
                loop {
                    let now = to_millis(clock.now());
                    match send_budget::take(db, number, *per_second, want, now).await {
                        Ok(granted) if granted > 0 => {
                            return usize::try_from(granted).unwrap_or(1);
                        }
                        Ok(_) => {}
                        // Sending without the budget could exceed the number's limit: wait.
                        Err(error) => {
                            tracing::error!(%error, "could not take from the shared send budget")
                        }
                    }
                    let wait = send_budget::SLICE_MS - now.rem_euclid(send_budget::SLICE_MS);
                    tokio::time::sleep(Duration::from_millis(wait.unsigned_abs().max(1))).await;
                }
            }
        }
    }
}

/// A throughput limit of `per_second` messages a second (at least one), in this process.
pub fn number_throttle(per_second: u32) -> NumberThrottle {
    let quota = NonZeroU32::new(per_second.max(1))
        .map_or(Quota::per_second(NonZeroU32::MIN), Quota::per_second);
    NumberThrottle {
        limit: Limit::Local(Arc::new(RateLimiter::direct(quota))),
    }
}

/// A throughput limit of `per_second` messages a second for the number `phone_number_id`, shared
/// through `db` by every process using it, on `clock`'s time.
pub fn shared_number_throttle(
    db: Db,
    phone_number_id: &str,
    per_second: u32,
    clock: Arc<dyn Clock>,
) -> NumberThrottle {
    NumberThrottle {
        limit: Limit::Shared {
            db,
            number: phone_number_id.to_string(),
            per_second: i64::from(per_second.max(1)),
            clock,
        },
    }
}

/// Backoff before try `attempts + 1`: 2^n seconds for throughput errors, 4^n for a throttled
/// recipient (Meta's advice for 131056), capped at ten minutes. Replies and reminders share it.
pub(crate) fn backoff(class: &ErrorClass, attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 10) - 1).unwrap_or(0);
    let base: u64 = if matches!(class, ErrorClass::RecipientThrottled) {
        4
    } else {
        2
    };
    Duration::from_secs(base.saturating_pow(exponent).min(600))
}

/// A queued template message's template, when `outgoing` is one.
fn queued_template(outgoing: &Outgoing) -> Option<QueuedTemplate> {
    if outgoing.kind != QUEUED_TEMPLATE_KIND {
        return None;
    }
    serde_json::from_str(outgoing.options.as_deref()?).ok()
}

fn template_content(template: &QueuedTemplate) -> OutboundContent {
    OutboundContent::Template {
        name: template.name.clone(),
        language: template.language.clone(),
        body_parameters: template.parameters.clone(),
        quick_reply_payloads: Vec::new(),
        url_button: None,
    }
}

/// A reply and its quick options as what WhatsApp shows: reply buttons, or plain text; a
/// queued template as that template.
fn content(outgoing: &Outgoing) -> OutboundContent {
    if let Some(template) = queued_template(outgoing) {
        return template_content(&template);
    }
    let options: Vec<QuickOption> = outgoing
        .options
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    if !options.is_empty() {
        let buttons = OutboundContent::Buttons {
            body: outgoing.body.clone(),
            buttons: options
                .into_iter()
                .map(|o| ReplyButton {
                    id: o.id,
                    title: o.title,
                })
                .collect(),
            footer: None,
        };
        // A question too long for a button message still goes out, as text (its options are numbered in it).
        if GraphClient::validate(&buttons).is_ok() {
            return buttons;
        }
    }
    OutboundContent::Text {
        body: outgoing.body.clone(),
        preview_url: false,
    }
}

impl Sender {
    pub fn new(db: Db, graph: GraphClient) -> Sender {
        Sender {
            db,
            graph,
            throttle: number_throttle(DEFAULT_PER_SECOND),
            concurrency: DEFAULT_CONCURRENCY,
            idle: IdleLanes::default(),
            fallback_template: None,
            otp_template: None,
            speaker: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sends at most `concurrency` messages at once (at least one).
    pub fn with_concurrency(mut self, concurrency: usize) -> Sender {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Takes the time from `clock` (the service's one clock) instead of the system's.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Sender {
        self.clock = clock;
        self
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Speaks `voice` messages with this text-to-speech service, in `language`.
    pub fn with_speaker(mut self, speaker: Arc<dyn Speaker>, language: &str) -> Sender {
        self.speaker = Some((speaker, language.to_string()));
        self
    }

    /// Sends replies refused for the closed 24-hour window again as this template.
    pub fn with_fallback_template(mut self, template: Option<FallbackTemplate>) -> Sender {
        self.fallback_template = template;
        self
    }

    /// Sends login codes refused for the closed 24-hour window again as this authentication
    /// template (`WHATSAPP_OTP_TEMPLATE`).
    pub fn with_otp_template(mut self, template: Option<FallbackTemplate>) -> Sender {
        self.otp_template = template;
        self
    }

    /// What a message refused for the closed window is sent as instead, if anything: a login
    /// code as the authentication template, anything else as the fallback template.
    fn instead_of(&self, outgoing: &Outgoing) -> Option<OutboundContent> {
        if outgoing.kind == access::LOGIN_CODE_KIND {
            let template = self.otp_template.as_ref()?;
            let code = access::code_in_message(&outgoing.body)?;
            return Some(OutboundContent::AuthenticationCode {
                name: template.name.clone(),
                language: template.language.clone(),
                code: code.to_string(),
            });
        }
        let template = self.fallback_template.as_ref()?;
        Some(OutboundContent::Template {
            name: template.name.clone(),
            language: template.language.clone(),
            body_parameters: vec![template_parameter(&outgoing.body)],
            quick_reply_payloads: Vec::new(),
            url_button: None,
        })
    }

    /// Sends at most `per_second` messages a second (1,000 for upgraded numbers, 20 for coexistence).
    pub fn with_rate(self, per_second: u32) -> Sender {
        self.with_throttle(number_throttle(per_second))
    }

    /// Takes its sends from `throttle`, which other senders of the same number share.
    pub fn with_throttle(mut self, throttle: NumberThrottle) -> Sender {
        self.throttle = throttle;
        self
    }

    /// Sends the oldest due messages, up to `SEND_BATCH` of them at once (each number's first in
    /// line), claimed in one commit; `false` when there was none.
    pub async fn send_next(&self) -> Result<bool, StoreError> {
        let mut claimed = messages::claim_outbound(&self.db, self.now_ms(), SEND_BATCH).await?;
        let Some(first) = claimed.pop() else {
            return Ok(false);
        };
        if claimed.is_empty() {
            self.send(first).await?;
            return Ok(true);
        }
        let mut sends = tokio::task::JoinSet::new();
        for outgoing in claimed.into_iter().chain([first]) {
            let sender = self.clone();
            sends.spawn(async move { sender.send(outgoing).await });
        }
        let mut failed = None;
        while let Some(sent) = sends.join_next().await {
            match sent {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    failed.get_or_insert(error);
                }
                // A panic in a send is the lane's, for the supervisor to see.
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(_) => {}
            }
        }
        failed.map_or(Ok(true), Err)
    }

    /// Sends one claimed message, recording how it went.
    async fn send(&self, outgoing: Outgoing) -> Result<(), StoreError> {
        if outgoing.kind == "voice" {
            return self.send_voice(&outgoing).await;
        }
        // Tagged so that a status names the reply even if its send is never recorded.
        let tag = messages::reply_tag(outgoing.id);
        self.throttle.until_ready().await;
        let mut result = self
            .graph
            .send_tagged(&outgoing.peer, &content(&outgoing), &tag)
            .await;
        if let Err(error) = &result
            && error.class() == ErrorClass::NeedsTemplate
            && let Some(content) = self.instead_of(&outgoing)
        {
            tracing::info!(kind = %outgoing.kind, "24-hour window closed; sending the message as a template");
            self.throttle.until_ready().await;
            result = self.graph.send_tagged(&outgoing.peer, &content, &tag).await;
        }
        // A Hinglish template not (yet) approved: Meta refused it, nothing went out, so the
        // English one of the same parameters can go at once.
        if let Err(GraphError::Api { code: 132001, .. }) = &result
            && let Some(fallback) = queued_template(&outgoing).and_then(|t| t.fallback())
        {
            self.throttle.until_ready().await;
            result = self
                .graph
                .send_tagged(&outgoing.peer, &template_content(&fallback), &tag)
                .await;
        }
        match result {
            Ok(sent) => {
                metrics::counter!(crate::metrics::SENT, "status" => "sent").increment(1);
                // Recorded lazily (`Db::lazy`): lost with the machine (or a kill between the
                // send and this write), the reply stays `sending` until a status tagged with it
                // records it, or it is sent again after `EXECORA_RESEND_UNCONFIRMED_AFTER`.
                messages::mark_sent(&self.db.lazy(), outgoing.id, &sent.wamid, self.now_ms())
                    .await?
            }
            Err(error) => self.failed(&outgoing, &error).await?,
        }
        Ok(())
    }

    /// A spoken reply: synthesised, checked to be a mono Ogg/Opus voice note, uploaded, sent.
    async fn send_voice(&self, outgoing: &Outgoing) -> Result<(), StoreError> {
        let Some((speaker, language)) = &self.speaker else {
            return messages::mark_failed(
                &self.db,
                outgoing.id,
                None,
                "no text-to-speech is configured",
                self.now_ms(),
            )
            .await;
        };
        let uploaded =
            voice::speak_and_upload(speaker.as_ref(), &self.graph, &outgoing.body, language).await;
        let media_id = match uploaded {
            Ok(media_id) => media_id,
            Err(SpeakError::Graph(error)) => return self.failed(outgoing, &error).await,
            Err(SpeakError::Speech(error))
                if matches!(
                    error,
                    ProviderError::Timeout(_)
                        | ProviderError::Transient { .. }
                        | ProviderError::Unavailable(_)
                ) && outgoing.attempts < MAX_ATTEMPTS =>
            {
                let wait = backoff(&ErrorClass::Retry, outgoing.attempts);
                tracing::warn!(%error, wait_s = wait.as_secs(), "speech failed; will retry");
                return messages::retry_later(
                    &self.db,
                    outgoing.id,
                    self.now_ms() + wait.as_millis() as i64,
                    None,
                )
                .await;
            }
            Err(error) => {
                tracing::warn!(%error, "no spoken reply; the text reply stands");
                return messages::mark_failed(
                    &self.db,
                    outgoing.id,
                    None,
                    &error.to_string(),
                    self.now_ms(),
                )
                .await;
            }
        };
        self.throttle.until_ready().await;
        match self
            .graph
            .send_tagged(
                &outgoing.peer,
                &OutboundContent::Voice { media_id },
                &messages::reply_tag(outgoing.id),
            )
            .await
        {
            Ok(sent) => {
                messages::mark_sent(&self.db.lazy(), outgoing.id, &sent.wamid, self.now_ms()).await
            }
            Err(error) => self.failed(outgoing, &error).await,
        }
    }

    async fn failed(&self, outgoing: &Outgoing, error: &GraphError) -> Result<(), StoreError> {
        let class = error.class();
        match class {
            ErrorClass::Retry | ErrorClass::RecipientThrottled
                if outgoing.attempts < MAX_ATTEMPTS =>
            {
                let wait = backoff(&class, outgoing.attempts);
                tracing::warn!(%error, attempts = outgoing.attempts, wait_s = wait.as_secs(), "send failed; will retry");
                metrics::counter!(crate::metrics::SENT, "status" => "retried").increment(1);
                messages::retry_later(
                    &self.db,
                    outgoing.id,
                    self.now_ms() + wait.as_millis() as i64,
                    error.code(),
                )
                .await
            }
            _ => {
                tracing::error!(%error, class = ?class, attempts = outgoing.attempts, "send failed for good");
                metrics::counter!(crate::metrics::SENT, "status" => "failed").increment(1);
                messages::mark_failed(
                    &self.db,
                    outgoing.id,
                    error.code(),
                    &error.to_string(),
                    self.now_ms(),
                )
                .await
            }
        }
    }

    /// Works until `shutdown` completes: `concurrency` lanes send, each taking the next reply
    /// first in line for its number. A panic in a lane ends the run, for the supervisor to start
    /// it again.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        // Between messages, never inside one: each lane finishes its send, and a backlog waits
        // in the database for the next start instead of holding up the shutdown.
        let lanes = crate::supervisor::run_lanes(
            self.concurrency,
            |stopped| self.clone().work(stopped),
            shutdown,
        );
        if let Some(panic) = lanes.await {
            std::panic::resume_unwind(panic);
        }
    }

    /// One lane: sends the next reply whenever one is due, until stopped. A lane that sent calls
    /// one more lane in (a backlog fills every lane); an idle lane either listens for commits,
    /// if no other lane does, or waits to be called in.
    async fn work(self, mut stopped: watch::Receiver<bool>) {
        let mut replies = self.db.wakeup(Work::Outbound);
        while !*stopped.borrow() {
            replies.seen();
            let idle = match self.send_next().await {
                Ok(worked) => !worked,
                Err(error) => {
                    tracing::error!(%error, "outbox unavailable");
                    true
                }
            };
            if idle {
                self.idle
                    .wait(&mut replies, &mut stopped, SAFETY_POLL)
                    .await;
            } else {
                self.idle.found_work();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(&ErrorClass::Retry, 1), Duration::from_secs(1));
        assert_eq!(backoff(&ErrorClass::Retry, 3), Duration::from_secs(4));
        assert_eq!(
            backoff(&ErrorClass::RecipientThrottled, 3),
            Duration::from_secs(16)
        );
        assert_eq!(backoff(&ErrorClass::Retry, 50), Duration::from_secs(512));
        assert_eq!(
            backoff(&ErrorClass::RecipientThrottled, 50),
            Duration::from_secs(600)
        );
    }
}
