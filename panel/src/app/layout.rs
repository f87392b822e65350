//! The shared page frame (head, menu, who is signed in, logout) and the message pages (404, 403, 503).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use execora_engine::books::Role;
use execora_engine::reply::{Locale, label, label_with};
use leptos::prelude::*;

use super::BASE;
use super::session::Signed;

/// A page's place in the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Dashboard,
    Customers,
    Bills,
    Products,
    Reminders,
    Conversations,
    Chat,
    Settings,
    /// Not in the menu (a customer's page, a message).
    Elsewhere,
}

/// The menu: the owner's pages first; staff see only what their role allows.
const MENU: &[(Nav, &str, &str, bool)] = &[
    (Nav::Dashboard, "", "panel-nav-dashboard", true),
    (Nav::Customers, "/customers", "panel-nav-customers", false),
    (Nav::Bills, "/bills", "panel-nav-bills", true),
    (Nav::Products, "/products", "panel-nav-products", false),
    (Nav::Reminders, "/reminders", "panel-nav-reminders", false),
    (
        Nav::Conversations,
        "/conversations",
        "panel-nav-conversations",
        true,
    ),
    (Nav::Chat, "/chat", "panel-nav-chat", false),
    (Nav::Settings, "/settings", "panel-nav-settings", false),
];

/// `<html lang>` for a locale.
pub(crate) fn language(locale: Locale) -> &'static str {
    match locale {
        Locale::Hi => "hi",
        Locale::HiLatn => "hi-Latn",
        Locale::En => "en",
    }
}

/// A complete document around `body`.
fn document(locale: Locale, title: String, body: impl IntoView + 'static) -> String {
    let html = Owner::new().with(move || {
        view! {
            <html lang=language(locale)>
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <meta name="robots" content="noindex, nofollow"/>
                    // One text node: <title> is raw text, where a marker comment would show.
                    <title>{format!("{title} · Execora")}</title>
                    <link rel="stylesheet" href=format!("{BASE}/style.css")/>
                </head>
                <body>{body}</body>
            </html>
        }
        .to_html()
    });
    format!("<!DOCTYPE html>{html}")
}

/// An HTML answer with `status`.
pub(crate) fn html(status: StatusCode, document: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        document,
    )
        .into_response()
}

/// A page of a signed-in session: the header with the menu, who is signed in and the logout
/// button (a form: logging out changes state, so it is a POST with the session's token).
pub(crate) fn signed_page(
    status: StatusCode,
    signed: &Signed,
    nav: Nav,
    title: String,
    body: impl IntoView + 'static,
) -> Response {
    let locale = signed.locale();
    let owner = signed.is_owner();
    let menu = MENU
        .iter()
        .filter(|(_, _, _, owner_only)| owner || !owner_only)
        // The chat talks to the bot only where no WhatsApp number is configured.
        .filter(|(item, ..)| *item != Nav::Chat || signed.sandbox)
        // An operator reads every page, but has nothing to say in the chat.
        .filter(|(item, ..)| signed.may_act() || *item != Nav::Chat)
        .map(|&(item, path, id, _)| {
            let current = (item == nav).then_some("page");
            view! {
                <a href=format!("{BASE}{path}") aria-current=current>{label(locale, id)}</a>
            }
        })
        .collect_view();
    let role = label(
        locale,
        match signed.session.role {
            Role::Owner => "panel-role-owner",
            Role::Staff => "panel-role-staff",
        },
    );
    let (who, logout) = match &signed.operator {
        // An operator is none of the shop's phones; their logout ends the operator session.
        Some(email) => (
            label_with(
                locale,
                "panel-signed-in-as",
                &[
                    ("phone", email.clone()),
                    ("role", label(locale, "panel-role-operator")),
                ],
            ),
            format!("{BASE}/admin/logout"),
        ),
        None => (
            label_with(
                locale,
                "panel-signed-in-as",
                &[("phone", signed.session.phone.to_string()), ("role", role)],
            ),
            format!("{BASE}/logout"),
        ),
    };
    let read_only = signed.operator.is_some().then(|| {
        view! { <p class="notice" role="note">{label(locale, "panel-admin-read-only")}</p> }
    });
    let all_shops = signed.operator.is_some().then(|| {
        view! { <a href=format!("{BASE}/admin")>{label(locale, "panel-admin-all-shops")}</a> }
    });
    let shop = signed.books.merchant().name.clone();
    let csrf = signed.csrf.clone();
    let page = view! {
        <header class="top">
            <p class="shop">{shop}</p>
            <nav aria-label="menu">{menu}{all_shops}</nav>
            <form method="post" action=logout class="logout">
                <input type="hidden" name="csrf" value=csrf/>
                <span class="who">{who}</span>
                <button type="submit">{label(locale, "panel-logout")}</button>
            </form>
        </header>
        <main>{read_only}{body}</main>
    };
    html(status, document(locale, title, page))
}

/// A page before login (no menu).
pub(crate) fn public_page(
    status: StatusCode,
    locale: Locale,
    title: String,
    body: impl IntoView + 'static,
) -> Response {
    let page = view! { <main class="narrow">{body}</main> };
    html(status, document(locale, title, page))
}

/// A page of a signed-in session without the menu (the printable statement).
pub(crate) fn bare_page(
    status: StatusCode,
    locale: Locale,
    title: String,
    body: impl IntoView + 'static,
) -> Response {
    let page = view! { <main class="bare">{body}</main> };
    html(status, document(locale, title, page))
}

/// A page that only says `id`, with a link to the start.
pub(crate) fn message_page(
    status: StatusCode,
    locale: Locale,
    id: &str,
    detail: Option<String>,
) -> Response {
    let text = label(locale, id);
    let body = view! {
        <h1>{text.clone()}</h1>
        {detail.map(|d| view! { <p>{d}</p> })}
        <p><a href=format!("{BASE}")>"Execora"</a></p>
    };
    public_page(status, locale, text, body)
}

/// A message inside a signed-in session's frame.
pub(crate) fn signed_message_page(status: StatusCode, signed: &Signed, id: &str) -> Response {
    let text = label(signed.locale(), id);
    let body = view! { <h1>{text.clone()}</h1> };
    signed_page(status, signed, Nav::Elsewhere, text, body)
}

/// 503: the database did not answer; says nothing more.
pub(crate) fn unavailable(locale: Locale) -> Response {
    message_page(StatusCode::SERVICE_UNAVAILABLE, locale, "panel-error", None)
}

/// 404, the same for what does not exist and what belongs to another shop.
pub(crate) fn not_found(locale: Locale) -> Response {
    message_page(StatusCode::NOT_FOUND, locale, "panel-not-found", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_one_escaped_document_without_any_script() {
        let body = view! { <p>{"<script>alert(1)</script> & \"x\"".to_string()}</p> };
        let page = document(Locale::Hi, "Gupta & Sons".to_string(), body);
        assert!(
            page.starts_with("<!DOCTYPE html><html lang=\"hi\">"),
            "{page}"
        );
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;"),
            "{page}"
        );
        assert!(
            page.contains("<title>Gupta &amp; Sons · Execora</title>"),
            "{page}"
        );
        assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
        assert!(page.contains("href=\"/panel/style.css\""), "{page}");
    }
}
