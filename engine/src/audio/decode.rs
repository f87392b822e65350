//! Container and codec decoding with symphonia (plus ropus for Opus), down to mono f32
//! samples at the source rate.

use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};
use std::sync::LazyLock;
use std::time::Duration;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioCodecParameters, AudioDecoder, AudioDecoderOptions, well_known,
};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::{
    MediaSource, MediaSourceStream, MediaSourceStreamOptions, ReadOnlySource,
};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units;

use super::opus::OpusDecoder;
use super::signal::append_downmix;
use super::{AudioError, SPEECH_SAMPLE_RATE};

/// Source rates outside this range are refused: no voice note uses them, and the resampler's
/// work grows with the rate's prime factors.
pub(crate) const SOURCE_RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;

/// Decode errors in a row after which the rest of the stream is given up as damaged.
const MAX_CONSECUTIVE_DECODE_ERRORS: u32 = 8;

/// symphonia's own decoders plus ropus through our adapter (symphonia has no Opus decoder).
static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_audio_decoder::<OpusDecoder>();
    registry
});

/// A decoded audio track, downmixed to one channel.
pub(crate) struct Decoded {
    pub(crate) samples: Vec<f32>,
    /// The rate of `samples`.
    pub(crate) sample_rate: u32,
    /// The rate of the source as its container or codec states it.
    pub(crate) source_sample_rate: u32,
    pub(crate) channels: u16,
    pub(crate) codec: &'static str,
}

/// Decodes the default audio track of `bytes` to mono, stopping with [`AudioError::TooLong`] as
/// soon as more than `max_duration` has been decoded (or the container declares more).
pub(crate) fn decode_mono(
    bytes: &[u8],
    hint: &Hint,
    max_duration: Duration,
) -> Result<Decoded, AudioError> {
    // The demuxers and decoders are third-party parsers fed hostile input; a panic in one of them
    // must become an error for this one voice note, not take the bot down. Nothing outlives the
    // closure, so no broken state can be observed after an unwind.
    panic::catch_unwind(AssertUnwindSafe(|| {
        decode_unguarded(bytes, hint, max_duration)
    }))
    .unwrap_or_else(|_| {
        tracing::warn!("an audio decoder panicked; the voice note is treated as corrupt");
        Err(AudioError::Corrupt(
            "the decoder failed on this input".to_string(),
        ))
    })
}

fn decode_unguarded(
    bytes: &[u8],
    hint: &Hint,
    max_duration: Duration,
) -> Result<Decoded, AudioError> {
    let mut format = open(bytes, hint)?;
    let track = pick_track(format.as_ref())?;
    let track_id = track.id;
    let Some(params) = track.codec_params.as_ref().and_then(CodecParameters::audio) else {
        return Err(AudioError::NoAudioTrack);
    };
    if let Some(declared) = declared_duration(track)
        && declared > max_duration
    {
        return Err(AudioError::TooLong {
            duration: declared,
            limit: max_duration,
        });
    }
    let (decoder_params, opus_trim_scale) = decoder_params(params);
    let mut decoder = CODECS
        .make_audio_decoder(&decoder_params, &AudioDecoderOptions::default())
        .map_err(|error| match error {
            SymphoniaError::Unsupported(_) => {
                AudioError::UnsupportedCodec(codec_id_name(params.codec))
            }
            other => AudioError::Corrupt(format!("codec setup: {other}")),
        })?;
    let codec = codec_name(decoder.as_ref());

    let mut samples: Vec<f32> = Vec::new();
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut stream: Option<StreamShape> = None;
    let mut consecutive_errors = 0;
    loop {
        let mut packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A truncated or damaged tail after good audio: keep what decoded. (ResetRequired
            // means a new chained stream begins; the first one is the voice note.)
            Err(_) if !samples.is_empty() => break,
            Err(SymphoniaError::ResetRequired) => break,
            Err(error) => return Err(AudioError::Corrupt(format!("reading packets: {error}"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        if let Some(scale) = opus_trim_scale {
            packet.trim_start = scale.apply(packet.trim_start);
            packet.trim_end = scale.apply(packet.trim_end);
        }
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => {
                consecutive_errors = 0;
                buffer
            }
            Err(SymphoniaError::DecodeError(_) | SymphoniaError::IoError(_))
                if consecutive_errors + 1 < MAX_CONSECUTIVE_DECODE_ERRORS =>
            {
                // One damaged packet costs a few milliseconds of audio, not the whole note.
                consecutive_errors += 1;
                continue;
            }
            Err(_) if !samples.is_empty() => break,
            Err(SymphoniaError::Unsupported(feature)) => {
                return Err(AudioError::UnsupportedCodec(format!("{codec} ({feature})")));
            }
            Err(error) => return Err(AudioError::Corrupt(format!("{codec}: {error}"))),
        };
        if buffer.frames() == 0 {
            continue;
        }
        let rate = buffer.spec().rate();
        let channels = buffer.spec().channels().count();
        let shape = match stream {
            Some(shape) => shape,
            None => {
                let shape = StreamShape::new(rate, channels, max_duration)?;
                stream = Some(shape);
                shape
            }
        };
        if rate != shape.sample_rate {
            // A rate change mid-stream is a damaged or spliced file; what came before is usable.
            break;
        }
        buffer.copy_to_vecs_planar::<f32>(&mut planes);
        append_downmix(&planes, &mut samples);
        if samples.len() as u64 > shape.max_frames {
            return Err(AudioError::TooLong {
                duration: frames_to_duration(samples.len() as u64, rate),
                limit: max_duration,
            });
        }
    }

    match stream {
        Some(shape) if !samples.is_empty() => Ok(Decoded {
            samples,
            sample_rate: shape.sample_rate,
            // For Opus, the rate the container states (48 kHz in Ogg), not the one we decoded at.
            source_sample_rate: match opus_trim_scale {
                Some(scale) => scale.from,
                None => shape.sample_rate,
            },
            channels: shape.channels,
            codec,
        }),
        _ => Err(AudioError::Corrupt(format!(
            "{codec}: the stream holds no audio"
        ))),
    }
}

/// The parameters to open the decoder with. Opus is decoded straight at the speech rate, which
/// Opus decoders are built for: its speech layer (SILK) runs at 16 kHz inside, so this skips the
/// decoder's upsampling to 48 kHz and our resampling back down (most of the time spent on a voice note).
/// The container's trims are counted at the stated rate, hence the returned scale for them.
fn decoder_params(params: &AudioCodecParameters) -> (AudioCodecParameters, Option<TrimScale>) {
    let mut for_decoder = params.clone();
    if params.codec != well_known::CODEC_ID_OPUS {
        return (for_decoder, None);
    }
    // Ogg states 48 kHz, the rate of its Opus timestamps; WebM states the encoder's input rate.
    let stated = params
        .sample_rate
        .filter(|&rate| rate > 0)
        .unwrap_or(OPUS_TIMESTAMP_RATE);
    for_decoder.with_sample_rate(SPEECH_SAMPLE_RATE);
    let scale = TrimScale {
        to: SPEECH_SAMPLE_RATE,
        from: stated,
    };
    (for_decoder, Some(scale))
}

/// Opus timestamps and pre-skip count 48 kHz samples whatever the decoding rate (RFC 7845).
const OPUS_TIMESTAMP_RATE: u32 = 48_000;

/// Converts a frame count from the container's rate to the decoder's.
#[derive(Clone, Copy)]
struct TrimScale {
    to: u32,
    from: u32,
}

impl TrimScale {
    fn apply(self, frames: units::Duration) -> units::Duration {
        let scaled = u128::from(frames.get()) * u128::from(self.to) / u128::from(self.from.max(1));
        units::Duration::new(u64::try_from(scaled).unwrap_or(u64::MAX))
    }
}

/// Finds the container and opens a reader on it.
///
/// Readers of seekable input look at the end of the file first (Ogg reads its last pages for the
/// duration), which fails on an upload cut short. Such input is opened again as a forward-only
/// stream, so that the audio before the cut can still be used.
fn open<'a>(bytes: &'a [u8], hint: &Hint) -> Result<Box<dyn FormatReader + 'a>, AudioError> {
    let probe = |source: Box<dyn MediaSource + 'a>| {
        symphonia::default::get_probe().probe(
            hint,
            MediaSourceStream::new(source, MediaSourceStreamOptions::default()),
            FormatOptions::default(),
            MetadataOptions::default(),
        )
    };
    let opened = match probe(Box::new(Cursor::new(bytes))) {
        Err(SymphoniaError::IoError(_)) => probe(Box::new(ReadOnlySource::new(Cursor::new(bytes)))),
        other => other,
    };
    opened.map_err(|error| match error {
        SymphoniaError::Unsupported(_) => AudioError::UnsupportedFormat,
        other => AudioError::Corrupt(format!("container: {other}")),
    })
}

/// Rate and channel count of the first decoded audio, and the frame budget they imply.
#[derive(Clone, Copy)]
struct StreamShape {
    sample_rate: u32,
    channels: u16,
    max_frames: u64,
}

impl StreamShape {
    fn new(sample_rate: u32, channels: usize, max_duration: Duration) -> Result<Self, AudioError> {
        if !SOURCE_RATES.contains(&sample_rate) {
            return Err(AudioError::Corrupt(format!(
                "sample rate {sample_rate} Hz is outside {}-{} Hz",
                SOURCE_RATES.start(),
                SOURCE_RATES.end()
            )));
        }
        let channels = u16::try_from(channels)
            .ok()
            .filter(|&count| count > 0)
            .ok_or_else(|| AudioError::Corrupt(format!("{channels} channels")))?;
        let max_frames = max_duration.as_nanos() * u128::from(sample_rate) / 1_000_000_000;
        Ok(StreamShape {
            sample_rate,
            channels,
            max_frames: u64::try_from(max_frames).unwrap_or(u64::MAX),
        })
    }
}

/// The container's default audio track; a track whose codec symphonia does not know is still
/// returned, so that the caller reports the codec rather than a missing track.
fn pick_track(format: &dyn FormatReader) -> Result<&Track, AudioError> {
    format
        .default_track(TrackType::Audio)
        .or_else(|| format.first_track(TrackType::Audio))
        .ok_or(AudioError::NoAudioTrack)
}

/// The duration the container states for the track, if it states one.
fn declared_duration(track: &Track) -> Option<Duration> {
    let params = track.codec_params.as_ref()?.audio()?;
    if let (Some(frames), Some(rate)) = (track.num_frames, params.sample_rate)
        && rate > 0
    {
        return Some(frames_to_duration(frames, rate));
    }
    let time = track.time_base?.calc_duration(track.duration?)?;
    Duration::try_from_secs_f64(time.as_secs_f64()).ok()
}

/// Integer arithmetic: float conversions into `Duration` panic on overflow.
pub(crate) fn frames_to_duration(frames: u64, sample_rate: u32) -> Duration {
    let rate = u64::from(sample_rate.max(1));
    // `frames % rate` is below 2^32, so the product stays far below u64::MAX.
    let nanos = (frames % rate) * 1_000_000_000 / rate;
    Duration::new(frames / rate, nanos as u32)
}

/// The short codec name we report: symphonia's, with every PCM sample format folded into "pcm".
fn codec_name(decoder: &dyn AudioDecoder) -> &'static str {
    let name = decoder.codec_info().short_name;
    if name.starts_with("pcm") { "pcm" } else { name }
}

/// A readable name for a codec we have no decoder for.
fn codec_id_name(id: AudioCodecId) -> String {
    use well_known::*;
    let name = match id {
        CODEC_ID_AC3 => "ac3",
        CODEC_ID_EAC3 => "eac3",
        CODEC_ID_ALAC => "alac",
        CODEC_ID_SPEEX => "speex",
        CODEC_ID_WMA => "wma",
        CODEC_ID_MP1 => "mp1",
        CODEC_ID_MP2 => "mp2",
        CODEC_ID_ADPCM_MS | CODEC_ID_ADPCM_IMA_WAV | CODEC_ID_ADPCM_IMA_QT => "adpcm",
        CODEC_ID_WAVPACK => "wavpack",
        CODEC_ID_MONKEYS_AUDIO => "ape",
        _ => return format!("codec {id}"),
    };
    name.to_string()
}
