//! What a policy is parsed against ([`PolicyScope`]): the partition, Region, account and API
//! that `execute-api:/stage/METHOD/path` shorthand expands with, and the partition a Region
//! belongs to ([`partition_for_region`]).

/// What shorthand expands against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyScope {
    /// `aws`, `aws-cn`, `aws-us-gov`, ... (see [`partition_for_region`]).
    pub partition: String,
    /// The Region of the API.
    pub region: String,
    /// The account that owns the API.
    pub account_id: String,
    /// The API whose policy this is; `None` for endpoint policies, where shorthand is an error.
    pub api_id: Option<String>,
}

impl PolicyScope {
    /// The scope of an API's resource policy; the partition follows from the Region
    /// ([`partition_for_region`]).
    pub fn for_api(region: &str, account_id: &str, api_id: &str) -> PolicyScope {
        PolicyScope {
            api_id: Some(api_id.to_string()),
            ..PolicyScope::for_endpoint(region, account_id)
        }
    }

    /// The scope of a VPC endpoint policy (no shorthand); the partition follows from the Region
    /// ([`partition_for_region`]).
    pub fn for_endpoint(region: &str, account_id: &str) -> PolicyScope {
        PolicyScope {
            partition: partition_for_region(region).to_string(),
            region: region.to_string(),
            account_id: account_id.to_string(),
            api_id: None,
        }
    }
}

/// Region name prefixes of the partitions other than `aws`.
const PARTITIONS: [(&str, &str); 7] = [
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
    ("eusc-", "aws-eusc"),
];

/// The partition of a Region, the second field of its ARNs: `aws-cn` for `cn-*`, `aws-us-gov`
/// for `us-gov-*`, `aws-iso` for `us-iso-*`, `aws-iso-b` for `us-isob-*`, `aws-iso-e` for
/// `eu-isoe-*`, `aws-iso-f` for `us-isof-*`, `aws-eusc` for `eusc-*`, and `aws` for every other
/// Region.
///
/// A name that does not have the shape of a Region (dash-separated lowercase letters and digits,
/// three parts or more, a two-letter first part or `eusc`, a number last) is taken to be in
/// `aws`, as a scope must still be built for it.
///
/// ```
/// use iam_policy::partition_for_region;
/// assert_eq!(partition_for_region("us-east-1"), "aws");
/// assert_eq!(partition_for_region("cn-northwest-1"), "aws-cn");
/// assert_eq!(partition_for_region("us-isob-east-1"), "aws-iso-b");
/// assert_eq!(partition_for_region("not a region"), "aws");
/// ```
pub fn partition_for_region(region: &str) -> &'static str {
    if !is_region_name(region) {
        return "aws";
    }
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// `us-east-1`, `cn-northwest-1`, `us-gov-west-1`, `eusc-de-east-1`: the shape of a Region name.
fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && (parts[0].len() == 2 || parts[0] == "eusc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partitions() {
        let cases = [
            ("us-east-1", "aws"),
            ("eu-west-3", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
            // Not Region names: `aws`, as the emulator's Region parser leaves them.
            ("useast1", "aws"),
            ("US-east-1", "aws"),
            ("cn-north", "aws"),
            ("", "aws"),
        ];
        for (region, partition) in cases {
            assert_eq!(partition_for_region(region), partition, "{region}");
        }
    }

    #[test]
    fn constructors_take_the_partition_from_the_region() {
        let api = PolicyScope::for_api("cn-north-1", "123456789012", "a1b2c3d4e5");
        assert_eq!(api.partition, "aws-cn");
        assert_eq!(api.api_id.as_deref(), Some("a1b2c3d4e5"));
        let endpoint = PolicyScope::for_endpoint("us-gov-west-1", "123456789012");
        assert_eq!(endpoint.partition, "aws-us-gov");
        assert_eq!(endpoint.api_id, None);
    }
}
