//! 16-bit PCM mono WAV encoding.
//!
//! The canonical 44-byte RIFF header is written by hand: it is a dozen fixed fields, and a
//! dependency (such as `hound`) would add more code than it saves.

/// Bytes before the samples in a canonical PCM WAV file.
pub(crate) const HEADER_LEN: usize = 44;

/// Encodes mono samples in [-1, 1] as a 16-bit PCM WAV file at `sample_rate`.
///
/// Samples outside [-1, 1] are clipped and NaN becomes 0. A clip too long for WAV's 32-bit sizes
/// (over 2 GiB) is cut at the largest whole frame count that fits; `prepare_for_speech`'s limits
/// keep real inputs far below that.
pub(crate) fn encode_pcm16_mono(samples: &[f32], sample_rate: u32) -> Vec<u8> {
    const MAX_DATA_BYTES: usize = (u32::MAX as usize - (HEADER_LEN - 8)) & !1;
    let samples = &samples[..samples.len().min(MAX_DATA_BYTES / 2)];
    // Both fit in u32: `samples` was cut to MAX_DATA_BYTES / 2 above.
    let data_len = (samples.len() * 2) as u32;
    let riff_len = data_len + (HEADER_LEN as u32 - 8);
    let block_align: u16 = 2;
    let byte_rate = sample_rate.saturating_mul(u32::from(block_align));

    let mut wav = Vec::with_capacity(HEADER_LEN + samples.len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&riff_len.to_le_bytes());
    wav.extend_from_slice(b"WAVE");
    wav.extend_from_slice(b"fmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // size of the PCM fmt chunk
    wav.extend_from_slice(&1u16.to_le_bytes()); // format tag 1: integer PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // channels
    wav.extend_from_slice(&sample_rate.to_le_bytes());
    wav.extend_from_slice(&byte_rate.to_le_bytes());
    wav.extend_from_slice(&block_align.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for &sample in samples {
        wav.extend_from_slice(&to_i16(sample).to_le_bytes());
    }
    wav
}

/// Scales by 32767 so that +1.0 and -1.0 map to symmetric values; `as` saturates and maps NaN to 0.
fn to_i16(sample: f32) -> i16 {
    (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(wav: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(wav[at..at + 4].try_into().expect("4 bytes"))
    }

    fn u16_at(wav: &[u8], at: usize) -> u16 {
        u16::from_le_bytes(wav[at..at + 2].try_into().expect("2 bytes"))
    }

    #[test]
    fn header_describes_16_bit_mono_pcm_at_the_given_rate() {
        let wav = encode_pcm16_mono(&[0.0; 160], 16_000);
        assert_eq!(wav.len(), HEADER_LEN + 320);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(u32_at(&wav, 4), (wav.len() - 8) as u32);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(&wav, 16), 16);
        assert_eq!(u16_at(&wav, 20), 1, "PCM");
        assert_eq!(u16_at(&wav, 22), 1, "mono");
        assert_eq!(u32_at(&wav, 24), 16_000);
        assert_eq!(u32_at(&wav, 28), 32_000, "byte rate");
        assert_eq!(u16_at(&wav, 32), 2, "block align");
        assert_eq!(u16_at(&wav, 34), 16, "bits per sample");
        assert_eq!(&wav[36..40], b"data");
        assert_eq!(u32_at(&wav, 40), 320);
    }

    #[test]
    fn samples_are_little_endian_and_clipped_to_full_scale() {
        let wav = encode_pcm16_mono(&[0.0, 1.0, -1.0, 0.5, 7.0, -7.0, f32::NAN], 8_000);
        let samples: Vec<i16> = wav[HEADER_LEN..]
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(samples, [0, 32767, -32767, 16384, 32767, -32767, 0]);
    }

    #[test]
    fn empty_input_is_a_valid_header_only_file() {
        let wav = encode_pcm16_mono(&[], 16_000);
        assert_eq!(wav.len(), HEADER_LEN);
        assert_eq!(u32_at(&wav, 4), 36);
        assert_eq!(u32_at(&wav, 40), 0);
    }
}
