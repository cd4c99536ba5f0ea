//! The emulator's own settings (`$.emulator`): DNS and HTTPS listeners, connection limits, how
//! denials are worded, and the local stand-ins for integrations (Lambda functions, extra CA
//! certificates), with defaults applied.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::scenario::config::{
    Config, ConfigError, DenialWording, HttpsSettings, LambdaFunctionConfig,
};
use crate::scenario::document;

use super::builder::Builder;

/// Where a Lambda function named by an integration runs locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaFunction {
    /// The base URL of a Runtime Interface Emulator, e.g. `http://127.0.0.1:9000`.
    Endpoint(String),
    /// A program and its arguments: the event on stdin, the result on stdout.
    Command(Vec<String>),
}

/// Emulator settings with defaults applied.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `None`: 127.0.0.1 port 53 if it can be bound, else 8053.
    pub dns_listen: Option<SocketAddr>,
    /// Forwarders for names outside the emulated zones.
    pub dns_upstream: Vec<SocketAddr>,
    /// TTL of DNS answers.
    pub dns_ttl: u32,
    /// `None`: 443 if it can be bound, else 8443.
    pub https_port: Option<u16>,
    /// Offer h2 by ALPN.
    pub http2: bool,
    /// Accept TLS 1.3.
    pub tls13: bool,
    /// Connection limits and timeouts of the HTTPS front end.
    pub connection_limits: ConnectionLimits,
    /// Wording of policy denials.
    pub denial_wording: DenialWording,
    /// How long a connection a security group drops is held in silence.
    pub security_group_drop: Duration,
    /// Local stand-ins for Lambda functions, by name, qualified name or ARN.
    pub lambda_functions: BTreeMap<String, LambdaFunction>,
    /// Extra CA certificates HTTPS backends may chain to.
    pub backend_cas: Vec<CertificateDer<'static>>,
}

/// How many connections the HTTPS front end holds and how long it waits for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A kept-alive connection idle this long is closed.
    pub idle_timeout: Duration,
    /// A request must arrive whole within this.
    pub request_timeout: Duration,
    /// A TLS handshake must finish within this.
    pub handshake_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl Builder {
    pub(super) fn settings(&self, config: &Config) -> Result<Settings, ConfigError> {
        let s = &config.emulator;
        Ok(Settings {
            dns_listen: s.dns.listen,
            dns_upstream: s.dns.upstream.clone(),
            dns_ttl: s.dns.ttl.unwrap_or(60),
            https_port: s.https.port,
            http2: s.https.http2,
            tls13: s.https.tls13,
            connection_limits: connection_limits(&s.https),
            denial_wording: s.denial_wording,
            security_group_drop: Duration::from_secs(s.security_group_drop_seconds.unwrap_or(60)),
            lambda_functions: self.lambda_functions(config)?,
            backend_cas: self.backend_cas(config)?,
        })
    }

    fn lambda_functions(
        &self,
        config: &Config,
    ) -> Result<BTreeMap<String, LambdaFunction>, ConfigError> {
        let mut out = BTreeMap::new();
        for (name, f) in &config.emulator.integrations.lambda_functions {
            let path = document::child_path("$.emulator.integrations.lambdaFunctions", name);
            out.insert(name.clone(), self.lambda_function(f, &path)?);
        }
        Ok(out)
    }

    /// A Runtime Interface Emulator's URL, or a command to run per invocation.
    fn lambda_function(
        &self,
        f: &LambdaFunctionConfig,
        path: &str,
    ) -> Result<LambdaFunction, ConfigError> {
        match (&f.endpoint, &f.command) {
            (Some(url), None) => {
                let ok = url
                    .parse::<http::Uri>()
                    .is_ok_and(|u| u.scheme_str() == Some("http") && u.host().is_some());
                if !ok {
                    return Err(self.err(
                        format!("{path}.endpoint"),
                        format!("expected the http:// URL of a Lambda Runtime Interface Emulator such as \"http://127.0.0.1:9000\", found {url:?}"),
                    ));
                }
                Ok(LambdaFunction::Endpoint(url.clone()))
            }
            (None, Some(argv)) if !argv.is_empty() && !argv[0].is_empty() => {
                let mut argv = argv.clone();
                // `./handler.py` is relative to the scenario file, like every other path in it.
                if argv[0].contains('/') && Path::new(&argv[0]).is_relative() {
                    argv[0] = self.scenario_file(&argv[0]).to_string_lossy().into_owned();
                }
                Ok(LambdaFunction::Command(argv))
            }
            (None, Some(_)) => Err(self.err(
                format!("{path}.command"),
                "expected a program and its arguments, such as [\"python3\", \"handler.py\"]",
            )),
            _ => Err(self.err(
                path,
                "expected exactly one of \"endpoint\" (a Runtime Interface Emulator URL) and \"command\"",
            )),
        }
    }

    fn backend_cas(&self, config: &Config) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
        let mut out = Vec::new();
        for (i, file) in config
            .emulator
            .integrations
            .trusted_ca_files
            .iter()
            .enumerate()
        {
            let at = format!("$.emulator.integrations.trustedCaFiles[{i}]");
            out.extend(self.ca_file(file, &at)?);
        }
        Ok(out)
    }

    /// The certificates of one PEM file; it must hold at least one.
    fn ca_file(&self, file: &str, at: &str) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
        let full = self.scenario_file(file);
        let pem = std::fs::read(&full)
            .map_err(|e| self.err(at, format!("cannot read {}: {e}", full.display())))?;
        let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(at, format!("{} is not PEM: {e}", full.display())))?;
        if certs.is_empty() {
            return Err(self.err(
                at,
                format!(
                    "expected PEM certificates (-----BEGIN CERTIFICATE-----) in {}",
                    full.display()
                ),
            ));
        }
        Ok(certs)
    }
}

fn connection_limits(https: &HttpsSettings) -> ConnectionLimits {
    ConnectionLimits {
        idle_timeout: Duration::from_secs(https.idle_timeout_seconds.unwrap_or(60)),
        request_timeout: Duration::from_secs(https.request_timeout_seconds.unwrap_or(30)),
        handshake_timeout: Duration::from_secs(https.handshake_timeout_seconds.unwrap_or(10)),
        max_connections: https.max_connections.unwrap_or(20_000).max(1),
    }
}
