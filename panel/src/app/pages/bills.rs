//! `GET /panel/bills`: the shop's bills (by customer, by status), one bill with its lines and the message it was booked from, and cancelling it through the engine's rule for staff.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::books::{
    BooksError, CancelRefused, CustomerId, InvoiceId, InvoiceStatus, InvoiceSummary, SourceMessage,
};
use execora_engine::reply::{Locale, format_when, label, label_with};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use super::books_error;
use super::forms::{checked_origin, new_key, path_id};
use crate::app::BASE;
use crate::app::layout::{self, Nav};
use crate::app::session::{Signed, refused_form};

/// Bills on one page of the list.
const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    /// Only this customer's bills.
    #[serde(default)]
    customer: String,
    /// `issued` or `cancelled`; anything else is both.
    #[serde(default)]
    status: String,
    /// Continue with bills older than this one.
    before: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DetailQuery {
    /// 1: just cancelled; `again`: the form had been sent before; `already`: was cancelled.
    #[serde(default)]
    done: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CancelForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

fn bill_path(id: InvoiceId) -> String {
    format!("{BASE}/bills/{id}")
}

fn status_label(locale: Locale, bill: &InvoiceSummary) -> String {
    label(
        locale,
        if bill.cancelled {
            "panel-bill-cancelled"
        } else {
            "panel-bill-issued"
        },
    )
}

pub(crate) async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let locale = signed.locale();
    let customer = path_id(&query.customer).map(CustomerId);
    // The whole shop's bill list is the owner's, as on WhatsApp; staff see a customer's bills.
    if customer.is_none() && !signed.is_owner() {
        return signed.owner_only();
    }
    let status = InvoiceStatus::parse(&query.status);
    let books = &signed.books;
    let customer_name = match customer {
        Some(id) => match books.customer(id).await {
            Ok(found) => Some(found.name),
            Err(error) => return books_error(locale, error),
        },
        None => None,
    };
    let before = query.before.filter(|b| *b > 0).map(InvoiceId);
    let bills = match books
        .invoices_in(customer, status, PER_PAGE + 1, before)
        .await
    {
        Ok(bills) => bills,
        Err(error) => return books_error(locale, error),
    };
    let more = bills.len() as i64 > PER_PAGE;
    let bills: Vec<_> = bills.into_iter().take(PER_PAGE as usize).collect();
    let filter = format!(
        "customer={}&status={}",
        customer.map(|c| c.0.to_string()).unwrap_or_default(),
        status.map(InvoiceStatus::as_str).unwrap_or_default()
    );
    let older = bills.last().filter(|_| more).map(|last| {
        view! {
            <a href=format!("{BASE}/bills?{filter}&before={}", last.id)>
                {label(locale, "panel-next-page")}
            </a>
        }
    });
    let zone = signed.books.zone();
    let rows = bills
        .iter()
        .map(|bill| {
            let when = format_when(local(from_millis(bill.created_at), zone), locale);
            // A customer's name filters the list to their bills.
            let who = match (bill.customer, bill.customer_name.clone()) {
                (Some(customer), Some(name)) => view! {
                    <a href=format!("{BASE}/bills?customer={customer}")>{name}</a>
                }
                .into_any(),
                _ => view! { <span>{label(locale, "panel-bill-counter")}</span> }.into_any(),
            };
            view! {
                <tr>
                    <td><a href=bill_path(bill.id)>{format!("#{}", bill.number)}</a></td>
                    <td class="date">{when}</td>
                    <td>{who}</td>
                    <td>{status_label(locale, bill)}</td>
                    <td class="amount">{bill.total.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if bills.is_empty() {
        view! { <p class="muted">{label(locale, "panel-no-bills")}</p> }.into_any()
    } else {
        view! {
            <table class="list">
                <thead>
                    <tr>
                        <th scope="col">{label(locale, "panel-col-bill")}</th>
                        <th scope="col">{label(locale, "panel-col-date")}</th>
                        <th scope="col">{label(locale, "panel-col-name")}</th>
                        <th scope="col">{label(locale, "panel-col-status")}</th>
                        <th scope="col" class="amount">{label(locale, "panel-col-amount")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let title = match &customer_name {
        Some(name) => label_with(locale, "panel-bills-of", &[("name", name.clone())]),
        None => label(locale, "panel-bills-heading"),
    };
    let choice = |value: &'static str, id: &'static str| {
        let selected = status.map(InvoiceStatus::as_str).unwrap_or_default() == value;
        view! { <option value=value selected=selected>{label(locale, id)}</option> }
    };
    let body = view! {
        <h1>{title.clone()}</h1>
        <form method="get" action=format!("{BASE}/bills") class="filter">
            {customer.map(|c| view! { <input type="hidden" name="customer" value=c.0.to_string()/> })}
            <label for="status">{label(locale, "panel-col-status")}</label>
            <select id="status" name="status">
                {choice("", "panel-bills-all")}
                {choice("issued", "panel-bill-issued")}
                {choice("cancelled", "panel-bill-cancelled")}
            </select>
            <button type="submit">{label(locale, "panel-filter-button")}</button>
        </form>
        {customer.map(|c| view! {
            <p class="links">
                <a href=format!("{BASE}/customers/{c}")>{customer_name.clone()}</a>
                {signed.is_owner().then(|| view! {
                    <a href=format!("{BASE}/bills")>{label(locale, "panel-bills-all")}</a>
                })}
            </p>
        })}
        {table}
        <nav class="pager">{older}</nav>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Bills, title, body)
}

fn source_view(locale: Locale, zone: chrono_tz::Tz, source: SourceMessage) -> impl IntoView {
    let when = format_when(local(from_millis(source.created_at), zone), locale);
    let (kind, text) = if source.kind == "audio" {
        (
            label(locale, "panel-source-voice"),
            source.transcript.unwrap_or_default(),
        )
    } else {
        (label(locale, "panel-source-text"), source.body)
    };
    view! {
        <section>
            <h2>{label(locale, "panel-source-heading")}</h2>
            <p class="muted">{format!("{kind} · {when}")}</p>
            <blockquote class="said">{text}</blockquote>
        </section>
    }
}

/// `GET /panel/bills/{id}`.
pub(crate) async fn detail(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    let locale = signed.locale();
    let Some(id) = path_id(&id).map(InvoiceId) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let (bill, lines) = match books.invoice(id).await {
        Ok(found) => found,
        Err(error) => return books_error(locale, error),
    };
    let source = match books.invoice_source(id).await {
        Ok(source) => source,
        Err(error) => return books_error(locale, error),
    };
    let key = match new_key(&signed) {
        Ok(key) => key,
        Err(unavailable) => return *unavailable,
    };
    let zone = books.zone();
    let notice = match query.done.as_str() {
        "1" => Some(label(locale, "panel-bill-cancel-done")),
        "again" => Some(label(locale, "panel-bill-cancel-replayed")),
        "already" => Some(label(locale, "panel-bill-cancel-already")),
        _ => None,
    };
    let rows = lines
        .into_iter()
        .map(|line| {
            view! {
                <tr>
                    <td>{line.name}</td>
                    <td class="amount">{format!("{} {}", line.qty, line.unit)}</td>
                    <td class="amount">{line.unit_price.to_string()}</td>
                    <td class="amount">{line.total.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let when = format_when(local(from_millis(bill.created_at), zone), locale);
    let who = match (bill.customer, bill.customer_name.clone()) {
        (Some(customer), Some(name)) => view! {
            <a href=format!("{BASE}/customers/{customer}")>{name}</a>
        }
        .into_any(),
        _ => view! { <span>{label(locale, "panel-bill-counter")}</span> }.into_any(),
    };
    let cancel = (!bill.cancelled && signed.may_act()).then(|| {
        view! {
            <form method="post" action=format!("{}/cancel", bill_path(id)) class="stack">
                <input type="hidden" name="csrf" value=signed.csrf.clone()/>
                <input type="hidden" name="key" value=key/>
                <button type="submit" class="danger">{label(locale, "panel-bill-cancel")}</button>
            </form>
        }
    });
    let title = label_with(
        locale,
        "panel-bill-title",
        &[("number", bill.number.to_string())],
    );
    let body = view! {
        <h1>{title.clone()}</h1>
        {notice.map(|text| view! { <p class="notice" role="status">{text}</p> })}
        <dl class="facts">
            <dt>{label(locale, "panel-col-date")}</dt><dd>{when}</dd>
            <dt>{label(locale, "panel-col-name")}</dt><dd>{who}</dd>
            <dt>{label(locale, "panel-col-status")}</dt><dd>{status_label(locale, &bill)}</dd>
        </dl>
        <table class="list">
            <thead>
                <tr>
                    <th scope="col">{label(locale, "panel-col-item")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-qty")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-rate")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-amount")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
            <tfoot>
                <tr>
                    <th scope="row" colspan="3">{label(locale, "panel-bill-total")}</th>
                    <td class="amount total">{bill.total.to_string()}</td>
                </tr>
            </tfoot>
        </table>
        {source.map(|source| source_view(locale, zone, source))}
        {cancel}
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Bills, title, body)
}

/// `POST /panel/bills/{id}/cancel`: staff only their own bill inside the shop's window (the
/// books' rule), booked with the form's key so a resubmitted form cancels once.
pub(crate) async fn cancel(
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let locale = signed.locale();
    let origin = match checked_origin(&signed, &form.csrf, &form.key) {
        Ok(origin) => origin,
        Err(refused) => return *refused,
    };
    let Some(id) = path_id(&id).map(InvoiceId) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let bill = match books.invoice(id).await {
        Ok((bill, _)) => bill,
        Err(error) => return books_error(locale, error),
    };
    let phone = signed.session.phone.as_str();
    match books
        .cancel_refusal(&bill, signed.session.role, phone)
        .await
    {
        Ok(None) => {}
        Ok(Some(refused)) => return cancel_refused(&signed, refused),
        Err(error) => return books_error(locale, error),
    }
    let done = match books.cancel_invoice(id, &origin).await {
        Ok(booked) if booked.replayed => "again",
        Ok(booked) => {
            tracing::info!(
                merchant = %signed.session.merchant,
                invoice = %id,
                operation = %booked.operation.0,
                "panel bill cancelled"
            );
            "1"
        }
        Err(BooksError::InvoiceAlreadyCancelled(_)) => "already",
        Err(BooksError::KeyReused) => return refused_form(locale),
        Err(error) => return books_error(locale, error),
    };
    Redirect::to(&format!("{}?done={done}", bill_path(id))).into_response()
}

fn cancel_refused(signed: &Signed, refused: CancelRefused) -> Response {
    let locale = signed.locale();
    let text = match refused {
        CancelRefused::OthersBill { number } => label_with(
            locale,
            "panel-cancel-others-bill",
            &[("number", number.to_string())],
        ),
        CancelRefused::OldBill {
            number,
            window_minutes,
        } => label_with(
            locale,
            "panel-cancel-old-bill",
            &[
                ("number", number.to_string()),
                ("hours", (window_minutes / 60).to_string()),
                ("minutes", (window_minutes % 60).to_string()),
            ],
        ),
    };
    let body = view! { <h1>{text.clone()}</h1> };
    layout::signed_page(StatusCode::FORBIDDEN, signed, Nav::Bills, text, body)
}
