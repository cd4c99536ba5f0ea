//! The scenario's security groups and their inbound rules, in the shape EC2's
//! `DescribeSecurityGroups` returns them.

use std::collections::BTreeMap;
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::model::network::{IngressRule, RuleProtocol, SecurityGroup};
use crate::scenario::config::{Config, ConfigError, IpPermissionConfig, SecurityGroupConfig};

use super::builder::Builder;
use super::vpcs::Vpc;

impl Builder {
    pub(super) fn security_groups(
        &self,
        config: &Config,
        vpcs: &[Vpc],
    ) -> Result<BTreeMap<String, Arc<SecurityGroup>>, ConfigError> {
        let mut groups = BTreeMap::new();
        for (i, g) in config.security_groups.iter().enumerate() {
            let path = format!("$.securityGroups[{i}]");
            self.resource_id(&g.group_id, "sg", format!("{path}.groupId"))?;
            if groups.contains_key(&g.group_id) {
                return Err(self.defined_twice(format!("{path}.groupId"), &g.group_id));
            }
            if !vpcs.iter().any(|v| v.id == g.vpc_id) {
                return Err(self.not_in_scenario(format!("{path}.vpcId"), &g.vpc_id, "vpcs"));
            }
            let group = self.security_group(g, &path, config)?;
            groups.insert(g.group_id.clone(), Arc::new(group));
        }
        Ok(groups)
    }

    fn security_group(
        &self,
        g: &SecurityGroupConfig,
        path: &str,
        config: &Config,
    ) -> Result<SecurityGroup, ConfigError> {
        let mut rules = Vec::new();
        for (j, p) in g.ip_permissions.iter().enumerate() {
            rules.push(self.ingress_rule(p, &format!("{path}.ipPermissions[{j}]"), config)?);
        }
        Ok(SecurityGroup {
            id: g.group_id.clone(),
            name: g.group_name.clone(),
            vpc_id: g.vpc_id.clone(),
            rules,
        })
    }

    fn ingress_rule(
        &self,
        p: &IpPermissionConfig,
        ppath: &str,
        config: &Config,
    ) -> Result<IngressRule, ConfigError> {
        let protocol = self.rule_protocol(&p.ip_protocol, ppath)?;
        let ports = self.rule_ports(protocol, p, ppath)?;
        Ok(IngressRule {
            protocol,
            ports,
            ranges: self.rule_ranges(p, ppath)?,
            source_groups: self.source_groups(p, ppath, config)?,
        })
    }

    fn rule_protocol(&self, protocol: &str, ppath: &str) -> Result<RuleProtocol, ConfigError> {
        match protocol.to_ascii_lowercase().as_str() {
            "-1" | "all" => Ok(RuleProtocol::All),
            "tcp" | "6" => Ok(RuleProtocol::Tcp),
            "udp" | "17" | "icmp" | "1" | "icmpv6" | "58" => Ok(RuleProtocol::Other),
            other => Err(self.err(
                format!("{ppath}.ipProtocol"),
                format!(
                    "expected \"tcp\", \"udp\", \"icmp\", \"icmpv6\" or \"-1\", found {other:?}"
                ),
            )),
        }
    }

    /// The inclusive port range; `None` for every port (protocol `-1`, or ports `-1`).
    fn rule_ports(
        &self,
        protocol: RuleProtocol,
        p: &IpPermissionConfig,
        ppath: &str,
    ) -> Result<Option<(u16, u16)>, ConfigError> {
        match (protocol, p.from_port, p.to_port) {
            (RuleProtocol::All, _, _) => Ok(None),
            (_, Some(from), Some(to))
                if (0..=65535).contains(&from) && (from..=65535).contains(&to) =>
            {
                Ok(Some((from as u16, to as u16)))
            }
            (_, Some(-1), Some(-1)) => Ok(None),
            _ => Err(self.err(
                format!("{ppath}.fromPort"),
                "expected fromPort and toPort between 0 and 65535, fromPort not above toPort",
            )),
        }
    }

    /// Source address ranges: IPv4 ones, then IPv6 ones.
    fn rule_ranges(&self, p: &IpPermissionConfig, ppath: &str) -> Result<Vec<IpNet>, ConfigError> {
        let mut ranges = Vec::new();
        for (k, r) in p.ip_ranges.iter().enumerate() {
            let net: Ipv4Net = self.parsed(
                &r.cidr_ip,
                format!("{ppath}.ipRanges[{k}].cidrIp"),
                "expected an IPv4 CIDR such as \"10.0.0.0/16\"",
            )?;
            ranges.push(IpNet::V4(net));
        }
        for (k, r) in p.ipv6_ranges.iter().enumerate() {
            let net: Ipv6Net = self.parsed(
                &r.cidr_ipv6,
                format!("{ppath}.ipv6Ranges[{k}].cidrIpv6"),
                "expected an IPv6 CIDR such as \"::/0\"",
            )?;
            ranges.push(IpNet::V6(net));
        }
        Ok(ranges)
    }

    /// Source security groups: any of the scenario's, defined before or after this one.
    fn source_groups(
        &self,
        p: &IpPermissionConfig,
        ppath: &str,
        config: &Config,
    ) -> Result<Vec<String>, ConfigError> {
        let mut source_groups = Vec::new();
        for (k, pair) in p.user_id_group_pairs.iter().enumerate() {
            if !config
                .security_groups
                .iter()
                .any(|x| x.group_id == pair.group_id)
            {
                return Err(self.not_in_scenario(
                    format!("{ppath}.userIdGroupPairs[{k}].groupId"),
                    &pair.group_id,
                    "securityGroups",
                ));
            }
            source_groups.push(pair.group_id.clone());
        }
        Ok(source_groups)
    }
}
