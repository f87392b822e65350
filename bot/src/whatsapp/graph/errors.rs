//! Graph API failures: the error type, Meta's error body, and what a sender should do about each.

use serde::Deserialize;

/// Everything that can go wrong talking to the Graph API.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Meta answered with an error object:
    /// `{"error":{"message","type","code","error_subcode"?,"error_data":{"details"}?,"fbtrace_id"}}`.
    #[error("Graph API error {code} (HTTP {http_status}): {message}{}", details_suffix(.details))]
    Api {
        http_status: u16,
        code: i64,
        message: String,
        details: Option<String>,
    },
    /// A non-success status whose body is not Meta's error object (proxy pages, CDN errors).
    #[error("Graph API returned HTTP {status} without an error object")]
    Http { status: u16 },
    /// No connection could be made (refused, DNS, TLS handshake), so no request was written.
    #[error("Graph API connection failed: {0}")]
    Connect(String),
    /// Timeout or read failure after the connection was made: the request may have been taken.
    /// Holds reqwest's error chain, which never includes headers.
    #[error("Graph API transport error: {0}")]
    Transport(String),
    /// A success status whose body we could not understand.
    #[error("unexpected Graph API response: {0}")]
    Decode(String),
    /// Our own input broke one of Meta's limits, so nothing was sent.
    #[error("refused before sending: {0}")]
    Invalid(String),
    /// The download was larger than the caller allowed.
    #[error("download exceeds the {limit}-byte limit")]
    TooLarge { limit: u64 },
}

fn details_suffix(details: &Option<String>) -> String {
    match details {
        Some(d) if !d.is_empty() => format!(" ({d})"),
        _ => String::new(),
    }
}

/// What a sender should do about an error (spec §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Try again later with backoff.
    Retry,
    /// This recipient is rate limited (131056): back off 4^n seconds for them only.
    RecipientThrottled,
    /// Outside the 24-hour window (131047): send an approved template instead.
    NeedsTemplate,
    /// Stop and surface to the operator; repeating the same request cannot succeed.
    Permanent,
    /// The token is bad or expired (190, 0): alert and rotate.
    Auth,
}

impl GraphError {
    /// Decides from Meta's `code` first, because Meta says the HTTP status is not a
    /// reliable signal; the status only matters for codes we do not know.
    pub fn class(&self) -> ErrorClass {
        match self {
            GraphError::Api {
                code, http_status, ..
            } => class_of_code(*code).unwrap_or_else(|| class_of_status(*http_status)),
            GraphError::Http { status } => class_of_status(*status),
            GraphError::Connect(_) | GraphError::Transport(_) => ErrorClass::Retry,
            // A 2xx we cannot parse may still have been accepted; retrying risks a duplicate message.
            GraphError::Decode(_) | GraphError::Invalid(_) | GraphError::TooLarge { .. } => {
                ErrorClass::Permanent
            }
        }
    }

    /// Whether this failure proves WhatsApp did not take the message, so sending it again cannot
    /// make a duplicate: the connection was never made, we refused it ourselves, or Meta (or a
    /// rate limiter in front of it, 429) answered with a refusal. A timeout, a broken read, an
    /// unreadable success or a bare 5xx from something in between prove nothing: Meta may have
    /// accepted the message (spec: errors come synchronously, asynchronously, or both).
    pub fn proves_nothing_sent(&self) -> bool {
        match self {
            GraphError::Connect(_) | GraphError::Invalid(_) | GraphError::Api { .. } => true,
            GraphError::Http { status } => *status == 429,
            GraphError::Transport(_) | GraphError::Decode(_) | GraphError::TooLarge { .. } => false,
        }
    }

    /// Meta's error code, when Meta sent one.
    pub fn code(&self) -> Option<i64> {
        match self {
            GraphError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

fn class_of_code(code: i64) -> Option<ErrorClass> {
    let class = match code {
        0 | 190 => ErrorClass::Auth,
        131056 => ErrorClass::RecipientThrottled,
        131047 => ErrorClass::NeedsTemplate,
        // 17 and 613 are Graph-wide throttles that are not in the WhatsApp table but are
        // returned by the same endpoints; they clear on their own like 4.
        130429 | 131000 | 131016 | 133004 | 2 | 4 | 17 | 613 | 80007 | 131057 => ErrorClass::Retry,
        // 131048 (spam limit) and 131049 (per-user marketing limit) clear only after hours, so a
        // queue retry would just burn attempts; the operator decides when to resume.
        131026 | 131048 | 131049 | 131050 | 100 | 131008 | 131009 | 131052 | 131053 | 10
        | 131005 | 368 | 131031 | 130497 => ErrorClass::Permanent,
        200..=299 | 132000..=132999 => ErrorClass::Permanent,
        _ => return None,
    };
    Some(class)
}

fn class_of_status(status: u16) -> ErrorClass {
    match status {
        408 | 429 | 500..=599 => ErrorClass::Retry,
        401 => ErrorClass::Auth,
        _ => ErrorClass::Permanent,
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_data: Option<ErrorData>,
    #[serde(default)]
    fbtrace_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// Turns a non-success response into `Api` when the body is Meta's error object, else `Http`.
pub(super) fn from_error_body(http_status: u16, body: &[u8]) -> GraphError {
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(ErrorEnvelope { error }) => {
            // fbtrace_id is what Meta support asks for; it is not part of the error value,
            // so it is logged here once.
            tracing::warn!(
                http_status,
                code = error.code,
                fbtrace_id = error.fbtrace_id.as_deref().unwrap_or(""),
                "Graph API error"
            );
            GraphError::Api {
                http_status,
                code: error.code,
                message: error.message,
                details: error.error_data.and_then(|d| d.details),
            }
        }
        Err(_) => {
            tracing::warn!(http_status, "Graph API error without an error object");
            GraphError::Http {
                status: http_status,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64, http_status: u16) -> GraphError {
        GraphError::Api {
            http_status,
            code,
            message: String::new(),
            details: None,
        }
    }

    #[test]
    fn codes_map_to_classes() {
        let cases = [
            (130429, ErrorClass::Retry),
            (131000, ErrorClass::Retry),
            (131016, ErrorClass::Retry),
            (133004, ErrorClass::Retry),
            (2, ErrorClass::Retry),
            (4, ErrorClass::Retry),
            (80007, ErrorClass::Retry),
            (131057, ErrorClass::Retry),
            (131056, ErrorClass::RecipientThrottled),
            (131047, ErrorClass::NeedsTemplate),
            (131026, ErrorClass::Permanent),
            (131049, ErrorClass::Permanent),
            (131050, ErrorClass::Permanent),
            (132000, ErrorClass::Permanent),
            (132018, ErrorClass::Permanent),
            (100, ErrorClass::Permanent),
            (131048, ErrorClass::Permanent),
            (10, ErrorClass::Permanent),
            (250, ErrorClass::Permanent),
            (368, ErrorClass::Permanent),
            (190, ErrorClass::Auth),
            (0, ErrorClass::Auth),
        ];
        for (code, class) in cases {
            assert_eq!(api(code, 400).class(), class, "code {code}");
            assert_eq!(api(code, 400).code(), Some(code));
        }
    }

    #[test]
    fn unknown_codes_fall_back_to_status() {
        assert_eq!(api(999_999, 500).class(), ErrorClass::Retry);
        assert_eq!(api(999_999, 400).class(), ErrorClass::Permanent);
        assert_eq!(GraphError::Http { status: 503 }.class(), ErrorClass::Retry);
        assert_eq!(GraphError::Http { status: 429 }.class(), ErrorClass::Retry);
        assert_eq!(
            GraphError::Http { status: 404 }.class(),
            ErrorClass::Permanent
        );
        assert_eq!(GraphError::Http { status: 401 }.class(), ErrorClass::Auth);
        assert_eq!(GraphError::Transport("x".into()).class(), ErrorClass::Retry);
        assert_eq!(
            GraphError::Decode("x".into()).class(),
            ErrorClass::Permanent
        );
        assert_eq!(
            GraphError::Invalid("x".into()).class(),
            ErrorClass::Permanent
        );
        assert_eq!(
            GraphError::TooLarge { limit: 1 }.class(),
            ErrorClass::Permanent
        );
        assert_eq!(GraphError::Http { status: 503 }.code(), None);
    }

    #[test]
    fn parses_meta_error_body() {
        let body = br#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}"#;
        match from_error_body(400, body) {
            GraphError::Api {
                http_status,
                code,
                message,
                details,
            } => {
                assert_eq!(http_status, 400);
                assert_eq!(code, 130429);
                assert_eq!(message, "(#130429) Rate limit hit");
                assert_eq!(
                    details.as_deref(),
                    Some("Cloud API message throughput has been reached.")
                );
            }
            other => panic!("expected Api, got {other:?}"),
        }
        assert!(matches!(
            from_error_body(502, b"<html>Bad Gateway</html>"),
            GraphError::Http { status: 502 }
        ));
    }
}
