//! Per-client rate limits on every endpoint that checks a secret, and the client id they are
//! keyed by.
//!
//! - A **client** is the keyed hash ([`ClientId`], HMAC-SHA256 under a random key drawn at
//!   start and held in memory only) of its address: never stored, logged or put in an error.
//!   The address is the TCP peer's, or, when the peer is one of the configured trusted proxies
//!   ([`crate::Config::trusted_proxies`]), the nearest untrusted address in `X-Forwarded-For`.
//!   IPv6 addresses count by their /64 prefix (one subscriber's network), IPv4 by the address.
//! - Each [`Scope`] has a token bucket per client ([`Rate`]: a burst and a refill per minute).
//!   A request takes a token before it is handled and is answered 429 with `Retry-After` when
//!   there is none; a request that did not fail (see [`Scope::failed`]) gets its token back, so
//!   only guesses use up the allowance.
//! - Memory is bounded: at most [`RateLimits::max_tracked_clients`] buckets are kept; when the
//!   table is full, buckets that have refilled (idle clients) are dropped, and if that frees
//!   nothing, new clients are refused with 429 until buckets refill.
//!
//! The server-wide budget of failed verifications is not here: it is counted in the database
//! so that instances sharing it share the budget ([`crate::storage::Storage::count_verification_attempt`]).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, KeyInit, Mac};
use mimamori_api::v1::{
    CERTIFICATE_PATH, CertificateResponse, VERIFY_PATH, VerifyCodeResponse, random_padding,
};
use mimamori_environment::RandomSource;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::routes::AppState;
use crate::{Error, Result};

/// A token bucket's shape: `burst` requests at once, refilled at `per_minute` a minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Requests a client may make at once (the bucket's size).
    pub burst: u32,
    /// Requests a minute a client may make in the long run (the refill rate, at least 1).
    pub per_minute: u32,
}

impl Rate {
    /// Most requests a client can make in `seconds`: the burst plus the refill.
    pub fn most_in(self, seconds: u64) -> u64 {
        u64::from(self.burst) + u64::from(self.per_minute) * seconds / 60
    }
}

/// Every limit of the server; see diagnosis-server/README.md for why the defaults are what
/// they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// `POST /api/verify`, per client. Default: 5 at once, 3 a minute.
    pub verify: Rate,
    /// `POST /api/certificate`, per client. Default: 5 at once, 3 a minute.
    pub certificate: Rate,
    /// Failed API key checks on the authority API, per client. Default: 10 at once, 10 a minute.
    pub authority: Rate,
    /// Portal logins, per client. Default: 10 at once, 5 a minute.
    pub login: Rate,
    /// Venue manager keys, staff keywords and trace codes, per client. Default: 10 at once,
    /// 5 a minute.
    pub venue_secrets: Rate,
    /// Venue registrations, per client (each one costs CPU and storage). Default: 5 at once,
    /// 2 a minute.
    pub venue_registrations: Rate,
    /// Venue posters and QR images made on demand, per client (each PDF costs CPU). Default:
    /// 60 at once, 30 a minute (a 50-room venue fetches its PDF, PNG and SVG files in a few
    /// minutes).
    pub venue_documents: Rate,
    /// Failed verifications a minute on the whole server (all instances on one database);
    /// beyond it every verification is answered 429 until the minute ends. Default: 60.
    pub failed_verifications_per_minute: u32,
    /// Argon2 password checks that may run at once (each holds about 19 MiB and a core while it
    /// runs). Default: 1, so a login attack leaves the other cores to everything else; staff
    /// log in once a working day, so one check at a time (tens of ms each) is plenty.
    pub login_hash_concurrency: usize,
    /// Most buckets (client and scope pairs) held at once, the memory bound (about 100 bytes
    /// each); also the bound of the login lockout table. Default: 100,000.
    pub max_tracked_clients: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            verify: Rate {
                burst: 5,
                per_minute: 3,
            },
            certificate: Rate {
                burst: 5,
                per_minute: 3,
            },
            authority: Rate {
                burst: 10,
                per_minute: 10,
            },
            login: Rate {
                burst: 10,
                per_minute: 5,
            },
            venue_secrets: Rate {
                burst: 10,
                per_minute: 5,
            },
            venue_registrations: Rate {
                burst: 5,
                per_minute: 2,
            },
            venue_documents: Rate {
                burst: 60,
                per_minute: 30,
            },
            failed_verifications_per_minute: 60,
            login_hash_concurrency: 1,
            max_tracked_clients: 100_000,
        }
    }
}

impl RateLimits {
    /// Checks values that cannot be used.
    pub fn validate(&self) -> Result<()> {
        for (name, rate) in self.rates() {
            if rate.burst == 0 || rate.per_minute == 0 {
                return Err(Error::Config(format!(
                    "the {name} rate limit needs a burst and a rate a minute of at least 1"
                )));
            }
        }
        if self.failed_verifications_per_minute == 0 {
            return Err(Error::Config(
                "the failed verification budget must be at least 1 a minute".into(),
            ));
        }
        if self.login_hash_concurrency == 0 || self.max_tracked_clients == 0 {
            return Err(Error::Config(
                "the login hash concurrency and the tracked client count must be at least 1".into(),
            ));
        }
        Ok(())
    }

    fn rates(&self) -> [(&'static str, Rate); 7] {
        [
            ("verify", self.verify),
            ("certificate", self.certificate),
            ("authority", self.authority),
            ("login", self.login),
            ("venue secret", self.venue_secrets),
            ("venue registration", self.venue_registrations),
            ("venue document", self.venue_documents),
        ]
    }

    /// The rate of a scope.
    pub fn rate(&self, scope: Scope) -> Rate {
        match scope {
            Scope::Verify => self.verify,
            Scope::Certificate => self.certificate,
            Scope::Authority => self.authority,
            Scope::Login => self.login,
            Scope::VenueSecret => self.venue_secrets,
            Scope::VenueRegistration => self.venue_registrations,
            Scope::VenueDocument => self.venue_documents,
        }
    }

    /// The rate of a scope named as in [`Scope::NAMES`], for configuration.
    pub fn rate_mut(&mut self, name: &str) -> Option<&mut Rate> {
        Some(match name {
            "verify" => &mut self.verify,
            "certificate" => &mut self.certificate,
            "authority" => &mut self.authority,
            "login" => &mut self.login,
            "venue-secret" => &mut self.venue_secrets,
            "venue-registration" => &mut self.venue_registrations,
            "venue-document" => &mut self.venue_documents,
            _ => return None,
        })
    }

    /// Applies a setting `SCOPE=BURST/PER_MINUTE` (e.g. `venue-registration=20/10`).
    pub fn apply(&mut self, setting: &str) -> Result<()> {
        let bad = || {
            Error::Config(format!(
                "a rate limit is SCOPE=BURST/PER_MINUTE with SCOPE one of {}, not {setting:?}",
                Scope::NAMES.join(", ")
            ))
        };
        let (name, rate) = setting.split_once('=').ok_or_else(bad)?;
        let (burst, per_minute) = rate.split_once('/').ok_or_else(bad)?;
        let burst = burst.trim().parse().map_err(|_| bad())?;
        let per_minute = per_minute.trim().parse().map_err(|_| bad())?;
        let rate = self.rate_mut(name.trim()).ok_or_else(bad)?;
        *rate = Rate { burst, per_minute };
        Ok(())
    }
}

/// A group of endpoints sharing one bucket per client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `POST /api/verify`.
    Verify,
    /// `POST /api/certificate`.
    Certificate,
    /// The authority API (`/api/v1/authority/...`, venue endpoints included): API key checks.
    Authority,
    /// `POST /portal/login`.
    Login,
    /// Venue manager keys, keywords and trace codes: `POST /venues/v1/notice-requests`,
    /// `POST /venues/v1/keywords`, `POST /venues/notice-request`, `POST /portal/venues/direct`.
    VenueSecret,
    /// Venue registration: `POST /venues/v1/registrations`, `POST /venues/register`.
    VenueRegistration,
    /// A room's poster or QR image made on demand: `POST /venues/v1/posters`,
    /// `POST /venues/posters`.
    VenueDocument,
}

impl Scope {
    /// The names of the scopes in `--rate-limit SCOPE=BURST/PER_MINUTE`.
    pub const NAMES: [&'static str; 7] = [
        "verify",
        "certificate",
        "authority",
        "login",
        "venue-secret",
        "venue-registration",
        "venue-document",
    ];

    /// The scope of a request, `None` for requests that check no secret.
    pub fn of(method: &Method, path: &str) -> Option<Self> {
        if path.starts_with("/api/v1/authority/") {
            return Some(Self::Authority);
        }
        if method != Method::POST {
            return None;
        }
        match path {
            VERIFY_PATH => Some(Self::Verify),
            CERTIFICATE_PATH => Some(Self::Certificate),
            crate::portal::LOGIN_PATH => Some(Self::Login),
            crate::venues::NOTICE_REQUESTS_PATH
            | crate::venues::KEYWORDS_PATH
            | crate::venues::NOTICE_REQUEST_PAGE_PATH
            | crate::venues::PORTAL_DIRECT_PATH => Some(Self::VenueSecret),
            crate::venues::REGISTRATIONS_PATH | crate::venues::REGISTER_PAGE_PATH => {
                Some(Self::VenueRegistration)
            }
            crate::venues::POSTERS_PATH | crate::venues::POSTER_FORM_PATH => {
                Some(Self::VenueDocument)
            }
            _ => None,
        }
    }

    /// Whether an answer with this status used up the client's token: a wrong API key (401)
    /// on the authority API; any answer on the venue endpoints (their HTML forms answer a wrong
    /// trace code with 200 and a message, and all of them are rare); otherwise every error
    /// answer (a wrong code, token or password). Other answers give the token back.
    pub fn failed(self, status: StatusCode) -> bool {
        match self {
            Self::Authority => status == StatusCode::UNAUTHORIZED,
            Self::VenueSecret | Self::VenueRegistration | Self::VenueDocument => true,
            _ => status.is_client_error() || status.is_server_error(),
        }
    }
}

/// The keyed hash of a client's address. Its `Debug` output shows nothing of it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId([u8; 32]);

impl std::fmt::Debug for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientId(<redacted>)")
    }
}

impl ClientId {
    /// The hash bytes (for keys of in-memory tables; never store or log them).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// An address or a network in CIDR notation (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Parses `address` or `address/prefix`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::Config(format!(
                "a trusted proxy must be an IP address or a CIDR network such as 10.0.0.0/8, not {text:?}"
            ))
        };
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let most = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u8>().map_err(|_| bad())?,
            None => most,
        };
        if prefix > most {
            return Err(bad());
        }
        Ok(Self { address, prefix })
    }

    /// Parses a comma- or space-separated list.
    pub fn parse_list(text: &str) -> Result<Vec<Self>> {
        text.split([',', ' '])
            .filter(|part| !part.trim().is_empty())
            .map(Self::parse)
            .collect()
    }

    /// Whether `address` lies in the network.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.address, canonical(address)) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The address a request came from: the peer's, or behind trusted proxies the nearest
/// untrusted address in `X-Forwarded-For` (read from the right, as each proxy appends).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNetwork],
) -> Option<IpAddr> {
    let peer = peer.map(canonical)?;
    let is_trusted = |address: IpAddr| trusted.iter().any(|network| network.contains(address));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let Some(forwarded_for) = forwarded_for else {
        return Some(peer);
    };
    let mut nearest = peer;
    for hop in forwarded_for.rsplit(',') {
        let Ok(address) = hop.trim().parse::<IpAddr>().map(canonical) else {
            // Garbage from whoever is behind the last trusted hop: trust no further.
            return Some(nearest);
        };
        nearest = address;
        if !is_trusted(address) {
            return Some(address);
        }
    }
    Some(nearest)
}

/// Turns addresses into [`ClientId`]s under a key drawn at start (memory only).
pub struct ClientIdentifier {
    key: Zeroizing<[u8; 32]>,
    trusted: Vec<IpNetwork>,
}

impl std::fmt::Debug for ClientIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentifier")
            .field("trusted", &self.trusted)
            .finish_non_exhaustive()
    }
}

impl ClientIdentifier {
    /// A new random key; `trusted` are the proxies whose `X-Forwarded-For` is believed.
    pub fn new(trusted: Vec<IpNetwork>) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        mimamori_environment::OsRandom.fill_bytes(&mut key[..]);
        Self { key, trusted }
    }

    /// The client of a request with this peer and these headers. Without a peer (a router
    /// driven without a socket) every request is one client.
    pub fn identify(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> ClientId {
        let forwarded_for = headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok());
        let address = client_address(peer.map(|peer| peer.ip()), forwarded_for, &self.trusted);
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key[..]) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        };
        match address {
            Some(IpAddr::V4(v4)) => {
                mac.update(b"4");
                mac.update(&v4.octets());
            }
            Some(IpAddr::V6(v6)) => {
                // One subscriber usually holds a whole /64.
                let prefix = u128::from(v6) & (u128::MAX << 64);
                mac.update(b"6");
                mac.update(&Ipv6Addr::from(prefix).octets());
            }
            None => mac.update(b"unknown"),
        }
        ClientId(mac.finalize().into_bytes().into())
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: i64,
}

impl Bucket {
    fn refill(&mut self, rate: Rate, now: i64) {
        let elapsed = now.saturating_sub(self.updated).max(0) as f64;
        self.tokens =
            (self.tokens + elapsed * f64::from(rate.per_minute) / 60.0).min(f64::from(rate.burst));
        self.updated = now.max(self.updated);
    }

    fn full(&self, rate: Rate, now: i64) -> bool {
        let mut copy = *self;
        copy.refill(rate, now);
        copy.tokens >= f64::from(rate.burst)
    }
}

/// Token buckets of every scope, per client, in memory.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(Scope, ClientId), Bucket>>,
}

impl RateLimiter {
    /// Empty buckets for these limits.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Takes a token from the client's bucket of `scope`; `Err` holds the seconds to wait.
    pub fn take(&self, scope: Scope, client: &ClientId, now: i64) -> std::result::Result<(), u64> {
        let rate = self.limits.rate(scope);
        let Ok(mut buckets) = self.buckets.lock() else {
            return Err(60);
        };
        let key = (scope, *client);
        if !buckets.contains_key(&key) && buckets.len() >= self.limits.max_tracked_clients {
            let limits = &self.limits;
            buckets.retain(|(scope, _), bucket| !bucket.full(limits.rate(*scope), now));
            if buckets.len() >= self.limits.max_tracked_clients {
                return Err(60);
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: f64::from(rate.burst),
            updated: now,
        });
        bucket.refill(rate, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let seconds = (1.0 - bucket.tokens) * 60.0 / f64::from(rate.per_minute);
            Err((seconds.ceil() as u64).max(1))
        }
    }

    /// Gives back a token taken by [`Self::take`] (the request did not fail).
    pub fn give_back(&self, scope: Scope, client: &ClientId) {
        let rate = self.limits.rate(scope);
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some(bucket) = buckets.get_mut(&(scope, *client))
        {
            bucket.tokens = (bucket.tokens + 1.0).min(f64::from(rate.burst));
        }
    }

    /// Buckets held now (for tests of the memory bound).
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .map(|buckets| buckets.len())
            .unwrap_or(0)
    }
}

/// The middleware in front of every route: limits the requests of [`Scope::of`], and puts
/// their [`ClientId`] in the request's extensions for the handlers (the portal login needs it).
pub async fn limit(State(services): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(scope) = Scope::of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let client = services.clients.identify(peer, request.headers());
    request.extensions_mut().insert(client);
    if let Err(seconds) = services.limiter.take(scope, &client, services.now()) {
        return too_many_requests(scope, request.uri().path(), seconds);
    }
    let response = next.run(request).await;
    if !scope.failed(response.status()) {
        services.limiter.give_back(scope, &client);
    }
    response
}

/// The 429 answer to a request for `path` in `scope`, in the shape of that API (an HTML page
/// for the forms), with `Retry-After`.
pub fn too_many_requests(scope: Scope, path: &str, retry_after_seconds: u64) -> Response {
    const MESSAGE: &str = "too many requests from this address; wait and try again";
    let form = matches!(
        path,
        crate::venues::REGISTER_PAGE_PATH
            | crate::venues::NOTICE_REQUEST_PAGE_PATH
            | crate::venues::PORTAL_DIRECT_PATH
            | crate::venues::POSTER_FORM_PATH
    );
    let mut response = match scope {
        _ if form => html_refusal(),
        Scope::Verify => crate::routes::json(
            429,
            &VerifyCodeResponse {
                error: MESSAGE.into(),
                error_code: RATE_LIMITED.into(),
                padding: random_padding(&mut mimamori_environment::OsRandom),
                ..Default::default()
            },
        ),
        Scope::Certificate => crate::routes::json(
            429,
            &CertificateResponse {
                error: MESSAGE.into(),
                error_code: RATE_LIMITED.into(),
                padding: random_padding(&mut mimamori_environment::OsRandom),
                ..Default::default()
            },
        ),
        Scope::Login => html_refusal(),
        Scope::Authority | Scope::VenueSecret | Scope::VenueRegistration | Scope::VenueDocument => {
            crate::routes::json(
                429,
                &serde_json::json!({"error": MESSAGE, "code": RATE_LIMITED}),
            )
        }
    };
    set_retry_after(&mut response, retry_after_seconds);
    response
}

/// The machine-readable error code of a 429 answer.
pub const RATE_LIMITED: &str = "rate_limited";

/// Sets `Retry-After` (seconds).
pub fn set_retry_after(response: &mut Response, seconds: u64) {
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

fn html_refusal() -> Response {
    crate::portal::session::problem(
        StatusCode::TOO_MANY_REQUESTS,
        "試行が多すぎます。しばらく待ってからやり直してください。",
        "Too many attempts from this address; wait a while and try again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(text: &str) -> IpNetwork {
        IpNetwork::parse(text).unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        assert!(network("10.0.0.0/8").contains("10.1.2.3".parse().unwrap()));
        assert!(!network("10.0.0.0/8").contains("11.1.2.3".parse().unwrap()));
        assert!(network("192.0.2.7").contains("::ffff:192.0.2.7".parse().unwrap()));
        assert!(network("0.0.0.0/0").contains("203.0.113.9".parse().unwrap()));
        assert!(network("fd00::/8").contains("fd12::1".parse().unwrap()));
        assert!(!network("fd00::/8").contains("10.0.0.1".parse().unwrap()));
        for bad in ["", "10.0.0.0/33", "nonsense", "::/129", "1.2.3.4/x"] {
            assert!(IpNetwork::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            IpNetwork::parse_list("10.0.0.1, 10.0.0.2").unwrap().len(),
            2
        );
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [network("10.0.0.0/8")];
        let proxy = Some("10.0.0.1".parse().unwrap());
        let outsider = Some("198.51.100.1".parse().unwrap());
        let ip = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        assert_eq!(
            client_address(outsider, Some("203.0.113.5"), &trusted),
            outsider
        );
        assert_eq!(
            client_address(proxy, Some("203.0.113.5"), &trusted),
            ip("203.0.113.5")
        );
        // A client cannot hide behind a forged hop on the left.
        assert_eq!(
            client_address(proxy, Some("1.1.1.1, 203.0.113.5, 10.0.0.2"), &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(client_address(proxy, Some("junk"), &trusted), proxy);
        assert_eq!(client_address(proxy, None, &trusted), proxy);
    }

    #[test]
    fn client_ids_are_keyed_and_group_ipv6_by_64() {
        let one = ClientIdentifier::new(Vec::new());
        let other = ClientIdentifier::new(Vec::new());
        let headers = HeaderMap::new();
        let a: SocketAddr = "[2001:db8:1:2::1]:5000".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2::ffff]:6000".parse().unwrap();
        let c: SocketAddr = "[2001:db8:1:3::1]:5000".parse().unwrap();
        assert_eq!(
            one.identify(Some(a), &headers),
            one.identify(Some(b), &headers)
        );
        assert_ne!(
            one.identify(Some(a), &headers),
            one.identify(Some(c), &headers)
        );
        assert_ne!(
            one.identify(Some(a), &headers),
            other.identify(Some(a), &headers)
        );
        assert_eq!(
            format!("{:?}", one.identify(Some(a), &headers)),
            "ClientId(<redacted>)"
        );
    }

    #[test]
    fn buckets_refill_and_stay_bounded() {
        let limits = RateLimits {
            max_tracked_clients: 2,
            ..RateLimits::default()
        };
        let limiter = RateLimiter::new(limits);
        let identifier = ClientIdentifier::new(Vec::new());
        let client = |n: u8| {
            identifier.identify(
                Some(SocketAddr::from(([192, 0, 2, n], 1))),
                &HeaderMap::new(),
            )
        };
        for _ in 0..5 {
            assert_eq!(limiter.take(Scope::Verify, &client(1), 0), Ok(()));
        }
        assert_eq!(limiter.take(Scope::Verify, &client(1), 0), Err(20));
        assert_eq!(limiter.take(Scope::Verify, &client(1), 20), Ok(()));
        limiter.give_back(Scope::Verify, &client(1));
        assert_eq!(limiter.take(Scope::Verify, &client(2), 20), Ok(()));
        // Full table, both busy: a third client waits.
        assert!(limiter.take(Scope::Verify, &client(3), 20).is_err());
        // Once the others have refilled, they are dropped to make room.
        assert_eq!(limiter.take(Scope::Verify, &client(3), 1000), Ok(()));
        assert!(limiter.tracked() <= 2);
    }

    #[test]
    fn a_rate_limit_setting_names_its_scope_and_refuses_nonsense() {
        let mut limits = RateLimits::default();
        limits.apply("venue-registration=20/10").unwrap();
        assert_eq!(
            limits.venue_registrations,
            Rate {
                burst: 20,
                per_minute: 10
            }
        );
        limits.apply(" venue-document = 7/3").unwrap();
        assert_eq!(limits.rate(Scope::VenueDocument).burst, 7);
        for bad in [
            "verify",
            "verify=5",
            "verify=a/3",
            "nothing=1/1",
            "verify=5/-1",
        ] {
            assert!(limits.apply(bad).is_err(), "{bad}");
        }
        assert_eq!(limits.verify, RateLimits::default().verify);
        for name in Scope::NAMES {
            assert!(limits.clone().rate_mut(name).is_some(), "{name}");
        }
    }
}
