//! `GET /panel/reminders`: the shop's automatic-reminder policy, its reminders by list (upcoming, sent, failed, needs review, closed), each reminder's timeline, and cancelling one that has not gone out.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::DateTime;
use execora_engine::books::{
    EventKind, Reminder, ReminderEvent, ReminderId, ReminderList, ReminderStatus, Series,
    ShopSettings,
};
use execora_engine::reply::{Locale, format_when, label, label_with};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use super::books_error;
use super::forms::path_id;
use crate::app::BASE;
use crate::app::layout::{self, Nav};
use crate::app::session::Signed;

/// Reminders on one page of a list.
const PER_PAGE: i64 = 50;
/// Customers' own automatic reminders shown with the policy; the rest are on their pages.
const SERIES_SHOWN: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    /// Which list; upcoming when missing or unknown.
    #[serde(default)]
    list: String,
    /// Continue after this reminder.
    after: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DetailQuery {
    /// 1: just cancelled; 0: it could no longer be cancelled.
    cancelled: Option<u8>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CancelForm {
    /// `customer` to go back to the customer's page; else the reminder's.
    #[serde(default)]
    back: String,
    #[serde(default)]
    csrf: String,
}

fn reminder_path(id: ReminderId) -> String {
    format!("{BASE}/reminders/{id}")
}

fn list_label(list: ReminderList) -> &'static str {
    match list {
        ReminderList::Upcoming => "panel-reminders-upcoming",
        ReminderList::Sent => "panel-reminders-sent",
        ReminderList::Failed => "panel-reminders-failed",
        ReminderList::NeedsReview => "panel-reminders-review",
        ReminderList::Closed => "panel-reminders-closed",
    }
}

pub(crate) fn status_label(locale: Locale, status: ReminderStatus) -> String {
    label(
        locale,
        match status {
            ReminderStatus::Scheduled => "panel-status-scheduled",
            ReminderStatus::Sending => "panel-status-sending",
            ReminderStatus::Sent => "panel-status-sent",
            ReminderStatus::Delivered => "panel-status-delivered",
            ReminderStatus::Read => "panel-status-read",
            ReminderStatus::Failed => "panel-status-failed",
            ReminderStatus::Settled => "panel-status-settled",
            ReminderStatus::Cancelled => "panel-status-cancelled",
            ReminderStatus::NeedsReview => "panel-status-needs-review",
        },
    )
}

fn event_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Scheduled => "panel-event-scheduled",
        EventKind::Moved => "panel-event-moved",
        EventKind::Cancelled => "panel-event-cancelled",
        EventKind::Sending => "panel-event-sending",
        EventKind::Retry => "panel-event-retry",
        EventKind::Sent => "panel-event-sent",
        EventKind::Delivered => "panel-event-delivered",
        EventKind::Read => "panel-event-read",
        EventKind::Failed => "panel-event-failed",
        EventKind::Settled => "panel-event-settled",
        EventKind::NeedsReview => "panel-event-needs-review",
        EventKind::Replied => "panel-event-replied",
    }
}

fn asked(locale: Locale, reminder: &Reminder) -> String {
    reminder
        .sent_amount
        .or(reminder.amount)
        .map(|a| a.to_string())
        .unwrap_or_else(|| label(locale, "panel-reminder-balance"))
}

pub(crate) async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let locale = signed.locale();
    let list = ReminderList::parse(&query.list).unwrap_or(ReminderList::Upcoming);
    let after = query.after.filter(|a| *a > 0).map(ReminderId);
    let books = &signed.books;
    let reminders = match books.reminders_in(list, PER_PAGE + 1, after).await {
        Ok(reminders) => reminders,
        Err(error) => return books_error(locale, error),
    };
    let settings = match books.settings().await {
        Ok(settings) => settings,
        Err(error) => return books_error(locale, error),
    };
    // Running series come first; one more than shown says whether there are more.
    let series = match books.reminder_series(SERIES_SHOWN + 1).await {
        Ok(series) => series,
        Err(error) => return books_error(locale, error),
    };
    let running: Vec<Series> = series
        .into_iter()
        .take_while(|series| series.ended_at.is_none())
        .collect();
    let more = reminders.len() as i64 > PER_PAGE;
    let reminders: Vec<_> = reminders.into_iter().take(PER_PAGE as usize).collect();
    let zone = books.zone();
    let tabs = ReminderList::ALL
        .into_iter()
        .map(|item| {
            view! {
                <a href=format!("{BASE}/reminders?list={}", item.as_str())
                    aria-current=(item == list).then_some("true")>
                    {label(locale, list_label(item))}
                </a>
            }
        })
        .collect_view();
    let next = reminders.last().filter(|_| more).map(|last| {
        view! {
            <a href=format!("{BASE}/reminders?list={}&after={}", list.as_str(), last.id)>
                {label(locale, "panel-next-page")}
            </a>
        }
    });
    let rows = reminders
        .iter()
        .map(|reminder| {
            let when = format_when(local(from_millis(reminder.due_at), zone), locale);
            view! {
                <tr>
                    <td><a href=reminder_path(reminder.id)>{when}</a></td>
                    <td><a href=format!("{BASE}/customers/{}", reminder.customer)>{reminder.customer_name.clone()}</a></td>
                    <td>{status_label(locale, reminder.status)}</td>
                    <td class="amount">{asked(locale, reminder)}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if reminders.is_empty() {
        view! { <p class="muted">{label(locale, "panel-no-reminders")}</p> }.into_any()
    } else {
        view! {
            <table class="list">
                <thead>
                    <tr>
                        <th scope="col">{label(locale, "panel-col-due")}</th>
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
    let title = label(locale, "panel-reminders-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        {policy_view(locale, &settings, running, signed.is_owner())}
        <nav class="sorts tabs" aria-label=label(locale, "panel-reminders-heading")>{tabs}</nav>
        {table}
        <nav class="pager">{next}</nav>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Reminders, title, body)
}

/// The shop's automatic-reminder policy as it stands: reminders to everyone who owes (every how
/// many days, or off), the daily limit, the quiet hours, and the customers who have automatic
/// reminders of their own; the owner gets a link to change it.
fn policy_view(
    locale: Locale,
    settings: &ShopSettings,
    running: Vec<Series>,
    is_owner: bool,
) -> impl IntoView + use<> {
    let shop_wide = match settings.auto_reminder_days {
        Some(days) => label_with(
            locale,
            "panel-policy-auto-every",
            &[("days", days.to_string())],
        ),
        None => label(locale, "panel-policy-auto-off"),
    };
    let cap = label_with(
        locale,
        "panel-policy-daily-cap",
        &[("cap", settings.reminder_daily_cap.to_string())],
    );
    let quiet = label_with(
        locale,
        "panel-policy-quiet",
        &[
            (
                "from",
                settings.quiet_hours.from_time().format("%H:%M").to_string(),
            ),
            (
                "until",
                settings
                    .quiet_hours
                    .until_time()
                    .format("%H:%M")
                    .to_string(),
            ),
        ],
    );
    let more = running.len() as i64 > SERIES_SHOWN;
    let series = if running.is_empty() {
        view! { <p class="muted">{label(locale, "panel-policy-no-series")}</p> }.into_any()
    } else {
        let rows = running
            .into_iter()
            .take(SERIES_SHOWN as usize)
            .map(|series| {
                let asked = series
                    .amount
                    .map(|amount| amount.to_string())
                    .unwrap_or_else(|| label(locale, "panel-reminder-balance"));
                view! {
                    <tr>
                        <td><a href=format!("{BASE}/customers/{}", series.customer)>{series.customer_name}</a></td>
                        <td>{label_with(locale, "panel-policy-every", &[("days", series.every_days.to_string())])}</td>
                        <td class="amount">{asked}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="list series">
                <caption>{label(locale, "panel-policy-series")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{label(locale, "panel-col-name")}</th>
                        <th scope="col">{label(locale, "panel-policy-col-every")}</th>
                        <th scope="col" class="amount">{label(locale, "panel-col-amount")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {more.then(|| view! { <p class="muted">{label(locale, "panel-policy-more-series")}</p> })}
        }
        .into_any()
    };
    let change = is_owner.then(|| {
        view! { <p><a href=format!("{BASE}/settings")>{label(locale, "panel-policy-change")}</a></p> }
    });
    view! {
        <section class="policy">
            <h2>{label(locale, "panel-policy-heading")}</h2>
            <ul>
                <li class="shop-wide">{shop_wide}</li>
                <li>{cap}</li>
                <li>{quiet}</li>
            </ul>
            {series}
            {change}
        </section>
    }
}

fn event_view(locale: Locale, zone: chrono_tz::Tz, event: ReminderEvent) -> impl IntoView {
    let when = format_when(local(from_millis(event.at), zone), locale);
    let mut said = label(locale, event_label(event.kind));
    if let Some(amount) = event.amount {
        said = format!("{said} · {amount}");
    }
    let detail = match event.kind {
        // A move's detail is the new time, stored as RFC 3339 UTC.
        EventKind::Moved => event
            .detail
            .as_deref()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| {
                label_with(
                    locale,
                    "panel-event-moved-to",
                    &[("when", format_when(local(at.to_utc(), zone), locale))],
                )
            }),
        EventKind::Failed | EventKind::Retry | EventKind::NeedsReview => {
            let code = event.error_code.map(|code| {
                label_with(
                    locale,
                    "panel-event-error-code",
                    &[("code", code.to_string())],
                )
            });
            match (code, event.detail) {
                (Some(code), Some(detail)) => Some(format!("{code}: {detail}")),
                (code, detail) => code.or(detail),
            }
        }
        _ => event.detail,
    };
    view! {
        <li>
            <span class="date">{when}</span>
            <span class=format!("event {}", event.kind.as_str())>{said}</span>
            {detail.map(|d| view! { <span class="muted">{d}</span> })}
        </li>
    }
}

/// `GET /panel/reminders/{id}`: the reminder and what happened to it, in order.
pub(crate) async fn detail(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    let locale = signed.locale();
    let Some(id) = path_id(&id).map(ReminderId) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let reminder = match books.reminder(id).await {
        Ok(reminder) => reminder,
        Err(error) => return books_error(locale, error),
    };
    let timeline = match books.reminder_timeline(id).await {
        Ok(timeline) => timeline,
        Err(error) => return books_error(locale, error),
    };
    let zone = books.zone();
    let notice = match query.cancelled {
        Some(1) => Some(("notice", label(locale, "panel-reminder-cancelled"))),
        Some(_) => Some(("error", label(locale, "panel-reminder-not-cancelled"))),
        None => None,
    };
    let cancel = (reminder.status == ReminderStatus::Scheduled && signed.acts_as_owner()).then(|| {
        view! {
            <form method="post" action=format!("{}/cancel", reminder_path(id)) class="stack">
                <input type="hidden" name="csrf" value=signed.csrf.clone()/>
                <button type="submit" class="danger">{label(locale, "panel-cancel-reminder")}</button>
            </form>
        }
    });
    let events = timeline
        .into_iter()
        .map(|event| event_view(locale, zone, event))
        .collect_view();
    let due = format_when(local(from_millis(reminder.due_at), zone), locale);
    let title = label_with(
        locale,
        "panel-reminder-title",
        &[("name", reminder.customer_name.clone())],
    );
    let body = view! {
        <h1>{title.clone()}</h1>
        {notice.map(|(class, text)| view! { <p class=class role="status">{text}</p> })}
        <dl class="facts">
            <dt>{label(locale, "panel-col-name")}</dt>
            <dd><a href=format!("{BASE}/customers/{}", reminder.customer)>{reminder.customer_name.clone()}</a></dd>
            <dt>{label(locale, "panel-col-due")}</dt><dd>{due}</dd>
            <dt>{label(locale, "panel-col-amount")}</dt><dd>{asked(locale, &reminder)}</dd>
            <dt>{label(locale, "panel-col-status")}</dt><dd>{status_label(locale, reminder.status)}</dd>
        </dl>
        <h2>{label(locale, "panel-timeline-heading")}</h2>
        <ol class="timeline">{events}</ol>
        {cancel}
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Reminders, title, body)
}

/// `POST /panel/reminders/{id}/cancel`: the owner's (cancelling reminders is, on WhatsApp
/// too). Cancelling is idempotent by itself: a second submit finds it cancelled and says so.
pub(crate) async fn cancel(
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let locale = signed.locale();
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let Some(id) = path_id(&id).map(ReminderId) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let reminder = match books.reminder(id).await {
        Ok(reminder) => reminder,
        Err(error) => return books_error(locale, error),
    };
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let cancelled = match books.cancel_reminder(id).await {
        Ok(cancelled) => u8::from(cancelled),
        Err(error) => return books_error(locale, error),
    };
    if cancelled == 1 {
        tracing::info!(merchant = %signed.session.merchant, reminder = %id, "panel reminder cancelled");
    }
    let to = if form.back == "customer" {
        format!(
            "{BASE}/customers/{}?cancelled={cancelled}",
            reminder.customer
        )
    } else {
        format!("{}?cancelled={cancelled}", reminder_path(id))
    };
    Redirect::to(&to).into_response()
}
