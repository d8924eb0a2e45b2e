//! Accepting connections with bounds a slow or hostile client cannot outlast: an accept loop over
//! hyper's HTTP/1 connection builder instead of `axum::serve`, which has none of them.
//!
//! - **Header read timeout** ([`ConnectionLimits::header_read_timeout`]): a request's head must
//!   arrive whole within it, or the connection is closed. hyper starts the same timer while a
//!   kept-alive connection waits for its next request, so it is the idle (keep-alive) timeout
//!   too.
//! - **Body deadline** ([`ConnectionLimits::body_read_timeout`]): a request body must arrive
//!   whole within it, counted from the end of the head (a total, not a per-read timeout, so
//!   dribbling a byte a second does not extend it). A late body fails the extractor (400, JSON
//!   on the APIs) and the connection is closed.
//! - **Connection cap** ([`ConnectionLimits::max_connections`]): at most that many connections
//!   are open; the loop accepts the next only when one closes, so excess clients wait in the
//!   kernel's backlog instead of using up the process's file descriptors.
//!
//! Every request carries `axum::extract::ConnectInfo<SocketAddr>` (the peer address) in its
//! extensions, as `into_make_service_with_connect_info::<SocketAddr>()` would give: handlers
//! and layers can extract it. It is never logged or stored.
//!
//! Graceful shutdown: when `stop` turns true the listener closes, every connection finishes the
//! request it is serving (bounded by the timeouts above) and closes, and [`serve`] returns.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

/// Default [`ConnectionLimits::header_read_timeout`]: 10 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`ConnectionLimits::body_read_timeout`]: 30 s (a 64 KiB upload at 20 kbit/s).
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`ConnectionLimits::max_connections`]: 512, half of the usual 1,024 descriptors a
/// process may open, leaving room for the database, files and the export store.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long the accept loop waits after an accept error other than a failed handshake (e.g. no
/// descriptors left) before trying again.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The bounds on client connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Longest wait for a request's head, and for the next request on an idle connection.
    pub header_read_timeout: Duration,
    /// Longest time for a request body to arrive whole, from the end of its head.
    pub body_read_timeout: Duration,
    /// Most connections open at once (at least 1).
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `stop` turns true, then shuts down
/// gracefully.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => break,
            },
            () = stopped(&mut stop) => break,
        };
        if *stop.borrow() {
            break;
        }
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if !is_connection_error(&error) {
                        tracing::warn!(%error, "accepting a connection failed; retrying");
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        connections.spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            limits,
            permit,
            stop.clone(),
        ));
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Errors of one connection that do not concern the listener (axum's list).
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    _permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let body_read_timeout = limits.body_read_timeout;
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let mut router = app.clone();
        let mut request = request.map(|body| Body::new(DeadlineBody::new(body, body_read_timeout)));
        request.extensions_mut().insert(ConnectInfo(peer));
        // `Router` is always ready, so calling it without `poll_ready` is allowed.
        tower_service::Service::call(&mut router, request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        // Timeouts and clients going away; nothing about the client is logged.
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// The error of a body that did not arrive by its deadline.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the body read timeout")]
struct BodyTimedOut;

/// A request body that fails once its deadline passes.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep_until(Instant::now() + timeout)),
        }
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(context) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|frame| frame.map_err(Into::into))),
            Poll::Pending => {
                if this.deadline.as_mut().poll(context).is_ready() {
                    Poll::Ready(Some(Err(BodyTimedOut.into())))
                } else {
                    Poll::Pending
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::routing::get;

    use super::*;

    /// Handlers can extract the peer address as with `into_make_service_with_connect_info`.
    #[tokio::test]
    async fn handlers_see_the_peer_address() {
        let app = Router::new().route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let serving = tokio::spawn(serve(listener, app, ConnectionLimits::default(), stopped));
        let answer = reqwest::get(format!("http://{address}/peer"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(answer, "127.0.0.1");
        stop.send(true).unwrap();
        serving.await.unwrap().unwrap();
    }
}
