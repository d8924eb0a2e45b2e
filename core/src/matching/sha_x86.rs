//! Several SHA-256 compressions at once with the x86 SHA extensions (SHA-NI).
//!
//! Why this is written by hand: each SHA-256 compression is a chain of 32 dependent
//! `SHA256RNDS2` instructions, so a single compression (what `sha2::block_api::compress256`
//! offers) leaves the SHA unit waiting on latency most of the time. Matching derives one RPIK per
//! diagnosis key with six compressions; running two keys' compressions interleaved in one
//! function lets the CPU fill those gaps. The algorithm is FIPS 180-4 in the standard SHA-NI
//! formulation (state as ABEF/CDGH, message schedule with `SHA256MSG1`/`SHA256MSG2`); it is tested
//! against `sha2` on random input.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi64x,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi8,
    _mm_shuffle_epi32, _mm_storeu_si128,
};

/// Whether this CPU has what [`compress_lanes`] needs.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse4.1")
        && std::arch::is_x86_feature_detected!("ssse3")
}

/// Compresses one block into each of `N` states, interleaved. Returns `false`, doing nothing,
/// when the CPU lacks SHA-NI (the caller then uses `sha2`).
pub(super) fn compress_lanes<const N: usize>(
    states: &mut [[u32; 8]; N],
    blocks: &[[u8; 64]; N],
) -> bool {
    if !available() {
        return false;
    }
    // SAFETY: `available()` checked at run time that the CPU has every feature the function
    // enables.
    unsafe { compress_lanes_sha_ni(states, blocks) };
    true
}

/// SHA-256's round constants, four to a vector (FIPS 180-4 §4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn compress_lanes_sha_ni<const N: usize>(
    states: &mut [[u32; 8]; N],
    blocks: &[[u8; 64]; N],
) {
    // Big-endian words: reverse the bytes of each 32-bit lane.
    let byte_swap = _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203);
    let round_constants: [__m128i; 16] = std::array::from_fn(|group| {
        // SAFETY: K has 64 words, so words 4·group .. 4·group + 4 exist.
        unsafe { _mm_loadu_si128(K.as_ptr().add(4 * group).cast()) }
    });

    let mut abef = [round_constants[0]; N];
    let mut cdgh = [round_constants[0]; N];
    let mut schedule = [[round_constants[0]; 16]; N];
    for lane in 0..N {
        // SAFETY: each state has 8 words: two loads of 4.
        let (abcd, efgh) = unsafe {
            (
                _mm_loadu_si128(states[lane].as_ptr().cast()),
                _mm_loadu_si128(states[lane].as_ptr().add(4).cast()),
            )
        };
        let cdab = _mm_shuffle_epi32::<0xB1>(abcd);
        let efgh = _mm_shuffle_epi32::<0x1B>(efgh);
        abef[lane] = _mm_alignr_epi8::<8>(cdab, efgh);
        cdgh[lane] = _mm_blend_epi16::<0xF0>(efgh, cdab);
        let words = &mut schedule[lane];
        for (group, word) in words.iter_mut().take(4).enumerate() {
            // SAFETY: each block has 64 bytes: four loads of 16.
            let bytes = unsafe { _mm_loadu_si128(blocks[lane].as_ptr().add(16 * group).cast()) };
            *word = _mm_shuffle_epi8(bytes, byte_swap);
        }
    }
    let saved = (abef, cdgh);
    for group in 0..16 {
        for lane in 0..N {
            let words = &mut schedule[lane];
            if group >= 4 {
                let partial = _mm_sha256msg1_epu32(words[group - 4], words[group - 3]);
                let partial = _mm_add_epi32(
                    partial,
                    _mm_alignr_epi8::<4>(words[group - 1], words[group - 2]),
                );
                words[group] = _mm_sha256msg2_epu32(partial, words[group - 1]);
            }
            let message = _mm_add_epi32(words[group], round_constants[group]);
            cdgh[lane] = _mm_sha256rnds2_epu32(cdgh[lane], abef[lane], message);
            let message = _mm_shuffle_epi32::<0x0E>(message);
            abef[lane] = _mm_sha256rnds2_epu32(abef[lane], cdgh[lane], message);
        }
    }
    for lane in 0..N {
        let abef = _mm_add_epi32(abef[lane], saved.0[lane]);
        let cdgh = _mm_add_epi32(cdgh[lane], saved.1[lane]);
        let feba = _mm_shuffle_epi32::<0x1B>(abef);
        let dchg = _mm_shuffle_epi32::<0xB1>(cdgh);
        let dcba = _mm_blend_epi16::<0xF0>(feba, dchg);
        let hgfe = _mm_alignr_epi8::<8>(dchg, feba);
        // SAFETY: each state has 8 words: two stores of 4.
        unsafe {
            _mm_storeu_si128(states[lane].as_mut_ptr().cast(), dcba);
            _mm_storeu_si128(states[lane].as_mut_ptr().add(4).cast(), hgfe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sha2_on_random_blocks() {
        if !available() {
            eprintln!("skipped: this CPU has no SHA extensions");
            return;
        }
        let mut seed = 0x0123_4567_89ab_cdefu64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 24) as u32
        };
        for _ in 0..500 {
            let mut states = [[0u32; 8]; 2];
            let mut blocks = [[0u8; 64]; 2];
            for lane in 0..2 {
                states[lane] = std::array::from_fn(|_| next());
                blocks[lane] = std::array::from_fn(|_| next() as u8);
            }
            let mut expected = states;
            for lane in 0..2 {
                sha2::block_api::compress256(&mut expected[lane], &[blocks[lane]]);
            }
            assert!(compress_lanes(&mut states, &blocks));
            assert_eq!(states, expected);
            let mut one = [expected[0]];
            let mut once_more = expected[0];
            sha2::block_api::compress256(&mut once_more, &[blocks[1]]);
            assert!(compress_lanes(&mut one, &[blocks[1]]));
            assert_eq!(one, [once_more]);
        }
    }
}
