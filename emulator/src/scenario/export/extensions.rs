//! The `extensions` parameter of `get-export`: which `x-amazon-apigateway-*` keys an export
//! keeps, and the pass that drops the others from a converted document.

use serde_json::{Map, Value};

use super::shape::values_mut;
use super::{EXTENSION_PREFIX, OPERATION_KEYS};

/// Which `x-amazon-apigateway-*` keys the `extensions` parameter keeps.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct KeptExtensions {
    integrations: bool,
    authorizers: bool,
    all: bool,
}

impl KeptExtensions {
    /// The CLI sends several as one comma-separated value (`extensions=integrations,authorizers`);
    /// unknown names (and `postman`, whose extensions the emulator does not write) add nothing.
    pub(super) fn from_parameter(extensions: &[&str]) -> KeptExtensions {
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

    pub(super) fn filter_document(&self, root: &mut Map<String, Value>) {
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
