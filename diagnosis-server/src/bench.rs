//! `mimamori-diagnosis-server bench`: publish throughput over real HTTP and the time to export
//! and sign a million keys; `bench --logins N`: memory and other clients' verify latency while
//! `N` clients hammer the portal login. Figures are printed, never asserted.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use mimamori_api::v1::{ExposureKey, PUBLISH_PATH, PublishRequest, key_hmac};
use mimamori_environment::{OsRandom, RandomSource, SystemClock};
use mimamori_gaen::export::{ExportHeader, ExportKey, ExportSigningKey};
use mimamori_gaen::ids::TEK_ROLLING_PERIOD;
use mimamori_gaen::{DiagnosisKey, IntervalNumber, ReportType, TemporaryExposureKey};
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
    let today = IntervalNumber::from_unix_seconds(u64::try_from(now).unwrap_or(0)).rolling_start();

    // Prepare signed requests first so that only the server is measured.
    let mut bodies = Vec::with_capacity(options.uploads);
    for _ in 0..options.uploads {
        let keys: Vec<ExposureKey> = (1..=14u32)
            .map(|day| {
                ExposureKey::new(
                    &TemporaryExposureKey::generate(&mut OsRandom),
                    today.saturating_sub(day * TEK_ROLLING_PERIOD),
                    TEK_ROLLING_PERIOD,
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
                today.saturating_sub(day * TEK_ROLLING_PERIOD),
                TEK_ROLLING_PERIOD,
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

/// One HTTP/1.1 POST of JSON on a keep-alive connection; returns the status.
async fn post(stream: &mut BufReader<TcpStream>, path: &str, body: &[u8]) -> Result<u16> {
    let (status, ..) = request(stream, "POST", path, "", body).await?;
    Ok(status)
}

/// A server for an attack benchmark, started in-process with the default limits on a fresh data
/// directory (returned, for removal), trusting `X-Forwarded-For` from 127.0.0.1 so that one
/// process can act as many addresses.
async fn attacked_server(name: &str) -> Result<(std::path::PathBuf, crate::server::RunningServer)> {
    let directory =
        std::env::temp_dir().join(format!("mimamori-{name}-bench-{}", std::process::id()));
    let mut config = Config::new(&directory);
    config.listen = ([127, 0, 0, 1], 0).into();
    config.export_worker = false;
    config.trusted_proxies = vec![crate::ratelimit::IpNetwork::parse("127.0.0.1")?];
    let server = Server::start_with_clock(config, Arc::new(SystemClock)).await?;
    Ok((directory, server))
}

/// Issues `count` codes for confirmed tests and returns them.
async fn issue_codes(services: &crate::service::Services, count: usize) -> Result<Vec<String>> {
    let request = crate::service::IssueCodeRequest {
        test_type: mimamori_api::v1::TestType::Confirmed,
        symptom_date: None,
        test_date: None,
    };
    let mut codes = Vec::with_capacity(count);
    for _ in 0..count {
        match services.issue_code(&request, "benchmark").await? {
            Ok(issued) => codes.push(issued.code),
            Err(_) => return Err(Error::Config("a benchmark code was refused".into())),
        }
    }
    Ok(codes)
}

/// `bench --logins N`: `N` attackers at once, each from its own address (the server trusts
/// `X-Forwarded-For` from 127.0.0.1 here), each fetching the login page for a fresh CSRF token
/// and posting a wrong password, again and again for `duration`. Meanwhile another client
/// redeems real codes one after another (each from a fresh address) and its latencies are
/// recorded. Prints the peak resident memory of this process (the server runs in it; the
/// client side is included, so the figure is an upper bound) and the verify percentiles, with
/// a quiet baseline first. The default limits apply.
///
/// With `obey_retry_after`, each attacker waits as long as a 429 or 503 answer's `Retry-After`
/// says (an attacker after passwords gains nothing by asking sooner); without it, each one
/// retries at once, which floods the two cores with some 17,000 requests a second.
pub async fn run_login_bench(
    attackers: usize,
    duration: std::time::Duration,
    obey_retry_after: bool,
) -> Result<()> {
    let (directory, server) = attacked_server("login").await?;
    let services = Arc::clone(server.services());
    crate::portal::add_staff_account(&services, "bench.staff", "a long enough password").await?;
    let address = server.local_addr();
    let started_rss = peak_rss_kib();

    // Enough codes for the baseline and the attack, at one verify every 20 ms.
    let verifies = usize::try_from(duration.as_millis() / 20).unwrap_or(1000) + 200;
    let codes = issue_codes(&services, verifies).await?;
    let codes = Arc::new(std::sync::Mutex::new(codes));
    let counter = Arc::new(std::sync::atomic::AtomicU32::new(0));

    let baseline = verify_latencies(
        address,
        Arc::clone(&codes),
        Arc::clone(&counter),
        std::time::Duration::from_secs(2),
    )
    .await?;

    let quiet_rss = peak_rss_kib();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let outcomes = Arc::new(std::sync::Mutex::new(
        std::collections::BTreeMap::<u16, u64>::new(),
    ));
    let mut tasks = Vec::new();
    for attacker in 0..attackers {
        let (stop, outcomes) = (Arc::clone(&stop), Arc::clone(&outcomes));
        tasks.push(tokio::spawn(async move {
            let forwarded = format!("198.18.{}.{}", attacker / 250, attacker % 250 + 1);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, retry_after) =
                    bad_login(address, &forwarded).await.unwrap_or((0, None));
                if let Ok(mut outcomes) = outcomes.lock() {
                    *outcomes.entry(status).or_default() += 1;
                }
                if let Some(seconds) = retry_after.filter(|_| obey_retry_after) {
                    let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
                    while Instant::now() < deadline
                        && !stop.load(std::sync::atomic::Ordering::Relaxed)
                    {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            }
        }));
    }
    let under_attack = verify_latencies(address, codes, counter, duration).await?;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let peak = peak_rss_kib();
    server.shutdown().await?;
    let _ = std::fs::remove_dir_all(&directory);

    let outcomes = outcomes
        .lock()
        .map(|outcomes| {
            outcomes
                .iter()
                .map(|(status, count)| format!("{status}: {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    println!(
        "logins: {attackers} concurrent attackers (one address each, fresh CSRF token per attempt{}) for {} s; answers {{{outcomes}}}",
        if obey_retry_after {
            ", waiting out Retry-After"
        } else {
            ", retrying at once"
        },
        duration.as_secs()
    );
    println!(
        "memory: peak RSS {:.1} MB (at start {:.1} MB, before the attack {:.1} MB; server and bench client in one process)",
        peak as f64 / 1024.0,
        started_rss as f64 / 1024.0,
        quiet_rss as f64 / 1024.0
    );
    for (label, mut latencies) in [("quiet", baseline), ("under attack", under_attack)] {
        latencies.sort_unstable();
        let percentile = |p: f64| {
            let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
            latencies.get(index).copied().unwrap_or_default()
        };
        println!(
            "verify ({label}): {} requests, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            latencies.len(),
            percentile(0.50).as_secs_f64() * 1000.0,
            percentile(0.95).as_secs_f64() * 1000.0,
            percentile(0.99).as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

/// `bench --guesses`: an attacker guessing verification codes at full speed against a server
/// with the default limits and 100 live codes, for `duration` from one address and then for
/// `duration` from `addresses` addresses (the server trusts `X-Forwarded-For` from 127.0.0.1
/// here). Each phase starts on a UTC minute. Prints how many guesses the server checked (every
/// answer but a 429) in each minute, how many redeemed a code, and the chance these rates give
/// of redeeming any of 100 live codes within their 15 minutes (the first minute, with the
/// burst, plus 15 minutes at the most seen in a later one; run at least 120 s). Guesses are
/// counted in the minute they were sent: with `connections` connections, that many guesses in
/// flight at a minute's end may be checked in the next, so use one connection for exact counts
/// (one connection still sends thousands a second, far more than any limit lets through).
pub async fn run_guess_bench(
    addresses: usize,
    connections: usize,
    duration: std::time::Duration,
) -> Result<()> {
    const LIVE_CODES: u32 = 100;
    let (directory, server) = attacked_server("guess").await?;
    let address = server.local_addr();
    issue_codes(server.services(), LIVE_CODES as usize).await?;
    let limits = crate::ratelimit::RateLimits::default();
    println!(
        "guesses: {LIVE_CODES} live codes of 8 digits; limits {} at once and {} a minute per client, {} failed verifications a minute on the server",
        limits.verify.burst, limits.verify.per_minute, limits.failed_verifications_per_minute
    );
    for (label, senders) in [("one address", 1), ("many addresses", addresses.max(1))] {
        // Start on a UTC minute, so that each minute of the run is one minute of the
        // server-wide budget.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let into_minute = u64::try_from(now.as_nanos() % 60_000_000_000).unwrap_or(0);
        tokio::time::sleep(std::time::Duration::from_nanos(
            60_000_000_000 - into_minute,
        ))
        .await;
        let minutes = usize::try_from(duration.as_secs().div_ceil(60).max(1)).unwrap_or(1);
        // Per minute of the run: guesses sent, checked (answered other than 429), redeemed.
        let counts = Arc::new(std::sync::Mutex::new(vec![[0u64; 3]; minutes]));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for connection in 0..connections.max(1) {
            let counts = Arc::clone(&counts);
            tasks.push(tokio::spawn(async move {
                let Ok(stream) = TcpStream::connect(address).await else {
                    return;
                };
                let mut stream = BufReader::new(stream);
                let mut n = connection;
                while started.elapsed() < duration {
                    // The minute a guess is sent in; with c connections, up to c guesses in
                    // flight at a minute's end may be checked in the next one.
                    let minute = usize::try_from(started.elapsed().as_secs() / 60).unwrap_or(0);
                    let sender = n % senders;
                    n += connections.max(1);
                    let forwarded = format!(
                        "X-Forwarded-For: 203.0.{}.{}\r\n",
                        sender / 250 % 250,
                        sender % 250 + 1
                    );
                    let mut digits = [0u8; 4];
                    OsRandom.fill_bytes(&mut digits);
                    let guess = format!("{:08}", u32::from_le_bytes(digits) % 100_000_000);
                    let body = serde_json::json!({"code": guess, "accept": ["confirmed"]});
                    let Ok((status, _, _, _)) = request(
                        &mut stream,
                        "POST",
                        "/api/verify",
                        &forwarded,
                        body.to_string().as_bytes(),
                    )
                    .await
                    else {
                        return;
                    };
                    if let Ok(mut counts) = counts.lock()
                        && let Some(counts) = counts.get_mut(minute)
                    {
                        counts[0] += 1;
                        counts[1] += u64::from(status != 429);
                        counts[2] += u64::from(status == 200);
                    }
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
        let counts = counts
            .lock()
            .map(|counts| counts.clone())
            .unwrap_or_default();
        let sent: u64 = counts.iter().map(|minute| minute[0]).sum();
        let redeemed: u64 = counts.iter().map(|minute| minute[2]).sum();
        let checked: Vec<u64> = counts.iter().map(|minute| minute[1]).collect();
        let first = checked.first().copied().unwrap_or(0);
        let later = checked.iter().skip(1).copied().max().unwrap_or(first);
        // 15 minutes overlap at most 16 minutes of the budget: the first (with the burst) and
        // 15 more at the most seen in any later minute.
        let in_15_minutes = first + 15 * later;
        let chance = 1.0 - (1.0 - f64::from(LIVE_CODES) / 1e8).powf(in_15_minutes as f64);
        println!(
            "{label} ({senders}): {sent} guesses sent in {} s ({:.0}/s); checked per minute {checked:?} (the rest answered 429), {redeemed} redeemed; a 15-minute code life allows at most {first} + 15 x {later} = {in_15_minutes} checked guesses: chance of redeeming any of {LIVE_CODES} live codes {:.4} %",
            duration.as_secs(),
            sent as f64 / duration.as_secs_f64().max(1.0),
            chance * 100.0
        );
    }
    server.shutdown().await?;
    let _ = std::fs::remove_dir_all(&directory);
    Ok(())
}

/// Redeems codes one at a time on a keep-alive connection, each from a fresh address, every
/// 20 ms for `duration`; returns the latencies.
async fn verify_latencies(
    address: std::net::SocketAddr,
    codes: Arc<std::sync::Mutex<Vec<String>>>,
    counter: Arc<std::sync::atomic::AtomicU32>,
    duration: std::time::Duration,
) -> Result<Vec<std::time::Duration>> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|c| Error::io("bench connection", c))?;
    let mut stream = BufReader::new(stream);
    let mut latencies = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let Some(code) = codes.lock().ok().and_then(|mut codes| codes.pop()) else {
            break;
        };
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let forwarded = format!("X-Forwarded-For: 100.64.{}.{}\r\n", n / 250, n % 250 + 1);
        let body = serde_json::json!({"code": code.as_str(), "accept": ["confirmed"]}).to_string();
        let sent = Instant::now();
        let (status, _, _, _) = request(
            &mut stream,
            "POST",
            "/api/verify",
            &forwarded,
            body.as_bytes(),
        )
        .await?;
        latencies.push(sent.elapsed());
        if status != 200 {
            return Err(Error::Config(format!(
                "a benchmark verify got HTTP {status}"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(latencies)
}

/// One attacker's attempt: the login page (a fresh pre-login cookie and CSRF token), then a
/// wrong password. Returns the status of the POST and its `Retry-After`.
async fn bad_login(
    address: std::net::SocketAddr,
    forwarded_for: &str,
) -> Result<(u16, Option<u64>)> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|c| Error::io("bench connection", c))?;
    let mut stream = BufReader::new(stream);
    let forwarded = format!("X-Forwarded-For: {forwarded_for}\r\n");
    let (_, cookie, _, page) = request(
        &mut stream,
        "GET",
        crate::portal::LOGIN_PATH,
        &forwarded,
        b"",
    )
    .await?;
    let page = String::from_utf8_lossy(&page);
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("");
    let cookie = cookie.split(';').next().unwrap_or("");
    let headers = format!(
        "{forwarded}Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    );
    let body = format!("csrf={csrf}&name=bench.staff&password=wrong-password-guess");
    let (status, _, retry_after, _) = request(
        &mut stream,
        "POST",
        crate::portal::LOGIN_PATH,
        &headers,
        body.as_bytes(),
    )
    .await?;
    Ok((status, retry_after))
}

/// One HTTP/1.1 request on a keep-alive connection with extra header lines; returns the
/// status, the first `Set-Cookie` value, `Retry-After` and the body.
async fn request(
    stream: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    extra_headers: &str,
    body: &[u8],
) -> Result<(u16, String, Option<u64>, Vec<u8>)> {
    let io = |cause| Error::io("bench connection", cause);
    let content_type = if extra_headers.contains("Content-Type") {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    // One write: a head and a body in two small segments would wait for a delayed ACK
    // (Nagle), adding about 40 ms to every request.
    let mut message = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\n{content_type}{extra_headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    message.extend_from_slice(body);
    stream.get_mut().write_all(&message).await.map_err(io)?;
    let mut line = String::new();
    stream.read_line(&mut line).await.map_err(io)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    let mut cookie = String::new();
    let mut retry_after = None;
    loop {
        line.clear();
        stream.read_line(&mut line).await.map_err(io)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("set-cookie") && cookie.is_empty() {
                cookie = value.trim().to_owned();
            } else if name.eq_ignore_ascii_case("retry-after") {
                retry_after = value.trim().parse().ok();
            }
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.map_err(io)?;
    Ok((status, cookie, retry_after, body))
}

/// Peak resident set size of this process, KiB (`VmHWM` in /proc/self/status; 0 elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
