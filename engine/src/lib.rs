//! Execora's engine: everything that is true without HTTP, WhatsApp or HTML.

pub mod books;
pub mod money;
pub mod nlu;
pub mod phone;
pub mod quantity;
pub mod reply;
pub mod store;
pub mod time;
