//! The text of a scanned venue QR code, read with `VenueQr::parse`. The first byte chooses:
//! odd, the rest is the text as scanned (the signature check stops almost everything); even, the
//! rest is a `VenuePayload` the target signs with the fuzzing key and wraps in a URL, so the
//! fuzzer reaches the payload decoder behind the check. What parses must parse again from its
//! `url()` to the same code.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use mimamori_venue::VenueQr;
use mimamori_fuzz::{signed_venue_payload, venue_public_keys};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode % 2 == 1 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let fragment =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signed_venue_payload(rest));
        format!("https://venue.example.jp/v/#{fragment}")
    };
    if let Ok(code) = VenueQr::parse(&text, venue_public_keys()) {
        let again = VenueQr::parse(&code.url(), venue_public_keys())
            .expect("the URL of a parsed code must parse");
        assert!(
            again == code,
            "the URL of a parsed code reads back differently"
        );
    }
});
