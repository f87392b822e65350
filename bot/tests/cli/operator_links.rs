//! Operator commands around reminders: `execora pay-link` and `execora whatsapp templates`
//! (printing, and submitting and reading status against a local fake Graph API that checks
//! what we send).

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use execora_engine::books::pay_links;
use execora_engine::store::Db;
use serde_json::{Value, json};

use crate::app::serve_locally;
use crate::{Sandbox, stderr, stdout};

const PUBLIC_URL: &str = "https://execora.example";
const WABA_ID: &str = "102290129340398";
const TOKEN: &str = "EAAG-template-token";

#[test]
fn a_pay_link_is_printed_for_a_customer_by_name_and_opens_that_customers_page() {
    let sandbox = Sandbox::new();
    let demo = sandbox.run(&["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let issued = sandbox
        .command()
        .env("PUBLIC_URL", format!("{PUBLIC_URL}/"))
        .args([
            "pay-link",
            "--merchant",
            "919800000001",
            "--customer",
            "Suresh",
        ])
        .output()
        .expect("execora runs");
    assert!(issued.status.success(), "{}", stderr(&issued));
    let url = stdout(&issued).trim().to_string();
    let token = url
        .strip_prefix(&format!("{PUBLIC_URL}/pay/"))
        .unwrap_or_else(|| panic!("a pay URL under PUBLIC_URL: {url}"))
        .to_string();
    assert_eq!(token.len(), pay_links::TOKEN_CHARS);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "URL-safe: {token}"
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let url = format!(
            "sqlite://{}",
            sandbox.dir.path().join("execora.db").display()
        );
        let db = Db::connect(&url).await.expect("the sandbox database");
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM pay_links")
            .fetch_all(db.pool())
            .await
            .expect("pay links");
        assert_eq!(stored.len(), 1);
        assert!(
            !stored[0].contains(&token),
            "only the token's hash is stored"
        );
        let issued_at: i64 = sqlx::query_scalar("SELECT created_at FROM pay_links")
            .fetch_one(db.pool())
            .await
            .expect("created");
        let view = pay_links::open(
            &db,
            &token,
            execora_engine::time::from_millis(issued_at + 1000),
        )
        .await
        .expect("open")
        .expect("the link opens");
        assert_eq!(view.customer_name, "Suresh Patel");
        assert_eq!(view.shop_name, "Sharma Kirana Store");
        db.close().await;
    });

    let unknown = sandbox.run(&[
        "pay-link",
        "--merchant",
        "919800000001",
        "--customer",
        "Zorawar",
    ]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no customer named 'Zorawar'"),
        "{}",
        stderr(&unknown)
    );
    let no_shop = sandbox.run(&[
        "pay-link",
        "--merchant",
        "919899999999",
        "--customer",
        "Suresh",
    ]);
    assert!(!no_shop.status.success());
    assert!(stderr(&no_shop).contains("no shop"), "{}", stderr(&no_shop));
}

/// Meta's message_templates endpoint on a local port: records every request; refuses to create
/// the template named in `refuse`; lists two pages of templates.
#[derive(Clone, Default)]
struct FakeTemplates {
    requests: Arc<Mutex<Vec<Recorded>>>,
    refuse: Option<&'static str>,
}

/// One request the fake received.
#[derive(Clone, Debug)]
struct Recorded {
    method: &'static str,
    waba: String,
    authorization: String,
    query: Value,
    body: Value,
}

fn authorization(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn create_template(
    State(fake): State<FakeTemplates>,
    Path(waba): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    let name = body["name"].as_str().unwrap_or_default().to_string();
    let count = {
        let mut requests = fake.requests.lock().expect("lock");
        requests.push(Recorded {
            method: "POST",
            waba,
            authorization: authorization(&headers),
            query: Value::Null,
            body,
        });
        requests.len()
    };
    if fake.refuse == Some(name.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "Invalid parameter", "type": "OAuthException",
                "code": 100, "error_user_msg": "body text has too many variables", "fbtrace_id": "x"}})),
        )
            .into_response();
    }
    Json(json!({"id": format!("9000{count}"), "status": "PENDING", "category": "UTILITY"}))
        .into_response()
}

async fn list_templates(
    State(fake): State<FakeTemplates>,
    Path(waba): Path<String>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let after = query.get("after").cloned();
    fake.requests.lock().expect("lock").push(Recorded {
        method: "GET",
        waba,
        authorization: authorization(&headers),
        query: json!(query),
        body: Value::Null,
    });
    match after.as_deref() {
        None => Json(json!({
            "data": [
                {"name": "payment_reminder", "language": "hi", "status": "APPROVED", "category": "UTILITY", "id": "1"},
                {"name": "payment_reminder_hinglish", "language": "en", "status": "REJECTED", "category": "UTILITY",
                 "rejected_reason": "INVALID_FORMAT", "id": "2"}
            ],
            "paging": {"cursors": {"before": "b0", "after": "c1"}, "next": "https://graph.example/next"}
        })),
        _ => Json(json!({
            "data": [
                {"name": "evening_digest", "language": "en", "status": "PENDING", "category": "UTILITY",
                 "rejected_reason": "NONE", "id": "3"}
            ],
            "paging": {"cursors": {"before": "c1", "after": "c2"}}
        })),
    }
}

impl FakeTemplates {
    async fn start(refuse: Option<&'static str>) -> (FakeTemplates, String) {
        let fake = FakeTemplates {
            refuse,
            ..FakeTemplates::default()
        };
        let app = axum::Router::new()
            .route(
                "/v25.0/{waba}/message_templates",
                axum::routing::post(create_template).get(list_templates),
            )
            .with_state(fake.clone());
        let address = serve_locally(app).await;
        (fake, format!("http://{address}/v25.0"))
    }
}

/// Runs execora with the template settings (pointed at `api_base`) off the async runtime.
async fn templates_command(
    api_base: &str,
    waba: Option<&str>,
    args: &[&str],
) -> std::process::Output {
    let sandbox = Sandbox::new();
    let mut command = sandbox.command();
    command
        .env("PUBLIC_URL", PUBLIC_URL)
        .env("WHATSAPP_API_BASE", api_base)
        .env("WHATSAPP_ACCESS_TOKEN", TOKEN)
        .env_remove("WHATSAPP_BUSINESS_ACCOUNT_ID")
        .args(["whatsapp", "templates"])
        .args(args);
    if let Some(waba) = waba {
        command.env("WHATSAPP_BUSINESS_ACCOUNT_ID", waba);
    }
    tokio::task::spawn_blocking(move || {
        let output = command.output().expect("execora runs");
        drop(sandbox);
        output
    })
    .await
    .expect("the command")
}

fn printed_definitions() -> Vec<Value> {
    let sandbox = Sandbox::new();
    let printed = sandbox
        .command()
        .env("PUBLIC_URL", PUBLIC_URL)
        .args(["whatsapp", "templates"])
        .output()
        .expect("execora runs");
    assert!(printed.status.success(), "{}", stderr(&printed));
    serde_json::from_str(&stdout(&printed)).expect("the templates as JSON")
}

#[test]
fn the_templates_are_printed_as_metas_api_takes_them_with_the_pay_button_under_public_url() {
    let all = printed_definitions();
    let names: Vec<(String, String)> = all
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_string(),
                t["language"].as_str().expect("language").to_string(),
            )
        })
        .collect();
    for wanted in [
        ("payment_reminder", "hi"),
        ("payment_reminder_hinglish", "en"),
        ("payment_reminder", "en"),
        ("evening_digest", "hi"),
        ("evening_digest_hinglish", "en"),
        ("evening_digest", "en"),
    ] {
        assert!(
            names.contains(&(wanted.0.to_string(), wanted.1.to_string())),
            "{wanted:?} in {names:?}"
        );
    }
    for template in &all {
        assert_eq!(template["category"], "UTILITY");
        if template["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("payment_reminder"))
        {
            let button = &template["components"][1]["buttons"][0];
            assert_eq!(button["type"], "URL");
            assert_eq!(button["url"], format!("{PUBLIC_URL}/pay/{{{{1}}}}"));
            assert!(
                button["example"][0]
                    .as_str()
                    .expect("example")
                    .starts_with(&format!("{PUBLIC_URL}/pay/"))
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_posts_every_template_to_the_business_account_with_the_bearer_token_and_names_a_refusal()
 {
    let (fake, api_base) = FakeTemplates::start(Some("evening_digest_hinglish")).await;
    let expected = printed_definitions();
    let output = templates_command(&api_base, Some(WABA_ID), &["--submit"]).await;
    assert!(!output.status.success(), "one template was refused");
    assert!(
        stderr(&output).contains("1 of 6 templates were refused"),
        "{}",
        stderr(&output)
    );
    let text = stdout(&output);
    assert!(
        text.contains("payment_reminder\thi\tsubmitted (id 90001, PENDING)"),
        "{text}"
    );
    assert!(
        text.contains("evening_digest_hinglish\ten\trefused:"),
        "{text}"
    );

    let requests = fake.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 6);
    for (request, definition) in requests.iter().zip(&expected) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.waba, WABA_ID);
        assert_eq!(request.authorization, format!("Bearer {TOKEN}"));
        assert_eq!(&request.body, definition, "sent exactly as printed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_every_page_of_templates_with_language_status_and_rejection_reason() {
    let (fake, api_base) = FakeTemplates::start(None).await;
    let output = templates_command(&api_base, Some(WABA_ID), &["--status"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "payment_reminder\thi\tAPPROVED\n\
         payment_reminder_hinglish\ten\tREJECTED\tINVALID_FORMAT\n\
         evening_digest\ten\tPENDING\n"
    );
    let requests = fake.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 2, "both pages");
    for request in &requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.waba, WABA_ID);
        assert_eq!(request.authorization, format!("Bearer {TOKEN}"));
        let fields = request.query["fields"].as_str().expect("fields");
        assert!(fields.contains("status") && fields.contains("language"));
    }
    assert_eq!(requests[0].query.get("after"), None);
    assert_eq!(requests[1].query["after"], "c1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_and_status_need_the_business_account_id_and_send_nothing_without_it() {
    let (fake, api_base) = FakeTemplates::start(None).await;
    for flag in ["--submit", "--status"] {
        let output = templates_command(&api_base, None, &[flag]).await;
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("WHATSAPP_BUSINESS_ACCOUNT_ID"),
            "{}",
            stderr(&output)
        );
    }
    assert!(fake.requests.lock().expect("lock").is_empty());
}
