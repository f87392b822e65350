//! `GET /panel/customers`: the shop's customers, searched with the bot's fuzzy name matching, sorted by name or (owner) by dues.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use execora_engine::books::{Customer, CustomerOrder};
use execora_engine::reply::label;
use leptos::prelude::*;
use serde::Deserialize;

use super::{balance_text, books_error};
use crate::app::BASE;
use crate::app::layout::{self, Nav};
use crate::app::session::Signed;

/// Customers on one page of the list, and at most this many search results.
const PER_PAGE: i64 = 50;
/// A search longer than this is cut (names are at most 120 characters).
const MAX_QUERY_CHARS: usize = 120;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    /// A name as the merchant would say or type it.
    #[serde(default)]
    q: String,
    /// `dues` for the largest dues first; anything else is by name.
    #[serde(default)]
    sort: String,
    /// Pages from 0.
    #[serde(default)]
    page: i64,
}

pub(crate) async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let locale = signed.locale();
    let order = if query.sort == "dues" {
        // A ranking of who owes most is the shop's dues: the owner's, as on WhatsApp.
        if !signed.is_owner() {
            return signed.owner_only();
        }
        CustomerOrder::Dues
    } else {
        CustomerOrder::Name
    };
    let search: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let page = query.page.clamp(0, 100_000);
    let books = &signed.books;
    let loaded = if search.is_empty() {
        match books.customers_by(order, PER_PAGE, page * PER_PAGE).await {
            Ok(customers) => books
                .customer_count()
                .await
                .map(|count| (customers, count > (page + 1) * PER_PAGE)),
            Err(error) => Err(error),
        }
    } else {
        books
            .search_customers(&search, PER_PAGE as usize)
            .await
            .map(|found| (found, false))
    };
    let (customers, more) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return books_error(locale, error),
    };
    let sort = if order == CustomerOrder::Dues {
        "dues"
    } else {
        "name"
    };
    let link = |page: i64| format!("{BASE}/customers?sort={sort}&page={page}");
    let title = label(locale, "panel-customers-heading");
    let sorts = if signed.is_owner() {
        Some(view! {
            <p class="sorts">
                <a href=format!("{BASE}/customers?sort=name")
                    aria-current=(order == CustomerOrder::Name).then_some("true")>
                    {label(locale, "panel-sort-name")}
                </a>
                <a href=format!("{BASE}/customers?sort=dues")
                    aria-current=(order == CustomerOrder::Dues).then_some("true")>
                    {label(locale, "panel-sort-dues")}
                </a>
            </p>
        })
    } else {
        None
    };
    let table = if customers.is_empty() {
        view! { <p class="muted">{label(locale, "panel-no-customers")}</p> }.into_any()
    } else {
        rows(customers, locale).into_any()
    };
    let pager = (search.is_empty() && (page > 0 || more)).then(|| {
        view! {
            <nav class="pager">
                {(page > 0).then(|| view! { <a href=link(page - 1)>{label(locale, "panel-previous-page")}</a> })}
                {more.then(|| view! { <a href=link(page + 1)>{label(locale, "panel-next-page")}</a> })}
            </nav>
        }
    });
    let body = view! {
        <h1>{title.clone()}</h1>
        <form method="get" action=format!("{BASE}/customers") class="search" role="search">
            <label for="q">{label(locale, "panel-search-label")}</label>
            <input id="q" name="q" type="search" value=search maxlength="120"/>
            <button type="submit">{label(locale, "panel-search-button")}</button>
        </form>
        {sorts}
        {table}
        {pager}
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Customers, title, body)
}

fn rows(customers: Vec<Customer>, locale: execora_engine::reply::Locale) -> impl IntoView {
    let rows = customers
        .into_iter()
        .map(|c| {
            let balance = balance_text(locale, c.balance);
            let class = if c.balance.is_positive() {
                "amount due"
            } else {
                "amount"
            };
            view! {
                <tr>
                    <td><a href=format!("{BASE}/customers/{}", c.id)>{c.name}</a></td>
                    <td class="phone">{c.phone.map(|p| p.to_string()).unwrap_or_default()}</td>
                    <td class=class>{balance}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list">
            <thead>
                <tr>
                    <th scope="col">{label(locale, "panel-col-name")}</th>
                    <th scope="col" class="phone">{label(locale, "panel-col-phone")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-balance")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
