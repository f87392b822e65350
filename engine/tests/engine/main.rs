//! The engine's integration tests: one binary, each books test run on SQLite and PostgreSQL.

mod support;

mod audio;
mod bad_input;
mod books;
mod check;
mod concurrency;
mod dialog;
mod digest;
mod isolation;
mod messages;
mod migration_race;
mod onboarding;
mod properties;
mod recordings;
mod reminders;
mod rights;
mod send_budget;
mod senders;
mod trust;
mod understanding;
mod upgrade;
mod wakeups;
mod warm_up;
mod writer;
