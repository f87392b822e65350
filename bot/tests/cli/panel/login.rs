//! Logging in to the panel: the code from the outbox, its expiry and tries, cookies, logout,
//! numbers that are no shop's, rate limits, and the authentication template outside the window.

use super::*;

on_both_databases!(
    the_owner_logs_in_with_the_code_from_the_outbox_sees_the_dashboard_and_logs_out,
    cookies_are_secure_behind_an_https_public_address,
    a_code_stops_working_after_five_minutes,
    a_code_may_be_tried_five_times_and_then_never_again,
    a_number_that_is_no_shops_gets_the_same_answer_and_no_message,
    codes_are_limited_per_phone_and_login_posts_per_address,
    a_phones_code_limit_holds_across_processes_on_one_database,
    outside_the_window_a_login_code_goes_as_the_authentication_template,
);

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

/// Two processes on one database each limit a phone's codes in memory (3 at once), and the
/// database counts them for both: 5 codes in 15 minutes, whichever process is asked. Once the
/// window has passed, a code may be asked again.
async fn a_phones_code_limit_holds_across_processes_on_one_database(database: Database) {
    let clock = clock();
    let first = serve(database, &clock).await;
    let second = crate::app::spawn_app_on(
        first.database(),
        Setup {
            clock: clock.clone(),
            ..Setup::default()
        },
    )
    .await;
    let mut on_first = Browser::new(&first);
    for _ in 0..3 {
        assert_eq!(on_first.ask_code(MERCHANT_PHONE).await.status, 303);
    }
    let mut on_second = Browser::new(&second);
    for _ in 0..2 {
        assert_eq!(on_second.ask_code(MERCHANT_PHONE).await.status, 303);
    }
    // The second process has let only two through itself; the database says five is enough.
    let sixth = on_second.ask_code(MERCHANT_PHONE).await;
    assert_eq!(sixth.status, 429);
    assert!(sixth.body.contains("Too many tries"), "{}", sixth.body);
    assert_eq!(
        count(
            &first,
            "SELECT COUNT(*) FROM messages WHERE kind = 'login_code'"
        )
        .await,
        5,
        "no sixth code was sent"
    );
    // A third process, its own memory fresh, past the window: allowed again.
    clock.advance(chrono::Duration::minutes(16));
    let third = crate::app::spawn_app_on(
        first.database(),
        Setup {
            clock: clock.clone(),
            ..Setup::default()
        },
    )
    .await;
    assert_eq!(
        Browser::new(&third).ask_code(MERCHANT_PHONE).await.status,
        303
    );
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
