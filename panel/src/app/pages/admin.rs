//! `/panel/admin`: the operators' side — login by email and password (rate limited, form tokens), the list of every shop, opening one to read its dashboard and customers, logout.
//!
//! An operator's session is its own (`operator_sessions`), never a shop's: what a shop's pages
//! show an operator is built by the `Signed` extractor, which lets operators GET the dashboard
//! and the customers' pages only and refuses every POST before any handler runs.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::operators::{self, OperatorSession};
use execora_engine::access::{self, SESSION_VALIDITY, Secret};
use execora_engine::books::{BooksError, MerchantId, merchants};
use execora_engine::reply::{Locale, label};
use leptos::prelude::*;
use serde::Deserialize;

use crate::app::layout;
use crate::app::session::{
    OPERATOR_COOKIE, VIEWING_COOKIE, browser_locale, cookie, form_token, refused_form, set_cookie,
    token_matches,
};
use crate::app::{BASE, ClientIp, Panel};

/// The operator's login in progress (its form token is derived from it).
const ADMIN_LOGIN_COOKIE: &str = "execora_admin_login";
const LOGIN_COOKIE_SECONDS: i64 = 10 * 60;

fn login_path() -> String {
    format!("{BASE}/admin/login")
}

fn admin_path() -> String {
    format!("{BASE}/admin")
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

fn with_cookie(mut response: Response, value: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, value);
    response
}

fn login_page(status: StatusCode, locale: Locale, csrf: String, error: Option<String>) -> Response {
    let title = label(locale, "panel-admin-login-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <form method="post" action=login_path() class="stack">
            <input type="hidden" name="csrf" value=csrf/>
            <label for="email">{label(locale, "panel-admin-email")}</label>
            <input id="email" name="email" type="email" autocomplete="username" required maxlength="254"/>
            <label for="password">{label(locale, "panel-admin-password")}</label>
            <input id="password" name="password" type="password" autocomplete="current-password"
                required maxlength="256"/>
            <button type="submit">{label(locale, "panel-admin-login")}</button>
        </form>
    };
    layout::public_page(status, locale, title, body)
}

/// The browser's operator-login token, when it has a well-formed one.
fn login_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, ADMIN_LOGIN_COOKIE).filter(|token| access::is_token(token))
}

/// `GET /panel/admin/login`.
pub(crate) async fn login_form(State(panel): State<Panel>, headers: HeaderMap) -> Response {
    let locale = browser_locale(&headers);
    let token = match login_token(&headers) {
        Some(token) => token,
        None => match Secret::new() {
            Ok(secret) => secret.as_str().to_string(),
            Err(error) => {
                tracing::error!(%error, "no randomness for a login token");
                return layout::unavailable(locale);
            }
        },
    };
    let csrf = form_token(&panel.key, "operator-login", &token);
    with_cookie(
        login_page(StatusCode::OK, locale, csrf, None),
        set_cookie(
            &panel,
            ADMIN_LOGIN_COOKIE,
            &token,
            &login_path(),
            LOGIN_COOKIE_SECONDS,
        ),
    )
}

/// `POST /panel/admin/login`: a right email and password open an operator session. Limited
/// per client address and per email with the login limits; a wrong email and a wrong password
/// get the same answer.
pub(crate) async fn log_in(
    State(panel): State<Panel>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let locale = browser_locale(&headers);
    let Some(token) = login_token(&headers).filter(|token| {
        token_matches(&form_token(&panel.key, "operator-login", token), &form.csrf)
    }) else {
        return refused_form(locale);
    };
    let csrf = form_token(&panel.key, "operator-login", &token);
    let email = operators::normalize_email(&form.email).unwrap_or_default();
    if !panel.limiters.allow_ip(ip) || !panel.limiters.allow_phone(&format!("operator:{email}")) {
        tracing::warn!(%ip, "operator login: too many tries");
        return login_page(
            StatusCode::TOO_MANY_REQUESTS,
            locale,
            csrf,
            Some(label(locale, "panel-login-slow-down")),
        );
    }
    let opened =
        match operators::log_in(&panel.db, &form.email, &form.password, panel.clock.now()).await {
            Ok(Some(opened)) => opened,
            Ok(None) => {
                tracing::warn!(%ip, "operator login: wrong email or password");
                return login_page(
                    StatusCode::UNAUTHORIZED,
                    locale,
                    csrf,
                    Some(label(locale, "panel-admin-wrong")),
                );
            }
            Err(error) => {
                tracing::error!(%error, "operator login could not be checked");
                return layout::unavailable(locale);
            }
        };
    tracing::info!(
        operator = opened.session.operator.id,
        session = opened.session.id,
        "operator login"
    );
    let response = with_cookie(
        Redirect::to(&admin_path()).into_response(),
        set_cookie(
            &panel,
            OPERATOR_COOKIE,
            opened.token.as_str(),
            BASE,
            SESSION_VALIDITY.num_seconds(),
        ),
    );
    with_cookie(
        response,
        set_cookie(&panel, ADMIN_LOGIN_COOKIE, "", &login_path(), 0),
    )
}

/// A signed-in operator, or the way to their login.
async fn operator(panel: &Panel, headers: &HeaderMap) -> Result<OperatorSession, Response> {
    let locale = browser_locale(headers);
    let Some(token) = cookie(headers, OPERATOR_COOKIE) else {
        return Err(Redirect::to(&login_path()).into_response());
    };
    match operators::operator_session(&panel.db, &token, panel.clock.now()).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(Redirect::to(&login_path()).into_response()),
        Err(error) => {
            tracing::error!(%error, "operator session could not be read");
            Err(layout::unavailable(locale))
        }
    }
}

/// `GET /panel/admin`: every shop, each with a link to read its books.
pub(crate) async fn shops(State(panel): State<Panel>, headers: HeaderMap) -> Response {
    let locale = browser_locale(&headers);
    let session = match operator(&panel, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let shops = match merchants::list(&panel.db).await {
        Ok(shops) => shops,
        Err(error) => {
            tracing::error!(%error, "shops could not be listed");
            return layout::unavailable(locale);
        }
    };
    let csrf = form_token(&panel.key, "operator", &session.token_hash);
    let rows = shops
        .into_iter()
        .map(|(shop, phones)| {
            let phones = phones
                .iter()
                .map(|p| p.phone.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr>
                    <td>{shop.id.0}</td>
                    <td>{shop.name}</td>
                    <td class="phone">{phones}</td>
                    <td><a href=format!("{}/shops/{}", admin_path(), shop.id.0)>{label(locale, "panel-admin-open")}</a></td>
                </tr>
            }
        })
        .collect_view();
    let title = label(locale, "panel-admin-shops");
    let body = view! {
        <header class="top">
            <p class="shop">"Execora"</p>
            <form method="post" action=format!("{}/logout", admin_path()) class="logout">
                <input type="hidden" name="csrf" value=csrf/>
                <span class="who">{session.operator.email.clone()}</span>
                <button type="submit">{label(locale, "panel-logout")}</button>
            </form>
        </header>
        <h1>{title.clone()}</h1>
        <p class="notice">{label(locale, "panel-admin-read-only")}</p>
        <table class="list">
            <thead>
                <tr>
                    <th scope="col">"#"</th>
                    <th scope="col">{label(locale, "panel-col-name")}</th>
                    <th scope="col">{label(locale, "panel-col-phone")}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    };
    layout::public_page(StatusCode::OK, locale, title, body)
}

/// `GET /panel/admin/shops/{id}`: reads that shop's books from now on (its dashboard first).
pub(crate) async fn open_shop(
    State(panel): State<Panel>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let locale = browser_locale(&headers);
    if let Err(response) = operator(&panel, &headers).await {
        return response;
    }
    let Some(id) = id.parse::<i64>().ok().map(MerchantId) else {
        return layout::not_found(locale);
    };
    match merchants::get(&panel.db, id).await {
        Ok(_) => with_cookie(
            Redirect::to(BASE).into_response(),
            set_cookie(
                &panel,
                VIEWING_COOKIE,
                &id.0.to_string(),
                BASE,
                SESSION_VALIDITY.num_seconds(),
            ),
        ),
        Err(BooksError::MerchantNotFound(_)) => layout::not_found(locale),
        Err(error) => {
            tracing::error!(%error, "shop could not be read");
            layout::unavailable(locale)
        }
    }
}

/// `POST /panel/admin/logout`: ends the operator's session.
pub(crate) async fn log_out(
    State(panel): State<Panel>,
    headers: HeaderMap,
    Form(form): Form<TokenOnly>,
) -> Response {
    let locale = browser_locale(&headers);
    let session = match operator(&panel, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let operator_csrf = form_token(&panel.key, "operator", &session.token_hash);
    // The shop pages' frame carries the token a shop page derives from the same session.
    let page_csrf = form_token(&panel.key, "session", &session.token_hash);
    if !token_matches(&operator_csrf, &form.csrf) && !token_matches(&page_csrf, &form.csrf) {
        return refused_form(locale);
    }
    if let Err(error) =
        operators::end_operator_session(&panel.db, &session, panel.clock.now()).await
    {
        tracing::error!(%error, "operator session could not be ended");
        return layout::unavailable(locale);
    }
    let response = with_cookie(
        Redirect::to(&login_path()).into_response(),
        set_cookie(&panel, OPERATOR_COOKIE, "", BASE, 0),
    );
    with_cookie(response, set_cookie(&panel, VIEWING_COOKIE, "", BASE, 0))
}
