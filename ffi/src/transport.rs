//! The app's HTTP client, a foreign trait, as the engine's [`Transport`] (docs/adr/0006).

use std::sync::Arc;

use crate::redacted::debug_showing_only;
use mimamori_phone::transport::{HttpRequest, HttpResponse, Transport};

/// The app's HTTP client, implemented in Kotlin (e.g. OkHttp) or Swift (`URLSession`): the
/// engine decides what to send and what to accept, the client only moves bytes.
///
/// Both calls block until the answer has arrived and return it whatever its HTTP status; they
/// throw [`HttpClientError`] only when no answer arrived or it was longer than `max_bytes`. Send
/// no cookies and no identifying headers, and never log bodies (they carry codes and keys).
#[uniffi::export(with_foreign)]
pub trait HttpClient: Send + Sync {
    /// `GET url`, reading at most `max_bytes` of the body.
    fn get(&self, url: String, max_bytes: u64) -> Result<HttpReply, HttpClientError>;

    /// `POST url` with `Content-Type: application/json`, the given extra headers and `body`,
    /// reading at most `max_bytes` of the answer's body.
    fn post_json(
        &self,
        url: String,
        headers: Vec<HttpHeader>,
        body: Vec<u8>,
        max_bytes: u64,
    ) -> Result<HttpReply, HttpClientError>;
}

/// An answer from the server.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpReply {
    /// The HTTP status, e.g. 200.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

// Leaves the body out: it may carry a token or a certificate.
debug_showing_only!(HttpReply { status });

/// An extra request header.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// The header's name, e.g. `X-Chaff`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// What an [`HttpClient`] throws when no answer arrived. It is the app's error, so it is
/// separate from [`MimamoriError`](crate::MimamoriError), which the engine throws; the engine
/// reports it as `MimamoriError.Network`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HttpClientError {
    /// No answer: no network, a refused connection, a timeout, a TLS failure, or an answer
    /// longer than allowed. `reason` must not contain the URL, an address or a body.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HttpClientError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed {
            reason: format!(
                "the app's HTTP client failed unexpectedly: {}",
                error.reason
            ),
        }
    }
}

/// The app's [`HttpClient`] as the engine's transport.
pub(crate) struct ForeignTransport(pub(crate) Arc<dyn HttpClient>);

impl Transport for ForeignTransport {
    fn send(
        &self,
        request: HttpRequest<'_>,
        max_bytes: u64,
    ) -> mimamori_phone::Result<HttpResponse> {
        let url = request.url().to_owned();
        let answer = match request.body() {
            None => self.0.get(url, max_bytes),
            Some(body) => {
                let headers = request
                    .extra_headers()
                    .iter()
                    .map(|(name, value)| HttpHeader {
                        name: (*name).to_owned(),
                        value: (*value).to_owned(),
                    })
                    .collect();
                self.0.post_json(url, headers, body.to_vec(), max_bytes)
            }
        };
        reply(answer, max_bytes)
    }
}

/// The app's answer as the engine's, holding the app to `max_bytes`.
fn reply(
    answer: Result<HttpReply, HttpClientError>,
    max_bytes: u64,
) -> mimamori_phone::Result<HttpResponse> {
    match answer {
        Ok(reply) => HttpResponse::limited(reply.status, reply.body, max_bytes),
        Err(HttpClientError::Failed { reason }) => Err(mimamori_phone::Error::Transport { reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testing::phone;
    use crate::{MimamoriError, UploadRequest, send_chaff};

    /// Answers every GET with an empty `list.json` and every POST with a refusal.
    struct EmptyServer;

    impl HttpClient for EmptyServer {
        fn get(&self, _url: String, _max_bytes: u64) -> Result<HttpReply, HttpClientError> {
            Ok(HttpReply {
                status: 200,
                body: b"[]".to_vec(),
            })
        }

        fn post_json(
            &self,
            _url: String,
            _headers: Vec<HttpHeader>,
            _body: Vec<u8>,
            _max_bytes: u64,
        ) -> Result<HttpReply, HttpClientError> {
            Err(HttpClientError::Failed {
                reason: "offline".into(),
            })
        }
    }

    #[test]
    fn an_answer_longer_than_asked_is_a_transport_error() {
        let answer = || {
            Ok(HttpReply {
                status: 200,
                body: b"[]".to_vec(),
            })
        };
        assert_eq!(reply(answer(), 2).unwrap().body, b"[]");
        assert!(matches!(
            reply(answer(), 1),
            Err(mimamori_phone::Error::Transport { .. })
        ));
    }

    #[test]
    fn the_server_flow_goes_through_the_apps_client() {
        let dir = tempfile::tempdir().unwrap();
        let phone = phone(dir.path());
        let key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg==";
        let info = phone
            .sync_exports(
                Arc::new(EmptyServer),
                "https://diagnosis.example.jp".into(),
                "JP".into(),
                vec![key.into()],
            )
            .unwrap();
        assert_eq!((info.listed, info.new_windows), (0, 0));
        assert!(matches!(
            send_chaff(Arc::new(EmptyServer), "https://diagnosis.example.jp".into()),
            Err(MimamoriError::Network { .. })
        ));
        let request = UploadRequest {
            server: "https://diagnosis.example.jp".into(),
            code: "12345678".into(),
            health_authority_id: "JP.mimamori".into(),
            onset_day: None,
            traveler: false,
        };
        // Today's key is released for upload (same-day release), so the code goes to the
        // (offline) server; only in the first 10 minutes of a UTC day is there nothing to send.
        assert!(matches!(
            phone.upload_keys(Arc::new(EmptyServer), request),
            Err(MimamoriError::Network { .. } | MimamoriError::NothingToUpload { .. })
        ));
    }
}
