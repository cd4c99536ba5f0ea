//! CreateVpc, DescribeVpcs and DeleteVpc. A VPC comes with its default security group, and goes
//! with it, as on AWS.

use ipnet::Ipv4Net;

use super::describe::{one, select, NamedBy};
use super::error::Ec2Error;
use super::lookup::vpc_index;
use super::xml::{described, written, Xml};
use super::{Call, Ec2Result};
use crate::aws::ids;
use crate::scenario::config::{
    Config, GroupPairConfig, IpPermissionConfig, SecurityGroupConfig, VpcConfig,
};

fn render_vpc(x: &mut Xml, vpc: &VpcConfig, state: &Config, vpc_state: &str) {
    x.text("vpcId", &vpc.vpc_id);
    x.text("ownerId", &state.account_id);
    x.text("instanceTenancy", "default");
    x.set("ipv6CidrBlockAssociationSet", &[] as &[()], |_, _| {});
    x.set(
        "cidrBlockAssociationSet",
        std::slice::from_ref(vpc),
        |x, v| {
            x.text(
                "associationId",
                &ids::derived_ec2_id("vpc-cidr-assoc", &v.vpc_id),
            );
            x.text("cidrBlock", &v.cidr_block);
            x.element("cidrBlockState", |x| x.text("state", "associated"));
        },
    );
    x.bool("isDefault", false);
    x.tags(&vpc.tags);
    x.text("state", vpc_state);
    x.text("cidrBlock", &vpc.cidr_block);
    x.text(
        "dhcpOptionsId",
        &ids::derived_ec2_id("dopt", &state.account_id),
    );
}

/// A network address in CIDR form; host bits set (`10.0.0.1/16`) are refused as EC2 does.
pub(super) fn parse_cidr(text: &str) -> Result<Ipv4Net, Ec2Error> {
    text.parse::<Ipv4Net>()
        .ok()
        .filter(|net| net.trunc() == *net)
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidParameterValue",
                format!("Value ({text}) for parameter cidrBlock is invalid. This is not a valid CIDR block."),
            )
        })
}

pub(super) fn create_vpc(c: &Call) -> Ec2Result {
    let cidr_text = c.params.required("CidrBlock")?;
    let cidr = parse_cidr(cidr_text)?;
    // VPCs are /16 to /28.
    if !(16..=28).contains(&cidr.prefix_len()) {
        return Err(Ec2Error::new(
            "InvalidVpc.Range",
            format!("The CIDR '{cidr_text}' is invalid."),
        ));
    }
    let tags = c.params.tags("vpc")?;
    let vpc = VpcConfig {
        vpc_id: ids::ec2_id("vpc"),
        cidr_block: cidr.to_string(),
        subnets: Vec::new(),
        tags,
    };
    let group_id = ids::ec2_id("sg");
    let default_group = SecurityGroupConfig {
        group_id: group_id.clone(),
        group_name: Some("default".into()),
        description: Some("default VPC security group".into()),
        vpc_id: vpc.vpc_id.clone(),
        // AWS's default group: all traffic from its own members.
        ip_permissions: vec![IpPermissionConfig {
            ip_protocol: "-1".into(),
            from_port: None,
            to_port: None,
            ip_ranges: Vec::new(),
            ipv6_ranges: Vec::new(),
            user_id_group_pairs: vec![GroupPairConfig {
                group_id,
                description: None,
            }],
        }],
        tags: Vec::new(),
    };
    let mut new_state = c.state.clone();
    new_state.vpcs.push(vpc.clone());
    new_state.security_groups.push(default_group);
    let mut x = Xml::default();
    x.element("vpc", |x| render_vpc(x, &vpc, c.state, "pending"));
    written(c, "CreateVpc", &x, new_state)
}

pub(super) fn describe_vpcs(c: &Call) -> Ec2Result {
    let by_id = NamedBy {
        param: "VpcId",
        key: |v: &VpcConfig| Some(v.vpc_id.as_str()),
        not_found: Ec2Error::vpc_not_found,
    };
    let selected = select(
        c.params,
        &c.state.vpcs,
        &[by_id],
        |v| &v.tags,
        |vpc, name| match name {
            "vpc-id" => one(&vpc.vpc_id),
            "cidr" | "cidr-block" | "cidr-block-association.cidr-block" => one(&vpc.cidr_block),
            "state" => one("available"),
            "owner-id" => one(&c.state.account_id),
            "is-default" => one("false"),
            "dhcp-options-id" => one(&ids::derived_ec2_id("dopt", &c.state.account_id)),
            _ => None,
        },
    )?;
    // MaxResults/NextToken: everything fits in one page here, so no nextToken is ever sent.
    described(c, "DescribeVpcs", "vpcSet", &selected, |x, v| {
        render_vpc(x, v, c.state, "available")
    })
}

pub(super) fn delete_vpc(c: &Call) -> Ec2Result {
    let id = c.params.required("VpcId")?;
    let vpc = &c.state.vpcs[vpc_index(c.state, id)?];
    let has_dependencies = !vpc.subnets.is_empty()
        || c.state.vpc_endpoints.iter().any(|e| e.vpc_id == id)
        || c.state
            .security_groups
            .iter()
            .any(|g| g.vpc_id == id && g.group_name.as_deref() != Some("default"))
        || c.state
            .emulator
            .clients
            .iter()
            .any(|client| client.vpc_id.as_deref() == Some(id));
    if has_dependencies {
        return Err(Ec2Error::dependency(format!(
            "The vpc '{id}' has dependencies and cannot be deleted."
        )));
    }
    let mut new_state = c.state.clone();
    new_state.vpcs.retain(|v| v.vpc_id != id);
    // The default group goes with its VPC, as on AWS.
    new_state.security_groups.retain(|g| g.vpc_id != id);
    written(c, "DeleteVpc", &Xml::returned_true(), new_state)
}
