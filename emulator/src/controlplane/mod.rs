//! The control plane: the EC2 and API Gateway APIs that the AWS CLI, boto3 and the SDKs call
//! (`--endpoint-url`), on their own loopback port.
//!
//! Its whole state is a scenario ([`Config`]): the VPCs, security groups and endpoints that EC2
//! calls create are the scenario's entries, and an API's definition is an OpenAPI document, as
//! in a scenario file, with its deployments frozen beside it. A change is applied the way a
//! reload is: the new scenario is validated into a new [`crate::model::topology::Topology`], written to
//! the state directory, then swapped in whole, so the data plane never sees half of it.
//!
//! Each service module ([`ec2`], [`apigateway`]) turns one request into a response and, when
//! the call changes something, an edited copy of the scenario.

pub mod apigateway;
pub mod console;
pub mod ec2;
pub mod guard;
pub mod markup;
pub mod propagation;
pub mod server;
pub mod store;

use bytes::Bytes;

pub use server::{ApplyError, ApplyTopology, ControlPlane, ControlServer};
pub use store::{StateStore, StoreError};

use crate::scenario::config::{Config, ConfigError};

/// One control-plane request, as the server received it.
#[derive(Debug, Clone)]
pub struct ControlRequest {
    /// `GET`, `POST`, `PATCH`, ...
    pub method: http::Method,
    /// The path, percent-decoded (`/restapis/abc/resources`).
    pub path: String,
    /// Query parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl ControlRequest {
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first query parameter of that name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A control-plane response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers besides `Content-Length`, `Date` and `x-amzn-RequestId` (the server adds those).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ControlResponse {
    /// A response with a body of the given content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> ControlResponse {
        ControlResponse {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// A JSON response (`application/json`).
    pub fn json(status: u16, value: &serde_json::Value) -> ControlResponse {
        ControlResponse::new(status, "application/json", value.to_string())
    }
}

/// What one call did.
#[derive(Debug)]
pub struct Handled {
    /// What the caller gets.
    pub response: ControlResponse,
    /// `Some`: the call changed the state. The server persists and applies it before answering.
    pub change: Option<Change>,
}

/// A new state and what it validated into.
#[derive(Debug)]
pub struct Change {
    /// The new scenario.
    pub state: Config,
    /// The new scenario validated (what [`validate`] returned for it), so the server need not
    /// validate it again.
    pub topology: crate::model::topology::Topology,
}

impl Handled {
    /// A call that changed nothing.
    pub fn read(response: ControlResponse) -> Handled {
        Handled {
            response,
            change: None,
        }
    }

    /// A call that changed the state to `new_state`, which [`validate`] turned into `topology`.
    pub fn write(
        response: ControlResponse,
        new_state: Config,
        topology: crate::model::topology::Topology,
    ) -> Handled {
        Handled {
            response,
            change: Some(Change {
                state: new_state,
                topology,
            }),
        }
    }
}

/// What a handler knows besides the request and the state.
#[derive(Debug, Clone)]
pub struct ControlContext {
    /// The time of the call (creation dates).
    pub now: time::OffsetDateTime,
    /// This call's request id (also sent as `x-amzn-RequestId`).
    pub request_id: String,
}

impl ControlContext {
    /// A context for a call arriving now.
    pub fn now() -> ControlContext {
        ControlContext {
            now: time::OffsetDateTime::now_utc(),
            request_id: crate::aws::ids::request_id(),
        }
    }
}

/// Checks that an edited scenario can be served; the error says what is wrong, by JSON path.
pub fn validate(state: &Config) -> Result<crate::model::topology::Topology, ConfigError> {
    crate::model::topology::Topology::from_config(state)
}

/// Readies a scenario for the control plane: every endpoint's interface addresses are written
/// down, so that deleting one endpoint never moves another's (automatic addresses are assigned
/// in scenario order).
///
/// Returns the topology too: pinning writes down the addresses it already has, so it serves the
/// prepared scenario as it is (validating 10 000 APIs twice would double the start time).
pub fn prepare(
    mut state: Config,
) -> Result<(Config, crate::model::topology::Topology), ConfigError> {
    let topology = validate(&state)?;
    for endpoint in &mut state.vpc_endpoints {
        if endpoint.network_interfaces.is_some() {
            continue;
        }
        if let Some(served) = topology.endpoint(&endpoint.vpc_endpoint_id) {
            endpoint.network_interfaces = Some(
                served
                    .network_interfaces
                    .iter()
                    .map(|n| crate::scenario::config::NetworkInterfaceConfig {
                        subnet_id: n.subnet_id.clone(),
                        private_ip_address: n.address,
                        ipv6_address: n.ipv6_address,
                    })
                    .collect(),
            );
        }
    }
    Ok((state, topology))
}
