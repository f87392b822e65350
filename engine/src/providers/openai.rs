//! OpenAI-compatible speech: transcription (`/audio/transcriptions`) and speech (`/audio/speech`).

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::audio::{
    CreateSpeechRequest, CreateSpeechRequestArgs, SpeechModel, SpeechResponseFormat, Voice,
};
use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use super::http::{self, Transport};
use super::resilience::{Failure, Resilient};
use super::{
    MAX_SPEECH_CHARS, ProviderError, ProviderFuture, ResilienceConfig, Speaker, Speech,
    SpeechRequest, Transcriber, Transcription, TranscriptionRequest, check_text, ogg_speech,
    openai_base, vocabulary_prompt,
};

pub(super) const NAME: &str = "openai";
/// Whisper reads at most 224 prompt tokens and ignores the rest; 600 characters of names stay
/// under that even for Devanagari, which takes more tokens per character.
const MAX_PROMPT_CHARS: usize = 600;
/// A transcript answer is a few kilobytes; anything near this is not one.
const MAX_TRANSCRIPT_BODY: usize = 1024 * 1024;

/// Transcribes through a multipart upload sent with reqwest rather than async-openai's
/// `transcription()`: that one sends the file part without a Content-Type (some compatible
/// servers then refuse the WAV), and its typed answer requires a `usage` field that
/// compatible servers omit (see deps.md).
pub(super) struct OpenAiTranscriber {
    http: reqwest::Client,
    api_key: String,
    url: String,
    model: String,
    resilience: Resilient,
}

impl OpenAiTranscriber {
    pub fn new(
        http: reqwest::Client,
        api_key: String,
        base_url: Option<String>,
        model: String,
        resilience: ResilienceConfig,
    ) -> Self {
        OpenAiTranscriber {
            http,
            api_key,
            url: format!("{}/audio/transcriptions", openai_base(base_url.as_deref())),
            model,
            resilience: Resilient::new(NAME, resilience),
        }
    }

    async fn attempt(
        &self,
        wav: Bytes,
        language: Option<&str>,
        prompt: &str,
    ) -> Result<Transcription, Failure> {
        let length = wav.len() as u64;
        let file = Part::stream_with_length(wav, length)
            .file_name("speech.wav")
            .mime_str("audio/wav")
            .map_err(http::from_reqwest)?;
        let mut form = Form::new()
            .part("file", file)
            .text("model", self.model.clone())
            .text("response_format", "json");
        if let Some(language) = language {
            form = form.text("language", language.to_string());
        }
        if !prompt.is_empty() {
            form = form.text("prompt", prompt.to_string());
        }
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(&self.api_key)
            .multipart(form)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let body = http::success_body(response, MAX_TRANSCRIPT_BODY).await?;
        parse_transcription(&body, language).map_err(Failure::from)
    }
}

impl Transcriber for OpenAiTranscriber {
    fn transcribe<'a>(
        &'a self,
        request: TranscriptionRequest<'a>,
    ) -> ProviderFuture<'a, Transcription> {
        Box::pin(async move {
            if request.wav.is_empty() {
                return Err(ProviderError::Rejected {
                    status: None,
                    message: "the audio is empty".into(),
                });
            }
            // One copy of the note, shared by every attempt.
            let wav = Bytes::copy_from_slice(request.wav);
            let prompt = vocabulary_prompt(request.vocabulary, MAX_PROMPT_CHARS);
            self.resilience
                .call(|| self.attempt(wav.clone(), request.language, &prompt))
                .await
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

/// `json` answers carry `text`; `verbose_json` and some compatible servers add `language` and
/// `duration`, and whisper-1 reports the billed seconds under `usage`.
#[derive(Deserialize)]
struct TranscriptionAnswer {
    text: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    seconds: Option<f64>,
}

fn parse_transcription(body: &[u8], hint: Option<&str>) -> Result<Transcription, ProviderError> {
    let answer: TranscriptionAnswer = serde_json::from_slice(body).map_err(|e| {
        ProviderError::Invalid(format!("the transcription is not the expected JSON: {e}"))
    })?;
    let seconds = answer.duration.or_else(|| {
        answer
            .usage
            .filter(|u| u.kind.as_deref() == Some("duration"))
            .and_then(|u| u.seconds)
    });
    Ok(Transcription {
        text: answer.text.trim().to_string(),
        language: answer
            .language
            .filter(|l| !l.trim().is_empty())
            .or_else(|| hint.map(str::to_string)),
        duration: seconds.and_then(|s| Duration::try_from_secs_f64(s).ok()),
    })
}

/// Speaks through async-openai's `speech()`, asking for Opus, which OpenAI wraps in Ogg.
pub(super) struct OpenAiSpeaker {
    client: Client<OpenAIConfig>,
    model: String,
    voice: String,
    resilience: Resilient,
}

impl OpenAiSpeaker {
    pub fn new(
        http: reqwest::Client,
        api_key: String,
        base_url: Option<String>,
        model: String,
        voice: String,
        resilience: ResilienceConfig,
    ) -> Self {
        let config = OpenAIConfig::new()
            .with_api_key(api_key)
            .with_api_base(openai_base(base_url.as_deref()));
        OpenAiSpeaker {
            client: Client::build(http.clone(), config).with_http_service(Transport::new(http)),
            model,
            voice,
            resilience: Resilient::new(NAME, resilience),
        }
    }

    fn request(&self, text: &str, language: Option<&str>) -> Result<CreateSpeechRequest, Failure> {
        let mut args = CreateSpeechRequestArgs::default();
        args.input(text)
            .model(SpeechModel::Other(self.model.clone()))
            .voice(Voice::Other(self.voice.clone()))
            .response_format(SpeechResponseFormat::Opus);
        // The gpt-4o voices take instructions; tts-1 refuses them. Without the language, a reply in
        // Hinglish written in Latin letters is read with English sounds.
        if let Some(language) = language
            && !self.model.starts_with("tts-1")
        {
            args.instructions(format!(
                "The text is in the language with ISO 639-1 code \"{language}\" (possibly written in \
                 Latin letters). Pronounce it as a native speaker from India would, warmly and clearly."
            ));
        }
        args.build().map_err(http::from_openai)
    }

    async fn attempt(&self, text: &str, language: Option<&str>) -> Result<Speech, Failure> {
        let request = self.request(text, language)?;
        let answer = self
            .client
            .audio()
            .speech()
            .create(request)
            .await
            .map_err(http::from_openai)?;
        ogg_speech(answer.bytes).map_err(Failure::from)
    }
}

impl Speaker for OpenAiSpeaker {
    fn speak<'a>(&'a self, request: SpeechRequest<'a>) -> ProviderFuture<'a, Speech> {
        Box::pin(async move {
            check_text(request.text, self.max_chars())?;
            self.resilience
                .call(|| self.attempt(request.text, request.language))
                .await
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn max_chars(&self) -> usize {
        MAX_SPEECH_CHARS
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::fake::{self, Recorded, Reply};
    use super::super::{SttConfig, TtsConfig, speaker, transcriber};
    use super::*;

    const KEY: &str = "sk-test-openai-key";

    fn check_transcription(request: &Recorded) -> Result<(), String> {
        request.expect("POST", "/v1/audio/transcriptions")?;
        request.expect_header("authorization", &format!("Bearer {KEY}"))?;
        let parts = request.multipart()?;
        let file = fake::part(&parts, "file")?;
        if file.filename.as_deref() != Some("speech.wav") {
            return Err(format!("file name {:?}", file.filename));
        }
        if file.content_type.as_deref() != Some("audio/wav") {
            return Err(format!("file content type {:?}", file.content_type));
        }
        if file.body != fake::wav() {
            return Err(format!("file is {} bytes, not our WAV", file.body.len()));
        }
        fake::expect_text(&parts, "model", "whisper-large-test")?;
        fake::expect_text(&parts, "language", "hi")?;
        fake::expect_text(&parts, "response_format", "json")?;
        fake::expect_text(&parts, "prompt", "Names: Rahul, Sharma ji, atta")?;
        Ok(())
    }

    #[tokio::test]
    async fn transcription_sends_the_wav_with_model_language_and_names() {
        let server = fake::serve(
            check_transcription,
            vec![],
            Reply::json(json!({"text": " Rahul ne 200 diye ", "usage": {"type": "duration", "seconds": 2.5}})),
        )
        .await;
        let stt = transcriber(
            SttConfig::OpenAi {
                api_key: KEY.into(),
                // No /v1: it is appended.
                base_url: Some(server.base.clone()),
                model: "whisper-large-test".into(),
            },
            fake::resilience(),
        );
        let heard = stt
            .transcribe(fake::transcription_request())
            .await
            .unwrap_or_else(|e| panic!("transcribe: {e}"));
        assert_eq!(server.violations(), Vec::<String>::new());
        assert_eq!(
            heard,
            Transcription {
                text: "Rahul ne 200 diye".into(),
                language: Some("hi".into()),
                duration: Some(Duration::from_millis(2500)),
            }
        );
        assert_eq!(server.hits(), 1);
        assert_eq!(stt.name(), "openai");
    }

    #[test]
    fn transcription_answers_are_read_leniently_but_need_text() {
        let verbose = parse_transcription(
            br#"{"text":"namaste","language":"hindi","duration":1.25,"segments":[]}"#,
            Some("hi"),
        );
        assert_eq!(
            verbose,
            Ok(Transcription {
                text: "namaste".into(),
                language: Some("hindi".into()),
                duration: Some(Duration::from_millis(1250)),
            })
        );
        let plain = parse_transcription(br#"{"text":""}"#, None);
        assert_eq!(
            plain,
            Ok(Transcription {
                text: String::new(),
                language: None,
                duration: None
            })
        );
        assert!(matches!(
            parse_transcription(br#"{"transcript":"x"}"#, None),
            Err(ProviderError::Invalid(_))
        ));
        assert!(matches!(
            parse_transcription(b"Rahul ne 200 diye", None),
            Err(ProviderError::Invalid(_))
        ));
    }

    fn check_speech(request: &Recorded) -> Result<(), String> {
        request.expect("POST", "/v1/audio/speech")?;
        request.expect_header("authorization", &format!("Bearer {KEY}"))?;
        let body: Value = request.json()?;
        for (field, expected) in [
            ("model", "gpt-4o-mini-tts"),
            ("voice", "coral"),
            ("response_format", "opus"),
            ("input", "Rahul ka balance ₹1,200 hai"),
        ] {
            if body[field] != expected {
                return Err(format!("{field} is {}", body[field]));
            }
        }
        let instructions = body["instructions"].as_str().unwrap_or_default();
        if !instructions.contains("\"hi\"") {
            return Err(format!("instructions {instructions:?}"));
        }
        Ok(())
    }

    #[tokio::test]
    async fn speech_asks_for_opus_in_the_configured_voice() {
        let server = fake::serve(check_speech, vec![], Reply::ogg()).await;
        let tts = speaker(
            TtsConfig::OpenAi {
                api_key: KEY.into(),
                base_url: Some(format!("{}/v1/", server.base)),
                model: "gpt-4o-mini-tts".into(),
                voice: "coral".into(),
            },
            fake::resilience(),
        );
        let speech = tts
            .speak(SpeechRequest {
                text: "Rahul ka balance ₹1,200 hai",
                language: Some("hi"),
            })
            .await
            .unwrap_or_else(|e| panic!("speak: {e}"));
        assert_eq!(server.violations(), Vec::<String>::new());
        assert_eq!(speech.mime, "audio/ogg");
        assert_eq!(speech.audio, fake::OGG.to_vec());
        assert_eq!(tts.max_chars(), 600);
    }

    #[tokio::test]
    async fn speech_that_is_not_ogg_is_invalid() {
        let server = fake::serve(
            |_| Ok(()),
            vec![],
            Reply::bytes("audio/mpeg", b"ID3\x04mp3 data".to_vec()),
        )
        .await;
        let tts = speaker(
            TtsConfig::openai(KEY, Some(server.base.clone())),
            fake::resilience(),
        );
        let result = tts
            .speak(SpeechRequest {
                text: "namaste",
                language: None,
            })
            .await;
        assert!(
            matches!(result, Err(ProviderError::Invalid(_))),
            "{result:?}"
        );
        assert_eq!(server.hits(), 1, "an unusable answer is not retried");
    }

    #[tokio::test]
    async fn tts_1_gets_no_instructions() {
        let server = fake::serve(
            |request| {
                let body: Value = request.json()?;
                if body.get("instructions").is_some_and(|v| !v.is_null()) {
                    return Err("instructions sent to tts-1".into());
                }
                Ok(())
            },
            vec![],
            Reply::ogg(),
        )
        .await;
        let tts = speaker(
            TtsConfig::OpenAi {
                api_key: KEY.into(),
                base_url: Some(server.base.clone()),
                model: "tts-1".into(),
                voice: "alloy".into(),
            },
            fake::resilience(),
        );
        let result = tts
            .speak(SpeechRequest {
                text: "namaste",
                language: Some("hi"),
            })
            .await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(server.violations(), Vec::<String>::new());
    }
}
