//! Execora's engine: everything that is true without HTTP, WhatsApp or HTML.

pub mod audio;
pub mod books;
pub mod demo;
pub mod dialog;
pub mod messages;
pub mod money;
pub mod nlu;
pub mod phone;
pub mod pipeline;
pub mod quantity;
pub mod reply;
pub mod store;
pub mod time;
