//! The WhatsApp Cloud API door: the Graph API client and the webhook (authenticity,
//! payloads, routes that store what arrives). Processing and sending workers come next.

pub mod graph;
pub mod inbound;
pub mod outbound;
pub mod payload;
pub mod signature;
pub mod webhook;
