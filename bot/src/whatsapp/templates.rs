//! Our approved-template definitions (templates/whatsapp/*.json): loading them in the form Meta's
//! message_templates API takes, checking them against Meta's rules, and naming the one a shop's
//! language sends.
//!
//! A template is one name in one language. Hindi (Devanagari) is `hi` and English `en` under the
//! same name; Hinglish has no language code of its own at Meta, so it is a template of its own
//! name (`…_hinglish`) under `en`: its words are Latin script, which is what Meta's language check
//! reads, and `hi` is already taken by the Devanagari text of the shared name.

use execora_engine::money::Paise;
use execora_engine::reply::Locale;
use serde_json::Value;

/// The definitions as shipped, compiled into the binary.
const FILES: [(&str, &str); 2] = [
    (
        "payment_reminder.json",
        include_str!("../../../templates/whatsapp/payment_reminder.json"),
    ),
    (
        "evening_digest.json",
        include_str!("../../../templates/whatsapp/evening_digest.json"),
    ),
];

/// Stands for the service's PUBLIC_URL in the files (button URLs and their examples).
const PUBLIC_URL_MARK: &str = "$PUBLIC_URL";

/// Meta's limits on a template (checked here so a bad file fails before it is submitted).
const BODY_MAX_CHARS: usize = 1024;
const BUTTON_TEXT_MAX_CHARS: usize = 25;
const NAME_MAX_CHARS: usize = 512;

/// A template by name and language, as a message names it when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateRef {
    pub name: &'static str,
    pub language: &'static str,
}

/// The payment reminder a customer of a shop with `locale` gets. Its body parameters are
/// [`reminder_parameters`]; its URL button's parameter is the pay link's token.
pub fn payment_reminder(locale: Locale) -> TemplateRef {
    match locale {
        Locale::Hi => TemplateRef {
            name: "payment_reminder",
            language: "hi",
        },
        Locale::HiLatn => TemplateRef {
            name: "payment_reminder_hinglish",
            language: "en",
        },
        Locale::En => TemplateRef {
            name: "payment_reminder",
            language: "en",
        },
    }
}

/// The evening digest a merchant with `locale` gets outside the 24-hour window; body
/// parameters: the shop's name and a one-line summary (Meta refuses newlines and tabs in a
/// parameter).
pub fn evening_digest(locale: Locale) -> TemplateRef {
    match locale {
        Locale::Hi => TemplateRef {
            name: "evening_digest",
            language: "hi",
        },
        Locale::HiLatn => TemplateRef {
            name: "evening_digest_hinglish",
            language: "en",
        },
        Locale::En => TemplateRef {
            name: "evening_digest",
            language: "en",
        },
    }
}

/// What to send instead when `template` is not approved (Meta's error 132001): the Hinglish
/// templates fall back to the English one of the same purpose, which takes the same parameters.
/// Meta's older review guidelines refuse mixed languages ("Hinglish or Spanglish"), so a
/// refusal of the `_hinglish` templates is a case to plan for, not an accident.
pub fn fallback(template: TemplateRef) -> Option<TemplateRef> {
    match template.name {
        "payment_reminder_hinglish" => Some(payment_reminder(Locale::En)),
        "evening_digest_hinglish" => Some(evening_digest(Locale::En)),
        _ => None,
    }
}

/// The outbox `kind` of a message that leaves as an approved template; its `options` column
/// holds a [`QueuedTemplate`] (the body is the readable text, for logs and the panel).
pub const QUEUED_TEMPLATE_KIND: &str = "template";

/// A template message waiting in the outbox: which template, and its body parameters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueuedTemplate {
    pub name: String,
    pub language: String,
    pub parameters: Vec<String>,
}

impl QueuedTemplate {
    pub fn new(template: TemplateRef, parameters: Vec<String>) -> QueuedTemplate {
        QueuedTemplate {
            name: template.name.to_string(),
            language: template.language.to_string(),
            parameters,
        }
    }

    /// The same message as the template to send when this one is not approved (132001).
    pub fn fallback(&self) -> Option<QueuedTemplate> {
        let known = [Locale::HiLatn, Locale::Hi, Locale::En]
            .into_iter()
            .flat_map(|l| [payment_reminder(l), evening_digest(l)])
            .find(|t| t.name == self.name && t.language == self.language)?;
        fallback(known).map(|t| QueuedTemplate::new(t, self.parameters.clone()))
    }
}

/// The evening digest's body parameters, in order: the shop's name, the digest in one line.
pub fn digest_parameters(shop: &str, line: &str) -> Vec<String> {
    vec![shop.to_string(), super::outbound::template_parameter(line)]
}

/// The reminder's body parameters, in order: customer name, shop name, amount due (`₹1,500`).
pub fn reminder_parameters(customer: &str, shop: &str, due: Paise) -> Vec<String> {
    vec![customer.to_string(), shop.to_string(), due.to_string()]
}

/// Why the shipped definitions cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("templates/whatsapp/{file}: {reason}")]
    Invalid { file: &'static str, reason: String },
    #[error(
        "PUBLIC_URL must be an https address Meta can open for the pay button (it is {0}); set PUBLIC_URL"
    )]
    PublicUrlNotHttps(String),
}

fn replace_mark(value: &mut Value, public_url: &str) {
    match value {
        Value::String(text) if text.contains(PUBLIC_URL_MARK) => {
            *text = text.replace(PUBLIC_URL_MARK, public_url);
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_mark(item, public_url)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|field| replace_mark(field, public_url)),
        _ => {}
    }
}

/// Every definition, PUBLIC_URL filled in, exactly as `POST /{waba_id}/message_templates`
/// takes it; checked against Meta's rules.
pub fn definitions(public_url: &str) -> Result<Vec<Value>, TemplateError> {
    let public_url = public_url.trim_end_matches('/');
    let mut all = Vec::new();
    for (file, text) in FILES {
        let invalid = |reason: String| TemplateError::Invalid { file, reason };
        let parsed: Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let Value::Array(templates) = parsed else {
            return Err(invalid("must hold an array of templates".into()));
        };
        for mut template in templates {
            check(&template).map_err(invalid)?;
            replace_mark(&mut template, public_url);
            all.push(template);
        }
    }
    Ok(all)
}

/// Like [`definitions`], for submitting: Meta only accepts a button URL it can reach over https.
pub fn definitions_to_submit(public_url: &str) -> Result<Vec<Value>, TemplateError> {
    if !public_url.starts_with("https://") {
        return Err(TemplateError::PublicUrlNotHttps(public_url.to_string()));
    }
    definitions(public_url)
}

/// The `{{n}}` numbers in `text`, in order of appearance.
fn variable_numbers(text: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                if let Ok(n) = after[..end].trim().parse() {
                    found.push(n);
                }
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    found
}

/// Meta's rules that a definition can break on its own (its review checks content too).
fn check(template: &Value) -> Result<(), String> {
    let name = template["name"]
        .as_str()
        .ok_or("a template without a name")?;
    if name.is_empty()
        || name.chars().count() > NAME_MAX_CHARS
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "{name}: a name is lowercase letters, digits and underscores"
        ));
    }
    let language = template["language"].as_str().unwrap_or_default();
    if !["hi", "en"].contains(&language) {
        return Err(format!(
            "{name}: language must be hi or en, not {language:?}"
        ));
    }
    if template["category"] != "UTILITY" {
        return Err(format!("{name}: category must be UTILITY"));
    }
    let components = template["components"]
        .as_array()
        .ok_or_else(|| format!("{name}: no components"))?;
    let body = components
        .iter()
        .find(|c| c["type"] == "BODY")
        .ok_or_else(|| format!("{name}: no BODY"))?;
    let text = body["text"].as_str().unwrap_or_default();
    if text.is_empty() || text.chars().count() > BODY_MAX_CHARS {
        return Err(format!(
            "{name}: a body has 1 to {BODY_MAX_CHARS} characters"
        ));
    }
    let numbers = variable_numbers(text);
    if numbers != (1..=numbers.len() as u32).collect::<Vec<_>>() {
        return Err(format!(
            "{name}: body variables must be {{{{1}}}}, {{{{2}}}} … in order, each once"
        ));
    }
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if squeezed.contains("}}{{") {
        return Err(format!(
            "{name}: two variables may not stand next to each other"
        ));
    }
    let trimmed = text.trim();
    if trimmed.starts_with("{{") || trimmed.ends_with("}}") {
        return Err(format!(
            "{name}: a body may not start or end with a variable"
        ));
    }
    let examples = body["example"]["body_text"][0]
        .as_array()
        .map_or(0, Vec::len);
    if examples != numbers.len() {
        return Err(format!(
            "{name}: {} variables but {examples} example values",
            numbers.len()
        ));
    }
    for button in components
        .iter()
        .filter(|c| c["type"] == "BUTTONS")
        .flat_map(|c| c["buttons"].as_array().into_iter().flatten())
    {
        let label = button["text"].as_str().unwrap_or_default();
        if label.is_empty() || label.chars().count() > BUTTON_TEXT_MAX_CHARS {
            return Err(format!(
                "{name}: button text has 1 to {BUTTON_TEXT_MAX_CHARS} characters: {label:?}"
            ));
        }
        if button["type"] == "URL" {
            let url = button["url"].as_str().unwrap_or_default();
            if !url.starts_with(PUBLIC_URL_MARK) || !url.ends_with("/{{1}}") {
                return Err(format!(
                    "{name}: a URL button is {PUBLIC_URL_MARK}/…/{{{{1}}}} (the token last)"
                ));
            }
            if button["example"][0].as_str().is_none() {
                return Err(format!("{name}: a URL button needs an example URL"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_definitions_keep_metas_rules_and_get_the_public_url() {
        let all = definitions("https://execora.example/").expect("definitions");
        assert_eq!(all.len(), 6);
        let text = serde_json::to_string(&all).expect("json");
        assert!(!text.contains(PUBLIC_URL_MARK));
        assert!(
            text.contains("\"https://execora.example/pay/{{1}}\""),
            "{text}"
        );
    }

    #[test]
    fn every_locale_names_a_shipped_template_and_the_reminder_has_a_pay_button() {
        let all = definitions("https://execora.example").expect("definitions");
        for locale in [Locale::HiLatn, Locale::Hi, Locale::En] {
            for wanted in [payment_reminder(locale), evening_digest(locale)] {
                let found = all
                    .iter()
                    .find(|t| t["name"] == wanted.name && t["language"] == wanted.language)
                    .unwrap_or_else(|| panic!("{wanted:?} is not shipped"));
                let body = found["components"][0]["text"].as_str().expect("body");
                let variables = variable_numbers(body).len();
                if wanted.name.starts_with("payment_reminder") {
                    assert_eq!(
                        variables,
                        reminder_parameters("a", "b", Paise::new(1)).len()
                    );
                    assert_eq!(found["components"][1]["buttons"][0]["type"], "URL");
                } else {
                    assert_eq!(variables, 2);
                }
            }
        }
    }

    #[test]
    fn the_hinglish_templates_fall_back_to_english_with_the_same_parameters() {
        let all = definitions("https://execora.example").expect("definitions");
        let body = |t: TemplateRef| {
            let found = all
                .iter()
                .find(|d| d["name"] == t.name && d["language"] == t.language)
                .expect("shipped");
            variable_numbers(found["components"][0]["text"].as_str().expect("body")).len()
        };
        for hinglish in [
            payment_reminder(Locale::HiLatn),
            evening_digest(Locale::HiLatn),
        ] {
            let english = fallback(hinglish).expect("a fallback");
            assert_eq!(english.language, "en");
            assert_eq!(body(hinglish), body(english));
        }
        assert_eq!(fallback(payment_reminder(Locale::Hi)), None);
        assert_eq!(fallback(payment_reminder(Locale::En)), None);
    }

    #[test]
    fn submitting_needs_an_https_public_url() {
        assert!(matches!(
            definitions_to_submit("http://127.0.0.1:3000"),
            Err(TemplateError::PublicUrlNotHttps(_))
        ));
        assert!(definitions_to_submit("https://execora.example").is_ok());
    }

    #[test]
    fn a_definition_breaking_a_rule_is_refused() {
        let good: Value = serde_json::json!({
            "name": "payment_reminder", "language": "en", "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Hi {{1}}, {{2}} due.",
                "example": {"body_text": [["a", "b"]]}}]
        });
        assert_eq!(check(&good), Ok(()));
        let mut starts_with_variable = good.clone();
        starts_with_variable["components"][0]["text"] = "{{1}}, {{2}} due.".into();
        assert!(check(&starts_with_variable).is_err());
        let mut skips_a_number = good.clone();
        skips_a_number["components"][0]["text"] = "Hi {{1}}, {{3}} due.".into();
        assert!(check(&skips_a_number).is_err());
        let mut adjacent = good.clone();
        adjacent["components"][0]["text"] = "Hi {{1}} {{2}} due.".into();
        assert!(check(&adjacent).is_err());
        let mut marketing = good.clone();
        marketing["category"] = "MARKETING".into();
        assert!(check(&marketing).is_err());
        let mut capitals = good;
        capitals["name"] = "Payment".into();
        assert!(check(&capitals).is_err());
    }
}
