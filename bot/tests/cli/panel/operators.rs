//! Operator accounts: `execora admin add` (argon2, the password from standard input or a file),
//! the operator login (wrong password, form token, rate limit), every shop listed, a shop's
//! dashboard and customers read, and every POST refused.

use std::io::Write;
use std::process::Stdio;

use execora_engine::time::Clock;

use super::*;

on_both_databases!(
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

    // Read-only: every POST is refused, with the page's own token; the other pages are closed.
    let csrf = page.hidden("csrf");
    let key = page.hidden("key");
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
    for path in ["/panel/settings", "/panel/conversations", "/panel/chat"] {
        assert_eq!(operator.get(path).await.status, 403, "{path}");
    }
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
