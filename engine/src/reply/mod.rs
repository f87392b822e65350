//! Replies to merchants, rendered from the Fluent files in templates/ in the merchant's language.
mod locale;
pub use locale::Locale;
