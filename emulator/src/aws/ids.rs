//! Every id the emulator makes, in the shapes AWS gives them (the control plane's new
//! resources, the ids a template's resources get, the ids the data plane reports):
//!
//! | id | shape | made |
//! | --- | --- | --- |
//! | VPC, subnet, security group, VPC endpoint | `vpc-`, `subnet-`, `sg-`, `vpce-` + 17 hex | [`ec2_id`], at random |
//! | network interface, rule, DHCP options, CIDR association | `eni-`, `sgr-`, `dopt-`, `vpc-cidr-assoc-` + 17 hex | [`derived_ec2_id`], from a seed |
//! | REST API | 10 of `[a-z0-9]` | [`rest_api_id`], at random |
//! | deployment | 6 of `[a-z0-9]` | [`deployment_id`], at random |
//! | resource | 6 of `[a-z0-9]` | [`resource_id`], from the resource's path |
//! | stand-in deployment of undeployed stages | 6 of `[a-z0-9]` | [`current_deployment_id`], from the API id |
//! | Route 53 hosted zone | `Z` + 20 of `[A-Z0-9]` | [`hosted_zone_id`], from a seed |
//! | request | a UUID | [`request_id`], at random |
//!
//! | template resource | `vpc-0` + 16 hex, 10 or 6 of `[a-z0-9]` | [`derived_hex`], [`derived_apigateway_id`], from the logical id |
//!
//! Derived ids are hashes of what they belong to: stable across restarts, so they are never
//! stored. The 6-character derived ids are the data plane's too (`$context.resourceId`,
//! `$context.deploymentId`).

use std::fmt::Write as _;

/// `prefix-` followed by 17 random lowercase hex digits, as EC2 ids are today
/// (`vpc-0a1b2c3d4e5f67890`, `vpce-...`, `sg-...`, `subnet-...`).
pub fn ec2_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &hex[..17])
}

/// `prefix-` and 17 hex digits derived from `seed`: ids EC2 shows but the scenario does not
/// keep (`eni-`, `sgr-`, `dopt-`, `vpc-cidr-assoc-`).
pub fn derived_ec2_id(prefix: &str, seed: &str) -> String {
    format!("{prefix}-{}", derived_hex(&format!("{prefix}|{seed}"), 17))
}

/// A new REST API's id: 10 random characters from `[a-z0-9]`.
pub fn rest_api_id() -> String {
    random_apigateway_id(10)
}

/// A new deployment's id: 6 random characters from `[a-z0-9]`.
pub fn deployment_id() -> String {
    random_apigateway_id(6)
}

/// A resource's id, derived from its path (`/` is the root resource).
pub fn resource_id(path: &str) -> String {
    short_id(path)
}

/// The deployment id the data plane reports for stages of `api_id` without a `deploymentId`.
pub fn current_deployment_id(api_id: &str) -> String {
    short_id(&format!("deployment/{api_id}"))
}

/// A 6-character id derived from `seed`, in the shape of API Gateway's resource and deployment
/// ids, stable across restarts.
pub fn short_id(seed: &str) -> String {
    derived_apigateway_id(seed, 6)
}

/// `len` characters of `[a-z0-9]` derived from `seed` (`len` ≤ 32).
pub fn derived_apigateway_id(seed: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    digest
        .as_ref()
        .iter()
        .take(len)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// `Z` and 20 uppercase letters and digits derived from `seed`, as newer Route 53 zone ids look.
pub fn hosted_zone_id(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let tail: String = digest
        .as_ref()
        .iter()
        .take(20)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("Z{tail}")
}

/// A control-plane call's request id (`x-amzn-RequestId`, EC2's `requestId`).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `len` random characters from `[a-z0-9]`.
fn random_apigateway_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().into_bytes() {
            // 252 = 7 * 36: keeps the choice uniform.
            if b < 252 && out.len() < len {
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    out
}

/// `n` lowercase hex digits derived from `seed` (`n` ≤ 64).
pub fn derived_hex(seed: &str, n: usize) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex.truncate(n);
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::names::{is_resource_id, is_rest_api_id};

    fn is_apigateway_shaped(id: &str, len: usize) -> bool {
        id.len() == len
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }

    #[test]
    fn ec2_ids_are_a_prefix_and_17_random_hex_digits() {
        for prefix in ["vpc", "subnet", "sg", "vpce"] {
            let id = ec2_id(prefix);
            assert_eq!(id.len(), prefix.len() + 18, "{id}");
            assert!(is_resource_id(&id, prefix), "{id}");
        }
        assert_ne!(ec2_id("vpc"), ec2_id("vpc"));
    }

    #[test]
    fn derived_ec2_ids_are_a_prefix_and_17_hex_digits_stable_per_seed() {
        let id = derived_ec2_id("eni", "vpce-1|subnet-1");
        assert!(is_resource_id(&id, "eni"), "{id}");
        assert_eq!(id.len(), "eni-".len() + 17);
        assert_eq!(id, derived_ec2_id("eni", "vpce-1|subnet-1"));
        assert_ne!(id, derived_ec2_id("eni", "vpce-1|subnet-2"));
        // The prefix is part of the seed: two kinds of id never share their digits.
        assert_ne!(id[4..], derived_ec2_id("sgr", "vpce-1|subnet-1")[4..]);
    }

    #[test]
    fn rest_api_ids_are_10_random_characters() {
        let id = rest_api_id();
        assert!(is_rest_api_id(&id), "{id}");
        assert!(is_apigateway_shaped(&id, 10), "{id}");
        assert_ne!(rest_api_id(), rest_api_id());
    }

    #[test]
    fn deployment_ids_are_6_random_characters() {
        let id = deployment_id();
        assert!(is_apigateway_shaped(&id, 6), "{id}");
        assert_ne!(deployment_id(), deployment_id());
    }

    #[test]
    fn resource_and_stand_in_deployment_ids_are_6_characters_derived() {
        let root = resource_id("/");
        assert!(is_apigateway_shaped(&root, 6), "{root}");
        assert_eq!(root, resource_id("/"));
        assert_ne!(root, resource_id("/pets"));
        let current = current_deployment_id("chw1a2q2xk");
        assert!(is_apigateway_shaped(&current, 6), "{current}");
        assert_eq!(current, crate::aws::ids::short_id("deployment/chw1a2q2xk"));
    }

    #[test]
    fn hosted_zone_ids_are_z_and_20_uppercase_characters() {
        let id = hosted_zone_id("private-zone|vpce-1");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with('Z'));
        assert!(id[1..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(id, hosted_zone_id("private-zone|vpce-1"));
    }

    #[test]
    fn request_ids_are_uuids() {
        let id = request_id();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert_ne!(request_id(), request_id());
    }
}
