//! The fallback against a local fake OpenAI-compatible server that checks what the real client sends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::DateTime;
use serde_json::{Value, json};

use super::{LlmConfig, LlmError, LlmParser, understand};
use crate::nlu::command::Command;

const KEY: &str = "sk-test-execora";

/// What the fake server answers.
#[derive(Clone)]
enum Answer {
    Content(String),
    Status(u16),
    Slow(Duration),
}

#[derive(Clone)]
struct Fake {
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

async fn completions(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    fake.requests.lock().expect("lock").push((headers, body));
    let answer = fake.answer.lock().expect("lock").clone();
    match answer {
        Answer::Status(code) => (StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "down").into_response(),
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Answer::Content(content) => Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]
        }))
        .into_response(),
    }
}

async fn fake_server(answer: Answer) -> (Fake, String) {
    let fake = Fake {
        answer: Arc::new(Mutex::new(answer)),
        requests: Arc::new(Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (fake, format!("http://{address}"))
}

fn parser(base: &str, timeout: Duration) -> LlmParser {
    LlmParser::new(LlmConfig {
        api_key: KEY.into(),
        base_url: Some(base.into()),
        model: "test-model".into(),
        timeout,
    })
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").expect("valid")
}

fn payment_answer() -> String {
    json!({"commands": [{"intent": "record_payment", "customer": "Rahul", "amount_paise": 20000, "mode": null, "note": null,
        "items": null, "at": null, "product": null, "qty": null, "unit": null, "price_paise": null, "phone": null, "date": null}]})
    .to_string()
}

#[tokio::test]
async fn the_request_carries_key_model_schema_text_and_now_and_the_answer_is_cached() {
    let (fake, base) = fake_server(Answer::Content(payment_answer())).await;
    let llm = parser(&base, Duration::from_secs(5));
    let parsed = llm
        .parse("Rahul bhai ka 200 aa gaya yaar", now())
        .await
        .expect("answer");
    assert_eq!(
        serde_json::to_value(&parsed).expect("json"),
        json!({"commands": [{"intent": "record_payment", "customer": "Rahul", "amount_paise": 20000}]}),
        "nulls are stripped to the contract"
    );
    {
        let requests = fake.requests.lock().expect("lock");
        let (headers, body) = &requests[0];
        assert_eq!(
            headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer sk-test-execora")
        );
        assert_eq!(body["model"], "test-model");
        assert_eq!(body["response_format"]["type"], "json_schema");
        assert_eq!(body["response_format"]["json_schema"]["strict"], true);
        assert_eq!(
            body["response_format"]["json_schema"]["schema"]["required"],
            json!(["commands"])
        );
        assert_eq!(body["messages"][1]["role"], "user");
        assert_eq!(
            body["messages"][1]["content"],
            "Rahul bhai ka 200 aa gaya yaar"
        );
        let system = body["messages"][0]["content"].as_str().unwrap_or_default();
        assert!(
            system.contains("2026-11-22T10:00:00+05:30") && system.contains("Sunday"),
            "{system}"
        );
    }
    // The same words, differently spaced and punctuated, come from the cache.
    let again = llm
        .parse("  rahul bhai ka 200 aa gaya YAAR! ", now())
        .await
        .expect("cached");
    assert_eq!(again, parsed);
    assert_eq!(fake.requests.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn answers_with_times_are_not_cached() {
    let answer = json!({"commands": [{"intent": "daily_summary", "customer": null, "amount_paise": null, "mode": null,
        "note": null, "items": null, "at": null, "product": null, "qty": null, "unit": null, "price_paise": null,
        "phone": null, "date": "2026-11-22"}]});
    let (fake, base) = fake_server(Answer::Content(answer.to_string())).await;
    let llm = parser(&base, Duration::from_secs(5));
    llm.parse("aaj ka dhandha kaisa raha", now())
        .await
        .expect("first");
    llm.parse("aaj ka dhandha kaisa raha", now())
        .await
        .expect("second");
    assert_eq!(fake.requests.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn bad_answers_and_failures_are_errors() {
    let negative = json!({"commands": [{"intent": "record_payment", "customer": "Rahul", "amount_paise": -500}]});
    let wrong_shape = json!({"commands": [{"intent": "record_payment", "customer": "Rahul"}]});
    let empty = json!({"commands": []});
    for answer in [
        Answer::Content("this is not json".into()),
        Answer::Content(negative.to_string()),
        Answer::Content(wrong_shape.to_string()),
        Answer::Content(empty.to_string()),
        Answer::Status(500),
        Answer::Slow(Duration::from_secs(3)),
    ] {
        let (_, base) = fake_server(answer).await;
        let llm = parser(&base, Duration::from_millis(500));
        let result = llm.parse("kuch gadbad wala sentence xyz", now()).await;
        assert!(result.is_err(), "{result:?}");
        // And `understand` keeps the rules' answer.
        let understood = understand("kuch gadbad wala sentence xyz", now(), Some(&llm)).await;
        assert_eq!(understood.commands, vec![Command::Unknown]);
    }
    let (_, base) = fake_server(Answer::Slow(Duration::from_secs(3))).await;
    let llm = parser(&base, Duration::from_millis(200));
    assert!(matches!(
        llm.parse("xyz", now()).await,
        Err(LlmError::Timeout(_))
    ));
}

#[tokio::test]
async fn only_unsure_rule_parses_reach_the_model() {
    let (fake, base) = fake_server(Answer::Content(payment_answer())).await;
    let llm = parser(&base, Duration::from_secs(5));
    let sure = understand("Suresh ne 500 UPI kiya", now(), Some(&llm)).await;
    assert!(
        matches!(sure.commands.as_slice(), [Command::RecordPayment { customer, .. }] if customer == "Suresh")
    );
    assert_eq!(
        fake.requests.lock().expect("lock").len(),
        0,
        "confident rules never call the model"
    );
    let unsure = understand("mausam kaisa hai", now(), Some(&llm)).await;
    assert!(matches!(
        unsure.commands.as_slice(),
        [Command::RecordPayment { .. }]
    ));
    assert_eq!(fake.requests.lock().expect("lock").len(), 1);
    // No model configured: no network, the rules' answer.
    assert_eq!(
        understand("mausam kaisa hai", now(), None).await.commands,
        vec![Command::Unknown]
    );
}
