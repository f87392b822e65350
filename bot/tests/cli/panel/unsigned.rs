//! The audit's "no API or panel authentication": every page and form of the panel, asked
//! without a session, goes to a login page or is refused, and writes nothing.

use super::*;

on_both_databases!(
    every_panel_page_and_form_without_a_session_is_sent_to_a_login_and_writes_nothing
);

/// Every route of `panel::app::routes` that needs a session (ids of rows that exist).
fn signed_routes(customer: i64) -> (Vec<String>, Vec<String>) {
    let c = format!("/panel/customers/{customer}");
    let pages = [
        "/panel".to_string(),
        "/panel/customers".into(),
        c.clone(),
        format!("{c}/statement.csv"),
        format!("{c}/statement/print"),
        format!("{c}/export.json"),
        "/panel/bills".into(),
        "/panel/bills/1".into(),
        "/panel/products".into(),
        "/panel/products/1".into(),
        "/panel/reminders".into(),
        "/panel/reminders/1".into(),
        "/panel/conversations".into(),
        format!("/panel/conversations/{MERCHANT_PHONE}"),
        "/panel/recordings/1".into(),
        "/panel/chat".into(),
        "/panel/settings".into(),
        "/panel/admin".into(),
        "/panel/admin/shops/1".into(),
    ];
    let forms = [
        "/panel/logout".to_string(),
        format!("{c}/payments"),
        format!("{c}/credits"),
        format!("{c}/reminders"),
        format!("{c}/delete"),
        format!("{c}/delete/confirm"),
        "/panel/bills/1/cancel".into(),
        "/panel/products/1".into(),
        "/panel/reminders/1/cancel".into(),
        "/panel/chat".into(),
        "/panel/settings/shop".into(),
        "/panel/settings/phones".into(),
        "/panel/settings/phones/remove".into(),
        "/panel/settings/sessions/1/revoke".into(),
        "/panel/settings/sessions/everywhere".into(),
        "/panel/admin/logout".into(),
    ];
    (pages.to_vec(), forms.to_vec())
}

async fn every_panel_page_and_form_without_a_session_is_sent_to_a_login_and_writes_nothing(
    database: Database,
) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul Verma").await;
    udhaar(&books, rahul, 500).await;
    let writes = "SELECT (SELECT COUNT(*) FROM ledger_entries) + (SELECT COUNT(*) FROM reminders) \
         + (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM deletion_codes) \
         + (SELECT COUNT(*) FROM merchant_phones)";
    let before = count(&app, writes).await;
    let (pages, forms) = signed_routes(rahul.0);
    let mut stranger = Browser::new(&app);
    for path in &pages {
        let page = stranger.get(path).await;
        assert_eq!(page.status, 303, "GET {path}: {}", page.body);
        assert!(
            matches!(page.location(), "/panel/login" | "/panel/admin/login"),
            "GET {path} -> {}",
            page.location()
        );
        assert!(!page.body.contains("Rahul"), "GET {path}");
    }
    for path in &forms {
        let answer = stranger
            .post(
                path,
                &[
                    ("amount", "100"),
                    ("mode", "cash"),
                    ("key", "k"),
                    ("csrf", "x"),
                    ("code", "123456"),
                    ("challenge", "x"),
                    ("phone", "919800000099"),
                    ("text", "Rahul 500 udhaar"),
                ],
            )
            .await;
        assert!(
            answer.status == 303 || answer.status == 403,
            "POST {path}: {} {}",
            answer.status,
            answer.body
        );
        if answer.status == 303 {
            assert!(
                answer.location().starts_with("/panel/login")
                    || answer.location().starts_with("/panel/admin/login"),
                "POST {path} -> {}",
                answer.location()
            );
        }
    }
    assert_eq!(count(&app, writes).await, before, "nothing was written");
    assert_eq!(
        books.balance(rahul).await.expect("balance"),
        Paise::from_rupees(500).expect("amount")
    );
    // A cookie that is not a session opens nothing either.
    let mut forged = Browser::new(&app);
    forged
        .cookies
        .insert("execora_session".into(), "A".repeat(43));
    let page = forged.get(&format!("/panel/customers/{}", rahul.0)).await;
    assert_eq!((page.status, page.location()), (303, "/panel/login"));
}
