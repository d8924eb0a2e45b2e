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
