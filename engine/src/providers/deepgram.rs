//! Deepgram speech-to-text: the WAV posted to `/v1/listen`, the shop's names sent as key terms.

use std::time::Duration;

use bytes::Bytes;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

use super::http;
use super::resilience::{Failure, Resilient};
use super::{
    DEFAULT_DEEPGRAM_BASE, ProviderError, ProviderFuture, ResilienceConfig, Transcriber,
    Transcription, TranscriptionRequest, distinct_terms, plain_base,
};

pub(super) const NAME: &str = "deepgram";
/// Deepgram bounds key terms by tokens (about 500 in all); 50 names stay well inside that and
/// keep the query string short.
const MAX_KEYTERMS: usize = 50;
const MAX_ANSWER_BODY: usize = 1024 * 1024;

pub(super) struct DeepgramTranscriber {
    http: reqwest::Client,
    authorization: String,
    base: String,
    model: String,
    resilience: Resilient,
}

impl DeepgramTranscriber {
    pub fn new(
        http: reqwest::Client,
        api_key: String,
        base_url: Option<String>,
        model: String,
        resilience: ResilienceConfig,
    ) -> Self {
        DeepgramTranscriber {
            http,
            authorization: format!("Token {api_key}"),
            base: plain_base(base_url.as_deref(), DEFAULT_DEEPGRAM_BASE),
            model,
            resilience: Resilient::new(NAME, resilience),
        }
    }

    /// `/v1/listen` with the model, language and names as query parameters. Nova-3 takes names
    /// as `keyterm`; older models know only `keywords`.
    fn url(&self, language: Option<&str>, vocabulary: &[String]) -> Result<Url, ProviderError> {
        let mut params: Vec<(&str, String)> = vec![
            ("model", self.model.clone()),
            ("smart_format", "true".into()),
            ("punctuate", "true".into()),
        ];
        if let Some(language) = language {
            params.push(("language", language.to_string()));
        }
        let term = if self.model.starts_with("nova-3") {
            "keyterm"
        } else {
            "keywords"
        };
        params.extend(
            distinct_terms(vocabulary)
                .take(MAX_KEYTERMS)
                .map(|name| (term, name)),
        );
        Url::parse_with_params(&format!("{}/v1/listen", self.base), &params).map_err(|e| {
            ProviderError::Rejected {
                status: None,
                message: format!("the Deepgram URL is not valid: {e}"),
            }
        })
    }

    async fn attempt(
        &self,
        url: Url,
        wav: Bytes,
        hint: Option<&str>,
    ) -> Result<Transcription, Failure> {
        let response = self
            .http
            .post(url)
            .header(AUTHORIZATION, &self.authorization)
            .header(CONTENT_TYPE, "audio/wav")
            .body(wav)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let body = http::success_body(response, MAX_ANSWER_BODY).await?;
        parse_answer(&body, hint).map_err(Failure::from)
    }
}

impl Transcriber for DeepgramTranscriber {
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
            let url = self.url(request.language, request.vocabulary)?;
            let wav = Bytes::copy_from_slice(request.wav);
            self.resilience
                .call(|| self.attempt(url.clone(), wav.clone(), request.language))
                .await
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

/// `results.channels[0].alternatives[0].transcript`, with `metadata.duration` and, when
/// Deepgram detected it, `results.channels[0].detected_language`.
fn parse_answer(body: &[u8], hint: Option<&str>) -> Result<Transcription, ProviderError> {
    let answer: Value = serde_json::from_slice(body)
        .map_err(|e| ProviderError::Invalid(format!("the answer is not JSON: {e}")))?;
    let channel = &answer["results"]["channels"][0];
    let text = channel["alternatives"][0]["transcript"]
        .as_str()
        .ok_or_else(|| ProviderError::Invalid("the answer has no transcript".into()))?;
    let language = channel["detected_language"]
        .as_str()
        .filter(|l| !l.trim().is_empty())
        .or(hint)
        .map(str::to_string);
    let duration = answer["metadata"]["duration"]
        .as_f64()
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    Ok(Transcription {
        text: text.trim().to_string(),
        language,
        duration,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::fake::{self, Recorded, Reply};
    use super::super::{SttConfig, transcriber};
    use super::*;

    const KEY: &str = "dg-test-key";

    fn check(request: &Recorded) -> Result<(), String> {
        request.expect("POST", "/v1/listen")?;
        request.expect_header("authorization", &format!("Token {KEY}"))?;
        request.expect_header("content-type", "audio/wav")?;
        for (name, value) in [
            ("model", "nova-3"),
            ("language", "hi"),
            ("smart_format", "true"),
            ("punctuate", "true"),
        ] {
            if request.query(name) != vec![value.to_string()] {
                return Err(format!("{name} is {:?}", request.query(name)));
            }
        }
        let terms = request.query("keyterm");
        if terms != ["Rahul", "Sharma ji", "atta"] {
            return Err(format!("keyterms {terms:?}"));
        }
        if request.body != fake::wav() {
            return Err(format!("body is {} bytes, not our WAV", request.body.len()));
        }
        Ok(())
    }

    fn answer() -> Value {
        json!({
            "metadata": {"request_id": "r-1", "duration": 3.25, "channels": 1},
            "results": {"channels": [{"alternatives": [
                {"transcript": "Sharma ji ko 2 kilo atta", "confidence": 0.93}
            ]}]}
        })
    }

    #[tokio::test]
    async fn the_wav_is_posted_with_model_language_and_keyterms() {
        let server = fake::serve(check, vec![], Reply::json(answer())).await;
        let stt = transcriber(
            SttConfig::Deepgram {
                api_key: KEY.into(),
                base_url: Some(format!("{}/", server.base)),
                model: "nova-3".into(),
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
                text: "Sharma ji ko 2 kilo atta".into(),
                language: Some("hi".into()),
                duration: Some(Duration::from_millis(3250)),
            }
        );
        assert_eq!(stt.name(), "deepgram");
    }

    #[test]
    fn keyterms_are_capped_and_older_models_get_keywords() {
        let build = |model: &str| {
            DeepgramTranscriber::new(
                reqwest::Client::new(),
                KEY.into(),
                None,
                model.into(),
                fake::resilience(),
            )
        };
        let many: Vec<String> = (0..80).map(|i| format!("Customer {i}")).collect();
        let url = build("nova-3")
            .url(None, &many)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            url.as_str()
                .starts_with("https://api.deepgram.com/v1/listen?")
        );
        let terms = url.query_pairs().filter(|(k, _)| k == "keyterm").count();
        assert_eq!(terms, MAX_KEYTERMS);
        assert!(url.query_pairs().all(|(k, _)| k != "language"));
        let url = build("nova-2")
            .url(Some("en"), &many[..2])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            url.query_pairs().filter(|(k, _)| k == "keywords").count(),
            2
        );
        assert_eq!(url.query_pairs().filter(|(k, _)| k == "keyterm").count(), 0);
    }

    #[test]
    fn answers_without_a_transcript_are_invalid() {
        assert!(matches!(
            parse_answer(br#"{"metadata":{},"results":{"channels":[]}}"#, None),
            Err(ProviderError::Invalid(_))
        ));
        assert!(matches!(
            parse_answer(b"<html>", None),
            Err(ProviderError::Invalid(_))
        ));
        let detected = parse_answer(
            br#"{"results":{"channels":[{"detected_language":"en","alternatives":[{"transcript":""}]}]}}"#,
            Some("hi"),
        );
        assert_eq!(
            detected,
            Ok(Transcription {
                text: String::new(),
                language: Some("en".into()),
                duration: None
            })
        );
    }
}
