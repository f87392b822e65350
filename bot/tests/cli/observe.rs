//! What an operator sees of a running service: JSON log lines on stdout that carry the request's
//! id, and never a secret or a merchant's words.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use execora_bot::whatsapp::signature::sign;
use serde_json::Value;

use crate::app::{FakeGraph, PHONE_NUMBER_ID, SECRET, TOKEN};
use crate::{KillOnDrop, Sandbox, stderr, text_webhook};

const PANEL_SECRET: &str = "panel-secret-0123456789abcdef0123456789";
const SHOP_PHONE: &str = "919812345671";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_request_ids_and_never_secrets_or_message_words() {
    let sandbox = Sandbox::new();
    let added = sandbox.run(&[
        "merchant",
        "add",
        "--name",
        "Gupta Kirana",
        "--phone",
        SHOP_PHONE,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let graph = FakeGraph::start().await;
    let child = sandbox
        .command()
        .args(["serve"])
        .env("PORT", "0")
        .env("RUST_LOG", "info")
        .env("EXECORA_LOG_FORMAT", "json")
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_ACCESS_TOKEN", TOKEN)
        .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("WHATSAPP_VERIFY_TOKEN", "verify-observe-token")
        .env("WHATSAPP_API_BASE", graph.api_base())
        .env("EXECORA_PANEL_SECRET", PANEL_SECRET)
        .env("EXECORA_METRICS_PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // Killed if the test fails before it stops the server itself.
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut base, mut metrics_base) = (None, None);
    while base.is_none() || metrics_base.is_none() {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("the server logs where it listens:\n{}", log.join("\n")));
        // "… on http://127.0.0.1:PORT …" → "http://127.0.0.1:PORT"
        let address_after = |marker: &str| {
            line.find(marker).map(|at| {
                let rest = &line[at + marker.len()..];
                let end = rest.find([' ', '"', '/']).unwrap_or(rest.len());
                format!("http://{}", &rest[..end])
            })
        };
        base = base.or(address_after("listening on http://"));
        metrics_base = metrics_base.or(address_after("metrics on http://"));
        log.push(line);
    }
    let (base, metrics_base) = (base.unwrap_or_default(), metrics_base.unwrap_or_default());

    let body = text_webhook(
        SHOP_PHONE,
        "wamid.OBSERVE1",
        "Zanzibarwala Quixotic ne 7319 rupaye diye",
    );
    let client = reqwest::Client::new();
    let answered = client
        .post(format!("{base}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", sign(&body, SECRET))
        .body(body)
        .send()
        .await
        .expect("webhook answered");
    assert_eq!(answered.status(), 200);
    let request_id = answered
        .headers()
        .get("x-request-id")
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(!request_id.is_empty(), "every response names its request");
    let forged = client
        .post(format!("{base}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", "sha256=00")
        .header("x-request-id", "proxy-given-id-42")
        .body(text_webhook(
            SHOP_PHONE,
            "wamid.OBSERVE2",
            "Zanzibarwala forged",
        ))
        .send()
        .await
        .expect("answered");
    assert_eq!(forged.status(), 401);
    assert_eq!(
        forged.headers()["x-request-id"],
        "proxy-given-id-42",
        "an id the proxy set is kept"
    );
    let _ = client
        .get(format!("{base}/pay/secret-looking-pay-token-123"))
        .send()
        .await
        .expect("answered");
    let replied = Instant::now() + Duration::from_secs(20);
    while graph.sent().is_empty() {
        assert!(Instant::now() < replied, "no reply reached the Graph API");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (public_metrics, metrics_page) = (
        client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("answered"),
        client
            .get(format!("{metrics_base}/metrics"))
            .send()
            .await
            .expect("metrics answered"),
    );
    assert_eq!(
        public_metrics.status(),
        404,
        "metrics stay off the public port"
    );
    assert_eq!(metrics_page.status(), 200);
    let page = metrics_page.text().await.expect("page");
    for expected in [
        r#"execora_webhook_events_total{outcome="accepted"} 1"#,
        r#"execora_webhook_events_total{outcome="bad_signature"} 1"#,
        r#"execora_messages_sent_total{status="sent"} 1"#,
        r#"execora_http_request_seconds_bucket{route="/webhooks/whatsapp",method="POST",status="200""#,
        r#"execora_http_request_seconds_count{route="/pay/{token}""#,
        r#"execora_queue_depth{queue="inbound"} 0"#,
        r#"execora_queue_oldest_age_seconds{queue="outbound"} 0"#,
        r#"execora_parses_total{path="#,
        "execora_dead_messages 0",
    ] {
        assert!(page.contains(expected), "{expected} missing from:\n{page}");
    }
    assert!(!page.contains("secret-looking-pay-token-123"), "{page}");

    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let status = child.0.wait().expect("exits");
    assert!(status.success());
    log.extend(lines_rx.iter());

    let text = log.join("\n");
    for secret in [
        SECRET,
        TOKEN,
        PANEL_SECRET,
        "verify-observe-token",
        "Zanzibarwala",
        "Quixotic",
        "7319",
        "secret-looking-pay-token-123",
    ] {
        assert!(!text.contains(secret), "the log shows '{secret}':\n{text}");
    }
    let mut request_lines = 0;
    for line in &log {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|_| panic!("every stdout line is JSON: {line}"));
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
        let spans = value["spans"].as_array().cloned().unwrap_or_default();
        if let Some(request) = spans.iter().find(|span| span["name"] == "request") {
            request_lines += 1;
            assert!(
                request["request_id"]
                    .as_str()
                    .is_some_and(|id| !id.is_empty()),
                "{line}"
            );
        }
    }
    assert!(
        request_lines > 0,
        "the refused webhook was logged within its request:\n{text}"
    );
    assert!(
        text.contains("wamid.OBSERVE1"),
        "the worker's lines name the WhatsApp message:\n{text}"
    );
}
