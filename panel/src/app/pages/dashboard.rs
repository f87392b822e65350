//! `GET /panel`: the shop's day (sales, collections, new udhaar, total dues, top debtors, low stock) and its last 30 days — the owner's page.

use axum::http::StatusCode;
use axum::response::Response;
use execora_engine::reply::{label, label_with};
use execora_engine::time::local;
use leptos::prelude::*;

use super::books_error;
use crate::app::BASE;
use crate::app::chart::chart;
use crate::app::layout::{self, Nav};
use crate::app::session::Signed;

/// Days the chart shows, today included.
const CHART_DAYS: u64 = 30;
/// Debtors listed.
const TOP_DEBTORS: i64 = 5;

pub(crate) async fn page(signed: Signed) -> Response {
    // The shop's totals are the owner's, as on WhatsApp (staff get "only the owner").
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let books = &signed.books;
    let locale = signed.locale();
    let today = local(books.now(), books.zone()).date_naive();
    let first = today - chrono::Days::new(CHART_DAYS - 1);
    let loaded = async {
        Ok::<_, execora_engine::books::BooksError>((
            books.daily_summary(today).await?,
            books.daily_totals(first, today).await?,
            books.debtors(TOP_DEBTORS).await?,
            books.low_stock().await?,
        ))
    }
    .await;
    let (summary, days, debtors, low) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return books_error(locale, error),
    };
    let title = label_with(
        locale,
        "panel-dashboard-heading",
        &[("shop", books.merchant().name.clone())],
    );
    let figures = [
        ("panel-sales-today", summary.sales),
        ("panel-collections-today", summary.collections),
        ("panel-credit-today", summary.new_credit),
        ("panel-total-dues", summary.outstanding),
    ]
    .into_iter()
    .map(|(id, amount)| {
        view! {
            <div class="figure">
                <dt>{label(locale, id)}</dt>
                <dd>{amount.to_string()}</dd>
            </div>
        }
    })
    .collect_view();
    let debtors_view = if debtors.is_empty() {
        view! { <p class="muted">{label(locale, "panel-no-debtors")}</p> }.into_any()
    } else {
        let items = debtors
            .into_iter()
            .map(|d| {
                view! {
                    <li>
                        <a href=format!("{BASE}/customers/{}", d.customer)>{d.name}</a>
                        <span class="amount">{d.balance.to_string()}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="rows">{items}</ol> }.into_any()
    };
    let low_view = if low.is_empty() {
        view! { <p class="muted">{label(locale, "panel-nothing-low")}</p> }.into_any()
    } else {
        let items = low
            .into_iter()
            .map(|p| {
                view! {
                    <li>
                        <span>{p.name}</span>
                        <span class="amount">{format!("{} {}", p.stock, p.unit.as_str())}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="rows">{items}</ul> }.into_any()
    };
    let body = view! {
        <h1>{title.clone()}</h1>
        <dl class="figures">{figures}</dl>
        {chart(&days, locale)}
        <section>
            <h2>{label(locale, "panel-top-debtors")}</h2>
            {debtors_view}
        </section>
        <section>
            <h2>{label(locale, "panel-low-stock")}</h2>
            {low_view}
        </section>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Dashboard, title, body)
}
