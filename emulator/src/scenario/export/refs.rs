//! `$ref`s across the two formats: rewriting schema references between `#/definitions/` and
//! `#/components/schemas/`, and following a local reference to what it names so sections one
//! format has and the other lacks can be written inline.

use serde_json::{Map, Value};

use super::shape::into_object;
use super::Body;

impl Body {
    /// A body converted into the other format, its `$ref`s (in paths and schemas) rewritten
    /// with `rewrites`; the other shared sections were written inline, so it carries none.
    pub(super) fn converted(
        paths: Map<String, Value>,
        schemas: Map<String, Value>,
        security_schemes: Map<String, Value>,
        rewrites: &[(&str, &str)],
    ) -> Body {
        let mut paths = Value::Object(paths);
        rewrite_refs(&mut paths, rewrites);
        let mut schemas = Value::Object(schemas);
        rewrite_refs(&mut schemas, rewrites);
        Body {
            paths: into_object(paths),
            schemas: into_object(schemas),
            security_schemes,
            other_components: Map::new(),
        }
    }
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

pub(super) const SWAGGER_TO_OPENAPI_REFS: &[(&str, &str)] =
    &[("#/definitions/", "#/components/schemas/")];
pub(super) const OPENAPI_TO_SWAGGER_REFS: &[(&str, &str)] =
    &[("#/components/schemas/", "#/definitions/")];

/// Follows a local `$ref` (`#/parameters/p`, `#/components/responses/r`) to what it names, so
/// sections one format has and the other lacks can be written inline.
pub(super) fn resolve<'v>(root: &'v Map<String, Value>, value: &'v Value) -> &'v Value {
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
