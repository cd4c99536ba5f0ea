//! Data mapping between the method and the integration, as API Gateway's non-proxy
//! integrations do it: parameter mapping expressions, template selection by content type,
//! VTL rendering with `$context`, `$stageVariables` and `$input`, integration-response
//! selection and response parameter mapping.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::Value;

use super::IntegrationError;
use super::{IntegrationOutput, MethodRequest};
use crate::dataplane::access_log::Escaped;
use crate::dataplane::gateway::response::GatewayError;
use crate::model::api::{IntegrationResponse, MappingTemplate, PassthroughBehavior, Templates};
use apigw_vtl::{ContextUse, RenderInput, Rendered};

impl MethodRequest<'_> {
    /// The first value of a request header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `$context` as a JSON object: what templates and `context.X` mappings read.
    pub fn context_value(&self) -> Value {
        self.context_value_for(&ContextUse::All)
    }

    /// `$context` with only the keys a template reads (the request path builds no more).
    pub fn context_value_for(&self, wanted: &ContextUse) -> Value {
        Value::Object(self.context.object(wanted))
    }

    fn stage_variables_value(&self) -> Value {
        Value::Object(
            self.stage_variables
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }

    /// The value of a request-side mapping expression: `method.request.{path|querystring|header}.X`
    /// (and their `multivalue` forms), `'literal'`, `stageVariables.X`, `context.X`,
    /// `method.request.body[.JSONPath]`.
    pub fn parameter(&self, source: &str) -> Option<String> {
        if let Some(literal) = literal(source) {
            return Some(literal.to_string());
        }
        let find = |list: &[(String, String)], name: &str| {
            list.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        };
        if let Some(name) = source.strip_prefix("method.request.path.") {
            return find(self.path_parameters, name);
        }
        if let Some(name) = source.strip_prefix("method.request.querystring.") {
            // API Gateway maps the last value of a repeated query parameter.
            return self
                .query
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
        }
        if let Some(name) = source.strip_prefix("method.request.multivaluequerystring.") {
            let values: Vec<&str> = self
                .query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            return (!values.is_empty()).then(|| values.join(","));
        }
        if let Some(name) = source.strip_prefix("method.request.header.") {
            return self.header(name).map(str::to_string);
        }
        if let Some(name) = source.strip_prefix("method.request.multivalueheader.") {
            let values: Vec<&str> = self
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            return (!values.is_empty()).then(|| values.join(","));
        }
        if let Some(name) = source.strip_prefix("stageVariables.") {
            return self.stage_variables.get(name).cloned();
        }
        if let Some(name) = source.strip_prefix("context.") {
            let (key, rest) = name.split_once('.').unwrap_or((name, ""));
            let value = self.context.field(key);
            return if rest.is_empty() {
                scalar(&value)
            } else {
                lookup(&value, rest).and_then(scalar)
            };
        }
        if let Some(rest) = source.strip_prefix("method.request.body") {
            let body = String::from_utf8_lossy(self.body);
            return body_expression(&body, rest);
        }
        None
    }

    /// Renders a template with `$input` reading `body`.
    pub fn render(
        &self,
        template: &MappingTemplate,
        body: &str,
    ) -> Result<Rendered, IntegrationError> {
        if let Some(text) = template.static_text() {
            return Ok(Rendered {
                text: text.to_string(),
                status_override: None,
                header_overrides: Vec::new(),
            });
        }
        let context = self.context_value_for(template.template().context_use());
        let stage_variables = self.stage_variables_value();
        let input = RenderInput {
            context: &context,
            stage_variables: &stage_variables,
            body,
            path_params: self.path_parameters,
            query_params: self.query,
            headers: self.headers,
        };
        template
            .template()
            .render_with_overrides(&input)
            .map_err(|e| {
                // The message may quote what the request sent: one log line, escaped.
                let cause = format!(
                    "Execution failed due to configuration error: the mapping template failed: {}",
                    Escaped(&e.to_string())
                );
                tracing::warn!(
                    api = self.context.api_id,
                    resource = self.context.resource_path,
                    "{cause}"
                );
                IntegrationError::new(GatewayError::InternalServerError, cause)
            })
    }

    /// Fills `${stageVariables.name}` in an integration URI.
    pub fn with_stage_variables(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (name, value) in self.stage_variables {
            out = out.replace(&format!("${{stageVariables.{name}}}"), value);
        }
        out
    }
}

fn literal(source: &str) -> Option<&str> {
    source.strip_prefix('\'').and_then(|s| s.strip_suffix('\''))
}

fn lookup<'v>(value: &'v Value, dotted: &str) -> Option<&'v Value> {
    dotted
        .split('.')
        .try_fold(value, |v, key| v.as_object()?.get(key))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `` (the whole body), or `.a.b[0]` / `.$.a.b[0]`: a JSONPath into the JSON body (API
/// Gateway's examples write `integration.response.body.redirect.url`).
fn body_expression(body: &str, rest: &str) -> Option<String> {
    if rest.is_empty() {
        return Some(body.to_string());
    }
    let expression = rest.strip_prefix('.')?;
    let parsed: Value = serde_json::from_str(body).ok()?;
    let expression = if expression.starts_with('$') {
        expression.to_string()
    } else {
        format!("$.{expression}")
    };
    json_path(&parsed, &expression).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The JSONPath subset mapping expressions use: `$`, `$.a.b`, `$.a[0]`, `$['a']`.
pub fn json_path<'v>(value: &'v Value, expression: &str) -> Option<&'v Value> {
    let mut rest = expression.strip_prefix('$')?;
    let mut current = value;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            current = current.as_object()?.get(&after[..end])?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let key = &after[..end];
            current = match key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
                Some(name) => current.as_object()?.get(name)?,
                None => current.as_array()?.get(key.parse::<usize>().ok()?)?,
            };
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(current)
}

/// The request template for the request's content type (absent: `application/json`).
pub fn request_template<'t>(
    request: &MethodRequest<'_>,
    templates: &'t Templates,
) -> Option<&'t MappingTemplate> {
    let content_type = request
        .header("content-type")
        .map(|c| c.split(';').next().unwrap_or("").trim())
        .filter(|c| !c.is_empty())
        .unwrap_or("application/json");
    templates
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(content_type))
        .map(|(_, t)| t)
}

/// The request body an integration gets: the template for the request's content type
/// (absent: `application/json`), or the body itself as `passthroughBehavior` allows.
/// `Err(UnsupportedMediaType)` is API Gateway's 415.
pub fn request_body(
    request: &MethodRequest<'_>,
    templates: &Templates,
    passthrough: PassthroughBehavior,
) -> Result<Bytes, IntegrationError> {
    match (request_template(request, templates), passthrough) {
        (Some(t), _) => {
            let body = String::from_utf8_lossy(request.body);
            Ok(Bytes::from(request.render(t, &body)?.text))
        }
        (None, PassthroughBehavior::WhenNoMatch) => Ok(request.body.clone()),
        (None, PassthroughBehavior::WhenNoTemplates) if templates.is_empty() => {
            Ok(request.body.clone())
        }
        (None, _) => Err(IntegrationError::new(
            GatewayError::UnsupportedMediaType,
            format!(
                "no request template matches Content-Type {:?}, and passthroughBehavior {} refuses to pass the body through",
                request.header("content-type").unwrap_or("application/json"),
                passthrough.as_str()
            ),
        )),
    }
}

/// The integration response for a backend status (or a MOCK's `statusCode`): the first whose
/// `selectionPattern` matches the whole status, else the default (no pattern).
pub fn select_response<'r>(
    responses: &'r [IntegrationResponse],
    status: &str,
) -> Option<&'r IntegrationResponse> {
    responses
        .iter()
        .filter(|r| {
            r.selection_pattern
                .as_deref()
                .is_some_and(|p| !p.is_empty())
        })
        .find(|r| {
            r.selection_regex
                .as_ref()
                .is_some_and(|re| re.is_match(status))
        })
        .or_else(|| {
            responses
                .iter()
                .find(|r| r.selection_pattern.as_deref().is_none_or(str::is_empty))
        })
}

/// Picks a response template by the request's `Accept`, else `application/json`, else the
/// first.
fn select_template<'t>(
    templates: &'t BTreeMap<String, MappingTemplate>,
    accept: Option<&str>,
) -> Option<(&'t str, &'t MappingTemplate)> {
    let wanted = accept.and_then(|a| {
        a.split(',')
            .map(|t| t.split(';').next().unwrap_or("").trim())
            .find(|t| templates.contains_key(*t))
    });
    let key = wanted.or_else(|| {
        templates
            .contains_key("application/json")
            .then_some("application/json")
    });
    match key {
        Some(k) => templates.get_key_value(k),
        None => templates.iter().next(),
    }
    .map(|(k, v)| (k.as_str(), v))
}

/// Applies an integration response: headers from `method.response.header.*` mappings, the body
/// from a template (with `$input` reading the backend's body) or passed through.
pub fn map_response(
    chosen: &IntegrationResponse,
    request: &MethodRequest<'_>,
    backend_headers: &[(String, String)],
    backend_body: Bytes,
    traced: bool,
) -> Result<IntegrationOutput, IntegrationError> {
    let mut content_type = None;
    let mut headers = Vec::new();
    let backend_text = String::from_utf8_lossy(&backend_body).into_owned();
    for (target, source) in &chosen.response_parameters {
        let Some(name) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        let value = if let Some(literal) = literal(source) {
            Some(literal.to_string())
        } else if let Some(h) = source.strip_prefix("integration.response.header.") {
            backend_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(h))
                .map(|(_, v)| v.clone())
        } else if let Some(h) = source.strip_prefix("integration.response.multivalueheader.") {
            let values: Vec<&str> = backend_headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(h))
                .map(|(_, v)| v.as_str())
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        } else if let Some(rest) = source.strip_prefix("integration.response.body") {
            body_expression(&backend_text, rest)
        } else {
            request.parameter(source)
        };
        let Some(value) = value else { continue };
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value);
        } else {
            headers.push((name.to_string(), value));
        }
    }
    let mut status = chosen.status_code;
    let (template_type, body) =
        match select_template(&chosen.response_templates, request.header("accept")) {
            Some((ct, template)) => {
                let rendered = request.render(template, &backend_text)?;
                if let Some(s) = rendered.status_override {
                    status = s;
                }
                for (k, v) in rendered.header_overrides {
                    headers.retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
                    if k.eq_ignore_ascii_case("content-type") {
                        content_type = Some(v);
                    } else {
                        headers.push((k, v));
                    }
                }
                (Some(ct.to_string()), Bytes::from(rendered.text))
            }
            None => (None, backend_body),
        };
    Ok(IntegrationOutput {
        status,
        content_type: content_type
            .or(template_type)
            .unwrap_or_else(|| "application/json".to_string()),
        headers,
        body,
        traced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_paths_of_mapping_expressions() {
        let v = json!({"a": {"b": [1, {"c": "x"}]}, "d e": 2});
        assert_eq!(json_path(&v, "$.a.b[1].c"), Some(&json!("x")));
        assert_eq!(json_path(&v, "$['d e']"), Some(&json!(2)));
        assert_eq!(json_path(&v, "$"), Some(&v));
        assert_eq!(json_path(&v, "$.nope"), None);
        assert_eq!(json_path(&v, "a"), None);
        assert_eq!(
            body_expression("{\"id\": \"7\"}", ".$.id").as_deref(),
            Some("7")
        );
        assert_eq!(body_expression("x", "").as_deref(), Some("x"));
        assert_eq!(
            body_expression("{\"a\": {\"b\": 1}}", ".a.b").as_deref(),
            Some("1")
        );
    }

    #[test]
    fn responses_are_selected_by_pattern_then_default() {
        let resp = |p: Option<&str>, s| IntegrationResponse {
            selection_pattern: p.map(String::from),
            selection_regex: IntegrationResponse::compile_selection_pattern(p),
            status_code: s,
            response_parameters: vec![],
            response_templates: Default::default(),
        };
        let rs = vec![
            resp(None, 200),
            resp(Some("4\\d{2}"), 400),
            resp(Some("500"), 500),
        ];
        assert_eq!(select_response(&rs, "404").unwrap().status_code, 400);
        assert_eq!(select_response(&rs, "500").unwrap().status_code, 500);
        assert_eq!(select_response(&rs, "201").unwrap().status_code, 200);
        assert!(select_response(&rs[1..], "201").is_none());
    }
}
