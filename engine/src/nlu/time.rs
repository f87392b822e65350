//! When something should happen or did happen: aaj/kal/parso, weekdays, N tarikh, subah/dopahar/shaam/raat,
//! N baje, N ghante baad, resolved against the merchant's "now".

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};

use super::numbers::read_number;
use super::tokens::Token;

/// A time read from the message, and which tokens said it (so they are not taken as amounts).
#[derive(Debug, Clone, Default)]
pub struct Said {
    pub at: Option<DateTime<FixedOffset>>,
    pub used: Vec<usize>,
}

fn part_of_day(word: &str) -> Option<u32> {
    Some(match word {
        "subah" | "subha" | "savere" | "sawere" | "morning" | "सुबह" | "सवेरे" => {
            9
        }
        "dopahar" | "dopehar" | "dupahar" | "dophar" | "afternoon" | "noon" | "दोपहर" => {
            13
        }
        "shaam" | "sham" | "shyam" | "evening" | "शाम" => 18,
        "raat" | "rat" | "night" | "tonight" | "रात" => 20,
        _ => return None,
    })
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "monday" | "somvar" | "somwar" | "सोमवार" | "mon" => Weekday::Mon,
        "tuesday" | "mangalvar" | "mangalwar" | "मंगलवार" | "tue" => Weekday::Tue,
        "wednesday" | "budhvar" | "budhwar" | "बुधवार" | "wed" => Weekday::Wed,
        "thursday" | "guruvar" | "guruwar" | "brihaspativar" | "गुरुवार" | "thu" => {
            Weekday::Thu
        }
        "friday" | "shukravar" | "shukrawar" | "शुक्रवार" | "fri" => Weekday::Fri,
        "saturday" | "shanivar" | "shaniwar" | "शनिवार" | "sat" => Weekday::Sat,
        "sunday" | "ravivar" | "raviwar" | "itwar" | "इतवार" | "रविवार" | "sun" => {
            Weekday::Sun
        }
        _ => return None,
    })
}

/// Days from today named by a relative day word, looking forward (reminders) or back (summaries).
fn day_word(word: &str, past: bool) -> Option<i64> {
    let offset = match word {
        "aaj" | "aj" | "today" | "आज" | "abhi" => 0,
        "kal" | "कल" => 1,
        "tomorrow" => return (!past).then_some(1),
        "yesterday" | "yesterday's" => return past.then_some(-1),
        "parso" | "parson" | "parsoon" | "परसों" | "परसो" => 2,
        _ => return None,
    };
    Some(if past { -offset } else { offset })
}

fn is_next(word: &str) -> bool {
    matches!(word, "agle" | "agla" | "next" | "अगले" | "अगला")
}

fn is_week(word: &str) -> bool {
    matches!(word, "hafte" | "hafta" | "week" | "हफ्ते" | "हफ़्ते" | "सप्ताह")
}

fn is_oclock(word: &str) -> bool {
    matches!(word, "baje" | "bje" | "baj" | "बजे" | "o'clock" | "oclock")
}

fn is_hours(word: &str) -> bool {
    matches!(
        word,
        "ghante" | "ghanta" | "घंटे" | "घंटा" | "hours" | "hour" | "hrs" | "hr"
    )
}

fn is_minutes(word: &str) -> bool {
    matches!(word, "minute" | "minutes" | "min" | "mins" | "मिनट")
}

fn is_later(word: &str) -> bool {
    matches!(word, "baad" | "bad" | "later" | "बाद" | "mein" | "me")
}

fn is_date_word(word: &str) -> bool {
    matches!(
        word,
        "tarikh" | "tareekh" | "tarik" | "tarakh" | "तारीख" | "date"
    )
}

/// The next date (after today) that has day-of-month `day`.
fn next_day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    let mut year = today.year();
    let mut month = today.month();
    if day > today.day()
        && let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
    {
        return Some(date);
    }
    for _ in 0..12 {
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            return Some(date);
        }
    }
    None
}

/// When a reminder should go out; `at` is `None` when no time was said at all.
pub fn reminder_time(tokens: &[Token], now: DateTime<FixedOffset>) -> Said {
    let today = now.date_naive();
    let mut said = Said::default();
    let mut date: Option<NaiveDate> = None;
    let mut part: Option<u32> = None;
    let mut hour: Option<(u32, u32)> = None;
    let mut pm: Option<bool> = None;
    for (i, token) in tokens.iter().enumerate() {
        let word = token.low.as_str();
        let next = tokens.get(i + 1).map(|t| t.low.as_str()).unwrap_or("");
        if let Some(offset) = day_word(word, false) {
            date = Some(today + Duration::days(offset));
            said.used.push(i);
        } else if is_next(word) && is_week(next) {
            date = Some(today + Duration::days(7));
            said.used.extend([i, i + 1]);
        } else if let Some(day) = weekday(word) {
            let ahead = (7 + day.num_days_from_monday() as i64
                - today.weekday().num_days_from_monday() as i64)
                % 7;
            date = Some(today + Duration::days(if ahead == 0 { 7 } else { ahead }));
            said.used.push(i);
        } else if let Some(h) = part_of_day(word) {
            part = Some(h);
            said.used.push(i);
        } else if matches!(word, "pm" | "p.m") {
            pm = Some(true);
            said.used.push(i);
        } else if matches!(word, "am" | "a.m") {
            pm = Some(false);
            said.used.push(i);
        } else if let Some(n) =
            read_number(tokens, i).filter(|n| n.start == i && n.milli % 1000 == 0)
        {
            let value = n.milli / 1000;
            let after = tokens.get(n.end).map(|t| t.low.as_str()).unwrap_or("");
            let after2 = tokens.get(n.end + 1).map(|t| t.low.as_str()).unwrap_or("");
            if (is_hours(after) || is_minutes(after)) && (is_later(after2) || after2.is_empty()) {
                let amount = if is_hours(after) {
                    Duration::hours(value)
                } else {
                    Duration::minutes(value)
                };
                said.at = Some(now + amount);
                said.used.extend(n.start..(n.end + 2).min(tokens.len()));
                return said;
            }
            if is_date_word(after) && (1..=31).contains(&value) {
                date = next_day_of_month(today, value as u32);
                said.used.extend(n.start..=n.end);
            } else if ((is_oclock(after) || matches!(after, "pm" | "am"))
                && (0..=23).contains(&value))
                || (i > 0 && tokens[i - 1].low == "at" && (1..=12).contains(&value))
            {
                hour = Some((value as u32, 0));
                said.used.extend(n.start..n.end);
            }
        } else if let Some((h, m)) = word.split_once(':')
            && let (Ok(h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>())
            && h < 24
            && m < 60
        {
            hour = Some((h, m));
            said.used.push(i);
        }
    }
    if date.is_none() && part.is_none() && hour.is_none() {
        return said;
    }
    let (mut h, minute) = hour.unwrap_or((part.unwrap_or(10), 0));
    if hour.is_some() {
        match (pm, part) {
            (Some(true), _) if h < 12 => h += 12,
            (Some(false), _) if h == 12 => h = 0,
            (None, Some(13)) if h < 11 => h += 12,
            (None, Some(18)) if h < 12 => h += 12,
            (None, Some(20)) if (5..12).contains(&h) => h += 12,
            _ => {}
        }
    }
    let day = date.unwrap_or(today);
    let time = NaiveTime::from_hms_opt(h, minute, 0).unwrap_or(NaiveTime::MIN);
    said.at = now
        .offset()
        .from_local_datetime(&day.and_time(time))
        .single();
    said
}

/// The local date a summary question is about: aaj (default), kal = yesterday, parso = two days ago.
pub fn summary_date(tokens: &[Token], now: DateTime<FixedOffset>) -> NaiveDate {
    let today = now.date_naive();
    tokens
        .iter()
        .find_map(|t| day_word(&t.low, true))
        .map_or(today, |offset| today + Duration::days(offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").expect("valid")
    }

    fn at(text: &str) -> Option<String> {
        reminder_time(&tokenize(text), now())
            .at
            .map(|t| t.to_rfc3339())
    }

    #[test]
    fn resolves_reminder_times() {
        assert_eq!(
            at("kal shaam 7 baje").as_deref(),
            Some("2026-11-23T19:00:00+05:30")
        );
        assert_eq!(
            at("Monday ko").as_deref(),
            Some("2026-11-23T10:00:00+05:30")
        );
        assert_eq!(
            at("5 tarikh ko").as_deref(),
            Some("2026-12-05T10:00:00+05:30")
        );
        assert_eq!(
            at("30 tarikh").as_deref(),
            Some("2026-11-30T10:00:00+05:30")
        );
        assert_eq!(
            at("parso subah").as_deref(),
            Some("2026-11-24T09:00:00+05:30")
        );
        assert_eq!(
            at("agle hafte").as_deref(),
            Some("2026-11-29T10:00:00+05:30")
        );
        assert_eq!(
            at("raat 8 baje").as_deref(),
            Some("2026-11-22T20:00:00+05:30")
        );
        assert_eq!(
            at("tomorrow at 6 pm").as_deref(),
            Some("2026-11-23T18:00:00+05:30")
        );
        assert_eq!(
            at("2 ghante baad").as_deref(),
            Some("2026-11-22T12:00:00+05:30")
        );
        assert_eq!(
            at("kal dopahar 2 baje").as_deref(),
            Some("2026-11-23T14:00:00+05:30")
        );
        assert_eq!(
            at("Sunday").as_deref(),
            Some("2026-11-29T10:00:00+05:30"),
            "today is Sunday: the next one"
        );
        assert_eq!(at("500 ka reminder"), None);
    }

    #[test]
    fn summary_days_look_back() {
        let date = |text: &str| summary_date(&tokenize(text), now()).to_string();
        assert_eq!(date("aaj kitna sale hua"), "2026-11-22");
        assert_eq!(date("kal ka hisaab"), "2026-11-21");
        assert_eq!(date("परसों कितनी बिक्री"), "2026-11-20");
        assert_eq!(date("what were yesterday's sales"), "2026-11-21");
    }
}
