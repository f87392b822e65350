//! Speech-to-text and text-to-speech behind two small traits, implemented for OpenAI, Deepgram and ElevenLabs.
//!
//! The traits return boxed futures by hand instead of using `async fn`: an `async fn` in a trait
//! is not dyn-compatible, and the bot holds providers as `Arc<dyn Transcriber>` chosen at start-up.
//! A boxed future per call costs one allocation next to an HTTP round trip, and spares us the
//! async-trait crate. Implementations write `Box::pin(async move { … })`.
//!
//! Every call goes through [`resilience`]: a timeout per attempt, retries of passing failures,
//! and a circuit breaker, so a sick provider costs a merchant a few seconds, not a stuck worker.

mod config;
mod deepgram;
mod elevenlabs;
mod http;
mod openai;
mod resilience;

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use config::{
    DEFAULT_DEEPGRAM_BASE, DEFAULT_DEEPGRAM_MODEL, DEFAULT_ELEVENLABS_BASE,
    DEFAULT_ELEVENLABS_MODEL, DEFAULT_OPENAI_STT_MODEL, DEFAULT_OPENAI_TTS_MODEL,
    DEFAULT_OPENAI_VOICE, SttConfig, TtsConfig,
};
pub use resilience::ResilienceConfig;

/// What a provider heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcription {
    pub text: String,
    /// The language of `text`: what the provider detected, else the hint it was given.
    pub language: Option<String>,
    /// The audio's length as the provider measured it, when it says.
    pub duration: Option<Duration>,
}

/// One voice note to transcribe.
#[derive(Debug, Clone, Copy)]
pub struct TranscriptionRequest<'a> {
    /// 16 kHz mono 16-bit WAV, as `audio` makes it.
    pub wav: &'a [u8],
    /// ISO 639-1, e.g. "hi"; `None` lets the provider detect it.
    pub language: Option<&'a str>,
    /// Customer and product names, so the provider spells "Sharma ji" and "atta" as the books do.
    pub vocabulary: &'a [String],
}

/// One reply to speak.
#[derive(Debug, Clone, Copy)]
pub struct SpeechRequest<'a> {
    pub text: &'a str,
    /// ISO 639-1, e.g. "hi".
    pub language: Option<&'a str>,
}

/// A spoken reply.
#[derive(Clone, PartialEq)]
pub struct Speech {
    /// Ogg/Opus, which WhatsApp plays as a voice note.
    pub audio: Vec<u8>,
    /// Always "audio/ogg".
    pub mime: &'static str,
}

impl fmt::Debug for Speech {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Speech")
            .field("audio", &format_args!("{} bytes", self.audio.len()))
            .field("mime", &self.mime)
            .finish()
    }
}

/// Both services take far more, but a voice note longer than this is a lecture, not a reply;
/// the caller sends such a reply as text only.
pub const MAX_SPEECH_CHARS: usize = 600;

/// The MIME type of every [`Speech`].
pub const OGG_MIME: &str = "audio/ogg";

/// The future a provider call returns; boxed so the traits stay dyn-compatible.
pub type ProviderFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

/// Turns a voice note into text.
pub trait Transcriber: Send + Sync {
    fn transcribe<'a>(
        &'a self,
        request: TranscriptionRequest<'a>,
    ) -> ProviderFuture<'a, Transcription>;
    /// For logs and metrics: "openai", "deepgram".
    fn name(&self) -> &'static str;
}

/// Turns a reply into a voice note.
pub trait Speaker: Send + Sync {
    fn speak<'a>(&'a self, request: SpeechRequest<'a>) -> ProviderFuture<'a, Speech>;
    /// For logs and metrics: "openai", "elevenlabs".
    fn name(&self) -> &'static str;
    /// The longest text `speak` accepts; a longer reply goes out as text only.
    fn max_chars(&self) -> usize;
}

/// Why a provider call gave no usable answer. The caller falls back to text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    /// Nothing was sent: the breaker is open after repeated failures, or the client could not be set up.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// Worth trying again later: connection trouble, 408, 429, 5xx.
    #[error("the provider failed{}: {message}", status_suffix(*.status))]
    Transient {
        status: Option<u16>,
        message: String,
    },
    /// The provider refused this request (4xx other than 408/429); sending it again will not help.
    #[error("the provider refused the request{}: {message}", status_suffix(*.status))]
    Rejected {
        status: Option<u16>,
        message: String,
    },
    /// The provider answered, but not with something we can use.
    #[error("the provider's answer is unusable: {0}")]
    Invalid(String),
    #[error("the text is too long to speak ({chars} characters, at most {limit})")]
    TooLong { chars: usize, limit: usize },
}

fn status_suffix(status: Option<u16>) -> String {
    status.map_or_else(String::new, |s| format!(" with status {s}"))
}

/// The configured speech-to-text service, with retries and a breaker around it.
pub fn transcriber(config: SttConfig, resilience: ResilienceConfig) -> Arc<dyn Transcriber> {
    let http = match http::client() {
        Ok(http) => http,
        Err(error) => return Arc::new(Broken::new(stt_name(&config), error)),
    };
    match config {
        SttConfig::OpenAi {
            api_key,
            base_url,
            model,
        } => Arc::new(openai::OpenAiTranscriber::new(
            http, api_key, base_url, model, resilience,
        )),
        SttConfig::Deepgram {
            api_key,
            base_url,
            model,
        } => Arc::new(deepgram::DeepgramTranscriber::new(
            http, api_key, base_url, model, resilience,
        )),
    }
}

/// The configured text-to-speech service, with retries and a breaker around it.
pub fn speaker(config: TtsConfig, resilience: ResilienceConfig) -> Arc<dyn Speaker> {
    let http = match http::client() {
        Ok(http) => http,
        Err(error) => return Arc::new(Broken::new(tts_name(&config), error)),
    };
    match config {
        TtsConfig::OpenAi {
            api_key,
            base_url,
            model,
            voice,
        } => Arc::new(openai::OpenAiSpeaker::new(
            http, api_key, base_url, model, voice, resilience,
        )),
        TtsConfig::ElevenLabs {
            api_key,
            base_url,
            voice_id,
            model_id,
        } => Arc::new(elevenlabs::ElevenLabsSpeaker::new(
            http, api_key, base_url, voice_id, model_id, resilience,
        )),
    }
}

/// Stands in for a provider whose HTTP client could not be built (a broken TLS setup), so
/// start-up goes on with voice features off instead of crashing.
struct Broken {
    name: &'static str,
    reason: String,
}

impl Broken {
    fn new(name: &'static str, reason: String) -> Self {
        tracing::error!(provider = name, %reason, "speech provider disabled");
        Broken { name, reason }
    }
}

impl Transcriber for Broken {
    fn transcribe<'a>(
        &'a self,
        _request: TranscriptionRequest<'a>,
    ) -> ProviderFuture<'a, Transcription> {
        Box::pin(async move { Err(ProviderError::Unavailable(self.reason.clone())) })
    }

    fn name(&self) -> &'static str {
        self.name
    }
}

impl Speaker for Broken {
    fn speak<'a>(&'a self, _request: SpeechRequest<'a>) -> ProviderFuture<'a, Speech> {
        Box::pin(async move { Err(ProviderError::Unavailable(self.reason.clone())) })
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn max_chars(&self) -> usize {
        MAX_SPEECH_CHARS
    }
}

fn stt_name(config: &SttConfig) -> &'static str {
    match config {
        SttConfig::OpenAi { .. } => openai::NAME,
        SttConfig::Deepgram { .. } => deepgram::NAME,
    }
}

fn tts_name(config: &TtsConfig) -> &'static str {
    match config {
        TtsConfig::OpenAi { .. } => openai::NAME,
        TtsConfig::ElevenLabs { .. } => elevenlabs::NAME,
    }
}

/// "Names: Rahul, Sharma ji, atta" — a transcription hint from the shop's own words.
/// Blank and repeated names (ignoring case) are dropped, the first spelling and the order are
/// kept, and whole names are added only while the text stays within `max_chars` characters.
/// Empty when there is nothing to say.
pub fn vocabulary_prompt(names: &[String], max_chars: usize) -> String {
    const PREFIX: &str = "Names: ";
    let mut prompt = String::from(PREFIX);
    let mut length = PREFIX.chars().count();
    let mut any = false;
    for name in distinct_terms(names) {
        let separator = if any { 2 } else { 0 };
        let name_length = name.chars().count();
        if length + separator + name_length > max_chars {
            break;
        }
        if any {
            prompt.push_str(", ");
        }
        prompt.push_str(&name);
        length += separator + name_length;
        any = true;
    }
    if any { prompt } else { String::new() }
}

/// Names fit to send: trimmed, control characters (which would break a prompt or a query
/// string) dropped, blank and repeated ones (ignoring case) left out, first spelling kept.
fn distinct_terms(names: &[String]) -> impl Iterator<Item = String> + '_ {
    let mut seen = HashSet::new();
    names.iter().filter_map(move |name| {
        let clean: String = name
            .split_whitespace()
            .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!clean.is_empty() && seen.insert(clean.to_lowercase())).then_some(clean)
    })
}

/// The base of an OpenAI-compatible API: async-openai and our own requests append paths such as
/// `/audio/speech` verbatim, so it must end in `/v1` and no slash.
fn openai_base(base: Option<&str>) -> String {
    let base = base
        .unwrap_or("https://api.openai.com/v1")
        .trim()
        .trim_end_matches('/');
    if base.ends_with("/v1") {
        base.to_string()
    } else {
        format!("{base}/v1")
    }
}

/// A service's base URL without a trailing slash.
fn plain_base(base: Option<&str>, default: &str) -> String {
    base.unwrap_or(default)
        .trim()
        .trim_end_matches('/')
        .to_string()
}

/// Refuses, before any call, text that is empty or longer than the speaker takes.
fn check_text(text: &str, limit: usize) -> Result<(), ProviderError> {
    if text.trim().is_empty() {
        return Err(ProviderError::Rejected {
            status: None,
            message: "there is no text to speak".into(),
        });
    }
    let chars = text.chars().count();
    if chars > limit {
        return Err(ProviderError::TooLong { chars, limit });
    }
    Ok(())
}

/// Audio that at least starts like an Ogg stream; the caller checks the rest.
fn ogg_speech(audio: bytes::Bytes) -> Result<Speech, ProviderError> {
    if !audio.starts_with(b"OggS") {
        let start: String = audio.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return Err(ProviderError::Invalid(format!(
            "the speech is not Ogg audio ({} bytes starting {start})",
            audio.len()
        )));
    }
    Ok(Speech {
        audio: audio.to_vec(),
        mime: OGG_MIME,
    })
}

#[cfg(test)]
mod failures;
#[cfg(test)]
mod fake;

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_vocabulary_prompt_dedupes_keeps_order_and_fits() {
        let list = names(&[
            "Rahul",
            " Sharma  ji ",
            "atta",
            "rahul",
            "",
            "  ",
            "Parle-G",
        ]);
        assert_eq!(
            vocabulary_prompt(&list, 600),
            "Names: Rahul, Sharma ji, atta, Parle-G"
        );
        // Only whole names: "Names: Rahul, Sharma ji" is 23 characters.
        assert_eq!(vocabulary_prompt(&list, 23), "Names: Rahul, Sharma ji");
        assert_eq!(vocabulary_prompt(&list, 22), "Names: Rahul");
        assert_eq!(vocabulary_prompt(&list, 5), "");
        assert_eq!(vocabulary_prompt(&[], 600), "");
        // Devanagari counts characters, not bytes.
        let hindi = names(&["राहुल", "आटा"]);
        assert_eq!(vocabulary_prompt(&hindi, 17), "Names: राहुल, आटा");
        assert_eq!(vocabulary_prompt(&hindi, 16), "Names: राहुल");
        let many: Vec<String> = (0..500).map(|i| format!("Customer {i}")).collect();
        assert!(vocabulary_prompt(&many, 600).chars().count() <= 600);
        assert_eq!(
            vocabulary_prompt(&names(&["Ra\u{7}hul\nji"]), 600),
            "Names: Rahul ji"
        );
    }

    #[test]
    fn bases_are_normalised() {
        assert_eq!(openai_base(None), "https://api.openai.com/v1");
        assert_eq!(
            openai_base(Some("http://127.0.0.1:9/")),
            "http://127.0.0.1:9/v1"
        );
        assert_eq!(
            openai_base(Some("https://x.example/v1/")),
            "https://x.example/v1"
        );
        assert_eq!(
            plain_base(Some("http://127.0.0.1:9/"), DEFAULT_DEEPGRAM_BASE),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            plain_base(None, DEFAULT_DEEPGRAM_BASE),
            DEFAULT_DEEPGRAM_BASE
        );
    }

    #[test]
    fn providers_are_shareable_across_tasks() {
        fn assert_shareable<T: Send + Sync + ?Sized>() {}
        assert_shareable::<dyn Transcriber>();
        assert_shareable::<dyn Speaker>();
    }
}
