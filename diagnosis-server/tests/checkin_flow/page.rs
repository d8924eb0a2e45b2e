//! Helpers that read and drive the check-in page in Chromium: its IndexedDB, waits, the
//! accessibility checks, screenshots.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::common::browser::click;

/// Everything the page keeps in IndexedDB, as JSON (bytes as hex): {visits, notices, settings}.
/// Read only after the page has opened its database (opening it first would create it empty).
pub(super) async fn stored(client: &Client) -> Value {
    const SCRIPT: &str = r#"
        const done = arguments[arguments.length - 1];
        const request = indexedDB.open("mimamori-checkin");
        request.onerror = () => done("cannot open");
        request.onsuccess = () => {
          const db = request.result;
          const names = ["visits", "notices", "settings"];
          const tx = db.transaction(names, "readonly");
          const out = {};
          for (const name of names) {
            const store = tx.objectStore(name);
            const keys = store.getAllKeys();
            const values = store.getAll();
            values.onsuccess = () => {
              out[name] = values.result.map((value, i) => [keys.result[i], value]);
            };
          }
          tx.oncomplete = () => {
            db.close();
            done(JSON.stringify(out, (key, value) =>
              value instanceof Uint8Array
                ? Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")
                : value));
          };
        };
    "#;
    let answer = client.execute_async(SCRIPT, vec![]).await.unwrap();
    serde_json::from_str(answer.as_str().expect("the store as JSON")).unwrap()
}

/// Adds `record` to the page's visits store, as a resident's earlier check-in.
pub(super) async fn store_visit(client: &Client, record: &Value) {
    const SCRIPT: &str = r#"
        const [record, done] = [arguments[0], arguments[arguments.length - 1]];
        record.payload = Uint8Array.from(record.payload.match(/../g), (h) => parseInt(h, 16));
        const request = indexedDB.open("mimamori-checkin");
        request.onsuccess = () => {
          const tx = request.result.transaction(["visits"], "readwrite");
          tx.objectStore("visits").put(record);
          tx.oncomplete = () => { request.result.close(); done("ok"); };
          tx.onerror = () => done("failed");
        };
    "#;
    let answer = client
        .execute_async(SCRIPT, vec![record.clone()])
        .await
        .unwrap();
    assert_eq!(answer, "ok");
}

pub(super) async fn wait_for(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("{css} did not appear: {error}"));
}

/// Clicks "Check notices" once any check under way (the page checks on its own at every open
/// with visits stored) is over, and waits until the check it started is over.
pub(super) async fn check_notices(client: &Client) {
    wait_for(client, "body:not([data-notice-check=running])").await;
    click(client, "#check-notices").await;
    wait_for(client, "body[data-notice-check=done]").await;
}

/// What keeps the page from being usable at a 360 px width or with a screen reader, as found
/// in the page as it is now (empty when nothing): content wider than the viewport; a form
/// control without a label or a button without a name; a positive `tabindex` (focus order is
/// the document's); text whose contrast with its background is under 4.5:1 (WCAG AA);
/// English text not marked `lang="en"`; a page not in Japanese.
pub(super) async fn accessibility_problems(client: &Client) -> Vec<String> {
    const SCRIPT: &str = r#"
        const problems = [];
        if (document.documentElement.lang !== "ja") problems.push("the page is not lang=ja");
        const width = document.documentElement.scrollWidth;
        if (width > window.innerWidth) {
          problems.push(`content ${width} px wide in ${window.innerWidth} px`);
        }
        const visible = (el) =>
          el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
        const named = (el) => el.getAttribute("aria-label");
        for (const el of document.querySelectorAll("input, select, textarea")) {
          if (visible(el) && el.labels.length === 0 && !named(el)) {
            problems.push(`no label: #${el.id}`);
          }
        }
        for (const el of document.querySelectorAll("button")) {
          if (visible(el) && !el.textContent.trim() && !named(el)) {
            problems.push(`no name: button #${el.id}`);
          }
        }
        for (const el of document.querySelectorAll("[tabindex]")) {
          if (el.tabIndex > 0) problems.push(`tabindex > 0: ${el.tagName}`);
        }
        for (const el of document.querySelectorAll(".en")) {
          if (el.closest("[lang]").lang !== "en") {
            problems.push(`English not lang=en: ${el.textContent.slice(0, 30)}`);
          }
        }
        const rgba = (text) => (text.match(/[\d.]+/g) ?? []).map(Number);
        const luminance = ([r, g, b]) => {
          const channel = (c) =>
            (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
        };
        const background = (el) => {
          for (let at = el; at; at = at.parentElement) {
            const color = rgba(getComputedStyle(at).backgroundColor);
            if (color.length === 3 || color[3] > 0) return color;
          }
          return [255, 255, 255];
        };
        for (const el of document.querySelectorAll("body *")) {
          const hasText =
            [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
          if (!hasText || !visible(el)) continue;
          const style = getComputedStyle(el);
          const alpha = Number(style.opacity);
          const [a, b] = [luminance(rgba(style.color)), luminance(background(el))];
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < 4.5 && alpha === 1 && !el.closest("button:disabled")) {
            const what = el.textContent.trim().slice(0, 30);
            problems.push(`contrast ${ratio.toFixed(2)}: ${el.tagName} ${what}`);
          }
        }
        return problems;
    "#;
    let answer = client.execute(SCRIPT, vec![]).await.unwrap();
    serde_json::from_value(answer).unwrap()
}

/// Whether the element `css` is hidden (or absent).
pub(super) async fn hidden(client: &Client, css: &str) -> bool {
    client
        .find(Locator::Css(&format!("{css}:not([hidden])")))
        .await
        .is_err()
}

/// Where screenshots go: `MIMAMORI_SCREENSHOTS`, else `target/tmp/checkin-screenshots`.
pub(super) fn screenshot_directory() -> std::path::PathBuf {
    let directory = std::env::var_os("MIMAMORI_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkin-screenshots")
        });
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

/// Scrolls the element `css` into view and keeps a screenshot of the viewport as `name`.png.
pub(super) async fn screenshot(client: &Client, css: &str, name: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'})",
            vec![json!(css)],
        )
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_directory().join(format!("{name}.png")), png).unwrap();
}

/// Opens `url` afresh (from a blank page).
pub(super) async fn open_url(client: &Client, url: &str) {
    client.goto("about:blank").await.unwrap();
    client.goto(url).await.unwrap();
}

/// Waits until the page's service worker is active (it then holds the page's files).
pub(super) async fn wait_service_worker(client: &Client) {
    let answer = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.ready.then(() => done('ready'), () => done('failed'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(answer, "ready");
}

/// Asks the page's service worker to run its periodic-sync notice check now (a message with
/// the sync's tag: headless Chromium cannot fire `periodicsync` on demand) and returns its
/// answer: the count of new notices stored, or the error's kind.
pub(super) async fn worker_notice_check(client: &Client) -> Value {
    wait_service_worker(client).await;
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.ready.then((registration) => {
               const channel = new MessageChannel();
               channel.port1.onmessage = (event) => done(event.data);
               registration.active.postMessage('mimamori-notices', [channel.port2]);
             }, () => done('no worker'));",
            vec![],
        )
        .await
        .unwrap()
}

/// Deletes every stored notice (as if the page had not checked yet), keeping the visits.
pub(super) async fn forget_notices(client: &Client) {
    let answer = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const request = indexedDB.open('mimamori-checkin');
             request.onsuccess = () => {
               const tx = request.result.transaction(['notices'], 'readwrite');
               tx.objectStore('notices').clear();
               tx.oncomplete = () => { request.result.close(); done('cleared'); };
             };",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(answer, "cleared");
}

/// The periodic-background-sync permission this browser gives the page and the sync tags the
/// page registered: `{"state": …, "tags": [...]}`, tags `null` where the API is missing.
pub(super) async fn periodic_sync_state(client: &Client) -> Value {
    wait_service_worker(client).await;
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.ready.then(async (registration) => {
               const { state } = await navigator.permissions
                 .query({ name: 'periodic-background-sync' })
                 .catch(() => ({ state: 'unknown' }));
               const tags = registration.periodicSync ? await registration.periodicSync.getTags() : null;
               done({ state, tags });
             }).catch((error) => done({ error: String(error) }));",
            vec![],
        )
        .await
        .unwrap()
}
