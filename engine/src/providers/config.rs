//! What the binary chooses: which speech service, with which key, model and voice, and the defaults.

use std::fmt;

/// Which speech-to-text service to use. Built by the binary from the environment.
#[derive(Clone)]
pub enum SttConfig {
    /// Any server speaking OpenAI's `/v1/audio/transcriptions` (OpenAI, Groq, a local whisper server).
    OpenAi {
        api_key: String,
        /// Must end in /v1; appended when missing. `None` is api.openai.com.
        base_url: Option<String>,
        /// Default [`DEFAULT_OPENAI_STT_MODEL`].
        model: String,
    },
    Deepgram {
        api_key: String,
        /// Default [`DEFAULT_DEEPGRAM_BASE`].
        base_url: Option<String>,
        /// Default [`DEFAULT_DEEPGRAM_MODEL`].
        model: String,
    },
}

pub const DEFAULT_OPENAI_STT_MODEL: &str = "whisper-1";
pub const DEFAULT_DEEPGRAM_BASE: &str = "https://api.deepgram.com";
pub const DEFAULT_DEEPGRAM_MODEL: &str = "nova-3";

impl SttConfig {
    /// OpenAI with the default model.
    pub fn openai(api_key: impl Into<String>, base_url: Option<String>) -> Self {
        SttConfig::OpenAi {
            api_key: api_key.into(),
            base_url,
            model: DEFAULT_OPENAI_STT_MODEL.into(),
        }
    }

    /// Deepgram with the default base and model.
    pub fn deepgram(api_key: impl Into<String>) -> Self {
        SttConfig::Deepgram {
            api_key: api_key.into(),
            base_url: None,
            model: DEFAULT_DEEPGRAM_MODEL.into(),
        }
    }
}

impl fmt::Debug for SttConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, base_url, model) = match self {
            SttConfig::OpenAi {
                base_url, model, ..
            } => ("OpenAi", base_url, model),
            SttConfig::Deepgram {
                base_url, model, ..
            } => ("Deepgram", base_url, model),
        };
        f.debug_struct(kind)
            .field("api_key", &"***")
            .field("base_url", base_url)
            .field("model", model)
            .finish()
    }
}

/// Which text-to-speech service to use. Built by the binary from the environment.
#[derive(Clone)]
pub enum TtsConfig {
    OpenAi {
        api_key: String,
        /// Must end in /v1; appended when missing. `None` is api.openai.com.
        base_url: Option<String>,
        /// Default [`DEFAULT_OPENAI_TTS_MODEL`].
        model: String,
        /// Default [`DEFAULT_OPENAI_VOICE`].
        voice: String,
    },
    ElevenLabs {
        api_key: String,
        /// Default [`DEFAULT_ELEVENLABS_BASE`].
        base_url: Option<String>,
        voice_id: String,
        /// Default [`DEFAULT_ELEVENLABS_MODEL`].
        model_id: String,
    },
}

pub const DEFAULT_OPENAI_TTS_MODEL: &str = "gpt-4o-mini-tts";
pub const DEFAULT_OPENAI_VOICE: &str = "alloy";
pub const DEFAULT_ELEVENLABS_BASE: &str = "https://api.elevenlabs.io";
pub const DEFAULT_ELEVENLABS_MODEL: &str = "eleven_multilingual_v2";

impl TtsConfig {
    /// OpenAI with the default model and voice.
    pub fn openai(api_key: impl Into<String>, base_url: Option<String>) -> Self {
        TtsConfig::OpenAi {
            api_key: api_key.into(),
            base_url,
            model: DEFAULT_OPENAI_TTS_MODEL.into(),
            voice: DEFAULT_OPENAI_VOICE.into(),
        }
    }

    /// ElevenLabs with the default base and model.
    pub fn elevenlabs(api_key: impl Into<String>, voice_id: impl Into<String>) -> Self {
        TtsConfig::ElevenLabs {
            api_key: api_key.into(),
            base_url: None,
            voice_id: voice_id.into(),
            model_id: DEFAULT_ELEVENLABS_MODEL.into(),
        }
    }
}

impl fmt::Debug for TtsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TtsConfig::OpenAi {
                base_url,
                model,
                voice,
                ..
            } => f
                .debug_struct("OpenAi")
                .field("api_key", &"***")
                .field("base_url", base_url)
                .field("model", model)
                .field("voice", voice)
                .finish(),
            TtsConfig::ElevenLabs {
                base_url,
                voice_id,
                model_id,
                ..
            } => f
                .debug_struct("ElevenLabs")
                .field("api_key", &"***")
                .field("base_url", base_url)
                .field("voice_id", voice_id)
                .field("model_id", model_id)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_show_in_debug_output() {
        let key = "sk-secret-provider-key";
        let configs = [
            format!("{:?}", SttConfig::openai(key, None)),
            format!("{:?}", SttConfig::deepgram(key)),
            format!("{:?}", TtsConfig::openai(key, None)),
            format!("{:?}", TtsConfig::elevenlabs(key, "voice")),
        ];
        for printed in configs {
            assert!(!printed.contains(key), "{printed}");
            assert!(printed.contains("***"), "{printed}");
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        match SttConfig::openai("k", None) {
            SttConfig::OpenAi { model, .. } => assert_eq!(model, "whisper-1"),
            other => panic!("{other:?}"),
        }
        match SttConfig::deepgram("k") {
            SttConfig::Deepgram {
                model, base_url, ..
            } => {
                assert_eq!(model, "nova-3");
                assert_eq!(base_url, None);
            }
            other => panic!("{other:?}"),
        }
        match TtsConfig::openai("k", None) {
            TtsConfig::OpenAi { model, voice, .. } => {
                assert_eq!(model, "gpt-4o-mini-tts");
                assert_eq!(voice, "alloy");
            }
            other => panic!("{other:?}"),
        }
        match TtsConfig::elevenlabs("k", "v") {
            TtsConfig::ElevenLabs { model_id, .. } => {
                assert_eq!(model_id, "eleven_multilingual_v2")
            }
            other => panic!("{other:?}"),
        }
    }
}
