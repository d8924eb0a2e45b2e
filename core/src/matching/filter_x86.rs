//! Probing the sighting filter with AVX2: four RPIs per step, the four filter words fetched with
//! one gather, their bits made with variable shifts, and one branch per sixteen RPIs.
//!
//! Why this is written by hand: a key's 144 RPIs each need a filter probe, and in scalar code
//! that is about a dozen instructions per RPI (extract the word index and three bit positions,
//! shift, load, test, branch), which made the probes the largest share of matching. Here the
//! same work is about five instructions per RPI. The filter layout is that of
//! `super::filter_slot` (word from bytes 0..4, bits from bytes 4, 5 and 6), and a group with a
//! possible hit is re-checked with the scalar code, so the answer is always the scalar one.
//! Tested against the scalar probe on random filters and RPIs.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, _mm256_and_si256, _mm256_andnot_si256, _mm256_castsi256_pd, _mm256_cmpeq_epi64,
    _mm256_i64gather_epi64, _mm256_loadu_si256, _mm256_movemask_pd, _mm256_or_si256,
    _mm256_set1_epi64x, _mm256_setzero_si256, _mm256_sllv_epi64, _mm256_srli_epi64,
    _mm256_unpacklo_epi64,
};

/// RPIs probed per branch: four gathers of four.
const GROUP: usize = 16;

/// Whether this CPU has what [`any_heard`] needs.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// Whether any of `rpis` passes the filter (`filter[word] & bits == bits`, as
/// `super::filter_slot` places them) and then `exact(rpi)`; `exact` is called in order for every
/// RPI that passes the filter until one returns `true`. Returns `None`, doing nothing, when the
/// CPU lacks AVX2 or `filter` does not have `word_mask + 1` words.
pub(super) fn any_heard(
    rpis: &[[u8; 16]],
    filter: &[u64],
    word_mask: usize,
    exact: impl FnMut(&[u8; 16]) -> bool,
) -> Option<bool> {
    // The gather reads `filter[rpi & word_mask]`, which is in bounds only for this length.
    if !available() || word_mask >= u32::MAX as usize || filter.len() != word_mask + 1 {
        return None;
    }
    // SAFETY: `available()` checked at run time that the CPU has AVX2, and every gathered index
    // is masked with `word_mask`, which is `filter.len() - 1`.
    Some(unsafe { any_heard_avx2(rpis, filter, word_mask, exact) })
}

#[target_feature(enable = "avx2")]
unsafe fn any_heard_avx2(
    rpis: &[[u8; 16]],
    filter: &[u64],
    word_mask: usize,
    mut exact: impl FnMut(&[u8; 16]) -> bool,
) -> bool {
    let mask = _mm256_set1_epi64x(word_mask as i64);
    let scalar = |rpi: &[u8; 16]| {
        let (word, bits) = super::filter_slot(rpi, word_mask);
        filter[word] & bits == bits
    };
    let mut groups = rpis.chunks_exact(GROUP);
    for group in groups.by_ref() {
        let first = group.as_ptr();
        // SAFETY: the group holds 16 RPIs, so each of the four steps reads 4 of them.
        let any = unsafe {
            let passes = |at: usize| passes(first.add(at), filter, mask);
            _mm256_or_si256(
                _mm256_or_si256(passes(0), passes(4)),
                _mm256_or_si256(passes(8), passes(12)),
            )
        };
        if _mm256_movemask_pd(_mm256_castsi256_pd(any)) != 0
            && group.iter().any(|rpi| scalar(rpi) && exact(rpi))
        {
            return true;
        }
    }
    groups
        .remainder()
        .iter()
        .any(|rpi| scalar(rpi) && exact(rpi))
}

/// All ones in the lanes of the four RPIs at `first` whose bits are all set in their filter words
/// (possible hits), zero in the others.
///
/// # Safety
/// `first..first + 4` must be readable RPIs, every word index `rpi & mask` must be within
/// `filter`, and the CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn passes(first: *const [u8; 16], filter: &[u64], mask: __m256i) -> __m256i {
    // SAFETY: the caller guarantees that four RPIs are readable from `first`.
    let (a, b) = unsafe {
        (
            _mm256_loadu_si256(first.cast()),
            _mm256_loadu_si256(first.add(2).cast()),
        )
    };
    // The first 8 bytes of each RPI as little-endian u64s (the lane order does not matter).
    let low = _mm256_unpacklo_epi64(a, b);
    let index = _mm256_and_si256(low, mask);
    // SAFETY: the caller guarantees that every masked index is within `filter`.
    let words = unsafe { _mm256_i64gather_epi64::<8>(filter.as_ptr().cast(), index) };
    let low_six = _mm256_set1_epi64x(63);
    let one = _mm256_set1_epi64x(1);
    let bits = _mm256_or_si256(
        _mm256_or_si256(
            _mm256_sllv_epi64(one, _mm256_and_si256(_mm256_srli_epi64::<32>(low), low_six)),
            _mm256_sllv_epi64(one, _mm256_and_si256(_mm256_srli_epi64::<40>(low), low_six)),
        ),
        _mm256_sllv_epi64(one, _mm256_and_si256(_mm256_srli_epi64::<48>(low), low_six)),
    );
    // Bits of an RPI missing from its word: none means it passes.
    _mm256_cmpeq_epi64(_mm256_andnot_si256(words, bits), _mm256_setzero_si256())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of pseudo-random bytes (xorshift64*).
    struct Bytes(u64);

    impl Bytes {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn rpi(&mut self) -> [u8; 16] {
            let mut rpi = [0u8; 16];
            rpi[..8].copy_from_slice(&self.next().to_le_bytes());
            rpi[8..].copy_from_slice(&self.next().to_le_bytes());
            rpi
        }
    }

    #[test]
    fn the_gathered_probe_agrees_with_the_scalar_probe() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        let mut bytes = Bytes(0x9e37_79b9_7f4a_7c15);
        for words in [1usize, 64, 4096] {
            // A filter that is full enough for both hits and misses.
            let mut filter = vec![0u64; words];
            let heard: Vec<[u8; 16]> = (0..words * 3).map(|_| bytes.rpi()).collect();
            for rpi in &heard {
                let (word, bits) = crate::matching::filter_slot(rpi, words - 1);
                filter[word] |= bits;
            }
            for round in 0..300 {
                let length = round % 145;
                let mut rpis: Vec<[u8; 16]> = (0..length).map(|_| bytes.rpi()).collect();
                if round % 3 == 0 && length > 0 {
                    let at = (bytes.next() as usize) % length;
                    rpis[at] = heard[(bytes.next() as usize) % heard.len()];
                }
                let is_heard = |rpi: &[u8; 16]| heard.contains(rpi);
                let mut scalar_calls = Vec::new();
                let expected = rpis.iter().any(|rpi| {
                    let (word, bits) = crate::matching::filter_slot(rpi, words - 1);
                    filter[word] & bits == bits && {
                        scalar_calls.push(*rpi);
                        is_heard(rpi)
                    }
                });
                let mut calls = Vec::new();
                let actual = any_heard(&rpis, &filter, words - 1, |rpi| {
                    calls.push(*rpi);
                    is_heard(rpi)
                });
                assert_eq!(actual, Some(expected), "{words} words, round {round}");
                assert_eq!(calls, scalar_calls, "{words} words, round {round}");
            }
        }
    }

    #[test]
    fn a_filter_of_the_wrong_length_is_refused() {
        assert_eq!(any_heard(&[[0; 16]], &[0; 3], 3, |_| true), None);
    }
}
