//! A downloaded venue notice feed, read with `NoticeFeed::parse`. The first byte chooses: odd,
//! the rest is the feed as downloaded; even, the rest is the inner `NoticeFeed` message, which
//! the target signs with the fuzzing key so the fuzzer reaches the entry checks. A feed that
//! reads is signed again with `NoticeFeed::sign` and must read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_venue::NoticeFeed;
use mimamori_fuzz::{signed_notice_feed, venue_public_keys, venue_signing_key};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let signed = if mode % 2 == 1 {
        rest.to_vec()
    } else {
        signed_notice_feed(rest)
    };
    if let Ok(feed) = NoticeFeed::parse(&signed, venue_public_keys()) {
        let resigned = feed.sign(&[venue_signing_key()]).expect("one key signs");
        let again = NoticeFeed::parse(&resigned, venue_public_keys()).expect("a signed feed reads");
        assert_eq!(again, feed);
    }
});
