//! A roster CSV for the listing tool (`Roster::parse`), read against a fixed investigation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_listing::Roster;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(roster) = Roster::parse(text, mimamori_fuzz::investigation()) {
        for entry in roster.entries() {
            assert!(roster.find(&entry.id).is_some());
        }
    }
});
