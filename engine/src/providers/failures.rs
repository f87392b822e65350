//! Test-only: every provider through the same failures — retried, refused, timed out, breaker open.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::fake::{self, Reply, Server};
use super::{
    ProviderError, ResilienceConfig, Speaker, SpeechRequest, SttConfig, Transcriber, TtsConfig,
    speaker, transcriber,
};

#[derive(Debug, Clone, Copy)]
enum Kind {
    OpenAiStt,
    Deepgram,
    OpenAiTts,
    ElevenLabs,
}

const KINDS: [Kind; 4] = [
    Kind::OpenAiStt,
    Kind::Deepgram,
    Kind::OpenAiTts,
    Kind::ElevenLabs,
];

enum Subject {
    Stt(Arc<dyn Transcriber>),
    Tts(Arc<dyn Speaker>),
}

impl Kind {
    fn success(self) -> Reply {
        match self {
            Kind::OpenAiStt => Reply::json(json!({"text": "Rahul ne 200 diye"})),
            Kind::Deepgram => Reply::json(json!({
                "metadata": {"duration": 1.0},
                "results": {"channels": [{"alternatives": [{"transcript": "Rahul ne 200 diye"}]}]}
            })),
            Kind::OpenAiTts | Kind::ElevenLabs => Reply::ogg(),
        }
    }

    fn subject(self, base: &str, resilience: ResilienceConfig) -> Subject {
        let base = Some(base.to_string());
        match self {
            Kind::OpenAiStt => Subject::Stt(transcriber(
                SttConfig::OpenAi {
                    api_key: "k".into(),
                    base_url: base,
                    model: "whisper-1".into(),
                },
                resilience,
            )),
            Kind::Deepgram => Subject::Stt(transcriber(
                SttConfig::Deepgram {
                    api_key: "k".into(),
                    base_url: base,
                    model: "nova-3".into(),
                },
                resilience,
            )),
            Kind::OpenAiTts => Subject::Tts(speaker(
                TtsConfig::OpenAi {
                    api_key: "k".into(),
                    base_url: base,
                    model: "gpt-4o-mini-tts".into(),
                    voice: "alloy".into(),
                },
                resilience,
            )),
            Kind::ElevenLabs => Subject::Tts(speaker(
                TtsConfig::ElevenLabs {
                    api_key: "k".into(),
                    base_url: base,
                    voice_id: "v".into(),
                    model_id: "eleven_multilingual_v2".into(),
                },
                resilience,
            )),
        }
    }
}

impl Subject {
    async fn call(&self) -> Result<(), ProviderError> {
        match self {
            Subject::Stt(stt) => stt
                .transcribe(fake::transcription_request())
                .await
                .map(drop),
            Subject::Tts(tts) => tts
                .speak(SpeechRequest {
                    text: "Rahul ka balance ₹1,200 hai",
                    language: Some("hi"),
                })
                .await
                .map(drop),
        }
    }
}

async fn setup(
    kind: Kind,
    script: Vec<Reply>,
    default: Option<Reply>,
    resilience: ResilienceConfig,
) -> (Server, Subject) {
    let server = fake::serve(
        |_| Ok(()),
        script,
        default.unwrap_or_else(|| kind.success()),
    )
    .await;
    let subject = kind.subject(&server.base, resilience);
    (server, subject)
}

#[tokio::test]
async fn a_server_error_then_success_is_retried_and_succeeds() {
    for kind in KINDS {
        for failure in [
            Reply::status(500),
            Reply::status(503),
            Reply::Status {
                code: 429,
                retry_after: Some("0"),
            },
            Reply::status(408),
        ] {
            let (server, subject) = setup(kind, vec![failure], None, fake::resilience()).await;
            let result = subject.call().await;
            assert!(result.is_ok(), "{kind:?}: {result:?}");
            assert_eq!(server.hits(), 2, "{kind:?}");
        }
    }
}

#[tokio::test]
async fn a_refusal_is_not_retried() {
    for kind in KINDS {
        for code in [400, 401, 404, 422] {
            let (server, subject) =
                setup(kind, vec![], Some(Reply::status(code)), fake::resilience()).await;
            let result = subject.call().await;
            assert!(
                matches!(&result, Err(ProviderError::Rejected { status: Some(s), message }) if *s == code && message == "scripted failure"),
                "{kind:?}: {result:?}"
            );
            assert_eq!(server.hits(), 1, "{kind:?}");
        }
    }
}

#[tokio::test]
async fn failures_that_persist_end_as_transient_after_the_retries() {
    for kind in KINDS {
        let (server, subject) =
            setup(kind, vec![], Some(Reply::status(502)), fake::resilience()).await;
        let result = subject.call().await;
        assert!(
            matches!(
                result,
                Err(ProviderError::Transient {
                    status: Some(502),
                    ..
                })
            ),
            "{kind:?}: {result:?}"
        );
        assert_eq!(server.hits(), 3, "{kind:?}: 1 try + 2 retries");
    }
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let resilience = ResilienceConfig {
        timeout: Duration::from_millis(300),
        retries: 1,
        ..fake::resilience()
    };
    for kind in KINDS {
        let (server, subject) = setup(
            kind,
            vec![],
            Some(Reply::Sleep(Duration::from_secs(60))),
            resilience,
        )
        .await;
        let result = tokio::time::timeout(Duration::from_secs(20), subject.call())
            .await
            .unwrap_or_else(|_| panic!("{kind:?}: the call was not bounded"));
        assert_eq!(
            result,
            Err(ProviderError::Timeout(resilience.timeout)),
            "{kind:?}"
        );
        assert_eq!(server.hits(), 2, "{kind:?}: a timeout is retried");
    }
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_failures_and_stops_calling() {
    let resilience = ResilienceConfig {
        retries: 1,
        breaker_failures: 3,
        breaker_cooldown: Duration::from_secs(600),
        ..fake::resilience()
    };
    for kind in KINDS {
        let (server, subject) = setup(kind, vec![], Some(Reply::status(503)), resilience).await;
        for _ in 0..3 {
            let result = subject.call().await;
            assert!(
                matches!(result, Err(ProviderError::Transient { .. })),
                "{kind:?}: {result:?}"
            );
        }
        assert_eq!(server.hits(), 6, "{kind:?}: 3 calls of 2 attempts");
        for _ in 0..5 {
            let result = subject.call().await;
            assert!(
                matches!(result, Err(ProviderError::Unavailable(_))),
                "{kind:?}: {result:?}"
            );
        }
        assert_eq!(
            server.hits(),
            6,
            "{kind:?}: nothing is sent while the breaker is open"
        );
    }
}

#[tokio::test]
async fn after_the_cooldown_one_trial_call_closes_the_breaker() {
    let resilience = ResilienceConfig {
        retries: 0,
        breaker_failures: 2,
        breaker_cooldown: Duration::from_millis(200),
        ..fake::resilience()
    };
    for kind in KINDS {
        let (server, subject) = setup(
            kind,
            vec![Reply::status(500), Reply::status(500)],
            None,
            resilience,
        )
        .await;
        for _ in 0..2 {
            assert!(subject.call().await.is_err());
        }
        assert!(matches!(
            subject.call().await,
            Err(ProviderError::Unavailable(_))
        ));
        tokio::time::sleep(Duration::from_millis(400)).await;
        let trial = subject.call().await;
        assert!(trial.is_ok(), "{kind:?}: {trial:?}");
        let after = subject.call().await;
        assert!(after.is_ok(), "{kind:?}: {after:?}");
        assert_eq!(server.hits(), 4, "{kind:?}");
    }
}

#[tokio::test]
async fn a_dead_address_is_a_transient_failure() {
    // Bind and drop: nothing listens on this port any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    drop(listener);
    let resilience = ResilienceConfig {
        retries: 1,
        ..fake::resilience()
    };
    for kind in KINDS {
        let subject = kind.subject(&format!("http://{address}"), resilience);
        let result = subject.call().await;
        assert!(
            matches!(result, Err(ProviderError::Transient { status: None, .. })),
            "{kind:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn speech_refuses_empty_and_overlong_text_without_calling() {
    for kind in [Kind::OpenAiTts, Kind::ElevenLabs] {
        let (server, subject) = setup(kind, vec![], None, fake::resilience()).await;
        let Subject::Tts(tts) = subject else {
            panic!("{kind:?} is a speaker");
        };
        let long = "a".repeat(tts.max_chars() + 1);
        let result = tts
            .speak(SpeechRequest {
                text: &long,
                language: None,
            })
            .await;
        assert_eq!(
            result,
            Err(ProviderError::TooLong {
                chars: 601,
                limit: 600
            }),
            "{kind:?}"
        );
        let exactly = "अ".repeat(tts.max_chars());
        let result = tts
            .speak(SpeechRequest {
                text: &exactly,
                language: None,
            })
            .await;
        assert!(
            result.is_ok(),
            "{kind:?}: 600 characters, not bytes: {result:?}"
        );
        let result = tts
            .speak(SpeechRequest {
                text: "  ",
                language: None,
            })
            .await;
        assert!(
            matches!(result, Err(ProviderError::Rejected { status: None, .. })),
            "{kind:?}"
        );
        assert_eq!(server.hits(), 1, "{kind:?}");
    }
}

#[tokio::test]
async fn empty_audio_is_refused_without_calling() {
    for kind in [Kind::OpenAiStt, Kind::Deepgram] {
        let (server, subject) = setup(kind, vec![], None, fake::resilience()).await;
        let Subject::Stt(stt) = subject else {
            panic!("{kind:?} is a transcriber");
        };
        let result = stt
            .transcribe(super::TranscriptionRequest {
                wav: &[],
                language: None,
                vocabulary: &[],
            })
            .await;
        assert!(
            matches!(result, Err(ProviderError::Rejected { status: None, .. })),
            "{kind:?}"
        );
        assert_eq!(server.hits(), 0, "{kind:?}");
    }
}
