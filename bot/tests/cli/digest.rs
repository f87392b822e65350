//! The merchant's evening digest through the real service and a fake Graph API, on SQLite and
//! PostgreSQL: written once per shop-day when the injected clock reaches the shop's digest time,
//! as text inside the 24-hour window and as the evening_digest template outside it; changed by
//! chat and by `execora merchant set --digest`.

use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use execora_bot::whatsapp::digest::DigestSender;
use execora_bot::whatsapp::outbound::Sender;
use execora_engine::books::digest::DigestChannel;
use execora_engine::books::{Books, DigestChange, NewCustomer, Origin, Source};
use execora_engine::messages::{self, Delivery, NewInbound};
use execora_engine::money::Paise;
use execora_engine::time::{Clock, ManualClock, to_millis};
use serde_json::Value;

use crate::app::{Database, MERCHANT_PHONE, Setup, TestApp, clock, spawn_app_with};
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
    inside_the_window_the_digest_is_text_and_outside_it_the_template,
    the_service_writes_the_digest_on_its_own_once_and_not_when_off,
);

async fn books(app: &TestApp, clock: &Arc<ManualClock>) -> Books {
    Books::open(app.db.clone(), app.merchant, clock.clone())
        .await
        .expect("books")
}

/// The merchant writes to us at the clock's time (opening the 24-hour window).
async fn merchant_writes(app: &TestApp, clock: &Arc<ManualClock>, n: u32) {
    messages::record_inbound(
        &app.db,
        &NewInbound {
            merchant: Some(app.merchant),
            channel_id: &format!("wamid.MERCHANT{n}"),
            peer: MERCHANT_PHONE,
            peer_user_id: None,
            kind: "text",
            body: "aaj ka hisaab",
            media_id: None,
            context_id: None,
            status: Delivery::Processed,
            at: to_millis(clock.now()),
        },
    )
    .await
    .expect("inbound");
}

async fn inside_the_window_the_digest_is_text_and_outside_it_the_template(database: Database) {
    let clock = clock();
    let app = spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            live: true,
            ..Setup::workers_by_hand()
        },
    )
    .await;
    let books = books(&app, &clock).await;
    let origin = Origin::new(Source::Cli);
    let rahul = books
        .add_customer(NewCustomer {
            name: "Rahul Sharma".into(),
            ..Default::default()
        })
        .await
        .expect("customer")
        .0
        .id;
    books
        .add_credit(rahul, Paise::new(80_000), None, &origin)
        .await
        .expect("udhaar");
    books
        .record_payment(rahul, Paise::new(30_000), None, &origin)
        .await
        .expect("payment");
    let digests = DigestSender::new(app.db.clone(), clock.clone(), false);
    let sender = Sender::new(app.db.clone(), app.graph.client()).with_clock(clock.clone());
    // 10:00 in India: the merchant writes; no digest before 21:00.
    merchant_writes(&app, &clock, 1).await;
    assert!(digests.send_due().await.expect("step").is_empty());
    clock.advance(chrono::Duration::hours(11));
    let written = digests.send_due().await.expect("step");
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].1.channel, DigestChannel::Text);
    assert!(
        digests.send_due().await.expect("again").is_empty(),
        "once a day"
    );
    assert!(sender.send_next().await.expect("send"));
    let sent = app.graph.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["type"], "text");
    assert_eq!(sent[0]["to"], format!("+{MERCHANT_PHONE}"));
    let body = sent[0]["text"]["body"].as_str().expect("text").to_string();
    for expected in [
        "Gupta Kirana",
        "Vasooli: ₹300",
        "Naya udhaar: ₹800",
        "Kul baaki: ₹500",
        "Rahul Sharma: ₹500",
        "Reminder gaye: 0",
        "Kal ke reminder: 0",
    ] {
        assert!(body.contains(expected), "{expected} missing in {body}");
    }

    // The next evening the merchant's last message is 35 hours old: the window is closed, so
    // the digest is the shop's approved template with the digest in one line.
    clock.advance(chrono::Duration::days(1));
    let written = digests.send_due().await.expect("step");
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].1.channel, DigestChannel::Template);
    assert!(sender.send_next().await.expect("send"));
    let sent = app.graph.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let template = &sent[1]["template"];
    assert_eq!(sent[1]["type"], "template");
    assert_eq!(template["name"], "evening_digest_hinglish");
    assert_eq!(template["language"]["code"], "en");
    let parameters: Vec<&str> = template["components"][0]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(parameters.len(), 2, "{template}");
    assert_eq!(parameters[0], "Gupta Kirana");
    assert!(
        parameters[1].starts_with("Bikri ₹0 · Mile ₹0 · Naya udhaar ₹0 · Kul baaki ₹500"),
        "{}",
        parameters[1]
    );
    assert!(!parameters[1].contains('\n'));
    // Both are in the log, sent, under the shop.
    let statuses: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, status FROM messages WHERE direction = 'out' AND peer = $1 ORDER BY id",
    )
    .bind(MERCHANT_PHONE)
    .fetch_all(app.db.pool())
    .await
    .expect("log");
    assert_eq!(
        statuses,
        vec![
            ("text".to_string(), "sent".to_string()),
            ("template".to_string(), "sent".to_string())
        ]
    );
    // Within the window again (the merchant wrote an hour before): text once more.
    clock.advance(chrono::Duration::hours(23));
    merchant_writes(&app, &clock, 2).await;
    clock.advance(chrono::Duration::hours(1));
    let written = digests.send_due().await.expect("step");
    assert_eq!(written[0].1.channel, DigestChannel::Text);
    app.stop().await;
}

async fn the_service_writes_the_digest_on_its_own_once_and_not_when_off(database: Database) {
    let clock = clock();
    let app = spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            ..Setup::default()
        },
    )
    .await;
    let books = books(&app, &clock).await;
    let digests_in_outbox = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM digests WHERE merchant_id = $1")
            .bind(app.merchant.0)
            .fetch_one(app.db.pool())
            .await
            .expect("count")
    };
    // The shop wants it at 20:00; the service started at 10:00 writes it when its clock gets there.
    books
        .set_digest_schedule(DigestChange {
            enabled: None,
            at: chrono::NaiveTime::from_hms_opt(20, 0, 0),
        })
        .await
        .expect("set");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(digests_in_outbox().await, 0);
    clock.advance(chrono::Duration::hours(10));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while digests_in_outbox().await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Sandbox: the digest waits in the outbox as a template (no message from the merchant yet).
    let (kind, status, options): (String, String, Option<String>) = sqlx::query_as(
        "SELECT kind, status, options FROM messages WHERE direction = 'out' AND peer = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(MERCHANT_PHONE)
    .fetch_one(app.db.pool())
    .await
    .expect("outbox");
    assert_eq!((kind.as_str(), status.as_str()), ("template", "sandbox"));
    let options: Value = serde_json::from_str(&options.unwrap_or_default()).expect("json");
    assert_eq!(options["name"], "evening_digest_hinglish");
    // Off the next day: nothing more, whatever the clock says.
    books
        .set_digest_schedule(DigestChange {
            enabled: Some(false),
            at: None,
        })
        .await
        .expect("off");
    clock.advance(chrono::Duration::days(1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(digests_in_outbox().await, 1);
    app.stop().await;
}

#[test]
fn the_digest_is_changed_by_chat_and_by_the_operator() {
    let sandbox = Sandbox::new();
    let seeded = sandbox.run(&["demo"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let shown = sandbox.run(&["merchant", "set", "--merchant", "919800000001"]);
    assert!(
        stdout(&shown).contains("evening digest at 21:00 (Asia/Kolkata)"),
        "{}",
        stdout(&shown)
    );
    let mut chat = sandbox
        .command()
        .args(["chat", "--merchant", "919800000001"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chat starts");
    let mut stdin = chat.stdin.take().expect("stdin");
    stdin
        .write_all("digest 8 baje bhejo\nexit\n".as_bytes())
        .expect("typed");
    drop(stdin);
    let output = chat.wait_with_output().expect("chat ends");
    let text = stdout(&output);
    assert!(text.contains("ab raat 8:00 baje"), "{text}");
    let shown = sandbox.run(&["merchant", "set", "--merchant", "919800000001"]);
    assert!(
        stdout(&shown).contains("evening digest at 20:00"),
        "{}",
        stdout(&shown)
    );
    let off = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        "919800000001",
        "--digest",
        "off",
    ]);
    assert!(off.status.success(), "{}", stderr(&off));
    assert!(
        stdout(&off).contains("evening digest off"),
        "{}",
        stdout(&off)
    );
    let on = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        "919800000001",
        "--digest",
        "21:30",
    ]);
    assert!(
        stdout(&on).contains("evening digest at 21:30"),
        "{}",
        stdout(&on)
    );
    let refused = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        "919800000001",
        "--digest",
        "9 baje",
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--digest"),
        "{}",
        stderr(&refused)
    );
}
