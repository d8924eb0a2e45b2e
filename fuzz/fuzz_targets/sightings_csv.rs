//! The sightings CSV `mimamori match` reads (the diagnosis-keys tool's
//! `StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR`), read with `encounter::scans_from_csv`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::encounter::scans_from_csv;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(scans) = scans_from_csv(text) {
            for pair in scans.windows(2) {
                assert!(pair[0].started_at < pair[1].started_at);
            }
        }
    }
});
