//! Execora web panel: server-rendered pages over the engine — the customer's public pay page and the shop's panel under `/panel`.

pub mod app;
mod html;
pub mod pay;

pub use app::{LoginLimits, PanelConfig};
pub use pay::{pay_url, routes};
