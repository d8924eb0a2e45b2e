//! Export files, `index.txt`, `list.json` and the export verification keys, served with
//! `ETag`, `If-None-Match` (304) and `Cache-Control`.
//!
//! In a national deployment a CDN serves the same objects from the S3-compatible bucket; these
//! routes serve them from whatever [`crate::blobs::BlobStore`] is configured.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
pub use mimamori_api::v1::EXPORT_KEYS_PATH;
use mimamori_api::v1::{
    EXPORT_INDEX_FILE, EXPORT_LIST_FILE, ExportVerificationKey, ExportVerificationKeys,
};
use sha2::{Digest, Sha256};

use super::{AppState, internal_error, json};

/// `Cache-Control` of listings, which change with every batch.
pub const LISTING_CACHE_CONTROL: &str = "public, max-age=300";

/// `Cache-Control` of export files, which never change.
pub const FILE_CACHE_CONTROL: &str = "public, max-age=86400, immutable";

/// Path of a region's export files, `index.txt` and `list.json`.
pub const EXPORT_FILE_PATH: &str = "/exports/{region}/{file}";

/// The file routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(EXPORT_FILE_PATH, get(export_file))
        .route(EXPORT_KEYS_PATH, get(export_keys))
}

async fn export_file(
    State(services): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    // A name that is not even text (bad percent-encoding) is simply not found.
    let Ok(Path((region, file))) = path else {
        return not_found();
    };
    let name = format!("exports/{region}/{file}");
    let (content_type, cache_control) = if file == EXPORT_INDEX_FILE {
        ("text/plain; charset=utf-8", LISTING_CACHE_CONTROL)
    } else if file == EXPORT_LIST_FILE {
        ("application/json", LISTING_CACHE_CONTROL)
    } else if file.ends_with(".zip") {
        ("application/zip", FILE_CACHE_CONTROL)
    } else {
        return not_found();
    };
    let bytes = match services.blobs.get(&name).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) if file == EXPORT_INDEX_FILE => bytes::Bytes::new(),
        Ok(None) if file == EXPORT_LIST_FILE => bytes::Bytes::from_static(b"[]"),
        Ok(None) => return not_found(),
        // An unsafe name is simply not found.
        Err(crate::Error::Blob(_)) => return not_found(),
        Err(error) => return internal_error(&error),
    };
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|candidate| candidate.trim() == etag || candidate.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    (StatusCode::OK, response_headers, bytes).into_response()
}

/// The 404 of a file that does not exist, in JSON like every other API error.
fn not_found() -> Response {
    json(404, &serde_json::json!({"error": "no such export file"}))
}

async fn export_keys(State(services): State<AppState>) -> Response {
    match services.export_keys.read() {
        Ok(ring) => {
            let keys = ring
                .published()
                .into_iter()
                .map(|key| ExportVerificationKey {
                    key_id: key.key_id,
                    version: key.version,
                    created: key.created,
                    public_key_pem: key.public_key_pem,
                })
                .collect();
            json(200, &ExportVerificationKeys { keys })
        }
        Err(_) => internal_error(&crate::Error::SigningKey(
            "the key ring lock was poisoned".into(),
        )),
    }
}
