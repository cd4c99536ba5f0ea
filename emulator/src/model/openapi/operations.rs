//! Operations to methods: each operation's integration, and warnings for the method settings
//! the emulator does not enforce (security, authorization, request validation).

use serde_json::Value;

use crate::model::api::Method;
use crate::scenario::document::{child_path, DocumentError};

use super::values::object;
use super::Importer;

impl Importer {
    pub(super) fn operation(
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
}
