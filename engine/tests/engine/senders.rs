//! Sender windows in the database: inboxes that limit senders share one window per sender, count
//! only new messages, and keep every message over the limit for its window.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use execora_engine::inbox::{Arrival, Inbox};
use execora_engine::messages::Delivery;
use execora_engine::senders::{self, Place, SenderLimit};
use execora_engine::store::Db;
use execora_engine::time::ManualClock;
use sqlx::Row;

const START: i64 = 1_800_000_000_000;

fn clock() -> Arc<ManualClock> {
    ManualClock::new(Utc.timestamp_millis_opt(START).single().expect("time"))
}

fn arrival(peer: &str, wamid: &str) -> Arrival {
    Arrival {
        merchant: None,
        channel_id: wamid.into(),
        peer: peer.into(),
        peer_user_id: None,
        kind: "text".into(),
        body: "Rahul ne 200 diye".into(),
        media_id: None,
        context_id: None,
        status: Delivery::Received,
        due_at: None,
        at: START,
        request_id: None,
    }
}

/// Two inboxes (each with its own writer, as two processes have) take one sender's burst at
/// once: the limit holds for the two together, the rest are stored `deferred` a window later
/// each `per_minute`, and none is lost.
async fn two_inboxes_share_one_window_per_sender(db: Db) {
    let clock = clock();
    let limit = SenderLimit::new(2, clock.clone());
    let inboxes = [
        Inbox::start_limited(db.clone(), limit.clone()),
        Inbox::start_limited(db.clone(), limit),
    ];
    let mut tasks = Vec::new();
    for n in 0..7 {
        let inbox = inboxes[n % 2].clone();
        tasks.push(tokio::spawn(async move {
            inbox
                .record_placed(arrival("919800000001", &format!("wamid.BURST.{n}")))
                .await
        }));
    }
    let mut places = Vec::new();
    for task in tasks {
        let (_, place) = task
            .await
            .expect("joined")
            .expect("stored")
            .expect("a new message");
        places.push(place);
    }
    let now = places.iter().filter(|p| **p == Place::Now).count();
    let mut later: Vec<i64> = places
        .iter()
        .filter_map(|p| match p {
            Place::Later { due } => Some(*due),
            Place::Now => None,
        })
        .collect();
    later.sort_unstable();
    assert_eq!(now, 2, "{places:?}");
    assert_eq!(
        later,
        [60_000, 60_000, 120_000, 120_000, 180_000].map(|after| START + after)
    );
    let rows = sqlx::query(
        "SELECT status, next_attempt_at FROM messages WHERE direction = 'in' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .expect("rows");
    assert_eq!(rows.len(), 7, "none lost");
    let mut deferred: Vec<i64> = Vec::new();
    for row in &rows {
        let status: String = row.try_get("status").expect("status");
        let due: Option<i64> = row.try_get("next_attempt_at").expect("due");
        match status.as_str() {
            "received" => assert_eq!(due, None),
            "deferred" => deferred.push(due.expect("a deferred message has its window")),
            other => panic!("stored {other}"),
        }
    }
    deferred.sort_unstable();
    assert_eq!(deferred, later, "the stored windows are the places given");
    // Another sender has a window of their own.
    let other = inboxes[1]
        .record_placed(arrival("919800000002", "wamid.OTHER"))
        .await
        .expect("stored");
    assert_eq!(other.map(|(_, place)| place), Some(Place::Now));
}

/// A redelivery is never inserted, so it never takes a place, also when both copies arrive in one
/// batch; once every window holding a place is over, the sender starts afresh.
async fn a_redelivery_never_counts_and_an_idle_sender_starts_afresh(db: Db) {
    let clock = clock();
    let inbox = Inbox::start_limited(db.clone(), SenderLimit::new(2, clock.clone()));
    let peer = "919800000003";
    let first = inbox.record_placed(arrival(peer, "wamid.A")).await;
    assert!(matches!(first, Ok(Some((_, Place::Now)))));
    for _ in 0..3 {
        assert!(matches!(
            inbox.record_placed(arrival(peer, "wamid.A")).await,
            Ok(None)
        ));
    }
    let (a, b) = tokio::join!(
        inbox.record_placed(arrival(peer, "wamid.B")),
        inbox.record_placed(arrival(peer, "wamid.B")),
    );
    let placed: Vec<Place> = [a, b]
        .into_iter()
        .filter_map(|stored| stored.expect("stored"))
        .map(|(_, place)| place)
        .collect();
    assert_eq!(placed, [Place::Now], "one copy stored, within the limit");
    let third = inbox.record_placed(arrival(peer, "wamid.C")).await;
    assert!(matches!(
        third,
        Ok(Some((_, Place::Later { due }))) if due == START + 60_000
    ));
    // The second window has room left: a message in it is processed at once.
    clock.advance(chrono::Duration::seconds(119));
    let fourth = inbox.record_placed(arrival(peer, "wamid.D")).await;
    assert!(matches!(fourth, Ok(Some((_, Place::Now)))));
    // Both windows holding places are over: a fresh window of two, then the next one.
    clock.advance(chrono::Duration::seconds(1));
    for wamid in ["wamid.E", "wamid.F"] {
        let fresh = inbox.record_placed(arrival(peer, wamid)).await;
        assert!(matches!(fresh, Ok(Some((_, Place::Now)))));
    }
    let over = inbox.record_placed(arrival(peer, "wamid.G")).await;
    assert!(matches!(
        over,
        Ok(Some((_, Place::Later { due }))) if due == START + 180_000
    ));
}

/// Only messages to be processed take places: one kept for the record (another business
/// number's) does not.
async fn messages_kept_for_the_record_take_no_place(db: Db) {
    let clock = clock();
    let inbox = Inbox::start_limited(db.clone(), SenderLimit::new(1, clock));
    let peer = "919800000004";
    for n in 0..3 {
        let mut logged = arrival(peer, &format!("wamid.LOGGED.{n}"));
        logged.status = Delivery::Logged;
        assert!(matches!(
            inbox.record_placed(logged).await,
            Ok(Some((_, Place::Now)))
        ));
    }
    let counted = inbox.record_placed(arrival(peer, "wamid.COUNTED")).await;
    assert!(matches!(counted, Ok(Some((_, Place::Now)))));
}

/// The "slow down" notice is due once a window, whoever asks.
async fn one_notice_a_window_whoever_asks(db: Db) {
    let inbox = Inbox::start_limited(db.clone(), SenderLimit::new(1, clock()));
    let peer = "919800000005";
    inbox
        .record_placed(arrival(peer, "wamid.N"))
        .await
        .expect("stored");
    assert!(senders::notice_due(&db, peer, START).await.expect("asked"));
    assert!(!senders::notice_due(&db, peer, START).await.expect("asked"));
    assert!(
        !senders::notice_due(&db, peer, START + 59_999)
            .await
            .expect("asked")
    );
    assert!(
        senders::notice_due(&db, peer, START + 60_000)
            .await
            .expect("asked")
    );
    assert!(
        !senders::notice_due(&db, "919800000099", START)
            .await
            .expect("asked"),
        "a sender with no window has had no message over the limit"
    );
}

/// A sender's row is forgotten a day after the last window it took a place in closed, not
/// before: a burst deferred over many windows keeps its row while any of them is to come.
async fn quiet_senders_are_forgotten_a_day_after_their_last_window(db: Db) {
    let inbox = Inbox::start_limited(db.clone(), SenderLimit::new(2, clock()));
    // One message: its window closes a minute after START.
    inbox
        .record_placed(arrival("919800000011", "wamid.Q.ONE"))
        .await
        .expect("stored");
    // Five messages at two a minute: windows until three minutes after START.
    for n in 0..5 {
        inbox
            .record_placed(arrival("919800000012", &format!("wamid.Q.BURST.{n}")))
            .await
            .expect("stored");
    }
    let rows = |db: Db| async move {
        let peers: Vec<String> =
            sqlx::query_scalar("SELECT peer FROM sender_windows ORDER BY peer")
                .fetch_all(db.pool())
                .await
                .expect("rows");
        peers
    };
    let day = senders::FORGET_AFTER_MS;
    assert_eq!(
        senders::forget_quiet(&db, 2, START + 60_000 + day)
            .await
            .expect("forget"),
        0,
        "exactly a day after the window closed: not yet"
    );
    assert_eq!(
        senders::forget_quiet(&db, 2, START + 60_001 + day)
            .await
            .expect("forget"),
        1
    );
    assert_eq!(rows(db.clone()).await, vec!["919800000012".to_string()]);
    assert_eq!(
        senders::forget_quiet(&db, 2, START + 180_001 + day)
            .await
            .expect("forget"),
        1
    );
    assert!(rows(db.clone()).await.is_empty());
}

/// Two inboxes (two processes; several writers each on PostgreSQL) take bursts from several
/// senders at once: each sender's messages get their windows in the order of their ids, so an
/// earlier message is never kept for a later window than one after it (which would hold the
/// later one back, a sender's messages being answered in order).
async fn a_senders_burst_is_placed_in_the_order_of_its_ids(db: Db) {
    let limit = SenderLimit::new(3, clock());
    let inboxes = [
        Inbox::start_limited(db.clone(), limit.clone()),
        Inbox::start_limited(db.clone(), limit),
    ];
    let mut tasks = Vec::new();
    for n in 0..120 {
        let inbox = inboxes[n / 4 % 2].clone();
        let peer = format!("91980000010{}", n % 4);
        tasks.push(tokio::spawn(async move {
            inbox
                .record_placed(arrival(&peer, &format!("wamid.ORDER.{n}")))
                .await
        }));
    }
    for task in tasks {
        task.await.expect("joined").expect("stored");
    }
    let rows = sqlx::query(
        "SELECT peer, COALESCE(next_attempt_at, 0) AS due FROM messages WHERE direction = 'in' \
         ORDER BY peer, id",
    )
    .fetch_all(db.pool())
    .await
    .expect("rows");
    assert_eq!(rows.len(), 120, "none lost");
    let mut last: Option<(String, i64)> = None;
    for row in &rows {
        let peer: String = row.try_get("peer").expect("peer");
        let due: i64 = row.try_get("due").expect("due");
        if let Some((last_peer, last_due)) = &last
            && *last_peer == peer
        {
            assert!(
                due >= *last_due,
                "{peer}: a later message placed before an earlier one"
            );
        }
        last = Some((peer, due));
    }
}

/// A process whose clock is a moment behind the one that opened a sender's window still
/// finds that window open: its message is processed now, not kept (and the sender not told
/// to slow down) for the few milliseconds between the two clocks.
async fn a_window_opened_by_a_clock_a_moment_ahead_is_open(db: Db) {
    let behind = clock();
    let ahead = clock();
    ahead.advance(chrono::Duration::milliseconds(5));
    let peer = "919800000021";
    let first = Inbox::start_limited(db.clone(), SenderLimit::new(3, ahead))
        .record_placed(arrival(peer, "wamid.AHEAD"))
        .await;
    assert!(matches!(first, Ok(Some((_, Place::Now)))));
    let inbox = Inbox::start_limited(db.clone(), SenderLimit::new(3, behind));
    for wamid in ["wamid.BEHIND.1", "wamid.BEHIND.2"] {
        let second = inbox.record_placed(arrival(peer, wamid)).await;
        assert!(matches!(second, Ok(Some((_, Place::Now)))), "{second:?}");
    }
    let over = inbox.record_placed(arrival(peer, "wamid.BEHIND.3")).await;
    assert!(
        matches!(over, Ok(Some((_, Place::Later { due }))) if due == START + 5 + 60_000),
        "{over:?}"
    );
}

crate::on_both_databases!(
    a_window_opened_by_a_clock_a_moment_ahead_is_open,
    a_senders_burst_is_placed_in_the_order_of_its_ids,
    quiet_senders_are_forgotten_a_day_after_their_last_window,
    two_inboxes_share_one_window_per_sender,
    a_redelivery_never_counts_and_an_idle_sender_starts_afresh,
    messages_kept_for_the_record_take_no_place,
    one_notice_a_window_whoever_asks,
);
