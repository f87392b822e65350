//! `GET /panel/products`: the catalog with stock (all, or only what runs low), and the owner's form for a product's price and low-stock level.

use std::str::FromStr;

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::books::{BooksError, Product, ProductId};
use execora_engine::money::Paise;
use execora_engine::quantity::Quantity;
use execora_engine::reply::{Locale, label, label_with};
use leptos::prelude::*;
use serde::Deserialize;

use super::books_error;
use super::forms::{action_form, path_id, rupees};
use crate::app::BASE;
use crate::app::layout::{self, Nav};
use crate::app::session::Signed;

/// Products on one page of the list.
const PER_PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    /// `1`: only products at or under their low-stock level.
    #[serde(default)]
    low: String,
    /// Pages from 0.
    #[serde(default)]
    page: i64,
    /// The product just saved.
    saved: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EditQuery {
    /// `price` or `level`: what the last save refused.
    #[serde(default)]
    error: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    price: String,
    /// Empty takes the low-stock level off.
    #[serde(default)]
    low_stock: String,
    #[serde(default)]
    csrf: String,
}

fn product_path(id: ProductId) -> String {
    format!("{BASE}/products/{id}")
}

pub(crate) async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let locale = signed.locale();
    let low_only = query.low == "1";
    let page = query.page.clamp(0, 10_000);
    let books = &signed.books;
    let loaded = if low_only {
        books.low_stock().await
    } else {
        books.products(PER_PAGE + 1, page * PER_PAGE).await
    };
    let mut products = match loaded {
        Ok(products) => products,
        Err(error) => return books_error(locale, error),
    };
    let more = !low_only && products.len() as i64 > PER_PAGE;
    products.truncate(PER_PAGE as usize);
    let owner = signed.acts_as_owner();
    let saved = query.saved.and_then(|id| {
        products
            .iter()
            .find(|p| p.id.0 == id)
            .map(|p| label_with(locale, "panel-product-saved", &[("name", p.name.clone())]))
    });
    let table = if products.is_empty() {
        view! { <p class="muted">{label(locale, "panel-no-products")}</p> }.into_any()
    } else {
        rows(products, locale, owner).into_any()
    };
    let link = |page: i64| format!("{BASE}/products?page={page}");
    let pager = (page > 0 || more).then(|| {
        view! {
            <nav class="pager">
                {(page > 0).then(|| view! { <a href=link(page - 1)>{label(locale, "panel-previous-page")}</a> })}
                {more.then(|| view! { <a href=link(page + 1)>{label(locale, "panel-next-page")}</a> })}
            </nav>
        }
    });
    let title = label(locale, "panel-products-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        {saved.map(|text| view! { <p class="notice" role="status">{text}</p> })}
        <p class="sorts">
            <a href=format!("{BASE}/products") aria-current=(!low_only).then_some("true")>
                {label(locale, "panel-products-all")}
            </a>
            <a href=format!("{BASE}/products?low=1") aria-current=low_only.then_some("true")>
                {label(locale, "panel-low-stock")}
            </a>
        </p>
        {table}
        {pager}
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Products, title, body)
}

fn level_text(product: &Product) -> String {
    product
        .low_stock
        .map(|level| format!("{level} {}", product.unit))
        .unwrap_or_default()
}

fn rows(products: Vec<Product>, locale: Locale, owner: bool) -> impl IntoView {
    let rows = products
        .into_iter()
        .map(|p| {
            let low = p.is_low();
            let stock = format!("{} {}", p.stock, p.unit);
            let level = level_text(&p);
            let name = if owner {
                view! { <a href=product_path(p.id)>{p.name}</a> }.into_any()
            } else {
                view! { <span>{p.name}</span> }.into_any()
            };
            view! {
                <tr>
                    <td>{name}{low.then(|| view! { <span class="badge due">{label(locale, "panel-low-badge")}</span> })}</td>
                    <td class="amount">{p.price.to_string()}</td>
                    <td class=if low { "amount due" } else { "amount" }>{stock}</td>
                    <td class="amount">{level}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list">
            <thead>
                <tr>
                    <th scope="col">{label(locale, "panel-col-item")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-rate")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-stock")}</th>
                    <th scope="col" class="amount">{label(locale, "panel-col-low-level")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// `GET /panel/products/{id}`: the owner's form (changing a rate is the owner's, as on WhatsApp).
pub(crate) async fn edit_form(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<EditQuery>,
) -> Response {
    let locale = signed.locale();
    let Some(id) = path_id(&id).map(ProductId) else {
        return layout::not_found(locale);
    };
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let product = match signed.books.product(id).await {
        Ok(product) => product,
        Err(error) => return books_error(locale, error),
    };
    let error = match query.error.as_str() {
        "price" => Some(label(locale, "panel-invalid-price")),
        "level" => Some(label(locale, "panel-invalid-level")),
        _ => None,
    };
    let stock = label_with(
        locale,
        "panel-product-stock",
        &[("stock", format!("{} {}", product.stock, product.unit))],
    );
    let price = rupees(product.price);
    let level = product.low_stock.map(|l| l.to_string()).unwrap_or_default();
    let title = product.name.clone();
    // An operator reads the values; the form is not theirs to send.
    let acts = signed.may_act();
    let body = view! {
        <h1>{product.name}</h1>
        <p>{stock}</p>
        {error.map(|text| view! { <p class="error" role="alert">{text}</p> })}
        {action_form(acts, product_path(id), signed.csrf.clone(), view! {
            <label for="price">{label_with(locale, "panel-price-label", &[("unit", product.unit.to_string())])}</label>
            <input id="price" name="price" type="text" inputmode="decimal" required maxlength="20"
                value=price autocomplete="off" disabled=!acts/>
            <label for="low_stock">{label_with(locale, "panel-low-level-label", &[("unit", product.unit.to_string())])}</label>
            <input id="low_stock" name="low_stock" type="text" inputmode="decimal" maxlength="20"
                value=level autocomplete="off" disabled=!acts/>
            {acts.then(|| view! { <button type="submit">{label(locale, "panel-save-product")}</button> })}
        })}
        <p><a href=format!("{BASE}/products")>{label(locale, "panel-products-heading")}</a></p>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Products, title, body)
}

/// A low-stock level as typed: a number of the product's units, up to three decimals.
fn level(text: &str) -> Result<Option<Quantity>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value: f64 = text.replace(',', "").parse().map_err(|_| ())?;
    if !value.is_finite() || value < 0.0 {
        return Err(());
    }
    Quantity::from_f64(value).map(Some).ok_or(())
}

/// `POST /panel/products/{id}`: sets the price and level. Setting a value twice is the same
/// value, so this form needs no idempotency key.
pub(crate) async fn save(
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Response {
    let locale = signed.locale();
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let Some(id) = path_id(&id).map(ProductId) else {
        return layout::not_found(locale);
    };
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let back =
        |error: &str| Redirect::to(&format!("{}?error={error}", product_path(id))).into_response();
    let Ok(price) = Paise::from_str(form.price.trim()) else {
        return back("price");
    };
    let Ok(low_stock) = level(&form.low_stock) else {
        return back("level");
    };
    match signed.books.update_product(id, price, low_stock).await {
        Ok(product) => {
            tracing::info!(merchant = %signed.session.merchant, product = %id, "panel product edited");
            Redirect::to(&format!("{BASE}/products?saved={}", product.id)).into_response()
        }
        Err(BooksError::InvalidAmount(_)) => back("price"),
        Err(BooksError::InvalidQuantity(_)) => back("level"),
        Err(error) => books_error(locale, error),
    }
}
