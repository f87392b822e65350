//! The webhook routes: Meta's GET verification, and signed POSTs whose messages are stored once
//! and whose delivery statuses move our outbound messages forward.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use execora_engine::books::reminders;
use execora_engine::books::{BooksError, MerchantId, ReminderKey, ReminderStatus, merchants};
use execora_engine::inbox::{Arrival, Inbox, InboxError};
use execora_engine::messages::{self, Delivery, NewOutbound};
use execora_engine::phone::Phone;
use execora_engine::reply::{Locale, Outcome, render};
use execora_engine::senders::{self, Place, SenderLimit, WINDOW_MS};
use execora_engine::statuses::{StatusError, StatusLog, StatusUpdate};
use execora_engine::store::{Db, StoreError};
use execora_engine::time::{Clock, SystemClock};

use super::payload::{self, Event, InboundContent, InboundMessage};
use super::signature::{self, AppSecrets};

/// Why a webhook event could not be stored (the POST then gets 503 and Meta retries it).
#[derive(Debug, thiserror::Error)]
enum EventError {
    #[error(transparent)]
    Books(#[from] BooksError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Inbox(#[from] InboxError),
    #[error(transparent)]
    Status(#[from] StatusError),
}

/// Meta sends up to 3 MB; a little headroom, and anything larger is refused with 413.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub const PATH: &str = "/webhooks/whatsapp";

/// What the webhook needs.
#[derive(Clone)]
pub struct WebhookState {
    pub db: Db,
    /// Stores arriving messages, many requests to a commit.
    pub inbox: Inbox,
    /// Applies delivery statuses, many requests to a commit.
    pub statuses: StatusLog,
    /// `None`: no app secret configured, every POST is refused.
    pub secrets: Option<AppSecrets>,
    pub verify_token: Option<String>,
    pub limits: Arc<SenderLimits>,
    pub phones: Arc<PhoneBook>,
    /// Our business number's id (WHATSAPP_PHONE_NUMBER_ID); messages to any other are kept,
    /// never processed. `None` (sandbox): every number is taken as ours.
    pub business_number: Option<String>,
}

/// How long the shop of a phone is remembered between messages.
const PHONE_BOOK_TTL: Duration = Duration::from_secs(10);
/// Phones remembered at most; beyond it the book starts afresh (a flood of strangers cannot
/// grow it without bound).
const PHONE_BOOK_MAX: usize = 100_000;

/// A phone's shop (and its reply language), or none, as looked up at a moment.
type Remembered = (Option<(MerchantId, Locale)>, Instant);

/// Which shop each phone belongs to, remembered briefly: every arriving message asks, and shops
/// rarely gain phones. A stale answer is safe: a message stored without its shop is looked up
/// again by the worker, which then answers it as that shop's (`inbound::stranger`).
#[derive(Default)]
pub struct PhoneBook {
    entries: Mutex<HashMap<String, Remembered>>,
}

impl PhoneBook {
    async fn shop_of(
        &self,
        db: &Db,
        phone: &Phone,
    ) -> Result<Option<(MerchantId, Locale)>, BooksError> {
        let now = Instant::now();
        if let Some((shop, at)) = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(phone.as_str())
            && now.duration_since(*at) < PHONE_BOOK_TTL
        {
            return Ok(*shop);
        }
        let shop = merchants::find_by_phone(db, phone)
            .await?
            .map(|(merchant, _)| (merchant.id, merchant.locale));
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= PHONE_BOOK_MAX {
            entries.clear();
        }
        entries.insert(phone.as_str().to_string(), (shop, now));
        Ok(shop)
    }
}

/// Senders remembered at most; beyond it the limits start afresh (as the phone book does).
const SENDERS_MAX: usize = 100_000;

/// Per-sender limits, judged when messages arrive: the first `per_minute` of a window are
/// processed at once, the rest are kept and scheduled one window later each `per_minute` (so a
/// burst of Meta's retries after an outage is worked off at the sender's rate, none lost).
///
/// On SQLite (one process) the windows are kept here, in memory, off the commit of the ingest
/// path. On PostgreSQL several processes may serve one database, so the inbox places each message
/// in its sender's window in the database, in the commit that stores it ([`SenderLimits::shared`],
/// `Inbox::start_limited`), with the same rule; only the settings and the notice's text are
/// taken from here.
///
/// Written by hand rather than with a rate-limiting crate: a redelivered message must give its
/// place back (it is known to be one only after the unique insert), and a deferred message needs
/// the moment its window opens; the keyed limiters we looked at (governor) offer neither.
pub struct SenderLimits {
    per_minute: u32,
    senders: Mutex<HashMap<String, SenderWindow>>,
    /// No WhatsApp credentials: notices stay in the outbox.
    sandbox: bool,
    clock: Arc<dyn Clock>,
}

/// One sender's messages since `start` (unix ms): `used` places taken, the last ones possibly in
/// windows still to come, and when they were last told to slow down.
struct SenderWindow {
    start: i64,
    used: u64,
    noticed_at: Option<i64>,
}

impl SenderLimits {
    pub fn new(per_minute: u32, sandbox: bool) -> SenderLimits {
        SenderLimits {
            per_minute: per_minute.max(1),
            senders: Mutex::new(HashMap::new()),
            sandbox,
            clock: Arc::new(SystemClock),
        }
    }

    /// Judges time by `clock` (tests move it by hand).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> SenderLimits {
        self.clock = clock;
        self
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// The same limit, kept in the database for every process on it.
    pub fn shared(&self) -> SenderLimit {
        SenderLimit::new(self.per_minute, self.clock.clone())
    }

    /// Takes the next place of `sender`.
    pub fn take_place(&self, sender: &str) -> Place {
        let now = self.now();
        let per_minute = u64::from(self.per_minute);
        let mut senders = self.senders.lock().unwrap_or_else(PoisonError::into_inner);
        if senders.len() >= SENDERS_MAX && !senders.contains_key(sender) {
            senders.clear();
        }
        let window = senders.entry(sender.to_string()).or_insert(SenderWindow {
            start: now,
            used: 0,
            noticed_at: None,
        });
        // Every window holding a taken place is over: the sender starts afresh.
        let windows_taken = window.used.div_ceil(per_minute) as i64;
        if now >= window.start + windows_taken * WINDOW_MS {
            window.start = now;
            window.used = 0;
        }
        let due = window.start + (window.used / per_minute) as i64 * WINDOW_MS;
        window.used += 1;
        if due <= now {
            Place::Now
        } else {
            Place::Later { due }
        }
    }

    /// Gives back the last place of `sender`: the message was a redelivery (or was not stored),
    /// so it never counts against the limit.
    pub fn give_back(&self, sender: &str) {
        let mut senders = self.senders.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(window) = senders.get_mut(sender) {
            window.used = window.used.saturating_sub(1);
        }
    }

    /// Whether `sender` is due a "slow down" notice: one a window at most, so the notice itself
    /// cannot flood anyone.
    fn notice_due(&self, sender: &str) -> bool {
        let now = self.now();
        let mut senders = self.senders.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(window) = senders.get_mut(sender) else {
            return false;
        };
        if window.noticed_at.is_some_and(|at| now < at + WINDOW_MS) {
            return false;
        }
        window.noticed_at = Some(now);
        true
    }
}

pub fn routes(state: WebhookState) -> Router {
    Router::new()
        .route(PATH, get(verify).post(receive))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// `hub.mode=subscribe` with our token: echo `hub.challenge` byte for byte; anything else 403.
async fn verify(
    State(state): State<WebhookState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mode_ok = query.get("hub.mode").is_some_and(|m| m == "subscribe");
    let token_ok = match (&state.verify_token, query.get("hub.verify_token")) {
        (Some(expected), Some(given)) => signature::verify_token_matches(given, expected),
        _ => false,
    };
    match query.get("hub.challenge") {
        Some(challenge) if mode_ok && token_ok => {
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

/// Verifies before reading anything, stores what it can, and answers 200 for every signed body
/// (a non-2xx would make Meta retry a body we can never use for seven days).
async fn receive(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(secrets) = &state.secrets else {
        tracing::warn!("webhook POST refused: WHATSAPP_APP_SECRET is not configured");
        count("no_app_secret");
        return StatusCode::UNAUTHORIZED;
    };
    let header = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    if let Err(error) = signature::verify(&body, header, secrets) {
        tracing::warn!(%error, "webhook POST refused");
        count("bad_signature");
        return StatusCode::UNAUTHORIZED;
    }
    // Set by `http::observed` (kept from the proxy, or drawn) before any handler runs.
    let request_id = headers
        .get("x-request-id")
        .and_then(|id| id.to_str().ok())
        .filter(|id| id.len() <= 200);
    let events = match payload::parse(&body) {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(%error, bytes = body.len(), "signed webhook body is not usable; acknowledged");
            count("malformed");
            return StatusCode::OK;
        }
    };
    for event in events {
        let stored = match event {
            Event::Message(message) => store_message(&state, &message, request_id).await,
            Event::Status(status) => {
                count("status");
                let Some(delivery) = Delivery::parse(&status.status) else {
                    tracing::info!(status = %status.status, "unknown delivery status ignored");
                    continue;
                };
                let error = status.errors.first().map(|e| (e.code, e.title.as_str()));
                let at = (status.timestamp as i64).saturating_mul(1000);
                let update = StatusUpdate {
                    channel_id: status.wamid.clone(),
                    status: delivery,
                    error: error.map(|(code, title)| (code, title.to_string())),
                    at,
                    reply: status
                        .callback_data
                        .as_deref()
                        .and_then(messages::parse_reply_tag),
                    recipient: status.recipient_id.clone(),
                };
                match state.statuses.apply(update).await {
                    Ok(_) => apply_reminder_status(&state.db, &status, error, at)
                        .await
                        .map_err(EventError::from),
                    Err(error) => Err(EventError::from(error)),
                }
            }
            Event::Ignored { field } => {
                tracing::debug!(%field, "webhook field not handled");
                Ok(())
            }
        };
        if let Err(error) = stored {
            // Meta retries a non-2xx: nothing is lost, and redelivered messages are stored once.
            tracing::error!(%error, "could not store a webhook event");
            count("store_failed");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    StatusCode::OK
}

/// Counts a webhook POST's fate, or one event's in it.
fn count(outcome: &'static str) {
    metrics::counter!(crate::metrics::WEBHOOK, "outcome" => outcome).increment(1);
}

/// A status of a message we tagged as a reminder's moves that reminder (and its timeline) too:
/// this is how a reminder whose send was never recorded learns that it went out.
async fn apply_reminder_status(
    db: &Db,
    status: &payload::StatusUpdate,
    error: Option<(i64, &str)>,
    at: i64,
) -> Result<(), StoreError> {
    let Some(key) = status.callback_data.as_deref().and_then(ReminderKey::parse) else {
        return Ok(());
    };
    let Some(to) = ReminderStatus::parse(&status.status).filter(|s| {
        matches!(
            s,
            ReminderStatus::Sent
                | ReminderStatus::Delivered
                | ReminderStatus::Read
                | ReminderStatus::Failed
        )
    }) else {
        return Ok(());
    };
    reminders::apply_status(db, Some(key), &status.wamid, to, error, at)
        .await
        .map(|_| ())
}

/// Stores a message once by its wamid, under the shop its sender's phone belongs to (none for strangers).
#[tracing::instrument(skip_all, fields(wamid = %message.wamid))]
async fn store_message(
    state: &WebhookState,
    message: &InboundMessage,
    request_id: Option<&str>,
) -> Result<(), EventError> {
    let (db, limits) = (&state.db, &state.limits);
    let (kind, body, media_id) = match &message.content {
        InboundContent::Text { body } => ("text", body.clone(), None),
        InboundContent::Audio { media_id, .. } => ("audio", String::new(), Some(media_id.clone())),
        InboundContent::ButtonReply { id, title } => {
            ("button_reply", format!("{id}\n{title}"), None)
        }
        InboundContent::ListReply { id, title, .. } => {
            ("list_reply", format!("{id}\n{title}"), None)
        }
        InboundContent::TemplateButton { payload, text } => {
            ("template_button", format!("{payload}\n{text}"), None)
        }
        InboundContent::Other { kind } => (kind.as_str(), String::new(), None),
    };
    let peer = message
        .from
        .clone()
        .or_else(|| message.user_id.clone())
        .unwrap_or_default();
    let mut arrival = Arrival {
        merchant: None,
        channel_id: message.wamid.clone(),
        peer: peer.clone(),
        peer_user_id: message.user_id.clone(),
        kind: kind.to_string(),
        body,
        media_id,
        context_id: message.context_wamid.clone(),
        status: Delivery::Received,
        due_at: None,
        at: (message.timestamp as i64).saturating_mul(1000),
        request_id: request_id.map(str::to_owned),
    };
    if let Some(ours) = &state.business_number
        && message.phone_number_id != *ours
    {
        // Another business number's message (a shared app, a misrouted subscription): kept for
        // the record, under no shop, and never processed. The ids say which; the text stays out
        // of the logs.
        tracing::warn!(
            phone_number_id = %message.phone_number_id,
            ours = %ours,
            from = %peer,
            "a message to another business number; stored, not processed"
        );
        arrival.status = Delivery::Logged;
        state.inbox.record(arrival).await?;
        count("foreign_number");
        return Ok(());
    }
    // Meta's sender id is the full international number as it is: never the typed-number
    // normaliser, which would read Singapore's 6591234567 as the Indian 916591234567.
    let phone = message
        .from
        .as_deref()
        .and_then(|from| Phone::from_wa_id(from).ok());
    let merchant = match &phone {
        Some(phone) => state.phones.shop_of(db, phone).await?,
        None => None,
    };
    arrival.merchant = merchant.map(|(id, _)| id);
    // In memory, the place is taken before the insert (which alone knows whether the message
    // is new) and given back for a redelivery, so a redelivered message never counts against its
    // sender. An inbox that limits senders places only the new ones, in the insert's commit.
    let in_memory = !state.inbox.limits_senders();
    let place = if in_memory {
        limits.take_place(&peer)
    } else {
        Place::Now
    };
    if let Place::Later { due } = place {
        // The worker answers everything in `received` (a stranger is told how to register);
        // beyond the per-minute limit a message is kept and processed when its window opens.
        arrival.status = Delivery::Deferred;
        arrival.due_at = Some(due);
    }
    let stored = match state.inbox.record_placed(arrival).await {
        Ok(stored) => stored,
        Err(error) => {
            if in_memory {
                limits.give_back(&peer);
            }
            return Err(error.into());
        }
    };
    let Some((stored, placed)) = stored else {
        if in_memory {
            limits.give_back(&peer);
        }
        tracing::info!("redelivered message ignored");
        count("duplicate");
        return Ok(());
    };
    let place = if in_memory { place } else { placed };
    count(match place {
        Place::Later { .. } => "deferred",
        Place::Now => "accepted",
    });
    if let Place::Later { due } = place {
        tracing::debug!(
            due,
            "sender over the message limit; stored, processed later"
        );
        // Logged with the notice, once a window per sender: a flood must not flood the logs too.
        let notice_due = if in_memory {
            limits.notice_due(&peer)
        } else {
            senders::notice_due(db, &peer, limits.now()).await?
        };
        if notice_due {
            tracing::warn!(
                per_minute = limits.per_minute,
                "sender over the message limit; the rest is processed as the limit allows"
            );
            let locale = merchant.map(|(_, locale)| locale).unwrap_or_default();
            let notice = render(
                &Outcome::TooManyMessages {
                    per_minute: limits.per_minute,
                },
                locale,
            );
            let reply = NewOutbound {
                merchant: merchant.map(|(id, _)| id),
                peer: &peer,
                kind: "text",
                body: &notice.text,
                in_reply_to: Some(stored),
                options: None,
                status: if limits.sandbox {
                    Delivery::Sandbox
                } else {
                    Delivery::Queued
                },
                at: limits.now(),
            };
            messages::record_outbound(db, &reply).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use execora_engine::time::ManualClock;

    use super::*;

    fn limits(per_minute: u32) -> (SenderLimits, Arc<ManualClock>) {
        let clock = ManualClock::new(Utc.timestamp_millis_opt(1_000_000).single().expect("time"));
        (
            SenderLimits::new(per_minute, true).with_clock(clock.clone()),
            clock,
        )
    }

    #[test]
    fn messages_over_the_limit_are_scheduled_a_window_later_each_per_minute() {
        let (limits, clock) = limits(2);
        let places: Vec<Place> = (0..7).map(|_| limits.take_place("65912")).collect();
        assert_eq!(
            places,
            vec![
                Place::Now,
                Place::Now,
                Place::Later { due: 1_060_000 },
                Place::Later { due: 1_060_000 },
                Place::Later { due: 1_120_000 },
                Place::Later { due: 1_120_000 },
                Place::Later { due: 1_180_000 },
            ]
        );
        assert_eq!(limits.take_place("another"), Place::Now, "per sender");
        // Inside the backlog's windows a new message queues behind it.
        clock.advance(chrono::Duration::seconds(90));
        assert_eq!(limits.take_place("65912"), Place::Later { due: 1_180_000 });
        // Once every window with a place is over (four windows for eight places), the sender
        // starts afresh.
        clock.advance(chrono::Duration::seconds(89));
        assert_eq!(limits.take_place("65912"), Place::Later { due: 1_240_000 });
        clock.advance(chrono::Duration::seconds(61));
        assert_eq!(limits.take_place("65912"), Place::Now);
    }

    #[test]
    fn a_place_given_back_is_taken_by_the_next_message() {
        let (limits, _clock) = limits(2);
        assert_eq!(limits.take_place("91981"), Place::Now);
        for _ in 0..10 {
            assert_eq!(limits.take_place("91981"), Place::Now);
            // A redelivery: it never counts.
            limits.give_back("91981");
        }
        assert_eq!(limits.take_place("91981"), Place::Now);
        assert!(matches!(limits.take_place("91981"), Place::Later { .. }));
    }

    #[test]
    fn one_notice_a_window_at_most() {
        let (limits, clock) = limits(1);
        limits.take_place("91981");
        assert!(limits.notice_due("91981"));
        assert!(!limits.notice_due("91981"));
        clock.advance(chrono::Duration::seconds(59));
        assert!(!limits.notice_due("91981"));
        clock.advance(chrono::Duration::seconds(1));
        assert!(limits.notice_due("91981"));
    }
}
