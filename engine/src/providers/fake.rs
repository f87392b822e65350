//! Test-only stand-in for the speech services: a local HTTP server that checks each request, answers from a script, and counts calls.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::{ResilienceConfig, TranscriptionRequest};

/// A short, recognisable 16 kHz mono 16-bit WAV: a header and a ramp of samples.
pub static WAV: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let samples: Vec<u8> = (0..1600u16)
        .flat_map(|i| i.wrapping_mul(37).to_le_bytes())
        .collect();
    let data_len = u32::try_from(samples.len()).unwrap_or(0);
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&32_000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    wav.extend_from_slice(&samples);
    wav
});

/// The names a shop would pass; "rahul" repeats "Rahul" and must not be sent twice.
pub static VOCABULARY: LazyLock<Vec<String>> = LazyLock::new(|| {
    ["Rahul", "Sharma ji", "atta", "rahul"]
        .into_iter()
        .map(String::from)
        .collect()
});

/// The start of an Ogg page; the providers check no further.
pub const OGG: &[u8] = b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00fake opus page";

pub fn wav() -> &'static [u8] {
    &WAV
}

pub fn transcription_request() -> TranscriptionRequest<'static> {
    TranscriptionRequest {
        wav: &WAV,
        language: Some("hi"),
        vocabulary: &VOCABULARY,
    }
}

/// Generous per attempt, quick between attempts, breaker out of the way.
pub fn resilience() -> ResilienceConfig {
    ResilienceConfig {
        timeout: Duration::from_secs(10),
        retries: 2,
        backoff: Duration::from_millis(1),
        breaker_failures: 100,
        breaker_cooldown: Duration::from_secs(60),
    }
}

/// What the fake answers to one request.
#[derive(Clone)]
pub enum Reply {
    Ok {
        content_type: &'static str,
        body: Vec<u8>,
    },
    Status {
        code: u16,
        retry_after: Option<&'static str>,
    },
    Sleep(Duration),
}

impl Reply {
    pub fn json(value: Value) -> Reply {
        Reply::Ok {
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    pub fn bytes(content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply::Ok { content_type, body }
    }

    pub fn ogg() -> Reply {
        Reply::bytes("audio/ogg", OGG.to_vec())
    }

    pub fn status(code: u16) -> Reply {
        Reply::Status {
            code,
            retry_after: None,
        }
    }
}

/// One request as it arrived.
pub struct Recorded {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// One part of a multipart body.
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn expect(&self, method: &str, path: &str) -> Result<(), String> {
        if self.method.as_str() != method || self.uri.path() != path {
            return Err(format!("{} {}", self.method, self.uri.path()));
        }
        Ok(())
    }

    pub fn expect_header(&self, name: &str, value: &str) -> Result<(), String> {
        let actual = self.header(name);
        if actual.as_deref() != Some(value) {
            return Err(format!("{name}: {actual:?}"));
        }
        Ok(())
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Every value of a query parameter, decoded, in order.
    pub fn query(&self, name: &str) -> Vec<String> {
        let Ok(url) = reqwest::Url::parse(&format!("http://fake{}", self.uri)) else {
            return Vec::new();
        };
        url.query_pairs()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .collect()
    }

    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("body is not JSON: {e}"))
    }

    /// The parts of a multipart/form-data body, read the way a server would.
    pub fn multipart(&self) -> Result<Vec<Part>, String> {
        let content_type = self.header("content-type").unwrap_or_default();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .ok_or_else(|| format!("content-type {content_type:?}"))?;
        let delimiter = format!("--{boundary}").into_bytes();
        let mut parts = Vec::new();
        for chunk in split(&self.body, &delimiter).into_iter().skip(1) {
            if chunk.starts_with(b"--") {
                break;
            }
            let chunk = chunk
                .strip_prefix(b"\r\n")
                .and_then(|c| c.strip_suffix(b"\r\n"))
                .ok_or("a part is not framed by CRLF")?;
            let split_at = find(chunk, b"\r\n\r\n").ok_or("a part has no header end")?;
            let head = String::from_utf8_lossy(&chunk[..split_at]).to_string();
            let body = chunk[split_at + 4..].to_vec();
            let mut part = Part {
                name: String::new(),
                filename: None,
                content_type: None,
                body,
            };
            for line in head.split("\r\n") {
                let (key, value) = line.split_once(':').ok_or("a header line without ':'")?;
                match key.trim().to_ascii_lowercase().as_str() {
                    "content-disposition" => {
                        part.name = quoted(value, "name").unwrap_or_default();
                        part.filename = quoted(value, "filename");
                    }
                    "content-type" => part.content_type = Some(value.trim().to_string()),
                    _ => {}
                }
            }
            parts.push(part);
        }
        Ok(parts)
    }
}

pub fn part<'a>(parts: &'a [Part], name: &str) -> Result<&'a Part, String> {
    parts
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("no {name} part"))
}

pub fn expect_text(parts: &[Part], name: &str, expected: &str) -> Result<(), String> {
    let actual = String::from_utf8_lossy(&part(parts, name)?.body).to_string();
    if actual != expected {
        return Err(format!("{name} is {actual:?}"));
    }
    Ok(())
}

fn quoted(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|field| {
        let (k, v) = field.trim().split_once('=')?;
        (k == key).then(|| v.trim_matches('"').to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    while let Some(at) = find(body, delimiter) {
        chunks.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    chunks.push(body);
    chunks
}

type Check = Box<dyn Fn(&Recorded) -> Result<(), String> + Send + Sync>;

struct Fake {
    check: Check,
    script: Mutex<VecDeque<Reply>>,
    default: Reply,
    hits: AtomicUsize,
    violations: Mutex<Vec<String>>,
}

pub struct Server {
    pub base: String,
    fake: Arc<Fake>,
}

impl Server {
    pub fn hits(&self) -> usize {
        self.fake.hits.load(Ordering::SeqCst)
    }

    pub fn violations(&self) -> Vec<String> {
        self.fake
            .violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Serves every path with one handler, so a wrong path is seen. `check` judges each request
/// (a violation is answered 400 and remembered); the answers are `script` in order, then `default`.
pub async fn serve(
    check: impl Fn(&Recorded) -> Result<(), String> + Send + Sync + 'static,
    script: Vec<Reply>,
    default: Reply,
) -> Server {
    let fake = Arc::new(Fake {
        check: Box::new(check),
        script: Mutex::new(script.into()),
        default,
        hits: AtomicUsize::new(0),
        violations: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(answer).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("address: {e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        base: format!("http://{address}"),
        fake,
    }
}

async fn answer(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let recorded = Recorded {
        method,
        uri,
        headers,
        body,
    };
    if let Err(violation) = (fake.check)(&recorded) {
        fake.violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(violation.clone());
        return (StatusCode::BAD_REQUEST, violation).into_response();
    }
    let reply = fake
        .script
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop_front()
        .unwrap_or_else(|| fake.default.clone());
    match reply {
        Reply::Ok { content_type, body } => {
            ([("content-type", content_type)], body).into_response()
        }
        Reply::Status { code, retry_after } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response =
                (status, "{\"error\":{\"message\":\"scripted failure\"}}").into_response();
            if let Some(value) = retry_after
                && let Ok(value) = value.parse()
            {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        Reply::Sleep(delay) => {
            tokio::time::sleep(delay).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}
