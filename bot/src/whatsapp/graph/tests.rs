//! Drives the real client against a local fake Graph API that checks every request like Meta would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

const TOKEN: &str = "EAAGsecretTOKEN0123456789";
const PHONE_ID: &str = "106540352242922";
const MEDIA_ID: &str = "1013859600285441";
const VOICE_BYTES: &[u8] = b"OggS\x00\x02opus-voice-note";

#[derive(Debug, Clone, Default)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    content_type: Option<String>,
    json: Option<Value>,
    parts: Vec<SeenPart>,
}

#[derive(Debug, Clone)]
struct SeenPart {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

struct Canned {
    status: StatusCode,
    content_type: &'static str,
    body: String,
}

#[derive(Default)]
struct FakeState {
    base: String,
    seen: Mutex<Vec<Seen>>,
    canned: Mutex<Option<Canned>>,
    redirect_to: Mutex<Option<String>>,
}

struct FakeGraph {
    base: String,
    state: Arc<FakeState>,
}

impl FakeGraph {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(FakeState {
            base: format!("http://{addr}"),
            ..FakeState::default()
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    fn client(&self) -> GraphClient {
        GraphClient::new(config(&self.base)).expect("client")
    }

    fn answer(&self, status: u16, content_type: &'static str, body: &str) {
        *self.state.canned.lock().expect("lock") = Some(Canned {
            status: StatusCode::from_u16(status).expect("status"),
            content_type,
            body: body.to_owned(),
        });
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").clone()
    }

    fn last(&self) -> Seen {
        self.seen().pop().expect("a request reached the fake")
    }
}

fn config(base: &str) -> GraphConfig {
    GraphConfig {
        api_base: base.to_owned(),
        access_token: TOKEN.to_owned(),
        phone_number_id: PHONE_ID.to_owned(),
        timeout: Duration::from_secs(5),
    }
}

fn meta_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}});
    (status, axum::Json(body)).into_response()
}

/// Behaves like graph.facebook.com for the endpoints the client uses, rejecting what Meta would.
async fn handle(State(state): State<Arc<FakeState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let header = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        authorization: header(header::AUTHORIZATION),
        content_type: header(header::CONTENT_TYPE),
        ..Seen::default()
    };
    let body = axum::body::to_bytes(body, 4 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let content_type = seen.content_type.clone().unwrap_or_default();
    if content_type.starts_with("application/json") {
        seen.json = serde_json::from_slice(&body).ok();
    }
    if let Some(boundary) = content_type.strip_prefix("multipart/form-data; boundary=") {
        seen.parts = parse_multipart(&body, boundary);
    }
    state.seen.lock().expect("lock").push(seen.clone());

    if seen.authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return meta_error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    if let Some(canned) = state.canned.lock().expect("lock").take() {
        return (
            canned.status,
            [(header::CONTENT_TYPE, canned.content_type)],
            canned.body,
        )
            .into_response();
    }

    let messages_path = format!("/{PHONE_ID}/messages");
    let media_path = format!("/{PHONE_ID}/media");
    let info_path = format!("/{MEDIA_ID}");
    match (&parts.method, seen.path.as_str()) {
        (&Method::POST, p) if p == messages_path => {
            let Some(json) = seen.json else {
                return meta_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter");
            };
            if json["status"] == "read" {
                return axum::Json(json!({"success": true})).into_response();
            }
            let to = json["to"].as_str().unwrap_or_default();
            axum::Json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to.trim_start_matches('+')}],
                "messages": [{"id": "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQUFBQQ=="}],
            }))
            .into_response()
        }
        (&Method::POST, p) if p == media_path => {
            if seen.parts.iter().all(|part| part.name != "file") {
                return meta_error(StatusCode::BAD_REQUEST, 100, "file is required");
            }
            axum::Json(json!({"id": MEDIA_ID})).into_response()
        }
        (&Method::GET, p) if p == info_path => axum::Json(json!({
            "messaging_product": "whatsapp",
            "url": format!("{}/files/voice.ogg", state.base),
            "mime_type": "audio/ogg",
            "sha256": "c0ffee",
            "file_size": VOICE_BYTES.len().to_string(),
            "id": MEDIA_ID,
        }))
        .into_response(),
        (&Method::GET, "/files/voice.ogg") => (
            [(header::CONTENT_TYPE, "audio/ogg")],
            Bytes::from_static(VOICE_BYTES),
        )
            .into_response(),
        (&Method::GET, "/files/big") => (
            [(header::CONTENT_TYPE, "audio/ogg")],
            vec![7u8; 1024 * 1024],
        )
            .into_response(),
        (&Method::GET, "/files/redirect") => {
            let target = state.redirect_to.lock().expect("lock").clone();
            match target {
                Some(target) => Response::builder()
                    .status(StatusCode::TEMPORARY_REDIRECT)
                    .header(header::LOCATION, target)
                    .body(Body::empty())
                    .unwrap_or_default(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
        (&Method::GET, "/slow") => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::OK.into_response()
        }
        _ => meta_error(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported request - method type or path",
        ),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Just enough of RFC 7578 to see exactly which parts and part headers the client sent.
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<SeenPart> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, delimiter.as_bytes()) else {
            break;
        };
        let part = rest[..end]
            .strip_prefix(b"\r\n")
            .and_then(|p| p.strip_suffix(b"\r\n"))
            .unwrap_or(&rest[..end]);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]).to_string();
        let mut seen = SeenPart {
            name: String::new(),
            file_name: None,
            content_type: None,
            data: part[split + 4..].to_vec(),
        };
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for attr in line.split(';').map(str::trim) {
                    if let Some(v) = attr.strip_prefix("name=") {
                        seen.name = v.trim_matches('"').to_owned();
                    } else if let Some(v) = attr.strip_prefix("filename=") {
                        seen.file_name = Some(v.trim_matches('"').to_owned());
                    }
                }
            } else if lower.starts_with("content-type:") {
                seen.content_type = Some(line["content-type:".len()..].trim().to_owned());
            }
        }
        parts.push(seen);
        rest = &rest[end..];
    }
    parts
}

fn assert_message_request(seen: &Seen) {
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, format!("/{PHONE_ID}/messages"));
    assert_eq!(
        seen.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn text_send_returns_wamid() {
    let fake = FakeGraph::start().await;
    let content = OutboundContent::Text {
        body: "Ramesh ka udhaar ₹500 likh liya".into(),
        preview_url: false,
    };
    let sent = fake
        .client()
        .send("919876543210", &content, Some("wamid.INBOUND"))
        .await
        .expect("send");
    assert_eq!(sent.wamid, "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQUFBQQ==");
    assert_eq!(sent.wa_id.as_deref(), Some("919876543210"));
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919876543210",
            "type": "text",
            "text": {"preview_url": false, "body": "Ramesh ka udhaar ₹500 likh liya"},
            "context": {"message_id": "wamid.INBOUND"},
        }))
    );
}

#[tokio::test]
async fn buttons_json() {
    let fake = FakeGraph::start().await;
    let content = OutboundContent::Buttons {
        body: "Save ₹500 credit for Ramesh?".into(),
        buttons: vec![
            ReplyButton {
                id: "save:42".into(),
                title: "Save".into(),
            },
            ReplyButton {
                id: "cancel:42".into(),
                title: "Cancel".into(),
            },
        ],
        footer: Some("Execora".into()),
    };
    fake.client()
        .send("919876543210", &content, None)
        .await
        .expect("send");
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919876543210",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Save ₹500 credit for Ramesh?"},
                "footer": {"text": "Execora"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "save:42", "title": "Save"}},
                    {"type": "reply", "reply": {"id": "cancel:42", "title": "Cancel"}},
                ]},
            },
        }))
    );
}

#[tokio::test]
async fn tagged_template_with_a_url_button_json() {
    let fake = FakeGraph::start().await;
    let content = OutboundContent::Template {
        name: "payment_reminder".into(),
        language: "en".into(),
        body_parameters: vec!["Rahul".into(), "Gupta Kirana".into(), "₹500".into()],
        quick_reply_payloads: vec![],
        url_button: Some("5Jq0nCw2sXgT8bVd3fLk9RzYm1uPaH7eQiN4oW6tKjE".into()),
    };
    fake.client()
        .send_tagged("919876543210", &content, "execora-reminder:1:2")
        .await
        .expect("send");
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919876543210",
            "type": "template",
            "biz_opaque_callback_data": "execora-reminder:1:2",
            "template": {
                "name": "payment_reminder",
                "language": {"code": "en", "policy": "deterministic"},
                "components": [
                    {"type": "body", "parameters": [
                        {"type": "text", "text": "Rahul"},
                        {"type": "text", "text": "Gupta Kirana"},
                        {"type": "text", "text": "₹500"},
                    ]},
                    {"type": "button", "sub_type": "url", "index": "0",
                     "parameters": [{"type": "text", "text": "5Jq0nCw2sXgT8bVd3fLk9RzYm1uPaH7eQiN4oW6tKjE"}]},
                ],
            },
        }))
    );
    let refused = fake
        .client()
        .send_tagged("919876543210", &content, "")
        .await
        .expect_err("empty callback data");
    assert!(matches!(refused, GraphError::Invalid(_)), "{refused:?}");
    let spaced = OutboundContent::Template {
        name: "payment_reminder".into(),
        language: "en".into(),
        body_parameters: vec!["Rahul".into(), "Gupta Kirana".into(), "₹500".into()],
        quick_reply_payloads: vec![],
        url_button: Some("a b".into()),
    };
    assert!(matches!(
        GraphClient::validate(&spaced),
        Err(GraphError::Invalid(_))
    ));
}

#[tokio::test]
async fn an_authentication_code_goes_in_the_body_and_the_copy_code_button() {
    let fake = FakeGraph::start().await;
    let content = OutboundContent::AuthenticationCode {
        name: "execora_login".into(),
        language: "en".into(),
        code: "042917".into(),
    };
    fake.client()
        .send("919876543210", &content, None)
        .await
        .expect("send");
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919876543210",
            "type": "template",
            "template": {
                "name": "execora_login",
                "language": {"code": "en", "policy": "deterministic"},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": "042917"}]},
                    {"type": "button", "sub_type": "url", "index": "0",
                     "parameters": [{"type": "text", "text": "042917"}]},
                ],
            },
        }))
    );
    for (name, code) in [
        ("Execora Login", "042917"),
        ("execora_login", ""),
        ("execora_login", "04 29"),
        ("execora_login", "0123456789012345"),
    ] {
        let bad = OutboundContent::AuthenticationCode {
            name: name.into(),
            language: "en".into(),
            code: code.into(),
        };
        assert!(GraphClient::validate(&bad).is_err(), "{name} {code:?}");
    }
}

#[tokio::test]
async fn template_json() {
    let fake = FakeGraph::start().await;
    let content = OutboundContent::Template {
        name: "udhaar_reminder".into(),
        language: "hi".into(),
        body_parameters: vec!["Ramesh".into(), "₹500".into()],
        quick_reply_payloads: vec!["paid:42".into(), "later:42".into()],
        url_button: None,
    };
    fake.client()
        .send("919876543210", &content, None)
        .await
        .expect("send");
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919876543210",
            "type": "template",
            "template": {
                "name": "udhaar_reminder",
                "language": {"code": "hi", "policy": "deterministic"},
                "components": [
                    {"type": "body", "parameters": [
                        {"type": "text", "text": "Ramesh"},
                        {"type": "text", "text": "₹500"},
                    ]},
                    {"type": "button", "sub_type": "quick_reply", "index": "0",
                     "parameters": [{"type": "payload", "payload": "paid:42"}]},
                    {"type": "button", "sub_type": "quick_reply", "index": "1",
                     "parameters": [{"type": "payload", "payload": "later:42"}]},
                ],
            },
        }))
    );
}

#[tokio::test]
async fn voice_json() {
    let fake = FakeGraph::start().await;
    let content = OutboundContent::Voice {
        media_id: MEDIA_ID.into(),
    };
    fake.client()
        .send("919876543210", &content, None)
        .await
        .expect("send");
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919876543210",
            "type": "audio",
            "audio": {"id": MEDIA_ID, "voice": true},
        }))
    );
}

#[tokio::test]
async fn mark_read_with_typing() {
    let fake = FakeGraph::start().await;
    fake.client()
        .mark_read("wamid.INBOUND", true)
        .await
        .expect("mark read");
    let seen = fake.last();
    assert_message_request(&seen);
    assert_eq!(
        seen.json,
        Some(json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.INBOUND",
            "typing_indicator": {"type": "text"},
        }))
    );
}

#[tokio::test]
async fn upload_is_multipart_with_typed_file() {
    let fake = FakeGraph::start().await;
    let id = fake
        .client()
        .upload_media(Bytes::from_static(VOICE_BYTES), "audio/ogg", "voice.ogg")
        .await
        .expect("upload");
    assert_eq!(id, MEDIA_ID);
    let seen = fake.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, format!("/{PHONE_ID}/media"));
    assert_eq!(
        seen.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(
        seen.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("multipart/form-data; boundary=")),
        "content type {:?}",
        seen.content_type
    );
    let part = |name: &str| {
        seen.parts
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no {name} part in {:?}", seen.parts))
    };
    assert_eq!(part("messaging_product").data, b"whatsapp");
    assert_eq!(part("type").data, b"audio/ogg");
    let file = part("file");
    assert_eq!(file.file_name.as_deref(), Some("voice.ogg"));
    assert_eq!(file.content_type.as_deref(), Some("audio/ogg"));
    assert_eq!(file.data, VOICE_BYTES);
    assert_eq!(seen.parts.len(), 3);
}

#[tokio::test]
async fn media_info_then_download_with_bearer() {
    let fake = FakeGraph::start().await;
    let client = fake.client();
    let info = client.media_info(MEDIA_ID).await.expect("media info");
    let first = fake.last();
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, format!("/{MEDIA_ID}"));
    assert_eq!(
        first.query.as_deref(),
        Some(format!("phone_number_id={PHONE_ID}").as_str())
    );
    assert_eq!(
        info,
        MediaInfo {
            url: format!("{}/files/voice.ogg", fake.base),
            mime_type: "audio/ogg".into(),
            sha256: Some("c0ffee".into()),
            file_size: Some(VOICE_BYTES.len() as u64),
        }
    );

    let bytes = client.download(&info.url, 1024).await.expect("download");
    assert_eq!(&bytes[..], VOICE_BYTES);
    let second = fake.last();
    assert_eq!(second.path, "/files/voice.ogg");
    assert_eq!(
        second.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn download_refuses_declared_oversize_body() {
    let fake = FakeGraph::start().await;
    let err = fake
        .client()
        .download(&format!("{}/files/big", fake.base), 64 * 1024)
        .await
        .expect_err("must refuse");
    assert!(
        matches!(err, GraphError::TooLarge { limit: 65536 }),
        "{err:?}"
    );
}

/// A hand-written HTTP/1.1 server that streams `total` bytes chunked, with no Content-Length,
/// so only the client's running count can stop it. Returns its URL and the request head it saw.
async fn chunked_server(total: usize) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return String::new();
        };
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match socket.read(&mut byte).await {
                Ok(1) => head.push(byte[0]),
                _ => return String::from_utf8_lossy(&head).to_string(),
            }
        }
        let chunk = vec![0x4fu8; 16 * 1024];
        let mut out = Vec::new();
        out.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nContent-Type: audio/ogg\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        let mut sent = 0;
        while sent < total {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(&chunk);
            out.extend_from_slice(b"\r\n");
            // Writing fails once the client hangs up early, which is exactly what we want.
            if socket.write_all(&out).await.is_err() {
                break;
            }
            out.clear();
            sent += chunk.len();
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
        String::from_utf8_lossy(&head).to_string()
    });
    (format!("http://{addr}/media/big.ogg"), task)
}

#[tokio::test]
async fn download_refuses_streamed_oversize_body() {
    let (url, server) = chunked_server(1024 * 1024).await;
    let client = GraphClient::new(config("http://127.0.0.1:9")).expect("client");
    let err = client
        .download(&url, 64 * 1024)
        .await
        .expect_err("must refuse");
    assert!(
        matches!(err, GraphError::TooLarge { limit: 65536 }),
        "{err:?}"
    );
    let head = server.await.expect("server task").to_ascii_lowercase();
    assert!(head.starts_with("get /media/big.ogg http/1.1"), "{head}");
    assert!(
        head.contains(&format!(
            "authorization: bearer {}",
            TOKEN.to_ascii_lowercase()
        )),
        "{head}"
    );

    // The same stream under the limit arrives whole.
    let (url, _server) = chunked_server(64 * 1024).await;
    let bytes = client.download(&url, 64 * 1024).await.expect("download");
    assert_eq!(bytes.len(), 64 * 1024);
}

#[tokio::test]
async fn redirect_to_another_host_drops_the_token() {
    let origin = FakeGraph::start().await;
    let other = FakeGraph::start().await;
    *origin.state.redirect_to.lock().expect("lock") =
        Some(format!("{}/files/voice.ogg", other.base));
    let err = origin
        .client()
        .download(&format!("{}/files/redirect", origin.base), 1024)
        .await
        .expect_err("the other host must see no token");
    assert_eq!(err.class(), ErrorClass::Auth);
    let seen = other.last();
    assert_eq!(seen.path, "/files/voice.ogg");
    assert_eq!(seen.authorization, None);
}

async fn send_error(status: u16, content_type: &'static str, body: &str) -> GraphError {
    let fake = FakeGraph::start().await;
    fake.answer(status, content_type, body);
    let content = OutboundContent::Text {
        body: "hello".into(),
        preview_url: false,
    };
    fake.client()
        .send("919876543210", &content, None)
        .await
        .expect_err("fake answered with an error")
}

fn meta_body(code: i64, message: &str, details: &str) -> String {
    json!({"error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "A1b2C3d4",
    }})
    .to_string()
}

#[tokio::test]
async fn error_classes_from_meta_bodies() {
    let cases = [
        (
            130429,
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
            ErrorClass::Retry,
        ),
        (
            131056,
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
            ErrorClass::RecipientThrottled,
        ),
        (
            131047,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            ErrorClass::NeedsTemplate,
        ),
        (
            131026,
            "Message undeliverable.",
            "Unable to deliver message.",
            ErrorClass::Permanent,
        ),
    ];
    for (code, message, details, class) in cases {
        let err = send_error(400, "application/json", &meta_body(code, message, details)).await;
        assert_eq!(err.class(), class, "{err:?}");
        assert_eq!(err.code(), Some(code));
        match err {
            GraphError::Api {
                http_status,
                message: m,
                details: d,
                ..
            } => {
                assert_eq!(http_status, 400);
                assert_eq!(m, message);
                assert_eq!(d.as_deref(), Some(details));
            }
            other => panic!("expected Api, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn expired_token_is_auth() {
    let body = r#"{"error":{"message":"Error validating access token: Session has expired on Friday, 11-Sep-26 04:00:00 PDT.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A1b2C3d4"}}"#;
    let err = send_error(401, "application/json", body).await;
    assert_eq!(err.class(), ErrorClass::Auth);
    assert_eq!(err.code(), Some(190));

    // A wrong token reaches the fake, which refuses it like Meta does.
    let fake = FakeGraph::start().await;
    let mut cfg = config(&fake.base);
    cfg.access_token = "EAAGwrong".into();
    let client = GraphClient::new(cfg).expect("client");
    let err = client
        .mark_read("wamid.X", false)
        .await
        .expect_err("bad token");
    assert_eq!(err.class(), ErrorClass::Auth);
}

#[tokio::test]
async fn html_503_is_retry() {
    let err = send_error(
        503,
        "text/html",
        "<html><body><h1>503 Service Unavailable</h1></body></html>",
    )
    .await;
    assert!(matches!(err, GraphError::Http { status: 503 }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Retry);
    assert_eq!(err.code(), None);
}

#[tokio::test]
async fn unexpected_success_body_is_decode() {
    let err = send_error(
        200,
        "application/json",
        r#"{"messaging_product":"whatsapp"}"#,
    )
    .await;
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Permanent);
}

#[tokio::test]
async fn connection_refused_is_retry() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = GraphClient::new(config(&format!("http://{addr}"))).expect("client");
    let err = client
        .mark_read("wamid.X", false)
        .await
        .expect_err("nothing listens");
    // Nothing was written, and the error says so: safe to send again without a duplicate.
    assert!(matches!(err, GraphError::Connect(_)), "{err:?}");
    assert!(err.proves_nothing_sent());
    assert_eq!(err.class(), ErrorClass::Retry);
    let text = err.to_string();
    // The cause sits deep in reqwest's source chain; operators need it in the message.
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(!text.contains(TOKEN));
}

#[tokio::test]
async fn timeout_is_retry() {
    let fake = FakeGraph::start().await;
    let mut cfg = config(&fake.base);
    cfg.timeout = Duration::from_millis(200);
    let client = GraphClient::new(cfg).expect("client");
    let err = client
        .download(&format!("{}/slow", fake.base), 1024)
        .await
        .expect_err("times out");
    assert!(matches!(err, GraphError::Transport(_)), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Retry);
    // The request went out: it may have been taken, so it proves nothing.
    assert!(!err.proves_nothing_sent());
}

#[tokio::test]
async fn invalid_content_is_refused_before_any_request() {
    let fake = FakeGraph::start().await;
    let client = fake.client();
    let four = OutboundContent::Buttons {
        body: "Pick".into(),
        buttons: (0..4)
            .map(|i| ReplyButton {
                id: format!("b{i}"),
                title: format!("Option {i}"),
            })
            .collect(),
        footer: None,
    };
    let err = client
        .send("919876543210", &four, None)
        .await
        .expect_err("4 buttons");
    assert!(matches!(err, GraphError::Invalid(_)));
    assert_eq!(err.class(), ErrorClass::Permanent);
    let text = OutboundContent::Text {
        body: "hi".into(),
        preview_url: false,
    };
    for bad_to in ["", "98765", "91-98765-43210", "++919876543210"] {
        let err = client.send(bad_to, &text, None).await.expect_err(bad_to);
        assert!(matches!(err, GraphError::Invalid(_)), "{bad_to}");
    }
    assert!(matches!(
        client.media_info("1/../../me").await,
        Err(GraphError::Invalid(_))
    ));
    assert!(matches!(
        client.download("https://", 10).await,
        Err(GraphError::Invalid(_))
    ));
    // The token must never go to a plain-HTTP host off this machine.
    assert!(matches!(
        client.download("http://lookaside.fbsbx.com/x", 10).await,
        Err(GraphError::Invalid(_))
    ));
    assert!(matches!(
        client
            .upload_media(Bytes::from_static(b"x"), "audio/ogg", "a/b.ogg")
            .await,
        Err(GraphError::Invalid(_))
    ));
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
}

#[test]
fn config_is_checked() {
    let mut cfg = config("http://graph.facebook.com/v25.0");
    assert!(matches!(
        GraphClient::new(cfg.clone()),
        Err(GraphError::Invalid(_))
    ));
    cfg.api_base = "https://graph.facebook.com/v25.0/".into();
    assert!(GraphClient::new(cfg.clone()).is_ok());
    cfg.access_token = "bad\ntoken".into();
    match GraphClient::new(cfg.clone()) {
        Err(GraphError::Invalid(reason)) => assert!(!reason.contains("bad")),
        other => panic!("expected Invalid, got {other:?}"),
    }
    cfg.access_token = TOKEN.into();
    cfg.phone_number_id = "123/456".into();
    assert!(matches!(GraphClient::new(cfg), Err(GraphError::Invalid(_))));
}

#[test]
fn debug_never_prints_the_token() {
    let cfg = config("https://graph.facebook.com/v25.0");
    let client = GraphClient::new(cfg.clone()).expect("client");
    for text in [
        format!("{cfg:?}"),
        format!("{cfg:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
        assert!(text.contains(PHONE_ID), "{text}");
    }
}
