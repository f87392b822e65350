//! Interim language-model entry point; replaced by the OpenAI-compatible fallback.
use chrono::{DateTime, FixedOffset};

use super::command::Parsed;

pub struct LlmConfig {
    pub api_key: String,
    pub base_url: Option<String>,
    pub model: String,
    pub timeout: std::time::Duration,
}

pub struct LlmParser;

impl LlmParser {
    pub fn new(_config: LlmConfig) -> Self {
        LlmParser
    }
}

pub async fn understand(
    text: &str,
    now: DateTime<FixedOffset>,
    _llm: Option<&LlmParser>,
) -> Parsed {
    super::rules::parse(text, now).parsed
}
