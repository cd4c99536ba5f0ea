//! Sockets, TLS and protocols of the HTTPS front end.
//!
//! One listener per endpoint network-interface address, bound by the caller; the address a
//! connection arrived on tells the gateway which endpoint it came through. After the TLS
//! handshake a connection speaks HTTP/1.1 (our codec, for AWS's exact header bytes) or, when h2
//! is enabled and negotiated, HTTP/2 (hyper).

mod http2;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulConnection;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::coalesce::CoalescingStream;
use super::http1::{self, Http1Limits};
use super::response::GatewayResponse;
use super::{ConnectionInfo, Gateway, GatewayRequest};
use crate::model::topology::ConnectionLimits;
use http2::{BodyError, H2Limits};

/// How long shutdown waits for connections to finish their request.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The running HTTPS front end. Listeners can be added and removed while it runs (endpoints
/// created through the control plane); the request path never touches that bookkeeping.
pub struct HttpsServer {
    shared: AcceptShared,
    stop: watch::Sender<bool>,
    accept_loops: std::sync::Mutex<Vec<(SocketAddr, JoinHandle<()>)>>,
}

/// What every accept loop needs.
#[derive(Clone)]
struct AcceptShared {
    acceptor: TlsAcceptor,
    gateway: Arc<Gateway>,
    limits: Arc<Http1Limits>,
    max_connections: usize,
    open: Arc<AtomicUsize>,
    stopped: watch::Receiver<bool>,
}

/// Counts a connection as open until dropped.
struct OpenConnection(Arc<AtomicUsize>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl HttpsServer {
    /// Serves `gateway` over TLS on every listener.
    pub fn start(
        listeners: Vec<TcpListener>,
        tls: Arc<rustls::ServerConfig>,
        gateway: Arc<Gateway>,
        connection_limits: ConnectionLimits,
    ) -> std::io::Result<HttpsServer> {
        let (stop, stopped) = watch::channel(false);
        let shared = AcceptShared {
            acceptor: TlsAcceptor::from(tls),
            gateway,
            limits: Arc::new(Http1Limits {
                idle_timeout: connection_limits.idle_timeout,
                request_timeout: connection_limits.request_timeout,
                handshake_timeout: connection_limits.handshake_timeout,
                ..Http1Limits::default()
            }),
            max_connections: connection_limits.max_connections,
            open: Arc::new(AtomicUsize::new(0)),
            stopped,
        };
        let server = HttpsServer {
            shared,
            stop,
            accept_loops: std::sync::Mutex::new(Vec::new()),
        };
        for listener in listeners {
            server.add_listener(listener)?;
        }
        Ok(server)
    }

    /// Starts accepting on one more listener.
    pub fn add_listener(&self, listener: TcpListener) -> std::io::Result<SocketAddr> {
        let addr = listener.local_addr()?;
        let shared = self.shared.clone();
        let task = tokio::spawn(accept_loop(listener, shared));
        self.loops().push((addr, task));
        Ok(addr)
    }

    /// Stops accepting on `addr`; connections already open finish normally.
    pub fn remove_listener(&self, addr: SocketAddr) {
        self.loops().retain(|(a, task)| {
            if *a == addr {
                task.abort();
            }
            *a != addr
        });
    }

    fn loops(&self) -> std::sync::MutexGuard<'_, Vec<(SocketAddr, JoinHandle<()>)>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.accept_loops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The addresses it listens on.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.loops().iter().map(|(a, _)| *a).collect()
    }

    /// Stops accepting, lets connections finish the request in progress (up to a few seconds).
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let loops = std::mem::take(&mut *self.loops());
        for (_, task) in loops {
            let _ = task.await;
        }
        let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
        while self.shared.open.load(Ordering::Relaxed) > 0 && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: AcceptShared) {
    let mut stopped = shared.stopped.clone();
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Over the limit: close at once rather than let one client exhaust descriptors.
        if shared.open.fetch_add(1, Ordering::Relaxed) >= shared.max_connections {
            shared.open.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(%peer, max_connections = shared.max_connections, "connection limit reached; closing a new connection");
            drop(tcp);
            continue;
        }
        let guard = OpenConnection(shared.open.clone());
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let _guard = guard;
            // Boxed: the connection's future holds the whole request path (9 KB) that tokio
            // would otherwise copy into the task and again when the task completes.
            Box::pin(serve_connection(
                tcp,
                peer,
                shared.acceptor,
                shared.gateway,
                &shared.limits,
                shared.stopped,
            ))
            .await;
        });
    }
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    gateway: Arc<Gateway>,
    limits: &Http1Limits,
    stopped: watch::Receiver<bool>,
) {
    let Ok(local) = tcp.local_addr() else { return };
    if let Err(hold) = gateway.admit(local, peer) {
        hold_silently(tcp, hold).await;
        return;
    }
    let tcp = CoalescingStream::new(tcp);
    let handshake = acceptor.accept(tcp).into_fallible();
    let mut tls = match tokio::time::timeout(limits.handshake_timeout, handshake).await {
        Ok(Ok(tls)) => tls,
        Ok(Err((e, mut tcp))) => {
            tracing::debug!(%peer, %local, "TLS handshake failed: {e}");
            // The alert, if rustls wrote one after the client's encrypted records.
            tcp.release();
            let flush = tokio::io::AsyncWriteExt::flush(&mut tcp);
            let _ = tokio::time::timeout(Duration::from_secs(1), flush).await;
            return;
        }
        Err(_) => return,
    };
    tls.get_mut().0.release();
    let (_, session) = tls.get_ref();
    let info = ConnectionInfo {
        local,
        peer,
        sni: session.server_name().map(str::to_string),
        tls_version: match session.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
            _ => "TLSv1.2",
        },
        cipher_suite: session
            .negotiated_cipher_suite()
            .map_or("", |c| crate::dataplane::tls::openssl_suite_name(c.suite())),
    };
    let h2 = session.alpn_protocol() == Some(b"h2");
    if h2 {
        serve_h2(tls, info, gateway, limits.into(), stopped).await;
    } else {
        let info = &info;
        let gateway = &gateway;
        http1::serve(tls, limits, stopped, |request| async move {
            gateway.handle(info, request).await
        })
        .await;
    }
}

/// A security group drop: AWS never answers, so the client waits until it gives up. We cannot
/// refuse the TCP handshake from user space, so we accept, read and discard, and say nothing,
/// for at most `hold`.
async fn hold_silently(mut tcp: tokio::net::TcpStream, hold: Duration) {
    use tokio::io::AsyncReadExt;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(hold, async {
        while let Ok(n) = tcp.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

async fn serve_h2<IO>(
    io: IO,
    info: ConnectionInfo,
    gateway: Arc<Gateway>,
    limits: H2Limits,
    mut stopped: watch::Receiver<bool>,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let info = Arc::new(info);
    let activity = http2::Activity::new();
    let streams = activity.clone();
    let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let (gateway, info, guard) = (gateway.clone(), info.clone(), streams.begin());
        async move {
            // One deadline for the body, from the moment the stream's head arrived (hyper hands
            // us nothing earlier; a dripping header block is bounded by the idle timeout).
            let deadline = tokio::time::Instant::now() + limits.request_timeout;
            let (parts, body) = req.into_parts();
            let body = match http2::read_body(body, limits.max_body_bytes, deadline).await {
                Ok(body) => body,
                Err(BodyError::TooLarge(max)) => {
                    tracing::debug!(max, "HTTP/2 request body over the limit; 413");
                    let response = to_http_response(http2::payload_too_large(), false);
                    return Ok(http2::guarded(response, guard));
                }
                // hyper resets the stream (INTERNAL_ERROR): the request is not handled.
                Err(e) => return Err(e),
            };
            let request = h2_request(parts, body);
            let head_only = request.method == "HEAD";
            // Boxed: hyper spawns a task per stream, and moves this future three times on the
            // way (3 KB each time).
            let response = Box::pin(gateway.handle(&info, request)).await;
            Ok::<_, BodyError>(http2::guarded(to_http_response(response, head_only), guard))
        }
    });
    // Guards against HTTP/2's known floods: rapid reset (CVE-2023-44487) and CONTINUATION
    // floods (a header block is capped like an HTTP/1.1 head), besides the stream limit.
    let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .max_concurrent_streams(256)
        .max_pending_accept_reset_streams(Some(50))
        .max_local_error_reset_streams(Some(256))
        .max_header_list_size(32 * 1024)
        .initial_stream_window_size(1 << 20)
        .initial_connection_window_size(1 << 22)
        .serve_connection(TokioIo::new(io), service);
    http2::serve_until_idle(conn, &activity, limits.idle_timeout, &mut stopped).await;
}

/// The gateway's view of an HTTP/2 request: `:authority` stands for the Host.
fn h2_request(parts: http::request::Parts, body: Bytes) -> GatewayRequest {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(parts.headers.len() + 1);
    if let Some(authority) = parts.uri.authority() {
        headers.push(("host".to_string(), authority.to_string()));
    }
    for (k, v) in &parts.headers {
        headers.push((
            k.as_str().to_string(),
            String::from_utf8_lossy(v.as_bytes()).into_owned(),
        ));
    }
    GatewayRequest {
        method: parts.method.as_str().to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".to_string()),
        headers,
        body,
        connection_close: false,
        expect_continue: false,
        http2: true,
    }
}

/// Serves a hyper connection until it ends, or until `stopped` changes: then it finishes the
/// requests it has begun and closes. The one shutdown both HTTP servers (this and the control
/// plane) use.
pub(crate) async fn until_stopped<C: GracefulConnection>(
    conn: C,
    stopped: &mut watch::Receiver<bool>,
) {
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stopped.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// HTTP/2 spells every header in lower case; the order is kept.
fn to_http_response(response: GatewayResponse, head_only: bool) -> http::Response<Full<Bytes>> {
    use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE};
    let mut headers = http::HeaderMap::with_capacity(response.headers.len() + 3);
    let value = |v: &str| HeaderValue::from_str(v).ok();
    if let Some(date) = value(&http1::http_date()) {
        headers.append(DATE, date);
    }
    if let Some(content_type) = value(&response.content_type) {
        headers.append(CONTENT_TYPE, content_type);
    }
    headers.append(CONTENT_LENGTH, HeaderValue::from(response.body.len()));
    for (name, v) in &response.headers {
        // The gateway's own names are known; others are lowercased and checked. The ids are new
        // in every response: indexed by HPACK, each would push a useful entry out of the
        // connection's table, and the encoder would compare every later id with all those held
        // (5 % of a stream's instructions). Marked never-indexed, they are just written.
        let (name, unique) = match name.as_ref() {
            "x-amzn-RequestId" => (HeaderName::from_static("x-amzn-requestid"), true),
            "x-amz-apigw-id" => (HeaderName::from_static("x-amz-apigw-id"), true),
            "x-amzn-ErrorType" => (HeaderName::from_static("x-amzn-errortype"), false),
            "X-Amzn-Trace-Id" => (HeaderName::from_static("x-amzn-trace-id"), true),
            other => match HeaderName::from_bytes(other.as_bytes()) {
                Ok(n) => (n, false),
                Err(_) => continue,
            },
        };
        if let Some(mut v) = value(v) {
            v.set_sensitive(unique);
            headers.append(name, v);
        }
    }
    let body = if head_only {
        Bytes::new()
    } else {
        response.body
    };
    let mut r = http::Response::new(Full::new(body));
    *r.status_mut() = http::StatusCode::from_u16(response.status)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    *r.headers_mut() = headers;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http2_responses_keep_the_ids_out_of_the_hpack_table() {
        let response = GatewayResponse {
            status: 200,
            content_type: "application/json".into(),
            headers: vec![
                (
                    "x-amzn-RequestId".into(),
                    "e68ba038-ab9f-4f11-b901-d5475c36fec4".into(),
                ),
                ("x-amz-apigw-id".into(), "+H/ePqbPT0+m5Vw=".into()),
                ("X-Custom".into(), "kept".into()),
                ("bad name".into(), "dropped".into()),
            ],
            body: Bytes::from_static(b"{}"),
        };
        let r = to_http_response(response, false);
        let h = r.headers();
        assert_eq!(r.status(), 200);
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["content-length"], "2");
        assert_eq!(
            h["x-amzn-requestid"],
            "e68ba038-ab9f-4f11-b901-d5475c36fec4"
        );
        assert!(h["x-amzn-requestid"].is_sensitive());
        assert!(h["x-amz-apigw-id"].is_sensitive());
        assert!(!h["content-type"].is_sensitive());
        assert_eq!(h["x-custom"], "kept");
        assert!(!h["x-custom"].is_sensitive());
        assert_eq!(h.len(), 6, "{h:?}");
    }
}
