//! An MIT LL iPhone log (`mimamori_accuracy::mitll::parse_iphone_log`), converted with the
//! default and the as-recorded assumptions: neither may panic, and what converts must write
//! out as a readings file that reads back the same and evaluates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_accuracy::mitll::{Conversion, parse_iphone_log, readings};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(log) = parse_iphone_log(text) else {
        return;
    };
    for conversion in [
        Conversion::default(),
        Conversion {
            resample: None,
            ..Conversion::default()
        },
    ] {
        let Ok(converted) = readings(&log, "fuzz", 45, &conversion) else {
            continue;
        };
        if converted.is_empty() {
            continue;
        }
        let written = mimamori_accuracy::format_readings(&[], &converted);
        let read = mimamori_accuracy::parse_readings(&written)
            .expect("converted readings must read back");
        assert_eq!(read, converted, "converted readings must read back the same");
        let evaluation =
            mimamori_accuracy::evaluate(&read, &ExposureConfiguration::cocoa(), &RiskRules::cocoa());
        let _ = mimamori_accuracy::render_grouped(&evaluation, 3);
    }
});
