//! The one rule for where the emulator may listen: loopback (127.0.0.0/8, `::1`) only, unless
//! the caller opted in to other addresses ([`super::EmulatorBuilder::allow_non_loopback`], the
//! CLI's `--allow-non-loopback`). Every listener goes through [`check_listeners`], whichever way
//! its address came in: a flag, the scenario, a state file restored at start, a reload or a
//! control-plane change that moves an endpoint.
//!
//! Why: anyone who reaches a listener can use the emulator (the control plane opens security
//! groups and creates APIs), and is served certificates from a CA they should not trust.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::model::topology::Topology;

/// One address the emulator is about to listen on, and what asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// What serves there: `DNS`, `HTTPS for vpce-…`, `the control plane`.
    pub service: String,
    /// The address.
    pub ip: IpAddr,
    /// Where the address came from: `--dns-listen`, `$.emulator.dns.listen in FILE`, ...
    pub source: String,
}

impl Listener {
    /// A listener on `ip` for `service`, named by `source`.
    pub(super) fn new(service: impl Into<String>, ip: IpAddr, source: impl Into<String>) -> Self {
        Listener {
            service: service.into(),
            ip,
            source: source.into(),
        }
    }
}

/// Listeners beyond loopback without the opt-in. Names every address and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NonLoopbackError {
    /// The refused listeners.
    pub listeners: Vec<Listener>,
}

impl fmt::Display for NonLoopbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the emulator listens on {} beyond loopback ({}); other machines could reach the emulator and would be served certificates from a CA they should not trust. Pass --allow-non-loopback (or APIGW_EMULATOR_ALLOW_NON_LOOPBACK=true; EmulatorBuilder::allow_non_loopback in the library) if that is intended, e.g. on a container network",
            addresses(&self.listeners),
            details(&self.listeners)
        )
    }
}

/// Whether `ip` is loopback: 127.0.0.0/8 or `::1` (an IPv4-mapped 127.x too: it is the same
/// interface).
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The rule: every listener on loopback, or `allowed` (the explicit opt-in). Returns those beyond
/// loopback that the opt-in lets through (for a warning), or refuses them all by name.
pub fn check_listeners(
    listeners: Vec<Listener>,
    allowed: bool,
) -> Result<Vec<Listener>, NonLoopbackError> {
    let exposed: Vec<Listener> = listeners
        .into_iter()
        .filter(|l| !is_loopback(l.ip))
        .collect();
    if exposed.is_empty() || allowed {
        Ok(exposed)
    } else {
        Err(NonLoopbackError { listeners: exposed })
    }
}

/// The warning the opt-in gets: which addresses are exposed.
pub(super) fn exposure_warning(exposed: &[Listener]) -> Option<String> {
    (!exposed.is_empty()).then(|| {
        format!(
            "listening beyond loopback on {} (--allow-non-loopback): anyone who can reach these addresses can use the emulator",
            addresses(exposed)
        )
    })
}

/// The distinct addresses, in order: `0.0.0.0, 172.31.0.10`.
fn addresses(listeners: &[Listener]) -> String {
    let mut seen: Vec<IpAddr> = Vec::with_capacity(listeners.len());
    for l in listeners {
        if !seen.contains(&l.ip) {
            seen.push(l.ip);
        }
    }
    seen.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `DNS on 0.0.0.0 from $.emulator.dns.listen in FILE; HTTPS for vpce-… on …`.
fn details(listeners: &[Listener]) -> String {
    listeners
        .iter()
        .map(|l| format!("{} on {} from {}", l.service, l.ip, l.source))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A listener whose address is given as a socket address (DNS, the control plane): from the
/// caller's `flag` when set, else from the scenario's `json_path`, else the loopback default
/// (which needs no check).
pub(super) fn socket_listener(
    service: &str,
    flag: (&str, Option<SocketAddr>),
    scenario: (&str, Option<SocketAddr>),
    origin: &str,
) -> Option<Listener> {
    match (flag.1, scenario.1) {
        (Some(a), _) => Some(Listener::new(service, a.ip(), flag.0)),
        (None, Some(a)) => Some(Listener::new(
            service,
            a.ip(),
            format!("{} in {origin}", scenario.0),
        )),
        (None, None) => None,
    }
}

/// The HTTPS listeners `topology` asks for (endpoint interfaces, then the public endpoint),
/// except those on `skip` (already listened on), naming the scenario part each comes from.
pub(super) fn https_listeners(
    topology: &Topology,
    origin: &str,
    skip: impl Fn(IpAddr) -> bool,
) -> Vec<Listener> {
    let mut out = Vec::new();
    for (i, e) in topology.vpc_endpoints.iter().enumerate() {
        for nic in &e.network_interfaces {
            for ip in nic.addresses().filter(|ip| !skip(*ip)) {
                out.push(Listener::new(
                    format!("HTTPS for {}", e.id),
                    ip,
                    format!("$.vpcEndpoints[{i}].networkInterfaces in {origin}"),
                ));
            }
        }
    }
    for ip in topology
        .public_addresses
        .iter()
        .copied()
        .filter(|ip| !skip(*ip))
    {
        out.push(Listener::new(
            "HTTPS for the public endpoint",
            ip,
            format!("$.emulator.publicEndpoint.addresses in {origin}"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(ip: &str) -> Listener {
        Listener::new("DNS", ip.parse().unwrap(), "--dns-listen")
    }

    #[test]
    fn loopback_is_127_slash_8_and_the_ipv6_loopback() {
        for ip in ["127.0.0.1", "127.255.0.3", "::1", "::ffff:127.0.0.1"] {
            assert!(is_loopback(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::2", "fe80::1"] {
            assert!(!is_loopback(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn beyond_loopback_is_refused_by_name_unless_allowed() {
        let listeners = vec![l("127.0.0.1"), l("0.0.0.0"), l("0.0.0.0")];
        let err = check_listeners(listeners.clone(), false).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("the emulator listens on 0.0.0.0 beyond loopback (DNS on 0.0.0.0 from --dns-listen; "),
            "{text}"
        );
        assert!(text.contains("Pass --allow-non-loopback"), "{text}");
        let allowed = check_listeners(listeners, true).unwrap();
        assert_eq!(allowed.len(), 2);
        assert!(check_listeners(vec![l("127.0.0.9")], false)
            .unwrap()
            .is_empty());
    }
}
