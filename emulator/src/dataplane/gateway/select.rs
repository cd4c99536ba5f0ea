//! Step 2 of the gateway: which REST API a request is for. Through a VPC endpoint the
//! `x-apigw-api-id` header names it, else the Host (the API's own name, or a Route 53 alias
//! `<api-id>-<vpce-id>`); on the public endpoint only the Host does.

use std::sync::Arc;

use super::refusal::Refusal;
use super::request::{host_name, GatewayRequest};
use crate::aws::names;
use crate::model::topology::{EndpointType, RestApi, Topology, VpcEndpoint};

/// On the public endpoint the Host names the API, which must be REGIONAL or EDGE.
pub(super) fn public_api<'t>(
    topology: &'t Topology,
    request: &GatewayRequest,
) -> Result<&'t Arc<RestApi>, Refusal> {
    let host = host_name(request);
    let api = host
        .strip_suffix(topology.api_host_suffix())
        .filter(|label| names::is_rest_api_id(label))
        .and_then(|id| topology.rest_api(id))
        .ok_or_else(|| Refusal::NoApiForPublicHost {
            host: host.to_string(),
        })?;
    if api.endpoint_type == EndpointType::Private {
        return Err(Refusal::PrivateApiOnPublicEndpoint {
            api_id: api.id.clone(),
        });
    }
    Ok(api)
}

/// Through a VPC endpoint: by `x-apigw-api-id`, else by the Host name.
pub(super) fn private_api<'t>(
    topology: &'t Topology,
    endpoint: &VpcEndpoint,
    request: &GatewayRequest,
) -> Result<&'t Arc<RestApi>, Refusal> {
    let (api_id, alias_vpce) = match request.header("x-apigw-api-id") {
        Some(id) => (id.trim().to_string(), None),
        None => api_named_by_host(topology, request)?,
    };
    let api = topology
        .rest_api(&api_id)
        .ok_or_else(|| Refusal::UnknownApi {
            api_id: api_id.clone(),
        })?;
    if api.endpoint_type != EndpointType::Private {
        // VPC endpoints route only to private APIs.
        return Err(Refusal::NotPrivate {
            api_id,
            endpoint_type: api.endpoint_type,
        });
    }
    if let Some(vpce_id) = alias_vpce {
        if vpce_id != endpoint.id || !api.vpc_endpoint_ids.contains(&vpce_id) {
            return Err(Refusal::AliasNotAssociated { api_id, vpce_id });
        }
    }
    Ok(api)
}

/// The API id a Host names, and the endpoint id when the Host is a Route 53 alias.
fn api_named_by_host(
    topology: &Topology,
    request: &GatewayRequest,
) -> Result<(String, Option<String>), Refusal> {
    let host = host_name(request);
    let named = host
        .strip_suffix(topology.api_host_suffix())
        .and_then(|label| {
            if names::is_rest_api_id(label) {
                return Some((label.to_string(), None));
            }
            // Route 53 alias: `<api-id>-<vpce-id>.execute-api.<region>.amazonaws.com`.
            let (id, vpce) = label.split_once('-')?;
            (names::is_rest_api_id(id) && names::is_resource_id(vpce, "vpce"))
                .then(|| (id.to_string(), Some(vpce.to_string())))
        });
    named.ok_or_else(|| Refusal::NoApiSelected {
        host: host.into_owned(),
    })
}
