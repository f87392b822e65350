//! The panel's interface texts in the merchant's language, from the same Fluent files as the replies.

use std::borrow::Cow;

use fluent_templates::fluent_bundle::FluentValue;

use super::Locale;
use super::render::{Args, plain, say};

/// The text of `id` (a `panel-…` message) in `locale`; English when it is missing there.
pub fn label(locale: Locale, id: &str) -> String {
    plain(locale, id)
}

/// The text of `id` with its `{ $name }` arguments filled in as plain text.
pub fn label_with(locale: Locale, id: &str, arguments: &[(&'static str, String)]) -> String {
    let args: Args = arguments
        .iter()
        .map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.clone())))
        .collect();
    say(locale, id, &args)
}

/// The WhatsApp message that carries a login code. The code comes first, in ASCII digits, in
/// every language (the sender reads it back for the authentication template).
pub fn login_code(locale: Locale, code: &str) -> String {
    label_with(locale, "panel-login-code", &[("code", code.to_string())])
}

/// The WhatsApp message that carries the code confirming a customer's deletion: the code first,
/// like a login code (so the sender can fall back to the authentication template), and the
/// customer by number only, since the message outlives the name it would carry.
pub fn deletion_code(locale: Locale, code: &str, customer: i64) -> String {
    label_with(
        locale,
        "rights-delete-code",
        &[
            ("code", code.to_string()),
            ("customer", customer.to_string()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::code_in_message;

    #[test]
    fn the_login_code_message_starts_with_the_code_in_every_language() {
        for locale in Locale::ALL {
            let text = login_code(locale, "042917");
            assert_eq!(code_in_message(&text), Some("042917"), "{text}");
            assert!(text.len() > 20, "{text}");
            let text = deletion_code(locale, "042917", 42);
            assert_eq!(code_in_message(&text), Some("042917"), "{text}");
            assert!(text.contains("42"), "{text}");
        }
    }

    #[test]
    fn panel_labels_exist_in_every_language() {
        for id in [
            "panel-nav-customers",
            "panel-record-payment",
            "panel-owner-only",
            // From panel-talk.ftl: conversations, chat, settings and operators.
            "panel-nav-conversations",
            "panel-chat-heading",
            "panel-settings-phone-removed",
            "panel-admin-wrong",
        ] {
            let english = label(Locale::En, id);
            assert_ne!(english, id);
            for locale in [Locale::Hi, Locale::HiLatn] {
                assert_ne!(label(locale, id), id);
                assert_ne!(label(locale, id), english, "{id} is not translated");
            }
        }
        assert_eq!(
            label_with(Locale::En, "panel-login-wrong", &[("count", "3".into())]),
            "Wrong code. 3 tries left."
        );
    }
}
