//! `GET /pay/{token}`: a customer's public page of dues at one shop, with a UPI button and its QR code.
//!
//! No JavaScript, no external assets, a few hundred bytes of inline CSS: it has to open on a
//! cheap phone over a slow connection. Every answer, the 404 included, says not to cache, index
//! or pass on the address (the token is in it). An unknown, expired, malformed or otherwise
//! unreachable token gets the same plain 404, so a guesser learns nothing from the difference.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use execora_engine::books::PayView;
use execora_engine::books::pay_links;
use execora_engine::reply::{PayPageText, pay_page};
use execora_engine::store::Db;
use execora_engine::time::Clock;
use qrcode::QrCode;
use qrcode::render::svg;

use crate::html::escape;

/// What the page handler needs.
#[derive(Clone)]
struct PayState {
    db: Db,
    clock: Arc<dyn Clock>,
}

/// The pay page's routes, on `db`, with "now" from `clock` (expiry is judged by it).
pub fn routes(db: Db, clock: Arc<dyn Clock>) -> Router {
    Router::new()
        .route("/pay/{token}", get(page))
        .with_state(PayState { db, clock })
}

/// The address of a pay page: `PUBLIC_URL/pay/<token>`.
pub fn pay_url(public_url: &str, token: &pay_links::PayToken) -> String {
    format!(
        "{}/pay/{}",
        public_url.trim_end_matches('/'),
        token.as_str()
    )
}

const NOT_FOUND_BODY: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>404</title></head><body><p>Not found.</p></body></html>";

/// The headers every answer of this route carries.
fn private_headers(response: &mut Response) {
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 6] = [
        (header::CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("x-robots-tag"), "noindex, nofollow"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        // Nothing may load or run: inline styles only, no scripts, no frames around it.
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

fn answer(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    private_headers(&mut response);
    response
}

async fn page(State(state): State<PayState>, Path(token): Path<String>) -> Response {
    match pay_links::open(&state.db, &token, state.clock.now()).await {
        Ok(Some(view)) => answer(StatusCode::OK, render(&view)),
        Ok(None) => answer(StatusCode::NOT_FOUND, NOT_FOUND_BODY.to_string()),
        Err(error) => {
            tracing::error!(%error, "pay page could not be read");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>503</title></head><body><p>Please try again later.</p></body></html>".into(),
            )
        }
    }
}

const STYLE: &str = "body{margin:0;font:16px/1.4 system-ui,sans-serif;color:#111;background:#f6f6f6}\
main{max-width:28rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}\
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1rem;margin:1.2rem 0 .4rem}\
.due{font-size:1.6rem;font-weight:700;margin:.6rem 0}\
.pay{display:block;text-align:center;padding:.9rem;border-radius:.5rem;background:#0a7d32;color:#fff;font-weight:700;text-decoration:none;font-size:1.1rem}\
.qr svg{display:block;width:14rem;height:14rem;margin:.6rem auto}\
.hint,.foot{color:#555;font-size:.9rem}\
table{width:100%;border-collapse:collapse}td{padding:.35rem 0;border-bottom:1px solid #eee}\
td.amount{text-align:right;white-space:nowrap}";

/// The QR code of `text` as inline SVG (one unit per module, white quiet zone); `None` when it
/// does not fit in a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .build();
    // The renderer writes a standalone document; inline SVG in HTML starts at the element.
    let start = image.find("<svg")?;
    Some(image[start..].to_string())
}

/// The page for `view`: every text escaped, the UPI link in an attribute escaped too.
pub fn render(view: &PayView) -> String {
    let text: PayPageText = pay_page(view);
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex,nofollow\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>\
         <h1>{shop}</h1><p>{customer}</p><p class=\"due\">{due}</p>",
        lang = text.language,
        title = escape(&text.title),
        shop = escape(&text.shop_name),
        customer = escape(&text.customer_line),
        due = escape(&text.due_line),
    );
    match (view.upi_link(), &text.pay_button) {
        (Some(link), Some(label)) => {
            let link = link.to_string();
            let _ = write!(
                out,
                "<p><a class=\"pay\" href=\"{href}\">{label}</a></p>",
                href = escape(&link),
                label = escape(label),
            );
            if let Some(qr) = qr_svg(&link) {
                let _ = write!(
                    out,
                    "<p class=\"hint\">{hint}</p><div class=\"qr\">{qr}</div>",
                    hint = escape(&text.scan_hint),
                );
            }
        }
        _ => {
            let _ = write!(out, "<p class=\"hint\">{}</p>", escape(&text.no_upi));
        }
    }
    let _ = write!(out, "<h2>{}</h2>", escape(&text.recent_heading));
    if text.lines.is_empty() {
        let _ = write!(out, "<p class=\"hint\">{}</p>", escape(&text.no_entries));
    } else {
        out.push_str("<table>");
        for line in &text.lines {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"amount\">{}</td></tr>",
                escape(&line.date),
                escape(&line.kind),
                escape(&line.amount),
            );
        }
        out.push_str("</table>");
    }
    let _ = write!(
        out,
        "<p class=\"foot\">{}</p></main></body></html>",
        escape(&text.valid_until)
    );
    out
}
