//! The validated, immutable picture of what the emulator serves: VPCs, VPC endpoints with their
//! addresses and DNS names, REST APIs with their deployed stages.
//!
//! A [`Topology`] only comes from [`Topology::from_config`], which checks everything a request
//! or a DNS query could trip over; holding one means it is valid. Servers read it through an
//! `Arc` that is swapped whole, so the request path never waits for a writer.
//!
//! This module holds the [`Topology`] and its lookups. The validation lives in the submodules,
//! one per part of the scenario, each adding methods to the one `Builder` (in `builder`) that
//! names every error by its path and collects warnings.

mod builder;
mod definitions;
mod endpoints;
mod policies;
mod rest_apis;
mod security_groups;
mod settings;
mod stages;
#[cfg(test)]
mod tests;
mod vpcs;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use crate::aws::names::Region;
use crate::model::network::{self, ClientIdentity, ClientNetwork, SecurityGroup};
use crate::scenario::config::{Config, ConfigError, ConfigOrigin};

pub use endpoints::{DnsEntry, IpAddressType, NetworkInterface, VpcEndpoint};
pub use rest_apis::{EndpointType, RestApi};
pub use settings::{ConnectionLimits, LambdaFunction, Settings};
pub use stages::{AccessLogDestination, AccessLogSettings, Deployment, Stage};
pub use vpcs::{Subnet, Vpc};

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

impl Topology {
    /// Validates a scenario. Errors name the JSON path and what was expected.
    pub fn from_config(config: &Config) -> Result<Topology, ConfigError> {
        builder::Builder::new(config).build(config)
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
