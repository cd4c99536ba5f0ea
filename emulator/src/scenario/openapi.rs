//! OpenAPI 3.0 and Swagger 2.0 import, as `aws apigateway import-rest-api` reads a document:
//! paths become the resource tree, operations methods, and the `x-amazon-apigateway-*`
//! extensions integrations, policy, endpoint configuration and binary media types.
//!
//! Import is strict where API Gateway is (a bad mapping expression, an unknown integration type,
//! a template that does not parse: errors naming the JSON path) and loud where the emulator is
//! narrower than AWS (authorizers, API keys, validators, custom gateway responses: accepted and
//! reported as warnings, never silently dropped). `basePath` is ignored, API Gateway's default
//! for import (`basepath=ignore`).

use serde_json::{Map, Value};

use crate::model::api::{
    ApiDefinition, HttpIntegration, Integration, IntegrationResponse, LambdaProxyIntegration,
    MappingTemplate, Method, MockIntegration, PassthroughBehavior, Templates,
};
use crate::scenario::document::{child_path, type_name, DocumentError};

/// API Gateway's default integration timeout.
pub const DEFAULT_TIMEOUT_MILLIS: u64 = 29_000;

/// What an OpenAPI document defines.
#[derive(Debug)]
pub struct ImportedApi {
    /// `info.title`: the API's name unless the scenario names it.
    pub title: Option<String>,
    /// `info.description`.
    pub description: Option<String>,
    /// Resources, methods, integrations and binary media types.
    pub definition: ApiDefinition,
    /// `x-amazon-apigateway-policy`.
    pub policy: Option<Value>,
    /// `x-amazon-apigateway-endpoint-configuration.vpcEndpointIds`.
    pub vpc_endpoint_ids: Vec<String>,
    /// `x-amazon-apigateway-api-key-source` (`HEADER` or `AUTHORIZER`).
    pub api_key_source: Option<String>,
    /// What was accepted but is not emulated, by JSON path.
    pub warnings: Vec<DocumentError>,
}

/// Operation keys of an OpenAPI path item and the HTTP methods they stand for.
pub(crate) const OPERATIONS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

struct Importer {
    warnings: Vec<DocumentError>,
}

/// Imports a parsed document (see [`crate::scenario::document::parse`]).
pub fn import(doc: &Value) -> Result<ImportedApi, DocumentError> {
    let mut importer = Importer {
        warnings: Vec::new(),
    };
    importer.document(doc)
}

fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Map<String, Value>, DocumentError> {
    v.as_object().ok_or_else(|| {
        DocumentError::new(path, format!("expected an object, found {}", type_name(v)))
    })
}

fn string<'v>(v: &'v Value, path: &str) -> Result<&'v str, DocumentError> {
    v.as_str().ok_or_else(|| {
        DocumentError::new(path, format!("expected a string, found {}", type_name(v)))
    })
}

fn string_list(v: &Value, path: &str) -> Result<Vec<String>, DocumentError> {
    let items = v.as_array().ok_or_else(|| {
        DocumentError::new(
            path,
            format!("expected an array of strings, found {}", type_name(v)),
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| string(item, &format!("{path}[{i}]")).map(str::to_string))
        .collect()
}

impl Importer {
    /// `x-amazon-apigateway-endpoint-configuration`, at the top level or on a server.
    fn endpoint_configuration(
        &mut self,
        value: &Value,
        path: &str,
        vpc_endpoint_ids: &mut Vec<String>,
    ) -> Result<(), DocumentError> {
        for (k, v) in object(value, path)? {
            let p = child_path(path, k);
            match k.as_str() {
                "vpcEndpointIds" => *vpc_endpoint_ids = string_list(v, &p)?,
                "disableExecuteApiEndpoint" if v == &Value::Bool(true) => self.warn(
                    p,
                    "the default execute-api endpoint stays enabled in the emulator",
                ),
                "disableExecuteApiEndpoint" | "ipAddressType" => {}
                _ => self.warn(p, "unknown endpoint configuration key, ignored"),
            }
        }
        Ok(())
    }

    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(DocumentError::new(path, message));
    }

    fn document(&mut self, doc: &Value) -> Result<ImportedApi, DocumentError> {
        let root = object(doc, "$")?;
        match (root.get("openapi"), root.get("swagger")) {
            (Some(Value::String(v)), _) if v.starts_with("3.0") => {}
            (Some(Value::String(v)), _) if v.starts_with("3.") => self.warn(
                "$.openapi",
                format!("API Gateway imports OpenAPI 3.0; {v} is read as 3.0"),
            ),
            (_, Some(Value::String(v))) if v == "2.0" => {}
            _ => {
                return Err(DocumentError::new(
                    "$",
                    "expected an OpenAPI 3.0 document (\"openapi\": \"3.0.1\") or a Swagger 2.0 document (\"swagger\": \"2.0\")",
                ))
            }
        }
        let info = root.get("info").and_then(Value::as_object);
        let title = info
            .and_then(|i| i.get("title"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let description = info
            .and_then(|i| i.get("description"))
            .and_then(Value::as_str)
            .map(str::to_string);

        let mut definition = ApiDefinition::empty();
        let mut policy = None;
        let mut vpc_endpoint_ids = Vec::new();
        let mut api_key_source = None;
        for (key, value) in root {
            let path = child_path("$", key);
            match key.as_str() {
                "x-amazon-apigateway-policy" => {
                    policy = Some(match value {
                        Value::String(s) => serde_json::from_str(s).map_err(|e| {
                            DocumentError::new(&path, format!("the policy is not JSON: {e}"))
                        })?,
                        Value::Object(_) => value.clone(),
                        other => {
                            return Err(DocumentError::new(
                                &path,
                                format!(
                                    "expected a policy object or a JSON string, found {}",
                                    type_name(other)
                                ),
                            ))
                        }
                    })
                }
                "x-amazon-apigateway-endpoint-configuration" => {
                    self.endpoint_configuration(value, &path, &mut vpc_endpoint_ids)?
                }
                // OpenAPI 3 exports carry the endpoint configuration on the server.
                "servers" => {
                    for (i, server) in value.as_array().into_iter().flatten().enumerate() {
                        if let Some(config) =
                            server.get("x-amazon-apigateway-endpoint-configuration")
                        {
                            let p = format!(
                                "$.servers[{i}].x-amazon-apigateway-endpoint-configuration"
                            );
                            self.endpoint_configuration(config, &p, &mut vpc_endpoint_ids)?;
                        }
                    }
                }
                "x-amazon-apigateway-binary-media-types" => {
                    definition.binary_media_types = string_list(value, &path)?
                }
                "x-amazon-apigateway-api-key-source" => {
                    let source = string(value, &path)?;
                    if source != "HEADER" && source != "AUTHORIZER" {
                        return Err(DocumentError::new(
                            &path,
                            format!("expected HEADER or AUTHORIZER, found {source:?}"),
                        ));
                    }
                    api_key_source = Some(source.to_string());
                }
                "x-amazon-apigateway-request-validators" => self.warn(
                    path,
                    "request validators are not emulated: requests are not validated",
                ),
                "x-amazon-apigateway-gateway-responses" => self.warn(
                    path,
                    "custom gateway responses are not emulated: errors use API Gateway's defaults",
                ),
                "x-amazon-apigateway-minimum-compression-size" => {
                    self.warn(path, "response compression is not emulated")
                }
                "x-amazon-apigateway-documentation"
                | "x-amazon-apigateway-tag-value"
                | "x-amazon-apigateway-importexport-version" => {}
                k if k.starts_with("x-amazon-apigateway-") => {
                    self.warn(path, "unknown API Gateway extension, ignored")
                }
                // `paths` is read below; other OpenAPI keys (components, servers, ...) need nothing.
                _ => {}
            }
        }
        if let Some(paths) = root.get("paths") {
            for (resource_path, item) in object(paths, "$.paths")? {
                let path = child_path("$.paths", resource_path);
                self.path_item(&mut definition, resource_path, item, &path)?;
            }
        }
        Ok(ImportedApi {
            title,
            description,
            definition,
            policy,
            vpc_endpoint_ids,
            api_key_source,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn path_item(
        &mut self,
        definition: &mut ApiDefinition,
        resource_path: &str,
        item: &Value,
        path: &str,
    ) -> Result<(), DocumentError> {
        if !resource_path.starts_with('/') {
            return Err(DocumentError::new(
                path,
                "expected a path starting with '/'",
            ));
        }
        for (i, segment) in resource_path.split('/').skip(1).enumerate() {
            let valid = if let Some(name) = segment.strip_prefix('{') {
                let name = name.strip_suffix('}').unwrap_or("");
                let name = name.strip_suffix('+').unwrap_or(name);
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            } else {
                // Empty segments: only a trailing slash on the root (`/`) is allowed.
                !segment.is_empty() || (i == 0 && resource_path == "/")
            };
            let greedy_not_last =
                segment.ends_with("+}") && i + 2 != resource_path.split('/').count();
            if !valid || greedy_not_last {
                return Err(DocumentError::new(
                    path,
                    format!("Resource path {resource_path:?} is invalid: expected segments of letters, digits and -._~, {{name}} or a final {{name+}}"),
                ));
            }
        }
        let item = object(item, path)?;
        definition.put_resource(resource_path);
        for (key, value) in item {
            let p = child_path(path, key);
            if let Some((_, method)) = OPERATIONS.iter().find(|(k, _)| k == key) {
                let method = self.operation(method, value, &p)?;
                definition.put_method(resource_path, method);
                continue;
            }
            match key.as_str() {
                "parameters" | "summary" | "description" | "servers" => {}
                "trace" => self.warn(p, "API Gateway does not support TRACE; ignored"),
                "$ref" => self.warn(p, "path item references are not resolved; ignored"),
                k if k.starts_with("x-amazon-apigateway-") => {
                    self.warn(p, "unknown API Gateway extension on a path, ignored")
                }
                k if k.starts_with("x-") => {}
                _ => self.warn(p, "unknown path item key, ignored"),
            }
        }
        Ok(())
    }

    fn operation(
        &mut self,
        http_method: &str,
        value: &Value,
        path: &str,
    ) -> Result<Method, DocumentError> {
        let op = object(value, path)?;
        let mut integration = None;
        for (key, v) in op {
            let p = child_path(path, key);
            match key.as_str() {
                "x-amazon-apigateway-integration" => {
                    integration = Some(self.integration(http_method, v, &p)?)
                }
                "security" => {
                    let names: Vec<String> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_object)
                        .flat_map(|m| m.keys().cloned())
                        .collect();
                    if !names.is_empty() {
                        self.warn(
                            p,
                            format!("security {names:?} is not enforced: authorizers, IAM authorization and API keys are not emulated"),
                        );
                    }
                }
                "x-amazon-apigateway-auth" => {
                    self.warn(p, "method authorization is not enforced by the emulator")
                }
                "x-amazon-apigateway-request-validator" => {
                    self.warn(p, "request validation is not emulated")
                }
                k if k.starts_with("x-amazon-apigateway-") => {
                    self.warn(p, "unknown API Gateway extension on an operation, ignored")
                }
                _ => {}
            }
        }
        if integration.is_none() {
            self.warn(
                path,
                "no x-amazon-apigateway-integration: the method answers 500 as API Gateway does for a method without an integration",
            );
        }
        Ok(Method {
            http_method: http_method.to_string(),
            integration,
        })
    }

    fn integration(
        &mut self,
        http_method: &str,
        value: &Value,
        path: &str,
    ) -> Result<Integration, DocumentError> {
        let spec = object(value, path)?;
        let get = |k: &str| spec.get(k);
        let kind_path = child_path(path, "type");
        let kind = string(
            get("type").ok_or_else(|| {
                DocumentError::new(
                    &kind_path,
                    "expected the integration type (mock, http, http_proxy, aws_proxy)",
                )
            })?,
            &kind_path,
        )?
        .to_ascii_uppercase();
        let mut uri = None;
        let mut backend_method = None;
        let mut passthrough = PassthroughBehavior::WhenNoMatch;
        let mut request_parameters = Vec::new();
        let mut request_templates = Templates::new();
        let mut responses = Vec::new();
        let mut timeout_millis = DEFAULT_TIMEOUT_MILLIS;
        let mut insecure = false;
        for (key, v) in spec {
            let p = child_path(path, key);
            match key.as_str() {
                "type" => {}
                "uri" => uri = Some(string(v, &p)?.to_string()),
                "httpMethod" => backend_method = Some(string(v, &p)?.to_ascii_uppercase()),
                "passthroughBehavior" => {
                    passthrough = match string(v, &p)?.to_ascii_lowercase().as_str() {
                        "when_no_match" => PassthroughBehavior::WhenNoMatch,
                        "when_no_templates" => PassthroughBehavior::WhenNoTemplates,
                        "never" => PassthroughBehavior::Never,
                        other => {
                            return Err(DocumentError::new(
                                p,
                                format!("expected when_no_match, when_no_templates or never, found {other:?}"),
                            ))
                        }
                    }
                }
                "requestParameters" => {
                    for (target, source) in object(v, &p)? {
                        let pp = child_path(&p, target);
                        let source = string(source, &pp)?;
                        check_request_mapping(target, source, &pp)?;
                        request_parameters.push((target.clone(), source.to_string()));
                    }
                }
                "requestTemplates" => request_templates = templates(v, &p)?,
                "responses" => {
                    for (pattern, response) in object(v, &p)? {
                        let rp = child_path(&p, pattern);
                        responses.push(self.integration_response(pattern, response, &rp)?);
                    }
                }
                "timeoutInMillis" => {
                    timeout_millis = v
                        .as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        .filter(|t| (50..=300_000).contains(t))
                        .ok_or_else(|| {
                            DocumentError::new(
                                &p,
                                "expected a timeout between 50 and 29000 milliseconds (up to 300000 with a quota increase)",
                            )
                        })?
                }
                "tlsConfig" => {
                    for (k, tv) in object(v, &p)? {
                        match k.as_str() {
                            "insecureSkipVerification" => insecure = tv == &Value::Bool(true),
                            _ => self.warn(child_path(&p, k), "not emulated, ignored"),
                        }
                    }
                }
                "connectionType" if v.as_str() == Some("VPC_LINK") => self.warn(
                    p,
                    "VPC links are not emulated: the integration URI is called directly",
                ),
                "contentHandling" => self.warn(
                    p,
                    "contentHandling conversions are not emulated: bodies pass unchanged",
                ),
                "connectionType" | "connectionId" | "credentials" | "cacheKeyParameters"
                | "cacheNamespace" | "description" | "integrationSubtype" => {}
                _ => self.warn(p, "unknown integration key, ignored"),
            }
        }
        let uri_path = child_path(path, "uri");
        let need_uri = |uri: Option<String>| {
            uri.ok_or_else(|| {
                DocumentError::new(&uri_path, format!("a {kind} integration needs a uri"))
            })
        };
        Ok(match kind.as_str() {
            "MOCK" => Integration::Mock(MockIntegration {
                request_templates,
                passthrough_behavior: passthrough,
                responses,
            }),
            "HTTP" | "HTTP_PROXY" => {
                let uri = need_uri(uri)?;
                let lower = uri.to_ascii_lowercase();
                if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                    return Err(DocumentError::new(
                        &uri_path,
                        format!("Invalid HTTP endpoint specified for URI: expected http:// or https://, found {uri:?}"),
                    ));
                }
                let proxy = kind == "HTTP_PROXY";
                if proxy && !request_templates.is_empty() {
                    self.warn(
                        child_path(path, "requestTemplates"),
                        "HTTP_PROXY passes the request through; templates are not applied",
                    );
                }
                Integration::Http(HttpIntegration {
                    proxy,
                    http_method: backend_method.ok_or_else(|| {
                        DocumentError::new(
                            child_path(path, "httpMethod"),
                            format!("a {kind} integration needs httpMethod"),
                        )
                    })?,
                    uri,
                    request_parameters,
                    request_templates,
                    passthrough_behavior: passthrough,
                    responses,
                    timeout_millis,
                    insecure_skip_verification: insecure,
                })
            }
            "AWS_PROXY" => {
                let uri = need_uri(uri)?;
                if !uri.contains(":lambda:path/") || !uri.ends_with("/invocations") {
                    return Err(DocumentError::new(
                        &uri_path,
                        format!("expected a Lambda invocation URI (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations), found {uri:?}"),
                    ));
                }
                if backend_method.as_deref().is_some_and(|m| m != "POST") {
                    self.warn(
                        child_path(path, "httpMethod"),
                        "Lambda is invoked with POST; API Gateway fails other methods at run time",
                    );
                }
                Integration::LambdaProxy(LambdaProxyIntegration {
                    uri,
                    timeout_millis,
                })
            }
            "AWS" => {
                self.warn(
                    kind_path,
                    format!("AWS service integrations are not emulated: {http_method} answers 500"),
                );
                Integration::Unsupported("an AWS service integration".to_string())
            }
            other => {
                return Err(DocumentError::new(
                    kind_path,
                    format!(
                        "expected mock, http, http_proxy, aws_proxy or aws, found {:?}",
                        other.to_ascii_lowercase()
                    ),
                ))
            }
        })
    }

    fn integration_response(
        &mut self,
        pattern: &str,
        value: &Value,
        path: &str,
    ) -> Result<IntegrationResponse, DocumentError> {
        let spec = object(value, path)?;
        let selection_pattern = if pattern == "default" {
            None
        } else {
            regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                DocumentError::new(
                    path,
                    format!("the selection pattern is not a regular expression: {e}"),
                )
            })?;
            Some(pattern.to_string())
        };
        let mut status_code = None;
        let mut response_parameters = Vec::new();
        let mut response_templates = Templates::new();
        for (key, v) in spec {
            let p = child_path(path, key);
            match key.as_str() {
                "statusCode" => {
                    status_code = Some(
                        v.as_u64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                            .and_then(|s| u16::try_from(s).ok())
                            .filter(|s| (100..=599).contains(s))
                            .ok_or_else(|| {
                                DocumentError::new(
                                    &p,
                                    "expected an HTTP status code such as \"200\"",
                                )
                            })?,
                    )
                }
                "responseParameters" => {
                    for (target, source) in object(v, &p)? {
                        let pp = child_path(&p, target);
                        let source = string(source, &pp)?;
                        check_response_mapping(target, source, &pp)?;
                        response_parameters.push((target.clone(), source.to_string()));
                    }
                }
                "responseTemplates" => response_templates = templates(v, &p)?,
                "contentHandling" => self.warn(p, "contentHandling conversions are not emulated"),
                _ => self.warn(p, "unknown integration response key, ignored"),
            }
        }
        Ok(IntegrationResponse {
            selection_regex: IntegrationResponse::compile_selection_pattern(
                selection_pattern.as_deref(),
            ),
            selection_pattern,
            status_code: status_code
                .ok_or_else(|| DocumentError::new(path, "expected a statusCode"))?,
            response_parameters,
            response_templates,
        })
    }
}

fn templates(v: &Value, path: &str) -> Result<Templates, DocumentError> {
    let mut out = Templates::new();
    for (content_type, text) in object(v, path)? {
        let p = child_path(path, content_type);
        let text = string(text, &p)?;
        let template = MappingTemplate::parse(text).map_err(|e| {
            DocumentError::new(&p, format!("the mapping template does not parse: {e}"))
        })?;
        out.insert(content_type.clone(), template);
    }
    Ok(out)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

/// `integration.request.{path|querystring|header|multivaluequerystring|multivalueheader}.X`
/// from `method.request.{...}.Y`, `'literal'`, `stageVariables.Z`, `context.W` or
/// `method.request.body[.JSONPath]`, as API Gateway accepts them.
fn check_request_mapping(target: &str, source: &str, path: &str) -> Result<(), DocumentError> {
    let target_ok = [
        "integration.request.path.",
        "integration.request.querystring.",
        "integration.request.header.",
        "integration.request.multivaluequerystring.",
        "integration.request.multivalueheader.",
    ]
    .iter()
    .any(|p| target.strip_prefix(p).is_some_and(valid_name));
    if !target_ok {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {target:?} (expected integration.request.path|querystring|header.NAME)"),
        ));
    }
    let source_ok = is_literal(source)
        || [
            "method.request.path.",
            "method.request.querystring.",
            "method.request.header.",
            "method.request.multivaluequerystring.",
            "method.request.multivalueheader.",
            "stageVariables.",
            "context.",
        ]
        .iter()
        .any(|p| source.strip_prefix(p).is_some_and(valid_name))
        || source == "method.request.body"
        || source.starts_with("method.request.body.");
    if !source_ok {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {source:?} (expected method.request.path|querystring|header.NAME, 'literal', stageVariables.NAME or context.NAME)"),
        ));
    }
    Ok(())
}

/// `method.response.header.X` from `integration.response.header.Y`,
/// `integration.response.body[.JSONPath]`, `'literal'`, `stageVariables.Z` or `context.W`.
fn check_response_mapping(target: &str, source: &str, path: &str) -> Result<(), DocumentError> {
    if !target
        .strip_prefix("method.response.header.")
        .is_some_and(valid_name)
    {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {target:?} (expected method.response.header.NAME)"),
        ));
    }
    let source_ok = is_literal(source)
        || [
            "integration.response.header.",
            "integration.response.multivalueheader.",
            "stageVariables.",
            "context.",
        ]
        .iter()
        .any(|p| source.strip_prefix(p).is_some_and(valid_name))
        || source == "integration.response.body"
        || source.starts_with("integration.response.body.");
    if !source_ok {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {source:?} (expected 'literal', integration.response.header.NAME, integration.response.body, stageVariables.NAME or context.NAME)"),
        ));
    }
    Ok(())
}

fn is_literal(source: &str) -> bool {
    source.len() >= 2 && source.starts_with('\'') && source.ends_with('\'')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::document::parse;

    const OAS30: &str = r#"
openapi: 3.0.1
info: {title: orders, description: Order service}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement: [{Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/*"}]
x-amazon-apigateway-endpoint-configuration: {vpcEndpointIds: [vpce-01234567890abcdef]}
x-amazon-apigateway-binary-media-types: [image/png]
paths:
  /orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://127.0.0.1:9/orders/{id}
        requestParameters: {integration.request.path.id: method.request.path.id}
        responses:
          default: {statusCode: 200}
          "4\\d{2}": {statusCode: "404"}
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:9/{proxy}"}
  /fn:
    post:
      security: [{api_key: []}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations
  /empty: {}
"#;

    #[test]
    fn an_oas30_export_carries_the_endpoint_configuration_on_its_server() {
        let doc = serde_json::json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "servers": [{"url": "https://x/{basePath}",
                         "x-amazon-apigateway-endpoint-configuration": {"vpcEndpointIds": ["vpce-01234567890abcdef"]}}],
            "paths": {}
        });
        let api = import(&doc).unwrap();
        assert_eq!(api.vpc_endpoint_ids, vec!["vpce-01234567890abcdef"]);
    }

    #[test]
    fn an_openapi_30_document_becomes_a_resource_tree() {
        let api = import(&parse(OAS30).unwrap()).unwrap();
        assert_eq!(api.title.as_deref(), Some("orders"));
        assert_eq!(api.vpc_endpoint_ids, ["vpce-01234567890abcdef"]);
        assert!(api.policy.is_some());
        assert!(api.definition.is_binary("image/png; q=1"));
        let paths: Vec<_> = api
            .definition
            .resources()
            .iter()
            .map(|r| r.path.clone())
            .collect();
        assert_eq!(
            paths,
            ["/", "/empty", "/fn", "/orders", "/orders/{id}", "/{proxy+}"]
        );
        let m = api.definition.route("/orders/7", "GET").unwrap();
        let Some(Integration::Http(h)) = &m.method.integration else {
            panic!("expected HTTP");
        };
        assert!(!h.proxy);
        assert_eq!(h.responses.len(), 2);
        let m = api.definition.route("/a/b", "DELETE").unwrap();
        assert!(matches!(&m.method.integration, Some(Integration::Http(h)) if h.proxy));
        assert!(matches!(
            api.definition
                .route("/fn", "POST")
                .unwrap()
                .method
                .integration,
            Some(Integration::LambdaProxy(_))
        ));
        assert_eq!(api.warnings.len(), 1, "{:?}", api.warnings);
        assert_eq!(api.warnings[0].path, "$.paths['/fn'].post.security");
    }

    #[test]
    fn swagger_20_is_read_too() {
        let doc = serde_json::json!({
            "swagger": "2.0",
            "info": {"title": "t"},
            "basePath": "/v1",
            "paths": {"/": {"get": {"x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200"}}
            }}}}
        });
        let api = import(&doc).unwrap();
        assert!(api.definition.route("/", "GET").is_some());
        assert!(api.warnings.is_empty());
    }

    #[test]
    fn errors_name_the_json_path() {
        let bad = |doc: serde_json::Value| import(&doc).unwrap_err();
        let e = bad(serde_json::json!({"openapi": "2.5"}));
        assert_eq!(e.path, "$");
        let e = bad(
            serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {"type": "http", "uri": "ftp://x", "httpMethod": "GET"}}}}}),
        );
        assert_eq!(
            e.path,
            "$.paths['/a'].get.x-amazon-apigateway-integration.uri"
        );
        let e = bad(
            serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {"type": "mock",
              "requestParameters": {"integration.request.header.x": "method.request.nope"}}}}}}),
        );
        assert_eq!(
            e.path,
            "$.paths['/a'].get.x-amazon-apigateway-integration.requestParameters['integration.request.header.x']"
        );
        assert!(
            e.message
                .starts_with("Invalid mapping expression specified"),
            "{e}"
        );
        let e = bad(serde_json::json!({"openapi": "3.0.1", "paths": {"/a/{p+}/b": {}}}));
        assert_eq!(e.path, "$.paths['/a/{p+}/b']");
        let e = bad(
            serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {"type": "kafka"}}}}}),
        );
        assert!(e.message.contains("kafka"), "{e}");
        let e = bad(
            serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {"type": "mock", "responses": {"(": {"statusCode": 200}}}}}}}),
        );
        assert!(e.message.contains("selection pattern"), "{e}");
    }

    #[test]
    fn what_is_not_emulated_is_reported() {
        let doc = serde_json::json!({"openapi": "3.0.1",
            "x-amazon-apigateway-gateway-responses": {},
            "x-amazon-apigateway-request-validators": {},
            "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:s3:path/b", "httpMethod": "GET"}},
                                 "post": {}}}});
        let api = import(&doc).unwrap();
        let paths: Vec<_> = api.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.x-amazon-apigateway-gateway-responses",
                "$.x-amazon-apigateway-request-validators",
                "$.paths['/a'].get.x-amazon-apigateway-integration.type",
                "$.paths['/a'].post"
            ]
        );
    }
}
