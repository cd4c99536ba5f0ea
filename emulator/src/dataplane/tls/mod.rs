//! TLS for the endpoints' HTTPS front end: one rustls configuration, built once at start.
//!
//! Private APIs are documented as TLS 1.2 only and AWS's endpoints agree no ALPN protocol
//! (HTTP/1.1); TLS 1.3 and h2 are opt-in settings (decision 1 in the README).

mod constraints;
pub mod pki;

use std::sync::Arc;

use rustls::ServerConfig;

use pki::ServerCertificate;

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot configure TLS: {0}")]
pub struct TlsError(#[from] rustls::Error);

/// The names the server certificate covers for a set of zones: a wildcard under each.
/// The API zone's wildcard comes first: it becomes the subject's CN, as on AWS
/// (`CN=*.execute-api.<region>.amazonaws.com`).
pub fn certificate_names(zones: &[String]) -> Vec<String> {
    let mut names: Vec<String> = zones.iter().map(|z| format!("*.{z}")).collect();
    names.sort_by_key(|n| n.contains(".vpce."));
    names
}

/// The server configuration: the certificate, protocol versions and ALPN.
pub fn server_config(
    cert: ServerCertificate,
    tls13: bool,
    http2: bool,
) -> Result<Arc<ServerConfig>, TlsError> {
    let mut provider = rustls::crypto::ring::default_provider();
    // AWS's endpoints pick an AES-128-GCM suite (ECDHE-RSA-AES128-GCM-SHA256); prefer the same
    // bulk cipher. The key is ECDSA: ring cannot generate RSA keys.
    provider.cipher_suites.sort_by_key(|s| {
        !matches!(
            s.suite(),
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                | rustls::CipherSuite::TLS13_AES_128_GCM_SHA256
        )
    });
    let provider = Arc::new(provider);
    let versions: &[&'static rustls::SupportedProtocolVersion] = if tls13 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS12]
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_no_client_auth()
        .with_single_cert(cert.chain, cert.key)?;
    config.ignore_client_order = true;
    // Session tickets let clients resume (as nginx and AWS's front ends allow) instead of paying
    // a full handshake for every new connection.
    config.ticketer = rustls::crypto::ring::Ticketer::new()?;
    // One TLS 1.3 ticket per handshake, as OpenSSL sends after a resumption (rustls defaults to
    // two): every connection hands the client a fresh ticket for the next one, and a client that
    // resumes in a loop processes half the tickets (measured: +N % new connections a second).
    config.send_tls13_tickets = 1;
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        Vec::new()
    };
    Ok(Arc::new(config))
}

/// A negotiated suite as OpenSSL names it, which is how API Gateway reports it
/// (`x-amzn-cipher-suite: ECDHE-RSA-AES128-GCM-SHA256` in a captured Lambda proxy event).
pub fn openssl_suite_name(suite: rustls::CipherSuite) -> &'static str {
    use rustls::CipherSuite as S;
    match suite {
        S::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        S::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        S::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        other => other.as_str().unwrap_or("unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_named_as_openssl_names_them() {
        assert_eq!(
            openssl_suite_name(rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
            "ECDHE-ECDSA-AES128-GCM-SHA256"
        );
        assert_eq!(
            openssl_suite_name(rustls::CipherSuite::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_128_GCM_SHA256"
        );
    }
}
