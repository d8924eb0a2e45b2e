//! The server's configuration: what `main.rs` builds from flags and environment variables, and
//! what tests build directly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::connections::ConnectionLimits;
use crate::ratelimit::{IpNetwork, RateLimits};
use crate::{Error, Result};

/// Default export period: one batch an hour.
pub const DEFAULT_EXPORT_PERIOD: Duration = Duration::from_secs(3600);

/// How long keys and export files are kept: 14 days (GAEN's key retention).
pub const RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);

/// Fewest keys in a non-empty export batch; random keys fill it up (Google's server: 1,000).
pub const DEFAULT_MIN_EXPORT_KEYS: usize = 1000;

/// Upper bound of the random number of extra padding keys added to the minimum (0..=100).
pub const EXPORT_PADDING_JITTER: usize = 100;

/// Where the database lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file (the default: `<data dir>/diagnosis.sqlite3`).
    Sqlite(PathBuf),
    /// A PostgreSQL database, for several server instances (`postgres://user:pw@host/db`).
    Postgres(String),
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            // The URL may carry a password.
            Self::Postgres(_) => f.write_str("Postgres(<redacted>)"),
        }
    }
}

impl DatabaseConfig {
    /// Parses `sqlite://<path>` or `postgres://...` / `postgresql://...`.
    pub fn parse(url: &str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::Config("sqlite:// needs a file path".into()));
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(Error::Config(
                "the database URL must start with sqlite:// or postgres://".into(),
            ))
        }
    }
}

/// Where export files are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobConfig {
    /// A local directory (the default: `<data dir>/exports-store`).
    Local(PathBuf),
    /// An S3-compatible bucket; a CDN serves it to phones.
    S3 {
        /// The bucket name.
        bucket: String,
        /// The endpoint URL for S3-compatible stores other than AWS (MinIO, moto, ...).
        endpoint: Option<String>,
        /// The region of the bucket.
        region: String,
    },
}

impl BlobConfig {
    /// Parses `file://<dir>` or `s3://<bucket>`.
    pub fn parse(url: &str, endpoint: Option<String>, region: Option<String>) -> Result<Self> {
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err(Error::Config("file:// needs a directory".into()));
            }
            Ok(Self::Local(PathBuf::from(path)))
        } else if let Some(bucket) = url.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(Error::Config("s3:// needs just a bucket name".into()));
            }
            Ok(Self::S3 {
                bucket: bucket.to_owned(),
                endpoint,
                region: region.unwrap_or_else(|| "us-east-1".to_owned()),
            })
        } else {
            Err(Error::Config(
                "the blob store URL must start with file:// or s3://".into(),
            ))
        }
    }
}

/// Everything the server needs to run.
///
/// `Debug` leaves out the bootstrap API key and the database password.
#[derive(Clone)]
pub struct Config {
    /// Directory for the SQLite database, signing keys and (by default) export files.
    pub data_dir: PathBuf,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Region of the export files (e.g. `JP` or COCOA's `440`).
    pub region: String,
    /// The health authority id phones put in `healthAuthorityID` (the certificate audience).
    pub health_authority_id: String,
    /// The database; `None` means SQLite in the data directory.
    pub database: Option<DatabaseConfig>,
    /// The export file store; `None` means a directory in the data directory.
    pub blobs: Option<BlobConfig>,
    /// The public base URL of the export files, for `list.json` (e.g. a CDN). Without it the
    /// URLs in `list.json` are paths relative to the server root.
    pub public_base_url: Option<String>,
    /// How often the export worker makes a batch.
    pub export_period: Duration,
    /// Whether the export worker runs periodically (off in tests that trigger exports).
    pub export_worker: bool,
    /// Fewest keys in a non-empty export batch (random keys fill it up).
    pub min_export_keys: usize,
    /// An API key created at start for the authority API (named `bootstrap`), if given.
    pub bootstrap_api_key: Option<String>,
    /// A file of API keys to create at start, one `name:key` a line.
    pub api_keys_file: Option<PathBuf>,
    /// Id of the export signing key (`verification_key_id`, e.g. a mobile country code).
    pub signing_key_id: String,
    /// The address residents and venue operators reach this server at, `https://<host>` or
    /// `https://<host>:<port>` (no path): venue QR codes open `<public URL>/v/#...` and leaflets
    /// print its notice-request page. `None`: the host of `public_base_url`, else `localhost`,
    /// which no phone can open (a warning is logged at start; see [`Config::venue_qr_host`]).
    pub public_url: Option<String>,
    /// The `https://` origin of the residents' check-in page when another host serves its files
    /// (docs/checkin-static-host.md): the venue keys and the notice feed then carry
    /// `Access-Control-Allow-Origin` for it. `None`: the page is on this server's origin, and
    /// no CORS header is sent.
    pub check_in_origin: Option<String>,
    /// The authority's name on venue posters and in notices.
    pub venue_authority_name: String,
    /// The authority's phone for questions about venue check-in (leaflet).
    pub venue_authority_phone: String,
    /// The consultation centre's phone (leaflet).
    pub venue_consultation_phone: String,
    /// The time zone of the days and times staff see and type ([`crate::staff_time`]):
    /// `Asia/Tokyo` unless configured.
    pub staff_time_zone: crate::staff_time::StaffZone,
    /// Timeouts and the cap on client connections.
    pub connection_limits: ConnectionLimits,
    /// Directory of the export signing keys, the token signing key and the code secret;
    /// `None` means `<data dir>/keys`. Put it outside the data directory so that a copy of the
    /// data directory holds no secret.
    pub keys_dir: Option<PathBuf>,
    /// Directory of the venue signing key and the venue sealing key; `None` means
    /// [`Config::keys_dir`]. The sealing key opens every sealed venue record: keep it out of
    /// backups of the database.
    pub venue_keys_dir: Option<PathBuf>,
    /// Lease of an export batch claim (at least 1 s): renewed every third of it while a run
    /// works; a claim not renewed for this long (its process died) is taken over.
    pub export_lease: Duration,
    /// Tests only: how long an export run waits after claiming its batch, so that a test can
    /// kill the process while it holds the claim.
    #[doc(hidden)]
    pub export_pause_after_claim: Option<Duration>,
    /// Proxies (addresses or CIDR networks) whose `X-Forwarded-For` names the client; from
    /// any other peer the header is ignored. Empty by default.
    pub trusted_proxies: Vec<IpNetwork>,
    /// Per-client rate limits, the server-wide failed verification budget and the login
    /// hashing pool ([`crate::ratelimit`]).
    pub rate_limits: RateLimits,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("region", &self.region)
            .field("health_authority_id", &self.health_authority_id)
            .field("database", &self.database)
            .field("blobs", &self.blobs)
            .field("public_base_url", &self.public_base_url)
            .field("export_period", &self.export_period)
            .field("export_worker", &self.export_worker)
            .field("min_export_keys", &self.min_export_keys)
            .field(
                "bootstrap_api_key",
                &self.bootstrap_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("api_keys_file", &self.api_keys_file)
            .field("signing_key_id", &self.signing_key_id)
            .field("public_url", &self.public_url)
            .field("staff_time_zone", &self.staff_time_zone.name())
            .field("check_in_origin", &self.check_in_origin)
            .field("connection_limits", &self.connection_limits)
            .field("keys_dir", &self.keys_dir)
            .field("venue_keys_dir", &self.venue_keys_dir)
            .field("export_lease", &self.export_lease)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("rate_limits", &self.rate_limits)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults for a data directory: listen on 127.0.0.1:8080, region `JP`, SQLite, local
    /// files, hourly exports.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            region: "JP".into(),
            health_authority_id: "JP.mimamori".into(),
            database: None,
            blobs: None,
            public_base_url: None,
            export_period: DEFAULT_EXPORT_PERIOD,
            export_worker: true,
            min_export_keys: DEFAULT_MIN_EXPORT_KEYS,
            bootstrap_api_key: None,
            api_keys_file: None,
            signing_key_id: "440".into(),
            public_url: None,
            check_in_origin: None,
            venue_authority_name: "保健所 Public health centre".into(),
            venue_authority_phone: "0000-00-0000".into(),
            venue_consultation_phone: "0000-00-0000".into(),
            staff_time_zone: crate::staff_time::StaffZone::default(),
            connection_limits: ConnectionLimits::default(),
            keys_dir: None,
            venue_keys_dir: None,
            export_lease: Duration::from_secs(crate::export::BATCH_LEASE_SECONDS.unsigned_abs()),
            export_pause_after_claim: None,
            trusted_proxies: Vec::new(),
            rate_limits: RateLimits::default(),
        }
    }

    /// The host (with its port, if any) that venue QR codes point to: that of
    /// [`Config::public_url`], else the host of [`Config::public_base_url`], else `localhost`.
    pub fn venue_qr_host(&self) -> String {
        if let Some(host) = self
            .public_url
            .as_deref()
            .and_then(|url| public_url_host(url).ok())
        {
            return host;
        }
        self.public_base_url
            .as_deref()
            .and_then(|url| url.split_once("://").map(|(_, rest)| rest))
            .map(|rest| rest.split(['/', ':']).next().unwrap_or("").to_owned())
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    }

    /// The database to use.
    pub fn database(&self) -> DatabaseConfig {
        self.database
            .clone()
            .unwrap_or_else(|| DatabaseConfig::Sqlite(self.data_dir.join("diagnosis.sqlite3")))
    }

    /// The directory of the export and token signing keys and the code secret.
    pub fn keys_dir(&self) -> PathBuf {
        self.keys_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys"))
    }

    /// The directory of the venue signing and sealing keys.
    pub fn venue_keys_dir(&self) -> PathBuf {
        self.venue_keys_dir
            .clone()
            .unwrap_or_else(|| self.keys_dir())
    }

    /// The blob store to use.
    pub fn blobs(&self) -> BlobConfig {
        self.blobs
            .clone()
            .unwrap_or_else(|| BlobConfig::Local(self.data_dir.join("exports-store")))
    }

    /// Checks values that cannot be used.
    pub fn validate(&self) -> Result<()> {
        let region_ok = !self.region.is_empty()
            && self.region.len() <= 32
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !region_ok {
            return Err(Error::Config(
                "the region must be 1 to 32 letters, digits, '-' or '_'".into(),
            ));
        }
        if self.export_period < Duration::from_secs(1) {
            return Err(Error::Config(
                "the export period must be at least 1 s".into(),
            ));
        }
        if self.export_lease < Duration::from_secs(1) {
            return Err(Error::Config(
                "the export lease must be at least 1 s".into(),
            ));
        }
        let limits = &self.connection_limits;
        if limits.max_connections == 0
            || limits.header_read_timeout.is_zero()
            || limits.body_read_timeout.is_zero()
        {
            return Err(Error::Config(
                "the connection cap and the read timeouts must be above zero".into(),
            ));
        }
        if let Some(url) = &self.public_url {
            public_url_host(url)?;
        }
        if let Some(origin) = &self.check_in_origin {
            check_in_origin(origin)?;
        }
        if self.health_authority_id.is_empty() {
            return Err(Error::Config(
                "the health authority id must not be empty".into(),
            ));
        }
        self.rate_limits.validate()
    }
}

/// The check-in page's origin as browsers send it (`https://<host>[:<port>]`, host in lower
/// case, no trailing slash), or why `origin` is not one.
pub fn check_in_origin(origin: &str) -> Result<String> {
    public_url_host(origin)
        .map(|host| format!("https://{host}"))
        .map_err(|_| {
            Error::Config(
                "the check-in page's origin must be https:// and a host name with an optional \
                 :port and no path, e.g. --check-in-origin https://checkin.example.jp"
                    .into(),
            )
        })
}

/// The host (and port, if any) of a public URL `https://<host>[:<port>][/]`, or why it is not
/// one. A QR code names its host after `https://` and before `/v/`, so the URL may carry no
/// path, query, fragment or user name.
pub fn public_url_host(url: &str) -> Result<String> {
    let rest = url.trim().strip_prefix("https://").ok_or_else(|| {
        Error::Config(
            "the public URL must start with https:// (phones open venue QR codes only over \
             HTTPS), e.g. --public-url https://venues.example.jp"
                .into(),
        )
    })?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
    if host.is_empty() || host.len() > 253 || !host.chars().all(allowed) {
        return Err(Error::Config(
            "the public URL must be https:// and a host name with an optional :port and no \
             path, e.g. https://venues.example.jp"
                .into(),
        ));
    }
    Ok(host.to_ascii_lowercase())
}

/// Whether QR codes pointing to `host` (as [`Config::venue_qr_host`] gives it) open only on the
/// machine that printed them: `localhost`, a `*.localhost` name or a loopback address, with or
/// without a port.
pub fn is_local_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|address| address.is_loopback() || address.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_to_backends() {
        assert_eq!(
            DatabaseConfig::parse("sqlite:///var/lib/x.db").unwrap(),
            DatabaseConfig::Sqlite("/var/lib/x.db".into())
        );
        assert!(matches!(
            DatabaseConfig::parse("postgres://u@h/db").unwrap(),
            DatabaseConfig::Postgres(_)
        ));
        assert!(DatabaseConfig::parse("mysql://x").is_err());
        assert_eq!(
            BlobConfig::parse("s3://exports/", Some("http://127.0.0.1:5000".into()), None).unwrap(),
            BlobConfig::S3 {
                bucket: "exports".into(),
                endpoint: Some("http://127.0.0.1:5000".into()),
                region: "us-east-1".into()
            }
        );
        assert!(BlobConfig::parse("s3://a/b", None, None).is_err());
        assert!(BlobConfig::parse("ftp://a", None, None).is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut config = Config::new("/tmp/x");
        config.bootstrap_api_key = Some("very-secret-bootstrap-key".into());
        config.database = Some(DatabaseConfig::parse("postgres://u:hunter2@h/db").unwrap());
        let text = format!("{config:?}");
        assert!(
            !text.contains("very-secret") && !text.contains("hunter2"),
            "{text}"
        );
    }

    #[test]
    fn the_check_in_origin_is_an_https_origin() {
        let mut config = Config::new("/tmp/x");
        config.check_in_origin = Some("https://Checkin.Example.jp:8443/".into());
        assert!(config.validate().is_ok());
        assert_eq!(
            check_in_origin("https://Checkin.Example.jp:8443/").unwrap(),
            "https://checkin.example.jp:8443"
        );
        for bad in [
            "http://checkin.example.jp",
            "https://checkin.example.jp/v/",
            "*",
        ] {
            config.check_in_origin = Some(bad.into());
            let error = config.validate().unwrap_err().to_string();
            assert!(error.contains("--check-in-origin"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_public_url_names_the_qr_host() {
        let mut config = Config::new("/tmp/x");
        assert_eq!(config.venue_qr_host(), "localhost");
        config.public_base_url = Some("https://cdn.example.jp:8443/exports".into());
        assert_eq!(config.venue_qr_host(), "cdn.example.jp");
        config.public_url = Some("https://Venues.Example.jp:8443/".into());
        assert!(config.validate().is_ok());
        assert_eq!(config.venue_qr_host(), "venues.example.jp:8443");
        for bad in [
            "http://venues.example.jp",
            "venues.example.jp",
            "https://",
            "https://venues.example.jp/v/",
            "https://user@venues.example.jp",
            "https://venues.example.jp?x=1",
        ] {
            config.public_url = Some(bad.into());
            assert!(config.validate().is_err(), "{bad}");
        }
        for local in [
            "localhost",
            "LOCALHOST:8080",
            "app.localhost",
            "127.0.0.1:8080",
            "0.0.0.0",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for public in [
            "venues.example.jp",
            "venues.example.jp:443",
            "192.0.2.10",
            "localhost.jp",
        ] {
            assert!(!is_local_host(public), "{public}");
        }
    }

    #[test]
    fn bad_regions_are_refused() {
        let mut config = Config::new("/tmp/x");
        assert!(config.validate().is_ok());
        config.region = "../etc".into();
        assert!(config.validate().is_err());
    }
}
