//! Starting an emulator: [`EmulatorBuilder`]'s options, then [`EmulatorBuilder::start`], which
//! validates the scenario, makes certificates, binds every socket and starts serving, or says
//! why not ([`StartError`]) with nothing left running.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::loopback::{self, NonLoopbackError};
use super::ports::{self, PortChoice};
use super::ready::{absolute, ready_info};
use super::serving::{needs_petstore_backend, Serving};
use super::Emulator;
use crate::controlplane::{ControlPlane, ControlServer, StateStore, StoreError};
use crate::dataplane::dns::DnsServer;
use crate::dataplane::gateway::Gateway;
use crate::dataplane::integration::Integrations;
use crate::dataplane::tls::pki::{LocalCa, PkiError};
use crate::dataplane::tls::{self, TlsError};
use crate::model::topology::Topology;
use crate::scenario::config::{Config, ConfigError};
use crate::scenario::examples::{self, PetStoreBackend};

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
    /// The state directory cannot be used (or another emulator holds it).
    #[error(transparent)]
    State(#[from] StoreError),
    /// A listener would be beyond loopback without the opt-in.
    #[error(transparent)]
    NonLoopback(#[from] NonLoopbackError),
}

impl StartError {
    /// True when the scenario itself is at fault (the CLI exits with 2).
    pub fn is_config_error(&self) -> bool {
        matches!(self, StartError::Config(_) | StartError::NonLoopback(_))
    }
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
    allow_non_loopback: bool,
    /// The state file the scenario was restored from, if it was.
    restored_from: Option<PathBuf>,
}

/// The local CA and the TLS configuration of its server certificate.
struct Certificates {
    ca: LocalCa,
    tls_config: Arc<rustls::ServerConfig>,
    /// Holds the CA's temporary directory, when no certs directory was given.
    temp_dir: Option<tempfile::TempDir>,
}

impl EmulatorBuilder {
    /// Defaults: free loopback ports, a temporary CA, the control plane as the scenario says.
    pub(super) fn new(config: Config) -> EmulatorBuilder {
        EmulatorBuilder {
            config,
            certs_dir: None,
            dns_listen: None,
            https_port: None,
            ports: PortChoice::Ephemeral,
            control_listen: None,
            control_enabled: None,
            state_dir: None,
            allow_non_loopback: false,
            restored_from: None,
        }
    }

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

    /// Lets listeners be on addresses other than loopback (a container network, a LAN); a
    /// warning names them. Default: refused, whichever way the address comes in (see
    /// `loopback`).
    pub fn allow_non_loopback(mut self, allowed: bool) -> Self {
        self.allow_non_loopback = allowed;
        self
    }

    /// Validates the scenario, makes certificates, binds every socket, then starts serving.
    pub async fn start(mut self) -> Result<Emulator, StartError> {
        let mut notes = Vec::new();
        let control_enabled = self
            .control_enabled
            .or(self.config.emulator.control_plane.enabled)
            .unwrap_or(true);
        let store = self.restore_state(control_enabled, &mut notes)?;
        let topology;
        (self.config, topology) = validate(self.config, control_enabled)?;
        // Before anything is created or bound.
        self.check_loopback(&topology, control_enabled, &mut notes)?;
        let certs = make_certificates(self.certs_dir.clone(), &topology, &mut notes)?;
        let dns_listen = self.dns_listen.or(topology.settings.dns_listen);
        let (udp, tcp) = ports::bind_dns(dns_listen, self.ports, &mut notes).await?;
        let https_port = self.https_port.or(topology.settings.https_port);
        let (listeners, https_port) = ports::bind_https(
            topology.listen_addresses(),
            https_port,
            self.ports,
            &mut notes,
        )
        .await?;
        let backend = start_petstore_backend(&topology, control_enabled).await?;

        let mut ready = ready_info(
            &topology,
            udp.local_addr()?,
            certs.ca.cert_path(),
            https_port,
        );
        let topology = Arc::new(ArcSwap::from_pointee(topology));
        let dns = DnsServer::start(topology.clone(), udp, tcp)?;
        let gateway = new_gateway(&topology, backend.as_ref());
        let serving = Arc::new(Serving::start(
            &topology,
            listeners,
            certs.tls_config,
            &gateway,
            (https_port, self.allow_non_loopback),
            backend.is_some(),
        )?);
        let state_file = store.as_ref().map(|s| absolute(s.path()));
        let control = if control_enabled {
            let (plane, server) = self
                .start_control_plane(store, &serving, &gateway, &mut notes)
                .await?;
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
            ca_pem: certs.ca.cert_pem().to_string(),
            ca_path: certs.ca.cert_path().to_path_buf(),
            ready,
            notes,
            state_file,
            _temp_certs: certs.temp_dir,
        })
    }

    /// Opens the state directory, when the control plane runs and one is given; a state found
    /// there replaces the scenario.
    fn restore_state(
        &mut self,
        control_enabled: bool,
        notes: &mut Vec<String>,
    ) -> Result<Option<StateStore>, StartError> {
        let Some(dir) = self.state_dir.as_ref().filter(|_| control_enabled) else {
            return Ok(None);
        };
        let (store, restored) = StateStore::open(dir)?;
        if let Some(state) = restored {
            notes.push(format!(
                "restored the control plane's state from {}",
                absolute(store.path()).display()
            ));
            self.config = state;
            self.restored_from = Some(absolute(store.path()));
        }
        Ok(Some(store))
    }

    /// Applies the one loopback rule to every listener this start would open: DNS, each HTTPS
    /// address, the control plane, each named by where its address came from.
    fn check_loopback(
        &self,
        topology: &Topology,
        control_enabled: bool,
        notes: &mut Vec<String>,
    ) -> Result<(), StartError> {
        let origin = match &self.restored_from {
            Some(path) => format!("the state file {}", path.display()),
            None => self.config.origin().to_string(),
        };
        let settings = &self.config.emulator;
        let dns = loopback::socket_listener(
            "DNS",
            ("--dns-listen", self.dns_listen),
            ("$.emulator.dns.listen", settings.dns.listen),
            &origin,
        );
        let control = loopback::socket_listener(
            "the control plane",
            ("--control-plane-listen", self.control_listen),
            (
                "$.emulator.controlPlane.listen",
                settings.control_plane.listen,
            ),
            &origin,
        )
        .filter(|_| control_enabled);
        let listeners = dns
            .into_iter()
            .chain(loopback::https_listeners(topology, &origin, |_| false))
            .chain(control)
            .collect();
        let exposed = loopback::check_listeners(listeners, self.allow_non_loopback)?;
        if let Some(warning) = loopback::exposure_warning(&exposed) {
            tracing::warn!("{warning}");
            notes.push(warning);
        }
        Ok(())
    }

    /// Binds the control plane's port and serves it over `serving`'s topology.
    async fn start_control_plane(
        &self,
        store: Option<StateStore>,
        serving: &Arc<Serving>,
        gateway: &Arc<Gateway>,
        notes: &mut Vec<String>,
    ) -> Result<(Arc<ControlPlane>, ControlServer), StartError> {
        let listen = self
            .control_listen
            .or(self.config.emulator.control_plane.listen);
        let listener = ports::bind_control_plane(listen, self.ports, notes).await?;
        if let Some(store) = &store {
            // The state file exists from the first start on, not only after a change.
            store.save(&self.config)?;
        }
        let console = crate::controlplane::console::Console::new(
            serving.topology.clone(),
            gateway.clone(),
            serving.https_port,
        );
        let plane = ControlPlane::new(self.config.clone(), store, serving.clone(), console);
        let server = ControlServer::start(listener, plane.clone())?;
        Ok((plane, server))
    }
}

/// The topology `config` describes; with the control plane, the state it starts from too.
fn validate(config: Config, control_enabled: bool) -> Result<(Config, Topology), StartError> {
    if control_enabled {
        Ok(crate::controlplane::prepare(config)?)
    } else {
        let topology = Topology::from_config(&config)?;
        Ok((config, topology))
    }
}

/// Loads or creates the CA in `certs_dir` (default: a temporary directory) for the topology's
/// zones, and issues the server certificate.
fn make_certificates(
    certs_dir: Option<PathBuf>,
    topology: &Topology,
    notes: &mut Vec<String>,
) -> Result<Certificates, StartError> {
    let (temp_dir, certs_dir) = match certs_dir {
        Some(dir) => (None, dir),
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
    Ok(Certificates {
        ca,
        tls_config,
        temp_dir,
    })
}

/// The Example API's backend, only when an API uses it. With the control plane, an API
/// imported later may use it too.
async fn start_petstore_backend(
    topology: &Topology,
    control_enabled: bool,
) -> Result<Option<PetStoreBackend>, StartError> {
    if needs_petstore_backend(topology) || control_enabled {
        Ok(Some(PetStoreBackend::start().await?))
    } else {
        Ok(None)
    }
}

/// The request pipeline over `topology`, sending the demo backend's host to `backend`.
fn new_gateway(
    topology: &Arc<ArcSwap<Topology>>,
    backend: Option<&PetStoreBackend>,
) -> Arc<Gateway> {
    let mut overrides = HashMap::new();
    if let Some(b) = backend {
        overrides.insert(
            examples::petstore_backend_host(&topology.load().region),
            b.addr(),
        );
    }
    Arc::new(Gateway::new(
        topology.clone(),
        Integrations::new(overrides, &topology.load().settings.backend_cas),
    ))
}
