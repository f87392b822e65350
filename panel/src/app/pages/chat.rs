//! `GET /panel/chat`: in the sandbox (no WhatsApp number configured), talking to Execora from the browser as the signed-in phone, through the same inbound path as a WhatsApp message.
//!
//! A message typed here is stored as an inbound message from the session's phone, exactly as
//! the webhook stores one (a button as `id\ntitle`, like a tapped reply button), and the
//! inbound worker answers it through the pipeline; its reply lands in the outbox, where this
//! page reads it. The stored id is `panel-<form key>`, the key drawn when the form was shown,
//! so a resubmitted form is stored — and booked — once. With WhatsApp configured the page is a
//! 404 that says why: there the merchant talks to the real number.

use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::{self, Secret};
use execora_engine::conversations::{self, LogMessage};
use execora_engine::messages::{self, Delivery, Direction, MessageId, NewInbound};
use execora_engine::reply::{label, label_with};
use execora_engine::time::to_millis;
use leptos::prelude::*;
use serde::Deserialize;

use crate::app::layout::{self, Nav};
use crate::app::session::{Signed, refused_form};
use crate::app::{BASE, Panel};

/// Messages shown, the newest at the bottom.
const SHOWN: i64 = 30;
/// A message longer than this is not taken (WhatsApp's own limit is 4,096 characters).
const MAX_CHARS: usize = 1_000;
/// How long the POST waits for the worker's reply before showing the page anyway.
const REPLY_WAIT: Duration = Duration::from_secs(5);
const REPLY_POLL: Duration = Duration::from_millis(100);

fn chat_path() -> String {
    format!("{BASE}/chat")
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChatForm {
    /// Typed text.
    #[serde(default)]
    text: String,
    /// A reply button's id (`yes`, `pick:1`…) and title, when a button was pressed.
    #[serde(default)]
    button: String,
    #[serde(default)]
    title: String,
    /// The form's idempotency key.
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

/// What a message shows: a pressed button by its title.
fn shown_text(item: &LogMessage) -> String {
    let message = &item.message;
    match message.kind.as_str() {
        "button_reply" | "list_reply" | "template_button" => message
            .body
            .split_once('\n')
            .map_or(message.body.clone(), |(_, title)| title.to_string()),
        "audio" => message.transcript.clone().unwrap_or_default(),
        _ => message.body.clone(),
    }
}

/// Still waiting for the worker's answer.
fn unanswered(item: &LogMessage) -> bool {
    item.message.direction == Direction::In
        && matches!(
            item.message.status,
            Delivery::Received | Delivery::Processing | Delivery::Deferred
        )
}

fn disabled(signed: &Signed) -> Response {
    let locale = signed.locale();
    let title = label(locale, "panel-chat-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        <p class="notice" role="status">{label(locale, "panel-chat-disabled")}</p>
    };
    layout::signed_page(StatusCode::NOT_FOUND, signed, Nav::Chat, title, body)
}

pub(crate) async fn page(signed: Signed) -> Response {
    if !signed.sandbox {
        return disabled(&signed);
    }
    let locale = signed.locale();
    let phone = signed.session.phone.as_str().to_string();
    let log = match conversations::page(
        signed.books.db(),
        signed.session.merchant,
        &phone,
        None,
        SHOWN,
    )
    .await
    {
        Ok(page) => page.messages,
        Err(error) => {
            tracing::error!(%error, "panel chat could not be read");
            return layout::unavailable(locale);
        }
    };
    let new_key = || Secret::new().map(|key| key.as_str().to_string());
    let Ok(key) = new_key() else {
        tracing::error!("no randomness for a form key");
        return layout::unavailable(locale);
    };
    let csrf = signed.csrf.clone();
    let waiting = log.first().is_some_and(unanswered);
    // Only the newest reply's buttons are offered: an older question has been moved past.
    let buttons = log
        .first()
        .filter(|item| item.message.direction == Direction::Out && !item.options.is_empty())
        .map(|item| item.options.clone())
        .unwrap_or_default();
    let mut button_forms = Vec::with_capacity(buttons.len());
    for option in buttons {
        let Ok(key) = new_key() else {
            return layout::unavailable(locale);
        };
        let csrf = csrf.clone();
        button_forms.push(view! {
            <form method="post" action=chat_path() class="inline">
                <input type="hidden" name="csrf" value=csrf/>
                <input type="hidden" name="key" value=key/>
                <input type="hidden" name="button" value=option.id/>
                <input type="hidden" name="title" value=option.title.clone()/>
                <button type="submit">{option.title}</button>
            </form>
        });
    }
    let lines = if log.is_empty() {
        view! { <p class="muted">{label(locale, "panel-chat-empty")}</p> }.into_any()
    } else {
        log.iter()
            .rev()
            .map(|item| {
                let (class, who) = match item.message.direction {
                    Direction::In => ("message in", label(locale, "panel-chat-you")),
                    Direction::Out => ("message out", label(locale, "panel-chat-bot")),
                };
                view! {
                    <li class=class>
                        <p class="muted">{who}</p>
                        <p class="body">{shown_text(item)}</p>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    let title = label(locale, "panel-chat-heading");
    let body = view! {
        <h1>{title.clone()}</h1>
        <p class="muted">{label_with(locale, "panel-chat-intro", &[("phone", phone.clone())])}</p>
        <ol class="messages chat">{lines}</ol>
        {waiting.then(|| view! {
            <p class="notice" role="status">
                {label(locale, "panel-chat-waiting")}" "
                <a href=chat_path()>"↻"</a>
            </p>
        })}
        <div class="buttons">{button_forms}</div>
        <form method="post" action=chat_path() class="stack">
            <input type="hidden" name="csrf" value=csrf/>
            <input type="hidden" name="key" value=key/>
            <label for="text">{label(locale, "panel-chat-message")}</label>
            <input id="text" name="text" type="text" required maxlength="1000" autocomplete="off"
                autofocus/>
            <button type="submit">{label(locale, "panel-chat-send")}</button>
        </form>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Chat, title, body)
}

/// `POST /panel/chat`: stores the message as arriving from the session's phone (once per form),
/// waits a moment for the worker's reply, and shows the chat again.
pub(crate) async fn send(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<ChatForm>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if !signed.sandbox {
        return disabled(&signed);
    }
    let locale = signed.locale();
    if !access::is_token(&form.key) {
        return refused_form(locale);
    }
    let (kind, body) = if form.button.is_empty() {
        let text = form.text.trim();
        if text.is_empty() || text.chars().count() > MAX_CHARS {
            return Redirect::to(&chat_path()).into_response();
        }
        ("text", text.to_string())
    } else {
        let id: String = form.button.trim().chars().take(64).collect();
        let title: String = form.title.trim().chars().take(64).collect();
        ("button_reply", format!("{id}\n{title}"))
    };
    let merchant = signed.session.merchant;
    let phone = signed.session.phone.as_str().to_string();
    let channel_id = format!("panel-{}", form.key);
    let db = signed.books.db();
    let stored = messages::record_inbound(
        db,
        &NewInbound {
            merchant: Some(merchant),
            channel_id: &channel_id,
            peer: &phone,
            peer_user_id: None,
            kind,
            body: &body,
            media_id: None,
            context_id: None,
            status: Delivery::Received,
            at: to_millis(panel.clock.now()),
        },
    )
    .await;
    match stored {
        Ok(Some(id)) => {
            tracing::info!(%merchant, message = id.0, "panel chat: message stored for the worker");
            wait_for_reply(&signed, &phone, id).await;
        }
        // The same form again: stored (and answered) the first time.
        Ok(None) => tracing::info!(%merchant, "panel chat: form sent again, stored once"),
        Err(error) => {
            tracing::error!(%error, "panel chat message could not be stored");
            return layout::unavailable(locale);
        }
    }
    Redirect::to(&chat_path()).into_response()
}

/// Waits (a few seconds at most) until the worker has answered `id`; the page says "still
/// working" otherwise.
async fn wait_for_reply(signed: &Signed, phone: &str, id: MessageId) {
    let deadline = tokio::time::Instant::now() + REPLY_WAIT;
    while tokio::time::Instant::now() < deadline {
        let answered =
            conversations::page(signed.books.db(), signed.session.merchant, phone, None, 5)
                .await
                .map(|page| page.messages.iter().any(|m| m.in_reply_to == Some(id)));
        match answered {
            Ok(true) => return,
            Ok(false) => tokio::time::sleep(REPLY_POLL).await,
            Err(error) => {
                tracing::error!(%error, "panel chat reply could not be read");
                return;
            }
        }
    }
}
