//! The webhook signature check answers every header over every body without a panic, accepts
//! the header computed over the exact bytes with the current or the previous secret, and refuses
//! every other header. See docs/FUZZING.md.

#![no_main]

// The shipped file itself, compiled here without the rest of the bot (see Cargo.toml).
#[allow(dead_code)]
#[path = "../../../bot/src/whatsapp/signature.rs"]
mod signature;

use libfuzzer_sys::fuzz_target;
use signature::{AppSecrets, sign, verify};

const SECRET: &str = "fuzz_app_secret";
const PREVIOUS: &str = "fuzz_previous_secret";

fuzz_target!(|data: &[u8]| {
    // The first line is the X-Hub-Signature-256 header, the rest the body (seeds: a fixture
    // with its real header).
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let secrets = AppSecrets::new(SECRET, Some(PREVIOUS));
    let current = sign(body, SECRET);
    let previous = sign(body, PREVIOUS);
    assert!(verify(body, Some(current.as_bytes()), &secrets).is_ok());
    assert!(verify(body, Some(previous.as_bytes()), &secrets).is_ok());
    assert!(verify(body, None, &secrets).is_err());
    // Only the secret in use: the previous one's header no longer passes after the rotation.
    let rotated = AppSecrets::new(SECRET, None);
    assert!(verify(body, Some(previous.as_bytes()), &rotated).is_err());
    // The hex digits may come in either case; anything else is a forgery.
    let genuine = |expected: &str| {
        header.len() == expected.len()
            && header.starts_with(b"sha256=")
            && header.eq_ignore_ascii_case(expected.as_bytes())
    };
    let verdict = verify(body, Some(header), &secrets);
    if genuine(&current) || genuine(&previous) {
        assert!(verdict.is_ok(), "a genuine header was refused");
    } else {
        assert!(verdict.is_err(), "a forged header passed");
    }
    // The same header over any other body is refused.
    if verdict.is_ok() && !body.is_empty() {
        let mut other = body.to_vec();
        other[0] ^= 1;
        assert!(
            verify(&other, Some(header), &secrets).is_err(),
            "a header passed for another body"
        );
    }
});
