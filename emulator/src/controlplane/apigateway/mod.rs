//! API Gateway REST API (v1) control calls: REST APIs, resources, methods, integrations and
//! their responses, deployments and stages, as botocore's `apigateway` model defines them
//! (REST-JSON, dates as epoch seconds, lists under `item`).
//!
//! The state is the scenario: an API's current definition is the OpenAPI document in its
//! `body`, which every call that builds the API edits (resources are `paths` keys, methods their
//! operations, integrations `x-amazon-apigateway-integration`), so the data plane imports exactly
//! what the calls built. Deployments freeze that document and the resource policy into the API's
//! `deployments`; stages name the deployment they serve.
//!
//! The first call that changes what stages serve (the definition, the policy, binary media
//! types) turns an `example` or `bodyFile` definition into an inline `body`, and freezes what
//! stages without a `deploymentId` served until then into a deployment, so that, as on AWS, a
//! change is served only once it is deployed.
//!
//! This module owns the routing of a request to its call; `wire` the wire format, `state`
//! finding and editing an API in the scenario, `document` the API's OpenAPI document,
//! `operation` the steps every method-level call starts with, and one module per resource
//! family the calls themselves.

mod deployments;
mod document;
mod exports;
mod integrations;
mod methods;
mod operation;
mod resources;
mod rest_apis;
mod stages;
mod state;
#[cfg(test)]
mod tests;
mod wire;

use super::{ControlContext, ControlRequest, Handled};
use crate::scenario::config::Config;

use self::deployments::{create_deployment, delete_deployment, get_deployment, get_deployments};
use self::exports::get_export;
use self::integrations::{
    delete_integration, delete_integration_response, get_integration, get_integration_response,
    put_integration, put_integration_response,
};
use self::methods::{
    delete_method, delete_method_response, get_method, get_method_response, put_method,
    put_method_response,
};
use self::operation::MethodPath;
use self::resources::{create_resource, delete_resource, get_resource, get_resources};
use self::rest_apis::{
    create_rest_api, delete_rest_api, get_rest_api, get_rest_apis, import_rest_api, put_rest_api,
    update_rest_api,
};
use self::stages::{create_stage, delete_stage, get_stage, get_stages, update_stage};
use self::wire::ApiError;

type CallResult = Result<Handled, ApiError>;

/// One call: the request, the state it applies to and when it happens.
struct Call<'a> {
    req: &'a ControlRequest,
    state: &'a Config,
    ctx: &'a ControlContext,
}

/// Answers one API Gateway control call. A call that changes something returns the edited
/// scenario, already validated.
pub fn handle(req: &ControlRequest, state: &Config, ctx: &ControlContext) -> Handled {
    let call = Call { req, state, ctx };
    route(&call).unwrap_or_else(|e| Handled::read(e.response()))
}

fn route(c: &Call) -> CallResult {
    let path = c.req.path.trim_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    let method = c.req.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", ["restapis"]) => get_rest_apis(c),
        ("POST", ["restapis"]) if c.req.query_param("mode") == Some("import") => import_rest_api(c),
        ("POST", ["restapis"]) => create_rest_api(c),
        ("GET", ["restapis", api]) => get_rest_api(c, api),
        ("PATCH", ["restapis", api]) => update_rest_api(c, api),
        ("PUT", ["restapis", api]) => put_rest_api(c, api),
        ("DELETE", ["restapis", api]) => delete_rest_api(c, api),
        ("GET", ["restapis", api, "resources"]) => get_resources(c, api),
        ("GET", ["restapis", api, "resources", rid]) => get_resource(c, api, rid),
        ("POST", ["restapis", api, "resources", parent]) => create_resource(c, api, parent),
        ("DELETE", ["restapis", api, "resources", rid]) => delete_resource(c, api, rid),
        (_, ["restapis", api, "resources", rid, "methods", m, rest @ ..]) => {
            method_call(c, method, api, rid, m, rest)
        }
        ("GET", ["restapis", api, "deployments"]) => get_deployments(c, api),
        ("POST", ["restapis", api, "deployments"]) => create_deployment(c, api),
        ("GET", ["restapis", api, "deployments", id]) => get_deployment(c, api, id),
        ("DELETE", ["restapis", api, "deployments", id]) => delete_deployment(c, api, id),
        ("GET", ["restapis", api, "stages"]) => get_stages(c, api),
        ("POST", ["restapis", api, "stages"]) => create_stage(c, api),
        ("GET", ["restapis", api, "stages", name]) => get_stage(c, api, name),
        ("PATCH", ["restapis", api, "stages", name]) => update_stage(c, api, name),
        ("DELETE", ["restapis", api, "stages", name]) => delete_stage(c, api, name),
        ("GET", ["restapis", api, "stages", name, "exports", kind]) => {
            get_export(c, api, name, kind)
        }
        _ => Err(unknown_operation()),
    }
}

fn method_call(
    c: &Call,
    method: &str,
    api: &str,
    resource: &str,
    http_method: &str,
    rest: &[&str],
) -> CallResult {
    let m = MethodPath {
        api,
        resource,
        http_method,
    };
    match (method, rest) {
        ("PUT", []) => put_method(c, m),
        ("GET", []) => get_method(c, m),
        ("DELETE", []) => delete_method(c, m),
        ("PUT", ["responses", code]) => put_method_response(c, m, code),
        ("GET", ["responses", code]) => get_method_response(c, m, code),
        ("DELETE", ["responses", code]) => delete_method_response(c, m, code),
        ("PUT", ["integration"]) => put_integration(c, m),
        ("GET", ["integration"]) => get_integration(c, m),
        ("DELETE", ["integration"]) => delete_integration(c, m),
        ("PUT", ["integration", "responses", code]) => put_integration_response(c, m, code),
        ("GET", ["integration", "responses", code]) => get_integration_response(c, m, code),
        ("DELETE", ["integration", "responses", code]) => delete_integration_response(c, m, code),
        _ => Err(unknown_operation()),
    }
}

/// API Gateway answers a path it has no operation for with 404 and this type; the message is
/// the emulator's (AWS's body for it is not documented).
fn unknown_operation() -> ApiError {
    ApiError::new(404, "UnknownOperationException", "Unknown operation")
}

/// The time of the call, as API Gateway's dates are written (epoch seconds).
fn now(c: &Call) -> i64 {
    c.ctx.now.unix_timestamp()
}
