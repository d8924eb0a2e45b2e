//! Public keys given as text (a PEM or base64 DER on the command line, or the server's key list):
//! `ExportPublicKey::parse` and `VenuePublicKey::parse`. What parses writes out to text that
//! parses to the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::ExportPublicKey;
use mimamori_venue::VenuePublicKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = ExportPublicKey::parse(text) {
        let pem = key.to_pem().expect("a parsed key writes");
        let again = ExportPublicKey::parse(&pem).expect("a written key parses");
        assert_eq!(again.to_base64_der().ok(), key.to_base64_der().ok());
    }
    if let Ok(key) = VenuePublicKey::parse(text) {
        let pem = key.to_pem().expect("a parsed key writes");
        let again = VenuePublicKey::parse(&pem).expect("a written key parses");
        assert_eq!(again.to_base64_der().ok(), key.to_base64_der().ok());
    }
});
