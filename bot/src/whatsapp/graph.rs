//! WhatsApp Cloud API (Graph) client: sending messages, read receipts, media upload/download, and message templates.

mod errors;
mod media;
mod messages;
mod templates;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{RequestBuilder, Response, Url, redirect};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use errors::{ErrorClass, GraphError};
pub use messages::{
    BUTTON_ID_MAX_CHARS, BUTTON_TITLE_MAX_CHARS, BUTTONS_MAX, FOOTER_MAX_CHARS,
    INTERACTIVE_BODY_MAX_CHARS, OutboundContent, ReplyButton, TEMPLATE_QUICK_REPLIES_MAX,
    TEXT_MAX_CHARS, body_json, mark_read_json,
};
pub use templates::{TemplateAccount, TemplateCreated, TemplateStatus};

/// Graph JSON answers are a few hundred bytes; the cap stops a misbehaving proxy from
/// making us buffer an arbitrary body.
const API_BODY_LIMIT: u64 = 1024 * 1024;
/// Error bodies are only parsed for the code, so a smaller cap is enough.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;
const MAX_REDIRECTS: usize = 5;
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on the up-front allocation, so a lying Content-Length cannot reserve
/// a huge buffer before any byte arrives.
const MAX_PREALLOC: u64 = 8 * 1024 * 1024;

/// Where and as whom to call the Graph API.
#[derive(Clone)]
pub struct GraphConfig {
    /// Versioned base, e.g. "https://graph.facebook.com/v25.0" (tests point it at a local server).
    pub api_base: String,
    pub access_token: String,
    pub phone_number_id: String,
    pub timeout: Duration,
}

impl fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphConfig")
            .field("api_base", &self.api_base)
            .field("access_token", &"<redacted>")
            .field("phone_number_id", &self.phone_number_id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Meta accepted the message; delivery is reported later by status webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub wamid: String,
    /// WhatsApp's id for the recipient, which can differ from the number we sent to.
    pub wa_id: Option<String>,
}

/// `GET /{media_id}`: the download URL expires after about five minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    pub url: String,
    pub mime_type: String,
    pub sha256: Option<String>,
    pub file_size: Option<u64>,
}

/// A cheap-to-clone handle sharing one connection pool.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    inner: Arc<Inner>,
}

struct Inner {
    api_base: String,
    phone_number_id: String,
    /// Marked sensitive so neither reqwest nor our Debug output can print it.
    auth: HeaderValue,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("api_base", &self.inner.api_base)
            .field("phone_number_id", &self.inner.phone_number_id)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

/// The token travels in a header, so plain HTTP is only tolerated on loopback (tests, local proxies).
fn require_https(url: &Url, what: &str) -> Result<(), GraphError> {
    let loopback = url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(GraphError::Invalid(format!("{what} must be an https URL"))),
    }
}

/// What every Graph caller shares: the HTTP client (timeouts, redirect policy), the checked
/// base URL and the bearer header.
struct Connection {
    http: reqwest::Client,
    api_base: String,
    auth: HeaderValue,
}

fn connect(
    api_base: &str,
    access_token: &str,
    timeout: Duration,
) -> Result<Connection, GraphError> {
    let base = Url::parse(api_base)
        .map_err(|e| GraphError::Invalid(format!("api_base is not a URL: {e}")))?;
    require_https(&base, "api_base")?;
    if base.query().is_some() || base.fragment().is_some() {
        return Err(GraphError::Invalid(
            "api_base must not carry a query or fragment".into(),
        ));
    }
    if access_token.trim().is_empty() {
        return Err(GraphError::Invalid("access token is empty".into()));
    }
    // The error from HeaderValue is deliberately dropped: it cannot echo the token,
    // but a future version might.
    let mut auth = HeaderValue::from_str(&format!("Bearer {access_token}")).map_err(|_| {
        GraphError::Invalid("access token contains characters not allowed in an HTTP header".into())
    })?;
    auth.set_sensitive(true);
    if timeout.is_zero() {
        return Err(GraphError::Invalid("timeout must be positive".into()));
    }

    // reqwest already strips Authorization when a redirect changes host, port or scheme;
    // this policy additionally bounds the chain and refuses https→http downgrades.
    let policy = redirect::Policy::custom(|attempt| {
        let downgrade = attempt.url().scheme() != "https"
            && attempt
                .previous()
                .last()
                .is_some_and(|prev| prev.scheme() == "https");
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if downgrade {
            attempt.error("redirect from https to http refused")
        } else {
            attempt.follow()
        }
    });
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .redirect(policy)
        .user_agent(concat!("execora/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(transport)?;
    Ok(Connection {
        http,
        api_base: api_base.trim_end_matches('/').to_owned(),
        auth,
    })
}

impl GraphClient {
    pub fn new(config: GraphConfig) -> Result<Self, GraphError> {
        let connection = connect(&config.api_base, &config.access_token, config.timeout)?;
        messages::check_path_id("phone_number_id", &config.phone_number_id)?;
        Ok(Self {
            http: connection.http,
            inner: Arc::new(Inner {
                api_base: connection.api_base,
                phone_number_id: config.phone_number_id,
                auth: connection.auth,
            }),
        })
    }

    /// Checks `content` against Meta's limits without sending anything.
    pub fn validate(content: &OutboundContent) -> Result<(), GraphError> {
        messages::validate(content)
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/{}/messages",
            self.inner.api_base, self.inner.phone_number_id
        )
    }

    /// POST {base}/{phone_number_id}/messages with Bearer token; `to` is digits (we add '+');
    /// optional reply-quote context.
    ///
    /// A `Transport` error after the request went out (e.g. a timeout) does not prove Meta
    /// dropped the message, so retrying can duplicate it.
    pub async fn send(
        &self,
        to: &str,
        content: &OutboundContent,
        reply_to: Option<&str>,
    ) -> Result<Sent, GraphError> {
        self.send_body(to, content, reply_to, None).await
    }

    /// Sends like [`GraphClient::send`], tagged with `callback_data`: Meta echoes it as
    /// `biz_opaque_callback_data` on every status webhook of this message, so the message can
    /// be recognised even if its wamid was never stored.
    pub async fn send_tagged(
        &self,
        to: &str,
        content: &OutboundContent,
        callback_data: &str,
    ) -> Result<Sent, GraphError> {
        self.send_body(to, content, None, Some(callback_data)).await
    }

    async fn send_body(
        &self,
        to: &str,
        content: &OutboundContent,
        reply_to: Option<&str>,
        callback_data: Option<&str>,
    ) -> Result<Sent, GraphError> {
        messages::check_recipient(to)?;
        messages::validate(content)?;
        if reply_to.is_some_and(|id| id.trim().is_empty()) {
            return Err(GraphError::Invalid("reply_to message id is empty".into()));
        }
        let mut body = body_json(to, content, reply_to);
        if let Some(data) = callback_data {
            messages::check_callback_data(data)?;
            body["biz_opaque_callback_data"] = serde_json::Value::from(data);
        }
        let response: SendResponse = self
            .call_json(self.http.post(self.messages_url()).json(&body), "send")
            .await?;
        let wamid = response
            .messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| GraphError::Decode("send: no message id in response".into()))?;
        let wa_id = response.contacts.into_iter().next().and_then(|c| c.wa_id);
        tracing::debug!(%wamid, kind = body["type"].as_str().unwrap_or(""), "message accepted");
        Ok(Sent { wamid, wa_id })
    }

    /// Marks an inbound message read, optionally with the typing indicator.
    pub async fn mark_read(&self, wamid: &str, typing: bool) -> Result<(), GraphError> {
        if wamid.trim().is_empty() {
            return Err(GraphError::Invalid(
                "message id to mark read is empty".into(),
            ));
        }
        let body = mark_read_json(wamid, typing);
        let response: SuccessResponse = self
            .call_json(self.http.post(self.messages_url()).json(&body), "mark_read")
            .await?;
        if response.success {
            Ok(())
        } else {
            Err(GraphError::Decode("mark_read: success was false".into()))
        }
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, GraphError> {
        call_json(request, &self.inner.auth, what).await
    }
}

/// Sends `request` with the bearer header and decodes the JSON answer (bounded in size).
async fn call_json<T: DeserializeOwned>(
    request: RequestBuilder,
    auth: &HeaderValue,
    what: &str,
) -> Result<T, GraphError> {
    let response = request
        .header(AUTHORIZATION, auth.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_connect() {
                connect_failed(e)
            } else {
                transport(e)
            }
        })?;
    let response = check_status(response).await?;
    let body = match read_limited(response, API_BODY_LIMIT).await {
        Ok(body) => body,
        Err(ReadError::TooLarge) => {
            return Err(GraphError::Decode(format!(
                "{what}: response larger than {API_BODY_LIMIT} bytes"
            )));
        }
        Err(ReadError::Transport(e)) => return Err(transport(e)),
    };
    serde_json::from_slice(&body).map_err(|e| GraphError::Decode(format!("{what}: {e}")))
}

/// Passes a success response through; turns anything else into `Api` or `Http`.
async fn check_status(response: Response) -> Result<Response, GraphError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    // An unreadable or oversized error body still tells us the status, which is enough to classify.
    let body = read_limited(response, ERROR_BODY_LIMIT)
        .await
        .unwrap_or_default();
    Err(errors::from_error_body(status.as_u16(), &body))
}

enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads the body chunk by chunk, stopping as soon as it would pass `limit`.
async fn read_limited(mut response: Response, limit: u64) -> Result<Bytes, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge);
    }
    let capacity = declared.unwrap_or(0).min(limit).min(MAX_PREALLOC);
    let mut buffer = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if buffer.len() as u64 + chunk.len() as u64 > limit {
            return Err(ReadError::TooLarge);
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}

/// A connection that was never made: nothing was written, so nothing can have been sent.
fn connect_failed(err: reqwest::Error) -> GraphError {
    match transport(err) {
        GraphError::Transport(text) => GraphError::Connect(text),
        other => other,
    }
}

/// reqwest's Display stops at the outermost error ("error sending request"); the cause
/// ("connection refused", "timed out") is further down the source chain.
fn transport(err: reqwest::Error) -> GraphError {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    GraphError::Transport(text)
}

#[derive(Deserialize)]
struct SendResponse {
    #[serde(default)]
    contacts: Vec<SendContact>,
    #[serde(default)]
    messages: Vec<SendMessage>,
}

#[derive(Deserialize)]
struct SendContact {
    #[serde(default)]
    wa_id: Option<String>,
}

#[derive(Deserialize)]
struct SendMessage {
    id: String,
}

#[derive(Deserialize)]
struct SuccessResponse {
    success: bool,
}
