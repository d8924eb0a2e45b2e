//! Mimamori's end-to-end flows in one test binary: a module per flow, on the harness of
//! `mimamori_end_to_end` (`src/lib.rs`). `cargo test -p mimamori-end-to-end --test main venues::`
//! runs one.

// Test code may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod exposure_flow;
mod radio_flow;
mod venues;
