//! A key's RPIs with VAES: AES-128 of consecutive `PaddedData` blocks, two blocks per instruction
//! in 256-bit registers, for CPUs that have VAES (with or without AVX-512).
//!
//! Why this is written by hand: the `aes` crate has a VAES-256 backend, but its feature detection
//! (`cpufeatures` 0.3) only reports VAES when the operating system has enabled AVX-512 register
//! state, so on CPUs with VAES and AVX2 but no AVX-512 (AMD Zen 3, Intel Alder Lake and later
//! client cores) it falls back to one-block-wide AES-NI. Deriving 144 RPIs per diagnosis key is
//! the hot loop of matching, so this module does the same work with 12 registers (24 blocks) in
//! flight, after checking the CPU with the standard library's detection; the `PaddedData` blocks
//! are made in registers rather than read from memory, and the rounds are inline assembly (see
//! [`round`]). The key schedule is ordinary AES-NI, several keys' schedules expanded side by
//! side. Tested against the plain derivation in `crate::ids` for many starts and lengths.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, __m256i, _mm_aeskeygenassist_si128, _mm_insert_epi32, _mm_loadu_si128,
    _mm_shuffle_epi32, _mm_slli_si128, _mm_xor_si128, _mm256_add_epi32, _mm256_aesenclast_epi128,
    _mm256_broadcastsi128_si256, _mm256_set_epi32, _mm256_storeu_si256, _mm256_xor_si256,
};

use crate::ids::IntervalNumber;

/// Whether this CPU has what [`expand_keys`] and [`rolling_proximity_identifiers`] need.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("vaes")
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("aes")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

/// The AES-128 round keys of one RPIK, from [`expand_keys`].
#[derive(Clone, Copy)]
pub(super) struct RoundKeys([__m128i; 11]);

/// The key schedules of several RPIKs, expanded side by side: one key's expansion is a chain of
/// ten dependent `AESKEYGENASSIST` steps (about 100 cycles), so expanding keys together hides
/// most of that latency. Returns `None`, doing nothing, when the CPU lacks VAES.
pub(super) fn expand_keys<const N: usize>(rpiks: &[[u8; 16]; N]) -> Option<[RoundKeys; N]> {
    if !available() {
        return None;
    }
    // SAFETY: `available()` checked at run time that the CPU has AES-NI.
    Some(unsafe { expand_keys_aes_ni(rpiks) })
}

/// Computes the RPIs of `output.len()` consecutive intervals from `start` under `keys` (from
/// [`expand_keys`], which checked the CPU): the `PaddedData` blocks are made in registers (the
/// template with the interval in its last 32-bit word), so nothing is written to memory but the
/// RPIs.
pub(super) fn rolling_proximity_identifiers(
    keys: &RoundKeys,
    start: IntervalNumber,
    output: &mut [[u8; 16]],
) {
    // SAFETY: a `RoundKeys` exists only from `expand_keys`, which checked at run time that the
    // CPU supports every target feature the function enables.
    unsafe { rpis_vaes(keys, start, output) };
}

#[target_feature(enable = "aes,avx2,vaes,sse4.1")]
unsafe fn rpis_vaes(keys: &RoundKeys, start: IntervalNumber, output: &mut [[u8; 16]]) {
    let wide: [__m256i; 11] = keys
        .0
        .map(|round_key| _mm256_broadcastsi128_si256(round_key));
    let template = IntervalNumber::new(0).padded_data();
    // SAFETY: the template is 16 readable bytes.
    let template = unsafe { _mm_loadu_si128(template.as_ptr().cast()) };
    // The interval is the little-endian last word of the block (wrapping like `u32`).
    let first = _mm_insert_epi32::<3>(template, start.value() as i32);
    let pair = _mm256_add_epi32(
        _mm256_broadcastsi128_si256(first),
        _mm256_set_epi32(1, 0, 0, 0, 0, 0, 0, 0),
    );
    let mut groups = output.chunks_exact_mut(2 * LANES);
    let mut at = 0;
    for group in groups.by_ref() {
        encrypt_group(&wide, pair, at, group);
        at += 2 * LANES;
    }
    let rest = groups.into_remainder();
    if !rest.is_empty() {
        // A last, shorter group: a whole group's work (the AES units are idle otherwise), of
        // which only the blocks asked for are kept.
        let mut last = [[0u8; 16]; 2 * LANES];
        encrypt_group(&wide, pair, at, &mut last);
        rest.copy_from_slice(&last[..rest.len()]);
    }
}

/// Encrypts the `2 * LANES` blocks `pair + at ..` (the interval word counting up) into `output`.
#[target_feature(enable = "avx2,vaes")]
#[inline]
fn encrypt_group(wide: &[__m256i; 11], pair: __m256i, at: usize, output: &mut [[u8; 16]]) {
    assert_eq!(output.len(), 2 * LANES);
    let mut state = [wide[0]; LANES];
    for (lane, state) in state.iter_mut().enumerate() {
        let offset = (at + 2 * lane) as i32;
        let blocks = _mm256_add_epi32(pair, _mm256_set_epi32(offset, 0, 0, 0, offset, 0, 0, 0));
        *state = _mm256_xor_si256(blocks, wide[0]);
    }
    for round_key in &wide[1..10] {
        state = round(state, *round_key);
    }
    for (lane, state) in state.iter().enumerate() {
        let last = _mm256_aesenclast_epi128(*state, wide[10]);
        // SAFETY: `output` has 2 * LANES blocks (asserted above), so blocks 2·lane and
        // 2·lane + 1 exist.
        unsafe { _mm256_storeu_si256(output.as_mut_ptr().add(2 * lane).cast(), last) };
    }
}

/// Registers of 2 blocks processed together: more than VAESENC's latency times its throughput
/// (4 cycles × 2 per cycle on AMD Zen 3), so the AES units never wait.
const LANES: usize = 12;

/// One AES round (`VAESENC`) of every register under `round_key`, issued round by round.
///
/// This is inline assembly rather than 12 intrinsic calls because LLVM's scheduler, short of
/// registers for 11 round keys and 12 states, reorders intrinsic code into one register's 10
/// rounds after another: dependent chains that ran at half the AES units' throughput. One asm
/// block per round keeps the 12 independent instructions together.
#[target_feature(enable = "avx2,vaes")]
#[inline]
fn round(state: [__m256i; LANES], round_key: __m256i) -> [__m256i; LANES] {
    let [
        mut s0,
        mut s1,
        mut s2,
        mut s3,
        mut s4,
        mut s5,
        mut s6,
        mut s7,
        mut s8,
        mut s9,
        mut s10,
        mut s11,
    ] = state;
    // SAFETY: VAESENC on registers only (no memory, stack or flags); the caller's target features
    // (checked at run time by `available()`) include VAES and AVX2.
    unsafe {
        std::arch::asm!(
            "vaesenc {s0}, {s0}, {k}",
            "vaesenc {s1}, {s1}, {k}",
            "vaesenc {s2}, {s2}, {k}",
            "vaesenc {s3}, {s3}, {k}",
            "vaesenc {s4}, {s4}, {k}",
            "vaesenc {s5}, {s5}, {k}",
            "vaesenc {s6}, {s6}, {k}",
            "vaesenc {s7}, {s7}, {k}",
            "vaesenc {s8}, {s8}, {k}",
            "vaesenc {s9}, {s9}, {k}",
            "vaesenc {s10}, {s10}, {k}",
            "vaesenc {s11}, {s11}, {k}",
            k = in(ymm_reg) round_key,
            s0 = inout(ymm_reg) s0,
            s1 = inout(ymm_reg) s1,
            s2 = inout(ymm_reg) s2,
            s3 = inout(ymm_reg) s3,
            s4 = inout(ymm_reg) s4,
            s5 = inout(ymm_reg) s5,
            s6 = inout(ymm_reg) s6,
            s7 = inout(ymm_reg) s7,
            s8 = inout(ymm_reg) s8,
            s9 = inout(ymm_reg) s9,
            s10 = inout(ymm_reg) s10,
            s11 = inout(ymm_reg) s11,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11]
}

/// The AES-128 key schedules (FIPS-197 §5.2) of `N` keys with AESKEYGENASSIST, one round of
/// every key after another so that the keys' chains overlap.
#[target_feature(enable = "aes,sse2")]
fn expand_keys_aes_ni<const N: usize>(keys: &[[u8; 16]; N]) -> [RoundKeys; N] {
    let mut round_key = keys.map(|key| {
        // SAFETY: `key` is 16 readable bytes.
        unsafe { _mm_loadu_si128(key.as_ptr().cast()) }
    });
    let mut schedules = round_key.map(|key| RoundKeys([key; 11]));
    macro_rules! next {
        ($index:literal, $rcon:literal) => {
            for (round_key, schedule) in round_key.iter_mut().zip(&mut schedules) {
                let key = *round_key;
                let assist = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>(key));
                let key = _mm_xor_si128(key, _mm_slli_si128::<4>(key));
                let key = _mm_xor_si128(key, _mm_slli_si128::<4>(key));
                let key = _mm_xor_si128(key, _mm_slli_si128::<4>(key));
                *round_key = _mm_xor_si128(key, assist);
                schedule.0[$index] = *round_key;
            }
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
    schedules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpis_made_in_registers_match_the_plain_derivation() {
        if !available() {
            eprintln!("skipped: this CPU has no VAES");
            return;
        }
        let rpik = crate::ids::RollingProximityIdentifierKey::from_bytes([0x5a; 16]);
        for start in [2_642_976, 0, u32::MAX - 20] {
            for length in [0, 1, 15, 16, 17, 31, 32, 33, 114, 143, 144] {
                let mut actual = vec![[0u8; 16]; length];
                // The key alone and among others (its schedule expanded alongside theirs).
                let [keys] = expand_keys(&[*rpik.as_bytes()]).expect("VAES checked above");
                let [_, among_others, _] =
                    expand_keys(&[[1; 16], *rpik.as_bytes(), [2; 16]]).expect("VAES checked above");
                let mut again = vec![[0u8; 16]; length];
                rolling_proximity_identifiers(&keys, IntervalNumber::new(start), &mut actual);
                rolling_proximity_identifiers(
                    &among_others,
                    IntervalNumber::new(start),
                    &mut again,
                );
                assert_eq!(actual, again);
                for (offset, rpi) in actual.iter().enumerate() {
                    let interval = IntervalNumber::new(start.wrapping_add(offset as u32));
                    assert_eq!(
                        rpi,
                        rpik.rolling_proximity_identifier(interval).as_bytes(),
                        "{start}+{offset}"
                    );
                }
            }
        }
    }
}
