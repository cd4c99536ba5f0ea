//! What serves the current topology once started, and how a new topology replaces it at run
//! time (a reload or a control-plane change): checked, new addresses bound, then swapped whole.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;

use super::loopback;
use super::ports::{bind_error, tcp_listener, HTTPS};
use super::ReloadError;
use crate::controlplane::{ApplyError, ApplyTopology};
use crate::dataplane::gateway::server::HttpsServer;
use crate::dataplane::gateway::Gateway;
use crate::model::topology::Topology;
use crate::scenario::examples;

/// What serves the current topology, shared by reloads and the control plane: each applies a
/// new topology through [`Serving::apply`], one at a time.
pub(super) struct Serving {
    pub(super) topology: Arc<ArcSwap<Topology>>,
    pub(super) https: HttpsServer,
    pub(super) https_port: u16,
    has_petstore_backend: bool,
    /// Whether listeners beyond loopback were allowed at start (see `loopback`).
    allow_non_loopback: bool,
    /// Serializes appliers; the request path never takes it.
    apply_lock: std::sync::Mutex<()>,
}

impl Serving {
    /// Serves HTTPS for `topology` on `listeners` (all on `https_port`) through `gateway`;
    /// later addresses beyond loopback only when `allow_non_loopback`.
    pub(super) fn start(
        topology: &Arc<ArcSwap<Topology>>,
        listeners: Vec<TcpListener>,
        tls_config: Arc<rustls::ServerConfig>,
        gateway: &Arc<Gateway>,
        (https_port, allow_non_loopback): (u16, bool),
        has_petstore_backend: bool,
    ) -> std::io::Result<Serving> {
        let https = HttpsServer::start(
            listeners,
            tls_config,
            gateway.clone(),
            topology.load().settings.connection_limits,
        )?;
        Ok(Serving {
            topology: topology.clone(),
            https,
            https_port,
            has_petstore_backend,
            allow_non_loopback,
            apply_lock: std::sync::Mutex::new(()),
        })
    }

    /// Serves `new` from now on, if only what can change at run time changes: APIs, policies,
    /// endpoints and their addresses (listeners are added and removed on the same port). Binds
    /// new addresses before anything is swapped, so a failure leaves everything as it was.
    pub(super) fn apply(&self, new: Topology) -> Result<(), ReloadError> {
        let _one_at_a_time = self
            .apply_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let old = self.topology.load_full();
        self.check_restart_not_needed(&old, &new)?;
        let old_addresses: HashSet<IpAddr> = old.listen_addresses().into_iter().collect();
        let new_addresses: HashSet<IpAddr> = new.listen_addresses().into_iter().collect();
        let added = self.bind_added(&new, &old_addresses)?;
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

    /// Refuses a change to what was fixed at start: DNS zones, certificates, sockets, the
    /// Example API's backend.
    fn check_restart_not_needed(&self, old: &Topology, new: &Topology) -> Result<(), ReloadError> {
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
        if needs_petstore_backend(new) && !self.has_petstore_backend {
            return Err(ReloadError::NeedsRestart(
                "an API now uses the Example API's demo backend, which starts with the emulator"
                    .to_string(),
            ));
        }
        Ok(())
    }

    /// Listeners for the addresses `new` has and `old_addresses` lacks, in `new`'s order; the
    /// loopback rule decides first, as at start.
    fn bind_added(
        &self,
        new: &Topology,
        old_addresses: &HashSet<IpAddr>,
    ) -> Result<Vec<TcpListener>, ReloadError> {
        let origin = new.origin.to_string();
        let asked = loopback::https_listeners(new, &origin, |ip| old_addresses.contains(&ip));
        let exposed = loopback::check_listeners(asked, self.allow_non_loopback)?;
        if let Some(warning) = loopback::exposure_warning(&exposed) {
            tracing::warn!("{warning}");
        }
        let mut added = Vec::new();
        for ip in new.listen_addresses() {
            if !old_addresses.contains(&ip) {
                let addr = SocketAddr::new(ip, self.https_port);
                let listener = tcp_listener(addr).map_err(|e| {
                    ReloadError::Listen(bind_error(HTTPS.in_errors, addr, e).to_string())
                })?;
                added.push(listener);
            }
        }
        Ok(added)
    }
}

impl ApplyTopology for Serving {
    fn serve(&self, topology: Topology) -> Result<(), ApplyError> {
        Serving::apply(self, topology).map_err(|e| ApplyError::Refused(e.to_string()))
    }
}

/// Whether an API calls the Example API's demo backend (the console's example, or AWS's own
/// export of it, which names the demo host too).
pub(super) fn needs_petstore_backend(topology: &Topology) -> bool {
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
