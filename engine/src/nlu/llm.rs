//! The language-model fallback of the command parser: asks an OpenAI-compatible chat model for the parse contract when the rules are unsure.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessageArgs,
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequest,
    CreateChatCompletionRequestArgs, FinishReason, ResponseFormat, ResponseFormatJsonSchema,
};
use chrono::{DateTime, Duration as Span, FixedOffset, Timelike};
use serde_json::{Value, json};

use super::command::{Command, ItemRequest, Parsed, Understood};
use super::rules;
use crate::money::{MAX_BOOKING, Paise};

/// How to reach the model. Built by the binary from OPENAI_API_KEY, OPENAI_BASE_URL (optional, must end in /v1 or we append it),
/// EXECORA_LLM_MODEL (default "gpt-4o-mini"), EXECORA_LLM_TIMEOUT_MS (default 4000).
#[derive(Clone)]
pub struct LlmConfig {
    pub api_key: String,
    pub base_url: Option<String>,
    pub model: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("api_key", &"***")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Why the model's answer cannot be used; the caller then keeps the rules' answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the model call failed: {0}")]
    Api(#[source] OpenAIError),
    #[error("the model refused: {0}")]
    Refused(String),
    #[error("the message is too long for the model ({0} characters)")]
    TooLong(usize),
    #[error("the model's answer is not valid: {0}")]
    Invalid(String),
}

/// Answers remembered. Merchants repeat the same few phrasings, so a small cache saves most calls.
const CACHE_CAPACITY: usize = 1024;
/// No real command is this long; longer text is pasted content, not worth tokens or latency.
const MAX_TEXT_CHARS: usize = 1000;
/// Bounds the answer's size (and so its cost and latency); an answer cut off here fails to parse.
const MAX_ANSWER_TOKENS: u32 = 1024;
const MAX_COMMANDS: usize = 20;
const MAX_ITEMS: usize = 50;
const MAX_NAME_CHARS: usize = 100;
const MAX_NOTE_CHARS: usize = 200;
/// A reminder or summary further than this from now is a misreading, not a plan.
const MAX_TIME_DISTANCE_DAYS: i64 = 366;

/// A chat model that answers in the parse contract, with a bounded cache of its answers.
/// Shared by all conversations (`Arc<LlmParser>`); the lock is never held across an await.
pub struct LlmParser {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: Duration,
    cache: Mutex<Cache>,
}

impl LlmParser {
    pub fn new(config: LlmConfig) -> Self {
        let mut openai = OpenAIConfig::new().with_api_key(config.api_key);
        if let Some(base) = config.base_url.as_deref() {
            openai = openai.with_api_base(api_base(base));
        }
        // async-openai 0.43 has no backoff setting: its built-in layer retries 429/5xx/connect errors
        // three times (100, 200, 400 ms, or the server's Retry-After) and only the `middleware` feature,
        // which the workspace does not enable, can replace it. `parse` bounds the whole exchange,
        // retries included, with `timeout`, so a failing or slow server costs at most that long.
        LlmParser {
            client: Client::with_config(openai),
            model: config.model,
            timeout: config.timeout,
            cache: Mutex::new(Cache::new(CACHE_CAPACITY)),
        }
    }

    /// Asks the model; validates; caches by normalised text (lowercase, whitespace folded, punctuation trimmed).
    pub async fn parse(&self, text: &str, now: DateTime<FixedOffset>) -> Result<Parsed, LlmError> {
        let key = normalise(text);
        if key.is_empty() {
            return Ok(Parsed::unknown());
        }
        let length = text.chars().count();
        if length > MAX_TEXT_CHARS {
            return Err(LlmError::TooLong(length));
        }
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let request = self.request(text, now)?;
        let content = tokio::time::timeout(self.timeout, self.ask(request))
            .await
            .map_err(|_| LlmError::Timeout(self.timeout))??;
        let parsed = validate(from_answer(&content)?, now)?;
        // `at` and `date` were resolved against this `now` ("kal" is a different day tomorrow),
        // so replaying them later would book the wrong day; only time-free answers are reusable.
        if !depends_on_now(&parsed) {
            self.cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, parsed.clone());
        }
        Ok(parsed)
    }

    fn cached(&self, key: &str) -> Option<Parsed> {
        // A panic while holding the lock cannot leave the map half-written in a way that matters
        // (worst case one stale key order), so a poisoned cache is still used.
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
    }

    fn request(
        &self,
        text: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<CreateChatCompletionRequest, LlmError> {
        let system: ChatCompletionRequestMessage =
            ChatCompletionRequestSystemMessageArgs::default()
                .content(system_prompt(now))
                .build()
                .map_err(LlmError::Api)?
                .into();
        let user: ChatCompletionRequestMessage = ChatCompletionRequestUserMessageArgs::default()
            .content(text)
            .build()
            .map_err(LlmError::Api)?
            .into();
        CreateChatCompletionRequestArgs::default()
            .model(self.model.clone())
            .messages(vec![system, user])
            // A parser should give the same reading of the same words every time.
            .temperature(0.0)
            .max_completion_tokens(MAX_ANSWER_TOKENS)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    name: "execora_commands".into(),
                    description: Some(
                        "The bookkeeping commands in one shopkeeper message, in the order said"
                            .into(),
                    ),
                    schema: answer_schema(),
                    strict: Some(true),
                },
            })
            .build()
            .map_err(LlmError::Api)
    }

    async fn ask(&self, request: CreateChatCompletionRequest) -> Result<String, LlmError> {
        let response = self
            .client
            .chat()
            .create(request)
            .await
            .map_err(LlmError::Api)?;
        let choice = response
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| LlmError::Invalid("no choices in the answer".into()))?;
        if let Some(refusal) = choice.message.refusal {
            return Err(LlmError::Refused(refusal.chars().take(200).collect()));
        }
        if choice.finish_reason == Some(FinishReason::Length) {
            return Err(LlmError::Invalid("the answer was cut off".into()));
        }
        choice
            .message
            .content
            .ok_or_else(|| LlmError::Invalid("the answer has no content".into()))
    }
}

/// Rules first; only when they are not confident and an LLM is configured, ask it. The model's
/// validated answer is acted on (confident); any failure leaves the rules' unconfident reading,
/// which the dialog confirms with the merchant before booking.
pub async fn understand(
    text: &str,
    now: DateTime<FixedOffset>,
    llm: Option<&LlmParser>,
) -> Understood {
    let ruled = rules::parse(text, now);
    // A message the rules recognised as not a booking (negated, asked, promised, an unclear
    // amount, too long) stays so: the model must not turn it back into the booking it looks like.
    if ruled.confident || ruled.not_booked.is_some() {
        count_parse(if ruled.confident { "rules" } else { "asked" });
        return ruled;
    }
    let Some(llm) = llm else {
        count_parse("asked");
        return ruled;
    };
    // Lengths and intents only: the text carries customers' names and amounts.
    tracing::debug!(
        chars = text.chars().count(),
        "rules unsure; asking the language model"
    );
    let started = std::time::Instant::now();
    let answered = llm.parse(text, now).await;
    metrics::histogram!(crate::metrics::PROVIDER_SECONDS, "provider" => "language_model")
        .record(started.elapsed().as_secs_f64());
    match answered {
        Ok(parsed) => {
            count_parse("model");
            tracing::debug!(
                intents = ?parsed.commands.iter().map(Command::intent).collect::<Vec<_>>(),
                "language model answered"
            );
            Understood::confident(parsed)
        }
        Err(error) => {
            tracing::warn!(%error, "language model fallback failed; using the rules' answer");
            metrics::counter!(crate::metrics::PROVIDER_ERRORS, "provider" => "language_model")
                .increment(1);
            count_parse("asked");
            ruled
        }
    }
}

/// How a message was understood: by the rules, by the model, or not well enough (the bot asks).
fn count_parse(path: &'static str) {
    metrics::counter!(crate::metrics::PARSES, "path" => path).increment(1);
}

/// async-openai appends `/chat/completions` to the base verbatim, so it must end in `/v1` and no slash.
fn api_base(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if base.ends_with("/v1") {
        base.to_string()
    } else {
        format!("{base}/v1")
    }
}

/// The cache key: "  Rahul NE 200 diye! " and "rahul ne 200 diye" are one question.
fn normalise(text: &str) -> String {
    let folded = text
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    folded
        .trim_matches(|c: char| c.is_ascii_punctuation() || c == '।' || c.is_whitespace())
        .to_string()
}

fn depends_on_now(parsed: &Parsed) -> bool {
    parsed.commands.iter().any(|command| {
        matches!(
            command,
            Command::ScheduleReminder { at: Some(_), .. } | Command::DailySummary { .. }
        )
    })
}

/// First in, first out: simple, and a phrasing still in use is soon cached again.
struct Cache {
    capacity: usize,
    answers: HashMap<String, Parsed>,
    order: VecDeque<String>,
}

impl Cache {
    fn new(capacity: usize) -> Self {
        Cache {
            capacity,
            answers: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, key: &str) -> Option<Parsed> {
        self.answers.get(key).cloned()
    }

    fn insert(&mut self, key: String, value: Parsed) {
        if self.answers.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.answers.remove(&oldest);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.answers.len()
    }
}

/// The contract in brief. `now` comes last so the fixed part stays a stable prefix, which
/// providers cache between calls.
fn system_prompt(now: DateTime<FixedOffset>) -> String {
    let today = now.date_naive();
    let day = |offset: i64| {
        today
            .checked_add_signed(Span::days(offset))
            .map_or_else(String::new, |d| d.format("%Y-%m-%d (%A)").to_string())
    };
    format!(
        "You read one WhatsApp message from an Indian shopkeeper (Hinglish, Hindi in Devanagari, or English) \
and return the bookkeeping commands in it, in the order said. Fill only the fields of each command's intent; \
every other field, and any field that was not said, is null. Never guess.

Intents and their fields (? = only when said):
- create_invoice: customer?, items [{{product, qty, unit?}}] — a bill; a product with no number has qty 1
- record_payment: customer, amount_paise, mode? — a customer paid
- add_credit: customer, amount_paise, note? — udhaar given on the customer's account
- check_balance: customer? — no customer means total dues of all customers
- schedule_reminder: customer, amount_paise?, at?, every_days? — every_days only for a repeating reminder \
(har hafte 7, har 3 din 3, roz/daily 1, har mahine 30, every other day 2); the first one at `at`
- cancel_reminder: customer — a one-off reminder cancelled
- auto_remind_all: every_days — repeating reminders for every customer with dues (sab udhaar walon ko har 3 din)
- stop_auto_reminder: customer? — stop the repeating reminders of that customer, or of the whole shop when no customer
- reminder_status: customer — a question about what became of the customer's reminder (Rahul ko reminder gaya?)
- set_digest: on, at? — the shop's evening digest: off (band, stop, mat bhejo) is on false; on, or a time said \
(digest 8 baje bhejo), is on true with at as HH:MM in 24 hours (a bare hour 1 to 11 is the evening: 8 baje 20:00)
- check_stock: product
- update_stock: product, qty, unit? — stock arrived
- add_product: product, price_paise, unit?
- add_customer: customer, phone?
- daily_summary: date
- list_invoices: customer?
- cancel_invoice: customer?
- undo, help: no fields
- unknown: anything that is not one of the above (chit-chat, questions about weather, unclear text)

Field rules:
- customer, product: the name as said, in the script it was said (राहुल stays Devanagari), without case markers or \
particles (ko, ne, ka, ki, ke, se, mein, को, ने, का, की, के, से, में) and without honorifics (ji, bhai, bhaiya, sahab, जी). \
A product keeps its own words (Parle-G, chawal, doodh).
- amount_paise, price_paise: whole paise, 1 rupee = 100 paise (₹500 → 50000, ₹250.50 → 25050). Hindi numbers count: \
paanch sau 500, dedh sau 150, dhai hazaar 2500, saade teen sau 350, sava sau 125, paune do sau 175, 2 hazaar 2000, 1 lakh 100000 rupees.
- mode: cash (cash, nakad, nagad), upi (UPI, GPay, Google Pay, PhonePe, Paytm, online, QR), card, bank (bank transfer, \
NEFT, IMPS, RTGS, account mein), cheque (cheque, check).
- qty: a positive number, may be fractional (aadha kilo → 0.5 kg, dhai kilo → 2.5 kg, ek dozen ande → 1 dozen ande).
- unit: kg, g, litre, ml, packet, dozen, piece, box, bottle (kilo/किलो → kg, gram/gm → g, liter/लीटर → litre, \
packets/पैकेट → packet).
- phone: digits only with country code; a 10-digit Indian mobile gets 91 in front (9876543210 → 919876543210).
- at: RFC 3339 with seconds and the same UTC offset as now. kal = tomorrow, parso = the day after, agle hafte = +7 days, \
Monday ko = the next Monday, 5 tarikh = the next 5th of a month, 2 ghante baad = now + 2 hours. subah 09:00, dopahar 13:00, \
shaam 18:00, raat 20:00 when no hour is said; with an hour the hour is placed in that part of the day (shaam 7 baje = 19:00). \
A day with no time is 10:00; a time with no day is today; a reminder with no time at all has at null.
- date: YYYY-MM-DD. aaj = today; in a sales question kal = yesterday and parso = two days ago.
- Several commands in one message (joined by aur, and, comma, फिर, और) are separate commands only where each part is a whole \
command; a list of items in one bill stays one create_invoice.

Now: {now} ({weekday}). Today {today}, tomorrow {tomorrow}, yesterday {yesterday}.",
        now = now.to_rfc3339(),
        weekday = now.format("%A"),
        today = day(0),
        tomorrow = day(1),
        yesterday = day(-1),
    )
}

const INTENTS: [&str; 20] = [
    "create_invoice",
    "record_payment",
    "add_credit",
    "check_balance",
    "schedule_reminder",
    "cancel_reminder",
    "auto_remind_all",
    "stop_auto_reminder",
    "reminder_status",
    "set_digest",
    "check_stock",
    "update_stock",
    "add_product",
    "add_customer",
    "daily_summary",
    "list_invoices",
    "cancel_invoice",
    "undo",
    "help",
    "unknown",
];

/// Strict structured output needs every property in `required` and no extra properties, so each
/// command is one flat object with every field of every intent, nullable; `from_answer` drops the
/// nulls the contract forbids.
fn answer_schema() -> Value {
    let nullable = |kind: &str, description: &str| json!({ "type": [kind, "null"], "description": description });
    let nullable_enum = |values: Vec<&str>, description: &str| json!({ "anyOf": [{ "type": "string", "enum": values }, { "type": "null" }], "description": description });
    let units = || {
        crate::quantity::Unit::ALL
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
    };
    let modes = crate::money::PaymentMode::ALL
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>();
    let item = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["product", "qty", "unit"],
        "properties": {
            "product": { "type": "string" },
            "qty": { "type": "number", "description": "positive, may be fractional" },
            "unit": nullable_enum(units(), "unit as said, else null")
        }
    });
    let command = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["intent", "customer", "items", "amount_paise", "mode", "note", "at", "product",
                     "qty", "unit", "price_paise", "phone", "date", "every_days", "on"],
        "properties": {
            "intent": { "type": "string", "enum": INTENTS },
            "customer": nullable("string", "customer name without particles or honorifics"),
            "items": { "anyOf": [{ "type": "array", "items": item }, { "type": "null" }],
                       "description": "create_invoice only" },
            "amount_paise": nullable("integer", "whole paise (1 rupee = 100)"),
            "mode": nullable_enum(modes, "payment mode if said"),
            "note": nullable("string", "add_credit note if said"),
            "at": nullable("string", "schedule_reminder: RFC 3339 with seconds and now's UTC offset; set_digest: HH:MM"),
            "product": nullable("string", "product name as said"),
            "qty": nullable("number", "update_stock quantity"),
            "unit": nullable_enum(units(), "unit as said"),
            "price_paise": nullable("integer", "whole paise (1 rupee = 100)"),
            "phone": nullable("string", "digits with country code"),
            "date": nullable("string", "YYYY-MM-DD"),
            "every_days": nullable("integer", "days between repeating reminders, 1 to 365"),
            "on": nullable("boolean", "set_digest only: false turns the digest off")
        }
    });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["commands"],
        "properties": { "commands": { "type": "array", "items": command } }
    })
}

/// The model's text as contract commands: JSON, nulls removed, then the typed contract.
fn from_answer(content: &str) -> Result<Parsed, LlmError> {
    let value: Value =
        serde_json::from_str(content).map_err(|e| LlmError::Invalid(format!("not JSON: {e}")))?;
    // Fields that belong to another intent (a model may fill `product` in a payment) are ignored by
    // the tagged enum, which is what we want: the intent decides which fields count.
    serde_json::from_value(without_nulls(value))
        .map_err(|e| LlmError::Invalid(format!("not the contract: {e}")))
}

fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(values) => Value::Array(values.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Refuses anything out of bounds and puts harmless variations into the contract's form
/// (trimmed names, phone with country code, `at` in the merchant's offset).
fn validate(mut parsed: Parsed, now: DateTime<FixedOffset>) -> Result<Parsed, LlmError> {
    if parsed.commands.is_empty() {
        return Err(LlmError::Invalid("no commands".into()));
    }
    if parsed.commands.len() > MAX_COMMANDS {
        return Err(LlmError::Invalid(format!(
            "{} commands in one message",
            parsed.commands.len()
        )));
    }
    for command in &mut parsed.commands {
        validate_command(command, now)?;
    }
    Ok(parsed)
}

fn validate_command(command: &mut Command, now: DateTime<FixedOffset>) -> Result<(), LlmError> {
    match command {
        Command::CreateInvoice { customer, items } => {
            optional_name(customer, "customer")?;
            if items.is_empty() || items.len() > MAX_ITEMS {
                return Err(LlmError::Invalid(format!(
                    "a bill with {} items",
                    items.len()
                )));
            }
            for ItemRequest { product, qty, .. } in items.iter_mut() {
                name(product, "product")?;
                positive_qty(qty)?;
            }
        }
        Command::RecordPayment {
            customer,
            amount_paise,
            ..
        } => {
            name(customer, "customer")?;
            amount(*amount_paise)?;
        }
        Command::AddCredit {
            customer,
            amount_paise,
            note,
        } => {
            name(customer, "customer")?;
            amount(*amount_paise)?;
            if let Some(text) = note {
                *text = clean_text(text, "note", MAX_NOTE_CHARS)?;
            }
        }
        Command::ScheduleReminder {
            customer,
            amount_paise,
            at,
            every_days,
        } => {
            name(customer, "customer")?;
            if let Some(paise) = amount_paise {
                amount(*paise)?;
            }
            if let Some(when) = at {
                *when = reminder_time(*when, now)?;
            }
            if let Some(days) = every_days {
                interval(*days)?;
            }
        }
        Command::AutoRemindAll { every_days } => interval(*every_days)?,
        Command::StopAutoReminder { customer } => optional_name(customer, "customer")?,
        Command::ReminderStatus { customer } => name(customer, "customer")?,
        Command::AddCustomer { customer, phone } => {
            name(customer, "customer")?;
            if let Some(number) = phone {
                *number = phone_number(number)?;
            }
        }
        Command::UpdateStock { product, qty, .. } => {
            name(product, "product")?;
            positive_qty(qty)?;
        }
        Command::AddProduct {
            product,
            price_paise,
            ..
        } => {
            name(product, "product")?;
            amount(*price_paise)?;
        }
        Command::CheckStock { product } => name(product, "product")?,
        Command::CancelReminder { customer } => name(customer, "customer")?,
        Command::CheckBalance { customer }
        | Command::ListInvoices { customer }
        | Command::CancelInvoice { customer } => optional_name(customer, "customer")?,
        Command::DailySummary { date } => {
            let distance = date.signed_duration_since(now.date_naive()).num_days();
            if distance.abs() > MAX_TIME_DISTANCE_DAYS {
                return Err(LlmError::Invalid(format!("summary date {date} is absurd")));
            }
        }
        Command::Undo | Command::Help | Command::SetDigest { .. } | Command::Unknown => {}
    }
    Ok(())
}

/// Automatic reminders go every 1 to 365 days.
fn interval(days: i64) -> Result<(), LlmError> {
    if (1..=365).contains(&days) {
        Ok(())
    } else {
        Err(LlmError::Invalid(format!(
            "a reminder every {days} days is out of range"
        )))
    }
}

fn amount(paise: Paise) -> Result<(), LlmError> {
    if paise.is_positive() && paise <= MAX_BOOKING {
        Ok(())
    } else {
        Err(LlmError::Invalid(format!(
            "amount {} paise is out of range",
            paise.as_i64()
        )))
    }
}

fn positive_qty(qty: &crate::quantity::Quantity) -> Result<(), LlmError> {
    if qty.is_positive() {
        Ok(())
    } else {
        Err(LlmError::Invalid(format!("quantity {qty} is not positive")))
    }
}

fn name(value: &mut String, what: &str) -> Result<(), LlmError> {
    *value = clean_text(value, what, MAX_NAME_CHARS)?;
    Ok(())
}

fn optional_name(value: &mut Option<String>, what: &str) -> Result<(), LlmError> {
    match value {
        Some(text) => name(text, what),
        None => Ok(()),
    }
}

/// Trimmed, non-empty, bounded, and free of control characters, which would corrupt replies and logs.
fn clean_text(value: &str, what: &str, max_chars: usize) -> Result<String, LlmError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(LlmError::Invalid(format!("empty {what}")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(LlmError::Invalid(format!("{what} is too long")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(LlmError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(trimmed.to_string())
}

/// Digits with country code. A bare 10-digit Indian mobile gets 91, as the contract says; spaces,
/// dashes and a leading `+` are formatting, not a different number.
fn phone_number(raw: &str) -> Result<String, LlmError> {
    let invalid = || LlmError::Invalid("phone is not digits with a country code".into());
    let compact: String = raw
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if compact.is_empty() || !compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    if compact.len() == 10 && compact.starts_with(['6', '7', '8', '9']) {
        return Ok(format!("91{compact}"));
    }
    let valid = if compact.starts_with("91") {
        compact.len() == 12
    } else {
        // E.164: a country code (never starting with 0) and at most 15 digits in all.
        !compact.starts_with('0') && (8..=15).contains(&compact.len())
    };
    if valid { Ok(compact) } else { Err(invalid()) }
}

/// The same instant in the merchant's offset, whole seconds, and not absurdly far from now.
fn reminder_time(
    at: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
) -> Result<DateTime<FixedOffset>, LlmError> {
    if at.signed_duration_since(now).num_days().abs() > MAX_TIME_DISTANCE_DAYS {
        return Err(LlmError::Invalid(format!("reminder time {at} is absurd")));
    }
    let local = at.with_timezone(now.offset());
    Ok(local.with_nanosecond(0).unwrap_or(local))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use chrono::NaiveDate;

    use super::*;
    use crate::money::PaymentMode;
    use crate::quantity::{Quantity, Unit};

    const KEY: &str = "sk-test-execora-123";
    const MODEL: &str = "test-model-mini";
    const NOW: &str = "2026-11-22T10:00:00+05:30";
    /// Text the real rules do not understand, so `understand` asks the model.
    const UNSURE: &str = "mausam kaisa hai";
    const GIBBERISH: &str = "kuch gadbad wala sentence xyz";

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(NOW).unwrap_or_else(|e| panic!("test clock: {e}"))
    }

    /// What the fake model does with a well-formed request.
    #[derive(Clone)]
    enum Reply {
        Content(String),
        Status(u16),
        Sleep(Duration),
    }

    struct Fake {
        reply: Reply,
        hits: AtomicUsize,
        /// Everything the client sent that a real OpenAI endpoint would reject or that we rely on.
        violations: Mutex<Vec<String>>,
        user_texts: Mutex<Vec<String>>,
    }

    struct Server {
        fake: Arc<Fake>,
        base: String,
    }

    impl Server {
        fn hits(&self) -> usize {
            self.fake.hits.load(Ordering::SeqCst)
        }

        fn violations(&self) -> Vec<String> {
            self.fake
                .violations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        }

        fn user_texts(&self) -> Vec<String> {
            self.fake
                .user_texts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        }

        fn parser(&self, timeout: Duration) -> LlmParser {
            LlmParser::new(LlmConfig {
                api_key: KEY.into(),
                base_url: Some(self.base.clone()),
                model: MODEL.into(),
                timeout,
            })
        }
    }

    /// Checks a request the way the real API would, so the test proves what async-openai sends.
    fn check_request(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<String, String> {
        if uri.path() != "/v1/chat/completions" {
            return Err(format!("path {}", uri.path()));
        }
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if auth != format!("Bearer {KEY}") {
            return Err(format!("authorization {auth:?}"));
        }
        let body: Value = serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?;
        if body["model"] != MODEL {
            return Err(format!("model {}", body["model"]));
        }
        let format = &body["response_format"];
        if format["type"] != "json_schema" || format["json_schema"]["strict"] != true {
            return Err(format!("response_format {format}"));
        }
        if format["json_schema"]["schema"]["properties"]["commands"]["type"] != "array" {
            return Err("schema does not describe commands".into());
        }
        let messages = body["messages"].as_array().cloned().unwrap_or_default();
        let [system, user] = messages.as_slice() else {
            return Err(format!("{} messages", messages.len()));
        };
        let system_text = system["content"].as_str().unwrap_or_default();
        if system["role"] != "system"
            || !system_text.contains(NOW)
            || !system_text.contains("Sunday")
        {
            return Err("system message without now".into());
        }
        if user["role"] != "user" {
            return Err("second message is not the user's".into());
        }
        user["content"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "user content is not text".into())
    }

    async fn completions(
        State(fake): State<Arc<Fake>>,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        fake.hits.fetch_add(1, Ordering::SeqCst);
        match check_request(&uri, &headers, &body) {
            Ok(text) => fake
                .user_texts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(text),
            Err(violation) => {
                fake.violations
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(violation.clone());
                return (StatusCode::BAD_REQUEST, violation).into_response();
            }
        }
        match &fake.reply {
            Reply::Status(code) => (
                StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "upstream trouble",
            )
                .into_response(),
            Reply::Sleep(delay) => {
                tokio::time::sleep(*delay).await;
                StatusCode::GATEWAY_TIMEOUT.into_response()
            }
            Reply::Content(content) => axum::Json(json!({
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 1_795_000_000u32,
                "model": MODEL,
                "choices": [{
                    "index": 0,
                    "finish_reason": "stop",
                    "message": { "role": "assistant", "content": content, "refusal": null }
                }],
                "usage": { "prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940 }
            }))
            .into_response(),
        }
    }

    /// A local OpenAI-compatible endpoint; every path is routed to one handler so a wrong path is seen.
    async fn serve(reply: Reply) -> Server {
        let fake = Arc::new(Fake {
            reply,
            hits: AtomicUsize::new(0),
            violations: Mutex::new(Vec::new()),
            user_texts: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(completions).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("address: {e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server {
            fake,
            base: format!("http://{address}"),
        }
    }

    /// One command as a strict-mode model writes it: every field present, unused ones null.
    fn strict_command(fields: Value) -> Value {
        let mut command = json!({
            "intent": "unknown", "customer": null, "items": null, "amount_paise": null, "mode": null,
            "note": null, "at": null, "product": null, "qty": null, "unit": null, "price_paise": null,
            "phone": null, "date": null, "every_days": null, "on": null
        });
        if let (Some(all), Some(given)) = (command.as_object_mut(), fields.as_object()) {
            for (key, value) in given {
                all.insert(key.clone(), value.clone());
            }
        }
        command
    }

    fn answer(commands: Vec<Value>) -> String {
        json!({ "commands": commands }).to_string()
    }

    fn payment_answer() -> String {
        answer(vec![strict_command(
            json!({"intent": "record_payment", "customer": "Rahul", "amount_paise": 20000, "mode": "upi"}),
        )])
    }

    fn expect_ok(result: Result<Parsed, LlmError>) -> Parsed {
        result.unwrap_or_else(|e| panic!("expected an answer, got {e}"))
    }

    #[tokio::test]
    async fn a_good_answer_is_validated_and_its_nulls_are_dropped() {
        let server = serve(Reply::Content(answer(vec![
            strict_command(
                json!({"intent": "record_payment", "customer": " Rahul ", "amount_paise": 20000, "mode": "upi"}),
            ),
            strict_command(json!({"intent": "create_invoice", "customer": "राहुल", "items": [
                {"product": "doodh", "qty": 2, "unit": "packet"},
                {"product": "Parle-G", "qty": 0.5, "unit": null}
            ]})),
            strict_command(
                json!({"intent": "add_customer", "customer": "Amit", "phone": "98765 43210"}),
            ),
        ])))
        .await;
        // The base URL without /v1 also proves it is appended.
        let llm = server.parser(Duration::from_secs(5));
        let parsed = expect_ok(llm.parse("Rahul ne GPay se 200 bheje yaar", now()).await);
        assert_eq!(server.violations(), Vec::<String>::new());
        assert_eq!(server.user_texts(), vec!["Rahul ne GPay se 200 bheje yaar"]);
        assert_eq!(
            parsed.commands,
            vec![
                Command::RecordPayment {
                    customer: "Rahul".into(),
                    amount_paise: Paise::new(20_000),
                    mode: Some(PaymentMode::Upi),
                },
                Command::CreateInvoice {
                    customer: Some("राहुल".into()),
                    items: vec![
                        ItemRequest {
                            product: "doodh".into(),
                            qty: Quantity::from_milli(2000),
                            unit: Some(Unit::Packet),
                        },
                        ItemRequest {
                            product: "Parle-G".into(),
                            qty: Quantity::from_milli(500),
                            unit: None,
                        },
                    ],
                },
                Command::AddCustomer {
                    customer: "Amit".into(),
                    phone: Some("919876543210".into()),
                },
            ]
        );
        let printed = serde_json::to_string(&parsed).unwrap_or_default();
        assert!(!printed.contains("null"), "{printed}");
    }

    #[tokio::test]
    async fn the_same_question_normalised_is_answered_from_the_cache() {
        let server = serve(Reply::Content(payment_answer())).await;
        let llm = server.parser(Duration::from_secs(5));
        let first = expect_ok(llm.parse("Rahul ne GPay se 200 bheje", now()).await);
        let second = expect_ok(llm.parse("  rahul NE   gpay se 200 bheje!! ", now()).await);
        assert_eq!(first, second);
        assert_eq!(server.hits(), 1);
        expect_ok(llm.parse("Rahul ne 200 bheje", now()).await);
        assert_eq!(server.hits(), 2, "different words are a different question");
        assert_eq!(server.violations(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn answers_that_depend_on_now_are_not_cached() {
        let reminder = answer(vec![strict_command(json!({
            "intent": "schedule_reminder", "customer": "Rahul", "amount_paise": 50000,
            "at": "2026-11-23T13:30:00Z"
        }))]);
        let server = serve(Reply::Content(reminder)).await;
        let llm = server.parser(Duration::from_secs(5));
        let text = "Rahul ko kal shaam 7 baje 500 ka yaad dilana";
        let parsed = expect_ok(llm.parse(text, now()).await);
        let expected_at = DateTime::parse_from_rfc3339("2026-11-23T19:00:00+05:30").ok();
        assert!(matches!(
            parsed.commands.as_slice(),
            [Command::ScheduleReminder { at, .. }] if *at == expected_at
        ));
        let printed = serde_json::to_string(&parsed).unwrap_or_default();
        assert!(printed.contains("2026-11-23T19:00:00+05:30"), "{printed}");
        expect_ok(llm.parse(text, now()).await);
        assert_eq!(server.hits(), 2);

        let summary = answer(vec![strict_command(
            json!({"intent": "daily_summary", "date": "2026-11-21"}),
        )]);
        let server = serve(Reply::Content(summary)).await;
        let llm = server.parser(Duration::from_secs(5));
        for _ in 0..2 {
            let parsed = expect_ok(llm.parse("kal ka hisaab batao", now()).await);
            assert_eq!(
                parsed.commands,
                vec![Command::DailySummary {
                    date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default()
                }]
            );
        }
        assert_eq!(server.hits(), 2);
    }

    /// Each failure is an error from `parse` and leaves `understand` with the rules' answer.
    async fn fails_and_falls_back(reply: Reply, timeout: Duration) -> (LlmError, Server) {
        let server = serve(reply).await;
        let llm = server.parser(timeout);
        let error = match llm.parse(GIBBERISH, now()).await {
            Ok(parsed) => panic!("expected an error, got {parsed:?}"),
            Err(error) => error,
        };
        let ruled = rules::parse(GIBBERISH, now());
        assert!(!ruled.confident, "the rules must be unsure for this test");
        let asked_before = server.hits();
        let understood = understand(GIBBERISH, now(), Some(&llm)).await;
        assert!(server.hits() > asked_before, "understand asked the model");
        assert_eq!(understood, ruled);
        assert!(!understood.confident);
        assert_eq!(server.violations(), Vec::<String>::new());
        (error, server)
    }

    #[tokio::test]
    async fn bad_answers_are_errors_and_understand_keeps_the_rules_answer() {
        let no_amount = answer(vec![strict_command(
            json!({"intent": "record_payment", "customer": "Rahul"}),
        )]);
        let made_up_intent = answer(vec![strict_command(
            json!({"intent": "order_pizza", "customer": "Rahul"}),
        )]);
        let negative = answer(vec![strict_command(
            json!({"intent": "record_payment", "customer": "Rahul", "amount_paise": -500}),
        )]);
        for (content, expected) in [
            ("{\"commands\": [".to_string(), "not JSON"),
            ("Sure! Here is the JSON".to_string(), "not JSON"),
            (no_amount, "not the contract"),
            (made_up_intent, "not the contract"),
            (answer(vec![]), "no commands"),
            (negative, "out of range"),
        ] {
            let (error, server) =
                fails_and_falls_back(Reply::Content(content.clone()), Duration::from_secs(5)).await;
            assert!(
                matches!(&error, LlmError::Invalid(reason) if reason.contains(expected)),
                "{content}: {error}"
            );
            assert_eq!(server.hits(), 2, "invalid answers are not cached");
        }
    }

    #[tokio::test]
    async fn a_server_error_is_an_error_within_the_timeout() {
        let started = Instant::now();
        let (error, server) =
            fails_and_falls_back(Reply::Status(500), Duration::from_secs(3)).await;
        assert!(matches!(error, LlmError::Api(_)), "{error}");
        assert!(server.hits() >= 2, "async-openai retries 5xx");
        assert!(started.elapsed() < Duration::from_secs(6));
    }

    #[tokio::test]
    async fn a_slow_server_times_out() {
        let started = Instant::now();
        let (error, _) = fails_and_falls_back(
            Reply::Sleep(Duration::from_secs(30)),
            Duration::from_millis(300),
        )
        .await;
        assert!(matches!(error, LlmError::Timeout(_)), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn without_a_model_or_with_confident_rules_nothing_is_asked() {
        let server = serve(Reply::Content(payment_answer())).await;
        let llm = server.parser(Duration::from_secs(5));

        assert_eq!(
            understand(UNSURE, now(), None).await,
            rules::parse(UNSURE, now())
        );
        let sure = "Suresh ne 500 UPI kiya";
        let ruled = rules::parse(sure, now());
        assert!(ruled.confident);
        assert_eq!(understand(sure, now(), Some(&llm)).await, ruled);
        // A negated booking is refused by the rules; the model (which answers a payment here)
        // is not asked to turn it back into one.
        let negated = "Suresh ne 500 nahi diye";
        let refused = understand(negated, now(), Some(&llm)).await;
        assert!(!refused.confident && refused.not_booked.is_some());
        assert_eq!(server.hits(), 0);

        // And unsure rules do reach the model, whose answer wins.
        let understood = understand(UNSURE, now(), Some(&llm)).await;
        assert!(understood.confident, "the model's reading is acted on");
        assert!(matches!(
            understood.parsed.commands.as_slice(),
            [Command::RecordPayment { customer, .. }] if customer == "Rahul"
        ));
        assert_eq!(server.hits(), 1);
        assert_eq!(server.user_texts(), vec![UNSURE]);
    }

    #[tokio::test]
    async fn empty_and_overlong_messages_are_not_sent() {
        let server = serve(Reply::Content(payment_answer())).await;
        let llm = server.parser(Duration::from_secs(5));
        assert_eq!(expect_ok(llm.parse(" ?! ", now()).await), Parsed::unknown());
        let long = "bahut lamba ".repeat(100);
        assert!(matches!(
            llm.parse(&long, now()).await,
            Err(LlmError::TooLong(_))
        ));
        assert_eq!(server.hits(), 0);
    }

    #[test]
    fn understand_can_run_on_a_multithreaded_runtime() {
        fn assert_send<T: Send>(_: &T) {}
        let future = understand(UNSURE, now(), None);
        assert_send(&future);
        fn assert_shareable<T: Send + Sync>() {}
        assert_shareable::<LlmParser>();
    }

    #[test]
    fn the_schema_is_valid_for_strict_mode() {
        fn check(schema: &Value, path: &str) {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                let mut required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
                required.sort_unstable();
                names.sort_unstable();
                assert_eq!(required, names, "{path}: every property is required");
                assert_eq!(schema["additionalProperties"], false, "{path}");
                for (name, property) in properties {
                    check(property, &format!("{path}.{name}"));
                }
            }
            if let Some(inner) = schema.get("items") {
                check(inner, &format!("{path}[]"));
            }
            if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
                for option in options {
                    check(option, path);
                }
            }
        }
        let schema = answer_schema();
        check(&schema, "$");
        let command = &schema["properties"]["commands"]["items"];
        let intents: Vec<&str> = command["properties"]["intent"]["enum"]
            .as_array()
            .map(|e| e.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(intents, INTENTS);
        // Every intent name in the schema is one the contract type knows.
        for intent in INTENTS {
            let parsed = from_answer(&answer(vec![strict_command(json!({"intent": intent}))]));
            let known = match parsed {
                Ok(p) => p.commands.first().map(Command::intent) == Some(intent),
                Err(LlmError::Invalid(reason)) => reason.contains("missing field"),
                Err(_) => false,
            };
            assert!(known, "{intent}");
        }
    }

    #[test]
    fn the_reminder_and_digest_intents_come_back_in_contract_form() {
        let one = |fields: Value| {
            from_answer(&answer(vec![strict_command(fields)])).and_then(|p| validate(p, now()))
        };
        let repeating = one(json!({
            "intent": "schedule_reminder", "customer": "Rahul", "amount_paise": 50000, "every_days": 7
        }));
        assert!(matches!(
            repeating.as_ref().map(|p| p.commands.as_slice()),
            Ok([Command::ScheduleReminder { every_days: Some(7), amount_paise: Some(paise), .. }])
                if paise.as_i64() == 50000
        ));
        assert!(matches!(
            one(json!({"intent": "auto_remind_all", "every_days": 3})).map(|p| p.commands),
            Ok(commands) if commands == vec![Command::AutoRemindAll { every_days: 3 }]
        ));
        assert!(matches!(
            one(json!({"intent": "stop_auto_reminder"})).map(|p| p.commands),
            Ok(commands) if commands == vec![Command::StopAutoReminder { customer: None }]
        ));
        assert!(matches!(
            one(json!({"intent": "reminder_status", "customer": " Rahul "})).map(|p| p.commands),
            Ok(commands) if commands == vec![Command::ReminderStatus { customer: "Rahul".into() }]
        ));
        let digest_at = one(json!({"intent": "set_digest", "on": true, "at": "20:00"}));
        let printed = digest_at
            .as_ref()
            .map(|p| serde_json::to_string(p).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(
            printed,
            r#"{"commands":[{"intent":"set_digest","on":true,"at":"20:00"}]}"#
        );
        assert!(matches!(
            one(json!({"intent": "set_digest", "on": false})).map(|p| p.commands),
            Ok(commands) if commands == vec![Command::SetDigest { on: false, at: None }]
        ));
        for (fields, why) in [
            (
                json!({"intent": "auto_remind_all", "every_days": 0}),
                "every 0 days",
            ),
            (
                json!({"intent": "auto_remind_all", "every_days": 400}),
                "every 400 days",
            ),
            (json!({"intent": "auto_remind_all"}), "no interval"),
            (json!({"intent": "reminder_status"}), "no customer"),
            (json!({"intent": "set_digest", "at": "20:00"}), "no on/off"),
            (
                json!({"intent": "set_digest", "on": true, "at": "25:00"}),
                "no such hour",
            ),
            (
                json!({"intent": "schedule_reminder", "customer": "Rahul", "every_days": -7}),
                "a negative interval",
            ),
        ] {
            assert!(one(fields).is_err(), "{why}");
        }
    }

    #[test]
    fn validation_refuses_what_is_out_of_bounds() {
        let one = |fields: Value| {
            from_answer(&answer(vec![strict_command(fields)])).and_then(|p| validate(p, now()))
        };
        for (fields, why) in [
            (
                json!({"intent": "record_payment", "customer": "Rahul", "amount_paise": 0}),
                "zero amount",
            ),
            (
                json!({"intent": "add_credit", "customer": "Rahul", "amount_paise": MAX_BOOKING.as_i64() + 1}),
                "over ₹10 crore",
            ),
            (
                json!({"intent": "add_product", "product": "Parle-G", "price_paise": -1000}),
                "negative price",
            ),
            (
                json!({"intent": "update_stock", "product": "doodh", "qty": 0}),
                "zero quantity",
            ),
            (
                json!({"intent": "create_invoice", "items": [{"product": "doodh", "qty": -2, "unit": null}]}),
                "negative item",
            ),
            (
                json!({"intent": "create_invoice", "items": []}),
                "empty bill",
            ),
            (
                json!({"intent": "check_stock", "product": "   "}),
                "blank product",
            ),
            (
                json!({"intent": "cancel_reminder", "customer": "x".repeat(101)}),
                "long name",
            ),
            (
                json!({"intent": "check_balance", "customer": "Rahul\u{7}"}),
                "control character",
            ),
            (
                json!({"intent": "add_customer", "customer": "Amit", "phone": "98765abc10"}),
                "letters in phone",
            ),
            (
                json!({"intent": "add_customer", "customer": "Amit", "phone": "91987654321"}),
                "11 digits after 91",
            ),
            (
                json!({"intent": "add_customer", "customer": "Amit", "phone": "12345"}),
                "too short",
            ),
            (
                json!({"intent": "schedule_reminder", "customer": "Rahul", "at": "2030-01-01T10:00:00+05:30"}),
                "reminder years away",
            ),
            (
                json!({"intent": "schedule_reminder", "customer": "Rahul", "at": "kal shaam"}),
                "not a time",
            ),
            (
                json!({"intent": "daily_summary", "date": "1999-01-01"}),
                "absurd date",
            ),
            (
                json!({"intent": "daily_summary", "date": "22/11/2026"}),
                "not a date",
            ),
        ] {
            assert!(
                matches!(one(fields.clone()), Err(LlmError::Invalid(_))),
                "{why}: {fields}"
            );
        }
        let too_many = answer(vec![strict_command(json!({"intent": "help"})); 21]);
        assert!(
            from_answer(&too_many)
                .and_then(|p| validate(p, now()))
                .is_err()
        );

        for (phone, expected) in [
            ("919876543210", "919876543210"),
            ("+91 98765-43210", "919876543210"),
            ("9123456789", "919123456789"),
            ("14155550123", "14155550123"),
        ] {
            let parsed = one(json!({"intent": "add_customer", "customer": "Amit", "phone": phone}));
            assert!(
                matches!(
                    parsed.as_ref().map(|p| p.commands.as_slice()),
                    Ok([Command::AddCustomer { phone: Some(p), .. }]) if p == expected
                ),
                "{phone}: {parsed:?}"
            );
        }
    }

    #[test]
    fn normalising_folds_case_space_and_edge_punctuation() {
        assert_eq!(
            normalise("  Rahul NE\t200   diye!! "),
            normalise("rahul ne 200 diye")
        );
        assert_eq!(normalise("राहुल ने 200 दिए।"), "राहुल ने 200 दिए");
        assert_eq!(normalise("Parle-G ka stock?"), "parle-g ka stock");
        assert_eq!(normalise("?!"), "");
    }

    #[test]
    fn the_base_url_ends_in_v1() {
        assert_eq!(
            api_base("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(
            api_base("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(api_base("https://x.example/v1/"), "https://x.example/v1");
        assert_eq!(api_base("https://x.example/v1"), "https://x.example/v1");
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_the_oldest() {
        let mut cache = Cache::new(3);
        for key in ["a", "b", "c", "d"] {
            cache.insert(key.into(), Parsed::unknown());
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get("a").is_none());
        assert!(cache.get("d").is_some());
        cache.insert("d".into(), Parsed::unknown());
        assert_eq!(cache.len(), 3);
        assert!(cache.get("b").is_some());
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let config = LlmConfig {
            api_key: KEY.into(),
            base_url: None,
            model: MODEL.into(),
            timeout: Duration::from_secs(4),
        };
        assert!(!format!("{config:?}").contains(KEY));
    }
}
