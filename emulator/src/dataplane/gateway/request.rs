//! A request as the gateway sees it: what was read from the wire ([`GatewayRequest`]) and
//! what is known of the connection it came on ([`ConnectionInfo`]).

use std::borrow::Cow;
use std::net::SocketAddr;

use bytes::Bytes;

/// A request as read from the wire.
#[derive(Debug, Clone)]
pub struct GatewayRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (origin form: path and query).
    pub target: String,
    /// Headers in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Bytes,
    /// The client asked to close the connection after this request.
    pub connection_close: bool,
    /// The client sent `Expect: 100-continue`.
    pub expect_continue: bool,
    /// The request came over HTTP/2.
    pub http2: bool,
}

impl GatewayRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `$context.protocol`.
    pub(crate) fn protocol(&self) -> &'static str {
        if self.http2 {
            "HTTP/2.0"
        } else {
            "HTTP/1.1"
        }
    }

    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub(crate) fn query(&self) -> Vec<(String, String)> {
        let Some((_, q)) = self.target.split_once('?') else {
            return Vec::new();
        };
        q.split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (
                    crate::aws::percent::decode(k),
                    crate::aws::percent::decode(v),
                )
            })
            .collect()
    }
}

/// What is known about the connection a request came on.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The address the client dialled: it identifies the VPC endpoint.
    pub local: SocketAddr,
    /// The client.
    pub peer: SocketAddr,
    /// The TLS server name the client asked for.
    pub sni: Option<String>,
    /// `TLSv1.2` or `TLSv1.3`.
    pub tls_version: &'static str,
    /// The negotiated cipher suite, as OpenSSL names it (`ECDHE-ECDSA-AES128-GCM-SHA256`).
    pub cipher_suite: &'static str,
}

/// The Host header's name, lower case, without a port.
/// Borrowed when the client sent it in lower case, as clients do: no allocation per request.
pub(crate) fn host_name(request: &GatewayRequest) -> Cow<'_, str> {
    let host = request.header("host").unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}
