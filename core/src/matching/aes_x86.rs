//! AES-128 encryption of many blocks under one key with VAES (two blocks per instruction in
//! 256-bit registers), for CPUs that have VAES but not AVX-512.
//!
//! Why this is written by hand: the `aes` crate has a VAES-256 backend, but its feature detection
//! (`cpufeatures` 0.3) only reports VAES when the operating system has enabled AVX-512 register
//! state, so on CPUs with VAES and AVX2 but no AVX-512 (AMD Zen 3, Intel Alder Lake and later
//! client cores) it falls back to one-block-wide AES-NI. Deriving 144 RPIs per diagnosis key is
//! the hot loop of matching, so this module does the same work with 8 registers (16 blocks) in
//! flight, after checking the CPU with the standard library's detection. Everything else (key
//! schedule included) is ordinary AES-NI. Tested against the `aes` crate for every length 0..=144.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, __m256i, _mm_aesenc_si128, _mm_aesenclast_si128, _mm_aeskeygenassist_si128,
    _mm_loadu_si128, _mm_shuffle_epi32, _mm_slli_si128, _mm_storeu_si128, _mm_xor_si128,
    _mm256_aesenc_epi128, _mm256_aesenclast_epi128, _mm256_broadcastsi128_si256,
    _mm256_loadu_si256, _mm256_storeu_si256, _mm256_xor_si256,
};

/// Whether this CPU has what [`encrypt_blocks`] needs.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("vaes")
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("aes")
}

/// Encrypts `input` into `output` (same length) with AES-128 under `key`.
///
/// Returns `false`, doing nothing, when the CPU lacks VAES or the lengths differ; the caller then
/// uses the portable path.
pub(super) fn encrypt_blocks(key: &[u8; 16], input: &[[u8; 16]], output: &mut [[u8; 16]]) -> bool {
    if input.len() != output.len() || !available() {
        return false;
    }
    // SAFETY: `available()` checked at run time that the CPU supports every target feature the
    // function enables, and the slices have equal lengths as it requires.
    unsafe { encrypt_blocks_vaes(key, input, output) };
    true
}

/// Blocks processed together: 8 registers of 2 blocks, enough to hide the latency of VAESENC.
const LANES: usize = 8;

#[target_feature(enable = "aes,avx2,vaes")]
unsafe fn encrypt_blocks_vaes(key: &[u8; 16], input: &[[u8; 16]], output: &mut [[u8; 16]]) {
    let round_keys = expand_key(key);
    let wide: [__m256i; 11] = round_keys.map(|round_key| _mm256_broadcastsi128_si256(round_key));
    let mut at = 0;
    while at + 2 * LANES <= input.len() {
        let mut state = [wide[0]; LANES];
        for (lane, state) in state.iter_mut().enumerate() {
            // SAFETY: blocks at..at + 16 are within `input` (loop condition); an unaligned load
            // of 32 bytes reads exactly the two blocks at + 2·lane and at + 2·lane + 1.
            let blocks = unsafe { _mm256_loadu_si256(input.as_ptr().add(at + 2 * lane).cast()) };
            *state = _mm256_xor_si256(blocks, wide[0]);
        }
        for round_key in &wide[1..10] {
            for state in &mut state {
                *state = _mm256_aesenc_epi128(*state, *round_key);
            }
        }
        for (lane, state) in state.iter().enumerate() {
            let last = _mm256_aesenclast_epi128(*state, wide[10]);
            // SAFETY: `output` has the same length as `input`, so these two blocks exist.
            unsafe { _mm256_storeu_si256(output.as_mut_ptr().add(at + 2 * lane).cast(), last) };
        }
        at += 2 * LANES;
    }
    // The rest (fewer than 16 blocks): one block at a time.
    while at < input.len() {
        // SAFETY: `at` is within both slices.
        let mut state = unsafe { _mm_loadu_si128(input.as_ptr().add(at).cast()) };
        state = _mm_xor_si128(state, round_keys[0]);
        for round_key in &round_keys[1..10] {
            state = _mm_aesenc_si128(state, *round_key);
        }
        state = _mm_aesenclast_si128(state, round_keys[10]);
        // SAFETY: as above.
        unsafe { _mm_storeu_si128(output.as_mut_ptr().add(at).cast(), state) };
        at += 1;
    }
}

/// The AES-128 key schedule (FIPS-197 §5.2) with AESKEYGENASSIST.
#[target_feature(enable = "aes")]
fn expand_key(key: &[u8; 16]) -> [__m128i; 11] {
    // SAFETY: `key` is 16 readable bytes.
    let mut round_key = unsafe { _mm_loadu_si128(key.as_ptr().cast()) };
    let mut keys = [round_key; 11];
    macro_rules! next {
        ($index:literal, $rcon:literal) => {
            let assist = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>(round_key));
            round_key = _mm_xor_si128(round_key, _mm_slli_si128::<4>(round_key));
            round_key = _mm_xor_si128(round_key, _mm_slli_si128::<4>(round_key));
            round_key = _mm_xor_si128(round_key, _mm_slli_si128::<4>(round_key));
            round_key = _mm_xor_si128(round_key, assist);
            keys[$index] = round_key;
        };
    }
    next!(1, 0x01);
    next!(2, 0x02);
    next!(3, 0x04);
    next!(4, 0x08);
    next!(5, 0x10);
    next!(6, 0x20);
    next!(7, 0x40);
    next!(8, 0x80);
    next!(9, 0x1b);
    next!(10, 0x36);
    keys
}

#[cfg(test)]
mod tests {
    use aes::Aes128;
    use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};

    use super::*;

    #[test]
    fn matches_the_aes_crate_for_every_length() {
        if !available() {
            eprintln!("skipped: this CPU has no VAES");
            return;
        }
        let mut input = [[0u8; 16]; 144];
        for (index, block) in input.iter_mut().enumerate() {
            block[0] = index as u8;
            block[15] = 0xA5 ^ index as u8;
        }
        for seed in 0..20u8 {
            let key = [seed.wrapping_mul(37); 16].map(|byte| byte ^ seed);
            let cipher = Aes128::new(&Array::from(key));
            for length in 0..=144 {
                let mut expected = input[..length].to_vec();
                cipher.encrypt_blocks(Array::cast_slice_from_core_mut(&mut expected));
                let mut actual = vec![[0u8; 16]; length];
                assert!(encrypt_blocks(&key, &input[..length], &mut actual));
                assert_eq!(actual, expected, "key {seed}, {length} blocks");
            }
        }
        assert!(!encrypt_blocks(&[0; 16], &input[..2], &mut [[0; 16]; 3]));
    }
}
