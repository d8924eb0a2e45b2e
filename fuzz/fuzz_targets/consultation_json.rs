//! The listing tool's consultation-line JSON (`Consultation::from_json`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_listing::Consultation;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Consultation::from_json(text);
    }
});
