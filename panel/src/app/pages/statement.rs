//! A customer's statement to take away: as CSV (for a spreadsheet) and as a printable page (no menu, print styles), both for the page's date filter.

use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use execora_engine::books::{Books, BooksError, CustomerId, StatementLine, StatementRange};
use execora_engine::reply::{Locale, entry_kind_label, format_when, label, label_with};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use super::customer::statement_table;
use super::forms::{day, day_range, path_id, rupees};
use super::{balance_text, books_error};
use crate::app::BASE;
use crate::app::layout;
use crate::app::session::Signed;

/// Most lines in one CSV file (a statement longer than this is cut at its oldest end).
const CSV_MAX_LINES: usize = 100_000;
/// Most lines on the printable page, which must stay a page a phone can open.
const PRINT_MAX_LINES: i64 = 300;
/// Lines read per query while writing the CSV.
const BATCH: i64 = 500;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl RangeQuery {
    fn days(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (day(&self.from), day(&self.to))
    }
}

/// A text field as a spreadsheet should read it: never as a formula (a leading `= + - @` or
/// control character gets a `'` in front, which spreadsheets show as text), and quoted with
/// doubled quotes when it holds a separator, a quote or a line break.
pub(crate) fn csv_text(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    csv_field(&guarded)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn entry_text(line: &StatementLine, locale: Locale) -> String {
    let entry = &line.entry;
    let kind = entry_kind_label(entry.kind, locale);
    match &entry.note {
        Some(note) => format!("{kind} — {note}"),
        None => kind,
    }
}

async fn all_lines(
    books: &Books,
    id: CustomerId,
    range: StatementRange,
    max: usize,
) -> Result<Vec<StatementLine>, BooksError> {
    let mut lines = Vec::new();
    let mut before = None;
    loop {
        let page = books.statement_in(id, range, BATCH, before).await?;
        lines.extend(page.lines);
        match page.next_before {
            Some(next) if lines.len() < max => before = Some(next),
            _ => break,
        }
    }
    lines.truncate(max);
    Ok(lines)
}

/// `GET /panel/customers/{id}/statement.csv?from=&to=`: the statement, newest first, one
/// line per entry, dates in the shop's zone.
pub(crate) async fn csv(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<RangeQuery>,
) -> Response {
    let locale = signed.locale();
    let Some(id) = path_id(&id).map(CustomerId) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let customer = match books.customer(id).await {
        Ok(customer) => customer,
        Err(error) => return books_error(locale, error),
    };
    let (from, to) = query.days();
    let zone = books.zone();
    let lines = match all_lines(books, id, day_range(from, to, zone), CSV_MAX_LINES).await {
        Ok(lines) => lines,
        Err(error) => return books_error(locale, error),
    };
    let header = [
        "panel-col-name",
        "panel-col-date",
        "panel-col-entry",
        "panel-mode-label",
        "panel-col-amount",
        "panel-col-balance",
    ]
    .map(|id| csv_text(&label(locale, id)))
    .join(",");
    // A byte-order mark so spreadsheets read the Devanagari and the ₹ as UTF-8.
    let mut out = String::with_capacity(64 * (lines.len() + 1));
    out.push('\u{feff}');
    out.push_str(&header);
    out.push_str("\r\n");
    let name = csv_text(&customer.name);
    for line in &lines {
        let entry = &line.entry;
        let when = local(from_millis(entry.created_at), zone).format("%Y-%m-%d %H:%M");
        let mode = entry.mode.map(|m| m.as_str()).unwrap_or_default();
        out.push_str(&format!(
            "{name},{when},{},{mode},{},{}\r\n",
            csv_text(&entry_text(line, locale)),
            rupees(entry.amount),
            rupees(line.balance_after),
        ));
    }
    let file = format!(
        "attachment; filename=\"statement-{}-{}.csv\"",
        id,
        books.now().format("%Y%m%d")
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        out,
    )
        .into_response()
}

/// `GET /panel/customers/{id}/statement/print?from=&to=`: the statement as one page to print,
/// with the shop and the customer at the top and no menu.
pub(crate) async fn printable(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<RangeQuery>,
) -> Response {
    let locale = signed.locale();
    let Some(id) = path_id(&id).map(CustomerId) else {
        return layout::not_found(locale);
    };
    let books = &signed.books;
    let customer = match books.customer(id).await {
        Ok(customer) => customer,
        Err(error) => return books_error(locale, error),
    };
    let (from, to) = query.days();
    let zone = books.zone();
    let page = match books
        .statement_in(id, day_range(from, to, zone), PRINT_MAX_LINES, None)
        .await
    {
        Ok(page) => page,
        Err(error) => return books_error(locale, error),
    };
    let cut = page.next_before.is_some().then(|| {
        view! {
            <p class="muted">
                {label_with(locale, "panel-print-cut", &[("count", PRINT_MAX_LINES.to_string())])}
            </p>
        }
    });
    let period = match (from, to) {
        (None, None) => label(locale, "panel-period-all"),
        _ => label_with(
            locale,
            "panel-period",
            &[
                ("from", from.map(|d| d.to_string()).unwrap_or_default()),
                ("to", to.map(|d| d.to_string()).unwrap_or_default()),
            ],
        ),
    };
    let printed = label_with(
        locale,
        "panel-printed-at",
        &[("when", format_when(local(books.now(), zone), locale))],
    );
    let title = label_with(
        locale,
        "panel-statement-of",
        &[("name", customer.name.clone())],
    );
    let back = format!("{BASE}/customers/{id}");
    let body = view! {
        <div class="printable">
            <p class="shop-name">{books.merchant().name.clone()}</p>
            <h1>{title.clone()}</h1>
            <p class="balance">{balance_text(locale, customer.balance)}</p>
            <p>{period}</p>
            <p class="muted">{printed}</p>
            {statement_table(&page.lines, locale, zone)}
            {cut}
            <p class="no-print"><a href=back>{label(locale, "panel-back-to-customer")}</a></p>
        </div>
    };
    layout::bare_page(StatusCode::OK, locale, title, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use execora_engine::money::Paise;

    /// The labels of these pages, by locale: every language has every one.
    #[test]
    fn every_language_has_every_label_of_the_books_pages() {
        let keys = |text: &str| -> Vec<String> {
            let mut keys: Vec<String> = text
                .lines()
                .filter_map(|line| line.split_once(" = "))
                .map(|(key, _)| key.to_string())
                .collect();
            keys.sort();
            keys
        };
        let english = keys(include_str!("../../../../templates/en/panel-books.ftl"));
        assert!(english.len() > 50);
        assert_eq!(
            keys(include_str!("../../../../templates/hi/panel-books.ftl")),
            english
        );
        assert_eq!(
            keys(include_str!(
                "../../../../templates/hi-Latn/panel-books.ftl"
            )),
            english
        );
        assert_eq!(label(Locale::En, "panel-nav-bills"), "Bills");
        assert_eq!(label(Locale::Hi, "panel-nav-bills"), "बिल");
        assert_eq!(label(Locale::HiLatn, "panel-nav-products"), "Saamaan");
    }

    #[test]
    fn csv_text_is_never_a_formula_and_always_one_field() {
        assert_eq!(csv_text("Rahul"), "Rahul");
        assert_eq!(csv_text("Gupta, Sons"), "\"Gupta, Sons\"");
        assert_eq!(csv_text("Ram \"Bhai\""), "\"Ram \"\"Bhai\"\"\"");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("+91"), "'+91");
        assert_eq!(csv_text("@sum"), "'@sum");
        assert_eq!(csv_text("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(rupees(Paise::new(-50_005)), "-500.05");
        assert_eq!(rupees(Paise::new(150_000)), "1500.00");
    }
}
