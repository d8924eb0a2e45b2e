//! `mimamori-diagnosis-server bench`: publish throughput over real HTTP and the time to export
//! and sign a million keys. Figures are printed, never asserted.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use mimamori_core::api::v1::{ExposureKey, PUBLISH_PATH, PublishRequest, key_hmac};
use mimamori_core::export::{ExportHeader, ExportKey, ExportSigningKey};
use mimamori_core::{
    DiagnosisKey, IntervalNumber, OsRandom, RandomSource, ReportType, SystemClock,
    TemporaryExposureKey,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::config::Config;
use crate::export::build_files;
use crate::server::Server;
use crate::tokens::{CERTIFICATE_SECONDS, CertificateClaims, ISSUER};
use crate::{Error, Result};

/// What to measure.
#[derive(Clone, Copy, Debug)]
pub struct BenchOptions {
    /// Publish requests to send.
    pub uploads: usize,
    /// Concurrent connections.
    pub connections: usize,
    /// Keys to export and sign.
    pub export_keys: usize,
}

/// Runs both measurements in a temporary data directory and prints the figures.
pub async fn run_bench(options: BenchOptions) -> Result<()> {
    let directory = std::env::temp_dir().join(format!("mimamori-bench-{}", std::process::id()));
    let mut config = Config::new(&directory);
    config.listen = ([127, 0, 0, 1], 0).into();
    config.export_worker = false;
    let server = Server::start_with_clock(config, Arc::new(SystemClock)).await?;
    let services = Arc::clone(server.services());
    let now = services.now();
    let today = u32::try_from(now / 600).unwrap_or(0) / 144 * 144;

    // Prepare signed requests first so that only the server is measured.
    let mut bodies = Vec::with_capacity(options.uploads);
    for _ in 0..options.uploads {
        let keys: Vec<ExposureKey> = (1..=14u32)
            .map(|day| {
                ExposureKey::new(
                    &TemporaryExposureKey::generate(&mut OsRandom),
                    IntervalNumber::new(today - day * 144),
                    144,
                    0,
                )
            })
            .collect::<std::result::Result<_, _>>()?;
        let mut hmac_key = [0u8; 32];
        OsRandom.fill_bytes(&mut hmac_key);
        let claims = CertificateClaims {
            iss: ISSUER.into(),
            aud: services.config.health_authority_id.clone(),
            iat: now,
            exp: now + CERTIFICATE_SECONDS,
            report_type: 1,
            symptom_onset_interval: None,
            tekmac: base64::engine::general_purpose::STANDARD.encode(key_hmac(&hmac_key, &keys)),
        };
        let certificate = services.tokens.sign(&claims)?;
        let request = PublishRequest::for_upload(
            keys,
            &services.config.health_authority_id,
            &certificate,
            &hmac_key,
            None,
            &mut OsRandom,
        );
        bodies.push(serde_json::to_vec(&request).map_err(|e| Error::Config(e.to_string()))?);
    }
    let address = server.local_addr();
    let bodies = Arc::new(bodies);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..options.connections.max(1) {
        let (bodies, next) = (Arc::clone(&bodies), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(address)
                .await
                .map_err(|c| Error::io("bench connection", c))?;
            let mut stream = BufReader::new(stream);
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(index) else {
                    return Ok::<_, Error>(());
                };
                let status = post(&mut stream, PUBLISH_PATH, body).await?;
                if status != 200 {
                    return Err(Error::Config(format!(
                        "a benchmark upload got HTTP {status}"
                    )));
                }
            }
        }));
    }
    for task in tasks {
        task.await.map_err(|e| Error::Config(e.to_string()))??;
    }
    let elapsed = started.elapsed();
    println!(
        "publish: {} uploads of 14 keys over {} connections in {:.2} s = {:.0} uploads/s ({:.0} keys/s)",
        options.uploads,
        options.connections,
        elapsed.as_secs_f64(),
        options.uploads as f64 / elapsed.as_secs_f64(),
        options.uploads as f64 * 14.0 / elapsed.as_secs_f64()
    );
    server.shutdown().await?;
    let _ = std::fs::remove_dir_all(&directory);

    // Export and sign.
    let signer = ExportSigningKey::generate(&mut OsRandom, "440", "v1")?;
    let keys: Vec<ExportKey> = (0..options.export_keys)
        .map(|index| {
            let day = u32::try_from(index % 14).unwrap_or(0) + 1;
            DiagnosisKey::new(
                TemporaryExposureKey::generate(&mut OsRandom),
                IntervalNumber::new(today - day * 144),
                144,
                ReportType::ConfirmedTest,
                Some(0),
            )
            .map(ExportKey::new)
        })
        .collect::<std::result::Result<_, _>>()?;
    let header = ExportHeader {
        start_timestamp: 0,
        end_timestamp: u64::try_from(now).unwrap_or(0),
        region: "JP".into(),
        batch_num: 1,
        batch_size: 1,
    };
    let started = Instant::now();
    let files = tokio::task::spawn_blocking(move || build_files(header, keys, &signer))
        .await
        .map_err(|e| Error::Config(e.to_string()))??;
    let elapsed = started.elapsed();
    let bytes: usize = files.iter().map(|(_, _, zip)| zip.len()).sum();
    println!(
        "export: {} keys sorted, written and signed into {} files ({:.1} MB) in {:.2} s",
        options.export_keys,
        files.len(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    Ok(())
}

/// One HTTP/1.1 POST on a keep-alive connection; returns the status.
async fn post(stream: &mut BufReader<TcpStream>, path: &str, body: &[u8]) -> Result<u16> {
    let io = |cause| Error::io("bench connection", cause);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .get_mut()
        .write_all(head.as_bytes())
        .await
        .map_err(io)?;
    stream.get_mut().write_all(body).await.map_err(io)?;
    let mut line = String::new();
    stream.read_line(&mut line).await.map_err(io)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await.map_err(io)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.map_err(io)?;
    Ok(status)
}
