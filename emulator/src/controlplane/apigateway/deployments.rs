//! The deployment calls: a deployment freezes the document and the resource policy; stages
//! without a `deploymentId` serve the current definition under a stand-in deployment id.

use serde_json::{json, Map, Value};

use crate::aws::ids::{self, current_deployment_id};
use crate::scenario::config::{DeploymentConfig, RestApiConfig, StageConfig};

use super::document::{materialize, paths, store_document, INTEGRATION_KEY, OPERATIONS};
use super::rest_apis::effective_policy;
use super::stages::{invalid_stage_name, valid_stage_name};
use super::state::{edit_api, find_api};
use super::wire::{answer, answer_items, body_json, empty, ok, opt_str, string_map, ApiError};
use super::{now, Call, CallResult};

pub(super) const PRIVATE_WITHOUT_POLICY: &str =
    "Private REST API doesn't have a resource policy attached to it";

pub(super) fn deployment_not_found() -> ApiError {
    ApiError::not_found("Invalid Deployment identifier specified")
}

fn deployment_json(d: &DeploymentConfig) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(d.id));
    if let Some(desc) = &d.description {
        out.insert("description".into(), json!(desc));
    }
    if let Some(created) = d.created_date {
        out.insert("createdDate".into(), json!(created));
    }
    Value::Object(out)
}

/// The deployments a caller sees: the frozen ones, and the one that stands for what stages
/// without a `deploymentId` serve (the data plane reports its id as `$context.deploymentId`).
pub(super) fn visible_deployments(api: &RestApiConfig) -> Vec<DeploymentConfig> {
    let mut out = api.deployments.clone();
    let current = current_deployment_id(&api.id);
    if api.stages.iter().any(|s| s.deployment_id.is_none()) && !out.iter().any(|d| d.id == current)
    {
        out.push(DeploymentConfig {
            id: current,
            description: None,
            created_date: api.created_date,
            body: Value::Null,
            policy: None,
        });
    }
    out
}

/// One of the deployments a caller sees, or NotFound.
pub(super) fn find_deployment<'d>(
    deployments: &'d [DeploymentConfig],
    deployment_id: &str,
) -> Result<&'d DeploymentConfig, ApiError> {
    deployments
        .iter()
        .find(|d| d.id == deployment_id)
        .ok_or_else(deployment_not_found)
}

pub(super) fn get_deployments(c: &Call, api_id: &str) -> CallResult {
    let items: Vec<Value> = visible_deployments(find_api(c.state, api_id)?)
        .iter()
        .map(deployment_json)
        .collect();
    answer_items(items)
}

pub(super) fn get_deployment(c: &Call, api_id: &str, deployment_id: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    answer(deployment_json(find_deployment(
        &visible_deployments(api),
        deployment_id,
    )?))
}

pub(super) fn delete_deployment(c: &Call, api_id: &str, deployment_id: &str) -> CallResult {
    edit_api(c, api_id, |api| {
        find_deployment(&visible_deployments(api), deployment_id)?;
        let current = current_deployment_id(&api.id);
        let in_use = api
            .stages
            .iter()
            .any(|s| s.deployment_id.as_deref().unwrap_or(current.as_str()) == deployment_id);
        if in_use {
            return Err(ApiError::bad_request(
                "Active stages pointing to this deployment must be moved or deleted",
            ));
        }
        api.deployments.retain(|d| d.id != deployment_id);
        Ok(empty(202))
    })
}

/// Why API Gateway refuses to deploy a definition, if it does.
fn deployment_refusal(api: &RestApiConfig, doc: &Value) -> Option<&'static str> {
    let all: Vec<Value> = paths(doc)
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| {
            OPERATIONS
                .iter()
                .filter_map(|(key, _)| item.get(*key).cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    if all.is_empty() {
        return Some("The REST API doesn't contain any methods");
    }
    if all.iter().any(|op| op.get(INTEGRATION_KEY).is_none()) {
        return Some("No integration defined for method");
    }
    let private = api
        .endpoint_configuration
        .types
        .iter()
        .any(|t| t == "PRIVATE");
    if private && effective_policy(api, doc).is_none() {
        return Some(PRIVATE_WITHOUT_POLICY);
    }
    None
}

pub(super) fn create_deployment(c: &Call, api_id: &str) -> CallResult {
    let body = body_json(c.req)?;
    let stage_name = opt_str(&body, "stageName").filter(|s| !s.is_empty());
    if stage_name.is_some_and(|s| !valid_stage_name(s)) {
        return Err(invalid_stage_name());
    }
    let created = now(c);
    edit_api(c, api_id, |api| {
        let doc = materialize(c.state, api)?;
        if let Some(refusal) = deployment_refusal(api, &doc) {
            return Err(ApiError::bad_request(refusal));
        }
        let deployment = DeploymentConfig {
            id: ids::deployment_id(),
            description: opt_str(&body, "description").map(String::from),
            created_date: Some(created),
            body: doc.clone(),
            policy: api.policy.clone(),
        };
        let answer = deployment_json(&deployment);
        if let Some(name) = stage_name {
            let variables = string_map(body.get("variables"));
            let stage = match api.stages.iter_mut().find(|s| s.stage_name == name) {
                Some(stage) => stage,
                None => {
                    api.stages.push(StageConfig {
                        stage_name: name.to_string(),
                        deployment_id: None,
                        description: opt_str(&body, "stageDescription").map(String::from),
                        variables: Default::default(),
                        access_log_settings: None,
                        created_date: Some(created),
                        last_updated_date: None,
                    });
                    let last = api.stages.len() - 1;
                    &mut api.stages[last]
                }
            };
            stage.deployment_id = Some(deployment.id.clone());
            stage.last_updated_date = Some(created);
            for (k, v) in variables {
                if let Value::String(v) = v {
                    stage.variables.insert(k, v);
                }
            }
        }
        api.deployments.push(deployment);
        store_document(api, doc);
        Ok(ok(201, answer))
    })
}
