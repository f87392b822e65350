//! What the pages' forms share: a form shown only to whoever may send it, a fresh idempotency key per form, the booking origin it makes, ids from paths, and days and times read in the shop's zone.

use axum::response::Response;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use execora_engine::access::{self, Secret};
use execora_engine::books::{Origin, Source, StatementRange};
use execora_engine::money::Paise;
use execora_engine::time::{day_bounds, to_millis};
use leptos::prelude::*;

use crate::app::layout;
use crate::app::session::{Signed, refused_form};

/// A form posting to `action` around `fields`, with the session's token; for whoever may not
/// send it (staff on an owner's form, an operator on any) the same values without a form.
pub(crate) fn action_form(
    may_send: bool,
    action: String,
    csrf: String,
    fields: impl IntoView + 'static,
) -> AnyView {
    if may_send {
        view! {
            <form method="post" action=action class="stack">
                <input type="hidden" name="csrf" value=csrf/>
                {fields}
            </form>
        }
        .into_any()
    } else {
        view! { <div class="stack">{fields}</div> }.into_any()
    }
}

/// A new idempotency key for one form, or the 503 page when the OS has no randomness.
pub(crate) fn new_key(signed: &Signed) -> Result<String, Box<Response>> {
    match Secret::new() {
        Ok(key) => Ok(key.as_str().to_string()),
        Err(error) => {
            tracing::error!(%error, "no randomness for a form key");
            Err(Box::new(layout::unavailable(signed.locale())))
        }
    }
}

/// The booking origin of a submitted form: its token and its key (a form without a well-formed
/// key is refused, so every panel booking is keyed), booked by the session's phone.
pub(crate) fn checked_origin(
    signed: &Signed,
    csrf: &str,
    key: &str,
) -> Result<Origin, Box<Response>> {
    if let Some(refused) = signed.refuse_form(csrf) {
        return Err(Box::new(refused));
    }
    if !access::is_token(key) {
        return Err(Box::new(refused_form(signed.locale())));
    }
    Ok(Origin::keyed(Source::Panel, format!("panel:{key}")).by(signed.session.phone.as_str()))
}

/// A positive id from a path; anything else is simply not found.
pub(crate) fn path_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

/// A day as a date input sends it (`2026-11-22`).
pub(crate) fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The entries booked on the local days `from` to `to`, both included, in the shop's zone.
pub(crate) fn day_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    zone: Tz,
) -> StatementRange {
    StatementRange {
        from: from.map(|d| day_bounds(d, zone).0),
        until: to.map(|d| day_bounds(d, zone).1),
    }
}

/// A local date and time (`2026-11-22` and `18:30`) in the shop's zone as a stored instant;
/// a time skipped by a clock change is read as the first valid instant after it.
pub(crate) fn local_instant(date: &str, time: &str, zone: Tz) -> Option<i64> {
    let date = day(date)?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    let at = NaiveDateTime::new(date, time);
    let resolved = zone.from_local_datetime(&at).earliest().or_else(|| {
        zone.from_local_datetime(&(at + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(to_millis(resolved.with_timezone(&chrono::Utc)))
}

/// Rupees with two decimals and a minus for negative amounts (`-500.05`): a number to a
/// spreadsheet and the value an amount input starts with.
pub(crate) fn rupees(amount: Paise) -> String {
    let paise = amount.as_i64();
    let sign = if paise < 0 { "-" } else { "" };
    let abs = paise.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_shops_zone() {
        let india: Tz = "Asia/Kolkata".parse().expect("zone");
        // 18:30 in India is 13:00 UTC.
        assert_eq!(
            local_instant("2026-11-22", "18:30", india),
            Some(to_millis(
                chrono::Utc
                    .with_ymd_and_hms(2026, 11, 22, 13, 0, 0)
                    .single()
                    .expect("time")
            ))
        );
        assert_eq!(local_instant("2026-11-22", "25:00", india), None);
        assert_eq!(local_instant("22/11/2026", "10:00", india), None);
        let range = day_range(day("2026-11-22"), day("2026-11-22"), india);
        assert_eq!(
            range.until.zip(range.from).map(|(u, f)| u - f),
            Some(86_400_000)
        );
        assert_eq!(day_range(None, None, india), StatementRange::default());
    }
}
