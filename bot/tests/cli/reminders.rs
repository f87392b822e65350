//! Payment reminders through the real service and a fake Graph API, on SQLite and PostgreSQL:
//! sent when the injected clock reaches them, as the payment template with a pay link, at most
//! once, reconciled from status webhooks; and `execora reminder add|list|cancel`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use execora_bot::whatsapp::graph::{GraphClient, GraphConfig};
use execora_bot::whatsapp::outbound::number_throttle;
use execora_bot::whatsapp::reminders::{ReminderSender, STALE_AFTER_MS};
use execora_engine::books::reminders as stored;
use execora_engine::books::{
    self, Books, EventKind, NewCustomer, Origin, ReminderId, ReminderKey, ReminderStatus, Source,
};
use execora_engine::money::Paise;
use execora_engine::time::{Clock, ManualClock, to_millis};
use serde_json::{Value, json};

use crate::app::{
    Database, MERCHANT_PHONE, PHONE_NUMBER_ID, Setup, TOKEN, TestApp, clock, serve_locally,
    spawn_app_with,
};
use crate::{Sandbox, stderr, stdout};

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
    a_due_reminder_goes_out_once_as_the_payment_template_with_a_working_pay_link,
    a_customer_owing_nothing_is_not_reminded_and_the_merchant_is_told,
    a_send_whose_answer_was_lost_is_never_resent_and_is_reconciled_from_status_webhooks,
    only_failures_that_prove_nothing_was_sent_are_tried_again,
    the_service_sends_due_reminders_on_its_own,
    quiet_hours_and_once_a_day_hold_a_reminder_until_the_next_morning,
    a_reminder_asked_for_in_a_message_goes_out_at_once,
    a_weekly_reminder_asked_in_a_message_repeats_until_the_dues_are_paid,
    the_shop_wide_setting_is_turned_on_and_off_by_message,
    a_customers_reply_reaches_the_merchant_and_the_reminders_timeline,
);

const CUSTOMER_PHONE: &str = "919811111111";

/// The service with the test's clock; live (credentials for the fake Graph API) or the sandbox;
/// its workers off, so the test steps the reminder sender by hand.
async fn serve(database: Database, clock: &Arc<ManualClock>, live: bool) -> TestApp {
    spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            live,
            ..Setup::workers_by_hand()
        },
    )
    .await
}

async fn books(app: &TestApp, clock: &Arc<ManualClock>) -> Books {
    Books::open(app.db.clone(), app.merchant, clock.clone())
        .await
        .expect("books")
}

/// A customer with a phone who owes `owes` rupees.
async fn customer(books: &Books, name: &str, phone: Option<&str>, owes: i64) -> books::CustomerId {
    let id = books
        .add_customer(NewCustomer {
            name: name.into(),
            phone: phone.map(Into::into),
            ..Default::default()
        })
        .await
        .expect("customer")
        .0
        .id;
    if owes > 0 {
        books
            .add_credit(id, Paise::new(owes * 100), None, &Origin::new(Source::Cli))
            .await
            .expect("udhaar");
    }
    id
}

async fn schedule(
    books: &Books,
    customer: books::CustomerId,
    amount: Option<i64>,
    in_minutes: i64,
) -> ReminderId {
    let due = books.now() + chrono::Duration::minutes(in_minutes);
    books
        .schedule_reminder(
            customer,
            amount.map(|r| Paise::new(r * 100)),
            to_millis(due),
            &Origin::new(Source::Cli),
        )
        .await
        .expect("schedule")
        .value
        .id
}

fn live_sender(app: &TestApp, clock: &Arc<ManualClock>) -> ReminderSender {
    ReminderSender::live(
        app.db.clone(),
        clock.clone(),
        app.graph.client(),
        number_throttle(1000),
    )
}

/// A status webhook from Meta for `wamid`, echoing `callback` as biz_opaque_callback_data.
fn status_body(wamid: &str, status: &str, callback: Option<&str>, error: Option<i64>) -> Vec<u8> {
    let mut entry = json!({
        "id": wamid, "status": status, "timestamp": "1763800000", "recipient_id": CUSTOMER_PHONE,
    });
    if let Some(callback) = callback {
        entry["biz_opaque_callback_data"] = json!(callback);
    }
    if let Some(code) = error {
        entry["errors"] = json!([{"code": code, "title": "Message undeliverable",
            "message": "Message undeliverable", "error_data": {"details": "x"}}]);
    }
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [entry],
        }}]}],
    }))
    .expect("json")
}

async fn timeline(books: &Books, id: ReminderId) -> Vec<EventKind> {
    books
        .reminder_timeline(id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// Texts the shop's owner was sent (or that wait in the outbox for the owner).
async fn texts_to_merchant(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT body, status FROM messages WHERE direction = 'out' AND kind = 'text' AND peer = $1 ORDER BY id",
    )
    .bind(MERCHANT_PHONE)
    .fetch_all(app.db.pool())
    .await
    .expect("texts")
}

async fn a_due_reminder_goes_out_once_as_the_payment_template_with_a_working_pay_link(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock, true).await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul Sharma", Some("9811111111"), 1500).await;
    let id = schedule(&books, rahul, None, 60).await;
    let sender = live_sender(&app, &clock);

    assert!(!sender.send_next().await.expect("step"), "not due yet");
    clock.advance(chrono::Duration::minutes(60));
    assert!(sender.send_next().await.expect("step"), "due now");
    assert!(!sender.send_next().await.expect("step"), "sent once");

    let sent = app.graph.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let token = sent[0]["template"]["components"][1]["parameters"][0]["text"]
        .as_str()
        .expect("the URL button's parameter")
        .to_string();
    let key = ReminderKey {
        merchant: app.merchant,
        reminder: id,
    };
    // The shop speaks Hinglish: its own template, body parameters in order, the pay token as
    // the URL button's parameter, and the reminder's key for status webhooks.
    assert_eq!(
        sent[0],
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": format!("+{CUSTOMER_PHONE}"),
            "type": "template",
            "biz_opaque_callback_data": key.to_string(),
            "template": {
                "name": "payment_reminder_hinglish",
                "language": {"code": "en", "policy": "deterministic"},
                "components": [
                    {"type": "body", "parameters": [
                        {"type": "text", "text": "Rahul Sharma"},
                        {"type": "text", "text": "Gupta Kirana"},
                        {"type": "text", "text": Paise::new(150_000).to_string()},
                    ]},
                    {"type": "button", "sub_type": "url", "index": "0",
                     "parameters": [{"type": "text", "text": token}]},
                ],
            },
        })
    );
    let (status, page) = app.get(&format!("/pay/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Rahul Sharma"), "{page}");

    let reminder = books.reminder(id).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Sent);
    assert_eq!(reminder.sent_amount, Some(Paise::new(150_000)));
    // The log has the message under its wamid (a reply quoting it finds the shop), never the token.
    let (wamid, body): (String, String) = sqlx::query_as(
        "SELECT wa_message_id, body FROM messages WHERE direction = 'out' AND kind = 'template' AND peer = $1",
    )
    .bind(CUSTOMER_PHONE)
    .fetch_one(app.db.pool())
    .await
    .expect("logged");
    assert_eq!(wamid, "wamid.SENT1");
    assert!(!body.contains(&token), "{body}");

    // Status webhooks move it forward only; a redelivered one adds nothing to the timeline.
    for status in ["delivered", "read", "delivered", "read"] {
        assert_eq!(
            app.post_signed(&status_body(&wamid, status, Some(&key.to_string()), None))
                .await,
            200
        );
    }
    assert_eq!(
        books.reminder(id).await.expect("reminder").status,
        ReminderStatus::Read
    );
    assert_eq!(
        timeline(&books, id).await,
        vec![
            EventKind::Scheduled,
            EventKind::Sending,
            EventKind::Sent,
            EventKind::Delivered,
            EventKind::Read
        ]
    );
    app.stop().await;
}

async fn a_customer_owing_nothing_is_not_reminded_and_the_merchant_is_told(database: Database) {
    let clock = clock();
    let app = serve(database, &clock, false).await;
    let books = books(&app, &clock).await;
    let paid_up = customer(&books, "Asha", Some("9822222222"), 0).await;
    let owes_less = customer(&books, "Rahul", Some("9811111111"), 300).await;
    let no_phone = customer(&books, "Vikram", None, 200).await;
    let settled = schedule(&books, paid_up, Some(500), 0).await;
    let capped = schedule(&books, owes_less, Some(500), 1).await;
    let unreachable = schedule(&books, no_phone, None, 2).await;
    let sender = ReminderSender::sandbox(app.db.clone(), clock.clone());
    clock.advance(chrono::Duration::minutes(2));
    while sender.send_next().await.expect("step") {}

    assert_eq!(
        books.reminder(settled).await.expect("reminder").status,
        ReminderStatus::Settled
    );
    // Asked ₹500 of a customer who owes ₹300: asked for what is owed, never more.
    let capped = books.reminder(capped).await.expect("reminder");
    assert_eq!(capped.status, ReminderStatus::Sent);
    assert_eq!(capped.sent_amount, Some(Paise::new(30_000)));
    let (body, status): (String, String) = sqlx::query_as(
        "SELECT body, status FROM messages WHERE direction = 'out' AND kind = 'template' AND peer = $1",
    )
    .bind(CUSTOMER_PHONE)
    .fetch_one(app.db.pool())
    .await
    .expect("the sandbox outbox has it");
    assert_eq!(status, "sandbox");
    assert!(body.contains("payment_reminder_hinglish"), "{body}");
    assert!(body.contains(&Paise::new(30_000).to_string()), "{body}");
    assert_eq!(
        books.reminder(unreachable).await.expect("reminder").status,
        ReminderStatus::Failed
    );
    let told = texts_to_merchant(&app).await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told[0].0.contains("Asha") && told[0].0.contains("nahi bheja"),
        "{told:?}"
    );
    assert!(
        told[1].0.contains("Vikram") && told[1].0.contains("phone"),
        "{told:?}"
    );
    assert!(told.iter().all(|(_, status)| status == "sandbox"));
    assert!(app.graph.sent().is_empty(), "the sandbox sends nothing");
    app.stop().await;
}

/// The run_at of a stored reminder (the time it is due to leave), read back directly.
async fn run_at(app: &TestApp, id: ReminderId) -> i64 {
    sqlx::query_scalar("SELECT run_at FROM reminders WHERE id = $1")
        .bind(id.0)
        .fetch_one(app.db.pool())
        .await
        .expect("run_at")
}

async fn templates_sent(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND kind = 'template'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("count")
}

async fn quiet_hours_and_once_a_day_hold_a_reminder_until_the_next_morning(database: Database) {
    let clock = clock();
    let app = serve(database, &clock, false).await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul", Some("9811111111"), 700).await;
    let asha = customer(&books, "Asha", Some("9822222222"), 900).await;
    let first = schedule(&books, rahul, None, 1).await;
    let second = schedule(&books, rahul, Some(200), 2).await;
    // Due at 22:00 in India: inside the quiet hours.
    let late = schedule(&books, asha, None, 12 * 60).await;
    let sender = ReminderSender::sandbox(app.db.clone(), clock.clone());
    // 23 Nov 2026, 09:00 in India.
    let next_morning = to_millis(
        Utc.with_ymd_and_hms(2026, 11, 23, 3, 30, 0)
            .single()
            .expect("time"),
    );

    clock.advance(chrono::Duration::minutes(3));
    while sender.send_next().await.expect("step") {}
    assert_eq!(
        books.reminder(first).await.expect("reminder").status,
        ReminderStatus::Sent
    );
    // Rahul was reminded today: the second one waits for tomorrow morning, not refused.
    let held = books.reminder(second).await.expect("reminder");
    assert_eq!(held.status, ReminderStatus::Scheduled);
    assert_eq!(run_at(&app, second).await, next_morning);
    // Held by the claim itself: never taken for sending.
    assert_eq!(
        timeline(&books, second).await,
        vec![EventKind::Scheduled, EventKind::Moved]
    );
    assert_eq!(templates_sent(&app).await, 1);

    // 22:01 in India: Asha's reminder falls due in the quiet hours and moves to 09:00.
    clock.advance(chrono::Duration::minutes(12 * 60 - 2));
    while sender.send_next().await.expect("step") {}
    assert_eq!(
        books.reminder(late).await.expect("reminder").status,
        ReminderStatus::Scheduled
    );
    assert_eq!(run_at(&app, late).await, next_morning);
    assert_eq!(templates_sent(&app).await, 1, "nothing leaves at night");

    // The next morning both leave, once each.
    clock.set(chrono::DateTime::from_timestamp_millis(next_morning).expect("time"));
    while sender.send_next().await.expect("step") {}
    for id in [second, late] {
        assert_eq!(
            books.reminder(id).await.expect("reminder").status,
            ReminderStatus::Sent
        );
    }
    assert_eq!(templates_sent(&app).await, 3);
    app.stop().await;
}

/// "Rahul ko reminder bhejo" from the owner's phone, through the pipeline WhatsApp uses: booked
/// due now, and the reminder sender's next step sends it for Rahul's balance.
async fn a_reminder_asked_for_in_a_message_goes_out_at_once(database: Database) {
    use execora_engine::dialog::Input;
    use execora_engine::pipeline::{Message, Pipeline};
    let clock = clock();
    let app = serve(database, &clock, false).await;
    let books = books(&app, &clock).await;
    customer(&books, "Rahul", Some("9811111111"), 700).await;
    let pipeline = Pipeline::new(app.db.clone(), clock.clone(), None);
    pipeline
        .handle(&Message {
            merchant: app.merchant,
            sender: MERCHANT_PHONE.into(),
            id: "wamid.REMIND-NOW".into(),
            source: Source::Whatsapp,
            input: Input::Text("Rahul ko reminder bhejo".into()),
        })
        .await
        .expect("handled");
    let listed = books.reminders(10).await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].status, ReminderStatus::Scheduled);
    assert!(listed[0].due_at <= to_millis(books.now()), "due now");

    let sender = ReminderSender::sandbox(app.db.clone(), clock.clone());
    assert!(sender.send_next().await.expect("step"));
    let sent = books.reminder(listed[0].id).await.expect("reminder");
    assert_eq!(sent.status, ReminderStatus::Sent);
    assert_eq!(sent.sent_amount, Some(Paise::new(70_000)));
    assert_eq!(templates_sent(&app).await, 1);
    app.stop().await;
}

async fn a_send_whose_answer_was_lost_is_never_resent_and_is_reconciled_from_status_webhooks(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock, true).await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul", Some("9811111111"), 700).await;
    let asha = customer(&books, "Asha", Some("9822222222"), 900).await;
    let lost = schedule(&books, rahul, None, 0).await;
    let unknown = schedule(&books, asha, None, 0).await;
    // A sender claimed the first one and stopped before storing WhatsApp's answer.
    let claimed = stored::claim_due(&app.db, to_millis(clock.now()))
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(claimed.key.reminder, lost);
    // The restarted sender does not touch it: only the other reminder goes out.
    let sender = live_sender(&app, &clock);
    assert!(sender.send_next().await.expect("step"));
    assert!(!sender.send_next().await.expect("step"));
    assert_eq!(app.graph.sent().len(), 1);
    assert_eq!(app.graph.sent()[0]["to"], "+919822222222");
    assert_eq!(sender.review_stale().await.expect("review"), 0);
    clock.advance(chrono::Duration::milliseconds(STALE_AFTER_MS + 1000));
    assert_eq!(sender.review_stale().await.expect("review"), 1);
    assert_eq!(
        books.reminder(lost).await.expect("reminder").status,
        ReminderStatus::NeedsReview
    );
    let told = texts_to_merchant(&app).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.contains("Rahul"), "{told:?}");
    assert_eq!(told[0].1, "queued", "sent to the merchant by the sender");
    assert!(!sender.send_next().await.expect("step"), "never resent");
    assert_eq!(app.graph.sent().len(), 1);

    // Meta had taken it: its status webhook carries the key, so now we know.
    let key = ReminderKey {
        merchant: app.merchant,
        reminder: lost,
    };
    assert_eq!(
        app.post_signed(&status_body(
            "wamid.LOST",
            "sent",
            Some(&key.to_string()),
            None
        ))
        .await,
        200
    );
    assert_eq!(
        app.post_signed(&status_body(
            "wamid.LOST",
            "failed",
            Some(&key.to_string()),
            Some(131026)
        ))
        .await,
        200
    );
    let reminder = books.reminder(lost).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Failed);
    assert_eq!(reminder.error_code, Some(131026));
    assert_eq!(
        timeline(&books, lost).await,
        vec![
            EventKind::Scheduled,
            EventKind::Sending,
            EventKind::NeedsReview,
            EventKind::Sent,
            EventKind::Failed
        ]
    );
    // Another key in the callback data (not ours) changes nothing.
    assert_eq!(
        app.post_signed(&status_body(
            "wamid.OTHER",
            "read",
            Some("campaign-7"),
            None
        ))
        .await,
        200
    );
    assert_eq!(
        books.reminder(unknown).await.expect("reminder").status,
        ReminderStatus::Sent
    );
    app.stop().await;
}

async fn only_failures_that_prove_nothing_was_sent_are_tried_again(database: Database) {
    let clock = clock();
    let app = serve(database, &clock, true).await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul", Some("9811111111"), 700).await;
    // One customer per case: a customer is reminded at most once a day.
    let asha = customer(&books, "Asha", Some("9822222222"), 700).await;
    let vikram = customer(&books, "Vikram", Some("9833333333"), 700).await;
    let meena = customer(&books, "Meena", Some("9844444444"), 700).await;
    let sender = live_sender(&app, &clock);

    // Meta refuses with a throughput error: nothing went out, so it is due again later.
    let throttled = schedule(&books, rahul, None, 0).await;
    *app.graph.fail_with.lock().expect("lock") = Some(130429);
    assert!(sender.send_next().await.expect("step"));
    assert_eq!(
        books.reminder(throttled).await.expect("reminder").status,
        ReminderStatus::Scheduled
    );
    assert!(
        !sender.send_next().await.expect("step"),
        "waits its backoff"
    );
    *app.graph.fail_with.lock().expect("lock") = None;
    clock.advance(chrono::Duration::seconds(1));
    assert!(sender.send_next().await.expect("step"));
    assert_eq!(
        books.reminder(throttled).await.expect("reminder").status,
        ReminderStatus::Sent
    );
    assert_eq!(app.graph.sent().len(), 2, "one refused, one sent");

    // A permanent refusal: failed with Meta's code, not tried again.
    let refused = schedule(&books, asha, None, 0).await;
    *app.graph.fail_with.lock().expect("lock") = Some(131026);
    assert!(sender.send_next().await.expect("step"));
    *app.graph.fail_with.lock().expect("lock") = None;
    clock.advance(chrono::Duration::hours(1));
    assert!(!sender.send_next().await.expect("step"));
    let reminder = books.reminder(refused).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Failed);
    assert_eq!(reminder.error_code, Some(131026));

    // The Hinglish template is not approved (132001): nothing went out, so the English one of
    // the same parameters is tried at once; refused too, the reminder fails with the code.
    let before = app.graph.sent().len();
    let unapproved = schedule(&books, vikram, None, 0).await;
    *app.graph.fail_with.lock().expect("lock") = Some(132001);
    assert!(sender.send_next().await.expect("step"));
    *app.graph.fail_with.lock().expect("lock") = None;
    let tried: Vec<(String, String)> = app.graph.sent()[before..]
        .iter()
        .map(|body| {
            (
                body["template"]["name"].as_str().unwrap_or("").to_string(),
                body["template"]["language"]["code"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        tried,
        vec![
            ("payment_reminder_hinglish".to_string(), "en".to_string()),
            ("payment_reminder".to_string(), "en".to_string())
        ]
    );
    let reminder = books.reminder(unapproved).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Failed);
    assert_eq!(reminder.error_code, Some(132001));

    // Nothing listening: the connection was never made, so it is tried again.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let closed_at = closed.local_addr().expect("address");
    drop(closed);
    let unreachable = ReminderSender::live(
        app.db.clone(),
        clock.clone(),
        graph_at(&format!("http://{closed_at}/v25.0"), Duration::from_secs(5)),
        number_throttle(1000),
    );
    let refused_connection = schedule(&books, meena, None, 0).await;
    assert!(unreachable.send_next().await.expect("step"));
    assert_eq!(
        books
            .reminder(refused_connection)
            .await
            .expect("reminder")
            .status,
        ReminderStatus::Scheduled
    );

    // A request that went out and got no answer in time: Meta may have it. Never resent.
    let silent = serve_locally(axum::Router::new().route(
        "/v25.0/{phone}/messages",
        axum::routing::post(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late"
        }),
    ))
    .await;
    clock.advance(chrono::Duration::seconds(1));
    let timing_out = ReminderSender::live(
        app.db.clone(),
        clock.clone(),
        graph_at(
            &format!("http://{silent}/v25.0"),
            Duration::from_millis(300),
        ),
        number_throttle(1000),
    );
    assert!(timing_out.send_next().await.expect("step"));
    let reminder = books.reminder(refused_connection).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::NeedsReview);
    clock.advance(chrono::Duration::hours(1));
    assert!(!timing_out.send_next().await.expect("step"));
    assert!(!sender.send_next().await.expect("step"));
    let told = texts_to_merchant(&app).await;
    assert_eq!(told.len(), 1, "{told:?}");
    app.stop().await;
}

fn graph_at(api_base: &str, timeout: Duration) -> GraphClient {
    GraphClient::new(GraphConfig {
        api_base: api_base.into(),
        access_token: TOKEN.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        timeout,
    })
    .expect("client")
}

/// `Application::build` starts the reminder sender under the supervisor, on the service's clock.
async fn the_service_sends_due_reminders_on_its_own(database: Database) {
    let clock = clock();
    let app = spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            live: true,
            ..Setup::default()
        },
    )
    .await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul", Some("9811111111"), 700).await;
    let id = schedule(&books, rahul, None, 24 * 60).await;
    // Due tomorrow by the service's clock: the real time passing changes nothing.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        books.reminder(id).await.expect("reminder").status,
        ReminderStatus::Scheduled
    );
    clock.advance(chrono::Duration::days(1));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while books.reminder(id).await.expect("reminder").status != ReminderStatus::Sent {
        assert!(tokio::time::Instant::now() < deadline, "never sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let templates: Vec<Value> = app
        .graph
        .sent()
        .into_iter()
        .filter(|body| body["type"] == "template")
        .collect();
    assert_eq!(templates.len(), 1);
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[test]
fn reminders_are_added_listed_and_cancelled_from_the_command_line() {
    let sandbox = Sandbox::new();
    let demo = sandbox.run(&["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let added = sandbox.run(&[
        "reminder",
        "add",
        "--merchant",
        "919800000001",
        "--customer",
        "Suresh",
        "--amount",
        "500",
        "--at",
        "2030-01-01 19:00",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let said = stdout(&added);
    // 19:00 in the shop's zone (India) is stored as 13:30 UTC and shown back in the shop's zone.
    assert!(
        said.contains("Suresh") && said.contains("2030-01-01 19:00 Asia/Kolkata"),
        "{said}"
    );
    let id = said
        .split_whitespace()
        .nth(1)
        .expect("reminder id")
        .to_string();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let due_at: i64 = runtime.block_on(async {
        let url = format!(
            "sqlite://{}",
            sandbox.dir.path().join("execora.db").display()
        );
        let db = execora_engine::store::Db::connect(&url)
            .await
            .expect("the sandbox database");
        let due: i64 = sqlx::query_scalar("SELECT due_at FROM reminders")
            .fetch_one(db.pool())
            .await
            .expect("due");
        db.close().await;
        due
    });
    assert_eq!(
        due_at,
        to_millis(
            Utc.with_ymd_and_hms(2030, 1, 1, 13, 30, 0)
                .single()
                .expect("time")
        )
    );

    let listed = sandbox.run(&["reminder", "list", "--merchant", "919800000001"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let list = stdout(&listed);
    assert!(
        list.lines().any(|l| l.starts_with(&format!("{id}\t"))
            && l.contains("Suresh")
            && l.ends_with("scheduled")),
        "{list}"
    );

    let cancelled = sandbox.run(&["reminder", "cancel", "--merchant", "919800000001", &id]);
    assert!(cancelled.status.success(), "{}", stderr(&cancelled));
    let again = sandbox.run(&["reminder", "cancel", "--merchant", "919800000001", &id]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("cancelled"), "{}", stderr(&again));
    let listed = sandbox.run(&["reminder", "list", "--merchant", "919800000001"]);
    assert!(stdout(&listed).contains("cancelled"), "{}", stdout(&listed));

    for bad in [
        vec!["--at", "2020-01-01 10:00"],
        vec!["--at", "tomorrow"],
        vec!["--amount", "lots"],
    ] {
        let mut args = vec![
            "reminder",
            "add",
            "--merchant",
            "919800000001",
            "--customer",
            "Suresh",
        ];
        args.extend(bad.iter().copied());
        let refused = sandbox.run(&args);
        assert!(!refused.status.success(), "{bad:?}: {}", stdout(&refused));
    }
    let unknown = sandbox.run(&[
        "reminder",
        "add",
        "--merchant",
        "919800000001",
        "--customer",
        "Nobody Atall",
    ]);
    assert!(!unknown.status.success());
}

/// What the shop's owner is answered for `text`, through the pipeline WhatsApp uses.
async fn ask(app: &TestApp, clock: &Arc<ManualClock>, id: &str, text: &str) -> String {
    use execora_engine::dialog::Input;
    use execora_engine::pipeline::{Message, Pipeline};
    Pipeline::new(app.db.clone(), clock.clone(), None)
        .handle(&Message {
            merchant: app.merchant,
            sender: MERCHANT_PHONE.into(),
            id: id.into(),
            source: Source::Whatsapp,
            input: Input::Text(text.into()),
        })
        .await
        .expect("handled")
        .reply
        .text
}

/// "Rahul ko har hafte reminder bhejo": the first goes now, the next is booked a week after it
/// went; when Rahul has paid, the next is not sent, the series ends and the merchant is told once;
/// "Rahul ko reminder gaya?" says so.
async fn a_weekly_reminder_asked_in_a_message_repeats_until_the_dues_are_paid(database: Database) {
    let clock = clock();
    let app = serve(database, &clock, false).await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul", Some("9811111111"), 700).await;
    let said = ask(
        &app,
        &clock,
        "wamid.WEEKLY",
        "Rahul ko har hafte reminder bhejo",
    )
    .await;
    assert!(
        said.contains("Rahul") && said.contains("har hafte"),
        "{said}"
    );
    let said = ask(&app, &clock, "wamid.ASK0", "Rahul ko reminder gaya?").await;
    assert!(said.contains("abhi gaya nahi"), "{said}");

    let sender = ReminderSender::sandbox(app.db.clone(), clock.clone());
    assert!(sender.send_next().await.expect("step"));
    assert!(
        !sender.send_next().await.expect("step"),
        "the next waits a week"
    );
    let waiting = books.pending_reminders(Some(rahul)).await.expect("pending");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(
        waiting[0].due_at,
        to_millis(clock.now() + chrono::Duration::days(7))
    );
    let said = ask(&app, &clock, "wamid.ASK1", "Rahul ko reminder gaya?").await;
    assert!(
        said.contains("bhej diya") && said.contains("Agla reminder"),
        "{said}"
    );

    books
        .record_payment(rahul, Paise::new(70_000), None, &Origin::new(Source::Cli))
        .await
        .expect("paid");
    clock.advance(chrono::Duration::days(7));
    assert!(sender.send_next().await.expect("step"));
    assert!(!sender.send_next().await.expect("step"));
    assert_eq!(
        templates_sent(&app).await,
        1,
        "nothing sent to a customer who owes nothing"
    );
    assert_eq!(books.running_series(rahul).await.expect("series"), None);
    let told = texts_to_merchant(&app).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.contains("auto reminder band"), "{told:?}");
    clock.advance(chrono::Duration::days(30));
    assert!(!sender.send_next().await.expect("step"), "the series ended");
    let said = ask(&app, &clock, "wamid.ASK2", "Rahul ko reminder gaya?").await;
    assert!(said.contains("nahi bheja"), "{said}");
    app.stop().await;
}

/// "sab udhaar walon ko har 3 din reminder" from the owner turns the shop-wide setting on (staff
/// may not); the sender's round books one for each customer who owes; "sab auto reminder band
/// karo" turns it off.
async fn the_shop_wide_setting_is_turned_on_and_off_by_message(database: Database) {
    let clock = clock();
    let app = serve(database, &clock, false).await;
    let books = books(&app, &clock).await;
    let staff = "919822200000";
    books::merchants::add_phone(&app.db, app.merchant, staff, books::Role::Staff, &*clock)
        .await
        .expect("staff");
    let asha = customer(&books, "Asha", Some("9822222222"), 300).await;
    customer(&books, "Vikram", Some("9833333333"), 0).await;
    let said = ask(
        &app,
        &clock,
        "wamid.ALL",
        "sab udhaar walon ko har 3 din reminder",
    )
    .await;
    assert!(said.contains("har 3 din") && said.contains('1'), "{said}");
    assert_eq!(
        books.settings().await.expect("settings").auto_reminder_days,
        Some(3)
    );
    let sender = ReminderSender::sandbox(app.db.clone(), clock.clone());
    assert_eq!(sender.book_shop_rounds().await.expect("round"), 1);
    assert!(sender.send_next().await.expect("step"));
    let sent = books.reminders(10).await.expect("list");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].customer, asha);
    assert_eq!(sent[0].status, ReminderStatus::Sent);

    // Staff may not turn it off.
    {
        use execora_engine::dialog::Input;
        use execora_engine::pipeline::{Message, Pipeline};
        let refused = Pipeline::new(app.db.clone(), clock.clone(), None)
            .handle(&Message {
                merchant: app.merchant,
                sender: staff.into(),
                id: "wamid.STAFF-OFF".into(),
                source: Source::Whatsapp,
                input: Input::Text("sab auto reminder band karo".into()),
            })
            .await
            .expect("handled")
            .reply
            .text;
        assert!(refused.contains("malik"), "{refused}");
    }
    assert_eq!(
        books.settings().await.expect("settings").auto_reminder_days,
        Some(3)
    );
    let said = ask(&app, &clock, "wamid.OFF", "sab auto reminder band karo").await;
    assert!(said.contains("band"), "{said}");
    assert_eq!(
        books.settings().await.expect("settings").auto_reminder_days,
        None
    );
    clock.advance(chrono::Duration::days(3));
    assert_eq!(sender.book_shop_rounds().await.expect("round"), 0);
    app.stop().await;
}

/// A text message from `from`, quoting `quoted` when given, as Meta posts it.
fn text_from(from: &str, wamid: &str, body: &str, quoted: Option<&str>) -> Vec<u8> {
    let mut message = json!({"from": from, "id": wamid, "timestamp": "1795000000",
        "type": "text", "text": {"body": body}});
    if let Some(quoted) = quoted {
        message["context"] = json!({"from": "15550000000", "id": quoted});
    }
    serde_json::to_vec(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Rahul"}, "wa_id": from}], "messages": [message]}}]}]}),
    )
    .expect("json")
}

/// Rahul answers the reminder "kal de dunga": the owner gets it (the customer path), and it joins
/// the reminder's timeline, so "Rahul ko reminder gaya?" shows it with the reminder's fate.
async fn a_customers_reply_reaches_the_merchant_and_the_reminders_timeline(database: Database) {
    use execora_bot::whatsapp::inbound::InboundWorker;
    use execora_engine::pipeline::Pipeline;
    let clock = clock();
    let app = serve(database, &clock, true).await;
    let books = books(&app, &clock).await;
    let rahul = customer(&books, "Rahul", Some("9811111111"), 700).await;
    let id = schedule(&books, rahul, None, 0).await;
    assert!(live_sender(&app, &clock).send_next().await.expect("step"));
    let wamid: String = sqlx::query_scalar("SELECT wa_message_id FROM reminders WHERE id = $1")
        .bind(id.0)
        .fetch_one(app.db.pool())
        .await
        .expect("wamid");

    clock.advance(chrono::Duration::minutes(30));
    let reply = text_from(
        CUSTOMER_PHONE,
        "wamid.RAHUL-REPLY",
        "kal de dunga",
        Some(&wamid),
    );
    assert_eq!(app.post_signed(&reply).await, 200);
    let worker = InboundWorker::new(
        app.db.clone(),
        Pipeline::new(app.db.clone(), clock.clone(), None),
        true,
    );
    while worker.process_next().await.expect("processed") {}

    let told = texts_to_merchant(&app).await;
    assert!(
        told.iter().any(|(body, _)| body.contains("kal de dunga")),
        "{told:?}"
    );
    let events = books.reminder_timeline(id).await.expect("timeline");
    let replies: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::Replied)
        .map(|e| e.detail.clone().unwrap_or_default())
        .collect();
    assert_eq!(replies, vec!["kal de dunga".to_string()]);
    // Redelivered by Meta: the webhook keeps one message, the timeline one reply.
    assert_eq!(app.post_signed(&reply).await, 200);
    while worker.process_next().await.expect("processed") {}
    assert_eq!(
        books
            .reminder_timeline(id)
            .await
            .expect("timeline")
            .iter()
            .filter(|e| e.kind == EventKind::Replied)
            .count(),
        1
    );

    let key = ReminderKey {
        merchant: app.merchant,
        reminder: id,
    };
    assert_eq!(
        app.post_signed(&status_body(
            &wamid,
            "delivered",
            Some(&key.to_string()),
            None
        ))
        .await,
        200
    );
    let said = ask(
        &app,
        &clock,
        "wamid.ASK-REPLY",
        "Rahul ka reminder pahuncha?",
    )
    .await;
    assert!(
        said.contains("pahunch gaya") && said.contains("kal de dunga"),
        "{said}"
    );
    let said = ask(&app, &clock, "wamid.ASK-EN", "did Rahul get the reminder?").await;
    assert!(said.contains("pahunch gaya"), "{said}");
    app.stop().await;
}

#[test]
fn automatic_reminders_and_the_daily_cap_from_the_command_line() {
    let sandbox = Sandbox::new();
    let demo = sandbox.run(&["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let shop = "919800000001";
    let set = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        shop,
        "--reminder-cap",
        "50",
        "--auto-reminder-days",
        "3",
    ]);
    assert!(set.status.success(), "{}", stderr(&set));
    let shown = sandbox.run(&["merchant", "set", "--merchant", shop]);
    let said = stdout(&shown);
    assert!(
        said.contains("at most 50 reminders a day") && said.contains("every 3 days"),
        "{said}"
    );
    let off = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        shop,
        "--auto-reminder-days",
        "0",
    ]);
    assert!(stdout(&off).contains("who owes: off"), "{}", stdout(&off));
    // The panel's limits: 1 to 100000 reminders a day.
    for cap in ["-5", "0", "100001"] {
        let refused = sandbox.run(&[
            "merchant",
            "set",
            "--merchant",
            shop,
            &format!("--reminder-cap={cap}"),
        ]);
        assert!(!refused.status.success(), "{cap}");
        assert!(
            stderr(&refused).contains("1 and 100000"),
            "{}",
            stderr(&refused)
        );
    }
    let shown = sandbox.run(&["merchant", "set", "--merchant", shop]);
    assert!(
        stdout(&shown).contains("at most 50 reminders a day, none in the quiet hours 21:00-09:00"),
        "{}",
        stdout(&shown)
    );
    let quiet = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        shop,
        "--quiet-hours",
        "22:30-07:15",
    ]);
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(
        stdout(&quiet).contains("quiet hours 22:30-07:15"),
        "{}",
        stdout(&quiet)
    );
    for window in ["22:30", "10:00-10:00", "25:00-07:00"] {
        let refused = sandbox.run(&[
            "merchant",
            "set",
            "--merchant",
            shop,
            "--quiet-hours",
            window,
        ]);
        assert!(!refused.status.success(), "{window}");
        assert!(
            stderr(&refused).contains("--quiet-hours"),
            "{}",
            stderr(&refused)
        );
    }
    let kept = sandbox.run(&["merchant", "set", "--merchant", shop]);
    assert!(stdout(&kept).contains("quiet hours 22:30-07:15"));

    let added = sandbox.run(&[
        "reminder",
        "add",
        "--merchant",
        shop,
        "--customer",
        "Suresh",
        "--every",
        "7",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stdout(&added).contains("every 7 days"),
        "{}",
        stdout(&added)
    );
    let series = stdout(&sandbox.run(&["reminder", "series", "--merchant", shop]));
    assert!(
        series
            .lines()
            .any(|l| l.contains("Suresh") && l.contains("every 7 days") && l.ends_with("running")),
        "{series}"
    );
    let list = stdout(&sandbox.run(&["reminder", "list", "--merchant", shop]));
    assert!(list.contains("[series"), "{list}");
    let stopped = sandbox.run(&[
        "reminder",
        "stop",
        "--merchant",
        shop,
        "--customer",
        "Suresh",
    ]);
    assert!(stopped.status.success(), "{}", stderr(&stopped));
    assert!(
        stdout(&stopped).contains("1 series"),
        "{}",
        stdout(&stopped)
    );
    let series = stdout(&sandbox.run(&["reminder", "series", "--merchant", shop]));
    assert!(series.contains("(stopped)"), "{series}");
    let list = stdout(&sandbox.run(&["reminder", "list", "--merchant", shop]));
    assert!(list.contains("cancelled"), "{list}");
    let all = sandbox.run(&["reminder", "stop", "--merchant", shop, "--all"]);
    assert!(all.status.success(), "{}", stderr(&all));
    let neither = sandbox.run(&["reminder", "stop", "--merchant", shop]);
    assert!(!neither.status.success());
    let bad = sandbox.run(&[
        "reminder",
        "add",
        "--merchant",
        shop,
        "--customer",
        "Suresh",
        "--every",
        "0",
    ]);
    assert!(!bad.status.success());
}
