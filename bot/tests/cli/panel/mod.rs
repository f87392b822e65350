//! The shop's panel through the real service, on SQLite and PostgreSQL: a browser that keeps
//! cookies and reads forms, and what the login and page tests share.

use std::collections::HashMap;
use std::sync::Arc;

use execora_engine::books::{
    self, Books, NewCustomer, NewMerchant, NewProduct, Origin, Role, Source,
};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::reply::Locale;
use execora_engine::time::ManualClock;
use reqwest::header::HeaderMap;

use crate::app::{
    Database, MERCHANT_PHONE, Setup, TestApp, clock, serve_at as serve, spawn_app_with,
};
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Database::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Database::Postgres).await;
                }
            )*
        }
    };
}

mod bookkeeping;
mod browser;
mod login;
mod pages;
mod rights;
// Conversations, chat, settings and the operator's pages.
mod chat;
mod conversations;
mod operators;
mod settings;
mod settings_policy;

/// A browser: keeps cookies, never follows redirects (the tests look at them).
struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

/// An answer: status, headers, body.
struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of the hidden input `name` (the first one).
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} field in {}", self.body))
            + marker.len();
        let end = start + self.body[start..].find('"').expect("end of value");
        self.body[start..end].to_string()
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_string())
            .collect()
    }
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                name,
                percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for line in headers.get_all("set-cookie") {
            let line = line.to_str().expect("ascii");
            let pair = line.split(';').next().expect("pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let body = response.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("accept-language", "en-IN,en;q=0.8")
            .send()
            .await
            .expect("response");
        self.read(response).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("accept-language", "en-IN,en;q=0.8")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(fields))
            .send()
            .await
            .expect("response");
        self.read(response).await
    }

    /// Asks for a code for `phone`; the answer to the phone form.
    async fn ask_code(&mut self, phone: &str) -> Page {
        let form = self.get("/panel/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.hidden("csrf");
        self.post("/panel/login", &[("phone", phone), ("csrf", &csrf)])
            .await
    }

    /// Enters `code` on the code form.
    async fn enter_code(&mut self, code: &str) -> Page {
        let form = self.get("/panel/login/code").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.hidden("csrf");
        self.post("/panel/login/code", &[("code", code), ("csrf", &csrf)])
            .await
    }

    /// Logs in as `phone` with the code from the outbox; the answer to the code form.
    async fn log_in(&mut self, app: &TestApp, phone: &str) -> Page {
        let asked = self.ask_code(phone).await;
        assert_eq!(asked.status, 303, "{}", asked.body);
        let code = last_code(app, phone).await;
        self.enter_code(&code).await
    }
}

/// The code in the newest login-code message to `phone`.
async fn last_code(app: &TestApp, phone: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body FROM messages WHERE direction = 'out' AND kind = 'login_code' AND peer = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_one(app.db.pool())
    .await
    .expect("a login code in the outbox");
    body[..6].to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(app.db.pool())
        .await
        .expect("count")
}

async fn books_of(app: &TestApp, clock: &Arc<ManualClock>, merchant: books::MerchantId) -> Books {
    Books::open(app.db.clone(), merchant, clock.clone())
        .await
        .expect("books")
}

async fn customer(books: &Books, name: &str) -> books::CustomerId {
    books
        .add_customer(NewCustomer {
            name: name.into(),
            ..Default::default()
        })
        .await
        .expect("customer")
        .0
        .id
}

async fn udhaar(books: &Books, customer: books::CustomerId, rupees: i64) {
    books
        .add_credit(
            customer,
            Paise::from_rupees(rupees).expect("amount"),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("udhaar");
}

fn assert_security_headers(page: &Page) {
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("ascii");
    for part in [
        "default-src 'self'",
        "script-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert!(
        !page.body.to_ascii_lowercase().contains("<script"),
        "no script on any page"
    );
}
