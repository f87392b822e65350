//! The webhook payload reader gives events or an error for any bytes, never a panic; reads the
//! same bytes the same way; ignores the whitespace JSON allows around a body; and refuses bytes
//! that are not UTF-8 as not JSON. See docs/FUZZING.md.

#![no_main]

// The shipped file itself, compiled here without the rest of the bot (see Cargo.toml).
#[allow(dead_code)]
#[path = "../../../bot/src/whatsapp/payload.rs"]
mod payload;

use libfuzzer_sys::fuzz_target;
use payload::PayloadError;

fuzz_target!(|data: &[u8]| {
    let read = payload::parse(data);
    assert_eq!(
        read,
        payload::parse(data),
        "the same body reads the same way"
    );
    let mut padded = Vec::with_capacity(data.len() + 4);
    padded.extend_from_slice(b" \n");
    padded.extend_from_slice(data);
    padded.extend_from_slice(b"\t\r");
    assert_eq!(
        read,
        payload::parse(&padded),
        "whitespace around the body changed the reading"
    );
    // Bytes that are not UTF-8 are not JSON, wherever they are (serde_json checks only the
    // strings it reads; the first long run found a body whose bad bytes hid in a skipped field).
    if std::str::from_utf8(data).is_err() {
        assert_eq!(read, Err(PayloadError::NotJson));
    }
});
