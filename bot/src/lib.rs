//! The `execora` service around the engine: configuration, the HTTP service and the WhatsApp
//! Cloud API door. The binary (`main.rs`, `cli.rs`, `chat.rs`) wires them together.

pub mod config;
pub mod http;
pub mod metrics;
pub mod startup;
pub mod supervisor;
pub mod whatsapp;
