//! The scenario's VPCs and their subnets, and the client networks: which local source addresses
//! stand for which addresses, VPCs and security groups in the AWS picture.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net};

use crate::aws::names::Region;
use crate::model::network::{ClientNetwork, SecurityGroup};
use crate::scenario::config::{ClientNetworkConfig, Config, ConfigError, SubnetConfig, VpcConfig};

use super::builder::Builder;

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

impl Builder {
    pub(super) fn vpcs(&self, config: &Config, region: &Region) -> Result<Vec<Vpc>, ConfigError> {
        let mut vpcs: Vec<Vpc> = Vec::new();
        // Subnet ids are unique across VPCs.
        let mut subnet_ids = HashSet::new();
        for (i, v) in config.vpcs.iter().enumerate() {
            let path = format!("$.vpcs[{i}]");
            self.resource_id(&v.vpc_id, "vpc", format!("{path}.vpcId"))?;
            if vpcs.iter().any(|x| x.id == v.vpc_id) {
                return Err(self.defined_twice(format!("{path}.vpcId"), &v.vpc_id));
            }
            vpcs.push(self.vpc(v, &path, region, &mut subnet_ids)?);
        }
        Ok(vpcs)
    }

    fn vpc(
        &self,
        v: &VpcConfig,
        path: &str,
        region: &Region,
        subnet_ids: &mut HashSet<String>,
    ) -> Result<Vpc, ConfigError> {
        let cidr: Ipv4Net = self.parsed(
            &v.cidr_block,
            format!("{path}.cidrBlock"),
            "expected an IPv4 CIDR such as \"172.31.0.0/16\"",
        )?;
        let mut subnets = Vec::new();
        for (j, s) in v.subnets.iter().enumerate() {
            let spath = format!("{path}.subnets[{j}]");
            self.resource_id(&s.subnet_id, "subnet", format!("{spath}.subnetId"))?;
            if !subnet_ids.insert(s.subnet_id.clone()) {
                return Err(self.defined_twice(format!("{spath}.subnetId"), &s.subnet_id));
            }
            subnets.push(self.subnet(s, &spath, region, cidr)?);
        }
        Ok(Vpc {
            id: v.vpc_id.clone(),
            cidr,
            subnets,
        })
    }

    /// A subnet: in an Availability Zone of the Region, inside its VPC's CIDR.
    fn subnet(
        &self,
        s: &SubnetConfig,
        spath: &str,
        region: &Region,
        vpc_cidr: Ipv4Net,
    ) -> Result<Subnet, ConfigError> {
        let az_ok = s
            .availability_zone
            .strip_prefix(region.name.as_str())
            .is_some_and(|rest| rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase()));
        if !az_ok {
            return Err(self.err(
                format!("{spath}.availabilityZone"),
                format!(
                    "expected an Availability Zone of {} such as \"{}a\", found {:?}",
                    region.name, region.name, s.availability_zone
                ),
            ));
        }
        let cidr: Ipv4Net = self.parsed(
            &s.cidr_block,
            format!("{spath}.cidrBlock"),
            &format!("expected an IPv4 CIDR inside {vpc_cidr}"),
        )?;
        if !vpc_cidr.contains(&cidr) {
            return Err(self.err(
                format!("{spath}.cidrBlock"),
                format!("{cidr} is not inside the VPC's {vpc_cidr}"),
            ));
        }
        Ok(Subnet {
            id: s.subnet_id.clone(),
            availability_zone: s.availability_zone.clone(),
            cidr,
        })
    }

    /// The client networks, most specific source first (the order they are matched in).
    pub(super) fn client_networks(
        &self,
        config: &Config,
        vpcs: &[Vpc],
        groups: &BTreeMap<String, Arc<SecurityGroup>>,
    ) -> Result<Vec<ClientNetwork>, ConfigError> {
        let mut networks = Vec::new();
        for (i, c) in config.emulator.clients.iter().enumerate() {
            let path = format!("$.emulator.clients[{i}]");
            networks.push(self.client_network(c, &path, vpcs, groups)?);
        }
        networks.sort_by_key(|n| std::cmp::Reverse(n.source.prefix_len()));
        Ok(networks)
    }

    fn client_network(
        &self,
        c: &ClientNetworkConfig,
        path: &str,
        vpcs: &[Vpc],
        groups: &BTreeMap<String, Arc<SecurityGroup>>,
    ) -> Result<ClientNetwork, ConfigError> {
        let source: IpNet = self.parsed(
            &c.source_cidr,
            format!("{path}.sourceCidr"),
            "expected a CIDR of local addresses such as \"127.0.2.0/24\"",
        )?;
        let appears_as = match &c.appears_as {
            None => None,
            Some(text) => Some(self.appears_as(text, source, path)?),
        };
        if let Some(vpc_id) = &c.vpc_id {
            if !vpcs.iter().any(|v| &v.id == vpc_id) {
                return Err(self.not_in_scenario(format!("{path}.vpcId"), vpc_id, "vpcs"));
            }
        }
        for (j, g) in c.security_group_ids.iter().enumerate() {
            if !groups.contains_key(g) {
                return Err(self.not_in_scenario(
                    format!("{path}.securityGroupIds[{j}]"),
                    g,
                    "securityGroups",
                ));
            }
        }
        Ok(ClientNetwork {
            name: c.name.clone(),
            source: source.trunc(),
            appears_as,
            vpc_id: c.vpc_id.clone(),
            security_group_ids: c.security_group_ids.clone(),
        })
    }

    /// The addresses a client network stands for: of the same family as its local sources.
    fn appears_as(&self, text: &str, source: IpNet, path: &str) -> Result<IpNet, ConfigError> {
        let net: IpNet = self.parsed(
            text,
            format!("{path}.appearsAs"),
            "expected a CIDR such as \"10.20.0.0/24\"",
        )?;
        if net.addr().is_ipv4() != source.addr().is_ipv4() {
            return Err(self.err(
                format!("{path}.appearsAs"),
                "expected the same address family as sourceCidr",
            ));
        }
        Ok(net.trunc())
    }
}
