//! `GET /panel/conversations`: who the shop's number talked with; one conversation's messages in and out (transcripts, what each was read as and booked, with links to the customer and the bill, reply buttons, the archived voice note's player); and the voice note itself, streamed only to the owning shop.
//!
//! The shop's whole log is the owner's, as the dashboard is: staff get "only the owner".

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use execora_engine::books::EntryKind;
use execora_engine::conversations::{
    self, Booking, LogMessage, OperationKind, Peer, PeerKind, Reading,
};
use execora_engine::messages::{Direction, MessageId};
use execora_engine::recordings::RecordingsError;
use execora_engine::reply::{Locale, entry_kind_label, format_when, label, label_with};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use crate::app::layout::{self, Nav};
use crate::app::session::Signed;
use crate::app::{BASE, Panel};

/// Messages on one page of a conversation.
const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    /// Continue with messages older than this one.
    before: Option<i64>,
}

/// A peer in a path: a phone number as stored (digits only); anything else is not found.
fn peer_of(text: &str) -> Option<&str> {
    (!text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()))
        .then_some(text)
}

fn conversation_path(phone: &str) -> String {
    format!("{BASE}/conversations/{phone}")
}

/// The path the audio of message `id` is streamed from.
pub(crate) fn recording_path(id: MessageId) -> String {
    format!("{BASE}/recordings/{}", id.0)
}

fn when(signed: &Signed, at: i64) -> String {
    format_when(local(from_millis(at), signed.books.zone()), signed.locale())
}

fn peer_label(locale: Locale, peer: &Peer) -> String {
    match &peer.kind {
        PeerKind::Shop(role) => label_with(
            locale,
            "panel-talk-peer-shop",
            &[
                ("phone", peer.phone.clone()),
                (
                    "role",
                    label(
                        locale,
                        match role {
                            execora_engine::books::Role::Owner => "panel-role-owner",
                            execora_engine::books::Role::Staff => "panel-role-staff",
                        },
                    ),
                ),
            ],
        ),
        PeerKind::Customer { name, .. } => label_with(
            locale,
            "panel-talk-peer-customer",
            &[("name", name.clone()), ("phone", peer.phone.clone())],
        ),
        PeerKind::Other => peer.phone.clone(),
    }
}

/// `GET /panel/conversations`: the shop's conversations, the most recent first.
pub(crate) async fn list(signed: Signed) -> Response {
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let locale = signed.locale();
    let peers = match conversations::peers(signed.books.db(), signed.session.merchant).await {
        Ok(peers) => peers,
        Err(error) => {
            tracing::error!(%error, "panel conversations could not be read");
            return layout::unavailable(locale);
        }
    };
    let title = label(locale, "panel-talk-heading");
    let rows = if peers.is_empty() {
        view! { <p class="muted">{label(locale, "panel-talk-none")}</p> }.into_any()
    } else {
        let items = peers
            .iter()
            .map(|peer| {
                let count = label_with(
                    locale,
                    "panel-talk-count",
                    &[("count", peer.messages.to_string())],
                );
                view! {
                    <li>
                        <a href=conversation_path(&peer.phone)>{peer_label(locale, peer)}</a>
                        <span class="muted">{format!("{count} · {}", when(&signed, peer.last_at))}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="rows">{items}</ul> }.into_any()
    };
    let body = view! {
        <h1>{title.clone()}</h1>
        {rows}
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Conversations, title, body)
}

/// What one booking wrote, each customer a link to their page and a bill a link to the bill.
fn booking_view(locale: Locale, booking: &Booking) -> impl IntoView + use<> {
    let what = if booking.entries.is_empty() {
        label(
            locale,
            match booking.kind {
                OperationKind::Payment => "panel-talk-op-payment",
                OperationKind::Credit => "panel-talk-op-credit",
                OperationKind::Invoice => "panel-talk-op-invoice",
                OperationKind::CancelInvoice => "panel-talk-op-cancel-invoice",
                OperationKind::Undo => "panel-talk-op-undo",
                OperationKind::Stock => "panel-talk-op-stock",
                OperationKind::Reminder => "panel-talk-op-reminder",
                OperationKind::Other => "panel-talk-op-other",
            },
        )
        .into_any()
    } else {
        booking
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let amount = match entry.kind {
                    EntryKind::Payment | EntryKind::Reversal => entry.amount.abs(),
                    EntryKind::Sale | EntryKind::Credit => entry.amount,
                };
                view! {
                    {(i > 0).then_some("; ")}
                    {format!("{} {amount} — ", entry_kind_label(entry.kind, locale))}
                    <a href=format!("{BASE}/customers/{}", entry.customer)>{entry.customer_name.clone()}</a>
                }
            })
            .collect_view()
            .into_any()
    };
    let bill = booking.invoice.map(|(id, number)| {
        view! {
            " · "
            <a href=format!("{BASE}/bills/{id}")>
                {label_with(locale, "panel-talk-bill", &[("number", number.to_string())])}
            </a>
        }
    });
    let undone = booking
        .undone
        .then(|| format!(" ({})", label(locale, "panel-talk-undone")));
    view! { {what}{bill}{undone} }
}

/// How an inbound message was read: each command's intent, customer and amount.
fn reading_view(locale: Locale, reading: &Reading) -> impl IntoView + use<> {
    let items = reading
        .commands
        .iter()
        .map(|command| {
            let mut parts = vec![label(locale, &format!("panel-intent-{}", command.intent()))];
            parts.extend(command.customer().map(str::to_string));
            parts.extend(command.amount().map(|amount| amount.to_string()));
            view! { <li>{parts.join(" · ")}</li> }
        })
        .collect_view();
    let unsure = (!reading.confident)
        .then(|| view! { <p class="muted">{label(locale, "panel-talk-unsure")}</p> });
    view! {
        <p class="booked-heading">{label(locale, "panel-talk-understood")}</p>
        <ul class="booked">{items}</ul>
        {unsure}
    }
}

fn message_item(signed: &Signed, item: LogMessage) -> impl IntoView + use<> {
    let locale = signed.locale();
    let message = item.message;
    let inbound = message.direction == Direction::In;
    let (class, arrow) = if inbound {
        ("message in", label(locale, "panel-talk-in"))
    } else {
        ("message out", label(locale, "panel-talk-out"))
    };
    let head = format!(
        "{arrow} · {} · {}",
        when(signed, message.created_at),
        message.status.as_str()
    );
    let voice = message.kind == "audio";
    let text = if voice {
        None
    } else if matches!(
        message.kind.as_str(),
        "button_reply" | "list_reply" | "template_button"
    ) {
        // Stored as "id\ntitle": the merchant saw and tapped the title.
        Some(
            message
                .body
                .split_once('\n')
                .map_or(message.body.clone(), |(_, title)| title.to_string()),
        )
    } else {
        Some(message.body.clone())
    };
    let transcript = voice.then(|| match &message.transcript {
        Some(words) => label_with(locale, "panel-talk-transcript", &[("words", words.clone())]),
        None => label(locale, "panel-talk-no-transcript"),
    });
    // Operators read the log but never hear a customer: no player, as no recording opens for them.
    let player = (item.recorded && signed.may_act()).then(|| {
        view! {
            <audio controls preload="none" src=recording_path(message.id)>
                <a href=recording_path(message.id)>{label(locale, "panel-talk-listen")}</a>
            </audio>
        }
    });
    let booked = inbound.then(|| {
        let items = if item.bookings.is_empty() {
            view! { <li class="muted">{label(locale, "panel-talk-booked-nothing")}</li> }.into_any()
        } else {
            item.bookings
                .iter()
                .map(|b| view! { <li>{booking_view(locale, b)}</li> })
                .collect_view()
                .into_any()
        };
        view! {
            <p class="booked-heading">{label(locale, "panel-talk-booked")}</p>
            <ul class="booked">{items}</ul>
        }
    });
    let understood = item
        .understood
        .as_ref()
        .filter(|_| inbound)
        .map(|reading| reading_view(locale, reading));
    let buttons = (!item.options.is_empty()).then(|| {
        let titles = item
            .options
            .iter()
            .map(|o| format!("[{}]", o.title))
            .collect::<Vec<_>>()
            .join(" ");
        view! { <p class="muted">{label_with(locale, "panel-talk-buttons", &[("buttons", titles)])}</p> }
    });
    view! {
        <li class=class>
            <p class="muted">{head}</p>
            {text.map(|t| view! { <p class="body">{t}</p> })}
            {transcript.map(|t| view! { <p class="body">{t}</p> })}
            {player}
            {buttons}
            {understood}
            {booked}
        </li>
    }
}

/// `GET /panel/conversations/{phone}`: one conversation, newest first, in pages.
pub(crate) async fn conversation(
    signed: Signed,
    Path(phone): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let locale = signed.locale();
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let Some(phone) = peer_of(&phone) else {
        return layout::not_found(locale);
    };
    let merchant = signed.session.merchant;
    let db = signed.books.db();
    let loaded = async {
        let Some(peer) = conversations::peer(db, merchant, phone).await? else {
            return Ok(None);
        };
        let page =
            conversations::page(db, merchant, phone, query.before.map(MessageId), PER_PAGE).await?;
        Ok::<_, execora_engine::store::StoreError>(Some((peer, page)))
    }
    .await;
    let (peer, page) = match loaded {
        Ok(Some(loaded)) => loaded,
        // No message of this shop with that number: the same 404 as another shop's.
        Ok(None) => return layout::not_found(locale),
        Err(error) => {
            tracing::error!(%error, "panel conversation could not be read");
            return layout::unavailable(locale);
        }
    };
    let title = peer_label(locale, &peer);
    let older = page.next_before.map(|before| {
        view! {
            <a href=format!("{}?before={}", conversation_path(phone), before.0)>
                {label(locale, "panel-talk-older")}
            </a>
        }
    });
    let newest = query.before.is_some().then(|| {
        view! { <a href=conversation_path(phone)>{label(locale, "panel-talk-newest")}</a> }
    });
    let items = page
        .messages
        .into_iter()
        .map(|item| message_item(&signed, item))
        .collect_view();
    let body = view! {
        <p><a href=format!("{BASE}/conversations")>{label(locale, "panel-talk-all")}</a></p>
        <h1>{title.clone()}</h1>
        <ol class="messages">{items}</ol>
        <nav class="pager">{newest}{older}</nav>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Conversations, title, body)
}

/// The content type of an archived note, from the extension it was filed under.
fn audio_type(key: &str) -> &'static str {
    match key
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
    {
        Some(ext) => match ext.as_str() {
            "ogg" | "oga" | "opus" => "audio/ogg",
            "mp3" | "mpeg" => "audio/mpeg",
            "m4a" | "mp4" => "audio/mp4",
            "aac" => "audio/aac",
            "amr" => "audio/amr",
            "wav" => "audio/wav",
            "webm" => "audio/webm",
            "flac" => "audio/flac",
            _ => "application/octet-stream",
        },
        None => "application/octet-stream",
    }
}

/// `GET /panel/recordings/{message}`: the archived voice note, to the owner of its shop only;
/// anything else — another shop's message, no recording, a purged one — is the same 404.
/// Never kept by a shared cache.
pub(crate) async fn recording(
    State(panel): State<Panel>,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    let locale = signed.locale();
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0).map(MessageId) else {
        return layout::not_found(locale);
    };
    let Some(archive) = &panel.recordings else {
        return layout::not_found(locale);
    };
    let db = signed.books.db();
    let found = match archive.for_message(db, signed.session.merchant, id).await {
        Ok(Some(recording)) => archive
            .audio(&recording)
            .await
            .map(|audio| (audio_type(&recording.audio_key), audio)),
        Ok(None) => return layout::not_found(locale),
        Err(error) => Err(error),
    };
    match found {
        Ok((content_type, audio)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, no-store"),
                (header::CONTENT_DISPOSITION, "inline"),
            ],
            audio,
        )
            .into_response(),
        Err(RecordingsError::Purged(_)) => layout::not_found(locale),
        Err(error) => {
            tracing::error!(%error, message = id.0, "panel recording could not be read");
            layout::unavailable(locale)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digits_name_a_conversation() {
        assert_eq!(peer_of("919812345678"), Some("919812345678"));
        assert_eq!(peer_of("91981234567a"), None);
        assert_eq!(peer_of("../1"), None);
        assert_eq!(peer_of(""), None);
    }

    #[test]
    fn notes_are_served_as_what_they_are() {
        assert_eq!(audio_type("1/2026/11/22/5.ogg"), "audio/ogg");
        assert_eq!(audio_type("1/2026/11/22/5.MP3"), "audio/mpeg");
        assert_eq!(audio_type("1/2026/11/22/5"), "application/octet-stream");
    }
}
