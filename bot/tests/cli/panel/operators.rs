//! Operator accounts: `execora admin add` (argon2, the password from standard input or a file),
//! the operator login (wrong password, form token, rate limit), every shop listed, a shop's
//! dashboard and customers read, and every POST refused.

use std::io::Write;
use std::process::Stdio;

use execora_engine::time::Clock;

use super::*;

on_both_databases!(
    an_operator_reads_every_page_without_a_form_and_every_action_is_refused,
    an_operator_added_from_the_command_line_reads_every_shop_and_changes_nothing,
    operator_logins_need_the_form_token_and_are_rate_limited,
);

const EMAIL: &str = "ops@execora.in";
const PASSWORD: &str = "a long operator passphrase";

/// `execora admin add` against the service's database, the password on standard input.
fn admin_add(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let sandbox = crate::Sandbox::new();
    let mut child = sandbox
        .command()
        .env("DATABASE_URL", &app.database().url)
        .args(["admin", "add"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("execora runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("password written");
    child.wait_with_output().expect("execora ends")
}

impl Browser {
    /// Logs in at the operator login; the answer.
    async fn operator_log_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/panel/admin/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.hidden("csrf");
        self.post(
            "/panel/admin/login",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await
    }
}

async fn an_operator_added_from_the_command_line_reads_every_shop_and_changes_nothing(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let sharma = books::merchants::create(
        &app.db,
        NewMerchant {
            name: "Sharma <Stores> & Co".into(),
            owner_phone: "919811111111".into(),
            locale: Locale::En,
            timezone: None,
            upi_id: None,
        },
        &*clock,
    )
    .await
    .expect("other shop");
    let theirs = books_of(&app, &clock, sharma.id).await;
    let verma = customer(&theirs, "Rahul Verma").await;
    udhaar(&theirs, verma, 700).await;

    let added = admin_add(
        &app,
        &["--email", "Ops@Execora.in"],
        &format!("{PASSWORD}\n"),
    );
    assert!(added.status.success(), "{}", crate::stderr(&added));
    assert!(crate::stdout(&added).contains(EMAIL));
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM operators WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(app.db.pool())
        .await
        .expect("operator");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(PASSWORD));
    // From a file too; a short password and the same email again are refused.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("password");
    std::fs::write(&file, "another long passphrase\nignored second line\n").expect("file");
    let from_file = admin_add(
        &app,
        &[
            "--email",
            "second@execora.in",
            "--password-file",
            file.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(from_file.status.success(), "{}", crate::stderr(&from_file));
    assert!(
        !admin_add(&app, &["--email", "third@execora.in"], "short\n")
            .status
            .success()
    );
    let again = admin_add(&app, &["--email", EMAIL], &format!("{PASSWORD}\n"));
    assert!(!again.status.success());
    assert!(
        crate::stderr(&again).contains("exists already"),
        "{}",
        crate::stderr(&again)
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM operators").await, 2);

    let mut operator = Browser::new(&app);
    let wrong = operator
        .operator_log_in(EMAIL, "not the passphrase at all")
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong email or password."));
    assert_security_headers(&wrong);
    let unknown = operator
        .operator_log_in("nobody@execora.in", PASSWORD)
        .await;
    assert_eq!(unknown.status, 401);
    assert!(unknown.body.contains("Wrong email or password."));
    // A shop's page does not open with an operator's wrong login.
    assert_eq!(operator.get("/panel").await.location(), "/panel/login");

    let signed = operator.operator_log_in("OPS@execora.in", PASSWORD).await;
    assert_eq!((signed.status, signed.location()), (303, "/panel/admin"));
    let cookie = signed
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("execora_operator="))
        .expect("operator cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let list = operator.get("/panel/admin").await;
    assert_eq!(list.status, 200);
    assert_security_headers(&list);
    assert!(list.body.contains("Gupta Kirana"));
    assert!(
        list.body.contains("Sharma &lt;Stores&gt; &amp; Co"),
        "{}",
        list.body
    );

    // Before a shop is chosen, the shop pages send the operator to the list.
    assert_eq!(operator.get("/panel").await.location(), "/panel/admin");
    let opened = operator
        .get(&format!("/panel/admin/shops/{}", sharma.id))
        .await;
    assert_eq!((opened.status, opened.location()), (303, "/panel"));
    assert_eq!(operator.get("/panel/admin/shops/999999").await.status, 404);
    let dashboard = operator.get("/panel").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert!(dashboard.body.contains("Sharma &lt;Stores&gt; &amp; Co"));
    assert!(
        dashboard
            .body
            .contains("Operators can look but not change anything.")
    );
    assert!(
        dashboard
            .body
            .contains("ops@execora.in (operator, read-only)")
    );
    let customers = operator.get("/panel/customers?sort=dues").await;
    assert_eq!(customers.status, 200);
    assert!(customers.body.contains("Rahul Verma"));
    let page = operator.get(&format!("/panel/customers/{verma}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("₹700"));

    // Read-only: no booking form is shown, and every POST is refused, with the page's own token.
    assert!(!page.body.contains("/payments\""), "{}", page.body);
    let csrf = page.hidden("csrf");
    let key = "a".repeat(43);
    let paid = operator
        .post(
            &format!("/panel/customers/{verma}/payments"),
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(paid.status, 403);
    assert!(
        paid.body
            .contains("Operators can look but not change anything.")
    );
    for path in [
        "/panel/logout",
        "/panel/settings/shop",
        "/panel/settings/sessions/everywhere",
        "/panel/chat",
    ] {
        let refused = operator
            .post(path, &[("csrf", &csrf), ("locale", "en"), ("text", "hi")])
            .await;
        assert_eq!(refused.status, 403, "{path}");
    }
    assert_eq!(operator.get("/panel/chat").await.status, 403);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM ledger_entries").await,
        1,
        "only the udhaar written before"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE direction = 'in'").await,
        0
    );

    // Logging out ends the operator's session, with the form's token only.
    let forged = operator
        .post("/panel/admin/logout", &[("csrf", "00ff")])
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(operator.get("/panel/admin").await.status, 200);
    let out = operator
        .post("/panel/admin/logout", &[("csrf", &csrf)])
        .await;
    assert_eq!((out.status, out.location()), (303, "/panel/admin/login"));
    assert_eq!(
        operator.get("/panel/admin").await.location(),
        "/panel/admin/login"
    );
    assert_eq!(operator.get("/panel").await.location(), "/panel/login");
}

async fn operator_logins_need_the_form_token_and_are_rate_limited(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    execora_engine::access::operators::add_operator(&app.db, EMAIL, PASSWORD, clock.now())
        .await
        .expect("operator");
    let mut browser = Browser::new(&app);
    browser.get("/panel/admin/login").await;
    let forged = browser
        .post(
            "/panel/admin/login",
            &[("email", EMAIL), ("password", PASSWORD), ("csrf", "00")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(
        !forged
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("execora_operator="))
    );

    // Three wrong tries for one email; the fourth waits, even with the right password.
    for _ in 0..3 {
        assert_eq!(
            browser
                .operator_log_in(EMAIL, "wrong passphrase here")
                .await
                .status,
            401
        );
    }
    let limited = browser.operator_log_in(EMAIL, PASSWORD).await;
    assert_eq!(limited.status, 429);
    assert!(limited.body.contains("Too many tries"));
    assert!(
        !limited
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("execora_operator="))
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM operator_sessions").await,
        0
    );
    // Another email has its own limit.
    assert_eq!(
        browser
            .operator_log_in("other@execora.in", PASSWORD)
            .await
            .status,
        401
    );
}

/// Every POST route of the panel that acts on a shop, with the fields its form sends.
fn action_routes(
    customer: books::CustomerId,
    bill: books::InvoiceId,
    product: books::ProductId,
    reminder: books::ReminderId,
    session: i64,
) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    let c = customer.0;
    vec![
        ("/panel/logout".into(), vec![]),
        (
            format!("/panel/customers/{c}/payments"),
            vec![("amount", "100"), ("mode", "cash")],
        ),
        (
            format!("/panel/customers/{c}/credits"),
            vec![("amount", "100"), ("note", "x")],
        ),
        (
            format!("/panel/customers/{c}/reminders"),
            vec![("now", "1"), ("amount", "")],
        ),
        (format!("/panel/bills/{}/cancel", bill.0), vec![]),
        (
            format!("/panel/products/{}", product.0),
            vec![("price", "1"), ("low_stock", "")],
        ),
        (
            format!("/panel/reminders/{}/cancel", reminder.0),
            vec![("back", "customer")],
        ),
        ("/panel/chat".into(), vec![("text", "Rahul 500 jama")]),
        (
            "/panel/settings/shop".into(),
            vec![("locale", "en"), ("upi", "x@ybl"), ("large_amount", "1")],
        ),
        (
            "/panel/settings/reminders".into(),
            vec![
                ("auto_days", "1"),
                ("daily_cap", "1"),
                ("quiet_from", "10:00"),
                ("quiet_until", "11:00"),
            ],
        ),
        (
            "/panel/settings/digest".into(),
            vec![("digest_at", "10:00")],
        ),
        (
            "/panel/settings/phones".into(),
            vec![("phone", "919877777777"), ("role", "owner")],
        ),
        (
            "/panel/settings/phones/remove".into(),
            vec![("phone", MERCHANT_PHONE)],
        ),
        (format!("/panel/settings/sessions/{session}/revoke"), vec![]),
        ("/panel/settings/sessions/everywhere".into(), vec![]),
    ]
}

/// What an operator could change, as one value to compare before and after.
async fn shop_state(app: &TestApp) -> Vec<i64> {
    let mut state = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM ledger_entries",
        "SELECT COUNT(*) FROM invoices WHERE status = 'cancelled'",
        "SELECT COUNT(*) FROM reminders WHERE status = 'cancelled'",
        "SELECT COUNT(*) FROM reminders",
        "SELECT COUNT(*) FROM merchant_settings",
        "SELECT COUNT(*) FROM digest_settings",
        "SELECT COUNT(*) FROM merchant_phones",
        "SELECT COUNT(*) FROM panel_sessions WHERE revoked_at IS NOT NULL",
        "SELECT COUNT(*) FROM messages",
        "SELECT MAX(price_paise) FROM products",
    ] {
        state.push(count(app, sql).await);
    }
    state
}

async fn an_operator_reads_every_page_without_a_form_and_every_action_is_refused(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul Verma").await;
    udhaar(&books, rahul, 700).await;
    let atta = super::bookkeeping::atta(&books, 10, 2).await;
    let bill =
        super::bookkeeping::bill(&books, Some(rahul), atta.id, &Origin::new(Source::Cli)).await;
    let reminder = books
        .schedule_reminder(
            rahul,
            None,
            execora_engine::time::to_millis(clock.now()) + 86_400_000,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("reminder")
        .value
        .id;
    // The owner is logged in: a session an operator could try to end.
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let session: i64 = sqlx::query_scalar("SELECT id FROM panel_sessions LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .expect("session");
    execora_engine::access::operators::add_operator(&app.db, EMAIL, PASSWORD, clock.now())
        .await
        .expect("operator");
    let mut operator = Browser::new(&app);
    operator.operator_log_in(EMAIL, PASSWORD).await;
    operator
        .get(&format!("/panel/admin/shops/{}", app.merchant))
        .await;

    // Every page of the shop opens, and none has a form that acts: the only POST is the
    // operator's own logout.
    let pages = [
        "/panel".to_string(),
        "/panel/customers".into(),
        format!("/panel/customers/{rahul}"),
        format!("/panel/customers/{rahul}/statement/print"),
        "/panel/bills".into(),
        format!("/panel/bills/{}", bill.id),
        "/panel/products".into(),
        format!("/panel/products/{}", atta.id),
        "/panel/reminders".into(),
        format!("/panel/reminders/{reminder}"),
        "/panel/conversations".into(),
        "/panel/settings".into(),
    ];
    let mut csrf = String::new();
    for path in &pages {
        let page = operator.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        if path.ends_with("/print") {
            // The printable statement is the statement alone: no menu, no form at all.
            assert!(!page.body.contains("<form"), "{}", page.body);
            continue;
        }
        assert!(
            page.body
                .contains("Operators can look but not change anything."),
            "{path}"
        );
        let posts: Vec<&str> = page
            .body
            .match_indices("method=\"post\"")
            .map(|(at, _)| &page.body[at..(at + 80).min(page.body.len())])
            .collect();
        assert_eq!(posts.len(), 1, "{path}: {posts:?}");
        assert!(
            posts[0].contains("/panel/admin/logout"),
            "{path}: {posts:?}"
        );
        csrf = page.hidden("csrf");
    }
    let statement = operator
        .get(&format!("/panel/customers/{rahul}/statement.csv"))
        .await;
    assert_eq!(statement.status, 200);
    // The chat is talking as the shop, and a voice note is the shop's own: both closed.
    assert_eq!(operator.get("/panel/chat").await.status, 403);
    assert_eq!(operator.get("/panel/recordings/1").await.status, 403);

    // Every action POST, with the operator's own form token and a well-formed key: 403, nothing
    // changed.
    let before = shop_state(&app).await;
    let key = "k".repeat(43);
    for (path, fields) in action_routes(rahul, bill.id, atta.id, reminder, session) {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        fields.push(("key", &key));
        let refused = operator.post(&path, &fields).await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        assert!(
            refused
                .body
                .contains("Operators can look but not change anything."),
            "{path}"
        );
    }
    assert_eq!(shop_state(&app).await, before);
    assert_eq!(
        owner.get("/panel").await.status,
        200,
        "the owner's session lives"
    );
}
