//! Outbound message content: Meta's limits (checked before sending) and the exact JSON bodies.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::GraphError;

/// Meta's limits; exceeding any of them rejects the whole message, so we refuse up front
/// instead of truncating (a cut-off amount in a ledger reply would be worse than no reply).
pub const TEXT_MAX_CHARS: usize = 4096;
pub const BUTTONS_MAX: usize = 3;
pub const BUTTON_TITLE_MAX_CHARS: usize = 20;
pub const BUTTON_ID_MAX_CHARS: usize = 256;
pub const INTERACTIVE_BODY_MAX_CHARS: usize = 1024;
pub const FOOTER_MAX_CHARS: usize = 60;
pub const TEMPLATE_QUICK_REPLIES_MAX: usize = 10;
/// Meta's limit on `biz_opaque_callback_data`.
pub const CALLBACK_DATA_MAX_CHARS: usize = 512;
/// A URL button's parameter is the end of a URL; a pay token is 43 characters.
pub const URL_BUTTON_PARAMETER_MAX_CHARS: usize = 2000;

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundContent {
    /// Plain text, at most 4096 characters.
    Text { body: String, preview_url: bool },
    /// Interactive reply buttons: 1..=3 buttons with unique titles of at most 20 characters.
    Buttons {
        body: String,
        buttons: Vec<ReplyButton>,
        footer: Option<String>,
    },
    /// An approved template, the only thing allowed outside the 24-hour window.
    Template {
        name: String,
        language: String,
        body_parameters: Vec<String>,
        quick_reply_payloads: Vec<String>,
        /// The `{{1}}` of the template's URL button, which comes after its quick replies (our
        /// payment reminder's one button: the pay page's token).
        url_button: Option<String>,
    },
    /// An approved authentication template carrying a one-time code, in its body and in its
    /// copy-code button (Meta's shape for authentication templates).
    AuthenticationCode {
        name: String,
        language: String,
        code: String,
    },
    /// A previously uploaded OGG/Opus file, shown as a voice note.
    Voice { media_id: String },
}

/// One interactive reply button; `id` comes back in the `button_reply` webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

fn invalid(reason: impl Into<String>) -> GraphError {
    GraphError::Invalid(reason.into())
}

fn check_len(what: &str, value: &str, max: usize) -> Result<(), GraphError> {
    if value.trim().is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(invalid(format!(
            "{what} has {chars} characters; the limit is {max}"
        )));
    }
    Ok(())
}

/// Media ids and phone-number ids end up in URL paths, so only the characters Meta uses are allowed.
pub(super) fn check_path_id(what: &str, id: &str) -> Result<(), GraphError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("{what} is not a valid Graph id")))
    }
}

/// `biz_opaque_callback_data`: non-empty, at most 512 characters.
pub(super) fn check_callback_data(data: &str) -> Result<(), GraphError> {
    check_len("callback data", data, CALLBACK_DATA_MAX_CHARS)
}

/// Recipient as E.164 digits: country code plus number, at most 15 digits, optional leading '+'.
pub(super) fn check_recipient(to: &str) -> Result<(), GraphError> {
    let digits = to.strip_prefix('+').unwrap_or(to);
    if (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(invalid(
            "recipient must be 7 to 15 digits including the country code",
        ))
    }
}

/// Meta rejects template parameters containing these with 132018.
fn check_template_param(index: usize, text: &str) -> Result<(), GraphError> {
    if text.trim().is_empty() {
        return Err(invalid(format!(
            "template body parameter {} is empty",
            index + 1
        )));
    }
    if text.contains(['\n', '\r', '\t']) || text.contains("     ") {
        return Err(invalid(format!(
            "template body parameter {} contains a newline, tab or more than 4 consecutive spaces",
            index + 1
        )));
    }
    Ok(())
}

/// Checks `content` against Meta's limits.
pub fn validate(content: &OutboundContent) -> Result<(), GraphError> {
    match content {
        OutboundContent::Text { body, .. } => check_len("text body", body, TEXT_MAX_CHARS),
        OutboundContent::Buttons {
            body,
            buttons,
            footer,
        } => {
            check_len("button message body", body, INTERACTIVE_BODY_MAX_CHARS)?;
            if let Some(footer) = footer {
                check_len("button message footer", footer, FOOTER_MAX_CHARS)?;
            }
            if buttons.is_empty() || buttons.len() > BUTTONS_MAX {
                return Err(invalid(format!(
                    "{} buttons; WhatsApp allows 1 to {BUTTONS_MAX}",
                    buttons.len()
                )));
            }
            let mut titles = HashSet::new();
            let mut ids = HashSet::new();
            for (i, button) in buttons.iter().enumerate() {
                check_len(
                    &format!("button {} title", i + 1),
                    &button.title,
                    BUTTON_TITLE_MAX_CHARS,
                )?;
                check_len(
                    &format!("button {} id", i + 1),
                    &button.id,
                    BUTTON_ID_MAX_CHARS,
                )?;
                if !titles.insert(button.title.as_str()) {
                    return Err(invalid(format!(
                        "button title {:?} is used twice",
                        button.title
                    )));
                }
                // Meta only demands unique titles, but a repeated id would make the
                // button_reply webhook ambiguous.
                if !ids.insert(button.id.as_str()) {
                    return Err(invalid(format!("button id {:?} is used twice", button.id)));
                }
            }
            Ok(())
        }
        OutboundContent::Template {
            name,
            language,
            body_parameters,
            quick_reply_payloads,
            url_button,
        } => {
            check_template_name(name, language)?;
            for (i, text) in body_parameters.iter().enumerate() {
                check_template_param(i, text)?;
            }
            if quick_reply_payloads.len() > TEMPLATE_QUICK_REPLIES_MAX {
                return Err(invalid(format!(
                    "{} quick-reply payloads; a template has at most {TEMPLATE_QUICK_REPLIES_MAX} buttons",
                    quick_reply_payloads.len()
                )));
            }
            if quick_reply_payloads.iter().any(|p| p.is_empty()) {
                return Err(invalid("a quick-reply payload is empty"));
            }
            if let Some(parameter) = url_button {
                check_len(
                    "URL button parameter",
                    parameter,
                    URL_BUTTON_PARAMETER_MAX_CHARS,
                )?;
                if parameter
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(invalid(
                        "URL button parameter contains a space or control character",
                    ));
                }
                if quick_reply_payloads.len() >= TEMPLATE_QUICK_REPLIES_MAX {
                    return Err(invalid("a template has at most 10 buttons"));
                }
            }
            Ok(())
        }
        OutboundContent::AuthenticationCode {
            name,
            language,
            code,
        } => {
            check_template_name(name, language)?;
            // Meta takes a code of at most 15 characters; ours are six digits.
            if code.is_empty()
                || code.len() > 15
                || !code.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(invalid(
                    "an authentication code is 1 to 15 letters or digits",
                ));
            }
            Ok(())
        }
        OutboundContent::Voice { media_id } => check_path_id("voice media id", media_id),
    }
}

fn check_template_name(name: &str, language: &str) -> Result<(), GraphError> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok {
        return Err(invalid(
            "template name must be lowercase letters, digits and underscores",
        ));
    }
    let language_ok = !language.is_empty()
        && language
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'_');
    if !language_ok {
        return Err(invalid(
            "template language must be a code such as en, hi or en_US",
        ));
    }
    Ok(())
}

/// The JSON body of `POST /{phone_number_id}/messages`. `to` is digits; the '+' is added here
/// because without it Meta prepends the business number's own country code.
pub fn body_json(to: &str, content: &OutboundContent, reply_to: Option<&str>) -> Value {
    let digits = to.strip_prefix('+').unwrap_or(to);
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": format!("+{digits}"),
    });
    let (kind, payload) = match content {
        OutboundContent::Text { body, preview_url } => {
            ("text", json!({ "preview_url": preview_url, "body": body }))
        }
        OutboundContent::Buttons {
            body,
            buttons,
            footer,
        } => {
            let buttons: Vec<Value> = buttons
                .iter()
                .map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": b.title } }))
                .collect();
            let mut interactive = json!({
                "type": "button",
                "body": { "text": body },
                "action": { "buttons": buttons },
            });
            if let Some(footer) = footer {
                interactive["footer"] = json!({ "text": footer });
            }
            ("interactive", interactive)
        }
        OutboundContent::Template {
            name,
            language,
            body_parameters,
            quick_reply_payloads,
            url_button,
        } => {
            let mut components = Vec::new();
            if !body_parameters.is_empty() {
                let parameters: Vec<Value> = body_parameters
                    .iter()
                    .map(|t| json!({ "type": "text", "text": t }))
                    .collect();
                components.push(json!({ "type": "body", "parameters": parameters }));
            }
            for (index, payload) in quick_reply_payloads.iter().enumerate() {
                components.push(json!({
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": index.to_string(),
                    "parameters": [{ "type": "payload", "payload": payload }],
                }));
            }
            if let Some(parameter) = url_button {
                components.push(json!({
                    "type": "button",
                    "sub_type": "url",
                    "index": quick_reply_payloads.len().to_string(),
                    "parameters": [{ "type": "text", "text": parameter }],
                }));
            }
            (
                "template",
                json!({
                    "name": name,
                    "language": { "code": language, "policy": "deterministic" },
                    "components": components,
                }),
            )
        }
        OutboundContent::AuthenticationCode {
            name,
            language,
            code,
        } => (
            "template",
            json!({
                "name": name,
                "language": { "code": language, "policy": "deterministic" },
                "components": [
                    { "type": "body", "parameters": [{ "type": "text", "text": code }] },
                    {
                        "type": "button",
                        "sub_type": "url",
                        "index": "0",
                        "parameters": [{ "type": "text", "text": code }],
                    },
                ],
            }),
        ),
        OutboundContent::Voice { media_id } => ("audio", json!({ "id": media_id, "voice": true })),
    };
    body["type"] = json!(kind);
    body[kind] = payload;
    if let Some(wamid) = reply_to {
        body["context"] = json!({ "message_id": wamid });
    }
    body
}

/// The JSON body that marks an inbound message read, optionally showing "typing…"
/// (which WhatsApp clears on our reply or after about 25 seconds).
pub fn mark_read_json(wamid: &str, typing: bool) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": wamid,
    });
    if typing {
        body["typing_indicator"] = json!({ "type": "text" });
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buttons(titles: &[&str]) -> OutboundContent {
        OutboundContent::Buttons {
            body: "Save this entry?".into(),
            buttons: titles
                .iter()
                .enumerate()
                .map(|(i, t)| ReplyButton {
                    id: format!("b{i}"),
                    title: (*t).into(),
                })
                .collect(),
            footer: None,
        }
    }

    fn refused(content: &OutboundContent) -> String {
        match validate(content) {
            Err(GraphError::Invalid(reason)) => reason,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn refuses_what_meta_would_reject() {
        assert!(refused(&buttons(&["A", "B", "C", "D"])).contains("4 buttons"));
        assert!(refused(&buttons(&[])).contains("0 buttons"));
        assert!(refused(&buttons(&["Yes", "123456789012345678901"])).contains("21 characters"));
        assert!(refused(&buttons(&["Yes", "Yes"])).contains("used twice"));
        let long = OutboundContent::Text {
            body: "a".repeat(TEXT_MAX_CHARS + 1),
            preview_url: false,
        };
        assert!(refused(&long).contains("4097 characters"));
        let empty = OutboundContent::Text {
            body: " \n".into(),
            preview_url: false,
        };
        assert!(refused(&empty).contains("empty"));
        let footer = OutboundContent::Buttons {
            body: "ok".into(),
            buttons: vec![ReplyButton {
                id: "y".into(),
                title: "Yes".into(),
            }],
            footer: Some("f".repeat(FOOTER_MAX_CHARS + 1)),
        };
        assert!(refused(&footer).contains("footer"));
        let template = OutboundContent::Template {
            name: "udhaar_reminder".into(),
            language: "hi".into(),
            body_parameters: vec!["Ramesh\nKumar".into()],
            quick_reply_payloads: vec![],
            url_button: None,
        };
        assert!(refused(&template).contains("newline"));
        let voice = OutboundContent::Voice {
            media_id: "../me".into(),
        };
        assert!(refused(&voice).contains("valid Graph id"));
    }

    #[test]
    fn accepts_limits_exactly() {
        validate(&buttons(&["12345678901234567890", "₹ paid", "Cancel"])).expect("valid");
        validate(&OutboundContent::Text {
            // Hindi text: limits count characters, not bytes.
            body: "क".repeat(TEXT_MAX_CHARS),
            preview_url: false,
        })
        .expect("valid");
    }

    #[test]
    fn text_with_reply_context() {
        let body = body_json(
            "919876543210",
            &OutboundContent::Text {
                body: "Noted ₹500".into(),
                preview_url: false,
            },
            Some("wamid.IN"),
        );
        assert_eq!(
            body,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "+919876543210",
                "type": "text",
                "text": { "preview_url": false, "body": "Noted ₹500" },
                "context": { "message_id": "wamid.IN" },
            })
        );
        // A '+' already present is not doubled.
        let again = body_json(
            "+919876543210",
            &OutboundContent::Voice {
                media_id: "1".into(),
            },
            None,
        );
        assert_eq!(again["to"], "+919876543210");
        assert!(again.get("context").is_none());
    }

    #[test]
    fn mark_read_shapes() {
        assert_eq!(
            mark_read_json("wamid.X", false),
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"})
        );
        assert_eq!(
            mark_read_json("wamid.X", true)["typing_indicator"],
            json!({"type": "text"})
        );
    }
}
