//! The settings page: language (which the panel follows), UPI id, large-amount limit, staff
//! phones (the owner's), the logged-in browsers and their ending; form tokens on every POST.

use super::*;

on_both_databases!(
    the_owner_sets_language_upi_and_limit_and_the_panel_speaks_it,
    phones_are_added_and_removed_by_the_owner_only,
    sessions_are_ended_own_or_staffs_and_everywhere_but_never_another_shops,
    every_settings_form_needs_this_sessions_token,
);

const STAFF: &str = "919822222222";

async fn shop_row(app: &TestApp) -> (String, Option<String>) {
    let row: (String, Option<String>) =
        sqlx::query_as("SELECT locale, upi_id FROM merchants WHERE id = $1")
            .bind(app.merchant.0)
            .fetch_one(app.db.pool())
            .await
            .expect("shop");
    row
}

async fn the_owner_sets_language_upi_and_limit_and_the_panel_speaks_it(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    sqlx::query("UPDATE merchants SET name = '<script>x</script> & Sons' WHERE id = $1")
        .bind(app.merchant.0)
        .execute(app.db.pool())
        .await
        .expect("rename");
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = owner.get("/panel/settings").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_security_headers(&page);
    assert!(
        page.body.contains("Bhasha"),
        "Hinglish first: {}",
        page.body
    );
    assert!(
        page.body
            .contains("&lt;script&gt;x&lt;/script&gt; &amp; Sons")
    );
    assert!(page.body.contains("value=\"50000\""), "the default limit");
    let csrf = page.hidden("csrf");

    let saved = owner
        .post(
            "/panel/settings/shop",
            &[
                ("locale", "en"),
                ("upi", "gupta.kirana@okicici"),
                ("large_amount", "20000"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), "/panel/settings?done=saved");
    assert_eq!(
        shop_row(&app).await,
        ("en".to_string(), Some("gupta.kirana@okicici".to_string()))
    );
    let settings = books::merchants::settings(&app.db, app.merchant)
        .await
        .expect("settings");
    assert_eq!(
        settings.large_amount,
        Paise::from_rupees(20_000).expect("amount")
    );
    let page = owner.get("/panel/settings?done=saved").await;
    assert!(
        page.body.contains("<html lang=\"en\">"),
        "the panel follows"
    );
    assert!(page.body.contains("Saved."), "{}", page.body);
    assert!(page.body.contains("Language"));
    assert!(page.body.contains("value=\"gupta.kirana@okicici\""));

    // A refused value changes nothing.
    let bad_upi = owner
        .post(
            "/panel/settings/shop",
            &[
                ("locale", "hi"),
                ("upi", "not a upi <id>"),
                ("large_amount", "30000"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad_upi.location(), "/panel/settings?done=upi");
    let bad_amount = owner
        .post(
            "/panel/settings/shop",
            &[
                ("locale", "hi"),
                ("upi", ""),
                ("large_amount", "0"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad_amount.location(), "/panel/settings?done=amount");
    assert_eq!(
        shop_row(&app).await,
        ("en".to_string(), Some("gupta.kirana@okicici".to_string()))
    );
    let shown = owner.get("/panel/settings?done=upi").await;
    assert!(shown.body.contains("A UPI id looks like name@bank."));
    // The query is never echoed.
    let echoed = owner.get("/panel/settings?done=%3Cscript%3E").await;
    assert!(!echoed.body.contains("<script>"));

    // Hindi, and an empty UPI id clears it.
    owner
        .post(
            "/panel/settings/shop",
            &[
                ("locale", "hi"),
                ("upi", ""),
                ("large_amount", "20000"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(shop_row(&app).await, ("hi".to_string(), None));
    let hindi = owner.get("/panel/settings").await;
    assert!(hindi.body.contains("<html lang=\"hi\">"));
    assert!(hindi.body.contains("भाषा"), "{}", hindi.body);
}

async fn phones_are_added_and_removed_by_the_owner_only(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let csrf = owner.get("/panel/settings").await.hidden("csrf");
    let added = owner
        .post(
            "/panel/settings/phones",
            &[
                ("phone", "+91 98222 22222"),
                ("role", "staff"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(added.location(), "/panel/settings?done=added");
    assert_eq!(
        books::merchants::role_of(&app.db, app.merchant, STAFF)
            .await
            .expect("role"),
        Some(Role::Staff)
    );
    let again = owner
        .post(
            "/panel/settings/phones",
            &[("phone", STAFF), ("role", "staff"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.location(), "/panel/settings?done=taken");
    let junk = owner
        .post(
            "/panel/settings/phones",
            &[("phone", "hello"), ("role", "staff"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(junk.location(), "/panel/settings?done=phone");

    // Staff see the settings, cannot change any, and cannot add or remove phones.
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let page = staff.get("/panel/settings").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Inhe sirf maalik badal sakta hai."));
    assert!(
        !page.body.contains("/panel/settings/phones"),
        "{}",
        page.body
    );
    let staff_csrf = page.hidden("csrf");
    for (path, fields) in [
        (
            "/panel/settings/shop",
            vec![("locale", "en"), ("upi", "x@y"), ("large_amount", "1")],
        ),
        (
            "/panel/settings/phones",
            vec![("phone", "919877777777"), ("role", "owner")],
        ),
        (
            "/panel/settings/phones/remove",
            vec![("phone", MERCHANT_PHONE)],
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &staff_csrf));
        let refused = staff.post(path, &fields).await;
        assert_eq!(refused.status, 403, "{path}");
        assert!(
            refused.body.contains("sirf dukaan ke maalik"),
            "{}",
            refused.body
        );
    }
    assert_eq!(shop_row(&app).await, ("hi-Latn".to_string(), None));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM merchant_phones").await,
        2,
        "nothing added or removed"
    );

    // The owner removes the staff phone: its browser is out at once.
    let removed = owner
        .post(
            "/panel/settings/phones/remove",
            &[("phone", STAFF), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(removed.location(), "/panel/settings?done=removed");
    let out = staff.get("/panel/customers").await;
    assert_eq!((out.status, out.location()), (303, "/panel/login"));
    // The last owner phone stays; a phone of another shop is not found.
    let last = owner
        .post(
            "/panel/settings/phones/remove",
            &[("phone", MERCHANT_PHONE), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(last.location(), "/panel/settings?done=last-owner");
    books::merchants::create(
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
    let theirs = owner
        .post(
            "/panel/settings/phones/remove",
            &[("phone", "919811111111"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM merchant_phones").await, 2);
}

/// The id in the first revoke form of a page whose phone is `phone`.
fn session_id_of(page: &Page, phone: &str) -> String {
    let line = page
        .body
        .split("<li>")
        .find(|item| item.contains(phone) && item.contains("/revoke"))
        .unwrap_or_else(|| panic!("no session of {phone} to end in {}", page.body));
    let marker = "/panel/settings/sessions/";
    let start = line.find(marker).expect("form") + marker.len();
    line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

async fn sessions_are_ended_own_or_staffs_and_everywhere_but_never_another_shops(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff");
    let mut laptop = Browser::new(&app);
    laptop.log_in(&app, MERCHANT_PHONE).await;
    let mut phone = Browser::new(&app);
    phone.log_in(&app, MERCHANT_PHONE).await;
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;

    let page = laptop.get("/panel/settings").await;
    assert_eq!(
        page.body.matches("/revoke\"").count(),
        3,
        "the owner may end all three: {}",
        page.body
    );
    assert!(page.body.contains("yeh browser"));
    let staff_page = staff.get("/panel/settings").await;
    let staff_sessions = &staff_page.body[staff_page
        .body
        .find("Login kiye hue browser")
        .expect("sessions")..];
    assert_eq!(
        staff_sessions.matches("/revoke\"").count(),
        1,
        "staff see and end only their own: {staff_sessions}"
    );
    assert!(!staff_sessions.contains(MERCHANT_PHONE));
    let staff_session = session_id_of(&staff_page, STAFF);
    let staff_csrf = staff_page.hidden("csrf");
    let owner_session = session_id_of(&page, MERCHANT_PHONE);
    let csrf = page.hidden("csrf");

    // Staff cannot end the owner's session.
    let refused = staff
        .post(
            &format!("/panel/settings/sessions/{owner_session}/revoke"),
            &[("csrf", &staff_csrf)],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(laptop.get("/panel").await.status, 200);

    // Another shop's session is not found, for the owner too.
    let sharma = books::merchants::create(
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
    let mut theirs = Browser::new(&app);
    theirs.log_in(&app, "919811111111").await;
    let their_session: i64 = sqlx::query_scalar(
        "SELECT id FROM panel_sessions WHERE merchant_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(sharma.id.0)
    .fetch_one(app.db.pool())
    .await
    .expect("their session");
    let crossed = laptop
        .post(
            &format!("/panel/settings/sessions/{their_session}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(crossed.status, 404);
    assert_eq!(theirs.get("/panel").await.status, 200, "still signed in");

    // The owner ends the staff session.
    let ended = laptop
        .post(
            &format!("/panel/settings/sessions/{staff_session}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(ended.location(), "/panel/settings?done=revoked");
    assert_eq!(
        staff.get("/panel/customers").await.location(),
        "/panel/login"
    );

    // Log out everywhere: both of the owner's browsers.
    let phone_csrf = phone.get("/panel/settings").await.hidden("csrf");
    let everywhere = phone
        .post(
            "/panel/settings/sessions/everywhere",
            &[("csrf", &phone_csrf)],
        )
        .await;
    assert_eq!(everywhere.location(), "/panel/login");
    assert!(
        everywhere
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("execora_session=;"))
    );
    assert_eq!(laptop.get("/panel").await.location(), "/panel/login");
    assert_eq!(phone.get("/panel").await.location(), "/panel/login");
    assert_eq!(
        theirs.get("/panel").await.status,
        200,
        "another shop's stays"
    );
}

async fn every_settings_form_needs_this_sessions_token(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff");
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = owner.get("/panel/settings").await;
    let staff_session = session_id_of(&page, STAFF);
    let others = staff.get("/panel/settings").await.hidden("csrf");
    for (path, fields) in [
        (
            "/panel/settings/shop".to_string(),
            vec![("locale", "en"), ("upi", "a@b"), ("large_amount", "100")],
        ),
        (
            "/panel/settings/phones".to_string(),
            vec![("phone", "919877777777"), ("role", "staff")],
        ),
        (
            "/panel/settings/phones/remove".to_string(),
            vec![("phone", STAFF)],
        ),
        (
            format!("/panel/settings/sessions/{staff_session}/revoke"),
            vec![],
        ),
        ("/panel/settings/sessions/everywhere".to_string(), vec![]),
    ] {
        let missing = owner.post(&path, &fields).await;
        assert_eq!(missing.status, 403, "{path}");
        assert!(missing.body.contains("Yeh form purana ho gaya"), "{path}");
        let mut crossed = fields.clone();
        crossed.push(("csrf", &others));
        assert_eq!(owner.post(&path, &crossed).await.status, 403, "{path}");
    }
    assert_eq!(shop_row(&app).await, ("hi-Latn".to_string(), None));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM merchant_phones").await, 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM panel_sessions WHERE revoked_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(owner.get("/panel").await.status, 200);
    assert_eq!(staff.get("/panel/customers").await.status, 200);
}
