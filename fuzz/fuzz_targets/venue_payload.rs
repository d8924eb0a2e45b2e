//! The signed bytes inside a venue QR code (`VenuePayload`), read with `VenuePayload::decode`;
//! what decodes encodes to bytes that decode to the same payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_venue::VenuePayload;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = VenuePayload::decode(data) {
        let again =
            VenuePayload::decode(&payload.encode()).expect("an encoded payload must decode");
        assert!(again == payload, "an encoded payload decodes differently");
    }
});
