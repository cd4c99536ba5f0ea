//! The stage calls: a stage names the deployment it serves, its variables and access logging.

use serde_json::{json, Map, Value};

use crate::scenario::config::{AccessLogSettingsConfig, RestApiConfig, StageConfig};

use super::deployments::{find_deployment, visible_deployments};
use super::state::{edit_api, find_api};
use super::wire::{
    answer, answer_items, body_json, empty, invalid_patch, ok, opt_str, patch_operations,
    string_map, unescape_segment, ApiError,
};
use super::{now, Call, CallResult};
use crate::aws::ids::current_deployment_id;

pub(super) fn valid_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) fn invalid_stage_name() -> ApiError {
    ApiError::bad_request("Stage name only allows a-zA-Z0-9_-")
}

fn stage_not_found() -> ApiError {
    ApiError::not_found("Invalid Stage identifier specified")
}

/// The position of an API's stage, or NotFound.
fn stage_index(api: &RestApiConfig, name: &str) -> Result<usize, ApiError> {
    api.stages
        .iter()
        .position(|s| s.stage_name == name)
        .ok_or_else(stage_not_found)
}

pub(super) fn find_stage<'a>(
    api: &'a RestApiConfig,
    name: &str,
) -> Result<&'a StageConfig, ApiError> {
    Ok(&api.stages[stage_index(api, name)?])
}

fn stage_json(api: &RestApiConfig, stage: &StageConfig) -> Value {
    let mut out = Map::new();
    let deployment_id = stage
        .deployment_id
        .clone()
        .unwrap_or_else(|| current_deployment_id(&api.id));
    out.insert("deploymentId".into(), json!(deployment_id));
    out.insert("stageName".into(), json!(stage.stage_name));
    if let Some(d) = &stage.description {
        out.insert("description".into(), json!(d));
    }
    out.insert("cacheClusterEnabled".into(), json!(false));
    out.insert("cacheClusterStatus".into(), json!("NOT_AVAILABLE"));
    out.insert("methodSettings".into(), json!({}));
    if !stage.variables.is_empty() {
        out.insert("variables".into(), json!(stage.variables));
    }
    if let Some(log) = &stage.access_log_settings {
        let mut settings = Map::new();
        settings.insert("format".into(), json!(log.format));
        if let Some(arn) = &log.destination_arn {
            settings.insert("destinationArn".into(), json!(arn));
        }
        out.insert("accessLogSettings".into(), Value::Object(settings));
    }
    out.insert("tracingEnabled".into(), json!(false));
    if let Some(created) = stage.created_date.or(api.created_date) {
        out.insert("createdDate".into(), json!(created));
    }
    if let Some(updated) = stage
        .last_updated_date
        .or(stage.created_date)
        .or(api.created_date)
    {
        out.insert("lastUpdatedDate".into(), json!(updated));
    }
    Value::Object(out)
}

pub(super) fn get_stages(c: &Call, api_id: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    answer_items(api.stages.iter().map(|s| stage_json(api, s)).collect())
}

pub(super) fn get_stage(c: &Call, api_id: &str, name: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    answer(stage_json(api, find_stage(api, name)?))
}

pub(super) fn create_stage(c: &Call, api_id: &str) -> CallResult {
    let body = body_json(c.req)?;
    edit_api(c, api_id, |api| {
        let name = opt_str(&body, "stageName").unwrap_or_default();
        if !valid_stage_name(name) {
            return Err(invalid_stage_name());
        }
        let deployment_id = opt_str(&body, "deploymentId").unwrap_or_default();
        find_deployment(&visible_deployments(api), deployment_id)?;
        if api.stages.iter().any(|s| s.stage_name == name) {
            return Err(ApiError::conflict("Stage already exists"));
        }
        let created = now(c);
        let stage = StageConfig {
            stage_name: name.to_string(),
            // The stand-in deployment of undeployed stages is what they serve: keep it unnamed.
            deployment_id: Some(deployment_id.to_string())
                .filter(|d| *d != current_deployment_id(&api.id)),
            description: opt_str(&body, "description").map(String::from),
            variables: string_map(body.get("variables"))
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                .collect(),
            access_log_settings: None,
            created_date: Some(created),
            last_updated_date: Some(created),
        };
        let answer = stage_json(api, &stage);
        api.stages.push(stage);
        Ok(ok(201, answer))
    })
}

pub(super) fn update_stage(c: &Call, api_id: &str, name: &str) -> CallResult {
    let body = body_json(c.req)?;
    edit_api(c, api_id, |api| {
        let deployments = visible_deployments(api);
        let current = current_deployment_id(&api.id);
        let j = stage_index(api, name)?;
        let stage = &mut api.stages[j];
        for op in patch_operations(&body) {
            let value = op.value.clone().unwrap_or_default();
            let log = &mut stage.access_log_settings;
            match (op.op.as_str(), op.path.as_str()) {
                ("replace", "/deploymentId") => {
                    find_deployment(&deployments, &value)?;
                    stage.deployment_id = Some(value).filter(|d| *d != current);
                }
                ("replace", "/description") => {
                    stage.description = Some(value).filter(|d| !d.is_empty())
                }
                ("replace" | "add", path) if path.starts_with("/variables/") => {
                    let key = unescape_segment(&path["/variables/".len()..]);
                    stage.variables.insert(key, value);
                }
                ("remove", path) if path.starts_with("/variables/") => {
                    let key = unescape_segment(&path["/variables/".len()..]);
                    stage.variables.remove(&key);
                }
                ("replace", "/accessLogSettings/format") => {
                    log.get_or_insert_with(empty_access_log).format = value
                }
                ("replace", "/accessLogSettings/destinationArn") => {
                    log.get_or_insert_with(empty_access_log).destination_arn = Some(value)
                }
                ("remove", "/accessLogSettings") => *log = None,
                _ => return Err(invalid_patch(&op)),
            }
        }
        if stage
            .access_log_settings
            .as_ref()
            .is_some_and(|l| l.format.is_empty())
        {
            return Err(ApiError::bad_request(
                "Access Log format must be specified when a destination is set",
            ));
        }
        stage.last_updated_date = Some(now(c));
        Ok(ok(200, stage_json(api, &api.stages[j])))
    })
}

fn empty_access_log() -> AccessLogSettingsConfig {
    AccessLogSettingsConfig {
        format: String::new(),
        destination: None,
        destination_arn: None,
    }
}

pub(super) fn delete_stage(c: &Call, api_id: &str, name: &str) -> CallResult {
    edit_api(c, api_id, |api| {
        let j = stage_index(api, name)?;
        api.stages.remove(j);
        Ok(empty(202))
    })
}
