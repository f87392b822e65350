//! ElevenLabs text-to-speech: `/v1/text-to-speech/{voice}` answered as Ogg/Opus.

use reqwest::Url;
use serde::Serialize;

use super::http;
use super::resilience::{Failure, Resilient};
use super::{
    DEFAULT_ELEVENLABS_BASE, MAX_SPEECH_CHARS, ProviderError, ProviderFuture, ResilienceConfig,
    Speaker, Speech, SpeechRequest, check_text, ogg_speech, plain_base,
};

pub(super) const NAME: &str = "elevenlabs";
/// 48 kHz Opus at 32 kbit/s in Ogg: what WhatsApp voice notes are, and small.
const OUTPUT_FORMAT: &str = "opus_48000_32";
/// 600 characters of speech at 32 kbit/s is well under 1 MB.
const MAX_AUDIO_BODY: usize = 8 * 1024 * 1024;

pub(super) struct ElevenLabsSpeaker {
    http: reqwest::Client,
    api_key: String,
    base: String,
    voice_id: String,
    model_id: String,
    resilience: Resilient,
}

#[derive(Serialize)]
struct Body<'a> {
    text: &'a str,
    model_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language_code: Option<&'a str>,
}

impl ElevenLabsSpeaker {
    pub fn new(
        http: reqwest::Client,
        api_key: String,
        base_url: Option<String>,
        voice_id: String,
        model_id: String,
        resilience: ResilienceConfig,
    ) -> Self {
        ElevenLabsSpeaker {
            http,
            api_key,
            base: plain_base(base_url.as_deref(), DEFAULT_ELEVENLABS_BASE),
            voice_id,
            model_id,
            resilience: Resilient::new(NAME, resilience),
        }
    }

    /// The voice id goes in as one escaped path segment, so an odd id cannot change the path.
    fn url(&self) -> Result<Url, ProviderError> {
        let invalid = |why: String| ProviderError::Rejected {
            status: None,
            message: format!("the ElevenLabs URL is not valid: {why}"),
        };
        let mut url = Url::parse(&self.base).map_err(|e| invalid(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| invalid("the base cannot have a path".into()))?
            .pop_if_empty()
            .extend(["v1", "text-to-speech", self.voice_id.as_str()]);
        url.query_pairs_mut()
            .append_pair("output_format", OUTPUT_FORMAT);
        Ok(url)
    }

    async fn attempt(&self, url: Url, body: &Body<'_>) -> Result<Speech, Failure> {
        let response = self
            .http
            .post(url)
            .header("xi-api-key", &self.api_key)
            .json(body)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let audio = http::success_body(response, MAX_AUDIO_BODY).await?;
        ogg_speech(audio).map_err(Failure::from)
    }
}

impl Speaker for ElevenLabsSpeaker {
    fn speak<'a>(&'a self, request: SpeechRequest<'a>) -> ProviderFuture<'a, Speech> {
        Box::pin(async move {
            check_text(request.text, self.max_chars())?;
            let url = self.url()?;
            let body = Body {
                text: request.text,
                model_id: &self.model_id,
                language_code: request.language,
            };
            self.resilience
                .call(|| self.attempt(url.clone(), &body))
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
    use serde_json::Value;

    use super::super::fake::{self, Recorded, Reply};
    use super::super::{TtsConfig, speaker};
    use super::*;

    const KEY: &str = "xi-test-key";

    fn check(request: &Recorded) -> Result<(), String> {
        request.expect("POST", "/v1/text-to-speech/voice%20one")?;
        request.expect_header("xi-api-key", KEY)?;
        request.expect_header("content-type", "application/json")?;
        if request.query("output_format") != ["opus_48000_32"] {
            return Err(format!(
                "output_format {:?}",
                request.query("output_format")
            ));
        }
        let body: Value = request.json()?;
        for (field, expected) in [
            ("text", "Rahul ka balance ₹1,200 hai"),
            ("model_id", "eleven_multilingual_v2"),
            ("language_code", "hi"),
        ] {
            if body[field] != expected {
                return Err(format!("{field} is {}", body[field]));
            }
        }
        Ok(())
    }

    #[tokio::test]
    async fn speech_is_requested_as_ogg_opus_in_the_voice() {
        let server = fake::serve(check, vec![], Reply::ogg()).await;
        let tts = speaker(
            TtsConfig::ElevenLabs {
                api_key: KEY.into(),
                base_url: Some(server.base.clone()),
                voice_id: "voice one".into(),
                model_id: "eleven_multilingual_v2".into(),
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
        assert_eq!(speech.audio, fake::OGG.to_vec());
        assert_eq!(speech.mime, "audio/ogg");
        assert_eq!((tts.name(), tts.max_chars()), ("elevenlabs", 600));
    }

    #[tokio::test]
    async fn an_answer_that_is_not_ogg_is_invalid() {
        let server = fake::serve(
            |_| Ok(()),
            vec![],
            Reply::bytes("text/html", b"<html>captive portal</html>".to_vec()),
        )
        .await;
        let tts = speaker(
            TtsConfig::ElevenLabs {
                api_key: KEY.into(),
                base_url: Some(server.base.clone()),
                voice_id: "v".into(),
                model_id: "m".into(),
            },
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
    }

    #[test]
    fn the_url_keeps_a_base_path() {
        let tts = ElevenLabsSpeaker::new(
            reqwest::Client::new(),
            KEY.into(),
            Some("http://proxy.local/eleven/".into()),
            "abc/../x".into(),
            "m".into(),
            fake::resilience(),
        );
        let url = tts.url().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            url.as_str(),
            "http://proxy.local/eleven/v1/text-to-speech/abc%2F..%2Fx?output_format=opus_48000_32"
        );
    }
}
