//! Headless Chromium through chromedriver (WebDriver, fantoccini) for the portal and venue page
//! tests: finding the binaries, starting chromedriver on a free port, and small page helpers.

#![allow(unreachable_pub)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};

/// Chromium flags: headless, no sandbox (containers, root), nothing that reaches the network on
/// its own.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-crash-reporter",
    "--disable-breakpad",
];

/// A binary from `variable`, else the first of `candidates` on the PATH or in /usr/bin.
pub fn find_binary(variable: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for candidate in candidates {
        for directory in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
            let full = directory.join(candidate);
            if full.is_file() {
                return Some(full);
            }
        }
    }
    None
}

/// chromedriver on a free local port, killed when dropped.
pub struct Driver {
    child: Child,
    /// The port chromedriver listens on.
    pub port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_driver(chromedriver: &PathBuf) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/status"))
            .send()
            .await
            && response.status().is_success()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on port {port}");
}

pub async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css} on the page: {error}"))
        .text()
        .await
        .unwrap()
}

pub async fn fill(client: &Client, css: &str, value: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Clicks a button that submits a form and waits until the browser has left the page (its old
/// document is gone), so that what is read next comes from the answer, not from the page the
/// button was on (which may hold an element of the same id).
pub async fn submit(client: &Client, css: &str) {
    let page = client.find(Locator::Css("html")).await.unwrap();
    click(client, css).await;
    for _ in 0..200 {
        if page.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("clicking {css} did not leave the page within 20 s");
}

/// The path of the page the browser shows.
pub async fn path(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}
