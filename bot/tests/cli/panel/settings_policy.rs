//! The reminder policy on the settings page: automatic reminders, the daily cap, quiet hours and
//! the evening digest, saved by the owner only, with this session's form token, within the
//! limits `execora merchant set` keeps, and the same once when a form is sent twice.

use execora_engine::books::QuietHours;

use super::*;

on_both_databases!(
    the_owner_sets_the_reminder_policy_and_the_digest_time_once,
    staff_and_foreign_tokens_change_no_reminder_policy,
);

const STAFF: &str = "919822222222";

async fn policy(app: &TestApp) -> books::ShopSettings {
    books::merchants::settings(&app.db, app.merchant)
        .await
        .expect("settings")
}

async fn schedule(app: &TestApp) -> books::DigestSchedule {
    books::digest::schedule(&app.db, app.merchant)
        .await
        .expect("schedule")
}

fn policy_form<'a>(
    auto: &'a str,
    cap: &'a str,
    from: &'a str,
    until: &'a str,
    csrf: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("auto_days", auto),
        ("daily_cap", cap),
        ("quiet_from", from),
        ("quiet_until", until),
        ("csrf", csrf),
    ]
}

async fn the_owner_sets_the_reminder_policy_and_the_digest_time_once(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = owner.get("/panel/settings").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_security_headers(&page);
    // The defaults, shown as they are.
    for shown in [
        "action=\"/panel/settings/reminders\"",
        "action=\"/panel/settings/digest\"",
        "name=\"daily_cap\"",
        "value=\"200\"",
        "value=\"21:00\"",
        "value=\"09:00\"",
        "Shaant samay",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    let csrf = page.hidden("csrf");

    // Saved, and saved again by a resubmitted form: one setting, the same values.
    for _ in 0..2 {
        let saved = owner
            .post(
                "/panel/settings/reminders",
                &policy_form("3", "50", "22:30", "07:15", &csrf),
            )
            .await;
        assert_eq!(
            (saved.status, saved.location()),
            (303, "/panel/settings?done=saved"),
            "{}",
            saved.body
        );
    }
    let saved = policy(&app).await;
    assert_eq!(saved.auto_reminder_days, Some(3));
    assert_eq!(saved.reminder_daily_cap, 50);
    assert_eq!(
        saved.quiet_hours,
        "22:30-07:15".parse::<QuietHours>().expect("window")
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM merchant_settings").await,
        1
    );
    let shown = owner.get("/panel/settings?done=saved").await;
    assert!(shown.body.contains("Save ho gaya."));
    assert!(shown.body.contains("value=\"22:30\"") && shown.body.contains("value=\"07:15\""));
    assert!(shown.body.contains("value=\"50\"") && shown.body.contains("value=\"3\""));

    // A window inside the day, and automatic reminders off.
    owner
        .post(
            "/panel/settings/reminders",
            &policy_form("0", "100000", "13:00", "15:30", &csrf),
        )
        .await;
    let lunch = policy(&app).await;
    assert_eq!(lunch.auto_reminder_days, None);
    assert_eq!(lunch.reminder_daily_cap, 100_000);
    assert_eq!(lunch.quiet_hours.to_string(), "13:00-15:30");

    // Refused values change nothing and say why.
    for (form, done, said) in [
        (
            policy_form("3", "0", "21:00", "09:00", &csrf),
            "cap",
            "1 se 100000",
        ),
        (
            policy_form("3", "100001", "21:00", "09:00", &csrf),
            "cap",
            "1 se 100000",
        ),
        (
            policy_form("400", "50", "21:00", "09:00", &csrf),
            "every",
            "1 se 365",
        ),
        (
            policy_form("3", "50", "21:00", "21:00", &csrf),
            "quiet",
            "do alag samay",
        ),
        (
            policy_form("3", "50", "9pm", "09:00", &csrf),
            "quiet",
            "do alag samay",
        ),
    ] {
        let refused = owner.post("/panel/settings/reminders", &form).await;
        assert_eq!(
            refused.location(),
            format!("/panel/settings?done={done}"),
            "{form:?}"
        );
        let page = owner.get(refused.location()).await;
        assert!(page.body.contains(said), "{said}: {}", page.body);
    }
    assert_eq!(policy(&app).await, lunch, "nothing changed");

    // The digest: a time, off (keeping its time), on again.
    let digest = owner
        .post(
            "/panel/settings/digest",
            &[("digest_on", "on"), ("digest_at", "20:30"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(digest.location(), "/panel/settings?done=saved");
    let at = chrono::NaiveTime::from_hms_opt(20, 30, 0).expect("time");
    assert_eq!(
        schedule(&app).await,
        books::DigestSchedule { enabled: true, at }
    );
    owner
        .post(
            "/panel/settings/digest",
            &[("digest_at", "20:30"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        schedule(&app).await,
        books::DigestSchedule { enabled: false, at }
    );
    let off = owner.get("/panel/settings").await;
    assert!(off.body.contains("value=\"20:30\""));
    assert!(!off.body.contains("checked"), "off is unticked");
    let bad = owner
        .post(
            "/panel/settings/digest",
            &[("digest_on", "on"), ("digest_at", "late"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(bad.location(), "/panel/settings?done=digest-time");
    assert_eq!(
        schedule(&app).await,
        books::DigestSchedule { enabled: false, at }
    );
}

async fn staff_and_foreign_tokens_change_no_reminder_policy(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff");
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let staff_page = staff.get("/panel/settings").await;
    assert_eq!(staff_page.status, 200);
    assert!(
        staff_page.body.contains("name=\"daily_cap\"") && staff_page.body.contains("disabled"),
        "staff see the policy, disabled: {}",
        staff_page.body
    );
    let staff_csrf = staff_page.hidden("csrf");
    let before = (policy(&app).await, schedule(&app).await);
    let digest_form = |csrf| vec![("digest_on", "on"), ("digest_at", "18:00"), ("csrf", csrf)];
    // Staff: the owner's only.
    let refused = staff
        .post(
            "/panel/settings/reminders",
            &policy_form("3", "5", "20:00", "10:00", &staff_csrf),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("sirf dukaan ke maalik"),
        "{}",
        refused.body
    );
    assert_eq!(
        staff
            .post("/panel/settings/digest", &digest_form(&staff_csrf))
            .await
            .status,
        403
    );
    // The owner without a token, or with the staff session's: refused.
    for csrf in ["", staff_csrf.as_str()] {
        let missing = owner
            .post(
                "/panel/settings/reminders",
                &policy_form("3", "5", "20:00", "10:00", csrf),
            )
            .await;
        assert_eq!(missing.status, 403);
        assert!(missing.body.contains("Yeh form purana ho gaya"));
        assert_eq!(
            owner
                .post("/panel/settings/digest", &digest_form(csrf))
                .await
                .status,
            403
        );
    }
    assert_eq!((policy(&app).await, schedule(&app).await), before);
}
