//! The document's root: which OpenAPI version it is, its `info`, and the top-level
//! `x-amazon-apigateway-*` extensions (policy, endpoint configuration, binary media types, API
//! key source); `paths` is handed to [`super::resources`].

use serde_json::{Map, Value};

use crate::model::api::ApiDefinition;
use crate::scenario::document::{child_path, type_name, DocumentError};

use super::values::{object, string, string_list};
use super::{ImportedApi, Importer};

impl Importer {
    pub(super) fn document(&mut self, doc: &Value) -> Result<ImportedApi, DocumentError> {
        let root = object(doc, "$")?;
        self.check_version(root)?;
        let info = root.get("info").and_then(Value::as_object);
        let info_text = |key: &str| {
            info.and_then(|i| i.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let mut api = ImportedApi {
            title: info_text("title"),
            definition: ApiDefinition::empty(),
            policy: None,
            vpc_endpoint_ids: Vec::new(),
            api_key_source: None,
            warnings: Vec::new(),
        };
        for (key, value) in root {
            self.top_level_key(&mut api, key, value)?;
        }
        if let Some(paths) = root.get("paths") {
            for (resource_path, item) in object(paths, "$.paths")? {
                let path = child_path("$.paths", resource_path);
                self.path_item(&mut api.definition, resource_path, item, &path)?;
            }
        }
        api.warnings = std::mem::take(&mut self.warnings);
        Ok(api)
    }

    /// OpenAPI 3.0 or Swagger 2.0; a later 3.x is read as 3.0, with a warning.
    fn check_version(&mut self, root: &Map<String, Value>) -> Result<(), DocumentError> {
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
        Ok(())
    }

    /// One key of the root object; `paths` is read afterwards, and the other OpenAPI keys
    /// (`components`, `info`, ...) need nothing here.
    fn top_level_key(
        &mut self,
        api: &mut ImportedApi,
        key: &str,
        value: &Value,
    ) -> Result<(), DocumentError> {
        let path = child_path("$", key);
        match key {
            "x-amazon-apigateway-policy" => api.policy = Some(policy(value, &path)?),
            "x-amazon-apigateway-endpoint-configuration" => {
                self.endpoint_configuration(value, &path, &mut api.vpc_endpoint_ids)?
            }
            "servers" => self.server_endpoint_configurations(value, &mut api.vpc_endpoint_ids)?,
            "x-amazon-apigateway-binary-media-types" => {
                api.definition.binary_media_types = string_list(value, &path)?
            }
            "x-amazon-apigateway-api-key-source" => {
                api.api_key_source = Some(api_key_source(value, &path)?)
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
            _ => {}
        }
        Ok(())
    }

    /// OpenAPI 3 exports carry the endpoint configuration on the server.
    fn server_endpoint_configurations(
        &mut self,
        servers: &Value,
        vpc_endpoint_ids: &mut Vec<String>,
    ) -> Result<(), DocumentError> {
        for (i, server) in servers.as_array().into_iter().flatten().enumerate() {
            if let Some(config) = server.get("x-amazon-apigateway-endpoint-configuration") {
                let p = format!("$.servers[{i}].x-amazon-apigateway-endpoint-configuration");
                self.endpoint_configuration(config, &p, vpc_endpoint_ids)?;
            }
        }
        Ok(())
    }

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
}

/// `x-amazon-apigateway-policy`: an object, or the JSON text of one.
fn policy(value: &Value, path: &str) -> Result<Value, DocumentError> {
    match value {
        Value::String(s) => serde_json::from_str(s)
            .map_err(|e| DocumentError::new(path, format!("the policy is not JSON: {e}"))),
        Value::Object(_) => Ok(value.clone()),
        other => Err(DocumentError::new(
            path,
            format!(
                "expected a policy object or a JSON string, found {}",
                type_name(other)
            ),
        )),
    }
}

/// `x-amazon-apigateway-api-key-source`: `HEADER` or `AUTHORIZER`.
fn api_key_source(value: &Value, path: &str) -> Result<String, DocumentError> {
    let source = string(value, path)?;
    if source != "HEADER" && source != "AUTHORIZER" {
        return Err(DocumentError::new(
            path,
            format!("expected HEADER or AUTHORIZER, found {source:?}"),
        ));
    }
    Ok(source.to_string())
}
