//! Starting and stopping the server: [`Server::start`] opens (or on first start creates) the
//! database, the blob store and the keys, binds the listener and runs the export worker;
//! [`run`] does that until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use mimamori_environment::{Clock, SystemClock};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::export::{ExportOutcome, run_export};
use crate::keys::{ExportKeyRing, load_or_create_code_secret, load_or_create_token_key};
use crate::service::Services;
use crate::tokens::TokenSigner;
use crate::{Error, Result, blobs, routes, storage};

/// Entry point of the server library.
#[derive(Debug)]
pub struct Server;

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    services: Arc<Services>,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    worker: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server with the system clock.
    pub async fn start(config: Config) -> Result<RunningServer> {
        Self::start_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Starts a server reading time from `clock` (tests move time with a fake clock).
    pub async fn start_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<RunningServer> {
        let services = Arc::new(open_services(config, clock).await?);
        // Heal listings a crash or a write fault left behind (they are rebuilt from the
        // database); the server serves the files it has even when the store fails now.
        if let Err(error) = crate::export::write_listings(&services).await {
            tracing::error!(%error, "rewriting index.txt and list.json at start failed");
        }
        let listener = tokio::net::TcpListener::bind(services.config.listen)
            .await
            .map_err(|cause| {
                Error::Config(format!(
                    "cannot listen on {}: {cause}",
                    services.config.listen
                ))
            })?;
        let local_addr = listener.local_addr().map_err(|cause| {
            Error::Config(format!("cannot read the listening address: {cause}"))
        })?;
        let (stop, stopped) = watch::channel(false);
        let app = routes::router(Arc::clone(&services));
        let limits = services.config.connection_limits;
        let http = tokio::spawn(crate::connections::serve(
            listener,
            app,
            limits,
            stopped.clone(),
        ));
        let worker = services
            .config
            .export_worker
            .then(|| tokio::spawn(export_worker(Arc::clone(&services), stopped)));
        tracing::info!(%local_addr, region = %services.config.region, "diagnosis server listening");
        Ok(RunningServer {
            local_addr,
            services,
            stop,
            http,
            worker,
        })
    }
}

impl RunningServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Base URL, `http://<address>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The services (for the portal and tests).
    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// Runs an export batch now.
    pub async fn run_export(&self) -> Result<ExportOutcome> {
        run_export(&self.services).await
    }

    /// Creates an API key for the authority API and returns it.
    pub async fn create_api_key(&self, name: &str) -> Result<String> {
        self.services.create_api_key(name).await
    }

    /// Stops accepting requests, lets running ones finish, and stops the worker.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop.send(true);
        let served = self
            .http
            .await
            .map_err(|error| Error::Config(format!("the HTTP task failed: {error}")))?;
        served.map_err(|cause| Error::Config(format!("serving HTTP failed: {cause}")))?;
        if let Some(worker) = self.worker {
            let _ = worker.await;
        }
        Ok(())
    }
}

async fn export_worker(services: Arc<Services>, mut stopped: watch::Receiver<bool>) {
    let period = services.config.export_period;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        match run_export(&services).await {
            Ok(outcome) => tracing::info!(
                files = outcome.files.len(),
                keys = outcome.keys,
                padding = outcome.padding_keys,
                deleted_files = outcome.files_deleted,
                "export run finished"
            ),
            Err(error) => tracing::error!(%error, "export run failed; retrying next period"),
        }
    }
}

/// Opens everything the server needs, creating what is missing in the data directory.
pub async fn open_services(config: Config, clock: Arc<dyn Clock>) -> Result<Services> {
    config.validate()?;
    create_data_dir(&config.data_dir)?;
    let now = i64::try_from(clock.now_unix_seconds()).unwrap_or(i64::MAX);
    let storage = storage::open(&config.database(), &config.staff_time_zone).await?;
    let blobs = blobs::open(&config.blobs())?;
    let (ring, created) =
        ExportKeyRing::load_or_create(&config.keys_dir(), &config.signing_key_id, now)?;
    if created {
        let published = ring.published();
        if let Some(key) = published.last() {
            println!(
                "Created export signing key (id {}, version {}) in {}.\nGive phones this public key:\n{}",
                key.key_id,
                key.version,
                ring.directory().display(),
                key.public_key_pem.trim_end()
            );
        }
    }
    if let Some(key) = ring.published().last() {
        crate::first_run::write_public_key(&config, &key.public_key_pem)?;
    }
    let tokens = TokenSigner::new(load_or_create_token_key(&config.keys_dir())?);
    let code_secret = load_or_create_code_secret(&config.keys_dir())?;
    let services = Services::new(
        config.clone(),
        storage,
        blobs,
        ring,
        tokens,
        code_secret,
        clock,
    );
    if let Some(key) = &config.bootstrap_api_key {
        services.add_api_key("bootstrap", key).await?;
    }
    if let Some(path) = &config.api_keys_file {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::io(path, cause))?;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, key)) = line.split_once(':') else {
                return Err(Error::Config(format!(
                    "line {} of the API keys file is not name:key",
                    number + 1
                )));
            };
            services.add_api_key(name.trim(), key.trim()).await?;
        }
    }
    Ok(services)
}

/// The data directory holds the database and secrets: 0700 whatever the umask.
fn create_data_dir(path: &Path) -> Result<()> {
    crate::private_files::create_private_dir(path)
}

/// Runs the server until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run(config: Config) -> Result<()> {
    let server = Server::start(config).await?;
    println!("Listening on {}", server.local_addr());
    let services = server.services();
    let staff_accounts = services.storage.staff_names().await?.len();
    let public_key_file = services
        .config
        .data_dir
        .join(crate::first_run::PUBLIC_KEY_FILE);
    if let Some(steps) = crate::first_run::next_steps(
        &services.config,
        server.local_addr(),
        &public_key_file,
        staff_accounts,
    ) {
        println!("{steps}");
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
