//! The WhatsApp Cloud API door: the webhook (authenticity, payloads, routes that store what
//! arrives), the inbound worker that answers, the sender that delivers through the Graph API,
//! and our message templates.

pub mod digest;
pub mod graph;
pub mod inbound;
pub mod outbound;
pub mod payload;
pub mod reminders;
pub mod signature;
pub mod templates;
pub mod voice;
pub mod webhook;
