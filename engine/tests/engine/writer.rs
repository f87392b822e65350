//! The line for the writer: batches of arriving messages go ahead of background writes, which
//! still always get their turn.

use std::time::Duration;

use execora_engine::inbox::{Arrival, Inbox};
use execora_engine::messages::{self, Delivery, NewOutbound};
use execora_engine::store::Db;

use crate::support::{TestDb, shop};

fn outbound(body: &str) -> NewOutbound<'_> {
    NewOutbound {
        merchant: None,
        peer: "919812345678",
        kind: "text",
        body,
        in_reply_to: None,
        options: None,
        status: Delivery::Sandbox,
        at: 1,
    }
}

fn arrival(wamid: &str) -> Arrival {
    Arrival {
        merchant: None,
        channel_id: wamid.into(),
        peer: "919812345678".into(),
        peer_user_id: None,
        kind: "text".into(),
        body: "Rahul ne 200 UPI kiya".into(),
        media_id: None,
        context_id: None,
        status: Delivery::Received,
        due_at: None,
        at: 1,
        request_id: None,
    }
}

/// PostgreSQL refuses a NUL in text, and the batch it arrives in was one statement: a message
/// carrying one is stored without it, and every other message of the batch is stored as sent.
async fn a_nul_in_one_message_never_fails_the_others_in_its_batch(db: Db) {
    let inbox = Inbox::start(db.clone());
    let mut tasks = Vec::new();
    for n in 0..40 {
        let inbox = inbox.clone();
        tasks.push(tokio::spawn(async move {
            let mut message = arrival(&format!("wamid.NUL{n}"));
            if n == 17 {
                message.body = "Rahul ne\0 200 UPI kiya".into();
                message.peer_user_id = Some("IN.\0-123".into());
            }
            inbox.record(message).await
        }));
    }
    for task in tasks {
        assert!(
            task.await.expect("joined").expect("stored").is_some(),
            "every message of the batch is stored"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(count, 40);
    let cleaned: String =
        sqlx::query_scalar("SELECT body FROM messages WHERE wa_message_id = 'wamid.NUL17'")
            .fetch_one(db.pool())
            .await
            .expect("the message with a NUL");
    assert_eq!(cleaned, "Rahul ne 200 UPI kiya", "the NUL alone is dropped");
}

/// A row the database refuses (here a trigger refuses one body) costs only itself: the batch
/// falls back to writing row by row, the refused delivery gets an error (Meta delivers it
/// again), and every other message of the batch is stored.
async fn a_row_the_database_refuses_costs_only_itself_in_its_batch(db: Db) {
    let refuse: &[&str] = match db.backend() {
        execora_engine::store::Backend::Sqlite => {
            &["CREATE TRIGGER refuse_one BEFORE INSERT ON messages \
             WHEN NEW.body = 'refuse me' BEGIN SELECT RAISE(ABORT, 'refused'); END"]
        }
        execora_engine::store::Backend::Postgres => &[
            "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN \
             IF NEW.body = 'refuse me' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_one BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_one()",
        ],
    };
    for statement in refuse {
        sqlx::query(sqlx::AssertSqlSafe(*statement))
            .execute(db.pool())
            .await
            .expect("trigger");
    }
    let inbox = Inbox::start(db.clone());
    let mut tasks = Vec::new();
    for n in 0..40 {
        let inbox = inbox.clone();
        tasks.push(tokio::spawn(async move {
            let mut message = arrival(&format!("wamid.ROW{n}"));
            if n == 23 {
                message.body = "refuse me".into();
            }
            (n, inbox.record(message).await)
        }));
    }
    for task in tasks {
        let (n, stored) = task.await.expect("joined");
        if n == 23 {
            assert!(
                stored.is_err(),
                "the refused message is reported, to be redelivered"
            );
        } else {
            assert!(stored.expect("stored").is_some(), "message {n} is stored");
        }
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(count, 39);
}

crate::on_both_databases!(
    background_writes_are_never_held_up_for_good,
    a_nul_in_one_message_never_fails_the_others_in_its_batch,
    a_row_the_database_refuses_costs_only_itself_in_its_batch,
);

/// Arrivals said to be waiting whose batch never comes (a writer that died) hold background
/// writes up only briefly: a single write and a transaction both still go through.
async fn background_writes_are_never_held_up_for_good(db: Db) {
    let shop = shop(&db, "Patient Kirana").await;
    db.arrivals_waiting();
    let reply = outbound("still sent");
    let write = messages::record_outbound(&db, &reply);
    let stored = tokio::time::timeout(Duration::from_secs(10), write)
        .await
        .expect("the write was not held up for good")
        .expect("stored");
    assert!(
        messages::get(&db, stored)
            .await
            .expect("read")
            .is_some_and(|m| m.body == "still sent")
    );
    let transaction = async {
        let mut tx = db.begin().await.expect("begin");
        sqlx::query("UPDATE merchants SET name = $1 WHERE id = $2")
            .bind("Patient Kirana Store")
            .bind(shop.books.merchant_id().0)
            .execute(&mut *tx)
            .await
            .expect("update");
        tx.commit().await.expect("commit");
    };
    tokio::time::timeout(Duration::from_secs(10), transaction)
        .await
        .expect("the transaction was not held up for good");
}

/// On one thread the order is fixed: the background write is first in line but finds arrivals
/// waiting, so the batch is written (and gets the lower id) before it. Without the gate the
/// background write, already under way, would take the writer first.
#[tokio::test(flavor = "current_thread")]
async fn arriving_messages_go_ahead_of_a_waiting_background_write() {
    let test_db = TestDb::sqlite().await;
    let db = test_db.db.clone();
    let inbox = Inbox::start(db.clone());
    // The inbox's writer parks on its empty queue, then the background write starts and gets
    // as far as it may before the message arrives.
    settle().await;
    db.arrivals_waiting();
    let background = tokio::spawn({
        let db = db.clone();
        async move { messages::record_outbound(&db, &outbound("after the batch")).await }
    });
    settle().await;
    let arrived = inbox
        .record(arrival("wamid.FIRST"))
        .await
        .expect("stored")
        .expect("new");
    let sent = background.await.expect("joined").expect("stored");
    assert!(
        arrived.0 < sent.0,
        "the arriving message (id {}) must be written before the background write (id {})",
        arrived.0,
        sent.0
    );
}

/// Lets every other task on this thread run until it waits.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}
