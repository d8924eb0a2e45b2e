//! 0xFD6F service data as a scanner reports it, read with `ExposurePayload::parse_service_data`;
//! writing it again gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::ExposurePayload;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = ExposurePayload::parse_service_data(data) {
        assert_eq!(&payload.service_data()[..], data);
    }
});
