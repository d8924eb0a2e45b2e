//! A partner's visit CSV (`mimamori venue partner-match --visits`), read with
//! `parse_partner_visits` against the fuzzing key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_venue::parse_partner_visits;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_partner_visits(text, mimamori_fuzz::venue_public_keys());
    }
});
