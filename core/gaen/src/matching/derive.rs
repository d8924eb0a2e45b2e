//! Deriving a diagnosis key's RPIs as fast as the hardware allows.
//!
//! Matching spends nearly all its time here: one HKDF and up to 144 AES blocks per downloaded
//! key. Two observations make it cheap:
//!
//! - **HKDF with an absent salt.** The salt is 32 zero bytes, so HKDF-Extract's HMAC key is
//!   constant and so are its inner and outer pad states: each is one SHA-256 compression computed
//!   once ([`RpikDeriver::new`]). Per key that leaves 2 compressions for Extract and 4 for Expand
//!   (HMAC under the 32-byte PRK, with the one-block info `"EN-RPIK" ‖ 0x01`): 6 compressions in
//!   all, against 8 plus hashing overhead for a generic HKDF. On x86-64 with SHA-NI four keys'
//!   HKDFs run side by side in registers ([`super::sha_x86`]); elsewhere
//!   `sha2::block_api::compress256` (which uses the ARMv8 SHA instructions where there are some).
//! - **One pipelined AES call per key.** All of a key's `PaddedData` blocks are encrypted
//!   together: with VAES on x86-64 (24 blocks in flight, several keys' schedules expanded
//!   together, [`super::aes_x86`]), otherwise in one
//!   `encrypt_blocks_b2b` call of the `aes` crate (AES-NI, ARMv8 AES or constant-time software,
//!   chosen at run time).
//!
//! Both are checked against the plain derivation in [`crate::ids`] and the official vectors.
//!
//! Nothing here is zeroized: this path derives from diagnosis keys, which health authorities
//! publish. The phone's own keys go through [`crate::ids`], which zeroizes.

use aes::Aes128;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use sha2::block_api::compress256;

use crate::ids::{IntervalNumber, KEY_LENGTH, RollingProximityIdentifier, TEK_ROLLING_PERIOD};

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// HMAC's inner and outer pad bytes (RFC 2104).
const IPAD: u8 = 0x36;
const OPAD: u8 = 0x5c;

/// SHA-256's block length.
const BLOCK: usize = 64;

/// Derives RPIKs with HKDF-SHA256 (no salt, info "EN-RPIK") from precomputed pad states.
#[derive(Clone, Debug)]
pub struct RpikDeriver {
    /// SHA-256 state after absorbing `zeros(32) ⊕ ipad` padded to a block: the constant inner
    /// state of HKDF-Extract's HMAC.
    extract_inner: [u32; 8],
    /// Likewise for the outer pad.
    extract_outer: [u32; 8],
}

impl Default for RpikDeriver {
    fn default() -> Self {
        Self::new()
    }
}

impl RpikDeriver {
    /// Precomputes the constant pad states.
    pub fn new() -> Self {
        // The HMAC key is the 32-byte all-zero salt, zero-padded to a block, so key ⊕ pad is the
        // pad byte repeated.
        Self {
            extract_inner: absorb_pad(&[0; 32], IPAD),
            extract_outer: absorb_pad(&[0; 32], OPAD),
        }
    }

    /// `HKDF-SHA256(IKM = tek, salt = none, info = "EN-RPIK", L = 16)`.
    pub fn rpik(&self, tek: &[u8; KEY_LENGTH]) -> [u8; KEY_LENGTH] {
        let [rpik] = self.rpiks([tek]);
        rpik
    }

    /// The RPIKs of `N` keys at once. SHA-256 compressions are a chain of dependent rounds, so
    /// one key leaves the SHA unit waiting most of the time; with SHA-NI four keys' HKDFs run
    /// side by side in registers (`matching/sha_x86.rs`).
    pub fn rpiks<const N: usize>(&self, teks: [&[u8; KEY_LENGTH]; N]) -> [[u8; KEY_LENGTH]; N] {
        #[cfg(target_arch = "x86_64")]
        if let Some(rpiks) = super::sha_x86::rpiks(teks, &self.extract_inner, &self.extract_outer) {
            return rpiks;
        }
        teks.map(|tek| self.rpik_portable(tek))
    }

    /// [`rpik`](Self::rpik) with the `sha2` crate's compression function (which uses SHA-NI or
    /// the ARMv8 SHA instructions when the CPU has them).
    fn rpik_portable(&self, tek: &[u8; KEY_LENGTH]) -> [u8; KEY_LENGTH] {
        // Extract: PRK = HMAC(zeros, TEK), from the precomputed pad states.
        let mut inner = self.extract_inner;
        compress256(&mut inner, &[final_block(tek)]);
        let mut prk = self.extract_outer;
        compress256(&mut prk, &[final_block(&digest(inner))]);
        // Expand, first block only: T(1) = HMAC(PRK, "EN-RPIK" ‖ 0x01).
        let prk = digest(prk);
        let mut expand_inner = SHA256_IV;
        compress256(
            &mut expand_inner,
            &[pad_block(&prk, IPAD), final_block(b"EN-RPIK\x01")],
        );
        let mut expand_outer = SHA256_IV;
        compress256(
            &mut expand_outer,
            &[pad_block(&prk, OPAD), final_block(&digest(expand_inner))],
        );
        let mut rpik = [0u8; KEY_LENGTH];
        rpik.copy_from_slice(&digest(expand_outer)[..KEY_LENGTH]);
        rpik
    }
}

/// The block `key ⊕ pad` (key zero-padded to 64 bytes) that starts an HMAC.
fn pad_block(key: &[u8; 32], pad: u8) -> [u8; BLOCK] {
    let mut block = [pad; BLOCK];
    for (byte, key) in block.iter_mut().zip(key) {
        *byte ^= key;
    }
    block
}

/// SHA-256 state after one block of `key ⊕ pad`.
fn absorb_pad(key: &[u8; 32], pad: u8) -> [u32; 8] {
    let mut state = SHA256_IV;
    compress256(&mut state, &[pad_block(key, pad)]);
    state
}

/// The last block of a message of one 64-byte block plus `message` (at most 55 bytes, so the
/// padding fits in the same block).
fn final_block(message: &[u8]) -> [u8; BLOCK] {
    debug_assert!(message.len() <= 55);
    let mut block = [0u8; BLOCK];
    block[..message.len()].copy_from_slice(message);
    block[message.len()] = 0x80;
    let bits = ((BLOCK + message.len()) as u64) * 8;
    block[56..].copy_from_slice(&bits.to_be_bytes());
    block
}

/// The digest bytes of a final state.
fn digest(state: [u32; 8]) -> [u8; 32] {
    let mut digest = [0u8; 32];
    for (chunk, word) in digest.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Reusable buffers for deriving a key's RPIs without allocating per key.
#[derive(Clone)]
pub struct RpiBatch {
    padded: [[u8; KEY_LENGTH]; TEK_ROLLING_PERIOD as usize],
    rpis: [[u8; KEY_LENGTH]; TEK_ROLLING_PERIOD as usize],
    len: usize,
}

impl Default for RpiBatch {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RpiBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpiBatch")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl RpiBatch {
    /// Empty buffers with the constant part of `PaddedData` filled in.
    pub fn new() -> Self {
        let template = IntervalNumber::new(0).padded_data();
        Self {
            padded: [template; 144],
            rpis: [[0; KEY_LENGTH]; 144],
            len: 0,
        }
    }

    /// Derives the RPIs of `period` intervals (at most 144) from `start` under `rpik`, in one
    /// pipelined AES call, and returns them in interval order.
    pub fn derive(
        &mut self,
        rpik: &[u8; KEY_LENGTH],
        start: IntervalNumber,
        period: u32,
    ) -> &[[u8; KEY_LENGTH]] {
        self.derive_each(&[*rpik], [(start, period)], |_, _| {});
        &self.rpis[..self.len]
    }

    /// Derives the RPIs of several keys, `(start, period)` each, and hands each key's to
    /// `visit(index, rpis)` in turn (the buffer is reused, so each is valid only during its
    /// call). With VAES the keys' AES key schedules are expanded together first.
    pub fn derive_each<const N: usize>(
        &mut self,
        rpiks: &[[u8; KEY_LENGTH]; N],
        intervals: [(IntervalNumber, u32); N],
        mut visit: impl FnMut(usize, &[[u8; KEY_LENGTH]]),
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Some(schedules) = super::aes_x86::expand_keys(rpiks) {
            for (index, (schedule, (start, period))) in schedules.iter().zip(intervals).enumerate()
            {
                let len = (period.min(TEK_ROLLING_PERIOD)) as usize;
                self.len = len;
                super::aes_x86::rolling_proximity_identifiers(
                    schedule,
                    start,
                    &mut self.rpis[..len],
                );
                visit(index, &self.rpis[..len]);
            }
            return;
        }
        for (index, (rpik, (start, period))) in rpiks.iter().zip(intervals).enumerate() {
            let len = (period.min(TEK_ROLLING_PERIOD)) as usize;
            self.len = len;
            for (offset, block) in self.padded[..len].iter_mut().enumerate() {
                // offset < 144, so the cast is lossless.
                let interval = start.value().wrapping_add(offset as u32);
                block[12..].copy_from_slice(&interval.to_le_bytes());
            }
            let cipher = Aes128::new(&Array::from(*rpik));
            let input = Array::cast_slice_from_core(&self.padded[..len]);
            let output = Array::cast_slice_from_core_mut(&mut self.rpis[..len]);
            // Both slices have `len` blocks, so the lengths always agree.
            let _equal_lengths = cipher.encrypt_blocks_b2b(input, output);
            visit(index, &self.rpis[..len]);
        }
    }

    /// The RPIs of the last [`derive`](Self::derive), as identifiers.
    pub fn identifiers(&self) -> impl Iterator<Item = RollingProximityIdentifier> + '_ {
        self.rpis[..self.len]
            .iter()
            .map(|rpi| RollingProximityIdentifier::from_bytes(*rpi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TemporaryExposureKey;

    #[test]
    fn precomputed_hkdf_matches_the_generic_one() {
        let deriver = RpikDeriver::new();
        let official = TemporaryExposureKey::from_hex("75c734c6dd1a782de7a965da5eb93125").unwrap();
        assert_eq!(
            &deriver.rpik(official.as_bytes()),
            official.rolling_proximity_identifier_key().as_bytes()
        );
        let mut seed = 0x1234_5678_9abc_def0u64;
        for _ in 0..1_000 {
            let mut tek = [0u8; 16];
            for byte in &mut tek {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *byte = (seed >> 56) as u8;
            }
            let expected = TemporaryExposureKey::from_bytes(tek).rolling_proximity_identifier_key();
            assert_eq!(&deriver.rpik(&tek), expected.as_bytes());
            // The portable path on its own.
            assert_eq!(&deriver.rpik_portable(&tek), expected.as_bytes());
            // And several at once (the interleaved SHA-NI path), in every position.
            let others: [[u8; 16]; 4] = std::array::from_fn(|at| {
                let mut other = tek;
                other[at] ^= 0x5a;
                other
            });
            let [a, b, c, d, e] =
                deriver.rpiks([&others[0], &others[1], &tek, &others[2], &others[3]]);
            assert_eq!(&c, expected.as_bytes());
            for (rpik, other) in [a, b, d, e].iter().zip(&others) {
                assert_eq!(rpik, &deriver.rpik_portable(other));
            }
            let other = official.as_bytes();
            let [first, second] = deriver.rpiks([&tek, other]);
            assert_eq!(&first, expected.as_bytes());
            assert_eq!(
                &second,
                official.rolling_proximity_identifier_key().as_bytes()
            );
        }
    }

    #[test]
    fn batched_rpis_match_one_at_a_time_for_every_period() {
        let tek = TemporaryExposureKey::from_bytes([9; 16]);
        let rpik = tek.rolling_proximity_identifier_key();
        let mut batch = RpiBatch::new();
        for (start, period) in [
            (2_642_976, 144),
            (2_649_866, 114),
            (7, 1),
            (u32::MAX - 3, 4),
        ] {
            let start = IntervalNumber::new(start);
            let rpis: Vec<[u8; 16]> = batch.derive(rpik.as_bytes(), start, period).to_vec();
            assert_eq!(rpis.len(), period as usize);
            for (offset, rpi) in rpis.iter().enumerate() {
                let expected =
                    rpik.rolling_proximity_identifier(start.saturating_add(offset as u32));
                assert_eq!(rpi, expected.as_bytes(), "start {start} offset {offset}");
            }
        }
    }
}
