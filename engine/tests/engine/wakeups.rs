//! A commit that makes work ready wakes the workers waiting for it at once (not at their next
//! poll): arrivals, replies and reminders; on PostgreSQL, in other processes too.

use std::time::Duration;

use execora_engine::books::{Origin, Source};
use execora_engine::inbox::{Arrival, Inbox};
use execora_engine::messages::{self, Delivery, NewOutbound};
use execora_engine::store::{Db, Wakeup, Work};
use execora_engine::time::to_millis;

use crate::support::{TestDb, customer, shop};

/// Longer than any test runs: a wait that returns was woken, not polled.
const NO_POLL: Duration = Duration::from_secs(3600);
/// How long a test waits for a wake-up before it fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn woken(wakeup: &mut Wakeup, what: &str) {
    tokio::time::timeout(PATIENCE, wakeup.wait(NO_POLL))
        .await
        .unwrap_or_else(|_| panic!("{what} did not wake its worker"));
}

fn arrival(wamid: &str) -> Arrival {
    Arrival {
        merchant: None,
        channel_id: wamid.into(),
        peer: "919812300001".into(),
        peer_user_id: None,
        kind: "text".into(),
        body: "Rahul ne 200 diye".into(),
        media_id: None,
        context_id: None,
        status: Delivery::Received,
        due_at: None,
        at: 1,
        request_id: None,
    }
}

async fn commits_wake_the_workers_in_this_process(db: &Db) {
    let mut arrivals = db.wakeup(Work::Inbound);
    arrivals.seen();
    let inbox = Inbox::start(db.clone());
    inbox.record(arrival("wamid.wake.1")).await.expect("stored");
    woken(&mut arrivals, "an arriving message").await;

    let mut replies = db.wakeup(Work::Outbound);
    replies.seen();
    messages::record_outbound(
        db,
        &NewOutbound {
            merchant: None,
            peer: "919812300001",
            kind: "text",
            body: "Rahul ka ₹200 jama",
            in_reply_to: None,
            options: None,
            status: Delivery::Queued,
            at: 2,
        },
    )
    .await
    .expect("reply stored");
    woken(&mut replies, "a stored reply").await;

    let shop = shop(db, "Wake Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let mut scheduled = db.wakeup(Work::Scheduled);
    scheduled.seen();
    shop.books
        .schedule_reminder(
            rahul.id,
            None,
            to_millis(shop.books.now()),
            &Origin::new(Source::Cli),
        )
        .await
        .expect("reminder booked");
    woken(&mut scheduled, "a reminder booked for now").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_wake_waiting_workers_at_once_on_sqlite() {
    let test_db = TestDb::sqlite().await;
    commits_wake_the_workers_in_this_process(&test_db.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_wake_waiting_workers_here_and_in_other_processes_on_postgres() {
    let test_db = TestDb::postgres().await;
    commits_wake_the_workers_in_this_process(&test_db.db).await;

    // Another process: its own handle, its own LISTEN connection.
    let other = Db::connect(&test_db.url).await.expect("second handle");
    let mut replies = other.wakeup(Work::Outbound);
    replies.seen();
    // Its LISTEN starts in the background; until it does, a NOTIFY reaches nobody (the safety
    // poll's case), so the first process keeps committing until the other hears one.
    let heard = tokio::time::timeout(PATIENCE, async {
        loop {
            test_db.db.wake(Work::Outbound);
            if tokio::time::timeout(Duration::from_millis(200), replies.wait(NO_POLL))
                .await
                .is_ok()
            {
                return;
            }
        }
    })
    .await;
    assert!(heard.is_ok(), "a commit in one process woke the other");
    other.close().await;
}
