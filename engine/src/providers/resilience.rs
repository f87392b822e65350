//! Timeouts, retries and the circuit breaker that every provider call goes through.
//!
//! Hand-written rather than tower's timeout/retry layers or a crate such as failsafe: one policy
//! for four small clients is about a hundred lines here, while the crates would bring their own
//! error types, a layer stack per client and a second way of classifying failures. The breaker
//! takes the time as an argument, so its tests use a made-up clock.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::ProviderError;

/// How hard to try one provider. Built by the binary; [`Default`] suits a chat reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResilienceConfig {
    /// The longest one attempt may take, connection included.
    pub timeout: Duration,
    /// Further attempts after a passing failure (connection trouble, 408, 429, 5xx, timeout).
    pub retries: u32,
    /// The wait before the first retry; it doubles for each further one.
    pub backoff: Duration,
    /// Consecutive failed calls that open the breaker; 0 never opens it.
    pub breaker_failures: u32,
    /// How long an open breaker refuses calls before letting one trial call through.
    pub breaker_cooldown: Duration,
}

impl Default for ResilienceConfig {
    /// 20 s per attempt (a minute-long voice note can take several seconds to transcribe),
    /// 2 retries from 300 ms, and 5 failed calls open the breaker for 30 s.
    fn default() -> Self {
        ResilienceConfig {
            timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(300),
            breaker_failures: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// No retry waits longer than this: a server asking for more is better left alone, and the
/// merchant is waiting for the reply.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

/// One failed attempt, and how long the server asked us to wait before the next.
#[derive(Debug)]
pub(crate) struct Failure {
    pub error: ProviderError,
    pub retry_after: Option<Duration>,
}

impl From<ProviderError> for Failure {
    fn from(error: ProviderError) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

impl ProviderError {
    /// Whether the same request may succeed a moment later.
    fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::Transient { .. } | ProviderError::Timeout(_)
        )
    }

    /// What the breaker makes of a call that ended with this error. A refused request says
    /// nothing about the provider's health (a corrupt note, a bad key), so it is neutral.
    fn health(&self) -> Health {
        match self {
            ProviderError::Rejected { .. } | ProviderError::TooLong { .. } => Health::Unknown,
            ProviderError::Unavailable(_) => Health::Unknown,
            ProviderError::Timeout(_)
            | ProviderError::Transient { .. }
            | ProviderError::Invalid(_) => Health::Failing,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Working,
    Failing,
    Unknown,
}

/// The policy for one provider, shared by all its calls.
pub(crate) struct Resilient {
    name: &'static str,
    config: ResilienceConfig,
    breaker: Mutex<Breaker>,
}

impl Resilient {
    pub fn new(name: &'static str, config: ResilienceConfig) -> Self {
        Resilient {
            name,
            config,
            breaker: Mutex::new(Breaker::new(
                config.breaker_failures,
                config.breaker_cooldown,
            )),
        }
    }

    /// Runs `attempt` under the timeout, retrying passing failures with exponential backoff
    /// (or the server's Retry-After, when longer), unless the breaker is open.
    pub async fn call<T, F, Fut>(&self, mut attempt: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let started = Instant::now();
        let trial = match self.breaker().admit(started) {
            Admission::Pass => false,
            Admission::Trial => true,
            Admission::Refused { retry_in } => {
                metrics::counter!(crate::metrics::PROVIDER_ERRORS, "provider" => self.name)
                    .increment(1);
                return Err(ProviderError::Unavailable(format!(
                    "{} failed repeatedly; the next try is in {} s",
                    self.name,
                    retry_in.as_secs().max(1)
                )));
            }
        };
        // A trial after an open breaker gets one attempt: it only asks whether the provider is back.
        let attempts = if trial {
            1
        } else {
            self.config.retries.saturating_add(1)
        };
        let mut number = 0;
        let result = loop {
            number += 1;
            let failure = match tokio::time::timeout(self.config.timeout, attempt()).await {
                Ok(Ok(value)) => break Ok(value),
                Ok(Err(failure)) => failure,
                Err(_) => Failure::from(ProviderError::Timeout(self.config.timeout)),
            };
            if !failure.error.is_retryable() || number >= attempts {
                break Err(failure.error);
            }
            let Some(delay) = self.delay(number, failure.retry_after) else {
                break Err(failure.error);
            };
            tracing::warn!(
                provider = self.name,
                attempt = number,
                error = %failure.error,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "provider call failed; retrying"
            );
            tokio::time::sleep(delay).await;
        };
        let health = match &result {
            Ok(_) => Health::Working,
            // A trial only asks whether the provider answers; a refusal is an answer.
            Err(error) if trial && error.health() == Health::Unknown => Health::Working,
            Err(error) => error.health(),
        };
        let open = {
            let mut breaker = self.breaker();
            breaker.record(health, Instant::now());
            breaker.open_until.is_some()
        };
        metrics::histogram!(crate::metrics::PROVIDER_SECONDS, "provider" => self.name)
            .record(started.elapsed().as_secs_f64());
        if result.is_err() {
            metrics::counter!(crate::metrics::PROVIDER_ERRORS, "provider" => self.name)
                .increment(1);
        }
        metrics::gauge!(crate::metrics::BREAKER_OPEN, "provider" => self.name).set(if open {
            1.0
        } else {
            0.0
        });
        result
    }

    /// The wait before retry `number` (1-based): backoff doubling each time, at least what the
    /// server asked for. `None` when the server asks for longer than we will wait.
    fn delay(&self, number: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let factor = 2u32.saturating_pow(number.saturating_sub(1));
        let backoff = self
            .config
            .backoff
            .saturating_mul(factor)
            .min(MAX_RETRY_DELAY);
        match retry_after {
            Some(asked) if asked > MAX_RETRY_DELAY => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        // The breaker's fields are updated together under the lock; a panic elsewhere cannot
        // leave them inconsistent, so a poisoned lock is still good.
        self.breaker.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admission {
    Pass,
    /// The breaker's cooldown is over: this call finds out whether the provider is back.
    Trial,
    Refused {
        retry_in: Duration,
    },
}

/// Counts consecutive failed calls; at the threshold it opens for the cooldown. When the
/// cooldown ends one call goes through as a trial and the breaker re-arms for another cooldown,
/// so a trial that never reports (its caller gave up) cannot keep the breaker shut for good.
#[derive(Debug)]
struct Breaker {
    threshold: u32,
    cooldown: Duration,
    failures: u32,
    open_until: Option<Instant>,
}

impl Breaker {
    fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker {
            threshold,
            cooldown,
            failures: 0,
            open_until: None,
        }
    }

    fn admit(&mut self, now: Instant) -> Admission {
        match self.open_until {
            None => Admission::Pass,
            Some(until) if now < until => Admission::Refused {
                retry_in: until - now,
            },
            Some(_) => {
                self.open_until = Some(now + self.cooldown);
                Admission::Trial
            }
        }
    }

    fn record(&mut self, health: Health, now: Instant) {
        match health {
            Health::Working => {
                self.failures = 0;
                self.open_until = None;
            }
            Health::Failing => {
                self.failures = self.failures.saturating_add(1);
                if self.threshold > 0 && self.failures >= self.threshold {
                    self.open_until = Some(now + self.cooldown);
                }
            }
            Health::Unknown => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn transient() -> Failure {
        Failure::from(ProviderError::Transient {
            status: Some(503),
            message: "busy".into(),
        })
    }

    fn quick(retries: u32) -> ResilienceConfig {
        ResilienceConfig {
            timeout: Duration::from_secs(5),
            retries,
            backoff: Duration::from_millis(1),
            breaker_failures: 3,
            breaker_cooldown: Duration::from_secs(60),
        }
    }

    #[test]
    fn the_breaker_opens_after_consecutive_failures_then_lets_one_trial_through() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut breaker = Breaker::new(3, Duration::from_secs(30));
        for s in 0..2 {
            assert_eq!(breaker.admit(at(s)), Admission::Pass);
            breaker.record(Health::Failing, at(s));
        }
        // A success in between starts the count again.
        breaker.record(Health::Working, at(2));
        for s in 3..6 {
            assert_eq!(breaker.admit(at(s)), Admission::Pass);
            breaker.record(Health::Failing, at(s));
        }
        assert_eq!(
            breaker.admit(at(6)),
            Admission::Refused {
                retry_in: Duration::from_secs(29)
            }
        );
        assert!(matches!(breaker.admit(at(34)), Admission::Refused { .. }));
        // Cooldown over: one trial, the others still refused while it runs.
        assert_eq!(breaker.admit(at(35)), Admission::Trial);
        assert!(matches!(breaker.admit(at(36)), Admission::Refused { .. }));
        // The trial fails: open for another cooldown.
        breaker.record(Health::Failing, at(37));
        assert!(matches!(breaker.admit(at(66)), Admission::Refused { .. }));
        assert_eq!(breaker.admit(at(67)), Admission::Trial);
        // This trial succeeds: closed.
        breaker.record(Health::Working, at(68));
        assert_eq!(breaker.admit(at(68)), Admission::Pass);
        breaker.record(Health::Failing, at(69));
        assert_eq!(
            breaker.admit(at(69)),
            Admission::Pass,
            "the count restarted"
        );
    }

    #[test]
    fn a_trial_that_never_reports_does_not_keep_the_breaker_shut() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut breaker = Breaker::new(1, Duration::from_secs(10));
        breaker.record(Health::Failing, at(0));
        assert_eq!(breaker.admit(at(10)), Admission::Trial);
        // The trial's caller was cancelled: nothing is recorded.
        assert!(matches!(breaker.admit(at(15)), Admission::Refused { .. }));
        assert_eq!(breaker.admit(at(20)), Admission::Trial);
    }

    #[test]
    fn refused_requests_neither_count_nor_clear() {
        let start = Instant::now();
        let mut breaker = Breaker::new(2, Duration::from_secs(10));
        breaker.record(Health::Failing, start);
        breaker.record(Health::Unknown, start);
        breaker.record(Health::Failing, start);
        assert!(matches!(breaker.admit(start), Admission::Refused { .. }));
        let mut never = Breaker::new(0, Duration::from_secs(10));
        for _ in 0..100 {
            never.record(Health::Failing, start);
        }
        assert_eq!(never.admit(start), Admission::Pass, "0 never opens");
    }

    #[tokio::test]
    async fn passing_failures_are_retried_and_refusals_are_not() {
        let resilient = Resilient::new("test", quick(2));
        let calls = AtomicU32::new(0);
        let result = resilient
            .call(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(transient())
                } else {
                    Ok("heard")
                }
            })
            .await;
        assert_eq!(result, Ok("heard"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let result: Result<(), _> = resilient
            .call(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure::from(ProviderError::Rejected {
                    status: Some(400),
                    message: "bad audio".into(),
                }))
            })
            .await;
        assert!(matches!(result, Err(ProviderError::Rejected { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let result: Result<(), _> = resilient
            .call(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(transient())
            })
            .await;
        assert!(matches!(result, Err(ProviderError::Transient { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3, "1 try + 2 retries");
    }

    #[tokio::test]
    async fn each_attempt_is_bounded_by_the_timeout() {
        let config = ResilienceConfig {
            timeout: Duration::from_millis(50),
            ..quick(1)
        };
        let resilient = Resilient::new("test", config);
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = resilient
            .call(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            })
            .await;
        assert_eq!(result, Err(ProviderError::Timeout(config.timeout)));
        assert_eq!(calls.load(Ordering::SeqCst), 2, "a timeout is retried");
    }

    #[tokio::test]
    async fn retry_after_is_honoured_unless_it_is_too_long() {
        let resilient = Resilient::new("test", quick(1));
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let result = resilient
            .call(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(Failure {
                        retry_after: Some(Duration::from_millis(80)),
                        ..transient()
                    })
                } else {
                    Ok(())
                }
            })
            .await;
        assert_eq!(result, Ok(()));
        assert!(started.elapsed() >= Duration::from_millis(80));

        let calls = AtomicU32::new(0);
        let result: Result<(), _> = resilient
            .call(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure {
                    retry_after: Some(Duration::from_secs(3600)),
                    ..transient()
                })
            })
            .await;
        assert!(matches!(result, Err(ProviderError::Transient { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let resilient = Resilient::new(
            "test",
            ResilienceConfig {
                backoff: Duration::from_millis(300),
                ..quick(10)
            },
        );
        assert_eq!(resilient.delay(1, None), Some(Duration::from_millis(300)));
        assert_eq!(resilient.delay(2, None), Some(Duration::from_millis(600)));
        assert_eq!(resilient.delay(3, None), Some(Duration::from_millis(1200)));
        assert_eq!(resilient.delay(30, None), Some(MAX_RETRY_DELAY));
        assert_eq!(
            resilient.delay(1, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(resilient.delay(1, Some(Duration::from_secs(11))), None);
    }

    #[tokio::test]
    async fn an_open_breaker_fails_fast_without_calling() {
        let resilient = Resilient::new("test", quick(0));
        let calls = AtomicU32::new(0);
        for _ in 0..3 {
            let result: Result<(), _> = resilient
                .call(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(transient())
                })
                .await;
            assert!(matches!(result, Err(ProviderError::Transient { .. })));
        }
        let result: Result<(), _> = resilient
            .call(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(matches!(result, Err(ProviderError::Unavailable(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_refusal_on_the_trial_call_closes_the_breaker() {
        let config = ResilienceConfig {
            breaker_failures: 1,
            breaker_cooldown: Duration::from_millis(50),
            ..quick(0)
        };
        let resilient = Resilient::new("test", config);
        let failed: Result<(), _> = resilient.call(|| async { Err(transient()) }).await;
        assert!(matches!(failed, Err(ProviderError::Transient { .. })));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let trial: Result<(), _> = resilient
            .call(|| async {
                Err(Failure::from(ProviderError::Rejected {
                    status: Some(401),
                    message: "bad key".into(),
                }))
            })
            .await;
        assert!(matches!(trial, Err(ProviderError::Rejected { .. })));
        let next = resilient.call(|| async { Ok(()) }).await;
        assert_eq!(next, Ok(()), "the provider answered, so the breaker closed");
    }
}
