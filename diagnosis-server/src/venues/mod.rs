//! Venue check-ins and cluster notices, the server side (issue 6; protocol in
//! [`mimamori_venue`], the JSON of the API in [`mimamori_api::v1::venues`], design and its
//! reasons in `docs/adr/0007-venue-check-ins.md`).
//!
//! | method | path | who | what |
//! |--------|------|-----|------|
//! | GET, POST | `/venues/register` | operator | registration form (HTML) |
//! | POST | `/venues/v1/registrations` | operator | the same as JSON → QR PNG/SVG, posters, leaflet, operator copy |
//! | GET, POST | `/venues/notice-request` | manager / staff | notice request form (HTML) |
//! | POST | `/venues/v1/notice-requests` | manager (manager key) or staff (keyword) | request a notice (JSON) |
//! | POST | `/venues/v1/keywords` | manager (manager key) | a one-time keyword for staff |
//! | GET | [`FEED_PATH`] | phones, partners | the signed notice feed (from the blob store) |
//! | GET | [`KEYS_PATH`] | phones, partners | the QR, feed and sealing public keys |
//! | GET | `/api/v1/authority/venues/notice-requests` | authority (API key) | pending requests |
//! | POST | `/api/v1/authority/venues/notice-requests/{id}/approve`, `/reject` | authority | decide |
//! | POST | `/api/v1/authority/venues/notices` | authority | publish directly with the trace code |
//! | GET, POST | `/portal/venues` | authority (portal login) | the same as pages |
//!
//! What the server keeps: for each registration two copies of the record (form fields, rooms,
//! QR URLs) sealed with X25519 to the authority's key, one opened with the operator's trace code
//! and one with the manager device's key; SHA-256 lookups of those codes. The venue seeds never
//! lie in the database in the clear, so a database dump alone reveals nothing. Requests hold
//! the encrypted feed entries (made when the request was filed, with the venue secret from the
//! opened record) and a summary sealed to the authority key, so approving needs no secret from
//! the operator.

mod html;
mod keys;
mod notices;
mod posters;
mod registration;

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mimamori_documents::FontSet;
use mimamori_venue::{
    FEED_CONTENT_TYPE, FEED_PATH, FEED_RETENTION_SECONDS, FeedEntry, KEYS_PATH, NoticeFeed,
    PublishedVenueKeys, SlotTag,
};
use sha2::{Digest, Sha256};

pub use self::keys::{VENUE_KEY_ID, VENUE_KEY_VERSION, VenueKeys, load_or_create_venue_keys};
#[cfg(test)]
pub(crate) use self::notices::notice_bodies_deserialise;
pub use self::notices::{KEYWORD_SECONDS, MAX_NOTICE_AGE_DAYS};
pub use self::posters::POSTER_FORM_PATH;
pub use self::registration::QR_PNG_MODULE_PIXELS;
use crate::answers::{internal_error, json};
use crate::routes::AppState;
use crate::storage::StoredNotice;
use crate::{Error, Result};
pub use mimamori_api::v1::venues::{
    AUTHORITY_APPROVE_PATH, AUTHORITY_NOTICES_PATH, AUTHORITY_REJECT_PATH, AUTHORITY_REQUESTS_PATH,
    CAPACITY_BANDS, DEFAULT_STAY_MINUTES, KEYWORDS_PATH, MAX_ADDRESS_LINE_CHARS, MAX_EMAIL_CHARS,
    MAX_ROOMS, NOTICE_REQUESTS_PATH, NoticeFields, NoticeProblem, POSTERS_PATH, REGISTRATIONS_PATH,
    RegisteredRoom, RegisteredVenue, RegistrationForm, RegistrationProblem, RequestSummary,
};
use mimamori_api::v1::venues::{BAD_REQUEST, ErrorResponse};

/// The registration form (HTML).
pub const REGISTER_PAGE_PATH: &str = "/venues/register";
/// The notice request form (HTML), for the manager or staff with a keyword.
pub const NOTICE_REQUEST_PAGE_PATH: &str = "/venues/notice-request";
/// The authority's pages in the staff portal (behind the portal login).
pub const PORTAL_VENUES_PATH: &str = "/portal/venues";
/// Deciding a request in the portal.
pub const PORTAL_DECIDE_PATH: &str = "/portal/venues/decide";
/// Publishing directly in the portal.
pub const PORTAL_DIRECT_PATH: &str = "/portal/venues/direct";

/// Object name of the feed in the blob store (the path without its leading `/`).
pub const FEED_OBJECT: &str = "venues/v1/notices";

/// How old the stored feed may get before a download rebuilds it (to drop notices past the
/// 14-day retention even when nothing new is published): 1 hour.
pub const FEED_REFRESH_SECONDS: i64 = 3600;

/// Largest request body, in bytes (a registration with 50 rooms fits easily).
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Settings of the venue service, from [`crate::Config`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueSettings {
    /// Host (and port, if any) in the QR URLs (`https://<host>/v/#...`), from
    /// [`crate::Config::venue_qr_host`].
    pub authority_host: String,
    /// Name of the authority on posters and in notices.
    pub authority_name: String,
    /// The authority's phone for questions about the service (leaflet).
    pub authority_phone: String,
    /// The consultation centre's phone (leaflet).
    pub consultation_phone: String,
}

impl VenueSettings {
    /// The settings in `config`.
    pub fn from_config(config: &crate::Config) -> Self {
        let host = config.venue_qr_host();
        Self {
            authority_host: host,
            authority_name: config.venue_authority_name.clone(),
            authority_phone: config.venue_authority_phone.clone(),
            consultation_phone: config.venue_consultation_phone.clone(),
        }
    }

    /// Whether the QR codes point to this machine only (`localhost` or a loopback address), so
    /// that no resident's phone can open them.
    pub fn qr_host_is_local(&self) -> bool {
        crate::config::is_local_host(&self.authority_host)
    }

    /// The page a venue QR code opens, without its fragment: `https://<host>/v/`.
    pub fn check_in_page_url(&self) -> String {
        format!("https://{}{}", self.authority_host, mimamori_venue::QR_PATH)
    }
}

/// What the venue routes share.
pub struct VenueService {
    /// The server's services (storage, blobs, clock, API keys).
    pub services: AppState,
    /// The authority's venue keys; `Err` holds why they could not be loaded.
    keys: std::result::Result<VenueKeys, String>,
    /// Settings.
    pub settings: VenueSettings,
    fonts: OnceLock<std::result::Result<FontSet, String>>,
    feed_built_at: Mutex<Option<i64>>,
}

impl std::fmt::Debug for VenueService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VenueService")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Shared state of the venue routes.
pub type VenueState = Arc<VenueService>;

impl crate::routes::ServicesState for VenueState {
    fn services(&self) -> &crate::service::Services {
        &self.services
    }
}

impl VenueService {
    /// Loads (or on first start creates) the keys in the data directory.
    pub fn new(services: AppState) -> Self {
        let keys = load_or_create_venue_keys(&services.config.venue_keys_dir()).map_err(|error| {
            tracing::error!(%error, "venue keys unavailable; venue routes answer 503");
            error.to_string()
        });
        let settings = VenueSettings::from_config(&services.config);
        if settings.qr_host_is_local() {
            tracing::warn!(
                qr_host = %settings.authority_host,
                "venue QR codes point to https://{}/v/, which residents' phones cannot open; set \
                 --public-url (MIMAMORI_PUBLIC_URL) to the https:// address residents reach this \
                 server at before registering venues",
                settings.authority_host
            );
        }
        Self {
            services,
            keys,
            settings,
            fonts: OnceLock::new(),
            feed_built_at: Mutex::new(None),
        }
    }

    /// The keys, or an error saying why they are missing.
    pub fn keys(&self) -> Result<&VenueKeys> {
        self.keys
            .as_ref()
            .map_err(|reason| Error::SigningKey(format!("venue keys: {reason}")))
    }

    /// The CJK fonts for the PDFs, loaded on first use.
    pub fn fonts(&self) -> std::result::Result<&FontSet, String> {
        self.fonts
            .get_or_init(|| FontSet::from_env_or_default().map_err(|error| error.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Now, Unix seconds.
    pub fn now(&self) -> i64 {
        i64::try_from(self.services.clock.now_unix_seconds()).unwrap_or(i64::MAX)
    }

    /// The public keys, as published at [`KEYS_PATH`].
    pub fn published_keys(&self) -> Result<PublishedVenueKeys> {
        let keys = self.keys()?;
        let pem = keys.signing.public_key().to_pem()?;
        Ok(PublishedVenueKeys {
            qr_keys: vec![pem.clone()],
            feed_keys: vec![pem],
            seal_key: keys.seal.public_key().to_base64(),
        })
    }

    /// Rebuilds the signed feed from the notices of the last 14 days and writes it to the blob
    /// store; returns its bytes.
    pub async fn publish_feed(&self) -> Result<Vec<u8>> {
        let now = self.now();
        let since = now.saturating_sub(i64::try_from(FEED_RETENTION_SECONDS).unwrap_or(0));
        let stored = self.services.storage.venue_notices_since(since).await?;
        let mut entries = Vec::with_capacity(stored.len());
        for notice in &stored {
            entries.push(decode_entry(&notice.entry)?);
        }
        let keys = self.keys()?;
        let feed =
            NoticeFeed::new(u64::try_from(now).unwrap_or(0), entries).sign(&[&keys.signing])?;
        self.services
            .blobs
            .put(FEED_OBJECT, bytes::Bytes::from(feed.clone()))
            .await?;
        if let Ok(mut built) = self.feed_built_at.lock() {
            *built = Some(now);
        }
        Ok(feed)
    }

    /// Stores `entries` as published now, with `publication` in the list of published notices,
    /// and rebuilds the feed.
    pub async fn publish_entries(
        &self,
        entries: Vec<FeedEntry>,
        publication: Option<&crate::storage::VenuePublicationRow>,
    ) -> Result<()> {
        let now = self.now();
        let notices: Vec<StoredNotice> = entries
            .into_iter()
            .map(|mut entry| {
                entry.published_at = u64::try_from(now).unwrap_or(0);
                stored_notice(&entry)
            })
            .collect();
        self.services
            .storage
            .insert_venue_notices(&notices, publication)
            .await?;
        self.publish_feed().await?;
        Ok(())
    }
}

/// A feed entry as a [`StoredNotice`].
pub(crate) fn stored_notice(entry: &FeedEntry) -> StoredNotice {
    StoredNotice {
        notice_id: hex::encode(entry.notice_id),
        published_at: i64::try_from(entry.published_at).unwrap_or(i64::MAX),
        entry: encode_entry(entry),
    }
}

/// The database encoding of a feed entry (JSON; the feed file itself is core's protobuf).
pub(crate) fn encode_entry(entry: &FeedEntry) -> Vec<u8> {
    use base64::Engine as _;
    let value = serde_json::json!({
        "id": hex::encode(entry.notice_id),
        "tags": entry.tags.iter().map(|tag| hex::encode(tag.0)).collect::<Vec<_>>(),
        "iv": hex::encode(entry.iv),
        "ciphertext": base64::engine::general_purpose::STANDARD.encode(&entry.ciphertext),
        "mac": hex::encode(entry.mac),
        "publishedAt": entry.published_at,
    });
    value.to_string().into_bytes()
}

/// Reads [`encode_entry`]'s bytes.
pub(crate) fn decode_entry(bytes: &[u8]) -> Result<FeedEntry> {
    use base64::Engine as _;
    let bad = || Error::Database("a stored venue notice is damaged".into());
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| bad())?;
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).ok_or_else(bad);
    let hex_array = |text: &str| hex::decode(text).map_err(|_| bad());
    let tags = value
        .get("tags")
        .and_then(|v| v.as_array())
        .ok_or_else(bad)?
        .iter()
        .map(|tag| {
            let bytes = hex_array(tag.as_str().ok_or_else(bad)?)?;
            SlotTag::from_slice(&bytes).map_err(|_| bad())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(FeedEntry {
        notice_id: hex_array(field("id")?)?.try_into().map_err(|_| bad())?,
        tags,
        iv: hex_array(field("iv")?)?.try_into().map_err(|_| bad())?,
        ciphertext: base64::engine::general_purpose::STANDARD
            .decode(field("ciphertext")?)
            .map_err(|_| bad())?,
        mac: hex_array(field("mac")?)?.try_into().map_err(|_| bad())?,
        published_at: value
            .get("publishedAt")
            .and_then(|v| v.as_u64())
            .ok_or_else(bad)?,
    })
}

/// The JSON refusal of a body that is not what the route takes ([`BAD_REQUEST`], 400).
pub(crate) fn bad_request(message: &str) -> Response {
    json(400, &ErrorResponse::new(BAD_REQUEST, message))
}

/// SHA-256 lookup of a secret code (trace code, manager key, keyword) under a purpose label.
pub(crate) fn lookup(purpose: &str, code: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"mimamori-venue-lookup-v1:");
    hash.update(purpose.as_bytes());
    hash.update(b":");
    hash.update(code);
    hex::encode(hash.finalize())
}

/// The venue routes, merged into [`crate::routes::router`].
pub fn router(services: &AppState) -> Router<AppState> {
    let state: VenueState = Arc::new(VenueService::new(Arc::clone(services)));
    Router::new()
        .route(
            REGISTER_PAGE_PATH,
            get(registration::form_page).post(registration::submit_form),
        )
        .route(REGISTRATIONS_PATH, post(registration::register_json))
        .route(POSTERS_PATH, post(posters::poster_json))
        .route(POSTER_FORM_PATH, post(posters::poster_form))
        .route(
            NOTICE_REQUEST_PAGE_PATH,
            get(notices::request_page).post(notices::submit_request_form),
        )
        .route(NOTICE_REQUESTS_PATH, post(notices::request_json))
        .route(KEYWORDS_PATH, post(notices::keyword_json))
        .route(AUTHORITY_REQUESTS_PATH, get(notices::pending_json))
        .route(AUTHORITY_APPROVE_PATH, post(notices::decide_json::<true>))
        .route(AUTHORITY_REJECT_PATH, post(notices::decide_json::<false>))
        .route(AUTHORITY_NOTICES_PATH, post(notices::direct_json))
        .route(PORTAL_VENUES_PATH, get(notices::portal_page))
        .route(PORTAL_DECIDE_PATH, post(notices::portal_decide))
        .route(PORTAL_DIRECT_PATH, post(notices::portal_direct))
        .merge(public_files(services))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}

/// The feed and the keys, which phones, partners and the check-in page download; with
/// `Access-Control-Allow-Origin` for [`crate::Config::check_in_origin`] when the page is served
/// from another host.
fn public_files(services: &AppState) -> Router<VenueState> {
    let router = Router::new()
        .route(FEED_PATH, get(feed))
        .route(KEYS_PATH, get(published_keys));
    let origin = services
        .config
        .check_in_origin
        .as_deref()
        .and_then(|origin| crate::config::check_in_origin(origin).ok())
        .and_then(|origin| HeaderValue::from_str(&origin).ok());
    match origin {
        Some(origin) => router.layer(axum::middleware::map_response(
            move |mut response: Response| {
                let origin = origin.clone();
                async move {
                    response
                        .headers_mut()
                        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                    response
                }
            },
        )),
        None => router,
    }
}

async fn feed(State(venues): State<VenueState>, headers: HeaderMap) -> Response {
    let now = venues.now();
    let stale = venues
        .feed_built_at
        .lock()
        .map(|built| built.is_none_or(|at| now - at > FEED_REFRESH_SECONDS))
        .unwrap_or(true);
    let stored = if stale {
        Ok(None)
    } else {
        venues.services.blobs.get(FEED_OBJECT).await
    };
    let bytes = match stored {
        Ok(Some(bytes)) => bytes,
        Ok(None) => match venues.publish_feed().await {
            Ok(bytes) => bytes::Bytes::from(bytes),
            Err(error) => return internal_error(&error),
        },
        Err(error) => return internal_error(&error),
    };
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(FEED_CONTENT_TYPE),
    );
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(crate::routes::files::LISTING_CACHE_CONTROL),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    if matches {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    (StatusCode::OK, response_headers, bytes).into_response()
}

async fn published_keys(State(venues): State<VenueState>) -> Response {
    match venues.published_keys() {
        Ok(keys) => json(200, &keys),
        Err(error) => internal_error(&error),
    }
}
