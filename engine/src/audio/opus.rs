//! Opus decoding for symphonia (which has none of its own), with `ropus`, a Rust port of libopus.
//!
//! Why not libopus through `symphonia-adapter-libopus`: libopus is C, built from source with
//! cmake, so a fresh machine could not `cargo run` without installing cmake first. Of the Rust
//! decoders, ropus is bit-exact against the reference (fixed-point) decoder, keeps `unsafe` to a
//! dozen SIMD spots, and decodes a minute of voice note in about 80 ms; ruopus and opus-decoder
//! took 2.8 and 3.2 s, opus-rs 62 ms with some 300 `unsafe` blocks over hostile input
//! (docs/PERFORMANCE.md, "Voice note decode"). The adapter is written here because no published
//! crate plugs ropus into symphonia 0.6; it follows the shape of `symphonia-adapter-libopus` 0.3.

use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, Channels, GenericAudioBufferRef,
    layouts,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::errors::{Error, Result, unsupported_error};
use symphonia::core::packet::PacketRef;

/// Opus timestamps and the OpusHead pre-skip count 48 kHz samples whatever the decoding rate
/// (RFC 7845 §4).
const OPUS_TIMESTAMP_RATE: usize = 48_000;

/// The rates an Opus decoder can produce (RFC 6716 §4).
const DECODING_RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];

/// The longest a packet can decode to: 120 ms (RFC 6716 §3.2.5).
const MAX_PACKET_MILLISECONDS: usize = 120;

const SUPPORTED: &[SupportedAudioCodec] = &[SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo {
        short_name: "opus",
        long_name: "Opus (ropus)",
        profiles: &[],
    },
}];

/// One Opus stream (mono or stereo) decoded at the rate its parameters ask for.
pub(crate) struct OpusDecoder {
    params: AudioCodecParameters,
    decoder: ropus::Decoder,
    /// Room for the longest packet, interleaved.
    interleaved: Vec<f32>,
    buffer: AudioBuffer<f32>,
    /// The frames `buffer` was made for: it is made again only when a packet's length changes.
    buffer_frames: usize,
    spec: AudioSpec,
    channel_count: usize,
    /// Decoded samples still to drop at the start of the stream, at the decoding rate.
    pre_skip: usize,
}

impl OpusDecoder {
    fn try_new(params: &AudioCodecParameters) -> Result<Self> {
        let Some(channels) = params.channels.as_ref().and_then(|c| layout(c.count())) else {
            return unsupported_error("opus: only mono and stereo streams are decoded");
        };
        let channel_count = channels.count();

        let Some(rate) = params
            .sample_rate
            .filter(|rate| DECODING_RATES.contains(rate))
        else {
            return unsupported_error("opus: the decoding rate must be 8, 12, 16, 24 or 48 kHz");
        };
        let pre_skip_48k = params
            .extra_data
            .as_deref()
            .and_then(pre_skip_of_opus_head)
            .unwrap_or(0);
        let decoder = ropus::Decoder::new(rate, ropus_channels(channel_count))
            .map_err(|_| Error::DecodeError("opus: the decoder could not be set up"))?;
        let spec = AudioSpec::new(rate, channels);
        Ok(OpusDecoder {
            params: params.clone(),
            decoder,
            interleaved: vec![0.0; rate as usize * MAX_PACKET_MILLISECONDS / 1000 * channel_count],
            buffer: AudioBuffer::new(spec.clone(), 0),
            buffer_frames: 0,
            spec,
            channel_count,
            pre_skip: pre_skip_48k * rate as usize / OPUS_TIMESTAMP_RATE,
        })
    }
}

/// The pre-skip field of an OpusHead identification header (RFC 7845 §5.1): the samples at
/// 48 kHz the encoder's start-up produced, which are not audio.
fn pre_skip_of_opus_head(head: &[u8]) -> Option<usize> {
    if !head.starts_with(b"OpusHead") {
        return None;
    }
    let bytes = head.get(10..12)?;
    Some(usize::from(u16::from_le_bytes([bytes[0], bytes[1]])))
}

/// Only called with a count [`layout`] accepted.
fn ropus_channels(channel_count: usize) -> ropus::Channels {
    if channel_count == 1 {
        ropus::Channels::Mono
    } else {
        ropus::Channels::Stereo
    }
}

fn layout(channel_count: usize) -> Option<Channels> {
    match channel_count {
        1 => Some(layouts::CHANNEL_LAYOUT_MONO),
        2 => Some(layouts::CHANNEL_LAYOUT_STEREO),
        _ => None,
    }
}

impl AudioDecoder for OpusDecoder {
    fn reset(&mut self) {
        // ropus has no reset: a new decoder with the same (already accepted) settings.
        if let Ok(decoder) =
            ropus::Decoder::new(self.spec.rate(), ropus_channels(self.channel_count))
        {
            self.decoder = decoder;
        }
    }

    fn codec_info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        // An empty packet would ask the decoder to conceal a lost one of the buffer's length.
        let frames = if packet.data.is_empty() {
            0
        } else {
            self.decoder
                .decode_float(
                    packet.data,
                    &mut self.interleaved,
                    ropus::DecodeMode::Normal,
                )
                .map_err(|_| Error::DecodeError("opus: malformed packet"))?
        };
        let interleaved = self
            .interleaved
            .get(..frames * self.channel_count)
            .ok_or(Error::DecodeError("opus: packet longer than 120 ms"))?;

        if frames != self.buffer_frames {
            self.buffer = AudioBuffer::new(self.spec.clone(), frames);
            self.buffer_frames = frames;
        }
        self.buffer.clear();
        self.buffer.render_uninit(Some(frames));
        self.buffer.copy_from_slice_interleaved(&interleaved);

        let skip = std::mem::take(&mut self.pre_skip);
        let trim_start = packet.trim_start.get() as usize + skip;
        let trim_end = packet.trim_end.get() as usize;
        self.buffer.trim(trim_start.min(frames), trim_end);
        // What a short first packet could not absorb is dropped from the next one.
        self.pre_skip = skip.saturating_sub(frames);
        Ok(self.buffer.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buffer.as_generic_audio_buffer_ref()
    }
}

impl RegisterableAudioDecoder for OpusDecoder {
    fn try_registry_new(
        params: &AudioCodecParameters,
        _options: &AudioDecoderOptions,
    ) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(OpusDecoder::try_new(params)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        SUPPORTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opus_head(pre_skip: u16) -> Vec<u8> {
        let mut head = b"OpusHead".to_vec();
        head.extend_from_slice(&[1, 1]);
        head.extend_from_slice(&pre_skip.to_le_bytes());
        head.extend_from_slice(&48_000u32.to_le_bytes());
        head.extend_from_slice(&[0, 0, 0]);
        head
    }

    #[test]
    fn the_pre_skip_is_read_from_the_opus_head() {
        assert_eq!(pre_skip_of_opus_head(&opus_head(312)), Some(312));
        assert_eq!(pre_skip_of_opus_head(&opus_head(3_840)), Some(3_840));
        assert_eq!(pre_skip_of_opus_head(b"OpusHead\x01"), None);
        assert_eq!(pre_skip_of_opus_head(b"OpusTags\x01\x01\x38\x01"), None);
    }

    #[test]
    fn streams_the_decoder_cannot_produce_are_refused_not_panicked_on() {
        let mut params = AudioCodecParameters::new();
        params.for_codec(CODEC_ID_OPUS).with_sample_rate(44_100);
        params.with_channels(layouts::CHANNEL_LAYOUT_MONO);
        assert!(OpusDecoder::try_new(&params).is_err());

        let mut surround = AudioCodecParameters::new();
        surround.for_codec(CODEC_ID_OPUS).with_sample_rate(48_000);
        surround.with_channels(Channels::Discrete(6));
        assert!(OpusDecoder::try_new(&surround).is_err());

        let mut speech = AudioCodecParameters::new();
        speech.for_codec(CODEC_ID_OPUS).with_sample_rate(16_000);
        speech.with_channels(layouts::CHANNEL_LAYOUT_MONO);
        speech.with_extra_data(opus_head(312).into_boxed_slice());
        let decoder = OpusDecoder::try_new(&speech).map_err(|e| e.to_string());
        assert_eq!(decoder.map(|d| d.pre_skip), Ok(104));
    }
}
