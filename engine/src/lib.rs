//! Execora's engine: everything that is true without HTTP, WhatsApp or HTML.

pub mod access;
pub mod audio;
pub mod books;
pub mod claimants;
pub mod conversations;
pub mod demo;
pub mod dialog;
pub mod inbox;
pub mod messages;
pub mod metrics;
pub mod money;
pub mod nlu;
pub mod onboarding;
pub mod phone;
pub mod pipeline;
pub mod providers;
pub mod quantity;
pub mod queues;
pub mod recordings;
pub mod reply;
pub mod rights;
pub mod send_budget;
pub mod senders;
pub mod store;
pub mod time;
pub mod upi;
