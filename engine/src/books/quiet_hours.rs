//! A shop's quiet hours: the part of its day, to the minute, in which no reminder reaches a customer.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::time::to_millis;

const MINUTES_A_DAY: u16 = 24 * 60;

/// From `from` until `until`, in minutes after the shop's local midnight. A window whose start is
/// later than its end crosses midnight (21:00–09:00, the default); one that starts earlier lies
/// within a day (13:00–15:00). Both ends are different: an empty window is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuietHours {
    from: u16,
    until: u16,
}

/// Quiet hours that cannot be: an end outside the day, equal ends, or text that is no window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("quiet hours are two different times such as 21:00-09:00, not '{0}'")]
pub struct BadQuietHours(pub String);

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            from: 21 * 60,
            until: 9 * 60,
        }
    }
}

impl QuietHours {
    /// The window from minute `from` until minute `until` of the day.
    pub fn new(from: u16, until: u16) -> Result<QuietHours, BadQuietHours> {
        if from >= MINUTES_A_DAY || until >= MINUTES_A_DAY || from == until {
            return Err(BadQuietHours(format!("{}-{}", hhmm(from), hhmm(until))));
        }
        Ok(QuietHours { from, until })
    }

    /// The window between two times of day (seconds are dropped).
    pub fn between(from: NaiveTime, until: NaiveTime) -> Result<QuietHours, BadQuietHours> {
        QuietHours::new(minute_of(from), minute_of(until))
    }

    /// Minutes after midnight the quiet starts.
    pub fn from_minute(self) -> u16 {
        self.from
    }

    /// Minutes after midnight the quiet ends.
    pub fn until_minute(self) -> u16 {
        self.until
    }

    pub fn from_time(self) -> NaiveTime {
        time_of(self.from)
    }

    pub fn until_time(self) -> NaiveTime {
        time_of(self.until)
    }

    /// Whether the window goes through midnight.
    pub fn crosses_midnight(self) -> bool {
        self.from > self.until
    }

    /// Whether `minute` of the day is quiet (the start is, the end is not).
    pub fn contains(self, minute: u16) -> bool {
        if self.crosses_midnight() {
            minute >= self.from || minute < self.until
        } else {
            minute >= self.from && minute < self.until
        }
    }

    /// The first minute of a day that is not quiet.
    fn first_open_minute(self) -> u16 {
        if self.contains(0) { self.until } else { 0 }
    }

    /// When the quiet around `now` ends (unix ms), or `None` when `now` is not quiet in `zone`.
    pub fn ends_after(self, zone: Tz, now: i64) -> Option<i64> {
        let local = crate::time::from_millis(now).with_timezone(&zone);
        let minute = minute_of(local.time());
        if !self.contains(minute) {
            return None;
        }
        let today = local.date_naive();
        let day = if minute < self.until {
            today
        } else {
            today.succ_opt().unwrap_or(today)
        };
        Some(at_minute(zone, day, self.until, now))
    }

    /// The first moment of the shop's day after today's at which a reminder may leave (unix ms):
    /// where a reminder held for the rest of today waits.
    pub fn next_day_opens(self, zone: Tz, now: i64) -> i64 {
        let today = crate::time::from_millis(now)
            .with_timezone(&zone)
            .date_naive();
        let tomorrow = today.succ_opt().unwrap_or(today);
        at_minute(zone, tomorrow, self.first_open_minute(), now)
    }
}

/// `minute` of local `day` as unix ms; a time a clock change skips or repeats is taken at its
/// earliest, and one that does not exist at all an hour after `now`.
fn at_minute(zone: Tz, day: NaiveDate, minute: u16, now: i64) -> i64 {
    let at = day.and_time(time_of(minute));
    zone.from_local_datetime(&at)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(at + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or(now + 3_600_000, |t: DateTime<Tz>| {
            to_millis(t.with_timezone(&Utc))
        })
}

fn minute_of(time: NaiveTime) -> u16 {
    // hour < 24 and minute < 60: at most 1439.
    (time.hour() * 60 + time.minute()) as u16
}

fn time_of(minute: u16) -> NaiveTime {
    NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0).unwrap_or_default()
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

impl fmt::Display for QuietHours {
    /// `21:00-09:00`, as `execora merchant set --quiet-hours` takes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.from), hhmm(self.until))
    }
}

impl FromStr for QuietHours {
    type Err = BadQuietHours;

    /// `HH:MM-HH:MM` (an en dash or "to" between them too).
    fn from_str(text: &str) -> Result<QuietHours, BadQuietHours> {
        let bad = || BadQuietHours(text.to_string());
        let trimmed = text.trim();
        let (from, until) = trimmed
            .split_once('-')
            .or_else(|| trimmed.split_once('–'))
            .or_else(|| trimmed.split_once(" to "))
            .ok_or_else(bad)?;
        let read = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        QuietHours::between(read(from)?, read(until)?).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_read_and_written_to_the_minute() {
        let night: QuietHours = "21:30-08:45".parse().expect("window");
        assert_eq!((night.from_minute(), night.until_minute()), (1290, 525));
        assert!(night.crosses_midnight());
        assert_eq!(night.to_string(), "21:30-08:45");
        assert_eq!(QuietHours::default().to_string(), "21:00-09:00");
        let lunch: QuietHours = " 13:00 – 15:00 ".parse().expect("window");
        assert!(!lunch.crosses_midnight());
        for refused in [
            "",
            "21:00",
            "21:00-21:00",
            "25:00-09:00",
            "9pm-9am",
            "21:00-09:60",
        ] {
            assert!(refused.parse::<QuietHours>().is_err(), "{refused}");
        }
        assert!(QuietHours::new(0, 1440).is_err());
    }

    #[test]
    fn minutes_inside_a_window_are_quiet_whether_it_crosses_midnight_or_not() {
        let night = QuietHours::default();
        assert!(night.contains(21 * 60) && night.contains(0) && night.contains(8 * 60 + 59));
        assert!(!night.contains(9 * 60) && !night.contains(20 * 60 + 59));
        let lunch = QuietHours::new(13 * 60, 15 * 60).expect("window");
        assert!(lunch.contains(13 * 60) && lunch.contains(14 * 60 + 59));
        assert!(!lunch.contains(15 * 60) && !lunch.contains(0) && !lunch.contains(12 * 60));
        assert_eq!(night.first_open_minute(), 9 * 60);
        assert_eq!(lunch.first_open_minute(), 0);
        let late = QuietHours::new(0, 7 * 60).expect("window");
        assert_eq!(late.first_open_minute(), 7 * 60);
    }
}
