//! EC2 resources as the scenario's network: `AWS::EC2::VPC` and `Subnet` (subnets join the VPC
//! they name), `SecurityGroup` with its inline rules and separate `SecurityGroupIngress` rules,
//! and `VPCEndpoint` (execute-api ones only; others are reported and left out).

use serde_json::{Map, Value};

use super::template::Converter;
use super::typed::{self, Properties};
use crate::scenario::config::{
    GroupPairConfig, IpPermissionConfig, IpRangeConfig, Ipv6RangeConfig, SecurityGroupConfig,
    SubnetConfig, VpcConfig, VpcEndpointConfig,
};
use crate::scenario::document::{child_path, DocumentError};

type Result<T> = std::result::Result<T, DocumentError>;

impl Converter<'_> {
    /// VPCs, each with the subnets that name it.
    pub(super) fn vpcs(&mut self) -> Result<Vec<VpcConfig>> {
        let mut vpcs = Vec::new();
        for (logical, id) in self.of_kind("AWS::EC2::VPC") {
            let props = self.properties(&logical)?;
            self.alias(format!("$.vpcs[{}]", vpcs.len()), &logical);
            vpcs.push(VpcConfig {
                vpc_id: id,
                cidr_block: props.string("CidrBlock")?,
                subnets: Vec::new(),
                tags: Vec::new(),
            });
        }
        for (logical, id) in self.of_kind("AWS::EC2::Subnet") {
            let props = self.properties(&logical)?;
            let vpc_id = props.get("VpcId").cloned().unwrap_or(Value::Null);
            let Some(vpc) = vpcs
                .iter_mut()
                .find(|v| vpc_id.as_str() == Some(v.vpc_id.as_str()))
            else {
                return Err(DocumentError::new(
                    props.path_of("VpcId"),
                    format!("expected a Ref to an AWS::EC2::VPC of this template, found {vpc_id}"),
                ));
            };
            vpc.subnets.push(SubnetConfig {
                subnet_id: id,
                availability_zone: props
                    .string_or("AvailabilityZone", || format!("{}a", self.region))?,
                cidr_block: props.string("CidrBlock")?,
                tags: Vec::new(),
            });
        }
        Ok(vpcs)
    }

    /// Security groups, with the `SecurityGroupIngress` resources that name them.
    pub(super) fn security_groups(&mut self) -> Result<Vec<SecurityGroupConfig>> {
        let mut groups = Vec::new();
        for (logical, id) in self.of_kind("AWS::EC2::SecurityGroup") {
            let props = self.properties(&logical)?;
            self.alias(format!("$.securityGroups[{}]", groups.len()), &logical);
            groups.push(self.security_group(&logical, id, &props)?);
        }
        for (logical, _) in self.of_kind("AWS::EC2::SecurityGroupIngress") {
            let props = self.properties(&logical)?;
            let group = props.str("GroupId");
            match groups
                .iter_mut()
                .find(|g| group == Some(g.group_id.as_str()))
            {
                Some(g) => g
                    .ip_permissions
                    .push(ingress(props.values(), props.path())?),
                None => self.warnings.push(DocumentError::new(
                    child_path("$.Resources", &logical),
                    "the rule's GroupId is not a security group of this template; ignored",
                )),
            }
        }
        Ok(groups)
    }

    fn security_group(
        &self,
        logical: &str,
        group_id: String,
        props: &Properties,
    ) -> Result<SecurityGroupConfig> {
        let rules_path = props.path_of("SecurityGroupIngress");
        let no_rule = Map::new();
        let ip_permissions = props
            .get("SecurityGroupIngress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, rule)| {
                let rule = rule.as_object().unwrap_or(&no_rule);
                ingress(rule, &format!("{rules_path}[{i}]"))
            })
            .collect::<Result<_>>()?;
        // An explicit null is no name; an absent one is the name CloudFormation makes up.
        let group_name = match props.get("GroupName") {
            None => Some(format!("{}-{logical}", self.stack_name)),
            some => typed::optional_string(some, &props.path_of("GroupName"))?,
        };
        Ok(SecurityGroupConfig {
            group_id,
            group_name,
            description: props.optional_string("GroupDescription")?,
            vpc_id: props.string("VpcId")?,
            ip_permissions,
            tags: Vec::new(),
        })
    }

    /// Interface endpoints for execute-api; endpoints for other services are reported.
    pub(super) fn vpc_endpoints(&mut self) -> Result<Vec<VpcEndpointConfig>> {
        let mut endpoints = Vec::new();
        for (logical, id) in self.of_kind("AWS::EC2::VPCEndpoint") {
            let props = self.properties(&logical)?;
            let service = props.str("ServiceName").unwrap_or_default();
            if !service.ends_with(".execute-api") {
                self.warnings.push(DocumentError::new(
                    props.path_of("ServiceName"),
                    format!("only execute-api endpoints are emulated; {service:?} is ignored"),
                ));
                continue;
            }
            self.alias(format!("$.vpcEndpoints[{}]", endpoints.len()), &logical);
            endpoints.push(vpc_endpoint(id, service, &props)?);
        }
        Ok(endpoints)
    }
}

fn vpc_endpoint(
    vpc_endpoint_id: String,
    service: &str,
    props: &Properties,
) -> Result<VpcEndpointConfig> {
    Ok(VpcEndpointConfig {
        vpc_endpoint_id,
        // CloudFormation's default when the type is left out (the topology refuses it).
        vpc_endpoint_type: props.string_or("VpcEndpointType", || "Gateway".into())?,
        service_name: service.to_string(),
        vpc_id: props.string("VpcId")?,
        subnet_ids: props.strings("SubnetIds")?,
        security_group_ids: props.optional_strings("SecurityGroupIds")?,
        private_dns_enabled: props.boolean_or("PrivateDnsEnabled", false)?,
        ip_address_type: props
            .get("IpAddressType")
            .map(|t| t.as_str().unwrap_or("ipv4").to_ascii_lowercase()),
        policy_document: props.document("PolicyDocument"),
        network_interfaces: None,
        dns_name_suffix: None,
        tags: Vec::new(),
        creation_timestamp: None,
    })
}

/// One inbound rule, from a `SecurityGroupIngress` entry or resource at `path`.
fn ingress(rule: &Map<String, Value>, path: &str) -> Result<IpPermissionConfig> {
    let at = |key: &str| child_path(path, key);
    let ip_protocol = match rule.get("IpProtocol") {
        None => "-1".to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => typed::string(other, &at("IpProtocol"))?,
    };
    let source = |key: &str| -> Result<Option<String>> {
        rule.get(key)
            .map(|v| typed::string(v, &at(key)))
            .transpose()
    };
    Ok(IpPermissionConfig {
        ip_protocol,
        from_port: typed::port(rule.get("FromPort"), &at("FromPort"))?,
        to_port: typed::port(rule.get("ToPort"), &at("ToPort"))?,
        ip_ranges: source("CidrIp")?
            .map(|cidr_ip| IpRangeConfig {
                cidr_ip,
                description: None,
            })
            .into_iter()
            .collect(),
        ipv6_ranges: source("CidrIpv6")?
            .map(|cidr_ipv6| Ipv6RangeConfig {
                cidr_ipv6,
                description: None,
            })
            .into_iter()
            .collect(),
        user_id_group_pairs: source("SourceSecurityGroupId")?
            .map(|group_id| GroupPairConfig {
                group_id,
                description: None,
            })
            .into_iter()
            .collect(),
    })
}
