//! The HTTP client the platform lends the core, for the phone's two conversations with a
//! diagnosis server: uploading keys after a positive test ([`crate::upload`]) and downloading
//! new export files ([`crate::sync`]).
//!
//! The core has no HTTP crate (see docs/adr/0006): the CLI implements [`Transport`] with a
//! blocking HTTP client, the apps with the platform's own (OkHttp, `URLSession`) through the FFI's
//! foreign trait. An implementation only moves bytes: every rule about what to send, what to
//! accept and what to remember is in the core and tested there.
//!
//! Privacy: a phone that never uploads only ever makes plain `GET`s of public static files, so the
//! server cannot tell one resident from another. Implementations must not add identifying headers
//! or cookies, and must not log request or response bodies (they carry keys, codes and tokens).

use std::io::Read;

use crate::{Error, Result};

/// What a server answered.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code, e.g. 200.
    pub status: u16,
    /// The body, at most the `max_bytes` asked for.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response whose body is already in memory, held to `max_bytes`: a longer body is
    /// [`Error::Transport`] (every [`Transport`] keeps the limit, whoever read the bytes).
    pub fn limited(status: u16, body: Vec<u8>, max_bytes: u64) -> Result<Self> {
        if body.len() as u64 > max_bytes {
            return Err(Error::Transport {
                reason: format!("the answer is longer than {max_bytes} bytes"),
            });
        }
        Ok(Self { status, body })
    }

    /// A response with `status` whose body is read from `body`, at most `max_bytes` of it: a
    /// longer body, or a failed read, is [`Error::Transport`] (naming the kind of failure only).
    pub fn read(status: u16, body: impl Read, max_bytes: u64) -> Result<Self> {
        let mut bytes = Vec::new();
        body.take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|error| Error::Transport {
                reason: format!("reading the answer failed ({:?})", error.kind()),
            })?;
        Self::limited(status, bytes, max_bytes)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body of a successful download; any other status is [`Error::ServerRefused`] with
    /// `request` (what was asked, e.g. "download") and `advice` (what to do).
    pub fn downloaded(self, request: &'static str, advice: &'static str) -> Result<Vec<u8>> {
        if !self.is_success() {
            return Err(Error::ServerRefused {
                request,
                status: self.status,
                code: None,
                advice,
            });
        }
        Ok(self.body)
    }
}

/// Parses a server's JSON answer as `T`; anything else is [`Error::InvalidServerResponse`] about
/// `what`, saying that it is not `expected` (and which kind of JSON error it was, never the body).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &'static str,
    expected: &str,
) -> Result<T> {
    serde_json::from_slice(body).map_err(|error| Error::InvalidServerResponse {
        what,
        reason: format!("it is not {expected} ({:?})", error.classify()),
    })
}

impl std::fmt::Debug for HttpResponse {
    /// Leaves the body out: it may hold a token, a certificate or keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// A request the core makes of a server: a `GET`, or a `POST` of JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HttpRequest<'a> {
    /// `GET url`.
    Get {
        /// The URL.
        url: &'a str,
    },
    /// `POST url` with `Content-Type: application/json`, the extra `headers` (name, value) and
    /// `body`.
    PostJson {
        /// The URL.
        url: &'a str,
        /// The headers besides `Content-Type`: the core adds only `X-Chaff: 1` on decoy requests
        /// ([`mimamori_api::v1::CHAFF_HEADER`]).
        headers: &'a [(&'a str, &'a str)],
        /// The JSON body.
        body: &'a [u8],
    },
}

impl<'a> HttpRequest<'a> {
    /// `GET` or `POST`.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Get { .. } => "GET",
            Self::PostJson { .. } => "POST",
        }
    }

    /// The URL.
    pub fn url(&self) -> &'a str {
        match *self {
            Self::Get { url } | Self::PostJson { url, .. } => url,
        }
    }

    /// The body of a `POST`; `None` for a `GET`.
    pub fn body(&self) -> Option<&'a [u8]> {
        match *self {
            Self::Get { .. } => None,
            Self::PostJson { body, .. } => Some(body),
        }
    }

    /// The extra headers of a `POST` (not `Content-Type`); none for a `GET`.
    pub fn extra_headers(&self) -> &'a [(&'a str, &'a str)] {
        match *self {
            Self::Get { .. } => &[],
            Self::PostJson { headers, .. } => headers,
        }
    }

    /// The headers to send besides those HTTP itself needs: none for a `GET`;
    /// `Content-Type: application/json` and the extra headers for a `POST`.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let content_type = self.body().map(|_| ("Content-Type", "application/json"));
        content_type
            .into_iter()
            .chain(self.extra_headers().iter().copied())
    }
}

impl std::fmt::Debug for HttpRequest<'_> {
    /// Leaves the body out: it may hold a code, a token or keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method())
            .field("url", &self.url())
            .field("body_bytes", &self.body().map(<[u8]>::len))
            .finish()
    }
}

/// A blocking HTTP client.
///
/// [`Transport::send`] returns any response the server sent, whatever its status; it fails only
/// when no response arrived (no network, refused connection, timeout, TLS failure) or the body
/// was longer than `max_bytes`, with [`Error::Transport`]. A redirect may be followed. Calls may
/// take long (downloads); the core never calls them while it holds a database transaction.
pub trait Transport: Send + Sync {
    /// Sends `request`; the answer's body is read up to `max_bytes` (see
    /// [`HttpResponse::read`] and [`HttpResponse::limited`]).
    fn send(&self, request: HttpRequest<'_>, max_bytes: u64) -> Result<HttpResponse>;

    /// `GET url`; the body is read up to `max_bytes`.
    fn get(&self, url: &str, max_bytes: u64) -> Result<HttpResponse> {
        self.send(HttpRequest::Get { url }, max_bytes)
    }

    /// `POST url` with `Content-Type: application/json`, the extra `headers` (name, value) and
    /// `body`; the answer's body is read up to `max_bytes`.
    fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        max_bytes: u64,
    ) -> Result<HttpResponse> {
        self.send(HttpRequest::PostJson { url, headers, body }, max_bytes)
    }
}

/// A diagnosis server's base URL, such as `https://diagnosis.example.jp` or
/// `http://127.0.0.1:8080/en` (no query, no fragment; a trailing `/` is dropped).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerUrl(String);

impl ServerUrl {
    /// Parses a base URL: `http://` or `https://`, a host, an optional path.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let invalid = |reason: &str| Error::InvalidServerUrl {
            reason: reason.to_owned(),
        };
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| invalid("it must start with https:// (or http:// for a test server)"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(invalid("it has no host"));
        }
        if text.contains(['?', '#']) || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "it must not contain spaces, a query (?) or a fragment (#)",
            ));
        }
        Ok(Self(text.trim_end_matches('/').to_owned()))
    }

    /// The URL as given, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of `path` on this server: `path` is appended (with exactly one `/` between).
    /// An absolute `http(s)://` URL (as COCOA's `list.json` holds) is returned as it is.
    pub fn join(&self, path: &str) -> String {
        if path.starts_with("https://") || path.starts_with("http://") {
            return path.to_owned();
        }
        format!("{}/{}", self.0, path.trim_start_matches('/'))
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A [`Transport`] that answers from a table, for tests: each URL maps to a response, and every
/// request is recorded.
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
pub struct ScriptedTransport {
    responses: std::sync::Mutex<std::collections::HashMap<String, HttpResponse>>,
    requests: std::sync::Mutex<Vec<ScriptedRequest>>,
}

#[cfg(any(test, feature = "testing"))]
impl ScriptedTransport {
    /// A transport that knows no URL yet (every request fails with [`Error::Transport`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers `url` with `status` and `body` from now on.
    pub fn respond(&self, url: &str, status: u16, body: impl Into<Vec<u8>>) {
        let response = HttpResponse {
            status,
            body: body.into(),
        };
        self.lock_responses().insert(url.to_owned(), response);
    }

    /// Forgets the answer for `url`: requests for it fail as if the network were down.
    pub fn forget(&self, url: &str) {
        self.lock_responses().remove(url);
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<ScriptedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn lock_responses(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, HttpResponse>> {
        self.responses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(any(test, feature = "testing"))]
impl Transport for ScriptedTransport {
    fn send(&self, request: HttpRequest<'_>, max_bytes: u64) -> Result<HttpResponse> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(ScriptedRequest {
                url: request.url().to_owned(),
                headers: request
                    .extra_headers()
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                    .collect(),
                body: request.body().map(<[u8]>::to_vec),
            });
        let response = self
            .lock_responses()
            .get(request.url())
            .cloned()
            .ok_or_else(|| Error::Transport {
                reason: "no answer scripted for this URL".into(),
            })?;
        HttpResponse::limited(response.status, response.body, max_bytes)
    }
}

/// One request a [`ScriptedTransport`] received.
#[cfg(any(test, feature = "testing"))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedRequest {
    /// The URL.
    pub url: String,
    /// The extra headers given.
    pub headers: Vec<(String, String)>,
    /// The body of a POST; `None` for a GET.
    pub body: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_parsed_and_joined() {
        let server = ServerUrl::parse("https://diagnosis.example.jp/").unwrap();
        assert_eq!(server.as_str(), "https://diagnosis.example.jp");
        assert_eq!(
            server.join("/exports/JP/list.json"),
            "https://diagnosis.example.jp/exports/JP/list.json"
        );
        assert_eq!(
            server.join("exports/JP/1.zip"),
            "https://diagnosis.example.jp/exports/JP/1.zip"
        );
        assert_eq!(
            server.join("https://cdn.example.jp/JP/1.zip"),
            "https://cdn.example.jp/JP/1.zip"
        );
        let local = ServerUrl::parse("http://127.0.0.1:8080/en").unwrap();
        assert_eq!(
            local.join("v1/publish"),
            "http://127.0.0.1:8080/en/v1/publish"
        );
    }

    #[test]
    fn bad_server_urls_are_refused_with_the_reason() {
        for (text, reason) in [
            ("diagnosis.example.jp", "must start with https://"),
            ("ftp://example.jp", "must start with https://"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("https://example.jp/?a=1", "query"),
            ("https://exa mple.jp", "spaces"),
        ] {
            let error = ServerUrl::parse(text).unwrap_err();
            assert!(matches!(error, Error::InvalidServerUrl { .. }), "{error:?}");
            assert!(error.to_string().contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn the_scripted_transport_answers_what_it_was_told_and_records_requests() {
        let transport = ScriptedTransport::new();
        transport.respond("http://s/a", 200, "hello");
        assert_eq!(transport.get("http://s/a", 10).unwrap().body, b"hello");
        assert!(
            transport.get("http://s/a", 4).is_err(),
            "longer than the limit"
        );
        assert!(
            transport
                .post_json("http://s/b", &[("X-Chaff", "1")], b"{}", 10)
                .is_err()
        );
        transport.forget("http://s/a");
        assert!(transport.get("http://s/a", 10).is_err());
        assert_eq!(transport.requests().len(), 4);
        let post = &transport.requests()[2];
        assert_eq!(post.body.as_deref(), Some(&b"{}"[..]));
        assert_eq!(post.headers, vec![("X-Chaff".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn a_body_is_held_to_its_limit() {
        let read = HttpResponse::read(200, &b"hello"[..], 5).unwrap();
        assert_eq!((read.status, &read.body[..]), (200, &b"hello"[..]));
        for error in [
            HttpResponse::read(200, &b"hello"[..], 4).unwrap_err(),
            HttpResponse::limited(404, b"hello".to_vec(), 4).unwrap_err(),
        ] {
            assert!(matches!(error, Error::Transport { .. }), "{error:?}");
            assert!(error.to_string().contains("longer than 4 bytes"), "{error}");
        }
        assert_eq!(
            HttpResponse::limited(404, Vec::new(), 0).unwrap().status,
            404
        );
    }

    #[test]
    fn a_request_names_its_method_url_body_and_headers() {
        let get = HttpRequest::Get { url: "http://s/a" };
        assert_eq!(
            (get.method(), get.url(), get.body()),
            ("GET", "http://s/a", None)
        );
        assert_eq!(get.headers().count(), 0);
        let post = HttpRequest::PostJson {
            url: "http://s/b",
            headers: &[("X-Chaff", "1")],
            body: b"{\"code\":\"12345678\"}",
        };
        assert_eq!((post.method(), post.url()), ("POST", "http://s/b"));
        assert_eq!(post.extra_headers(), [("X-Chaff", "1")]);
        assert_eq!(
            post.headers().collect::<Vec<_>>(),
            [("Content-Type", "application/json"), ("X-Chaff", "1")]
        );
        assert!(
            !format!("{post:?}").contains("12345678"),
            "no body in Debug"
        );
    }

    #[test]
    fn an_answer_that_is_not_the_expected_json_says_what_and_not_the_body() {
        let keys: Vec<u32> = parse_json(b"[1, 2]", "key list", "a list of numbers").unwrap();
        assert_eq!(keys, [1, 2]);
        let error = parse_json::<Vec<u32>>(b"{\"secret\": 1}", "key list", "a list of numbers")
            .unwrap_err();
        assert!(matches!(
            error,
            Error::InvalidServerResponse {
                what: "key list",
                ..
            }
        ));
        assert!(
            error.to_string().contains("it is not a list of numbers"),
            "{error}"
        );
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn a_response_debug_leaves_the_body_out() {
        let response = HttpResponse {
            status: 200,
            body: b"secret-token".to_vec(),
        };
        assert!(response.is_success());
        assert!(!format!("{response:?}").contains("secret"));
    }
}
