//! Voice notes over WhatsApp: a merchant's recording fetched, made speech audio, transcribed with
//! the shop's names and archived; and a reply spoken, checked and uploaded as a voice note.

use std::sync::Arc;

use bytes::Bytes;
use execora_engine::audio::{self, AudioError, AudioLimits};
use execora_engine::books::{Books, MerchantId};
use execora_engine::messages::{self, MessageId};
use execora_engine::providers::{
    ProviderError, Speaker, SpeechRequest, Transcriber, TranscriptionRequest,
};
use execora_engine::recordings::Recordings;
use execora_engine::reply::Outcome;
use execora_engine::store::Db;

use super::graph::{GraphClient, GraphError};
use super::inbound::WorkerError;

/// WhatsApp plays a voice note only up to this size (Meta's limit for audio sent as `voice`).
pub const VOICE_NOTE_MAX_BYTES: usize = 512 * 1024;
/// Names given to speech-to-text as spelling hints: the most recent customers and products.
const VOCABULARY: i64 = 60;

/// What listening to a voice note came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// The words, to be understood like a typed message.
    Words(String),
    /// Nothing to act on; the merchant is told why.
    Refused(Outcome),
}

/// Everything needed to listen: the Graph API for the media, the recogniser, the limits.
#[derive(Clone)]
pub struct Listener {
    pub graph: GraphClient,
    pub transcriber: Arc<dyn Transcriber>,
    pub limits: AudioLimits,
    /// Language hint for the recogniser ("hi").
    pub language: String,
    pub recordings: Option<Recordings>,
}

fn too_large(limits: &AudioLimits) -> Outcome {
    Outcome::VoiceTooLarge {
        megabytes: u32::try_from(limits.max_bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX),
    }
}

fn refused_for(error: &AudioError, limits: &AudioLimits) -> Outcome {
    match error {
        AudioError::TooLarge { .. } => too_large(limits),
        AudioError::TooLong { .. } => Outcome::VoiceTooLong {
            minutes: u32::try_from(limits.max_duration.as_secs().div_ceil(60)).unwrap_or(u32::MAX),
        },
        AudioError::Silent => Outcome::VoiceSilent,
        AudioError::Empty
        | AudioError::NoAudioTrack
        | AudioError::UnsupportedFormat
        | AudioError::UnsupportedCodec(_)
        | AudioError::Corrupt(_) => Outcome::VoiceUnreadable,
    }
}

/// A file extension for the archived original, from its MIME type.
fn extension(mime: &str) -> &'static str {
    let essence = mime.split(';').next().unwrap_or("").trim();
    match essence {
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => "m4a",
        "audio/aac" => "aac",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/amr" => "amr",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/flac" => "flac",
        _ => "bin",
    }
}

impl Listener {
    /// Fetches, decodes, transcribes and archives the voice note `media_id` of `message`.
    /// Failures of the audio or of the services become a reply; only the database can fail it.
    pub async fn listen(
        &self,
        db: &Db,
        books: &Books,
        message: MessageId,
        media_id: &str,
        at: i64,
    ) -> Result<Heard, WorkerError> {
        let info = match self.graph.media_info(media_id).await {
            Ok(info) => info,
            Err(error) => {
                tracing::warn!(%error, "could not look up the voice note");
                return Ok(Heard::Refused(Outcome::VoiceNotHeard));
            }
        };
        if info
            .file_size
            .is_some_and(|size| size > self.limits.max_bytes as u64)
        {
            return Ok(Heard::Refused(too_large(&self.limits)));
        }
        let original = match self
            .graph
            .download(&info.url, self.limits.max_bytes as u64)
            .await
        {
            Ok(bytes) => bytes,
            Err(GraphError::TooLarge { .. }) => return Ok(Heard::Refused(too_large(&self.limits))),
            Err(error) => {
                tracing::warn!(%error, "could not download the voice note");
                return Ok(Heard::Refused(Outcome::VoiceNotHeard));
            }
        };
        // Whatever comes of it, the original is kept (with the words, when there are some).
        let archive = async |transcript: Option<&str>| {
            self.archive(
                db,
                books.merchant_id(),
                message,
                at,
                &original,
                &info.mime_type,
                transcript,
            )
            .await;
        };
        let prepared = {
            let (bytes, mime, limits) = (original.clone(), info.mime_type.clone(), self.limits);
            // Decoding is CPU work of tens of milliseconds: off the async threads.
            tokio::task::spawn_blocking(move || {
                audio::prepare_for_speech(&bytes, Some(&mime), &limits)
            })
            .await
        };
        let speech = match prepared {
            Ok(Ok(speech)) => speech,
            Ok(Err(error)) => {
                tracing::info!(%error, mime = %info.mime_type, bytes = original.len(), "voice note refused");
                archive(None).await;
                return Ok(Heard::Refused(refused_for(&error, &self.limits)));
            }
            Err(error) => {
                tracing::error!(%error, "the decoder task failed");
                return Ok(Heard::Refused(Outcome::VoiceUnreadable));
            }
        };
        tracing::info!(
            codec = speech.codec,
            seconds = speech.source_duration.as_secs_f32(),
            speech_seconds = speech.speech_duration.as_secs_f32(),
            "voice note decoded"
        );
        let vocabulary = books.vocabulary(VOCABULARY).await?;
        let request = TranscriptionRequest {
            wav: &speech.wav,
            language: Some(&self.language),
            vocabulary: &vocabulary,
        };
        let words = match self.transcriber.transcribe(request).await {
            Ok(transcription) => transcription.text.trim().to_string(),
            Err(error) => {
                tracing::warn!(%error, provider = self.transcriber.name(), "transcription failed");
                archive(None).await;
                return Ok(Heard::Refused(Outcome::VoiceNotHeard));
            }
        };
        if !words.is_empty() {
            messages::set_transcript(db, message, &words).await?;
        }
        archive(Some(words.as_str()).filter(|w| !w.is_empty())).await;
        if words.is_empty() {
            return Ok(Heard::Refused(Outcome::VoiceNotHeard));
        }
        Ok(Heard::Words(words))
    }

    /// Keeps the original and its transcript. An archive that fails is logged, never the
    /// merchant's problem: their booking does not wait on it.
    #[allow(clippy::too_many_arguments)]
    async fn archive(
        &self,
        db: &Db,
        merchant: MerchantId,
        message: MessageId,
        at: i64,
        original: &Bytes,
        mime: &str,
        transcript: Option<&str>,
    ) {
        let Some(recordings) = &self.recordings else {
            return;
        };
        if let Err(error) = recordings
            .archive(
                db,
                merchant,
                message,
                at,
                original,
                extension(mime),
                transcript,
            )
            .await
        {
            tracing::warn!(%error, "could not archive the voice note");
        }
    }
}

/// Why a spoken reply was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SpeakError {
    #[error("text-to-speech failed: {0}")]
    Speech(#[from] ProviderError),
    #[error("the synthesised audio is not a voice note WhatsApp plays: {0}")]
    Unfit(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

/// Speaks `text` and uploads it as a voice note, returning the media id to send.
pub async fn speak_and_upload(
    speaker: &dyn Speaker,
    graph: &GraphClient,
    text: &str,
    language: &str,
) -> Result<String, SpeakError> {
    let speech = speaker
        .speak(SpeechRequest {
            text,
            language: Some(language),
        })
        .await?;
    let info = audio::inspect_voice_note(&speech.audio)
        .map_err(|error| SpeakError::Unfit(error.to_string()))?;
    if info.channels != 1 {
        return Err(SpeakError::Unfit(format!(
            "{} channels; a voice note is mono",
            info.channels
        )));
    }
    if speech.audio.len() > VOICE_NOTE_MAX_BYTES {
        return Err(SpeakError::Unfit(format!(
            "{} bytes; a voice note is at most {VOICE_NOTE_MAX_BYTES}",
            speech.audio.len()
        )));
    }
    Ok(graph
        .upload_media(Bytes::from(speech.audio), "audio/ogg", "reply.ogg")
        .await?)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn each_audio_refusal_has_its_own_reply() {
        let limits = AudioLimits {
            max_bytes: 16 * 1024 * 1024,
            max_duration: Duration::from_secs(300),
        };
        let too_long = AudioError::TooLong {
            duration: Duration::from_secs(400),
            limit: limits.max_duration,
        };
        assert_eq!(
            refused_for(&too_long, &limits),
            Outcome::VoiceTooLong { minutes: 5 }
        );
        let too_large = AudioError::TooLarge {
            bytes: 20 << 20,
            limit: limits.max_bytes,
        };
        assert_eq!(
            refused_for(&too_large, &limits),
            Outcome::VoiceTooLarge { megabytes: 16 }
        );
        assert_eq!(
            refused_for(&AudioError::Silent, &limits),
            Outcome::VoiceSilent
        );
        assert_eq!(
            refused_for(&AudioError::Corrupt("x".into()), &limits),
            Outcome::VoiceUnreadable
        );
    }

    #[test]
    fn archived_originals_keep_an_extension_matching_their_type() {
        assert_eq!(extension("audio/ogg; codecs=opus"), "ogg");
        assert_eq!(extension("audio/mp4"), "m4a");
        assert_eq!(extension("audio/mpeg"), "mp3");
        assert_eq!(extension("application/x-unknown"), "bin");
    }
}
