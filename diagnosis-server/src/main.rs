//! `mimamori-diagnosis-server`: parses the configuration from flags and environment variables
//! and runs the server (or one of the operator commands).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mimamori_diagnosis_server::bench::{BenchOptions, run_bench, run_guess_bench, run_login_bench};
use mimamori_diagnosis_server::config::{BlobConfig, DatabaseConfig};
use mimamori_diagnosis_server::ratelimit::{IpNetwork, Rate, RateLimits};
use mimamori_diagnosis_server::server::open_services;
use mimamori_diagnosis_server::{Config, run};

/// Mimamori's diagnosis server: verification codes, verified uploads, signed export files.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Data directory: SQLite database, signing keys, export files.
    #[arg(long, env = "MIMAMORI_DATA_DIR", default_value = "./mimamori-data")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "MIMAMORI_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Region of the export files (e.g. JP, or COCOA's 440).
    #[arg(long, env = "MIMAMORI_REGION", default_value = "JP")]
    region: String,
    /// Health authority id that phones send as healthAuthorityID.
    #[arg(
        long,
        env = "MIMAMORI_HEALTH_AUTHORITY_ID",
        default_value = "JP.mimamori"
    )]
    health_authority_id: String,
    /// Database: sqlite://<file> (default: <data dir>/diagnosis.sqlite3) or postgres://...
    #[arg(long, env = "MIMAMORI_DATABASE_URL")]
    database_url: Option<String>,
    /// Export file store: file://<dir> (default: <data dir>/exports-store) or s3://<bucket>.
    #[arg(long, env = "MIMAMORI_BLOB_STORE")]
    blob_store: Option<String>,
    /// Endpoint of an S3-compatible store (MinIO, moto, ...); credentials from AWS_* variables.
    #[arg(long, env = "MIMAMORI_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    /// Region of the S3 bucket.
    #[arg(long, env = "MIMAMORI_S3_REGION")]
    s3_region: Option<String>,
    /// Public base URL of the export files (e.g. a CDN), used in list.json.
    #[arg(long, env = "MIMAMORI_PUBLIC_BASE_URL")]
    public_base_url: Option<String>,
    /// Seconds between export batches.
    #[arg(long, env = "MIMAMORI_EXPORT_PERIOD_SECONDS", default_value_t = 3600)]
    export_period_seconds: u64,
    /// Do not run the periodic export worker (export via the authority API instead).
    #[arg(long, env = "MIMAMORI_NO_EXPORT_WORKER")]
    no_export_worker: bool,
    /// An API key to accept (stored as "bootstrap").
    #[arg(long, env = "MIMAMORI_BOOTSTRAP_API_KEY", hide_env_values = true)]
    bootstrap_api_key: Option<String>,
    /// A file of API keys, one name:key a line.
    #[arg(long, env = "MIMAMORI_API_KEYS_FILE")]
    api_keys_file: Option<PathBuf>,
    /// Export signing key id (verification_key_id), e.g. the mobile country code.
    #[arg(long, env = "MIMAMORI_SIGNING_KEY_ID", default_value = "440")]
    signing_key_id: String,
    /// The https:// address residents and venue operators reach this server at (e.g.
    /// https://venues.example.jp): venue QR codes open <public URL>/v/#...; default: the host
    /// of --public-base-url, else localhost (a warning at start).
    #[arg(long, env = "MIMAMORI_PUBLIC_URL")]
    public_url: Option<String>,
    /// The https:// origin of the residents' check-in page when another host serves its files
    /// (e.g. https://checkin.example.jp): the venue keys and notice feed then allow it (CORS).
    #[arg(long, env = "MIMAMORI_CHECK_IN_ORIGIN")]
    check_in_origin: Option<String>,
    /// Deprecated: the same as --public-url https://<host>.
    #[arg(
        long,
        env = "MIMAMORI_VENUE_QR_HOST",
        hide = true,
        conflicts_with = "public_url"
    )]
    venue_qr_host: Option<String>,
    /// The authority's name on venue posters, leaflets and notices.
    #[arg(long, env = "MIMAMORI_VENUE_AUTHORITY_NAME")]
    venue_authority_name: Option<String>,
    /// The authority's phone for questions about venue check-in, printed on the leaflet.
    #[arg(long, env = "MIMAMORI_VENUE_AUTHORITY_PHONE")]
    venue_authority_phone: Option<String>,
    /// The consultation centre's phone, printed on the leaflet.
    #[arg(long, env = "MIMAMORI_VENUE_CONSULTATION_PHONE")]
    venue_consultation_phone: Option<String>,
    /// The time zone of the days and times staff see and type (forms, statistics, code expiry,
    /// the portal's times), an IANA name such as Asia/Tokyo or Europe/Berlin. Venue notice
    /// windows stay JST (the venue protocol).
    #[arg(
        long,
        env = "MIMAMORI_STAFF_TIME_ZONE",
        default_value = mimamori_diagnosis_server::staff_time::DEFAULT_STAFF_TIME_ZONE
    )]
    staff_time_zone: String,
    /// Seconds a client may take to send a request's head; also how long an idle kept-alive
    /// connection stays open.
    #[arg(
        long,
        env = "MIMAMORI_HEADER_READ_TIMEOUT_SECONDS",
        default_value_t = 10
    )]
    header_read_timeout_seconds: u64,
    /// Seconds a client may take to send a whole request body.
    #[arg(long, env = "MIMAMORI_BODY_READ_TIMEOUT_SECONDS", default_value_t = 30)]
    body_read_timeout_seconds: u64,
    /// Most client connections open at once (keep it well below the file descriptor limit).
    #[arg(long, env = "MIMAMORI_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
    /// Directory of the export and token signing keys and the code secret (default:
    /// <data dir>/keys); outside the data directory, a backup of it holds no secret.
    #[arg(long, env = "MIMAMORI_KEYS_DIR")]
    keys_dir: Option<PathBuf>,
    /// Directory of the venue signing and sealing keys (default: the keys directory); the
    /// sealing key opens every venue record, so keep it away from database backups.
    #[arg(long, env = "MIMAMORI_VENUE_KEYS_DIR")]
    venue_keys_dir: Option<PathBuf>,
    /// Seconds an export batch claim lasts unrenewed: a crashed exporter's batch is taken over
    /// after it (the exporter renews it every third of it while it works).
    #[arg(long, env = "MIMAMORI_EXPORT_LEASE_SECONDS", default_value_t = 60)]
    export_lease_seconds: u64,
    /// Tests only: seconds an export run waits after claiming its batch.
    #[arg(long, hide = true)]
    export_pause_after_claim_seconds: Option<u64>,
    /// Proxies whose X-Forwarded-For names the client (IPs or CIDR networks, comma-separated);
    /// from other peers the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "MIMAMORI_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// Verification attempts a client may make at once (the token bucket's size).
    #[arg(long, env = "MIMAMORI_VERIFY_BURST", default_value_t = RateLimits::default().verify.burst)]
    verify_burst: u32,
    /// Verification attempts a client may make a minute in the long run (also for certificates).
    #[arg(long, env = "MIMAMORI_VERIFY_PER_MINUTE", default_value_t = RateLimits::default().verify.per_minute)]
    verify_per_minute: u32,
    /// Failed verifications a minute on the whole server (all instances on one database);
    /// beyond it every verification is answered 429 until the minute ends.
    #[arg(long, env = "MIMAMORI_FAILED_VERIFICATIONS_PER_MINUTE", default_value_t = RateLimits::default().failed_verifications_per_minute)]
    failed_verifications_per_minute: u32,
    /// Portal logins a client may try a minute (10 at once).
    #[arg(long, env = "MIMAMORI_LOGINS_PER_MINUTE", default_value_t = RateLimits::default().login.per_minute)]
    logins_per_minute: u32,
    /// Argon2 password checks that may run at once (about 19 MiB each).
    #[arg(long, env = "MIMAMORI_LOGIN_HASH_CONCURRENCY", default_value_t = RateLimits::default().login_hash_concurrency)]
    login_hash_concurrency: usize,
    /// Any per-client limit as SCOPE=BURST/PER_MINUTE, repeatable; SCOPE is one of verify,
    /// certificate, authority, login, venue-secret, venue-registration, venue-document (e.g.
    /// `--rate-limit venue-registration=20/10`). Applied after the flags above.
    #[arg(
        long = "rate-limit",
        env = "MIMAMORI_RATE_LIMITS",
        value_delimiter = ','
    )]
    rate_limits: Vec<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create an API key for the authority API and print it.
    CreateApiKey {
        /// Who the key is for.
        name: String,
    },
    /// Add a new export signing key version; files signed before stay verifiable.
    RotateSigningKey,
    /// Run one export now, as the hourly worker does (its own code path: the batch is claimed
    /// under a lease in the database, so it is safe beside running servers and their workers),
    /// then print what it made as JSON (the answer of POST /api/v1/authority/export).
    Export,
    /// Manage the staff accounts of the web portal (/portal).
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Print publish throughput and the time to export and sign keys.
    Bench {
        /// Uploads to send.
        #[arg(long, default_value_t = 2000)]
        uploads: usize,
        /// Concurrent connections.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Keys to export and sign.
        #[arg(long, default_value_t = 1_000_000)]
        export_keys: usize,
        /// Instead: this many concurrent bad portal logins (each from its own address, with a
        /// fresh CSRF token) for --seconds, printing the peak RSS and other clients'
        /// /api/verify latency.
        #[arg(long)]
        logins: Option<usize>,
        /// How long the login attack lasts, in seconds.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// With --logins: attackers wait out Retry-After instead of retrying at once.
        #[arg(long)]
        obey_retry_after: bool,
        /// Instead: guess verification codes at full speed (over --connections connections)
        /// for --seconds from one address, then for --seconds from this many addresses (each
        /// phase starting on a UTC minute; give at least 120), printing how many guesses the
        /// server checked each minute and the odds they give.
        #[arg(long)]
        guesses_from: Option<usize>,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add an account, or set a new password (ending its sessions): prints a generated
    /// password, or reads one line from standard input with --password-stdin.
    Add {
        /// Login name (letters, digits and . _ @ -).
        name: String,
        /// Read the password (at least 12 characters) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an account and end its sessions.
    Remove {
        /// Login name.
        name: String,
    },
    /// List the accounts.
    List,
}

async fn staff_command(
    config: Config,
    command: &StaffCommand,
) -> Result<(), mimamori_diagnosis_server::Error> {
    use mimamori_diagnosis_server::portal;
    let services = open_services(config, Arc::new(mimamori_environment::SystemClock)).await?;
    match command {
        StaffCommand::Add {
            name,
            password_stdin,
        } => {
            if *password_stdin {
                let mut line = zeroize::Zeroizing::new(String::new());
                std::io::stdin().read_line(&mut line).map_err(|_| {
                    mimamori_diagnosis_server::Error::Config(
                        "could not read the password from standard input".into(),
                    )
                })?;
                let password = line.trim_end_matches(['\r', '\n']);
                portal::add_staff_account(&services, name, password).await?;
                println!("Staff account {name} saved.");
            } else {
                let password = portal::generate_password();
                portal::add_staff_account(&services, name, &password).await?;
                println!(
                    "Staff account {name} saved. Password (shown once; give it to them privately):\n{}",
                    password.as_str()
                );
            }
        }
        StaffCommand::Remove { name } => {
            if portal::remove_staff_account(&services, name).await? {
                println!("Staff account {name} removed.");
            } else {
                return Err(mimamori_diagnosis_server::Error::Config(format!(
                    "there is no staff account {name}"
                )));
            }
        }
        StaffCommand::List => {
            for name in services.storage.staff_names().await? {
                println!("{name}");
            }
        }
    }
    Ok(())
}

fn config(cli: &Cli) -> Result<Config, mimamori_diagnosis_server::Error> {
    let mut config = Config::new(&cli.data_dir);
    config.listen = cli.listen;
    config.region = cli.region.clone();
    config.health_authority_id = cli.health_authority_id.clone();
    config.database = cli
        .database_url
        .as_deref()
        .map(DatabaseConfig::parse)
        .transpose()?;
    config.blobs = cli
        .blob_store
        .as_deref()
        .map(|url| BlobConfig::parse(url, cli.s3_endpoint.clone(), cli.s3_region.clone()))
        .transpose()?;
    config.public_base_url = cli.public_base_url.clone();
    config.export_period = Duration::from_secs(cli.export_period_seconds);
    config.export_worker = !cli.no_export_worker;
    config.bootstrap_api_key = cli.bootstrap_api_key.clone();
    config.api_keys_file = cli.api_keys_file.clone();
    config.signing_key_id = cli.signing_key_id.clone();
    config.keys_dir = cli.keys_dir.clone();
    config.export_lease = Duration::from_secs(cli.export_lease_seconds);
    config.export_pause_after_claim = cli
        .export_pause_after_claim_seconds
        .map(Duration::from_secs);
    config.venue_keys_dir = cli.venue_keys_dir.clone();
    config.connection_limits = mimamori_diagnosis_server::config::ConnectionLimits {
        header_read_timeout: Duration::from_secs(cli.header_read_timeout_seconds),
        body_read_timeout: Duration::from_secs(cli.body_read_timeout_seconds),
        max_connections: cli.max_connections,
    };
    config.trusted_proxies = cli
        .trusted_proxies
        .iter()
        .map(|text| IpNetwork::parse(text))
        .collect::<Result<_, _>>()?;
    config.rate_limits.verify = Rate {
        burst: cli.verify_burst,
        per_minute: cli.verify_per_minute,
    };
    config.rate_limits.certificate = config.rate_limits.verify;
    config.rate_limits.failed_verifications_per_minute = cli.failed_verifications_per_minute;
    config.rate_limits.login.per_minute = cli.logins_per_minute;
    config.rate_limits.login_hash_concurrency = cli.login_hash_concurrency;
    for setting in &cli.rate_limits {
        config.rate_limits.apply(setting)?;
    }
    config.public_url = cli.public_url.clone().or_else(|| {
        cli.venue_qr_host
            .as_ref()
            .map(|host| format!("https://{host}"))
    });
    config.staff_time_zone =
        mimamori_diagnosis_server::staff_time::StaffZone::parse(&cli.staff_time_zone)
            .map_err(|error| mimamori_diagnosis_server::Error::Config(error.to_string()))?;
    config.check_in_origin = cli.check_in_origin.clone();
    if let Some(name) = &cli.venue_authority_name {
        config.venue_authority_name = name.clone();
    }
    if let Some(phone) = &cli.venue_authority_phone {
        config.venue_authority_phone = phone.clone();
    }
    if let Some(phone) = &cli.venue_consultation_phone {
        config.venue_consultation_phone = phone.clone();
    }
    if cli.venue_authority_phone.is_none() || cli.venue_consultation_phone.is_none() {
        eprintln!(
            "note: venue leaflets print the placeholder phone {}; set --venue-authority-phone and \
             --venue-consultation-phone (or MIMAMORI_VENUE_*_PHONE) before registering venues",
            config.venue_authority_phone
        );
    }
    if config.venue_keys_dir().starts_with(&config.data_dir) {
        eprintln!(
            "note: the venue sealing key is kept in the data directory ({}); a backup of the data \
             directory then opens every venue record. Set --venue-keys-dir (or \
             MIMAMORI_VENUE_KEYS_DIR) to a directory outside it",
            config.venue_keys_dir().display()
        );
    }
    config.validate()?;
    Ok(config)
}

/// One line saying what an export run did.
fn export_summary(outcome: &mimamori_diagnosis_server::export::ExportOutcome) -> String {
    if outcome.files.is_empty() {
        format!(
            "No new keys to export; index.txt and list.json were rewritten. Retention deleted \
             {} keys and {} files.",
            outcome.keys_deleted, outcome.files_deleted
        )
    } else {
        format!(
            "Exported {} keys (and {} padding keys) in {} files: {}. Retention deleted {} keys \
             and {} files.",
            outcome.keys,
            outcome.padding_keys,
            outcome.files.len(),
            outcome.files.join(", "),
            outcome.keys_deleted,
            outcome.files_deleted
        )
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MIMAMORI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = async {
        let config = config(&cli)?;
        match cli.command {
            None | Some(Command::Serve) => run(config).await,
            Some(Command::CreateApiKey { ref name }) => {
                let services =
                    open_services(config, Arc::new(mimamori_environment::SystemClock)).await?;
                println!("{}", services.create_api_key(name).await?);
                Ok(())
            }
            Some(Command::RotateSigningKey) => {
                let services =
                    open_services(config, Arc::new(mimamori_environment::SystemClock)).await?;
                let now = services.now();
                let mut ring = services
                    .export_keys
                    .write()
                    .map_err(|_| mimamori_diagnosis_server::Error::SigningKey("lock poisoned".into()))?;
                let published = ring.rotate(now)?;
                println!(
                    "Added export signing key version {} (id {}) in {}; restart running servers.\n{}",
                    published.version,
                    published.key_id,
                    ring.directory().display(),
                    published.public_key_pem.trim_end()
                );
                Ok(())
            }
            Some(Command::Export) => {
                let services =
                    open_services(config, Arc::new(mimamori_environment::SystemClock)).await?;
                let outcome = mimamori_diagnosis_server::export::run_export(&services).await?;
                eprintln!("{}", export_summary(&outcome));
                println!(
                    "{}",
                    serde_json::to_string_pretty(&outcome).map_err(|error| {
                        mimamori_diagnosis_server::Error::Database(error.to_string())
                    })?
                );
                Ok(())
            }
            Some(Command::Staff { ref command }) => staff_command(config, command).await,
            Some(Command::Bench {
                guesses_from: Some(addresses),
                connections,
                seconds,
                ..
            }) => run_guess_bench(addresses, connections, Duration::from_secs(seconds)).await,
            Some(Command::Bench {
                logins: Some(logins),
                seconds,
                obey_retry_after,
                ..
            }) => run_login_bench(logins, Duration::from_secs(seconds), obey_retry_after).await,
            Some(Command::Bench {
                uploads,
                connections,
                export_keys,
                logins: None,
                ..
            }) => {
                run_bench(BenchOptions {
                    uploads,
                    connections,
                    export_keys,
                })
                .await
            }
        }
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
