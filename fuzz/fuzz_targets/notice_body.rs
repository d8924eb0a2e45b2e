//! The decrypted body of a venue notice (`NoticeBody`), read with `NoticeBody::decode`: the
//! plaintext is only as trustworthy as whoever holds the venue's secret. What decodes encodes to
//! bytes that decode to the same body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_venue::NoticeBody;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = NoticeBody::decode(data) {
        let again = NoticeBody::decode(&body.encode()).expect("an encoded body must decode");
        assert!(again == body, "an encoded body decodes differently");
    }
});
