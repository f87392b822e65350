//! The customer's pay page through the real service, on SQLite and PostgreSQL: what a link shows,
//! to whom, until when, how names are escaped, and that the QR code is the UPI link.

use std::sync::Arc;

use execora_engine::books::{self, Books, NewCustomer, NewMerchant, Origin, Source};
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::reply::Locale;
use execora_engine::time::ManualClock;

use crate::app::{Database, TestApp, clock, serve_at as serve};

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Database::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Database::Postgres).await;
                }
            )*
        }
    };
}

on_both_databases!(
    a_pay_link_shows_that_customers_dues_and_last_entries_with_a_upi_button_and_private_headers,
    names_with_script_tags_and_ampersands_are_escaped_on_the_page_and_in_the_upi_link,
    unknown_malformed_and_expired_tokens_all_get_the_same_plain_404,
    another_shops_customer_cannot_be_reached_through_a_link,
    the_qr_code_on_the_page_decodes_back_to_the_upi_link,
    a_shop_without_a_upi_id_shows_dues_but_no_button_or_qr_code,
);

/// A shop with a UPI id and its books, on the service's database and clock.
async fn shop(app: &TestApp, clock: &Arc<ManualClock>, name: &str, phone: &str) -> Books {
    let merchant = books::merchants::create(
        &app.db,
        NewMerchant {
            name: name.into(),
            owner_phone: phone.into(),
            locale: Locale::En,
            timezone: None,
            upi_id: Some("shop@okaxis".into()),
        },
        &**clock,
    )
    .await
    .expect("shop");
    Books::open(app.db.clone(), merchant.id, clock.clone())
        .await
        .expect("books")
}

async fn customer(books: &Books, name: &str) -> books::CustomerId {
    books
        .add_customer(NewCustomer {
            name: name.into(),
            ..Default::default()
        })
        .await
        .expect("customer")
        .0
        .id
}

/// The page's status, body and headers.
async fn open_page(app: &TestApp, token: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let response = app
        .client
        .get(format!("{}/pay/{token}", app.base))
        .send()
        .await
        .expect("response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.text().await.expect("body"), headers)
}

fn assert_private(headers: &reqwest::header::HeaderMap) {
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["x-robots-tag"]
            .to_str()
            .expect("ascii")
            .contains("noindex")
    );
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("default-src 'none'")
    );
}

/// The `href` of the page's UPI button, unescaped.
fn upi_href(page: &str) -> String {
    let start = page.find("href=\"upi://").expect("a UPI button") + "href=\"".len();
    let end = start + page[start..].find('"').expect("end of href");
    page[start..end].replace("&amp;", "&")
}

/// The UPI link's fields, decoded, in order.
fn upi_fields(link: &str) -> Vec<(String, String)> {
    link.strip_prefix("upi://pay?")
        .expect("upi://pay?")
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("name=value");
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .expect("utf-8");
            (name.to_string(), value.into_owned())
        })
        .collect()
}

async fn a_pay_link_shows_that_customers_dues_and_last_entries_with_a_upi_button_and_private_headers(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = shop(&app, &clock, "Sharma Stores", "919811111111").await;
    let rahul = customer(&books, "Rahul Verma").await;
    let other = customer(&books, "Suresh Patel").await;
    let origin = Origin::new(Source::Chat);
    books
        .add_credit(rahul, Paise::new(150_000), None, &origin)
        .await
        .expect("credit");
    books
        .record_payment(rahul, Paise::new(20_000), Some(PaymentMode::Upi), &origin)
        .await
        .expect("payment");
    books
        .add_credit(other, Paise::new(99_900), None, &origin)
        .await
        .expect("someone else's credit");
    let link = books.issue_pay_link(rahul).await.expect("link");

    let (status, page, headers) = open_page(&app, link.token.as_str()).await;
    assert_eq!(status, 200, "{page}");
    assert_private(&headers);
    assert!(
        headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(page.contains("<h1>Sharma Stores</h1>"), "{page}");
    assert!(page.contains("Account of Rahul Verma"), "{page}");
    assert!(page.contains("Amount due: ₹1,300"), "{page}");
    assert!(page.contains("Pay ₹1,300 with UPI"), "{page}");
    assert!(
        page.contains("Payment received") && page.contains("-₹200"),
        "{page}"
    );
    assert!(
        page.contains("Credit") && page.contains("+₹1,500"),
        "{page}"
    );
    assert!(
        page.contains("22 Nov"),
        "entries dated in the shop's zone: {page}"
    );
    assert!(page.contains("This link works until 22 Dec"), "{page}");
    assert!(!page.contains("Suresh") && !page.contains("999"), "{page}");
    assert!(!page.contains("<script"), "no JavaScript: {page}");
    assert!(
        !page
            .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
            .contains("http"),
        "no external assets: {page}"
    );
    assert_eq!(
        upi_fields(&upi_href(&page)),
        [
            ("pa", "shop@okaxis"),
            ("pn", "Sharma Stores"),
            ("am", "1300.00"),
            ("cu", "INR"),
            ("tn", "Rahul Verma"),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()))
    );
    app.stop().await;
}

async fn names_with_script_tags_and_ampersands_are_escaped_on_the_page_and_in_the_upi_link(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = shop(
        &app,
        &clock,
        "A&B <script>alert(1)</script> Kirana",
        "919822222222",
    )
    .await;
    let person = customer(&books, "Rahul \"R&D\" <b>Sharma</b>").await;
    books
        .add_credit(person, Paise::new(50_000), None, &Origin::new(Source::Chat))
        .await
        .expect("credit");
    let link = books.issue_pay_link(person).await.expect("link");

    let (status, page, _) = open_page(&app, link.token.as_str()).await;
    assert_eq!(status, 200);
    assert!(!page.contains("<script>"), "{page}");
    assert!(!page.contains("<b>"), "{page}");
    assert!(
        page.contains("A&amp;B &lt;script&gt;alert(1)&lt;/script&gt; Kirana"),
        "{page}"
    );
    assert!(
        page.contains("Rahul &quot;R&amp;D&quot; &lt;b&gt;Sharma&lt;/b&gt;"),
        "{page}"
    );
    let href = upi_href(&page);
    assert!(!href.contains(['<', '>', '"', ' ']), "{href}");
    let fields = upi_fields(&href);
    assert_eq!(fields.len(), 5, "no field was split by a name: {fields:?}");
    assert_eq!(fields[1].1, "A&B <script>alert(1)</script> Kirana");
    assert_eq!(fields[2], ("am".to_string(), "500.00".to_string()));
    assert_eq!(fields[4].1, "Rahul \"R&D\" <b>Sharma</b>");
    app.stop().await;
}

async fn unknown_malformed_and_expired_tokens_all_get_the_same_plain_404(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = shop(&app, &clock, "Sharma Stores", "919811111111").await;
    let rahul = customer(&books, "Rahul Verma").await;
    let link = books.issue_pay_link(rahul).await.expect("link");
    let token = link.token.as_str().to_string();
    assert_eq!(token.len(), 43);

    let (_, not_found, _) = open_page(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    let mut changed = token.clone().into_bytes();
    changed[0] = if changed[0] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).expect("ascii");
    let malformed = [
        "abc".to_string(),
        token[..42].to_string(),
        format!("{token}A"),
        token.replace(|c: char| c.is_ascii_alphanumeric(), "+")[..43].to_string(),
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_string(),
        "राहुल".to_string(),
    ];
    for bad in [vec![changed], malformed.to_vec()].concat() {
        let (status, body, headers) = open_page(&app, &bad).await;
        assert_eq!(status, 404, "{bad}");
        assert_eq!(body, not_found, "every 404 is the same: {bad}");
        assert_private(&headers);
        assert!(!body.contains("Sharma") && !body.contains("Rahul"));
    }

    // Works until the last millisecond of its 30 days, and not after.
    clock.advance(chrono::Duration::days(30) - chrono::Duration::milliseconds(1));
    assert_eq!(open_page(&app, &token).await.0, 200);
    clock.advance(chrono::Duration::milliseconds(1));
    let (status, body, headers) = open_page(&app, &token).await;
    assert_eq!(status, 404);
    assert_eq!(
        body, not_found,
        "an expired link looks like any unknown one"
    );
    assert_private(&headers);
    app.stop().await;
}

async fn another_shops_customer_cannot_be_reached_through_a_link(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let ours = shop(&app, &clock, "Sharma Stores", "919811111111").await;
    let theirs = shop(&app, &clock, "Verma General", "919833333333").await;
    let our_rahul = customer(&ours, "Rahul Verma").await;
    let their_rahul = customer(&theirs, "Rahul Verma").await;
    theirs
        .add_credit(
            their_rahul,
            Paise::new(777_700),
            None,
            &Origin::new(Source::Chat),
        )
        .await
        .expect("credit");

    // A shop cannot issue a link to another shop's customer, even knowing the id …
    let refused = ours.issue_pay_link(their_rahul).await;
    assert!(
        matches!(
            refused,
            Err(books::PayLinkError::Books(
                books::BooksError::CustomerNotFound(_)
            ))
        ),
        "{refused:?}"
    );
    // … and the database refuses such a row however it is written.
    let stored = sqlx::query(
        "INSERT INTO pay_links (merchant_id, customer_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, 1, 2)",
    )
    .bind(ours.merchant_id().0)
    .bind(their_rahul.0)
    .bind("0".repeat(64))
    .execute(app.db.pool())
    .await;
    assert!(stored.is_err(), "a cross-shop pay link was stored");

    // Our link shows our Rahul at our shop, nothing of theirs.
    let link = ours.issue_pay_link(our_rahul).await.expect("link");
    let (status, page, _) = open_page(&app, link.token.as_str()).await;
    assert_eq!(status, 200);
    assert!(page.contains("Sharma Stores"), "{page}");
    assert!(
        !page.contains("Verma General") && !page.contains("7,777"),
        "{page}"
    );
    assert!(page.contains("All settled"), "{page}");
    app.stop().await;
}

/// Reads the page's inline SVG (`M{x} {y}h{w}v{h}H{x}V{y}` rectangles on a white square, as the
/// qrcode crate draws them) into a bitmap of `scale` pixels a module and decodes it.
fn decode_qr(page: &str, scale: usize) -> String {
    let svg_start = page.find("<svg").expect("a QR code");
    let svg = &page[svg_start..svg_start + page[svg_start..].find("</svg>").expect("svg end")];
    let width_at = svg.find("width=\"").expect("width") + "width=\"".len();
    let size: usize = svg[width_at..width_at + svg[width_at..].find('"').expect("quote")]
        .parse()
        .expect("width in modules");
    let d_at = svg.find(" d=\"").expect("path") + " d=\"".len();
    let path = &svg[d_at..d_at + svg[d_at..].find('"').expect("quote")];
    let mut dark = vec![false; size * size];
    for rectangle in path.split('M').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> = rectangle
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().expect("number"))
            .collect();
        let (left, top, width, height) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        for y in top..top + height {
            for x in left..left + width {
                dark[y * size + x] = true;
            }
        }
    }
    let pixels = size * scale;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| {
        if dark[(y / scale) * size + x / scale] {
            0
        } else {
            255
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("the QR code decodes").1
}

async fn the_qr_code_on_the_page_decodes_back_to_the_upi_link(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = shop(&app, &clock, "गुप्ता & Sons <Kirana>", "919844444444").await;
    let person = customer(&books, "राहुल शर्मा").await;
    books
        .add_credit(
            person,
            Paise::new(123_456),
            None,
            &Origin::new(Source::Chat),
        )
        .await
        .expect("credit");
    let link = books.issue_pay_link(person).await.expect("link");
    let (status, page, _) = open_page(&app, link.token.as_str()).await;
    assert_eq!(status, 200);
    let href = upi_href(&page);
    assert_eq!(decode_qr(&page, 4), href);
    let fields = upi_fields(&href);
    assert_eq!(fields[1].1, "गुप्ता & Sons <Kirana>");
    assert_eq!(fields[2].1, "1234.56");
    assert_eq!(fields[4].1, "राहुल शर्मा");
    app.stop().await;
}

async fn a_shop_without_a_upi_id_shows_dues_but_no_button_or_qr_code(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    // The test database's own shop, Gupta Kirana (Hinglish), has no UPI id.
    let books = Books::open(app.db.clone(), app.merchant, clock.clone())
        .await
        .expect("books");
    let person = customer(&books, "Rahul").await;
    books
        .add_credit(person, Paise::new(30_000), None, &Origin::new(Source::Chat))
        .await
        .expect("credit");
    let link = books.issue_pay_link(person).await.expect("link");
    let (status, page, _) = open_page(&app, link.token.as_str()).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Baaki: ₹300"),
        "Hinglish, the shop's language: {page}"
    );
    assert!(page.contains("<html lang=\"hi\">"), "{page}");
    assert!(!page.contains("upi://") && !page.contains("<svg"), "{page}");
    assert!(page.contains("Payment dukaan par"), "{page}");
    app.stop().await;
}
