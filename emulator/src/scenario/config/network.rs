//! The network side of a scenario, as `aws ec2 describe-*` prints it: VPCs and subnets, tags,
//! interface VPC endpoints and their network interfaces, security groups and their rules.

use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A VPC (as `aws ec2 describe-vpcs` / `describe-subnets` print it).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VpcConfig {
    /// e.g. `vpc-0a1b2c3d4e5f67890`.
    pub vpc_id: String,
    /// The VPC's IPv4 CIDR, e.g. `172.31.0.0/16`.
    pub cidr_block: String,
    /// Subnets of the VPC.
    #[serde(default)]
    pub subnets: Vec<SubnetConfig>,
    /// Tags, as `aws ec2 describe-vpcs` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
}

/// A subnet in one Availability Zone.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubnetConfig {
    /// e.g. `subnet-0a1b2c3d4e5f60001`.
    pub subnet_id: String,
    /// e.g. `us-east-1a`; must be in the scenario's region.
    pub availability_zone: String,
    /// The subnet's CIDR, inside the VPC's.
    pub cidr_block: String,
    /// Tags, as `aws ec2 describe-subnets` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
}

/// An EC2 tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagConfig {
    /// e.g. `Name`.
    pub key: String,
    /// May be empty.
    #[serde(default)]
    pub value: String,
}

/// An interface VPC endpoint (as `aws ec2 describe-vpc-endpoints` prints it).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VpcEndpointConfig {
    /// `vpce-` followed by 17 (or, for old endpoints, 8) hexadecimal digits.
    pub vpc_endpoint_id: String,
    /// Only `Interface` endpoints reach private APIs.
    #[serde(default = "default_endpoint_type")]
    pub vpc_endpoint_type: String,
    /// `com.amazonaws.<region>.execute-api`.
    pub service_name: String,
    /// The VPC the endpoint is in.
    pub vpc_id: String,
    /// One subnet per Availability Zone; each gets a network interface and a zonal DNS name.
    pub subnet_ids: Vec<String>,
    /// Security groups of the endpoint's network interfaces: connections they do not allow get
    /// no answer. Absent: no filtering (AWS would attach the VPC's default group; see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<String>>,
    /// Private DNS names: inside the VPC, `*.execute-api.<region>.amazonaws.com` resolves to the
    /// endpoint (which breaks public APIs' names there, as on AWS). The walkthrough turns it off.
    #[serde(default)]
    pub private_dns_enabled: bool,
    /// `ipv4` (default) or `dualstack` (AAAA records and IPv6 listeners too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
    /// The endpoint policy: a JSON string as AWS returns it, or the policy object itself.
    /// Absent means AWS's default "Full Access" policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<serde_json::Value>,
    /// The endpoint's network interfaces: which local address stands for the interface in each
    /// subnet. Absent: addresses are assigned from 127.0.1.0/24 onwards (see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<Vec<NetworkInterfaceConfig>>,
    /// Emulator-only: the 8-character part of the endpoint's DNS names
    /// (`vpce-<id>-<suffix>.execute-api...`). Absent: derived from the id, so it never changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name_suffix: Option<String>,
    /// Tags, as `aws ec2 describe-vpc-endpoints` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
    /// When the endpoint was created (`2024-05-01T12:00:00.000Z`), as
    /// `describe-vpc-endpoints` shows it. Absent: not shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
}

fn default_endpoint_type() -> String {
    "Interface".to_string()
}

/// The address that stands for an endpoint's network interface in one subnet.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkInterfaceConfig {
    /// One of the endpoint's `subnetIds`.
    pub subnet_id: String,
    /// A local address clients can connect to (loopback by default; a container's address under
    /// docker compose). DNS answers with it and the HTTPS front end listens on it.
    #[schemars(with = "String")]
    pub private_ip_address: IpAddr,
    /// For `dualstack` endpoints: the local IPv6 address standing for the interface (e.g. `::1`,
    /// or one added with `ip -6 addr add fd00::10/128 dev lo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub ipv6_address: Option<IpAddr>,
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityGroupConfig {
    /// `sg-` and 8 or 17 hexadecimal digits.
    pub group_id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Inbound rules; anything they do not allow is dropped.
    #[serde(default)]
    pub ip_permissions: Vec<IpPermissionConfig>,
    /// Tags, as `aws ec2 describe-security-groups` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagConfig>,
}

/// One inbound rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpPermissionConfig {
    /// `tcp`, `udp`, `icmp`, or `-1` for all.
    pub ip_protocol: String,
    /// First port (absent with `-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// Last port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// IPv4 sources.
    #[serde(default)]
    pub ip_ranges: Vec<IpRangeConfig>,
    /// IPv6 sources.
    #[serde(default)]
    pub ipv6_ranges: Vec<Ipv6RangeConfig>,
    /// Sources by security group: clients that are members of these groups.
    #[serde(default)]
    pub user_id_group_pairs: Vec<GroupPairConfig>,
}

/// An IPv4 source of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpRangeConfig {
    /// e.g. `10.20.0.0/16`.
    pub cidr_ip: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An IPv6 source of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ipv6RangeConfig {
    /// e.g. `::/0`.
    pub cidr_ipv6: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A source security group of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupPairConfig {
    /// `sg-...`.
    pub group_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
