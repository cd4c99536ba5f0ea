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
//!
//! The pieces: `to_openapi` and `to_swagger` convert between the formats (with `refs`
//! rewriting and following `$ref`s), `same_format` exports a document in its own format,
//! `header` builds what AWS writes from the API rather than the document, `extensions`
//! drops the extensions the `extensions` parameter does not ask for, and `yaml` writes the
//! result for `Accept: application/yaml`.

use serde_json::{Map, Value};

mod extensions;
mod header;
mod refs;
mod same_format;
mod shape;
mod to_openapi;
mod to_swagger;
mod yaml;

#[cfg(test)]
mod tests;

pub use self::yaml::to_yaml;

use self::extensions::KeptExtensions;
use self::header::{openapi_document, swagger_document, Header};

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
) -> Result<Value, ExportError> {
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
) -> Result<Value, ExportError> {
    let target = Format::of_export_type(export_type)?;
    let root = document.as_object().ok_or(ExportError::NotAnObject)?;
    let source = Format::of_document(root)?;
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
        (Format::Swagger2, Format::Swagger2) => same_format::swagger_body_from_swagger(root),
        (Format::OpenApi3, Format::Swagger2) => to_swagger::swagger_body_from_openapi(root),
        (Format::OpenApi3, Format::OpenApi3) => same_format::openapi_body_from_openapi(root),
        (Format::Swagger2, Format::OpenApi3) => to_openapi::openapi_body_from_swagger(root),
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
    crate::aws::timestamps::iso8601_seconds(at)
}

/// Why an API cannot be exported; `get-export` answers 400 with the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The export type is neither `oas30` nor `swagger`. AWS's wording is not documented; this
    /// names the accepted values as its other BadRequest messages do.
    #[error("Invalid export type specified: {0}. Valid values are oas30 and swagger")]
    UnknownExportType(String),
    /// The stored definition is not a JSON object.
    #[error("The API's definition is not an OpenAPI object")]
    NotAnObject,
    /// The stored definition is in neither format.
    #[error("The API's definition is neither Swagger 2.0 nor OpenAPI 3.0; it cannot be exported")]
    UnknownDocumentFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Swagger2,
    OpenApi3,
}

impl Format {
    /// The format `get-export`'s export type asks for.
    fn of_export_type(export_type: &str) -> Result<Format, ExportError> {
        match export_type {
            "oas30" => Ok(Format::OpenApi3),
            "swagger" => Ok(Format::Swagger2),
            other => Err(ExportError::UnknownExportType(other.to_string())),
        }
    }

    /// The format a stored document is in.
    fn of_document(root: &Map<String, Value>) -> Result<Format, ExportError> {
        if root.get("swagger").and_then(Value::as_str) == Some("2.0") {
            Ok(Format::Swagger2)
        } else if root
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with('3'))
        {
            Ok(Format::OpenApi3)
        } else {
            Err(ExportError::UnknownDocumentFormat)
        }
    }
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
