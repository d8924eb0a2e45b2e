//! A raw BLE advertisement (AD structures), read with `ExposurePayload::parse_advertisement`;
//! the advertisement written from what reads must read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::ExposurePayload;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = ExposurePayload::parse_advertisement(data) {
        let again = ExposurePayload::parse_advertisement(&payload.advertisement())
            .expect("a written advertisement must read");
        assert_eq!(again, payload);
    }
});
