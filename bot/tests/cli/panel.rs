//! The shop's panel through the real service, on SQLite and PostgreSQL: logging in with the code
//! from the outbox, the code's expiry and tries, rate limits, form tokens, security headers, the
//! dashboard, customers and their statements, a payment booked once however often its form is
//! sent, staff's limits, and that no session reaches another shop's customer.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use execora_engine::books::{
    self, Books, NewCustomer, NewMerchant, NewProduct, Origin, Role, Source,
};
use execora_engine::money::Paise;
use execora_engine::quantity::{Quantity, Unit};
use execora_engine::reply::Locale;
use execora_engine::time::ManualClock;
use reqwest::header::HeaderMap;

use crate::app::{Database, MERCHANT_PHONE, Setup, TestApp, spawn_app_with};

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

on_both_databases!(
    the_owner_logs_in_with_the_code_from_the_outbox_sees_the_dashboard_and_logs_out,
    cookies_are_secure_behind_an_https_public_address,
    a_code_stops_working_after_five_minutes,
    a_code_may_be_tried_five_times_and_then_never_again,
    a_number_that_is_no_shops_gets_the_same_answer_and_no_message,
    codes_are_limited_per_phone_and_login_posts_per_address,
    forms_without_this_sessions_token_are_refused_and_change_nothing,
    no_session_reaches_another_shops_customer,
    a_payment_form_sent_twice_is_booked_once,
    staff_see_customers_and_record_payments_but_not_the_shops_totals,
    customers_are_found_by_a_misspelt_name_sorted_by_dues_and_their_statement_pages,
    the_dashboard_shows_today_and_the_last_thirty_days_as_a_chart,
    outside_the_window_a_login_code_goes_as_the_authentication_template,
);

/// 22 Nov 2026, 10:00 in India.
fn clock() -> Arc<ManualClock> {
    ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 4, 30, 0)
            .single()
            .expect("time"),
    )
}

async fn serve(database: Database, clock: &Arc<ManualClock>) -> TestApp {
    spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            ..Setup::default()
        },
    )
    .await
}

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

async fn the_owner_logs_in_with_the_code_from_the_outbox_sees_the_dashboard_and_logs_out(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut browser = Browser::new(&app);

    let unsigned = browser.get("/panel").await;
    assert_eq!(unsigned.status, 303);
    assert_eq!(unsigned.location(), "/panel/login");

    let form = browser.get("/panel/login").await;
    assert_security_headers(&form);
    assert!(form.body.contains("Your WhatsApp number"), "{}", form.body);

    let asked = browser.ask_code("98123 45678").await;
    assert_eq!(asked.status, 303);
    assert_eq!(asked.location(), "/panel/login/code");
    // The code went through the real outbound path: an outbox row for the owner's phone, kept
    // there in the sandbox, in the shop's language (Hinglish).
    let (status, body): (String, String) = sqlx::query_as(
        "SELECT status, body FROM messages WHERE direction = 'out' AND kind = 'login_code' AND peer = $1",
    )
    .bind(MERCHANT_PHONE)
    .fetch_one(app.db.pool())
    .await
    .expect("the code's message");
    assert_eq!(status, "sandbox");
    assert!(body.contains("aapka Execora login code"), "{body}");
    let code = &body[..6];
    // Only a keyed hash of it is stored.
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM login_codes")
        .fetch_one(app.db.pool())
        .await
        .expect("code row");
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(code));

    let code_form = browser.get("/panel/login/code").await;
    let challenge = browser.cookies["execora_login"].clone();
    let signed_in = browser.enter_code(code).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location(), "/panel");
    let session_cookie = signed_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("execora_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/panel", "Max-Age=604800"] {
        assert!(session_cookie.contains(attribute), "{session_cookie}");
    }
    assert!(!session_cookie.contains("Secure"), "http: {session_cookie}");
    let token = browser.cookies["execora_session"].clone();
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM panel_sessions")
        .fetch_all(app.db.pool())
        .await
        .expect("sessions");
    assert_eq!(hashes.len(), 1);
    assert_ne!(hashes[0], token, "only the token's hash is stored");

    let dashboard = browser.get("/panel").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert_security_headers(&dashboard);
    assert_eq!(dashboard.headers["cache-control"], "no-store");
    assert!(
        dashboard.body.contains("Gupta Kirana: aaj"),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("Kul baaki"));
    assert!(dashboard.body.contains("(maalik)"), "the role is shown");

    // The code opened one session; entering it again opens nothing.
    assert!(
        !browser.cookies.contains_key("execora_login"),
        "the login cookie is cleared"
    );
    browser.cookies.insert("execora_login".into(), challenge);
    let again = browser
        .post(
            "/panel/login/code",
            &[("code", code), ("csrf", &code_form.hidden("csrf"))],
        )
        .await;
    assert_eq!(again.status, 401);
    assert!(again.body.contains("purana ho gaya") || again.body.contains("expired"));
    browser.cookies.remove("execora_login");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM panel_sessions").await, 1);

    let csrf = dashboard.hidden("csrf");
    let out = browser.post("/panel/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), "/panel/login");
    assert!(!browser.cookies.contains_key("execora_session"));
    // The old token is dead on the server too, not only forgotten by the browser.
    browser
        .cookies
        .insert("execora_session".into(), token.clone());
    let after = browser.get("/panel").await;
    assert_eq!(after.status, 303);
    assert_eq!(after.location(), "/panel/login");

    // A session also ends on its own after seven days.
    browser.cookies.clear();
    let fresh = browser.log_in(&app, MERCHANT_PHONE).await;
    assert_eq!(fresh.status, 303);
    assert_eq!(browser.get("/panel").await.status, 200);
    clock.advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    assert_eq!(browser.get("/panel").await.status, 303);
}

async fn cookies_are_secure_behind_an_https_public_address(database: Database) {
    let clock = clock();
    let app = spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            env: vec![("PUBLIC_URL", "https://execora.example".into())],
            ..Setup::default()
        },
    )
    .await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/panel/login").await;
    assert!(
        form.set_cookies()
            .iter()
            .all(|c| c.contains("; Secure") && c.contains("HttpOnly"))
    );
    let signed_in = browser.log_in(&app, MERCHANT_PHONE).await;
    let cookies = signed_in.set_cookies();
    assert!(!cookies.is_empty());
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
}

async fn a_code_stops_working_after_five_minutes(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut browser = Browser::new(&app);
    browser.ask_code(MERCHANT_PHONE).await;
    let code = last_code(&app, MERCHANT_PHONE).await;
    clock.advance(chrono::Duration::minutes(5));
    let late = browser.enter_code(&code).await;
    assert_eq!(late.status, 401);
    assert!(late.body.contains("expired"), "{}", late.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM panel_sessions").await, 0);

    // A new code, entered within its five minutes, works.
    browser.ask_code(MERCHANT_PHONE).await;
    let code = last_code(&app, MERCHANT_PHONE).await;
    clock.advance(chrono::Duration::minutes(4) + chrono::Duration::seconds(59));
    assert_eq!(browser.enter_code(&code).await.status, 303);
}

async fn a_code_may_be_tried_five_times_and_then_never_again(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut browser = Browser::new(&app);
    browser.ask_code(MERCHANT_PHONE).await;
    let code = last_code(&app, MERCHANT_PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let page = browser.enter_code(wrong).await;
        assert_eq!(page.status, 401);
        assert!(
            page.body
                .contains(&format!("Wrong code. {left} tries left.")),
            "{}",
            page.body
        );
    }
    let fifth = browser.enter_code(wrong).await;
    assert!(
        fifth.body.contains("Too many wrong tries"),
        "{}",
        fifth.body
    );
    let right_too_late = browser.enter_code(&code).await;
    assert_eq!(right_too_late.status, 401);
    assert!(right_too_late.body.contains("Too many wrong tries"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM panel_sessions").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT CAST(MAX(attempts) AS BIGINT) FROM login_codes"
        )
        .await,
        5
    );

    // The code is bound to the browser that asked for it: another browser cannot use it.
    let mut owner = Browser::new(&app);
    owner.ask_code(MERCHANT_PHONE).await;
    let code = last_code(&app, MERCHANT_PHONE).await;
    let mut stranger = Browser::new(&app);
    stranger.ask_code("919800000001").await;
    assert_eq!(stranger.enter_code(&code).await.status, 401);
    assert_eq!(owner.enter_code(&code).await.status, 303);
}

async fn a_number_that_is_no_shops_gets_the_same_answer_and_no_message(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut browser = Browser::new(&app);
    let asked = browser.ask_code("9800000001").await;
    assert_eq!(asked.status, 303);
    assert_eq!(asked.location(), "/panel/login/code");
    let form = browser.get("/panel/login/code").await;
    assert!(
        form.body.contains("If this number is registered"),
        "{}",
        form.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE kind = 'login_code'"
        )
        .await,
        0
    );
    // Trying codes answers as it would for a shop's number: wrong, tries counted down.
    let tried = browser.enter_code("123456").await;
    assert_eq!(tried.status, 401);
    assert!(
        tried.body.contains("Wrong code. 4 tries left."),
        "{}",
        tried.body
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM panel_sessions").await, 0);

    let bad = browser.ask_code("not a phone").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("does not look like a phone number"));
}

async fn codes_are_limited_per_phone_and_login_posts_per_address(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut browser = Browser::new(&app);
    for _ in 0..3 {
        assert_eq!(browser.ask_code(MERCHANT_PHONE).await.status, 303);
    }
    let fourth = browser.ask_code(MERCHANT_PHONE).await;
    assert_eq!(fourth.status, 429);
    assert!(fourth.body.contains("Too many tries"), "{}", fourth.body);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE kind = 'login_code'"
        )
        .await,
        3,
        "no fourth code was sent"
    );
    // From the same address, other phones until the address's 30 posts are used up.
    let mut statuses = Vec::new();
    for n in 0..27 {
        statuses.push(browser.ask_code(&format!("98000{n:05}")).await.status);
    }
    assert!(statuses[..26].iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(statuses[26], 429);
    assert_eq!(browser.enter_code("123456").await.status, 429);
}

async fn forms_without_this_sessions_token_are_refused_and_change_nothing(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = owner.get(&format!("/panel/customers/{rahul}")).await;
    let key = page.hidden("key");
    let csrf = page.hidden("csrf");
    let path = format!("/panel/customers/{rahul}/payments");

    let missing = owner
        .post(&path, &[("amount", "100"), ("mode", "cash"), ("key", &key)])
        .await;
    assert_eq!(missing.status, 403);
    assert!(
        missing.body.contains("Yeh form purana ho gaya"),
        "{}",
        missing.body
    );
    assert_security_headers(&missing);
    let forged = owner
        .post(
            &path,
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", "00ff"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Another session's token does not do either, even for the same shop.
    let mut second = Browser::new(&app);
    second.log_in(&app, MERCHANT_PHONE).await;
    let theirs = second
        .get(&format!("/panel/customers/{rahul}"))
        .await
        .hidden("csrf");
    assert_ne!(theirs, csrf);
    let crossed = owner
        .post(
            &path,
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", &theirs),
            ],
        )
        .await;
    assert_eq!(crossed.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries").await, 0);

    assert_eq!(owner.post("/panel/logout", &[]).await.status, 403);
    assert_eq!(owner.get("/panel").await.status, 200, "still signed in");

    // Login forms carry a token too, tied to the login cookie.
    let mut browser = Browser::new(&app);
    browser.get("/panel/login").await;
    let refused = browser
        .post(
            "/panel/login",
            &[("phone", MERCHANT_PHONE), ("csrf", "nope")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let no_cookie = Browser::new(&app)
        .post("/panel/login/code", &[("code", "123456"), ("csrf", "x")])
        .await;
    assert_eq!(no_cookie.status, 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE kind = 'login_code'"
        )
        .await,
        2,
        "only the two real logins sent codes"
    );
}

async fn no_session_reaches_another_shops_customer(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let other = books::merchants::create(
        &app.db,
        NewMerchant {
            name: "Sharma Stores".into(),
            owner_phone: "919811111111".into(),
            locale: Locale::En,
            timezone: None,
            upi_id: None,
        },
        &*clock,
    )
    .await
    .expect("other shop");
    let theirs = books_of(&app, &clock, other.id).await;
    let their_customer = customer(&theirs, "Rahul Verma").await;
    udhaar(&theirs, their_customer, 700).await;
    let ours = books_of(&app, &clock, app.merchant).await;
    let our_customer = customer(&ours, "Rahul Gupta").await;

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let own = browser
        .get(&format!("/panel/customers/{our_customer}"))
        .await;
    assert_eq!(own.status, 200);
    let csrf = own.hidden("csrf");
    let key = own.hidden("key");

    let page = browser
        .get(&format!("/panel/customers/{their_customer}"))
        .await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("Verma"));
    let unknown = browser.get("/panel/customers/999999").await;
    assert_eq!(
        (unknown.status, unknown.body.clone()),
        (404, page.body.clone())
    );
    assert_eq!(browser.get("/panel/customers/abc").await.status, 404);
    assert_eq!(
        browser
            .get(&format!("/panel/customers/{their_customer}?before=999"))
            .await
            .status,
        404
    );
    let payment = browser
        .post(
            &format!("/panel/customers/{their_customer}/payments"),
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(payment.status, 404);
    assert_eq!(
        theirs.balance(their_customer).await.expect("balance"),
        Paise::from_rupees(700).expect("amount")
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries").await, 1);

    let list = browser.get("/panel/customers").await;
    assert!(list.body.contains("Rahul Gupta"));
    assert!(!list.body.contains("Verma"));
    let search = browser.get("/panel/customers?q=rahul").await;
    assert!(search.body.contains("Rahul Gupta"));
    assert!(!search.body.contains("Verma"));
    let dues = browser.get("/panel/customers?sort=dues").await;
    assert!(!dues.body.contains("Verma"));
    let dashboard = browser.get("/panel").await;
    assert!(!dashboard.body.contains("Verma"));
    assert!(!dashboard.body.contains("₹700"));
}

async fn a_payment_form_sent_twice_is_booked_once(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    udhaar(&books, rahul, 1500).await;
    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let page = browser.get(&format!("/panel/customers/{rahul}")).await;
    assert!(page.body.contains("Baaki ₹1,500"), "{}", page.body);
    let fields = [
        ("amount", "500"),
        ("mode", "upi"),
        ("key", &page.hidden("key")),
        ("csrf", &page.hidden("csrf")),
    ];
    let path = format!("/panel/customers/{rahul}/payments");

    let first = browser.post(&path, &fields).await;
    assert_eq!(first.status, 303);
    assert_eq!(
        first.location(),
        format!("/panel/customers/{rahul}?paid=50000")
    );
    let after = browser.get(first.location()).await;
    assert!(
        after
            .body
            .contains("₹500 ka payment likh liya. Naya baaki: ₹1,000."),
        "{}",
        after.body
    );
    assert!(after.body.contains("Baaki ₹1,000"));
    assert!(after.body.contains("Payment mila · UPI"), "{}", after.body);

    // The back button and the same form again: the same key, nothing new.
    let again = browser.post(&path, &fields).await;
    assert_eq!(again.status, 303);
    assert_eq!(
        again.location(),
        format!("/panel/customers/{rahul}?replayed=1")
    );
    let replayed = browser.get(again.location()).await;
    assert!(replayed.body.contains("pehle hi likha ja chuka hai"));
    assert_eq!(
        books.balance(rahul).await.expect("balance"),
        Paise::from_rupees(1000).expect("amount")
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'"
        )
        .await,
        1
    );
    let (source, actor): (String, String) =
        sqlx::query_as("SELECT source, actor FROM operations WHERE kind = 'payment'")
            .fetch_one(app.db.pool())
            .await
            .expect("operation");
    assert_eq!((source.as_str(), actor.as_str()), ("panel", MERCHANT_PHONE));

    // A reloaded page draws a new key: a second payment is a second booking.
    let fresh = browser.get(&format!("/panel/customers/{rahul}")).await;
    let second = browser
        .post(
            &path,
            &[
                ("amount", "1,000"),
                ("mode", "cash"),
                ("key", &fresh.hidden("key")),
                ("csrf", &fresh.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(
        second.location(),
        format!("/panel/customers/{rahul}?paid=100000")
    );
    assert_eq!(books.balance(rahul).await.expect("balance"), Paise::ZERO);

    // Amounts that are not amounts are refused and book nothing.
    for amount in ["", "abc", "0", "-50", "2000000000"] {
        let page = browser.get(&format!("/panel/customers/{rahul}")).await;
        let refused = browser
            .post(
                &path,
                &[
                    ("amount", amount),
                    ("mode", "cash"),
                    ("key", &page.hidden("key")),
                    ("csrf", &page.hidden("csrf")),
                ],
            )
            .await;
        assert_eq!(
            refused.location(),
            format!("/panel/customers/{rahul}?error=amount"),
            "{amount:?}"
        );
    }
    let refused_page = browser
        .get(&format!("/panel/customers/{rahul}?error=amount"))
        .await;
    assert!(
        refused_page.body.contains("Zero se zyada"),
        "{}",
        refused_page.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'"
        )
        .await,
        2
    );
}

async fn staff_see_customers_and_record_payments_but_not_the_shops_totals(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    const STAFF: &str = "919822222222";
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    udhaar(&books, rahul, 300).await;

    let mut staff = Browser::new(&app);
    let signed_in = staff.log_in(&app, STAFF).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(
        signed_in.location(),
        "/panel/customers",
        "staff start at customers"
    );

    let dashboard = staff.get("/panel").await;
    assert_eq!(dashboard.status, 403);
    assert!(
        dashboard.body.contains("sirf dukaan ke maalik"),
        "{}",
        dashboard.body
    );
    assert!(!dashboard.body.contains("Kul baaki"));
    assert_eq!(staff.get("/panel/customers?sort=dues").await.status, 403);

    let list = staff.get("/panel/customers").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("(staff)"));
    assert!(
        !list.body.contains("sort=dues"),
        "no ranking of dues for staff"
    );
    assert!(!list.body.contains(">Aaj<"), "no dashboard in staff's menu");

    let page = staff.get(&format!("/panel/customers/{rahul}")).await;
    assert_eq!(page.status, 200);
    let booked = staff
        .post(
            &format!("/panel/customers/{rahul}/payments"),
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &page.hidden("key")),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(
        booked.location(),
        format!("/panel/customers/{rahul}?paid=10000")
    );
    let actor: String = sqlx::query_scalar("SELECT actor FROM operations WHERE kind = 'payment'")
        .fetch_one(app.db.pool())
        .await
        .expect("operation");
    assert_eq!(actor, STAFF, "booked as the staff phone");

    // The role is read on every request: a phone taken off the shop loses the panel at once.
    sqlx::query("DELETE FROM merchant_phones WHERE phone = $1")
        .bind(STAFF)
        .execute(app.db.pool())
        .await
        .expect("take the phone off");
    let gone = staff.get("/panel/customers").await;
    assert_eq!(gone.status, 303);
    assert_eq!(gone.location(), "/panel/login");

    let mut owner = Browser::new(&app);
    assert_eq!(
        owner.log_in(&app, MERCHANT_PHONE).await.location(),
        "/panel"
    );
    assert_eq!(owner.get("/panel").await.status, 200);
    assert_eq!(owner.get("/panel/customers?sort=dues").await.status, 200);
}

async fn customers_are_found_by_a_misspelt_name_sorted_by_dues_and_their_statement_pages(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul Sharma").await;
    let suresh = customer(&books, "Suresh Patel").await;
    customer(&books, "Amit <b>&</b>").await;
    udhaar(&books, rahul, 500).await;
    udhaar(&books, suresh, 1500).await;

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let by_name = browser.get("/panel/customers").await;
    assert!(
        by_name.body.contains("Amit &lt;b&gt;&amp;&lt;/b&gt;"),
        "escaped"
    );
    let amit = by_name.body.find("Amit").expect("Amit");
    let rahul_at = by_name.body.find("Rahul Sharma").expect("Rahul");
    let suresh_at = by_name.body.find("Suresh Patel").expect("Suresh");
    assert!(amit < rahul_at && rahul_at < suresh_at, "A to Z");

    let by_dues = browser.get("/panel/customers?sort=dues").await;
    let rahul_at = by_dues.body.find("Rahul Sharma").expect("Rahul");
    let suresh_at = by_dues.body.find("Suresh Patel").expect("Suresh");
    assert!(suresh_at < rahul_at, "largest dues first");
    assert!(by_dues.body.contains("Baaki ₹1,500"));

    for said in ["raahul", "RAHUL", "राहुल", "sharma ji"] {
        let found = browser
            .get(&format!(
                "/panel/customers?q={}",
                percent_encoding::utf8_percent_encode(said, percent_encoding::NON_ALPHANUMERIC)
            ))
            .await;
        assert!(
            found.body.contains("Rahul Sharma"),
            "{said}: {}",
            found.body
        );
        assert!(!found.body.contains("Suresh"), "{said}");
    }
    let nobody = browser.get("/panel/customers?q=zzzzqqq").await;
    assert!(nobody.body.contains("Koi grahak nahi mila"));

    // 60 more entries: the statement shows 50, newest first, with the balance after each,
    // and continues on an older page.
    for i in 1..=60 {
        udhaar(&books, rahul, i).await;
    }
    let page = browser.get(&format!("/panel/customers/{rahul}")).await;
    assert_eq!(
        page.body.matches("<tr>").count(),
        51,
        "a header and 50 lines"
    );
    // The newest entry is ₹60, after which he owes 500 + (1 + … + 60) = ₹2,330.
    let first_row = &page.body[page.body.find("<tbody>").expect("rows")..];
    assert!(first_row.contains("+₹60"));
    assert!(
        first_row.find("₹2,330").expect("balance after") < first_row.find("+₹59").expect("next")
    );
    let older_start = page.body.find("?before=").expect("an older page") + "?before=".len();
    let before: String = page.body[older_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let older = browser
        .get(&format!("/panel/customers/{rahul}?before={before}"))
        .await;
    assert_eq!(
        older.body.matches("<tr>").count(),
        12,
        "a header and 11 lines"
    );
    assert!(
        older.body.contains("+₹500"),
        "the first udhaar is on the last page"
    );
    assert!(!older.body.contains("?before="), "no page after the last");
    assert!(older.body.contains("Nayi entries"));
}

async fn the_dashboard_shows_today_and_the_last_thirty_days_as_a_chart(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    // Ten days ago: ₹900 udhaar.
    clock.advance(-chrono::Duration::days(10));
    udhaar(&books, rahul, 900).await;
    clock.advance(chrono::Duration::days(10));
    // Today: ₹400 collected, ₹250 more udhaar.
    books
        .record_payment(
            rahul,
            Paise::from_rupees(400).expect("amount"),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("payment");
    udhaar(&books, rahul, 250).await;
    let (atta, _) = books
        .upsert_product(NewProduct {
            name: "Atta".into(),
            unit: Unit::Kg,
            price: Paise::from_rupees(40).expect("price"),
            low_stock: Quantity::from_whole(5),
        })
        .await
        .expect("product");
    books
        .adjust_stock(
            atta.id,
            Quantity::from_whole(2).expect("quantity"),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("stock");

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let page = browser.get("/panel").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let figure = |name: &str| {
        let at = page.body.find(name).unwrap_or_else(|| panic!("{name}"));
        let dd = at + page.body[at..].find("<dd>").expect("dd") + 4;
        page.body[dd..dd + page.body[dd..].find("</dd>").expect("end")].to_string()
    };
    assert_eq!(figure("Aaj ki bikri"), "₹0");
    assert_eq!(figure("Aaj ki wasooli"), "₹400");
    assert_eq!(figure("Aaj ka naya udhaar"), "₹250");
    assert_eq!(figure("Kul baaki"), "₹750");
    assert!(
        page.body
            .contains(&format!("href=\"/panel/customers/{rahul}\""))
    );
    assert!(page.body.contains("Atta"), "low stock");
    assert!(page.body.contains("<svg"));
    assert_eq!(page.body.matches("<rect").count(), 90, "30 days × 3 series");
    assert!(
        page.body.contains("12 Nov: Udhaar ₹900"),
        "ten days ago, its own day"
    );
    assert!(page.body.contains("22 Nov: Wasooli ₹400"));
    assert!(
        page.body.contains("24 Oct"),
        "the chart starts 29 days back"
    );
    assert!(page.body.len() < 100 * 1024, "a page stays under 100 KB");

    let css = browser.get("/panel/style.css").await;
    assert_eq!(css.status, 200);
    assert!(
        css.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/css")
    );
    assert!(css.body.contains("@media"));
    assert_eq!(browser.get("/panel/nothing-here").await.status, 404);
}

async fn outside_the_window_a_login_code_goes_as_the_authentication_template(database: Database) {
    let clock = clock();
    let app = spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            live: true,
            env: vec![("WHATSAPP_OTP_TEMPLATE", "execora_login".into())],
            ..Setup::default()
        },
    )
    .await;
    *app.graph.refuse_non_templates.lock().expect("lock") = Some(131047);
    let mut browser = Browser::new(&app);
    assert_eq!(browser.ask_code(MERCHANT_PHONE).await.status, 303);
    app.settle().await;
    let code = last_code(&app, MERCHANT_PHONE).await;
    let sent = app.graph.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0]["type"], "text", "first as text");
    let template = &sent[1];
    assert_eq!(template["type"], "template");
    assert_eq!(template["to"], format!("+{MERCHANT_PHONE}"));
    assert_eq!(template["template"]["name"], "execora_login");
    assert_eq!(template["template"]["language"]["code"], "en");
    let components = &template["template"]["components"];
    assert_eq!(components[0]["type"], "body");
    assert_eq!(components[0]["parameters"][0]["text"], code.as_str());
    assert_eq!(components[1]["sub_type"], "url");
    assert_eq!(components[1]["parameters"][0]["text"], code.as_str());
    let status: String =
        sqlx::query_scalar("SELECT status FROM messages WHERE kind = 'login_code'")
            .fetch_one(app.db.pool())
            .await
            .expect("status");
    assert_eq!(status, "sent");
    assert_eq!(browser.enter_code(&code).await.status, 303);
}
