//! The diagnosis server's integration tests, in one test binary (one link instead of one per
//! file): a module per area. `cargo test -p mimamori-diagnosis-server --test main portal::` runs
//! one area.
//!
//! Environment: `MIMAMORI_TEST_POSTGRES_URL` runs the PostgreSQL suites (`storage`, `portal`,
//! `instances`), `MIMAMORI_TEST_S3_ENDPOINT` the S3 test (`s3`); Chromium and chromedriver on
//! the PATH run the browser tests (`portal_browser`, `portal_browser_day`, `venues_browser`,
//! `checkin_browser`, `checkin_flow`).
//! Without them those tests print a note and pass, unless `MIMAMORI_REQUIRE_POSTGRES=1`, `MIMAMORI_REQUIRE_S3=1` or
//! `MIMAMORI_REQUIRE_BROWSER=1` (CI), which make them fail instead. Node on the PATH (or
//! `MIMAMORI_NODE`) runs the cross-test of the check-in page's JavaScript with the server
//! (`venues`); without it that test passes with a note unless `MIMAMORI_REQUIRE_NODE=1`.

// Test code may unwrap: a panic is a test failure. The helpers are `pub` for the other modules.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

mod checkin_browser;
mod checkin_flow;
mod cli;
mod export_failure;
mod http;
mod instances;
mod kill9;
mod limits;
mod listing_page;
mod openapi;
mod portal;
mod portal_browser;
mod portal_browser_day;
mod portal_day;
mod robust;
mod s3;
mod storage;
mod venues;
mod venues_browser;
