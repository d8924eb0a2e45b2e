//! The recording proxy between Chromium and the test server: it records every request the
//! browser sends (method, path and query, referrer, body), can spoil the feed or the keys or
//! answer as if offline, and serves the benchmark's files under `/bench/`.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mimamori_venue::{
    FEED_PATH, KEYS_PATH, NoticeFeed, PublishedVenueKeys, VenuePublicKey, VenueSigningKey,
};

/// What the proxy does to the answers it forwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Forwards everything unchanged.
    Pass,
    /// Cuts the notice feed to half its length.
    TruncatedFeed,
    /// Re-signs the notice feed with a key that is not the authority's.
    FeedSignedByAnotherKey,
    /// Publishes another QR key at the keys path (a server or CDN swapping keys).
    ChangedKeys,
    /// Answers 502 to everything, as an unreachable server.
    Offline,
}

/// One request the browser sent.
#[derive(Clone, Debug)]
pub(super) struct Seen {
    /// `GET`, `POST`, ...
    pub(super) method: String,
    /// The path and query string.
    pub(super) path_and_query: String,
    /// The `Referer` header, empty when none.
    pub(super) referer: String,
    /// The request body.
    pub(super) body: Vec<u8>,
}

/// The proxy's state: where it forwards, what it saw, what it does now.
pub(super) struct Proxy {
    upstream: String,
    client: reqwest::Client,
    /// Every request the browser sent, in order.
    pub(super) seen: Mutex<Vec<Seen>>,
    mode: Mutex<Mode>,
    other_key: VenueSigningKey,
}

impl Proxy {
    /// From now on, does `mode`.
    pub(super) fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

/// The benchmark files the proxy serves under `/bench/` (test infrastructure, not the page: not
/// recorded): the shared benchmark module and core's venue vectors.
pub(super) fn bench_file(path: &str) -> Option<(&'static str, Vec<u8>)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let (media_type, file) = match path {
        "/bench/bench-feed.mjs" => (
            "text/javascript",
            format!("{root}/web/tests/bench-feed.mjs"),
        ),
        "/bench/venue-vectors.json" => (
            "application/json",
            format!("{root}/../core/venue/tests/data/venue-vectors/venue-vectors.json"),
        ),
        _ => return None,
    };
    Some((media_type, std::fs::read(file).unwrap()))
}

pub(super) async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    if let Some((media_type, bytes)) = bench_file(request.uri().path()) {
        return ([("content-type", media_type)], bytes).into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    proxy.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path_and_query: path_and_query.clone(),
        referer: parts
            .headers
            .get("referer")
            .map(|value| value.to_str().unwrap_or("?").to_owned())
            .unwrap_or_default(),
        body: body.to_vec(),
    });
    let mode = *proxy.mode.lock().unwrap();
    if mode == Mode::Offline {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    let mut headers = HeaderMap::new();
    let spoiling = mode != Mode::Pass;
    for (name, value) in &parts.headers {
        // A spoiling proxy answers in full: no "not modified" from the browser's cached copy.
        let conditional = name == "if-none-match" || name == "if-modified-since";
        if name != "host" && name != "content-length" && !(spoiling && conditional) {
            headers.insert(name.clone(), value.clone());
        }
    }
    let answer = proxy
        .client
        .request(
            parts.method.clone(),
            format!("{}{path_and_query}", proxy.upstream),
        )
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let mut headers = answer.headers().clone();
    headers.remove("content-length");
    headers.remove("transfer-encoding");
    let mut bytes = answer.bytes().await.unwrap().to_vec();
    let path = parts.uri.path();
    if path == FEED_PATH && mode == Mode::TruncatedFeed {
        bytes.truncate(bytes.len() / 2);
    }
    if path == FEED_PATH && mode == Mode::FeedSignedByAnotherKey {
        let keys: PublishedVenueKeys =
            crate::common::json_from(proxy.client.get(format!("{}{KEYS_PATH}", proxy.upstream)))
                .await;
        let feed_keys: Vec<VenuePublicKey> = keys
            .feed_keys
            .iter()
            .map(|pem| VenuePublicKey::parse(pem).unwrap())
            .collect();
        bytes = NoticeFeed::parse(&bytes, &feed_keys)
            .unwrap()
            .sign(&[&proxy.other_key])
            .unwrap();
    }
    if path == KEYS_PATH && mode == Mode::ChangedKeys {
        let mut keys: PublishedVenueKeys = serde_json::from_slice(&bytes).unwrap();
        keys.qr_keys = vec![proxy.other_key.public_key().to_pem().unwrap()];
        bytes = serde_json::to_vec(&keys).unwrap();
    }
    (status, headers, Bytes::from(bytes)).into_response()
}

/// The proxy on 127.0.0.1:0 in front of `upstream`; its base URL.
pub(super) async fn start_proxy(
    upstream: &str,
    other_key: VenueSigningKey,
) -> (Arc<Proxy>, String) {
    let proxy = Arc::new(Proxy {
        upstream: upstream.to_owned(),
        client: reqwest::Client::new(),
        seen: Mutex::new(Vec::new()),
        mode: Mutex::new(Mode::Pass),
        other_key,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (proxy, base)
}
