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

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::{validate, ControlContext, ControlRequest, ControlResponse, Handled};
use crate::config::{
    AccessLogSettingsConfig, Config, DeploymentConfig, RestApiConfig, StageConfig,
};
use crate::names::{self, Region};

/// Operation keys of an OpenAPI path item and the HTTP methods they stand for.
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

const INTEGRATION_KEY: &str = "x-amazon-apigateway-integration";
const POLICY_KEY: &str = "x-amazon-apigateway-policy";
const BINARY_KEY: &str = "x-amazon-apigateway-binary-media-types";
const API_KEY_SOURCE_KEY: &str = "x-amazon-apigateway-api-key-source";
const ENDPOINT_KEY: &str = "x-amazon-apigateway-endpoint-configuration";
const PRIVATE_WITHOUT_POLICY: &str =
    "Private REST API doesn't have a resource policy attached to it";

/// An error as API Gateway sends it: a status, `x-amzn-ErrorType` and `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiError {
    status: u16,
    error_type: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error_type,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequestException", message)
    }

    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "NotFoundException", message)
    }

    fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "ConflictException", message)
    }

    fn response(&self) -> ControlResponse {
        let mut response = ControlResponse::json(self.status, &json!({ "message": self.message }));
        response
            .headers
            .push(("x-amzn-ErrorType".to_string(), self.error_type.to_string()));
        response
    }
}

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
    rid: &str,
    http_method: &str,
    rest: &[&str],
) -> CallResult {
    match (method, rest) {
        ("PUT", []) => put_method(c, api, rid, http_method),
        ("GET", []) => get_method(c, api, rid, http_method),
        ("DELETE", []) => delete_method(c, api, rid, http_method),
        ("PUT", ["responses", code]) => put_method_response(c, api, rid, http_method, code),
        ("GET", ["responses", code]) => get_method_response(c, api, rid, http_method, code),
        ("DELETE", ["responses", code]) => delete_method_response(c, api, rid, http_method, code),
        ("PUT", ["integration"]) => put_integration(c, api, rid, http_method),
        ("GET", ["integration"]) => get_integration(c, api, rid, http_method),
        ("DELETE", ["integration"]) => delete_integration(c, api, rid, http_method),
        ("PUT", ["integration", "responses", code]) => {
            put_integration_response(c, api, rid, http_method, code)
        }
        ("GET", ["integration", "responses", code]) => {
            get_integration_response(c, api, rid, http_method, code)
        }
        ("DELETE", ["integration", "responses", code]) => {
            delete_integration_response(c, api, rid, http_method, code)
        }
        _ => Err(unknown_operation()),
    }
}

/// API Gateway answers a path it has no operation for with 404 and this type; the message is
/// the emulator's (AWS's body for it is not documented).
fn unknown_operation() -> ApiError {
    ApiError::new(404, "UnknownOperationException", "Unknown operation")
}

// ---------------------------------------------------------------------------------------------
// Shared helpers: finding things, reading the request, answering.

fn region(state: &Config) -> Result<Region, ApiError> {
    Region::parse(&state.region)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid region {:?}", state.region)))
}

/// The position of an API in the scenario, or API Gateway's NotFound for its id.
fn api_index(state: &Config, api_id: &str) -> Result<usize, ApiError> {
    state
        .rest_apis
        .iter()
        .position(|a| a.id == api_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Invalid API identifier specified {}:{api_id}",
                state.account_id
            ))
        })
}

fn find_api<'s>(state: &'s Config, api_id: &str) -> Result<&'s RestApiConfig, ApiError> {
    Ok(&state.rest_apis[api_index(state, api_id)?])
}

fn body_json(req: &ControlRequest) -> Result<Map<String, Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request(
            "Could not parse request body into json: expected an object",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "Could not parse request body into json: {e}"
        ))),
    }
}

fn opt_str<'m>(body: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    body.get(key).and_then(Value::as_str)
}

fn string_map(value: Option<&Value>) -> Map<String, Value> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The strings of a JSON array (other items skipped); `None` when it is not an array.
fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    })
}

/// The object at `key`, made an empty one if it is missing or not an object.
fn object_entry<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> Result<&'m mut Map<String, Value>, ApiError> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().ok_or_else(|| {
        ApiError::bad_request(format!("The API definition's {key} is not an object"))
    })
}

fn ok(status: u16, value: Value) -> ControlResponse {
    ControlResponse::json(status, &value)
}

/// A read-only call's 200 answer.
fn answer(value: Value) -> CallResult {
    Ok(Handled::read(ok(200, value)))
}

/// A read-only call's 200 answer listing items, under `item` as API Gateway lists them.
fn answer_items(items: Vec<Value>) -> CallResult {
    answer(json!({ "item": items }))
}

/// 202 and 204 answers carry no body.
fn empty(status: u16) -> ControlResponse {
    ControlResponse::new(status, "application/json", Vec::new())
}

/// Validates an edited scenario and hands it back as the new state.
fn commit(state: Config, response: ControlResponse) -> CallResult {
    match validate(&state) {
        Ok(_) => Ok(Handled::write(response, state)),
        Err(e) => Err(ApiError::bad_request(if e.path == "$" {
            e.message
        } else {
            format!("{} (at {})", e.message, e.path)
        })),
    }
}

fn now(c: &Call) -> i64 {
    c.ctx.now.unix_timestamp()
}

// ---------------------------------------------------------------------------------------------
// The API's document.

/// The document a new API starts with: only the root resource.
fn empty_document(name: &str, created: i64) -> Value {
    let version = time::OffsetDateTime::from_unix_timestamp(created)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    json!({"openapi": "3.0.1", "info": {"title": name, "version": version}, "paths": {"/": {}}})
}

fn parse_document(text: &str) -> Result<Value, ApiError> {
    crate::document::parse(text).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The API's current definition as a document, wherever the scenario keeps it.
fn current_document(state: &Config, api: &RestApiConfig) -> Result<Value, ApiError> {
    let name = api.name.clone().unwrap_or_default();
    match (&api.body, &api.example, &api.body_file) {
        (Some(Value::String(text)), _, _) => parse_document(text),
        (Some(doc), _, _) => Ok(doc.clone()),
        (None, Some(example), _) => {
            let text = crate::examples::example_document(example, &region(state)?)
                .ok_or_else(|| ApiError::bad_request(format!("Unknown example {example:?}")))?;
            parse_document(&text)
        }
        (None, None, Some(file)) => {
            let full = state.base_dir().join(file);
            let text = std::fs::read_to_string(&full).map_err(|e| {
                ApiError::bad_request(format!("cannot read {}: {e}", full.display()))
            })?;
            parse_document(&text)
        }
        (None, None, None) => Ok(empty_document(&name, api.created_date.unwrap_or(0))),
    }
}

/// The deployment id the data plane reports for stages without a `deploymentId`.
fn current_deployment_id(api_id: &str) -> String {
    names::short_id(&format!("deployment/{api_id}"))
}

/// Prepares an API for a change to what stages serve: stages without a `deploymentId` keep
/// serving what they served, frozen as a deployment; returns the current document to edit.
fn materialize(state: &Config, api: &mut RestApiConfig) -> Result<Value, ApiError> {
    let doc = current_document(state, api)?;
    if api.stages.iter().any(|s| s.deployment_id.is_none()) {
        let id = current_deployment_id(&api.id);
        if !api.deployments.iter().any(|d| d.id == id) {
            api.deployments.push(DeploymentConfig {
                id: id.clone(),
                description: None,
                created_date: api.created_date,
                body: doc.clone(),
                policy: api.policy.clone(),
            });
        }
        for stage in api.stages.iter_mut().filter(|s| s.deployment_id.is_none()) {
            stage.deployment_id = Some(id.clone());
        }
    }
    Ok(doc)
}

fn store_document(api: &mut RestApiConfig, doc: Value) {
    api.body = Some(doc);
    api.example = None;
    api.body_file = None;
}

/// Runs an edit of one API on a copy of the state, then validates and commits it. The edit
/// reads the region and account from `c.state`: an edit never changes them.
fn edit_api(
    c: &Call,
    api_id: &str,
    edit: impl FnOnce(&mut RestApiConfig) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    let mut state = c.state.clone();
    let i = api_index(&state, api_id)?;
    let response = edit(&mut state.rest_apis[i])?;
    commit(state, response)
}

/// Runs an edit of an API's definition on a copy of the state, then validates and commits it.
fn edit_definition(
    c: &Call,
    api_id: &str,
    edit: impl FnOnce(&mut Value, &mut RestApiConfig) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    edit_api(c, api_id, |api| {
        let mut doc = materialize(c.state, api)?;
        let response = edit(&mut doc, api)?;
        store_document(api, doc);
        Ok(response)
    })
}

fn is_swagger(doc: &Value) -> bool {
    doc.get("swagger").is_some()
}

fn paths(doc: &Value) -> Map<String, Value> {
    doc.get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn paths_mut(doc: &mut Value) -> Result<&mut Map<String, Value>, ApiError> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("The API definition is not an object"))?;
    object_entry(root, "paths")
}

// ---------------------------------------------------------------------------------------------
// REST APIs.

/// The effective resource policy: the scenario's, else the document's.
fn effective_policy(api: &RestApiConfig, doc: &Value) -> Option<Value> {
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

fn rest_api_json(state: &Config, api: &RestApiConfig) -> Result<Value, ApiError> {
    let doc = current_document(state, api)?;
    let region = region(state)?;
    let mut out = Map::new();
    out.insert("id".into(), json!(api.id));
    let name = api.name.clone().or_else(|| {
        doc.pointer("/info/title")
            .and_then(Value::as_str)
            .map(String::from)
    });
    if let Some(name) = name {
        out.insert("name".into(), json!(name));
    }
    let description = api.description.clone().or_else(|| {
        doc.pointer("/info/description")
            .and_then(Value::as_str)
            .map(String::from)
    });
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
    out.insert("rootResourceId".into(), json!(names::short_id("/")));
    Ok(Value::Object(out))
}

fn get_rest_apis(c: &Call) -> CallResult {
    let items = c
        .state
        .rest_apis
        .iter()
        .map(|a| rest_api_json(c.state, a))
        .collect::<Result<Vec<_>, _>>()?;
    answer_items(items)
}

fn get_rest_api(c: &Call, api_id: &str) -> CallResult {
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
        endpoint_configuration: crate::config::EndpointConfigurationConfig {
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

fn create_rest_api(c: &Call) -> CallResult {
    let body = body_json(c.req)?;
    let name = opt_str(&body, "name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("Invalid REST API name specified"))?;
    let created = now(c);
    let mut api = new_api(
        super::ids::apigateway_id(10),
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

fn delete_rest_api(c: &Call, api_id: &str) -> CallResult {
    let mut state = c.state.clone();
    let i = api_index(&state, api_id)?;
    state.rest_apis.remove(i);
    commit(state, empty(202))
}

/// One `patchOperations` entry.
struct PatchOp {
    op: String,
    path: String,
    value: Option<String>,
}

fn patch_operations(body: &Map<String, Value>) -> Vec<PatchOp> {
    body.get("patchOperations")
        .and_then(Value::as_array)
        .map(|ops| {
            ops.iter()
                .map(|o| PatchOp {
                    op: o
                        .get("op")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    path: o
                        .get("path")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    value: o.get("value").and_then(Value::as_str).map(String::from),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// JSON Pointer unescaping of one path segment (`image~1png` is `image/png`).
fn unescape_segment(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn invalid_patch(op: &PatchOp) -> ApiError {
    // AWS's wording for a path it does not patch.
    ApiError::bad_request(format!(
        "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
        op.path, op.op
    ))
}

fn update_rest_api(c: &Call, api_id: &str) -> CallResult {
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
            let value = op.value.clone().unwrap_or_default();
            match (op.op.as_str(), op.path.as_str(), doc.as_mut()) {
                ("replace", "/name", _) => api.name = Some(value),
                ("replace", "/description", _) => {
                    api.description = Some(value).filter(|v| !v.is_empty())
                }
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
                    for id in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        if !api
                            .endpoint_configuration
                            .vpc_endpoint_ids
                            .iter()
                            .any(|v| v == id)
                        {
                            api.endpoint_configuration
                                .vpc_endpoint_ids
                                .push(id.to_string());
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
                    let mut types: Vec<Value> = doc
                        .get(BINARY_KEY)
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    types.retain(|t| t.as_str() != Some(media_type.as_str()));
                    if action == "add" {
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
                    doc = Some(d);
                }
                _ => return Err(invalid_patch(op)),
            }
        }
        if let Some(doc) = doc {
            store_document(api, doc);
        }
        Ok(ok(200, rest_api_json(c.state, api)?))
    })
}

/// A document brought by ImportRestApi or PutRestApi, checked the way the data plane will read
/// it; returns it with the import's warnings.
fn imported_document(c: &Call) -> Result<(Value, Vec<String>), ApiError> {
    let text = std::str::from_utf8(&c.req.body)
        .map_err(|_| ApiError::bad_request("Invalid OpenAPI input: the body is not UTF-8"))?;
    let doc = parse_document(text)?;
    let imported =
        crate::openapi::import(&doc).map_err(|e| ApiError::bad_request(e.to_string()))?;
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

fn import_rest_api(c: &Call) -> CallResult {
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
    let mut api = new_api(super::ids::apigateway_id(10), Some(name), types, now(c));
    api.body = Some(doc);
    let mut state = c.state.clone();
    let response = ok(201, with_warnings(rest_api_json(&state, &api)?, warnings));
    state.rest_apis.push(api);
    commit(state, response)
}

fn put_rest_api(c: &Call, api_id: &str) -> CallResult {
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

// ---------------------------------------------------------------------------------------------
// Resources.

fn parent_path(path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/".to_string()),
        Some(i) => Some(path[..i].to_string()),
        None => None,
    }
}

/// Every resource of a document: its paths and the resources on the way to them, root first.
fn resource_paths(doc: &Value) -> Vec<String> {
    let mut all = BTreeSet::new();
    all.insert("/".to_string());
    for key in paths(doc).keys() {
        let mut p = Some(key.trim_end_matches('/').to_string()).filter(|p| !p.is_empty());
        while let Some(path) = p {
            p = parent_path(&path);
            all.insert(path);
        }
    }
    all.into_iter().collect()
}

fn find_resource(doc: &Value, resource_id: &str) -> Result<String, ApiError> {
    resource_paths(doc)
        .into_iter()
        .find(|p| names::short_id(p) == resource_id)
        .ok_or_else(|| ApiError::not_found("Invalid Resource identifier specified"))
}

fn path_item<'d>(doc: &'d Value, path: &str) -> Option<&'d Map<String, Value>> {
    doc.get("paths")?.get(path)?.as_object()
}

fn resource_json(doc: &Value, path: &str, embed_methods: bool) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(names::short_id(path)));
    if let Some(parent) = parent_path(path) {
        out.insert("parentId".into(), json!(names::short_id(&parent)));
        let part = path.rsplit('/').next().unwrap_or_default();
        out.insert("pathPart".into(), json!(part));
    }
    out.insert("path".into(), json!(path));
    let mut methods = Map::new();
    if let Some(item) = path_item(doc, path) {
        for (key, http_method) in OPERATIONS {
            if let Some(op) = item.get(*key) {
                let value = if embed_methods {
                    method_json(path, http_method, op)
                } else {
                    json!({})
                };
                methods.insert(http_method.to_string(), value);
            }
        }
    }
    if !methods.is_empty() {
        out.insert("resourceMethods".into(), Value::Object(methods));
    }
    Value::Object(out)
}

fn embeds_methods(req: &ControlRequest) -> bool {
    req.query
        .iter()
        .any(|(k, v)| k == "embed" && v.split(',').any(|e| e.trim() == "methods"))
}

/// The current document of an API, for a call that only reads it.
fn read_document(c: &Call, api_id: &str) -> Result<Value, ApiError> {
    current_document(c.state, find_api(c.state, api_id)?)
}

/// The document of a read-only call on one resource, and the resource's path.
fn read_resource(c: &Call, api_id: &str, resource_id: &str) -> Result<(Value, String), ApiError> {
    let doc = read_document(c, api_id)?;
    let path = find_resource(&doc, resource_id)?;
    Ok((doc, path))
}

/// Runs an edit of the definition at one resource (found by id, or NotFound), as
/// [`edit_definition`] does; the edit gets the document and the resource's path.
fn edit_resource(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    edit: impl FnOnce(&mut Value, String) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    edit_definition(c, api_id, |doc, _| {
        let path = find_resource(doc, resource_id)?;
        edit(doc, path)
    })
}

fn get_resources(c: &Call, api_id: &str) -> CallResult {
    let doc = read_document(c, api_id)?;
    let embed = embeds_methods(c.req);
    let items: Vec<Value> = resource_paths(&doc)
        .iter()
        .map(|p| resource_json(&doc, p, embed))
        .collect();
    answer_items(items)
}

fn get_resource(c: &Call, api_id: &str, resource_id: &str) -> CallResult {
    let (doc, path) = read_resource(c, api_id, resource_id)?;
    answer(resource_json(&doc, &path, embeds_methods(c.req)))
}

fn valid_path_part(part: &str) -> bool {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => name_ok(inner.strip_suffix('+').unwrap_or(inner)),
        None => name_ok(part),
    }
}

fn create_resource(c: &Call, api_id: &str, parent_id: &str) -> CallResult {
    let body = body_json(c.req)?;
    let part = opt_str(&body, "pathPart").unwrap_or_default().to_string();
    edit_resource(c, api_id, parent_id, |doc, parent| {
        if !valid_path_part(&part) {
            return Err(ApiError::bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace."));
        }
        if parent.ends_with("+}") {
            let parent_part = parent.rsplit('/').next().unwrap_or_default();
            return Err(ApiError::bad_request(format!(
                "Cannot create a child of a resource with a greedy path variable: {parent_part}"
            )));
        }
        let path = if parent == "/" {
            format!("/{part}")
        } else {
            format!("{parent}/{part}")
        };
        let siblings: Vec<String> = resource_paths(doc)
            .into_iter()
            .filter(|p| parent_path(p).as_deref() == Some(parent.as_str()))
            .collect();
        if siblings.contains(&path) {
            return Err(ApiError::conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if part.starts_with('{') {
            if let Some(other) = siblings
                .iter()
                .filter_map(|s| s.rsplit('/').next())
                .find(|s| s.starts_with('{'))
            {
                return Err(ApiError::bad_request(format!(
                    "A sibling ({other}) of this resource already has a variable path part -- only one is allowed"
                )));
            }
        }
        paths_mut(doc)?.insert(path.clone(), json!({}));
        Ok(ok(201, resource_json(doc, &path, false)))
    })
}

fn delete_resource(c: &Call, api_id: &str, resource_id: &str) -> CallResult {
    edit_resource(c, api_id, resource_id, |doc, path| {
        if path == "/" {
            return Err(ApiError::bad_request("Cannot delete the root resource"));
        }
        let prefix = format!("{path}/");
        paths_mut(doc)?.retain(|p, _| p != &path && !p.starts_with(&prefix));
        Ok(empty(202))
    })
}

// ---------------------------------------------------------------------------------------------
// Methods.

fn operation_key(http_method: &str) -> Result<&'static str, ApiError> {
    OPERATIONS
        .iter()
        .find(|(_, m)| *m == http_method)
        .map(|(k, _)| *k)
        .ok_or_else(|| {
            ApiError::bad_request(
                "Invalid HttpMethod specified. Valid options are ANY,DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT",
            )
        })
}

fn method_not_found() -> ApiError {
    ApiError::not_found("Invalid Method identifier specified")
}

/// The operation object of an existing method.
fn operation<'d>(doc: &'d Value, path: &str, http_method: &str) -> Result<&'d Value, ApiError> {
    let key = operation_key(http_method).map_err(|_| method_not_found())?;
    path_item(doc, path)
        .and_then(|item| item.get(key))
        .ok_or_else(method_not_found)
}

fn operation_mut<'d>(
    doc: &'d mut Value,
    path: &str,
    http_method: &str,
) -> Result<&'d mut Map<String, Value>, ApiError> {
    let key = operation_key(http_method).map_err(|_| method_not_found())?;
    paths_mut(doc)?
        .get_mut(path)
        .and_then(Value::as_object_mut)
        .and_then(|item| item.get_mut(key))
        .and_then(Value::as_object_mut)
        .ok_or_else(method_not_found)
}

/// `in` of an OpenAPI parameter for a `method.request.<location>.<name>` key.
const PARAMETER_LOCATIONS: &[(&str, &str)] = &[
    ("path", "path"),
    ("querystring", "query"),
    ("header", "header"),
];

fn request_parameters_of(op: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(location)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some((aws, _)) = PARAMETER_LOCATIONS.iter().find(|(_, oas)| *oas == location) {
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            out.insert(format!("method.request.{aws}.{name}"), json!(required));
        }
    }
    out
}

fn parameters_for_document(
    swagger: bool,
    request_parameters: &Map<String, Value>,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for (key, required) in request_parameters {
        let parsed = key.strip_prefix("method.request.").and_then(|rest| {
            let (location, name) = rest.split_once('.')?;
            let (_, oas) = PARAMETER_LOCATIONS
                .iter()
                .find(|(aws, _)| *aws == location)?;
            Some((*oas, name))
        });
        let Some((location, name)) = parsed.filter(|(_, n)| !n.is_empty()) else {
            return Err(ApiError::bad_request(format!(
                "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method request parameter name: {key}]"
            )));
        };
        let required = required.as_bool().unwrap_or(false) || location == "path";
        out.push(declared_string(
            json!({"name": name, "in": location, "required": required}),
            swagger,
        ));
    }
    Ok(out)
}

/// A parameter or header declared a string, the way the document's version (Swagger 2 or
/// OpenAPI 3) writes a type.
fn declared_string(mut item: Value, swagger: bool) -> Value {
    if swagger {
        item["type"] = json!("string");
    } else {
        item["schema"] = json!({"type": "string"});
    }
    item
}

fn authorization_type_of(op: &Value) -> String {
    op.pointer("/x-amazon-apigateway-auth/type")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| "NONE".to_string())
}

fn api_key_required_of(op: &Value) -> bool {
    op.get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.get("api_key").is_some()))
}

fn method_response_json(code: &str, response: &Value) -> Value {
    let mut out = Map::new();
    out.insert("statusCode".into(), json!(code));
    let mut parameters = Map::new();
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        for (name, h) in headers {
            let required = h.get("required").and_then(Value::as_bool).unwrap_or(false);
            parameters.insert(format!("method.response.header.{name}"), json!(required));
        }
    }
    if !parameters.is_empty() {
        out.insert("responseParameters".into(), Value::Object(parameters));
    }
    let mut models = Map::new();
    let model_name = |schema: &Value| {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map(|m| json!(m))
    };
    if let Some(content) = response.get("content").and_then(Value::as_object) {
        for (content_type, media) in content {
            if let Some(m) = media.get("schema").and_then(model_name) {
                models.insert(content_type.clone(), m);
            }
        }
    } else if let Some(m) = response.get("schema").and_then(model_name) {
        models.insert("application/json".into(), m);
    }
    if !models.is_empty() {
        out.insert("responseModels".into(), Value::Object(models));
    }
    Value::Object(out)
}

fn method_json(path: &str, http_method: &str, op: &Value) -> Value {
    let mut out = Map::new();
    out.insert("httpMethod".into(), json!(http_method));
    out.insert("authorizationType".into(), json!(authorization_type_of(op)));
    out.insert("apiKeyRequired".into(), json!(api_key_required_of(op)));
    if let Some(name) = op.get("operationId").and_then(Value::as_str) {
        out.insert("operationName".into(), json!(name));
    }
    let parameters = request_parameters_of(op);
    if !parameters.is_empty() {
        out.insert("requestParameters".into(), Value::Object(parameters));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let map: Map<String, Value> = responses
            .iter()
            .filter(|(code, _)| valid_status_code(code))
            .map(|(code, r)| (code.clone(), method_response_json(code, r)))
            .collect();
        if !map.is_empty() {
            out.insert("methodResponses".into(), Value::Object(map));
        }
    }
    if let Some(integration) = op.get(INTEGRATION_KEY) {
        out.insert(
            "methodIntegration".into(),
            integration_json(integration, &names::short_id(path)),
        );
    }
    Value::Object(out)
}

/// Answers a read-only call on an existing method (else NotFound) with what `read` makes of
/// the resource's path and the method's operation.
fn read_operation(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    read: impl FnOnce(&str, &Value) -> Result<Value, ApiError>,
) -> CallResult {
    let (doc, path) = read_resource(c, api_id, resource_id)?;
    let op = operation(&doc, &path, http_method)?;
    answer(read(&path, op)?)
}

/// Runs an edit of an existing method's operation (else NotFound), as [`edit_resource`] does.
fn edit_operation(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    edit: impl FnOnce(&mut Map<String, Value>) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    edit_resource(c, api_id, resource_id, |doc, path| {
        edit(operation_mut(doc, &path, http_method)?)
    })
}

fn put_method(c: &Call, api_id: &str, resource_id: &str, http_method: &str) -> CallResult {
    let body = body_json(c.req)?;
    edit_resource(c, api_id, resource_id, |doc, path| {
        let key = operation_key(http_method)?;
        if path_item(doc, &path).is_some_and(|item| item.contains_key(key)) {
            return Err(ApiError::conflict(
                "Method already exists for this resource",
            ));
        }
        let authorization = opt_str(&body, "authorizationType").unwrap_or("NONE");
        let mut op = Map::new();
        if let Some(name) = opt_str(&body, "operationName") {
            op.insert("operationId".into(), json!(name));
        }
        let request_parameters = body
            .get("requestParameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let parameters = parameters_for_document(is_swagger(doc), &request_parameters)?;
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        match authorization {
            "NONE" => {}
            "AWS_IAM" | "CUSTOM" | "COGNITO_USER_POOLS" => {
                op.insert(
                    "x-amazon-apigateway-auth".into(),
                    json!({"type": authorization}),
                );
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid authorization type specified: {other}. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS"
                )))
            }
        }
        if body.get("apiKeyRequired") == Some(&Value::Bool(true)) {
            op.insert("security".into(), json!([{"api_key": []}]));
        }
        let op = Value::Object(op);
        let response = method_json(&path, http_method, &op);
        object_entry(paths_mut(doc)?, &path)?.insert(key.into(), op);
        Ok(ok(201, response))
    })
}

fn get_method(c: &Call, api_id: &str, resource_id: &str, http_method: &str) -> CallResult {
    read_operation(c, api_id, resource_id, http_method, |path, op| {
        Ok(method_json(path, http_method, op))
    })
}

fn delete_method(c: &Call, api_id: &str, resource_id: &str, http_method: &str) -> CallResult {
    edit_resource(c, api_id, resource_id, |doc, path| {
        operation(doc, &path, http_method)?;
        let key = operation_key(http_method)?;
        if let Some(item) = paths_mut(doc)?
            .get_mut(&path)
            .and_then(Value::as_object_mut)
        {
            item.remove(key);
        }
        Ok(empty(204))
    })
}

fn valid_status_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && ("1"..="5").contains(&&code[..1])
}

fn response_not_found() -> ApiError {
    ApiError::not_found("Invalid Response status code specified")
}

fn put_method_response(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    code: &str,
) -> CallResult {
    let body = body_json(c.req)?;
    edit_resource(c, api_id, resource_id, |doc, path| {
        if !valid_status_code(code) {
            return Err(ApiError::bad_request("Invalid status code specified"));
        }
        let swagger = is_swagger(doc);
        let mut response = json!({"description": format!("{code} response")});
        let mut headers = Map::new();
        if let Some(params) = body.get("responseParameters").and_then(Value::as_object) {
            for (key, required) in params {
                let name = key
                    .strip_prefix("method.response.header.")
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method response parameter name: {key}]"
                        ))
                    })?;
                let mut h = declared_string(json!({}), swagger);
                if required.as_bool() == Some(true) {
                    h["required"] = json!(true);
                }
                headers.insert(name.to_string(), h);
            }
        }
        if !headers.is_empty() {
            response["headers"] = Value::Object(headers);
        }
        if let Some(models) = body.get("responseModels").and_then(Value::as_object) {
            if swagger {
                if let Some(model) = models.values().find_map(Value::as_str) {
                    response["schema"] = json!({"$ref": format!("#/definitions/{model}")});
                }
            } else {
                let content: Map<String, Value> = models
                    .iter()
                    .filter_map(|(ct, m)| {
                        let m = m.as_str()?;
                        Some((
                            ct.clone(),
                            json!({"schema": {"$ref": format!("#/components/schemas/{m}")}}),
                        ))
                    })
                    .collect();
                if !content.is_empty() {
                    response["content"] = Value::Object(content);
                }
            }
        }
        let answer = method_response_json(code, &response);
        let op = operation_mut(doc, &path, http_method)?;
        object_entry(op, "responses")?.insert(code.into(), response);
        Ok(ok(201, answer))
    })
}

fn get_method_response(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    code: &str,
) -> CallResult {
    read_operation(c, api_id, resource_id, http_method, |_, op| {
        let response = op
            .get("responses")
            .and_then(|r| r.get(code))
            .ok_or_else(response_not_found)?;
        Ok(method_response_json(code, response))
    })
}

fn delete_method_response(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    code: &str,
) -> CallResult {
    edit_operation(c, api_id, resource_id, http_method, |op| {
        op.get_mut("responses")
            .and_then(Value::as_object_mut)
            .and_then(|r| r.remove(code))
            .ok_or_else(response_not_found)?;
        Ok(empty(204))
    })
}

// ---------------------------------------------------------------------------------------------
// Integrations.

fn integration_not_found() -> ApiError {
    ApiError::not_found("Invalid Integration identifier specified")
}

/// A method's integration, or NotFound.
fn integration_of(op: &Value) -> Result<&Value, ApiError> {
    op.get(INTEGRATION_KEY).ok_or_else(integration_not_found)
}

/// A method's integration, to edit, or NotFound.
fn integration_mut(op: &mut Map<String, Value>) -> Result<&mut Map<String, Value>, ApiError> {
    op.get_mut(INTEGRATION_KEY)
        .and_then(Value::as_object_mut)
        .ok_or_else(integration_not_found)
}

fn status_code_of(response: &Value) -> Option<String> {
    match response.get("statusCode")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn integration_response_json(pattern: &str, response: &Value) -> Value {
    let mut out = Map::new();
    out.insert(
        "statusCode".into(),
        json!(status_code_of(response).unwrap_or_default()),
    );
    if pattern != "default" {
        out.insert("selectionPattern".into(), json!(pattern));
    }
    for key in ["responseParameters", "responseTemplates", "contentHandling"] {
        if let Some(v) = response.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

fn integration_json(integration: &Value, resource_id: &str) -> Value {
    let get = |k: &str| integration.get(k);
    let kind = get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let mut out = Map::new();
    out.insert("type".into(), json!(kind));
    for key in ["httpMethod", "uri"] {
        if let Some(v) = get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    // AWS reports INTERNET for integrations that call out, and nothing for MOCK.
    match get("connectionType") {
        Some(v) => {
            out.insert("connectionType".into(), v.clone());
        }
        None if kind != "MOCK" => {
            out.insert("connectionType".into(), json!("INTERNET"));
        }
        None => {}
    }
    for key in [
        "connectionId",
        "credentials",
        "requestParameters",
        "requestTemplates",
    ] {
        if let Some(v) = get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let passthrough = get("passthroughBehavior")
        .and_then(Value::as_str)
        .unwrap_or("when_no_match")
        .to_ascii_uppercase();
    out.insert("passthroughBehavior".into(), json!(passthrough));
    if let Some(v) = get("contentHandling") {
        out.insert("contentHandling".into(), v.clone());
    }
    let timeout = get("timeoutInMillis")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .unwrap_or(crate::openapi::DEFAULT_TIMEOUT_MILLIS);
    out.insert("timeoutInMillis".into(), json!(timeout));
    out.insert(
        "cacheNamespace".into(),
        get("cacheNamespace").cloned().unwrap_or(json!(resource_id)),
    );
    out.insert(
        "cacheKeyParameters".into(),
        get("cacheKeyParameters").cloned().unwrap_or(json!([])),
    );
    if let Some(responses) = get("responses").and_then(Value::as_object) {
        let map: Map<String, Value> = responses
            .iter()
            .filter_map(|(pattern, r)| {
                Some((status_code_of(r)?, integration_response_json(pattern, r)))
            })
            .collect();
        if !map.is_empty() {
            out.insert("integrationResponses".into(), Value::Object(map));
        }
    }
    if let Some(v) = get("tlsConfig") {
        out.insert("tlsConfig".into(), v.clone());
    }
    Value::Object(out)
}

const INTEGRATION_TYPES: &[&str] = &["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"];

/// Checks a PutIntegration request as API Gateway does before anything is stored, and returns
/// the document's `x-amazon-apigateway-integration` object.
fn integration_for_document(body: &Map<String, Value>) -> Result<Value, ApiError> {
    let kind = opt_str(body, "type")
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !INTEGRATION_TYPES.contains(&kind.as_str()) {
        return Err(ApiError::bad_request(
            "Invalid integration type specified. Valid options are HTTP,AWS,MOCK,HTTP_PROXY,AWS_PROXY",
        ));
    }
    let uri = opt_str(body, "uri");
    let backend_method = opt_str(body, "httpMethod");
    if kind != "MOCK" {
        if backend_method.is_none_or(str::is_empty) {
            return Err(ApiError::bad_request(
                "Enumeration value for HttpMethod must be non-empty",
            ));
        }
        let uri = uri.unwrap_or_default();
        let is_http = uri.starts_with("http://") || uri.starts_with("https://");
        if kind.starts_with("HTTP") && !is_http {
            return Err(ApiError::bad_request(
                "Invalid HTTP endpoint specified for URI",
            ));
        }
        if kind == "AWS_PROXY" && !uri.contains(":lambda:path/") {
            return Err(ApiError::bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."));
        }
        if kind == "AWS" && !uri.starts_with("arn:") {
            return Err(ApiError::bad_request(
                "Invalid ARN specified in the request",
            ));
        }
    }
    if let Some(t) = body.get("timeoutInMillis").and_then(Value::as_i64) {
        if !(50..=29_000).contains(&t) {
            return Err(ApiError::bad_request(
                "Timeout should be between 50 ms and 29000 ms",
            ));
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), json!(kind.to_ascii_lowercase()));
    if let Some(m) = backend_method {
        out.insert("httpMethod".into(), json!(m.to_ascii_uppercase()));
    }
    if let Some(u) = uri {
        out.insert("uri".into(), json!(u));
    }
    for key in [
        "connectionType",
        "connectionId",
        "credentials",
        "contentHandling",
        "cacheNamespace",
    ] {
        if let Some(v) = body.get(key).filter(|v| v.is_string()) {
            out.insert(key.into(), v.clone());
        }
    }
    for key in ["requestParameters", "requestTemplates"] {
        let map = string_map(body.get(key));
        if !map.is_empty() {
            out.insert(key.into(), Value::Object(map));
        }
    }
    if let Some(p) = opt_str(body, "passthroughBehavior") {
        let p = p.to_ascii_uppercase();
        if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(&p.as_str()) {
            return Err(ApiError::bad_request(
                "Invalid passthrough behavior specified. Valid options are WHEN_NO_MATCH,WHEN_NO_TEMPLATES,NEVER",
            ));
        }
        out.insert("passthroughBehavior".into(), json!(p.to_ascii_lowercase()));
    }
    if let Some(t) = body.get("timeoutInMillis").filter(|v| v.is_number()) {
        out.insert("timeoutInMillis".into(), t.clone());
    }
    if let Some(k) = body.get("cacheKeyParameters").filter(|v| v.is_array()) {
        out.insert("cacheKeyParameters".into(), k.clone());
    }
    if let Some(t) = body.get("tlsConfig").filter(|v| v.is_object()) {
        out.insert("tlsConfig".into(), t.clone());
    }
    Ok(Value::Object(out))
}

fn put_integration(c: &Call, api_id: &str, resource_id: &str, http_method: &str) -> CallResult {
    let body = body_json(c.req)?;
    edit_operation(c, api_id, resource_id, http_method, |op| {
        let integration = integration_for_document(&body)?;
        let answer = integration_json(&integration, resource_id);
        op.insert(INTEGRATION_KEY.into(), integration);
        Ok(ok(201, answer))
    })
}

fn get_integration(c: &Call, api_id: &str, resource_id: &str, http_method: &str) -> CallResult {
    read_operation(c, api_id, resource_id, http_method, |_, op| {
        Ok(integration_json(integration_of(op)?, resource_id))
    })
}

fn delete_integration(c: &Call, api_id: &str, resource_id: &str, http_method: &str) -> CallResult {
    edit_operation(c, api_id, resource_id, http_method, |op| {
        op.remove(INTEGRATION_KEY)
            .ok_or_else(integration_not_found)?;
        Ok(empty(204))
    })
}

/// The document key (selection pattern, or `default`) of the integration response for `code`.
fn integration_response_key(responses: &Map<String, Value>, code: &str) -> Option<String> {
    responses
        .iter()
        .find(|(_, r)| status_code_of(r).as_deref() == Some(code))
        .map(|(k, _)| k.clone())
}

fn put_integration_response(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    code: &str,
) -> CallResult {
    let body = body_json(c.req)?;
    edit_operation(c, api_id, resource_id, http_method, |op| {
        let has_method_response = op.get("responses").and_then(|r| r.get(code)).is_some();
        let integration = integration_mut(op)?;
        // API Gateway maps an integration response onto a method response, which must exist.
        if !has_method_response {
            return Err(response_not_found());
        }
        let pattern = opt_str(&body, "selectionPattern")
            .filter(|p| !p.is_empty())
            .unwrap_or("default")
            .to_string();
        let mut response = Map::new();
        response.insert("statusCode".into(), json!(code));
        for key in ["responseParameters", "responseTemplates"] {
            let map = string_map(body.get(key));
            if !map.is_empty() {
                response.insert(key.into(), Value::Object(map));
            }
        }
        if let Some(h) = body.get("contentHandling").filter(|v| v.is_string()) {
            response.insert("contentHandling".into(), h.clone());
        }
        let response = Value::Object(response);
        let answer = integration_response_json(&pattern, &response);
        let responses = object_entry(integration, "responses")?;
        if let Some(old) = integration_response_key(responses, code) {
            responses.remove(&old);
        }
        responses.insert(pattern, response);
        Ok(ok(201, answer))
    })
}

fn get_integration_response(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    code: &str,
) -> CallResult {
    read_operation(c, api_id, resource_id, http_method, |_, op| {
        let responses = integration_of(op)?
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(response_not_found)?;
        let key = integration_response_key(responses, code).ok_or_else(response_not_found)?;
        Ok(integration_response_json(&key, &responses[&key]))
    })
}

fn delete_integration_response(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    code: &str,
) -> CallResult {
    edit_operation(c, api_id, resource_id, http_method, |op| {
        let responses = integration_mut(op)?
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .ok_or_else(response_not_found)?;
        let key = integration_response_key(responses, code).ok_or_else(response_not_found)?;
        responses.remove(&key);
        Ok(empty(204))
    })
}

// ---------------------------------------------------------------------------------------------
// Deployments.

fn deployment_not_found() -> ApiError {
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
fn visible_deployments(api: &RestApiConfig) -> Vec<DeploymentConfig> {
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
fn find_deployment<'d>(
    deployments: &'d [DeploymentConfig],
    deployment_id: &str,
) -> Result<&'d DeploymentConfig, ApiError> {
    deployments
        .iter()
        .find(|d| d.id == deployment_id)
        .ok_or_else(deployment_not_found)
}

fn get_deployments(c: &Call, api_id: &str) -> CallResult {
    let items: Vec<Value> = visible_deployments(find_api(c.state, api_id)?)
        .iter()
        .map(deployment_json)
        .collect();
    answer_items(items)
}

fn get_deployment(c: &Call, api_id: &str, deployment_id: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    answer(deployment_json(find_deployment(
        &visible_deployments(api),
        deployment_id,
    )?))
}

fn delete_deployment(c: &Call, api_id: &str, deployment_id: &str) -> CallResult {
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

fn valid_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn invalid_stage_name() -> ApiError {
    ApiError::bad_request("Stage name only allows a-zA-Z0-9_-")
}

fn create_deployment(c: &Call, api_id: &str) -> CallResult {
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
            id: super::ids::apigateway_id(6),
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

// ---------------------------------------------------------------------------------------------
// Stages.

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

fn find_stage<'a>(api: &'a RestApiConfig, name: &str) -> Result<&'a StageConfig, ApiError> {
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

fn get_stages(c: &Call, api_id: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    answer_items(api.stages.iter().map(|s| stage_json(api, s)).collect())
}

fn get_stage(c: &Call, api_id: &str, name: &str) -> CallResult {
    let api = find_api(c.state, api_id)?;
    answer(stage_json(api, find_stage(api, name)?))
}

fn create_stage(c: &Call, api_id: &str) -> CallResult {
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

fn update_stage(c: &Call, api_id: &str, name: &str) -> CallResult {
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

fn delete_stage(c: &Call, api_id: &str, name: &str) -> CallResult {
    edit_api(c, api_id, |api| {
        let j = stage_index(api, name)?;
        api.stages.remove(j);
        Ok(empty(202))
    })
}

// ---------------------------------------------------------------------------------------------
// Export.

fn get_export(c: &Call, api_id: &str, stage_name: &str, kind: &str) -> CallResult {
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
        super::export::export_document(&doc, kind, &extensions, &name, &host, stage_name)
            .map_err(ApiError::bad_request)?;
    let yaml = c.req.header("accept").is_some_and(|a| a.contains("yaml"));
    let (content_type, body) = if yaml {
        let text = serde_yaml::to_string(&exported)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigOrigin;

    const NOW: i64 = 1_700_000_000;

    fn ctx() -> ControlContext {
        ControlContext {
            now: time::OffsetDateTime::from_unix_timestamp(NOW).unwrap(),
            request_id: "req-1".to_string(),
        }
    }

    fn request(method: &str, target: &str, body: &str) -> ControlRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        ControlRequest {
            method: method.parse().unwrap(),
            path: path.to_string(),
            query: query
                .split('&')
                .filter(|q| !q.is_empty())
                .map(|q| {
                    let (k, v) = q.split_once('=').unwrap_or((q, ""));
                    (k.to_string(), v.to_string())
                })
                .collect(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    /// Runs a call; returns the status, the JSON body (null when empty) and the new state.
    fn call(
        state: &Config,
        method: &str,
        target: &str,
        body: &str,
    ) -> (u16, Value, Option<Config>) {
        let handled = handle(&request(method, target, body), state, &ctx());
        let value = if handled.response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&handled.response.body).unwrap()
        };
        (handled.response.status, value, handled.new_state)
    }

    /// Runs a call that must change the state; returns the answer and moves the state on.
    fn write(state: &mut Config, method: &str, target: &str, body: &str) -> (u16, Value) {
        let (status, value, new_state) = call(state, method, target, body);
        *state = new_state.unwrap_or_else(|| panic!("{method} {target}: {status} {value}"));
        (status, value)
    }

    fn empty_state() -> Config {
        Config::from_json_str(
            r#"{"region":"us-east-1","accountId":"123456789012"}"#,
            ConfigOrigin::Inline,
        )
        .unwrap()
    }

    fn error(state: &Config, method: &str, target: &str, body: &str) -> (u16, String, Value) {
        let handled = handle(&request(method, target, body), state, &ctx());
        assert!(handled.new_state.is_none());
        let kind = handled
            .response
            .headers
            .iter()
            .find(|(k, _)| k == "x-amzn-ErrorType")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&handled.response.body).unwrap();
        (handled.response.status, kind, body)
    }

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;

    fn create_api(state: &mut Config, body: Value) -> String {
        let (status, api) = write(state, "POST", "/restapis", &body.to_string());
        assert_eq!(status, 201);
        api["id"].as_str().unwrap().to_string()
    }

    #[test]
    fn create_rest_api_answers_as_aws() {
        let mut state = empty_state();
        let body = json!({"name": "orders", "description": "d",
            "endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-01234567890abcdef"]},
            "policy": POLICY, "binaryMediaTypes": ["image/png"]});
        let (status, api) = write(&mut state, "POST", "/restapis", &body.to_string());
        assert_eq!(status, 201);
        let id = api["id"].as_str().unwrap().to_string();
        assert!(names::is_rest_api_id(&id));
        let expected_policy = format!(
            r#"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:{id}\/*\"}}]}}"#
        );
        assert_eq!(
            api,
            json!({"id": id, "name": "orders", "description": "d", "createdDate": NOW,
                "binaryMediaTypes": ["image/png"], "apiKeySource": "HEADER",
                "endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-01234567890abcdef"]},
                "policy": expected_policy, "disableExecuteApiEndpoint": false,
                "rootResourceId": names::short_id("/")})
        );
        let (status, got, new_state) = call(&state, "GET", &format!("/restapis/{id}"), "");
        assert_eq!((status, new_state.is_none()), (200, true));
        assert_eq!(got, api);
        let (_, list, _) = call(&state, "GET", "/restapis", "");
        assert_eq!(list, json!({"item": [api]}));
        // EDGE is the default endpoint type.
        let (_, edge) = write(&mut state, "POST", "/restapis", r#"{"name":"e"}"#);
        assert_eq!(edge["endpointConfiguration"], json!({"types": ["EDGE"]}));
        let (status, _) = write(&mut state, "DELETE", &format!("/restapis/{id}"), "");
        assert_eq!(status, 202);
        assert_eq!(state.rest_apis.len(), 1);
    }

    #[test]
    fn errors_carry_aws_types_and_messages() {
        let mut state = empty_state();
        let id = create_api(
            &mut state,
            json!({"name": "a", "endpointConfiguration": {"types": ["REGIONAL"]}}),
        );
        let root = names::short_id("/");
        let cases = [
            (
                "GET",
                "/restapis/abc1234567".to_string(),
                404,
                "NotFoundException",
                "Invalid API identifier specified 123456789012:abc1234567",
            ),
            (
                "GET",
                format!("/restapis/{id}/resources/zzzzzz"),
                404,
                "NotFoundException",
                "Invalid Resource identifier specified",
            ),
            (
                "GET",
                format!("/restapis/{id}/resources/{root}/methods/GET"),
                404,
                "NotFoundException",
                "Invalid Method identifier specified",
            ),
            (
                "GET",
                format!("/restapis/{id}/stages/nope"),
                404,
                "NotFoundException",
                "Invalid Stage identifier specified",
            ),
            (
                "GET",
                format!("/restapis/{id}/deployments/abcdef"),
                404,
                "NotFoundException",
                "Invalid Deployment identifier specified",
            ),
            (
                "POST",
                format!("/restapis/{id}/deployments"),
                400,
                "BadRequestException",
                "The REST API doesn't contain any methods",
            ),
            (
                "GET",
                "/nothing/here".to_string(),
                404,
                "UnknownOperationException",
                "Unknown operation",
            ),
            (
                "POST",
                "/restapis".to_string(),
                400,
                "BadRequestException",
                "Invalid REST API name specified",
            ),
        ];
        for (method, target, status, kind, message) in cases {
            assert_eq!(
                error(&state, method, &target, ""),
                (status, kind.to_string(), json!({"message": message})),
                "{method} {target}"
            );
        }
        write(
            &mut state,
            "PUT",
            &format!("/restapis/{id}/resources/{root}/methods/GET"),
            r#"{"authorizationType":"NONE"}"#,
        );
        assert_eq!(
            error(
                &state,
                "GET",
                &format!("/restapis/{id}/resources/{root}/methods/GET/integration"),
                ""
            ),
            (
                404,
                "NotFoundException".into(),
                json!({"message": "Invalid Integration identifier specified"})
            )
        );
        assert_eq!(
            error(&state, "POST", &format!("/restapis/{id}/deployments"), ""),
            (
                400,
                "BadRequestException".into(),
                json!({"message": "No integration defined for method"})
            )
        );
        assert_eq!(
            error(
                &state,
                "PUT",
                &format!("/restapis/{id}/resources/{root}/methods/GET"),
                "{}"
            )
            .0,
            409
        );
        assert_eq!(
            error(
                &state,
                "POST",
                &format!("/restapis/{id}/resources/{root}"),
                "{not json"
            )
            .1,
            "BadRequestException"
        );
    }

    #[test]
    fn a_private_api_without_a_policy_is_not_deployed() {
        let mut state = empty_state();
        let id = create_api(
            &mut state,
            json!({"name": "p", "endpointConfiguration": {"types": ["PRIVATE"]}}),
        );
        let root = names::short_id("/");
        write(
            &mut state,
            "PUT",
            &format!("/restapis/{id}/resources/{root}/methods/GET"),
            "{}",
        );
        write(
            &mut state,
            "PUT",
            &format!("/restapis/{id}/resources/{root}/methods/GET/integration"),
            r#"{"type":"MOCK"}"#,
        );
        assert_eq!(
            error(
                &state,
                "POST",
                &format!("/restapis/{id}/deployments"),
                r#"{"stageName":"test"}"#
            ),
            (
                400,
                "BadRequestException".into(),
                json!({"message": PRIVATE_WITHOUT_POLICY})
            )
        );
    }

    /// The calls the console makes for a MOCK method, then a deployment: the data plane routes
    /// the stage's path to what the calls built.
    #[test]
    fn built_by_calls_then_deployed_the_api_is_served() {
        let mut state = empty_state();
        let id = create_api(
            &mut state,
            json!({"name": "mocky", "endpointConfiguration": {"types": ["REGIONAL"]}}),
        );
        let root = names::short_id("/");
        let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
        assert_eq!(resources, json!({"item": [{"id": root, "path": "/"}]}));

        let (status, pets) = write(
            &mut state,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            r#"{"pathPart":"pets"}"#,
        );
        let pets_id = names::short_id("/pets");
        assert_eq!(status, 201);
        assert_eq!(
            pets,
            json!({"id": pets_id, "parentId": root, "pathPart": "pets", "path": "/pets"})
        );
        assert_eq!(
            error(
                &state,
                "POST",
                &format!("/restapis/{id}/resources/{root}"),
                r#"{"pathPart":"pets"}"#
            ),
            (
                409,
                "ConflictException".into(),
                json!({"message": "Another resource with the same parent already has this name: pets"})
            )
        );
        let m = format!("/restapis/{id}/resources/{pets_id}/methods/GET");
        let (status, method) = write(
            &mut state,
            "PUT",
            &m,
            r#"{"authorizationType":"NONE","requestParameters":{"method.request.querystring.type":false}}"#,
        );
        assert_eq!(status, 201);
        assert_eq!(
            method,
            json!({"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": false,
            "requestParameters": {"method.request.querystring.type": false}})
        );
        let (status, integration) = write(
            &mut state,
            "PUT",
            &format!("{m}/integration"),
            r#"{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}"#,
        );
        assert_eq!(status, 201);
        assert_eq!(
            integration,
            json!({"type": "MOCK",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000,
            "cacheNamespace": pets_id, "cacheKeyParameters": []})
        );
        assert_eq!(
            error(
                &state,
                "PUT",
                &format!("{m}/integration/responses/200"),
                "{}"
            ),
            (
                404,
                "NotFoundException".into(),
                json!({"message": "Invalid Response status code specified"})
            )
        );
        let (status, mr) = write(
            &mut state,
            "PUT",
            &format!("{m}/responses/200"),
            r#"{"responseModels":{"application/json":"Empty"},"responseParameters":{"method.response.header.X-Kind":false}}"#,
        );
        assert_eq!(status, 201);
        assert_eq!(
            mr,
            json!({"statusCode": "200",
            "responseParameters": {"method.response.header.X-Kind": false},
            "responseModels": {"application/json": "Empty"}})
        );
        let (status, ir) = write(
            &mut state,
            "PUT",
            &format!("{m}/integration/responses/200"),
            r#"{"selectionPattern":"","responseParameters":{"method.response.header.X-Kind":"'mock'"},"responseTemplates":{"application/json":"{\"pets\": []}"}}"#,
        );
        assert_eq!(status, 201);
        assert_eq!(
            ir,
            json!({"statusCode": "200",
            "responseParameters": {"method.response.header.X-Kind": "'mock'"},
            "responseTemplates": {"application/json": "{\"pets\": []}"}})
        );
        let (_, got, _) = call(&state, "GET", &format!("{m}/integration/responses/200"), "");
        assert_eq!(got, ir);
        let (_, got, _) = call(&state, "GET", &m, "");
        assert_eq!(
            got["methodIntegration"]["integrationResponses"],
            json!({"200": ir})
        );
        assert_eq!(got["methodResponses"], json!({"200": mr}));
        let (_, embedded, _) = call(
            &state,
            "GET",
            &format!("/restapis/{id}/resources?embed=methods"),
            "",
        );
        assert_eq!(embedded["item"][1]["resourceMethods"]["GET"], got);
        let (_, plain, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
        assert_eq!(plain["item"][1]["resourceMethods"], json!({"GET": {}}));

        let (status, deployment) = write(
            &mut state,
            "POST",
            &format!("/restapis/{id}/deployments"),
            r#"{"stageName":"test","description":"first","variables":{"v":"1"}}"#,
        );
        assert_eq!(status, 201);
        let deployment_id = deployment["id"].as_str().unwrap().to_string();
        assert_eq!(deployment_id.len(), 6);
        assert_eq!(
            deployment,
            json!({"id": deployment_id, "description": "first", "createdDate": NOW})
        );
        let (_, stage, _) = call(&state, "GET", &format!("/restapis/{id}/stages/test"), "");
        assert_eq!(
            stage,
            json!({"deploymentId": deployment_id, "stageName": "test",
            "cacheClusterEnabled": false, "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {},
            "variables": {"v": "1"}, "tracingEnabled": false, "createdDate": NOW, "lastUpdatedDate": NOW})
        );

        let topology = validate(&state).unwrap();
        let served = &topology.rest_apis[&id].stages["test"];
        assert_eq!(served.deployment.id, deployment_id);
        let route = served.deployment.definition.route("/pets", "GET").unwrap();
        let Some(crate::api::Integration::Mock(mock)) = &route.method.integration else {
            panic!("expected a MOCK integration");
        };
        assert_eq!(mock.responses[0].status_code, 200);
        assert_eq!(mock.responses[0].selection_pattern, None);

        // A change after the deployment is not served until the next one.
        let (status, _) = write(&mut state, "DELETE", &m, "");
        assert_eq!(status, 204);
        let topology = validate(&state).unwrap();
        assert!(topology.rest_apis[&id].stages["test"]
            .deployment
            .definition
            .route("/pets", "GET")
            .is_some());
        assert_eq!(
            error(
                &state,
                "DELETE",
                &format!("/restapis/{id}/deployments/{deployment_id}"),
                ""
            ),
            (
                400,
                "BadRequestException".into(),
                json!({"message": "Active stages pointing to this deployment must be moved or deleted"})
            )
        );
        let (_, list, _) = call(&state, "GET", &format!("/restapis/{id}/deployments"), "");
        assert_eq!(list, json!({"item": [deployment]}));
        let (status, _) = write(
            &mut state,
            "DELETE",
            &format!("/restapis/{id}/resources/{pets_id}"),
            "",
        );
        assert_eq!(status, 202);
        let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
        assert_eq!(resources["item"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn stages_are_created_updated_and_deleted() {
        let mut state = empty_state();
        let id = create_api(
            &mut state,
            json!({"name": "s", "endpointConfiguration": {"types": ["REGIONAL"]}}),
        );
        let root = names::short_id("/");
        let m = format!("/restapis/{id}/resources/{root}/methods/ANY");
        write(&mut state, "PUT", &m, "{}");
        write(
            &mut state,
            "PUT",
            &format!("{m}/integration"),
            r#"{"type":"HTTP_PROXY","httpMethod":"ANY","uri":"http://127.0.0.1:9/"}"#,
        );
        let (_, d) = write(
            &mut state,
            "POST",
            &format!("/restapis/{id}/deployments"),
            "{}",
        );
        let d = d["id"].as_str().unwrap().to_string();
        let body =
            json!({"stageName": "prod", "deploymentId": d, "description": "live"}).to_string();
        let (status, stage) = write(&mut state, "POST", &format!("/restapis/{id}/stages"), &body);
        assert_eq!(status, 201);
        assert_eq!(stage["description"], "live");
        assert_eq!(
            error(&state, "POST", &format!("/restapis/{id}/stages"), &body),
            (
                409,
                "ConflictException".into(),
                json!({"message": "Stage already exists"})
            )
        );
        let patch = json!({"patchOperations": [
            {"op": "replace", "path": "/variables/color", "value": "blue"},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": "arn:aws:logs:us-east-1:123456789012:log-group:g"},
            {"op": "replace", "path": "/description", "value": "changed"}]});
        let (status, stage) = write(
            &mut state,
            "PATCH",
            &format!("/restapis/{id}/stages/prod"),
            &patch.to_string(),
        );
        assert_eq!(status, 200);
        assert_eq!(
            stage,
            json!({"deploymentId": d, "stageName": "prod", "description": "changed",
            "cacheClusterEnabled": false, "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {},
            "variables": {"color": "blue"},
            "accessLogSettings": {"format": "$context.requestId", "destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:g"},
            "tracingEnabled": false, "createdDate": NOW, "lastUpdatedDate": NOW})
        );
        assert!(state.rest_apis[0].stages[0]
            .access_log_settings
            .as_ref()
            .unwrap()
            .destination
            .is_none());
        let (_, stages, _) = call(&state, "GET", &format!("/restapis/{id}/stages"), "");
        assert_eq!(stages, json!({"item": [stage]}));
        let bad = json!({"patchOperations": [{"op": "replace", "path": "/nope", "value": "x"}]});
        assert_eq!(
            error(
                &state,
                "PATCH",
                &format!("/restapis/{id}/stages/prod"),
                &bad.to_string()
            )
            .0,
            400
        );
        let (status, _) = write(
            &mut state,
            "DELETE",
            &format!("/restapis/{id}/stages/prod"),
            "",
        );
        assert_eq!(status, 202);
        let (status, _) = write(
            &mut state,
            "DELETE",
            &format!("/restapis/{id}/deployments/{d}"),
            "",
        );
        assert_eq!(status, 202);
    }

    #[test]
    fn update_rest_api_applies_patch_operations() {
        let mut state = empty_state();
        let id = create_api(
            &mut state,
            json!({"name": "u", "endpointConfiguration": {"types": ["REGIONAL"]}}),
        );
        let patch = json!({"patchOperations": [
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
            {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"},
            {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "PRIVATE"},
            {"op": "add", "path": "/endpointConfiguration/vpcEndpointIds", "value": "vpce-01234567890abcdef"},
            {"op": "replace", "path": "/policy", "value": POLICY}]});
        let (status, api) = write(
            &mut state,
            "PATCH",
            &format!("/restapis/{id}"),
            &patch.to_string(),
        );
        assert_eq!(status, 200);
        assert_eq!(api["name"], "renamed");
        assert_eq!(api["binaryMediaTypes"], json!(["image/png"]));
        assert_eq!(api["apiKeySource"], "AUTHORIZER");
        assert_eq!(
            api["endpointConfiguration"],
            json!({"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-01234567890abcdef"]})
        );
        assert!(api["policy"]
            .as_str()
            .unwrap()
            .starts_with(r#"{\"Version\":\"2012-10-17\""#));
        let patch =
            json!({"patchOperations": [{"op": "remove", "path": "/binaryMediaTypes/image~1png"}]});
        let (_, api) = write(
            &mut state,
            "PATCH",
            &format!("/restapis/{id}"),
            &patch.to_string(),
        );
        assert!(api.get("binaryMediaTypes").is_none());
    }

    #[test]
    fn import_reads_json_and_yaml_and_reports_warnings() {
        let mut state = empty_state();
        let yaml = "openapi: 3.0.1\ninfo: {title: imported, version: '1'}\nx-amazon-apigateway-request-validators: {}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}\n";
        let (status, api) = write(
            &mut state,
            "POST",
            "/restapis?mode=import&endpointConfigurationTypes=REGIONAL",
            yaml,
        );
        assert_eq!(status, 201);
        assert_eq!(api["name"], "imported");
        assert_eq!(api["endpointConfiguration"], json!({"types": ["REGIONAL"]}));
        assert_eq!(api["warnings"], json!(["$.x-amazon-apigateway-request-validators: request validators are not emulated: requests are not validated"]));
        let (status, kind, _) = error(
            &state,
            "POST",
            "/restapis?mode=import&failonwarnings=true",
            yaml,
        );
        assert_eq!((status, kind.as_str()), (400, "BadRequestException"));
        let (status, kind, body) = error(
            &state,
            "POST",
            "/restapis?mode=import",
            r#"{"openapi":"2.5"}"#,
        );
        assert_eq!((status, kind.as_str()), (400, "BadRequestException"));
        assert!(body["message"]
            .as_str()
            .unwrap()
            .starts_with("$: expected an OpenAPI 3.0 document"));
        let id = api["id"].as_str().unwrap().to_string();
        let merge = r#"{"openapi":"3.0.1","info":{"title":"imported","version":"2"},"paths":{"/b":{"post":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}"#;
        let (status, _) = write(
            &mut state,
            "PUT",
            &format!("/restapis/{id}?mode=merge"),
            merge,
        );
        assert_eq!(status, 200);
        let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
        let paths: Vec<&str> = resources["item"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["/", "/a", "/b"]);
        write(
            &mut state,
            "PUT",
            &format!("/restapis/{id}?mode=overwrite"),
            merge,
        );
        let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
        assert_eq!(resources["item"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn get_export_serves_the_stage_document_as_json_or_yaml() {
        let state = Config::seed();
        let handled = handle(
            &request(
                "GET",
                "/restapis/chw1a2q2xk/stages/test/exports/oas30?extensions=integrations",
                "",
            ),
            &state,
            &ctx(),
        );
        assert_eq!(handled.response.status, 200);
        assert_eq!(
            handled.response.headers[0],
            ("Content-Type".to_string(), "application/json".to_string())
        );
        let doc: Value = serde_json::from_slice(&handled.response.body).unwrap();
        assert!(doc["paths"]["/pets"].is_object(), "{doc}");
        let mut yaml = request(
            "GET",
            "/restapis/chw1a2q2xk/stages/test/exports/swagger",
            "",
        );
        yaml.headers
            .insert("accept", http::HeaderValue::from_static("application/yaml"));
        let handled = handle(&yaml, &state, &ctx());
        assert_eq!(handled.response.headers[0].1, "application/yaml");
        let text = String::from_utf8(handled.response.body).unwrap();
        assert!(crate::document::parse(&text).unwrap()["paths"].is_object());
        assert_eq!(
            error(
                &state,
                "GET",
                "/restapis/chw1a2q2xk/stages/nope/exports/oas30",
                ""
            ),
            (
                404,
                "NotFoundException".into(),
                json!({"message": "Invalid Stage identifier specified"})
            )
        );
    }

    /// A scenario's Example API: read from the bundled document; the first change freezes what
    /// its stage served, so the stage keeps serving it.
    #[test]
    fn an_example_api_is_read_and_frozen_on_its_first_change() {
        let mut state = Config::seed();
        let (_, api, _) = call(&state, "GET", "/restapis/chw1a2q2xk", "");
        assert_eq!(api["name"], "PetStore");
        assert_eq!(api["endpointConfiguration"]["types"], json!(["PRIVATE"]));
        let (_, resources, _) = call(&state, "GET", "/restapis/chw1a2q2xk/resources", "");
        let paths: Vec<&str> = resources["item"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["/", "/pets", "/pets/{petId}"]);
        let current = current_deployment_id("chw1a2q2xk");
        let (_, stage, _) = call(&state, "GET", "/restapis/chw1a2q2xk/stages/test", "");
        assert_eq!(stage["deploymentId"], json!(current));
        let pets = names::short_id("/pets");
        let (status, _) = write(
            &mut state,
            "DELETE",
            &format!("/restapis/chw1a2q2xk/resources/{pets}"),
            "",
        );
        assert_eq!(status, 202);
        let api = &state.rest_apis[0];
        assert!(api.example.is_none() && api.body.is_some());
        assert_eq!(
            api.stages[0].deployment_id.as_deref(),
            Some(current.as_str())
        );
        let topology = validate(&state).unwrap();
        let served = &topology.rest_apis["chw1a2q2xk"].stages["test"].deployment;
        assert_eq!(served.id, current);
        assert!(served.definition.route("/pets", "GET").is_some());
        assert!(served.policy.is_some());
    }
}
