//! COCOA's `risk_calculation_configuration.json`, read with `RiskRules::from_cocoa_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::RiskRules;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(rules) = RiskRules::from_cocoa_json(text) {
            let _ = format!("{rules:?}");
        }
    }
});
