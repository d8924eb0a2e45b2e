//! The CLI's HTTP client: [`mimamori_phone::transport::Transport`] over `ureq` (blocking, rustls).
//!
//! It only moves bytes. It sends no cookies and no headers beyond what HTTP needs (and
//! `X-Chaff` when the core asks for it), and its errors name the kind of failure only: never the
//! URL's host address, a body, a code or a token.

use std::time::Duration;

use mimamori_phone::transport::{HttpRequest, HttpResponse, Transport};
use mimamori_phone::{Error, Result};

/// How long one request may take in all, downloads included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A blocking HTTP client for the phone flow.
#[derive(Debug)]
pub(crate) struct HttpClient {
    agent: ureq::Agent,
}

impl HttpClient {
    /// A client with the timeouts above that returns every HTTP status as a response.
    pub(crate) fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .max_redirects(5)
            .build()
            .into();
        Self { agent }
    }
}

impl Transport for HttpClient {
    fn send(&self, request: HttpRequest<'_>, max_bytes: u64) -> Result<HttpResponse> {
        let url = request.url();
        let response = match request.body() {
            None => self.agent.get(url).call(),
            Some(body) => request
                .headers()
                .fold(self.agent.post(url), |post, (name, value)| {
                    post.header(name, value)
                })
                .send(body),
        };
        read(response.map_err(transport_error)?, max_bytes)
    }
}

/// Reads the status and at most `max_bytes` of the body; a longer body is an error.
fn read(mut response: ureq::http::Response<ureq::Body>, max_bytes: u64) -> Result<HttpResponse> {
    let status = response.status().as_u16();
    HttpResponse::read(status, response.body_mut().as_reader(), max_bytes)
}

/// The kind of a failure, without URLs or addresses.
fn transport_error(error: ureq::Error) -> Error {
    let reason = match error {
        ureq::Error::Timeout(_) => "the request timed out".to_owned(),
        ureq::Error::HostNotFound => "the server's host name was not found".to_owned(),
        ureq::Error::ConnectionFailed => "the connection failed".to_owned(),
        ureq::Error::Io(error) => format!("the connection failed ({:?})", error.kind()),
        ureq::Error::Tls(problem) => format!("the TLS connection failed ({problem})"),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            "the server redirected too often or wrongly".to_owned()
        }
        ureq::Error::BadUri(_) => "the URL is not usable".to_owned(),
        ureq::Error::Protocol(_) => "the server's answer is not valid HTTP".to_owned(),
        _ => "the request failed".to_owned(),
    };
    Error::Transport { reason }
}
