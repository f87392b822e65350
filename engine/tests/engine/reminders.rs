//! Reminders as the sender's jobs: claimed when due by the injected clock, at most once, moved
//! on by delivery statuses, with a timeline; on both databases.

use chrono::Duration;
use execora_engine::books::reminders::{self, Delivered};
use execora_engine::books::{
    BooksError, EventKind, Origin, ReminderId, ReminderKey, ReminderStatus, Source,
};
use execora_engine::messages::{self, Delivery};
use execora_engine::money::Paise;
use execora_engine::store::Db;
use execora_engine::time::to_millis;

use crate::on_both_databases;
use crate::support::{customer, shop};

fn cli() -> Origin {
    Origin::new(Source::Cli)
}

fn rupees(r: i64) -> Paise {
    Paise::new(r * 100)
}

async fn timeline(books: &execora_engine::books::Books, id: ReminderId) -> Vec<EventKind> {
    books
        .reminder_timeline(id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn a_reminder_is_claimed_once_when_the_clock_reaches_it(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let due = shop.books.now() + Duration::hours(9);
    let booked = shop
        .books
        .schedule_reminder(rahul.id, Some(rupees(500)), to_millis(due), &cli())
        .await
        .expect("schedule");
    let id = booked.value.id;
    let now = to_millis(shop.books.now());
    assert_eq!(reminders::claim_due(&db, now).await.expect("claim"), None);
    assert_eq!(
        reminders::claim_due(&db, to_millis(due) - 1)
            .await
            .expect("claim"),
        None
    );
    let claimed = reminders::claim_due(&db, to_millis(due))
        .await
        .expect("claim")
        .expect("due now");
    let key = ReminderKey {
        merchant: shop.books.merchant_id(),
        reminder: id,
    };
    assert_eq!(claimed.key, key);
    assert_eq!(claimed.amount, Some(rupees(500)));
    assert_eq!(claimed.attempts, 1);
    // Taken: neither a second claim nor the merchant's cancel or move touches it any more.
    assert_eq!(
        reminders::claim_due(&db, to_millis(due) + 60_000)
            .await
            .expect("claim"),
        None
    );
    assert!(!shop.books.cancel_reminder(id).await.expect("cancel"));
    assert!(
        !shop
            .books
            .move_reminder(id, to_millis(due + Duration::hours(1)))
            .await
            .expect("move")
    );
    let reminder = shop.books.reminder(id).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Sending);

    let message = reminders::mark_sent(
        &db,
        key,
        &Delivered {
            amount: rupees(500),
            wamid: Some("wamid.R1"),
            peer: "919811111111",
            body: "payment_reminder: Rahul | Gupta Kirana | ₹500",
        },
        to_millis(due),
    )
    .await
    .expect("sent");
    let logged = messages::get(&db, message)
        .await
        .expect("message")
        .expect("logged");
    assert_eq!(logged.status, Delivery::Sent);
    assert_eq!(logged.channel_id.as_deref(), Some("wamid.R1"));
    assert_eq!(logged.merchant, Some(shop.books.merchant_id()));
    // Statuses by wamid only move forward; a late `delivered` does not undo `read`.
    for (status, changes) in [
        (ReminderStatus::Delivered, true),
        (ReminderStatus::Read, true),
        (ReminderStatus::Delivered, false),
        (ReminderStatus::Sent, false),
    ] {
        assert_eq!(
            reminders::apply_status(&db, None, "wamid.R1", status, None, to_millis(due) + 1000)
                .await
                .expect("status"),
            changes,
            "{status}"
        );
    }
    let reminder = shop.books.reminder(id).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Read);
    assert_eq!(reminder.sent_amount, Some(rupees(500)));
    assert_eq!(
        timeline(&shop.books, id).await,
        vec![
            EventKind::Scheduled,
            EventKind::Sending,
            EventKind::Sent,
            EventKind::Delivered,
            EventKind::Read
        ]
    );
}

async fn a_reminder_left_sending_is_never_claimed_again_and_is_reconciled_by_its_key(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let now = to_millis(shop.books.now());
    let id = shop
        .books
        .schedule_reminder(rahul.id, None, now, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    let key = ReminderKey {
        merchant: shop.books.merchant_id(),
        reminder: id,
    };
    reminders::claim_due(&db, now)
        .await
        .expect("claim")
        .expect("due");
    // The sender dies here, after WhatsApp may have accepted the message. A restart finds it
    // `sending`: it is never due again, however much time passes.
    let later = now + 3_600_000;
    assert_eq!(reminders::claim_due(&db, later).await.expect("claim"), None);
    // Not yet stale: left alone.
    assert!(
        reminders::review_stale(&db, now, later)
            .await
            .expect("review")
            .is_empty()
    );
    let stale = reminders::review_stale(&db, later - 300_000, later)
        .await
        .expect("review");
    assert_eq!(stale, vec![(key, rahul.id)]);
    assert_eq!(
        reminders::count_needing_review(&db).await.expect("count"),
        1
    );
    assert_eq!(
        shop.books.reminder(id).await.expect("reminder").status,
        ReminderStatus::NeedsReview
    );
    // Meta's status webhook carries the key we sent as biz_opaque_callback_data: now we know.
    assert!(
        reminders::apply_status(
            &db,
            Some(key),
            "wamid.LOST",
            ReminderStatus::Sent,
            None,
            later + 1
        )
        .await
        .expect("status")
    );
    // The wamid is learnt from it, so later statuses without the key find it too.
    assert!(
        reminders::apply_status(
            &db,
            None,
            "wamid.LOST",
            ReminderStatus::Failed,
            Some((131026, "Message undeliverable")),
            later + 2
        )
        .await
        .expect("status")
    );
    let reminder = shop.books.reminder(id).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Failed);
    assert_eq!(reminder.error_code, Some(131026));
    let events = shop.books.reminder_timeline(id).await.expect("timeline");
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![
            EventKind::Scheduled,
            EventKind::Sending,
            EventKind::NeedsReview,
            EventKind::Sent,
            EventKind::Failed
        ]
    );
    assert_eq!(events[4].error_code, Some(131026));
    assert_eq!(events[4].detail.as_deref(), Some("Message undeliverable"));
    // Another key or an unknown wamid changes nothing.
    let stranger = ReminderKey {
        merchant: shop.books.merchant_id(),
        reminder: ReminderId(id.0 + 1000),
    };
    assert!(
        !reminders::apply_status(
            &db,
            Some(stranger),
            "wamid.X",
            ReminderStatus::Read,
            None,
            1
        )
        .await
        .expect("status")
    );
}

async fn a_failure_that_sent_nothing_is_due_again_later_and_settled_or_failed_ones_stop(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let asha = customer(&shop.books, "Asha").await;
    let now = to_millis(shop.books.now());
    let first = shop
        .books
        .schedule_reminder(rahul.id, None, now, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    let claimed = reminders::claim_due(&db, now)
        .await
        .expect("claim")
        .expect("due");
    assert!(
        reminders::retry_later(
            &db,
            claimed.key,
            now + 4000,
            Some(130429),
            "throughput",
            now
        )
        .await
        .expect("retry")
    );
    assert_eq!(
        shop.books.reminder(first).await.expect("reminder").status,
        ReminderStatus::Scheduled
    );
    assert_eq!(
        reminders::claim_due(&db, now + 3999).await.expect("claim"),
        None
    );
    let again = reminders::claim_due(&db, now + 4000)
        .await
        .expect("claim")
        .expect("due again");
    assert_eq!(again.attempts, 2);
    assert!(
        reminders::mark_settled(&db, again.key, now + 4000)
            .await
            .expect("settled")
    );
    // Settled is final: a status webhook cannot move it.
    assert!(
        !reminders::apply_status(
            &db,
            Some(again.key),
            "wamid.S",
            ReminderStatus::Sent,
            None,
            now + 5000
        )
        .await
        .expect("status")
    );
    assert_eq!(
        timeline(&shop.books, first).await,
        vec![
            EventKind::Scheduled,
            EventKind::Sending,
            EventKind::Retry,
            EventKind::Sending,
            EventKind::Settled
        ]
    );

    let second = shop
        .books
        .schedule_reminder(asha.id, Some(rupees(80)), now, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    let claimed = reminders::claim_due(&db, now)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(claimed.key.reminder, second);
    assert!(
        reminders::mark_failed(&db, claimed.key, Some(132001), "template missing", now)
            .await
            .expect("failed")
    );
    // A second finish of the same claim finds it no longer sending.
    assert!(
        !reminders::mark_failed(&db, claimed.key, None, "again", now)
            .await
            .expect("failed")
    );
    let reminder = shop.books.reminder(second).await.expect("reminder");
    assert_eq!(reminder.status, ReminderStatus::Failed);
    assert_eq!(reminder.error_code, Some(132001));
    assert_eq!(
        reminders::claim_due(&db, now + 1).await.expect("claim"),
        None
    );
}

async fn a_scheduled_reminder_is_moved_or_cancelled_by_its_shop_only(db: Db) {
    let shop_a = shop(&db, "Gupta Kirana").await;
    let shop_b = shop(&db, "Sharma Stores").await;
    let rahul = customer(&shop_a.books, "Rahul").await;
    let now = to_millis(shop_a.books.now());
    let id = shop_a
        .books
        .schedule_reminder(rahul.id, None, now + 3_600_000, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    assert!(matches!(
        shop_b.books.cancel_reminder(id).await,
        Err(BooksError::ReminderNotFound(_))
    ));
    assert!(matches!(
        shop_b.books.move_reminder(id, now).await,
        Err(BooksError::ReminderNotFound(_))
    ));
    assert!(matches!(
        shop_a.books.move_reminder(id, now - 3_600_000).await,
        Err(BooksError::ReminderInPast)
    ));
    // Moved earlier: due at the new time, not the old one.
    assert!(
        shop_a
            .books
            .move_reminder(id, now + 60_000)
            .await
            .expect("move")
    );
    let due = reminders::claim_due(&db, now + 60_000)
        .await
        .expect("claim")
        .expect("due at the new time");
    assert!(
        reminders::retry_later(&db, due.key, now + 120_000, None, "connect", now)
            .await
            .expect("retry")
    );
    assert!(shop_a.books.cancel_reminder(id).await.expect("cancel"));
    assert!(
        !shop_a
            .books
            .cancel_reminder(id)
            .await
            .expect("cancel twice")
    );
    assert_eq!(
        reminders::claim_due(&db, now + 3_600_000)
            .await
            .expect("claim"),
        None
    );
    assert_eq!(
        shop_a.books.reminder(id).await.expect("reminder").status,
        ReminderStatus::Cancelled
    );
    assert_eq!(
        timeline(&shop_a.books, id).await,
        vec![
            EventKind::Scheduled,
            EventKind::Moved,
            EventKind::Sending,
            EventKind::Retry,
            EventKind::Cancelled
        ]
    );
    let listed = shop_a.books.reminders(10).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(shop_b.books.reminders(10).await.expect("list").is_empty());
}

/// Unix ms of a time of 22 or 23 Nov 2026 in India.
fn india(day: u32, hour: u32, minute: u32) -> i64 {
    use chrono::TimeZone;
    let at = chrono_tz::Asia::Kolkata
        .with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .single()
        .expect("time");
    to_millis(at.with_timezone(&chrono::Utc))
}

async fn the_shops_policy_holds_reminders_at_night_once_a_day_and_at_its_daily_cap(db: Db) {
    use reminders::{Hold, SHOP_DAILY_CAP, policy_hold};
    let shop = shop(&db, "Gupta Kirana").await;
    let other = self::shop(&db, "Sharma Store").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let asha = customer(&shop.books, "Asha").await;
    let due = to_millis(shop.books.now() + Duration::hours(1));
    let schedule = |customer| {
        let books = &shop.books;
        async move {
            books
                .schedule_reminder(customer, None, due, &cli())
                .await
                .expect("schedule")
                .value
                .id
        }
    };
    let rahul_sent = schedule(rahul.id).await;
    let rahul_next = schedule(rahul.id).await;
    let asha_next = schedule(asha.id).await;
    let key = |reminder| ReminderKey {
        merchant: shop.books.merchant_id(),
        reminder,
    };
    let zone = chrono_tz::Asia::Kolkata;
    let hold = |reminder, customer, now| policy_hold(&db, key(reminder), customer, zone, now);

    // Night: before 09:00 waits for 09:00 the same day; from 21:00 for 09:00 the next day.
    assert_eq!(
        hold(asha_next, asha.id, india(22, 8, 59))
            .await
            .expect("hold"),
        Some((Hold::QuietHours, india(22, 9, 0)))
    );
    assert_eq!(
        hold(asha_next, asha.id, india(22, 21, 0))
            .await
            .expect("hold"),
        Some((Hold::QuietHours, india(23, 9, 0)))
    );
    assert_eq!(
        hold(asha_next, asha.id, india(22, 20, 59))
            .await
            .expect("hold"),
        None
    );

    // Sends are counted from the shop's timeline: `count` sends of Rahul's first reminder today.
    let sent_today = |count: i64, merchant: i64, reminder: ReminderId| {
        let db = db.clone();
        async move {
            for _ in 0..count {
                sqlx::query(
                    "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at) VALUES ($1, $2, 'sent', $3)",
                )
                .bind(merchant)
                .bind(reminder.0)
                .bind(india(22, 10, 0))
                .execute(db.pool())
                .await
                .expect("event");
            }
        }
    };
    sent_today(1, shop.books.merchant_id().0, rahul_sent).await;
    let noon = india(22, 12, 0);
    assert_eq!(
        hold(rahul_next, rahul.id, noon).await.expect("hold"),
        Some((Hold::CustomerRemindedToday, india(23, 9, 0)))
    );
    // The reminder that was sent does not hold itself, nor another customer.
    assert_eq!(hold(rahul_sent, rahul.id, noon).await.expect("hold"), None);
    assert_eq!(hold(asha_next, asha.id, noon).await.expect("hold"), None);
    // Yesterday's reminder does not count today.
    assert_eq!(
        hold(rahul_next, rahul.id, india(23, 9, 0))
            .await
            .expect("hold"),
        None
    );

    // Another shop's sends never count towards this shop's cap.
    let other_customer = customer(&other.books, "Vikram").await;
    let other_reminder = other
        .books
        .schedule_reminder(other_customer.id, None, due, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    sent_today(SHOP_DAILY_CAP, other.books.merchant_id().0, other_reminder).await;
    sent_today(SHOP_DAILY_CAP - 2, shop.books.merchant_id().0, rahul_sent).await;
    assert_eq!(hold(asha_next, asha.id, noon).await.expect("hold"), None);
    sent_today(1, shop.books.merchant_id().0, rahul_sent).await;
    assert_eq!(
        hold(asha_next, asha.id, noon).await.expect("hold"),
        Some((Hold::ShopCapReached, india(23, 9, 0)))
    );
}

on_both_databases!(
    a_reminder_is_claimed_once_when_the_clock_reaches_it,
    a_reminder_left_sending_is_never_claimed_again_and_is_reconciled_by_its_key,
    a_failure_that_sent_nothing_is_due_again_later_and_settled_or_failed_ones_stop,
    a_scheduled_reminder_is_moved_or_cancelled_by_its_shop_only,
    the_shops_policy_holds_reminders_at_night_once_a_day_and_at_its_daily_cap,
);
