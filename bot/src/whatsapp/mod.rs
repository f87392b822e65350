//! The WhatsApp Cloud API door: the Graph API client (and, next, the webhook).

pub mod graph;
