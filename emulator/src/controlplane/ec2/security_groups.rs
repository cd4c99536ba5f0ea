//! CreateSecurityGroup, DescribeSecurityGroups, AuthorizeSecurityGroupIngress,
//! RevokeSecurityGroupIngress and DeleteSecurityGroup. Only ingress is kept: egress is shown as
//! AWS's default allow-all rule.

use super::derived::arn;
use super::describe::{one, select, NamedBy};
use super::error::Ec2Error;
use super::lookup::{group_index, vpc_index};
use super::params::Params;
use super::rules::{
    add_rule, flatten, has_source, remove_rule, render_permission, render_rule, requested_rules,
    Rule, RuleShape,
};
use super::xml::{described, written, Xml};
use super::{Call, Ec2Result};
use crate::aws::ids;
use crate::scenario::config::{Config, IpPermissionConfig, IpRangeConfig, SecurityGroupConfig};

/// The group a call names by `GroupId` or (legacy) `GroupName`.
fn target_group(params: &Params, state: &Config) -> Result<usize, Ec2Error> {
    if let Some(id) = params.get("GroupId").filter(|s| !s.is_empty()) {
        return group_index(state, id);
    }
    if let Some(name) = params.get("GroupName").filter(|s| !s.is_empty()) {
        let matches: Vec<usize> = state
            .security_groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.group_name.as_deref() == Some(name))
            .map(|(i, _)| i)
            .collect();
        return match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Ec2Error::group_not_found(name)),
            _ => Err(Ec2Error::no_default_vpc()),
        };
    }
    Err(Ec2Error::missing("GroupId"))
}

fn render_security_group(x: &mut Xml, g: &SecurityGroupConfig, state: &Config) {
    x.text("ownerId", &state.account_id);
    x.text("groupId", &g.group_id);
    x.text("groupName", g.group_name.as_deref().unwrap_or(""));
    x.text("groupDescription", g.description.as_deref().unwrap_or(""));
    x.text("vpcId", &g.vpc_id);
    x.text(
        "securityGroupArn",
        &arn(state, "security-group", &g.group_id),
    );
    x.set("ipPermissions", &g.ip_permissions, |x, p| {
        render_permission(x, p, &state.account_id)
    });
    // Outbound traffic is not emulated: every group shows AWS's default allow-all egress rule.
    let egress = IpPermissionConfig {
        ip_protocol: "-1".into(),
        from_port: None,
        to_port: None,
        ip_ranges: vec![IpRangeConfig {
            cidr_ip: "0.0.0.0/0".into(),
            description: None,
        }],
        ipv6_ranges: Vec::new(),
        user_id_group_pairs: Vec::new(),
    };
    x.set("ipPermissionsEgress", &[egress], |x, p| {
        render_permission(x, p, &state.account_id)
    });
    x.tags(&g.tags);
}

pub(super) fn create_security_group(c: &Call) -> Ec2Result {
    let name = c.params.required("GroupName")?;
    let description = c.params.required("GroupDescription")?;
    let vpc_id = c
        .params
        .get("VpcId")
        .filter(|v| !v.is_empty())
        .ok_or_else(Ec2Error::no_default_vpc)?;
    vpc_index(c.state, vpc_id)?;
    if name.to_ascii_lowercase().starts_with("sg-") {
        return Err(Ec2Error::new(
            "InvalidParameterValue",
            "Group names may not be in the format sg-*.",
        ));
    }
    if c.state
        .security_groups
        .iter()
        .any(|g| g.vpc_id == vpc_id && g.group_name.as_deref() == Some(name))
    {
        return Err(Ec2Error::new(
            "InvalidGroup.Duplicate",
            format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
        ));
    }
    let group = SecurityGroupConfig {
        group_id: ids::ec2_id("sg"),
        group_name: Some(name.to_string()),
        description: Some(description.to_string()),
        vpc_id: vpc_id.to_string(),
        ip_permissions: Vec::new(),
        tags: c.params.tags("security-group")?,
    };
    let mut new_state = c.state.clone();
    new_state.security_groups.push(group.clone());
    let mut x = Xml::returned_true();
    x.text("groupId", &group.group_id);
    if !group.tags.is_empty() {
        x.tags(&group.tags);
    }
    x.text(
        "securityGroupArn",
        &arn(c.state, "security-group", &group.group_id),
    );
    written(c, "CreateSecurityGroup", &x, new_state)
}

pub(super) fn describe_security_groups(c: &Call) -> Ec2Result {
    let by_id = NamedBy {
        param: "GroupId",
        key: |g: &SecurityGroupConfig| Some(g.group_id.as_str()),
        not_found: Ec2Error::group_not_found,
    };
    let by_name = NamedBy {
        param: "GroupName",
        key: |g: &SecurityGroupConfig| g.group_name.as_deref(),
        not_found: Ec2Error::group_not_found,
    };
    let selected = select(
        c.params,
        &c.state.security_groups,
        &[by_id, by_name],
        |g| &g.tags,
        |g, name| match name {
            "vpc-id" => one(&g.vpc_id),
            "group-id" => one(&g.group_id),
            "group-name" => one(g.group_name.as_deref().unwrap_or("")),
            "description" => one(g.description.as_deref().unwrap_or("")),
            "owner-id" => one(&c.state.account_id),
            _ => None,
        },
    )?;
    described(
        c,
        "DescribeSecurityGroups",
        "securityGroupInfo",
        &selected,
        |x, g| render_security_group(x, g, c.state),
    )
}

pub(super) fn authorize_ingress(c: &Call) -> Ec2Result {
    let index = target_group(c.params, c.state)?;
    let rules = requested_rules(c.params, c.state)?;
    if rules.is_empty() {
        return Err(Ec2Error::missing("IpPermissions"));
    }
    let mut new_state = c.state.clone();
    let group = &mut new_state.security_groups[index];
    for rule in &rules {
        if group
            .ip_permissions
            .iter()
            .any(|p| rule.same_traffic(p) && has_source(p, &rule.source))
        {
            return Err(Ec2Error::new(
                "InvalidPermission.Duplicate",
                format!("the specified rule \"{}\" already exists", rule.describe()),
            ));
        }
        add_rule(&mut group.ip_permissions, rule);
    }
    let group_id = group.group_id.clone();
    let mut x = Xml::returned_true();
    x.set("securityGroupRuleSet", &rules, |x, r| {
        let added = RuleShape::Added {
            account: &c.state.account_id,
        };
        render_rule(x, &group_id, r, added)
    });
    written(c, "AuthorizeSecurityGroupIngress", &x, new_state)
}

pub(super) fn revoke_ingress(c: &Call) -> Ec2Result {
    let index = target_group(c.params, c.state)?;
    let group_id = c.state.security_groups[index].group_id.clone();
    let mut rules = requested_rules(c.params, c.state)?;
    let rule_ids = c.params.list("SecurityGroupRuleId");
    let existing: Vec<Rule> = c.state.security_groups[index]
        .ip_permissions
        .iter()
        .flat_map(flatten)
        .collect();
    for id in &rule_ids {
        let rule = existing
            .iter()
            .find(|r| &r.id(&group_id) == id)
            .ok_or_else(|| {
                Ec2Error::new(
                    "InvalidSecurityGroupRuleId.NotFound",
                    format!("The security group rule ID '{id}' does not exist"),
                )
            })?;
        rules.push(rule.clone());
    }
    if rules.is_empty() {
        return Err(Ec2Error::missing("IpPermissions"));
    }
    let mut new_state = c.state.clone();
    let permissions = &mut new_state.security_groups[index].ip_permissions;
    let mut revoked = Vec::new();
    let mut unknown = Vec::new();
    for rule in rules {
        let found = existing
            .iter()
            .find(|r| {
                r.protocol == rule.protocol
                    && r.from_port == rule.from_port
                    && r.to_port == rule.to_port
                    && r.source == rule.source
            })
            .cloned();
        if remove_rule(permissions, &rule) {
            revoked.push(found.unwrap_or(rule));
        } else {
            unknown.push(rule);
        }
    }
    // Nothing matched: EC2 refuses. Some matched: EC2 revokes those and lists the rest as
    // unknown, with `return` true.
    if revoked.is_empty() {
        return Err(Ec2Error::new(
            "InvalidPermission.NotFound",
            "The specified rule does not exist in this security group.",
        ));
    }
    let mut x = Xml::returned_true();
    if !unknown.is_empty() {
        let as_permissions: Vec<IpPermissionConfig> = unknown
            .iter()
            .map(|r| {
                let mut ps = Vec::new();
                add_rule(&mut ps, r);
                ps.remove(0)
            })
            .collect();
        x.set("unknownIpPermissionSet", &as_permissions, |x, p| {
            render_permission(x, p, &c.state.account_id)
        });
    }
    x.set("revokedSecurityGroupRuleSet", &revoked, |x, r| {
        render_rule(x, &group_id, r, RuleShape::Revoked)
    });
    written(c, "RevokeSecurityGroupIngress", &x, new_state)
}

pub(super) fn delete_security_group(c: &Call) -> Ec2Result {
    let index = target_group(c.params, c.state)?;
    let group = &c.state.security_groups[index];
    let id = group.group_id.as_str();
    if group.group_name.as_deref() == Some("default") {
        return Err(Ec2Error::new(
            "CannotDelete",
            format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
        ));
    }
    let in_use = c.state.vpc_endpoints.iter().any(|e| {
        e.security_group_ids
            .as_ref()
            .is_some_and(|ids| ids.iter().any(|g| g == id))
    }) || c.state.security_groups.iter().any(|g| {
        g.group_id != id
            && g.ip_permissions
                .iter()
                .any(|p| p.user_id_group_pairs.iter().any(|pair| pair.group_id == id))
    }) || c
        .state
        .emulator
        .clients
        .iter()
        .any(|client| client.security_group_ids.iter().any(|g| g == id));
    if in_use {
        return Err(Ec2Error::dependency(format!(
            "resource {id} has a dependent object"
        )));
    }
    let id = id.to_string();
    let mut new_state = c.state.clone();
    new_state.security_groups.remove(index);
    let mut x = Xml::returned_true();
    x.text("groupId", &id);
    written(c, "DeleteSecurityGroup", &x, new_state)
}
