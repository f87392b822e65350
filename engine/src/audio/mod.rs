//! Voice-note audio: any incoming recording to 16 kHz mono speech WAV, and checks on Ogg/Opus replies.
//!
//! [`prepare_for_speech`] turns what WhatsApp delivers (Ogg/Opus voice notes, forwarded AAC, MP3,
//! WAV, FLAC, Vorbis) into the 16-bit PCM WAV that speech recognisers expect, refusing oversized,
//! overlong, damaged or silent input with an [`AudioError`] that says which. [`inspect_voice_note`]
//! checks synthesised speech before it is sent back as a voice note.

mod decode;
mod ogg;
mod opus;
mod signal;
mod wav;

use std::time::Duration;

use symphonia::core::formats::probe::Hint;

pub use ogg::{VoiceNoteInfo, inspect_voice_note};

/// The sample rate of [`SpeechAudio::wav`]: what speech recognisers (Whisper and its kin) use.
pub const SPEECH_SAMPLE_RATE: u32 = 16_000;

/// What [`prepare_for_speech`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioLimits {
    /// Largest input in bytes; checked before any parsing. Default 16 MiB, WhatsApp's own
    /// limit for audio media.
    pub max_bytes: usize,
    /// Longest playing time; enforced while decoding, so memory stays bounded by this limit
    /// whatever the file's header claims. Default 5 minutes.
    pub max_duration: Duration,
}

impl Default for AudioLimits {
    fn default() -> Self {
        AudioLimits {
            max_bytes: 16 * 1024 * 1024,
            max_duration: Duration::from_secs(5 * 60),
        }
    }
}

/// A recording ready for speech recognition.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechAudio {
    /// 16-bit PCM WAV, mono, at [`SPEECH_SAMPLE_RATE`], with the canonical 44-byte header.
    pub wav: Vec<u8>,
    /// Playing time of the decoded input.
    pub source_duration: Duration,
    /// Playing time of `wav`, after leading and trailing silence was cut.
    pub speech_duration: Duration,
    pub source_sample_rate: u32,
    pub source_channels: u16,
    /// symphonia's short codec name: "opus", "aac", "mp3", "vorbis", "pcm", "flac".
    pub codec: &'static str,
}

/// Why a recording cannot be turned into speech audio. Each variant calls for a different reply
/// to the merchant, so they are kept apart.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("the audio is empty")]
    Empty,
    #[error("the audio is {bytes} bytes, more than the limit of {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    /// `duration` is what the container declares, or how much had been decoded when the limit
    /// was crossed (so a lower bound of the real length).
    #[error("the audio lasts {duration:?} or more, longer than the limit of {limit:?}")]
    TooLong { duration: Duration, limit: Duration },
    #[error("the file holds no audio track")]
    NoAudioTrack,
    #[error("the file is not in an audio format we read")]
    UnsupportedFormat,
    #[error("the audio codec {0} is not supported")]
    UnsupportedCodec(String),
    #[error("the audio is damaged: {0}")]
    Corrupt(String),
    #[error("the audio is silent")]
    Silent,
}

/// Decodes a recording (a WhatsApp voice note or any common audio file), downmixes it to mono,
/// resamples it to 16 kHz, trims leading and trailing silence and returns it as 16-bit PCM WAV.
///
/// `mime` is the type WhatsApp reports (`audio/ogg; codecs=opus`, `audio/mp4`, `audio/mpeg`,
/// `audio/amr`…); it is a hint, the bytes decide. The size limit is checked before parsing and
/// the duration limit while decoding. Never panics, whatever the bytes.
#[tracing::instrument(skip(bytes), fields(bytes = bytes.len()))]
pub fn prepare_for_speech(
    bytes: &[u8],
    mime: Option<&str>,
    limits: &AudioLimits,
) -> Result<SpeechAudio, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(AudioError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let hint = hint_for(mime)?;
    // symphonia has no AMR reader and would call the file an unknown container; the codec is the
    // more useful answer.
    if bytes.starts_with(b"#!AMR") {
        return Err(AudioError::UnsupportedCodec("amr".to_string()));
    }

    let decoded = decode::decode_mono(bytes, &hint, limits.max_duration)?;
    let source_duration =
        decode::frames_to_duration(decoded.samples.len() as u64, decoded.sample_rate);
    let speech = signal::resample(decoded.samples, decoded.sample_rate, SPEECH_SAMPLE_RATE)
        .map_err(|failure| AudioError::Corrupt(failure.to_string()))?;
    let sound = signal::sound_range(&speech, SPEECH_SAMPLE_RATE).ok_or(AudioError::Silent)?;
    let speech = speech.get(sound).unwrap_or_default();
    Ok(SpeechAudio {
        wav: wav::encode_pcm16_mono(speech, SPEECH_SAMPLE_RATE),
        source_duration,
        speech_duration: decode::frames_to_duration(speech.len() as u64, SPEECH_SAMPLE_RATE),
        source_sample_rate: decoded.source_sample_rate,
        source_channels: decoded.channels,
        codec: decoded.codec,
    })
}

/// A probe hint from the MIME type WhatsApp reports. AMR, which WhatsApp accepts and we cannot
/// decode, is refused here.
fn hint_for(mime: Option<&str>) -> Result<Hint, AudioError> {
    let mut hint = Hint::new();
    let Some(mime) = mime else {
        return Ok(hint);
    };
    // Parameters such as "; codecs=opus" do not change the container.
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let extension = match essence.as_str() {
        "audio/amr" | "audio/amr-wb" | "audio/3gpp" | "audio/3gpp2" => {
            return Err(AudioError::UnsupportedCodec("amr".to_string()));
        }
        "audio/ogg" | "audio/opus" | "application/ogg" => Some("ogg"),
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "video/mp4" => Some("m4a"),
        "audio/aac" | "audio/x-aac" | "audio/aacp" => Some("aac"),
        "audio/mpeg" | "audio/mp3" | "audio/x-mp3" => Some("mp3"),
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => Some("wav"),
        "audio/flac" | "audio/x-flac" => Some("flac"),
        "audio/webm" => Some("webm"),
        "audio/x-matroska" => Some("mka"),
        _ => None,
    };
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    if !essence.is_empty() {
        hint.mime_type(&essence);
    }
    Ok(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amr_is_refused_by_type_or_by_magic() {
        let limits = AudioLimits::default();
        let by_type = prepare_for_speech(b"anything", Some("audio/amr"), &limits);
        assert!(matches!(by_type, Err(AudioError::UnsupportedCodec(c)) if c == "amr"));
        let by_magic = prepare_for_speech(b"#!AMR\n\x7c\x7c", None, &limits);
        assert!(matches!(by_magic, Err(AudioError::UnsupportedCodec(c)) if c == "amr"));
    }

    #[test]
    fn mime_parameters_and_case_are_ignored() {
        assert!(hint_for(Some("Audio/OGG; codecs=opus")).is_ok());
        assert!(hint_for(Some("")).is_ok());
        assert!(hint_for(Some("AUDIO/AMR")).is_err());
    }

    #[test]
    fn size_is_checked_before_anything_else() {
        let limits = AudioLimits {
            max_bytes: 4,
            ..AudioLimits::default()
        };
        let result = prepare_for_speech(b"#!AMR\n", Some("audio/amr"), &limits);
        assert!(matches!(
            result,
            Err(AudioError::TooLarge { bytes: 6, limit: 4 })
        ));
        assert!(matches!(
            prepare_for_speech(&[], None, &limits),
            Err(AudioError::Empty)
        ));
    }
}
