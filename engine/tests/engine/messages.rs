//! The conversation log: inbound stored once, statuses only move forward, each shop sees its own.

use execora_engine::claimants::{self, Claimant, HELD_AT_MOST_MS, SILENT_FOR_MS};
use execora_engine::messages::{self, Delivery, NewInbound, NewOutbound};
use execora_engine::statuses::{StatusLog, StatusUpdate};
use execora_engine::store::Db;

use crate::support::shop;

fn inbound<'a>(
    merchant: Option<execora_engine::books::MerchantId>,
    id: &'a str,
    body: &'a str,
) -> NewInbound<'a> {
    NewInbound {
        merchant,
        channel_id: id,
        peer: "919812345678",
        peer_user_id: None,
        kind: "text",
        body,
        media_id: None,
        context_id: None,
        status: Delivery::Received,
        at: 1,
    }
}

async fn an_inbound_message_is_stored_once(db: Db) {
    let shop = shop(&db, "Log Kirana").await;
    let merchant = Some(shop.books.merchant_id());
    let first = messages::record_inbound(&db, &inbound(merchant, "wamid.ONE", "Rahul ne 200 diye"))
        .await
        .expect("store");
    assert!(first.is_some());
    let again = messages::record_inbound(&db, &inbound(merchant, "wamid.ONE", "Rahul ne 200 diye"))
        .await
        .expect("again");
    assert_eq!(again, None, "a redelivery is recognised");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            messages::record_inbound(&db, &inbound(merchant, "wamid.TWO", "x"))
                .await
                .expect("store")
        }));
    }
    let mut stored = 0;
    for task in tasks {
        stored += usize::from(task.await.expect("joined").is_some());
    }
    assert_eq!(stored, 1, "concurrent duplicates store one row");
    let recent = messages::recent(&db, shop.books.merchant_id(), 10)
        .await
        .expect("recent");
    assert_eq!(recent.len(), 2);
    // A message from an unknown sender is kept without a shop, and no shop sees it.
    messages::record_inbound(&db, &inbound(None, "wamid.STRANGER", "hello"))
        .await
        .expect("stranger");
    assert_eq!(
        messages::recent(&db, shop.books.merchant_id(), 10)
            .await
            .expect("recent")
            .len(),
        2
    );
}

/// A reply queued for `peer` at `at` (unix ms).
async fn queued_reply(
    db: &Db,
    merchant: execora_engine::books::MerchantId,
    peer: &str,
    body: &str,
    at: i64,
) -> messages::MessageId {
    messages::record_outbound(
        db,
        &NewOutbound {
            merchant: Some(merchant),
            peer,
            kind: "text",
            body,
            in_reply_to: None,
            options: None,
            status: Delivery::Queued,
            at,
        },
    )
    .await
    .expect("queued")
}

/// A reply of `merchant`'s, stored and sent under `wamid`.
async fn sent_reply(
    db: &Db,
    merchant: execora_engine::books::MerchantId,
    wamid: &str,
) -> messages::MessageId {
    let id = queued_reply(db, merchant, "919812345678", "✅ done", 1).await;
    messages::mark_sent(db, id, wamid, 2).await.expect("sent");
    id
}

/// A status that overtakes the record of its send (Meta calls the webhook before the sender has
/// written the wamid) waits and is applied when the send is recorded, a failure with its code;
/// one a race left behind is applied by the hourly sweep, and one about no message of ours is
/// forgotten after a week.
async fn a_status_that_overtakes_its_send_is_applied_when_the_send_is_recorded(db: Db) {
    let shop = shop(&db, "Jaldi Kirana").await;
    let merchant = shop.books.merchant_id();
    let queued = |body: &'static str| queued_reply(&db, merchant, "919812345678", body, 1);
    let stored = |id| {
        let db = db.clone();
        async move { messages::get(&db, id).await.expect("get").expect("exists") }
    };
    let read_first = queued("first").await;
    assert!(
        !messages::apply_status(&db, "wamid.EARLY", Delivery::Delivered, None, 3)
            .await
            .expect("delivered, early")
    );
    assert!(
        !messages::apply_status(&db, "wamid.EARLY", Delivery::Read, None, 4)
            .await
            .expect("read, early")
    );
    messages::mark_sent(&db, read_first, "wamid.EARLY", 2)
        .await
        .expect("sent");
    assert_eq!(stored(read_first).await.status, Delivery::Read);

    let refused = queued("second").await;
    assert!(
        !messages::apply_status(
            &db,
            "wamid.REFUSED",
            Delivery::Failed,
            Some((131047, "re-engagement")),
            5
        )
        .await
        .expect("failed, early")
    );
    messages::mark_sent(&db, refused, "wamid.REFUSED", 4)
        .await
        .expect("sent");
    let after = stored(refused).await;
    assert_eq!(
        (after.status, after.error_code),
        (Delivery::Failed, Some(131047))
    );

    // Recorded beside the status, neither seeing the other (a PostgreSQL race): the sweep.
    let raced = queued("third").await;
    assert!(
        !messages::apply_status(&db, "wamid.RACED", Delivery::Delivered, None, 6)
            .await
            .expect("delivered, early")
    );
    sqlx::query("UPDATE messages SET wa_message_id = 'wamid.RACED', status = 'sent' WHERE id = $1")
        .bind(raced.0)
        .execute(db.pool())
        .await
        .expect("recorded without the sweep");
    assert!(
        !messages::apply_status(&db, "wamid.NOT-OURS", Delivery::Read, None, 7)
            .await
            .expect("not ours")
    );
    assert_eq!(
        messages::settle_early_statuses(&db, 8)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(stored(raced).await.status, Delivery::Delivered);
    let waiting = |db: Db| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM early_statuses")
            .fetch_one(db.pool())
            .await
            .expect("count")
    };
    assert_eq!(waiting(db.clone()).await, 1, "the unknown one waits");
    messages::settle_early_statuses(&db, 7 + messages::EARLY_STATUS_KEPT_MS + 1)
        .await
        .expect("sweep a week later");
    assert_eq!(waiting(db.clone()).await, 0, "forgotten after a week");
}

/// A reply whose send went out but was never recorded (the process killed between the two) is
/// recorded as sent by the first status that carries its tag; one no status names after the
/// grace went nowhere, and is put back in line to be sent again. A recorded or recent send is
/// left alone, and a tag naming a reply sent since under another wamid changes nothing.
async fn a_reply_whose_send_was_never_recorded_is_found_by_its_tag_or_sent_again(db: Db) {
    let shop = shop(&db, "Tag Kirana").await;
    let merchant = shop.books.merchant_id();
    let stored = |id| {
        let db = db.clone();
        async move { messages::get(&db, id).await.expect("get").expect("exists") }
    };
    let went_out = queued_reply(&db, merchant, "911111111111", "went out", 1).await;
    let lost = queued_reply(&db, merchant, "912222222222", "never reached Meta", 1).await;
    let claimed = messages::claim_outbound(&db, 10, 8).await.expect("claim");
    assert_eq!(
        claimed.len(),
        2,
        "went_out and lost, claimed by a lane then killed"
    );
    assert_eq!(
        messages::parse_reply_tag(&messages::reply_tag(went_out)),
        Some(went_out)
    );
    for tag in [
        "execora-reply:",
        "execora-reply:-3",
        "execora-reminder:1:2",
        "x",
    ] {
        assert_eq!(messages::parse_reply_tag(tag), None, "{tag}");
    }

    let log = StatusLog::start(db.clone());
    let tagged = |wamid: &str, status: Delivery, at: i64, reply, to: &str| StatusUpdate {
        channel_id: wamid.to_string(),
        status,
        error: None,
        at,
        reply,
        recipient: Some(to.to_string()),
    };
    // A tag naming our reply but another number (another install on the same Meta app) moves
    // nothing; the tag with the reply's own number records it, with the status.
    assert!(
        !log.apply(tagged(
            "wamid.ELSEWHERE",
            Delivery::Delivered,
            19,
            Some(went_out),
            "15550001111"
        ))
        .await
        .expect("foreign status")
    );
    assert!(
        log.apply(tagged(
            "wamid.WENT",
            Delivery::Delivered,
            20,
            Some(went_out),
            "911111111111"
        ))
        .await
        .expect("tagged status")
    );
    let found = stored(went_out).await;
    assert_eq!(
        (found.status, found.channel_id.as_deref()),
        (Delivery::Delivered, Some("wamid.WENT"))
    );
    // A claim still in flight, made after the grace's start; the lost one is past it.
    let recent = queued_reply(&db, merchant, "913333333333", "claimed just now", 1).await;
    assert_eq!(
        messages::claim_outbound(&db, 30, 8)
            .await
            .expect("claim")
            .len(),
        1
    );
    // Until a status of a reply written after it arrives, Meta's statuses may still be on
    // their way (a webhook backlog): nothing is sent again.
    assert_eq!(
        messages::resend_unconfirmed(&db, (5, 25), 35)
            .await
            .expect("requeue"),
        0,
        "no later reply has been delivered yet"
    );
    let later = sent_reply(&db, merchant, "wamid.LATER").await;
    assert!(
        messages::apply_status(&db, "wamid.LATER", Delivery::Delivered, None, 36)
            .await
            .expect("later delivered")
    );
    assert!(later.0 > lost.0);
    let requeued = messages::resend_unconfirmed(&db, (5, 25), 40)
        .await
        .expect("requeue");
    assert_eq!(
        requeued, 1,
        "only the lost one: the recent claim is not past the grace"
    );
    // A claim older than the window is left for the operator.
    assert_eq!(
        messages::resend_unconfirmed(&db, (35, 45), 50)
            .await
            .expect("requeue"),
        0,
        "the recent claim at 30 is before the window"
    );
    assert_eq!(stored(lost).await.status, Delivery::Queued);
    assert_eq!(stored(recent).await.status, Delivery::Sending);
    let again = messages::claim_outbound(&db, 50, 8).await.expect("claim");
    assert_eq!(again.iter().map(|o| o.id).collect::<Vec<_>>(), vec![lost]);
    messages::mark_sent(&db, lost, "wamid.AGAIN", 51)
        .await
        .expect("sent");
    // A late tagged status of a send that did go out after all names a reply sent since under
    // another wamid: nothing moves.
    assert!(
        !log.apply(tagged(
            "wamid.LATE",
            Delivery::Read,
            60,
            Some(lost),
            "912222222222"
        ))
        .await
        .expect("late tagged status")
    );
    let sent_again = stored(lost).await;
    assert_eq!(
        (sent_again.status, sent_again.channel_id.as_deref()),
        (Delivery::Sent, Some("wamid.AGAIN"))
    );
    // A tag naming no reply of ours changes nothing either.
    assert!(
        !log.apply(tagged(
            "wamid.STRANGER",
            Delivery::Read,
            61,
            Some(messages::MessageId(999_999)),
            "912222222222"
        ))
        .await
        .expect("stranger")
    );
}

/// A lane claims several replies in one commit: each number's first unsent only, oldest first,
/// at most as many as asked.
async fn replies_are_claimed_in_batches_of_one_a_number(db: Db) {
    let shop = shop(&db, "Batch Kirana").await;
    let merchant = shop.books.merchant_id();
    let queue = |peer: &'static str, body: &'static str| queued_reply(&db, merchant, peer, body, 1);
    let a1 = queue("911111111111", "A1").await;
    let a2 = queue("911111111111", "A2").await;
    let b1 = queue("912222222222", "B1").await;
    let c1 = queue("913333333333", "C1").await;
    let claim = |most: usize| {
        let db = db.clone();
        async move {
            messages::claim_outbound(&db, 10, most)
                .await
                .expect("claim")
                .into_iter()
                .map(|o| o.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(claim(2).await, vec![a1, b1], "the oldest, at most two");
    assert_eq!(claim(8).await, vec![c1], "A2 waits behind A1");
    assert_eq!(claim(8).await, vec![], "nothing first in line");
    messages::mark_sent(&db, a1, "wamid.A1", 11)
        .await
        .expect("sent");
    assert_eq!(claim(8).await, vec![a2]);
}

async fn delivery_statuses_never_move_backwards(db: Db) {
    let shop = shop(&db, "Log Kirana").await;
    let id = sent_reply(&db, shop.books.merchant_id(), "wamid.OUT").await;
    assert!(
        messages::apply_status(&db, "wamid.OUT", Delivery::Read, None, 3)
            .await
            .expect("read")
    );
    assert!(
        !messages::apply_status(&db, "wamid.OUT", Delivery::Delivered, None, 4)
            .await
            .expect("late delivered")
    );
    let stored = messages::get(&db, id).await.expect("get").expect("exists");
    assert_eq!(stored.status, Delivery::Read);
    assert!(
        messages::apply_status(
            &db,
            "wamid.OUT",
            Delivery::Failed,
            Some((131049, "ecosystem")),
            5
        )
        .await
        .expect("failed")
    );
    assert!(
        !messages::apply_status(&db, "wamid.OUT", Delivery::Played, None, 6)
            .await
            .expect("after failure")
    );
    let stored = messages::get(&db, id).await.expect("get").expect("exists");
    assert_eq!(
        (stored.status.as_str(), stored.error_code),
        ("failed", Some(131049))
    );
    assert!(
        !messages::apply_status(&db, "wamid.UNKNOWN", Delivery::Sent, None, 7)
            .await
            .expect("unknown id")
    );
}

/// The webhook's statuses, many to a commit: each answered with whether it moved its message,
/// in queue order within a batch; an id with a NUL in it (which PostgreSQL refuses in text) is
/// cleaned as every stored text is, so it cannot fail the batch it shares.
async fn statuses_applied_together_each_move_their_own_message_forward(db: Db) {
    let shop = shop(&db, "Log Kirana").await;
    let mut sent = Vec::new();
    for n in 0..40 {
        let wamid = format!("wamid.BATCH{n}");
        let id = sent_reply(&db, shop.books.merchant_id(), &wamid).await;
        sent.push((id, wamid));
    }
    let log = StatusLog::start(db.clone());
    let update = |wamid: &str, status: Delivery, at: i64| StatusUpdate {
        channel_id: wamid.to_string(),
        status,
        error: None,
        at,
        reply: None,
        recipient: None,
    };
    // Every message delivered then read, all at once from many requests; an unknown id and a
    // broken one among them.
    let mut tasks = Vec::new();
    for (_, wamid) in &sent {
        let (log, wamid) = (log.clone(), wamid.clone());
        tasks.push(tokio::spawn(async move {
            let delivered = log
                .apply(update(&wamid, Delivery::Delivered, 3))
                .await
                .expect("delivered");
            let read = log
                .apply(update(&wamid, Delivery::Read, 4))
                .await
                .expect("read");
            (delivered, read)
        }));
    }
    let (unknown, broken) = tokio::join!(
        log.apply(update("wamid.UNKNOWN", Delivery::Read, 5)),
        log.apply(update("wamid.\0BROKEN", Delivery::Read, 5)),
    );
    for task in tasks {
        assert_eq!(task.await.expect("joined"), (true, true));
    }
    assert!(
        !unknown.expect("unknown id answered"),
        "an unknown id moves nothing"
    );
    assert!(
        !broken.expect("a NUL in the id is answered"),
        "nothing has that id"
    );
    for (id, _) in &sent {
        let stored = messages::get(&db, *id).await.expect("get").expect("exists");
        assert_eq!(stored.status, Delivery::Read);
    }
    // A late `delivered` never overwrites `read`, and a failure carries its error.
    let (first, _) = &sent[0];
    let late = log
        .apply(update(&sent[0].1, Delivery::Delivered, 6))
        .await
        .expect("late delivered");
    assert!(!late);
    let failed = log
        .apply(StatusUpdate {
            error: Some((131049, "ecosystem".to_string())),
            ..update(&sent[1].1, Delivery::Failed, 7)
        })
        .await
        .expect("failed");
    assert!(failed);
    let stored = messages::get(&db, *first)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.status, Delivery::Read);
    let stored = messages::get(&db, sent[1].0)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (stored.status.as_str(), stored.error_code),
        ("failed", Some(131049))
    );
}

async fn inbound_messages_are_claimed_once_and_completed_with_one_reply(db: Db) {
    let shop = shop(&db, "Log Kirana").await;
    let merchant = Some(shop.books.merchant_id());
    for (id, peer) in [("wamid.Q1", "919812345678"), ("wamid.Q2", "919898989898")] {
        let message = NewInbound {
            peer,
            ..inbound(merchant, id, "hello")
        };
        messages::record_inbound(&db, &message)
            .await
            .expect("store");
    }
    // Many workers at once: each message is claimed exactly once.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            messages::claim_next_inbound(&db, 10, &Claimant::fresh())
                .await
                .expect("claim")
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        if let Some(c) = task.await.expect("joined") {
            claimed.push(c.message.channel_id.unwrap_or_default());
        }
    }
    claimed.sort();
    assert_eq!(
        claimed,
        vec!["wamid.Q1".to_string(), "wamid.Q2".to_string()]
    );
    assert!(
        messages::claim_next_inbound(&db, 11, &Claimant::fresh())
            .await
            .expect("claim")
            .is_none()
    );
    // Their workers were never seen alive: both go back in line; completing twice stores one reply.
    assert_eq!(
        claimants::requeue_abandoned(&db, 11)
            .await
            .expect("requeue"),
        2
    );
    let worker = Claimant::fresh();
    let again = messages::claim_next_inbound(&db, 20, &worker)
        .await
        .expect("claim")
        .expect("requeued");
    let reply = NewOutbound {
        merchant,
        peer: "919812345678",
        kind: "text",
        body: "✅",
        in_reply_to: None,
        options: None,
        status: Delivery::Sandbox,
        at: 21,
    };
    let replies = [reply];
    let finish = messages::Finish {
        status: Delivery::Processed,
        merchant: None,
        transcript: None,
        replies: &replies,
        reminder_reply: None,
    };
    assert!(
        messages::finish_inbound(&db, again.message.id, &worker, &finish, 21)
            .await
            .expect("complete")
            .is_some_and(|ids| ids.len() == 1)
    );
    assert!(
        messages::finish_inbound(&db, again.message.id, &worker, &finish, 22)
            .await
            .expect("again")
            .is_none()
    );
    let outbound: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE direction = 'out'")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(outbound, 1);
    assert_eq!(
        messages::get(&db, again.message.id)
            .await
            .expect("get")
            .map(|m| m.status),
        Some(Delivery::Processed)
    );
}

/// Many deliveries at once through the group-commit writer: each distinct message stored once,
/// concurrent copies of one message stored once, every caller told which.
async fn the_inbox_stores_concurrent_deliveries_once_each(db: Db) {
    let shop = shop(&db, "Batch Kirana").await;
    let merchant = Some(shop.books.merchant_id());
    let inbox = execora_engine::inbox::Inbox::start(db.clone());
    let mut tasks = Vec::new();
    for n in 0..200 {
        let inbox = inbox.clone();
        // 100 distinct messages, each delivered twice at the same moment.
        let wamid = format!("wamid.BATCH{}", n % 100);
        tasks.push(tokio::spawn(async move {
            inbox
                .record(execora_engine::inbox::Arrival {
                    merchant,
                    channel_id: wamid,
                    peer: "919812345678".into(),
                    peer_user_id: None,
                    kind: "text".into(),
                    body: format!("message {}", n % 100),
                    media_id: None,
                    context_id: None,
                    status: Delivery::Received,
                    due_at: None,
                    at: 1,
                    request_id: None,
                })
                .await
        }));
    }
    let mut stored = 0;
    for task in tasks {
        if task.await.expect("joined").expect("recorded").is_some() {
            stored += 1;
        }
    }
    assert_eq!(stored, 100, "each message is new exactly once");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(rows, 100);
}

/// A failing message is tried again only once its retry is due, each try counted; after the last
/// it is `dead`, listed for the operator, and its sender is told exactly once.
async fn a_failing_inbound_message_is_retried_when_due_then_dead_with_one_notice(db: Db) {
    let shop = shop(&db, "Retry Kirana").await;
    let merchant = Some(shop.books.merchant_id());
    messages::record_inbound(&db, &inbound(merchant, "wamid.FAIL", "Rahul ne 200 diye"))
        .await
        .expect("store");
    let worker = Claimant::fresh();
    let first = messages::claim_next_inbound(&db, 10, &worker)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(first.attempts, 1);
    messages::retry_inbound(
        &db,
        first.message.id,
        &worker,
        100,
        "dialog store unavailable",
        11,
    )
    .await
    .expect("retry");
    assert!(
        messages::claim_next_inbound(&db, 99, &Claimant::fresh())
            .await
            .expect("claim")
            .is_none(),
        "not before its retry is due"
    );
    let second = messages::claim_next_inbound(&db, 100, &worker)
        .await
        .expect("claim")
        .expect("due again");
    assert_eq!((second.message.id, second.attempts), (first.message.id, 2));
    let notice = NewOutbound {
        merchant,
        peer: "919812345678",
        kind: "text",
        body: "could not be processed",
        in_reply_to: None,
        options: None,
        status: Delivery::Sandbox,
        at: 101,
    };
    assert!(
        messages::mark_dead(
            &db,
            second.message.id,
            &worker,
            "dialog store unavailable",
            &notice,
            101
        )
        .await
        .expect("dead")
    );
    assert!(
        !messages::mark_dead(&db, second.message.id, &worker, "again", &notice, 102)
            .await
            .expect("dead twice"),
        "a message dies once"
    );
    assert!(
        messages::claim_next_inbound(&db, i64::MAX, &Claimant::fresh())
            .await
            .expect("claim")
            .is_none(),
        "a dead message is never tried again"
    );
    let dead = messages::dead_inbound(&db, 10).await.expect("dead list");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].id, dead[0].attempts, dead[0].error.as_deref()),
        (second.message.id, 2, Some("dialog store unavailable"))
    );
    assert_eq!(messages::count_dead_inbound(&db).await.expect("count"), 1);
    let notices: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT body, in_reply_to FROM messages WHERE direction = 'out'")
            .fetch_all(db.pool())
            .await
            .expect("outbox");
    assert_eq!(
        notices,
        vec![(
            "could not be processed".to_string(),
            Some(second.message.id.0)
        )]
    );
    assert_eq!(
        messages::get(&db, second.message.id)
            .await
            .expect("get")
            .map(|m| m.status),
        Some(Delivery::Dead)
    );
}

/// A message over its sender's limit is stored `deferred` and claimed only once its window opens.
async fn a_deferred_message_is_claimed_only_once_its_window_opens(db: Db) {
    let inbox = execora_engine::inbox::Inbox::start(db.clone());
    inbox
        .record(execora_engine::inbox::Arrival {
            merchant: None,
            channel_id: "wamid.LATER".into(),
            peer: "919812345678".into(),
            peer_user_id: None,
            kind: "text".into(),
            body: "Rahul ne 300 diye".into(),
            media_id: None,
            context_id: None,
            status: Delivery::Deferred,
            due_at: Some(60_000),
            at: 1,
            request_id: None,
        })
        .await
        .expect("stored")
        .expect("new");
    assert!(
        messages::claim_next_inbound(&db, 59_999, &Claimant::fresh())
            .await
            .expect("claim")
            .is_none()
    );
    let claimed = messages::claim_next_inbound(&db, 60_000, &Claimant::fresh())
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(claimed.message.body, "Rahul ne 300 diye");
}

/// Each sender's messages are taken in the order they came, one at a time, while another
/// sender's are taken beside them.
async fn a_senders_messages_are_claimed_in_order_one_at_a_time(db: Db) {
    let shop = shop(&db, "Order Kirana").await;
    let merchant = Some(shop.books.merchant_id());
    for (id, peer, body) in [
        ("wamid.A1", "919812345678", "Rahul ne 500 diye"),
        ("wamid.A2", "919812345678", "nahi, 400 likho"),
        ("wamid.B1", "919898989898", "Neha ne 200 diye"),
    ] {
        let message = NewInbound {
            peer,
            ..inbound(merchant, id, body)
        };
        messages::record_inbound(&db, &message)
            .await
            .expect("store");
    }
    let worker = Claimant::fresh();
    let first = messages::claim_next_inbound(&db, 10, &worker)
        .await
        .expect("claim")
        .expect("A1");
    let second = messages::claim_next_inbound(&db, 10, &worker)
        .await
        .expect("claim")
        .expect("B1");
    assert_eq!(
        (
            first.message.channel_id.as_deref(),
            second.message.channel_id.as_deref()
        ),
        (Some("wamid.A1"), Some("wamid.B1")),
        "A2 waits behind A1, B1 does not"
    );
    assert!(
        messages::claim_next_inbound(&db, 10, &worker)
            .await
            .expect("claim")
            .is_none(),
        "A2 is not taken while A1 is in work"
    );
    // A1 fails and waits for its retry: A2 still waits behind it.
    messages::retry_inbound(
        &db,
        first.message.id,
        &worker,
        1_000,
        "store unavailable",
        11,
    )
    .await
    .expect("retry");
    assert!(
        messages::claim_next_inbound(&db, 12, &worker)
            .await
            .expect("claim")
            .is_none(),
        "A2 is not taken before A1"
    );
    let retried = messages::claim_next_inbound(&db, 1_000, &worker)
        .await
        .expect("claim")
        .expect("A1 again");
    assert_eq!(retried.message.channel_id.as_deref(), Some("wamid.A1"));
    let finish = messages::Finish {
        status: Delivery::Processed,
        merchant: None,
        transcript: None,
        replies: &[],
        reminder_reply: None,
    };
    messages::finish_inbound(&db, retried.message.id, &worker, &finish, 1_001)
        .await
        .expect("finish");
    let next = messages::claim_next_inbound(&db, 1_002, &worker)
        .await
        .expect("claim")
        .expect("A2 once A1 is done");
    assert_eq!(next.message.channel_id.as_deref(), Some("wamid.A2"));
}

/// A claim goes back in line when its worker has been silent for `SILENT_FOR_MS`, not before,
/// and a live worker's claim stays with it until it has held it `HELD_AT_MOST_MS`.
async fn a_silent_workers_claims_go_back_in_line_within_seconds(db: Db) {
    let shop = shop(&db, "Lease Kirana").await;
    let merchant = Some(shop.books.merchant_id());
    for (id, peer) in [("wamid.L1", "919812345678"), ("wamid.L2", "919898989898")] {
        let message = NewInbound {
            peer,
            ..inbound(merchant, id, "hello")
        };
        messages::record_inbound(&db, &message)
            .await
            .expect("store");
    }
    let (killed, alive) = (Claimant::fresh(), Claimant::fresh());
    let start = 1_000_000;
    claimants::sign_of_life(&db, &killed, start)
        .await
        .expect("alive");
    claimants::sign_of_life(&db, &alive, start)
        .await
        .expect("alive");
    let lost = messages::claim_next_inbound(&db, start, &killed)
        .await
        .expect("claim")
        .expect("L1");
    let held = messages::claim_next_inbound(&db, start, &alive)
        .await
        .expect("claim")
        .expect("L2");
    // The killed worker falls silent; the live one keeps showing signs of life.
    let later = start + SILENT_FOR_MS - 1;
    claimants::sign_of_life(&db, &alive, later)
        .await
        .expect("alive");
    assert_eq!(
        claimants::requeue_abandoned(&db, later)
            .await
            .expect("requeue"),
        0,
        "not silent long enough yet"
    );
    let silent = start + SILENT_FOR_MS + 1;
    claimants::sign_of_life(&db, &alive, silent)
        .await
        .expect("alive");
    assert_eq!(
        claimants::requeue_abandoned(&db, silent)
            .await
            .expect("requeue"),
        1
    );
    let status = |id| {
        let db = db.clone();
        async move {
            messages::get(&db, id)
                .await
                .expect("get")
                .map(|message| message.status)
        }
    };
    assert_eq!(status(lost.message.id).await, Some(Delivery::Received));
    assert_eq!(status(held.message.id).await, Some(Delivery::Processing));
    let retaken = messages::claim_next_inbound(&db, silent, &alive)
        .await
        .expect("claim")
        .expect("L1 again");
    assert_eq!((retaken.message.id, retaken.attempts), (lost.message.id, 2));
    // The killed worker, had it only been slow, can no longer finish, retry or give up on it.
    let late = messages::Finish {
        status: Delivery::Processed,
        merchant: None,
        transcript: None,
        replies: &[],
        reminder_reply: None,
    };
    assert!(
        messages::finish_inbound(&db, lost.message.id, &killed, &late, silent)
            .await
            .expect("finish")
            .is_none()
    );
    messages::retry_inbound(&db, lost.message.id, &killed, silent + 1, "late", silent)
        .await
        .expect("retry");
    assert_eq!(status(lost.message.id).await, Some(Delivery::Processing));
    // A claim held for half an hour goes back even though its worker still answers.
    let stuck = start + HELD_AT_MOST_MS + 1;
    claimants::sign_of_life(&db, &alive, stuck)
        .await
        .expect("alive");
    assert_eq!(
        claimants::requeue_abandoned(&db, stuck)
            .await
            .expect("requeue"),
        1,
        "L2, held since the start"
    );
    assert_eq!(status(held.message.id).await, Some(Delivery::Received));
}

/// Several senders at once, and each number's replies in the order they were written: only the
/// first unsent reply of a number is ever claimed, a reply being sent holds the number's next,
/// a reply waiting for its retry holds them too, and one a crash left `sending` stops holding
/// them after `SENDING_HOLDS_ORDER_MS`.
async fn replies_to_one_number_are_claimed_in_order_while_other_numbers_go_alongside(db: Db) {
    let shop = shop(&db, "Jawab Kirana").await;
    let merchant = shop.books.merchant_id();
    let queue = |peer: &'static str, body: &'static str, at: i64| {
        queued_reply(&db, merchant, peer, body, at)
    };
    let a1 = queue("911111111111", "A1", 1).await;
    let a2 = queue("911111111111", "A2", 2).await;
    let b1 = queue("912222222222", "B1", 3).await;
    let a3 = queue("911111111111", "A3", 4).await;
    let at = 10_000;
    let claim = |at: i64| {
        let db = db.clone();
        async move {
            messages::claim_next_outbound(&db, at)
                .await
                .expect("claim")
                .map(|o| o.id)
        }
    };
    assert_eq!(claim(at).await, Some(a1), "the oldest first");
    // A1 is being sent: A2 waits, B1 goes alongside.
    assert_eq!(
        claim(at).await,
        Some(b1),
        "another number's reply alongside"
    );
    assert_eq!(claim(at).await, None, "A2 waits for A1");
    messages::mark_sent(&db, a1, "wamid.A1", at)
        .await
        .expect("sent");
    assert_eq!(claim(at).await, Some(a2), "A2 once A1 is sent");
    // A2 fails for now and waits for its retry: A3 stays behind it.
    messages::retry_later(&db, a2, at + 60_000, None)
        .await
        .expect("retry later");
    assert_eq!(claim(at).await, None, "A3 waits behind A2's retry");
    assert_eq!(claim(at + 60_000).await, Some(a2), "A2 when due");
    // A crash leaves A2 `sending` for good: after the hold, A3 goes on.
    let later = at + 60_000 + messages::SENDING_HOLDS_ORDER_MS;
    assert_eq!(claim(later - 1).await, None, "A2 is still being sent");
    assert_eq!(
        claim(later).await,
        Some(a3),
        "A3 once A2's send is taken for cut"
    );
}

crate::on_both_databases!(
    a_status_that_overtakes_its_send_is_applied_when_the_send_is_recorded,
    a_reply_whose_send_was_never_recorded_is_found_by_its_tag_or_sent_again,
    replies_are_claimed_in_batches_of_one_a_number,
    replies_to_one_number_are_claimed_in_order_while_other_numbers_go_alongside,
    a_senders_messages_are_claimed_in_order_one_at_a_time,
    a_silent_workers_claims_go_back_in_line_within_seconds,
    a_failing_inbound_message_is_retried_when_due_then_dead_with_one_notice,
    a_deferred_message_is_claimed_only_once_its_window_opens,
    the_inbox_stores_concurrent_deliveries_once_each,
    an_inbound_message_is_stored_once,
    delivery_statuses_never_move_backwards,
    statuses_applied_together_each_move_their_own_message_forward,
    inbound_messages_are_claimed_once_and_completed_with_one_reply,
);
