//! Sample-level processing between the decoder and the WAV file: downmix, resampling, and
//! trimming of leading and trailing silence.

use std::ops::Range;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Frames rubato's FFT resampler takes per step. 1024 keeps its FFTs small enough to stay in
/// cache; process_all splits the clip itself.
const RESAMPLER_CHUNK: usize = 1024;

/// Length of one loudness window for trimming: 20 ms, a common speech analysis frame.
const WINDOW_SECONDS: f32 = 0.020;

/// A window quieter than -50 dBFS (RMS) counts as silence; room noise and codec hiss in
/// recorded voice notes stay below it, speech does not. Compared as mean square: 10^(-50/10).
const SILENCE_MEAN_SQUARE: f32 = 1e-5;

/// Sound kept either side of the loud part, so consonants at the edges are not clipped.
const PADDING_SECONDS: f32 = 0.100;

/// Appends the average of `planes` (one slice per channel, equal lengths expected) to `out`.
/// When the planes differ in length, only the frames all of them have are used.
pub(crate) fn append_downmix(planes: &[Vec<f32>], out: &mut Vec<f32>) {
    let frames = planes.iter().map(Vec::len).min().unwrap_or(0);
    let Some((first, rest)) = planes.split_first() else {
        return;
    };
    let start = out.len();
    out.extend(first.iter().take(frames));
    if rest.is_empty() {
        return;
    }
    let mixed = &mut out[start..];
    for plane in rest {
        for (sum, sample) in mixed.iter_mut().zip(plane) {
            *sum += sample;
        }
    }
    let scale = 1.0 / planes.len() as f32;
    for sample in mixed {
        *sample *= scale;
    }
}

/// Why resampling failed; only possible for rates `prepare_for_speech` already refuses.
#[derive(Debug, thiserror::Error)]
#[error("resampling from {from} Hz to {to} Hz failed: {reason}")]
pub(crate) struct ResampleFailed {
    from: u32,
    to: u32,
    reason: String,
}

/// Resamples mono `samples` from `from` Hz to `to` Hz. Returns the input unchanged when the rates
/// are equal. The output is aligned with the input: rubato's `process_all` removes the filter delay.
pub(crate) fn resample(samples: Vec<f32>, from: u32, to: u32) -> Result<Vec<f32>, ResampleFailed> {
    if from == to || samples.is_empty() {
        return Ok(samples);
    }
    let failed = |reason: String| ResampleFailed { from, to, reason };
    let frames = samples.len();
    let mut resampler = Fft::<f32>::new(
        from as usize,
        to as usize,
        RESAMPLER_CHUNK,
        1,
        FixedSync::Input,
    )
    .map_err(|e| failed(e.to_string()))?;
    let input = InterleavedSlice::new(&samples, 1, frames).map_err(|e| failed(e.to_string()))?;
    let output = resampler
        .process_all(&input, frames, None)
        .map_err(|e| failed(e.to_string()))?;
    Ok(output.take_data())
}

/// The part of `samples` (mono, at `sample_rate`) from the first to the last 20 ms window louder
/// than -50 dBFS, widened by 100 ms of padding on each side. `None` when no window is that loud.
pub(crate) fn sound_range(samples: &[f32], sample_rate: u32) -> Option<Range<usize>> {
    let window = ((sample_rate as f32 * WINDOW_SECONDS) as usize).max(1);
    let padding = (sample_rate as f32 * PADDING_SECONDS) as usize;
    let is_loud = |chunk: &[f32]| {
        let energy: f32 = chunk.iter().map(|s| s * s).sum();
        energy >= SILENCE_MEAN_SQUARE * chunk.len() as f32
    };
    let first = samples.chunks(window).position(is_loud)?;
    let last = samples.chunks(window).rposition(is_loud)?;
    let start = (first * window).saturating_sub(padding);
    let end = (last + 1)
        .saturating_mul(window)
        .saturating_add(padding)
        .min(samples.len());
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f32, rate: u32, amplitude: f32) -> Vec<f32> {
        let n = (seconds * rate as f32) as usize;
        (0..n)
            .map(|i| amplitude * (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin())
            .collect()
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
    }

    #[test]
    fn downmix_of_one_channel_copies_it() {
        let mut out = vec![9.0];
        append_downmix(&[vec![0.1, -0.2, 0.3]], &mut out);
        assert_eq!(out, [9.0, 0.1, -0.2, 0.3]);
    }

    #[test]
    fn downmix_averages_channels_and_appends() {
        let mut out = vec![1.0];
        append_downmix(&[vec![1.0, 0.5, -1.0], vec![0.0, 0.5, 1.0]], &mut out);
        assert_eq!(out, [1.0, 0.5, 0.5, 0.0]);
        append_downmix(&[vec![0.3; 2], vec![0.6; 2], vec![0.0; 2]], &mut out);
        assert_eq!(out.len(), 6);
        assert!((out[4] - 0.3).abs() < 1e-6 && (out[5] - 0.3).abs() < 1e-6);
    }

    #[test]
    fn downmix_uses_only_frames_every_channel_has() {
        let mut out = Vec::new();
        append_downmix(&[vec![1.0, 1.0, 1.0], vec![1.0]], &mut out);
        assert_eq!(out, [1.0]);
        append_downmix(&[], &mut out);
        assert_eq!(out, [1.0]);
    }

    #[test]
    fn resampling_48k_to_16k_keeps_length_and_level() {
        let input = tone(1.0, 48_000, 0.5);
        let expected_rms = rms(&input);
        let output = resample(input, 48_000, 16_000).expect("resample");
        assert!(
            output.len().abs_diff(16_000) <= 1,
            "{} frames",
            output.len()
        );
        assert!((rms(&output) - expected_rms).abs() < 0.01);
    }

    #[test]
    fn resampling_at_the_same_rate_is_a_no_op() {
        let input = vec![0.25; 100];
        assert_eq!(
            resample(input.clone(), 16_000, 16_000).expect("same rate"),
            input
        );
    }

    #[test]
    fn trimming_keeps_the_loud_part_with_padding() {
        let rate = 16_000;
        let mut samples = vec![0.0; 2 * rate as usize];
        samples.extend(tone(1.0, rate, 0.3));
        samples.extend(vec![0.0; 3 * rate as usize]);
        let range = sound_range(&samples, rate).expect("sound");
        // The tone spans 32_000..48_000; 100 ms of padding is 1_600 samples.
        assert_eq!(range, 30_400..49_600);
    }

    #[test]
    fn trimming_ignores_noise_below_minus_50_dbfs() {
        let rate = 16_000;
        let mut samples = tone(0.5, rate, 0.001); // about -63 dBFS RMS
        samples.extend(tone(0.5, rate, 0.1));
        samples.extend(tone(0.5, rate, 0.001));
        let range = sound_range(&samples, rate).expect("sound");
        assert_eq!(range, 6_400..17_600);
    }

    #[test]
    fn trimming_keeps_sound_touching_the_edges() {
        let samples = tone(0.3, 16_000, 0.5);
        assert_eq!(sound_range(&samples, 16_000), Some(0..samples.len()));
    }

    #[test]
    fn silence_and_nothing_have_no_sound() {
        assert_eq!(sound_range(&vec![0.0; 48_000], 16_000), None);
        assert_eq!(sound_range(&tone(1.0, 16_000, 0.0003), 16_000), None);
        assert_eq!(sound_range(&[], 16_000), None);
    }
}
