//! The language-model fallback: when the rules are unsure, ask an OpenAI-compatible chat model
//! for the same contract (JSON-schema structured output), validate it, and cache it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessageArgs, ChatCompletionRequestUserMessageArgs,
    CreateChatCompletionRequestArgs, ResponseFormat, ResponseFormatJsonSchema,
};
use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

use super::command::{Command, Parsed};
use super::rules;
use crate::money::MAX_BOOKING;

/// How to reach the model.
#[derive(Clone)]
pub struct LlmConfig {
    pub api_key: String,
    /// e.g. `http://127.0.0.1:8080/v1`; `/v1` is added when missing. `None` means OpenAI.
    pub base_url: Option<String>,
    pub model: String,
    pub timeout: Duration,
}

/// Why the model's answer was not used.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the model call failed: {0}")]
    Api(String),
    #[error("the model's answer is not valid: {0}")]
    Invalid(String),
}

/// Answers kept, by normalised text.
const CACHE_SIZE: usize = 1024;

/// An OpenAI-compatible parser with a bounded answer cache. Cheap to share.
pub struct LlmParser {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: Duration,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    answers: HashMap<String, Parsed>,
    order: VecDeque<String>,
}

impl Cache {
    fn insert(&mut self, key: String, value: Parsed) {
        if self.answers.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > CACHE_SIZE {
            if let Some(oldest) = self.order.pop_front() {
                self.answers.remove(&oldest);
            }
        }
    }
}

/// Lowercase, whitespace folded, edge punctuation trimmed: "Rahul  ne 200 diye!" = "rahul ne 200 diye".
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c.is_ascii_punctuation() || c == '।')
        .to_string()
}

impl LlmParser {
    pub fn new(config: LlmConfig) -> LlmParser {
        let mut openai = OpenAIConfig::new().with_api_key(config.api_key);
        if let Some(base) = config.base_url {
            let base = base.trim_end_matches('/');
            let base = if base.ends_with("/v1") {
                base.to_string()
            } else {
                format!("{base}/v1")
            };
            openai = openai.with_api_base(base);
        }
        LlmParser {
            client: Client::with_config(openai),
            model: config.model,
            timeout: config.timeout,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// Asks the model for the commands in `text`, said at `now` (merchant-local).
    pub async fn parse(&self, text: &str, now: DateTime<FixedOffset>) -> Result<Parsed, LlmError> {
        let key = normalise(text);
        if let Ok(cache) = self.cache.lock()
            && let Some(hit) = cache.answers.get(&key)
        {
            return Ok(hit.clone());
        }
        let answer = tokio::time::timeout(self.timeout, self.ask(text, now))
            .await
            .map_err(|_| LlmError::Timeout(self.timeout))??;
        let parsed = validate(answer, now)?;
        // Answers with a time or date depend on "now"; caching them would replay a stale day.
        let relative = parsed.commands.iter().any(|c| {
            matches!(
                c,
                Command::ScheduleReminder { at: Some(_), .. } | Command::DailySummary { .. }
            )
        });
        if !relative && let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, parsed.clone());
        }
        Ok(parsed)
    }

    async fn ask(&self, text: &str, now: DateTime<FixedOffset>) -> Result<Value, LlmError> {
        let api = |e: async_openai::error::OpenAIError| LlmError::Api(e.to_string());
        let system = ChatCompletionRequestSystemMessageArgs::default()
            .content(system_prompt(now))
            .build()
            .map_err(api)?;
        let user = ChatCompletionRequestUserMessageArgs::default()
            .content(text.to_string())
            .build()
            .map_err(api)?;
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.model.clone())
            .messages(vec![system.into(), user.into()])
            .temperature(0.0)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    name: "execora_commands".into(),
                    description: Some("Bookkeeping commands in a shopkeeper's message".into()),
                    schema: schema(),
                    strict: Some(true),
                },
            })
            .build()
            .map_err(api)?;
        let response = self.client.chat().create(request).await.map_err(api)?;
        let content = response
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .ok_or_else(|| LlmError::Invalid("no message content".into()))?;
        serde_json::from_str(&content).map_err(|e| LlmError::Invalid(format!("not JSON: {e}")))
    }
}

/// Rules first; only an unsure parse goes to the model, and any failure keeps the rules' answer.
pub async fn understand(text: &str, now: DateTime<FixedOffset>, llm: Option<&LlmParser>) -> Parsed {
    let ruled = rules::parse(text, now);
    let Some(llm) = llm.filter(|_| !ruled.confident) else {
        return ruled.parsed;
    };
    match llm.parse(text, now).await {
        Ok(parsed) => {
            tracing::debug!(intents = ?parsed.commands.iter().map(Command::intent).collect::<Vec<_>>(), "language model understood what the rules did not");
            parsed
        }
        Err(error) => {
            tracing::warn!(%error, "language model fallback failed; keeping the rules' answer");
            ruled.parsed
        }
    }
}

fn system_prompt(now: DateTime<FixedOffset>) -> String {
    format!(
        "You turn an Indian shopkeeper's WhatsApp message (Hinglish, Hindi or English) into bookkeeping commands.\n\
         Now is {now} ({weekday}); resolve relative days and times against it in the same UTC offset.\n\
         Intents: record_payment (customer, amount_paise, mode?), add_credit (customer, amount_paise, note?), \
         create_invoice (customer?, items [{{product, qty, unit?}}]), check_balance (customer? — none means total dues), \
         schedule_reminder (customer, amount_paise?, at?), cancel_reminder (customer), check_stock (product), \
         update_stock (product, qty, unit?), add_product (product, price_paise, unit?), add_customer (customer, phone?), \
         daily_summary (date), list_invoices (customer?), cancel_invoice (customer?), undo, help, unknown.\n\
         Rules: money in integer paise (₹1 = 100); mode is cash, upi (UPI, GPay, PhonePe, Paytm, online, QR), card, bank \
         (NEFT, IMPS, RTGS, account) or cheque; units kg, g, litre, ml, packet, dozen, piece, box, bottle; names as said, \
         in the script said, without particles (ne, ko, ka, ke, ki, se) or honorifics (ji, bhai, sahab); phone as digits \
         with country code (91 + 10 digits); at is RFC 3339 with seconds and the offset above (kal = tomorrow for \
         reminders, subah 9:00, dopahar 13:00, shaam 18:00, raat 20:00, a day with no time 10:00); date is YYYY-MM-DD \
         (kal = yesterday in a sales question). Use null for anything not said; never guess. Several commands in one \
         message are listed in order. Anything else is unknown.",
        weekday = now.format("%A"),
        now = now.to_rfc3339(),
    )
}

/// Strict structured-output schema: every property present, nullable when optional.
fn schema() -> Value {
    let nullable = |kind: &str| json!({ "type": [kind, "null"] });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["commands"],
        "properties": {
            "commands": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["intent", "customer", "amount_paise", "mode", "note", "items", "at", "product", "qty",
                                 "unit", "price_paise", "phone", "date"],
                    "properties": {
                        "intent": { "type": "string", "enum": [
                            "record_payment", "add_credit", "create_invoice", "check_balance", "schedule_reminder",
                            "cancel_reminder", "check_stock", "update_stock", "add_product", "add_customer",
                            "daily_summary", "list_invoices", "cancel_invoice", "undo", "help", "unknown"] },
                        "customer": nullable("string"),
                        "amount_paise": nullable("integer"),
                        "mode": { "type": ["string", "null"], "enum": ["cash", "upi", "card", "bank", "cheque", null] },
                        "note": nullable("string"),
                        "items": { "type": ["array", "null"], "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["product", "qty", "unit"],
                            "properties": {
                                "product": { "type": "string" },
                                "qty": { "type": "number" },
                                "unit": { "type": ["string", "null"], "enum": ["kg", "g", "litre", "ml", "packet", "dozen", "piece", "box", "bottle", null] }
                            }
                        }},
                        "at": nullable("string"),
                        "product": nullable("string"),
                        "qty": nullable("number"),
                        "unit": { "type": ["string", "null"], "enum": ["kg", "g", "litre", "ml", "packet", "dozen", "piece", "box", "bottle", null] },
                        "price_paise": nullable("integer"),
                        "phone": nullable("string"),
                        "date": nullable("string")
                    }
                }
            }
        }
    })
}

/// Removes nulls (the contract leaves unsaid fields out) everywhere in `value`.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn check_name(name: &str) -> Result<(), LlmError> {
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(LlmError::Invalid(format!("bad name {name:?}")));
    }
    Ok(())
}

/// The model's JSON as contract commands, refused if anything is out of bounds.
fn validate(answer: Value, now: DateTime<FixedOffset>) -> Result<Parsed, LlmError> {
    let parsed: Parsed = serde_json::from_value(strip_nulls(answer))
        .map_err(|e| LlmError::Invalid(e.to_string()))?;
    if parsed.commands.is_empty() || parsed.commands.len() > 10 {
        return Err(LlmError::Invalid("no commands, or too many".into()));
    }
    let amount_ok = |p: &crate::money::Paise| p.is_positive() && *p <= MAX_BOOKING;
    for command in &parsed.commands {
        match command {
            Command::RecordPayment {
                customer,
                amount_paise,
                ..
            }
            | Command::AddCredit {
                customer,
                amount_paise,
                ..
            } => {
                check_name(customer)?;
                if !amount_ok(amount_paise) {
                    return Err(LlmError::Invalid("amount out of range".into()));
                }
            }
            Command::CreateInvoice { customer, items } => {
                if let Some(c) = customer {
                    check_name(c)?;
                }
                if items.is_empty() || items.iter().any(|i| !i.qty.is_positive()) {
                    return Err(LlmError::Invalid(
                        "a bill needs items with positive quantities".into(),
                    ));
                }
                for item in items {
                    check_name(&item.product)?;
                }
            }
            Command::ScheduleReminder {
                customer,
                amount_paise,
                at,
            } => {
                check_name(customer)?;
                if amount_paise.as_ref().is_some_and(|p| !amount_ok(p)) {
                    return Err(LlmError::Invalid("amount out of range".into()));
                }
                if at.is_some_and(|at| (at.signed_duration_since(now)).num_days().abs() > 366) {
                    return Err(LlmError::Invalid("reminder time is absurd".into()));
                }
            }
            Command::UpdateStock { product, qty, .. } => {
                check_name(product)?;
                if !qty.is_positive() {
                    return Err(LlmError::Invalid("quantity must be positive".into()));
                }
            }
            Command::AddProduct {
                product,
                price_paise,
                ..
            } => {
                check_name(product)?;
                if !amount_ok(price_paise) {
                    return Err(LlmError::Invalid("price out of range".into()));
                }
            }
            Command::AddCustomer { customer, phone } => {
                check_name(customer)?;
                if phone.as_ref().is_some_and(|p| {
                    !(11..=15).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_digit())
                }) {
                    return Err(LlmError::Invalid(
                        "phone must be digits with country code".into(),
                    ));
                }
            }
            Command::CheckStock { product } => check_name(product)?,
            Command::CancelReminder { customer } => check_name(customer)?,
            Command::CheckBalance { customer: Some(c) }
            | Command::ListInvoices { customer: Some(c) }
            | Command::CancelInvoice { customer: Some(c) } => check_name(c)?,
            _ => {}
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests;
