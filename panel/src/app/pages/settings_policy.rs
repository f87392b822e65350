//! The reminder policy on the settings page: shop-wide automatic reminders, the daily cap, quiet hours and the evening digest's time, each the owner's to change.
//!
//! Both forms are plain setters through the engine, as `execora merchant set` is (the same
//! limits refuse the same values there and here): posting one twice sets it once. A refused
//! value changes nothing of its form.

use axum::extract::{Form, State};
use axum::response::Response;
use chrono::NaiveTime;
use execora_engine::books::merchants::{
    self, MAX_REMINDER_DAILY_CAP, MAX_REMINDER_EVERY_DAYS, MIN_REMINDER_DAILY_CAP,
};
use execora_engine::books::{
    BooksError, DigestChange, DigestSchedule, QuietHours, SettingsChange, ShopSettings, digest,
};
use execora_engine::reply::{Locale, label};
use leptos::prelude::*;
use serde::Deserialize;

use super::books_error;
use super::forms::action_form;
use super::settings::{back, settings_path};
use crate::app::Panel;
use crate::app::session::Signed;

#[derive(Debug, Deserialize)]
pub(crate) struct PolicyForm {
    /// Days between automatic reminders to everyone who owes; empty or 0 is off.
    #[serde(default)]
    auto_days: String,
    #[serde(default)]
    daily_cap: String,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_until: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DigestForm {
    /// Present (the checkbox ticked) when the digest is on.
    #[serde(default)]
    digest_on: Option<String>,
    #[serde(default)]
    digest_at: String,
    #[serde(default)]
    csrf: String,
}

/// The policy form's values, read and checked; the `done` name of the first refused one.
fn read_policy(form: &PolicyForm) -> Result<SettingsChange, &'static str> {
    let auto_days = match form.auto_days.trim() {
        "" | "0" => None,
        text => Some(
            text.parse::<i64>()
                .ok()
                .filter(|days| (1..=MAX_REMINDER_EVERY_DAYS).contains(days))
                .ok_or("every")?,
        ),
    };
    let cap = form
        .daily_cap
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|cap| (MIN_REMINDER_DAILY_CAP..=MAX_REMINDER_DAILY_CAP).contains(cap))
        .ok_or("cap")?;
    let time = |text: &str| NaiveTime::parse_from_str(text.trim(), "%H:%M").ok();
    let quiet = time(&form.quiet_from)
        .zip(time(&form.quiet_until))
        .and_then(|(from, until)| QuietHours::between(from, until).ok())
        .ok_or("quiet")?;
    Ok(SettingsChange {
        reminder_daily_cap: Some(cap),
        auto_reminder_days: Some(auto_days),
        quiet_hours: Some(quiet),
        ..SettingsChange::default()
    })
}

/// The digest form's values: on at a time, or off keeping its time.
fn read_digest(form: &DigestForm) -> Result<DigestChange, &'static str> {
    let on = form.digest_on.is_some();
    let at = match form.digest_at.trim() {
        "" if !on => None,
        text => Some(NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| "digest-time")?),
    };
    Ok(DigestChange {
        enabled: Some(on),
        at,
    })
}

fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// The policy's two sections; the inputs are disabled and the buttons absent for whoever may
/// not change them (staff, operators).
pub(crate) fn sections(
    locale: Locale,
    may_change: bool,
    csrf: String,
    settings: &ShopSettings,
    schedule: DigestSchedule,
) -> impl IntoView + use<> {
    let auto = settings
        .auto_reminder_days
        .map(|days| days.to_string())
        .unwrap_or_default();
    let cap = settings.reminder_daily_cap.to_string();
    let quiet_from = hhmm(settings.quiet_hours.from_time());
    let quiet_until = hhmm(settings.quiet_hours.until_time());
    let digest_at = hhmm(schedule.at);
    let save = move || {
        may_change.then(
            || view! { <button type="submit">{label(locale, "panel-settings-save")}</button> },
        )
    };
    view! {
        <section>
            <h2>{label(locale, "panel-settings-reminders")}</h2>
            {action_form(may_change, format!("{}/reminders", settings_path()), csrf.clone(), view! {
                <label for="auto_days">{label(locale, "panel-settings-auto-days")}</label>
                <input id="auto_days" name="auto_days" type="number" inputmode="numeric"
                    min="0" max=MAX_REMINDER_EVERY_DAYS.to_string() value=auto disabled=!may_change/>
                <label for="daily_cap">{label(locale, "panel-settings-daily-cap")}</label>
                <input id="daily_cap" name="daily_cap" type="number" inputmode="numeric" required
                    min=MIN_REMINDER_DAILY_CAP.to_string() max=MAX_REMINDER_DAILY_CAP.to_string()
                    value=cap disabled=!may_change/>
                <fieldset>
                    <legend>{label(locale, "panel-settings-quiet-hours")}</legend>
                    <label for="quiet_from">{label(locale, "panel-settings-quiet-from")}</label>
                    <input id="quiet_from" name="quiet_from" type="time" required
                        value=quiet_from disabled=!may_change/>
                    <label for="quiet_until">{label(locale, "panel-settings-quiet-until")}</label>
                    <input id="quiet_until" name="quiet_until" type="time" required
                        value=quiet_until disabled=!may_change/>
                </fieldset>
                {save()}
            })}
        </section>
        <section>
            <h2>{label(locale, "panel-settings-digest")}</h2>
            {action_form(may_change, format!("{}/digest", settings_path()), csrf, view! {
                <label>
                    <input name="digest_on" type="checkbox" value="on" checked=schedule.enabled
                        disabled=!may_change/>
                    {label(locale, "panel-settings-digest-on")}
                </label>
                <label for="digest_at">{label(locale, "panel-settings-digest-at")}</label>
                <input id="digest_at" name="digest_at" type="time" value=digest_at disabled=!may_change/>
                {save()}
            })}
        </section>
    }
}

/// `POST /panel/settings/reminders` (owner): automatic reminders, the daily cap, quiet hours.
pub(crate) async fn save_reminders(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<PolicyForm>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let change = match read_policy(&form) {
        Ok(change) => change,
        Err(done) => return back(done),
    };
    let merchant = signed.session.merchant;
    match merchants::set_settings(signed.books.db(), merchant, change, panel.clock.as_ref()).await {
        Ok(settings) => {
            tracing::info!(
                %merchant,
                cap = settings.reminder_daily_cap,
                auto = ?settings.auto_reminder_days,
                quiet = %settings.quiet_hours,
                "panel: reminder policy saved"
            );
            back("saved")
        }
        Err(BooksError::InvalidQuantity(_)) => back("cap"),
        Err(error) => books_error(signed.locale(), error),
    }
}

/// `POST /panel/settings/digest` (owner): the evening digest on at a time, or off.
pub(crate) async fn save_digest(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<DigestForm>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let change = match read_digest(&form) {
        Ok(change) => change,
        Err(done) => return back(done),
    };
    let merchant = signed.session.merchant;
    match digest::set_schedule(signed.books.db(), merchant, change, panel.clock.as_ref()).await {
        Ok(schedule) => {
            tracing::info!(%merchant, on = schedule.enabled, at = %schedule.at, "panel: digest time saved");
            back("saved")
        }
        Err(error) => books_error(signed.locale(), error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(
        auto: &str,
        cap: &str,
        from: &str,
        until: &str,
    ) -> Result<SettingsChange, &'static str> {
        read_policy(&PolicyForm {
            auto_days: auto.into(),
            daily_cap: cap.into(),
            quiet_from: from.into(),
            quiet_until: until.into(),
            csrf: String::new(),
        })
    }

    #[test]
    fn the_policy_form_refuses_what_the_command_line_refuses() {
        let read = policy("3", "50", "22:30", "07:15").expect("policy");
        assert_eq!(read.auto_reminder_days, Some(Some(3)));
        assert_eq!(read.reminder_daily_cap, Some(50));
        assert_eq!(
            read.quiet_hours.map(|q| q.to_string()).as_deref(),
            Some("22:30-07:15")
        );
        assert_eq!(
            policy("", "1", "13:00", "15:00").map(|c| c.auto_reminder_days),
            Ok(Some(None))
        );
        assert_eq!(
            policy("0", "100000", "13:00", "15:00").map(|c| c.auto_reminder_days),
            Ok(Some(None))
        );
        assert_eq!(policy("366", "50", "21:00", "09:00").err(), Some("every"));
        assert_eq!(policy("-1", "50", "21:00", "09:00").err(), Some("every"));
        for cap in ["0", "100001", "-5", "", "lots"] {
            assert_eq!(
                policy("", cap, "21:00", "09:00").err(),
                Some("cap"),
                "{cap}"
            );
        }
        for (from, until) in [("21:00", "21:00"), ("25:00", "09:00"), ("", "09:00")] {
            assert_eq!(
                policy("", "50", from, until).err(),
                Some("quiet"),
                "{from}-{until}"
            );
        }
    }

    #[test]
    fn the_digest_is_on_at_a_time_or_off() {
        let read = |on: bool, at: &str| {
            read_digest(&DigestForm {
                digest_on: on.then(|| "on".to_string()),
                digest_at: at.into(),
                csrf: String::new(),
            })
        };
        assert_eq!(
            read(true, "20:30"),
            Ok(DigestChange {
                enabled: Some(true),
                at: NaiveTime::from_hms_opt(20, 30, 0)
            })
        );
        assert_eq!(
            read(false, ""),
            Ok(DigestChange {
                enabled: Some(false),
                at: None
            })
        );
        assert_eq!(read(true, "").err(), Some("digest-time"));
        assert_eq!(read(false, "8pm").err(), Some("digest-time"));
    }
}
