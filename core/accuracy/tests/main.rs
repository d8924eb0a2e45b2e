//! The accuracy crate's integration tests: one binary, a module per area.

// Test code may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod dp3t;
mod known_answers;
mod mitll;
mod report;
mod simulation;
mod tuning;
