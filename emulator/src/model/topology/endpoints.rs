//! Interface VPC endpoints for execute-api: their subnets and security groups, the local
//! addresses that stand for their network interfaces, the DNS names AWS gives them, and the
//! index that finds an endpoint by address or name. Also the public endpoint's addresses, which
//! must stay clear of the endpoints'.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::aws::names::{self, Region};
use crate::model::network::SecurityGroup;
use crate::scenario::config::{Config, ConfigError, NetworkInterfaceConfig, VpcEndpointConfig};
use iam_policy::{Policy, PolicyScope};

use super::builder::Builder;
use super::policies::policy_scope;
use super::rest_apis::{EndpointType, RestApi};
use super::vpcs::{Subnet, Vpc};
use super::DnsAnswer;

/// An endpoint's `IpAddressType`, as EC2 spells it in `describe-vpc-endpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpAddressType {
    /// `ipv4`: interfaces with an IPv4 address only (the default).
    Ipv4,
    /// `dualstack`: each interface also has an IPv6 address.
    Dualstack,
}

impl IpAddressType {
    /// `ipv4` or `dualstack`.
    pub fn as_str(self) -> &'static str {
        match self {
            IpAddressType::Ipv4 => "ipv4",
            IpAddressType::Dualstack => "dualstack",
        }
    }
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
    /// Which address families its interfaces have.
    pub ip_address_type: IpAddressType,
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

    fn in_subnet(subnet: &Subnet, address: IpAddr, ipv6_address: Option<IpAddr>) -> Self {
        NetworkInterface {
            subnet_id: subnet.id.clone(),
            availability_zone: subnet.availability_zone.clone(),
            address,
            ipv6_address,
        }
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

/// The first automatically assigned interface address; further ones count up.
const FIRST_AUTO_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 1, 1);

/// The local addresses network interfaces take, each by one interface only.
struct AddressPool {
    used: HashSet<IpAddr>,
    next_auto: u32,
}

impl AddressPool {
    /// Takes `address`; false when another interface has it.
    fn claim(&mut self, address: IpAddr) -> bool {
        self.used.insert(address)
    }

    /// Takes the next free automatic address.
    fn next_auto(&mut self) -> IpAddr {
        loop {
            let candidate = IpAddr::V4(Ipv4Addr::from(self.next_auto));
            self.next_auto += 1;
            if self.used.insert(candidate) {
                return candidate;
            }
        }
    }
}

/// What every endpoint of the scenario is checked against.
struct EndpointContext<'c> {
    region: &'c Region,
    service_name: String,
    vpcs: &'c [Vpc],
    groups: &'c BTreeMap<String, Arc<SecurityGroup>>,
    policy_scope: PolicyScope,
}

/// Where the endpoints answer, by local address and by DNS name.
pub(super) struct EndpointIndex {
    /// `Some(i)`: an interface of endpoint `i`; `None`: the public endpoint.
    pub(super) frontend_by_address: HashMap<IpAddr, Option<usize>>,
    /// The endpoint whose private DNS names each VPC sees.
    pub(super) private_dns_by_vpc: HashMap<String, usize>,
    pub(super) dns_names: HashMap<String, DnsAnswer>,
}

impl Builder {
    pub(super) fn endpoints(
        &self,
        config: &Config,
        region: &Region,
        vpcs: &[Vpc],
        groups: &BTreeMap<String, Arc<SecurityGroup>>,
    ) -> Result<Vec<Arc<VpcEndpoint>>, ConfigError> {
        let cx = EndpointContext {
            region,
            service_name: region.execute_api_service_name(),
            vpcs,
            groups,
            policy_scope: policy_scope(region, &config.account_id, None),
        };
        // Explicit addresses first, so automatic ones can step around them.
        let mut pool = AddressPool {
            used: self.explicit_addresses(config)?,
            next_auto: u32::from(FIRST_AUTO_ADDRESS),
        };
        let mut endpoints: Vec<Arc<VpcEndpoint>> = Vec::new();
        for (i, e) in config.vpc_endpoints.iter().enumerate() {
            let path = format!("$.vpcEndpoints[{i}]");
            self.endpoint_id(e, &path, &endpoints)?;
            endpoints.push(Arc::new(self.endpoint(e, &path, &cx, &mut pool)?));
        }
        Ok(endpoints)
    }

    /// The IPv4 addresses the scenario gives interfaces, each at most once.
    fn explicit_addresses(&self, config: &Config) -> Result<HashSet<IpAddr>, ConfigError> {
        let mut used = HashSet::new();
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
        Ok(used)
    }

    fn endpoint_id(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
        earlier: &[Arc<VpcEndpoint>],
    ) -> Result<(), ConfigError> {
        if !names::is_resource_id(&e.vpc_endpoint_id, "vpce") {
            return Err(self.err(
                format!("{path}.vpcEndpointId"),
                format!("expected \"vpce-\" and 17 (or 8) hexadecimal digits such as \"vpce-01234567890abcdef\", found {:?}", e.vpc_endpoint_id),
            ));
        }
        if earlier.iter().any(|x| x.id == e.vpc_endpoint_id) {
            return Err(self.defined_twice(format!("{path}.vpcEndpointId"), &e.vpc_endpoint_id));
        }
        Ok(())
    }

    fn endpoint(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
        cx: &EndpointContext<'_>,
        pool: &mut AddressPool,
    ) -> Result<VpcEndpoint, ConfigError> {
        self.endpoint_service(e, path, &cx.service_name)?;
        let vpc = self.endpoint_vpc(e, path, cx.vpcs)?;
        let ip_address_type = self.ip_address_type(e, path)?;
        let security_groups = self.endpoint_security_groups(e, path, cx.groups)?;
        let subnets = self.endpoint_subnets(e, path, vpc)?;
        let policy = match &e.policy_document {
            None => Policy::full_access(),
            Some(doc) => self.policy(doc, &format!("{path}.policyDocument"), &cx.policy_scope)?,
        };
        let network_interfaces = match &e.network_interfaces {
            Some(given) => {
                self.given_interfaces(e, given, &subnets, ip_address_type, path, pool)?
            }
            None => self.automatic_interfaces(&subnets, ip_address_type, path, pool)?,
        };
        let suffix = self.dns_name_suffix(e, path)?;
        Ok(VpcEndpoint {
            dns_entries: dns_entries(cx.region, &e.vpc_endpoint_id, &suffix, &network_interfaces),
            id: e.vpc_endpoint_id.clone(),
            vpc_id: e.vpc_id.clone(),
            service_name: e.service_name.clone(),
            private_dns_enabled: e.private_dns_enabled,
            ip_address_type,
            security_groups,
            policy: Arc::new(policy),
            network_interfaces,
        })
    }

    /// An interface endpoint of this Region's execute-api, the only kind private APIs take.
    fn endpoint_service(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
        service_name: &str,
    ) -> Result<(), ConfigError> {
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
        Ok(())
    }

    fn endpoint_vpc<'v>(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
        vpcs: &'v [Vpc],
    ) -> Result<&'v Vpc, ConfigError> {
        vpcs.iter().find(|v| v.id == e.vpc_id).ok_or_else(|| {
            let known: Vec<&str> = vpcs.iter().map(|v| v.id.as_str()).collect();
            self.err(
                format!("{path}.vpcId"),
                format!("{} is not one of the scenario's vpcs {known:?}", e.vpc_id),
            )
        })
    }

    fn ip_address_type(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
    ) -> Result<IpAddressType, ConfigError> {
        match e.ip_address_type.as_deref() {
            None | Some("ipv4") => Ok(IpAddressType::Ipv4),
            Some("dualstack") => Ok(IpAddressType::Dualstack),
            Some(other) => Err(self.err(
                format!("{path}.ipAddressType"),
                format!("expected \"ipv4\" or \"dualstack\", found {other:?}"),
            )),
        }
    }

    /// The endpoint's security groups, each of its own VPC; `None` when it names none.
    fn endpoint_security_groups(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
        groups: &BTreeMap<String, Arc<SecurityGroup>>,
    ) -> Result<Option<Vec<Arc<SecurityGroup>>>, ConfigError> {
        let Some(ids) = &e.security_group_ids else {
            return Ok(None);
        };
        let mut found = Vec::new();
        for (j, id) in ids.iter().enumerate() {
            let at = format!("{path}.securityGroupIds[{j}]");
            let g = groups
                .get(id)
                .ok_or_else(|| self.not_in_scenario(&at, id, "securityGroups"))?;
            if g.vpc_id != e.vpc_id {
                return Err(self.err(
                    at,
                    format!(
                        "{id} belongs to {}, not to the endpoint's {}",
                        g.vpc_id, e.vpc_id
                    ),
                ));
            }
            found.push(g.clone());
        }
        Ok(Some(found))
    }

    /// The endpoint's subnets: at least one, of its VPC, one per Availability Zone.
    fn endpoint_subnets<'v>(
        &self,
        e: &VpcEndpointConfig,
        path: &str,
        vpc: &'v Vpc,
    ) -> Result<Vec<&'v Subnet>, ConfigError> {
        if e.subnet_ids.is_empty() {
            return Err(self.err(format!("{path}.subnetIds"), "expected at least one subnet"));
        }
        let mut subnets: Vec<&Subnet> = Vec::new();
        for (j, id) in e.subnet_ids.iter().enumerate() {
            let subnet = vpc.subnets.iter().find(|s| &s.id == id).ok_or_else(|| {
                self.err(
                    format!("{path}.subnetIds[{j}]"),
                    format!("{id} is not a subnet of {}", vpc.id),
                )
            })?;
            if subnets
                .iter()
                .any(|s| s.availability_zone == subnet.availability_zone)
            {
                return Err(self.err(
                    format!("{path}.subnetIds[{j}]"),
                    format!(
                        "an endpoint takes one subnet per Availability Zone; {} is already used",
                        subnet.availability_zone
                    ),
                ));
            }
            subnets.push(subnet);
        }
        Ok(subnets)
    }

    /// The interfaces the scenario gives: one for each subnet, and none for another.
    fn given_interfaces(
        &self,
        e: &VpcEndpointConfig,
        given: &[NetworkInterfaceConfig],
        subnets: &[&Subnet],
        ip_address_type: IpAddressType,
        path: &str,
        pool: &mut AddressPool,
    ) -> Result<Vec<NetworkInterface>, ConfigError> {
        let mut interfaces = Vec::new();
        for s in subnets {
            let nic = given.iter().find(|n| n.subnet_id == s.id).ok_or_else(|| {
                self.err(
                    format!("{path}.networkInterfaces"),
                    format!("expected an interface for subnet {}", s.id),
                )
            })?;
            interfaces.push(self.given_interface(nic, s, ip_address_type, path, pool)?);
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
        Ok(interfaces)
    }

    fn given_interface(
        &self,
        nic: &NetworkInterfaceConfig,
        s: &Subnet,
        ip_address_type: IpAddressType,
        path: &str,
        pool: &mut AddressPool,
    ) -> Result<NetworkInterface, ConfigError> {
        let at = format!("{path}.networkInterfaces");
        if !nic.private_ip_address.is_ipv4() {
            return Err(self.err(
                at,
                format!(
                    "privateIpAddress of subnet {} must be IPv4; IPv6 goes in ipv6Address",
                    s.id
                ),
            ));
        }
        let ipv6_address = self.interface_ipv6(nic, s, ip_address_type, &at)?;
        if let Some(v6) = ipv6_address {
            if !pool.claim(v6) {
                return Err(self.err(
                    at,
                    format!("{v6} is already used by another network interface"),
                ));
            }
        }
        Ok(NetworkInterface::in_subnet(
            s,
            nic.private_ip_address,
            ipv6_address,
        ))
    }

    /// A dual-stack endpoint's interface has an IPv6 address; an IPv4-only one's has none.
    fn interface_ipv6(
        &self,
        nic: &NetworkInterfaceConfig,
        s: &Subnet,
        ip_address_type: IpAddressType,
        at: &str,
    ) -> Result<Option<IpAddr>, ConfigError> {
        match (ip_address_type, nic.ipv6_address) {
            (IpAddressType::Dualstack, Some(v6)) if v6.is_ipv6() => Ok(Some(v6)),
            (IpAddressType::Dualstack, _) => Err(self.err(
                at,
                format!("a dualstack endpoint needs an IPv6 ipv6Address for subnet {} (e.g. \"::1\", or one added with `ip -6 addr add fd00::10/128 dev lo`)", s.id),
            )),
            (_, Some(_)) => Err(self.err(at, "ipv6Address needs \"ipAddressType\": \"dualstack\"")),
            _ => Ok(None),
        }
    }

    /// One interface per subnet on the next free automatic addresses (IPv4 only: IPv6
    /// addresses must exist on this machine, so the scenario names them).
    fn automatic_interfaces(
        &self,
        subnets: &[&Subnet],
        ip_address_type: IpAddressType,
        path: &str,
        pool: &mut AddressPool,
    ) -> Result<Vec<NetworkInterface>, ConfigError> {
        if ip_address_type == IpAddressType::Dualstack {
            return Err(self.err(
                format!("{path}.networkInterfaces"),
                "a dualstack endpoint needs networkInterfaces with an ipv6Address each (local IPv6 addresses must exist on this machine, e.g. \"::1\")",
            ));
        }
        Ok(subnets
            .iter()
            .map(|s| NetworkInterface::in_subnet(s, pool.next_auto(), None))
            .collect())
    }

    /// The 8 characters in the endpoint's DNS names: given, or derived from its id.
    fn dns_name_suffix(&self, e: &VpcEndpointConfig, path: &str) -> Result<String, ConfigError> {
        match &e.dns_name_suffix {
            Some(s)
                if s.len() == 8
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
            {
                Ok(s.clone())
            }
            Some(s) => Err(self.err(
                format!("{path}.dnsNameSuffix"),
                format!("expected 8 lowercase letters and digits, found {s:?}"),
            )),
            None => Ok(names::endpoint_dns_suffix(&e.vpc_endpoint_id)),
        }
    }

    /// Indexes the endpoints by address and DNS name; one endpoint per VPC may have private DNS.
    pub(super) fn endpoint_index(
        &self,
        endpoints: &[Arc<VpcEndpoint>],
    ) -> Result<EndpointIndex, ConfigError> {
        let mut index = EndpointIndex {
            frontend_by_address: HashMap::new(),
            private_dns_by_vpc: HashMap::new(),
            dns_names: HashMap::new(),
        };
        for (i, endpoint) in endpoints.iter().enumerate() {
            for nic in &endpoint.network_interfaces {
                for address in nic.addresses() {
                    index.frontend_by_address.insert(address, Some(i));
                }
            }
            if endpoint.private_dns_enabled {
                if let Some(other) = index.private_dns_by_vpc.insert(endpoint.vpc_id.clone(), i) {
                    // Route 53 allows one private hosted zone for these names per VPC.
                    return Err(self.err(
                        format!("$.vpcEndpoints[{i}].privateDnsEnabled"),
                        format!(
                            "{} already has private DNS names for execute-api in {}; only one endpoint per VPC can",
                            endpoints[other].id, endpoint.vpc_id
                        ),
                    ));
                }
            }
            for entry in &endpoint.dns_entries {
                index.dns_names.insert(
                    entry.dns_name.clone(),
                    DnsAnswer {
                        addresses: entry.addresses.clone().into(),
                    },
                );
            }
        }
        Ok(index)
    }

    /// The public endpoint's addresses: configured, or 127.0.0.2 when a REGIONAL or EDGE API exists.
    pub(super) fn public_addresses(
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
}

/// DNS names in AWS's order: the regional name for every interface, then one per zone.
fn dns_entries(
    region: &Region,
    endpoint_id: &str,
    suffix: &str,
    interfaces: &[NetworkInterface],
) -> Vec<DnsEntry> {
    let regional = DnsEntry {
        dns_name: names::regional_endpoint_name(region, endpoint_id, suffix),
        addresses: interfaces
            .iter()
            .map(|n| n.address)
            .chain(interfaces.iter().filter_map(|n| n.ipv6_address))
            .collect(),
    };
    let zonal = interfaces.iter().map(|nic| DnsEntry {
        dns_name: names::zonal_endpoint_name(region, endpoint_id, suffix, &nic.availability_zone),
        addresses: nic.addresses().collect(),
    });
    std::iter::once(regional).chain(zonal).collect()
}
