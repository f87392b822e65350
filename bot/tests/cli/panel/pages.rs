//! The panel's pages: form tokens, isolation between shops, a payment booked once, staff's
//! limits, customers and statements, the dashboard and its chart.

use super::*;

on_both_databases!(
    forms_without_this_sessions_token_are_refused_and_change_nothing,
    no_session_reaches_another_shops_customer,
    a_payment_form_sent_twice_is_booked_once,
    staff_see_customers_and_record_payments_but_not_the_shops_totals,
    customers_are_found_by_a_misspelt_name_sorted_by_dues_and_their_statement_pages,
    the_dashboard_shows_today_and_the_last_thirty_days_as_a_chart,
);

async fn forms_without_this_sessions_token_are_refused_and_change_nothing(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = owner.get(&format!("/panel/customers/{rahul}")).await;
    let key = page.hidden("key");
    let csrf = page.hidden("csrf");
    let path = format!("/panel/customers/{rahul}/payments");

    let missing = owner
        .post(&path, &[("amount", "100"), ("mode", "cash"), ("key", &key)])
        .await;
    assert_eq!(missing.status, 403);
    assert!(
        missing.body.contains("Yeh form purana ho gaya"),
        "{}",
        missing.body
    );
    assert_security_headers(&missing);
    let forged = owner
        .post(
            &path,
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", "00ff"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Another session's token does not do either, even for the same shop.
    let mut second = Browser::new(&app);
    second.log_in(&app, MERCHANT_PHONE).await;
    let theirs = second
        .get(&format!("/panel/customers/{rahul}"))
        .await
        .hidden("csrf");
    assert_ne!(theirs, csrf);
    let crossed = owner
        .post(
            &path,
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", &theirs),
            ],
        )
        .await;
    assert_eq!(crossed.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries").await, 0);

    assert_eq!(owner.post("/panel/logout", &[]).await.status, 403);
    assert_eq!(owner.get("/panel").await.status, 200, "still signed in");

    // Login forms carry a token too, tied to the login cookie.
    let mut browser = Browser::new(&app);
    browser.get("/panel/login").await;
    let refused = browser
        .post(
            "/panel/login",
            &[("phone", MERCHANT_PHONE), ("csrf", "nope")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let no_cookie = Browser::new(&app)
        .post("/panel/login/code", &[("code", "123456"), ("csrf", "x")])
        .await;
    assert_eq!(no_cookie.status, 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE kind = 'login_code'"
        )
        .await,
        2,
        "only the two real logins sent codes"
    );
}

async fn no_session_reaches_another_shops_customer(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let other = books::merchants::create(
        &app.db,
        NewMerchant {
            name: "Sharma Stores".into(),
            owner_phone: "919811111111".into(),
            locale: Locale::En,
            timezone: None,
            upi_id: None,
        },
        &*clock,
    )
    .await
    .expect("other shop");
    let theirs = books_of(&app, &clock, other.id).await;
    let their_customer = customer(&theirs, "Rahul Verma").await;
    udhaar(&theirs, their_customer, 700).await;
    let ours = books_of(&app, &clock, app.merchant).await;
    let our_customer = customer(&ours, "Rahul Gupta").await;

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let own = browser
        .get(&format!("/panel/customers/{our_customer}"))
        .await;
    assert_eq!(own.status, 200);
    let csrf = own.hidden("csrf");
    let key = own.hidden("key");

    let page = browser
        .get(&format!("/panel/customers/{their_customer}"))
        .await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("Verma"));
    let unknown = browser.get("/panel/customers/999999").await;
    assert_eq!(
        (unknown.status, unknown.body.clone()),
        (404, page.body.clone())
    );
    assert_eq!(browser.get("/panel/customers/abc").await.status, 404);
    assert_eq!(
        browser
            .get(&format!("/panel/customers/{their_customer}?before=999"))
            .await
            .status,
        404
    );
    let payment = browser
        .post(
            &format!("/panel/customers/{their_customer}/payments"),
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &key),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(payment.status, 404);
    assert_eq!(
        theirs.balance(their_customer).await.expect("balance"),
        Paise::from_rupees(700).expect("amount")
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries").await, 1);

    let list = browser.get("/panel/customers").await;
    assert!(list.body.contains("Rahul Gupta"));
    assert!(!list.body.contains("Verma"));
    let search = browser.get("/panel/customers?q=rahul").await;
    assert!(search.body.contains("Rahul Gupta"));
    assert!(!search.body.contains("Verma"));
    let dues = browser.get("/panel/customers?sort=dues").await;
    assert!(!dues.body.contains("Verma"));
    let dashboard = browser.get("/panel").await;
    assert!(!dashboard.body.contains("Verma"));
    assert!(!dashboard.body.contains("₹700"));
}

async fn a_payment_form_sent_twice_is_booked_once(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    udhaar(&books, rahul, 1500).await;
    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let page = browser.get(&format!("/panel/customers/{rahul}")).await;
    assert!(page.body.contains("Baaki ₹1,500"), "{}", page.body);
    let fields = [
        ("amount", "500"),
        ("mode", "upi"),
        ("key", &page.hidden("key")),
        ("csrf", &page.hidden("csrf")),
    ];
    let path = format!("/panel/customers/{rahul}/payments");

    let first = browser.post(&path, &fields).await;
    assert_eq!(first.status, 303);
    assert_eq!(
        first.location(),
        format!("/panel/customers/{rahul}?paid=50000")
    );
    let after = browser.get(first.location()).await;
    assert!(
        after
            .body
            .contains("₹500 ka payment likh liya. Naya baaki: ₹1,000."),
        "{}",
        after.body
    );
    assert!(after.body.contains("Baaki ₹1,000"));
    assert!(after.body.contains("Payment mila · UPI"), "{}", after.body);

    // The back button and the same form again: the same key, nothing new.
    let again = browser.post(&path, &fields).await;
    assert_eq!(again.status, 303);
    assert_eq!(
        again.location(),
        format!("/panel/customers/{rahul}?replayed=1")
    );
    let replayed = browser.get(again.location()).await;
    assert!(replayed.body.contains("pehle hi likha ja chuka hai"));
    assert_eq!(
        books.balance(rahul).await.expect("balance"),
        Paise::from_rupees(1000).expect("amount")
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'"
        )
        .await,
        1
    );
    let (source, actor): (String, String) =
        sqlx::query_as("SELECT source, actor FROM operations WHERE kind = 'payment'")
            .fetch_one(app.db.pool())
            .await
            .expect("operation");
    assert_eq!((source.as_str(), actor.as_str()), ("panel", MERCHANT_PHONE));

    // A reloaded page draws a new key: a second payment is a second booking.
    let fresh = browser.get(&format!("/panel/customers/{rahul}")).await;
    let second = browser
        .post(
            &path,
            &[
                ("amount", "1,000"),
                ("mode", "cash"),
                ("key", &fresh.hidden("key")),
                ("csrf", &fresh.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(
        second.location(),
        format!("/panel/customers/{rahul}?paid=100000")
    );
    assert_eq!(books.balance(rahul).await.expect("balance"), Paise::ZERO);

    // Amounts that are not amounts are refused and book nothing.
    for amount in ["", "abc", "0", "-50", "2000000000"] {
        let page = browser.get(&format!("/panel/customers/{rahul}")).await;
        let refused = browser
            .post(
                &path,
                &[
                    ("amount", amount),
                    ("mode", "cash"),
                    ("key", &page.hidden("key")),
                    ("csrf", &page.hidden("csrf")),
                ],
            )
            .await;
        assert_eq!(
            refused.location(),
            format!("/panel/customers/{rahul}?error=amount"),
            "{amount:?}"
        );
    }
    let refused_page = browser
        .get(&format!("/panel/customers/{rahul}?error=amount"))
        .await;
    assert!(
        refused_page.body.contains("Zero se zyada"),
        "{}",
        refused_page.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'"
        )
        .await,
        2
    );
}

async fn staff_see_customers_and_record_payments_but_not_the_shops_totals(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    const STAFF: &str = "919822222222";
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    udhaar(&books, rahul, 300).await;

    let mut staff = Browser::new(&app);
    let signed_in = staff.log_in(&app, STAFF).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(
        signed_in.location(),
        "/panel/customers",
        "staff start at customers"
    );

    let dashboard = staff.get("/panel").await;
    assert_eq!(dashboard.status, 403);
    assert!(
        dashboard.body.contains("sirf dukaan ke maalik"),
        "{}",
        dashboard.body
    );
    assert!(!dashboard.body.contains("Kul baaki"));
    assert_eq!(staff.get("/panel/customers?sort=dues").await.status, 403);

    let list = staff.get("/panel/customers").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("(staff)"));
    assert!(
        !list.body.contains("sort=dues"),
        "no ranking of dues for staff"
    );
    assert!(!list.body.contains(">Aaj<"), "no dashboard in staff's menu");

    let page = staff.get(&format!("/panel/customers/{rahul}")).await;
    assert_eq!(page.status, 200);
    let booked = staff
        .post(
            &format!("/panel/customers/{rahul}/payments"),
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("key", &page.hidden("key")),
                ("csrf", &page.hidden("csrf")),
            ],
        )
        .await;
    assert_eq!(
        booked.location(),
        format!("/panel/customers/{rahul}?paid=10000")
    );
    let actor: String = sqlx::query_scalar("SELECT actor FROM operations WHERE kind = 'payment'")
        .fetch_one(app.db.pool())
        .await
        .expect("operation");
    assert_eq!(actor, STAFF, "booked as the staff phone");

    // The role is read on every request: a phone taken off the shop loses the panel at once.
    sqlx::query("DELETE FROM merchant_phones WHERE phone = $1")
        .bind(STAFF)
        .execute(app.db.pool())
        .await
        .expect("take the phone off");
    let gone = staff.get("/panel/customers").await;
    assert_eq!(gone.status, 303);
    assert_eq!(gone.location(), "/panel/login");

    let mut owner = Browser::new(&app);
    assert_eq!(
        owner.log_in(&app, MERCHANT_PHONE).await.location(),
        "/panel"
    );
    assert_eq!(owner.get("/panel").await.status, 200);
    assert_eq!(owner.get("/panel/customers?sort=dues").await.status, 200);
}

async fn customers_are_found_by_a_misspelt_name_sorted_by_dues_and_their_statement_pages(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul Sharma").await;
    let suresh = customer(&books, "Suresh Patel").await;
    customer(&books, "Amit <b>&</b>").await;
    udhaar(&books, rahul, 500).await;
    udhaar(&books, suresh, 1500).await;

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let by_name = browser.get("/panel/customers").await;
    assert!(
        by_name.body.contains("Amit &lt;b&gt;&amp;&lt;/b&gt;"),
        "escaped"
    );
    let amit = by_name.body.find("Amit").expect("Amit");
    let rahul_at = by_name.body.find("Rahul Sharma").expect("Rahul");
    let suresh_at = by_name.body.find("Suresh Patel").expect("Suresh");
    assert!(amit < rahul_at && rahul_at < suresh_at, "A to Z");

    let by_dues = browser.get("/panel/customers?sort=dues").await;
    let rahul_at = by_dues.body.find("Rahul Sharma").expect("Rahul");
    let suresh_at = by_dues.body.find("Suresh Patel").expect("Suresh");
    assert!(suresh_at < rahul_at, "largest dues first");
    assert!(by_dues.body.contains("Baaki ₹1,500"));

    for said in ["raahul", "RAHUL", "राहुल", "sharma ji"] {
        let found = browser
            .get(&format!(
                "/panel/customers?q={}",
                percent_encoding::utf8_percent_encode(said, percent_encoding::NON_ALPHANUMERIC)
            ))
            .await;
        assert!(
            found.body.contains("Rahul Sharma"),
            "{said}: {}",
            found.body
        );
        assert!(!found.body.contains("Suresh"), "{said}");
    }
    let nobody = browser.get("/panel/customers?q=zzzzqqq").await;
    assert!(nobody.body.contains("Koi grahak nahi mila"));

    // 60 more entries: the statement shows 50, newest first, with the balance after each,
    // and continues on an older page.
    for i in 1..=60 {
        udhaar(&books, rahul, i).await;
    }
    let page = browser.get(&format!("/panel/customers/{rahul}")).await;
    assert_eq!(
        page.body.matches("<tr>").count(),
        51,
        "a header and 50 lines"
    );
    // The newest entry is ₹60, after which he owes 500 + (1 + … + 60) = ₹2,330.
    let first_row = &page.body[page.body.find("<tbody>").expect("rows")..];
    assert!(first_row.contains("+₹60"));
    assert!(
        first_row.find("₹2,330").expect("balance after") < first_row.find("+₹59").expect("next")
    );
    let older_start = page.body.find("?before=").expect("an older page") + "?before=".len();
    let before: String = page.body[older_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let older = browser
        .get(&format!("/panel/customers/{rahul}?before={before}"))
        .await;
    assert_eq!(
        older.body.matches("<tr>").count(),
        12,
        "a header and 11 lines"
    );
    assert!(
        older.body.contains("+₹500"),
        "the first udhaar is on the last page"
    );
    assert!(!older.body.contains("?before="), "no page after the last");
    assert!(older.body.contains("Nayi entries"));
}

async fn the_dashboard_shows_today_and_the_last_thirty_days_as_a_chart(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    // Ten days ago: ₹900 udhaar.
    clock.advance(-chrono::Duration::days(10));
    udhaar(&books, rahul, 900).await;
    clock.advance(chrono::Duration::days(10));
    // Today: ₹400 collected, ₹250 more udhaar.
    books
        .record_payment(
            rahul,
            Paise::from_rupees(400).expect("amount"),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("payment");
    udhaar(&books, rahul, 250).await;
    let (atta, _) = books
        .upsert_product(NewProduct {
            name: "Atta".into(),
            unit: Unit::Kg,
            price: Paise::from_rupees(40).expect("price"),
            low_stock: Quantity::from_whole(5),
        })
        .await
        .expect("product");
    books
        .adjust_stock(
            atta.id,
            Quantity::from_whole(2).expect("quantity"),
            None,
            &Origin::new(Source::Cli),
        )
        .await
        .expect("stock");

    let mut browser = Browser::new(&app);
    browser.log_in(&app, MERCHANT_PHONE).await;
    let page = browser.get("/panel").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let figure = |name: &str| {
        let at = page.body.find(name).unwrap_or_else(|| panic!("{name}"));
        let dd = at + page.body[at..].find("<dd>").expect("dd") + 4;
        page.body[dd..dd + page.body[dd..].find("</dd>").expect("end")].to_string()
    };
    assert_eq!(figure("Aaj ki bikri"), "₹0");
    assert_eq!(figure("Aaj ki wasooli"), "₹400");
    assert_eq!(figure("Aaj ka naya udhaar"), "₹250");
    assert_eq!(figure("Kul baaki"), "₹750");
    assert!(
        page.body
            .contains(&format!("href=\"/panel/customers/{rahul}\""))
    );
    assert!(page.body.contains("Atta"), "low stock");
    assert!(page.body.contains("<svg"));
    assert_eq!(page.body.matches("<rect").count(), 90, "30 days × 3 series");
    assert!(
        page.body.contains("12 Nov: Udhaar ₹900"),
        "ten days ago, its own day"
    );
    assert!(page.body.contains("22 Nov: Wasooli ₹400"));
    assert!(
        page.body.contains("24 Oct"),
        "the chart starts 29 days back"
    );
    assert!(page.body.len() < 100 * 1024, "a page stays under 100 KB");

    let css = browser.get("/panel/style.css").await;
    assert_eq!(css.status, 200);
    assert!(
        css.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/css")
    );
    assert!(css.body.contains("@media"));
    assert_eq!(browser.get("/panel/nothing-here").await.status, 404);
}
