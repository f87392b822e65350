//! The WhatsApp Cloud API door: the Graph API client and webhook authenticity and payloads (routes come next).

pub mod graph;
pub mod payload;
pub mod signature;
