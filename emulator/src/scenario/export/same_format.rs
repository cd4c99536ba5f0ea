//! Exports in the format the document is stored in: the body as stored, with only what AWS's
//! exports add or move.

use serde_json::{Map, Value};

use super::shape::{into_object, object_at, ordered_operation};
use super::{Body, OPERATION_KEYS};

/// Swagger as stored, with the document-wide `consumes`/`produces` written on each operation
/// that lacks its own, as AWS's exports carry them (the header is rebuilt without them).
pub(super) fn swagger_body_from_swagger(root: &Map<String, Value>) -> Body {
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

pub(super) fn openapi_body_from_openapi(root: &Map<String, Value>) -> Body {
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
