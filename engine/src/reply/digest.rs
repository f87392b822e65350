//! The evening digest in the merchant's language: the full text (inside the 24-hour window), the one-line template parameter (outside it), and the digest-time confirmation.

use chrono::{NaiveTime, Timelike};

use super::Locale;
use super::render::{args, format_date, plain, say, text};
use crate::books::Digest;

/// "9:00 PM" / "raat 9:00" / "रात 9:00": a time of the shop's day.
pub fn format_time_of_day(at: NaiveTime, locale: Locale) -> String {
    let (hour, minute) = (at.hour(), at.minute());
    let twelve = if hour % 12 == 0 { 12 } else { hour % 12 };
    let part = match (hour, locale) {
        (_, Locale::En) => {
            return format!(
                "{twelve}:{minute:02} {}",
                if hour < 12 { "AM" } else { "PM" }
            );
        }
        (4..=11, Locale::Hi) => "सुबह",
        (12..=15, Locale::Hi) => "दोपहर",
        (16..=19, Locale::Hi) => "शाम",
        (_, Locale::Hi) => "रात",
        (4..=11, _) => "subah",
        (12..=15, _) => "dopahar",
        (16..=19, _) => "shaam",
        _ => "raat",
    };
    format!("{part} {twelve}:{minute:02}")
}

/// The reply to a change of the digest: its new time, or that it is off.
pub fn digest_setting(enabled: bool, at: NaiveTime, locale: Locale) -> String {
    if enabled {
        say(
            locale,
            "digest-set",
            &args([("time", text(format_time_of_day(at, locale)))]),
        )
    } else {
        plain(locale, "digest-off")
    }
}

/// The digest as a text message: every figure on its own line.
pub fn digest_text(shop: &str, digest: &Digest, locale: Locale) -> String {
    let l = locale;
    let s = &digest.summary;
    let money = |p: crate::money::Paise| text(p.to_string());
    let mut lines = vec![
        say(
            l,
            "digest-title",
            &args([
                ("shop", text(shop.to_string())),
                ("date", text(format_date(s.date, l))),
            ]),
        ),
        say(
            l,
            "summary-sales",
            &args([
                ("amount", money(s.sales)),
                ("count", s.invoice_count.into()),
            ]),
        ),
        say(
            l,
            "summary-collections",
            &args([("amount", money(s.collections))]),
        ),
        say(
            l,
            "summary-credit",
            &args([("amount", money(s.new_credit))]),
        ),
        say(
            l,
            "summary-outstanding",
            &args([("amount", money(s.outstanding))]),
        ),
    ];
    if !s.top_debtors.is_empty() {
        lines.push(plain(l, "summary-debtors"));
        lines.extend(
            s.top_debtors
                .iter()
                .map(|d| format!("• {}: {}", d.name, d.balance)),
        );
    }
    lines.push(say(
        l,
        "digest-reminders-sent",
        &args([("count", digest.reminders_sent.into())]),
    ));
    if digest.reminded_paid > 0 {
        lines.push(say(
            l,
            "digest-reminded-paid",
            &args([
                ("count", digest.reminded_paid.into()),
                ("amount", money(digest.reminded_paid_amount)),
            ]),
        ));
    }
    lines.push(say(
        l,
        "digest-tomorrow",
        &args([("count", digest.tomorrow_reminders.into())]),
    ));
    lines.push(plain(l, "digest-footer"));
    lines.join("\n")
}

/// The digest as the template's one-line parameter (Meta refuses newlines in a parameter).
pub fn digest_line(digest: &Digest, locale: Locale) -> String {
    let s = &digest.summary;
    let money = |p: crate::money::Paise| text(p.to_string());
    let figures = say(
        locale,
        "digest-line-figures",
        &args([
            ("sales", money(s.sales)),
            ("collections", money(s.collections)),
            ("credit", money(s.new_credit)),
            ("dues", money(s.outstanding)),
        ]),
    );
    let reminders = say(
        locale,
        "digest-line-reminders",
        &args([
            ("sent", digest.reminders_sent.into()),
            ("paid", digest.reminded_paid.into()),
            ("tomorrow", digest.tomorrow_reminders.into()),
        ]),
    );
    let debtors = s
        .top_debtors
        .iter()
        .map(|d| format!("{} {}", d.name, d.balance))
        .collect::<Vec<_>>()
        .join(", ");
    let mut line = format!("{figures} · {reminders}");
    if !debtors.is_empty() {
        line.push_str(" · ");
        line.push_str(&debtors);
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}
