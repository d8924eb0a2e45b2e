//! Headless Chromium through chromedriver (WebDriver, fantoccini) for the portal and venue page
//! tests: finding the binaries, a session against a portal server, and small page helpers.

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::TestServer;
use super::staff::start_portal;

/// One Chromium at a time in this process: two at once on a small machine make page waits
/// slow enough to time out.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `steps` in headless Chromium with a fresh server that has the staff account
/// ([`start_portal`]); `steps` gets the WebDriver client, the server and its base URL.
///
/// Needs Debian's `chromium` and `chromium-driver` (or `MIMAMORI_CHROMIUM` and
/// `MIMAMORI_CHROMEDRIVER` pointing at the binaries). Without them this prints "skipped" and
/// returns, unless `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.
pub async fn in_chromium<Steps, Done>(steps: Steps)
where
    Steps: FnOnce(Client, Arc<TestServer>, String) -> Done,
    Done: Future<Output = ()> + Send + 'static,
{
    let required = std::env::var("MIMAMORI_REQUIRE_BROWSER").as_deref() == Ok("1");
    let chromium = find_binary(
        "MIMAMORI_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_binary("MIMAMORI_CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            !required,
            "MIMAMORI_REQUIRE_BROWSER=1 but chromium or chromedriver is missing \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "skipped: chromium or chromedriver not found (MIMAMORI_REQUIRE_BROWSER=1 fails instead)"
        );
        return;
    };

    let _one_browser = ONE_BROWSER.lock().await;
    let server = Arc::new(start_portal().await);
    let base = server.server.base_url();
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": args}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session through chromedriver");

    // The steps run in their own task so that a failed assertion still closes Chromium.
    let outcome = tokio::spawn(steps(client.clone(), Arc::clone(&server), base)).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
    let server = Arc::try_unwrap(server).ok().expect("the steps are done");
    server.server.shutdown().await.unwrap();
}

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

async fn start_driver(chromedriver: &PathBuf) -> Driver {
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

/// The element `css` of the page, which must be there.
pub async fn find(client: &Client, css: &str) -> Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css} on the page: {error}"))
}

pub async fn fill(client: &Client, css: &str, value: &str) {
    let field = find(client, css).await;
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

pub async fn click(client: &Client, css: &str) {
    find(client, css).await.click().await.unwrap();
}

/// Clicks a button that submits a form and waits until the browser has left the page (its old
/// document is gone), so that what is read next comes from the answer, not from the page the
/// button was on (which may hold an element of the same id).
pub async fn submit(client: &Client, css: &str) {
    let page = find(client, "html").await;
    click(client, css).await;
    for _ in 0..200 {
        if page.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("clicking {css} did not leave the page within 20 s");
}

/// Opens `path` of the server at `base`.
pub async fn open(client: &Client, base: &str, path: &str) {
    client.goto(&format!("{base}{path}")).await.unwrap();
}

/// The path of the page the browser shows.
pub async fn path(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}

/// axe-core's script (`npm ci --prefix diagnosis-server/tests/axe`, or `MIMAMORI_AXE_CORE`
/// naming `axe.min.js`): injected into pages through WebDriver by the tests only, never served.
/// Missing, the caller skips its accessibility checks with a note, unless
/// `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.
pub fn axe_source() -> Option<String> {
    let path = std::env::var_os("MIMAMORI_AXE_CORE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/axe/node_modules/axe-core/axe.min.js")
        });
    let source = std::fs::read_to_string(&path).ok();
    if source.is_none() {
        assert!(
            std::env::var("MIMAMORI_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "MIMAMORI_REQUIRE_BROWSER=1 but axe-core is missing at {} \
             (npm ci --prefix diagnosis-server/tests/axe)",
            path.display()
        );
        eprintln!(
            "note: axe-core not found at {}; accessibility checks skipped",
            path.display()
        );
    }
    source
}

/// The widths every page is checked at: a small phone and a desktop.
pub const CHECKED_WIDTHS: [u32; 2] = [360, 1280];

/// Checks the page open in `client` at each of [`CHECKED_WIDTHS`]: nothing scrolls sideways
/// (WCAG 1.4.10 reflow) and axe-core (when `axe` is given) finds no violation; saves a
/// screenshot `<name>-<width>.png` in `screenshots`. Returns what is wrong, one line each.
pub async fn check_page(
    client: &Client,
    axe: Option<&str>,
    screenshots: &std::path::Path,
    name: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for width in CHECKED_WIDTHS {
        client.set_window_size(width, 900).await.unwrap();
        // Let the page lay out at the new width.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let widths = client
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (scroll, visible) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        if scroll > visible {
            problems.push(format!(
                "{name} at {width} px: the page is {scroll} px wide (viewport {visible} px)"
            ));
        }
        if width == CHECKED_WIDTHS[0] {
            assert!(
                visible <= u64::from(width),
                "the window is {visible} px wide"
            );
        }
        // The whole page in the screenshot: as tall a window as the page (at most 6000 px).
        let height = client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(900)
            .clamp(900, 6000);
        client
            .set_window_size(width, u32::try_from(height).unwrap())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let png = client.screenshot().await.unwrap();
        std::fs::write(screenshots.join(format!("{name}-{width}.png")), png).unwrap();
        if let Some(axe) = axe {
            client.execute(axe, vec![]).await.unwrap();
            let violations = client
                .execute_async(
                    "const done = arguments[arguments.length - 1];\
                     axe.run(document).then(result => done(result.violations.map(v => \
                       v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))),\
                       error => done(['axe failed: ' + error]));",
                    vec![],
                )
                .await
                .unwrap();
            for violation in violations.as_array().into_iter().flatten() {
                problems.push(format!(
                    "{name} at {width} px: axe: {}",
                    violation.as_str().unwrap_or("?")
                ));
            }
        }
    }
    problems
}

/// Fills the listing page's form for a school (its roster file, the basis date and the last day
/// of attendance) and submits it.
pub async fn make_school_listing(
    client: &Client,
    roster_csv: &str,
    basis_date: &str,
    last_attendance: &str,
) {
    let roster = tempfile::tempdir().unwrap();
    let roster_file = roster.path().join("roster.csv");
    std::fs::write(&roster_file, roster_csv).unwrap();
    find(client, "#setting")
        .await
        .select_by_value("school")
        .await
        .unwrap();
    client
        .execute(
            &format!(
                "document.getElementById('basis_date').value = '{basis_date}';\
                 document.getElementById('last_attendance').value = '{last_attendance}';"
            ),
            vec![],
        )
        .await
        .unwrap();
    find(client, "#roster")
        .await
        .send_keys(roster_file.to_str().unwrap())
        .await
        .unwrap();
    submit(client, "#make").await;
}
