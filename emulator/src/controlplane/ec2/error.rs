//! EC2's errors: the codes and messages a call can fail with, the XML they are answered in,
//! and the check every change passes before it is kept.

use super::super::{validate, ControlContext, ControlResponse};
use super::xml::{escape, CONTENT_TYPE};
use crate::model::topology::Topology;
use crate::scenario::config::Config;

/// An error as EC2 reports it: an HTTP status, a code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Ec2Error {
    /// HTTP status (400 for nearly everything).
    pub status: u16,
    /// EC2's error code, e.g. `InvalidVpcID.NotFound`.
    pub code: String,
    /// The message, worded as EC2 words it.
    pub message: String,
}

impl Ec2Error {
    pub(super) fn new(code: &str, message: impl Into<String>) -> Ec2Error {
        Ec2Error {
            status: 400,
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn missing(parameter: &str) -> Ec2Error {
        Ec2Error::new(
            "MissingParameter",
            format!("The request must contain the parameter {parameter}"),
        )
    }

    pub(super) fn vpc_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
        )
    }

    pub(super) fn subnet_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{id}' does not exist"),
        )
    }

    pub(super) fn group_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidGroup.NotFound",
            format!("The security group '{id}' does not exist"),
        )
    }

    pub(super) fn endpoint_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidVpcEndpointId.NotFound",
            format!("The Vpc Endpoint Id '{id}' does not exist"),
        )
    }

    /// A group named without its VPC: a name alone only identifies a group of the default VPC,
    /// which scenarios lack.
    pub(super) fn no_default_vpc() -> Ec2Error {
        Ec2Error::new(
            "VPCIdNotSpecified",
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
        )
    }

    pub(super) fn dependency(message: String) -> Ec2Error {
        Ec2Error::new("DependencyViolation", message)
    }

    pub(super) fn response(&self, ctx: &ControlContext) -> ControlResponse {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            escape(&self.code),
            escape(&self.message),
            escape(&ctx.request_id)
        );
        ControlResponse::new(self.status, CONTENT_TYPE, body)
    }
}

/// The edited state, if it can be served; else EC2's error carrying the reason.
pub(super) fn checked(new_state: Config) -> Result<(Config, Topology), Ec2Error> {
    match validate(&new_state) {
        Ok(topology) => Ok((new_state, topology)),
        // EC2 has no code for "the emulator cannot serve this"; InvalidParameterValue is what
        // EC2 uses for a request that names things that do not fit together.
        Err(e) => Err(Ec2Error::new("InvalidParameterValue", e.message)),
    }
}

pub(super) fn current_topology(state: &Config) -> Result<Topology, Ec2Error> {
    validate(state).map_err(|e| Ec2Error {
        status: 500,
        code: "InternalError".into(),
        message: format!("The current scenario does not validate: {e}"),
    })
}
