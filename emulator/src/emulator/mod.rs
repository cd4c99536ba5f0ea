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
//!
//! [`EmulatorBuilder`] (in `builder`) starts one; `ports` binds its sockets, `ready` describes
//! them, and `serving` swaps in a new topology on reload.

mod builder;
mod loopback;
mod ports;
mod ready;
mod serving;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::controlplane::{ControlPlane, ControlServer};
use crate::dataplane::dns::DnsServer;
use crate::dataplane::gateway::Gateway;
use crate::model::topology::Topology;
use crate::scenario::config::{Config, ConfigError};
use crate::scenario::examples::PetStoreBackend;
use ready::ready_info;
use serving::Serving;

pub use builder::{EmulatorBuilder, StartError};
pub use loopback::NonLoopbackError;
pub use ports::PortChoice;
pub use ready::{ReadyApi, ReadyDnsEntry, ReadyEndpoint, ReadyInfo, ReadyPublicEndpoint};

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
    /// The control plane's state file, with `--state-dir`.
    state_file: Option<PathBuf>,
    _temp_certs: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("ready", &self.ready)
            .finish()
    }
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
    /// A new endpoint address is beyond loopback without the opt-in.
    #[error(transparent)]
    NonLoopback(#[from] NonLoopbackError),
    /// With a state directory the control plane's state is kept: it holds acknowledged changes
    /// the scenario does not have.
    #[error("kept the control plane's state from {} ({rest_apis} REST APIs, {vpc_endpoints} VPC endpoints): with a state directory a reload does not replace it with the scenario (to start from the scenario again, stop the emulator and move that file away)", path.display())]
    StateKept {
        /// The state file.
        path: PathBuf,
        /// How many REST APIs the state has.
        rest_apis: usize,
        /// How many VPC endpoints it has.
        vpc_endpoints: usize,
    },
}

impl Emulator {
    /// Serves `config` from now on, if it is valid and changes nothing that needs new sockets or
    /// certificates (endpoint addresses, Region, TLS settings, DNS settings). On any error the
    /// scenario being served stays in force, whole: requests never see a half-applied change.
    /// Returns the new scenario's warnings.
    ///
    /// With a state directory, nothing is replaced ([`ReloadError::StateKept`]): the state holds
    /// changes the control plane acknowledged, which the scenario would silently drop.
    pub fn reload(&mut self, config: Config) -> Result<Vec<ConfigError>, ReloadError> {
        self.check_no_state_dir()?;
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
            (Some((plane, _)), Some(config)) => plane
                .reload(config, new)
                .map_err(|e| ReloadError::Listen(e.to_string()))?,
            _ => self.serving.apply(new)?,
        }
        let control_plane_endpoint = self.ready.control_plane_endpoint.take();
        self.ready = ready;
        self.ready.control_plane_endpoint = control_plane_endpoint;
        Ok(warnings)
    }

    /// Refuses a reload over the state directory's state, saying what is kept.
    fn check_no_state_dir(&self) -> Result<(), ReloadError> {
        match (&self.state_file, &self.control) {
            (Some(path), Some((plane, _))) => {
                let state = plane.state();
                Err(ReloadError::StateKept {
                    path: path.clone(),
                    rest_apis: state.rest_apis.len(),
                    vpc_endpoints: state.vpc_endpoints.len(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Starts `config` on free loopback ports with a temporary CA: the test-friendly default.
    pub async fn start(config: Config) -> Result<Emulator, StartError> {
        Emulator::builder(config).start().await
    }

    /// A builder to choose the certs directory and ports.
    pub fn builder(config: Config) -> EmulatorBuilder {
        EmulatorBuilder::new(config)
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
