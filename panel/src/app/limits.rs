//! Login rate limits: per client address and per phone number, in memory (governor).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How many login requests are let through.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Login form posts (asking for a code, entering it) from one address: this many at once…
    pub per_ip_burst: u32,
    /// …and one more every this long.
    pub per_ip_every: Duration,
    /// Codes asked for one phone: this many at once…
    pub per_phone_burst: u32,
    /// …and one more every this long.
    pub per_phone_every: Duration,
}

impl Default for LoginLimits {
    /// 30 posts from an address, then one every 20 s; 3 codes for a phone, then one every
    /// 5 minutes (a code lives 5 minutes and allows 5 tries, so a guesser gets about 5 tries
    /// per 5 minutes per phone at best).
    fn default() -> Self {
        LoginLimits {
            per_ip_burst: 30,
            per_ip_every: Duration::from_secs(20),
            per_phone_burst: 3,
            per_phone_every: Duration::from_secs(300),
        }
    }
}

/// Beyond this many remembered keys, keys whose limit has recovered are forgotten.
const REMEMBERED_KEYS: usize = 10_000;

pub(crate) struct Limiters {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_phone: DefaultKeyedRateLimiter<String>,
}

fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Limiters {
    pub(crate) fn new(limits: &LoginLimits) -> Limiters {
        Limiters {
            per_ip: RateLimiter::keyed(quota(limits.per_ip_burst, limits.per_ip_every)),
            per_phone: RateLimiter::keyed(quota(limits.per_phone_burst, limits.per_phone_every)),
        }
    }

    /// Whether another login post from `ip` may go through now (counts it).
    pub(crate) fn allow_ip(&self, ip: IpAddr) -> bool {
        if self.per_ip.len() > REMEMBERED_KEYS {
            self.per_ip.retain_recent();
        }
        self.per_ip.check_key(&ip).is_ok()
    }

    /// Whether another code may be sent to `phone` now (counts it).
    pub(crate) fn allow_phone(&self, phone: &str) -> bool {
        if self.per_phone.len() > REMEMBERED_KEYS {
            self.per_phone.retain_recent();
        }
        self.per_phone.check_key(&phone.to_string()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_gets_its_burst_and_then_waits() {
        let limiters = Limiters::new(&LoginLimits::default());
        let allowed: Vec<bool> = (0..5)
            .map(|_| limiters.allow_phone("919812345678"))
            .collect();
        assert_eq!(allowed, [true, true, true, false, false]);
        assert!(
            limiters.allow_phone("919800000000"),
            "another phone has its own"
        );
    }

    #[test]
    fn an_address_gets_its_burst_and_then_waits() {
        let limiters = Limiters::new(&LoginLimits {
            per_ip_burst: 2,
            ..LoginLimits::default()
        });
        let ip = IpAddr::from([10, 0, 0, 1]);
        assert!(limiters.allow_ip(ip));
        assert!(limiters.allow_ip(ip));
        assert!(!limiters.allow_ip(ip));
        assert!(limiters.allow_ip(IpAddr::from([10, 0, 0, 2])));
    }
}
