//! A customer's data rights on the panel: the owner's JSON export, and deletion confirmed by the
//! code sent to the owner's WhatsApp; staff and other shops get nothing.

use super::*;

on_both_databases!(
    the_owner_exports_a_customer_and_deletes_them_with_the_code_sent_to_their_whatsapp,
    staff_and_other_shops_can_neither_export_nor_delete,
);

const CUSTOMER_PHONE: &str = "919876501234";

async fn customer_with_phone(books: &Books, name: &str) -> books::CustomerId {
    books
        .add_customer(NewCustomer {
            name: name.into(),
            phone: Some(CUSTOMER_PHONE.into()),
            nickname: None,
        })
        .await
        .expect("customer")
        .0
        .id
}

async fn the_owner_exports_a_customer_and_deletes_them_with_the_code_sent_to_their_whatsapp(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let person = customer_with_phone(&books, "Ishaan Malhotra").await;
    udhaar(&books, person, 450).await;
    let dues = books.total_dues().await.expect("dues");
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;

    let page = owner.get(&format!("/panel/customers/{person}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("/panel/customers/{person}/export.json"))
    );
    let export = owner
        .get(&format!("/panel/customers/{person}/export.json"))
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    assert_eq!(export.headers["content-type"], "application/json");
    assert_eq!(
        export.headers["content-disposition"],
        format!("attachment; filename=\"customer-{person}.json\"").as_str()
    );
    assert_eq!(export.headers["cache-control"], "no-store");
    let json: serde_json::Value = serde_json::from_str(&export.body).expect("json");
    assert_eq!(json["customer"]["name"], "Ishaan Malhotra");
    assert_eq!(json["customer"]["phone"], CUSTOMER_PHONE);
    assert_eq!(json["statement"][0]["balance_after"], 45_000);

    // Asking sends a code to the owner's WhatsApp and shows the form to type it.
    let csrf = page.hidden("csrf");
    let asked = owner
        .post(
            &format!("/panel/customers/{person}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_security_headers(&asked);
    let challenge = asked.hidden("challenge");
    let code = last_code(&app, MERCHANT_PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = format!("/panel/customers/{person}/delete/confirm");
    let refused = owner
        .post(
            &confirm,
            &[("csrf", &csrf), ("challenge", &challenge), ("code", wrong)],
        )
        .await;
    assert_eq!(refused.status, 200);
    assert!(refused.body.contains("4 koshish baaki"), "{}", refused.body);
    assert_eq!(
        books.customer(person).await.expect("kept").name,
        "Ishaan Malhotra"
    );
    let no_token = owner
        .post(&confirm, &[("challenge", &challenge), ("code", &code)])
        .await;
    assert_eq!(no_token.status, 403);

    let deleted = owner
        .post(
            &confirm,
            &[("csrf", &csrf), ("challenge", &challenge), ("code", &code)],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(
        deleted.location(),
        format!("/panel/customers/{person}?deleted=1")
    );
    let after = owner.get(deleted.location()).await;
    assert!(after.body.contains(&format!("Deleted customer #{person}")));
    assert!(!after.body.contains("Ishaan"));
    assert!(!after.body.contains(CUSTOMER_PHONE));
    assert_eq!(books.total_dues().await.expect("dues"), dues);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customer_deletions WHERE source = 'panel'"
        )
        .await,
        1
    );
    // The code is spent.
    let again = owner
        .post(
            &confirm,
            &[("csrf", &csrf), ("challenge", &challenge), ("code", &code)],
        )
        .await;
    assert_eq!(again.status, 403);
}

async fn staff_and_other_shops_can_neither_export_nor_delete(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    const STAFF: &str = "919822222222";
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff phone");
    let books = books_of(&app, &clock, app.merchant).await;
    let ours = customer_with_phone(&books, "Ishaan Malhotra").await;
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

    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let csrf = staff
        .get(&format!("/panel/customers/{ours}"))
        .await
        .hidden("csrf");
    let page = staff.get(&format!("/panel/customers/{ours}")).await;
    assert!(
        !page.body.contains("export.json"),
        "no export link for staff"
    );
    assert_eq!(
        staff
            .get(&format!("/panel/customers/{ours}/export.json"))
            .await
            .status,
        403
    );
    assert_eq!(
        staff
            .post(
                &format!("/panel/customers/{ours}/delete"),
                &[("csrf", &csrf)]
            )
            .await
            .status,
        403
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM deletion_codes").await,
        0,
        "staff asked for no code"
    );

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let csrf = owner
        .get(&format!("/panel/customers/{ours}"))
        .await
        .hidden("csrf");
    let export = owner
        .get(&format!("/panel/customers/{their_customer}/export.json"))
        .await;
    assert_eq!(export.status, 404);
    assert!(!export.body.contains("Verma"));
    assert_eq!(
        owner
            .get("/panel/customers/999999/export.json")
            .await
            .status,
        404
    );
    let ask = owner
        .post(
            &format!("/panel/customers/{their_customer}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(ask.status, 404);
    let confirm = owner
        .post(
            &format!("/panel/customers/{their_customer}/delete/confirm"),
            &[("csrf", &csrf), ("challenge", "x"), ("code", "123456")],
        )
        .await;
    assert_eq!(confirm.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM deletion_codes").await, 0);
    assert_eq!(
        theirs.customer(their_customer).await.expect("theirs").name,
        "Rahul Verma"
    );
    // Without the form's token nothing is sent either.
    let forged = owner
        .post(
            &format!("/panel/customers/{ours}/delete"),
            &[("csrf", "00ff")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM deletion_codes").await, 0);
}
