//! Logging in with a six-digit code sent over WhatsApp, and logging out.
//!
//! Before a session exists, the login cookie holds a random token and every login form carries
//! a token derived from it, so a form posted from another site (which cannot read our cookie)
//! is refused like any other forged form.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::{self, AccessError, CodeRefused, SESSION_VALIDITY, Secret};
use execora_engine::books::Role;
use execora_engine::messages::Delivery;
use execora_engine::phone::Phone;
use execora_engine::reply::{Locale, label, label_with};
use leptos::prelude::*;
use serde::Deserialize;

use super::layout;
use super::session::{
    LOGIN_COOKIE, SESSION_COOKIE, Signed, browser_locale, cookie, form_token, refused_form,
    set_cookie, token_matches,
};
use super::{BASE, ClientIp, Panel};

/// The login cookie outlives a code (5 minutes) a little, so a slow typist sees "expired".
const LOGIN_COOKIE_SECONDS: i64 = 10 * 60;

#[derive(Debug, Deserialize)]
pub(crate) struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

fn login_path() -> String {
    format!("{BASE}/login")
}

/// The browser's login token, when it has a well-formed one.
fn login_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, LOGIN_COOKIE).filter(|token| access::is_token(token))
}

fn with_cookie(mut response: Response, value: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, value);
    response
}

/// Whether the form's token is the one derived from the browser's login cookie.
fn login_form_ok(panel: &Panel, headers: &HeaderMap, given: &str) -> Option<String> {
    let token = login_token(headers)?;
    token_matches(&form_token(&panel.key, "login", &token), given).then_some(token)
}

fn phone_page(status: StatusCode, locale: Locale, csrf: String, error: Option<String>) -> Response {
    let title = label(locale, "panel-login-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <form method="post" action=login_path() class="stack">
            <input type="hidden" name="csrf" value=csrf/>
            <label for="phone">{label(locale, "panel-login-phone")}</label>
            <input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" required/>
            <button type="submit">{label(locale, "panel-login-send")}</button>
        </form>
    };
    layout::public_page(status, locale, title, body)
}

fn code_page(status: StatusCode, locale: Locale, csrf: String, message: String) -> Response {
    let title = label(locale, "panel-login-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        <p role="status">{message}</p>
        <form method="post" action=format!("{BASE}/login/code") class="stack">
            <input type="hidden" name="csrf" value=csrf/>
            <label for="code">{label(locale, "panel-login-code-label")}</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="9" required/>
            <button type="submit">{label(locale, "panel-login-verify")}</button>
        </form>
        <p><a href=login_path()>{label(locale, "panel-login-other-number")}</a></p>
    };
    layout::public_page(status, locale, title, body)
}

/// `GET /panel/login`: the phone number form.
pub(crate) async fn phone_form(State(panel): State<Panel>, headers: HeaderMap) -> Response {
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
    let csrf = form_token(&panel.key, "login", &token);
    with_cookie(
        phone_page(StatusCode::OK, locale, csrf, None),
        set_cookie(
            &panel,
            LOGIN_COOKIE,
            &token,
            &login_path(),
            LOGIN_COOKIE_SECONDS,
        ),
    )
}

/// `POST /panel/login`: sends a code to the phone if it is a shop's (the answer is the same
/// either way, so the form does not tell who is registered).
pub(crate) async fn send_code(
    State(panel): State<Panel>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<PhoneForm>,
) -> Response {
    let locale = browser_locale(&headers);
    let Some(token) = login_form_ok(&panel, &headers, &form.csrf) else {
        return refused_form(locale);
    };
    let csrf = form_token(&panel.key, "login", &token);
    let slow_down = || {
        phone_page(
            StatusCode::TOO_MANY_REQUESTS,
            locale,
            csrf.clone(),
            Some(label(locale, "panel-login-slow-down")),
        )
    };
    if !panel.limiters.allow_ip(ip) {
        tracing::warn!(%ip, "panel login: too many posts from one address");
        return slow_down();
    }
    let Ok(phone) = Phone::parse(&form.phone) else {
        return phone_page(
            StatusCode::BAD_REQUEST,
            locale,
            csrf,
            Some(label(locale, "panel-login-bad-phone")),
        );
    };
    if !panel.limiters.allow_phone(phone.as_str()) {
        tracing::warn!(%ip, "panel login: too many codes asked for one phone");
        return slow_down();
    }
    let delivery = if panel.sandbox {
        Delivery::Sandbox
    } else {
        Delivery::Queued
    };
    let requested = match access::request_code(
        &panel.db,
        &panel.key,
        &phone,
        delivery,
        panel.clock.now(),
    )
    .await
    {
        Ok(requested) => requested,
        Err(AccessError::TooManyCodes) => {
            tracing::warn!(%ip, "panel login: too many codes asked for one phone (all processes)");
            return slow_down();
        }
        Err(error) => {
            tracing::error!(%error, "panel login code could not be stored");
            return layout::unavailable(locale);
        }
    };
    match &requested.sent {
        Some(sent) if panel.sandbox => tracing::info!(
            merchant = %sent.merchant,
            phone = %sent.phone,
            code = sent.code.as_str(),
            "sandbox: panel login code (also in the outbox)"
        ),
        Some(sent) => {
            tracing::info!(merchant = %sent.merchant, message = %sent.message.0, "panel login code queued")
        }
        None => tracing::info!("panel login asked for a phone that is no shop's"),
    }
    with_cookie(
        Redirect::to(&format!("{BASE}/login/code")).into_response(),
        set_cookie(
            &panel,
            LOGIN_COOKIE,
            requested.challenge.as_str(),
            &login_path(),
            LOGIN_COOKIE_SECONDS,
        ),
    )
}

/// `GET /panel/login/code`: the code form.
pub(crate) async fn code_form(State(panel): State<Panel>, headers: HeaderMap) -> Response {
    let locale = browser_locale(&headers);
    let Some(token) = login_token(&headers) else {
        return Redirect::to(&login_path()).into_response();
    };
    code_page(
        StatusCode::OK,
        locale,
        form_token(&panel.key, "login", &token),
        label(locale, "panel-login-sent"),
    )
}

/// `POST /panel/login/code`: a right code opens a session; a wrong one says how many tries are left.
pub(crate) async fn check_code(
    State(panel): State<Panel>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let locale = browser_locale(&headers);
    let Some(challenge) = login_form_ok(&panel, &headers, &form.csrf) else {
        return refused_form(locale);
    };
    let csrf = form_token(&panel.key, "login", &challenge);
    if !panel.limiters.allow_ip(ip) {
        tracing::warn!(%ip, "panel login: too many posts from one address");
        return code_page(
            StatusCode::TOO_MANY_REQUESTS,
            locale,
            csrf,
            label(locale, "panel-login-slow-down"),
        );
    }
    let checked = access::verify_code(
        &panel.db,
        &panel.key,
        &challenge,
        &form.code,
        panel.clock.now(),
    )
    .await;
    let opened = match checked {
        Ok(Ok(opened)) => opened,
        Ok(Err(refused)) => {
            let message = match refused {
                CodeRefused::Wrong { tries_left } => label_with(
                    locale,
                    "panel-login-wrong",
                    &[("count", tries_left.to_string())],
                ),
                CodeRefused::Expired => label(locale, "panel-login-expired"),
                CodeRefused::NoTriesLeft => label(locale, "panel-login-no-tries"),
            };
            return code_page(StatusCode::UNAUTHORIZED, locale, csrf, message);
        }
        Err(error) => {
            tracing::error!(%error, "panel login code could not be checked");
            return layout::unavailable(locale);
        }
    };
    tracing::info!(
        merchant = %opened.session.merchant,
        session = opened.session.id,
        role = opened.session.role.as_str(),
        "panel login"
    );
    let home = match opened.session.role {
        Role::Owner => BASE.to_string(),
        Role::Staff => format!("{BASE}/customers"),
    };
    let response = with_cookie(
        Redirect::to(&home).into_response(),
        set_cookie(
            &panel,
            SESSION_COOKIE,
            opened.token.as_str(),
            BASE,
            SESSION_VALIDITY.num_seconds(),
        ),
    );
    with_cookie(
        response,
        set_cookie(&panel, LOGIN_COOKIE, "", &login_path(), 0),
    )
}

/// `POST /panel/logout`: ends the session here and in the database.
pub(crate) async fn logout(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if let Err(error) = access::revoke(&panel.db, &signed.session, panel.clock.now()).await {
        tracing::error!(%error, "panel session could not be ended");
        return layout::unavailable(signed.locale());
    }
    with_cookie(
        Redirect::to(&login_path()).into_response(),
        set_cookie(&panel, SESSION_COOKIE, "", BASE, 0),
    )
}
