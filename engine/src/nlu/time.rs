//! Days and times said in words (kal shaam 7 baje, 5 tarikh, 2 ghante baad, Monday) resolved against now.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime};

use super::lexicon::{Day, Word};
use super::numbers::read_number;
use super::tokens::Token;

/// A day said without a time is booked at this hour.
const DEFAULT_HOUR: u32 = 10;

/// The day a summary question is about: `kal` and `parso` look back because the question is past tense.
pub fn summary_date(tokens: &[Token<'_>], now: DateTime<FixedOffset>) -> NaiveDate {
    let today = now.date_naive();
    let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
    // "day before yesterday", "3 din pehle", "2 days ago".
    let counted_back = keys
        .windows(3)
        .any(|w| w == ["day", "before", "yesterday"])
        .then_some(2)
        .or_else(|| {
            tokens.windows(3).find_map(|w| {
                let ago = matches!(
                    w[2].key.as_str(),
                    "pehle" | "pahle" | "ago" | "back" | "पहले"
                );
                (w[0].word == Word::Number && w[1].word == Word::DaySpan && ago)
                    .then(|| read_number(w, 0))
                    .flatten()
                    .filter(|n| n.end == 1 && n.milli % 1000 == 0)
                    .map(|n| n.milli / 1000)
            })
        });
    if let Some((date, _)) = named_date_before(tokens, today) {
        return date;
    }
    let back = counted_back.or_else(|| {
        tokens.iter().find_map(|t| match t.word {
            Word::Day(Day::Today) => Some(0),
            Word::Day(Day::Kal | Day::Yesterday) => Some(1),
            Word::Day(Day::Parso) => Some(2),
            Word::Day(Day::Tomorrow) => Some(-1),
            _ => None,
        })
    });
    today
        .checked_sub_signed(Duration::days(back.unwrap_or(0)))
        .unwrap_or(today)
}

/// An hour as said, before it is placed in a part of the day.
#[derive(Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
}

/// The moment a reminder is for, marking the tokens it used in `used`. `None` when no time was said.
pub fn reminder_time(
    tokens: &[Token<'_>],
    used: &mut [bool],
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let today = now.date_naive();
    let mut day: Option<NaiveDate> = None;
    let mut part: Option<u32> = None;
    let mut clock: Option<Clock> = None;
    let mut pm: Option<bool> = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match token.word {
            Word::Day(kind) => {
                let ahead = match kind {
                    Day::Today => 0,
                    Day::Kal | Day::Tomorrow => 1,
                    Day::Parso => 2,
                    // A reminder for yesterday makes no sense; take it as said.
                    Day::Yesterday => -1,
                };
                day = today.checked_add_signed(Duration::days(ahead));
                // "tonight at 8" is 20:00: the night is said with the day.
                if matches!(token.key.as_str(), "tonight" | "tonite" | "2nite") {
                    part.get_or_insert(20);
                }
                mark(used, i);
            }
            Word::Weekday(target) => {
                day = Some(next_weekday(today, target));
                mark(used, i);
            }
            Word::Next => {
                match tokens.get(i + 1).map(|t| t.word) {
                    Some(Word::Week) => {
                        day = today.checked_add_signed(Duration::days(7));
                        mark(used, i + 1);
                    }
                    Some(Word::Month) => {
                        day = today.checked_add_months(chrono::Months::new(1));
                        mark(used, i + 1);
                    }
                    _ => {}
                }
                mark(used, i);
            }
            Word::PartOfDay(hour) => {
                part = Some(hour);
                mark(used, i);
            }
            Word::AmPm(is_pm) => {
                pm = Some(is_pm);
                mark(used, i);
            }
            // "in an hour", "in half an hour", "after a week": one of the span, counted from now.
            Word::Marker
                if matches!(token.key.as_str(), "a" | "an")
                    && let Some(unit) = tokens.get(i + 1).map(|t| t.word)
                    && matches!(unit, Word::Hour | Word::Minute | Word::Week) =>
            {
                let half = i
                    .checked_sub(1)
                    .is_some_and(|b| matches!(tokens[b].key.as_str(), "half" | "aadha"));
                let first = if half { i - 1 } else { i };
                let led = first
                    .checked_sub(1)
                    .is_some_and(|b| leads_span(&tokens[b].key));
                let ended = span_ends(tokens, i + 2);
                if !(led || ended) || (half && unit == Word::Week) {
                    i += 1;
                    continue;
                }
                for k in first..i + 2 {
                    mark(used, k);
                }
                if led {
                    mark(used, first - 1);
                }
                if ended {
                    mark(used, i + 2);
                }
                if unit == Word::Week {
                    day = today.checked_add_signed(Duration::days(7));
                    i += 2;
                    continue;
                }
                let minutes = match (unit, half) {
                    (Word::Hour, true) => 30,
                    (Word::Hour, false) => 60,
                    _ => 1,
                };
                return now.checked_add_signed(Duration::minutes(minutes));
            }
            Word::Baje | Word::Week | Word::Month => mark(used, i),
            // "December 15": the month, then the day.
            Word::MonthName(month)
                if tokens.get(i + 1).is_some_and(|t| t.word == Word::Number)
                    && let Some(num) = read_number(tokens, i + 1)
                    && num.milli % 1000 == 0 =>
            {
                day = u32::try_from(num.milli / 1000)
                    .ok()
                    .and_then(|d| next_date_in_month(today, month, d));
                for k in i..num.end {
                    mark(used, k);
                }
                i = num.end;
                if tokens.get(i).is_some_and(|t| t.word == Word::Tarikh) {
                    mark(used, i);
                    i += 1;
                }
                continue;
            }
            // "day after tomorrow" is parso.
            Word::DaySpan
                if tokens.get(i + 1).is_some_and(|t| t.word == Word::After)
                    && tokens
                        .get(i + 2)
                        .is_some_and(|t| t.word == Word::Day(Day::Tomorrow)) =>
            {
                day = today.checked_add_signed(Duration::days(2));
                for k in i..i + 3 {
                    mark(used, k);
                }
                i += 3;
                continue;
            }
            Word::Number => {
                if let Some(num) = read_number(tokens, i) {
                    let after = tokens.get(num.end).map(|t| t.word);
                    let before = i.checked_sub(1).and_then(|b| tokens.get(b));
                    let whole = num.milli / 1000;
                    let fraction = num.milli % 1000;
                    let as_clock = || {
                        let hour = u32::try_from(whole).ok().filter(|h| *h <= 24)?;
                        let minute = num
                            .clock_minutes
                            .unwrap_or(u32::try_from(fraction * 60 / 1000).unwrap_or(0));
                        Some(Clock { hour, minute })
                    };
                    let consumed = match after {
                        Some(Word::Baje | Word::AmPm(_)) => {
                            clock = as_clock().or(clock);
                            true
                        }
                        Some(Word::Tarikh) if fraction == 0 => {
                            let month = match tokens.get(num.end + 1).map(|t| t.word) {
                                Some(Word::MonthName(m)) => Some(m),
                                _ => None,
                            };
                            day = u32::try_from(whole).ok().and_then(|d| match month {
                                Some(m) => next_date_in_month(today, m, d),
                                None => next_day_of_month(today, d),
                            });
                            mark(used, num.end);
                            if month.is_some() {
                                mark(used, num.end + 1);
                            }
                            true
                        }
                        // "15 December", "15 दिसंबर".
                        Some(Word::MonthName(m)) if fraction == 0 => {
                            day = u32::try_from(whole)
                                .ok()
                                .and_then(|d| next_date_in_month(today, m, d));
                            mark(used, num.end);
                            true
                        }
                        // "3 din baad", "in 4 days": a day, whose hour may still be said. In
                        // "for 800 day after tomorrow" the number is the amount, and the day is
                        // parso's; a span of more than a year is no span a shop says.
                        Some(Word::DaySpan)
                            if fraction == 0
                                && whole <= 366
                                && !tokens
                                    .get(num.end + 2)
                                    .is_some_and(|t| t.word == Word::Day(Day::Tomorrow))
                                && (span_ends(tokens, num.end + 1)
                                    || before.is_some_and(|b| leads_span(&b.key))) =>
                        {
                            day =
                                Duration::try_days(whole).and_then(|d| today.checked_add_signed(d));
                            mark(used, num.end);
                            if span_ends(tokens, num.end + 1) {
                                mark(used, num.end + 1);
                            } else if let Some(b) = i.checked_sub(1) {
                                mark(used, b);
                            }
                            true
                        }
                        // "2 hafte baad", "in 2 weeks": seven days each.
                        Some(Word::Week)
                            if fraction == 0
                                && (span_ends(tokens, num.end + 1)
                                    || before.is_some_and(|b| leads_span(&b.key))) =>
                        {
                            day = whole
                                .checked_mul(7)
                                .and_then(Duration::try_days)
                                .and_then(|d| today.checked_add_signed(d));
                            mark(used, num.end);
                            if span_ends(tokens, num.end + 1) {
                                mark(used, num.end + 1);
                            } else if let Some(b) = i.checked_sub(1) {
                                mark(used, b);
                            }
                            true
                        }
                        Some(Word::Hour | Word::Minute)
                            if span_ends(tokens, num.end + 1)
                                || before.is_some_and(|b| leads_span(&b.key)) =>
                        {
                            let minutes = if after == Some(Word::Hour) {
                                num.milli.saturating_mul(60) / 1000
                            } else {
                                whole
                            };
                            for k in num.start..=num.end + 1 {
                                mark(used, k);
                            }
                            if let Some(b) = i
                                .checked_sub(1)
                                .filter(|_| before.is_some_and(|b| leads_span(&b.key)))
                            {
                                mark(used, b);
                            }
                            // An absurd span ("99999999999 ghante") has no date; say no time rather than panic.
                            return Duration::try_minutes(minutes)
                                .and_then(|span| now.checked_add_signed(span));
                        }
                        _ => {
                            let after_at = before.is_some_and(|b| b.key == "at");
                            let after_part =
                                before.is_some_and(|b| matches!(b.word, Word::PartOfDay(_)));
                            // "shaam 500 ka reminder": the amount. "evening 7 for 500",
                            // "evening 7:30 about 1,800": the hour, then the amount.
                            let money_follows = matches!(after, Some(Word::Currency))
                                || (after == Some(Word::Marker)
                                    && tokens.get(num.end).is_some_and(|t| {
                                        matches!(
                                            t.key.as_str(),
                                            "ka" | "ke" | "ki" | "kaa" | "kee" | "का" | "के" | "की"
                                        )
                                    }));
                            if (after_at || (after_part && !money_follows)) && whole <= 12 {
                                clock = as_clock().or(clock);
                                true
                            } else {
                                false
                            }
                        }
                    };
                    if consumed {
                        for k in num.start..num.end {
                            mark(used, k);
                        }
                        i = num.end;
                        continue;
                    }
                    i = num.end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if day.is_none() && part.is_none() && clock.is_none() {
        return None;
    }
    let mut date = day.unwrap_or(today);
    let (hour, minute) = match clock {
        Some(c) => {
            let (hour, next_day) = place_hour(c.hour, part, pm);
            if next_day {
                date = date.succ_opt().unwrap_or(date);
            }
            (hour, c.minute)
        }
        None => (part.unwrap_or(DEFAULT_HOUR), 0),
    };
    let time = NaiveTime::from_hms_opt(hour, minute, 0)?;
    date.and_time(time)
        .and_local_timezone(*now.offset())
        .single()
}

/// The word before a span that makes it "from now": "in 4 days", "after 3 days", "within 2 hours".
fn leads_span(key: &str) -> bool {
    matches!(key, "in" | "after" | "within")
}

/// The word after a span that makes it "from now": `baad`, `later`, or `mein` ("2 ghante mein").
fn span_ends(tokens: &[Token<'_>], at: usize) -> bool {
    tokens.get(at).is_some_and(|t| {
        t.word == Word::After || matches!(t.key.as_str(), "mein" | "me" | "main" | "में" | "मे")
    })
}

/// "20 November ka hisaab", "Nov 15 ki sale": a day named by its date and month, for a summary
/// the latest such day not after `today`, with the span of tokens that named it.
pub fn named_date_before(
    tokens: &[Token<'_>],
    today: NaiveDate,
) -> Option<(NaiveDate, std::ops::Range<usize>)> {
    let latest = |month: u32, day: i64| {
        let day = u32::try_from(day).ok()?;
        match NaiveDate::from_ymd_opt(today.year(), month, day) {
            Some(date) if date <= today => Some(date),
            _ => NaiveDate::from_ymd_opt(today.year() - 1, month, day),
        }
    };
    let whole_day = |at: usize| {
        read_number(tokens, at).filter(|n| n.milli % 1000 == 0 && (1..=31_000).contains(&n.milli))
    };
    (0..tokens.len()).find_map(|i| match tokens[i].word {
        Word::Number => {
            let num = whole_day(i)?;
            let month = match tokens.get(num.end).map(|t| t.word) {
                Some(Word::MonthName(m)) => m,
                _ => return None,
            };
            Some((latest(month, num.milli / 1000)?, i..num.end + 1))
        }
        Word::MonthName(month) if tokens.get(i + 1).is_some_and(|t| t.word == Word::Number) => {
            let num = whole_day(i + 1)?;
            Some((latest(month, num.milli / 1000)?, i..num.end))
        }
        _ => None,
    })
}

/// The next `day` of `month` from today on (this year, else the next).
fn next_date_in_month(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    match NaiveDate::from_ymd_opt(today.year(), month, day) {
        Some(date) if date >= today => Some(date),
        _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day),
    }
}

fn mark(used: &mut [bool], at: usize) {
    if let Some(slot) = used.get_mut(at) {
        *slot = true;
    }
}

/// Puts a spoken hour into the part of the day said with it (`shaam 7` is 19:00). With neither a
/// part of day nor am/pm, 1–7 are taken as afternoon/evening: shops remind customers in working hours.
/// The flag is true when the hour falls after midnight (`raat 2 baje`).
fn place_hour(hour: u32, part: Option<u32>, pm: Option<bool>) -> (u32, bool) {
    let hour = hour.min(24);
    if hour >= 13 {
        return (hour % 24, hour == 24);
    }
    match (pm, part) {
        (Some(true), _) => (if hour == 12 { 12 } else { hour + 12 }, false),
        (Some(false), _) => (if hour == 12 { 0 } else { hour }, false),
        (None, Some(9)) => (hour, false),
        (None, Some(13)) => (if hour <= 6 { hour + 12 } else { hour }, false),
        (None, Some(18)) => (if hour == 12 { 12 } else { hour + 12 }, false),
        (None, Some(_)) => match hour {
            12 => (0, true),
            0..=4 => (hour, true),
            5..=11 => (hour + 12, false),
            _ => (hour, false),
        },
        (None, None) => (
            if (1..=7).contains(&hour) {
                hour + 12
            } else {
                hour
            },
            false,
        ),
    }
}

/// The next date (after today) that falls on `weekday` (0 = Monday).
fn next_weekday(today: NaiveDate, weekday: u32) -> NaiveDate {
    let current = today.weekday().num_days_from_monday();
    let ahead = (weekday + 7 - current) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today
        .checked_add_signed(Duration::days(i64::from(ahead)))
        .unwrap_or(today)
}

/// The next date with day-of-month `day`: later this month, else the first later month that has it.
fn next_day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    if !(1..=31).contains(&day) {
        return None;
    }
    if day > today.day()
        && let Some(date) = today.with_day(day)
    {
        return Some(date);
    }
    let first = today.with_day(1)?;
    (1..=12).find_map(|months| {
        first
            .checked_add_months(chrono::Months::new(months))
            .and_then(|m| m.with_day(day))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").unwrap_or_default()
    }

    fn at(text: &str) -> Option<String> {
        let mut tokens = tokenize(text);
        if let Some(day) = tokens.iter_mut().find(|t| t.key == "day") {
            // What `rules::disambiguate` does before a reminder is read.
            day.word = Word::DaySpan;
        }
        let mut used = vec![false; tokens.len()];
        reminder_time(&tokens, &mut used, now()).map(|t| t.to_rfc3339())
    }

    #[test]
    fn resolves_spoken_times() {
        for (text, expected) in [
            ("kal shaam 7 baje", Some("2026-11-23T19:00:00+05:30")),
            ("parso subah", Some("2026-11-24T09:00:00+05:30")),
            ("Monday ko", Some("2026-11-23T10:00:00+05:30")),
            ("5 tarikh", Some("2026-12-05T10:00:00+05:30")),
            ("30 tarikh", Some("2026-11-30T10:00:00+05:30")),
            ("2 ghante baad", Some("2026-11-22T12:00:00+05:30")),
            ("raat 8 baje", Some("2026-11-22T20:00:00+05:30")),
            ("agle hafte", Some("2026-11-29T10:00:00+05:30")),
            ("tomorrow at 6 pm", Some("2026-11-23T18:00:00+05:30")),
            ("kal saade 7 baje shaam", Some("2026-11-23T19:30:00+05:30")),
            ("kal 10:30 baje", Some("2026-11-23T10:30:00+05:30")),
            ("in 2 hours", Some("2026-11-22T12:00:00+05:30")),
            ("30 minute baad", Some("2026-11-22T10:30:00+05:30")),
            ("3 din baad shaam 7 baje", Some("2026-11-25T19:00:00+05:30")),
            ("10 din baad subah", Some("2026-12-02T09:00:00+05:30")),
            ("in 4 days", Some("2026-11-26T10:00:00+05:30")),
            ("2 दिन बाद", Some("2026-11-24T10:00:00+05:30")),
            (
                "day after tomorrow evening",
                Some("2026-11-24T18:00:00+05:30"),
            ),
            ("1 ghante mein", Some("2026-11-22T11:00:00+05:30")),
            ("2 din mein", Some("2026-11-24T10:00:00+05:30")),
            ("15 December ko", Some("2026-12-15T10:00:00+05:30")),
            ("on 15th december", Some("2026-12-15T10:00:00+05:30")),
            ("December 15 at 5 pm", Some("2026-12-15T17:00:00+05:30")),
            ("5 जनवरी", Some("2027-01-05T10:00:00+05:30")),
            ("500 ka", None),
            ("99999999999 ghante baad", None),
            ("99 tarikh", None),
            ("kal 25 baje", Some("2026-11-23T10:00:00+05:30")),
        ] {
            assert_eq!(at(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn summary_days_look_back() {
        assert_eq!(
            summary_date(&tokenize("kal ka hisaab"), now()).to_string(),
            "2026-11-21"
        );
        assert_eq!(
            summary_date(&tokenize("परसों"), now()).to_string(),
            "2026-11-20"
        );
        assert_eq!(
            summary_date(&tokenize("aaj"), now()).to_string(),
            "2026-11-22"
        );
    }

    #[test]
    fn skips_months_without_the_day() {
        let nov = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        assert_eq!(
            next_day_of_month(nov, 31).map(|d| d.to_string()).as_deref(),
            Some("2026-12-31")
        );
        assert_eq!(next_day_of_month(nov, 0), None);
    }
}
