//! Settings only the emulator has, under the scenario's `"emulator"`: DNS and HTTPS listeners,
//! denial wording, who local client addresses stand for, the public endpoint, integrations'
//! local stand-ins and the control plane.

use std::net::{IpAddr, SocketAddr};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings that only the emulator has.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorSettings {
    /// The embedded DNS server.
    #[serde(default)]
    pub dns: DnsSettings,
    /// The HTTPS front end of the endpoints.
    #[serde(default)]
    pub https: HttpsSettings,
    /// Wording of policy denials: `current` (AWS since about 2025, with `... in a resource-based
    /// policy`) or `legacy` (without the suffix).
    #[serde(default)]
    pub denial_wording: DenialWording,
    /// Who the local source addresses stand for, most specific `sourceCidr` first. Absent: every
    /// client is on premises and appears as its own address.
    #[serde(default)]
    pub clients: Vec<ClientNetworkConfig>,
    /// The public endpoint that serves REGIONAL and EDGE APIs by name.
    #[serde(default)]
    pub public_endpoint: PublicEndpointSettings,
    /// How long a connection a security group drops is held open in silence (seconds, default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_drop_seconds: Option<u64>,
    /// Where integrations reach the user's own backends and functions.
    #[serde(default)]
    pub integrations: IntegrationSettings,
    /// The control plane: EC2 and API Gateway calls from the AWS CLI, boto3 and SDKs.
    #[serde(default)]
    pub control_plane: ControlPlaneSettings,
}

/// Where the control plane listens.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlPlaneSettings {
    /// Serve it (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Address and port of its plain-HTTP listener (what `--endpoint-url` names). Absent:
    /// 127.0.0.1 port 4566 when free, else a free port. Port 0 picks a free port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub listen: Option<SocketAddr>,
    /// Seconds a new deployment takes to reach a stage (AWS: "can take a few minutes"); until
    /// then the stage serves the deployment it had. Default 0: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_propagation_seconds: Option<u64>,
}

/// What integrations need from the machine they run on.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntegrationSettings {
    /// PEM files of CA certificates that HTTPS backends' certificates may chain to, besides the
    /// public web roots (paths relative to the scenario file).
    #[serde(default)]
    pub trusted_ca_files: Vec<String>,
    /// Local stand-ins for the Lambda functions of AWS_PROXY integrations, by function name
    /// (`orders`), qualified name (`orders:live`) or full ARN.
    #[serde(default)]
    pub lambda_functions: std::collections::BTreeMap<String, LambdaFunctionConfig>,
}

/// Where a Lambda function runs locally: exactly one of `endpoint` and `command`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LambdaFunctionConfig {
    /// The base URL of a Lambda Runtime Interface Emulator (e.g. `http://127.0.0.1:9000`): the
    /// event is POSTed to `/2015-03-31/functions/function/invocations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// A program and its arguments: it reads the event on stdin and writes the result on
    /// stdout (relative program paths are resolved from the scenario file's directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
}

/// DNS server settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsSettings {
    /// Address and port, UDP and TCP. Absent: 127.0.0.1 port 53 when the process may bind it,
    /// else port 8053. Port 0 picks a free port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub listen: Option<SocketAddr>,
    /// Resolvers to forward names outside the emulated zones to (e.g. `127.0.0.11:53` in a
    /// container). Absent: such names are REFUSED; the server is not an open resolver.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub upstream: Vec<SocketAddr>,
    /// TTL of the answers, in seconds (AWS uses 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
}

/// HTTPS front-end settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpsSettings {
    /// The port every endpoint address listens on. Absent: 443 when the process may bind it, else
    /// 8443. Port 0 picks a free port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Offer HTTP/2 by ALPN. AWS's execute-api endpoints do not (decision 1 in the README).
    #[serde(default)]
    pub http2: bool,
    /// Accept TLS 1.3 too. Private APIs are documented as TLS 1.2 only.
    #[serde(default)]
    pub tls13: bool,
    /// Seconds a kept-alive connection may sit idle (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<u64>,
    /// Seconds a started request has to arrive whole, head and body (default 30): slow clients
    /// (slowloris) are cut off after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_seconds: Option<u64>,
    /// Seconds a TLS handshake may take (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_timeout_seconds: Option<u64>,
    /// Most connections open at once over all addresses (default 20000); further ones are
    /// closed at once, so one client cannot exhaust the process's file descriptors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
}

/// Which wording AWS uses for policy denials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DenialWording {
    /// `... with an explicit deny in a resource-based policy` (AWS since about 2025).
    #[default]
    Current,
    /// `... with an explicit deny` (older responses).
    Legacy,
}

/// Who a local source address stands for: an on-premises host over Direct Connect, or an
/// instance in a VPC (which then uses the VPC's resolver, with private DNS).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientNetworkConfig {
    /// A label for logs, e.g. `on-premises over Direct Connect`.
    pub name: String,
    /// Local source addresses (what the emulator sees), e.g. `127.0.2.0/24`.
    pub source_cidr: String,
    /// The addresses they stand for (host bits are kept), e.g. `10.20.0.0/24`. Absent: as seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appears_as: Option<String>,
    /// The VPC these clients are in. Absent: outside AWS (on premises).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Security groups the clients are members of (for rules that name source groups).
    #[serde(default)]
    pub security_group_ids: Vec<String>,
}

/// The stand-in for API Gateway's public (REGIONAL) endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublicEndpointSettings {
    /// Local addresses that public API names resolve to and that serve REGIONAL and EDGE APIs.
    /// Absent: 127.0.0.2.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub addresses: Vec<IpAddr>,
}
