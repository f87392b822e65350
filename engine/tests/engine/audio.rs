//! Voice notes from real encoders become 16 kHz mono speech WAV; broken ones get the error that
//! says what is wrong. Fixtures and their expected figures: fixtures/audio/README.md.

use std::time::Duration;

use execora_engine::audio::{
    AudioError, AudioLimits, SPEECH_SAMPLE_RATE, SpeechAudio, inspect_voice_note,
    prepare_for_speech,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/audio/");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Good recordings: file, MIME type as WhatsApp would send it, codec, decode rate, channels, and
/// the duration `ffprobe` reported when `make.sh` made them.
#[rustfmt::skip] // a table reads best one row per line
const GOOD: [(&str, &str, &str, u32, u16, f64); 11] = [
    ("payment_hi.ogg", "audio/ogg; codecs=opus", "opus", 48_000, 1, 2.758021),
    ("bill_hi.ogg", "audio/ogg; codecs=opus", "opus", 48_000, 1, 3.293625),
    ("reminder_hi.ogg", "audio/ogg; codecs=opus", "opus", 48_000, 1, 4.339708),
    // ffprobe cannot tell; ffmpeg decoding reports 3.29 s. ffmpeg fed libopus 24 kHz (the Opus
    // rate nearest espeak's 22.05 kHz) and WebM records that, so libopus decodes at 24 kHz.
    ("bill_hi.webm", "audio/webm; codecs=opus", "opus", 24_000, 1, 3.29),
    ("payment_hi.m4a", "audio/mp4", "aac", 22_050, 1, 2.752),
    ("payment_hi.mp3", "audio/mpeg", "mp3", 22_050, 1, 2.821224),
    ("payment_hi_vorbis.ogg", "audio/ogg", "vorbis", 22_050, 1, 2.751519),
    ("payment_hi.flac", "audio/flac", "flac", 22_050, 1, 2.751519),
    ("payment_hi.wav", "audio/wav", "pcm", 44_100, 2, 2.751519),
    ("leading_silence.ogg", "audio/ogg; codecs=opus", "opus", 48_000, 1, 6.758021),
    ("note_60s.ogg", "audio/ogg; codecs=opus", "opus", 48_000, 1, 60.0065),
];

/// The Ogg/Opus fixtures: file, ffprobe's duration, and the input rate opusenc recorded
/// (espeak-ng's 22.05 kHz, sox's 48 kHz for the silence).
#[rustfmt::skip]
const OGG_OPUS: [(&str, f64, u32); 6] = [
    ("payment_hi.ogg", 2.758021, 22_050),
    ("bill_hi.ogg", 3.293625, 22_050),
    ("reminder_hi.ogg", 4.339708, 22_050),
    ("silence.ogg", 3.0065, 48_000),
    ("leading_silence.ogg", 6.758021, 22_050),
    ("note_60s.ogg", 60.0065, 22_050),
];

fn prepare(bytes: &[u8]) -> Result<SpeechAudio, AudioError> {
    prepare_for_speech(bytes, None, &AudioLimits::default())
}

fn le_u16(wav: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([wav[at], wav[at + 1]])
}

fn le_u32(wav: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([wav[at], wav[at + 1], wav[at + 2], wav[at + 3]])
}

/// Checks the 44-byte header says 16-bit mono PCM at 16 kHz and returns the samples.
fn wav_samples(name: &str, wav: &[u8]) -> Vec<i16> {
    assert!(wav.len() >= 44, "{name}: {} bytes", wav.len());
    assert_eq!(&wav[0..4], b"RIFF", "{name}");
    assert_eq!(le_u32(wav, 4) as usize, wav.len() - 8, "{name}: RIFF size");
    assert_eq!(&wav[8..16], b"WAVEfmt ", "{name}");
    assert_eq!(le_u16(wav, 20), 1, "{name}: PCM");
    assert_eq!(le_u16(wav, 22), 1, "{name}: mono");
    assert_eq!(le_u32(wav, 24), SPEECH_SAMPLE_RATE, "{name}: rate");
    assert_eq!(le_u16(wav, 34), 16, "{name}: bits");
    assert_eq!(&wav[36..40], b"data", "{name}");
    assert_eq!(
        le_u32(wav, 40) as usize,
        wav.len() - 44,
        "{name}: data size"
    );
    wav[44..]
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
        .collect()
}

#[test]
fn every_good_recording_becomes_16_khz_mono_speech() {
    for (name, mime, codec, sample_rate, channels, ffprobe_seconds) in GOOD {
        let speech = prepare_for_speech(&fixture(name), Some(mime), &AudioLimits::default())
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(speech.codec, codec, "{name}");
        assert_eq!(speech.source_sample_rate, sample_rate, "{name}");
        assert_eq!(speech.source_channels, channels, "{name}");

        let seconds = speech.source_duration.as_secs_f64();
        assert!(
            (seconds - ffprobe_seconds).abs() <= ffprobe_seconds * 0.05,
            "{name}: decoded {seconds:.3} s, ffprobe said {ffprobe_seconds:.3} s"
        );

        let samples = wav_samples(name, &speech.wav);
        let expected_frames = speech.speech_duration.as_secs_f64() * f64::from(SPEECH_SAMPLE_RATE);
        assert!(
            (samples.len() as f64 - expected_frames).abs() <= 1.0,
            "{name}: {} frames for {:?}",
            samples.len(),
            speech.speech_duration
        );
        assert!(speech.speech_duration <= speech.source_duration, "{name}");
        assert!(speech.speech_duration > Duration::from_secs(2), "{name}");

        let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>()
            / samples.len() as f64)
            .sqrt()
            / 32768.0;
        let dbfs = 20.0 * rms.log10();
        assert!((-35.0..-6.0).contains(&dbfs), "{name}: RMS {dbfs:.1} dBFS");
        let clipped = samples
            .iter()
            .filter(|s| s.unsigned_abs() >= 32_700)
            .count();
        assert!(
            clipped * 1000 <= samples.len(),
            "{name}: {clipped} clipped samples"
        );
    }
}

#[test]
fn the_mime_type_is_only_a_hint() {
    let none = prepare(&fixture("payment_hi.m4a")).expect("no mime");
    let wrong = prepare_for_speech(
        &fixture("payment_hi.m4a"),
        Some("audio/mpeg"),
        &AudioLimits::default(),
    )
    .expect("wrong mime");
    assert_eq!(none, wrong);
}

#[test]
fn leading_and_trailing_silence_is_trimmed() {
    let plain = prepare(&fixture("payment_hi.ogg")).expect("payment");
    let padded = prepare(&fixture("leading_silence.ogg")).expect("leading silence");
    let cut = padded.source_duration.as_secs_f64() - padded.speech_duration.as_secs_f64();
    assert!((3.7..4.4).contains(&cut), "cut {cut:.3} s");
    let difference = padded.speech_duration.abs_diff(plain.speech_duration);
    assert!(difference < Duration::from_millis(250), "{difference:?}");
}

/// The error for a fixture that must be refused.
fn refusal(name: &str) -> AudioError {
    match prepare(&fixture(name)) {
        Ok(speech) => panic!("{name} was accepted: {:?}", speech.speech_duration),
        Err(error) => error,
    }
}

#[test]
fn digital_silence_is_silent() {
    assert!(matches!(refusal("silence.ogg"), AudioError::Silent));
}

#[test]
fn broken_inputs_get_the_error_that_names_the_problem() {
    assert!(matches!(refusal("empty.ogg"), AudioError::Empty));
    assert!(matches!(refusal("header_only.ogg"), AudioError::Corrupt(_)));
    assert!(matches!(
        refusal("wrong_container.ogg"),
        AudioError::UnsupportedFormat
    ));
    assert!(matches!(
        refusal("garbage.bin"),
        AudioError::UnsupportedFormat
    ));
    assert!(matches!(refusal("voice.amr"), AudioError::UnsupportedCodec(codec) if codec == "amr"));
    let amr_by_type = prepare_for_speech(
        &fixture("payment_hi.ogg"),
        Some("audio/amr"),
        &AudioLimits::default(),
    );
    assert!(matches!(amr_by_type, Err(AudioError::UnsupportedCodec(_))));
}

#[test]
fn a_truncated_voice_note_keeps_the_audio_before_the_cut() {
    // 60% of reminder_hi.ogg: two whole one-second pages, then part of the third.
    let cut = prepare(&fixture("truncated_tail.ogg")).expect("the whole pages still decode");
    let seconds = cut.source_duration.as_secs_f64();
    assert!((1.95..2.05).contains(&seconds), "{seconds} s");
    // 40% of payment_hi.ogg ends inside its first audio page: nothing is left to hear.
    assert!(matches!(refusal("truncated.ogg"), AudioError::Corrupt(_)));
}

#[test]
fn a_declared_duration_over_the_limit_is_refused_before_decoding() {
    let limits = AudioLimits {
        max_duration: Duration::from_secs(1),
        ..AudioLimits::default()
    };
    match prepare_for_speech(&fixture("bill_hi.ogg"), None, &limits) {
        Err(AudioError::TooLong { duration, limit }) => {
            assert_eq!(limit, Duration::from_secs(1));
            assert!(duration > Duration::from_secs(3), "{duration:?}");
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
}

#[test]
fn an_undeclared_duration_is_cut_off_while_decoding() {
    let limits = AudioLimits {
        max_duration: Duration::from_secs(1),
        ..AudioLimits::default()
    };
    // The WebM states no duration: decoding stops just after the first second.
    match prepare_for_speech(&fixture("bill_hi.webm"), None, &limits) {
        Err(AudioError::TooLong { duration, .. }) => {
            assert!(duration > Duration::from_secs(1), "{duration:?}");
            assert!(duration < Duration::from_millis(1_100), "{duration:?}");
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
}

#[test]
fn oversized_input_is_refused_unread() {
    let limits = AudioLimits {
        max_bytes: 1_000,
        ..AudioLimits::default()
    };
    let bytes = &fixture("payment_hi.ogg");
    match prepare_for_speech(bytes, None, &limits) {
        Err(AudioError::TooLarge { bytes: size, limit }) => {
            assert_eq!((size, limit), (bytes.len(), 1_000));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn voice_notes_report_channels_and_duration() {
    // ffprobe's figure includes the 312-sample (6.5 ms) pre-skip, which is never played.
    const PRE_SKIP: f64 = 312.0 / 48_000.0;
    for (name, ffprobe_seconds, input_rate) in OGG_OPUS {
        let info =
            inspect_voice_note(&fixture(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(info.channels, 1, "{name}");
        let got = info.duration.as_secs_f64();
        let seconds = ffprobe_seconds - PRE_SKIP;
        assert!(
            (got - seconds).abs() < 0.001,
            "{name}: {got} s, expected {seconds} s"
        );
        assert_eq!(info.sample_rate, input_rate, "{name}");
    }
}

#[test]
fn only_whole_ogg_opus_passes_as_a_voice_note() {
    for name in [
        "payment_hi.mp3",
        "payment_hi.m4a",
        "payment_hi_vorbis.ogg",
        "bill_hi.webm",
        "garbage.bin",
        "wrong_container.ogg",
    ] {
        let result = inspect_voice_note(&fixture(name));
        assert!(
            matches!(result, Err(AudioError::UnsupportedFormat)),
            "{name}: {result:?}"
        );
    }
    for name in ["truncated.ogg", "truncated_tail.ogg", "header_only.ogg"] {
        let result = inspect_voice_note(&fixture(name));
        assert!(
            matches!(result, Err(AudioError::Corrupt(_))),
            "{name}: {result:?}"
        );
    }
    let empty = inspect_voice_note(&fixture("empty.ogg"));
    assert!(matches!(empty, Err(AudioError::Empty)), "{empty:?}");
}

/// The Opus decoder gives back the phrase the encoder was fed, at the right time: the same
/// recording's lossless FLAC (from the same espeak output) and its 16 kbit/s Opus voice note,
/// both made 16 kHz speech, line up within a millisecond and follow each other closely. A wrong
/// pre-skip shifts the Opus one; a wrong rate or channel handling destroys the likeness.
#[test]
fn an_opus_voice_note_decodes_to_the_phrase_its_encoder_was_fed() {
    let decoded = |name: &str| {
        let speech = prepare(&fixture(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
        wav_samples(name, &speech.wav)
            .into_iter()
            .map(f64::from)
            .collect::<Vec<f64>>()
    };
    let lossless = decoded("payment_hi.flac");
    let opus = decoded("payment_hi.ogg");

    // Normalised cross-correlation of the two at a lag of `lag` samples (Opus later when positive).
    let likeness = |lag: i64| {
        let (mut both, mut energy_lossless, mut energy_opus) = (0.0, 0.0, 0.0);
        for (i, &l) in lossless.iter().enumerate() {
            let Some(&o) = usize::try_from(i as i64 + lag)
                .ok()
                .and_then(|j| opus.get(j))
            else {
                continue;
            };
            both += l * o;
            energy_lossless += l * l;
            energy_opus += o * o;
        }
        both / (energy_lossless * energy_opus)
            .sqrt()
            .max(f64::MIN_POSITIVE)
    };
    // Up to 20 ms either way: silence trimming may start the two a few milliseconds apart.
    let (best_lag, best) = (-320..=320)
        .map(|lag| (lag, likeness(lag)))
        .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
    assert!(best > 0.9, "likeness {best:.3} at lag {best_lag}");
    assert!(
        best_lag.abs() <= 16,
        "the Opus decode is {best_lag} samples off"
    );
    let length_difference = (lossless.len() as i64 - opus.len() as i64).abs();
    assert!(
        length_difference <= 16 * 20,
        "lengths {} and {}",
        lossless.len(),
        opus.len()
    );
}
