//! Data rights: a customer's export, their deletion by a code sent to the owner (books' totals
//! unchanged, personal data gone from every row), and message texts cleared after the retention.

use execora_engine::access::{AccessKey, CodeRefused};
use execora_engine::books::{
    self, BooksError, CustomerId, InvoiceLineRequest, LinePricing, NewCustomer, Origin, Source,
};
use execora_engine::messages::{self, Delivery, MessageId, NewInbound, NewOutbound};
use execora_engine::money::Paise;
use execora_engine::quantity::Quantity;
use execora_engine::recordings::Recordings;
use execora_engine::rights::{self, MessageRetention, Requester, RightsError};
use execora_engine::store::{Backend, Db};
use execora_engine::time::to_millis;
use sqlx::Row;

use crate::on_both_databases;
use crate::support::{customer, shop};

const NAME: &str = "Zorawar Pratap";
const NICKNAME: &str = "Zoru Bhai";
const PHONE: &str = "919812345678";

fn key() -> AccessKey {
    AccessKey::from_secret(&"k".repeat(32)).expect("key")
}

fn whatsapp(key: &str) -> Origin {
    Origin::keyed(Source::Whatsapp, key)
}

/// Every text of every row of every table, as `table.column: value`.
async fn dump(db: &Db) -> Vec<String> {
    let tables: Vec<String> = match db.backend() {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()",
        ),
    }
    .fetch_all(db.pool())
    .await
    .expect("tables");
    assert!(tables.len() > 20, "{tables:?}");
    let mut texts = Vec::new();
    for table in tables {
        let columns: Vec<String> = match db.backend() {
            Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)"),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            ),
        }
        .bind(&table)
        .fetch_all(db.pool())
        .await
        .expect("columns");
        for column in columns {
            let as_text: Result<Vec<Option<String>>, _> = sqlx::query_scalar(sqlx::AssertSqlSafe(
                format!("SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\""),
            ))
            .fetch_all(db.pool())
            .await;
            // A column of bytes (a migration's checksum) is read as bytes.
            let values = match as_text {
                Ok(values) => values,
                Err(_) => sqlx::query_scalar::<_, Option<Vec<u8>>>(sqlx::AssertSqlSafe(format!(
                    "SELECT \"{column}\" FROM \"{table}\""
                )))
                .fetch_all(db.pool())
                .await
                .expect("values")
                .into_iter()
                .map(|bytes| bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
                .collect(),
            };
            texts.extend(
                values
                    .into_iter()
                    .flatten()
                    .map(|value| format!("{table}.{column}: {value}")),
            );
        }
    }
    texts
}

fn naming(texts: &[String]) -> Vec<&String> {
    texts
        .iter()
        .filter(|text| {
            let lower = text.to_lowercase();
            lower.contains("zorawar") || lower.contains("zoru") || lower.contains("9812345678")
        })
        .collect()
}

struct Scene {
    shop: crate::support::Shop,
    person: CustomerId,
    other: CustomerId,
    archive: Recordings,
    archive_dir: tempfile::TempDir,
}

/// A shop where one customer has a history of every kind, and another customer who stays.
async fn scene(db: &Db) -> Scene {
    let shop = shop(db, "Kirana Rights").await;
    let books = &shop.books;
    let merchant = books.merchant_id();
    let owner = books::merchants::owner_phone(db, merchant)
        .await
        .expect("owner")
        .expect("an owner");
    let (person, _) = books
        .add_customer(NewCustomer {
            name: NAME.into(),
            phone: Some(PHONE.into()),
            nickname: Some(NICKNAME.into()),
        })
        .await
        .expect("customer");
    let other = customer(books, "Suresh Kumar").await;
    let now = to_millis(books.now());

    // A message that booked for them without naming them, and the reply to it.
    let booking = messages::record_inbound(
        db,
        &NewInbound {
            merchant: Some(merchant),
            channel_id: "wamid.BOOK1",
            peer: owner.as_str(),
            peer_user_id: None,
            kind: "audio",
            body: "",
            media_id: Some("media-1"),
            context_id: None,
            status: Delivery::Processed,
            at: now,
        },
    )
    .await
    .expect("store")
    .expect("new");
    messages::set_transcript(db, booking, "usko saat sau udhaar likh do")
        .await
        .expect("transcript");
    books
        .add_credit(
            person.id,
            Paise::new(70_000),
            Some("Zorawar Pratap ki shaadi ka saman"),
            &whatsapp("wamid.BOOK1#0"),
        )
        .await
        .expect("credit");
    messages::record_outbound(
        db,
        &NewOutbound {
            merchant: Some(merchant),
            peer: owner.as_str(),
            kind: "text",
            body: "Likh diya: ₹700 udhaar",
            in_reply_to: Some(booking),
            options: None,
            status: Delivery::Sandbox,
            at: now,
        },
    )
    .await
    .expect("reply");
    let archive_dir = tempfile::tempdir().expect("archive dir");
    let archive =
        Recordings::from_url(&archive_dir.path().display().to_string(), None).expect("archive");
    archive
        .archive(
            db,
            merchant,
            booking,
            now,
            b"OggS voice",
            "ogg",
            Some("usko saat sau udhaar likh do, Zorawar Pratap ko"),
        )
        .await
        .expect("archived");

    // Their own conversation, and the owner's messages that name them.
    for (channel, body) in [
        ("wamid.C1", "Namaste, Zorawar Pratap here, 9812345678"),
        ("wamid.C2", "kal de dunga"),
    ] {
        messages::record_inbound(
            db,
            &NewInbound {
                merchant: Some(merchant),
                channel_id: channel,
                peer: PHONE,
                peer_user_id: Some("Zoru Bhai"),
                kind: "text",
                body,
                media_id: None,
                context_id: None,
                status: Delivery::Logged,
                at: now,
            },
        )
        .await
        .expect("store");
    }
    messages::record_outbound(
        db,
        &NewOutbound {
            merchant: Some(merchant),
            peer: PHONE,
            kind: "template",
            body: "payment_reminder: Zorawar Pratap, Kirana Rights, ₹700",
            in_reply_to: None,
            options: Some("{\"parameters\":[\"Zorawar Pratap\"]}"),
            status: Delivery::Sandbox,
            at: now,
        },
    )
    .await
    .expect("to them");
    messages::record_outbound(
        db,
        &NewOutbound {
            merchant: Some(merchant),
            peer: owner.as_str(),
            kind: "text",
            body: "ZORAWAR PRATAP ka ₹700 baaki hai (Zoru Bhai)",
            in_reply_to: None,
            options: None,
            status: Delivery::Sandbox,
            at: now,
        },
    )
    .await
    .expect("notice");
    messages::record_outbound(
        db,
        &NewOutbound {
            merchant: Some(merchant),
            peer: owner.as_str(),
            kind: "text",
            body: "Suresh Kumar ka ₹300 baaki hai",
            in_reply_to: None,
            options: None,
            status: Delivery::Sandbox,
            at: now,
        },
    )
    .await
    .expect("other notice");

    // Books of every kind: a payment, a bill, an undone udhaar, a reminder, a pay link.
    books
        .record_payment(
            person.id,
            Paise::new(20_000),
            None,
            &whatsapp("wamid.PAY#0"),
        )
        .await
        .expect("payment");
    books
        .create_invoice(
            Some(person.id),
            &[InvoiceLineRequest {
                pricing: LinePricing::Custom {
                    name: "Chawal".into(),
                    unit_price: Paise::new(5_000),
                },
                qty: Quantity::from_milli(2_000),
                unit: None,
            }],
            &whatsapp("wamid.BILL#0"),
        )
        .await
        .expect("bill");
    let undone = books
        .add_credit(
            person.id,
            Paise::new(1_000),
            None,
            &whatsapp("wamid.OOPS#0"),
        )
        .await
        .expect("credit");
    books
        .undo(undone.operation, &whatsapp("wamid.UNDO#0"))
        .await
        .expect("undo");
    books
        .schedule_reminder(person.id, None, now + 86_400_000, &whatsapp("wamid.REM#0"))
        .await
        .expect("reminder");
    books.issue_pay_link(person.id).await.expect("pay link");
    books
        .add_credit(
            other.id,
            Paise::new(30_000),
            Some("Suresh ka saman"),
            &whatsapp("wamid.S#0"),
        )
        .await
        .expect("other credit");
    sqlx::query(
        "INSERT INTO dialog_states (merchant_id, sender, state, updated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(merchant.0)
    .bind(owner.as_str())
    .bind(format!(
        "{{\"active_customer\":{{\"id\":{},\"name\":\"{NAME}\"}}}}",
        person.id
    ))
    .bind(now)
    .execute(db.pool())
    .await
    .expect("dialog state");
    Scene {
        shop,
        person: person.id,
        other: other.id,
        archive,
        archive_dir,
    }
}

async fn export_holds_the_statement_bills_reminders_and_messages(db: Db) {
    let scene = scene(&db).await;
    let export = rights::export_customer(&scene.shop.books, scene.person)
        .await
        .expect("export");
    assert_eq!(export.customer.name, NAME);
    assert_eq!(export.customer.phone.as_deref(), Some(PHONE));
    // 700 udhaar, 200 paid, 100 bill, 10 udhaar and its reversal: oldest first, running balance.
    let balances: Vec<i64> = export
        .statement
        .iter()
        .map(|line| line.balance_after.as_i64())
        .collect();
    assert_eq!(balances, vec![70_000, 50_000, 60_000, 61_000, 60_000]);
    assert_eq!(export.customer.balance_paise, 60_000);
    assert_eq!(export.bills.len(), 1);
    assert_eq!(export.bills[0].lines.len(), 1);
    assert_eq!(export.reminders.len(), 1);
    assert!(!export.reminders[0].timeline.is_empty());
    assert_eq!(export.messages.len(), 3, "two in, one out");
    let json = serde_json::to_value(&export).expect("json");
    assert_eq!(json["format"], "execora-customer-export/1");
    assert_eq!(json["messages"][0]["direction"], "in");
    assert_eq!(json["bills"][0]["number"], 1);
    // Another shop's customer is not found, like one that does not exist.
    let elsewhere = shop(&db, "Another Shop").await;
    assert!(matches!(
        rights::export_customer(&elsewhere.books, scene.person).await,
        Err(RightsError::Books(BooksError::CustomerNotFound(_)))
    ));
}

async fn deleting_keeps_the_totals_and_removes_every_trace_of_the_person(db: Db) {
    let scene = scene(&db).await;
    let books = &scene.shop.books;
    let today = books.now().date_naive();
    let dues = books.total_dues().await.expect("dues");
    let summary = books.daily_summary(today).await.expect("summary");
    let entries = books.entries(scene.person).await.expect("entries");
    assert!(!naming(&dump(&db).await).is_empty(), "the scene names them");

    let key = key();
    let requested = rights::request_deletion(
        books,
        &key,
        scene.person,
        &Requester::Cli,
        Delivery::Sandbox,
    )
    .await
    .expect("code sent");
    let owner = books::merchants::owner_phone(&db, books.merchant_id())
        .await
        .expect("owner")
        .expect("owner");
    assert_eq!(requested.owner, owner);
    let sent = messages::get(&db, requested.message)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(sent.peer, owner.as_str());
    assert_eq!(sent.kind, "login_code");
    assert!(
        sent.body.starts_with(requested.code.as_str()),
        "{}",
        sent.body
    );
    let deleted = rights::confirm_deletion(
        books,
        &key,
        Some(&scene.archive),
        scene.person,
        requested.challenge.as_str(),
        requested.code.as_str(),
        &Requester::Cli,
    )
    .await
    .expect("confirm")
    .expect("right code");
    assert_eq!(deleted.reminders_cancelled, 1);
    assert_eq!(deleted.pay_links_removed, 1);
    assert_eq!(deleted.recordings_purged, 1);
    assert!(deleted.messages_redacted >= 6, "{deleted:?}");

    // The books' totals are what they were, entry for entry, and the check is clean.
    assert_eq!(books.total_dues().await.expect("dues"), dues);
    let figures = |s: &books::DailySummary| {
        (
            s.sales,
            s.invoice_count,
            s.collections,
            s.new_credit,
            s.outstanding,
            s.top_debtors
                .iter()
                .map(|d| (d.customer, d.balance))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        figures(&books.daily_summary(today).await.expect("summary")),
        figures(&summary)
    );
    let after = books.entries(scene.person).await.expect("entries");
    assert_eq!(after.len(), entries.len());
    for (before, after) in entries.iter().zip(&after) {
        assert_eq!(
            (
                before.id,
                before.kind,
                before.amount,
                before.invoice,
                before.reverses
            ),
            (
                after.id,
                after.kind,
                after.amount,
                after.invoice,
                after.reverses
            )
        );
        assert!(after.note.is_none());
    }
    let report = books::check::check(&db).await.expect("check");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let gone = books.customer(scene.person).await.expect("still there");
    assert_eq!(gone.name, format!("Deleted customer #{}", scene.person));
    assert!(gone.phone.is_none() && gone.nickname.is_none());
    assert_eq!(gone.balance, Paise::new(60_000));

    // Nothing in any row of any table names them any more, and the archive holds no note.
    let left = dump(&db).await;
    assert!(naming(&left).is_empty(), "{:#?}", naming(&left));
    assert!(
        left.iter()
            .any(|t| t.contains("Suresh Kumar ka ₹300 baaki hai")),
        "a message about someone else stays"
    );
    assert!(left.iter().any(|t| t.contains("Suresh ka saman")));
    let files: Vec<_> = walk(scene.archive_dir.path());
    assert!(files.is_empty(), "{files:?}");
    let record = sqlx::query(
        "SELECT requested_by, source, messages_redacted FROM customer_deletions WHERE merchant_id = $1 AND customer_id = $2",
    )
    .bind(books.merchant_id().0)
    .bind(scene.person.0)
    .fetch_one(db.pool())
    .await
    .expect("deletion recorded");
    assert_eq!(
        record.try_get::<String, _>("requested_by").expect("who"),
        "cli"
    );
    assert_eq!(
        record.try_get::<String, _>("source").expect("source"),
        "cli"
    );
    // The other customer is untouched; the deleted one cannot be deleted twice.
    assert_eq!(
        books.customer(scene.other).await.expect("other").name,
        "Suresh Kumar"
    );
    assert!(matches!(
        rights::request_deletion(
            books,
            &key,
            scene.person,
            &Requester::Cli,
            Delivery::Sandbox
        )
        .await,
        Err(RightsError::AlreadyDeleted(_))
    ));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

async fn a_deletion_code_is_wrong_expired_bound_and_counted(db: Db) {
    let scene = scene(&db).await;
    let books = &scene.shop.books;
    let key = key();
    let ask = || async {
        rights::request_deletion(
            books,
            &key,
            scene.person,
            &Requester::Cli,
            Delivery::Sandbox,
        )
        .await
        .expect("code sent")
    };
    let confirm = |challenge: String, code: String, customer: CustomerId| {
        let key = key.clone();
        async move {
            rights::confirm_deletion(
                books,
                &key,
                None,
                customer,
                &challenge,
                &code,
                &Requester::Cli,
            )
            .await
            .expect("checked")
        }
    };
    let wrong = |code: &str| if code == "000000" { "111111" } else { "000000" }.to_string();

    // Wrong codes count down; after five tries even the right code is refused.
    let first = ask().await;
    for left in (1..=4).rev() {
        assert_eq!(
            confirm(
                first.challenge.as_str().into(),
                wrong(first.code.as_str()),
                scene.person
            )
            .await,
            Err(CodeRefused::Wrong { tries_left: left })
        );
    }
    assert_eq!(
        confirm(
            first.challenge.as_str().into(),
            wrong(first.code.as_str()),
            scene.person
        )
        .await,
        Err(CodeRefused::NoTriesLeft)
    );
    assert_eq!(
        confirm(
            first.challenge.as_str().into(),
            first.code.as_str().into(),
            scene.person
        )
        .await,
        Err(CodeRefused::NoTriesLeft)
    );

    // A code is for its request and its customer only.
    let second = ask().await;
    assert_eq!(
        confirm(
            first.challenge.as_str().into(),
            second.code.as_str().into(),
            scene.person
        )
        .await,
        Err(CodeRefused::NoTriesLeft)
    );
    assert_eq!(
        confirm(
            second.challenge.as_str().into(),
            second.code.as_str().into(),
            scene.other
        )
        .await,
        Err(CodeRefused::Expired)
    );
    assert_eq!(
        confirm(
            "not a challenge".into(),
            second.code.as_str().into(),
            scene.person
        )
        .await,
        Err(CodeRefused::Expired)
    );

    // Five minutes later it has expired.
    scene
        .shop
        .clock
        .advance(chrono::Duration::minutes(5) + chrono::Duration::seconds(1));
    assert_eq!(
        confirm(
            second.challenge.as_str().into(),
            second.code.as_str().into(),
            scene.person
        )
        .await,
        Err(CodeRefused::Expired)
    );
    assert_eq!(books.customer(scene.person).await.expect("kept").name, NAME);

    // Another shop cannot ask for or use a code on this customer.
    let elsewhere = shop(&db, "Another Shop").await;
    assert!(matches!(
        rights::request_deletion(
            &elsewhere.books,
            &key,
            scene.person,
            &Requester::Cli,
            Delivery::Sandbox
        )
        .await,
        Err(RightsError::Books(BooksError::CustomerNotFound(_)))
    ));
    let third = ask().await;
    assert_eq!(
        rights::confirm_deletion(
            &elsewhere.books,
            &key,
            None,
            scene.person,
            third.challenge.as_str(),
            third.code.as_str(),
            &Requester::Cli
        )
        .await
        .expect("checked"),
        Err(CodeRefused::Expired)
    );
    // A code made under another server key does not match.
    let other_key = AccessKey::from_secret(&"x".repeat(32)).expect("key");
    assert!(matches!(
        rights::confirm_deletion(
            books,
            &other_key,
            None,
            scene.person,
            third.challenge.as_str(),
            third.code.as_str(),
            &Requester::Cli
        )
        .await
        .expect("checked"),
        Err(CodeRefused::Wrong { .. })
    ));
    // The right one, once; then it is used.
    assert!(
        confirm(
            third.challenge.as_str().into(),
            third.code.as_str().into(),
            scene.person
        )
        .await
        .is_ok()
    );
    assert_eq!(
        confirm(
            third.challenge.as_str().into(),
            third.code.as_str().into(),
            scene.person
        )
        .await,
        Err(CodeRefused::Expired)
    );
}

async fn the_ledger_and_operations_allow_only_the_one_way_redaction(db: Db) {
    let scene = scene(&db).await;
    let merchant = scene.shop.books.merchant_id().0;
    let entry: i64 = sqlx::query_scalar(
        "SELECT id FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2 AND note IS NOT NULL",
    )
    .bind(merchant)
    .bind(scene.person.0)
    .fetch_one(db.pool())
    .await
    .expect("entry with a note");
    // Whether the database refuses `sql` about the row `id`.
    let refused_for = |sql: &'static str, id: i64| {
        let db = db.clone();
        async move {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *db.writer().await.expect("writer"))
                .await
                .is_err()
        }
    };
    let refused = |sql: &'static str| refused_for(sql, entry);
    assert!(refused("UPDATE ledger_entries SET amount_paise = 1 WHERE id = $1").await);
    assert!(refused("UPDATE ledger_entries SET note = 'x', redacted_at = 5 WHERE id = $1").await);
    assert!(
        refused(
            "UPDATE ledger_entries SET note = NULL, amount_paise = 1, redacted_at = 5 WHERE id = $1"
        )
        .await
    );
    assert!(refused("DELETE FROM ledger_entries WHERE id = $1").await);
    assert!(!refused("UPDATE ledger_entries SET note = NULL, redacted_at = 5 WHERE id = $1").await);
    assert!(refused("UPDATE ledger_entries SET redacted_at = 6 WHERE id = $1").await);

    let operation: i64 =
        sqlx::query_scalar("SELECT operation_id FROM ledger_entries WHERE id = $1")
            .bind(entry)
            .fetch_one(db.pool())
            .await
            .expect("operation");
    let op_refused = |sql: &'static str| refused_for(sql, operation);
    assert!(op_refused("UPDATE operations SET outcome = '{\"x\":1}' WHERE id = $1").await);
    assert!(
        op_refused("UPDATE operations SET outcome = '{\"x\":1}', redacted_at = 5 WHERE id = $1")
            .await
    );
    assert!(op_refused("UPDATE operations SET kind = 'payment', outcome = '\"redacted\"', redacted_at = 5 WHERE id = $1").await);
    assert!(
        !op_refused(
            "UPDATE operations SET outcome = '\"redacted\"', redacted_at = 5 WHERE id = $1"
        )
        .await
    );
    assert!(op_refused("UPDATE operations SET redacted_at = NULL WHERE id = $1").await);
    assert!(op_refused("UPDATE operations SET outcome = '{}' WHERE id = $1").await);
    assert!(op_refused("DELETE FROM operations WHERE id = $1").await);
}

async fn message_texts_are_cleared_after_the_retention_by_the_clock(db: Db) {
    let shop = shop(&db, "Retention Shop").await;
    let merchant = shop.books.merchant_id();
    let stored = |channel: &'static str, status: Delivery, body: &'static str| {
        let db = db.clone();
        let at = to_millis(shop.books.now());
        async move {
            messages::record_inbound(
                &db,
                &NewInbound {
                    merchant: Some(merchant),
                    channel_id: channel,
                    peer: "919800011111",
                    peer_user_id: None,
                    kind: "audio",
                    body,
                    media_id: None,
                    context_id: None,
                    status,
                    at,
                },
            )
            .await
            .expect("store")
            .expect("new")
        }
    };
    let old = stored("wamid.OLD", Delivery::Processed, "purana sandesh").await;
    messages::set_transcript(&db, old, "purani awaaz")
        .await
        .expect("transcript");
    let waiting = stored("wamid.WAIT", Delivery::Received, "abhi baaki").await;
    shop.clock.advance(chrono::Duration::days(20));
    let recent = stored("wamid.NEW", Delivery::Processed, "naya sandesh").await;
    shop.clock.advance(chrono::Duration::days(15));
    let now = to_millis(shop.books.now());

    // Kept for ever with 0 days; with 30 days only the 35-day-old finished message goes.
    assert_eq!(
        rights::purge_message_texts(&db, MessageRetention::days(0), now)
            .await
            .expect("purge"),
        0
    );
    assert_eq!(
        rights::purge_message_texts(&db, MessageRetention::days(30), now)
            .await
            .expect("purge"),
        1
    );
    let text = |id: MessageId| {
        let db = db.clone();
        async move {
            let row = sqlx::query(
                "SELECT body, transcript, redacted_at, wa_message_id, status FROM messages WHERE id = $1",
            )
            .bind(id.0)
            .fetch_one(db.pool())
            .await
            .expect("row stays");
            (
                row.try_get::<String, _>("body").expect("body"),
                row.try_get::<Option<String>, _>("transcript")
                    .expect("transcript"),
                row.try_get::<Option<i64>, _>("redacted_at")
                    .expect("redacted"),
                row.try_get::<Option<String>, _>("wa_message_id")
                    .expect("wamid"),
            )
        }
    };
    assert_eq!(
        text(old).await,
        (
            String::new(),
            None,
            Some(now),
            Some("wamid.OLD".to_string())
        )
    );
    assert_eq!(text(waiting).await.0, "abhi baaki", "still to be worked on");
    assert_eq!(text(recent).await.0, "naya sandesh");
    // Nothing more to do: a second sweep clears nothing.
    assert_eq!(
        rights::purge_message_texts(&db, MessageRetention::days(30), now)
            .await
            .expect("purge"),
        0
    );
}

on_both_databases!(
    export_holds_the_statement_bills_reminders_and_messages,
    deleting_keeps_the_totals_and_removes_every_trace_of_the_person,
    a_deletion_code_is_wrong_expired_bound_and_counted,
    the_ledger_and_operations_allow_only_the_one_way_redaction,
    message_texts_are_cleared_after_the_retention_by_the_clock,
);
