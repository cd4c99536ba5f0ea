//! GetExport: a stage's document as OpenAPI 3 or Swagger 2, in JSON or YAML.

use serde_json::Value;

use crate::controlplane::{ControlResponse, Handled};
use crate::scenario::export::{export_document, to_yaml};

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
    let exported = export_document(&doc, kind, &extensions, &name, &host, stage_name)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let yaml = c.req.header("accept").is_some_and(|a| a.contains("yaml"));
    let (content_type, body) = encode(&exported, yaml);
    let extension = if yaml { "yaml" } else { "json" };
    let mut response = ControlResponse::new(200, content_type, body);
    response.headers.push((
        "Content-Disposition".to_string(),
        format!("attachment; filename=\"{kind}_{}.{extension}\"", stage_name),
    ));
    Ok(Handled::read(response))
}

/// The exported document as the response body: AWS-style YAML (every string quoted, so
/// `info.version` stays a string for YAML 1.1 readers) or pretty-printed JSON.
fn encode(exported: &Value, yaml: bool) -> (&'static str, Vec<u8>) {
    if yaml {
        ("application/yaml", to_yaml(exported).into_bytes())
    } else {
        let text = serde_json::to_string_pretty(exported).unwrap_or_default();
        ("application/json", text.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::encode;
    use crate::scenario::document::parse;

    /// A date-like or number-like `info.version` must come back a string: PyYAML (YAML 1.1)
    /// reads an unquoted `2024-01-01T00:00:00Z` as a datetime and `1.0` as a float.
    #[test]
    fn yaml_exports_keep_date_and_number_like_versions_strings() {
        for version in ["2024-01-01T00:00:00Z", "2024-01-01", "1.0"] {
            let doc = json!({"openapi": "3.0.1",
                "info": {"title": "t", "version": version},
                "paths": {}});
            let (content_type, body) = encode(&doc, true);
            assert_eq!(content_type, "application/yaml");
            let text = String::from_utf8(body).unwrap();
            assert!(
                text.contains(&format!("  version: \"{version}\"\n")),
                "{text}"
            );
            let back = parse(&text).unwrap();
            assert_eq!(back["info"]["version"], json!(version), "{text}");
            assert_eq!(back, doc);
        }
    }
}
