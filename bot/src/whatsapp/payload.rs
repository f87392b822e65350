//! What a webhook POST carries, read tolerantly: every entry, change, message and status, unknown
//! types kept as `Other`, one malformed message never dropping the others.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

/// Why a signed body is not a WhatsApp notification at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("body is not JSON")]
    NotJson,
    #[error("object is not whatsapp_business_account")]
    NotWhatsapp,
}

/// One thing a webhook told us.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Message(InboundMessage),
    Status(StatusUpdate),
    /// A change of another field (account updates, templates…), acknowledged and logged.
    Ignored {
        field: String,
    },
}

/// A message a user sent to the business number.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The business number it came to.
    pub phone_number_id: String,
    pub wamid: String,
    /// The sender's wa_id (digits); withheld for some username users.
    pub from: Option<String>,
    /// Business-scoped user id (BSUID), when Meta sends one.
    pub user_id: Option<String>,
    pub profile_name: Option<String>,
    pub timestamp: u64,
    /// The message this one replies to (a question's wamid for a button tap).
    pub context_wamid: Option<String>,
    pub forwarded: bool,
    pub content: InboundContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InboundContent {
    Text {
        body: String,
    },
    Audio {
        media_id: String,
        mime_type: Option<String>,
        sha256: Option<String>,
        url: Option<String>,
        voice: bool,
    },
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    TemplateButton {
        payload: String,
        text: String,
    },
    /// image, document, sticker, location, reaction, contacts, order, system, unsupported, and newer types.
    Other {
        kind: String,
    },
}

/// A delivery status of a message we sent.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub wamid: String,
    /// sent, delivered, read, played, failed (or a newer word).
    pub status: String,
    pub timestamp: u64,
    pub recipient_id: Option<String>,
    pub errors: Vec<ApiErrorInfo>,
    /// What we tagged the message with when sending it (`biz_opaque_callback_data`).
    pub callback_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiErrorInfo {
    pub code: i64,
    pub title: String,
    pub details: Option<String>,
}

// Each level is read as raw JSON and its parts parsed one by one, so one malformed part (an entry,
// a change, a message) is skipped alone; nothing is built as a `Value` tree and cloned.
#[derive(Deserialize, Default)]
struct Envelope<'a> {
    #[serde(default)]
    object: String,
    #[serde(default, borrow)]
    entry: Vec<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Entry<'a> {
    #[serde(default, borrow)]
    changes: Vec<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Change<'a> {
    #[serde(borrow)]
    field: Option<&'a RawValue>,
    #[serde(borrow)]
    value: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct ChangeValue<'a> {
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    contacts: Option<&'a RawValue>,
    #[serde(borrow)]
    messages: Option<&'a RawValue>,
    #[serde(borrow)]
    statuses: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    phone_number_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct Contact {
    wa_id: Option<String>,
    user_id: Option<String>,
    #[serde(default)]
    profile: Profile,
}

#[derive(Deserialize, Default)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawMessage {
    id: String,
    from: Option<String>,
    #[serde(default)]
    timestamp: Value,
    #[serde(rename = "type", default)]
    kind: String,
    context: Option<RawContext>,
    text: Option<RawText>,
    audio: Option<RawAudio>,
    interactive: Option<RawInteractive>,
    button: Option<RawButton>,
}

#[derive(Deserialize)]
struct RawContext {
    id: Option<String>,
    #[serde(default)]
    forwarded: bool,
    #[serde(default)]
    frequently_forwarded: bool,
}

#[derive(Deserialize)]
struct RawText {
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
struct RawAudio {
    id: String,
    mime_type: Option<String>,
    sha256: Option<String>,
    url: Option<String>,
    #[serde(default)]
    voice: bool,
}

#[derive(Deserialize)]
struct RawInteractive {
    #[serde(rename = "type", default)]
    kind: String,
    button_reply: Option<RawReply>,
    list_reply: Option<RawReply>,
}

#[derive(Deserialize)]
struct RawReply {
    id: String,
    #[serde(default)]
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawButton {
    #[serde(default)]
    payload: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct RawStatus {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    timestamp: Value,
    recipient_id: Option<String>,
    #[serde(default)]
    errors: Vec<RawError>,
    #[serde(default)]
    biz_opaque_callback_data: Option<String>,
}

#[derive(Deserialize)]
struct RawError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    title: String,
    error_data: Option<RawErrorData>,
}

#[derive(Deserialize)]
struct RawErrorData {
    details: Option<String>,
}

/// Meta sends Unix seconds as strings; numbers and junk are read leniently (junk is 0).
fn seconds(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

/// The elements of a JSON array, or none when `raw` is missing or not an array.
fn elements(raw: Option<&RawValue>) -> Vec<&RawValue> {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default()
}

/// `raw` read as `T`, or `None` when it is missing or has another shape.
fn read<T: DeserializeOwned>(raw: Option<&RawValue>) -> Option<T> {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
}

/// Everything one POST carried, flattened over entry[]/changes[]/messages[]/statuses[].
pub fn parse(raw_body: &[u8]) -> Result<Vec<Event>, PayloadError> {
    // serde_json checks the UTF-8 of the strings it reads, not of those it skips (fields we do not
    // read): without this, bytes that are not JSON at all could still give events.
    let text = std::str::from_utf8(raw_body).map_err(|_| PayloadError::NotJson)?;
    let envelope: Envelope = serde_json::from_str(text).map_err(|_| PayloadError::NotJson)?;
    if envelope.object != "whatsapp_business_account" {
        return Err(PayloadError::NotWhatsapp);
    }
    let mut events = Vec::new();
    for entry in envelope.entry {
        let entry: Entry = serde_json::from_str(entry.get()).unwrap_or_default();
        for change in entry.changes {
            let change: Change = serde_json::from_str(change.get()).unwrap_or_default();
            let field: String = read(change.field).unwrap_or_default();
            if field != "messages" {
                events.push(Event::Ignored { field });
                continue;
            }
            let Some(value) = change.value else {
                continue;
            };
            read_change(value, &mut events);
        }
    }
    Ok(events)
}

fn read_change(value: &RawValue, events: &mut Vec<Event>) {
    let value: ChangeValue = serde_json::from_str(value.get()).unwrap_or_default();
    let phone_number_id = read::<Metadata>(value.metadata)
        .and_then(|metadata| metadata.phone_number_id)
        .unwrap_or_default();
    let contacts: Vec<Contact> = elements(value.contacts)
        .into_iter()
        .filter_map(|contact| serde_json::from_str(contact.get()).ok())
        .collect();
    for raw in elements(value.messages) {
        let message: RawMessage = match serde_json::from_str(raw.get()) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "skipping a webhook message we cannot read");
                continue;
            }
        };
        // The contact of this sender: by wa_id, or the one contact with no wa_id (a username user).
        let contact = contacts
            .iter()
            .find(|c| c.wa_id.is_some() && c.wa_id == message.from)
            .or_else(|| {
                message
                    .from
                    .is_none()
                    .then(|| contacts.iter().find(|c| c.wa_id.is_none()))
                    .flatten()
            });
        let content = match message.kind.as_str() {
            "text" => InboundContent::Text {
                body: message.text.map(|t| t.body).unwrap_or_default(),
            },
            "audio" => match message.audio {
                Some(a) => InboundContent::Audio {
                    media_id: a.id,
                    mime_type: a.mime_type,
                    sha256: a.sha256,
                    url: a.url,
                    voice: a.voice,
                },
                None => InboundContent::Other {
                    kind: "audio".into(),
                },
            },
            "interactive" => match message.interactive {
                Some(RawInteractive {
                    kind,
                    button_reply: Some(reply),
                    ..
                }) if kind == "button_reply" => InboundContent::ButtonReply {
                    id: reply.id,
                    title: reply.title,
                },
                Some(RawInteractive {
                    kind,
                    list_reply: Some(reply),
                    ..
                }) if kind == "list_reply" => InboundContent::ListReply {
                    id: reply.id,
                    title: reply.title,
                    description: reply.description,
                },
                _ => InboundContent::Other {
                    kind: "interactive".into(),
                },
            },
            "button" => match message.button {
                Some(b) => InboundContent::TemplateButton {
                    payload: b.payload,
                    text: b.text,
                },
                None => InboundContent::Other {
                    kind: "button".into(),
                },
            },
            other => InboundContent::Other {
                kind: if other.is_empty() {
                    "unknown".into()
                } else {
                    other.to_string()
                },
            },
        };
        let context = message.context.as_ref();
        events.push(Event::Message(InboundMessage {
            phone_number_id: phone_number_id.clone(),
            wamid: message.id,
            from: message.from.clone(),
            user_id: contact.and_then(|c| c.user_id.clone()),
            profile_name: contact.and_then(|c| c.profile.name.clone()),
            timestamp: seconds(&message.timestamp),
            context_wamid: context.and_then(|c| c.id.clone()),
            forwarded: context.is_some_and(|c| c.forwarded || c.frequently_forwarded),
            content,
        }));
    }
    for raw in elements(value.statuses) {
        let Ok(status) = serde_json::from_str::<RawStatus>(raw.get()) else {
            tracing::warn!("skipping a webhook status we cannot read");
            continue;
        };
        events.push(Event::Status(StatusUpdate {
            wamid: status.id,
            status: status.status,
            timestamp: seconds(&status.timestamp),
            recipient_id: status.recipient_id,
            callback_data: status.biz_opaque_callback_data,
            errors: status
                .errors
                .into_iter()
                .map(|e| ApiErrorInfo {
                    code: e.code,
                    title: e.title,
                    details: e.error_data.and_then(|d| d.details),
                })
                .collect(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/webhooks/",
                $name
            ))
        };
    }

    fn only_message(body: &[u8]) -> InboundMessage {
        match parse(body).expect("parses").as_slice() {
            [Event::Message(m)] => m.clone(),
            other => panic!("expected one message, got {other:?}"),
        }
    }

    /// Found by the `webhook_payload` fuzz target: bytes that are not UTF-8 inside a field we do
    /// not read went unchecked, so a body that is not JSON still gave the messages beside them.
    #[test]
    fn a_body_that_is_not_utf8_is_not_json_whichever_field_holds_the_bad_bytes() {
        let good = fixture!("text.json");
        assert!(parse(good).is_ok_and(|events| events.len() == 1));
        let mut bad = b"{\"unread\":\"\x8f\",".to_vec();
        bad.extend_from_slice(&good[1..]);
        assert_eq!(parse(&bad), Err(PayloadError::NotJson));
        let found = b"{\"object:\":\"w\x8f\x9e\",\"entry\":[]}";
        assert_eq!(parse(found), Err(PayloadError::NotJson));
    }

    #[test]
    fn reads_a_text_message_with_its_sender() {
        let m = only_message(fixture!("text.json"));
        assert_eq!(m.phone_number_id, "106540352242922");
        assert_eq!(m.wamid, "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhggQTAx");
        assert_eq!(m.from.as_deref(), Some("919812345678"));
        assert_eq!(m.profile_name.as_deref(), Some("Gupta Kirana"));
        assert_eq!(m.timestamp, 1_795_000_000);
        assert_eq!(
            m.content,
            InboundContent::Text {
                body: "Rahul ne 200 UPI kiya".into()
            }
        );
    }

    #[test]
    fn unescapes_devanagari_emoji_and_slashes() {
        let m = only_message(fixture!("text_devanagari_emoji.json"));
        assert_eq!(
            m.content,
            InboundContent::Text {
                body: "राहुल ने 500 दिए 😀 / ok".into()
            }
        );
        assert_eq!(m.profile_name.as_deref(), Some("गुप्ता किराना"));
    }

    #[test]
    fn reads_voice_notes_and_button_taps() {
        let voice = only_message(fixture!("voice.json"));
        assert_eq!(
            voice.content,
            InboundContent::Audio {
                media_id: "1908647269898587".into(),
                mime_type: Some("audio/ogg; codecs=opus".into()),
                sha256: Some("wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=".into()),
                url: Some("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1908647269898587&source=webhook".into()),
                voice: true,
            }
        );
        let tap = only_message(fixture!("button_reply.json"));
        assert_eq!(
            tap.content,
            InboundContent::ButtonReply {
                id: "pick:2".into(),
                title: "Rahul Verma".into()
            }
        );
        assert_eq!(tap.context_wamid.as_deref(), Some("wamid.OUTBOUNDQUESTION"));
    }

    #[test]
    fn reads_statuses_with_their_errors() {
        let events = parse(fixture!("statuses.json")).expect("parses");
        let [Event::Status(delivered), Event::Status(failed)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(
            (delivered.wamid.as_str(), delivered.status.as_str()),
            ("wamid.OUT1", "delivered")
        );
        assert!(delivered.errors.is_empty());
        assert_eq!(failed.status, "failed");
        assert_eq!(failed.errors[0].code, 131049);
        assert!(
            failed.errors[0]
                .details
                .as_deref()
                .is_some_and(|d| d.contains("healthy ecosystem"))
        );
    }

    #[test]
    fn a_mixed_batch_keeps_every_readable_event() {
        let events = parse(fixture!("batch_mixed.json")).expect("parses");
        let kinds: Vec<String> = events
            .iter()
            .map(|e| match e {
                Event::Message(m) => format!("{}:{:?}", m.wamid, m.content),
                Event::Status(s) => format!("{}:{}", s.wamid, s.status),
                Event::Ignored { field } => format!("ignored:{field}"),
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                "wamid.B1:Other { kind: \"image\" }",
                "wamid.B2:Text { body: \"hello\" }",
                "wamid.B3:Other { kind: \"reaction\" }",
                "wamid.B4:TemplateButton { payload: \"pay-later\", text: \"Pay later\" }",
                "wamid.OUT3:read",
                "ignored:account_update",
            ]
        );
        let Event::Message(username_user) = &events[1] else {
            panic!("message")
        };
        assert_eq!(username_user.from, None);
        assert_eq!(username_user.user_id.as_deref(), Some("IN.8213749123749"));
        let Event::Message(junk_time) = &events[2] else {
            panic!("message")
        };
        assert_eq!(junk_time.timestamp, 0);
    }

    #[test]
    fn odd_bodies_are_refused_or_yield_nothing() {
        assert_eq!(parse(b"not json"), Err(PayloadError::NotJson));
        assert_eq!(
            parse(br#"{"object":"page","entry":[]}"#),
            Err(PayloadError::NotWhatsapp)
        );
        assert_eq!(
            parse(br#"{"object":"whatsapp_business_account","entry":{"x":1}}"#),
            Err(PayloadError::NotJson)
        );
        let odd = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages"},{"field":"messages","value":{"messages":{"id":"x"}}}]}]}"#;
        assert_eq!(parse(odd), Ok(vec![]));
    }

    #[test]
    fn a_malformed_part_at_any_level_hides_nothing_beside_it() {
        let message = r#"{"from":"919812345678","id":"wamid.OK","timestamp":1795000000,"type":"text","text":{"body":"ok"}}"#;
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[
                7,
                {{"changes":"not a list"}},
                {{"changes":[
                    [],
                    {{"field":42,"value":{{}}}},
                    {{"field":"messages","value":"not an object"}},
                    {{"field":"messages","value":{{"metadata":{{"phone_number_id":5}},"contacts":{{"wa_id":1}},
                      "messages":[{{"id":3}}, {message}],"statuses":[{{"status":"read"}}]}}}}
                ]}}
            ]}}"#
        );
        let events = parse(body.as_bytes()).expect("parses");
        assert_eq!(
            events[..2],
            [
                Event::Ignored { field: "".into() },
                Event::Ignored { field: "".into() }
            ]
        );
        let [_, _, Event::Message(m)] = events.as_slice() else {
            panic!("expected two ignored changes and one message, got {events:?}")
        };
        assert_eq!((m.wamid.as_str(), m.timestamp), ("wamid.OK", 1_795_000_000));
        assert_eq!(m.phone_number_id, "");
    }

    #[test]
    fn a_three_megabyte_batch_parses() {
        let message = r#"{"from":"919812345678","id":"wamid.N","timestamp":"1795000000","type":"text","text":{"body":"Rahul ne 200 diye"}}"#;
        let messages = vec![message; 28_000].join(",");
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{{"metadata":{{"phone_number_id":"1"}},"messages":[{messages}]}}}}]}}]}}"#
        );
        assert!(body.len() > 3_000_000);
        assert_eq!(parse(body.as_bytes()).map(|e| e.len()), Ok(28_000));
    }

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse(&body);
        }
    }
}
