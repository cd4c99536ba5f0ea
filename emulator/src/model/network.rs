//! Who a client is in the AWS picture, and whether the endpoint's security groups let it in.
//!
//! Every connection and DNS query arrives from a local address (loopback, or a container's). A
//! client network maps such addresses onto the addresses they stand for (an on-premises range
//! reached over Direct Connect, or a subnet of a VPC) and says whether the client is inside a VPC
//! (then it uses that VPC's resolver and sees private DNS names). Security groups are evaluated
//! on the address the client stands for, as AWS evaluates them on the packet's source.

use std::net::IpAddr;

use ipnet::IpNet;

/// The protocol of a security group rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleProtocol {
    /// `-1`: every protocol and port.
    All,
    /// `tcp`.
    Tcp,
    /// `udp`, `icmp`, ...: never matches a TCP connection.
    Other,
}

/// One inbound rule.
#[derive(Debug, Clone)]
pub struct IngressRule {
    /// Its protocol.
    pub protocol: RuleProtocol,
    /// Inclusive port range (`None`: every port).
    pub ports: Option<(u16, u16)>,
    /// Source address ranges.
    pub ranges: Vec<IpNet>,
    /// Source security groups.
    pub source_groups: Vec<String>,
}

/// A security group.
#[derive(Debug, Clone)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// Its name, for logs.
    pub name: Option<String>,
    /// Its VPC.
    pub vpc_id: String,
    /// Inbound rules.
    pub rules: Vec<IngressRule>,
}

/// A range of local source addresses and who they stand for.
#[derive(Debug, Clone)]
pub struct ClientNetwork {
    /// A label for logs.
    pub name: String,
    /// What the emulator sees.
    pub source: IpNet,
    /// What they stand for (host bits kept); `None`: as seen.
    pub appears_as: Option<IpNet>,
    /// The VPC they are in; `None`: on premises.
    pub vpc_id: Option<String>,
    /// Security groups they are members of.
    pub security_group_ids: Vec<String>,
}

/// A client as AWS would see it.
#[derive(Debug, Clone)]
pub struct ClientIdentity<'t> {
    /// The network it belongs to, if one is configured for its address.
    pub network: Option<&'t ClientNetwork>,
    /// The address it stands for: `aws:VpcSourceIp`, `X-Forwarded-For`, security group checks.
    pub address: IpAddr,
}

impl ClientIdentity<'_> {
    /// The VPC the client is in, if any.
    pub fn vpc_id(&self) -> Option<&str> {
        self.network.and_then(|n| n.vpc_id.as_deref())
    }

    /// Security groups the client is a member of.
    pub fn security_group_ids(&self) -> &[String] {
        self.network
            .map(|n| n.security_group_ids.as_slice())
            .unwrap_or(&[])
    }

    /// A label for logs: `10.20.0.7 (on-premises over Direct Connect)`.
    pub fn describe(&self) -> String {
        let mut text = ip_text(self.address);
        if let Some(n) = self.network {
            text.push_str(" (");
            text.push_str(&n.name);
            text.push(')');
        }
        text
    }
}

/// Keeps the host bits of `address` inside `target` (`127.0.2.7` in `127.0.2.0/24` onto
/// `10.20.0.0/24` gives `10.20.0.7`). Address families must match; otherwise the address stays.
pub fn translate(address: IpAddr, target: &IpNet) -> IpAddr {
    match (address, target) {
        (IpAddr::V4(a), IpNet::V4(t)) => {
            let host = u32::from(a) & u32::from(t.hostmask());
            IpAddr::V4((u32::from(t.network()) | host).into())
        }
        (IpAddr::V6(a), IpNet::V6(t)) => {
            let host = u128::from(a) & u128::from(t.hostmask());
            IpAddr::V6((u128::from(t.network()) | host).into())
        }
        _ => address,
    }
}

/// Finds the client network for a local source address (most specific first) and the address
/// the client stands for.
pub fn identify(networks: &[ClientNetwork], source: IpAddr) -> ClientIdentity<'_> {
    // Networks are kept sorted by prefix length, longest first.
    let network = networks.iter().find(|n| n.source.contains(&source));
    let address = match network.and_then(|n| n.appears_as.as_ref()) {
        Some(target) => translate(source, target),
        None => source,
    };
    ClientIdentity { network, address }
}

/// Why a security group check came out as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Allowed by this group's rule.
    Allowed {
        /// The group.
        group_id: String,
    },
    /// No rule of these groups allows the source on this port.
    Dropped {
        /// The groups that were checked.
        group_ids: Vec<String>,
    },
}

impl SecurityGroup {
    /// True when a rule allows TCP to `port` from `client`.
    pub fn allows_tcp(&self, client: &ClientIdentity<'_>, port: u16) -> bool {
        self.rules.iter().any(|rule| {
            let protocol_ok = matches!(rule.protocol, RuleProtocol::All | RuleProtocol::Tcp);
            let port_ok = rule.protocol == RuleProtocol::All
                || rule
                    .ports
                    .is_none_or(|(from, to)| from <= port && port <= to);
            let source_ok = rule.ranges.iter().any(|r| r.contains(&client.address))
                || rule
                    .source_groups
                    .iter()
                    .any(|g| client.security_group_ids().contains(g));
            protocol_ok && port_ok && source_ok
        })
    }
}

/// Checks a TCP connection to `port` against every group: any group's rule may allow it.
pub fn admit(
    groups: &[std::sync::Arc<SecurityGroup>],
    client: &ClientIdentity<'_>,
    port: u16,
) -> Admission {
    match groups.iter().find(|g| g.allows_tcp(client, port)) {
        Some(g) => Admission::Allowed {
            group_id: g.id.clone(),
        },
        None => Admission::Dropped {
            group_ids: groups.iter().map(|g| g.id.clone()).collect(),
        },
    }
}

/// An address as text, as `Display` writes it; IPv4 without the formatting machinery, since
/// every request prints its client's address.
pub fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let mut text = String::with_capacity(15);
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.push('.');
                }
                if octet >= 100 {
                    text.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    text.push(char::from(b'0' + octet / 10 % 10));
                }
                text.push(char::from(b'0' + octet % 10));
            }
            text
        }
        IpAddr::V6(v6) => v6.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn networks() -> Vec<ClientNetwork> {
        let mut v = vec![
            ClientNetwork {
                name: "on-premises".into(),
                source: net("127.0.0.0/8"),
                appears_as: Some(net("10.20.0.0/16")),
                vpc_id: None,
                security_group_ids: vec![],
            },
            ClientNetwork {
                name: "in the VPC".into(),
                source: net("127.0.3.0/24"),
                appears_as: Some(net("172.31.3.0/24")),
                vpc_id: Some("vpc-0a1b2c3d".into()),
                security_group_ids: vec!["sg-0000000a".into()],
            },
        ];
        v.sort_by_key(|n| std::cmp::Reverse(n.source.prefix_len()));
        v
    }

    #[test]
    fn sources_are_translated_keeping_host_bits() {
        let n = networks();
        let c = identify(&n, "127.0.3.9".parse().unwrap());
        assert_eq!(c.address, "172.31.3.9".parse::<IpAddr>().unwrap());
        assert_eq!(c.vpc_id(), Some("vpc-0a1b2c3d"));
        let c = identify(&n, "127.0.2.5".parse().unwrap());
        assert_eq!(c.address, "10.20.2.5".parse::<IpAddr>().unwrap());
        assert_eq!(c.vpc_id(), None);
        let c = identify(&n, "::1".parse().unwrap());
        assert_eq!(c.address, "::1".parse::<IpAddr>().unwrap());
        assert!(c.network.is_none());
    }

    #[test]
    fn rules_check_protocol_port_and_source() {
        let sg = Arc::new(SecurityGroup {
            id: "sg-0000000b".into(),
            name: None,
            vpc_id: "vpc-0a1b2c3d".into(),
            rules: vec![
                IngressRule {
                    protocol: RuleProtocol::Tcp,
                    ports: Some((443, 443)),
                    ranges: vec![net("10.20.0.0/16")],
                    source_groups: vec![],
                },
                IngressRule {
                    protocol: RuleProtocol::Tcp,
                    ports: Some((443, 443)),
                    ranges: vec![],
                    source_groups: vec!["sg-0000000a".into()],
                },
            ],
        });
        let n = networks();
        let onprem = identify(&n, "127.0.2.5".parse().unwrap());
        let in_vpc = identify(&n, "127.0.3.9".parse().unwrap());
        assert_eq!(
            admit(std::slice::from_ref(&sg), &onprem, 443),
            Admission::Allowed {
                group_id: "sg-0000000b".into()
            }
        );
        assert_eq!(
            admit(std::slice::from_ref(&sg), &in_vpc, 443),
            Admission::Allowed {
                group_id: "sg-0000000b".into()
            }
        );
        assert_eq!(
            admit(std::slice::from_ref(&sg), &onprem, 80),
            Admission::Dropped {
                group_ids: vec!["sg-0000000b".into()]
            }
        );
        let outsider = ClientIdentity {
            network: None,
            address: "192.168.1.1".parse().unwrap(),
        };
        assert!(matches!(
            admit(&[sg], &outsider, 443),
            Admission::Dropped { .. }
        ));
    }

    #[test]
    fn addresses_print_as_display_does() {
        for ip in [
            "0.0.0.0",
            "10.20.0.7",
            "127.0.0.1",
            "255.255.255.255",
            "100.9.10.99",
            "::1",
            "fd00:ec2::23",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }
}
