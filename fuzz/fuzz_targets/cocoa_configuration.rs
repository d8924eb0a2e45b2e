//! COCOA's exposure configuration JSON (`configuration.json`), read with
//! `ExposureConfiguration::from_cocoa_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::ExposureConfiguration;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(configuration) = ExposureConfiguration::from_cocoa_json(text) {
            for days in [None, Some(-20), Some(0), Some(20)] {
                let _ = configuration.mapping.infectiousness(days);
            }
        }
    }
});
