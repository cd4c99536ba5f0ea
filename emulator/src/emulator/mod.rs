//! The running emulator: DNS, HTTPS front end and the Example API's backend, started together
//! from one scenario and stopped together.
//!
//! ```no_run
//! # async fn demo() -> Result<(), apigw_emulator::StartError> {
//! use apigw_emulator::{Config, Emulator};
//! let emulator = Emulator::start(Config::seed()).await?;
//! println!("dig @{} ...; trust {}", emulator.dns_addr(), emulator.ca_path().display());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;
use tokio::net::{TcpListener, TcpSocket, UdpSocket};

use crate::controlplane::{ApplyTopology, ControlPlane, ControlServer, StateStore, StoreError};
use crate::dataplane::dns::DnsServer;
use crate::dataplane::gateway::server::HttpsServer;
use crate::dataplane::gateway::Gateway;
use crate::dataplane::integration::Integrations;
use crate::dataplane::tls::pki::{LocalCa, PkiError};
use crate::dataplane::tls::{self, TlsError};
use crate::model::topology::Topology;
use crate::scenario::config::{Config, ConfigError};
use crate::scenario::examples::{self, PetStoreBackend};

/// The ports the CLI tries first, as on AWS.
const STANDARD_DNS_PORT: u16 = 53;
const STANDARD_HTTPS_PORT: u16 = 443;
/// What it falls back to when the process may not bind those.
const FALLBACK_DNS_PORT: u16 = 8053;
const FALLBACK_HTTPS_PORT: u16 = 8443;
/// How often port 0 on several addresses is retried when the picked port is taken on one.
const PORT_ATTEMPTS: usize = 20;

/// The default control-plane port (LocalStack's, so `--endpoint-url http://localhost:4566`
/// scripts work unchanged).
const STANDARD_CONTROL_PORT: u16 = 4566;

/// What serves the current topology, shared by reloads and the control plane: each applies a
/// new topology through [`Serving::apply`], one at a time.
struct Serving {
    topology: Arc<ArcSwap<Topology>>,
    https: HttpsServer,
    https_port: u16,
    has_petstore_backend: bool,
    /// Serializes appliers; the request path never takes it.
    apply_lock: std::sync::Mutex<()>,
}

impl Serving {
    /// Serves `new` from now on, if only what can change at run time changes: APIs, policies,
    /// endpoints and their addresses (listeners are added and removed on the same port). Binds
    /// new addresses before anything is swapped, so a failure leaves everything as it was.
    fn apply(&self, new: Topology) -> Result<(), ReloadError> {
        let _one_at_a_time = self
            .apply_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let old = self.topology.load_full();
        if old.dns_zones() != new.dns_zones() {
            return Err(ReloadError::NeedsRestart(
                "the Region changes (DNS zones and certificates)".to_string(),
            ));
        }
        let (o, n) = (&old.settings, &new.settings);
        if (
            o.tls13,
            o.http2,
            o.https_port,
            o.dns_listen,
            o.connection_limits,
            &o.backend_cas,
        ) != (
            n.tls13,
            n.http2,
            n.https_port,
            n.dns_listen,
            n.connection_limits,
            &n.backend_cas,
        ) {
            return Err(ReloadError::NeedsRestart(
                "emulator.https, emulator.dns.listen or trusted CA files change".to_string(),
            ));
        }
        if needs_petstore_backend(&new) && !self.has_petstore_backend {
            return Err(ReloadError::NeedsRestart(
                "an API now uses the Example API's demo backend, which starts with the emulator"
                    .to_string(),
            ));
        }
        let old_addresses: std::collections::HashSet<IpAddr> =
            old.listen_addresses().into_iter().collect();
        let new_addresses: std::collections::HashSet<IpAddr> =
            new.listen_addresses().into_iter().collect();
        let mut added = Vec::new();
        for ip in new.listen_addresses() {
            if !old_addresses.contains(&ip) {
                let addr = SocketAddr::new(ip, self.https_port);
                let listener = tcp_listener(addr)
                    .map_err(|e| ReloadError::Listen(bind_error("HTTPS", addr, e).to_string()))?;
                added.push(listener);
            }
        }
        self.topology.store(Arc::new(new));
        for listener in added {
            if let Err(e) = self.https.add_listener(listener) {
                tracing::warn!("cannot serve a new endpoint address: {e}");
            }
        }
        for ip in old_addresses.difference(&new_addresses) {
            self.https
                .remove_listener(SocketAddr::new(*ip, self.https_port));
        }
        Ok(())
    }
}

impl ApplyTopology for Serving {
    fn apply(&self, topology: Topology) -> Result<(), String> {
        Serving::apply(self, topology).map_err(|e| e.to_string())
    }
}

/// Why the emulator did not start. Nothing is left running when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The scenario is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The CA or the server certificate could not be made.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// TLS could not be configured.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A socket could not be bound.
    #[error("cannot listen for {what} on {addr}: {source}{hint}")]
    Bind {
        /// `DNS (udp)`, `HTTPS for vpce-...`, ...
        what: String,
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
        /// How to fix it.
        hint: String,
    },
    /// Another I/O failure at start.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The state directory cannot be used.
    #[error(transparent)]
    State(#[from] StoreError),
}

impl StartError {
    /// True when the scenario itself is at fault (the CLI exits with 2).
    pub fn is_config_error(&self) -> bool {
        matches!(self, StartError::Config(_))
    }
}

/// What a started emulator tells its user (and writes to `--ready-file`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyInfo {
    /// `IP:PORT` of the DNS server (UDP and TCP).
    pub dns: String,
    /// The HTTPS port of every endpoint address, including endpoints created later.
    pub https_port: u16,
    /// Absolute path of the CA certificate to trust.
    pub ca_certificate: String,
    /// The Region.
    pub region: String,
    /// The account.
    pub account_id: String,
    /// Endpoints with their DNS names, addresses and HTTPS port.
    pub vpc_endpoints: Vec<ReadyEndpoint>,
    /// APIs with their deployed stages.
    pub rest_apis: Vec<ReadyApi>,
    /// The public endpoint serving REGIONAL and EDGE APIs, when the scenario has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_endpoint: Option<ReadyPublicEndpoint>,
    /// `http://IP:PORT` of the control plane: what the AWS CLI's `--endpoint-url` takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_endpoint: Option<String>,
}

/// The public endpoint in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyPublicEndpoint {
    /// Where public API names resolve.
    pub addresses: Vec<String>,
    /// Its HTTPS port.
    pub https_port: u16,
}

/// An endpoint in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyEndpoint {
    /// `vpce-...`.
    pub vpc_endpoint_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// `com.amazonaws.<region>.execute-api`.
    pub service_name: String,
    /// Private DNS names enabled.
    pub private_dns_enabled: bool,
    /// Regional name first, then zonal names, as `describe-vpc-endpoints` lists them.
    pub dns_entries: Vec<ReadyDnsEntry>,
    /// The port its addresses listen on for HTTPS.
    pub https_port: u16,
}

/// A DNS name in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyDnsEntry {
    /// The name.
    pub dns_name: String,
    /// What it resolves to.
    pub addresses: Vec<String>,
}

/// An API in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyApi {
    /// The API id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `["PRIVATE"]`, ...
    pub endpoint_types: Vec<String>,
    /// Deployed stages.
    pub stages: Vec<String>,
    /// Associated VPC endpoints (their Route 53 alias names resolve).
    pub vpc_endpoint_ids: Vec<String>,
}

/// Which ports to use where the scenario leaves them unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortChoice {
    /// Free ports picked by the system (library and tests).
    Ephemeral,
    /// 53 and 443 when the process may bind them, else 8053 and 8443 (the CLI).
    Standard,
}

/// Configures an [`Emulator`] before starting it.
#[derive(Debug)]
pub struct EmulatorBuilder {
    config: Config,
    certs_dir: Option<PathBuf>,
    dns_listen: Option<SocketAddr>,
    https_port: Option<u16>,
    ports: PortChoice,
    control_listen: Option<SocketAddr>,
    control_enabled: Option<bool>,
    state_dir: Option<PathBuf>,
}

/// A running emulator. Dropping it stops everything; [`Emulator::shutdown`] also waits for
/// requests in progress.
pub struct Emulator {
    topology: Arc<ArcSwap<Topology>>,
    gateway: Arc<Gateway>,
    dns: Option<DnsServer>,
    serving: Arc<Serving>,
    control: Option<(Arc<ControlPlane>, ControlServer)>,
    _backend: Option<PetStoreBackend>,
    ca_pem: String,
    ca_path: PathBuf,
    ready: ReadyInfo,
    notes: Vec<String>,
    _temp_certs: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("ready", &self.ready)
            .finish()
    }
}

fn bind_error(what: impl Into<String>, addr: SocketAddr, source: std::io::Error) -> StartError {
    let hint = match source.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            " (ports below 1024 need root or CAP_NET_BIND_SERVICE; choose another port, e.g. {})",
            if addr.port() == STANDARD_DNS_PORT { FALLBACK_DNS_PORT } else { FALLBACK_HTTPS_PORT }
        ),
        std::io::ErrorKind::AddrInUse => " (another process uses it; stop it, or choose another port, or 0 for a free one)".to_string(),
        std::io::ErrorKind::AddrNotAvailable => {
            " (the address is not on this machine; on macOS add loopback aliases: sudo ifconfig lo0 alias <address>)".to_string()
        }
        _ => String::new(),
    };
    StartError::Bind {
        what: what.into(),
        addr,
        source,
        hint,
    }
}

fn tcp_listener(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    // tokio's default backlog of 128 drops bursts of test clients.
    socket.listen(1024)
}

async fn bind_dns(addr: SocketAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..PORT_ATTEMPTS {
        let udp = UdpSocket::bind(addr).await?;
        let port = udp.local_addr()?.port();
        match tcp_listener(SocketAddr::new(addr.ip(), port)) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if addr.port() == 0 && e.kind() == std::io::ErrorKind::AddrInUse => {
                last = Some(e)
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port")))
}

/// Binds one listener per address, all on the same port (`0` picks one free on all of them).
fn bind_https(
    addresses: &[IpAddr],
    port: u16,
) -> Result<Vec<TcpListener>, (SocketAddr, std::io::Error)> {
    let mut last = None;
    for _ in 0..PORT_ATTEMPTS {
        let mut listeners = Vec::with_capacity(addresses.len());
        let mut chosen = port;
        let mut failed = None;
        for ip in addresses {
            let addr = SocketAddr::new(*ip, chosen);
            match tcp_listener(addr).and_then(|l| l.local_addr().map(|a| (l, a))) {
                Ok((listener, local)) => {
                    chosen = local.port();
                    listeners.push(listener);
                }
                Err(e) => {
                    failed = Some((addr, e));
                    break;
                }
            }
        }
        match failed {
            None => return Ok(listeners),
            Some((_, e)) if port == 0 && e.kind() == std::io::ErrorKind::AddrInUse => {
                last = Some(e)
            }
            Some(f) => return Err(f),
        }
    }
    let addr = SocketAddr::new(
        addresses
            .first()
            .copied()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        port,
    );
    Err((
        addr,
        last.unwrap_or_else(|| std::io::Error::other("no free port")),
    ))
}

impl EmulatorBuilder {
    /// Keeps the CA in `dir` (created if missing; reused across starts). Default: a temporary
    /// directory removed when the emulator stops.
    pub fn certs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.certs_dir = Some(dir.into());
        self
    }

    /// Overrides the DNS address and port.
    pub fn dns_listen(mut self, addr: SocketAddr) -> Self {
        self.dns_listen = Some(addr);
        self
    }

    /// Overrides the HTTPS port of every endpoint address.
    pub fn https_port(mut self, port: u16) -> Self {
        self.https_port = Some(port);
        self
    }

    /// How to choose ports the scenario leaves unset.
    pub fn ports(mut self, choice: PortChoice) -> Self {
        self.ports = choice;
        self
    }

    /// Overrides where the control plane listens.
    pub fn control_plane_listen(mut self, addr: SocketAddr) -> Self {
        self.control_listen = Some(addr);
        self
    }

    /// Turns the control plane on or off (overrides the scenario; default on).
    pub fn control_plane(mut self, enabled: bool) -> Self {
        self.control_enabled = Some(enabled);
        self
    }

    /// Keeps the control plane's state in `dir`: restored at start if present (instead of the
    /// scenario), written after every change.
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// Validates the scenario, makes certificates, binds every socket, then starts serving.
    pub async fn start(mut self) -> Result<Emulator, StartError> {
        let mut notes = Vec::new();
        let control_enabled = self
            .control_enabled
            .or(self.config.emulator.control_plane.enabled)
            .unwrap_or(true);
        let store = match &self.state_dir {
            Some(dir) if control_enabled => {
                let (store, restored) = StateStore::open(dir)?;
                if let Some(state) = restored {
                    notes.push(format!(
                        "restored the control plane's state from {}",
                        absolute(store.path()).display()
                    ));
                    self.config = state;
                }
                Some(store)
            }
            _ => None,
        };
        let topology = if control_enabled {
            let (config, topology) = crate::controlplane::prepare(self.config)?;
            self.config = config;
            topology
        } else {
            Topology::from_config(&self.config)?
        };

        let (temp_certs, certs_dir) = match &self.certs_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("apigw-emulator-certs")
                    .tempdir()?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        let zones = topology.dns_zones().to_vec();
        let ca = LocalCa::load_or_create(&certs_dir, &zones)?;
        if ca.was_created() {
            notes.push(format!(
                "created a new local CA in {}",
                absolute(&certs_dir).display()
            ));
        }
        let certificate = ca.issue_server_certificate(&tls::certificate_names(&zones))?;
        let tls_config = tls::server_config(
            certificate,
            topology.settings.tls13,
            topology.settings.http2,
        )?;

        // DNS.
        let dns_addr = self.dns_listen.or(topology.settings.dns_listen);
        let (udp, tcp) = match (dns_addr, self.ports) {
            (Some(addr), _) => bind_dns(addr)
                .await
                .map_err(|e| bind_error("DNS", addr, e))?,
            (None, PortChoice::Ephemeral) => {
                let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
                bind_dns(addr)
                    .await
                    .map_err(|e| bind_error("DNS", addr, e))?
            }
            (None, PortChoice::Standard) => {
                let standard = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), STANDARD_DNS_PORT);
                match bind_dns(standard).await {
                    Ok(pair) => pair,
                    Err(e) => {
                        notes.push(format!("DNS on port {FALLBACK_DNS_PORT}: port {STANDARD_DNS_PORT} is not available ({e})"));
                        let fallback = SocketAddr::new(standard.ip(), FALLBACK_DNS_PORT);
                        bind_dns(fallback)
                            .await
                            .map_err(|e| bind_error("DNS", fallback, e))?
                    }
                }
            }
        };

        // HTTPS: one listener per endpoint interface address.
        let addresses = topology.listen_addresses();
        // Without endpoints yet, a probe on 127.0.0.1 still picks the port that endpoints
        // created later through the control plane will listen on.
        let probe_only = addresses.is_empty();
        let addresses = if probe_only {
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
        } else {
            addresses
        };
        let https_port = self.https_port.or(topology.settings.https_port);
        let listeners = match (https_port, self.ports) {
            (Some(port), _) => {
                bind_https(&addresses, port).map_err(|(a, e)| bind_error("HTTPS", a, e))?
            }
            (None, PortChoice::Ephemeral) => {
                bind_https(&addresses, 0).map_err(|(a, e)| bind_error("HTTPS", a, e))?
            }
            (None, PortChoice::Standard) => match bind_https(&addresses, STANDARD_HTTPS_PORT) {
                Ok(l) => l,
                Err((_, e)) => {
                    notes.push(format!("HTTPS on port {FALLBACK_HTTPS_PORT}: port {STANDARD_HTTPS_PORT} is not available ({e})"));
                    bind_https(&addresses, FALLBACK_HTTPS_PORT)
                        .map_err(|(a, e)| bind_error("HTTPS", a, e))?
                }
            },
        };
        let bound_port = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
            .unwrap_or(0);
        let listeners = if probe_only { Vec::new() } else { listeners };

        // The Example API's backend, only when an API uses it.
        // With the control plane, an API imported later may use it too.
        let needs_backend = needs_petstore_backend(&topology) || control_enabled;
        let backend = if needs_backend {
            Some(PetStoreBackend::start().await?)
        } else {
            None
        };
        let mut overrides = HashMap::new();
        if let Some(b) = &backend {
            overrides.insert(examples::petstore_backend_host(&topology.region), b.addr());
        }

        let ready = ready_info(&topology, udp.local_addr()?, ca.cert_path(), bound_port);
        let topology = Arc::new(ArcSwap::from_pointee(topology));
        let dns = DnsServer::start(topology.clone(), udp, tcp)?;
        let gateway = Arc::new(Gateway::new(
            topology.clone(),
            Integrations::new(overrides, &topology.load().settings.backend_cas),
        ));
        let https = HttpsServer::start(
            listeners,
            tls_config,
            gateway.clone(),
            topology.load().settings.connection_limits,
        )?;
        let serving = Arc::new(Serving {
            topology: topology.clone(),
            https,
            https_port: bound_port,
            has_petstore_backend: backend.is_some(),
            apply_lock: std::sync::Mutex::new(()),
        });

        // The control plane, on its own port.
        let mut ready = ready;
        let control = if control_enabled {
            let listen = self
                .control_listen
                .or(self.config.emulator.control_plane.listen);
            let listener = match (listen, self.ports) {
                (Some(addr), _) => {
                    tcp_listener(addr).map_err(|e| bind_error("the control plane", addr, e))?
                }
                (None, PortChoice::Ephemeral) => {
                    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
                    tcp_listener(addr).map_err(|e| bind_error("the control plane", addr, e))?
                }
                (None, PortChoice::Standard) => {
                    let standard =
                        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), STANDARD_CONTROL_PORT);
                    match tcp_listener(standard) {
                        Ok(l) => l,
                        Err(e) => {
                            let any = SocketAddr::new(standard.ip(), 0);
                            let l = tcp_listener(any)
                                .map_err(|e| bind_error("the control plane", any, e))?;
                            notes.push(format!(
                                "control plane on port {}: port {STANDARD_CONTROL_PORT} is not available ({e})",
                                l.local_addr()?.port()
                            ));
                            l
                        }
                    }
                }
            };
            if let Some(store) = &store {
                // The state file exists from the first start on, not only after a change.
                store.save(&self.config)?;
            }
            let plane = ControlPlane::new(
                self.config.clone(),
                store,
                serving.clone(),
                crate::controlplane::console::Console::new(
                    topology.clone(),
                    gateway.clone(),
                    bound_port,
                ),
            );
            let server = ControlServer::start(listener, plane.clone())?;
            ready.control_plane_endpoint = Some(format!("http://{}", server.addr()));
            Some((plane, server))
        } else {
            None
        };
        Ok(Emulator {
            topology,
            gateway,
            dns: Some(dns),
            serving,
            control,
            _backend: backend,
            ca_pem: ca.cert_pem().to_string(),
            ca_path: ca.cert_path().to_path_buf(),
            ready,
            notes,
            _temp_certs: temp_certs,
        })
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn ready_info(topology: &Topology, dns: SocketAddr, ca_path: &Path, https_port: u16) -> ReadyInfo {
    ReadyInfo {
        dns: dns.to_string(),
        https_port,
        ca_certificate: absolute(ca_path).display().to_string(),
        region: topology.region.name.clone(),
        account_id: topology.account_id.clone(),
        vpc_endpoints: topology
            .vpc_endpoints
            .iter()
            .map(|e| ReadyEndpoint {
                vpc_endpoint_id: e.id.clone(),
                vpc_id: e.vpc_id.clone(),
                service_name: e.service_name.clone(),
                private_dns_enabled: e.private_dns_enabled,
                // As DescribeVpcEndpoints lists them: regional, zonal, then private DNS names.
                dns_entries: e
                    .dns_entries
                    .iter()
                    .map(|d| ReadyDnsEntry {
                        dns_name: d.dns_name.clone(),
                        addresses: d.addresses.iter().map(|a| a.to_string()).collect(),
                    })
                    .chain(
                        e.private_dns_enabled
                            .then(|| {
                                let zone = topology.region.api_zone();
                                let addresses: Vec<String> = e.dns_entries[0]
                                    .addresses
                                    .iter()
                                    .map(|a| a.to_string())
                                    .collect();
                                [
                                    ReadyDnsEntry {
                                        dns_name: zone.clone(),
                                        addresses: addresses.clone(),
                                    },
                                    ReadyDnsEntry {
                                        dns_name: format!("*.{zone}"),
                                        addresses,
                                    },
                                ]
                            })
                            .into_iter()
                            .flatten(),
                    )
                    .collect(),
                https_port,
            })
            .collect(),
        rest_apis: topology
            .rest_apis
            .values()
            .map(|a| ReadyApi {
                id: a.id.clone(),
                name: a.name.clone(),
                endpoint_types: vec![a.endpoint_type.as_str().to_string()],
                stages: a.stages.keys().cloned().collect(),
                vpc_endpoint_ids: a.vpc_endpoint_ids.clone(),
            })
            .collect(),
        public_endpoint: (!topology.public_addresses.is_empty()).then(|| ReadyPublicEndpoint {
            addresses: topology
                .public_addresses
                .iter()
                .map(|a| a.to_string())
                .collect(),
            https_port,
        }),
        control_plane_endpoint: None,
    }
}

/// Whether an API calls the Example API's demo backend (the console's example, or AWS's own
/// export of it, which names the demo host too).
fn needs_petstore_backend(topology: &Topology) -> bool {
    let backend_host = examples::petstore_backend_host(&topology.region);
    topology.rest_apis.values().any(|a| {
        a.stages.values().any(|s| {
            s.deployment.definition.resources().iter().any(|r| {
                r.methods().any(|(_, m)| {
                    matches!(&m.integration, Some(crate::model::api::Integration::Http(h)) if h.uri.contains(&backend_host))
                })
            })
        })
    })
}

/// Why a new scenario was not taken; the one being served stays in force.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The new scenario is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The new scenario changes what only a restart can change.
    #[error("the new scenario needs a restart: {0}")]
    NeedsRestart(String),
    /// A new endpoint address cannot be listened on, or the change cannot be saved.
    #[error("{0}")]
    Listen(String),
}

impl Emulator {
    /// Serves `config` from now on, if it is valid and changes nothing that needs new sockets or
    /// certificates (endpoint addresses, Region, TLS settings, DNS settings). On any error the
    /// scenario being served stays in force, whole: requests never see a half-applied change.
    /// Returns the new scenario's warnings.
    pub fn reload(&mut self, config: Config) -> Result<Vec<ConfigError>, ReloadError> {
        // With the control plane, its state becomes the reloaded scenario (and is persisted).
        let (config, new) = match &self.control {
            Some(_) => {
                let (config, new) = crate::controlplane::prepare(config)?;
                (Some(config), new)
            }
            None => (None, Topology::from_config(&config)?),
        };
        let warnings = new.warnings.clone();
        let ready = ready_info(&new, self.dns_addr(), &self.ca_path, self.https_port());
        match (&self.control, config) {
            (Some((plane, _)), Some(config)) => {
                plane.replace(config, new).map_err(ReloadError::Listen)?
            }
            _ => self.serving.apply(new)?,
        }
        let control_plane_endpoint = self.ready.control_plane_endpoint.take();
        self.ready = ready;
        self.ready.control_plane_endpoint = control_plane_endpoint;
        Ok(warnings)
    }

    /// Starts `config` on free loopback ports with a temporary CA: the test-friendly default.
    pub async fn start(config: Config) -> Result<Emulator, StartError> {
        Emulator::builder(config).start().await
    }

    /// A builder to choose the certs directory and ports.
    pub fn builder(config: Config) -> EmulatorBuilder {
        EmulatorBuilder {
            config,
            certs_dir: None,
            dns_listen: None,
            https_port: None,
            ports: PortChoice::Ephemeral,
            control_listen: None,
            control_enabled: None,
            state_dir: None,
        }
    }

    /// The DNS server's address (UDP and TCP).
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns
            .as_ref()
            .map(|d| d.addr())
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The HTTPS port every endpoint address listens on.
    pub fn https_port(&self) -> u16 {
        self.serving.https_port
    }

    /// Every HTTPS listening address.
    pub fn https_addrs(&self) -> Vec<SocketAddr> {
        self.serving.https.addrs()
    }

    /// `http://IP:PORT` of the control plane (what `--endpoint-url` takes), when it runs.
    pub fn control_plane_endpoint(&self) -> Option<String> {
        self.control
            .as_ref()
            .map(|(_, server)| format!("http://{}", server.addr()))
    }

    /// The control plane's current state, as a scenario (when it runs).
    pub fn control_plane_state(&self) -> Option<Arc<Config>> {
        self.control.as_ref().map(|(plane, _)| plane.state())
    }

    /// The CA certificate (PEM) a client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Where that certificate is on disk.
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    /// Addresses, names and ports, as the ready file has them.
    pub fn ready_info(&self) -> &ReadyInfo {
        &self.ready
    }

    /// Things worth telling the user about the start (fallback ports, a new CA).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The request pipeline (for `explain`).
    pub(crate) fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Explains one request step by step against the scenario being served (see
    /// [`crate::teach::explain`]).
    pub async fn explain(
        &self,
        request: &crate::teach::explain::ExplainRequest,
    ) -> crate::teach::explain::Explanation {
        crate::teach::explain::explain(self, request).await
    }

    /// The topology being served.
    pub fn topology(&self) -> Arc<Topology> {
        self.topology.load_full()
    }

    /// Stops accepting, finishes requests in progress, and stops.
    pub async fn shutdown(mut self) {
        if let Some((_, control)) = self.control.take() {
            control.shutdown().await;
        }
        self.serving.https.shutdown().await;
        if let Some(dns) = self.dns.take() {
            dns.shutdown().await;
        }
    }
}
