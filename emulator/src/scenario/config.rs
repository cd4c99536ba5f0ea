//! The scenario file: what the user writes, parsed but not yet validated.
//!
//! Field names mirror the AWS APIs (camelCase, as `aws ec2 describe-vpc-endpoints` and
//! `aws apigateway get-rest-api` print them) so that a user can copy values between AWS output and
//! a scenario. Settings that only the emulator has live under `"emulator"`. Every struct rejects
//! unknown fields: a misspelt key is an error, never silently ignored.
//!
//! A [`Config`] only says the JSON had the right shape. [`crate::model::topology::Topology::from_config`]
//! checks what the shapes mean (ids, references, addresses) and is the only way to get something
//! the servers will serve.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The built-in seed scenario: the AWS walkthrough's endpoint, Example API, policy and stage.
pub const SEED_SCENARIO: &str = include_str!("../../scenarios/seed.json");

/// Where a scenario came from, for error messages (`scenario.json: $.restApis[0]: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// The seed scenario compiled into the binary.
    BuiltIn,
    /// A file on disk.
    File(PathBuf),
    /// A string handed to the library.
    Inline,
}

impl fmt::Display for ConfigOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigOrigin::BuiltIn => f.write_str("<built-in seed scenario>"),
            ConfigOrigin::File(p) => write!(f, "{}", p.display()),
            ConfigOrigin::Inline => f.write_str("<inline scenario>"),
        }
    }
}

/// A scenario that could not be used: which file, where in it (a JSON path), and what was wrong.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{origin}: {path}: {message}")]
pub struct ConfigError {
    /// The file (or built-in/inline source) the scenario came from.
    pub origin: String,
    /// A JSON path such as `$.restApis[0].stages[1].stageName`; `$` for the whole document.
    pub path: String,
    /// What was expected, or what is wrong.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(
        origin: &ConfigOrigin,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            origin: origin.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A scenario: the VPCs, interface VPC endpoints and REST APIs to emulate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "apigw-emulator scenario")]
pub struct Config {
    /// Optional link to this schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// AWS Region, e.g. `us-east-1`. Decides the DNS names and ARNs.
    pub region: String,
    /// The 12-digit account that owns the endpoints and APIs.
    pub account_id: String,
    /// VPCs and their subnets (one Availability Zone per subnet).
    #[serde(default)]
    pub vpcs: Vec<VpcConfig>,
    /// Security groups (as `aws ec2 describe-security-groups` prints them), for endpoints and
    /// clients in VPCs.
    #[serde(default)]
    pub security_groups: Vec<SecurityGroupConfig>,
    /// Interface VPC endpoints for `com.amazonaws.<region>.execute-api`.
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpointConfig>,
    /// REST APIs, as `aws apigateway get-rest-api` describes them, plus their stages.
    #[serde(default)]
    pub rest_apis: Vec<RestApiConfig>,
    /// Settings of the emulator itself (ports, DNS forwarding, protocol options).
    #[serde(default)]
    pub emulator: EmulatorSettings,
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) origin: Option<ConfigOrigin>,
    /// For generated scenarios: scenario path prefixes and where they came from in the source
    /// (`$.restApis[0]` ← `$.Resources.Api`), so messages point into the user's file.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) path_aliases: Vec<(String, String)>,
}

/// Rewrites a scenario path through the longest matching alias prefix.
pub(crate) fn alias_path(aliases: &[(String, String)], path: &str) -> String {
    aliases
        .iter()
        .filter(|(prefix, _)| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(prefix, source)| format!("{source}{}", &path[prefix.len()..]))
        .unwrap_or_else(|| path.to_string())
}

/// A VPC (as `aws ec2 describe-vpcs` / `describe-subnets` print it).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VpcConfig {
    /// e.g. `vpc-0a1b2c3d4e5f67890`.
    pub vpc_id: String,
    /// The VPC's IPv4 CIDR, e.g. `172.31.0.0/16`.
    pub cidr_block: String,
    /// Subnets of the VPC.
    #[serde(default)]
    pub subnets: Vec<SubnetConfig>,
    /// Tags, as `aws ec2 describe-vpcs` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
}

/// A subnet in one Availability Zone.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubnetConfig {
    /// e.g. `subnet-0a1b2c3d4e5f60001`.
    pub subnet_id: String,
    /// e.g. `us-east-1a`; must be in the scenario's region.
    pub availability_zone: String,
    /// The subnet's CIDR, inside the VPC's.
    pub cidr_block: String,
    /// Tags, as `aws ec2 describe-subnets` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
}

/// An EC2 tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagConfig {
    /// e.g. `Name`.
    pub key: String,
    /// May be empty.
    #[serde(default)]
    pub value: String,
}

/// An interface VPC endpoint (as `aws ec2 describe-vpc-endpoints` prints it).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VpcEndpointConfig {
    /// `vpce-` followed by 17 (or, for old endpoints, 8) hexadecimal digits.
    pub vpc_endpoint_id: String,
    /// Only `Interface` endpoints reach private APIs.
    #[serde(default = "default_endpoint_type")]
    pub vpc_endpoint_type: String,
    /// `com.amazonaws.<region>.execute-api`.
    pub service_name: String,
    /// The VPC the endpoint is in.
    pub vpc_id: String,
    /// One subnet per Availability Zone; each gets a network interface and a zonal DNS name.
    pub subnet_ids: Vec<String>,
    /// Security groups of the endpoint's network interfaces: connections they do not allow get
    /// no answer. Absent: no filtering (AWS would attach the VPC's default group; see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<String>>,
    /// Private DNS names: inside the VPC, `*.execute-api.<region>.amazonaws.com` resolves to the
    /// endpoint (which breaks public APIs' names there, as on AWS). The walkthrough turns it off.
    #[serde(default)]
    pub private_dns_enabled: bool,
    /// `ipv4` (default) or `dualstack` (AAAA records and IPv6 listeners too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
    /// The endpoint policy: a JSON string as AWS returns it, or the policy object itself.
    /// Absent means AWS's default "Full Access" policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<serde_json::Value>,
    /// The endpoint's network interfaces: which local address stands for the interface in each
    /// subnet. Absent: addresses are assigned from 127.0.1.0/24 onwards (see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<Vec<NetworkInterfaceConfig>>,
    /// Emulator-only: the 8-character part of the endpoint's DNS names
    /// (`vpce-<id>-<suffix>.execute-api...`). Absent: derived from the id, so it never changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name_suffix: Option<String>,
    /// Tags, as `aws ec2 describe-vpc-endpoints` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
    /// When the endpoint was created (`2024-05-01T12:00:00.000Z`), as
    /// `describe-vpc-endpoints` shows it. Absent: not shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
}

fn default_endpoint_type() -> String {
    "Interface".to_string()
}

/// The address that stands for an endpoint's network interface in one subnet.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkInterfaceConfig {
    /// One of the endpoint's `subnetIds`.
    pub subnet_id: String,
    /// A local address clients can connect to (loopback by default; a container's address under
    /// docker compose). DNS answers with it and the HTTPS front end listens on it.
    #[schemars(with = "String")]
    pub private_ip_address: IpAddr,
    /// For `dualstack` endpoints: the local IPv6 address standing for the interface (e.g. `::1`,
    /// or one added with `ip -6 addr add fd00::10/128 dev lo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub ipv6_address: Option<IpAddr>,
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityGroupConfig {
    /// `sg-` and 8 or 17 hexadecimal digits.
    pub group_id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Inbound rules; anything they do not allow is dropped.
    #[serde(default)]
    pub ip_permissions: Vec<IpPermissionConfig>,
    /// Tags, as `aws ec2 describe-security-groups` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
}

/// One inbound rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpPermissionConfig {
    /// `tcp`, `udp`, `icmp`, or `-1` for all.
    pub ip_protocol: String,
    /// First port (absent with `-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// Last port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// IPv4 sources.
    #[serde(default)]
    pub ip_ranges: Vec<IpRangeConfig>,
    /// IPv6 sources.
    #[serde(default)]
    pub ipv6_ranges: Vec<Ipv6RangeConfig>,
    /// Sources by security group: clients that are members of these groups.
    #[serde(default)]
    pub user_id_group_pairs: Vec<GroupPairConfig>,
}

/// An IPv4 source of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpRangeConfig {
    /// e.g. `10.20.0.0/16`.
    pub cidr_ip: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An IPv6 source of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ipv6RangeConfig {
    /// e.g. `::/0`.
    pub cidr_ipv6: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A source security group of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupPairConfig {
    /// `sg-...`.
    pub group_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
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

/// A REST API and its stages.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestApiConfig {
    /// The API id: 10 lowercase letters and digits, e.g. `chw1a2q2xk`.
    pub id: String,
    /// The API's name. Absent: the definition's `info.title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `{"types": ["PRIVATE"]}`; `vpcEndpointIds` lists associated endpoints (PRIVATE only).
    #[serde(default)]
    pub endpoint_configuration: EndpointConfigurationConfig,
    /// The resource policy: the policy object, or a JSON string as AWS returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
    /// The API's definition: `"PetStore"` is the API Gateway console's Example API. Absent (and
    /// no `body`): the API has only its root resource and no methods, like a new API in the
    /// console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// The API's definition as an OpenAPI 3.0 or Swagger 2.0 document with API Gateway's
    /// extensions (CloudFormation's `Body`): the document itself, or its JSON or YAML text.
    /// The scenario's `name`, `policy` and `vpcEndpointIds` win over the document's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// The same, from a JSON or YAML file (a path relative to the scenario file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_file: Option<String>,
    /// When the API was created (epoch seconds), as `get-rest-api` prints `createdDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// Deployments: snapshots of the definition and resource policy that stages can serve
    /// (`create-deployment` freezes them). Absent: stages serve the current definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentConfig>,
    /// Stages the API is deployed to. A stage with a `deploymentId` serves that deployment;
    /// one without serves the API as this scenario defines it now.
    #[serde(default)]
    pub stages: Vec<StageConfig>,
}

/// A deployment: the API's definition and resource policy as they were when it was made.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentConfig {
    /// The deployment id (API Gateway's are 6 lowercase letters and digits, e.g. `a1b2c3`).
    pub id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was made (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// The OpenAPI 3.0 or Swagger 2.0 document frozen at deployment (the document itself, or its
    /// JSON or YAML text), read like the API's `body`.
    pub body: serde_json::Value,
    /// The resource policy frozen at deployment: the policy object or a JSON string. Absent: the
    /// body's `x-amazon-apigateway-policy`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
}

/// `endpointConfiguration` of a REST API.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointConfigurationConfig {
    /// Exactly one of `PRIVATE`, `REGIONAL`, `EDGE`.
    pub types: Vec<String>,
    /// VPC endpoints associated with a PRIVATE API (Route 53 alias names).
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
}

impl Default for EndpointConfigurationConfig {
    fn default() -> Self {
        EndpointConfigurationConfig {
            types: vec!["EDGE".to_string()],
            vpc_endpoint_ids: Vec::new(),
        }
    }
}

/// A stage: the API deployed under a name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageConfig {
    /// Letters, digits, `-` and `_`, up to 128 characters.
    pub stage_name: String,
    /// The id of one of the API's `deployments`: the stage serves that snapshot. Absent: the
    /// stage serves the API's current definition and policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// When the stage was created (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// When the stage was last changed (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_date: Option<i64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Stage variables (`$stageVariables.name` in templates, `${stageVariables.name}` in
    /// integration URIs).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub variables: std::collections::BTreeMap<String, String>,
    /// Access logging, as the stage's `accessLogSettings` on AWS: one line per request in the
    /// given format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettingsConfig>,
}

/// A stage's access log.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessLogSettingsConfig {
    /// The line format with `$context` variables, as on AWS, e.g.
    /// `{"requestId":"$context.requestId","status":"$context.status"}`.
    pub format: String,
    /// Where lines go: `stdout` (the default) or a file path, relative to the scenario file,
    /// appended to. (AWS's `destinationArn` names a CloudWatch log group.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The CloudWatch Logs group ARN, as `update-stage` sets it and `get-stage` shows it. Kept
    /// for the control plane's answers; lines still go to `destination`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
}

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

impl Config {
    /// The built-in seed scenario.
    pub fn seed() -> Config {
        // The embedded file is tested to parse; failing here would be a build defect.
        Config::from_json_str(SEED_SCENARIO, ConfigOrigin::BuiltIn)
            .expect("the built-in seed scenario parses")
    }

    /// Parses a scenario from a JSON string.
    pub fn from_json_str(text: &str, origin: ConfigOrigin) -> Result<Config, ConfigError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let mut config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = json_path(&e.path().to_string());
            ConfigError::new(&origin, path, clean_serde_message(&e.inner().to_string()))
        })?;
        config.origin = Some(origin);
        Ok(config)
    }

    /// Reads a scenario from a JSON value (a generated one, e.g. from a template).
    pub fn from_value(
        value: serde_json::Value,
        origin: ConfigOrigin,
    ) -> Result<Config, ConfigError> {
        let mut config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = json_path(&e.path().to_string());
            ConfigError::new(&origin, path, clean_serde_message(&e.inner().to_string()))
        })?;
        config.origin = Some(origin);
        Ok(config)
    }

    /// Reads and parses a scenario file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let origin = ConfigOrigin::File(path.to_path_buf());
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&origin, "$", format!("cannot read the file: {e}")))?;
        Config::from_json_str(&text, origin)
    }

    /// Where this scenario came from.
    pub fn origin(&self) -> ConfigOrigin {
        self.origin.clone().unwrap_or(ConfigOrigin::Inline)
    }

    /// Sets where this scenario came from (relative file names resolve from a file's directory).
    pub fn with_origin(mut self, origin: ConfigOrigin) -> Config {
        self.origin = Some(origin);
        self
    }

    /// Records where a generated scenario's paths came from (see [`Config::from_value`]).
    pub(crate) fn with_path_aliases(mut self, aliases: Vec<(String, String)>) -> Config {
        self.path_aliases = aliases;
        self
    }

    /// The directory relative paths in the scenario are resolved from.
    pub fn base_dir(&self) -> PathBuf {
        match &self.origin {
            Some(ConfigOrigin::File(p)) => p
                .parent()
                .map(Path::to_path_buf)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from(".")),
            _ => PathBuf::from("."),
        }
    }

    /// The JSON Schema of the scenario file.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
    }
}

/// `restApis[0].stages` → `$.restApis[0].stages`; serde_path_to_error prints `.` for the root.
fn json_path(serde_path: &str) -> String {
    if serde_path.is_empty() || serde_path == "." {
        "$".to_string()
    } else {
        format!("$.{serde_path}")
    }
}

/// serde says "invalid type: integer `5`, expected a string at line 3 column 12"; keep it, but
/// name JSON types rather than Rust ones.
fn clean_serde_message(message: &str) -> String {
    message
        .replace("a sequence", "an array")
        .replace("a map", "an object")
        .replace("struct ", "object ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_scenario_parses() {
        let c = Config::seed();
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.rest_apis[0].id, "chw1a2q2xk");
    }

    #[test]
    fn an_unknown_field_names_its_path() {
        let err = Config::from_json_str(
            r#"{"region":"us-east-1","accountId":"123456789012","restApis":[{"id":"a","name":"b","stagez":[]}]}"#,
            ConfigOrigin::File("s.json".into()),
        )
        .unwrap_err();
        assert_eq!(err.origin, "s.json");
        assert_eq!(err.path, "$.restApis[0].stagez");
        assert!(
            err.message
                .starts_with("unknown field `stagez`, expected one of"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_wrong_type_names_its_path() {
        let err = Config::from_json_str(
            r#"{"region":"us-east-1","accountId":"123456789012","restApis":[{"id":"a","name":"b","stages":[{"stageName":5}]}]}"#,
            ConfigOrigin::Inline,
        )
        .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].stages[0].stageName");
        assert!(err.message.contains("expected a string"), "{}", err.message);
    }

    #[test]
    fn a_syntax_error_says_where() {
        let err =
            Config::from_json_str("{\"region\": \"us-east-1\",", ConfigOrigin::Inline).unwrap_err();
        assert!(err.message.contains("line 1"), "{}", err.message);
    }
}
