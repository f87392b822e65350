//! Voice-note decode speed: `prepare_for_speech` on one minute of Ogg/Opus speech
//! (`cargo bench -p execora-engine --bench audio`; `scripts/bench-audio` adds the ffmpeg comparison).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use execora_engine::audio::{AudioLimits, prepare_for_speech};

const NOTE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/audio/note_60s.ogg"
));

fn voice_note(c: &mut Criterion) {
    let limits = AudioLimits::default();
    let speech = prepare_for_speech(NOTE, Some("audio/ogg; codecs=opus"), &limits)
        .expect("the benchmark fixture decodes");
    println!(
        "note_60s.ogg: {:.2} s of {} at {} Hz -> {:.2} s of speech, {} bytes of WAV",
        speech.source_duration.as_secs_f64(),
        speech.codec,
        speech.source_sample_rate,
        speech.speech_duration.as_secs_f64(),
        speech.wav.len()
    );
    c.bench_function("prepare_for_speech/note_60s.ogg", |b| {
        b.iter(|| prepare_for_speech(black_box(NOTE), Some("audio/ogg; codecs=opus"), &limits))
    });
}

criterion_group!(benches, voice_note);
criterion_main!(benches);
