//! Reading the documents users bring (OpenAPI definitions, CloudFormation templates) as JSON
//! or YAML into one tree, and naming places in that tree as JSON paths.
//!
//! YAML is converted to JSON values the way AWS's importers read it: map keys become strings
//! (`200:` is the key `"200"`), and CloudFormation's short-form tags become their long form
//! (`!Ref X` is `{"Ref": "X"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` is
//! `{"Fn::Sub": s}`), so every later stage sees one shape.

use serde_json::Value;

/// A document that could not be read: where (a JSON path, or `$` with a line and column in the
/// message) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DocumentError {
    /// A JSON path such as `$.paths['/pets'].get`.
    pub path: String,
    /// What was expected, or what is wrong.
    pub message: String,
}

impl DocumentError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> DocumentError {
        DocumentError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Parses JSON, or YAML when the text is not JSON (YAML is a superset, but JSON's error
/// messages are better for JSON files).
pub fn parse(text: &str) -> Result<Value, DocumentError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(trimmed)
            .map_err(|e| DocumentError::new("$", format!("not valid JSON: {e}")));
    }
    let yaml: serde_norway::Value = serde_norway::from_str(text)
        .map_err(|e| DocumentError::new("$", format!("not valid JSON or YAML: {e}")))?;
    yaml_to_json(yaml, "$")
}

fn yaml_to_json(value: serde_norway::Value, path: &str) -> Result<Value, DocumentError> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| yaml_to_json(v, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    _ => {
                        return Err(DocumentError::new(
                            path,
                            "expected map keys that are strings or numbers",
                        ))
                    }
                };
                let child = child_path(path, &key);
                out.insert(key, yaml_to_json(v, &child)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = yaml_to_json(tagged.value, path)?;
            match name {
                "Ref" | "Condition" => single(name, inner),
                // `!GetAtt Resource.Attribute` is the string form of a two-element list.
                "GetAtt" => match inner {
                    Value::String(s) => match s.split_once('.') {
                        Some((resource, attribute)) => single(
                            "Fn::GetAtt",
                            Value::Array(vec![resource.into(), attribute.into()]),
                        ),
                        None => {
                            return Err(DocumentError::new(
                                path,
                                format!("!GetAtt expects Resource.Attribute, found {s:?}"),
                            ))
                        }
                    },
                    other => single("Fn::GetAtt", other),
                },
                other => single(&format!("Fn::{other}"), inner),
            }
        }
    })
}

fn single(key: &str, value: Value) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(key.to_string(), value);
    Value::Object(map)
}

/// The path of an object member: `$.info` or `$.paths['/pets/{petId}']`.
pub fn child_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'$')
        && !key.as_bytes()[0].is_ascii_digit();
    if plain {
        format!("{parent}.{key}")
    } else {
        format!(
            "{parent}['{}']",
            key.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }
}

/// Appends a document-relative path (`$.paths...`) to the path of the place the document sits
/// in (`$.restApis[0].body`).
pub fn join_path(base: &str, inner: &str) -> String {
    match inner.strip_prefix('$') {
        Some(rest) => format!("{base}{rest}"),
        None => format!("{base}.{inner}"),
    }
}

/// A short name of a JSON value's type, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keys_become_strings_and_short_tags_long_form() {
        let v = parse(
            "responses:\n  200:\n    x: !Ref Api\n  default: !GetAtt Fn.Arn\nsub: !Sub 'a-${X}'\n",
        )
        .unwrap();
        assert_eq!(
            v["responses"]["200"]["x"],
            serde_json::json!({"Ref": "Api"})
        );
        assert_eq!(
            v["responses"]["default"],
            serde_json::json!({"Fn::GetAtt": ["Fn", "Arn"]})
        );
        assert_eq!(v["sub"], serde_json::json!({"Fn::Sub": "a-${X}"}));
    }

    #[test]
    fn json_errors_say_where() {
        let e = parse("{\"a\": }").unwrap_err();
        assert!(e.message.contains("line 1"), "{e}");
        let e = parse("a: [").unwrap_err();
        assert!(e.message.contains("line"), "{e}");
    }

    #[test]
    fn paths_quote_keys_that_need_it() {
        assert_eq!(child_path("$", "info"), "$.info");
        assert_eq!(child_path("$.paths", "/pets/{id}"), "$.paths['/pets/{id}']");
        assert_eq!(child_path("$.r", "200"), "$.r['200']");
        assert_eq!(
            join_path("$.restApis[0].body", "$.paths"),
            "$.restApis[0].body.paths"
        );
    }
}
