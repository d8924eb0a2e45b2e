//! Issue 13, defect 6: half-sent requests must not exhaust the server's file descriptors. The
//! real binary runs under `ulimit -n 256` with short timeouts and a cap of 64 connections; 300
//! connections send part of a request and stall; `/health` still answers, and the server closes
//! every stalled connection. (Before the accept loop had timeouts and a cap, about 250 stalled
//! requests used up the descriptors and `/health` never answered.)

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::spawn_binary_after;

/// Descriptors the server may open in this test.
const SERVER_FD_LIMIT: u32 = 256;
/// Stalled connections (more than the server could hold open under [`SERVER_FD_LIMIT`]).
const STALLED: usize = 300;

/// The soft limit on open files of this process, from `/proc/self/limits`.
fn own_fd_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    if soft == "unlimited" {
        Some(u64::MAX)
    } else {
        soft.parse().ok()
    }
}

/// Reads until the server closes the connection; the bytes read.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return received,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

#[tokio::test]
async fn half_sent_requests_do_not_stop_health_from_answering() {
    let own_limit = own_fd_limit().expect("/proc/self/limits names the open-file limit");
    assert!(
        own_limit >= (STALLED as u64) + 100,
        "this test opens {STALLED} sockets; raise the open-file limit (ulimit -n) above {}",
        STALLED + 100
    );
    let directory = tempfile::tempdir().unwrap();
    let (_child, base) = spawn_binary_after(
        &format!("ulimit -n {SERVER_FD_LIMIT}"),
        directory.path(),
        |command| {
            command
                .args(["--header-read-timeout-seconds", "1"])
                .args(["--body-read-timeout-seconds", "1"])
                .args(["--max-connections", "64"]);
        },
    );
    let address = base.trim_start_matches("http://").to_owned();

    // Half the connections stop inside the headers, half after the headers and half the body.
    let mut stalled = Vec::with_capacity(STALLED);
    for number in 0..STALLED {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        let partial = if number % 2 == 0 {
            "POST /v1/publish HTTP/1.1\r\nHost: test\r\nContent-Le".to_owned()
        } else {
            format!(
                "POST /v1/publish HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                 Content-Length: 1000\r\n\r\n{}",
                "x".repeat(500)
            )
        };
        stream.write_all(partial.as_bytes()).await.unwrap();
        stalled.push(stream);
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let health = client
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("/health answers while 300 half-sent requests stall");
    assert_eq!(health.status().as_u16(), 200);

    // The server closed every stalled connection; those with a head got a JSON 400.
    for (number, stream) in stalled.iter_mut().enumerate() {
        let received = tokio::time::timeout(Duration::from_secs(60), read_until_closed(stream))
            .await
            .expect("the server closes a stalled connection");
        if number % 2 == 1 {
            let text = String::from_utf8_lossy(&received);
            assert!(text.starts_with("HTTP/1.1 400"), "{text}");
            assert!(text.contains("application/json"), "{text}");
        }
    }
}
