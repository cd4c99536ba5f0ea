//! CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint and DeleteVpcEndpoints for
//! execute-api interface endpoints; the local addresses each endpoint is served on are kept by
//! [`super::addresses`].

use std::collections::BTreeSet;

use super::super::Handled;
use super::addresses::{free_address, pin_addresses, with_pinned_endpoint};
use super::derived::{region_of, timestamp, vpce_hosted_zone_id};
use super::describe::{one, select, NamedBy};
use super::error::{current_topology, Ec2Error};
use super::lookup::{endpoint_index, find_subnet, group_index, vpc_index};
use super::xml::{answered, described, ok_response, written, Xml};
use super::{Call, Ec2Result};
use crate::aws::ids;
use crate::model::topology::Topology;
use crate::scenario::config::{
    Config, NetworkInterfaceConfig, SecurityGroupConfig, SubnetConfig, VpcEndpointConfig,
};

/// AWS's default endpoint policy, exactly as DescribeVpcEndpoints returns it (no `Version`).
pub(super) const FULL_ACCESS_POLICY: &str =
    r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;

/// A `PolicyDocument` parameter, kept as the caller wrote it; it must be JSON.
fn policy_document(text: &str) -> Result<serde_json::Value, Ec2Error> {
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return Err(Ec2Error::new(
            "InvalidPolicyDocument",
            "The policy document is not valid JSON.",
        ));
    }
    Ok(serde_json::Value::String(text.to_string()))
}

fn policy_text(e: &VpcEndpointConfig) -> String {
    match &e.policy_document {
        None => FULL_ACCESS_POLICY.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn render_endpoint(
    x: &mut Xml,
    e: &VpcEndpointConfig,
    state: &Config,
    topology: &Topology,
    endpoint_state: &str,
) {
    let region = region_of(state);
    x.text("vpcEndpointId", &e.vpc_endpoint_id);
    x.text("vpcEndpointType", &e.vpc_endpoint_type);
    x.text("vpcId", &e.vpc_id);
    x.text("serviceName", &e.service_name);
    x.text("state", endpoint_state);
    x.text("policyDocument", &policy_text(e));
    x.set("routeTableIdSet", &[] as &[()], |_, _| {});
    x.strings("subnetIdSet", &e.subnet_ids);
    let groups: Vec<&SecurityGroupConfig> = e
        .security_group_ids
        .iter()
        .flatten()
        .filter_map(|id| state.security_groups.iter().find(|g| &g.group_id == id))
        .collect();
    x.set("groupSet", &groups, |x, g| {
        x.text("groupId", &g.group_id);
        x.text("groupName", g.group_name.as_deref().unwrap_or(""));
    });
    let ip_type = e.ip_address_type.as_deref().unwrap_or("ipv4");
    x.text("ipAddressType", ip_type);
    x.element("dnsOptions", |x| x.text("dnsRecordIpType", ip_type));
    x.bool("privateDnsEnabled", e.private_dns_enabled);
    x.bool("requesterManaged", false);
    let enis: Vec<String> = e
        .subnet_ids
        .iter()
        .map(|s| ids::derived_ec2_id("eni", &format!("{}|{s}", e.vpc_endpoint_id)))
        .collect();
    x.strings("networkInterfaceIdSet", &enis);
    let mut dns: Vec<(String, String)> = Vec::new();
    let public_zone = vpce_hosted_zone_id(&region.name);
    if let Some(t) = topology.endpoint(&e.vpc_endpoint_id) {
        for entry in &t.dns_entries {
            dns.push((entry.dns_name.clone(), public_zone.clone()));
        }
    }
    if e.private_dns_enabled {
        // The private hosted zone AWS creates for the endpoint: its id is AWS's choice, so the
        // emulator derives one from the endpoint id.
        let private_zone = ids::hosted_zone_id(&format!("private-zone|{}", e.vpc_endpoint_id));
        dns.push((region.api_zone(), private_zone.clone()));
        dns.push((format!("*.{}", region.api_zone()), private_zone));
    }
    x.set("dnsEntrySet", &dns, |x, (name, zone)| {
        x.text("dnsName", name);
        x.text("hostedZoneId", zone);
    });
    x.opt("creationTimestamp", e.creation_timestamp.as_deref());
    x.tags(&e.tags);
    x.text("ownerId", &state.account_id);
}

/// The subnet (and its zone) of a VPC, checked as CreateVpcEndpoint checks it.
fn endpoint_subnet<'s>(
    state: &'s Config,
    vpc_id: &str,
    subnet_id: &str,
) -> Result<&'s SubnetConfig, Ec2Error> {
    let (vpc, subnet) = find_subnet(state, subnet_id)?;
    if vpc.vpc_id != vpc_id {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!("The subnet ID '{subnet_id}' does not belong to the VPC '{vpc_id}'"),
        ));
    }
    Ok(subnet)
}

fn duplicate_zone(subnet_id: &str) -> Ec2Error {
    Ec2Error::new(
        "DuplicateSubnetsInSameZone",
        format!("Found another VPC endpoint subnet in the availability zone of {subnet_id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service."),
    )
}

fn endpoint_group(state: &Config, vpc_id: &str, group_id: &str) -> Result<(), Ec2Error> {
    let group = &state.security_groups[group_index(state, group_id)?];
    if group.vpc_id != vpc_id {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!("The security group '{group_id}' does not belong to the VPC '{vpc_id}'"),
        ));
    }
    Ok(())
}

fn private_dns_conflict(
    state: &Config,
    vpc_id: &str,
    except_endpoint: &str,
) -> Result<(), Ec2Error> {
    if state.vpc_endpoints.iter().any(|e| {
        e.vpc_id == vpc_id && e.private_dns_enabled && e.vpc_endpoint_id != except_endpoint
    }) {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!(
                "private-dns-enabled cannot be set because there is already a conflicting DNS domain for {} in the VPC {vpc_id}",
                region_of(state).api_zone()
            ),
        ));
    }
    Ok(())
}

/// The call asks for an interface endpoint of this Region's execute-api service.
fn check_execute_api_interface(c: &Call, service_name: &str) -> Result<(), Ec2Error> {
    // EC2's default type is Gateway, which execute-api does not offer.
    let endpoint_type = c.params.get("VpcEndpointType").unwrap_or("Gateway");
    if service_name != region_of(c.state).execute_api_service_name() {
        return Err(Ec2Error::new(
            "InvalidServiceName",
            format!("The Vpc Endpoint Service '{service_name}' does not exist"),
        ));
    }
    if endpoint_type != "Interface" {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!("Endpoint type ({endpoint_type}) does not match available service types ([Interface])."),
        ));
    }
    Ok(())
}

/// The `SubnetId.N` of a new endpoint: subnets of its VPC, one per zone.
fn requested_subnets(c: &Call, vpc_id: &str) -> Result<Vec<String>, Ec2Error> {
    let subnet_ids = c.params.list("SubnetId");
    let mut zones = BTreeSet::new();
    for id in &subnet_ids {
        let subnet = endpoint_subnet(c.state, vpc_id, id)?;
        if !zones.insert(subnet.availability_zone.clone()) {
            return Err(duplicate_zone(id));
        }
    }
    Ok(subnet_ids)
}

/// The `SecurityGroupId.N` of a new endpoint (groups of its VPC), else the VPC's default group.
fn requested_groups(c: &Call, vpc_id: &str) -> Result<Option<Vec<String>>, Ec2Error> {
    let mut group_ids = c.params.list("SecurityGroupId");
    for id in &group_ids {
        endpoint_group(c.state, vpc_id, id)?;
    }
    if group_ids.is_empty() {
        // AWS attaches the VPC's default group. A scenario VPC written without one gets none,
        // which the emulator reads as "no filtering".
        if let Some(default) = c
            .state
            .security_groups
            .iter()
            .find(|g| g.vpc_id == vpc_id && g.group_name.as_deref() == Some("default"))
        {
            group_ids.push(default.group_id.clone());
        }
    }
    Ok(Some(group_ids).filter(|g| !g.is_empty()))
}

fn requested_ip_address_type(c: &Call) -> Result<Option<String>, Ec2Error> {
    match c.params.get("IpAddressType") {
        None | Some("") => Ok(None),
        Some(t @ ("ipv4" | "dualstack" | "ipv6")) => Ok(Some(t.to_string())),
        Some(other) => Err(Ec2Error::new(
            "InvalidParameterValue",
            format!("Value ({other}) for parameter IpAddressType is invalid."),
        )),
    }
}

/// The endpoint CreateVpcEndpoint describes, checked as EC2 checks it.
fn requested_endpoint(c: &Call) -> Result<VpcEndpointConfig, Ec2Error> {
    let vpc_id = c.params.required("VpcId")?;
    let service_name = c.params.required("ServiceName")?;
    check_execute_api_interface(c, service_name)?;
    vpc_index(c.state, vpc_id)?;
    let subnet_ids = requested_subnets(c, vpc_id)?;
    let security_group_ids = requested_groups(c, vpc_id)?;
    let private_dns_enabled = c.params.bool("PrivateDnsEnabled")?.unwrap_or(true);
    if private_dns_enabled {
        private_dns_conflict(c.state, vpc_id, "")?;
    }
    let ip_address_type = requested_ip_address_type(c)?;
    let policy_document = match c.params.get("PolicyDocument") {
        None | Some("") => None,
        Some(text) => Some(policy_document(text)?),
    };
    Ok(VpcEndpointConfig {
        vpc_endpoint_id: ids::ec2_id("vpce"),
        vpc_endpoint_type: "Interface".into(),
        service_name: service_name.to_string(),
        vpc_id: vpc_id.to_string(),
        subnet_ids,
        security_group_ids,
        private_dns_enabled,
        ip_address_type,
        policy_document,
        network_interfaces: None,
        dns_name_suffix: None,
        tags: c.params.tags("vpc-endpoint")?,
        creation_timestamp: Some(timestamp(c.ctx.now)),
    })
}

pub(super) fn create_vpc_endpoint(c: &Call) -> Ec2Result {
    let endpoint = requested_endpoint(c)?;
    let id = endpoint.vpc_endpoint_id.clone();
    let (new_state, topology) = with_pinned_endpoint(c.state, endpoint)?;
    let mut x = Xml::default();
    if let Some(e) = new_state
        .vpc_endpoints
        .iter()
        .find(|e| e.vpc_endpoint_id == id)
    {
        x.element("vpcEndpoint", |x| {
            render_endpoint(x, e, &new_state, &topology, "pending")
        });
    }
    x.opt("clientToken", c.params.get("ClientToken"));
    Ok(Handled::write(
        ok_response("CreateVpcEndpoint", c.ctx, &x),
        new_state,
        topology,
    ))
}

pub(super) fn describe_vpc_endpoints(c: &Call) -> Ec2Result {
    let by_id = NamedBy {
        param: "VpcEndpointId",
        key: |e: &VpcEndpointConfig| Some(e.vpc_endpoint_id.as_str()),
        not_found: Ec2Error::endpoint_not_found,
    };
    let selected = select(
        c.params,
        &c.state.vpc_endpoints,
        &[by_id],
        |e| &e.tags,
        |e, name| match name {
            "vpc-endpoint-id" => one(&e.vpc_endpoint_id),
            "vpc-id" => one(&e.vpc_id),
            "service-name" => one(&e.service_name),
            "vpc-endpoint-state" => one("available"),
            "vpc-endpoint-type" => one(&e.vpc_endpoint_type),
            "ip-address-type" => one(e.ip_address_type.as_deref().unwrap_or("ipv4")),
            _ => None,
        },
    )?;
    let topology = current_topology(c.state)?;
    described(
        c,
        "DescribeVpcEndpoints",
        "vpcEndpointSet",
        &selected,
        |x, e| render_endpoint(x, e, c.state, &topology, "available"),
    )
}

pub(super) fn modify_vpc_endpoint(c: &Call) -> Ec2Result {
    let id = c.params.required("VpcEndpointId")?;
    let index = endpoint_index(c.state, id)?;
    let topology = current_topology(c.state)?;
    let mut new_state = c.state.clone();
    pin_addresses(&mut new_state, &topology);
    let vpc_id = new_state.vpc_endpoints[index].vpc_id.clone();
    remove_subnets(c, &mut new_state.vpc_endpoints[index])?;
    add_subnets(c, &mut new_state, index, &topology)?;
    let endpoint = &mut new_state.vpc_endpoints[index];
    change_groups(c, endpoint, &vpc_id)?;
    if c.params.bool("ResetPolicy")? == Some(true) {
        endpoint.policy_document = None;
    } else if let Some(text) = c.params.get("PolicyDocument").filter(|t| !t.is_empty()) {
        endpoint.policy_document = Some(policy_document(text)?);
    }
    if let Some(enabled) = c.params.bool("PrivateDnsEnabled")? {
        if enabled {
            private_dns_conflict(c.state, &vpc_id, id)?;
        }
        endpoint.private_dns_enabled = enabled;
    }
    written(c, "ModifyVpcEndpoint", &Xml::returned_true(), new_state)
}

/// `RemoveSubnetId.N`: each must be one of the endpoint's; its address goes with it.
fn remove_subnets(c: &Call, e: &mut VpcEndpointConfig) -> Result<(), Ec2Error> {
    for subnet_id in c.params.list("RemoveSubnetId") {
        if !e.subnet_ids.contains(&subnet_id) {
            // Wording not captured from AWS.
            return Err(Ec2Error::new(
                "InvalidParameter",
                format!(
                    "The subnet ID '{subnet_id}' is not associated with the VPC endpoint '{}'",
                    e.vpc_endpoint_id
                ),
            ));
        }
        e.subnet_ids.retain(|s| s != &subnet_id);
        if let Some(nics) = &mut e.network_interfaces {
            nics.retain(|n| n.subnet_id != subnet_id);
        }
    }
    Ok(())
}

/// `AddSubnetId.N`: subnets of the endpoint's VPC in zones it has no subnet in yet, each with
/// the next free address.
fn add_subnets(
    c: &Call,
    new_state: &mut Config,
    index: usize,
    topology: &Topology,
) -> Result<(), Ec2Error> {
    let vpc_id = new_state.vpc_endpoints[index].vpc_id.clone();
    for subnet_id in c.params.list("AddSubnetId") {
        let subnet = endpoint_subnet(c.state, &vpc_id, &subnet_id)?;
        let e = &new_state.vpc_endpoints[index];
        if e.subnet_ids.contains(&subnet_id) {
            continue;
        }
        let zone_taken = e.subnet_ids.iter().any(|s| {
            c.state
                .vpcs
                .iter()
                .flat_map(|v| &v.subnets)
                .any(|x| &x.subnet_id == s && x.availability_zone == subnet.availability_zone)
        });
        if zone_taken {
            return Err(duplicate_zone(&subnet_id));
        }
        let address = free_address(new_state, topology);
        let e = &mut new_state.vpc_endpoints[index];
        e.subnet_ids.push(subnet_id.clone());
        e.network_interfaces
            .get_or_insert_with(Vec::new)
            .push(NetworkInterfaceConfig {
                subnet_id,
                private_ip_address: address,
                ipv6_address: None,
            });
    }
    Ok(())
}

/// `AddSecurityGroupId.N` (groups of the endpoint's VPC) and `RemoveSecurityGroupId.N` (groups
/// it has).
fn change_groups(c: &Call, e: &mut VpcEndpointConfig, vpc_id: &str) -> Result<(), Ec2Error> {
    for group_id in c.params.list("AddSecurityGroupId") {
        endpoint_group(c.state, vpc_id, &group_id)?;
        let groups = e.security_group_ids.get_or_insert_with(Vec::new);
        if !groups.contains(&group_id) {
            groups.push(group_id);
        }
    }
    for group_id in c.params.list("RemoveSecurityGroupId") {
        let groups = e.security_group_ids.get_or_insert_with(Vec::new);
        if !groups.contains(&group_id) {
            return Err(Ec2Error::group_not_found(&group_id));
        }
        groups.retain(|g| g != &group_id);
    }
    Ok(())
}

pub(super) fn delete_vpc_endpoints(c: &Call) -> Ec2Result {
    let ids = c.params.list("VpcEndpointId");
    if ids.is_empty() {
        return Err(Ec2Error::missing("VpcEndpointId"));
    }
    let topology = current_topology(c.state)?;
    let mut new_state = c.state.clone();
    pin_addresses(&mut new_state, &topology);
    let mut unsuccessful = Vec::new();
    let mut deleted = false;
    for id in &ids {
        let before = new_state.vpc_endpoints.len();
        new_state.vpc_endpoints.retain(|e| &e.vpc_endpoint_id != id);
        if new_state.vpc_endpoints.len() == before {
            unsuccessful.push(id.clone());
            continue;
        }
        deleted = true;
        // An API associated with the endpoint would no longer validate; AWS drops the
        // association (and its alias name) with the endpoint, so the scenario does too.
        for api in &mut new_state.rest_apis {
            api.endpoint_configuration
                .vpc_endpoint_ids
                .retain(|v| v != id);
        }
    }
    let mut x = Xml::default();
    x.set("unsuccessful", &unsuccessful, |x, id| {
        x.element("error", |x| {
            x.text("code", "InvalidVpcEndpoint.NotFound");
            x.text(
                "message",
                &format!("The Vpc Endpoint Id '{id}' does not exist"),
            );
        });
        x.text("resourceId", id);
    });
    if !deleted {
        return answered(c, "DeleteVpcEndpoints", &x);
    }
    written(c, "DeleteVpcEndpoints", &x, new_state)
}
