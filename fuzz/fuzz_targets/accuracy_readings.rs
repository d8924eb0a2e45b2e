//! A distance-labelled readings file (`mimamori_accuracy::parse_readings`), then evaluated with
//! COCOA's rule: neither may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::{ExposureConfiguration, RiskRules};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(readings) = mimamori_accuracy::parse_readings(text)
    {
        let evaluation = mimamori_accuracy::evaluate(
            &readings,
            &ExposureConfiguration::cocoa(),
            &RiskRules::cocoa(),
        );
        let _ = mimamori_accuracy::render(&evaluation);
    }
});
