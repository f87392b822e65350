//! What a provider's HTTP answer means: status to error, Retry-After, bounded bodies, and the transport handed to async-openai.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;

use super::ProviderError;
use super::resilience::Failure;

/// The most of an error body we read; enough for any provider's error JSON.
const MAX_ERROR_BODY: usize = 16 * 1024;
/// Provider messages quoted in our errors (and so in logs) are cut to this.
const MAX_MESSAGE_CHARS: usize = 200;

/// One client for all calls to one provider: it pools connections and holds no secrets.
pub(super) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("execora/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("could not build the HTTP client: {e}"))
}

/// The body of a successful answer, at most `limit` bytes; any other answer is a [`Failure`].
pub(super) async fn success_body(
    response: reqwest::Response,
    limit: usize,
) -> Result<Bytes, Failure> {
    if !response.status().is_success() {
        return Err(failure_from_response(response).await);
    }
    read_capped(response, limit)
        .await
        .map_err(|error| match error {
            Capped::TooLarge => Failure::from(ProviderError::Invalid(format!(
                "the answer is larger than {limit} bytes"
            ))),
            Capped::Http(error) => from_reqwest(error),
        })
}

enum Capped {
    TooLarge,
    Http(reqwest::Error),
}

/// Reads the body chunk by chunk so a broken or hostile server cannot make us buffer gigabytes.
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Bytes, Capped> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(Capped::TooLarge);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Capped::Http)? {
        if body.len() + chunk.len() > limit {
            return Err(Capped::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A non-2xx answer as an error: 408, 429 and 5xx pass, other statuses are refusals.
pub(super) async fn failure_from_response(response: reqwest::Response) -> Failure {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let message = match read_capped(response, MAX_ERROR_BODY).await {
        Ok(body) => error_message(&body),
        Err(_) => String::from("(unreadable error body)"),
    };
    Failure {
        error: classify(status, message),
        retry_after,
    }
}

pub(super) fn classify(status: u16, message: String) -> ProviderError {
    let status_code = Some(status);
    if status == 408 || status == 429 || (500..600).contains(&status) {
        ProviderError::Transient {
            status: status_code,
            message,
        }
    } else {
        ProviderError::Rejected {
            status: status_code,
            message,
        }
    }
}

/// A transport failure: no answer arrived (or it broke off), so it is worth another try,
/// except when the request itself could not be built.
pub(super) fn from_reqwest(error: reqwest::Error) -> Failure {
    let message = clip(&error.to_string());
    let error = if error.is_builder() {
        ProviderError::Rejected {
            status: None,
            message,
        }
    } else {
        ProviderError::Transient {
            status: error.status().map(|s| s.as_u16()),
            message,
        }
    };
    Failure::from(error)
}

/// async-openai's errors in our terms. Through [`Transport`] every non-2xx answer arrives as our
/// own [`StatusFailure`], so the status and Retry-After are exact.
pub(super) fn from_openai(error: OpenAIError) -> Failure {
    match error {
        OpenAIError::Boxed(boxed) => match boxed.downcast::<StatusFailure>() {
            Ok(status) => status.0,
            Err(other) => Failure::from(ProviderError::Transient {
                status: None,
                message: clip(&other.to_string()),
            }),
        },
        OpenAIError::Reqwest(error) => from_reqwest(error),
        OpenAIError::ApiError(api) => Failure::from(classify(
            api.status_code.as_u16(),
            clip(&api.api_error.message),
        )),
        OpenAIError::InvalidArgument(message) => Failure::from(ProviderError::Rejected {
            status: None,
            message: clip(&message),
        }),
        other => Failure::from(ProviderError::Invalid(clip(&other.to_string()))),
    }
}

/// Retry-After as seconds or an HTTP date, or OpenAI's `retry-after-ms`.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    // A date the server wrote: compared with the real wall clock, not the service's clock.
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The human part of an error body: the `message` (or `detail`, `err_msg`) the provider wrote,
/// else the body's text, clipped. Provider error bodies carry no secrets of ours.
fn error_message(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let candidates = [
            &json["error"]["message"],
            &json["detail"]["message"],
            &json["detail"],
            &json["err_msg"],
            &json["message"],
            &json["error"],
        ];
        if let Some(text) = candidates.iter().find_map(|v| v.as_str()) {
            return clip(text);
        }
    }
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        String::from("(no message)")
    } else {
        clip(&text)
    }
}

/// One line, no control characters, bounded: safe to log.
pub(super) fn clip(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = flat.trim();
    if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = trimmed.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        trimmed.to_string()
    }
}

/// A non-2xx answer carried through async-openai untouched.
#[derive(Debug)]
pub(super) struct StatusFailure(Failure);

impl std::fmt::Display for StatusFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.error.fmt(f)
    }
}

impl std::error::Error for StatusFailure {}

/// The HTTP transport for async-openai. Installing our own replaces the client's built-in retry
/// layer (three retries of 429/5xx), which would multiply with ours and hide the attempts from
/// the breaker; and it hands every error answer back with its status and Retry-After, which
/// async-openai otherwise drops for non-JSON error bodies.
#[derive(Clone)]
pub(super) struct Transport {
    http: reqwest::Client,
}

impl Transport {
    pub fn new(http: reqwest::Client) -> Self {
        Transport { http }
    }
}

type TransportFuture =
    Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send + 'static>>;

impl tower::Service<HttpRequestFactory> for Transport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = TransportFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let http = self.http.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
            if response.status().is_success() {
                Ok(response)
            } else {
                let failure = failure_from_response(response).await;
                Err(OpenAIError::Boxed(Box::new(StatusFailure(failure))))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn statuses_are_classified() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify(status, String::new()), ProviderError::Transient { status: Some(s), .. } if s == status),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 413, 415, 422] {
            assert!(
                matches!(classify(status, String::new()), ProviderError::Rejected { status: Some(s), .. } if s == status),
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_is_read_in_its_three_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        let mut headers = HeaderMap::new();
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO), "a past date");
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn error_messages_are_found_and_clipped() {
        assert_eq!(
            error_message(
                br#"{"error":{"message":"Invalid file format.","type":"invalid_request_error"}}"#
            ),
            "Invalid file format."
        );
        assert_eq!(
            error_message(br#"{"detail":{"status":"voice_not_found","message":"No voice"}}"#),
            "No voice"
        );
        assert_eq!(
            error_message(br#"{"err_code":"Bad Request","err_msg":"corrupt"}"#),
            "corrupt"
        );
        assert_eq!(error_message(b"upstream\ntrouble"), "upstream trouble");
        assert_eq!(error_message(b""), "(no message)");
        let long = "x".repeat(1000);
        assert!(error_message(long.as_bytes()).chars().count() <= MAX_MESSAGE_CHARS + 1);
    }
}
