//! GetExport's document conversion: an API's stored definition (Swagger 2.0 or OpenAPI 3.0.x,
//! with API Gateway's `x-amazon-apigateway-*` extensions) rewritten as
//! `aws apigateway get-export` writes it, in either export type, with or without the
//! extensions the `extensions` parameter asks for.
//!
//! AWS regenerates an export from its resource model; the emulator's model *is* the document, so
//! the export is the document converted between the two formats: `definitions` and
//! `components/schemas` (with every `$ref` rewritten), body parameters and `requestBody`,
//! response `schema` and `content` by media type (from `produces`/`consumes`, default
//! `application/json`), non-body parameters (`type` beside the name, or under `schema`),
//! `securityDefinitions` and `components/securitySchemes`. The header (`info`, `servers` or
//! `host`/`basePath`/`schemes`) is AWS's, built from the API's name, the host and the stage.
//!
//! The shapes follow real exports recorded against AWS (the Example API exported as `swagger`
//! and `oas30`, with and without `extensions=apigateway`): `info.version` is the API's version
//! or a date, the OpenAPI 3 server is `https://{host}/{basePath}` with the stage name (no slash)
//! as the variable's default, a response without a model has `content: {}`, and optional
//! parameters carry `required: false` in Swagger but no `required` in OpenAPI 3.

use serde_json::{Map, Value};

/// The prefix of API Gateway's extensions.
const EXTENSION_PREFIX: &str = "x-amazon-apigateway-";

/// The media type API Gateway assumes when a document names none.
const DEFAULT_MEDIA_TYPE: &str = "application/json";

/// The operation keys of a path item; `x-amazon-apigateway-any-method` is API Gateway's `ANY`.
const OPERATION_KEYS: &[&str] = &[
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "x-amazon-apigateway-any-method",
];

/// The keys of a Swagger 2.0 parameter, header or items object that describe its value: in
/// OpenAPI 3 they live under `schema`.
const SCHEMA_FIELDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// The operation keys an export writes first, in AWS's order; the rest follow as stored.
const LEADING_OPERATION_KEYS: &[&str] = &["tags", "summary", "description", "operationId"];

/// Converts a stored API definition into what `get-export` returns, as a JSON tree (serialize
/// it with `to_string` for `application/json`, or [`to_yaml`] for `application/yaml`).
///
/// `info.version` is the document's, or else the current time in AWS's
/// `2024-01-13T23:01:41Z` form (AWS uses the deployment's date there); use
/// [`export_document_versioned`] to choose it.
pub fn export_document(
    document: &Value,
    export_type: &str,
    extensions: &[&str],
    api_name: &str,
    host: &str,
    stage_name: &str,
) -> Result<Value, String> {
    let now = time::OffsetDateTime::now_utc();
    export_document_versioned(
        document,
        export_type,
        extensions,
        api_name,
        host,
        stage_name,
        &export_version(now),
    )
}

/// [`export_document`] with the `info.version` to write when the document has none (AWS
/// writes the deployment's creation date, as [`export_version`] formats it).
pub fn export_document_versioned(
    document: &Value,
    export_type: &str,
    extensions: &[&str],
    api_name: &str,
    host: &str,
    stage_name: &str,
    fallback_version: &str,
) -> Result<Value, String> {
    let target = match export_type {
        "oas30" => Format::OpenApi3,
        "swagger" => Format::Swagger2,
        // AWS's wording is not documented; this names the accepted values as its other
        // BadRequest messages do.
        other => {
            return Err(format!(
                "Invalid export type specified: {other}. Valid values are oas30 and swagger"
            ))
        }
    };
    let root = document
        .as_object()
        .ok_or("The API's definition is not an OpenAPI object")?;
    let source = if root.get("swagger").and_then(Value::as_str) == Some("2.0") {
        Format::Swagger2
    } else if root
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with('3'))
    {
        Format::OpenApi3
    } else {
        return Err(
            "The API's definition is neither Swagger 2.0 nor OpenAPI 3.0; it cannot be exported"
                .to_string(),
        );
    };
    let kept = KeptExtensions::from_parameter(extensions);
    let header = Header {
        api_name,
        host,
        stage_name,
        version: root
            .get("info")
            .and_then(|i| i.get("version"))
            .and_then(Value::as_str)
            .unwrap_or(fallback_version),
        description: root
            .get("info")
            .and_then(|i| i.get("description"))
            .and_then(Value::as_str),
    };
    let body = match (source, target) {
        (Format::Swagger2, Format::Swagger2) => swagger_body_from_swagger(root),
        (Format::OpenApi3, Format::Swagger2) => swagger_body_from_openapi(root),
        (Format::OpenApi3, Format::OpenApi3) => openapi_body_from_openapi(root),
        (Format::Swagger2, Format::OpenApi3) => openapi_body_from_swagger(root),
    };
    let mut out = match target {
        Format::OpenApi3 => openapi_document(&header, root, body),
        Format::Swagger2 => swagger_document(&header, root, body),
    };
    kept.filter_document(&mut out);
    Ok(Value::Object(out))
}

/// `info.version` as AWS writes a date there: `2024-01-13T23:01:41Z`.
pub fn export_version(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The `Content-Disposition` AWS sends with an export: `attachment; filename="oas30_<version>.json"`
/// (`.yaml` for YAML).
pub fn content_disposition(export_type: &str, version: &str, yaml: bool) -> String {
    let extension = if yaml { "yaml" } else { "json" };
    format!("attachment; filename=\"{export_type}_{version}.{extension}\"")
}

/// The document as YAML, for `Accept: application/yaml`, in AWS's style: block mappings and
/// sequences (a sequence at its key's indentation), every string double-quoted (so
/// `version: "2024-01-13T23:01:41Z"` stays a string for YAML 1.1 readers such as PyYAML, which
/// would read it unquoted as a timestamp), keys plain unless YAML would misread them (`"200":`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => yaml_mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => yaml_sequence(items, 0, &mut out),
        scalar => {
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
    out
}

fn yaml_mapping(map: &Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (key, value)) in map.iter().enumerate() {
        // The first key of a sequence item shares the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&yaml_key(key));
        out.push(':');
        match value {
            Value::Object(child) if !child.is_empty() => {
                out.push('\n');
                yaml_mapping(child, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                yaml_sequence(items, indent, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&yaml_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

fn yaml_sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        if !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => yaml_mapping(map, indent + 2, out),
            Value::Array(inner) if !inner.is_empty() => yaml_sequence(inner, indent + 2, out),
            scalar => {
                out.push_str(&yaml_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        // A JSON string literal is a valid YAML double-quoted scalar with the same escapes.
        other => other.to_string(),
    }
}

fn yaml_key(key: &str) -> String {
    let needs_quotes = key.is_empty()
        || key.trim() != key
        || key.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        || key.contains(": ")
        || key.contains(" #")
        || key.ends_with(':')
        || key.chars().any(char::is_control)
        || key.parse::<f64>().is_ok()
        || matches!(
            key.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        );
    if needs_quotes {
        Value::from(key).to_string()
    } else {
        key.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Swagger2,
    OpenApi3,
}

struct Header<'a> {
    api_name: &'a str,
    host: &'a str,
    stage_name: &'a str,
    version: &'a str,
    description: Option<&'a str>,
}

/// The parts of a document below the header, already in the target format.
struct Body {
    paths: Map<String, Value>,
    /// `definitions`, or `components/schemas`.
    schemas: Map<String, Value>,
    /// `securityDefinitions`, or `components/securitySchemes`.
    security_schemes: Map<String, Value>,
    /// The other `components` sections (OpenAPI 3), or the shared `parameters` and
    /// `responses` (Swagger), kept as stored.
    other_components: Map<String, Value>,
}

/// Which `x-amazon-apigateway-*` keys the `extensions` parameter keeps.
#[derive(Debug, Clone, Copy, Default)]
struct KeptExtensions {
    integrations: bool,
    authorizers: bool,
    all: bool,
}

impl KeptExtensions {
    /// The CLI sends several as one comma-separated value (`extensions=integrations,authorizers`);
    /// unknown names (and `postman`, whose extensions the emulator does not write) add nothing.
    fn from_parameter(extensions: &[&str]) -> KeptExtensions {
        let mut kept = KeptExtensions::default();
        for name in extensions.iter().flat_map(|e| e.split(',')).map(str::trim) {
            match name {
                "integrations" => kept.integrations = true,
                "authorizers" => kept.authorizers = true,
                "apigateway" => kept.all = true,
                _ => {}
            }
        }
        kept
    }

    /// Whether an export keeps this key of a structural object (the root, a server, a path item,
    /// an operation, a parameter, a response or a security scheme).
    ///
    /// AWS's model has no place for other vendor extensions, so exports never carry them
    /// (aws-cli issue 3379). `integrations` brings the integrations and the API-level settings
    /// (policy, binary media types, API key source, endpoint configuration, compression), as
    /// the bundled AWS export of the Example API shows; `apigateway` brings everything, request
    /// validators and gateway responses included (AWS's export guide says to use it for
    /// those); `authorizers` brings `x-amazon-apigateway-authorizer`. `any-method` is a method,
    /// not an extension, and `authtype` says what a security scheme is (`awsSigv4`, `cognito_user_pools`):
    /// both are kept in every export.
    fn keeps(&self, key: &str) -> bool {
        let Some(name) = key.strip_prefix(EXTENSION_PREFIX) else {
            return !key.starts_with("x-");
        };
        match name {
            "any-method" | "authtype" => true,
            _ if self.all => true,
            "integration"
            | "policy"
            | "binary-media-types"
            | "api-key-source"
            | "endpoint-configuration"
            | "minimum-compression-size" => self.integrations,
            "authorizer" => self.authorizers,
            _ => false,
        }
    }

    fn filter_object(&self, object: &mut Map<String, Value>) {
        object.retain(|key, _| self.keeps(key));
    }

    fn filter_document(&self, root: &mut Map<String, Value>) {
        self.filter_object(root);
        if let Some(Value::Array(servers)) = root.get_mut("servers") {
            for server in servers.iter_mut().filter_map(Value::as_object_mut) {
                self.filter_object(server);
            }
        }
        if let Some(schemes) = root.get_mut("securityDefinitions") {
            values_mut(schemes).for_each(|scheme| self.filter_object(scheme));
        }
        if let Some(schemes) = root
            .get_mut("components")
            .and_then(|c| c.get_mut("securitySchemes"))
        {
            values_mut(schemes).for_each(|scheme| self.filter_object(scheme));
        }
        let Some(paths) = root.get_mut("paths") else {
            return;
        };
        for item in values_mut(paths) {
            self.filter_object(item);
            if let Some(params) = item.get_mut("parameters") {
                self.filter_parameters(params);
            }
            for (key, operation) in item.iter_mut() {
                if !OPERATION_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let Some(operation) = operation.as_object_mut() else {
                    continue;
                };
                self.filter_object(operation);
                if let Some(params) = operation.get_mut("parameters") {
                    self.filter_parameters(params);
                }
                if let Some(responses) = operation.get_mut("responses") {
                    for response in values_mut(responses) {
                        self.filter_object(response);
                    }
                }
            }
        }
    }

    fn filter_parameters(&self, parameters: &mut Value) {
        if let Value::Array(list) = parameters {
            for p in list.iter_mut().filter_map(Value::as_object_mut) {
                self.filter_object(p);
            }
        }
    }
}

fn values_mut(value: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    value
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
        .filter_map(Value::as_object_mut)
}

fn object_at(value: Option<&Value>) -> Map<String, Value> {
    value
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    let list: Vec<String> = value?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (!list.is_empty()).then_some(list)
}

/// Rewrites every `$ref` under `value` whose target starts with one of the `from` prefixes.
fn rewrite_refs(value: &mut Value, rewrites: &[(&str, &str)]) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Value::String(target) = child {
                        if let Some(new) = rewrites.iter().find_map(|(from, to)| {
                            target.strip_prefix(from).map(|rest| format!("{to}{rest}"))
                        }) {
                            *target = new;
                        }
                    }
                } else {
                    rewrite_refs(child, rewrites);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, rewrites)),
        _ => {}
    }
}

const SWAGGER_TO_OPENAPI_REFS: &[(&str, &str)] = &[("#/definitions/", "#/components/schemas/")];
const OPENAPI_TO_SWAGGER_REFS: &[(&str, &str)] = &[("#/components/schemas/", "#/definitions/")];

/// Follows a local `$ref` (`#/parameters/p`, `#/components/responses/r`) to what it names, so
/// sections one format has and the other lacks can be written inline.
fn resolve<'v>(root: &'v Map<String, Value>, value: &'v Value) -> &'v Value {
    let mut current = value;
    // A bound, so a reference cycle cannot loop forever.
    for _ in 0..8 {
        let Some(target) = current.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let Some(pointer) = target.strip_prefix('#') else {
            return current;
        };
        let Some(found) = pointer_in(root, pointer) else {
            return current;
        };
        current = found;
    }
    current
}

fn pointer_in<'v>(root: &'v Map<String, Value>, pointer: &str) -> Option<&'v Value> {
    let mut parts = pointer.strip_prefix('/')?.split('/');
    let first = unescape_pointer(parts.next()?);
    let mut current = root.get(&first)?;
    for part in parts {
        current = current.get(unescape_pointer(part))?;
    }
    Some(current)
}

fn unescape_pointer(part: &str) -> String {
    part.replace("~1", "/").replace("~0", "~")
}

/// Builds an operation with AWS's key order: tags, summary, description, operationId, then the
/// converted keys, then the rest as stored.
fn ordered_operation(
    source: &Map<String, Value>,
    converted: Vec<(&str, Value)>,
    replaced: &[&str],
) -> Map<String, Value> {
    let mut out = Map::new();
    for key in LEADING_OPERATION_KEYS {
        if let Some(v) = source.get(*key) {
            out.insert((*key).to_string(), v.clone());
        }
    }
    for (key, value) in converted {
        out.insert(key.to_string(), value);
    }
    for (key, value) in source {
        if !LEADING_OPERATION_KEYS.contains(&key.as_str()) && !replaced.contains(&key.as_str()) {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

// ---- Swagger 2.0 to OpenAPI 3 ----

fn openapi_body_from_swagger(root: &Map<String, Value>) -> Body {
    let global_consumes = string_list(root.get("consumes"));
    let global_produces = string_list(root.get("produces"));
    let mut paths = Map::new();
    for (path, item) in object_at(root.get("paths")) {
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut out = Map::new();
        for (key, value) in item {
            if OPERATION_KEYS.contains(&key.as_str()) {
                if let Some(op) = value.as_object() {
                    let op = swagger_operation_to_openapi(
                        root,
                        op,
                        global_consumes.as_deref(),
                        global_produces.as_deref(),
                    );
                    out.insert(key.clone(), Value::Object(op));
                }
            } else if key == "parameters" {
                // A body parameter has no path-level form in OpenAPI 3; each operation's
                // requestBody carries it instead (see swagger_operation_to_openapi).
                let params = swagger_parameters_to_openapi(root, value).parameters;
                if !params.is_empty() {
                    out.insert(key.clone(), Value::Array(params));
                }
            } else {
                out.insert(key.clone(), value.clone());
            }
        }
        paths.insert(path, Value::Object(out));
    }
    let mut paths = Value::Object(paths);
    rewrite_refs(&mut paths, SWAGGER_TO_OPENAPI_REFS);
    let mut schemas = Value::Object(object_at(root.get("definitions")));
    rewrite_refs(&mut schemas, SWAGGER_TO_OPENAPI_REFS);
    let security_schemes = object_at(root.get("securityDefinitions"))
        .into_iter()
        .map(|(name, scheme)| (name, swagger_security_scheme_to_openapi(&scheme)))
        .collect();
    Body {
        paths: into_object(paths),
        schemas: into_object(schemas),
        security_schemes,
        other_components: Map::new(),
    }
}

fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn swagger_operation_to_openapi(
    root: &Map<String, Value>,
    op: &Map<String, Value>,
    global_consumes: Option<&[String]>,
    global_produces: Option<&[String]>,
) -> Map<String, Value> {
    let consumes = string_list(op.get("consumes"))
        .or_else(|| global_consumes.map(<[String]>::to_vec))
        .unwrap_or_else(|| vec![DEFAULT_MEDIA_TYPE.to_string()]);
    let produces = string_list(op.get("produces"))
        .or_else(|| global_produces.map(<[String]>::to_vec))
        .unwrap_or_else(|| vec![DEFAULT_MEDIA_TYPE.to_string()]);
    let mut converted = Vec::new();
    if let Some(params) = op.get("parameters") {
        let SplitParameters {
            parameters: params,
            body,
            form,
        } = swagger_parameters_to_openapi(root, params);
        if !params.is_empty() {
            converted.push(("parameters", Value::Array(params)));
        }
        if let Some(body) = body {
            converted.push((
                "requestBody",
                body_parameter_to_request_body(&body, &consumes),
            ));
        } else if !form.is_empty() {
            converted.push((
                "requestBody",
                form_parameters_to_request_body(&form, &consumes),
            ));
        }
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let responses = responses
            .iter()
            .map(|(code, response)| {
                let response = resolve(root, response);
                (
                    code.clone(),
                    swagger_response_to_openapi(code, response, &produces),
                )
            })
            .collect();
        converted.push(("responses", Value::Object(responses)));
    }
    ordered_operation(
        op,
        converted,
        &["parameters", "responses", "consumes", "produces", "schemes"],
    )
}

/// Swagger parameters split the way OpenAPI 3 places them.
#[derive(Default)]
struct SplitParameters {
    /// Path, query, header and cookie parameters, converted.
    parameters: Vec<Value>,
    /// The `in: body` parameter: the request body.
    body: Option<Map<String, Value>>,
    /// The `in: formData` parameters: the fields of a form request body.
    form: Vec<Map<String, Value>>,
}

fn swagger_parameters_to_openapi(root: &Map<String, Value>, params: &Value) -> SplitParameters {
    let mut split = SplitParameters::default();
    for param in params.as_array().into_iter().flatten() {
        let Some(param) = resolve(root, param).as_object() else {
            continue;
        };
        match param.get("in").and_then(Value::as_str) {
            Some("body") => split.body = Some(param.clone()),
            Some("formData") => split.form.push(param.clone()),
            _ => split
                .parameters
                .push(Value::Object(swagger_parameter_to_openapi(param))),
        }
    }
    split
}

fn swagger_parameter_to_openapi(param: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["name", "in", "description"] {
        if let Some(v) = param.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    // AWS writes `required` in OpenAPI 3 only when it is true.
    if param.get("required") == Some(&Value::Bool(true)) {
        out.insert("required".to_string(), Value::Bool(true));
    }
    for key in ["allowEmptyValue", "deprecated"] {
        if let Some(v) = param.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    out.insert("schema".to_string(), swagger_value_schema(param));
    for (key, value) in param {
        if key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// The `schema` of a Swagger non-body parameter or header, from the fields beside its name.
/// `collectionFormat` has no exact OpenAPI 3 counterpart and API Gateway ignores it; it is
/// dropped.
fn swagger_value_schema(fields: &Map<String, Value>) -> Value {
    let mut schema = Map::new();
    for key in SCHEMA_FIELDS {
        if let Some(v) = fields.get(*key) {
            let v = match (*key, v) {
                ("items", Value::Object(items)) => swagger_value_schema(items),
                ("type", Value::String(t)) if t == "file" => {
                    schema.insert("format".to_string(), Value::from("binary"));
                    Value::from("string")
                }
                _ => v.clone(),
            };
            schema.insert((*key).to_string(), v);
        }
    }
    if schema.is_empty() {
        schema.insert("type".to_string(), Value::from("string"));
    }
    Value::Object(schema)
}

fn content_for(media_types: &[String], schema: &Value) -> Value {
    Value::Object(
        media_types
            .iter()
            .map(|mt| {
                let mut entry = Map::new();
                entry.insert("schema".to_string(), schema.clone());
                (mt.clone(), Value::Object(entry))
            })
            .collect(),
    )
}

fn body_parameter_to_request_body(body: &Map<String, Value>, consumes: &[String]) -> Value {
    let mut out = Map::new();
    if let Some(d) = body.get("description") {
        out.insert("description".to_string(), d.clone());
    }
    let schema = body
        .get("schema")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    out.insert("content".to_string(), content_for(consumes, &schema));
    if body.get("required") == Some(&Value::Bool(true)) {
        out.insert("required".to_string(), Value::Bool(true));
    }
    Value::Object(out)
}

fn form_parameters_to_request_body(form: &[Map<String, Value>], consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in form {
        let Some(name) = field.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut schema = swagger_value_schema(field);
        if let (Some(d), Some(s)) = (field.get("description"), schema.as_object_mut()) {
            s.insert("description".to_string(), d.clone());
        }
        properties.insert(name.to_string(), schema);
        if field.get("required") == Some(&Value::Bool(true)) {
            required.push(Value::from(name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".to_string(), Value::from("object"));
    schema.insert("properties".to_string(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".to_string(), Value::Array(required));
    }
    let form_types: Vec<String> = consumes
        .iter()
        .filter(|mt| {
            mt.starts_with("application/x-www-form-urlencoded")
                || mt.starts_with("multipart/form-data")
        })
        .cloned()
        .collect();
    let media_types = if form_types.is_empty() {
        vec!["application/x-www-form-urlencoded".to_string()]
    } else {
        form_types
    };
    let mut out = Map::new();
    out.insert(
        "content".to_string(),
        content_for(&media_types, &Value::Object(schema)),
    );
    Value::Object(out)
}

fn swagger_response_to_openapi(code: &str, response: &Value, produces: &[String]) -> Value {
    let empty = Map::new();
    let response = response.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    out.insert(
        "description".to_string(),
        response
            .get("description")
            .cloned()
            .unwrap_or_else(|| Value::from(format!("{code} response"))),
    );
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let headers = headers
            .iter()
            .map(|(name, header)| {
                let header = header.as_object().unwrap_or(&empty);
                let mut h = Map::new();
                if let Some(d) = header.get("description") {
                    h.insert("description".to_string(), d.clone());
                }
                h.insert("schema".to_string(), swagger_value_schema(header));
                (name.clone(), Value::Object(h))
            })
            .collect();
        out.insert("headers".to_string(), Value::Object(headers));
    }
    // A response without a model is `content: {}` in AWS's exports.
    let mut content = match response.get("schema") {
        Some(schema) => content_for(produces, schema),
        None => Value::Object(Map::new()),
    };
    if let (Some(Value::Object(examples)), Value::Object(content)) =
        (response.get("examples"), &mut content)
    {
        for (mt, example) in examples {
            let entry = content
                .entry(mt.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(entry) = entry {
                entry.insert("example".to_string(), example.clone());
            }
        }
    }
    out.insert("content".to_string(), content);
    for (key, value) in response {
        if key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn swagger_security_scheme_to_openapi(scheme: &Value) -> Value {
    let Some(scheme) = scheme.as_object() else {
        return scheme.clone();
    };
    let mut out = Map::new();
    match scheme.get("type").and_then(Value::as_str) {
        Some("basic") => {
            out.insert("type".to_string(), Value::from("http"));
            out.insert("scheme".to_string(), Value::from("basic"));
        }
        Some("oauth2") => {
            out.insert("type".to_string(), Value::from("oauth2"));
            let flow_name = match scheme.get("flow").and_then(Value::as_str) {
                Some("password") => "password",
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                _ => "implicit",
            };
            let mut flow = Map::new();
            for key in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = scheme.get(key) {
                    flow.insert(key.to_string(), v.clone());
                }
            }
            flow.insert(
                "scopes".to_string(),
                scheme
                    .get("scopes")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new())),
            );
            let mut flows = Map::new();
            flows.insert(flow_name.to_string(), Value::Object(flow));
            out.insert("flows".to_string(), Value::Object(flows));
        }
        _ => {
            for key in ["type", "name", "in"] {
                if let Some(v) = scheme.get(key) {
                    out.insert(key.to_string(), v.clone());
                }
            }
        }
    }
    for (key, value) in scheme {
        if key == "description" || key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

// ---- OpenAPI 3 to Swagger 2.0 ----

fn swagger_body_from_openapi(root: &Map<String, Value>) -> Body {
    let mut paths = Map::new();
    for (path, item) in object_at(root.get("paths")) {
        let Some(item) = resolve(root, &item).as_object() else {
            continue;
        };
        let mut out = Map::new();
        for (key, value) in item {
            if OPERATION_KEYS.contains(&key.as_str()) {
                if let Some(op) = value.as_object() {
                    out.insert(
                        key.clone(),
                        Value::Object(openapi_operation_to_swagger(root, op)),
                    );
                }
            } else if key == "parameters" {
                let params = openapi_parameters_to_swagger(root, value);
                if !params.is_empty() {
                    out.insert(key.clone(), Value::Array(params));
                }
            } else if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
            // `summary`, `description` and `servers` have no place on a Swagger path item.
        }
        paths.insert(path, Value::Object(out));
    }
    let mut paths = Value::Object(paths);
    rewrite_refs(&mut paths, OPENAPI_TO_SWAGGER_REFS);
    let components = object_at(root.get("components"));
    let mut schemas = Value::Object(object_at(components.get("schemas")));
    rewrite_refs(&mut schemas, OPENAPI_TO_SWAGGER_REFS);
    let security_schemes = object_at(components.get("securitySchemes"))
        .into_iter()
        .map(|(name, scheme)| {
            let scheme = openapi_security_scheme_to_swagger(resolve(root, &scheme));
            (name, scheme)
        })
        .collect();
    Body {
        paths: into_object(paths),
        schemas: into_object(schemas),
        security_schemes,
        other_components: Map::new(),
    }
}

fn openapi_operation_to_swagger(
    root: &Map<String, Value>,
    op: &Map<String, Value>,
) -> Map<String, Value> {
    let mut params = op
        .get("parameters")
        .map(|p| openapi_parameters_to_swagger(root, p))
        .unwrap_or_default();
    let mut consumes = Vec::new();
    if let Some(body) = op.get("requestBody").map(|b| resolve(root, b)) {
        let content = object_at(body.get("content"));
        consumes.extend(content.keys().cloned());
        let schema = preferred_schema(&content);
        let name = schema
            .as_ref()
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .unwrap_or("body")
            .to_string();
        let mut param = Map::new();
        param.insert("in".to_string(), Value::from("body"));
        param.insert("name".to_string(), Value::from(name));
        if let Some(d) = body.get("description") {
            param.insert("description".to_string(), d.clone());
        }
        param.insert(
            "required".to_string(),
            Value::Bool(body.get("required") == Some(&Value::Bool(true))),
        );
        param.insert(
            "schema".to_string(),
            schema.unwrap_or_else(|| Value::Object(Map::new())),
        );
        params.push(Value::Object(param));
    }
    let mut produces: Vec<String> = Vec::new();
    let mut responses = Map::new();
    for (code, response) in object_at(op.get("responses")) {
        let response = resolve(root, &response);
        let content = object_at(response.get("content"));
        for mt in content.keys() {
            if !produces.contains(mt) {
                produces.push(mt.clone());
            }
        }
        responses.insert(code, openapi_response_to_swagger(root, response, &content));
    }
    let mut converted = Vec::new();
    if !consumes.is_empty() {
        converted.push(("consumes", string_array(consumes)));
    }
    if !produces.is_empty() {
        converted.push(("produces", string_array(produces)));
    }
    if !params.is_empty() {
        converted.push(("parameters", Value::Array(params)));
    }
    converted.push(("responses", Value::Object(responses)));
    ordered_operation(
        op,
        converted,
        &[
            "parameters",
            "requestBody",
            "responses",
            "servers",
            "callbacks",
        ],
    )
}

fn string_array(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::from).collect())
}

/// The schema of a content map, `application/json`'s first (Swagger has one schema per body or
/// response).
fn preferred_schema(content: &Map<String, Value>) -> Option<Value> {
    content
        .get(DEFAULT_MEDIA_TYPE)
        .and_then(|c| c.get("schema"))
        .or_else(|| content.values().find_map(|c| c.get("schema")))
        .cloned()
}

fn openapi_parameters_to_swagger(root: &Map<String, Value>, params: &Value) -> Vec<Value> {
    params
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| resolve(root, p).as_object())
        .map(|p| Value::Object(openapi_parameter_to_swagger(root, p)))
        .collect()
}

fn openapi_parameter_to_swagger(
    root: &Map<String, Value>,
    param: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["name", "in", "description"] {
        if let Some(v) = param.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    // AWS writes `required` on every Swagger parameter.
    out.insert(
        "required".to_string(),
        Value::Bool(param.get("required") == Some(&Value::Bool(true))),
    );
    if let Some(v) = param.get("allowEmptyValue") {
        out.insert("allowEmptyValue".to_string(), v.clone());
    }
    let schema = param
        .get("schema")
        .or_else(|| {
            // `content` instead of `schema`: the first media type's schema.
            param
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().find_map(|m| m.get("schema")))
        })
        .map(|s| resolve(root, s));
    flatten_schema_into(root, schema, &mut out);
    for (key, value) in param {
        if key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// Writes a schema's value fields beside a Swagger parameter's or header's name; a schema
/// Swagger cannot say there (an object, a composition) becomes `type: string`, what API
/// Gateway reads non-body values as.
fn flatten_schema_into(
    root: &Map<String, Value>,
    schema: Option<&Value>,
    out: &mut Map<String, Value>,
) {
    let schema = schema.and_then(Value::as_object);
    let mut wrote_type = false;
    if let Some(schema) = schema {
        for key in SCHEMA_FIELDS {
            let Some(v) = schema.get(*key) else {
                continue;
            };
            let v = if *key == "items" {
                let mut items = Map::new();
                flatten_schema_into(root, Some(resolve(root, v)), &mut items);
                items.remove("required");
                Value::Object(items)
            } else {
                v.clone()
            };
            if *key == "type" {
                if matches!(v.as_str(), Some("object") | None) {
                    continue;
                }
                wrote_type = true;
            }
            out.insert((*key).to_string(), v);
        }
    }
    if !wrote_type {
        out.insert("type".to_string(), Value::from("string"));
    }
}

fn openapi_response_to_swagger(
    root: &Map<String, Value>,
    response: &Value,
    content: &Map<String, Value>,
) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".to_string(),
        response
            .get("description")
            .cloned()
            .unwrap_or_else(|| Value::from("")),
    );
    if let Some(schema) = preferred_schema(content) {
        out.insert("schema".to_string(), schema);
    }
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let headers = headers
            .iter()
            .map(|(name, header)| {
                let header = resolve(root, header);
                let mut h = Map::new();
                flatten_schema_into(root, header.get("schema").map(|s| resolve(root, s)), &mut h);
                if let Some(d) = header.get("description") {
                    h.insert("description".to_string(), d.clone());
                }
                (name.clone(), Value::Object(h))
            })
            .collect();
        out.insert("headers".to_string(), Value::Object(headers));
    }
    let examples: Map<String, Value> = content
        .iter()
        .filter_map(|(mt, c)| c.get("example").map(|e| (mt.clone(), e.clone())))
        .collect();
    if !examples.is_empty() {
        out.insert("examples".to_string(), Value::Object(examples));
    }
    if let Some(response) = response.as_object() {
        for (key, value) in response {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn openapi_security_scheme_to_swagger(scheme: &Value) -> Value {
    let Some(scheme) = scheme.as_object() else {
        return scheme.clone();
    };
    let mut out = Map::new();
    match (
        scheme.get("type").and_then(Value::as_str),
        scheme.get("scheme").and_then(Value::as_str),
    ) {
        (Some("http"), Some(s)) if s.eq_ignore_ascii_case("basic") => {
            out.insert("type".to_string(), Value::from("basic"));
        }
        // Swagger 2.0 has no bearer scheme; a token in the Authorization header is its nearest
        // form.
        (Some("http"), _) => {
            out.insert("type".to_string(), Value::from("apiKey"));
            out.insert("name".to_string(), Value::from("Authorization"));
            out.insert("in".to_string(), Value::from("header"));
        }
        (Some("oauth2"), _) => {
            out.insert("type".to_string(), Value::from("oauth2"));
            let flows = object_at(scheme.get("flows"));
            if let Some((name, flow)) = flows.iter().next() {
                let flow_name = match name.as_str() {
                    "password" => "password",
                    "clientCredentials" => "application",
                    "authorizationCode" => "accessCode",
                    _ => "implicit",
                };
                out.insert("flow".to_string(), Value::from(flow_name));
                for key in ["authorizationUrl", "tokenUrl", "scopes"] {
                    if let Some(v) = flow.get(key) {
                        out.insert(key.to_string(), v.clone());
                    }
                }
            }
        }
        _ => {
            for key in ["type", "name", "in"] {
                if let Some(v) = scheme.get(key) {
                    out.insert(key.to_string(), v.clone());
                }
            }
        }
    }
    for (key, value) in scheme {
        if key == "description" || key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

// ---- Same format ----

/// Swagger as stored, with the document-wide `consumes`/`produces` written on each operation
/// that lacks its own, as AWS's exports carry them (the header is rebuilt without them).
fn swagger_body_from_swagger(root: &Map<String, Value>) -> Body {
    let mut paths = object_at(root.get("paths"));
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (key, op) in item.iter_mut() {
            let Some(source) = op
                .as_object()
                .filter(|_| OPERATION_KEYS.contains(&key.as_str()))
            else {
                continue;
            };
            let converted = ["consumes", "produces"]
                .into_iter()
                .filter_map(|list| Some((list, source.get(list).or(root.get(list))?.clone())))
                .collect();
            *op = Value::Object(ordered_operation(
                source,
                converted,
                &["consumes", "produces"],
            ));
        }
    }
    // Operations may point into the shared `parameters` and `responses` sections.
    let other_components = ["parameters", "responses"]
        .into_iter()
        .filter_map(|k| root.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    Body {
        paths,
        schemas: object_at(root.get("definitions")),
        security_schemes: object_at(root.get("securityDefinitions")),
        other_components,
    }
}

fn openapi_body_from_openapi(root: &Map<String, Value>) -> Body {
    let mut components = object_at(root.get("components"));
    let schemas = components
        .remove("schemas")
        .map(into_object)
        .unwrap_or_default();
    let security_schemes = components
        .remove("securitySchemes")
        .map(into_object)
        .unwrap_or_default();
    Body {
        paths: object_at(root.get("paths")),
        schemas,
        security_schemes,
        other_components: components,
    }
}

// ---- The header and the top-level extensions ----

/// The endpoint configuration, wherever the document keeps it: at the top level (Swagger, and
/// the emulator's importer) or on the first server (where OpenAPI 3 exports put it).
fn endpoint_configuration(root: &Map<String, Value>) -> Option<Value> {
    let key = "x-amazon-apigateway-endpoint-configuration";
    root.get(key).cloned().or_else(|| {
        root.get("servers")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find_map(|server| server.get(key)))
            .cloned()
    })
}

/// The document's top-level API Gateway extensions, in its order; AWS exports the policy as an
/// object even when it was imported as a JSON string.
fn top_level_extensions(root: &Map<String, Value>) -> Vec<(String, Value)> {
    root.iter()
        .filter(|(key, _)| {
            key.starts_with(EXTENSION_PREFIX)
                && key.as_str() != "x-amazon-apigateway-endpoint-configuration"
        })
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("x-amazon-apigateway-policy", Value::String(text)) => {
                    serde_json::from_str(text).unwrap_or_else(|_| value.clone())
                }
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect()
}

fn openapi_document(header: &Header, root: &Map<String, Value>, body: Body) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("openapi".to_string(), Value::from("3.0.1"));
    let mut info = Map::new();
    info.insert("title".to_string(), Value::from(header.api_name));
    if let Some(d) = header.description {
        info.insert("description".to_string(), Value::from(d));
    }
    info.insert("version".to_string(), Value::from(header.version));
    out.insert("info".to_string(), Value::Object(info));
    let mut server = Map::new();
    server.insert(
        "url".to_string(),
        Value::from(format!("https://{}/{{basePath}}", header.host)),
    );
    let mut base_path = Map::new();
    base_path.insert("default".to_string(), Value::from(header.stage_name));
    let mut variables = Map::new();
    variables.insert("basePath".to_string(), Value::Object(base_path));
    server.insert("variables".to_string(), Value::Object(variables));
    if let Some(config) = endpoint_configuration(root) {
        server.insert(
            "x-amazon-apigateway-endpoint-configuration".to_string(),
            config,
        );
    }
    out.insert(
        "servers".to_string(),
        Value::Array(vec![Value::Object(server)]),
    );
    out.insert("paths".to_string(), Value::Object(body.paths));
    let mut components = Map::new();
    if !body.schemas.is_empty() {
        components.insert("schemas".to_string(), Value::Object(body.schemas));
    }
    for (key, value) in body.other_components {
        components.insert(key, value);
    }
    if !body.security_schemes.is_empty() {
        components.insert(
            "securitySchemes".to_string(),
            Value::Object(body.security_schemes),
        );
    }
    if !components.is_empty() {
        out.insert("components".to_string(), Value::Object(components));
    }
    if let Some(security) = root.get("security") {
        out.insert("security".to_string(), security.clone());
    }
    out.extend(top_level_extensions(root));
    out
}

fn swagger_document(header: &Header, root: &Map<String, Value>, body: Body) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("swagger".to_string(), Value::from("2.0"));
    let mut info = Map::new();
    if let Some(d) = header.description {
        info.insert("description".to_string(), Value::from(d));
    }
    info.insert("version".to_string(), Value::from(header.version));
    info.insert("title".to_string(), Value::from(header.api_name));
    out.insert("info".to_string(), Value::Object(info));
    out.insert("host".to_string(), Value::from(header.host));
    out.insert(
        "basePath".to_string(),
        Value::from(format!("/{}", header.stage_name)),
    );
    out.insert(
        "schemes".to_string(),
        Value::Array(vec![Value::from("https")]),
    );
    out.insert("paths".to_string(), Value::Object(body.paths));
    if !body.security_schemes.is_empty() {
        out.insert(
            "securityDefinitions".to_string(),
            Value::Object(body.security_schemes),
        );
    }
    if !body.schemas.is_empty() {
        out.insert("definitions".to_string(), Value::Object(body.schemas));
    }
    out.extend(body.other_components);
    if let Some(security) = root.get("security") {
        out.insert("security".to_string(), security.clone());
    }
    let mut extensions = top_level_extensions(root);
    if let Some(config) = endpoint_configuration(root) {
        extensions.push((
            "x-amazon-apigateway-endpoint-configuration".to_string(),
            config,
        ));
    }
    out.extend(extensions);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOST: &str = "chw1a2q2xk.execute-api.us-east-1.amazonaws.com";
    const VERSION: &str = "2026-11-25T10:00:00Z";

    fn petstore() -> Value {
        let region = crate::model::names::Region::parse("us-east-1").unwrap();
        let text = crate::scenario::examples::example_document("PetStore", &region).unwrap();
        crate::scenario::document::parse(&text).unwrap()
    }

    fn export(doc: &Value, export_type: &str, extensions: &[&str]) -> Value {
        export_document_versioned(
            doc,
            export_type,
            extensions,
            "PetStore",
            HOST,
            "test",
            VERSION,
        )
        .unwrap()
    }

    /// Every key anywhere in the tree that starts with `x-`.
    fn vendor_keys(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k.starts_with("x-") {
                        out.push(k.clone());
                    }
                    vendor_keys(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| vendor_keys(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_example_api_exports_as_aws_writes_oas30() {
        let out = export(&petstore(), "oas30", &["integrations"]);
        let keys: Vec<_> = out.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["openapi", "info", "servers", "paths", "components"]);
        assert_eq!(out["openapi"], "3.0.1");
        assert_eq!(
            out["info"],
            json!({"title": "PetStore",
                   "description": "Your first API with Amazon API Gateway. This is a sample API that integrates via HTTP with our demo Pet Store endpoints",
                   "version": VERSION})
        );
        assert_eq!(
            out["servers"],
            json!([{"url": "https://chw1a2q2xk.execute-api.us-east-1.amazonaws.com/{basePath}",
                    "variables": {"basePath": {"default": "test"}}}])
        );
        let get_pets = &out["paths"]["/pets"]["get"];
        assert_eq!(
            get_pets["parameters"],
            json!([
                {"name": "type", "in": "query", "description": "The type of pet to retrieve", "schema": {"type": "string"}},
                {"name": "page", "in": "query", "description": "Page number of results to return.", "schema": {"type": "string"}}
            ])
        );
        assert_eq!(
            get_pets["responses"],
            json!({"200": {"description": "Successful operation",
                "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pets"}}}}})
        );
        assert_eq!(
            get_pets["x-amazon-apigateway-integration"]["uri"],
            "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets"
        );
        let post = &out["paths"]["/pets"]["post"];
        let post_keys: Vec<_> = post.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            post_keys,
            [
                "tags",
                "summary",
                "operationId",
                "requestBody",
                "responses",
                "x-amazon-apigateway-integration"
            ]
        );
        assert_eq!(
            post["requestBody"],
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}},
                   "required": true})
        );
        // No model: AWS writes an empty content map.
        assert_eq!(
            out["paths"]["/"]["get"]["responses"]["200"],
            json!({"description": "Successful operation",
                   "headers": {"Content-Type": {"description": "Media type of request", "schema": {"type": "string"}}},
                   "content": {}})
        );
        assert_eq!(
            out["paths"]["/pets/{petId}"]["get"]["parameters"],
            json!([{"name": "petId", "in": "path", "description": "The id of the pet to retrieve",
                    "required": true, "schema": {"type": "string"}}])
        );
        assert_eq!(
            out["components"]["schemas"]["NewPet"],
            json!({"type": "object", "properties": {
                "type": {"$ref": "#/components/schemas/PetType"}, "price": {"type": "number"}}})
        );
    }

    #[test]
    fn the_example_api_exports_as_aws_writes_swagger() {
        let out = export(&petstore(), "swagger", &[]);
        let keys: Vec<_> = out.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "swagger",
                "info",
                "host",
                "basePath",
                "schemes",
                "paths",
                "definitions"
            ]
        );
        assert_eq!(out["host"], HOST);
        assert_eq!(out["basePath"], "/test");
        assert_eq!(out["schemes"], json!(["https"]));
        let info_keys: Vec<_> = out["info"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(info_keys, ["description", "version", "title"]);
        let post = &out["paths"]["/pets"]["post"];
        let post_keys: Vec<_> = post.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            post_keys,
            [
                "tags",
                "summary",
                "operationId",
                "consumes",
                "produces",
                "parameters",
                "responses"
            ]
        );
        let mut found = Vec::new();
        vendor_keys(&out, &mut found);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn swagger_to_oas30_and_back_keeps_the_api() {
        let original = export(&petstore(), "swagger", &["apigateway"]);
        let oas30 = export(&petstore(), "oas30", &["apigateway"]);
        let back = export(&oas30, "swagger", &["apigateway"]);
        assert_eq!(back["definitions"], original["definitions"]);
        for (path, method) in [
            ("/pets", "get"),
            ("/pets", "post"),
            ("/pets", "options"),
            ("/pets/{petId}", "get"),
            ("/pets/{petId}", "options"),
        ] {
            let mut expected = original["paths"][path][method].clone();
            let got = &back["paths"][path][method];
            // A request without a body, or responses without a model, have no media type in
            // OpenAPI 3 (AWS's exports lose them the same way).
            for list in ["consumes", "produces"] {
                if got.get(list).is_none() {
                    expected.as_object_mut().unwrap().remove(list);
                }
            }
            assert_eq!(got, &expected, "{method} {path}");
        }
        // OpenAPI 3 to Swagger to OpenAPI 3 is a fixed point.
        assert_eq!(export(&back, "oas30", &["apigateway"]), oas30);
    }

    #[test]
    fn refs_are_rewritten_both_ways_and_shared_sections_inlined() {
        let doc = json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {"/items/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "put": {
                    "requestBody": {"$ref": "#/components/requestBodies/Item"},
                    "responses": {"200": {"$ref": "#/components/responses/Items"}}
                }
            }},
            "components": {
                "schemas": {
                    "Item": {"type": "object", "properties": {"tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}}},
                    "Tag": {"type": "string"},
                    "Items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
                },
                "parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}},
                "requestBodies": {"Item": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}},
                "responses": {"Items": {"description": "the items", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Items"}}}}}
            }
        });
        let swagger = export(&doc, "swagger", &[]);
        assert_eq!(
            swagger["paths"],
            json!({"/items/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer", "format": "int64"}],
                "put": {
                    "consumes": ["application/json"],
                    "produces": ["application/json"],
                    "parameters": [{"in": "body", "name": "Item", "required": true, "schema": {"$ref": "#/definitions/Item"}}],
                    "responses": {"200": {"description": "the items", "schema": {"$ref": "#/definitions/Items"}}}
                }
            }})
        );
        assert_eq!(
            swagger["definitions"]["Item"]["properties"]["tags"]["items"],
            json!({"$ref": "#/definitions/Tag"})
        );
        assert_eq!(
            swagger["definitions"]["Items"]["items"],
            json!({"$ref": "#/definitions/Item"})
        );
        let oas30 = export(&swagger, "oas30", &[]);
        assert_eq!(
            oas30["paths"]["/items/{id}"]["put"]["requestBody"],
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}, "required": true})
        );
        assert_eq!(oas30["components"]["schemas"], doc["components"]["schemas"]);
    }

    const WITH_EXTENSIONS: &str = r#"{
      "openapi": "3.0.1",
      "info": {"title": "orders", "version": "7"},
      "x-custom": true,
      "x-amazon-apigateway-policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
      "x-amazon-apigateway-endpoint-configuration": {"vpcEndpointIds": ["vpce-01234567890abcdef"]},
      "x-amazon-apigateway-binary-media-types": ["image/png"],
      "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}},
      "x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": 400}},
      "paths": {
        "/orders": {
          "x-amazon-apigateway-any-method": {
            "security": [{"sigv4": []}, {"lambda": []}],
            "x-amazon-apigateway-request-validator": "all",
            "x-internal": "dropped",
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
              "responses": {"default": {"statusCode": "200"}}}
          }
        }
      },
      "components": {"securitySchemes": {
        "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
        "lambda": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
          "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"}}
      }}
    }"#;

    fn all_vendor_keys(value: &Value) -> Vec<String> {
        let mut found = Vec::new();
        vendor_keys(value, &mut found);
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn extensions_are_kept_only_when_asked_for() {
        let doc: Value = serde_json::from_str(WITH_EXTENSIONS).unwrap();
        let plain = export(&doc, "oas30", &[]);
        assert_eq!(
            all_vendor_keys(&plain),
            [
                "x-amazon-apigateway-any-method",
                "x-amazon-apigateway-authtype"
            ]
        );
        let integrations = export(&doc, "oas30", &["integrations"]);
        assert_eq!(
            all_vendor_keys(&integrations),
            [
                "x-amazon-apigateway-any-method",
                "x-amazon-apigateway-authtype",
                "x-amazon-apigateway-binary-media-types",
                "x-amazon-apigateway-endpoint-configuration",
                "x-amazon-apigateway-integration",
                "x-amazon-apigateway-policy"
            ]
        );
        // OpenAPI 3 exports carry the endpoint configuration on the server, and the policy as
        // an object.
        assert_eq!(
            integrations["servers"][0]["x-amazon-apigateway-endpoint-configuration"],
            json!({"vpcEndpointIds": ["vpce-01234567890abcdef"]})
        );
        assert_eq!(
            integrations["x-amazon-apigateway-policy"],
            json!({"Version": "2012-10-17", "Statement": []})
        );
        let authorizers = export(&doc, "oas30", &["authorizers"]);
        assert_eq!(
            all_vendor_keys(&authorizers),
            [
                "x-amazon-apigateway-any-method",
                "x-amazon-apigateway-authorizer",
                "x-amazon-apigateway-authtype"
            ]
        );
        // The CLI's comma-separated form, and `apigateway` for everything API Gateway reads.
        let both = export(&doc, "oas30", &["integrations,authorizers"]);
        assert!(all_vendor_keys(&both).contains(&"x-amazon-apigateway-authorizer".to_string()));
        let everything = export(&doc, "swagger", &["apigateway"]);
        assert_eq!(
            all_vendor_keys(&everything),
            [
                "x-amazon-apigateway-any-method",
                "x-amazon-apigateway-authorizer",
                "x-amazon-apigateway-authtype",
                "x-amazon-apigateway-binary-media-types",
                "x-amazon-apigateway-endpoint-configuration",
                "x-amazon-apigateway-gateway-responses",
                "x-amazon-apigateway-integration",
                "x-amazon-apigateway-policy",
                "x-amazon-apigateway-request-validator",
                "x-amazon-apigateway-request-validators"
            ]
        );
        // Swagger keeps it at the top level.
        assert_eq!(
            everything["x-amazon-apigateway-endpoint-configuration"],
            json!({"vpcEndpointIds": ["vpce-01234567890abcdef"]})
        );
        assert_eq!(
            everything["securityDefinitions"]["sigv4"],
            json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"})
        );
        assert_eq!(
            everything["info"],
            json!({"version": "7", "title": "PetStore"})
        );
    }

    #[test]
    fn exports_import_again() {
        for export_type in ["oas30", "swagger"] {
            let out = export(&petstore(), export_type, &["integrations"]);
            let api = crate::scenario::openapi::import(&out)
                .unwrap_or_else(|e| panic!("{export_type}: {e}"));
            assert!(api.warnings.is_empty(), "{export_type}: {:?}", api.warnings);
            assert_eq!(api.title.as_deref(), Some("PetStore"));
            assert!(api.definition.route("/pets/7", "GET").is_some());
            // Without extensions the methods have no integration: still a valid document.
            let plain = export(&petstore(), export_type, &[]);
            crate::scenario::openapi::import(&plain)
                .unwrap_or_else(|e| panic!("{export_type}: {e}"));
            let doc: Value = serde_json::from_str(WITH_EXTENSIONS).unwrap();
            let out = export(&doc, export_type, &["apigateway"]);
            crate::scenario::openapi::import(&out).unwrap_or_else(|e| panic!("{export_type}: {e}"));
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let e = export_document_versioned(&petstore(), "postman", &[], "a", HOST, "s", VERSION)
            .unwrap_err();
        assert_eq!(
            e,
            "Invalid export type specified: postman. Valid values are oas30 and swagger"
        );
        let e = export_document_versioned(&json!([1]), "oas30", &[], "a", HOST, "s", VERSION)
            .unwrap_err();
        assert_eq!(e, "The API's definition is not an OpenAPI object");
        let e = export_document_versioned(
            &json!({"openapi": "2.5"}),
            "oas30",
            &[],
            "a",
            HOST,
            "s",
            VERSION,
        )
        .unwrap_err();
        assert!(e.contains("neither Swagger 2.0 nor OpenAPI 3.0"), "{e}");
        // Odd shapes inside are skipped, not fatal.
        let odd = json!({"swagger": "2.0", "paths": {"/a": 3, "/b": {"get": {"parameters": 5, "responses": {"200": 1}}}},
                         "definitions": [], "securityDefinitions": {"x": 1}});
        let out = export(&odd, "oas30", &[]);
        assert_eq!(
            out["paths"]["/b"]["get"]["responses"]["200"],
            json!({"description": "200 response", "content": {}})
        );
        let cyclic = json!({"openapi": "3.0.1", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/p"}]}}},
                            "components": {"parameters": {"p": {"$ref": "#/components/parameters/p"}}}});
        let out = export(&cyclic, "swagger", &[]);
        assert_eq!(
            out["paths"]["/a"]["get"]["parameters"],
            json!([{"required": false, "type": "string"}])
        );
    }

    #[test]
    fn yaml_and_headers() {
        let out = export(&petstore(), "oas30", &["integrations"]);
        let yaml = to_yaml(&out);
        assert!(
            yaml.starts_with("openapi: \"3.0.1\"\ninfo:\n  title: \"PetStore\"\n"),
            "{yaml}"
        );
        assert_eq!(crate::scenario::document::parse(&yaml).unwrap(), out);
        let doc: Value = serde_json::from_str(WITH_EXTENSIONS).unwrap();
        for export_type in ["oas30", "swagger"] {
            let out = export(&doc, export_type, &["apigateway"]);
            assert_eq!(
                crate::scenario::document::parse(&to_yaml(&out)).unwrap(),
                out
            );
        }
        let small = json!({"info": {"version": "2024-01-13T23:01:41Z"},
            "paths": {"/a/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "required": true}],
                "responses": {"200": {"description": "ok\n\"quoted\"", "content": {}}},
                "tags": [], "x": [[1, null], [false]]}}}});
        assert_eq!(
            to_yaml(&small),
            concat!(
                "info:\n",
                "  version: \"2024-01-13T23:01:41Z\"\n",
                "paths:\n",
                "  /a/{id}:\n",
                "    get:\n",
                "      parameters:\n",
                "      - name: \"id\"\n",
                "        in: \"path\"\n",
                "        required: true\n",
                "      responses:\n",
                "        \"200\":\n",
                "          description: \"ok\\n\\\"quoted\\\"\"\n",
                "          content: {}\n",
                "      tags: []\n",
                "      x:\n",
                "      - - 1\n",
                "        - null\n",
                "      - - false\n",
            )
        );
        assert_eq!(
            crate::scenario::document::parse(&to_yaml(&small)).unwrap(),
            small
        );
        assert_eq!(
            export_version(time::macros::datetime!(2024-01-13 23:01:41 UTC)),
            "2024-01-13T23:01:41Z"
        );
        assert_eq!(
            content_disposition("oas30", "2024-01-13T23:01:41Z", false),
            "attachment; filename=\"oas30_2024-01-13T23:01:41Z.json\""
        );
    }
}
