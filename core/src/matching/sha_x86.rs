//! HKDF-SHA256 for several diagnosis keys at once with the x86 SHA extensions (SHA-NI).
//!
//! Why this is written by hand: each SHA-256 compression is a chain of 32 dependent
//! `SHA256RNDS2` instructions (latency 4 on AMD Zen 3, one per cycle of throughput), so a single
//! compression, which is what `sha2::block_api::compress256` offers, leaves the SHA unit waiting
//! most of the time. Matching derives one RPIK per diagnosis key with six compressions, so
//! [`rpiks`] runs four keys' HKDFs side by side entirely in registers: the digest of one
//! compression becomes the next one's message words by shuffles, never through memory; the two
//! HMAC pad blocks of HKDF-Expand (eight chains) go together; and the block that carries the info
//! string `"EN-RPIK" ‖ 0x01` is the same for every key, so its message schedule is a constant
//! computed at compile time. The rounds are inline assembly, one block per four rounds of all
//! lanes, so that the compiler cannot serialise the lanes (see `super::aes_x86` for that trap).
//! The algorithm is FIPS 180-4 in the standard SHA-NI formulation (state as ABEF/CDGH, message
//! schedule with `SHA256MSG1`/`SHA256MSG2`); it is tested against `sha2` and the generic HKDF.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi32,
    _mm_set_epi64x, _mm_set1_epi32, _mm_setzero_si128, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32,
    _mm_shuffle_epi8, _mm_shuffle_epi32, _mm_storeu_si128, _mm_xor_si128,
};

/// Whether this CPU has what [`rpiks`] needs.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse4.1")
        && std::arch::is_x86_feature_detected!("ssse3")
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

/// Keys (lanes) whose HKDFs run side by side: with the HMAC pads of HKDF-Expand together that
/// is eight independent chains, enough to keep `SHA256RNDS2` (latency 4) busy.
const LANES: usize = 4;

/// SHA-256's round constants, four to a vector (FIPS 180-4 §4.2.2).
const K: [[u32; 4]; 16] = [
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
];

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The message schedule plus round constants (`W[t] + K[t]`, four to a vector) of the second
/// block of HKDF-Expand's inner hash: `"EN-RPIK" ‖ 0x01`, SHA-256 padding, and the length of the
/// whole message, 64 + 8 bytes. The same for every key, so it is computed at compile time.
static EXPAND_INFO_SCHEDULE: Schedule = Schedule(schedule_plus_k([
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

/// 16 groups of four 32-bit words, aligned for SSE loads (`MOVDQA`, `PSHUFD` from memory).
#[repr(C, align(16))]
struct Schedule([[u32; 4]; 16]);

/// FIPS 180-4 §6.2.2 step 1 for a constant block, with the round constants added.
const fn schedule_plus_k(block: [u32; 16]) -> [[u32; 4]; 16] {
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
        out[t / 4][t % 4] = words[t].wrapping_add(K[t / 4][t % 4]);
        t += 1;
    }
    out
}

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
    let expand_inner = compress_constant(expand_inner, &EXPAND_INFO_SCHEDULE);
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

/// The round constants of rounds `4·group ..`.
#[target_feature(enable = "sse2")]
#[inline]
fn round_constants(group: usize) -> __m128i {
    // SAFETY: `K[group]` is 16 readable bytes.
    unsafe { _mm_loadu_si128(K[group].as_ptr().cast()) }
}

/// The next four message words from the sixteen before them (FIPS 180-4 §6.2.2 step 1).
#[target_feature(enable = "sha,sse2,ssse3")]
#[inline]
fn next_words(window: &Message) -> __m128i {
    let partial = _mm_sha256msg1_epu32(window[0], window[1]);
    let partial = _mm_add_epi32(partial, _mm_alignr_epi8::<4>(window[3], window[2]));
    _mm_sha256msg2_epu32(partial, window[3])
}

/// One compression of each lane, with the feed-forward. The message schedule is computed
/// first, into memory, so that the rounds keep only the states in registers.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
#[inline]
fn compress(states: [State; LANES], messages: [Message; LANES]) -> [State; LANES] {
    let mut schedule = [[_mm_setzero_si128(); LANES]; 16];
    let mut windows = messages;
    // Written out group by group (literal indices) so that the windows stay in registers.
    macro_rules! groups {
        ($($group:literal)*) => {$(
            let constants = round_constants($group);
            for (lane, window) in windows.iter_mut().enumerate() {
                let next = if $group < 4 {
                    window[$group % 4]
                } else {
                    let next = next_words(window);
                    *window = [window[1], window[2], window[3], next];
                    next
                };
                schedule[$group][lane] = _mm_add_epi32(next, constants);
            }
        )*};
    }
    groups!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let mut out = states;
    // SAFETY: `schedule` holds 16 groups of one vector per lane (`__m128i`, so aligned), as
    // `rounds_per_lane` reads.
    unsafe { rounds_per_lane(&mut out, schedule.as_ptr().cast()) };
    feed_forward(out, states)
}

/// One compression of each lane with the same constant block, given as its schedule plus round
/// constants.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
#[inline]
fn compress_constant(states: [State; LANES], schedule: &Schedule) -> [State; LANES] {
    let mut out = states;
    // SAFETY: `schedule` holds 16 aligned groups of one vector (shared by every lane), as
    // `rounds_shared` reads.
    unsafe { rounds_shared(&mut out, schedule.0.as_ptr().cast()) };
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

/// The 64 SHA-256 rounds of each lane, reading each lane's `W[t] + K[t]` for rounds `4·g ..` at
/// `words + 16·(4·g + lane)`.
///
/// Inline assembly so that the lanes' `SHA256RNDS2` stay interleaved in the order written and
/// the states stay in registers: with intrinsics LLVM scheduled one lane's dependent chain after
/// another and spilled states between rounds. `SHA256RNDS2` reads its message words from XMM0
/// implicitly, hence the loads into it.
///
/// # Safety
/// `words` must point to 64 readable 16-byte vectors aligned to 16 bytes, and the CPU must have
/// SHA-NI.
#[target_feature(enable = "sha,sse2")]
#[inline]
unsafe fn rounds_per_lane(states: &mut [State; LANES], words: *const __m128i) {
    let [s0, s1, s2, s3] = states;
    // SAFETY: the caller guarantees the reads and the CPU features; registers only otherwise.
    unsafe {
        std::arch::asm!(
            "movdqa xmm0, [{wk} + 0]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 16]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 32]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 48]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 0], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 16], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 32], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 48], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 64]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 80]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 96]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 112]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 64], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 80], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 96], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 112], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 128]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 144]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 160]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 176]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 128], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 144], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 160], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 176], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 192]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 208]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 224]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 240]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 192], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 208], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 224], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 240], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 256]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 272]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 288]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 304]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 256], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 272], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 288], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 304], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 320]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 336]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 352]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 368]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 320], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 336], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 352], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 368], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 384]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 400]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 416]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 432]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 384], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 400], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 416], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 432], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 448]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 464]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 480]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 496]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 448], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 464], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 480], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 496], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 512]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 528]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 544]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 560]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 512], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 528], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 544], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 560], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 576]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 592]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 608]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 624]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 576], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 592], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 608], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 624], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 640]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 656]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 672]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 688]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 640], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 656], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 672], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 688], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 704]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 720]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 736]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 752]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 704], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 720], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 736], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 752], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 768]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 784]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 800]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 816]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 768], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 784], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 800], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 816], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 832]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 848]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 864]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 880]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 832], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 848], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 864], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 880], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 896]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 912]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 928]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 944]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 896], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 912], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 928], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 944], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 960]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 976]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 992]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 1008]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 960], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 976], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 992], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 1008], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            wk = in(reg) words,
            // After two rounds the old ABEF is the new CDGH: the first instruction of a lane's
            // pair writes the new ABEF over CDGH, the second swaps them back.
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

/// [`rounds_per_lane`] with one vector per group shared by every lane, at `words + 16·g`.
///
/// # Safety
/// `words` must point to 16 readable 16-byte vectors aligned to 16 bytes, and the CPU must have
/// SHA-NI.
#[target_feature(enable = "sha,sse2")]
#[inline]
unsafe fn rounds_shared(states: &mut [State; LANES], words: *const __m128i) {
    let [s0, s1, s2, s3] = states;
    // SAFETY: the caller guarantees the reads and the CPU features; registers only otherwise.
    unsafe {
        std::arch::asm!(
            "movdqa xmm0, [{wk} + 0]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 0]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 0]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 0]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 0], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 0], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 0], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 0], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 16]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 16]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 16]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 16]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 16], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 16], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 16], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 16], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 32]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 32]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 32]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 32]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 32], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 32], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 32], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 32], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 48]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 48]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 48]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 48]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 48], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 48], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 48], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 48], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 64]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 64]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 64]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 64]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 64], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 64], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 64], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 64], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 80]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 80]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 80]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 80]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 80], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 80], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 80], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 80], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 96]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 96]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 96]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 96]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 96], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 96], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 96], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 96], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 112]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 112]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 112]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 112]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 112], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 112], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 112], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 112], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 128]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 128]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 128]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 128]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 128], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 128], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 128], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 128], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 144]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 144]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 144]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 144]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 144], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 144], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 144], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 144], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 160]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 160]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 160]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 160]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 160], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 160], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 160], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 160], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 176]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 176]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 176]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 176]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 176], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 176], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 176], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 176], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 192]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 192]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 192]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 192]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 192], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 192], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 192], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 192], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 208]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 208]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 208]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 208]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 208], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 208], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 208], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 208], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 224]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 224]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 224]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 224]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 224], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 224], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 224], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 224], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            "movdqa xmm0, [{wk} + 240]",
            "sha256rnds2 {c0}, {a0}, xmm0",
            "movdqa xmm0, [{wk} + 240]",
            "sha256rnds2 {c1}, {a1}, xmm0",
            "movdqa xmm0, [{wk} + 240]",
            "sha256rnds2 {c2}, {a2}, xmm0",
            "movdqa xmm0, [{wk} + 240]",
            "sha256rnds2 {c3}, {a3}, xmm0",
            "pshufd xmm0, [{wk} + 240], 0x0E",
            "sha256rnds2 {a0}, {c0}, xmm0",
            "pshufd xmm0, [{wk} + 240], 0x0E",
            "sha256rnds2 {a1}, {c1}, xmm0",
            "pshufd xmm0, [{wk} + 240], 0x0E",
            "sha256rnds2 {a2}, {c2}, xmm0",
            "pshufd xmm0, [{wk} + 240], 0x0E",
            "sha256rnds2 {a3}, {c3}, xmm0",
            wk = in(reg) words,
            // After two rounds the old ABEF is the new CDGH: the first instruction of a lane's
            // pair writes the new ABEF over CDGH, the second swaps them back.
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

/// One compression of one state (the test's view of [`compress_sets`]).
#[cfg(test)]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress_one(state: &mut [u32; 8], block: &[u8; 64]) {
    let byte_swap = byte_swap();
    let message: Message = std::array::from_fn(|group| {
        // SAFETY: the block has 64 bytes: four loads of 16.
        let bytes = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * group).cast()) };
        _mm_shuffle_epi8(bytes, byte_swap)
    });
    let [after, ..] = compress([load_state(state); LANES], [message; LANES]);
    let [low, high] = digest_words(after);
    // SAFETY: the state is 32 writable bytes: two stores of 16.
    unsafe {
        _mm_storeu_si128(state.as_mut_ptr().cast(), low);
        _mm_storeu_si128(state.as_mut_ptr().add(4).cast(), high);
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
    fn one_compression_matches_sha2_on_random_blocks() {
        if !available() {
            eprintln!("skipped: this CPU has no SHA extensions");
            return;
        }
        let mut seed = 0x0123_4567_89ab_cdefu64;
        for _ in 0..500 {
            let state: [u32; 8] = std::array::from_fn(|_| words(&mut seed));
            let block: [u8; 64] = std::array::from_fn(|_| words(&mut seed) as u8);
            let mut expected = state;
            sha2::block_api::compress256(&mut expected, &[block]);
            let mut actual = state;
            // SAFETY: `available()` checked the CPU above.
            unsafe { compress_one(&mut actual, &block) };
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
            let [after, ..] = compress_constant([load_state(&start); LANES], &EXPAND_INFO_SCHEDULE);
            let [low, high] = digest_words(after);
            let mut words = [0u32; 8];
            _mm_storeu_si128(words.as_mut_ptr().cast(), low);
            _mm_storeu_si128(words.as_mut_ptr().add(4).cast(), high);
            words
        };
        assert_eq!(actual, expected);
    }
}
