//! Any signed body gives events or an error, never a panic; the signature check answers every
//! header, and accepts exactly the header computed over the exact bytes. See docs/FUZZING.md.

#![no_main]

use execora_bot::whatsapp::payload;
use execora_bot::whatsapp::signature::{AppSecrets, sign, verify};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz_app_secret";

fuzz_target!(|data: &[u8]| {
    // The first line is taken as a signature header, the rest as the body.
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let secrets = AppSecrets::new(SECRET, Some("fuzz_previous_secret"));
    let _ = verify(body, Some(header), &secrets);
    let _ = verify(body, None, &secrets);
    let good = sign(body, SECRET);
    assert!(verify(body, Some(good.as_bytes()), &secrets).is_ok());
    // Hex digits may come in either case.
    let previous = sign(body, "fuzz_previous_secret");
    if !header.eq_ignore_ascii_case(good.as_bytes()) && !header.eq_ignore_ascii_case(previous.as_bytes()) {
        assert!(verify(body, Some(header), &secrets).is_err(), "a forged header passed");
    }
    let _ = payload::parse(body);
    let _ = payload::parse(data);
});
