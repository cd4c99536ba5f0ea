//! Names AWS derives from a Region, an endpoint id or an API id: DNS zones, endpoint DNS names,
//! ARNs. Pure functions, so the DNS server, the certificate issuer and the gateway agree.

use ring::digest;

/// A Region and the partition it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// e.g. `us-east-1`.
    pub name: String,
    /// `aws`, `aws-cn` or `aws-us-gov`: the second field of ARNs.
    pub partition: &'static str,
    /// `amazonaws.com`, or `amazonaws.com.cn` in China.
    pub dns_suffix: &'static str,
}

impl Region {
    /// Checks the shape of a Region name (`us-east-1`, `cn-northwest-1`, `us-gov-west-1`).
    pub fn parse(name: &str) -> Option<Region> {
        let parts: Vec<&str> = name.split('-').collect();
        let well_formed = parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && parts[0].len() == 2;
        if !well_formed {
            return None;
        }
        let (partition, dns_suffix) = if name.starts_with("cn-") {
            ("aws-cn", "amazonaws.com.cn")
        } else if name.starts_with("us-gov-") {
            ("aws-us-gov", "amazonaws.com")
        } else {
            ("aws", "amazonaws.com")
        };
        Some(Region {
            name: name.to_string(),
            partition,
            dns_suffix,
        })
    }

    /// The zone of endpoint-specific names: `execute-api.<region>.vpce.amazonaws.com`.
    pub fn vpce_zone(&self) -> String {
        format!("execute-api.{}.vpce.{}", self.name, self.dns_suffix)
    }

    /// The zone of API names: `execute-api.<region>.amazonaws.com`.
    pub fn api_zone(&self) -> String {
        format!("execute-api.{}.{}", self.name, self.dns_suffix)
    }

    /// `com.amazonaws.<region>.execute-api`, the endpoint service of API Gateway.
    pub fn execute_api_service_name(&self) -> String {
        let reversed: Vec<&str> = self.dns_suffix.split('.').rev().collect();
        format!("{}.{}.execute-api", reversed.join("."), self.name)
    }
}

/// The 8 lowercase letters and digits in an endpoint's DNS names. AWS picks them at random; we
/// derive them from the endpoint id so that names survive restarts (decision 3 in the README).
pub fn endpoint_dns_suffix(vpc_endpoint_id: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let hash = digest::digest(&digest::SHA256, vpc_endpoint_id.as_bytes());
    hash.as_ref()
        .iter()
        .take(8)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// `vpce-<id>-<suffix>.execute-api.<region>.vpce.amazonaws.com`.
pub fn regional_endpoint_name(region: &Region, vpc_endpoint_id: &str, suffix: &str) -> String {
    format!("{vpc_endpoint_id}-{suffix}.{}", region.vpce_zone())
}

/// `vpce-<id>-<suffix>-<az>.execute-api.<region>.vpce.amazonaws.com`.
pub fn zonal_endpoint_name(
    region: &Region,
    vpc_endpoint_id: &str,
    suffix: &str,
    az: &str,
) -> String {
    format!("{vpc_endpoint_id}-{suffix}-{az}.{}", region.vpce_zone())
}

/// `arn:aws:execute-api:<region>:<account>:<api-id>`, the prefix of every method ARN.
pub fn api_arn(region: &Region, account_id: &str, api_id: &str) -> String {
    format!(
        "arn:{}:execute-api:{}:{account_id}:{api_id}",
        region.partition, region.name
    )
}

/// How AWS shows an account id in denial messages: eight `*` and the last four digits.
pub fn masked_account(account_id: &str) -> String {
    let tail = account_id
        .get(account_id.len().saturating_sub(4)..)
        .unwrap_or(account_id);
    format!("********{tail}")
}

/// True for the id shapes AWS gives REST APIs: 10 lowercase letters and digits.
pub fn is_rest_api_id(id: &str) -> bool {
    id.len() == 10
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// True for `<prefix>-` followed by 8 or 17 lowercase hexadecimal digits (`vpce-`, `vpc-`, ...).
pub fn is_resource_id(id: &str, prefix: &str) -> bool {
    match id
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
    {
        Some(hex) => {
            (hex.len() == 8 || hex.len() == 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partitions() {
        assert_eq!(Region::parse("us-east-1").unwrap().partition, "aws");
        let cn = Region::parse("cn-northwest-1").unwrap();
        assert_eq!(
            (cn.partition, cn.dns_suffix),
            ("aws-cn", "amazonaws.com.cn")
        );
        assert_eq!(
            cn.execute_api_service_name(),
            "cn.com.amazonaws.cn-northwest-1.execute-api"
        );
        assert_eq!(
            Region::parse("us-gov-west-1").unwrap().partition,
            "aws-us-gov"
        );
        assert!(Region::parse("useast1").is_none());
        assert!(Region::parse("US-east-1").is_none());
    }

    #[test]
    fn endpoint_names_have_the_aws_shape() {
        let r = Region::parse("us-east-1").unwrap();
        let suffix = endpoint_dns_suffix("vpce-01234567890abcdef");
        assert_eq!(suffix.len(), 8);
        assert!(suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(
            suffix,
            endpoint_dns_suffix("vpce-01234567890abcdef"),
            "stable across calls"
        );
        assert_eq!(
            zonal_endpoint_name(&r, "vpce-01234567890abcdef", "abcd1234", "us-east-1a"),
            "vpce-01234567890abcdef-abcd1234-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com"
        );
        assert_eq!(
            r.execute_api_service_name(),
            "com.amazonaws.us-east-1.execute-api"
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(is_rest_api_id("chw1a2q2xk"));
        assert!(!is_rest_api_id("CHW1a2q2xk"));
        assert!(is_resource_id("vpce-01234567890abcdef", "vpce"));
        assert!(is_resource_id("vpc-0123abcd", "vpc"));
        assert!(!is_resource_id("vpce-0123456789abcdefg", "vpce"));
        assert_eq!(masked_account("123456789012"), "********9012");
    }
}
