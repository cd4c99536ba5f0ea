//! Finding the resource a call names in the scenario, or answering with EC2's NotFound error
//! for it.

use super::error::Ec2Error;
use crate::scenario::config::{Config, SubnetConfig, VpcConfig};

/// The position of the resource whose id (`id_of`) is `id`, or `not_found` for it.
fn index_by_id<T>(
    all: &[T],
    id: &str,
    id_of: fn(&T) -> &str,
    not_found: fn(&str) -> Ec2Error,
) -> Result<usize, Ec2Error> {
    all.iter()
        .position(|r| id_of(r) == id)
        .ok_or_else(|| not_found(id))
}

pub(super) fn vpc_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    index_by_id(&state.vpcs, id, |v| &v.vpc_id, Ec2Error::vpc_not_found)
}

/// A subnet and the VPC that holds it.
pub(super) fn find_subnet<'s>(
    state: &'s Config,
    id: &str,
) -> Result<(&'s VpcConfig, &'s SubnetConfig), Ec2Error> {
    state
        .vpcs
        .iter()
        .find_map(|v| v.subnets.iter().find(|s| s.subnet_id == id).map(|s| (v, s)))
        .ok_or_else(|| Ec2Error::subnet_not_found(id))
}

pub(super) fn group_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    index_by_id(
        &state.security_groups,
        id,
        |g| &g.group_id,
        Ec2Error::group_not_found,
    )
}

pub(super) fn endpoint_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    index_by_id(
        &state.vpc_endpoints,
        id,
        |e| &e.vpc_endpoint_id,
        Ec2Error::endpoint_not_found,
    )
}
