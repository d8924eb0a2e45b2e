//! HKDF-SHA256 for several diagnosis keys at once with the x86 SHA extensions (SHA-NI).
//!
//! Why this is written by hand: each SHA-256 compression is a chain of 32 dependent
//! `SHA256RNDS2` instructions (latency 4 on AMD Zen 3, one per cycle of throughput), so a single
//! compression, which is what `sha2::block_api::compress256` offers, leaves the SHA unit waiting
//! most of the time. Matching derives one RPIK per diagnosis key with six compressions, so
//! [`rpiks`] runs four keys' HKDFs side by side with the states in registers: the digest of one
//! compression becomes the next one's message words by shuffles; and the block that carries the
//! info string `"EN-RPIK" ‖ 0x01` is the same for every key, so its message schedule is a
//! constant computed at compile time. Each compression is one inline-assembly block that
//! interleaves the four lanes' rounds with their message schedule, so that the compiler can
//! neither serialise the lanes (see `super::aes_x86` for that trap) nor put the whole schedule
//! before the first round.
//! The algorithm is FIPS 180-4 in the standard SHA-NI formulation (state as ABEF/CDGH, message
//! schedule with `SHA256MSG1`/`SHA256MSG2`); it is tested against `sha2` and the generic HKDF.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi32,
    _mm_set_epi64x, _mm_set1_epi32, _mm_setzero_si128, _mm_shuffle_epi8, _mm_shuffle_epi32,
    _mm_store_si128, _mm_storeu_si128, _mm_xor_si128,
};
use std::mem::MaybeUninit;

/// Whether this CPU has what [`rpiks`] needs.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse4.1")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("avx")
}

/// `HKDF-SHA256(IKM = tek, salt = none, info = "EN-RPIK", L = 16)` of each key, four at a time.
/// `extract_inner` and `extract_outer` are the SHA-256 states after the constant first blocks of
/// HKDF-Extract's HMAC (the all-zero salt ⊕ ipad and ⊕ opad). Returns `None`, doing nothing, when
/// the CPU lacks SHA-NI (the caller then uses `sha2`).
pub(super) fn rpiks<const N: usize>(
    teks: [&[u8; 16]; N],
    extract_inner: &[u32; 8],
    extract_outer: &[u32; 8],
) -> Option<[[u8; 16]; N]> {
    if !available() {
        return None;
    }
    let mut rpiks = [[0u8; 16]; N];
    for (outputs, teks) in rpiks.chunks_mut(LANES).zip(teks.chunks(LANES)) {
        // A short last chunk repeats its last key in the spare lanes (chunks are never empty).
        let lanes: [&[u8; 16]; LANES] = std::array::from_fn(|lane| teks[lane.min(teks.len() - 1)]);
        // SAFETY: `available()` checked at run time that the CPU has every feature the function
        // enables.
        let derived = unsafe { rpiks_sha_ni(lanes, extract_inner, extract_outer) };
        outputs.copy_from_slice(&derived[..outputs.len()]);
    }
    Some(rpiks)
}

/// Keys (lanes) whose HKDFs run side by side: four chains of `SHA256RNDS2` (latency 4), as many
/// as the sixteen XMM registers hold with a message schedule beside them.
const LANES: usize = 4;

/// SHA-256's round constants `K[t]`, four to a vector (FIPS 180-4 §4.2.2).
static K: Groups = Groups([
    [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5],
    [0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5],
    [0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3],
    [0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174],
    [0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc],
    [0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da],
    [0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7],
    [0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967],
    [0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13],
    [0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85],
    [0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3],
    [0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070],
    [0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5],
    [0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3],
    [0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208],
    [0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2],
]);

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A SHA-256 state in SHA-NI's register layout (words A, B, E, F and C, D, G, H).
#[derive(Clone, Copy)]
struct State {
    abef: __m128i,
    cdgh: __m128i,
}

/// Message words of one block, four to a vector, the first word in the lowest lane.
type Message = [__m128i; 4];

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn rpiks_sha_ni(
    teks: [&[u8; 16]; LANES],
    extract_inner: &[u32; 8],
    extract_outer: &[u32; 8],
) -> [[u8; 16]; LANES] {
    let byte_swap = byte_swap();
    let zero = _mm_setzero_si128();
    // Padding after a message that ends on a word boundary, and the closing length words.
    let end_mark = _mm_set_epi32(0, 0, 0, 0x8000_0000_u32 as i32);
    let length = |bytes: i32| _mm_set_epi32(bytes * 8, 0, 0, 0);
    let ipad = _mm_set1_epi32(0x3636_3636);
    let opad = _mm_set1_epi32(0x5c5c_5c5c);

    // HKDF-Extract: PRK = HMAC(zeros, TEK); its first blocks are the precomputed states.
    let teks = teks.map(|tek| {
        // SAFETY: a TEK is 16 readable bytes.
        _mm_shuffle_epi8(unsafe { _mm_loadu_si128(tek.as_ptr().cast()) }, byte_swap)
    });
    let inner = compress(
        [load_state(extract_inner); LANES],
        teks.map(|tek| [tek, end_mark, zero, length(64 + 16)]),
    );
    let prk = compress(
        [load_state(extract_outer); LANES],
        inner.map(|state| {
            let [low, high] = digest_words(state);
            [low, high, end_mark, length(64 + 32)]
        }),
    );
    // HKDF-Expand, T(1) = HMAC(PRK, "EN-RPIK" ‖ 0x01).
    let prk = prk.map(|state| digest_words(state));
    let expand_inner = compress(
        [load_state(&IV); LANES],
        prk.map(|[low, high]| {
            [
                _mm_xor_si128(low, ipad),
                _mm_xor_si128(high, ipad),
                ipad,
                ipad,
            ]
        }),
    );
    let expand_inner = compress_info(expand_inner);
    let expand_outer = compress(
        [load_state(&IV); LANES],
        prk.map(|[low, high]| {
            [
                _mm_xor_si128(low, opad),
                _mm_xor_si128(high, opad),
                opad,
                opad,
            ]
        }),
    );
    let rpik_states = compress(
        expand_outer,
        expand_inner.map(|state| {
            let [low, high] = digest_words(state);
            [low, high, end_mark, length(64 + 32)]
        }),
    );
    rpik_states.map(|state| {
        let [low, _] = digest_words(state);
        let mut rpik = [0u8; 16];
        // SAFETY: `rpik` is 16 writable bytes.
        unsafe { _mm_storeu_si128(rpik.as_mut_ptr().cast(), _mm_shuffle_epi8(low, byte_swap)) };
        rpik
    })
}

/// The `PSHUFB` mask that reverses the bytes of each 32-bit lane (SHA-256 words are big-endian).
#[target_feature(enable = "sse2")]
fn byte_swap() -> __m128i {
    _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203)
}

/// A state given as words A..H, in register layout.
#[target_feature(enable = "sse2,ssse3,sse4.1")]
#[inline]
fn load_state(words: &[u32; 8]) -> State {
    // SAFETY: `words` is 32 readable bytes: two loads of 16.
    let (abcd, efgh) = unsafe {
        (
            _mm_loadu_si128(words.as_ptr().cast()),
            _mm_loadu_si128(words.as_ptr().add(4).cast()),
        )
    };
    let cdab = _mm_shuffle_epi32::<0xB1>(abcd);
    let hgfe = _mm_shuffle_epi32::<0x1B>(efgh);
    State {
        abef: _mm_alignr_epi8::<8>(cdab, hgfe),
        cdgh: _mm_blend_epi16::<0xF0>(hgfe, cdab),
    }
}

/// A state's words A..D and E..H, the first in the lowest lane: the digest as message words.
#[target_feature(enable = "sse2,ssse3,sse4.1")]
#[inline]
fn digest_words(state: State) -> [__m128i; 2] {
    let feba = _mm_shuffle_epi32::<0x1B>(state.abef);
    let dchg = _mm_shuffle_epi32::<0xB1>(state.cdgh);
    [
        _mm_blend_epi16::<0xF0>(feba, dchg),
        _mm_alignr_epi8::<8>(dchg, feba),
    ]
}

/// One compression of each lane, with the feed-forward.
///
/// Never inlined: its rounds and schedule are some 700 instructions, and one copy of them stays
/// in the CPU's op cache where five inlined copies did not (measured: ~10 % faster).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
#[inline(never)]
fn compress(states: [State; LANES], messages: [Message; LANES]) -> [State; LANES] {
    // Only the block is written here; `rounds` writes the rest of the schedule before reading it.
    let mut schedule = MaybeUninit::<Schedule>::uninit();
    let words = schedule.as_mut_ptr().cast::<__m128i>();
    for (lane, message) in messages.iter().enumerate() {
        for (group, &vector) in message.iter().enumerate() {
            // SAFETY: lane `lane`'s group `group` of the schedule, aligned (`Schedule`'s layout).
            unsafe { _mm_store_si128(words.add(16 * lane + group), vector) };
        }
    }
    let mut out = states;
    // SAFETY: the first four groups of each lane hold its block, as `rounds` needs; `available()`
    // checked the CPU before any of this module's code ran.
    unsafe { rounds(&mut out, words) };
    feed_forward(out, states)
}

/// One compression of each lane with the block that carries the info string, whose schedule
/// is [`EXPAND_INFO_SCHEDULE`].
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
#[inline]
fn compress_info(states: [State; LANES]) -> [State; LANES] {
    let mut out = states;
    // SAFETY: `available()` checked the CPU before any of this module's code ran.
    unsafe { rounds_shared(&mut out) };
    feed_forward(out, states)
}

/// Adds the state before a compression to the state after it (FIPS 180-4 §6.2.2 step 4).
#[target_feature(enable = "sse2")]
#[inline]
fn feed_forward(after: [State; LANES], before: [State; LANES]) -> [State; LANES] {
    let mut out = after;
    for (out, before) in out.iter_mut().zip(before) {
        out.abef = _mm_add_epi32(out.abef, before.abef);
        out.cdgh = _mm_add_epi32(out.cdgh, before.cdgh);
    }
    out
}

/// Each lane's message schedule `W[t]`, four words to a group: lane `l`'s group `g` is the
/// 16 bytes at `256·l + 16·g`. Aligned, as SSE instructions with memory operands need.
#[repr(C, align(16))]
struct Schedule([[__m128i; 16]; LANES]);

/// 64 words, four to a group, aligned for SSE memory operands.
#[repr(C, align(16))]
struct Groups([[u32; 4]; 16]);

/// The message schedule `W[t]` of the second block of HKDF-Expand's inner hash: the info string
/// `"EN-RPIK" ‖ 0x01`, SHA-256 padding, and the length of the whole message, 64 + 8 bytes. The
/// same for every key, so it is computed at compile time.
static EXPAND_INFO_SCHEDULE: Groups = Groups(schedule([
    u32::from_be_bytes(*b"EN-R"),
    u32::from_be_bytes([b'P', b'I', b'K', 0x01]),
    0x8000_0000,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    (64 + 8) * 8,
]));

/// FIPS 180-4 §6.2.2 step 1 for a constant block.
const fn schedule(block: [u32; 16]) -> [[u32; 4]; 16] {
    let mut words = [0u32; 64];
    let mut t = 0;
    while t < 64 {
        words[t] = if t < 16 {
            block[t]
        } else {
            let (w2, w15) = (words[t - 2], words[t - 15]);
            let sigma1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
            let sigma0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
            sigma1
                .wrapping_add(words[t - 7])
                .wrapping_add(sigma0)
                .wrapping_add(words[t - 16])
        };
        t += 1;
    }
    let mut out = [[0u32; 4]; 16];
    let mut t = 0;
    while t < 64 {
        out[t / 4][t % 4] = words[t];
        t += 1;
    }
    out
}

/// The memory operand of lane `lane`'s message group `group` (an expression the assembler
/// evaluates), the lanes `stride` bytes apart: 256 for a [`Schedule`], 0 for one schedule that
/// all lanes share.
#[rustfmt::skip]
macro_rules! message_group {
    ($stride:literal, $lane:literal, $group:tt) => {
        concat!("[{w} + ", $stride, "*", $lane, " + 16*(", stringify!($group), ")]")
    };
}

/// The assembly of round group `g` (rounds `4·g .. 4·g + 4`) of one lane: `W + K` into XMM0,
/// two `SHA256RNDS2`, after which the old ABEF is the new CDGH: the first of the pair writes
/// the new ABEF over CDGH, the second swaps them back.
#[rustfmt::skip]
macro_rules! lane_rounds {
    ($stride:literal, $g:literal, $lane:literal) => {
        concat!(
            "movdqa xmm0, ", message_group!($stride, $lane, $g), "\n",
            "paddd xmm0, [{k} + 16*", $g, "]\n",
            "sha256rnds2 {c", $lane, "}, {a", $lane, "}, xmm0\n",
            "pshufd xmm0, xmm0, 0x0E\n",
            "sha256rnds2 {a", $lane, "}, {c", $lane, "}, xmm0\n",
        )
    };
}

/// The assembly that computes one lane's message group `h` from the four before it (FIPS
/// 180-4 §6.2.2 step 1) and stores it; register `{l<lane>}` holds group `h - 1` and then `h`.
/// `VPALIGNR` (AVX, three operands) saves the copy that `PALIGNR` would need; a VEX-128
/// instruction zeroes the upper halves, so mixing it with the legacy SSE of SHA-NI costs nothing.
#[rustfmt::skip]
macro_rules! lane_schedule {
    ($h:tt, $lane:literal) => {
        concat!(
            "movdqa {t}, ", message_group!(256, $lane, ($h - 4)), "\n",
            "sha256msg1 {t}, ", message_group!(256, $lane, ($h - 3)), "\n",
            "vpalignr {u}, {l", $lane, "}, ", message_group!(256, $lane, ($h - 2)), ", 4\n",
            "paddd {t}, {u}\n",
            "sha256msg2 {t}, {l", $lane, "}\n",
            "movdqa {l", $lane, "}, {t}\n",
            "movdqa ", message_group!(256, $lane, $h), ", {t}\n",
        )
    };
}

/// The assembly of round group `g` of every lane, the lanes `stride` bytes apart; `ahead`: each
/// lane's rounds followed by its message group `g + 4`, so that the schedule runs four groups
/// ahead of the rounds.
macro_rules! round_group {
    ($stride:literal, $g:literal) => {
        concat!(
            lane_rounds!($stride, $g, 0),
            lane_rounds!($stride, $g, 1),
            lane_rounds!($stride, $g, 2),
            lane_rounds!($stride, $g, 3),
        )
    };
    (ahead $g:literal) => {
        concat!(
            lane_rounds!(256, $g, 0),
            lane_schedule!(($g + 4), 0),
            lane_rounds!(256, $g, 1),
            lane_schedule!(($g + 4), 1),
            lane_rounds!(256, $g, 2),
            lane_schedule!(($g + 4), 2),
            lane_rounds!(256, $g, 3),
            lane_schedule!(($g + 4), 3),
        )
    };
}

/// The 64 SHA-256 rounds of each lane, with the message schedule computed between them.
///
/// Inline assembly so that the lanes' `SHA256RNDS2` stay interleaved in the order written, the
/// states stay in registers, and the schedule runs beside the rounds: with intrinsics LLVM
/// scheduled one lane's dependent chain after another, spilled states, and computed the whole
/// schedule first, so that a compression whose block is the digest of the one before could
/// start its rounds only after all of its schedule. `SHA256RNDS2` reads its message words from
/// XMM0 implicitly, hence the loads into it.
///
/// # Safety
/// `schedule` must point to a [`Schedule`] whose first four groups of each lane hold its block;
/// the CPU must have SHA-NI and AVX.
#[target_feature(enable = "sha,sse2,ssse3")]
#[inline]
unsafe fn rounds(states: &mut [State; LANES], schedule: *mut __m128i) {
    let [s0, s1, s2, s3] = states;
    // SAFETY: the caller guarantees the CPU features and the schedule; the memory operands stay
    // inside it (4 lanes of 256 bytes) and `K` (256 bytes), both aligned.
    unsafe {
        std::arch::asm!(
            "movdqa {l0}, [{w} + 48]",
            "movdqa {l1}, [{w} + 256 + 48]",
            "movdqa {l2}, [{w} + 512 + 48]",
            "movdqa {l3}, [{w} + 768 + 48]",
            round_group!(ahead 0),
            round_group!(ahead 1),
            round_group!(ahead 2),
            round_group!(ahead 3),
            round_group!(ahead 4),
            round_group!(ahead 5),
            round_group!(ahead 6),
            round_group!(ahead 7),
            round_group!(ahead 8),
            round_group!(ahead 9),
            round_group!(ahead 10),
            round_group!(ahead 11),
            round_group!(256, 12),
            round_group!(256, 13),
            round_group!(256, 14),
            round_group!(256, 15),
            w = in(reg) schedule,
            k = in(reg) K.0.as_ptr(),
            a0 = inout(xmm_reg) s0.abef,
            c0 = inout(xmm_reg) s0.cdgh,
            a1 = inout(xmm_reg) s1.abef,
            c1 = inout(xmm_reg) s1.cdgh,
            a2 = inout(xmm_reg) s2.abef,
            c2 = inout(xmm_reg) s2.cdgh,
            a3 = inout(xmm_reg) s3.abef,
            c3 = inout(xmm_reg) s3.cdgh,
            l0 = out(xmm_reg) _,
            l1 = out(xmm_reg) _,
            l2 = out(xmm_reg) _,
            l3 = out(xmm_reg) _,
            t = out(xmm_reg) _,
            u = out(xmm_reg) _,
            out("xmm0") _,
            options(nostack, preserves_flags),
        );
    }
}

/// The 64 SHA-256 rounds of each lane with [`EXPAND_INFO_SCHEDULE`], as [`rounds`] does them.
///
/// # Safety
/// The CPU must have SHA-NI.
#[target_feature(enable = "sha,sse2")]
#[inline]
unsafe fn rounds_shared(states: &mut [State; LANES]) {
    let [s0, s1, s2, s3] = states;
    // SAFETY: the caller guarantees the CPU features; the memory operands stay inside the two
    // aligned statics of 256 bytes.
    unsafe {
        std::arch::asm!(
            round_group!(0, 0),
            round_group!(0, 1),
            round_group!(0, 2),
            round_group!(0, 3),
            round_group!(0, 4),
            round_group!(0, 5),
            round_group!(0, 6),
            round_group!(0, 7),
            round_group!(0, 8),
            round_group!(0, 9),
            round_group!(0, 10),
            round_group!(0, 11),
            round_group!(0, 12),
            round_group!(0, 13),
            round_group!(0, 14),
            round_group!(0, 15),
            w = in(reg) EXPAND_INFO_SCHEDULE.0.as_ptr(),
            k = in(reg) K.0.as_ptr(),
            a0 = inout(xmm_reg) s0.abef,
            c0 = inout(xmm_reg) s0.cdgh,
            a1 = inout(xmm_reg) s1.abef,
            c1 = inout(xmm_reg) s1.cdgh,
            a2 = inout(xmm_reg) s2.abef,
            c2 = inout(xmm_reg) s2.cdgh,
            a3 = inout(xmm_reg) s3.abef,
            c3 = inout(xmm_reg) s3.cdgh,
            out("xmm0") _,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
}

/// One compression of each lane's state with its own block (the test's view of [`compress`]).
#[cfg(test)]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress_lanes(states: &mut [[u32; 8]; LANES], blocks: &[[u8; 64]; LANES]) {
    let byte_swap = byte_swap();
    let messages: [Message; LANES] = std::array::from_fn(|lane| {
        std::array::from_fn(|group| {
            // SAFETY: a block has 64 bytes: four loads of 16.
            let bytes = unsafe { _mm_loadu_si128(blocks[lane].as_ptr().add(16 * group).cast()) };
            _mm_shuffle_epi8(bytes, byte_swap)
        })
    });
    let after = compress(states.map(|state| load_state(&state)), messages);
    for (state, after) in states.iter_mut().zip(after) {
        let [low, high] = digest_words(after);
        // SAFETY: a state is 32 writable bytes: two stores of 16.
        unsafe {
            _mm_storeu_si128(state.as_mut_ptr().cast(), low);
            _mm_storeu_si128(state.as_mut_ptr().add(4).cast(), high);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of pseudo-random words (a 64-bit LCG).
    fn words(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 24) as u32
    }

    #[test]
    fn each_lane_compression_matches_sha2_on_random_blocks() {
        // Every lane has its own state and block, so a lane that read another's words or
        // state would fail.
        if !available() {
            eprintln!("skipped: this CPU has no SHA extensions");
            return;
        }
        let mut seed = 0x0123_4567_89ab_cdefu64;
        for _ in 0..500 {
            let states: [[u32; 8]; LANES] =
                std::array::from_fn(|_| std::array::from_fn(|_| words(&mut seed)));
            let blocks: [[u8; 64]; LANES] =
                std::array::from_fn(|_| std::array::from_fn(|_| words(&mut seed) as u8));
            let mut expected = states;
            for (state, block) in expected.iter_mut().zip(&blocks) {
                sha2::block_api::compress256(state, &[*block]);
            }
            let mut actual = states;
            // SAFETY: `available()` checked the CPU above.
            unsafe { compress_lanes(&mut actual, &blocks) };
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn the_constant_schedule_is_that_of_the_info_block() {
        // Compressing the info block the ordinary way gives the same state as the constant
        // schedule does.
        if !available() {
            eprintln!("skipped: this CPU has no SHA extensions");
            return;
        }
        let mut block = [0u8; 64];
        block[..8].copy_from_slice(b"EN-RPIK\x01");
        block[8] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 8) * 8).to_be_bytes());
        let mut seed = 7u64;
        let start: [u32; 8] = std::array::from_fn(|_| words(&mut seed));
        let mut expected = start;
        sha2::block_api::compress256(&mut expected, &[block]);
        // SAFETY: `available()` checked the CPU above.
        let actual = unsafe {
            let [after, ..] = compress_info([load_state(&start); LANES]);
            let [low, high] = digest_words(after);
            let mut words = [0u32; 8];
            _mm_storeu_si128(words.as_mut_ptr().cast(), low);
            _mm_storeu_si128(words.as_mut_ptr().add(4).cast(), high);
            words
        };
        assert_eq!(actual, expected);
    }
}
