//! The `mimamori` binary, run as a user would run it, in one test binary (one link instead of
//! one per file): a module per area. `cargo test -p mimamori-cli --test main venue::` runs one.

// Test code may unwrap: a panic is a test failure. The helpers are `pub` for the other modules.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

mod against_server;
mod cli;
mod hear;
mod listing;
mod node;
mod phone_flow;
mod scan;
mod venue;
mod venue_register;
