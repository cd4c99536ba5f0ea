//! The local addresses an endpoint is served on (one per subnet, from 127.0.1.1 up), written
//! down in the scenario once assigned so that later edits never move them.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use super::error::{checked, Ec2Error};
use crate::model::topology::Topology;
use crate::scenario::config::{Config, NetworkInterfaceConfig, VpcEndpointConfig};

/// The addresses the topology gave an endpoint, as the scenario writes them down.
fn assigned_interfaces(
    topology: &Topology,
    endpoint_id: &str,
) -> Option<Vec<NetworkInterfaceConfig>> {
    let t = topology.endpoint(endpoint_id)?;
    Some(
        t.network_interfaces
            .iter()
            .map(|n| NetworkInterfaceConfig {
                subnet_id: n.subnet_id.clone(),
                private_ip_address: n.address,
                ipv6_address: n.ipv6_address,
            })
            .collect(),
    )
}

/// Writes every endpoint's current local addresses into the scenario, so that later edits
/// (another endpoint deleted, a subnet added) never move an address a client already resolved.
pub(super) fn pin_addresses(state: &mut Config, topology: &Topology) {
    for e in &mut state.vpc_endpoints {
        if e.network_interfaces.is_none() {
            e.network_interfaces = assigned_interfaces(topology, &e.vpc_endpoint_id);
        }
    }
}

/// The lowest address from 127.0.1.1 up that nothing uses (the topology's own automatic range).
pub(super) fn free_address(state: &Config, topology: &Topology) -> IpAddr {
    let taken: BTreeSet<IpAddr> = topology
        .listen_addresses()
        .into_iter()
        .chain(
            state
                .vpc_endpoints
                .iter()
                .flat_map(|e| e.network_interfaces.iter().flatten())
                .map(|n| n.private_ip_address),
        )
        .collect();
    let mut candidate = u32::from(Ipv4Addr::new(127, 0, 1, 1));
    loop {
        let address = IpAddr::V4(Ipv4Addr::from(candidate));
        if !taken.contains(&address) {
            return address;
        }
        candidate = candidate.saturating_add(1);
    }
}

/// The state with a new endpoint, checked, with the addresses the topology just assigned it
/// pinned (see `pin_addresses`); only this endpoint's, so the call writes down nothing about
/// the others.
pub(super) fn with_pinned_endpoint(
    state: &Config,
    endpoint: VpcEndpointConfig,
) -> Result<(Config, Topology), Ec2Error> {
    let id = endpoint.vpc_endpoint_id.clone();
    let mut new_state = state.clone();
    new_state.vpc_endpoints.push(endpoint);
    let (mut new_state, topology) = checked(new_state)?;
    if let Some(nics) = assigned_interfaces(&topology, &id) {
        if let Some(e) = new_state
            .vpc_endpoints
            .iter_mut()
            .find(|e| e.vpc_endpoint_id == id)
        {
            e.network_interfaces = Some(nics);
        }
    }
    checked(new_state)
}
