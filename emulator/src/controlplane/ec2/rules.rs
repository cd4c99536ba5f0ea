//! Security group rules: reading the rules a call names (`IpPermissions.N.*` or the legacy flat
//! form), adding and removing them in the scenario's permissions, and writing them as EC2 shows
//! them (`IpPermission`s, and the newer one-source-per-rule `SecurityGroupRule`s).

use ipnet::{Ipv4Net, Ipv6Net};

use super::error::Ec2Error;
use super::lookup::group_index;
use super::params::Params;
use super::xml::Xml;
use crate::aws::ids;
use crate::scenario::config::{
    Config, GroupPairConfig, IpPermissionConfig, IpRangeConfig, Ipv6RangeConfig,
};

/// The source of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    Ipv4(String),
    Ipv6(String),
    Group(String),
}

impl Source {
    pub(super) fn label(&self) -> &str {
        match self {
            Source::Ipv4(s) | Source::Ipv6(s) | Source::Group(s) => s,
        }
    }
}

/// One rule: a protocol and ports from one source (how EC2's newer rule API counts rules).
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) protocol: String,
    pub(super) from_port: Option<i32>,
    pub(super) to_port: Option<i32>,
    pub(super) source: Source,
    pub(super) description: Option<String>,
}

impl Rule {
    pub(super) fn same_traffic(&self, p: &IpPermissionConfig) -> bool {
        normalize_protocol(&p.ip_protocol).as_deref() == Some(self.protocol.as_str())
            && p.from_port == self.from_port
            && p.to_port == self.to_port
    }

    pub(super) fn id(&self, group_id: &str) -> String {
        ids::derived_ec2_id(
            "sgr",
            &format!(
                "{group_id}|{}|{:?}|{:?}|{:?}",
                self.protocol, self.from_port, self.to_port, self.source
            ),
        )
    }

    /// EC2's wording of a rule in InvalidPermission.Duplicate messages.
    pub(super) fn describe(&self) -> String {
        let peer = self.source.label();
        match (self.protocol.as_str(), self.from_port, self.to_port) {
            ("-1", _, _) => format!("peer: {peer}, ALL, ALLOW"),
            (p, Some(from), Some(to)) => format!(
                "peer: {peer}, {}, from port: {from}, to port: {to}, ALLOW",
                p.to_ascii_uppercase()
            ),
            (p, _, _) => format!("peer: {peer}, {}, ALLOW", p.to_ascii_uppercase()),
        }
    }
}

/// A list of sources in one permission's parameters: the list's name, its members' field, and
/// the kind of source that field names.
type SourceList = (&'static str, &'static str, fn(String) -> Source);

/// The protocol names the scenario stores; numbers become names as EC2 shows them.
pub(super) fn normalize_protocol(p: &str) -> Option<String> {
    Some(
        match p.to_ascii_lowercase().as_str() {
            "tcp" | "6" => "tcp",
            "udp" | "17" => "udp",
            "icmp" | "1" => "icmp",
            "icmpv6" | "58" => "icmpv6",
            "-1" | "all" => "-1",
            _ => return None,
        }
        .to_string(),
    )
}

pub(super) fn flatten(p: &IpPermissionConfig) -> Vec<Rule> {
    let protocol = normalize_protocol(&p.ip_protocol).unwrap_or_else(|| p.ip_protocol.clone());
    let rule = |source, description: &Option<String>| Rule {
        protocol: protocol.clone(),
        from_port: p.from_port,
        to_port: p.to_port,
        source,
        description: description.clone(),
    };
    let mut out = Vec::new();
    for r in &p.ip_ranges {
        out.push(rule(Source::Ipv4(r.cidr_ip.clone()), &r.description));
    }
    for r in &p.ipv6_ranges {
        out.push(rule(Source::Ipv6(r.cidr_ipv6.clone()), &r.description));
    }
    for g in &p.user_id_group_pairs {
        out.push(rule(Source::Group(g.group_id.clone()), &g.description));
    }
    out
}

pub(super) fn has_source(p: &IpPermissionConfig, source: &Source) -> bool {
    match source {
        Source::Ipv4(c) => p.ip_ranges.iter().any(|r| &r.cidr_ip == c),
        Source::Ipv6(c) => p.ipv6_ranges.iter().any(|r| &r.cidr_ipv6 == c),
        Source::Group(g) => p.user_id_group_pairs.iter().any(|r| &r.group_id == g),
    }
}

pub(super) fn add_rule(permissions: &mut Vec<IpPermissionConfig>, rule: &Rule) {
    let index = match permissions.iter().position(|p| rule.same_traffic(p)) {
        Some(i) => i,
        None => {
            permissions.push(IpPermissionConfig {
                ip_protocol: rule.protocol.clone(),
                from_port: rule.from_port,
                to_port: rule.to_port,
                ip_ranges: Vec::new(),
                ipv6_ranges: Vec::new(),
                user_id_group_pairs: Vec::new(),
            });
            permissions.len() - 1
        }
    };
    let p = &mut permissions[index];
    let description = rule.description.clone();
    match &rule.source {
        Source::Ipv4(c) => p.ip_ranges.push(IpRangeConfig {
            cidr_ip: c.clone(),
            description,
        }),
        Source::Ipv6(c) => p.ipv6_ranges.push(Ipv6RangeConfig {
            cidr_ipv6: c.clone(),
            description,
        }),
        Source::Group(g) => p.user_id_group_pairs.push(GroupPairConfig {
            group_id: g.clone(),
            description,
        }),
    }
}

/// Removes one rule; false when the group has no such rule.
pub(super) fn remove_rule(permissions: &mut Vec<IpPermissionConfig>, rule: &Rule) -> bool {
    let Some(index) = permissions
        .iter()
        .position(|p| rule.same_traffic(p) && has_source(p, &rule.source))
    else {
        return false;
    };
    let p = &mut permissions[index];
    match &rule.source {
        Source::Ipv4(c) => p.ip_ranges.retain(|r| &r.cidr_ip != c),
        Source::Ipv6(c) => p.ipv6_ranges.retain(|r| &r.cidr_ipv6 != c),
        Source::Group(g) => p.user_id_group_pairs.retain(|r| &r.group_id != g),
    }
    if p.ip_ranges.is_empty() && p.ipv6_ranges.is_empty() && p.user_id_group_pairs.is_empty() {
        permissions.remove(index);
    }
    true
}

/// The rules a call names: `IpPermissions.N.*`, or the legacy flat `IpProtocol`/`CidrIp` form.
pub(super) fn requested_rules(params: &Params, state: &Config) -> Result<Vec<Rule>, Ec2Error> {
    let mut rules = Vec::new();
    let listed = params.indices("IpPermissions");
    if listed.is_empty() {
        if params.get("IpProtocol").is_some() {
            read_permission(params, "", true, &mut rules)?;
        }
    } else {
        for n in listed {
            read_permission(params, &format!("IpPermissions.{n}"), false, &mut rules)?;
        }
    }
    check_sources(&rules, state)?;
    Ok(rules)
}

/// The rules of one permission, at `base` (`IpPermissions.N`, or `""` for the flat form).
fn read_permission(
    params: &Params,
    base: &str,
    flat: bool,
    rules: &mut Vec<Rule>,
) -> Result<(), Ec2Error> {
    let key = |name: &str| {
        if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}.{name}")
        }
    };
    let protocol = requested_protocol(params.get(&key("IpProtocol")).unwrap_or(""))?;
    let from = params.int(&key("FromPort"))?;
    let to = params.int(&key("ToPort"))?;
    let (from_port, to_port) = port_range(&protocol, from, to)?;
    let mut push = |source: Source, description: Option<&str>| {
        rules.push(Rule {
            protocol: protocol.clone(),
            from_port,
            to_port,
            source,
            description: description.filter(|d| !d.is_empty()).map(str::to_string),
        })
    };
    if flat {
        if let Some(cidr) = params.get("CidrIp") {
            push(Source::Ipv4(cidr.to_string()), None);
        }
        return Ok(());
    }
    // botocore sends `Groups.M` (the member's wire name); `UserIdGroupPairs.M` is accepted too.
    let source_lists: [SourceList; 4] = [
        ("IpRanges", "CidrIp", Source::Ipv4),
        ("Ipv6Ranges", "CidrIpv6", Source::Ipv6),
        ("Groups", "GroupId", Source::Group),
        ("UserIdGroupPairs", "GroupId", Source::Group),
    ];
    for (list, field, source) in source_lists {
        for m in params.indices(&key(list)) {
            let k = key(&format!("{list}.{m}"));
            let value = params
                .get(&format!("{k}.{field}"))
                .ok_or_else(|| Ec2Error::missing(field))?;
            push(
                source(value.to_string()),
                params.get(&format!("{k}.Description")),
            );
        }
    }
    Ok(())
}

/// An `IpProtocol` as the scenario stores it; a missing or unknown one is refused.
fn requested_protocol(text: &str) -> Result<String, Ec2Error> {
    if text.is_empty() {
        return Err(Ec2Error::missing("IpProtocol"));
    }
    normalize_protocol(text).ok_or_else(|| {
        Ec2Error::new(
            "InvalidParameterValue",
            format!("Invalid value '{text}' for IP protocol. Unknown protocol."),
        )
    })
}

/// The ports a rule of `protocol` keeps: none for all traffic, a checked range for TCP and UDP,
/// ICMP's type and code (-1 meaning all) otherwise.
fn port_range(
    protocol: &str,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<(Option<i32>, Option<i32>), Ec2Error> {
    match protocol {
        // Ports mean nothing for all traffic; EC2 drops them.
        "-1" => Ok((None, None)),
        "tcp" | "udp" => match (from, to) {
            (Some(f), Some(t)) if (0..=65535).contains(&f) && (f..=65535).contains(&t) => {
                Ok((Some(f), Some(t)))
            }
            (Some(_), Some(_)) => Err(Ec2Error::new(
                "InvalidParameterValue",
                "Invalid value 'Invalid TCP/UDP port range' for portRange",
            )),
            _ => Err(Ec2Error::new(
                "InvalidParameterValue",
                "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange",
            )),
        },
        _ => Ok((Some(from.unwrap_or(-1)), Some(to.unwrap_or(-1)))),
    }
}

/// Every CIDR source parses and every group source exists.
fn check_sources(rules: &[Rule], state: &Config) -> Result<(), Ec2Error> {
    for rule in rules {
        let well_formed = match &rule.source {
            Source::Ipv4(c) => c.parse::<Ipv4Net>().is_ok(),
            Source::Ipv6(c) => c.parse::<Ipv6Net>().is_ok(),
            Source::Group(g) => {
                group_index(state, g)?;
                true
            }
        };
        if !well_formed {
            return Err(Ec2Error::new(
                "InvalidParameterValue",
                format!("CIDR block {} is malformed", rule.source.label()),
            ));
        }
    }
    Ok(())
}

pub(super) fn render_permission(x: &mut Xml, p: &IpPermissionConfig, account: &str) {
    x.text(
        "ipProtocol",
        &normalize_protocol(&p.ip_protocol).unwrap_or_else(|| p.ip_protocol.clone()),
    );
    if let Some(from) = p.from_port {
        x.int("fromPort", from);
    }
    if let Some(to) = p.to_port {
        x.int("toPort", to);
    }
    x.set("groups", &p.user_id_group_pairs, |x, g| {
        x.opt("description", g.description.as_deref());
        x.text("userId", account);
        x.text("groupId", &g.group_id);
    });
    x.set("ipRanges", &p.ip_ranges, |x, r| {
        x.opt("description", r.description.as_deref());
        x.text("cidrIp", &r.cidr_ip);
    });
    x.set("ipv6Ranges", &p.ipv6_ranges, |x, r| {
        x.opt("description", r.description.as_deref());
        x.text("cidrIpv6", &r.cidr_ipv6);
    });
    x.set("prefixListIds", &[] as &[()], |_, _| {});
}

/// Which of EC2's two shapes of a rule to write.
#[derive(Clone, Copy)]
pub(super) enum RuleShape<'a> {
    /// `SecurityGroupRule`, as AuthorizeSecurityGroupIngress lists the rules it added.
    Added { account: &'a str },
    /// `RevokedSecurityGroupRule`: no owner, no tags, a referenced group by id alone.
    Revoked,
}

pub(super) fn render_rule(x: &mut Xml, group_id: &str, rule: &Rule, shape: RuleShape) {
    x.text("securityGroupRuleId", &rule.id(group_id));
    x.text("groupId", group_id);
    if let RuleShape::Added { account } = shape {
        x.text("groupOwnerId", account);
    }
    x.bool("isEgress", false);
    x.text("ipProtocol", &rule.protocol);
    x.int("fromPort", rule.from_port.unwrap_or(-1));
    x.int("toPort", rule.to_port.unwrap_or(-1));
    match (&rule.source, shape) {
        (Source::Ipv4(c), _) => x.text("cidrIpv4", c),
        (Source::Ipv6(c), _) => x.text("cidrIpv6", c),
        (Source::Group(g), RuleShape::Added { account }) => x.element("referencedGroupInfo", |x| {
            x.text("groupId", g);
            x.text("userId", account);
        }),
        (Source::Group(g), RuleShape::Revoked) => x.text("referencedGroupId", g),
    }
    x.opt("description", rule.description.as_deref());
    if let RuleShape::Added { .. } = shape {
        x.set("tagSet", &[] as &[()], |_, _| {});
    }
}
