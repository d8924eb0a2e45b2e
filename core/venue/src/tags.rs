//! Hour-slot tags: what a notice is filed under, computable only by someone who scanned the
//! venue's code.
//!
//! ```text
//! prk       = HKDF-Extract(salt = TAG_SALT, ikm = encoded payload)
//! tag(slot) = HKDF-Expand(prk, "slot" || slot start as u64 big-endian Unix seconds, 16)
//! enc key   = HKDF-Expand(prk, NOTICE_ENCRYPTION_INFO, 32)   (AES-256-CTR)
//! mac key   = HKDF-Expand(prk, NOTICE_MAC_INFO, 32)          (HMAC-SHA256)
//! ```
//!
//! A slot is one clock hour, [`SLOT_SECONDS`] long, starting at a multiple of it since the Unix
//! epoch. Japan's offset from UTC is a whole number of hours, so slots are JST clock hours too.

use std::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{Error, Result};

/// The HKDF salt of a venue's secret.
pub const TAG_SALT: &[u8] = b"mimamori-venue-v1";

/// The HKDF info prefix of a slot tag (followed by the slot start, u64 big-endian).
pub const SLOT_INFO_PREFIX: &[u8] = b"slot";

/// The HKDF info of a notice's encryption key.
pub const NOTICE_ENCRYPTION_INFO: &[u8] = b"mimamori-venue-notice-enc";

/// The HKDF info of a notice's MAC key.
pub const NOTICE_MAC_INFO: &[u8] = b"mimamori-venue-notice-mac";

/// Length of a slot, in seconds: one hour.
pub const SLOT_SECONDS: u64 = 3_600;

/// Length of a slot tag, in bytes.
pub const TAG_LENGTH: usize = 16;

/// The start (Unix seconds) of the slot holding `unix_seconds`.
pub fn slot_start(unix_seconds: u64) -> u64 {
    unix_seconds - unix_seconds % SLOT_SECONDS
}

/// The starts of the slots that the half-open interval `[from, until)` (Unix seconds) touches;
/// an empty interval touches the one slot holding `from`.
pub fn slots_overlapping(from: u64, until: u64) -> impl Iterator<Item = u64> {
    let first = slot_start(from);
    let last = slot_start(until.max(from.saturating_add(1)) - 1);
    (first..=last).step_by(SLOT_SECONDS as usize)
}

/// The tag a notice for one hour slot of one venue is filed under.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotTag(pub [u8; TAG_LENGTH]);

impl SlotTag {
    /// A tag from bytes, which must be [`TAG_LENGTH`] long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| Error::InvalidLength {
                what: "slot tag",
                expected: TAG_LENGTH,
                actual: bytes.len(),
            })
    }
}

impl fmt::Debug for SlotTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SlotTag({})", hex_string(&self.0))
    }
}

/// A venue's pseudorandom key (HKDF-Extract of its encoded payload): derives its slot tags and
/// notice keys. Zeroized when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VenueSecret([u8; 32]);

impl VenueSecret {
    /// The secret of the venue whose encoded payload is `payload_bytes`.
    pub fn from_payload_bytes(payload_bytes: &[u8]) -> Self {
        let (prk, _) = Hkdf::<Sha256>::extract(Some(TAG_SALT), payload_bytes);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&prk);
        Self(bytes)
    }

    /// The tag of the slot starting at `slot_start` (Unix seconds; rounded down to a slot).
    pub fn tag(&self, slot_start_seconds: u64) -> SlotTag {
        let mut info = [0u8; SLOT_INFO_PREFIX.len() + 8];
        info[..SLOT_INFO_PREFIX.len()].copy_from_slice(SLOT_INFO_PREFIX);
        info[SLOT_INFO_PREFIX.len()..]
            .copy_from_slice(&slot_start(slot_start_seconds).to_be_bytes());
        let mut tag = [0u8; TAG_LENGTH];
        self.expand(&info, &mut tag);
        SlotTag(tag)
    }

    /// The tags of every slot that `[from, until)` touches, with their slot starts.
    pub fn tags_overlapping(&self, from: u64, until: u64) -> Vec<(u64, SlotTag)> {
        slots_overlapping(from, until)
            .map(|slot| (slot, self.tag(slot)))
            .collect()
    }

    /// The AES-256 key that encrypts this venue's notice bodies.
    pub(crate) fn notice_encryption_key(&self) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        self.expand(NOTICE_ENCRYPTION_INFO, &mut key[..]);
        key
    }

    /// The HMAC-SHA256 key that authenticates this venue's notices.
    pub(crate) fn notice_mac_key(&self) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        self.expand(NOTICE_MAC_INFO, &mut key[..]);
        key
    }

    fn expand(&self, info: &[u8], out: &mut [u8]) {
        // The PRK is exactly one SHA-256 output long, and every output asked for here is at
        // most 32 bytes (far below HKDF's 255 × 32 limit), so neither call can fail.
        if let Ok(hkdf) = Hkdf::<Sha256>::from_prk(&self.0) {
            let _ = hkdf.expand(info, out);
        }
    }
}

impl fmt::Debug for VenueSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VenueSecret(..)")
    }
}

pub(crate) fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_clock_hours() {
        assert_eq!(slot_start(7_199), 3_600);
        assert_eq!(slots_overlapping(3_600, 7_200).collect::<Vec<_>>(), [3_600]);
        assert_eq!(
            slots_overlapping(3_599, 7_201).collect::<Vec<_>>(),
            [0, 3_600, 7_200]
        );
        assert_eq!(slots_overlapping(5_000, 5_000).collect::<Vec<_>>(), [3_600]);
    }

    #[test]
    fn tags_differ_by_slot_and_venue() {
        let one = VenueSecret::from_payload_bytes(b"one");
        let two = VenueSecret::from_payload_bytes(b"two");
        assert_ne!(one.tag(0), one.tag(3_600));
        assert_eq!(one.tag(3_600), one.tag(3_601));
        assert_ne!(one.tag(0), two.tag(0));
        assert_ne!(*one.notice_encryption_key(), *one.notice_mac_key());
        assert_eq!(one.tags_overlapping(0, 7_200).len(), 2);
    }
}
