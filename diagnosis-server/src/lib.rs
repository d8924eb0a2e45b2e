//! # Mimamori diagnosis server
//!
//! The health authority's server: staff issue one-time verification codes, residents' phones
//! trade a code for a certificate and upload their keys, and the export worker publishes the keys
//! as signed GAEN export files that every phone downloads and matches locally.
//!
//! - One command on one machine: SQLite and local files in a data directory, created on first
//!   start together with the export signing key ([`server`], [`keys`]).
//! - National scale: PostgreSQL for several instances ([`storage::PostgresStorage`]) and an
//!   S3-compatible bucket behind a CDN for the files ([`blobs::ObjectBlobStore`]).
//! - Wire types are those of [`mimamori_api::v1`], shared with the phone.
//!
//! | module | concern |
//! |--------|---------|
//! | [`config`] | configuration |
//! | [`server`] | start, stop, the export worker loop |
//! | [`connections`] | accepting connections: read timeouts, idle timeout, connection cap |
//! | [`routes`] | HTTP: phone API, authority API, export files |
//! | [`service`] | the operations behind the routes (also for the staff portal) |
//! | [`publish`] | validation rules of uploads |
//! | [`ratelimit`] | per-client rate limits on every secret check, client ids |
//! | [`tokens`] | ES256 verification tokens and certificates |
//! | [`export`] | batches, padding, signing, listings, retention |
//! | [`storage`] | the database trait, SQLite and PostgreSQL |
//! | [`blobs`] | the file store trait, local directory and S3 |
//! | [`keys`] | signing keys and secrets in the data directory, rotation |
//! | [`private_files`] | 0700 directories, 0600 files written atomically, secrets loaded or made |
//! | [`openapi`] | the OpenAPI document |
//! | [`portal`] | the staff portal (server-rendered HTML), the staff session extractors |
//! | [`pages`] | the one layout of every server-rendered page |
//! | [`venues`] | venue registration, QR posters, sealed records, notice requests, the signed notice feed |
//! | [`checkin_page`] | the residents' check-in web app at `/v/` (static files embedded from `web/v/`) |
//! | [`bench`] | publish throughput, export time, memory and latency under a login attack |
//!
//! ## Example
//!
//! ```no_run
//! use mimamori_diagnosis_server::{Config, Server};
//!
//! # async fn example() -> Result<(), mimamori_diagnosis_server::Error> {
//! let mut config = Config::new("/tmp/mimamori-data");
//! config.listen = "127.0.0.1:0".parse().unwrap();
//! config.export_worker = false;
//! let server = Server::start(config).await?;
//! let api_key = server.create_api_key("staff").await?;
//! // POST /api/v1/authority/codes with X-API-Key: api_key, ...
//! let outcome = server.run_export().await?;
//! println!("{} files", outcome.files.len());
//! server.shutdown().await?;
//! # Ok(())
//! # }
//! ```

mod answers;
pub mod bench;
pub mod blobs;
pub mod checkin_page;
pub mod config;
pub mod connections;
mod error;
pub mod export;
pub mod first_run;
pub mod keys;
pub mod listing_page;
pub mod openapi;
pub mod pages;
pub mod portal;
pub mod private_files;
pub mod publish;
pub mod ratelimit;
pub mod routes;
pub mod server;
pub mod service;
pub mod staff_time;
pub mod storage;
pub mod tokens;
pub mod venues;

pub use config::Config;
pub use error::{Error, Result};
pub use server::{RunningServer, Server, run};
