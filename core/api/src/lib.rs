//! # Mimamori API
//!
//! Wire types shared by the phone, the CLI and the diagnosis server, versioned like
//! google/exposure-notifications-server's `pkg/api/v1`.
//!
//! Everything a phone sends to or reads from the diagnosis server is defined once here, so the
//! two sides cannot drift: the publish request and response (the exposure-notifications-server
//! v1 JSON shape), the verification-code and certificate exchange (the JSON of Google's
//! verification server), the HMAC that binds a certificate to the uploaded keys, and the two
//! listings of export files (`index.txt` and COCOA's `list.json`); and the venue API
//! ([`v1::venues`]: registration, posters, notice requests and decisions).
//!
//! Nothing here does I/O: the types are plain `serde` structs and parsers of bytes.
//!
//! ## Example
//!
//! What a phone reads from COCOA's `list.json`, and what it refuses:
//!
//! ```
//! use mimamori_api::v1::parse_export_list;
//!
//! let list = br#"[{"region": "440", "url": "/exports/440/1.zip", "created": 1609459200000}]"#;
//! let entries = parse_export_list(list)?;
//! assert_eq!(entries[0].region, "440");
//! assert_eq!(entries[0].created, 1_609_459_200_000);
//! assert!(parse_export_list(b"{\"not\": \"a list\"}").is_err());
//! # Ok::<(), mimamori_api::Error>(())
//! ```

#![warn(missing_docs)]

/// Implements `Debug` for a wire type showing only the fields named (`Type { field, ... }`):
/// the others may hold codes, keys, tokens or personal data, which are never printed.
macro_rules! debug_showing_only {
    ($type:ident { $($field:ident),* $(,)? }) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}

mod error;
pub mod v1;

pub use error::{Error, Result};
