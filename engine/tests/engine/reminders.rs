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

/// The shop's policy for a reminder, decided in a transaction of its own as a claim decides it.
async fn hold_in_claim(
    db: &Db,
    key: ReminderKey,
    customer: execora_engine::books::CustomerId,
    zone: chrono_tz::Tz,
    cap: i64,
    quiet: execora_engine::books::QuietHours,
    now: i64,
) -> Result<Option<(reminders::Hold, i64)>, execora_engine::store::StoreError> {
    let mut tx = db.begin().await?;
    let hold = reminders::policy_hold(&mut tx, key, customer, zone, cap, quiet, now).await;
    tx.rollback().await?;
    hold
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
    use execora_engine::books::QuietHours;
    use execora_engine::books::merchants::DEFAULT_REMINDER_DAILY_CAP as SHOP_DAILY_CAP;
    use reminders::Hold;
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
    let hold = |reminder, customer, now| {
        let (db, key) = (db.clone(), key(reminder));
        async move {
            hold_in_claim(
                &db,
                key,
                customer,
                zone,
                SHOP_DAILY_CAP,
                QuietHours::default(),
                now,
            )
            .await
        }
    };

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

async fn the_shops_quiet_hours_hold_reminders_by_its_own_clock(db: Db) {
    use chrono::TimeZone;
    use execora_engine::books::{QuietHours, SettingsChange, merchants};
    use reminders::Hold;
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let reminder = shop
        .books
        .schedule_reminder(rahul.id, None, to_millis(shop.books.now()), &cli())
        .await
        .expect("schedule")
        .value
        .id;
    let key = ReminderKey {
        merchant: shop.books.merchant_id(),
        reminder,
    };
    let zone = chrono_tz::Asia::Kolkata;
    let at = |day: u32, hour: u32, minute: u32| {
        zone.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
            .single()
            .expect("time")
            .with_timezone(&chrono::Utc)
    };
    // What the sender does: the shop's settings, the service's clock.
    let hold = |set: chrono::DateTime<chrono::Utc>| {
        shop.clock.set(set);
        let books = &shop.books;
        let db = &db;
        async move {
            let settings = books.settings().await.expect("settings");
            hold_in_claim(
                db,
                key,
                rahul.id,
                zone,
                settings.reminder_daily_cap,
                settings.quiet_hours,
                to_millis(books.now()),
            )
            .await
            .expect("hold")
        }
    };
    let set = |quiet: &str| {
        let quiet: QuietHours = quiet.parse().expect("window");
        let db = &db;
        let clock = shop.clock.clone();
        let merchant = shop.books.merchant_id();
        async move {
            merchants::set_settings(
                db,
                merchant,
                SettingsChange {
                    quiet_hours: Some(quiet),
                    ..SettingsChange::default()
                },
                &*clock,
            )
            .await
            .expect("set")
        }
    };

    // The default: 21:00 to 09:00.
    assert_eq!(
        shop.books.settings().await.expect("settings").quiet_hours,
        QuietHours::default()
    );
    assert_eq!(
        hold(at(22, 21, 0)).await,
        Some((Hold::QuietHours, to_millis(at(23, 9, 0))))
    );
    assert_eq!(hold(at(22, 20, 59)).await, None);

    // A window across midnight, to the minute.
    let saved = set("22:30-07:15").await;
    assert_eq!(saved.quiet_hours.to_string(), "22:30-07:15");
    assert_eq!(
        saved.reminder_daily_cap,
        merchants::DEFAULT_REMINDER_DAILY_CAP,
        "the rest kept"
    );
    assert_eq!(hold(at(22, 22, 29)).await, None);
    assert_eq!(hold(at(22, 21, 30)).await, None, "no longer the default");
    assert_eq!(
        hold(at(22, 22, 30)).await,
        Some((Hold::QuietHours, to_millis(at(23, 7, 15))))
    );
    assert_eq!(
        hold(at(23, 3, 0)).await,
        Some((Hold::QuietHours, to_millis(at(23, 7, 15))))
    );
    assert_eq!(hold(at(23, 7, 15)).await, None);

    // A window inside the day: lunch, 13:00 to 15:30; the night is open.
    set("13:00-15:30").await;
    assert_eq!(hold(at(22, 23, 0)).await, None);
    assert_eq!(hold(at(22, 12, 59)).await, None);
    assert_eq!(
        hold(at(22, 13, 0)).await,
        Some((Hold::QuietHours, to_millis(at(22, 15, 30))))
    );
    assert_eq!(hold(at(22, 15, 30)).await, None);

    // Held for the rest of the day (the customer was reminded today): the next day's first
    // minute outside the quiet hours.
    let other = shop
        .books
        .schedule_reminder(
            rahul.id,
            None,
            to_millis(shop.books.now() + Duration::hours(1)),
            &cli(),
        )
        .await
        .expect("schedule")
        .value
        .id;
    sqlx::query(
        "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at) VALUES ($1, $2, 'sent', $3)",
    )
    .bind(shop.books.merchant_id().0)
    .bind(other.0)
    .bind(to_millis(at(22, 10, 0)))
    .execute(db.pool())
    .await
    .expect("event");
    assert_eq!(
        hold(at(22, 16, 0)).await,
        Some((Hold::CustomerRemindedToday, to_millis(at(23, 0, 0)))),
        "midnight is open when the quiet hours are at lunch"
    );
    set("00:00-08:00").await;
    assert_eq!(
        hold(at(22, 16, 0)).await,
        Some((Hold::CustomerRemindedToday, to_millis(at(23, 8, 0))))
    );
    set("21:00-09:00").await;
    assert_eq!(
        hold(at(22, 16, 0)).await,
        Some((Hold::CustomerRemindedToday, to_millis(at(23, 9, 0))))
    );

    // Refused windows change nothing.
    assert!("10:00-10:00".parse::<QuietHours>().is_err());
    assert_eq!(
        shop.books.settings().await.expect("settings").quiet_hours,
        QuietHours::default()
    );
}

/// A customer with a phone who owes `owes` rupees.
async fn debtor(
    books: &execora_engine::books::Books,
    name: &str,
    phone: Option<&str>,
    owes: i64,
) -> execora_engine::books::CustomerId {
    let id = books
        .add_customer(execora_engine::books::NewCustomer {
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
            .add_credit(id, rupees(owes), None, &cli())
            .await
            .expect("udhaar");
    }
    id
}

fn sent_for(amount: Paise, wamid: &str) -> Delivered<'_> {
    Delivered {
        amount,
        wamid: Some(wamid),
        peer: "919811111111",
        body: "payment_reminder",
    }
}

const DAY: i64 = 86_400_000;

async fn a_series_books_its_next_reminder_after_each_one_and_ends_when_nothing_is_owed(db: Db) {
    use execora_engine::books::reminder_series::ended_paid;
    use execora_engine::books::{Recurrence, SeriesEnd};
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = debtor(&shop.books, "Rahul", Some("9811111111"), 500).await;
    let now = to_millis(shop.books.now());
    let keyed = Origin::keyed(Source::Whatsapp, "wamid.SERIES#0");
    let started = shop
        .books
        .start_reminder_series(rahul, 7, None, now, &keyed)
        .await
        .expect("series")
        .value;
    // The same message again books nothing twice.
    let again = shop
        .books
        .start_reminder_series(rahul, 7, None, now, &keyed)
        .await
        .expect("replayed");
    assert!(again.replayed);
    assert_eq!(again.value.series.id, started.series.id);
    assert_eq!(started.first.recurrence, Recurrence::Series);
    assert_eq!(started.first.series, Some(started.series.id));
    assert_eq!(shop.books.reminders(10).await.expect("list").len(), 1);

    // Its send was never confirmed (left for review): the next one is booked seven days later,
    // in the same transaction, and the late news that it went books nothing more.
    let first = reminders::claim_due(&db, now)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(
        reminders::review_stale(&db, now + 1, now)
            .await
            .expect("review")
            .len(),
        1
    );
    let waiting = shop
        .books
        .pending_reminders(Some(rahul))
        .await
        .expect("pending");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].due_at, now + 7 * DAY);
    assert_eq!(waiting[0].series, Some(started.series.id));
    reminders::mark_sent(&db, first.key, &sent_for(rupees(500), "wamid.S1"), now + 5)
        .await
        .expect("sent");
    assert_eq!(
        shop.books
            .reminder(first.key.reminder)
            .await
            .expect("reminder")
            .status,
        ReminderStatus::Sent
    );
    assert_eq!(
        shop.books
            .pending_reminders(Some(rahul))
            .await
            .expect("pending")
            .len(),
        1
    );

    // Not before its day; then a failure goes on too (the merchant was told), a week later.
    assert_eq!(
        reminders::claim_due(&db, now + 7 * DAY - 1)
            .await
            .expect("claim"),
        None
    );
    let second = reminders::claim_due(&db, now + 7 * DAY)
        .await
        .expect("claim")
        .expect("due a week later");
    assert!(
        reminders::mark_failed(
            &db,
            second.key,
            Some(131026),
            "undeliverable",
            now + 7 * DAY
        )
        .await
        .expect("failed")
    );
    let waiting = shop
        .books
        .pending_reminders(Some(rahul))
        .await
        .expect("pending");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].due_at, now + 14 * DAY);

    // Rahul paid everything: the next one is settled, the series ends, nothing more is booked.
    shop.books
        .record_payment(rahul, rupees(500), None, &cli())
        .await
        .expect("paid");
    let third = reminders::claim_due(&db, now + 14 * DAY)
        .await
        .expect("claim")
        .expect("due");
    assert!(!ended_paid(&db, third.key).await.expect("ended"));
    assert!(
        reminders::mark_settled(&db, third.key, now + 14 * DAY)
            .await
            .expect("settled")
    );
    assert!(ended_paid(&db, third.key).await.expect("ended"));
    assert_eq!(
        shop.books.running_series(rahul).await.expect("series"),
        None
    );
    let series = shop.books.reminder_series(10).await.expect("series");
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].end, Some(SeriesEnd::Paid));
    assert!(
        shop.books
            .pending_reminders(Some(rahul))
            .await
            .expect("pending")
            .is_empty()
    );
    assert_eq!(
        reminders::claim_due(&db, now + 60 * DAY)
            .await
            .expect("claim"),
        None
    );
}

async fn stopping_automatic_reminders_cancels_the_waiting_ones_and_keeps_one_off_reminders(db: Db) {
    use execora_engine::books::SeriesEnd;
    let shop = shop(&db, "Gupta Kirana").await;
    let other = self::shop(&db, "Sharma Store").await;
    let rahul = debtor(&shop.books, "Rahul", Some("9811111111"), 500).await;
    let asha = debtor(&shop.books, "Asha", Some("9822222222"), 500).await;
    let vikram = debtor(&shop.books, "Vikram", Some("9833333333"), 500).await;
    let now = to_millis(shop.books.now());
    let series = |customer, days| {
        let books = &shop.books;
        async move {
            books
                .start_reminder_series(customer, days, None, now + 3_600_000, &cli())
                .await
                .expect("series")
                .value
        }
    };
    series(rahul, 7).await;
    let asha_weekly = series(asha, 7).await;
    let one_off = shop
        .books
        .schedule_reminder(rahul, None, now + 7_200_000, &cli())
        .await
        .expect("one-off")
        .value
        .id;
    // Another shop cannot stop them.
    assert!(matches!(
        other.books.stop_reminder_series(rahul).await,
        Err(BooksError::CustomerNotFound(_))
    ));

    let stopped = shop.books.stop_reminder_series(rahul).await.expect("stop");
    assert_eq!(
        (stopped.series, stopped.cancelled, stopped.shop_wide),
        (1, 1, false)
    );
    let waiting = shop
        .books
        .pending_reminders(Some(rahul))
        .await
        .expect("pending");
    assert_eq!(
        waiting.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![one_off]
    );

    // A new interval replaces the running series and its waiting reminder.
    let asha_often = series(asha, 3).await;
    let all = shop.books.reminder_series(10).await.expect("series");
    let old = all
        .iter()
        .find(|s| s.id == asha_weekly.series.id)
        .expect("old");
    assert_eq!(old.end, Some(SeriesEnd::Replaced));
    assert_eq!(
        shop.books
            .reminder(asha_weekly.first.id)
            .await
            .expect("reminder")
            .status,
        ReminderStatus::Cancelled
    );
    assert_eq!(
        shop.books
            .running_series(asha)
            .await
            .expect("running")
            .map(|s| s.every_days),
        Some(3)
    );

    // Cancelling a series' reminder is stopping the series.
    let vikram_series = series(vikram, 2).await;
    assert!(
        shop.books
            .cancel_reminder(vikram_series.first.id)
            .await
            .expect("cancel")
    );
    assert_eq!(
        shop.books.running_series(vikram).await.expect("running"),
        None
    );

    // Everything automatic stops; the one-off reminder stays.
    shop.books
        .set_auto_reminders(5)
        .await
        .expect("shop-wide on");
    let stopped = shop
        .books
        .stop_all_auto_reminders()
        .await
        .expect("stop all");
    assert_eq!(
        (stopped.series, stopped.cancelled, stopped.shop_wide),
        (1, 1, true)
    );
    assert_eq!(
        shop.books
            .reminder(asha_often.first.id)
            .await
            .expect("reminder")
            .status,
        ReminderStatus::Cancelled
    );
    assert_eq!(
        shop.books
            .settings()
            .await
            .expect("settings")
            .auto_reminder_days,
        None
    );
    let waiting = shop.books.pending_reminders(None).await.expect("pending");
    assert_eq!(
        waiting.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![one_off]
    );
    let again = shop
        .books
        .stop_all_auto_reminders()
        .await
        .expect("stop all");
    assert_eq!(
        (again.series, again.cancelled, again.shop_wide),
        (0, 0, false)
    );
}

async fn the_shop_wide_setting_reminds_everyone_who_owes_every_n_days(db: Db) {
    use execora_engine::books::Recurrence;
    use execora_engine::books::reminder_series::book_shop_rounds;
    let shop = shop(&db, "Gupta Kirana").await;
    let other = self::shop(&db, "Sharma Store").await;
    let rahul = debtor(&shop.books, "Rahul", Some("9811111111"), 500).await;
    debtor(&shop.books, "Asha", Some("9822222222"), 0).await;
    debtor(&shop.books, "Vikram", None, 300).await;
    let meena = debtor(&shop.books, "Meena", Some("9844444444"), 300).await;
    let sunil = debtor(&shop.books, "Sunil", Some("9855555555"), 300).await;
    debtor(&other.books, "Kiran", Some("9866666666"), 900).await;
    let now = to_millis(shop.books.now());
    assert_eq!(
        book_shop_rounds(&db, now).await.expect("round"),
        0,
        "off by default"
    );

    // Meena has her own series; the merchant stopped Sunil's automatic reminders.
    shop.books
        .start_reminder_series(meena, 10, None, now + 3_600_000, &cli())
        .await
        .expect("series");
    shop.books.stop_reminder_series(sunil).await.expect("stop");
    let on = shop.books.set_auto_reminders(3).await.expect("on");
    assert_eq!(on.auto_reminder_days, Some(3));
    assert_eq!(shop.books.remindable_debtors().await.expect("debtors"), 3);

    // Only Rahul: owes, has a phone, nothing waiting, no series of his own, never stopped.
    assert_eq!(book_shop_rounds(&db, now).await.expect("round"), 1);
    assert_eq!(
        book_shop_rounds(&db, now).await.expect("round"),
        0,
        "one at a time"
    );
    let waiting = shop
        .books
        .pending_reminders(Some(rahul))
        .await
        .expect("pending");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].recurrence, Recurrence::Shop);
    assert_eq!(waiting[0].amount, None, "the balance when it goes");
    let due = reminders::claim_due(&db, now)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(due.customer, rahul);
    reminders::mark_sent(&db, due.key, &sent_for(rupees(500), "wamid.SHOP1"), now)
        .await
        .expect("sent");

    // Three days after it went, the next.
    assert_eq!(
        book_shop_rounds(&db, now + 3 * DAY - 1)
            .await
            .expect("round"),
        0
    );
    assert_eq!(
        book_shop_rounds(&db, now + 3 * DAY).await.expect("round"),
        1
    );
    // Stopped for the whole shop: the waiting one is cancelled and no more are booked.
    let stopped = shop.books.stop_all_auto_reminders().await.expect("stop");
    assert_eq!(
        stopped.cancelled, 2,
        "Rahul's shop-wide one and Meena's series"
    );
    assert_eq!(
        book_shop_rounds(&db, now + 30 * DAY).await.expect("round"),
        0
    );
    assert!(matches!(
        shop.books.set_auto_reminders(0).await,
        Err(BooksError::InvalidQuantity(_))
    ));
}

async fn the_daily_cap_is_the_shops_setting(db: Db) {
    use execora_engine::books::{SettingsChange, merchants};
    use reminders::Hold;
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let asha = customer(&shop.books, "Asha").await;
    let now = to_millis(shop.books.now());
    let sent = shop
        .books
        .schedule_reminder(rahul.id, None, now, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    let next = shop
        .books
        .schedule_reminder(asha.id, None, now, &cli())
        .await
        .expect("schedule")
        .value
        .id;
    let defaults = shop.books.settings().await.expect("settings");
    assert_eq!(defaults.reminder_daily_cap, 200);
    let settings = merchants::set_settings(
        &db,
        shop.books.merchant_id(),
        SettingsChange {
            reminder_daily_cap: Some(1),
            ..SettingsChange::default()
        },
        &*shop.clock,
    )
    .await
    .expect("set");
    assert_eq!(settings.reminder_daily_cap, 1);
    assert_eq!(
        settings.large_amount, defaults.large_amount,
        "the rest kept"
    );
    let claimed = reminders::claim_due(&db, now)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(claimed.key.reminder, sent);
    reminders::mark_sent(&db, claimed.key, &sent_for(rupees(1), "wamid.CAP"), now)
        .await
        .expect("sent");
    let key = ReminderKey {
        merchant: shop.books.merchant_id(),
        reminder: next,
    };
    let cap = shop
        .books
        .settings()
        .await
        .expect("settings")
        .reminder_daily_cap;
    assert!(matches!(
        hold_in_claim(
            &db,
            key,
            asha.id,
            chrono_tz::Asia::Kolkata,
            cap,
            Default::default(),
            now
        )
        .await
        .expect("hold"),
        Some((Hold::ShopCapReached, _))
    ));
    for refused in [-1, 0, 100_001] {
        assert!(
            merchants::set_settings(
                &db,
                shop.books.merchant_id(),
                SettingsChange {
                    reminder_daily_cap: Some(refused),
                    ..SettingsChange::default()
                },
                &*shop.clock,
            )
            .await
            .is_err()
        );
    }
}

async fn a_customers_reply_joins_the_timeline_of_the_reminder_it_answers(db: Db) {
    use execora_engine::messages::MessageId;
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = debtor(&shop.books, "Rahul", Some("9811111111"), 500).await;
    let phone = "919811111111";
    let now = to_millis(shop.books.now());
    let merchant = shop.books.merchant_id();
    let mut sent = Vec::new();
    for (i, wamid) in ["wamid.R1", "wamid.R2"].into_iter().enumerate() {
        let at = now + i as i64 * DAY;
        shop.books
            .schedule_reminder(rahul, None, at, &cli())
            .await
            .expect("schedule");
        let due = reminders::claim_due(&db, at)
            .await
            .expect("claim")
            .expect("due");
        reminders::mark_sent(&db, due.key, &sent_for(rupees(500), wamid), at)
            .await
            .expect("sent");
        sent.push(due.key.reminder);
    }
    let inbound = |wamid: &'static str, body: &'static str, at: i64| {
        let db = db.clone();
        async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, kind, body, status, created_at, updated_at) \
                 VALUES ($1, 'in', $2, $3, 'text', $4, 'logged', $5, $5) RETURNING id",
            )
            .bind(merchant.0)
            .bind(wamid)
            .bind(phone)
            .bind(body)
            .bind(at)
            .fetch_one(db.pool())
            .await
            .expect("message");
            MessageId(id)
        }
    };
    let later = now + DAY + 3_600_000;
    // Not quoting anything: the latest reminder sent to this phone.
    let kal = inbound("wamid.IN1", "kal de dunga", later).await;
    for _ in 0..2 {
        assert_eq!(
            reminders::record_reply(&db, merchant, phone, None, kal, "kal de dunga", later)
                .await
                .expect("reply"),
            Some(sent[1])
        );
    }
    // Quoting the first reminder: that one.
    let paid = inbound("wamid.IN2", "paid", later + 1).await;
    assert_eq!(
        reminders::record_reply(
            &db,
            merchant,
            phone,
            Some("wamid.R1"),
            paid,
            "paid",
            later + 1
        )
        .await
        .expect("reply"),
        Some(sent[0])
    );
    let replies = |events: Vec<execora_engine::books::ReminderEvent>| {
        events
            .into_iter()
            .filter(|e| e.kind == EventKind::Replied)
            .map(|e| e.detail.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        replies(
            shop.books
                .reminder_timeline(sent[1])
                .await
                .expect("timeline")
        ),
        vec!["kal de dunga".to_string()],
        "recorded once"
    );
    assert_eq!(
        replies(
            shop.books
                .reminder_timeline(sent[0])
                .await
                .expect("timeline")
        ),
        vec!["paid".to_string()]
    );
    let worker = execora_engine::claimants::Claimant::fresh();
    // Finishing the message that carries a reply writes the event in the same transaction; a
    // finish that is no longer this worker's (another run finished it) writes nothing.
    let claimed: i64 = sqlx::query_scalar(
        "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, kind, body, status, created_at, updated_at, claimed_by) \
         VALUES (NULL, 'in', 'wamid.IN5', $1, 'text', 'parso pakka', 'processing', $2, $2, $3) RETURNING id",
    )
    .bind(phone)
    .bind(later + 2)
    .bind(worker.as_str())
    .fetch_one(db.pool())
    .await
    .expect("claimed message");
    let finish = execora_engine::messages::Finish {
        status: execora_engine::messages::Delivery::Logged,
        merchant: Some(merchant),
        transcript: None,
        replies: &[],
        reminder_reply: Some(reminders::CustomerReply {
            merchant,
            customer_phone: phone,
            quoted: Some("wamid.R1"),
            text: "parso pakka",
        }),
    };
    for (attempt, finished) in [(0, true), (1, false)] {
        assert_eq!(
            execora_engine::messages::finish_inbound(
                &db,
                MessageId(claimed),
                &worker,
                &finish,
                later + 3,
            )
            .await
            .expect("finish")
            .is_some(),
            finished,
            "attempt {attempt}"
        );
    }
    assert_eq!(
        replies(
            shop.books
                .reminder_timeline(sent[0])
                .await
                .expect("timeline")
        ),
        vec!["paid".to_string(), "parso pakka".to_string()],
        "with the message it finished, once"
    );
    // Long after the last reminder, or from a phone that is no customer's: no reminder.
    let late = inbound("wamid.IN3", "ok", later + 8 * DAY).await;
    assert_eq!(
        reminders::record_reply(&db, merchant, phone, None, late, "ok", later + 8 * DAY)
            .await
            .expect("reply"),
        None
    );
    let stranger = inbound("wamid.IN4", "hi", later).await;
    assert_eq!(
        reminders::record_reply(&db, merchant, "919899999999", None, stranger, "hi", later)
            .await
            .expect("reply"),
        None
    );

    // The merchant's question reads the latest reminder's timeline, and the next one waiting.
    shop.books
        .schedule_reminder(rahul, None, now + 5 * DAY, &cli())
        .await
        .expect("schedule");
    let news = shop.books.reminder_news(rahul).await.expect("news");
    let (last, events) = news.last.expect("a reminder went");
    assert_eq!(last.id, sent[1]);
    assert_eq!(last.status, ReminderStatus::Sent);
    assert!(events.iter().any(|e| e.kind == EventKind::Replied));
    assert_eq!(news.next.map(|r| r.due_at), Some(now + 5 * DAY));
}

/// Several processes run the shop-wide round at once (on PostgreSQL, read committed): each
/// customer still gets one waiting reminder.
async fn concurrent_shop_rounds_book_each_customer_once(db: Db) {
    use execora_engine::books::reminder_series::book_shop_rounds;
    let shop = shop(&db, "Busy Kirana").await;
    let mut debtors = Vec::new();
    for n in 0..12 {
        debtors.push(
            debtor(
                &shop.books,
                &format!("Grahak {n}"),
                Some(&format!("98770000{n:02}")),
                100 + n,
            )
            .await,
        );
    }
    shop.books.set_auto_reminders(3).await.expect("on");
    let now = to_millis(shop.books.now());
    let rounds: Vec<_> = (0..6)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { book_shop_rounds(&db, now).await })
        })
        .collect();
    let mut booked = 0;
    for round in rounds {
        booked += round.await.expect("task").expect("round");
    }
    assert_eq!(booked, debtors.len(), "one each, whoever booked it");
    for customer in debtors {
        let waiting = shop
            .books
            .pending_reminders(Some(customer))
            .await
            .expect("pending");
        assert_eq!(waiting.len(), 1);
    }
}

/// Many claimers at once (tasks here; processes alike, the claim is in the database): the
/// shop's daily cap and "once a day per customer" hold across all of them, counting the
/// reminders still being sent, and what the policy holds waits for the next morning.
/// The sender counts what is due before it takes from the number's throughput: only reminders
/// whose time has come count, at most as many as asked, and none once claimed.
async fn only_reminders_whose_time_has_come_are_counted_due(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let rahul = customer(&shop.books, "Rahul").await;
    let now = to_millis(shop.books.now());
    for at in [now - 60_000, now, now + 3_600_000] {
        shop.books
            .schedule_reminder(rahul.id, None, at, &cli())
            .await
            .expect("schedule");
    }
    assert_eq!(reminders::due_count(&db, now, 10).await.expect("count"), 2);
    assert_eq!(reminders::due_count(&db, now, 1).await.expect("count"), 1);
    assert_eq!(
        reminders::due_count(&db, now - 120_000, 10)
            .await
            .expect("count"),
        0
    );
    let claimed = reminders::claim_batch(&db, now, 10).await.expect("claim");
    assert!(claimed.found_any());
    assert_eq!(reminders::due_count(&db, now, 10).await.expect("count"), 0);
    assert_eq!(
        reminders::due_count(&db, now + 3_600_000, 10)
            .await
            .expect("count"),
        1
    );
}

async fn concurrent_claims_never_exceed_the_daily_cap_nor_remind_a_customer_twice_a_day(db: Db) {
    use execora_engine::books::{SettingsChange, merchants};
    use std::collections::HashSet;
    const CAP: i64 = 12;
    const CUSTOMERS: usize = 20;
    let shop = shop(&db, "Gupta Kirana").await;
    let other = self::shop(&db, "Sharma Store").await;
    merchants::set_settings(
        &db,
        shop.books.merchant_id(),
        SettingsChange {
            reminder_daily_cap: Some(CAP),
            ..SettingsChange::default()
        },
        &*shop.clock,
    )
    .await
    .expect("cap");
    let now = to_millis(shop.books.now());
    // Two reminders for each customer, all due now; another shop's, at the default cap.
    for n in 0..CUSTOMERS {
        let customer = customer(&shop.books, &format!("Customer {n}")).await;
        for _ in 0..2 {
            shop.books
                .schedule_reminder(customer.id, None, now, &cli())
                .await
                .expect("schedule");
        }
    }
    let vikram = customer(&other.books, "Vikram").await;
    for _ in 0..2 {
        other
            .books
            .schedule_reminder(vikram.id, None, now, &cli())
            .await
            .expect("schedule");
    }
    let claimers: Vec<_> = (0..8)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = reminders::claim_batch(&db, now, 3).await.expect("claim");
                    if !claimed.found_any() {
                        return mine;
                    }
                    for due in claimed.due {
                        // Half the claimers finish their sends, half leave them `sending`:
                        // a reminder in flight counts as much as one sent.
                        if n % 2 == 0 {
                            reminders::mark_sent(
                                &db,
                                due.key,
                                &sent_for(rupees(1), &format!("wamid.C{}", due.key.reminder)),
                                now,
                            )
                            .await
                            .expect("sent");
                        }
                        mine.push(due);
                    }
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.expect("claimer"));
    }
    let ours: Vec<_> = claimed
        .iter()
        .filter(|d| d.key.merchant == shop.books.merchant_id())
        .collect();
    assert_eq!(
        ours.len() as i64,
        CAP,
        "exactly the cap leaves the shop today"
    );
    let customers: HashSet<_> = ours.iter().map(|d| d.customer).collect();
    assert_eq!(customers.len(), ours.len(), "no customer twice in a day");
    let theirs: Vec<_> = claimed
        .iter()
        .filter(|d| d.key.merchant == other.books.merchant_id())
        .collect();
    assert_eq!(
        theirs.len(),
        1,
        "the other shop's customer once, its cap untouched"
    );
    // Everything else waits for 09:00 tomorrow, moved without being taken.
    let waiting = shop.books.pending_reminders(None).await.expect("pending");
    assert_eq!(waiting.len(), 2 * CUSTOMERS - CAP as usize);
    let held = waiting[0].id;
    assert_eq!(
        timeline(&shop.books, held).await,
        vec![EventKind::Scheduled, EventKind::Moved]
    );
    assert!(
        !reminders::claim_batch(&db, india(22, 20, 0), 64)
            .await
            .expect("claim")
            .found_any(),
        "nothing more today"
    );
    // The next morning the next day's cap goes, again once per customer.
    let tomorrow = reminders::claim_batch(&db, india(23, 9, 0), 64)
        .await
        .expect("claim");
    let ours: Vec<_> = tomorrow
        .due
        .iter()
        .filter(|d| d.key.merchant == shop.books.merchant_id())
        .collect();
    assert_eq!(ours.len() as i64, CAP);
    assert_eq!(
        ours.iter()
            .map(|d| d.customer)
            .collect::<HashSet<_>>()
            .len(),
        ours.len()
    );
}

/// A claim issues each claimed reminder's pay link with it (the token opens that customer's
/// page), and sends that finish together are recorded together through `SentLog`: each one
/// `sent` once with its own message, its timeline one `sent` event.
async fn claims_carry_pay_links_and_finished_sends_are_recorded_together(db: Db) {
    use execora_engine::books::reminder_sends::SentLog;
    let shop = shop(&db, "Batch Kirana").await;
    let now = to_millis(shop.books.now());
    let mut customers = Vec::new();
    for n in 0..10 {
        let id = debtor(&shop.books, &format!("Grahak {n}"), None, 100).await;
        shop.books
            .schedule_reminder(id, None, now, &cli())
            .await
            .expect("schedule");
        customers.push(id);
    }
    let claimed = reminders::claim_batch(&db, now, 64).await.expect("claim");
    assert_eq!(claimed.due.len(), 10);
    for due in &claimed.due {
        let link = due.pay_link.as_ref().expect("a pay link with the claim");
        assert_eq!(link.customer, due.customer);
        let page =
            execora_engine::books::pay_links::open(&db, link.token.as_str(), shop.books.now())
                .await
                .expect("open")
                .expect("the link opens a page");
        assert_eq!(page.customer, due.customer);
    }
    let log = SentLog::start(db.clone());
    let sends: Vec<_> = claimed
        .due
        .iter()
        .map(|due| {
            let (log, key) = (log.clone(), due.key);
            tokio::spawn(async move {
                let wamid = format!("wamid.BATCH.{}", key.reminder.0);
                log.mark_sent(key, &sent_for(rupees(100), &wamid), now + 1)
                    .await
                    .expect("recorded")
            })
        })
        .collect();
    let mut messages = std::collections::HashSet::new();
    for send in sends {
        assert!(
            messages.insert(send.await.expect("joined")),
            "one message each"
        );
    }
    for due in &claimed.due {
        let reminder = shop
            .books
            .reminder(due.key.reminder)
            .await
            .expect("reminder");
        assert_eq!(reminder.status, ReminderStatus::Sent);
        assert_eq!(
            timeline(&shop.books, due.key.reminder)
                .await
                .iter()
                .filter(|kind| **kind == EventKind::Sent)
                .count(),
            1
        );
    }
}

/// One claim takes due reminders of several shops at once (its statements span shops), carrying
/// each shop and each customer as they stand; sends finished together are written together and
/// each matched to its own logged message, even with the same phone in two shops and one send
/// recorded twice in the same batch.
async fn a_claim_spans_shops_and_sends_finished_together_get_their_own_messages(db: Db) {
    use execora_engine::books::reminder_sends::SentLog;
    use sqlx::Row;
    let first = shop(&db, "Pehli Kirana").await;
    let second = shop(&db, "Doosri Kirana").await;
    let now = to_millis(first.books.now());
    let mut expected = std::collections::HashMap::new();
    for n in 0..3 {
        // The same phone numbers in both shops, each shop's customer owing its own amount.
        let phone = format!("9198765000{n}");
        for (books, owes) in [(&first.books, 100 + n), (&second.books, 200 + n)] {
            let id = debtor(books, &format!("Grahak {n}"), Some(&phone), owes).await;
            books
                .schedule_reminder(id, None, now, &cli())
                .await
                .expect("schedule");
            expected.insert((books.merchant_id(), id), (phone.clone(), rupees(owes)));
        }
    }
    let claimed = reminders::claim_batch(&db, now, 64).await.expect("claim");
    assert_eq!(claimed.due.len(), 6);
    assert_eq!(claimed.shops.len(), 2, "both shops carried with the claim");
    assert_eq!(
        claimed.shops[&second.books.merchant_id()].name,
        "Doosri Kirana"
    );
    for due in &claimed.due {
        let (_, owes) = &expected[&(due.key.merchant, due.customer)];
        let customer = due
            .customer_now
            .as_ref()
            .expect("the customer read with the claim");
        assert_eq!(customer.id, due.customer);
        assert_eq!(customer.balance, *owes);
        assert_eq!(due.pay_link.as_ref().expect("link").customer, due.customer);
    }
    let log = SentLog::start(db.clone());
    // Every send in the sandbox (no wamid), the first one recorded twice side by side.
    let mut finishing: Vec<_> = claimed.due.iter().collect();
    finishing.push(&claimed.due[0]);
    let sends: Vec<_> = finishing
        .into_iter()
        .map(|due| {
            let (log, key) = (log.clone(), due.key);
            let (phone, owes) = expected[&(due.key.merchant, due.customer)].clone();
            tokio::spawn(async move {
                let sent = Delivered {
                    amount: owes,
                    wamid: None,
                    peer: &phone,
                    body: "payment_reminder",
                };
                (
                    key,
                    log.mark_sent(key, &sent, now + 1).await.expect("recorded"),
                )
            })
        })
        .collect();
    for send in sends {
        let (key, message) = send.await.expect("joined");
        let row = sqlx::query(
            "SELECT m.merchant_id, m.peer, m.status, r.customer_id, r.sent_amount_paise \
             FROM messages m, reminders r WHERE m.id = $1 AND r.merchant_id = $2 AND r.id = $3",
        )
        .bind(message.0)
        .bind(key.merchant.0)
        .bind(key.reminder.0)
        .fetch_one(db.pool())
        .await
        .expect("the message and its reminder");
        let customer = execora_engine::books::CustomerId(row.get("customer_id"));
        let (phone, owes) = &expected[&(key.merchant, customer)];
        assert_eq!(
            row.get::<i64, _>("merchant_id"),
            key.merchant.0,
            "the shop's own message"
        );
        assert_eq!(&row.get::<String, _>("peer"), phone);
        assert_eq!(row.get::<String, _>("status"), "sandbox");
        assert_eq!(row.get::<i64, _>("sent_amount_paise"), owes.as_i64());
    }
    for due in &claimed.due {
        let books = if due.key.merchant == first.books.merchant_id() {
            &first.books
        } else {
            &second.books
        };
        let reminder = books.reminder(due.key.reminder).await.expect("reminder");
        assert_eq!(reminder.status, ReminderStatus::Sent);
        let kinds = timeline(books, due.key.reminder).await;
        assert_eq!(
            kinds
                .iter()
                .filter(|kind| **kind == EventKind::Sent)
                .count(),
            1,
            "one sent event, however often recorded"
        );
    }
}

on_both_databases!(
    a_claim_spans_shops_and_sends_finished_together_get_their_own_messages,
    claims_carry_pay_links_and_finished_sends_are_recorded_together,
    only_reminders_whose_time_has_come_are_counted_due,
    concurrent_claims_never_exceed_the_daily_cap_nor_remind_a_customer_twice_a_day,
    the_shops_quiet_hours_hold_reminders_by_its_own_clock,
    concurrent_shop_rounds_book_each_customer_once,
    a_series_books_its_next_reminder_after_each_one_and_ends_when_nothing_is_owed,
    stopping_automatic_reminders_cancels_the_waiting_ones_and_keeps_one_off_reminders,
    the_shop_wide_setting_reminds_everyone_who_owes_every_n_days,
    the_daily_cap_is_the_shops_setting,
    a_customers_reply_joins_the_timeline_of_the_reminder_it_answers,
    a_reminder_is_claimed_once_when_the_clock_reaches_it,
    a_reminder_left_sending_is_never_claimed_again_and_is_reconciled_by_its_key,
    a_failure_that_sent_nothing_is_due_again_later_and_settled_or_failed_ones_stop,
    a_scheduled_reminder_is_moved_or_cancelled_by_its_shop_only,
    the_shops_policy_holds_reminders_at_night_once_a_day_and_at_its_daily_cap,
);
