//! A check-in CSV for the listing tool (`parse_checkins`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_listing::parse_checkins;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_checkins(text);
    }
});
