//! The validated, immutable picture of what the emulator serves: VPCs, VPC endpoints with their
//! addresses and DNS names, REST APIs with their deployed stages.
//!
//! A [`Topology`] only comes from [`Topology::from_config`], which checks everything a request
//! or a DNS query could trip over; holding one means it is valid. Servers read it through an
//! `Arc` that is swapped whole, so the request path never waits for a writer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net};

use std::cell::RefCell;
use std::path::Path;

use crate::dataplane::integration::LambdaFunction;
use crate::model::api::ApiDefinition;
use crate::model::names::{self, Region};
use crate::model::network::{
    self, ClientIdentity, ClientNetwork, IngressRule, RuleProtocol, SecurityGroup,
};
use crate::scenario::config::{Config, ConfigError, ConfigOrigin, DenialWording, RestApiConfig};
use crate::scenario::document::{self, DocumentError};
use crate::scenario::examples;
use crate::scenario::openapi;
use iam_policy::{Policy, PolicyScope};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The validated scenario.
#[derive(Debug)]
pub struct Topology {
    /// Region and partition.
    pub region: Region,
    /// The account that owns everything.
    pub account_id: String,
    /// VPCs.
    pub vpcs: Vec<Vpc>,
    /// Interface endpoints for execute-api, in scenario order.
    pub vpc_endpoints: Vec<Arc<VpcEndpoint>>,
    /// REST APIs by id, in id order.
    pub rest_apis: BTreeMap<String, Arc<RestApi>>,
    /// Emulator settings, with defaults applied.
    pub settings: Settings,
    /// Where the scenario came from.
    pub origin: ConfigOrigin,
    /// Security groups by id.
    pub security_groups: BTreeMap<String, Arc<SecurityGroup>>,
    /// Who local source addresses stand for, most specific first.
    pub client_networks: Vec<ClientNetwork>,
    /// Local addresses of the public (REGIONAL/EDGE) endpoint; empty when no API needs it.
    pub public_addresses: Vec<IpAddr>,
    /// What the scenario asks for that the emulator accepts but does not emulate (from API
    /// definitions: authorizers, validators, ...), by file and JSON path.
    pub warnings: Vec<ConfigError>,
    frontend_by_address: HashMap<IpAddr, Option<usize>>,
    /// `rest_apis` hashed: the request path looks an API up per request, and with 10 000 APIs
    /// the tree's string comparisons were 2 % of a request's instructions.
    rest_api_by_id: HashMap<String, Arc<RestApi>>,
    private_dns_by_vpc: HashMap<String, usize>,
    dns_names: HashMap<String, DnsAnswer>,
    dns_zones: Vec<String>,
    api_host_suffix: String,
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
    pub security_group_drop: std::time::Duration,
    /// Local stand-ins for Lambda functions, by name, qualified name or ARN.
    pub lambda_functions: BTreeMap<String, LambdaFunction>,
    /// Extra CA certificates HTTPS backends may chain to.
    pub backend_cas: Vec<rustls::pki_types::CertificateDer<'static>>,
}

/// How many connections the HTTPS front end holds and how long it waits for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A kept-alive connection idle this long is closed.
    pub idle_timeout: std::time::Duration,
    /// A request must arrive whole within this.
    pub request_timeout: std::time::Duration,
    /// A TLS handshake must finish within this.
    pub handshake_timeout: std::time::Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

/// A VPC.
#[derive(Debug, Clone)]
pub struct Vpc {
    /// `vpc-...`.
    pub id: String,
    /// Its CIDR.
    pub cidr: Ipv4Net,
    /// Its subnets.
    pub subnets: Vec<Subnet>,
}

/// A subnet.
#[derive(Debug, Clone)]
pub struct Subnet {
    /// `subnet-...`.
    pub id: String,
    /// e.g. `us-east-1a`.
    pub availability_zone: String,
    /// Its CIDR.
    pub cidr: Ipv4Net,
}

/// An interface VPC endpoint for execute-api.
#[derive(Debug)]
pub struct VpcEndpoint {
    /// `vpce-...`: what `aws:SourceVpce` says for requests through it.
    pub id: String,
    /// Its VPC: what `aws:SourceVpc` says.
    pub vpc_id: String,
    /// `com.amazonaws.<region>.execute-api`.
    pub service_name: String,
    /// Inside its VPC, `*.execute-api.<region>.amazonaws.com` resolves to it.
    pub private_dns_enabled: bool,
    /// `ipv4` or `dualstack`.
    pub ip_address_type: &'static str,
    /// Its security groups; `None`: no filtering.
    pub security_groups: Option<Vec<Arc<SecurityGroup>>>,
    /// The endpoint policy ("Full Access" unless given).
    pub policy: Arc<Policy>,
    /// One network interface per subnet.
    pub network_interfaces: Vec<NetworkInterface>,
    /// DNS names in AWS's order: regional first, then one per Availability Zone.
    pub dns_entries: Vec<DnsEntry>,
}

/// The endpoint's interface in one subnet, stood for by a local address.
#[derive(Debug, Clone)]
pub struct NetworkInterface {
    /// The subnet.
    pub subnet_id: String,
    /// Its Availability Zone.
    pub availability_zone: String,
    /// The local address that DNS returns and the HTTPS front end listens on.
    pub address: IpAddr,
    /// Its IPv6 address, for dual-stack endpoints.
    pub ipv6_address: Option<IpAddr>,
}

impl NetworkInterface {
    /// IPv4 then IPv6 address.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        std::iter::once(self.address).chain(self.ipv6_address)
    }
}

/// A DNS name of an endpoint and the addresses it resolves to.
#[derive(Debug, Clone)]
pub struct DnsEntry {
    /// Lowercase, without a trailing dot.
    pub dns_name: String,
    /// Addresses, in subnet order (IPv4, then IPv6 for dual-stack endpoints).
    pub addresses: Vec<IpAddr>,
}

/// What the DNS server answers for one name.
#[derive(Debug, Clone)]
pub struct DnsAnswer {
    /// A and AAAA addresses.
    pub addresses: Arc<[IpAddr]>,
}

/// What answers on a local address.
#[derive(Debug, Clone, Copy)]
pub enum Frontend<'t> {
    /// A network interface of this VPC endpoint.
    VpcEndpoint(&'t Arc<VpcEndpoint>),
    /// The public endpoint of API Gateway (REGIONAL and EDGE APIs).
    Public,
}

/// The endpoint type of a REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointType {
    /// Reached only through interface VPC endpoints.
    Private,
    /// Public, in one Region.
    Regional,
    /// Public, through CloudFront.
    Edge,
}

impl EndpointType {
    /// As AWS spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            EndpointType::Private => "PRIVATE",
            EndpointType::Regional => "REGIONAL",
            EndpointType::Edge => "EDGE",
        }
    }
}

/// A REST API with its deployed stages.
#[derive(Debug)]
pub struct RestApi {
    /// The 10-character id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// PRIVATE, REGIONAL or EDGE.
    pub endpoint_type: EndpointType,
    /// Associated VPC endpoints (for Route 53 alias names).
    pub vpc_endpoint_ids: Vec<String>,
    /// `arn:aws:execute-api:<region>:<account>:<api-id>`.
    pub arn: String,
    /// The same with the account masked (`********9012`), as denial messages show it.
    pub masked_arn: String,
    /// Stages by name.
    pub stages: BTreeMap<String, Arc<Stage>>,
    /// The resource policy as the API has it now, deployed or not: when it differs from a
    /// stage's, the change awaits a deployment (what `explain` tells).
    pub current_policy: Option<Arc<Policy>>,
}

/// A stage and the deployment it serves.
#[derive(Debug)]
pub struct Stage {
    /// The stage name.
    pub name: String,
    /// Stage variables.
    pub variables: BTreeMap<String, String>,
    /// Access logging, when the stage has it.
    pub access_log: Option<crate::dataplane::access_log::AccessLogSettings>,
    /// What it serves.
    pub deployment: Arc<Deployment>,
}

/// What a deployment froze: the resource tree and the resource policy.
#[derive(Debug)]
pub struct Deployment {
    /// A 6-character id in API Gateway's shape, stable for the scenario.
    pub id: String,
    /// Resources, methods, integrations.
    pub definition: Arc<ApiDefinition>,
    /// The resource policy in force for this deployment.
    pub policy: Option<Arc<Policy>>,
}

/// The first automatically assigned interface address; further ones count up.
const FIRST_AUTO_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 1, 1);

impl Topology {
    /// Validates a scenario. Errors name the JSON path and what was expected.
    pub fn from_config(config: &Config) -> Result<Topology, ConfigError> {
        Builder {
            origin: config.origin(),
            aliases: config.path_aliases.clone(),
            base_dir: config.base_dir(),
            warnings: RefCell::new(Vec::new()),
        }
        .build(config)
    }

    /// What answers on a local address: an endpoint's interface, or the public endpoint.
    pub fn frontend(&self, address: IpAddr) -> Option<Frontend<'_>> {
        match self.frontend_by_address.get(&address)? {
            Some(i) => Some(Frontend::VpcEndpoint(&self.vpc_endpoints[*i])),
            None => Some(Frontend::Public),
        }
    }

    /// The endpoint whose interface has this local address.
    pub fn endpoint_by_address(&self, address: IpAddr) -> Option<&Arc<VpcEndpoint>> {
        match self.frontend(address)? {
            Frontend::VpcEndpoint(e) => Some(e),
            Frontend::Public => None,
        }
    }

    /// An endpoint by id.
    pub fn endpoint(&self, id: &str) -> Option<&Arc<VpcEndpoint>> {
        self.vpc_endpoints.iter().find(|e| e.id == id)
    }

    /// The endpoint whose private DNS names a client in `vpc_id` sees.
    pub fn private_dns_endpoint(&self, vpc_id: &str) -> Option<&Arc<VpcEndpoint>> {
        self.private_dns_by_vpc
            .get(vpc_id)
            .map(|i| &self.vpc_endpoints[*i])
    }

    /// Who a local source address stands for.
    pub fn client(&self, source: IpAddr) -> ClientIdentity<'_> {
        network::identify(&self.client_networks, source)
    }

    /// What DNS answers for a lowercase name without trailing dot, if it is an endpoint name.
    pub fn dns_answer(&self, name: &str) -> Option<&DnsAnswer> {
        self.dns_names.get(name)
    }

    /// The zones the DNS server is authoritative for (lowercase, no trailing dot).
    pub fn dns_zones(&self) -> &[String] {
        &self.dns_zones
    }

    /// The REST API with this id.
    pub fn rest_api(&self, id: &str) -> Option<&Arc<RestApi>> {
        self.rest_api_by_id.get(id)
    }

    /// `.execute-api.<region>.amazonaws.com`: what a Host naming an API ends with.
    pub fn api_host_suffix(&self) -> &str {
        &self.api_host_suffix
    }

    /// Every address the HTTPS front end listens on: endpoint interfaces in scenario order, then
    /// the public endpoint's.
    pub fn listen_addresses(&self) -> Vec<IpAddr> {
        self.vpc_endpoints
            .iter()
            .flat_map(|e| {
                e.network_interfaces
                    .iter()
                    .flat_map(NetworkInterface::addresses)
            })
            .chain(self.public_addresses.iter().copied())
            .collect()
    }
}

struct Builder {
    origin: ConfigOrigin,
    aliases: Vec<(String, String)>,
    base_dir: std::path::PathBuf,
    warnings: RefCell<Vec<ConfigError>>,
}

/// An API's definition and what its document says about the API itself.
struct ResolvedDefinition {
    api: Arc<ApiDefinition>,
    title: Option<String>,
    policy: Option<serde_json::Value>,
    vpc_endpoint_ids: Vec<String>,
}

impl Builder {
    fn err(&self, path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        let path = crate::scenario::config::alias_path(&self.aliases, &path.into());
        ConfigError::new(&self.origin, path, message)
    }

    fn build(&self, config: &Config) -> Result<Topology, ConfigError> {
        let region = Region::parse(&config.region).ok_or_else(|| {
            self.err(
                "$.region",
                format!(
                    "expected a Region name such as \"us-east-1\", found {:?}",
                    config.region
                ),
            )
        })?;
        if config.account_id.len() != 12 || !config.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(
                "$.accountId",
                format!("expected 12 digits, found {:?}", config.account_id),
            ));
        }
        let vpcs = self.vpcs(config, &region)?;
        let security_groups = self.security_groups(config, &vpcs)?;
        let vpc_endpoints = self.endpoints(config, &region, &vpcs, &security_groups)?;
        let rest_apis = self.rest_apis(config, &region)?;
        let client_networks = self.client_networks(config, &vpcs, &security_groups)?;

        let mut frontend_by_address = HashMap::new();
        let mut dns_names = HashMap::new();
        let mut private_dns_by_vpc: HashMap<String, usize> = HashMap::new();
        for (i, endpoint) in vpc_endpoints.iter().enumerate() {
            for nic in &endpoint.network_interfaces {
                for address in nic.addresses() {
                    frontend_by_address.insert(address, Some(i));
                }
            }
            if endpoint.private_dns_enabled {
                if let Some(other) = private_dns_by_vpc.insert(endpoint.vpc_id.clone(), i) {
                    // Route 53 allows one private hosted zone for these names per VPC.
                    return Err(self.err(
                        format!("$.vpcEndpoints[{i}].privateDnsEnabled"),
                        format!(
                            "{} already has private DNS names for execute-api in {}; only one endpoint per VPC can",
                            vpc_endpoints[other].id, endpoint.vpc_id
                        ),
                    ));
                }
            }
            for entry in &endpoint.dns_entries {
                dns_names.insert(
                    entry.dns_name.clone(),
                    DnsAnswer {
                        addresses: entry.addresses.clone().into(),
                    },
                );
            }
        }
        let s = &config.emulator;
        let public_addresses = self.public_addresses(config, &rest_apis, &frontend_by_address)?;
        for address in &public_addresses {
            frontend_by_address.insert(*address, None);
        }
        let settings = Settings {
            dns_listen: s.dns.listen,
            dns_upstream: s.dns.upstream.clone(),
            dns_ttl: s.dns.ttl.unwrap_or(60),
            https_port: s.https.port,
            http2: s.https.http2,
            tls13: s.https.tls13,
            connection_limits: ConnectionLimits {
                idle_timeout: std::time::Duration::from_secs(
                    s.https.idle_timeout_seconds.unwrap_or(60),
                ),
                request_timeout: std::time::Duration::from_secs(
                    s.https.request_timeout_seconds.unwrap_or(30),
                ),
                handshake_timeout: std::time::Duration::from_secs(
                    s.https.handshake_timeout_seconds.unwrap_or(10),
                ),
                max_connections: s.https.max_connections.unwrap_or(20_000).max(1),
            },
            denial_wording: s.denial_wording,
            security_group_drop: std::time::Duration::from_secs(
                s.security_group_drop_seconds.unwrap_or(60),
            ),
            lambda_functions: self.lambda_functions(config)?,
            backend_cas: self.backend_cas(config)?,
        };
        Ok(Topology {
            dns_zones: vec![region.vpce_zone(), region.api_zone()],
            api_host_suffix: format!(".{}", region.api_zone()),
            region,
            account_id: config.account_id.clone(),
            vpcs,
            vpc_endpoints,
            rest_api_by_id: rest_apis
                .iter()
                .map(|(id, api)| (id.clone(), api.clone()))
                .collect(),
            rest_apis,
            settings,
            origin: self.origin.clone(),
            security_groups,
            client_networks,
            public_addresses,
            warnings: self.warnings.take(),
            frontend_by_address,
            private_dns_by_vpc,
            dns_names,
        })
    }

    fn stage_variables(
        &self,
        stage: &crate::scenario::config::StageConfig,
        path: &str,
    ) -> Result<BTreeMap<String, String>, ConfigError> {
        for (name, value) in &stage.variables {
            let at = document::child_path(&format!("{path}.variables"), name);
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(self.err(
                    at,
                    "Stage variable names must be alphanumeric or underscore",
                ));
            }
            let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#&=,".contains(c);
            if value.is_empty() || value.len() > 512 || !value.chars().all(allowed) {
                return Err(self.err(
                    at,
                    "Stage variable values must be 1 to 512 characters of letters, digits and -._~:/?#&=,",
                ));
            }
        }
        Ok(stage.variables.clone())
    }

    fn access_log(
        &self,
        stage: &crate::scenario::config::StageConfig,
        path: &str,
    ) -> Result<Option<crate::dataplane::access_log::AccessLogSettings>, ConfigError> {
        use crate::dataplane::access_log::{AccessLogDestination, AccessLogSettings};
        let Some(settings) = &stage.access_log_settings else {
            return Ok(None);
        };
        // UpdateStage's own check.
        if !settings.format.contains("$context.requestId")
            && !settings.format.contains("$context.extendedRequestId")
        {
            return Err(self.err(
                format!("{path}.accessLogSettings.format"),
                "Access Log format must contain either $context.requestId or $context.extendedRequestId",
            ));
        }
        let destination = match settings.destination.as_deref() {
            None | Some("stdout") => AccessLogDestination::Stdout,
            Some("") => {
                return Err(self.err(
                    format!("{path}.accessLogSettings.destination"),
                    "expected \"stdout\" or a file path",
                ))
            }
            Some(file) => AccessLogDestination::File(self.base_dir.join(file)),
        };
        Ok(Some(AccessLogSettings {
            format: settings.format.clone(),
            destination,
        }))
    }

    fn lambda_functions(
        &self,
        config: &Config,
    ) -> Result<BTreeMap<String, LambdaFunction>, ConfigError> {
        let mut out = BTreeMap::new();
        for (name, f) in &config.emulator.integrations.lambda_functions {
            let path = document::child_path("$.emulator.integrations.lambdaFunctions", name);
            let function = match (&f.endpoint, &f.command) {
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
                    LambdaFunction::Endpoint(url.clone())
                }
                (None, Some(argv)) if !argv.is_empty() && !argv[0].is_empty() => {
                    let mut argv = argv.clone();
                    // `./handler.py` is relative to the scenario file, like every other path in it.
                    if argv[0].contains('/') && Path::new(&argv[0]).is_relative() {
                        argv[0] = self.base_dir.join(&argv[0]).to_string_lossy().into_owned();
                    }
                    LambdaFunction::Command(argv)
                }
                (None, Some(_)) => {
                    return Err(self.err(
                        format!("{path}.command"),
                        "expected a program and its arguments, such as [\"python3\", \"handler.py\"]",
                    ))
                }
                _ => {
                    return Err(self.err(
                        path,
                        "expected exactly one of \"endpoint\" (a Runtime Interface Emulator URL) and \"command\"",
                    ))
                }
            };
            out.insert(name.clone(), function);
        }
        Ok(out)
    }

    fn backend_cas(
        &self,
        config: &Config,
    ) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ConfigError> {
        let mut out = Vec::new();
        for (i, file) in config
            .emulator
            .integrations
            .trusted_ca_files
            .iter()
            .enumerate()
        {
            let at = format!("$.emulator.integrations.trustedCaFiles[{i}]");
            let full = self.base_dir.join(file);
            let pem = std::fs::read(&full)
                .map_err(|e| self.err(&at, format!("cannot read {}: {e}", full.display())))?;
            let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<_, _>>()
                .map_err(|e| self.err(&at, format!("{} is not PEM: {e}", full.display())))?;
            if certs.is_empty() {
                return Err(self.err(
                    &at,
                    format!(
                        "expected PEM certificates (-----BEGIN CERTIFICATE-----) in {}",
                        full.display()
                    ),
                ));
            }
            out.extend(certs);
        }
        Ok(out)
    }

    /// Where an error inside an API definition document is reported: the document's own file
    /// for `bodyFile`, else the scenario at `$.restApis[i].body`.
    fn document_error(&self, file: Option<&Path>, at: &str, e: DocumentError) -> ConfigError {
        match file {
            Some(f) => ConfigError::new(&ConfigOrigin::File(f.to_path_buf()), e.path, e.message),
            None => self.err(document::join_path(at, &e.path), e.message),
        }
    }

    fn import_document(
        &self,
        doc: &serde_json::Value,
        file: Option<&Path>,
        at: &str,
    ) -> Result<ResolvedDefinition, ConfigError> {
        let imported = openapi::import(doc).map_err(|e| self.document_error(file, at, e))?;
        for w in imported.warnings {
            let w = self.document_error(file, at, w);
            self.warnings.borrow_mut().push(w);
        }
        Ok(ResolvedDefinition {
            api: Arc::new(imported.definition),
            title: imported.title,
            policy: imported.policy,
            vpc_endpoint_ids: imported.vpc_endpoint_ids,
        })
    }

    /// The definition of one API: a bundled example, an inline `body` or a `bodyFile`.
    fn definition(
        &self,
        a: &RestApiConfig,
        path: &str,
        region: &Region,
        examples_built: &mut HashMap<String, Arc<ResolvedDefinition>>,
    ) -> Result<Option<Arc<ResolvedDefinition>>, ConfigError> {
        match (&a.example, &a.body, &a.body_file) {
            (None, None, None) => Ok(None),
            (Some(name), None, None) => {
                if let Some(built) = examples_built.get(name) {
                    return Ok(Some(built.clone()));
                }
                let text = examples::example_document(name, region).ok_or_else(|| {
                    self.err(
                        format!("{path}.example"),
                        format!("expected one of {:?}, found {name:?}", examples::EXAMPLES),
                    )
                })?;
                let at = format!("{path}.example");
                let doc = document::parse(&text).map_err(|e| self.document_error(None, &at, e))?;
                let built = Arc::new(self.import_document(&doc, None, &at)?);
                examples_built.insert(name.clone(), built.clone());
                Ok(Some(built))
            }
            (None, Some(body), None) => {
                let at = format!("{path}.body");
                let parsed;
                let doc = match body {
                    serde_json::Value::String(text) => {
                        parsed =
                            document::parse(text).map_err(|e| self.document_error(None, &at, e))?;
                        &parsed
                    }
                    other => other,
                };
                Ok(Some(Arc::new(self.import_document(doc, None, &at)?)))
            }
            (None, None, Some(file)) => {
                let full = self.base_dir.join(file);
                let text = std::fs::read_to_string(&full).map_err(|e| {
                    self.err(
                        format!("{path}.bodyFile"),
                        format!("cannot read {}: {e}", full.display()),
                    )
                })?;
                let doc =
                    document::parse(&text).map_err(|e| self.document_error(Some(&full), "$", e))?;
                Ok(Some(Arc::new(self.import_document(
                    &doc,
                    Some(&full),
                    "$",
                )?)))
            }
            _ => Err(self.err(
                path,
                "expected at most one of \"example\", \"body\" and \"bodyFile\"",
            )),
        }
    }

    fn vpcs(&self, config: &Config, region: &Region) -> Result<Vec<Vpc>, ConfigError> {
        let mut vpcs = Vec::new();
        let mut subnet_ids = HashSet::new();
        for (i, v) in config.vpcs.iter().enumerate() {
            let path = format!("$.vpcs[{i}]");
            if !names::is_resource_id(&v.vpc_id, "vpc") {
                return Err(self.err(
                    format!("{path}.vpcId"),
                    format!(
                        "expected \"vpc-\" and 8 or 17 hexadecimal digits, found {:?}",
                        v.vpc_id
                    ),
                ));
            }
            if vpcs.iter().any(|x: &Vpc| x.id == v.vpc_id) {
                return Err(self.err(
                    format!("{path}.vpcId"),
                    format!("{} is defined twice", v.vpc_id),
                ));
            }
            let cidr: Ipv4Net = v.cidr_block.parse().map_err(|_| {
                self.err(
                    format!("{path}.cidrBlock"),
                    format!(
                        "expected an IPv4 CIDR such as \"172.31.0.0/16\", found {:?}",
                        v.cidr_block
                    ),
                )
            })?;
            let mut subnets = Vec::new();
            for (j, s) in v.subnets.iter().enumerate() {
                let spath = format!("{path}.subnets[{j}]");
                if !names::is_resource_id(&s.subnet_id, "subnet") {
                    return Err(self.err(
                        format!("{spath}.subnetId"),
                        format!(
                            "expected \"subnet-\" and 8 or 17 hexadecimal digits, found {:?}",
                            s.subnet_id
                        ),
                    ));
                }
                if !subnet_ids.insert(s.subnet_id.clone()) {
                    return Err(self.err(
                        format!("{spath}.subnetId"),
                        format!("{} is defined twice", s.subnet_id),
                    ));
                }
                let az_ok = s
                    .availability_zone
                    .strip_prefix(region.name.as_str())
                    .is_some_and(|rest| {
                        rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase())
                    });
                if !az_ok {
                    return Err(self.err(
                        format!("{spath}.availabilityZone"),
                        format!(
                            "expected an Availability Zone of {} such as \"{}a\", found {:?}",
                            region.name, region.name, s.availability_zone
                        ),
                    ));
                }
                let scidr: Ipv4Net = s.cidr_block.parse().map_err(|_| {
                    self.err(
                        format!("{spath}.cidrBlock"),
                        format!(
                            "expected an IPv4 CIDR inside {cidr}, found {:?}",
                            s.cidr_block
                        ),
                    )
                })?;
                if !cidr.contains(&scidr) {
                    return Err(self.err(
                        format!("{spath}.cidrBlock"),
                        format!("{scidr} is not inside the VPC's {cidr}"),
                    ));
                }
                subnets.push(Subnet {
                    id: s.subnet_id.clone(),
                    availability_zone: s.availability_zone.clone(),
                    cidr: scidr,
                });
            }
            vpcs.push(Vpc {
                id: v.vpc_id.clone(),
                cidr,
                subnets,
            });
        }
        Ok(vpcs)
    }

    fn security_groups(
        &self,
        config: &Config,
        vpcs: &[Vpc],
    ) -> Result<BTreeMap<String, Arc<SecurityGroup>>, ConfigError> {
        let mut groups = BTreeMap::new();
        for (i, g) in config.security_groups.iter().enumerate() {
            let path = format!("$.securityGroups[{i}]");
            if !names::is_resource_id(&g.group_id, "sg") {
                return Err(self.err(
                    format!("{path}.groupId"),
                    format!(
                        "expected \"sg-\" and 8 or 17 hexadecimal digits, found {:?}",
                        g.group_id
                    ),
                ));
            }
            if groups.contains_key(&g.group_id) {
                return Err(self.err(
                    format!("{path}.groupId"),
                    format!("{} is defined twice", g.group_id),
                ));
            }
            if !vpcs.iter().any(|v| v.id == g.vpc_id) {
                return Err(self.err(
                    format!("{path}.vpcId"),
                    format!("{} is not one of the scenario's vpcs", g.vpc_id),
                ));
            }
            let mut rules = Vec::new();
            for (j, p) in g.ip_permissions.iter().enumerate() {
                let ppath = format!("{path}.ipPermissions[{j}]");
                let protocol = match p.ip_protocol.to_ascii_lowercase().as_str() {
                    "-1" | "all" => RuleProtocol::All,
                    "tcp" | "6" => RuleProtocol::Tcp,
                    "udp" | "17" | "icmp" | "1" | "icmpv6" | "58" => RuleProtocol::Other,
                    other => {
                        return Err(self.err(format!("{ppath}.ipProtocol"), format!("expected \"tcp\", \"udp\", \"icmp\", \"icmpv6\" or \"-1\", found {other:?}")));
                    }
                };
                let ports = match (protocol, p.from_port, p.to_port) {
                    (RuleProtocol::All, _, _) => None,
                    (_, Some(from), Some(to))
                        if (0..=65535).contains(&from) && (from..=65535).contains(&to) =>
                    {
                        Some((from as u16, to as u16))
                    }
                    (_, Some(-1), Some(-1)) => None,
                    _ => {
                        return Err(self.err(format!("{ppath}.fromPort"), "expected fromPort and toPort between 0 and 65535, fromPort not above toPort"));
                    }
                };
                let mut ranges = Vec::new();
                for (k, r) in p.ip_ranges.iter().enumerate() {
                    let net: ipnet::Ipv4Net = r.cidr_ip.parse().map_err(|_| {
                        self.err(
                            format!("{ppath}.ipRanges[{k}].cidrIp"),
                            format!(
                                "expected an IPv4 CIDR such as \"10.0.0.0/16\", found {:?}",
                                r.cidr_ip
                            ),
                        )
                    })?;
                    ranges.push(IpNet::V4(net));
                }
                for (k, r) in p.ipv6_ranges.iter().enumerate() {
                    let net: ipnet::Ipv6Net = r.cidr_ipv6.parse().map_err(|_| {
                        self.err(
                            format!("{ppath}.ipv6Ranges[{k}].cidrIpv6"),
                            format!(
                                "expected an IPv6 CIDR such as \"::/0\", found {:?}",
                                r.cidr_ipv6
                            ),
                        )
                    })?;
                    ranges.push(IpNet::V6(net));
                }
                let mut source_groups = Vec::new();
                for (k, pair) in p.user_id_group_pairs.iter().enumerate() {
                    if !config
                        .security_groups
                        .iter()
                        .any(|x| x.group_id == pair.group_id)
                    {
                        return Err(self.err(
                            format!("{ppath}.userIdGroupPairs[{k}].groupId"),
                            format!(
                                "{} is not one of the scenario's securityGroups",
                                pair.group_id
                            ),
                        ));
                    }
                    source_groups.push(pair.group_id.clone());
                }
                rules.push(IngressRule {
                    protocol,
                    ports,
                    ranges,
                    source_groups,
                });
            }
            groups.insert(
                g.group_id.clone(),
                Arc::new(SecurityGroup {
                    id: g.group_id.clone(),
                    name: g.group_name.clone(),
                    vpc_id: g.vpc_id.clone(),
                    rules,
                }),
            );
        }
        Ok(groups)
    }

    fn client_networks(
        &self,
        config: &Config,
        vpcs: &[Vpc],
        groups: &BTreeMap<String, Arc<SecurityGroup>>,
    ) -> Result<Vec<ClientNetwork>, ConfigError> {
        let mut networks = Vec::new();
        for (i, c) in config.emulator.clients.iter().enumerate() {
            let path = format!("$.emulator.clients[{i}]");
            let source: IpNet = c.source_cidr.parse().map_err(|_| {
                self.err(
                    format!("{path}.sourceCidr"),
                    format!(
                        "expected a CIDR of local addresses such as \"127.0.2.0/24\", found {:?}",
                        c.source_cidr
                    ),
                )
            })?;
            let appears_as = match &c.appears_as {
                None => None,
                Some(text) => {
                    let net: IpNet = text.parse().map_err(|_| {
                        self.err(
                            format!("{path}.appearsAs"),
                            format!("expected a CIDR such as \"10.20.0.0/24\", found {text:?}"),
                        )
                    })?;
                    if net.addr().is_ipv4() != source.addr().is_ipv4() {
                        return Err(self.err(
                            format!("{path}.appearsAs"),
                            "expected the same address family as sourceCidr",
                        ));
                    }
                    Some(net.trunc())
                }
            };
            if let Some(vpc_id) = &c.vpc_id {
                if !vpcs.iter().any(|v| &v.id == vpc_id) {
                    return Err(self.err(
                        format!("{path}.vpcId"),
                        format!("{vpc_id} is not one of the scenario's vpcs"),
                    ));
                }
            }
            for (j, g) in c.security_group_ids.iter().enumerate() {
                if !groups.contains_key(g) {
                    return Err(self.err(
                        format!("{path}.securityGroupIds[{j}]"),
                        format!("{g} is not one of the scenario's securityGroups"),
                    ));
                }
            }
            networks.push(ClientNetwork {
                name: c.name.clone(),
                source: source.trunc(),
                appears_as,
                vpc_id: c.vpc_id.clone(),
                security_group_ids: c.security_group_ids.clone(),
            });
        }
        networks.sort_by_key(|n| std::cmp::Reverse(n.source.prefix_len()));
        Ok(networks)
    }

    /// The public endpoint's addresses: configured, or 127.0.0.2 when a REGIONAL or EDGE API exists.
    fn public_addresses(
        &self,
        config: &Config,
        apis: &BTreeMap<String, Arc<RestApi>>,
        taken: &HashMap<IpAddr, Option<usize>>,
    ) -> Result<Vec<IpAddr>, ConfigError> {
        let configured = &config.emulator.public_endpoint.addresses;
        let addresses = if !configured.is_empty() {
            configured.clone()
        } else if apis
            .values()
            .any(|a| a.endpoint_type != EndpointType::Private)
        {
            vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))]
        } else {
            Vec::new()
        };
        for (j, a) in addresses.iter().enumerate() {
            if taken.contains_key(a) {
                return Err(self.err(
                    format!("$.emulator.publicEndpoint.addresses[{j}]"),
                    format!(
                        "{a} is an endpoint interface's address; the public endpoint needs its own"
                    ),
                ));
            }
        }
        Ok(addresses)
    }

    fn endpoints(
        &self,
        config: &Config,
        region: &Region,
        vpcs: &[Vpc],
        groups: &BTreeMap<String, Arc<SecurityGroup>>,
    ) -> Result<Vec<Arc<VpcEndpoint>>, ConfigError> {
        let endpoint_scope = PolicyScope {
            partition: region.partition.to_string(),
            region: region.name.clone(),
            account_id: config.account_id.clone(),
            api_id: None,
        };
        // Explicit addresses first, so automatic ones can step around them.
        let mut used: HashSet<IpAddr> = HashSet::new();
        for (i, e) in config.vpc_endpoints.iter().enumerate() {
            for (j, n) in e.network_interfaces.iter().flatten().enumerate() {
                if !used.insert(n.private_ip_address) {
                    return Err(self.err(
                        format!("$.vpcEndpoints[{i}].networkInterfaces[{j}].privateIpAddress"),
                        format!("{} is already used by another network interface; each interface needs its own address", n.private_ip_address),
                    ));
                }
            }
        }
        let mut next_auto = u32::from(FIRST_AUTO_ADDRESS);
        let mut endpoints: Vec<Arc<VpcEndpoint>> = Vec::new();
        let service_name = region.execute_api_service_name();
        for (i, e) in config.vpc_endpoints.iter().enumerate() {
            let path = format!("$.vpcEndpoints[{i}]");
            if !names::is_resource_id(&e.vpc_endpoint_id, "vpce") {
                return Err(self.err(
                    format!("{path}.vpcEndpointId"),
                    format!("expected \"vpce-\" and 17 (or 8) hexadecimal digits such as \"vpce-01234567890abcdef\", found {:?}", e.vpc_endpoint_id),
                ));
            }
            if endpoints.iter().any(|x| x.id == e.vpc_endpoint_id) {
                return Err(self.err(
                    format!("{path}.vpcEndpointId"),
                    format!("{} is defined twice", e.vpc_endpoint_id),
                ));
            }
            if e.vpc_endpoint_type != "Interface" {
                return Err(self.err(
                    format!("{path}.vpcEndpointType"),
                    format!("expected \"Interface\" (private APIs are reached through interface endpoints), found {:?}", e.vpc_endpoint_type),
                ));
            }
            if e.service_name != service_name {
                return Err(self.err(
                    format!("{path}.serviceName"),
                    format!("expected {service_name:?}, found {:?}", e.service_name),
                ));
            }
            let vpc = vpcs.iter().find(|v| v.id == e.vpc_id).ok_or_else(|| {
                let known: Vec<&str> = vpcs.iter().map(|v| v.id.as_str()).collect();
                self.err(
                    format!("{path}.vpcId"),
                    format!("{} is not one of the scenario's vpcs {known:?}", e.vpc_id),
                )
            })?;
            let ip_address_type = match e.ip_address_type.as_deref() {
                None | Some("ipv4") => "ipv4",
                Some("dualstack") => "dualstack",
                Some(other) => {
                    return Err(self.err(
                        format!("{path}.ipAddressType"),
                        format!("expected \"ipv4\" or \"dualstack\", found {other:?}"),
                    ));
                }
            };
            let security_groups = match &e.security_group_ids {
                None => None,
                Some(ids) => {
                    let mut found = Vec::new();
                    for (j, id) in ids.iter().enumerate() {
                        let g = groups.get(id).ok_or_else(|| {
                            self.err(
                                format!("{path}.securityGroupIds[{j}]"),
                                format!("{id} is not one of the scenario's securityGroups"),
                            )
                        })?;
                        if g.vpc_id != e.vpc_id {
                            return Err(self.err(
                                format!("{path}.securityGroupIds[{j}]"),
                                format!(
                                    "{id} belongs to {}, not to the endpoint's {}",
                                    g.vpc_id, e.vpc_id
                                ),
                            ));
                        }
                        found.push(g.clone());
                    }
                    Some(found)
                }
            };
            if e.subnet_ids.is_empty() {
                return Err(self.err(format!("{path}.subnetIds"), "expected at least one subnet"));
            }
            let mut subnets = Vec::new();
            for (j, id) in e.subnet_ids.iter().enumerate() {
                let subnet = vpc.subnets.iter().find(|s| &s.id == id).ok_or_else(|| {
                    self.err(
                        format!("{path}.subnetIds[{j}]"),
                        format!("{id} is not a subnet of {}", vpc.id),
                    )
                })?;
                if subnets
                    .iter()
                    .any(|s: &&Subnet| s.availability_zone == subnet.availability_zone)
                {
                    return Err(self.err(
                        format!("{path}.subnetIds[{j}]"),
                        format!("an endpoint takes one subnet per Availability Zone; {} is already used", subnet.availability_zone),
                    ));
                }
                subnets.push(subnet);
            }
            let policy = match &e.policy_document {
                None => Policy::full_access(),
                Some(doc) => {
                    self.policy(doc, &format!("{path}.policyDocument"), &endpoint_scope)?
                }
            };
            let mut network_interfaces = Vec::new();
            match &e.network_interfaces {
                Some(given) => {
                    for s in &subnets {
                        let nic = given.iter().find(|n| n.subnet_id == s.id).ok_or_else(|| {
                            self.err(
                                format!("{path}.networkInterfaces"),
                                format!("expected an interface for subnet {}", s.id),
                            )
                        })?;
                        if !nic.private_ip_address.is_ipv4() {
                            return Err(self.err(format!("{path}.networkInterfaces"), format!("privateIpAddress of subnet {} must be IPv4; IPv6 goes in ipv6Address", s.id)));
                        }
                        let ipv6_address = match (ip_address_type, nic.ipv6_address) {
                            ("dualstack", Some(v6)) if v6.is_ipv6() => Some(v6),
                            ("dualstack", _) => {
                                return Err(self.err(
                                    format!("{path}.networkInterfaces"),
                                    format!("a dualstack endpoint needs an IPv6 ipv6Address for subnet {} (e.g. \"::1\", or one added with `ip -6 addr add fd00::10/128 dev lo`)", s.id),
                                ));
                            }
                            (_, Some(_)) => {
                                return Err(self.err(
                                    format!("{path}.networkInterfaces"),
                                    "ipv6Address needs \"ipAddressType\": \"dualstack\"",
                                ));
                            }
                            _ => None,
                        };
                        if let Some(v6) = ipv6_address {
                            if !used.insert(v6) {
                                return Err(self.err(
                                    format!("{path}.networkInterfaces"),
                                    format!("{v6} is already used by another network interface"),
                                ));
                            }
                        }
                        network_interfaces.push(NetworkInterface {
                            subnet_id: s.id.clone(),
                            availability_zone: s.availability_zone.clone(),
                            address: nic.private_ip_address,
                            ipv6_address,
                        });
                    }
                    if let Some((j, extra)) = given
                        .iter()
                        .enumerate()
                        .find(|(_, n)| !e.subnet_ids.contains(&n.subnet_id))
                    {
                        return Err(self.err(
                            format!("{path}.networkInterfaces[{j}].subnetId"),
                            format!("{} is not one of the endpoint's subnetIds", extra.subnet_id),
                        ));
                    }
                }
                None => {
                    if ip_address_type == "dualstack" {
                        return Err(self.err(
                            format!("{path}.networkInterfaces"),
                            "a dualstack endpoint needs networkInterfaces with an ipv6Address each (local IPv6 addresses must exist on this machine, e.g. \"::1\")",
                        ));
                    }
                    for s in &subnets {
                        let address = loop {
                            let candidate = IpAddr::V4(Ipv4Addr::from(next_auto));
                            next_auto += 1;
                            if used.insert(candidate) {
                                break candidate;
                            }
                        };
                        network_interfaces.push(NetworkInterface {
                            subnet_id: s.id.clone(),
                            availability_zone: s.availability_zone.clone(),
                            address,
                            ipv6_address: None,
                        });
                    }
                }
            }
            let suffix = match &e.dns_name_suffix {
                Some(s)
                    if s.len() == 8
                        && s.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
                {
                    s.clone()
                }
                Some(s) => {
                    return Err(self.err(
                        format!("{path}.dnsNameSuffix"),
                        format!("expected 8 lowercase letters and digits, found {s:?}"),
                    ));
                }
                None => names::endpoint_dns_suffix(&e.vpc_endpoint_id),
            };
            let mut dns_entries = vec![DnsEntry {
                dns_name: names::regional_endpoint_name(region, &e.vpc_endpoint_id, &suffix),
                addresses: network_interfaces
                    .iter()
                    .map(|n| n.address)
                    .chain(network_interfaces.iter().filter_map(|n| n.ipv6_address))
                    .collect(),
            }];
            for nic in &network_interfaces {
                dns_entries.push(DnsEntry {
                    dns_name: names::zonal_endpoint_name(
                        region,
                        &e.vpc_endpoint_id,
                        &suffix,
                        &nic.availability_zone,
                    ),
                    addresses: nic.addresses().collect(),
                });
            }
            endpoints.push(Arc::new(VpcEndpoint {
                id: e.vpc_endpoint_id.clone(),
                vpc_id: e.vpc_id.clone(),
                service_name: e.service_name.clone(),
                private_dns_enabled: e.private_dns_enabled,
                ip_address_type,
                security_groups,
                policy: Arc::new(policy),
                network_interfaces,
                dns_entries,
            }));
        }
        Ok(endpoints)
    }

    /// A policy given as an object or as a JSON string (as AWS returns it).
    fn policy(
        &self,
        doc: &serde_json::Value,
        path: &str,
        scope: &PolicyScope,
    ) -> Result<Policy, ConfigError> {
        let parsed;
        let value = match doc {
            serde_json::Value::String(text) => {
                parsed = serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
                    self.err(
                        path,
                        format!("expected a policy document; the string is not JSON: {e}"),
                    )
                })?;
                &parsed
            }
            other => other,
        };
        Policy::from_value(value, scope).map_err(|e| {
            let at = if e.path.is_empty() {
                path.to_string()
            } else {
                format!("{path}.{}", e.path)
            };
            self.err(at, e.message())
        })
    }

    /// An API's deployments by id: each frozen body imported, each frozen policy parsed.
    fn deployments(
        &self,
        a: &RestApiConfig,
        path: &str,
        scope: &PolicyScope,
        endpoint_type: EndpointType,
    ) -> Result<HashMap<String, Arc<Deployment>>, ConfigError> {
        let mut out = HashMap::new();
        for (k, d) in a.deployments.iter().enumerate() {
            let at = format!("{path}.deployments[{k}]");
            if d.id.is_empty() {
                return Err(self.err(format!("{at}.id"), "expected a deployment id"));
            }
            if out.contains_key(&d.id) {
                return Err(self.err(
                    format!("{at}.id"),
                    format!("deployment {:?} is defined twice", d.id),
                ));
            }
            let body_at = format!("{at}.body");
            let parsed;
            let doc = match &d.body {
                serde_json::Value::String(text) => {
                    parsed = document::parse(text)
                        .map_err(|e| self.document_error(None, &body_at, e))?;
                    &parsed
                }
                other => other,
            };
            // A snapshot no stage serves would only repeat the current body's warnings.
            let used = a
                .stages
                .iter()
                .any(|s| s.deployment_id.as_deref() == Some(d.id.as_str()));
            let warnings_before = self.warnings.borrow().len();
            let resolved = self.import_document(doc, None, &body_at)?;
            if !used {
                self.warnings.borrow_mut().truncate(warnings_before);
            }
            let policy = match (&d.policy, &resolved.policy) {
                (Some(p), _) => Some(Arc::new(self.policy(p, &format!("{at}.policy"), scope)?)),
                (None, Some(p)) => Some(Arc::new(self.policy(
                    p,
                    &format!("{body_at}.x-amazon-apigateway-policy"),
                    scope,
                )?)),
                (None, None) => None,
            };
            if used && endpoint_type == EndpointType::Private && policy.is_none() {
                return Err(self.err(
                    format!("{at}.policy"),
                    "Private REST API doesn't have a resource policy attached to it (a stage of a PRIVATE API cannot serve a deployment without one)",
                ));
            }
            out.insert(
                d.id.clone(),
                Arc::new(Deployment {
                    id: d.id.clone(),
                    definition: resolved.api,
                    policy,
                }),
            );
        }
        Ok(out)
    }

    fn rest_apis(
        &self,
        config: &Config,
        region: &Region,
    ) -> Result<BTreeMap<String, Arc<RestApi>>, ConfigError> {
        let mut apis = BTreeMap::new();
        // APIs built from the same example share one definition: 10 000 of them stay small.
        let mut examples_built: HashMap<String, Arc<ResolvedDefinition>> = HashMap::new();
        let empty = Arc::new(ApiDefinition::empty());
        for (i, a) in config.rest_apis.iter().enumerate() {
            let path = format!("$.restApis[{i}]");
            if !names::is_rest_api_id(&a.id) {
                return Err(self.err(format!("{path}.id"), format!("expected 10 lowercase letters and digits such as \"chw1a2q2xk\", found {:?}", a.id)));
            }
            if apis.contains_key(&a.id) {
                return Err(self.err(format!("{path}.id"), format!("{} is defined twice", a.id)));
            }
            let resolved = self.definition(a, &path, region, &mut examples_built)?;
            let name = a
                .name
                .clone()
                .or_else(|| resolved.as_ref().and_then(|r| r.title.clone()))
                .unwrap_or_default();
            if name.trim().is_empty() {
                return Err(self.err(
                    format!("{path}.name"),
                    "expected a non-empty name (or a definition whose info.title names the API)",
                ));
            }
            let types = &a.endpoint_configuration.types;
            let endpoint_type =
                match types.as_slice() {
                    [t] if t == "PRIVATE" => EndpointType::Private,
                    [t] if t == "REGIONAL" => EndpointType::Regional,
                    [t] if t == "EDGE" => EndpointType::Edge,
                    [_] => return Err(self.err(
                        format!("{path}.endpointConfiguration.types[0]"),
                        "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                    )),
                    _ => {
                        return Err(self.err(
                            format!("{path}.endpointConfiguration.types"),
                            "Cannot create an api with multiple Endpoint Types.",
                        ))
                    }
                };
            let vpce_ids = match (&a.endpoint_configuration.vpc_endpoint_ids, &resolved) {
                (ids, Some(r)) if ids.is_empty() => &r.vpc_endpoint_ids,
                (ids, _) => ids,
            };
            if !vpce_ids.is_empty() && endpoint_type != EndpointType::Private {
                return Err(self.err(
                    format!("{path}.endpointConfiguration.vpcEndpointIds"),
                    "VPCEndpoints can only be specified with PRIVATE apis.",
                ));
            }
            for (j, id) in vpce_ids.iter().enumerate() {
                if !names::is_resource_id(id, "vpce") {
                    return Err(self.err(
                        format!("{path}.endpointConfiguration.vpcEndpointIds[{j}]"),
                        format!("expected a VPC endpoint id, found {id:?}"),
                    ));
                }
            }
            let scope = PolicyScope {
                partition: region.partition.to_string(),
                region: region.name.clone(),
                account_id: config.account_id.clone(),
                api_id: Some(a.id.clone()),
            };
            let document_policy = resolved.as_ref().and_then(|r| r.policy.as_ref());
            let policy = match (&a.policy, document_policy) {
                (None, None) => None,
                (Some(doc), _) => Some(Arc::new(self.policy(
                    doc,
                    &format!("{path}.policy"),
                    &scope,
                )?)),
                (None, Some(doc)) => Some(Arc::new(self.policy(
                    doc,
                    &format!("{path}.body.x-amazon-apigateway-policy"),
                    &scope,
                )?)),
            };
            let definition = resolved
                .as_ref()
                .map_or_else(|| empty.clone(), |r| r.api.clone());
            let serves_current = a.stages.iter().any(|s| s.deployment_id.is_none());
            if endpoint_type == EndpointType::Private && policy.is_none() && serves_current {
                // CreateDeployment's own refusal (decision 6 in the README).
                return Err(self.err(
                    format!("{path}.policy"),
                    "Private REST API doesn't have a resource policy attached to it (a PRIVATE API cannot be deployed without one; add \"policy\" or remove \"stages\")",
                ));
            }
            let current = Arc::new(Deployment {
                id: names::short_id(&format!("deployment/{}", a.id)),
                definition,
                policy: policy.clone(),
            });
            let deployments = self.deployments(a, &path, &scope, endpoint_type)?;
            let mut stages = BTreeMap::new();
            for (j, s) in a.stages.iter().enumerate() {
                let name = &s.stage_name;
                let valid = !name.is_empty()
                    && name.len() <= 128
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !valid {
                    return Err(self.err(
                        format!("{path}.stages[{j}].stageName"),
                        format!(
                            "expected letters, digits, '-' and '_' (at most 128), found {name:?}"
                        ),
                    ));
                }
                if stages.contains_key(name) {
                    return Err(self.err(
                        format!("{path}.stages[{j}].stageName"),
                        format!("stage {name:?} is defined twice"),
                    ));
                }
                let deployment = match &s.deployment_id {
                    None => current.clone(),
                    Some(id) => deployments.get(id).cloned().ok_or_else(|| {
                        self.err(
                            format!("{path}.stages[{j}].deploymentId"),
                            format!("{id:?} is not the id of one of {path}.deployments"),
                        )
                    })?,
                };
                stages.insert(
                    name.clone(),
                    Arc::new(Stage {
                        name: name.clone(),
                        variables: self.stage_variables(s, &format!("{path}.stages[{j}]"))?,
                        access_log: self.access_log(s, &format!("{path}.stages[{j}]"))?,
                        deployment,
                    }),
                );
            }
            apis.insert(
                a.id.clone(),
                Arc::new(RestApi {
                    id: a.id.clone(),
                    name,
                    endpoint_type,
                    vpc_endpoint_ids: vpce_ids.clone(),
                    arn: names::api_arn(region, &config.account_id, &a.id),
                    masked_arn: names::api_arn(
                        region,
                        &names::masked_account(&config.account_id),
                        &a.id,
                    ),
                    stages,
                    current_policy: policy,
                }),
            );
        }
        Ok(apis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(json: &str) -> Result<Topology, ConfigError> {
        Topology::from_config(&Config::from_json_str(
            json,
            ConfigOrigin::File("s.json".into()),
        )?)
    }

    fn seed_with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Topology, ConfigError> {
        let mut v: serde_json::Value =
            serde_json::from_str(crate::scenario::config::SEED_SCENARIO).unwrap();
        edit(&mut v);
        load(&v.to_string())
    }

    #[test]
    fn the_seed_scenario_has_the_walkthrough_names_and_addresses() {
        let t = Topology::from_config(&Config::seed()).unwrap();
        let e = &t.vpc_endpoints[0];
        let suffix = names::endpoint_dns_suffix("vpce-01234567890abcdef");
        assert_eq!(
            e.dns_entries[0].dns_name,
            format!("vpce-01234567890abcdef-{suffix}.execute-api.us-east-1.vpce.amazonaws.com")
        );
        assert_eq!(
            e.dns_entries[0].addresses,
            vec![
                "127.0.1.1".parse::<IpAddr>().unwrap(),
                "127.0.1.2".parse().unwrap()
            ]
        );
        assert_eq!(e.dns_entries[2].dns_name, format!("vpce-01234567890abcdef-{suffix}-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com"));
        assert_eq!(
            e.dns_entries[2].addresses,
            vec!["127.0.1.2".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(
            t.endpoint_by_address("127.0.1.2".parse().unwrap())
                .unwrap()
                .id,
            "vpce-01234567890abcdef"
        );
        assert!(t.rest_apis["chw1a2q2xk"].stages.contains_key("test"));
    }

    #[test]
    fn a_private_api_without_policy_cannot_be_deployed() {
        let err = seed_with(|v| {
            v["restApis"][0].as_object_mut().unwrap().remove("policy");
        })
        .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].policy");
        assert!(err
            .message
            .starts_with("Private REST API doesn't have a resource policy attached to it"));
    }

    #[test]
    fn references_and_ids_are_checked_with_their_paths() {
        let err =
            seed_with(|v| v["vpcEndpoints"][0]["subnetIds"][1] = "subnet-0000000000000000f".into())
                .unwrap_err();
        assert_eq!(err.to_string(), "s.json: $.vpcEndpoints[0].subnetIds[1]: subnet-0000000000000000f is not a subnet of vpc-0a1b2c3d4e5f67890");
        let err = seed_with(|v| v["restApis"][0]["id"] = "ABC".into()).unwrap_err();
        assert_eq!(err.path, "$.restApis[0].id");
        let err = seed_with(|v| {
            v["restApis"][0]["endpointConfiguration"]["types"] =
                serde_json::json!(["PRIVATE", "REGIONAL"])
        })
        .unwrap_err();
        assert_eq!(
            err.message,
            "Cannot create an api with multiple Endpoint Types."
        );
        let err = seed_with(|v| {
            v["vpcEndpoints"][0]["serviceName"] = "com.amazonaws.us-east-1.s3".into()
        })
        .unwrap_err();
        assert_eq!(err.path, "$.vpcEndpoints[0].serviceName");
        let err = seed_with(|v| v["restApis"][0]["example"] = "Pets".into()).unwrap_err();
        assert_eq!(
            err.message,
            "expected one of [\"PetStore\"], found \"Pets\""
        );
    }

    #[test]
    fn stage_settings_are_checked_as_aws_checks_them() {
        let err = seed_with(|v| {
            v["restApis"][0]["stages"][0]["accessLogSettings"] =
                serde_json::json!({"format": "$context.status"})
        })
        .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].stages[0].accessLogSettings.format");
        assert_eq!(
            err.message,
            "Access Log format must contain either $context.requestId or $context.extendedRequestId"
        );
        let err = seed_with(|v| {
            v["restApis"][0]["stages"][0]["variables"] = serde_json::json!({"bad name": "x"})
        })
        .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].stages[0].variables['bad name']");
        let err = seed_with(|v| {
            v["restApis"][0]["stages"][0]["variables"] =
                serde_json::json!({"ok": "spaces not allowed"})
        })
        .unwrap_err();
        assert!(
            err.message.starts_with("Stage variable values must be"),
            "{err}"
        );
    }

    #[test]
    fn policy_errors_are_prefixed_with_the_scenario_path() {
        let err =
            seed_with(|v| v["restApis"][0]["policy"]["Statement"][1]["Effect"] = "Permit".into())
                .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].policy.Statement[1].Effect");
    }

    #[test]
    fn security_group_references_are_checked() {
        let err = seed_with(|v| {
            v["vpcEndpoints"][0]["securityGroupIds"] = serde_json::json!(["sg-0000000000000000f"])
        })
        .unwrap_err();
        assert_eq!(err.path, "$.vpcEndpoints[0].securityGroupIds[0]");
        assert_eq!(
            err.message,
            "sg-0000000000000000f is not one of the scenario's securityGroups"
        );
        let err = seed_with(|v| {
            v["securityGroups"][0]["ipPermissions"][0]["ipRanges"][0]["cidrIp"] =
                "10.0.0.0/33".into()
        })
        .unwrap_err();
        assert_eq!(
            err.path,
            "$.securityGroups[0].ipPermissions[0].ipRanges[0].cidrIp"
        );
        let err =
            seed_with(|v| v["securityGroups"][0]["ipPermissions"][0]["ipProtocol"] = "sctp".into())
                .unwrap_err();
        assert_eq!(err.path, "$.securityGroups[0].ipPermissions[0].ipProtocol");
        let err =
            seed_with(|v| v["securityGroups"][0]["ipPermissions"][0]["fromPort"] = 500.into())
                .unwrap_err();
        assert_eq!(err.path, "$.securityGroups[0].ipPermissions[0].fromPort");
    }

    #[test]
    fn clients_map_local_sources_onto_the_addresses_they_stand_for() {
        let t = Topology::from_config(&Config::seed()).unwrap();
        let c = t.client("127.0.0.1".parse().unwrap());
        assert_eq!(c.address, "10.20.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(c.vpc_id(), None);
        let err = seed_with(|v| v["emulator"]["clients"][0]["vpcId"] = "vpc-00000000".into())
            .unwrap_err();
        assert_eq!(err.path, "$.emulator.clients[0].vpcId");
        let err = seed_with(|v| v["emulator"]["clients"][0]["appearsAs"] = "fd00::/64".into())
            .unwrap_err();
        assert_eq!(
            err.message,
            "expected the same address family as sourceCidr"
        );
    }

    #[test]
    fn one_endpoint_per_vpc_may_have_private_dns() {
        let err = seed_with(|v| {
            v["vpcEndpoints"][0]["privateDnsEnabled"] = true.into();
            let mut second = v["vpcEndpoints"][0].clone();
            second["vpcEndpointId"] = "vpce-0fedcba9876543210".into();
            v["vpcEndpoints"].as_array_mut().unwrap().push(second);
        })
        .unwrap_err();
        assert_eq!(err.path, "$.vpcEndpoints[1].privateDnsEnabled");
        assert!(
            err.message
                .starts_with("vpce-01234567890abcdef already has private DNS names"),
            "{}",
            err.message
        );
    }

    #[test]
    fn dualstack_endpoints_need_ipv6_addresses() {
        let err =
            seed_with(|v| v["vpcEndpoints"][0]["ipAddressType"] = "dualstack".into()).unwrap_err();
        assert_eq!(err.path, "$.vpcEndpoints[0].networkInterfaces");
        let t = seed_with(|v| {
            v["vpcEndpoints"][0]["ipAddressType"] = "dualstack".into();
            v["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
                {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "127.0.1.1", "ipv6Address": "::1"},
                {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.1.2", "ipv6Address": "fd00::2"}
            ]);
        })
        .unwrap();
        let e = &t.vpc_endpoints[0];
        assert_eq!(e.dns_entries[0].addresses.len(), 4);
        assert!(matches!(
            t.frontend("::1".parse().unwrap()),
            Some(Frontend::VpcEndpoint(_))
        ));
    }

    #[test]
    fn public_apis_get_a_public_endpoint() {
        let t = seed_with(|v| {
            let mut public = v["restApis"][0].clone();
            public["id"] = "pub1234567".into();
            public["endpointConfiguration"] = serde_json::json!({"types": ["REGIONAL"]});
            v["restApis"].as_array_mut().unwrap().push(public);
        })
        .unwrap();
        assert_eq!(
            t.public_addresses,
            vec!["127.0.0.2".parse::<IpAddr>().unwrap()]
        );
        assert!(matches!(
            t.frontend("127.0.0.2".parse().unwrap()),
            Some(Frontend::Public)
        ));
        let err = seed_with(|v| {
            v["emulator"]["publicEndpoint"] = serde_json::json!({"addresses": ["127.0.1.1"]})
        })
        .unwrap_err();
        assert_eq!(err.path, "$.emulator.publicEndpoint.addresses[0]");
    }

    fn mock_document(path: &str) -> serde_json::Value {
        serde_json::json!({"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
            "paths": {path: {"get": {"x-amazon-apigateway-integration": {
                "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200"}}}}}}})
    }

    #[test]
    fn a_stage_with_a_deployment_id_serves_that_snapshot() {
        let t = seed_with(|v| {
            let api = &mut v["restApis"][0];
            let frozen_policy = api["policy"].clone();
            api["deployments"] = serde_json::json!([
                {"id": "abc123", "description": "first", "createdDate": 1700000000,
                 "body": mock_document("/frozen"), "policy": frozen_policy},
                {"id": "def456", "body": mock_document("/other").to_string(), "policy": frozen_policy}
            ]);
            api["stages"][0]["deploymentId"] = "abc123".into();
            let mut second = api["stages"][0].clone();
            second["stageName"] = "prod".into();
            let mut current = api["stages"][0].clone();
            current["stageName"] = "live".into();
            current.as_object_mut().unwrap().remove("deploymentId");
            api["stages"].as_array_mut().unwrap().push(second);
            api["stages"].as_array_mut().unwrap().push(current);
        })
        .unwrap();
        let api = &t.rest_apis["chw1a2q2xk"];
        let test = &api.stages["test"];
        assert_eq!(test.deployment.id, "abc123");
        assert!(test.deployment.definition.route("/frozen", "GET").is_some());
        assert!(test.deployment.definition.route("/pets", "GET").is_none());
        assert!(test.deployment.policy.is_some());
        assert!(Arc::ptr_eq(
            &test.deployment,
            &api.stages["prod"].deployment
        ));
        let live = &api.stages["live"];
        assert_eq!(live.deployment.id, names::short_id("deployment/chw1a2q2xk"));
        assert!(live.deployment.definition.route("/pets", "GET").is_some());
    }

    #[test]
    fn deployment_references_and_bodies_are_checked_with_their_paths() {
        let err = seed_with(|v| {
            v["restApis"][0]["stages"][0]["deploymentId"] = "nope12".into();
        })
        .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].stages[0].deploymentId");
        assert_eq!(
            err.message,
            "\"nope12\" is not the id of one of $.restApis[0].deployments"
        );
        let err = seed_with(|v| {
            let mut body = mock_document("/a");
            body["paths"]["/a"]["get"]["x-amazon-apigateway-integration"]["type"] = "kafka".into();
            v["restApis"][0]["deployments"] = serde_json::json!([{"id": "abc123", "body": body}]);
        })
        .unwrap_err();
        assert_eq!(
            err.path,
            "$.restApis[0].deployments[0].body.paths['/a'].get.x-amazon-apigateway-integration.type"
        );
        let err = seed_with(|v| {
            v["restApis"][0]["deployments"] =
                serde_json::json!([{"id": "abc123", "body": mock_document("/a")}]);
            v["restApis"][0]["stages"][0]["deploymentId"] = "abc123".into();
        })
        .unwrap_err();
        assert_eq!(err.path, "$.restApis[0].deployments[0].policy");
        assert!(err
            .message
            .starts_with("Private REST API doesn't have a resource policy attached to it"));
    }

    #[test]
    fn explicit_addresses_must_be_unique() {
        let err = seed_with(|v| {
            v["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
                {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "127.0.0.5"},
                {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.0.5"}
            ]);
        })
        .unwrap_err();
        assert_eq!(
            err.path,
            "$.vpcEndpoints[0].networkInterfaces[1].privateIpAddress"
        );
    }
}
