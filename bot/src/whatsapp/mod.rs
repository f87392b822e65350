//! The WhatsApp Cloud API door: the Graph API client and webhook authenticity (routes come next).

pub mod graph;
pub mod signature;
