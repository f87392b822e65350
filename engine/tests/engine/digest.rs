//! The evening digest: each shop's time in its own zone, on and off, the same-evening catch-up,
//! one digest per shop-day however many writers, and its figures; on both databases.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use execora_engine::books::digest::{self, DigestChannel, DueDigest};
use execora_engine::books::reminders::{self, Delivered};
use execora_engine::books::{
    self, DigestChange, DigestSchedule, InvoiceLineRequest, LinePricing, MerchantId, NewMerchant,
    Origin, ReminderKey, Source,
};
use execora_engine::messages::{self, Delivery, NewInbound, NewOutbound};
use execora_engine::money::Paise;
use execora_engine::quantity::Quantity;
use execora_engine::reply::Locale;
use execora_engine::store::Db;
use execora_engine::time::{ManualClock, from_millis, to_millis};

use crate::on_both_databases;
use crate::support::{customer, shop, start_time};

fn rupees(r: i64) -> Paise {
    Paise::new(r * 100)
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("time")
}

/// 2026-11-22 at `hour:minute` in India, as unix ms.
fn india(hour: u32, minute: u32) -> i64 {
    let at = chrono_tz::Asia::Kolkata
        .with_ymd_and_hms(2026, 11, 22, hour, minute, 0)
        .single()
        .expect("time");
    to_millis(at.with_timezone(&Utc))
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

async fn due_shops(db: &Db, now: i64) -> Vec<DueDigest> {
    digest::due(db, now).await.expect("due")
}

fn includes(due: &[DueDigest], merchant: MerchantId, on: NaiveDate) -> bool {
    due.contains(&DueDigest { merchant, day: on })
}

async fn a_shop_gets_its_digest_from_21_00_its_own_time_until_its_midnight(db: Db) {
    let india_shop = shop(&db, "Gupta Kirana").await;
    let dubai = books::merchants::create(
        &db,
        NewMerchant {
            name: "Dubai Stores".into(),
            owner_phone: "971501234567".into(),
            locale: Locale::En,
            timezone: Some("Asia/Dubai".into()),
            upi_id: None,
        },
        &*ManualClock::new(start_time()),
    )
    .await
    .expect("shop");
    let kolkata = india_shop.books.merchant_id();
    assert_eq!(
        india_shop.books.digest_schedule().await.expect("schedule"),
        DigestSchedule {
            enabled: true,
            at: hm(21, 0)
        }
    );
    // 20:59 in India: nobody's digest is due.
    let before = due_shops(&db, india(20, 59)).await;
    assert!(!includes(&before, kolkata, day(22)), "{before:?}");
    // 21:00 in India is 19:30 in Dubai: India's only.
    let nine = due_shops(&db, india(21, 0)).await;
    assert!(includes(&nine, kolkata, day(22)), "{nine:?}");
    assert!(!nine.iter().any(|d| d.merchant == dubai.id), "{nine:?}");
    // 22:30 in India is 21:00 in Dubai.
    let later = due_shops(&db, india(22, 30)).await;
    assert!(includes(&later, dubai.id, day(22)), "{later:?}");
    // Catch-up: a process that comes back at 23:59 still sends India's; after India's midnight
    // that day's digest is skipped (and the next is due only at the next 21:00).
    assert!(includes(
        &due_shops(&db, india(23, 59)).await,
        kolkata,
        day(22)
    ));
    let after_midnight = india(23, 59) + 60_000;
    assert!(
        !due_shops(&db, after_midnight)
            .await
            .iter()
            .any(|d| d.merchant == kolkata)
    );
    assert!(
        !due_shops(&db, after_midnight + 20 * 3_600_000)
            .await
            .iter()
            .any(|d| d.merchant == kolkata)
    );
    assert!(includes(
        &due_shops(&db, after_midnight + 21 * 3_600_000).await,
        kolkata,
        day(23)
    ));
    // The pure rule, as the worker applies it.
    let zone = chrono_tz::Asia::Kolkata;
    assert_eq!(
        digest::due_day(DigestSchedule::default(), zone, india(21, 0)),
        Some(day(22))
    );
    assert_eq!(
        digest::due_day(DigestSchedule::default(), zone, india(20, 59)),
        None
    );
}

async fn the_digest_time_changes_or_turns_off_and_on_again(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let id = shop.books.merchant_id();
    let set = shop
        .books
        .set_digest_schedule(DigestChange {
            enabled: None,
            at: Some(hm(20, 0)),
        })
        .await
        .expect("set");
    assert_eq!(
        set,
        DigestSchedule {
            enabled: true,
            at: hm(20, 0)
        }
    );
    assert!(includes(&due_shops(&db, india(20, 0)).await, id, day(22)));
    assert!(!includes(&due_shops(&db, india(19, 59)).await, id, day(22)));
    let off = shop
        .books
        .set_digest_schedule(DigestChange {
            enabled: Some(false),
            at: None,
        })
        .await
        .expect("off");
    assert!(!off.enabled);
    assert!(
        !due_shops(&db, india(22, 0))
            .await
            .iter()
            .any(|d| d.merchant == id)
    );
    // On again keeps the time it had.
    let on = shop
        .books
        .set_digest_schedule(DigestChange {
            enabled: Some(true),
            at: None,
        })
        .await
        .expect("on");
    assert_eq!(
        on,
        DigestSchedule {
            enabled: true,
            at: hm(20, 0)
        }
    );
    assert_eq!(
        digest::schedule(&db, id).await.expect("stored"),
        DigestSchedule {
            enabled: true,
            at: hm(20, 0)
        }
    );
}

async fn a_shop_day_has_one_digest_however_many_writers(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let id = shop.books.merchant_id();
    let owner = books::merchants::owner_phone(&db, id)
        .await
        .expect("owner")
        .expect("phone");
    let now = india(21, 0);
    // Eight writers at once (processes sharing the database): one digest, one message.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        let peer = owner.as_str().to_string();
        tasks.push(tokio::spawn(async move {
            let outbound = NewOutbound {
                merchant: Some(id),
                peer: &peer,
                kind: "text",
                body: "digest",
                in_reply_to: None,
                options: None,
                status: Delivery::Sandbox,
                at: now,
            };
            digest::write(&db, id, day(22), DigestChannel::Text, Some(&outbound), now)
                .await
                .expect("write")
        }));
    }
    let mut won = 0;
    for task in tasks {
        if task.await.expect("task").is_some() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    let outbox = messages::recent(&db, id, 50).await.expect("messages");
    assert_eq!(outbox.iter().filter(|m| m.body == "digest").count(), 1);
    // Written: no longer due that evening, whatever the clock says; due again the next evening.
    assert!(!includes(&due_shops(&db, india(21, 30)).await, id, day(22)));
    assert!(includes(
        &due_shops(&db, india(21, 0) + 86_400_000).await,
        id,
        day(23)
    ));
    // A later digest time that evening does not make a second one.
    shop.books
        .set_digest_schedule(DigestChange {
            enabled: None,
            at: Some(hm(22, 0)),
        })
        .await
        .expect("set");
    assert!(!includes(&due_shops(&db, india(22, 0)).await, id, day(22)));
    let written = digest::written(&db, id, 10).await.expect("written");
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].day, day(22));
    assert_eq!(written[0].channel, DigestChannel::Text);
    assert!(written[0].message.is_some());
}

async fn the_owners_last_message_is_found_for_the_24_hour_window(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let other = shop_named(&db, "Other").await;
    let id = shop.books.merchant_id();
    let owner = books::merchants::owner_phone(&db, id)
        .await
        .expect("owner")
        .expect("phone");
    assert_eq!(
        digest::last_inbound_at(&db, id, owner.as_str())
            .await
            .expect("last"),
        None
    );
    for (n, at, merchant) in [
        (1, india(9, 0), Some(id)),
        (2, india(11, 0), Some(id)),
        (3, india(12, 0), Some(other)),
    ] {
        messages::record_inbound(
            &db,
            &NewInbound {
                merchant,
                channel_id: &format!("wamid.digest-{n}-{}", id.0),
                peer: owner.as_str(),
                peer_user_id: None,
                kind: "text",
                body: "hi",
                media_id: None,
                context_id: None,
                status: Delivery::Processed,
                at,
            },
        )
        .await
        .expect("inbound");
    }
    // Another shop's row for the same phone does not open this shop's window.
    assert_eq!(
        digest::last_inbound_at(&db, id, owner.as_str())
            .await
            .expect("last"),
        Some(india(11, 0))
    );
}

async fn shop_named(db: &Db, name: &str) -> MerchantId {
    shop(db, name).await.books.merchant_id()
}

async fn the_digest_counts_the_day_and_the_reminders_since_the_last_one(db: Db) {
    let shop = shop(&db, "Gupta Kirana").await;
    let origin = Origin::new(Source::Cli);
    let books = &shop.books;
    let rahul = customer(books, "Rahul").await;
    let asha = customer(books, "Asha").await;
    let vikas = customer(books, "Vikas").await;
    // Yesterday: Rahul owes 1,000 and is reminded (the reminder went out yesterday at 11:00).
    shop.clock
        .set(chrono::DateTime::from_timestamp_millis(india(11, 0) - 86_400_000).expect("t"));
    books
        .add_credit(rahul.id, rupees(1000), None, &origin)
        .await
        .expect("credit");
    let reminder = books
        .schedule_reminder(rahul.id, None, india(11, 0) - 86_400_000, &origin)
        .await
        .expect("schedule")
        .value
        .id;
    let claimed = reminders::claim_due(&db, india(11, 0) - 86_400_000)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(claimed.key.reminder, reminder);
    reminders::mark_sent(
        &db,
        ReminderKey {
            merchant: books.merchant_id(),
            reminder,
        },
        &Delivered {
            amount: rupees(1000),
            wamid: Some("wamid.digest-r1"),
            peer: "919811111111",
            body: "payment_reminder",
        },
        india(11, 0) - 86_400_000,
    )
    .await
    .expect("sent");
    // Yesterday's digest was written at 21:00 yesterday.
    digest::write(
        &db,
        books.merchant_id(),
        day(21),
        DigestChannel::NoPhone,
        None,
        india(21, 0) - 86_400_000,
    )
    .await
    .expect("yesterday")
    .expect("written");
    // Today: a bill of 450 to Vikas, Rahul pays 600 (after his reminder), Asha takes 300 udhaar,
    // and Asha has a reminder waiting for tomorrow morning.
    shop.clock
        .set(chrono::DateTime::from_timestamp_millis(india(12, 0)).expect("t"));
    let line = InvoiceLineRequest {
        pricing: LinePricing::Custom {
            name: "Chai patti".into(),
            unit_price: rupees(150),
        },
        qty: Quantity::from_milli(3000),
        unit: None,
    };
    books
        .create_invoice(Some(vikas.id), &[line], &origin)
        .await
        .expect("bill");
    books
        .record_payment(rahul.id, rupees(600), None, &origin)
        .await
        .expect("payment");
    books
        .add_credit(asha.id, rupees(300), None, &origin)
        .await
        .expect("credit");
    books
        .schedule_reminder(asha.id, None, india(10, 0) + 86_400_000, &origin)
        .await
        .expect("tomorrow");
    // Not tomorrow: the day after.
    books
        .schedule_reminder(asha.id, None, india(10, 0) + 2 * 86_400_000, &origin)
        .await
        .expect("day after");
    shop.clock
        .set(chrono::DateTime::from_timestamp_millis(india(21, 0)).expect("t"));
    let d = books.evening_digest(day(22)).await.expect("digest");
    assert_eq!(d.summary.date, day(22));
    assert_eq!(d.summary.sales, rupees(450));
    assert_eq!(d.summary.invoice_count, 1);
    assert_eq!(d.summary.collections, rupees(600));
    assert_eq!(d.summary.new_credit, rupees(300));
    // Rahul 400, Vikas 450 (the bill was on credit), Asha 300.
    assert_eq!(d.summary.outstanding, rupees(1150));
    let top: Vec<(&str, Paise)> = d
        .summary
        .top_debtors
        .iter()
        .map(|t| (t.name.as_str(), t.balance))
        .collect();
    assert_eq!(
        top,
        vec![
            ("Vikas", rupees(450)),
            ("Rahul", rupees(400)),
            ("Asha", rupees(300))
        ]
    );
    // Rahul's reminder went out before yesterday's digest: not "sent since"; his payment today
    // came after it: "paid since".
    assert_eq!(d.reminders_sent, 0);
    assert_eq!(d.reminded_paid, 1);
    assert_eq!(d.reminded_paid_amount, rupees(600));
    assert_eq!(d.tomorrow_reminders, 1);
    let text = execora_engine::reply::digest_text("Gupta Kirana", &d, Locale::HiLatn);
    for expected in [
        "Gupta Kirana",
        "₹450",
        "₹600",
        "₹300",
        "₹1,150",
        "Vikas: ₹450",
        "Kal ke reminder: 1",
    ] {
        assert!(text.contains(expected), "{expected} missing in {text}");
    }
    let line = execora_engine::reply::digest_line(&d, Locale::En);
    assert!(!line.contains('\n'), "{line}");
    assert!(
        line.contains("Sales ₹450 · Received ₹600 · New credit ₹300 · Total due ₹1,150"),
        "{line}"
    );
}

async fn a_shop_opened_after_its_digest_time_gets_its_first_digest_the_next_evening(db: Db) {
    let late = books::merchants::create(
        &db,
        NewMerchant {
            name: "Raat Ki Dukaan".into(),
            owner_phone: "919812300077".into(),
            locale: Locale::HiLatn,
            timezone: None,
            upi_id: None,
        },
        // Opened at 22:10 in India, after that day's 21:00.
        &*ManualClock::new(from_millis(india(22, 10))),
    )
    .await
    .expect("shop");
    let early = shop(&db, "Gupta Kirana").await;
    let today = due_shops(&db, india(22, 30)).await;
    assert!(!today.iter().any(|d| d.merchant == late.id), "{today:?}");
    assert!(
        includes(&today, early.books.merchant_id(), day(22)),
        "{today:?}"
    );
    // The next evening it is due like any shop's.
    let tomorrow = due_shops(&db, india(21, 0) + 24 * 3_600_000).await;
    assert!(includes(&tomorrow, late.id, day(23)), "{tomorrow:?}");
    // Opened exactly at the digest time: that day counts.
    let zone = chrono_tz::Asia::Kolkata;
    let schedule = DigestSchedule::default();
    assert!(digest::open_by_digest_time(
        schedule,
        zone,
        day(22),
        india(21, 0)
    ));
    assert!(!digest::open_by_digest_time(
        schedule,
        zone,
        day(22),
        india(21, 0) + 1
    ));
}

on_both_databases!(
    a_shop_opened_after_its_digest_time_gets_its_first_digest_the_next_evening,
    a_shop_gets_its_digest_from_21_00_its_own_time_until_its_midnight,
    the_digest_time_changes_or_turns_off_and_on_again,
    a_shop_day_has_one_digest_however_many_writers,
    the_owners_last_message_is_found_for_the_24_hour_window,
    the_digest_counts_the_day_and_the_reminders_since_the_last_one,
);
