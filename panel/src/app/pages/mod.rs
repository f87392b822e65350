//! The panel's pages, one module each: load what the page shows from the engine, then render it.

pub(crate) mod admin;
pub(crate) mod bills;
pub(crate) mod chat;
pub(crate) mod conversations;
pub(crate) mod customer;
pub(crate) mod customer_actions;
pub(crate) mod customers;
pub(crate) mod dashboard;
pub(crate) mod forms;
pub(crate) mod products;
pub(crate) mod reminders;
pub(crate) mod rights;
pub(crate) mod settings;
pub(crate) mod settings_policy;
pub(crate) mod statement;

use axum::http::HeaderMap;
use axum::response::Response;
use execora_engine::books::BooksError;
use execora_engine::money::Paise;
use execora_engine::reply::{Locale, label, label_with};

use super::layout;
use super::session::browser_locale;

/// Any path under `/panel` that is not a page.
pub(crate) async fn not_found(headers: HeaderMap) -> Response {
    layout::not_found(browser_locale(&headers))
}

/// A books error as a page answers it: what is not found — which includes every row of another
/// shop — is a 404; anything else is logged and a 503 that says nothing more.
pub(crate) fn books_error(locale: Locale, error: BooksError) -> Response {
    match error {
        BooksError::CustomerNotFound(_)
        | BooksError::ProductNotFound(_)
        | BooksError::InvoiceNotFound(_)
        | BooksError::ReminderNotFound(_)
        | BooksError::MerchantNotFound(_) => layout::not_found(locale),
        other => {
            tracing::error!(error = %other, "panel page could not be read");
            layout::unavailable(locale)
        }
    }
}

/// "Owes ₹1,500", "Advance ₹200" or "Settled".
pub(crate) fn balance_text(locale: Locale, balance: Paise) -> String {
    if balance.is_positive() {
        label_with(locale, "panel-owes", &[("amount", balance.to_string())])
    } else if balance.is_negative() {
        label_with(
            locale,
            "panel-advance",
            &[("amount", balance.abs().to_string())],
        )
    } else {
        label(locale, "panel-settled")
    }
}
