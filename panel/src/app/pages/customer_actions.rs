//! The customer page's bookings besides a payment: add udhaar, and schedule a reminder or send one now — each keyed by its form, so a resubmitted form books once.

use std::str::FromStr;

use axum::extract::{Form, Path};
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::books::{BooksError, CustomerId};
use execora_engine::money::Paise;
use execora_engine::time::to_millis;
use serde::Deserialize;

use super::books_error;
use super::forms::{checked_origin, local_instant, path_id};
use crate::app::BASE;
use crate::app::layout;
use crate::app::session::{Signed, refused_form};

#[derive(Debug, Deserialize)]
pub(crate) struct CreditForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReminderForm {
    /// The local day and time (shop's zone); ignored when `now` is set.
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    /// Empty asks for the balance at sending time.
    #[serde(default)]
    amount: String,
    /// Send now rather than at a time.
    #[serde(default)]
    now: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

fn back(id: CustomerId, query: &str) -> Response {
    Redirect::to(&format!("{BASE}/customers/{id}?{query}")).into_response()
}

/// `POST /panel/customers/{id}/credits`: udhaar on the customer's account, with an optional note.
pub(crate) async fn add_credit(
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<CreditForm>,
) -> Response {
    let locale = signed.locale();
    let origin = match checked_origin(&signed, &form.csrf, &form.key) {
        Ok(origin) => origin,
        Err(refused) => return *refused,
    };
    let Some(id) = path_id(&id).map(CustomerId) else {
        return layout::not_found(locale);
    };
    let Ok(amount) = Paise::from_str(form.amount.trim()) else {
        return back(id, "error=amount");
    };
    let note = Some(form.note.trim()).filter(|n| !n.is_empty());
    match signed.books.add_credit(id, amount, note, &origin).await {
        Ok(booked) if booked.replayed => back(id, "again=credit"),
        Ok(booked) => {
            tracing::info!(
                merchant = %signed.session.merchant,
                customer = %id,
                operation = %booked.operation.0,
                "panel udhaar booked"
            );
            back(id, &format!("credited={}", booked.value.amount.as_i64()))
        }
        Err(BooksError::InvalidAmount(_)) => back(id, "error=amount"),
        Err(BooksError::InvalidNote(_)) => back(id, "error=note"),
        Err(BooksError::KeyReused) => refused_form(locale),
        Err(error) => books_error(locale, error),
    }
}

/// `POST /panel/customers/{id}/reminders`: a payment reminder at a local time, or now (the
/// sender takes it on its next round), for an amount or for the balance when it goes.
pub(crate) async fn schedule_reminder(
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<ReminderForm>,
) -> Response {
    let locale = signed.locale();
    let origin = match checked_origin(&signed, &form.csrf, &form.key) {
        Ok(origin) => origin,
        Err(refused) => return *refused,
    };
    let Some(id) = path_id(&id).map(CustomerId) else {
        return layout::not_found(locale);
    };
    let amount = match form.amount.trim() {
        "" => None,
        text => match Paise::from_str(text) {
            Ok(amount) => Some(amount),
            Err(_) => return back(id, "error=amount"),
        },
    };
    let due_at = if form.now.is_empty() {
        match local_instant(&form.date, &form.time, signed.books.zone()) {
            Some(at) => at,
            None => return back(id, "error=when"),
        }
    } else {
        to_millis(signed.books.now())
    };
    match signed
        .books
        .schedule_reminder(id, amount, due_at, &origin)
        .await
    {
        Ok(booked) if booked.replayed => back(id, "again=reminder"),
        Ok(booked) => {
            tracing::info!(
                merchant = %signed.session.merchant,
                customer = %id,
                reminder = %booked.value.id,
                "panel reminder scheduled"
            );
            back(id, &format!("scheduled={}", booked.value.id))
        }
        Err(BooksError::InvalidAmount(_)) => back(id, "error=amount"),
        Err(BooksError::ReminderInPast) => back(id, "error=when"),
        Err(BooksError::KeyReused) => refused_form(locale),
        Err(error) => books_error(locale, error),
    }
}
