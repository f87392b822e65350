//! Any bytes, with or without a MIME hint, give a result and never a panic, hang or runaway
//! allocation; the same holds for the Ogg/Opus voice-note check. See docs/FUZZING.md.

#![no_main]

use execora_engine::audio::{AudioLimits, inspect_voice_note, prepare_for_speech};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The production limits: what the bot will run with.
    let limits = AudioLimits::default();
    let _ = prepare_for_speech(data, None, &limits);
    let _ = prepare_for_speech(data, Some("audio/ogg"), &limits);
    let _ = inspect_voice_note(data);
});
