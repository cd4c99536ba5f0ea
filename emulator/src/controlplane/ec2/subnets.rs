//! CreateSubnet, DescribeSubnets and DeleteSubnet.

use ipnet::Ipv4Net;

use super::derived::{arn, availability_zone_id};
use super::describe::{one, select, NamedBy};
use super::error::Ec2Error;
use super::lookup::{find_subnet, vpc_index};
use super::vpcs::parse_cidr;
use super::xml::{described, written, Xml};
use super::{Call, Ec2Result};
use crate::aws::ids;
use crate::scenario::config::{Config, SubnetConfig, VpcConfig};

fn render_subnet(x: &mut Xml, subnet: &SubnetConfig, vpc_id: &str, state: &Config) {
    let available = subnet
        .cidr_block
        .parse::<Ipv4Net>()
        .map(|n| (1u64 << (32 - u32::from(n.prefix_len()))).saturating_sub(5))
        .unwrap_or(0);
    x.text("subnetId", &subnet.subnet_id);
    x.text("subnetArn", &arn(state, "subnet", &subnet.subnet_id));
    x.text("state", "available");
    x.text("vpcId", vpc_id);
    x.text("cidrBlock", &subnet.cidr_block);
    x.int("availableIpAddressCount", available);
    x.text("availabilityZone", &subnet.availability_zone);
    x.text(
        "availabilityZoneId",
        &availability_zone_id(&state.region, &subnet.availability_zone),
    );
    x.bool("defaultForAz", false);
    x.bool("mapPublicIpOnLaunch", false);
    x.bool("mapCustomerOwnedIpOnLaunch", false);
    x.text("ownerId", &state.account_id);
    x.bool("assignIpv6AddressOnCreation", false);
    x.set("ipv6CidrBlockAssociationSet", &[] as &[()], |_, _| {});
    x.tags(&subnet.tags);
    x.bool("enableDns64", false);
    x.bool("ipv6Native", false);
    x.element("privateDnsNameOptionsOnLaunch", |x| {
        x.text("hostnameType", "ip-name");
        x.bool("enableResourceNameDnsARecord", false);
        x.bool("enableResourceNameDnsAAAARecord", false);
    });
}

pub(super) fn create_subnet(c: &Call) -> Ec2Result {
    let vpc_id = c.params.required("VpcId")?;
    let cidr_text = c.params.required("CidrBlock")?;
    let vpc_position = vpc_index(c.state, vpc_id)?;
    let vpc = &c.state.vpcs[vpc_position];
    let cidr = parse_cidr(cidr_text)?;
    let vpc_cidr: Ipv4Net = vpc
        .cidr_block
        .parse()
        .map_err(|_| Ec2Error::new("InvalidParameterValue", "the VPC's CIDR is not valid"))?;
    if !(16..=28).contains(&cidr.prefix_len()) || !vpc_cidr.contains(&cidr) {
        return Err(Ec2Error::new(
            "InvalidSubnet.Range",
            format!("The CIDR '{cidr_text}' is invalid."),
        ));
    }
    let overlaps = vpc.subnets.iter().any(|s| {
        s.cidr_block
            .parse::<Ipv4Net>()
            .is_ok_and(|other| other.contains(&cidr) || cidr.contains(&other))
    });
    if overlaps {
        return Err(Ec2Error::new(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{cidr_text}' conflicts with another subnet"),
        ));
    }
    let region = &c.state.region;
    let availability_zone = match c.params.get("AvailabilityZone").filter(|z| !z.is_empty()) {
        Some(zone) => {
            let ok = zone
                .strip_prefix(region.as_str())
                .is_some_and(|l| l.len() == 1 && l.bytes().all(|b| b.is_ascii_lowercase()));
            if !ok {
                return Err(Ec2Error::new(
                    "InvalidParameterValue",
                    format!("Invalid Availability Zone ({zone})"),
                ));
            }
            zone.to_string()
        }
        // AWS picks a zone itself; the first of a, b, c (every Region has at least three) that
        // the VPC does not use yet lets the next endpoint take one subnet per zone.
        None => ['a', 'b', 'c']
            .iter()
            .map(|l| format!("{region}{l}"))
            .find(|z| !vpc.subnets.iter().any(|s| &s.availability_zone == z))
            .unwrap_or_else(|| format!("{region}a")),
    };
    let subnet = SubnetConfig {
        subnet_id: ids::ec2_id("subnet"),
        availability_zone,
        cidr_block: cidr.to_string(),
        tags: c.params.tags("subnet")?,
    };
    let mut new_state = c.state.clone();
    new_state.vpcs[vpc_position].subnets.push(subnet.clone());
    let mut x = Xml::default();
    x.element("subnet", |x| render_subnet(x, &subnet, vpc_id, c.state));
    written(c, "CreateSubnet", &x, new_state)
}

pub(super) fn describe_subnets(c: &Call) -> Ec2Result {
    let all: Vec<(&VpcConfig, &SubnetConfig)> = c
        .state
        .vpcs
        .iter()
        .flat_map(|v| v.subnets.iter().map(move |s| (v, s)))
        .collect();
    let by_id = NamedBy {
        param: "SubnetId",
        key: |(_, s): &(&VpcConfig, &SubnetConfig)| Some(s.subnet_id.as_str()),
        not_found: Ec2Error::subnet_not_found,
    };
    let selected = select(
        c.params,
        &all,
        &[by_id],
        |(_, s)| &s.tags,
        |(vpc, subnet), name| match name {
            "vpc-id" => one(&vpc.vpc_id),
            "subnet-id" => one(&subnet.subnet_id),
            "availability-zone" | "availabilityZone" => one(&subnet.availability_zone),
            "availability-zone-id" => one(&availability_zone_id(
                &c.state.region,
                &subnet.availability_zone,
            )),
            "cidr" | "cidr-block" | "cidrBlock" => one(&subnet.cidr_block),
            "state" => one("available"),
            "owner-id" => one(&c.state.account_id),
            "default-for-az" | "defaultForAz" => one("false"),
            "subnet-arn" => one(&arn(c.state, "subnet", &subnet.subnet_id)),
            _ => None,
        },
    )?;
    described(c, "DescribeSubnets", "subnetSet", &selected, |x, (v, s)| {
        render_subnet(x, s, &v.vpc_id, c.state)
    })
}

pub(super) fn delete_subnet(c: &Call) -> Ec2Result {
    let id = c.params.required("SubnetId")?;
    find_subnet(c.state, id)?;
    if c.state
        .vpc_endpoints
        .iter()
        .any(|e| e.subnet_ids.iter().any(|s| s == id))
    {
        return Err(Ec2Error::dependency(format!(
            "The subnet '{id}' has dependencies and cannot be deleted."
        )));
    }
    let mut new_state = c.state.clone();
    for vpc in &mut new_state.vpcs {
        vpc.subnets.retain(|s| s.subnet_id != id);
    }
    written(c, "DeleteSubnet", &Xml::returned_true(), new_state)
}
