//! HTTP and HTTP_PROXY integrations: calls to the user's own backends over HTTP or HTTPS.
//!
//! What API Gateway does and we do too:
//! - HTTP (non-proxy) sends only what is mapped: the URI with its `{placeholders}` filled,
//!   mapped query parameters and headers, `User-Agent: AmazonAPIGateway_<api-id>`,
//!   `X-Amzn-Apigateway-Api-Id`, `Accept: application/json`, and the body from the request
//!   template (or passed through).
//! - HTTP_PROXY passes the client's method, query string, headers (hop-by-hop ones removed)
//!   and body, adds `X-Forwarded-For` and, through a VPC endpoint, `x-amzn-vpce-id`,
//!   `x-amzn-vpc-id` and `x-amzn-vpce-config`; the backend's answer comes back with its
//!   `Connection`, `Content-Length`, `Date` and `Server` renamed `x-amzn-Remapped-*`.
//! - Answers over 10 MB are 500 `{"message": "Internal server error"}`; reading stops at the
//!   limit ([`super::body`]).
//! - Timeouts (29 s by default) are 504 `{"message": "Endpoint request timed out"}`; a backend
//!   that cannot be reached, or whose certificate does not verify, is 500
//!   `{"message": "Internal server error"}` (API Gateway's "Execution failed due to
//!   configuration error").
//!
//! Backend header names arrive lower-cased (hyper's client does not keep their case).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;

use super::body::{self, Limit, ReadError};
use super::mapping::{map_response, request_body, select_response};
use super::IntegrationError;
use super::{IntegrationOutput, MethodRequest};
use crate::dataplane::gateway::response::{self, GatewayError};
use crate::model::api::HttpIntegration;

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Request headers a proxy does not forward (hop-by-hop, or owned by the connection).
const NOT_FORWARDED: &[&str] = &[
    "connection",
    "te",
    "transfer-encoding",
    "upgrade",
    "expect",
    "via",
    "proxy-authenticate",
    "proxy-authorization",
    "keep-alive",
    "trailer",
    "content-length",
    "host",
];

/// Backend response headers API Gateway renames rather than passes.
const REMAPPED: &[&str] = &["connection", "content-length", "date", "server"];

/// The HTTP clients integrations share.
pub struct Backends {
    verified: HttpsClient,
    insecure: HttpsClient,
    host_overrides: HashMap<String, SocketAddr>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client(tls: rustls::ClientConfig) -> HttpsClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector.set_connect_timeout(Some(Duration::from_secs(10)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(https)
}

impl Backends {
    pub fn new(
        host_overrides: HashMap<String, SocketAddr>,
        trusted_cas: &[CertificateDer<'static>],
    ) -> Backends {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for ca in trusted_cas {
            // Certificates were parsed when the scenario was validated.
            if let Err(e) = roots.add(ca.clone()) {
                tracing::warn!("a trusted backend CA was not usable: {e}");
            }
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions();
        let verified = match builder {
            Ok(b) => b.with_root_certificates(roots).with_no_client_auth(),
            // The ring provider supports the default versions; this cannot fail.
            Err(_) => rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        };
        let insecure = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.dangerous()
                    .with_custom_certificate_verifier(Arc::new(SkipVerification(provider())))
                    .with_no_client_auth()
            })
            .unwrap_or_else(|_| verified.clone());
        Backends {
            verified: client(verified),
            insecure: client(insecure),
            host_overrides,
        }
    }

    /// Sends a request to a backend and reads the whole answer, within `timeout` and `limit`.
    pub async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
        insecure: bool,
        timeout: Duration,
        limit: Limit,
    ) -> Result<(u16, Vec<(String, String)>, Bytes), IntegrationError> {
        let uri = request.uri().clone();
        let client = if insecure {
            &self.insecure
        } else {
            &self.verified
        };
        let call = async {
            let response = client.request(request).await.map_err(|e| {
                let mut cause: &dyn std::error::Error = &e;
                let mut text = e.to_string();
                while let Some(source) = cause.source() {
                    text = format!("{text}: {source}");
                    cause = source;
                }
                let cause = format!("Execution failed due to configuration error: the integration endpoint could not be called: {text}");
                tracing::warn!(%uri, "{cause}");
                IntegrationError::new(GatewayError::InternalServerError, cause)
            })?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            // Dropping the body over the limit closes the connection: nothing more is read.
            let body = body::read_body(response.into_body(), limit.bytes())
                .await
                .map_err(|e| {
                    let failure = match e {
                        ReadError::TooLarge(_) => limit.exceeded(),
                        other => IntegrationError::new(
                            GatewayError::InternalServerError,
                            format!("the integration response could not be read: {other}"),
                        ),
                    };
                    tracing::warn!(%uri, "{}", failure.cause);
                    failure
                })?;
            Ok::<_, IntegrationError>((status, headers, body))
        };
        tokio::time::timeout(timeout, call).await.map_err(|_| {
            let cause = timed_out(timeout);
            tracing::warn!(%uri, "{cause}");
            IntegrationError::new(GatewayError::IntegrationTimeout, cause)
        })?
    }

    /// Points a backend URI at its local stand-in when its host is overridden.
    fn resolve(&self, uri: &str) -> Result<(http::Uri, String), IntegrationError> {
        let parsed: http::Uri = uri.parse().map_err(|_| {
            let cause =
                "Execution failed due to configuration error: Invalid endpoint address".to_string();
            tracing::warn!(%uri, "{cause}");
            IntegrationError::new(GatewayError::InternalServerError, cause)
        })?;
        let host = parsed.host().unwrap_or_default().to_string();
        let host_header = match parsed.port_u16() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let target = match self.host_overrides.get(&host) {
            Some(addr) => {
                let pq = parsed.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                format!("http://{addr}{pq}")
                    .parse::<http::Uri>()
                    .map_err(|e| {
                        IntegrationError::new(
                            GatewayError::InternalServerError,
                            format!("the local stand-in for {host} has no valid URI: {e}"),
                        )
                    })?
            }
            None => parsed,
        };
        Ok((target, host_header))
    }

    /// Runs an HTTP or HTTP_PROXY integration.
    pub async fn call(
        &self,
        spec: &HttpIntegration,
        request: &MethodRequest<'_>,
    ) -> Result<IntegrationOutput, IntegrationError> {
        let (uri, mapped_headers) = backend_uri(spec, request);
        let (target, host_header) = self.resolve(&uri)?;
        let outgoing = outgoing_request(spec, request, &uri, target, host_header, &mapped_headers)?;
        let (status, backend_headers, body) = self
            .send(
                outgoing,
                spec.insecure_skip_verification,
                Duration::from_millis(spec.timeout_millis),
                Limit::Integration,
            )
            .await?;
        if spec.proxy {
            return Ok(proxy_output(status, backend_headers, body, false));
        }
        let chosen = select_response(&spec.responses, &status.to_string()).ok_or_else(|| {
            let cause = "Execution failed due to configuration error: No match for output mapping and no default output mapping".to_string();
            tracing::warn!(%uri, status, "{cause}");
            IntegrationError::new(GatewayError::InternalServerError, cause)
        })?;
        map_response(chosen, request, &backend_headers, body, true)
    }
}

/// Parameters mapped to the backend request, by where they go.
type Mapped = Vec<(String, String)>;

/// The backend URI with its placeholders filled and its query string, and the headers the
/// integration maps.
fn backend_uri(spec: &HttpIntegration, request: &MethodRequest<'_>) -> (String, Mapped) {
    let mut uri = request.with_stage_variables(&spec.uri);
    let (query, headers) = map_parameters(spec, request, &mut uri);
    if spec.proxy {
        // The console maps `{proxy}` itself; a hand-written definition that did not still
        // gets the path parameter of the same name (lenient, noted in the README).
        for (name, value) in request.path_parameters {
            fill_placeholder(&mut uri, name, value);
        }
    }
    let raw_query = request.raw_query.filter(|q| spec.proxy && !q.is_empty());
    append_query(&mut uri, raw_query, &query);
    (uri, headers)
}

/// Applies `integration.request.*` parameters: path ones fill `uri`'s placeholders; query
/// string and header ones come back, in that order.
fn map_parameters(
    spec: &HttpIntegration,
    request: &MethodRequest<'_>,
    uri: &mut String,
) -> (Mapped, Mapped) {
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for (target, source) in &spec.request_parameters {
        let value = request.parameter(source);
        if let Some(name) = target.strip_prefix("integration.request.path.") {
            fill_placeholder(uri, name, &value.unwrap_or_default());
        } else if let Some(name) = target
            .strip_prefix("integration.request.querystring.")
            .or_else(|| target.strip_prefix("integration.request.multivaluequerystring."))
        {
            if let Some(v) = value {
                query.push((name.to_string(), v));
            }
        } else if let Some(name) = target
            .strip_prefix("integration.request.header.")
            .or_else(|| target.strip_prefix("integration.request.multivalueheader."))
        {
            if let Some(v) = value {
                headers.push((name.to_string(), v));
            }
        }
    }
    (query, headers)
}

/// Replaces `{name}` in `uri` with `value`, percent-encoded as a path.
fn fill_placeholder(uri: &mut String, name: &str, value: &str) {
    *uri = uri.replace(
        &format!("{{{name}}}"),
        &crate::aws::percent::encode_path(value),
    );
}

/// Appends the client's query string as sent (HTTP_PROXY), then the mapped parameters.
fn append_query(uri: &mut String, raw_query: Option<&str>, query: &[(String, String)]) {
    let mut query_string: Vec<String> = Vec::new();
    if let Some(raw) = raw_query {
        query_string.push(raw.to_string());
    }
    query_string.extend(query.iter().map(|(k, v)| {
        format!(
            "{}={}",
            crate::aws::percent::encode_component(k),
            crate::aws::percent::encode_component(v)
        )
    }));
    if !query_string.is_empty() {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(&query_string.join("&"));
    }
}

/// The request sent to the backend: method, headers and body, by the integration's kind.
fn outgoing_request(
    spec: &HttpIntegration,
    request: &MethodRequest<'_>,
    uri: &str,
    target: http::Uri,
    host_header: String,
    mapped_headers: &[(String, String)],
) -> Result<http::Request<Full<Bytes>>, IntegrationError> {
    let method = if spec.http_method == "ANY" {
        request.context.http_method
    } else {
        spec.http_method.as_str()
    };
    let builder = http::Request::builder().method(method).uri(target);
    let (builder, body) = if spec.proxy {
        let builder = proxy_headers(builder, request, host_header, mapped_headers);
        (builder, request.body.clone())
    } else {
        let body = request_body(request, &spec.request_templates, spec.passthrough_behavior)?;
        (http_headers(builder, request, host_header, &body), body)
    };
    let mut builder = builder.header("X-Amzn-Trace-Id", response::trace_id());
    for (k, v) in mapped_headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder.body(Full::new(body)).map_err(|e| {
        let cause = format!(
            "Execution failed due to configuration error: the integration request is invalid: {e}"
        );
        tracing::warn!(%uri, "{cause}");
        IntegrationError::new(GatewayError::InternalServerError, cause)
    })
}

/// HTTP_PROXY's headers: the client's (but hop-by-hop ones and those the integration maps),
/// then what API Gateway adds.
fn proxy_headers(
    mut builder: http::request::Builder,
    request: &MethodRequest<'_>,
    host_header: String,
    mapped_headers: &[(String, String)],
) -> http::request::Builder {
    for (k, v) in request.headers {
        let lower = k.to_ascii_lowercase();
        if !NOT_FORWARDED.contains(&lower.as_str())
            && !mapped_headers
                .iter()
                .any(|(h, _)| h.eq_ignore_ascii_case(k))
        {
            builder = builder.header(k.as_str(), v.as_str());
        }
    }
    builder = builder
        .header("Host", host_header)
        .header("X-Forwarded-For", forwarded_for(request))
        .header("X-Amzn-Apigateway-Api-Id", request.context.api_id);
    if !request.context.vpce_id.is_empty() {
        builder = builder
            .header("x-amzn-vpc-id", request.context.vpc_id)
            .header("x-amzn-vpce-config", "1")
            .header("x-amzn-vpce-id", request.context.vpce_id);
    }
    builder
}

/// HTTP (non-proxy) headers: only API Gateway's own, and the content type of a body.
fn http_headers(
    builder: http::request::Builder,
    request: &MethodRequest<'_>,
    host_header: String,
    body: &Bytes,
) -> http::request::Builder {
    let builder = builder
        .header("Host", host_header)
        .header(
            "User-Agent",
            format!("AmazonAPIGateway_{}", request.context.api_id),
        )
        .header("X-Amzn-Apigateway-Api-Id", request.context.api_id)
        .header("Accept", "application/json");
    if body.is_empty() {
        return builder;
    }
    builder.header(
        "Content-Type",
        request.header("content-type").unwrap_or("application/json"),
    )
}

/// The cause logged for an integration that did not answer within `timeout`.
pub(super) fn timed_out(timeout: Duration) -> String {
    format!(
        "Execution failed due to a timeout error after {} ms",
        timeout.as_millis()
    )
}

/// `X-Forwarded-For` as a proxy passes it on: the client's own list, then its address.
pub(super) fn forwarded_for(request: &MethodRequest<'_>) -> String {
    match request.header("x-forwarded-for") {
        Some(previous) => format!("{previous}, {}", request.context.source_ip),
        None => request.context.source_ip.to_string(),
    }
}

/// A proxied answer: the backend's status, headers (some renamed) and body.
pub fn proxy_output(
    status: u16,
    backend_headers: Vec<(String, String)>,
    body: Bytes,
    traced: bool,
) -> IntegrationOutput {
    let mut content_type = None;
    let mut headers = Vec::with_capacity(backend_headers.len());
    for (name, value) in backend_headers {
        let lower = name.to_ascii_lowercase();
        if lower == "content-type" {
            content_type = Some(value);
        } else if lower == "transfer-encoding" || lower == "keep-alive" {
            continue;
        } else if REMAPPED.contains(&lower.as_str()) {
            headers.push((format!("x-amzn-Remapped-{}", canonical(&name)), value));
        } else {
            headers.push((name, value));
        }
    }
    IntegrationOutput {
        status,
        content_type: content_type.unwrap_or_else(|| "application/json".to_string()),
        headers,
        body,
        traced,
    }
}

/// `content-length` → `Content-Length`.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `tlsConfig.insecureSkipVerification`: any certificate is accepted; signatures are still
/// checked so the handshake is a real one.
#[derive(Debug)]
struct SkipVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for SkipVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxied_answers_remap_connection_headers() {
        let out = proxy_output(
            201,
            vec![
                ("content-type".into(), "text/plain".into()),
                ("server".into(), "nginx".into()),
                ("content-length".into(), "2".into()),
                ("x-app".into(), "1".into()),
                ("transfer-encoding".into(), "chunked".into()),
            ],
            Bytes::from_static(b"ok"),
            false,
        );
        assert_eq!(out.status, 201);
        assert_eq!(out.content_type, "text/plain");
        assert_eq!(
            out.headers,
            vec![
                ("x-amzn-Remapped-Server".to_string(), "nginx".to_string()),
                (
                    "x-amzn-Remapped-Content-Length".to_string(),
                    "2".to_string()
                ),
                ("x-app".to_string(), "1".to_string()),
            ]
        );
    }

    #[test]
    fn greedy_paths_keep_their_slashes() {
        assert_eq!(crate::aws::percent::encode_path("a/b c/%"), "a/b%20c/%25");
        assert_eq!(crate::aws::percent::encode_component("a b&c"), "a%20b%26c");
    }
}
