//! The chat page: in the sandbox, the browser talks to Execora through the inbound worker and
//! the pipeline, as the shop's phone; reply buttons are forms; a resubmitted form books once;
//! with WhatsApp configured it is off.

use std::time::Duration;

use super::*;

on_both_databases!(
    a_typed_message_is_answered_and_booked_once_per_form,
    reply_buttons_are_forms_that_answer_the_question,
    the_chat_is_off_with_whatsapp_and_refuses_forms_without_the_token,
);

/// Posts `fields` to the chat from the chat page's form (the last form on the page).
async fn chat_page(browser: &mut Browser) -> Page {
    let page = browser.get("/panel/chat").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// Reloads the chat until it shows `text` (the worker answers in the background).
async fn until_shown(browser: &mut Browser, text: &str) -> Page {
    for _ in 0..100 {
        let page = chat_page(browser).await;
        if page.body.contains(text) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the chat never showed {text:?}");
}

/// The value of `name` in the form whose submit button says `button`.
fn field_of_form(page: &Page, button: &str, name: &str) -> String {
    let end = page
        .body
        .find(&format!(">{button}</button>"))
        .unwrap_or_else(|| panic!("no button {button} in {}", page.body));
    let start = page.body[..end].rfind("<form").expect("its form");
    let form = &page.body[start..end];
    let marker = format!("name=\"{name}\" value=\"");
    let at = form.find(&marker).expect("field") + marker.len();
    form[at..at + form[at..].find('"').expect("end")].to_string()
}

async fn a_typed_message_is_answered_and_booked_once_per_form(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    udhaar(&books, rahul, 900).await;

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = chat_page(&mut owner).await;
    assert_security_headers(&page);
    assert!(page.body.contains("href=\"/panel/chat\""), "in the menu");
    let csrf = page.hidden("csrf");
    let key = field_of_form(&page, "Bhejo", "key");
    let fields = [
        ("text", "Rahul ne 500 diye"),
        ("key", key.as_str()),
        ("csrf", csrf.as_str()),
    ];
    let sent = owner.post("/panel/chat", &fields).await;
    assert_eq!((sent.status, sent.location()), (303, "/panel/chat"));
    let answered = until_shown(&mut owner, "400").await;
    assert!(
        answered.body.contains("Rahul ne 500 diye"),
        "{}",
        answered.body
    );
    assert_eq!(
        books.customer(rahul).await.expect("rahul").balance,
        Paise::from_rupees(400).expect("amount")
    );
    // The same form again (back button, double click): stored and booked once.
    let again = owner.post("/panel/chat", &fields).await;
    assert_eq!(again.status, 303);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        books.customer(rahul).await.expect("rahul").balance,
        Paise::from_rupees(400).expect("amount")
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND wa_message_id LIKE 'panel-%'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'"
        )
        .await,
        1
    );

    // What is typed is shown escaped.
    let page = chat_page(&mut owner).await;
    let key = field_of_form(&page, "Bhejo", "key");
    owner
        .post(
            "/panel/chat",
            &[
                ("text", "<script>alert(1)</script> & hisaab"),
                ("key", &key),
                ("csrf", &csrf),
            ],
        )
        .await;
    let shown = until_shown(
        &mut owner,
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; hisaab",
    )
    .await;
    assert_security_headers(&shown);
}

async fn reply_buttons_are_forms_that_answer_the_question(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = chat_page(&mut owner).await;
    let csrf = page.hidden("csrf");
    let key = field_of_form(&page, "Bhejo", "key");
    owner
        .post(
            "/panel/chat",
            &[
                ("text", "Mohan ko 300 udhaar"),
                ("key", &key),
                ("csrf", &csrf),
            ],
        )
        .await;
    let asked = until_shown(&mut owner, "Haan, banao").await;
    assert_eq!(field_of_form(&asked, "Haan, banao", "button"), "yes");
    let yes_key = field_of_form(&asked, "Haan, banao", "key");
    let yes = [
        ("button", "yes"),
        ("title", "Haan, banao"),
        ("key", yes_key.as_str()),
        ("csrf", csrf.as_str()),
    ];
    let pressed = owner.post("/panel/chat", &yes).await;
    assert_eq!(pressed.status, 303);
    let mut booked = 0;
    for _ in 0..100 {
        booked = count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'credit'",
        )
        .await;
        if booked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(booked, 1, "the button answered the question");
    let stored: String = sqlx::query_scalar(
        "SELECT body FROM messages WHERE direction = 'in' AND kind = 'button_reply'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("the press, stored as WhatsApp stores one");
    assert_eq!(stored, "yes\nHaan, banao");
    // Pressed twice: once.
    owner.post("/panel/chat", &yes).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'credit'"
        )
        .await,
        1
    );
}

async fn the_chat_is_off_with_whatsapp_and_refuses_forms_without_the_token(database: Database) {
    // In the sandbox: a form without this session's token stores nothing.
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = chat_page(&mut owner).await;
    let key = field_of_form(&page, "Bhejo", "key");
    let refused = owner
        .post(
            "/panel/chat",
            &[("text", "Rahul ne 500 diye"), ("key", &key)],
        )
        .await;
    assert_eq!(refused.status, 403);
    let forged = owner
        .post(
            "/panel/chat",
            &[("text", "Rahul ne 500 diye"), ("key", &key), ("csrf", "00")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let no_key = owner
        .post(
            "/panel/chat",
            &[
                ("text", "hello"),
                ("key", "short"),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(no_key.status, 403);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE direction = 'in'").await,
        0
    );

    // With WhatsApp credentials the merchant talks to the real number: the page says so.
    let live = spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            live: true,
            ..Setup::default()
        },
    )
    .await;
    let mut browser = Browser::new(&live);
    let asked = browser.ask_code(MERCHANT_PHONE).await;
    assert_eq!(asked.status, 303);
    // Live, the code goes to the sender; it is in the outbox all the same.
    let code = last_code(&live, MERCHANT_PHONE).await;
    browser.enter_code(&code).await;
    let off = browser.get("/panel/chat").await;
    assert_eq!(off.status, 404);
    assert!(
        off.body.contains("Chat sirf sandbox mein chalta hai"),
        "{}",
        off.body
    );
    assert!(!off.body.contains("name=\"text\""));
    let home = browser.get("/panel").await;
    assert!(
        !home.body.contains("href=\"/panel/chat\""),
        "not in the menu"
    );
    let csrf = home.hidden("csrf");
    let posted = browser
        .post(
            "/panel/chat",
            &[
                ("text", "Rahul ne 500 diye"),
                ("key", &key),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(posted.status, 404);
    assert_eq!(
        count(
            &live,
            "SELECT COUNT(*) FROM messages WHERE direction = 'in'"
        )
        .await,
        0
    );
}
