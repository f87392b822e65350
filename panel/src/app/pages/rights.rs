//! The owner's data-rights actions on one customer: the JSON export, and deletion confirmed by a code sent to the owner's WhatsApp.
//!
//! Both are the owner's alone (staff get 403, an operator's read-only view too), both go through
//! the session's `Books`, so another shop's customer is the same 404 as a missing one.

use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::CodeRefused;
use execora_engine::books::{BooksError, CustomerId};
use execora_engine::messages::Delivery;
use execora_engine::reply::{label, label_with};
use execora_engine::rights::{self, Requester, RightsError};
use leptos::prelude::*;
use serde::Deserialize;

use super::books_error;
use crate::app::layout::{self, Nav};
use crate::app::session::Signed;
use crate::app::{BASE, Panel};

#[derive(Debug, Deserialize)]
pub(crate) struct AskForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    /// The request's challenge, carried by the code form (only its hash is stored).
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
}

fn customer_id(text: &str) -> Option<CustomerId> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(CustomerId)
}

/// The owner's, and not through an operator's view: `None` when `signed` may.
fn refuse_unless_owner(signed: &Signed) -> Option<Response> {
    (!signed.is_owner() || signed.operator.is_some()).then(|| signed.owner_only())
}

fn rights_error(signed: &Signed, error: RightsError) -> Response {
    match error {
        RightsError::Books(error) => books_error(signed.locale(), error),
        RightsError::NoOwnerPhone => {
            layout::signed_message_page(StatusCode::CONFLICT, signed, "panel-rights-no-owner-phone")
        }
        RightsError::AlreadyDeleted(_) => layout::signed_message_page(
            StatusCode::CONFLICT,
            signed,
            "panel-rights-already-deleted",
        ),
        other => {
            tracing::error!(error = %other, "panel: customer data action failed");
            layout::unavailable(signed.locale())
        }
    }
}

/// `GET /panel/customers/{id}/export.json`: everything the shop holds about the customer.
pub(crate) async fn export(signed: Signed, Path(id): Path<String>) -> Response {
    if let Some(refused) = refuse_unless_owner(&signed) {
        return refused;
    }
    let Some(id) = customer_id(&id) else {
        return layout::not_found(signed.locale());
    };
    let export = match rights::export_customer(&signed.books, id).await {
        Ok(export) => export,
        Err(error) => return rights_error(&signed, error),
    };
    tracing::info!(merchant = %signed.session.merchant, customer = %id, "panel: customer data exported");
    (
        [(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"customer-{}.json\"", id.0),
        )],
        axum::Json(export),
    )
        .into_response()
}

/// The section of the customer's page with the export link and the delete button (owner only).
pub(crate) fn section(signed: &Signed, id: CustomerId) -> Option<impl IntoView + use<>> {
    if !signed.is_owner() || signed.operator.is_some() {
        return None;
    }
    let locale = signed.locale();
    Some(view! {
        <section>
            <h2>{label(locale, "panel-rights-heading")}</h2>
            <p class="links">
                <a href=format!("{BASE}/customers/{}/export.json", id.0) download>
                    {label(locale, "panel-rights-export")}
                </a>
            </p>
            <p class="muted">{label(locale, "panel-rights-delete-explain")}</p>
            <form method="post" action=format!("{BASE}/customers/{}/delete", id.0) class="inline">
                <input type="hidden" name="csrf" value=signed.csrf.clone()/>
                <button type="submit" class="secondary">{label(locale, "panel-rights-delete")}</button>
            </form>
        </section>
    })
}

/// `POST /panel/customers/{id}/delete`: sends the owner a code and shows the form to type it.
pub(crate) async fn ask(
    State(panel): State<Panel>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<AskForm>,
) -> Response {
    if let Some(refused) = refuse_unless_owner(&signed) {
        return refused;
    }
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let Some(id) = customer_id(&id) else {
        return layout::not_found(signed.locale());
    };
    let delivery = if panel.sandbox {
        Delivery::Sandbox
    } else {
        Delivery::Queued
    };
    let by = Requester::Panel(signed.session.phone.clone());
    let requested =
        match rights::request_deletion(&signed.books, &panel.key, id, &by, delivery).await {
            Ok(requested) => requested,
            Err(error) => return rights_error(&signed, error),
        };
    tracing::info!(merchant = %signed.session.merchant, customer = %id, "panel: deletion code sent to the owner");
    code_form(&signed, id, requested.challenge.as_str(), None)
}

/// The form the owner types the code into; `error` says what was wrong with the last try.
fn code_form(signed: &Signed, id: CustomerId, challenge: &str, error: Option<String>) -> Response {
    let locale = signed.locale();
    let name = format!("#{}", id.0);
    let body = view! {
        <h1>{label(locale, "panel-rights-delete")}</h1>
        {error.map(|text| view! { <p class="error" role="alert">{text}</p> })}
        <p>{label_with(locale, "panel-rights-code-sent", &[("name", name)])}</p>
        <form method="post" action=format!("{BASE}/customers/{}/delete/confirm", id.0) class="stack">
            <input type="hidden" name="csrf" value=signed.csrf.clone()/>
            <input type="hidden" name="challenge" value=challenge.to_string()/>
            <label for="code">{label(locale, "panel-login-code-label")}</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                required maxlength="12"/>
            <button type="submit">{label(locale, "panel-rights-confirm")}</button>
        </form>
    };
    layout::signed_page(
        StatusCode::OK,
        signed,
        Nav::Elsewhere,
        label(locale, "panel-rights-delete"),
        body,
    )
}

/// `POST /panel/customers/{id}/delete/confirm`: a right code deletes the customer and sends
/// the browser back to what is left of them (303).
pub(crate) async fn confirm(
    State(panel): State<Panel>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    if let Some(refused) = refuse_unless_owner(&signed) {
        return refused;
    }
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let Some(id) = customer_id(&id) else {
        return layout::not_found(signed.locale());
    };
    // Another shop's customer is the same 404 as a missing one, whatever the code.
    if let Err(error) = signed.books.customer(id).await {
        return books_error(signed.locale(), error);
    }
    let by = Requester::Panel(signed.session.phone.clone());
    let outcome = rights::confirm_deletion(
        &signed.books,
        &panel.key,
        panel.recordings.as_ref(),
        id,
        &form.challenge,
        &form.code,
        &by,
    )
    .await;
    let locale = signed.locale();
    match outcome {
        Ok(Ok(_deleted)) => {
            Redirect::to(&format!("{BASE}/customers/{}?deleted=1", id.0)).into_response()
        }
        Ok(Err(CodeRefused::Wrong { tries_left })) => code_form(
            &signed,
            id,
            &form.challenge,
            Some(label_with(
                locale,
                "panel-login-wrong",
                &[("count", tries_left.to_string())],
            )),
        ),
        Ok(Err(CodeRefused::Expired | CodeRefused::NoTriesLeft)) => {
            layout::signed_message_page(StatusCode::FORBIDDEN, &signed, "panel-login-expired")
        }
        Err(RightsError::Books(BooksError::CustomerNotFound(_))) => layout::not_found(locale),
        Err(error) => rights_error(&signed, error),
    }
}
