//! The panel's bookkeeping pages: a customer's udhaar and reminders, the statement by dates, as
//! CSV and printable; bills, products and reminders — each with its forms booked once, refused
//! without the session's token, closed to other shops and limited for staff.

use chrono::{TimeZone, Utc};
use execora_engine::books::reminders::{self as reminder_rows, Delivered};
use execora_engine::books::{
    InvoiceLineRequest, LinePricing, ReminderKey, ReminderStatus, SettingsChange,
};
use execora_engine::time::{Clock, to_millis};

use super::*;

on_both_databases!(
    udhaar_and_reminders_from_a_customer_page_are_booked_once,
    the_statement_is_filtered_by_local_days_and_taken_away_as_csv_and_print,
    bills_are_listed_shown_with_their_voice_note_and_cancelled_once_within_staffs_window,
    products_show_stock_and_the_owner_edits_price_and_low_stock_level,
    reminders_are_listed_by_outcome_with_each_ones_timeline_and_cancelled_by_the_owner,
    the_reminders_page_shows_the_automatic_reminder_policy_as_it_stands,
    no_session_reaches_another_shops_bills_products_or_reminders,
    every_new_form_without_this_sessions_token_is_refused_and_changes_nothing,
);

const STAFF: &str = "919822222222";

/// The value of hidden input `name` inside the form posting to `action`.
fn field(page: &Page, action: &str, name: &str) -> String {
    let start = page
        .body
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action} in {}", page.body));
    let form = &page.body[start..];
    let form = &form[..form.find("</form>").expect("end of form")];
    let marker = format!("name=\"{name}\" value=\"");
    let at = form
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in the form to {action}"))
        + marker.len();
    form[at..at + form[at..].find('"').expect("end of value")].to_string()
}

fn rupees(r: i64) -> Paise {
    Paise::from_rupees(r).expect("amount")
}

async fn other_shop(app: &TestApp, clock: &Arc<ManualClock>) -> Books {
    let other = books::merchants::create(
        &app.db,
        NewMerchant {
            name: "Sharma Stores".into(),
            owner_phone: "919811111111".into(),
            locale: Locale::En,
            timezone: None,
            upi_id: None,
        },
        &**clock,
    )
    .await
    .expect("other shop");
    books_of(app, clock, other.id).await
}

pub(super) async fn atta(books: &Books, stock: i64, low: i64) -> books::Product {
    let (product, _) = books
        .upsert_product(NewProduct {
            name: "Atta <Aashirvaad> & Co".into(),
            unit: Unit::Kg,
            price: rupees(40),
            low_stock: Quantity::from_whole(low),
        })
        .await
        .expect("product");
    books
        .adjust_stock(
            product.id,
            Quantity::from_whole(stock).expect("qty"),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("stock");
    books.product(product.id).await.expect("product")
}

pub(super) async fn bill(
    books: &Books,
    customer: Option<books::CustomerId>,
    product: books::ProductId,
    origin: &Origin,
) -> books::IssuedInvoice {
    books
        .create_invoice(
            customer,
            &[InvoiceLineRequest {
                pricing: LinePricing::Catalog(product),
                qty: Quantity::from_whole(2).expect("qty"),
                unit: None,
            }],
            origin,
        )
        .await
        .expect("bill")
        .value
}

async fn udhaar_and_reminders_from_a_customer_page_are_booked_once(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul <i>Sharma</i>").await;
    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let path = format!("/panel/customers/{rahul}");
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Rahul &lt;i&gt;Sharma&lt;/i&gt;"),
        "escaped"
    );
    assert!(!page.body.contains("<i>Sharma"));
    for heading in [
        "Udhaar likhein",
        "Reminder",
        "Abhi reminder bhejein",
        "CSV download karein",
    ] {
        assert!(page.body.contains(heading), "{heading}");
    }
    // Each form has its own key: a payment's key is not the udhaar's.
    let credits = format!("{path}/credits");
    let credit_key = field(&page, &credits, "key");
    assert_ne!(credit_key, page.hidden("key"));
    let fields = [
        ("amount", "750"),
        ("note", "atta, chawal"),
        ("key", credit_key.as_str()),
        ("csrf", &page.hidden("csrf")),
    ];
    let first = browser.post(&credits, &fields).await;
    assert_eq!(first.location(), format!("{path}?credited=75000"));
    let after = browser.get(first.location()).await;
    assert!(
        after.body.contains("₹750 ka udhaar likh liya."),
        "{}",
        after.body
    );
    assert!(after.body.contains("Baaki ₹750"));
    assert!(after.body.contains("atta, chawal"));
    let again = browser.post(&credits, &fields).await;
    assert_eq!(again.location(), format!("{path}?again=credit"));
    assert!(
        browser
            .get(again.location())
            .await
            .body
            .contains("pehle hi likha ja chuka")
    );
    assert_eq!(books.balance(rahul).await.expect("balance"), rupees(750));
    let bad = browser
        .post(
            &credits,
            &[
                ("amount", "abc"),
                ("key", &field(&page, &credits, "key")),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(bad.location(), format!("{path}?error=amount"));

    // A reminder tomorrow at 18:30 in the shop's zone (India): 13:00 UTC; sent twice, booked once.
    let reminders = format!("{path}/reminders");
    let page = browser.get(&path).await;
    let schedule_key = {
        // The second form to /reminders is the scheduled one (the first sends now).
        let start = page
            .body
            .rfind(&format!("action=\"{reminders}\""))
            .expect("form");
        let rest = &page.body[start..];
        let at = rest.find("name=\"key\" value=\"").expect("key") + "name=\"key\" value=\"".len();
        rest[at..at + rest[at..].find('"').expect("end")].to_string()
    };
    let fields = [
        ("date", "2026-11-23"),
        ("time", "18:30"),
        ("amount", "300"),
        ("key", schedule_key.as_str()),
        ("csrf", &page.hidden("csrf")),
    ];
    let scheduled = browser.post(&reminders, &fields).await;
    assert!(
        scheduled
            .location()
            .starts_with(&format!("{path}?scheduled=")),
        "{}",
        scheduled.location()
    );
    let again = browser.post(&reminders, &fields).await;
    assert_eq!(again.location(), format!("{path}?again=reminder"));
    let (due_at, amount): (i64, Option<i64>) =
        sqlx::query_as("SELECT due_at, amount_paise FROM reminders")
            .fetch_one(app.db.pool())
            .await
            .expect("one reminder");
    let expected = Utc
        .with_ymd_and_hms(2026, 11, 23, 13, 0, 0)
        .single()
        .expect("time");
    assert_eq!((due_at, amount), (to_millis(expected), Some(30_000)));
    let id: i64 = sqlx::query_scalar("SELECT id FROM reminders")
        .fetch_one(app.db.pool())
        .await
        .expect("id");
    let shown = browser.get(scheduled.location()).await;
    assert!(
        shown.body.contains("Reminder set ho gaya"),
        "{}",
        shown.body
    );
    assert!(
        shown
            .body
            .contains(&format!("href=\"/panel/reminders/{id}\""))
    );
    assert!(shown.body.contains("₹300"));

    // A time already past is refused; so is a date that is not one.
    for (date, time) in [
        ("2026-11-21", "10:00"),
        ("21/11/2026", "10:00"),
        ("2026-11-23", ""),
    ] {
        let page = browser.get(&path).await;
        let key = field(&page, &reminders, "key");
        let refused = browser
            .post(
                &reminders,
                &[
                    ("date", date),
                    ("time", time),
                    ("key", &key),
                    ("csrf", &page.hidden("csrf")),
                ],
            )
            .await;
        assert_eq!(
            refused.location(),
            format!("{path}?error=when"),
            "{date} {time}"
        );
    }
    assert!(
        browser
            .get(&format!("{path}?error=when"))
            .await
            .body
            .contains("beeta na ho")
    );

    // Send now: due at this moment, for the balance; the form sent again adds nothing.
    let page = browser.get(&path).await;
    let now_fields = [
        ("now", "1"),
        ("amount", ""),
        ("key", &field(&page, &reminders, "key")),
        ("csrf", &page.hidden("csrf")),
    ];
    browser.post(&reminders, &now_fields).await;
    browser.post(&reminders, &now_fields).await;
    let now_rows: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT due_at, amount_paise FROM reminders WHERE due_at = $1")
            .bind(to_millis(clock.now()))
            .fetch_all(app.db.pool())
            .await
            .expect("rows");
    assert_eq!(now_rows, [(to_millis(clock.now()), None)]);

    // The scheduled one is cancelled from the customer's page; a second cancel changes nothing.
    let tomorrow: i64 = sqlx::query_scalar("SELECT id FROM reminders WHERE amount_paise = 30000")
        .fetch_one(app.db.pool())
        .await
        .expect("id");
    let cancel = format!("/panel/reminders/{tomorrow}/cancel");
    let page = browser.get(&path).await;
    let csrf = page.hidden("csrf");
    assert!(page.body.contains(&format!("action=\"{cancel}\"")));
    let done = browser
        .post(&cancel, &[("back", "customer"), ("csrf", &csrf)])
        .await;
    assert_eq!(done.location(), format!("{path}?cancelled=1"));
    assert!(
        browser
            .get(done.location())
            .await
            .body
            .contains("Reminder cancel ho gaya")
    );
    let twice = browser
        .post(&cancel, &[("back", "customer"), ("csrf", &csrf)])
        .await;
    assert_eq!(twice.location(), format!("{path}?cancelled=0"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM reminder_events WHERE kind = 'cancelled'"
        )
        .await,
        1
    );

    // Staff add udhaar and schedule reminders, but cancelling one is the owner's.
    let page = browser.get(&path).await;
    let key = field(&page, &reminders, "key");
    browser
        .post(
            &reminders,
            &[
                ("date", "2026-11-24"),
                ("time", "09:00"),
                ("key", &key),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    let pending: i64 = sqlx::query_scalar(
        "SELECT id FROM reminders WHERE status = 'scheduled' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("pending");
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let page = staff.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("/cancel\""),
        "no cancel buttons for staff"
    );
    let booked = staff
        .post(
            &credits,
            &[
                ("amount", "50"),
                ("key", &field(&page, &credits, "key")),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(booked.location(), format!("{path}?credited=5000"));
    let refused = staff
        .post(
            &format!("/panel/reminders/{pending}/cancel"),
            &[("csrf", &page.hidden("csrf"))],
        )
        .await;
    assert_eq!(refused.status, 403);
    let status: String = sqlx::query_scalar("SELECT status FROM reminders WHERE id = $1")
        .bind(pending)
        .fetch_one(app.db.pool())
        .await
        .expect("status");
    assert_eq!(status, "scheduled");
    let actor: String = sqlx::query_scalar(
        "SELECT actor FROM operations WHERE kind = 'credit' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("actor");
    assert_eq!(actor, STAFF);
}

async fn the_statement_is_filtered_by_local_days_and_taken_away_as_csv_and_print(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let name = "=Gupta, \"Ram\" <b>";
    let gupta = customer(&books, name).await;
    // 20 Nov at 23:50 in India (18:20 UTC), 21 Nov at 00:10 in India (18:40 UTC), and today.
    clock.set(
        Utc.with_ymd_and_hms(2026, 11, 20, 18, 20, 0)
            .single()
            .expect("t"),
    );
    udhaar(&books, gupta, 100).await;
    clock.set(
        Utc.with_ymd_and_hms(2026, 11, 20, 18, 40, 0)
            .single()
            .expect("t"),
    );
    books
        .add_credit(
            gupta,
            rupees(200),
            Some("+cmd|' /C calc'!A0"),
            &Origin::new(Source::Cli),
        )
        .await
        .expect("credit");
    clock.set(
        Utc.with_ymd_and_hms(2026, 11, 22, 4, 30, 0)
            .single()
            .expect("t"),
    );
    books
        .record_payment(gupta, rupees(50), None, &Origin::new(Source::Cli))
        .await
        .expect("payment");

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let path = format!("/panel/customers/{gupta}");
    // 21 Nov, local: only the entry at 00:10, with the balance after it counting the one before.
    let day = browser
        .get(&format!("{path}?from=2026-11-21&to=2026-11-21"))
        .await;
    assert_eq!(day.status, 200);
    assert_eq!(day.body.matches("<tr>").count(), 2, "a header and one line");
    assert!(
        day.body.contains("+₹200") && day.body.contains("₹300"),
        "{}",
        day.body
    );
    assert!(
        day.body.contains("value=\"2026-11-21\""),
        "the filter is kept in the form"
    );
    assert!(day.body.contains(&format!(
        "{path}/statement.csv?from=2026-11-21&amp;to=2026-11-21"
    )));
    let upto = browser.get(&format!("{path}?to=2026-11-20")).await;
    assert_eq!(upto.body.matches("<tr>").count(), 2);
    assert!(upto.body.contains("+₹100"));
    let all = browser.get(&path).await;
    assert_eq!(all.body.matches("<tr>").count(), 4);
    let junk = browser.get(&format!("{path}?from=yesterday")).await;
    assert_eq!(
        junk.body.matches("<tr>").count(),
        4,
        "a date that is not one filters nothing"
    );

    // Pages keep the filter: 60 entries today, 50 on the first page.
    for _ in 0..60 {
        udhaar(&books, gupta, 1).await;
    }
    let first = browser.get(&format!("{path}?from=2026-11-22")).await;
    assert_eq!(first.body.matches("<tr>").count(), 51);
    let start = first.body.find("?before=").expect("older page");
    let link = &first.body[start..start + first.body[start..].find('"').expect("end")];
    assert!(link.ends_with("&amp;from=2026-11-22"), "{link}");
    let second = browser
        .get(&format!("{path}{}", link.replace("&amp;", "&")))
        .await;
    assert_eq!(
        second.body.matches("<tr>").count(),
        12,
        "a header and 11 lines of today"
    );
    assert!(!second.body.contains("+₹200"));

    // CSV: text/csv, a line per entry, names and notes never formulas and always one field.
    let csv = browser
        .get(&format!(
            "{path}/statement.csv?from=2026-11-20&to=2026-11-21"
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment")
    );
    let lines: Vec<&str> = csv
        .body
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split("\r\n")
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], "Naam,Tareekh,Entry,Kaise diya,Rakam,Baaki");
    assert!(
        lines[1].starts_with("\"'=Gupta, \"\"Ram\"\" <b>\",2026-11-21 00:10,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(",Udhaar — +cmd|' /C calc'!A0,,"),
        "a note inside the entry text does not start the cell: {}",
        lines[1]
    );
    assert!(lines[1].ends_with(",200.00,300.00"), "{}", lines[1]);
    assert!(lines[2].contains(",2026-11-20 23:50,"), "{}", lines[2]);
    // The file starts with a byte-order mark, so spreadsheets read it as UTF-8.
    let raw = browser
        .client
        .get(format!("{}{path}/statement.csv", browser.base))
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .expect("csv")
        .bytes()
        .await
        .expect("bytes");
    assert!(raw.starts_with(&[0xEF, 0xBB, 0xBF]), "{:?}", &raw[..8]);
    let whole = browser.get(&format!("{path}/statement.csv")).await;
    assert_eq!(
        whole.body.trim_end().split("\r\n").count(),
        64,
        "a header and 63 entries"
    );
    assert!(whole.body.contains(",-50.00,"), "a payment is negative");

    // The printable page: no menu, no forms, the escaped name, the period.
    let print = browser
        .get(&format!(
            "{path}/statement/print?from=2026-11-20&to=2026-11-21"
        ))
        .await;
    assert_eq!(print.status, 200);
    assert_security_headers(&print);
    assert!(!print.body.contains("aria-label=\"menu\""));
    assert!(!print.body.contains("<form"));
    assert!(
        print.body.contains("=Gupta, &quot;Ram&quot; &lt;b&gt;")
            || print.body.contains("=Gupta, \"Ram\" &lt;b&gt;"),
        "{}",
        print.body
    );
    assert!(print.body.contains("2026-11-20 se 2026-11-21 tak"));
    assert_eq!(print.body.matches("<tr>").count(), 3);
    let css = browser.get("/panel/style.css").await;
    assert!(css.body.contains("@media print"));
    assert!(print.body.len() < 100 * 1024);
}

async fn bills_are_listed_shown_with_their_voice_note_and_cancelled_once_within_staffs_window(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul & Sons").await;
    let suresh = customer(&books, "Suresh").await;
    let product = atta(&books, 20, 2).await;
    // A voice note this shop's owner sent, and the bill booked from it.
    sqlx::query(
        "INSERT INTO messages (merchant_id, direction, wa_message_id, peer, kind, body, transcript, status, created_at, updated_at) \
         VALUES ($1, 'in', 'wamid.VOICE1', $2, 'audio', '', $3, 'done', $4, $4)",
    )
    .bind(app.merchant.0)
    .bind(MERCHANT_PHONE)
    .bind("Rahul ko do kilo atta <script>")
    .bind(to_millis(clock.now()))
    .execute(app.db.pool())
    .await
    .expect("voice note");
    let voiced = bill(
        &books,
        Some(rahul),
        product.id,
        &Origin::keyed(Source::Whatsapp, "wamid.VOICE1#0").by(MERCHANT_PHONE),
    )
    .await;
    let counter = bill(&books, None, product.id, &Origin::new(Source::Cli)).await;
    let staffs = bill(
        &books,
        Some(suresh),
        product.id,
        &Origin::keyed(Source::Panel, "staff-bill").by(STAFF),
    )
    .await;
    books
        .cancel_invoice(counter.id, &Origin::new(Source::Cli))
        .await
        .expect("cancel");

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let list = owner.get("/panel/bills").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Rahul &amp; Sons"));
    for number in [voiced.number, counter.number, staffs.number] {
        assert!(list.body.contains(&format!("#{number}<")), "{number}");
    }
    assert!(
        list.body.contains("aria-current=\"page\">Bill<"),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains(&format!("href=\"/panel/bills?customer={rahul}\"")),
        "a name filters by its customer"
    );
    let cancelled = owner.get("/panel/bills?status=cancelled").await;
    assert!(cancelled.body.contains(&format!("#{}<", counter.number)));
    assert!(!cancelled.body.contains(&format!("#{}<", voiced.number)));
    let issued = owner.get("/panel/bills?status=issued").await;
    assert!(!issued.body.contains(&format!("#{}<", counter.number)));
    let his = owner.get(&format!("/panel/bills?customer={rahul}")).await;
    assert!(his.body.contains("Rahul &amp; Sons ke bill"));
    assert!(his.body.contains(&format!("#{}<", voiced.number)));
    assert!(!his.body.contains(&format!("#{}<", staffs.number)));

    // The bill: its lines, total, and the voice note it was booked from.
    let detail = owner.get(&format!("/panel/bills/{}", voiced.id)).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Atta &lt;Aashirvaad&gt; &amp; Co"));
    assert!(detail.body.contains("2 kg"));
    assert!(detail.body.contains("₹40") && detail.body.contains("₹80"));
    assert!(detail.body.contains("Voice note"));
    assert!(detail.body.contains("Rahul ko do kilo atta &lt;script&gt;"));
    assert!(!detail.body.contains("<script"));
    let plain = owner.get(&format!("/panel/bills/{}", staffs.id)).await;
    assert!(!plain.body.contains("Kahan se likha"), "not from a message");

    // Cancel, and the same form again: cancelled once.
    let action = format!("/panel/bills/{}/cancel", voiced.id);
    let fields = [
        ("key", field(&detail, &action, "key")),
        ("csrf", detail.hidden("csrf")),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = owner.post(&action, &fields).await;
    assert_eq!(
        done.location(),
        format!("/panel/bills/{}?done=1", voiced.id)
    );
    let again = owner.post(&action, &fields).await;
    assert_eq!(
        again.location(),
        format!("/panel/bills/{}?done=again", voiced.id)
    );
    assert_eq!(books.balance(rahul).await.expect("balance"), Paise::ZERO);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM operations WHERE kind = 'cancel_invoice'"
        )
        .await,
        2,
        "the counter sale's and this one"
    );
    let shown = owner.get(done.location()).await;
    assert!(shown.body.contains("Bill cancel ho gaya"));
    assert!(
        !shown.body.contains(&format!("action=\"{action}\"")),
        "no cancel for a cancelled bill"
    );

    // Staff: no shop-wide list, but a customer's bills; their own bill inside the window only.
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    assert_eq!(staff.get("/panel/bills").await.status, 403);
    assert_eq!(
        staff
            .get(&format!("/panel/bills?customer={suresh}"))
            .await
            .status,
        200
    );
    let others = staff.get(&format!("/panel/bills/{}", voiced.id)).await;
    assert_eq!(others.status, 200);
    let page = staff.get(&format!("/panel/bills/{}", staffs.id)).await;
    let own_action = format!("/panel/bills/{}/cancel", staffs.id);
    let own_key = field(&page, &own_action, "key");
    clock.advance(chrono::Duration::hours(25));
    let late = staff
        .post(
            &own_action,
            &[("key", &own_key), ("csrf", &page.hidden("csrf"))],
        )
        .await;
    assert_eq!(late.status, 403);
    assert!(late.body.contains("24 ghante 0 minute"), "{}", late.body);
    books::merchants::set_settings(
        &app.db,
        app.merchant,
        SettingsChange {
            cancel_window_minutes: Some(48 * 60),
            ..Default::default()
        },
        &*clock,
    )
    .await
    .expect("window");
    let in_time = staff
        .post(
            &own_action,
            &[("key", &own_key), ("csrf", &page.hidden("csrf"))],
        )
        .await;
    assert_eq!(
        in_time.location(),
        format!("/panel/bills/{}?done=1", staffs.id)
    );
    // Someone else's bill (the owner's counter sale is cancelled; issue a new one).
    let owners = bill(
        &books,
        Some(suresh),
        product.id,
        &Origin::new(Source::Cli).by(MERCHANT_PHONE),
    )
    .await;
    let page = staff.get(&format!("/panel/bills/{}", owners.id)).await;
    let action = format!("/panel/bills/{}/cancel", owners.id);
    let refused = staff
        .post(
            &action,
            &[
                ("key", &field(&page, &action, "key")),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("kisi aur ne banaya"),
        "{}",
        refused.body
    );
    let status: String = sqlx::query_scalar("SELECT status FROM invoices WHERE id = $1")
        .bind(owners.id.0)
        .fetch_one(app.db.pool())
        .await
        .expect("status");
    assert_eq!(status, "issued");
}

async fn products_show_stock_and_the_owner_edits_price_and_low_stock_level(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let low = atta(&books, 3, 5).await;
    let (plenty, _) = books
        .upsert_product(NewProduct {
            name: "Chawal".into(),
            unit: Unit::Kg,
            price: rupees(60),
            low_stock: None,
        })
        .await
        .expect("product");
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let list = owner.get("/panel/products").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Atta &lt;Aashirvaad&gt; &amp; Co"));
    assert!(list.body.contains("Chawal"));
    assert!(list.body.contains("3 kg") && list.body.contains("5 kg"));
    let only_low = owner.get("/panel/products?low=1").await;
    assert!(only_low.body.contains("Atta &lt;"));
    assert!(!only_low.body.contains("Chawal"));

    let path = format!("/panel/products/{}", plenty.id);
    let form = owner.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"60.00\""), "{}", form.body);
    let saved = owner
        .post(
            &path,
            &[
                ("price", "62.50"),
                ("low_stock", "10"),
                ("csrf", &form.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(
        saved.location(),
        format!("/panel/products?saved={}", plenty.id)
    );
    assert!(
        owner
            .get(saved.location())
            .await
            .body
            .contains("Chawal save ho gaya")
    );
    let chawal = books.product(plenty.id).await.expect("product");
    assert_eq!(chawal.price, Paise::new(6_250));
    assert_eq!(chawal.low_stock, Quantity::from_whole(10));
    assert!(chawal.is_low(), "no stock, level 10");
    assert!(
        owner
            .get("/panel/products?low=1")
            .await
            .body
            .contains("Chawal")
    );
    for (price, level, error) in [
        ("0", "1", "price"),
        ("abc", "1", "price"),
        ("10", "-1", "level"),
        ("10", "x", "level"),
    ] {
        let refused = owner
            .post(
                &path,
                &[
                    ("price", price),
                    ("low_stock", level),
                    ("csrf", &form.hidden("csrf")),
                ],
            )
            .await;
        assert_eq!(
            refused.location(),
            format!("{path}?error={error}"),
            "{price} {level}"
        );
    }
    let cleared = owner
        .post(
            &path,
            &[
                ("price", "62.50"),
                ("low_stock", ""),
                ("csrf", &form.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(cleared.status, 303);
    assert_eq!(
        books.product(plenty.id).await.expect("product").low_stock,
        None
    );

    // Staff see the stock, not the forms.
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let seen = staff.get("/panel/products").await;
    assert_eq!(seen.status, 200);
    assert!(
        !seen
            .body
            .contains(&format!("href=\"/panel/products/{}\"", low.id))
    );
    assert_eq!(staff.get(&path).await.status, 403);
    let refused = staff
        .post(
            &path,
            &[
                ("price", "1"),
                ("low_stock", ""),
                ("csrf", &seen.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        books.product(plenty.id).await.expect("product").price,
        Paise::new(6_250)
    );
}

async fn reminders_are_listed_by_outcome_with_each_ones_timeline_and_cancelled_by_the_owner(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul <Verma>").await;
    udhaar(&books, rahul, 500).await;
    let now = to_millis(clock.now());
    let hour = 3_600_000;
    let schedule = |at: i64, amount: Option<i64>| {
        let books = books.clone();
        async move {
            books
                .schedule_reminder(rahul, amount.map(rupees), at, &Origin::new(Source::Cli))
                .await
                .expect("reminder")
                .value
                .id
        }
    };
    // Four reminders on four coming days, taken through the sender's outcomes here (the
    // service's sender runs on the same clock and never sees them due), and one left waiting.
    let sent = schedule(now + 24 * hour, Some(200)).await;
    let failed = schedule(now + 48 * hour, None).await;
    let review = schedule(now + 72 * hour, None).await;
    let moved = schedule(now + 96 * hour, None).await;
    let waiting = schedule(now + 120 * hour, Some(100)).await;
    assert!(
        books
            .move_reminder(moved, now + 200 * hour)
            .await
            .expect("move")
    );
    let key = |id| ReminderKey {
        merchant: app.merchant,
        reminder: id,
    };
    let later = now + 100 * hour;
    let claimed = reminder_rows::claim_due(&app.db, later)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(claimed.key, key(sent));
    reminder_rows::mark_sent(
        &app.db,
        key(sent),
        &Delivered {
            amount: rupees(200),
            wamid: Some("wamid.R1"),
            peer: "919800000001",
            body: "Namaste",
        },
        later,
    )
    .await
    .expect("sent");
    reminder_rows::apply_status(
        &app.db,
        Some(key(sent)),
        "wamid.R1",
        ReminderStatus::Delivered,
        None,
        later + 1000,
    )
    .await
    .expect("delivered");
    reminder_rows::apply_status(
        &app.db,
        Some(key(sent)),
        "wamid.R1",
        ReminderStatus::Read,
        None,
        later + 2000,
    )
    .await
    .expect("read");
    // Rahul's next ones are claimed on the next days: the shop's policy reminds him once a day.
    assert_eq!(
        reminder_rows::claim_due(&app.db, later + 24 * hour)
            .await
            .expect("claim")
            .map(|d| d.key),
        Some(key(failed))
    );
    reminder_rows::mark_failed(
        &app.db,
        key(failed),
        Some(131047),
        "Re-engagement <message>",
        later,
    )
    .await
    .expect("failed");
    assert_eq!(
        reminder_rows::claim_due(&app.db, later + 48 * hour)
            .await
            .expect("claim")
            .map(|d| d.key),
        Some(key(review))
    );
    reminder_rows::mark_needs_review(&app.db, key(review), "sender stopped", later)
        .await
        .expect("review");

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let link = |id: books::ReminderId| format!("href=\"/panel/reminders/{id}\"");
    let lists = [
        ("", vec![waiting, moved]),
        ("?list=sent", vec![sent]),
        ("?list=failed", vec![failed]),
        ("?list=needs_review", vec![review]),
    ];
    for (query, expected) in lists {
        let page = owner.get(&format!("/panel/reminders{query}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Rahul &lt;Verma&gt;"), "{query}");
        for id in [sent, failed, review, moved, waiting] {
            assert_eq!(
                page.body.contains(&link(id)),
                expected.contains(&id),
                "{query}: {id}"
            );
        }
    }
    let upcoming = owner.get("/panel/reminders").await;
    assert!(
        upcoming.body.find(&link(waiting)) < upcoming.body.find(&link(moved)),
        "soonest first"
    );

    let timeline = |body: &str| -> Vec<String> {
        let start = body.find("<ol class=\"timeline\">").expect("timeline");
        let list = &body[start..start + body[start..].find("</ol>").expect("end")];
        list.split("<span class=\"event ")
            .skip(1)
            .map(|s| s[..s.find('"').expect("class")].to_string())
            .collect()
    };
    let page = owner.get(&format!("/panel/reminders/{sent}")).await;
    assert_eq!(
        timeline(&page.body),
        ["scheduled", "sending", "sent", "delivered", "read"]
    );
    assert!(page.body.contains("Padh liya"));
    assert!(page.body.contains("₹200"));
    let page = owner.get(&format!("/panel/reminders/{failed}")).await;
    assert_eq!(timeline(&page.body), ["scheduled", "sending", "failed"]);
    assert!(
        page.body
            .contains("WhatsApp error 131047: Re-engagement &lt;message&gt;"),
        "{}",
        page.body
    );
    let page = owner.get(&format!("/panel/reminders/{review}")).await;
    assert_eq!(
        timeline(&page.body),
        ["scheduled", "sending", "needs_review"]
    );
    let page = owner.get(&format!("/panel/reminders/{moved}")).await;
    assert_eq!(timeline(&page.body), ["scheduled", "moved"]);
    assert!(page.body.contains("par"), "moved to a time");

    // Cancel from the timeline; a reminder that went out cannot be.
    let page = owner.get(&format!("/panel/reminders/{waiting}")).await;
    let csrf = page.hidden("csrf");
    assert!(
        page.body
            .contains(&format!("action=\"/panel/reminders/{waiting}/cancel\""))
    );
    let done = owner
        .post(
            &format!("/panel/reminders/{waiting}/cancel"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        done.location(),
        format!("/panel/reminders/{waiting}?cancelled=1")
    );
    let page = owner.get(done.location()).await;
    assert_eq!(timeline(&page.body), ["scheduled", "cancelled"]);
    assert!(
        owner
            .get("/panel/reminders?list=closed")
            .await
            .body
            .contains(&link(waiting))
    );
    let gone = owner
        .post(
            &format!("/panel/reminders/{sent}/cancel"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        gone.location(),
        format!("/panel/reminders/{sent}?cancelled=0")
    );
    assert!(
        !owner
            .get(&format!("/panel/reminders/{sent}"))
            .await
            .body
            .contains("/cancel\"")
    );

    // Staff see the lists and timelines; cancelling is the owner's.
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let page = staff.get(&format!("/panel/reminders/{moved}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/cancel\""));
    let refused = staff
        .post(
            &format!("/panel/reminders/{moved}/cancel"),
            &[("csrf", &page.hidden("csrf"))],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        books.reminder(moved).await.expect("reminder").status,
        ReminderStatus::Scheduled
    );
}

/// The reminders page opens with the shop's policy: reminders to everyone who owes (off, then
/// every 3 days once set), the daily limit, the quiet hours, and each customer's own series;
/// only the owner is offered to change it.
async fn the_reminders_page_shows_the_automatic_reminder_policy_as_it_stands(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let policy = |body: &str| -> String {
        let start = body
            .find("<section class=\"policy\">")
            .expect("policy section");
        body[start..start + body[start..].find("</section>").expect("end")].to_string()
    };
    let page = owner.get("/panel/reminders").await;
    assert_eq!(page.status, 200);
    let shown = policy(&page.body);
    assert!(shown.contains("band"), "shop-wide reminders off: {shown}");
    assert!(
        shown.contains("200 reminder"),
        "the default daily limit: {shown}"
    );
    assert!(
        shown.contains("21:00–09:00"),
        "default quiet hours: {shown}"
    );
    assert!(shown.contains("apne reminder nahi chal rahe"), "{shown}");

    books::merchants::set_settings(
        &app.db,
        app.merchant,
        SettingsChange {
            auto_reminder_days: Some(Some(3)),
            reminder_daily_cap: Some(50),
            quiet_hours: Some(
                execora_engine::books::QuietHours::between(
                    chrono::NaiveTime::from_hms_opt(22, 0, 0).expect("time"),
                    chrono::NaiveTime::from_hms_opt(8, 30, 0).expect("time"),
                )
                .expect("quiet hours"),
            ),
            ..SettingsChange::default()
        },
        &*clock,
    )
    .await
    .expect("settings");
    let rahul = customer(&books, "Rahul <Verma>").await;
    udhaar(&books, rahul, 500).await;
    books
        .start_reminder_series(
            rahul,
            7,
            Some(rupees(100)),
            to_millis(clock.now()) + 3_600_000,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("series");
    let shown = policy(&owner.get("/panel/reminders").await.body);
    assert!(shown.contains("har 3 din"), "every 3 days: {shown}");
    assert!(shown.contains("50 reminder"), "{shown}");
    assert!(shown.contains("22:00–08:30"), "{shown}");
    assert!(
        shown.contains("Rahul &lt;Verma&gt;"),
        "the series' customer, escaped: {shown}"
    );
    assert!(shown.contains("7 din"), "{shown}");
    assert!(shown.contains("₹100"), "{shown}");
    assert!(
        shown.contains("href=\"/panel/settings\""),
        "the owner may change it"
    );

    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let page = staff.get("/panel/reminders").await;
    assert_eq!(page.status, 200);
    let shown = policy(&page.body);
    assert!(shown.contains("har 3 din"), "{shown}");
    assert!(
        !shown.contains("href=\"/panel/settings\""),
        "staff see it, cannot change it"
    );
}

async fn no_session_reaches_another_shops_bills_products_or_reminders(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let theirs = other_shop(&app, &clock).await;
    let their_customer = customer(&theirs, "Verma").await;
    udhaar(&theirs, their_customer, 700).await;
    let their_product = atta(&theirs, 10, 1).await;
    let their_bill = bill(
        &theirs,
        Some(their_customer),
        their_product.id,
        &Origin::new(Source::Cli),
    )
    .await;
    let their_reminder = theirs
        .schedule_reminder(
            their_customer,
            None,
            to_millis(clock.now()) + 86_400_000,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("reminder")
        .value
        .id;
    let ours = books_of(&app, &clock, app.merchant).await;
    let mine = customer(&ours, "Gupta").await;

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let own = browser.get(&format!("/panel/customers/{mine}")).await;
    let csrf = own.hidden("csrf");
    let key = |n: u8| format!("{}{n}", &own.hidden("key")[..own.hidden("key").len() - 1]);
    for path in [
        format!("/panel/customers/{their_customer}/statement.csv"),
        format!("/panel/customers/{their_customer}/statement/print"),
        format!("/panel/customers/{their_customer}?from=2026-01-01"),
        format!("/panel/bills/{}", their_bill.id),
        format!("/panel/bills?customer={their_customer}"),
        format!("/panel/products/{}", their_product.id),
        format!("/panel/reminders/{their_reminder}"),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Verma"), "{path}");
    }
    for (path, fields) in [
        (
            format!("/panel/customers/{their_customer}/credits"),
            vec![("amount", "100".to_string()), ("key", key(1))],
        ),
        (
            format!("/panel/customers/{their_customer}/reminders"),
            vec![("now", "1".to_string()), ("key", key(2))],
        ),
        (
            format!("/panel/bills/{}/cancel", their_bill.id),
            vec![("key", key(3))],
        ),
        (
            format!("/panel/products/{}", their_product.id),
            vec![("price", "1".to_string()), ("low_stock", String::new())],
        ),
        (format!("/panel/reminders/{their_reminder}/cancel"), vec![]),
    ] {
        let mut fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fields.push(("csrf", &csrf));
        assert_eq!(browser.post(&path, &fields).await.status, 404, "{path}");
    }
    for list in [
        "/panel/bills",
        "/panel/products",
        "/panel/products?low=1",
        "/panel/reminders",
        "/panel/reminders?list=closed",
    ] {
        let page = browser.get(list).await;
        assert_eq!(page.status, 200, "{list}");
        assert!(
            !page.body.contains("Verma") && !page.body.contains("Aashirvaad"),
            "{list}"
        );
    }
    assert_eq!(
        theirs.balance(their_customer).await.expect("balance"),
        rupees(700 + 80)
    );
    assert_eq!(
        theirs.product(their_product.id).await.expect("p").price,
        rupees(40)
    );
    assert_eq!(
        theirs.reminder(their_reminder).await.expect("r").status,
        ReminderStatus::Scheduled
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM reminders").await, 1);
    let status: String = sqlx::query_scalar("SELECT status FROM invoices WHERE id = $1")
        .bind(their_bill.id.0)
        .fetch_one(app.db.pool())
        .await
        .expect("status");
    assert_eq!(status, "issued");

    // Each shop reads its pages in its own language: the other shop's owner in English, ours
    // in Devanagari once the shop's language is Hindi.
    let mut theirs_browser = Browser::new(&app);
    theirs_browser.log_in(&app, "919811111111").await;
    let english = theirs_browser.get("/panel/reminders").await;
    assert!(english.body.contains("<html lang=\"en\">"));
    for text in [
        "Upcoming",
        "Needs review",
        ">Bills<",
        ">Products<",
        "the balance",
    ] {
        assert!(english.body.contains(text), "{text}: {}", english.body);
    }
    assert!(!english.body.contains("Gupta"), "their list, not ours");
    sqlx::query("UPDATE merchants SET locale = 'hi' WHERE id = $1")
        .bind(app.merchant.0)
        .execute(app.db.pool())
        .await
        .expect("language");
    let hindi = browser.get("/panel/products").await;
    assert!(hindi.body.contains("<html lang=\"hi\">"));
    for text in [">सामान<", ">रिमाइंडर<", ">बिल<", "कोई सामान नहीं।"]
    {
        assert!(hindi.body.contains(text), "{text}: {}", hindi.body);
    }
}

async fn every_new_form_without_this_sessions_token_is_refused_and_changes_nothing(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    let product = atta(&books, 10, 1).await;
    let issued = bill(&books, Some(rahul), product.id, &Origin::new(Source::Cli)).await;
    let reminder = books
        .schedule_reminder(
            rahul,
            None,
            to_millis(clock.now()) + 86_400_000,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("reminder")
        .value
        .id;
    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let page = browser.get(&format!("/panel/customers/{rahul}")).await;
    let key = page.hidden("key");
    let before = count(&app, "SELECT COUNT(*) FROM operations").await;
    for (path, fields) in [
        (
            format!("/panel/customers/{rahul}/credits"),
            vec![("amount", "100"), ("key", key.as_str())],
        ),
        (
            format!("/panel/customers/{rahul}/reminders"),
            vec![("now", "1"), ("key", key.as_str())],
        ),
        (
            format!("/panel/bills/{}/cancel", issued.id),
            vec![("key", key.as_str())],
        ),
        (
            format!("/panel/products/{}", product.id),
            vec![("price", "1"), ("low_stock", "")],
        ),
        (format!("/panel/reminders/{reminder}/cancel"), vec![]),
    ] {
        let missing = browser.post(&path, &fields).await;
        assert_eq!(missing.status, 403, "{path}");
        assert!(missing.body.contains("Yeh form purana ho gaya"), "{path}");
        assert_security_headers(&missing);
        let mut forged = fields.clone();
        forged.push(("csrf", "00ff"));
        assert_eq!(browser.post(&path, &forged).await.status, 403, "{path}");
    }
    // A right token with a key that is not a form's key books nothing either.
    let refused = browser
        .post(
            &format!("/panel/customers/{rahul}/credits"),
            &[
                ("amount", "100"),
                ("key", "short"),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM operations").await, before);
    assert_eq!(books.balance(rahul).await.expect("balance"), rupees(80));
    assert_eq!(
        books.product(product.id).await.expect("p").price,
        rupees(40)
    );
    assert_eq!(
        books.reminder(reminder).await.expect("r").status,
        ReminderStatus::Scheduled
    );
}
