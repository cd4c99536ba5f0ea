//! Values EC2 shows that the scenario does not keep: ARNs, timestamps, the Region's hosted zone
//! and zone ids (ids derived with a hash are made in [`crate::aws::ids`]).

use crate::aws::ids;
use crate::aws::names::Region;
use crate::scenario::config::Config;

pub(super) fn region_of(state: &Config) -> Region {
    Region::parse(&state.region).unwrap_or(Region {
        name: state.region.clone(),
        partition: "aws",
        dns_suffix: "amazonaws.com",
    })
}

pub(super) fn arn(state: &Config, kind: &str, id: &str) -> String {
    let region = region_of(state);
    format!(
        "arn:{}:ec2:{}:{}:{kind}/{id}",
        region.partition, region.name, state.account_id
    )
}

/// `2024-05-01T12:00:00.123Z`, EC2's millisecond timestamps.
pub(super) fn timestamp(now: time::OffsetDateTime) -> String {
    crate::aws::timestamps::iso8601_millis(now)
}

/// The Route 53 zone that holds the `vpce.amazonaws.com` names of a Region (the `hostedZoneId`
/// of an endpoint's regional and zonal DNS entries).
pub(super) fn vpce_hosted_zone_id(region: &str) -> String {
    let known = match region {
        "us-east-1" => "Z7HUB22UULQXV",
        "us-east-2" => "ZC8PG0KIFKBRI",
        "us-west-1" => "Z12I86A8N7VCZO",
        "us-west-2" => "Z1YSA3EXCYUU9Z",
        "af-south-1" => "Z09302161J80N9A7UTP7U",
        "ap-east-1" => "Z2LIHJ7PKBEMWN",
        "ap-northeast-1" => "Z2E726K9Y6RL4W",
        "ap-northeast-2" => "Z27UANNT0PRK1T",
        "ap-northeast-3" => "Z376B5OMM2JZL2",
        "ap-south-1" => "Z2KVTB3ZLFM7JR",
        "ap-south-2" => "Z0952991RWSF5AHIQDIY",
        "ap-southeast-1" => "Z18LLCSTV4NVNL",
        "ap-southeast-2" => "ZDK2GCRPAFKGO",
        "ap-southeast-3" => "Z03881013RZ9BYYZO8N5W",
        "ap-southeast-4" => "Z07508191CO1RNBX3X3AU",
        "ca-central-1" => "ZRCXCF510Y6P9",
        "eu-central-1" => "Z273ZU8SZ5RJPC",
        "eu-central-2" => "Z045369019J4FUQ4S272E",
        "eu-north-1" => "Z3OWWK6JFDEDGC",
        "eu-south-1" => "Z2A5FDNRLY7KZG",
        "eu-south-2" => "Z014396544HENR57XQCJ",
        "eu-west-1" => "Z38GZ743OKFT7T",
        "eu-west-2" => "Z7K1066E3PUKB",
        "eu-west-3" => "Z1DWHTMFP0WECP",
        "me-central-1" => "Z07122992YCEUCB9A9570",
        "me-south-1" => "Z3B95P3VBGEQGY",
        "sa-east-1" => "Z2LXUWEVLCVZIB",
        "us-gov-east-1" => "Z2MU5TEIGO9WXB",
        "us-gov-west-1" => "Z12529ZODG2B6H",
        // Regions not in the table get a stable id of the same shape.
        other => return ids::hosted_zone_id(&format!("vpce-zone|{other}")),
    };
    known.to_string()
}

/// The Availability Zone id EC2 shows beside a zone name (`use1-az1` for `us-east-1a`). AWS maps
/// names to ids per account; the emulator uses the letter's position.
pub(super) fn availability_zone_id(region: &str, zone: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    let mut abbreviation = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 || i == parts.len() - 1 {
            abbreviation.push_str(part);
        } else {
            for word in ["north", "south", "east", "west", "central"] {
                if let Some(rest) = part.strip_prefix(word) {
                    abbreviation.push_str(&word[..1]);
                    if let Some(c) = rest.chars().next() {
                        abbreviation.push(c);
                    }
                    break;
                }
            }
        }
    }
    let index = zone
        .strip_prefix(region)
        .and_then(|l| l.bytes().next())
        .map(|b| u32::from(b.saturating_sub(b'a')) + 1)
        .unwrap_or(1);
    format!("{abbreviation}-az{index}")
}
