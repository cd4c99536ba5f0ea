//! GetExport: a stage's document as OpenAPI 3 or Swagger 2, in JSON or YAML.

use serde_json::Value;

use crate::controlplane::{ControlResponse, Handled};

use super::deployments::deployment_not_found;
use super::document::{current_document, parse_document};
use super::rest_apis::rest_api_json;
use super::stages::find_stage;
use super::state::{find_api, region};
use super::wire::ApiError;
use super::{Call, CallResult};

pub(super) fn get_export(c: &Call, api_id: &str, stage_name: &str, kind: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    let stage = find_stage(api, stage_name)?;
    if kind != "oas30" && kind != "swagger" {
        return Err(ApiError::bad_request(format!(
            "Invalid export type specified: {kind}. Valid options are oas30,swagger"
        )));
    }
    let doc = match &stage.deployment_id {
        Some(id) => {
            let d = api
                .deployments
                .iter()
                .find(|d| &d.id == id)
                .ok_or_else(deployment_not_found)?;
            match &d.body {
                Value::String(text) => parse_document(text)?,
                other => other.clone(),
            }
        }
        None => current_document(c.state, api)?,
    };
    let extensions: Vec<&str> = c
        .req
        .query_param("extensions")
        .or_else(|| c.req.query_param("parameters[extensions]"))
        .map(|e| {
            e.split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let region = region(c.state)?;
    let host = format!("{api_id}.execute-api.{}.{}", region.name, region.dns_suffix);
    let name = rest_api_json(c.state, api)?
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let exported =
        crate::scenario::export::export_document(&doc, kind, &extensions, &name, &host, stage_name)
            .map_err(ApiError::bad_request)?;
    let yaml = c.req.header("accept").is_some_and(|a| a.contains("yaml"));
    let (content_type, body) = if yaml {
        let text = serde_norway::to_string(&exported)
            .map_err(|e| ApiError::bad_request(format!("cannot write YAML: {e}")))?;
        ("application/yaml", text.into_bytes())
    } else {
        let text = serde_json::to_string_pretty(&exported).unwrap_or_default();
        ("application/json", text.into_bytes())
    };
    let extension = if yaml { "yaml" } else { "json" };
    let mut response = ControlResponse::new(200, content_type, body);
    response.headers.push((
        "Content-Disposition".to_string(),
        format!("attachment; filename=\"{kind}_{}.{extension}\"", stage_name),
    ));
    Ok(Handled::read(response))
}
