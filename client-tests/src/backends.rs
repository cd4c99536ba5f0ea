//! Real backends for integration tests, on loopback: an HTTP (or HTTPS, with its own CA) echo
//! server and a Lambda Runtime Interface Emulator stand-in. Each starts on a free port and
//! stops when dropped.
//!
//! The echo server answers every request with a JSON description of what it received
//! (`method`, `path`, `query`, `headers` as `[name, value]` pairs, `body`) and the headers
//! `x-backend: echo` and `server: echo-backend`. Two paths behave differently:
//! `/status/<code>` answers with that status, `/slow/<ms>` waits that long first.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serves `answer` on 127.0.0.1 until the returned sender is dropped.
async fn serve<F, Fut>(
    tls: Option<tokio_rustls::TlsAcceptor>,
    answer: F,
) -> (SocketAddr, watch::Sender<bool>)
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a free loopback port");
    let addr = listener.local_addr().expect("a bound address");
    let (stop, mut stopped) = watch::channel(false);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    let answer = answer.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let answer = answer.clone();
                            async move { Ok::<_, Infallible>(answer(req).await) }
                        });
                        let builder = hyper::server::conn::http1::Builder::new();
                        match tls {
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(tcp).await {
                                    let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                                }
                            }
                            None => {
                                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                            }
                        }
                    });
                }
            }
        }
    });
    (addr, stop)
}

async fn echo(req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut status = 200;
    if let Some(code) = path.strip_prefix("/status/") {
        status = code.parse().unwrap_or(200);
    }
    if let Some(ms) = path.strip_prefix("/slow/") {
        tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
    }
    let json = serde_json::json!({
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-backend", "echo")
        .header("server", "echo-backend")
        .body(Full::new(Bytes::from(json.to_string())))
        .expect("a valid response")
}

/// What the echo server saw, parsed from its answer.
#[derive(Debug, Clone)]
pub struct Echoed(pub serde_json::Value);

impl Echoed {
    /// Parses an echo body.
    pub fn parse(body: &str) -> Echoed {
        Echoed(serde_json::from_str(body).unwrap_or_else(|e| panic!("not an echo ({e}): {body}")))
    }

    /// A received header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        self.0["headers"]
            .as_array()?
            .iter()
            .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|h| h[1].as_str().map(str::to_string))
    }

    /// A top-level string field (`method`, `path`, `query`, `body`).
    pub fn field(&self, name: &str) -> String {
        self.0[name].as_str().unwrap_or_default().to_string()
    }
}

/// The echo server, over HTTP or HTTPS.
pub struct EchoBackend {
    addr: SocketAddr,
    /// The PEM file of the CA that issued an HTTPS backend's certificate (for `localhost`).
    pub ca_file: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
    _stop: watch::Sender<bool>,
}

impl EchoBackend {
    /// A plain HTTP echo server.
    pub async fn http() -> EchoBackend {
        let (addr, stop) = serve(None, echo).await;
        EchoBackend {
            addr,
            ca_file: None,
            _dir: None,
            _stop: stop,
        }
    }

    /// An HTTPS echo server whose certificate for `localhost` comes from its own new CA.
    pub async fn https() -> EchoBackend {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test backend CA");
        let ca_key = rcgen::KeyPair::generate().expect("a CA key");
        let ca_cert = ca_params.self_signed(&ca_key).expect("a CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().expect("a leaf key");
        let leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("leaf params");
        let leaf = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("a leaf certificate");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ca_file = dir.path().join("backend-ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("the CA file is written");
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .expect("a server certificate");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let (addr, stop) = serve(Some(acceptor), echo).await;
        EchoBackend {
            addr,
            ca_file: Some(ca_file),
            _dir: Some(dir),
            _stop: stop,
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// A Lambda function behind a Runtime Interface Emulator's HTTP API
/// (`POST /2015-03-31/functions/function/invocations`).
pub struct LambdaRie {
    addr: SocketAddr,
    _stop: watch::Sender<bool>,
}

/// What a test function answers: the raw result bytes, and whether it is a function error
/// (`X-Amz-Function-Error: Unhandled`).
pub type FunctionResult = (Vec<u8>, bool);

impl LambdaRie {
    /// Runs `function` on every invocation with the event it receives.
    pub async fn start(function: fn(&serde_json::Value) -> FunctionResult) -> LambdaRie {
        let (addr, stop) = serve(None, move |req: Request<Incoming>| async move {
            let right_path = req.method() == hyper::Method::POST
                && req.uri().path() == "/2015-03-31/functions/function/invocations";
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            if !right_path {
                return Response::builder()
                    .status(404)
                    .body(Full::new(Bytes::from_static(b"404 page not found")))
                    .expect("a valid response");
            }
            let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let (result, error) = function(&event);
            let mut response = Response::builder().status(200);
            if error {
                response = response.header("X-Amz-Function-Error", "Unhandled");
            }
            response
                .body(Full::new(Bytes::from(result)))
                .expect("a valid response")
        })
        .await;
        LambdaRie { addr, _stop: stop }
    }

    /// Its base URL, what `lambdaFunctions.<name>.endpoint` takes.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A backend that answers every request with 200 and a body of `total` bytes written as fast as
/// the reader takes them, as a large download does: chunked (no length announced) or with a
/// `Content-Length`. It serves any path and method, so it stands for an HTTP backend and for a
/// Lambda endpoint alike.
pub struct StreamingBackend {
    addr: SocketAddr,
    _stop: watch::Sender<bool>,
}

impl StreamingBackend {
    /// Starts it; `announce_length` sends `Content-Length` rather than chunks.
    pub async fn start(total: usize, announce_length: bool) -> StreamingBackend {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a free loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        tokio::spawn(stream_answer(tcp, total, announce_length));
                    }
                }
            }
        });
        StreamingBackend { addr, _stop: stop }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL (also what `lambdaFunctions.<name>.endpoint` takes).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Reads one request head, then writes the answer until done or the reader hangs up.
async fn stream_answer(mut tcp: tokio::net::TcpStream, total: usize, announce_length: bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let framing = if announce_length {
        format!("content-length: {total}")
    } else {
        "transfer-encoding: chunked".to_string()
    };
    let start = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
    if tcp.write_all(start.as_bytes()).await.is_err() {
        return;
    }
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len());
        let written = if announce_length {
            tcp.write_all(&chunk[..n]).await
        } else {
            let mut framed = format!("{n:x}\r\n").into_bytes();
            framed.extend_from_slice(&chunk[..n]);
            framed.extend_from_slice(b"\r\n");
            tcp.write_all(&framed).await
        };
        if written.is_err() {
            return;
        }
        left -= n;
    }
    if !announce_length {
        let _ = tcp.write_all(b"0\r\n\r\n").await;
    }
}
