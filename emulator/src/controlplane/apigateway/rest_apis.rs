//! The REST API calls: Get/Create/Update/Delete RestApi, ImportRestApi and PutRestApi, and the
//! resource policy as API Gateway returns it.

use serde_json::{json, Map, Value};

use crate::aws::ids;
use crate::aws::names;
use crate::controlplane::ControlRequest;
use crate::scenario::config::{Config, RestApiConfig};

use super::document::{
    current_document, empty_document, materialize, parse_document, paths_mut, store_document,
    API_KEY_SOURCE_KEY, BINARY_KEY, ENDPOINT_KEY, POLICY_KEY,
};
use super::state::{api_index, commit, edit_api, edit_definition, find_api, region};
use super::wire::{
    answer, answer_items, body_json, empty, invalid_patch, ok, opt_str, patch_operations,
    string_list, unescape_segment, ApiError, PatchOp,
};
use super::{now, Call, CallResult};

/// The effective resource policy: the scenario's, else the document's.
pub(super) fn effective_policy(api: &RestApiConfig, doc: &Value) -> Option<Value> {
    api.policy
        .clone()
        .or_else(|| doc.get(POLICY_KEY).cloned())
        .and_then(|p| match p {
            Value::String(s) => parse_policy(&s).ok(),
            other => Some(other),
        })
}

/// A policy string as a caller sends it: JSON, or JSON escaped the way AWS returns it.
fn parse_policy(text: &str) -> Result<Value, ApiError> {
    serde_json::from_str::<Value>(text)
        .or_else(|_| serde_json::from_str::<Value>(&text.replace("\\\"", "\"").replace("\\/", "/")))
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            ApiError::bad_request(
                "Invalid policy document. Please check the policy syntax and try again.",
            )
        })
}

/// The policy as `get-rest-api` returns it: minified, `execute-api:/` expanded to the API's ARN,
/// and every `"` and `/` escaped with a backslash inside the string (AWS's own quirk, which
/// clients unescape).
fn policy_for_output(policy: &Value, api_arn: &str) -> String {
    fn expand(v: &Value, arn: &str) -> Value {
        match v {
            Value::String(s) => match s.strip_prefix("execute-api:/") {
                Some(rest) => Value::String(format!("{arn}/{rest}")),
                None => v.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(|i| expand(i, arn)).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), expand(v, arn))).collect())
            }
            other => other.clone(),
        }
    }
    expand(policy, api_arn)
        .to_string()
        .replace('/', "\\/")
        .replace('"', "\\\"")
}

/// The string at a JSON pointer of the document.
fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .map(String::from)
}

pub(super) fn rest_api_json(state: &Config, api: &RestApiConfig) -> Result<Value, ApiError> {
    let doc = current_document(state, api)?;
    let region = region(state)?;
    let mut out = Map::new();
    out.insert("id".into(), json!(api.id));
    let name = api.name.clone().or_else(|| text_at(&doc, "/info/title"));
    if let Some(name) = name {
        out.insert("name".into(), json!(name));
    }
    let description = api
        .description
        .clone()
        .or_else(|| text_at(&doc, "/info/description"));
    if let Some(d) = description {
        out.insert("description".into(), json!(d));
    }
    if let Some(created) = api.created_date {
        out.insert("createdDate".into(), json!(created));
    }
    if let Some(types) = doc.get(BINARY_KEY).and_then(Value::as_array) {
        if !types.is_empty() {
            out.insert("binaryMediaTypes".into(), Value::Array(types.clone()));
        }
    }
    let key_source = doc
        .get(API_KEY_SOURCE_KEY)
        .and_then(Value::as_str)
        .unwrap_or("HEADER");
    out.insert("apiKeySource".into(), json!(key_source));
    let mut endpoint = Map::new();
    endpoint.insert("types".into(), json!(api.endpoint_configuration.types));
    let vpce_ids: Vec<Value> = if api.endpoint_configuration.vpc_endpoint_ids.is_empty() {
        doc.pointer("/x-amazon-apigateway-endpoint-configuration/vpcEndpointIds")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    } else {
        api.endpoint_configuration
            .vpc_endpoint_ids
            .iter()
            .map(|s| json!(s))
            .collect()
    };
    if !vpce_ids.is_empty() {
        endpoint.insert("vpcEndpointIds".into(), Value::Array(vpce_ids));
    }
    out.insert("endpointConfiguration".into(), Value::Object(endpoint));
    if let Some(policy) = effective_policy(api, &doc) {
        let arn = names::api_arn(&region, &state.account_id, &api.id);
        out.insert("policy".into(), json!(policy_for_output(&policy, &arn)));
    }
    let disabled = doc
        .pointer("/x-amazon-apigateway-endpoint-configuration/disableExecuteApiEndpoint")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    out.insert("disableExecuteApiEndpoint".into(), json!(disabled));
    out.insert("rootResourceId".into(), json!(ids::resource_id("/")));
    Ok(Value::Object(out))
}

pub(super) fn get_rest_apis(c: &Call) -> CallResult {
    let items = c
        .state
        .rest_apis
        .iter()
        .map(|a| rest_api_json(c.state, a))
        .collect::<Result<Vec<_>, _>>()?;
    answer_items(items)
}

pub(super) fn get_rest_api(c: &Call, api_id: &str) -> CallResult {
    answer(rest_api_json(c.state, find_api(c.state, api_id)?)?)
}

fn endpoint_types(value: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let types =
        string_list(value.and_then(|e| e.get("types"))).unwrap_or_else(|| vec!["EDGE".to_string()]);
    check_endpoint_types(&types)?;
    Ok(types)
}

fn check_endpoint_types(types: &[String]) -> Result<(), ApiError> {
    match types {
        [t] if ["EDGE", "REGIONAL", "PRIVATE"].contains(&t.as_str()) => Ok(()),
        [_] => Err(ApiError::bad_request(
            "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
        )),
        _ => Err(ApiError::bad_request(
            "Cannot create an api with multiple Endpoint Types.",
        )),
    }
}

fn new_api(id: String, name: Option<String>, types: Vec<String>, created: i64) -> RestApiConfig {
    RestApiConfig {
        id,
        name,
        description: None,
        endpoint_configuration: crate::scenario::config::EndpointConfigurationConfig {
            types,
            vpc_endpoint_ids: Vec::new(),
        },
        policy: None,
        example: None,
        body: None,
        body_file: None,
        created_date: Some(created),
        deployments: Vec::new(),
        stages: Vec::new(),
    }
}

pub(super) fn create_rest_api(c: &Call) -> CallResult {
    let body = body_json(c.req)?;
    let name = opt_str(&body, "name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("Invalid REST API name specified"))?;
    let created = now(c);
    let mut api = new_api(
        ids::rest_api_id(),
        Some(name.to_string()),
        endpoint_types(body.get("endpointConfiguration"))?,
        created,
    );
    api.description = opt_str(&body, "description").map(String::from);
    api.endpoint_configuration.vpc_endpoint_ids = string_list(
        body.get("endpointConfiguration")
            .and_then(|e| e.get("vpcEndpointIds")),
    )
    .unwrap_or_default();
    if let Some(policy) = opt_str(&body, "policy").filter(|p| !p.is_empty()) {
        api.policy = Some(parse_policy(policy)?);
    }
    let mut doc = empty_document(name, created);
    if let Some(types) = body.get("binaryMediaTypes").and_then(Value::as_array) {
        if !types.is_empty() {
            doc[BINARY_KEY] = Value::Array(types.clone());
        }
    }
    match opt_str(&body, "apiKeySource") {
        None | Some("HEADER") => {}
        Some("AUTHORIZER") => doc[API_KEY_SOURCE_KEY] = json!("AUTHORIZER"),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid API Key source specified: {other}"
            )))
        }
    }
    if body.get("disableExecuteApiEndpoint") == Some(&Value::Bool(true)) {
        doc[ENDPOINT_KEY] = json!({"disableExecuteApiEndpoint": true});
    }
    api.body = Some(doc);
    let mut state = c.state.clone();
    let response = ok(201, rest_api_json(&state, &api)?);
    state.rest_apis.push(api);
    commit(state, response)
}

pub(super) fn delete_rest_api(c: &Call, api_id: &str) -> CallResult {
    let mut state = c.state.clone();
    let i = api_index(&state, api_id)?;
    state.rest_apis.remove(i);
    commit(state, empty(202))
}

pub(super) fn update_rest_api(c: &Call, api_id: &str) -> CallResult {
    let body = body_json(c.req)?;
    let ops = patch_operations(&body);
    let touches_definition = ops.iter().any(|o| {
        ["/policy", "/binaryMediaTypes", "/apiKeySource"]
            .iter()
            .any(|p| o.path.starts_with(p))
    });
    edit_api(c, api_id, |api| {
        let mut doc = if touches_definition {
            Some(materialize(c.state, api)?)
        } else {
            None
        };
        for op in &ops {
            patch_rest_api(c, api, &mut doc, op)?;
        }
        if let Some(doc) = doc {
            store_document(api, doc);
        }
        Ok(ok(200, rest_api_json(c.state, api)?))
    })
}

/// One of UpdateRestApi's `patchOperations`. `doc` is the API's definition, materialized when
/// one of the call's operations changes what stages serve.
fn patch_rest_api(
    c: &Call,
    api: &mut RestApiConfig,
    doc: &mut Option<Value>,
    op: &PatchOp,
) -> Result<(), ApiError> {
    let value = op.value.clone().unwrap_or_default();
    match (op.op.as_str(), op.path.as_str(), doc.as_mut()) {
        ("replace", "/name", _) => api.name = Some(value),
        ("replace", "/description", _) => api.description = Some(value).filter(|v| !v.is_empty()),
        ("replace", "/policy", Some(doc)) => {
            if let Some(root) = doc.as_object_mut() {
                root.remove(POLICY_KEY);
            }
            api.policy = if value.is_empty() {
                None
            } else {
                Some(parse_policy(&value)?)
            };
        }
        ("replace", "/endpointConfiguration/types/0", _) => {
            let types = vec![value];
            check_endpoint_types(&types)?;
            if types[0] != "PRIVATE" {
                api.endpoint_configuration.vpc_endpoint_ids.clear();
            }
            api.endpoint_configuration.types = types;
        }
        ("add", "/endpointConfiguration/vpcEndpointIds", _) => {
            let ids = &mut api.endpoint_configuration.vpc_endpoint_ids;
            for id in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !ids.iter().any(|v| v == id) {
                    ids.push(id.to_string());
                }
            }
        }
        ("remove", "/endpointConfiguration/vpcEndpointIds", _) => {
            let gone: Vec<&str> = value.split(',').map(str::trim).collect();
            api.endpoint_configuration
                .vpc_endpoint_ids
                .retain(|v| !gone.contains(&v.as_str()));
        }
        (action @ ("add" | "remove"), path, Some(doc))
            if path.starts_with("/binaryMediaTypes/") =>
        {
            let media_type = unescape_segment(&path["/binaryMediaTypes/".len()..]);
            patch_binary_media_type(doc, &media_type, action == "add");
        }
        ("replace", "/apiKeySource", Some(doc)) => {
            if value != "HEADER" && value != "AUTHORIZER" {
                return Err(ApiError::bad_request(format!(
                    "Invalid API Key source specified: {value}"
                )));
            }
            doc[API_KEY_SOURCE_KEY] = json!(value);
        }
        ("replace", "/disableExecuteApiEndpoint", _) => {
            let mut d = match doc.take() {
                Some(d) => d,
                None => materialize(c.state, api)?,
            };
            if !d[ENDPOINT_KEY].is_object() {
                d[ENDPOINT_KEY] = json!({});
            }
            d[ENDPOINT_KEY]["disableExecuteApiEndpoint"] = json!(value == "true");
            *doc = Some(d);
        }
        _ => return Err(invalid_patch(op)),
    }
    Ok(())
}

/// Adds a binary media type to the definition (moving it last), or removes it.
fn patch_binary_media_type(doc: &mut Value, media_type: &str, add: bool) {
    let mut types: Vec<Value> = doc
        .get(BINARY_KEY)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    types.retain(|t| t.as_str() != Some(media_type));
    if add {
        types.push(json!(media_type));
    }
    if let Some(root) = doc.as_object_mut() {
        if types.is_empty() {
            root.remove(BINARY_KEY);
        } else {
            root.insert(BINARY_KEY.into(), Value::Array(types));
        }
    }
}

/// A document brought by ImportRestApi or PutRestApi, checked the way the data plane will read
/// it; returns it with the import's warnings.
fn imported_document(c: &Call) -> Result<(Value, Vec<String>), ApiError> {
    let text = std::str::from_utf8(&c.req.body)
        .map_err(|_| ApiError::bad_request("Invalid OpenAPI input: the body is not UTF-8"))?;
    let doc = parse_document(text)?;
    let imported =
        crate::model::openapi::import(&doc).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    let fail = c
        .req
        .query_param("failonwarnings")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if fail && !warnings.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Warnings found during import:\n\t{}",
            warnings.join("\n\t")
        )));
    }
    Ok((doc, warnings))
}

fn with_warnings(mut api_json: Value, warnings: Vec<String>) -> Value {
    if !warnings.is_empty() {
        api_json["warnings"] = json!(warnings);
    }
    api_json
}

/// botocore sends `parameters` map entries as plain query keys; the CLI documentation writes
/// them `parameters[key]`. Both are read.
fn import_parameter<'r>(req: &'r ControlRequest, key: &str) -> Option<&'r str> {
    req.query_param(key)
        .or_else(|| req.query_param(&format!("parameters[{key}]")))
}

pub(super) fn import_rest_api(c: &Call) -> CallResult {
    let (doc, warnings) = imported_document(c)?;
    let name = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("Invalid OpenAPI input: info.title (the API's name) is missing")
        })?
        .to_string();
    let types = match import_parameter(c.req, "endpointConfigurationTypes") {
        Some(t) => vec![t.to_string()],
        None => vec!["EDGE".to_string()],
    };
    check_endpoint_types(&types)?;
    let mut api = new_api(ids::rest_api_id(), Some(name), types, now(c));
    api.body = Some(doc);
    let mut state = c.state.clone();
    let response = ok(201, with_warnings(rest_api_json(&state, &api)?, warnings));
    state.rest_apis.push(api);
    commit(state, response)
}

pub(super) fn put_rest_api(c: &Call, api_id: &str) -> CallResult {
    let (new_doc, warnings) = imported_document(c)?;
    // `merge` is API Gateway's default mode.
    let overwrite = match c.req.query_param("mode").unwrap_or("merge") {
        "overwrite" => true,
        "merge" => false,
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid mode specified: {other}. Valid options are merge,overwrite"
            )))
        }
    };
    let state = c.state;
    edit_definition(c, api_id, |doc, api| {
        if new_doc.get(POLICY_KEY).is_some() {
            api.policy = None;
        }
        if overwrite {
            *doc = new_doc;
        } else {
            merge_documents(doc, new_doc)?;
        }
        Ok(ok(
            200,
            with_warnings(rest_api_json(state, api_with_doc(api, doc))?, warnings),
        ))
    })
}

/// A view of an API with an edited document, for answering before the edit is stored.
fn api_with_doc<'a>(api: &'a mut RestApiConfig, doc: &Value) -> &'a RestApiConfig {
    store_document(api, doc.clone());
    api
}

/// `mode=merge`: the new document's operations replace those of the same path and method, its
/// top-level settings replace the old ones, and everything else stays.
fn merge_documents(doc: &mut Value, new_doc: Value) -> Result<(), ApiError> {
    let Value::Object(new_root) = new_doc else {
        return Ok(());
    };
    for (key, value) in new_root {
        if key == "paths" {
            let Value::Object(new_paths) = value else {
                continue;
            };
            let old_paths = paths_mut(doc)?;
            for (path, item) in new_paths {
                match (old_paths.get_mut(&path), item) {
                    (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
                    (_, item) => {
                        old_paths.insert(path, item);
                    }
                }
            }
        } else if let Some(root) = doc.as_object_mut() {
            root.insert(key, value);
        }
    }
    Ok(())
}
