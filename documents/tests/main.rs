//! The documents rendered with the real CJK font and checked with poppler (`pdftoppm`,
//! `pdftotext`, `pdfinfo`) and zbar (`zbarimg`), in one test binary: a module per document
//! family. `cargo test -p mimamori-documents --test main listing::` runs one.
//!
//! Needs Debian's fonts-noto-cjk, poppler-utils and zbar-tools (scripts/test installs them).

// Test code may unwrap: a panic is a test failure. The helpers are `pub` for the other modules.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod code_slip;
mod common;

mod listing;
mod render;
