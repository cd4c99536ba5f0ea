//! EC2 Query API: VPCs, subnets, security groups and interface VPC endpoints.
//!
//! Owns the EC2 side of the control plane: parsing EC2's Query protocol (form-encoded
//! `Action=...&Version=2016-11-15&...`, in a POST body or a GET query string), turning each
//! supported action into a read of the scenario or an edited copy of it, and answering in EC2's
//! XML exactly as botocore's `ec2` model expects it (lists are `<item>`s in `...Set` wrappers).
//!
//! The scenario holds only what the emulator needs; everything else EC2 shows (DHCP options ids,
//! CIDR association ids, network interface ids, rule ids) is derived from the resource ids with
//! a hash, so it is stable across restarts and never needs storing.
//!
//! This module routes an action to its handler; the wire format is in [`params`] (requests),
//! [`xml`] and [`error`] (answers), [`describe`] and [`lookup`] what the calls share, [`addresses`]
//! the endpoints' local addresses, and each resource family has its own module.

mod addresses;
mod derived;
mod describe;
mod endpoints;
mod error;
mod lookup;
mod params;
mod rules;
mod security_groups;
mod subnets;
mod vpcs;
mod xml;

#[cfg(test)]
mod tests;

pub use error::Ec2Error;

use super::{ControlContext, ControlRequest, Handled};
use crate::scenario::config::Config;
use params::Params;

/// One call: its parameters, the state it applies to and when it happens.
struct Call<'a> {
    params: &'a Params,
    state: &'a Config,
    ctx: &'a ControlContext,
}

/// What a handler answers: the response (with the edited state, for a change), or EC2's error.
type Ec2Result = Result<Handled, Ec2Error>;

/// Handles one EC2 Query API call against the current state.
pub fn handle(req: &ControlRequest, state: &Config, ctx: &ControlContext) -> Handled {
    let params = match Params::from_request(req) {
        Ok(params) => params,
        Err(e) => return Handled::read(e.response(ctx)),
    };
    let action = params.get("Action").unwrap_or("").to_string();
    let call = Call {
        params: &params,
        state,
        ctx,
    };
    match dispatch(&action, &call) {
        Ok(handled) => handled,
        Err(e) => Handled::read(e.response(ctx)),
    }
}

fn dispatch(action: &str, c: &Call) -> Ec2Result {
    let handler: fn(&Call) -> Ec2Result = match action {
        "CreateVpc" => vpcs::create_vpc,
        "DescribeVpcs" => vpcs::describe_vpcs,
        "DeleteVpc" => vpcs::delete_vpc,
        "CreateSubnet" => subnets::create_subnet,
        "DescribeSubnets" => subnets::describe_subnets,
        "DeleteSubnet" => subnets::delete_subnet,
        "CreateSecurityGroup" => security_groups::create_security_group,
        "DescribeSecurityGroups" => security_groups::describe_security_groups,
        "AuthorizeSecurityGroupIngress" => security_groups::authorize_ingress,
        "RevokeSecurityGroupIngress" => security_groups::revoke_ingress,
        "DeleteSecurityGroup" => security_groups::delete_security_group,
        "CreateVpcEndpoint" => endpoints::create_vpc_endpoint,
        "DescribeVpcEndpoints" => endpoints::describe_vpc_endpoints,
        "ModifyVpcEndpoint" => endpoints::modify_vpc_endpoint,
        "DeleteVpcEndpoints" => endpoints::delete_vpc_endpoints,
        "" => {
            return Err(Ec2Error::new(
                "MissingAction",
                "The request must contain the parameter Action",
            ))
        }
        other => {
            return Err(Ec2Error::new(
                "InvalidAction",
                format!("The action {other} is not valid for this web service."),
            ))
        }
    };
    // EC2 answers a dry run before looking at anything else (the caller may do everything).
    if c.params
        .get("DryRun")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(Ec2Error {
            status: 412,
            code: "DryRunOperation".into(),
            message: "Request would have succeeded, but DryRun flag is set.".into(),
        });
    }
    handler(c)
}
