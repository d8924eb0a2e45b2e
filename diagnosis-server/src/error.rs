//! The one error type of the diagnosis server.

use std::path::PathBuf;

/// Everything that can go wrong running the diagnosis server.
///
/// Messages say what was wrong and what to do; they never contain codes, keys, tokens or
/// addresses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is not usable.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A file in the data directory could not be read or written.
    #[error("cannot use {path}: {cause}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },

    /// The database failed.
    #[error("database error: {0}; check that the database is reachable and not full")]
    Database(String),

    /// The blob store (local directory or S3-compatible bucket) failed.
    #[error("blob store error: {0}; check the export storage location and its credentials")]
    Blob(String),

    /// A signing key in the data directory is damaged.
    #[error("signing key problem: {0}")]
    SigningKey(String),

    /// A GAEN rule refused something (keys, export files).
    #[error(transparent)]
    Gaen(#[from] mimamori_gaen::Error),

    /// A venue rule refused something (QR payloads, sealed records, notices).
    #[error(transparent)]
    Venue(#[from] mimamori_venue::Error),

    /// A wire message was malformed.
    #[error(transparent)]
    Api(#[from] mimamori_api::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            cause,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<object_store::Error> for Error {
    fn from(error: object_store::Error) -> Self {
        Self::Blob(error.to_string())
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
