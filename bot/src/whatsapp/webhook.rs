//! The webhook routes: Meta's GET verification, and signed POSTs whose messages are stored once
//! and whose delivery statuses move our outbound messages forward.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use execora_engine::books::{BooksError, MerchantId, merchants};
use execora_engine::inbox::{Arrival, Inbox, InboxError};
use execora_engine::messages::{self, Delivery, NewOutbound};
use execora_engine::phone::Phone;
use execora_engine::reply::{Locale, Outcome, render};
use execora_engine::store::{Db, StoreError};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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
    /// `None`: no app secret configured, every POST is refused.
    pub secrets: Option<AppSecrets>,
    pub verify_token: Option<String>,
    pub limits: Arc<SenderLimits>,
    pub phones: Arc<PhoneBook>,
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

/// Per-sender limits, judged when messages arrive (not when a backlog is worked off).
pub struct SenderLimits {
    per_minute: u32,
    messages: DefaultKeyedRateLimiter<String>,
    /// One "slow down" notice a minute at most, so the notice itself cannot flood anyone.
    notices: DefaultKeyedRateLimiter<String>,
    /// No WhatsApp credentials: notices stay in the outbox.
    sandbox: bool,
}

impl SenderLimits {
    pub fn new(per_minute: u32, sandbox: bool) -> SenderLimits {
        let per_minute = per_minute.max(1);
        let quota = NonZeroU32::new(per_minute)
            .map_or(Quota::per_minute(NonZeroU32::MIN), Quota::per_minute);
        SenderLimits {
            per_minute,
            messages: RateLimiter::keyed(quota),
            notices: RateLimiter::keyed(Quota::per_minute(NonZeroU32::MIN)),
            sandbox,
        }
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
        return StatusCode::UNAUTHORIZED;
    };
    let header = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    if let Err(error) = signature::verify(&body, header, secrets) {
        tracing::warn!(%error, "webhook POST refused");
        return StatusCode::UNAUTHORIZED;
    }
    let events = match payload::parse(&body) {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(%error, bytes = body.len(), "signed webhook body is not usable; acknowledged");
            return StatusCode::OK;
        }
    };
    for event in events {
        let stored = match event {
            Event::Message(message) => store_message(&state, &message).await,
            Event::Status(status) => {
                let Some(delivery) = Delivery::parse(&status.status) else {
                    tracing::info!(status = %status.status, "unknown delivery status ignored");
                    continue;
                };
                let error = status.errors.first().map(|e| (e.code, e.title.as_str()));
                let at = (status.timestamp as i64).saturating_mul(1000);
                messages::apply_status(&state.db, &status.wamid, delivery, error, at)
                    .await
                    .map(|_| ())
                    .map_err(EventError::from)
            }
            Event::Ignored { field } => {
                tracing::debug!(%field, "webhook field not handled");
                Ok(())
            }
        };
        if let Err(error) = stored {
            // Meta retries a non-2xx: nothing is lost, and redelivered messages are stored once.
            tracing::error!(%error, "could not store a webhook event");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    StatusCode::OK
}

/// Stores a message once by its wamid, under the shop its sender's phone belongs to (none for strangers).
#[tracing::instrument(skip_all, fields(wamid = %message.wamid))]
async fn store_message(state: &WebhookState, message: &InboundMessage) -> Result<(), EventError> {
    let (db, limits) = (&state.db, &state.limits);
    let phone = message.from.as_deref().and_then(|f| Phone::parse(f).ok());
    let merchant = match &phone {
        Some(phone) => state.phones.shop_of(db, phone).await?,
        None => None,
    };
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
    let over_limit = limits.messages.check_key(&peer).is_err();
    let arrival = Arrival {
        merchant: merchant.map(|(id, _)| id),
        channel_id: message.wamid.clone(),
        peer: peer.clone(),
        peer_user_id: message.user_id.clone(),
        kind: kind.to_string(),
        body,
        media_id,
        context_id: message.context_wamid.clone(),
        // The worker answers everything in `received` (a stranger is told how to register);
        // beyond the per-minute limit a message is kept but not processed.
        status: if over_limit {
            Delivery::Logged
        } else {
            Delivery::Received
        },
        at: (message.timestamp as i64).saturating_mul(1000),
    };
    let stored = state.inbox.record(arrival).await?;
    if stored.is_none() {
        tracing::info!("redelivered message ignored");
        return Ok(());
    }
    if over_limit {
        tracing::debug!("sender over the message limit; stored, not processed");
        // Logged with the notice, once a minute per sender: a flood must not flood the logs too.
        if limits.notices.check_key(&peer).is_ok() {
            tracing::warn!(
                per_minute = limits.per_minute,
                "sender over the message limit; the rest of this minute is stored, not processed"
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
                in_reply_to: stored,
                options: None,
                status: if limits.sandbox {
                    Delivery::Sandbox
                } else {
                    Delivery::Queued
                },
                at: chrono::Utc::now().timestamp_millis(),
            };
            messages::record_outbound(db, &reply).await?;
        }
    }
    Ok(())
}
