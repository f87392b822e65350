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
use execora_engine::access;
use execora_engine::books::{
    BooksError, CustomerId, EntryId, Origin, Reminder, Source, StatementLine,
};
use execora_engine::money::{Paise, PaymentMode};
use execora_engine::reply::{
    Locale, entry_kind_label, format_when, label, label_with, signed_amount,
};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use super::forms::{day, day_range, new_key};
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
    /// A form was refused: `amount`, `note` or `when`.
    error: Option<String>,
    /// Udhaar of this many paise was just booked.
    credited: Option<i64>,
    /// This reminder was just scheduled.
    scheduled: Option<i64>,
    /// A reminder was just cancelled (1) or could no longer be (0).
    cancelled: Option<u8>,
    /// The udhaar (`credit`) or reminder (`reminder`) form had been booked before.
    again: Option<String>,
    /// The customer was just deleted (their anonymised record is what the page shows).
    deleted: Option<u8>,
    /// The statement's date filter: local days, both included.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
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
    let (from, to) = (day(&query.from), day(&query.to));
    let range = day_range(from, to, books.zone());
    let statement = match books
        .statement_in(id, range, PER_PAGE, query.before.map(EntryId))
        .await
    {
        Ok(statement) => statement,
        Err(error) => return books_error(locale, error),
    };
    let pending = match books.pending_reminders(Some(id)).await {
        Ok(pending) => pending,
        Err(error) => return books_error(locale, error),
    };
    let keys = (
        new_key(&signed),
        new_key(&signed),
        new_key(&signed),
        new_key(&signed),
    );
    let (key, credit_key, reminder_key, now_key) = match keys {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => (a, b, c, d),
        _ => return layout::unavailable(locale),
    };
    let notice = action_notice(locale, &query).or(
        match (query.paid, query.replayed, query.error.as_deref()) {
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
        },
    );
    let zone = books.zone();
    let modes = PaymentMode::ALL
        .into_iter()
        .map(|mode| view! { <option value=mode.as_str()>{mode_label(locale, mode)}</option> })
        .collect_view();
    let lines = statement_table(&statement.lines, locale, zone);
    // The date filter rides along on every statement link.
    let filter: String = [("from", from), ("to", to)]
        .into_iter()
        .filter_map(|(name, day)| day.map(|d| format!("&{name}={d}")))
        .collect();
    let older = statement.next_before.map(|before| {
        view! {
            <a href=format!("{}?before={before}{filter}", customer_path(id.0))>
                {label(locale, "panel-older-entries")}
            </a>
        }
    });
    // `?from=…&to=…`, or nothing without a filter.
    let query_string = match filter.trim_start_matches('&') {
        "" => String::new(),
        rest => format!("?{rest}"),
    };
    let newest = query.before.is_some().then(|| {
        view! {
            <a href=format!("{}{query_string}", customer_path(id.0))>
                {label(locale, "panel-newest-entries")}
            </a>
        }
    });
    let csv_link = format!("{}/statement.csv{query_string}", customer_path(id.0));
    let print_link = format!("{}/statement/print{query_string}", customer_path(id.0));
    let reminders = reminders_section(&signed, id, pending, reminder_key, now_key);
    let rights = super::rights::section(&signed, id);
    let csrf = signed.csrf.clone();
    // An operator reads the customer; the booking forms are not theirs.
    let booking_forms = signed.may_act().then(|| {
        view! {
            <section>
                <h2>{label(locale, "panel-record-payment")}</h2>
                <form method="post" action=format!("{}/payments", customer_path(id.0)) class="stack">
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <input type="hidden" name="key" value=key/>
                    <label for="amount">{label(locale, "panel-amount-label")}</label>
                    <input id="amount" name="amount" type="text" inputmode="decimal" required
                        maxlength="20" autocomplete="off"/>
                    <label for="mode">{label(locale, "panel-mode-label")}</label>
                    <select id="mode" name="mode">{modes}</select>
                    <button type="submit">{label(locale, "panel-save-payment")}</button>
                </form>
            </section>
            <section>
                <h2>{label(locale, "panel-add-credit")}</h2>
                <form method="post" action=format!("{}/credits", customer_path(id.0)) class="stack">
                    <input type="hidden" name="csrf" value=csrf/>
                    <input type="hidden" name="key" value=credit_key/>
                    <label for="credit-amount">{label(locale, "panel-amount-label")}</label>
                    <input id="credit-amount" name="amount" type="text" inputmode="decimal" required
                        maxlength="20" autocomplete="off"/>
                    <label for="credit-note">{label(locale, "panel-note-label")}</label>
                    <input id="credit-note" name="note" type="text" maxlength="500" autocomplete="off"/>
                    <button type="submit">{label(locale, "panel-save-credit")}</button>
                </form>
            </section>
        }
    });
    let title = customer.name.clone();
    let body = view! {
        <h1>{customer.name}</h1>
        <p class="balance">{balance_text(locale, customer.balance)}</p>
        {customer.phone.map(|p| view! { <p class="phone">{p.to_string()}</p> })}
        {notice.map(|(class, text)| view! { <p class=class role="status">{text}</p> })}
        {booking_forms}
        {reminders}
        <section>
            <h2>{label(locale, "panel-statement-heading")}</h2>
            <form method="get" action=customer_path(id.0) class="filter">
                <label for="from">{label(locale, "panel-from-label")}</label>
                <input id="from" name="from" type="date" value=from.map(|d| d.to_string()).unwrap_or_default()/>
                <label for="to">{label(locale, "panel-to-label")}</label>
                <input id="to" name="to" type="date" value=to.map(|d| d.to_string()).unwrap_or_default()/>
                <button type="submit">{label(locale, "panel-filter-button")}</button>
            </form>
            <p class="links">
                <a href=csv_link download>{label(locale, "panel-statement-csv")}</a>
                <a href=print_link>{label(locale, "panel-statement-print")}</a>
                <a href=format!("{BASE}/bills?customer={}", id.0)>{label(locale, "panel-customer-bills")}</a>
            </p>
            {lines}
            <nav class="pager">{newest}{older}</nav>
        </section>
        {rights}
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Elsewhere, title, body)
}

pub(crate) fn statement_table(
    lines: &[StatementLine],
    locale: Locale,
    zone: chrono_tz::Tz,
) -> AnyView {
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

/// What the udhaar, reminder and cancel forms came to, said at the top of the page.
fn action_notice(locale: Locale, query: &PageQuery) -> Option<(&'static str, String)> {
    if query.deleted.is_some() {
        return Some(("notice", label(locale, "panel-rights-done")));
    }
    if let Some(paise) = query.credited {
        return Some((
            "notice",
            label_with(
                locale,
                "panel-credit-booked",
                &[("amount", Paise::new(paise).to_string())],
            ),
        ));
    }
    if query.scheduled.is_some() {
        return Some(("notice", label(locale, "panel-reminder-scheduled")));
    }
    match query.cancelled {
        Some(1) => return Some(("notice", label(locale, "panel-reminder-cancelled"))),
        Some(_) => return Some(("error", label(locale, "panel-reminder-not-cancelled"))),
        None => {}
    }
    match query.again.as_deref() {
        Some("credit") => return Some(("notice", label(locale, "panel-credit-replayed"))),
        Some(_) => return Some(("notice", label(locale, "panel-reminder-replayed"))),
        None => {}
    }
    match query.error.as_deref() {
        Some("note") => Some(("error", label(locale, "panel-invalid-note"))),
        Some("when") => Some(("error", label(locale, "panel-invalid-when"))),
        _ => None,
    }
}

/// The customer's reminders not yet sent (each with a cancel button for the owner), and the
/// forms to schedule one or send one now.
fn reminders_section(
    signed: &Signed,
    id: CustomerId,
    pending: Vec<Reminder>,
    reminder_key: String,
    now_key: String,
) -> impl IntoView + use<> {
    let locale = signed.locale();
    let zone = signed.books.zone();
    let owner = signed.acts_as_owner();
    let acts = signed.may_act();
    let csrf = signed.csrf.clone();
    let rows = pending
        .into_iter()
        .map(|reminder| {
            let when = format_when(local(from_millis(reminder.due_at), zone), locale);
            let amount = reminder
                .amount
                .map(|a| a.to_string())
                .unwrap_or_else(|| label(locale, "panel-reminder-balance"));
            let cancel = owner.then(|| {
                let when = when.clone();
                view! {
                    <form method="post" action=format!("{BASE}/reminders/{}/cancel", reminder.id)
                        class="inline">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <input type="hidden" name="back" value="customer"/>
                        <button type="submit" class="secondary"
                            aria-label=format!("{} · {when}", label(locale, "panel-cancel-reminder"))>
                            {label(locale, "panel-cancel-reminder")}
                        </button>
                    </form>
                }
            });
            view! {
                <li>
                    <a href=format!("{BASE}/reminders/{}", reminder.id)>{when}</a>
                    <span class="amount">{amount}</span>
                    {cancel}
                </li>
            }
        })
        .collect_view();
    let action = format!("{}/reminders", customer_path(id.0));
    let today = local(signed.books.now(), zone).date_naive();
    let tomorrow = today.succ_opt().unwrap_or(today).to_string();
    let today = today.to_string();
    view! {
        <section>
            <h2>{label(locale, "panel-reminders-heading")}</h2>
            <ul class="rows">{rows}</ul>
            {acts.then(|| view! {
                <form method="post" action=action.clone() class="stack">
                    <input type="hidden" name="csrf" value=signed.csrf.clone()/>
                    <input type="hidden" name="key" value=now_key/>
                    <input type="hidden" name="now" value="1"/>
                    <label for="now-amount">{label(locale, "panel-reminder-amount-label")}</label>
                    <input id="now-amount" name="amount" type="text" inputmode="decimal" maxlength="20"
                        autocomplete="off"/>
                    <button type="submit">{label(locale, "panel-send-reminder-now")}</button>
                </form>
                <form method="post" action=action class="stack">
                    <input type="hidden" name="csrf" value=signed.csrf.clone()/>
                    <input type="hidden" name="key" value=reminder_key/>
                    <label for="reminder-date">{label(locale, "panel-reminder-date-label")}</label>
                    <input id="reminder-date" name="date" type="date" required min=today
                        value=tomorrow/>
                    <label for="reminder-time">{label(locale, "panel-reminder-time-label")}</label>
                    <input id="reminder-time" name="time" type="time" required value="10:00"/>
                    <label for="reminder-amount">{label(locale, "panel-reminder-amount-label")}</label>
                    <input id="reminder-amount" name="amount" type="text" inputmode="decimal"
                        maxlength="20" autocomplete="off"/>
                    <button type="submit">{label(locale, "panel-schedule-reminder")}</button>
                </form>
            })}
        </section>
    }
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
