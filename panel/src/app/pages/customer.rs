//! `GET /panel/customers/{id}`: one customer's balance and ledger statement (running balance, pages), and the form that records a payment.
//!
//! The payment form carries a fresh idempotency key, drawn when the page is rendered: a
//! double-clicked, resubmitted or back-button-and-again form sends the same key and is booked
//! once (the engine replays the stored outcome). After the POST the browser is sent back to the
//! page (303), which says what happened.

use std::str::FromStr;

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::{self, Secret};
use execora_engine::books::{BooksError, CustomerId, EntryId, Origin, Source, StatementLine};
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::reply::{
    Locale, entry_kind_label, format_when, label, label_with, signed_amount,
};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use super::{balance_text, books_error};
use crate::app::BASE;
use crate::app::layout::{self, Nav};
use crate::app::session::Signed;

/// Statement lines on one page.
const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    /// Continue with entries older than this one.
    before: Option<i64>,
    /// A payment of this many paise was just booked.
    paid: Option<i64>,
    /// The form had been booked before: nothing new was written.
    replayed: Option<u8>,
    /// The form was refused for its amount.
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PaymentForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    mode: String,
    /// The idempotency key drawn with the form.
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

fn customer_path(id: i64) -> String {
    format!("{BASE}/customers/{id}")
}

/// A path's customer id; anything that is not a number is simply not found.
fn customer_id(text: &str) -> Option<CustomerId> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(CustomerId)
}

fn mode_label(locale: Locale, mode: PaymentMode) -> String {
    label(
        locale,
        match mode {
            PaymentMode::Cash => "panel-mode-cash",
            PaymentMode::Upi => "panel-mode-upi",
            PaymentMode::Card => "panel-mode-card",
            PaymentMode::Bank => "panel-mode-bank",
            PaymentMode::Cheque => "panel-mode-cheque",
        },
    )
}

pub(crate) async fn page(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let locale = signed.locale();
    let Some(id) = customer_id(&id) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let customer = match books.customer(id).await {
        Ok(customer) => customer,
        Err(error) => return books_error(locale, error),
    };
    let statement = match books
        .statement(id, PER_PAGE, query.before.map(EntryId))
        .await
    {
        Ok(statement) => statement,
        Err(error) => return books_error(locale, error),
    };
    let key = match Secret::new() {
        Ok(key) => key,
        Err(error) => {
            tracing::error!(%error, "no randomness for a form key");
            return layout::unavailable(locale);
        }
    };
    let notice = match (query.paid, query.replayed, query.error.as_deref()) {
        (Some(paid), _, _) => Some((
            "notice",
            label_with(
                locale,
                "panel-payment-booked",
                &[
                    ("amount", Paise::new(paid).to_string()),
                    ("balance", customer.balance.to_string()),
                ],
            ),
        )),
        (_, Some(_), _) => Some(("notice", label(locale, "panel-payment-replayed"))),
        (_, _, Some(_)) => Some(("error", label(locale, "panel-invalid-amount"))),
        _ => None,
    };
    let zone = books.zone();
    let modes = PaymentMode::ALL
        .into_iter()
        .map(|mode| view! { <option value=mode.as_str()>{mode_label(locale, mode)}</option> })
        .collect_view();
    let lines = statement_table(&statement.lines, locale, zone);
    let older = statement.next_before.map(|before| {
        view! {
            <a href=format!("{}?before={before}", customer_path(id.0))>
                {label(locale, "panel-older-entries")}
            </a>
        }
    });
    let newest = query.before.is_some().then(|| {
        view! { <a href=customer_path(id.0)>{label(locale, "panel-newest-entries")}</a> }
    });
    let title = customer.name.clone();
    let body = view! {
        <h1>{customer.name}</h1>
        <p class="balance">{balance_text(locale, customer.balance)}</p>
        {customer.phone.map(|p| view! { <p class="phone">{p.to_string()}</p> })}
        {notice.map(|(class, text)| view! { <p class=class role="status">{text}</p> })}
        <section>
            <h2>{label(locale, "panel-record-payment")}</h2>
            <form method="post" action=format!("{}/payments", customer_path(id.0)) class="stack">
                <input type="hidden" name="csrf" value=signed.csrf.clone()/>
                <input type="hidden" name="key" value=key.as_str().to_string()/>
                <label for="amount">{label(locale, "panel-amount-label")}</label>
                <input id="amount" name="amount" type="text" inputmode="decimal" required
                    maxlength="20" autocomplete="off"/>
                <label for="mode">{label(locale, "panel-mode-label")}</label>
                <select id="mode" name="mode">{modes}</select>
                <button type="submit">{label(locale, "panel-save-payment")}</button>
            </form>
        </section>
        <section>
            <h2>{label(locale, "panel-statement-heading")}</h2>
            {lines}
            <nav class="pager">{newest}{older}</nav>
        </section>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Elsewhere, title, body)
}

fn statement_table(lines: &[StatementLine], locale: Locale, zone: chrono_tz::Tz) -> AnyView {
    if lines.is_empty() {
        return view! { <p class="muted">{label(locale, "panel-no-entries")}</p> }.into_any();
    }
    let rows = lines
        .iter()
        .map(|line| {
            let entry = &line.entry;
            let when = format_when(local(from_millis(entry.created_at), zone), locale);
            let what = match entry.mode {
                Some(mode) => format!(
                    "{} · {}",
                    entry_kind_label(entry.kind, locale),
                    mode_label(locale, mode)
                ),
                None => entry_kind_label(entry.kind, locale),
            };
            let what = match &entry.note {
                Some(note) => format!("{what} — {note}"),
                None => what,
            };
            view! {
                <tr>
                    <td class="date">{when}</td>
                    <td>{what}</td>
                    <td class="amount">{signed_amount(entry.amount)}</td>
                    <td class="amount">{line.balance_after.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list statement">
            <thead>
                <tr>
                    <th scope="col">{label(locale, "panel-col-date")}</th>
                    <th scope="col">{label(locale, "panel-col-entry")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-amount")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-balance")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// `POST /panel/customers/{id}/payments`: books the payment through the engine, keyed by the
/// form's key, and sends the browser back to the customer's page.
pub(crate) async fn record_payment(
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<PaymentForm>,
) -> Response {
    let locale = signed.locale();
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let Some(id) = customer_id(&id) else {
        return layout::not_found(locale);
    };
    if !access::is_token(&form.key) {
        return crate::app::session::refused_form(locale);
    }
    let back = customer_path(id.0);
    let Ok(amount) = Paise::from_str(form.amount.trim()) else {
        return Redirect::to(&format!("{back}?error=amount")).into_response();
    };
    let origin = Origin::keyed(Source::Panel, format!("panel:{}", form.key))
        .by(signed.session.phone.as_str());
    let mode = PaymentMode::parse(&form.mode);
    match signed.books.record_payment(id, amount, mode, &origin).await {
        Ok(booked) if booked.replayed => {
            Redirect::to(&format!("{back}?replayed=1")).into_response()
        }
        Ok(booked) => {
            tracing::info!(
                merchant = %signed.session.merchant,
                customer = %id,
                operation = %booked.operation.0,
                "panel payment booked"
            );
            Redirect::to(&format!("{back}?paid={}", booked.value.amount.as_i64())).into_response()
        }
        Err(BooksError::InvalidAmount(_)) => {
            Redirect::to(&format!("{back}?error=amount")).into_response()
        }
        Err(BooksError::KeyReused) => crate::app::session::refused_form(locale),
        Err(error) => books_error(locale, error),
    }
}
