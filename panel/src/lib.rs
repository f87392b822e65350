//! Execora web panel: server-rendered pages over the engine; so far the customer's public pay page.

mod html;
pub mod pay;

pub use pay::{pay_url, routes};
