//! The names of the metrics the engine records (through the `metrics` facade; the binary exports them).
//!
//! Without an installed recorder every recording is a no-op, so the engine's tests and tools
//! pay nothing for them.

/// Histogram: seconds a provider call took, retries included (`provider`).
pub const PROVIDER_SECONDS: &str = "execora_provider_call_seconds";
/// Counter: provider calls that failed after their retries, or were refused by an open breaker.
pub const PROVIDER_ERRORS: &str = "execora_provider_errors_total";
/// Gauge: 1 while a provider's circuit breaker is open.
pub const BREAKER_OPEN: &str = "execora_provider_breaker_open";
/// Counter: messages understood, by `path`: `rules`, `model`, or `asked` (not confident).
pub const PARSES: &str = "execora_parses_total";
/// Counter: reminders by `outcome`: `sent`, `settled`, `failed`, `needs_review`, `retried`.
pub const REMINDERS: &str = "execora_reminders_total";
