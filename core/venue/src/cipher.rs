//! Encrypt-then-MAC with AES-256-CTR and HMAC-SHA256, shared by sealed records and notices.

use aes::Aes256;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Length of a CTR initial counter block (IV), in bytes.
pub(crate) const IV_LENGTH: usize = 16;

/// Length of an HMAC-SHA256 tag, in bytes.
pub(crate) const MAC_LENGTH: usize = 32;

type Aes256Ctr = ctr::Ctr128BE<Aes256>;

/// Applies the AES-256-CTR keystream of `key` and `iv` to `data` (encrypts or decrypts).
pub(crate) fn apply_keystream(key: &[u8; 32], iv: &[u8; IV_LENGTH], data: &mut [u8]) {
    let mut cipher = Aes256Ctr::new(&(*key).into(), &(*iv).into());
    cipher.apply_keystream(data);
}

fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; 32 bytes cannot be refused.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    mac
}

/// HMAC-SHA256 of the concatenation of `parts`.
pub(crate) fn mac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; MAC_LENGTH] {
    hmac(key, parts).finalize().into_bytes().into()
}

/// Whether `tag` is the HMAC-SHA256 of `parts` (compared in constant time).
pub(crate) fn mac_matches(key: &[u8; 32], parts: &[&[u8]], tag: &[u8]) -> bool {
    hmac(key, parts).verify_slice(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctr_round_trips_and_mac_checks() {
        let key = [3u8; 32];
        let iv = [9u8; 16];
        let mut data = b"hello venue".to_vec();
        apply_keystream(&key, &iv, &mut data);
        assert_ne!(data, b"hello venue");
        apply_keystream(&key, &iv, &mut data);
        assert_eq!(data, b"hello venue");
        let tag = mac(&key, &[b"a", b"b"]);
        assert!(mac_matches(&key, &[b"ab"], &tag));
        assert!(!mac_matches(&key, &[b"ac"], &tag));
        assert!(!mac_matches(&key, &[b"ab"], &tag[..31]));
    }
}
