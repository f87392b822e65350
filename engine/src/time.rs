//! Time: an injectable clock, UTC storage as unix milliseconds, and the merchant's local day.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone a merchant is assumed to be in unless configured otherwise.
pub const DEFAULT_TIMEZONE: &str = "Asia/Kolkata";

/// Where "now" comes from. Tests pin it; the service reads the system clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(ManualClock {
            millis: AtomicI64::new(start.timestamp_millis()),
        })
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.millis
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    pub fn set(&self, at: DateTime<Utc>) {
        self.millis.store(at.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        from_millis(self.millis.load(Ordering::SeqCst))
    }
}

/// Stored form of an instant.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// An instant from its stored form; out-of-range values clamp to the epoch rather than panic.
pub fn from_millis(millis: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Why a time zone name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone '{0}' (use an IANA name such as Asia/Kolkata)")]
pub struct UnknownZone(pub String);

/// Parses an IANA zone name.
pub fn parse_zone(name: &str) -> Result<Tz, UnknownZone> {
    name.parse::<Tz>()
        .map_err(|_| UnknownZone(name.chars().take(60).collect()))
}

/// `at` as seen on the merchant's wall clock, with its offset (what the parser calls "now").
pub fn local(at: DateTime<Utc>, zone: Tz) -> DateTime<FixedOffset> {
    let local = at.with_timezone(&zone);
    local.with_timezone(&local.offset().fix())
}

/// The UTC instants [start, end) of a local calendar day, in stored form.
pub fn day_bounds(date: NaiveDate, zone: Tz) -> (i64, i64) {
    let start_of = |d: NaiveDate| -> i64 {
        let midnight = d.and_time(NaiveTime::MIN);
        // A zone may skip midnight on a DST change; the earliest valid instant that day is the start.
        let start = zone
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| midnight.and_utc());
        to_millis(start)
    };
    let next = date.succ_opt().unwrap_or(date);
    (start_of(date), start_of(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_in_india_starts_at_1830_utc_the_day_before() {
        let zone = parse_zone("Asia/Kolkata").ok();
        let Some(zone) = zone else {
            panic!("Asia/Kolkata must parse")
        };
        let date = NaiveDate::from_ymd_opt(2026, 11, 22);
        let Some(date) = date else {
            panic!("valid date")
        };
        let (start, end) = day_bounds(date, zone);
        assert_eq!(from_millis(start).to_rfc3339(), "2026-11-21T18:30:00+00:00");
        assert_eq!(end - start, 24 * 3600 * 1000);
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn local_time_carries_the_merchant_offset() {
        let zone = chrono_tz::Asia::Kolkata;
        let at = from_millis(1_795_000_000_000);
        assert_eq!(local(at, zone).offset().local_minus_utc(), 19_800);
    }
}
