//! Finding the resource a call names in the scenario, or answering with EC2's NotFound error
//! for it.

use super::error::Ec2Error;
use crate::scenario::config::{Config, SubnetConfig, VpcConfig};

pub(super) fn vpc_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    state
        .vpcs
        .iter()
        .position(|v| v.vpc_id == id)
        .ok_or_else(|| Ec2Error::vpc_not_found(id))
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
    state
        .security_groups
        .iter()
        .position(|g| g.group_id == id)
        .ok_or_else(|| Ec2Error::group_not_found(id))
}

pub(super) fn endpoint_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    state
        .vpc_endpoints
        .iter()
        .position(|e| e.vpc_endpoint_id == id)
        .ok_or_else(|| Ec2Error::endpoint_not_found(id))
}
