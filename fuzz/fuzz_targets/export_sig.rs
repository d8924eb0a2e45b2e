//! `export.sig` (a `TEKSignatureList`), read with `parse_signature_list`. Its encoder is private
//! to core; the round trip through it is covered by `export_zip` (`ExportWriter` output).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::export::parse_signature_list;

fuzz_target!(|data: &[u8]| {
    if let Ok(signatures) = parse_signature_list(data) {
        for signature in &signatures {
            let _ = signature.info.key_id.len() + signature.signature.len();
        }
    }
});
