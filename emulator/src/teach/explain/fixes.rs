//! The smallest change that makes a refused request succeed, chosen by the gateway's typed
//! [`Refusal`] (never by matching its text).

use crate::dataplane::gateway::response::GatewayResponse;
use crate::dataplane::gateway::{Refusal, Trace};
use crate::model::topology::{RestApi, Topology};

/// The fixes for a request the gateway answered with `response` after `trace`.
pub(super) fn for_refusal(
    topology: &Topology,
    trace: &Trace,
    response: &GatewayResponse,
) -> Vec<String> {
    let Some(refusal) = &trace.reason else {
        return Vec::new();
    };
    let api = trace.api.as_ref().and_then(|id| topology.rest_apis.get(id));
    match refusal {
        Refusal::NoApiSelected { .. } => vec![format!(
            "add the header: -H 'x-apigw-api-id:<api id>' (APIs here: {})",
            api_ids(topology).join(", ")
        )],
        Refusal::NoStage | Refusal::StageNotDeployed { .. } => vec![deploy_or_name_a_stage(
            trace.api.as_deref(),
            api.map(|a| a.as_ref()),
        )],
        Refusal::NoMethod { .. } => api.map(|a| call_a_method(a)).into_iter().collect(),
        Refusal::PolicyDenied { .. } | Refusal::NoResourcePolicy { .. } => {
            change_the_policy(refusal, trace, api.map(|a| a.as_ref()))
        }
        Refusal::UnknownApi { .. } => vec![format!(
            "use an API id that exists: {}",
            api_ids(topology).join(", ")
        )],
        Refusal::NotPrivate { .. } | Refusal::PrivateApiOnPublicEndpoint { .. } => vec![
            "call PRIVATE APIs through a VPC endpoint, and REGIONAL/EDGE ones by their public name"
                .to_string(),
        ],
        Refusal::AliasNotAssociated { .. } => vec!["associate the API with this endpoint (endpointConfiguration.vpcEndpointIds), or call the endpoint's own name with x-apigw-api-id".to_string()],
        Refusal::IntegrationFailed { .. } if response.status >= 500 => {
            vec![format!("fix the integration: {refusal}")]
        }
        Refusal::IntegrationFailed { .. }
        | Refusal::NothingServed { .. }
        | Refusal::NoApiForPublicHost { .. } => Vec::new(),
    }
}

pub(super) fn api_ids(topology: &Topology) -> Vec<String> {
    topology.rest_apis.keys().cloned().collect()
}

fn deploy_or_name_a_stage(api_id: Option<&str>, api: Option<&RestApi>) -> String {
    let stages: Vec<String> = api
        .map(|a| a.stages.keys().cloned().collect())
        .unwrap_or_default();
    match (api_id, stages.is_empty()) {
        (Some(api), true) => format!(
            "deploy the API to a stage first: it has none yet (aws apigateway create-deployment --rest-api-id {api} --stage-name <name>)"
        ),
        _ => format!(
            "start the path with a deployed stage: {}",
            stages
                .iter()
                .map(|s| format!("/{s}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn call_a_method(api: &RestApi) -> String {
    let methods: Vec<String> = api
        .stages
        .values()
        .next()
        .map(|s| {
            s.deployment
                .definition
                .resources()
                .iter()
                .flat_map(|r| {
                    r.methods()
                        .map(|(m, _)| format!("{m} {}", r.path))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default();
    format!("call a method the API has: {}", methods.join(", "))
}

fn change_the_policy(refusal: &Refusal, trace: &Trace, api: Option<&RestApi>) -> Vec<String> {
    // The walkthrough's "you must deploy the API": a policy edited but not deployed.
    let undeployed = api.and_then(|api| {
        let stage = api.stages.get(trace.stage.as_deref()?)?;
        (stage.deployment.policy != api.current_policy).then(|| {
            format!(
                "deploy: the resource policy changed after stage {}'s deployment {}, and a change is served only once deployed (aws apigateway create-deployment --rest-api-id {} --stage-name {})",
                stage.name, stage.deployment.id, api.id, stage.name
            )
        })
    });
    let through = trace
        .endpoint
        .as_deref()
        .filter(|e| e.starts_with("vpce-"))
        .map(|e| format!(" (requests through this endpoint carry aws:SourceVpce = {e})"))
        .unwrap_or_default();
    undeployed
        .into_iter()
        .chain([format!(
            "change the policy so it allows this request: {refusal}{through}"
        )])
        .collect()
}
