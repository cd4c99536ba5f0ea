//! `$input`: the body (`$input.body`, `$input.path`, `$input.json`) and the request's
//! parameters (`$input.params()`, `$input.params(name)`).

use serde_json::{Map, Value};

use crate::error::VtlError;
use crate::jsonpath::JsonPath;
use crate::render::Renderer;
use crate::value::{display, Step};

impl Renderer<'_, '_> {
    /// The body as JSON, parsed once a render; an empty body is `{}`, one that is not JSON none.
    fn body_json(&self) -> Option<&Value> {
        self.body
            .get_or_init(|| {
                let body = self.input.body.trim();
                if body.is_empty() {
                    Some(Value::Object(Map::new()))
                } else {
                    serde_json::from_str(body).ok()
                }
            })
            .as_ref()
    }

    /// `$input.path(p)`: the value at a JSONPath of the body (`None` when absent).
    fn json_path(&self, path: &str) -> Result<Option<Value>, VtlError> {
        let path =
            JsonPath::parse(path).map_err(|e| self.fail(format!("JSONPath {path:?}: {e}")))?;
        let Some(body) = self.body_json() else {
            return Ok(None);
        };
        let found = path.select(body);
        if let Some(v) = &found {
            self.charge(v)?;
        }
        Ok(found)
    }

    /// `$input` followed by `step`.
    pub(crate) fn input_member(&self, step: &Step<'_>) -> Result<Value, VtlError> {
        let lists = [
            ("path", self.input.path_params),
            ("querystring", self.input.query_params),
            ("header", self.input.headers),
        ];
        let (name, args, method) = match step {
            Step::Prop(n) => (*n, &[][..], false),
            Step::Method(n, a) => (*n, a.as_slice(), true),
            Step::Index(_) => return Ok(Value::Null),
        };
        Ok(match (name, args, method) {
            ("body", [], false) => {
                self.spend_text(self.input.body)?;
                Value::String(self.input.body.to_string())
            }
            ("params", [], _) => {
                let mut all = Map::new();
                for (name, list) in lists {
                    let m: Map<String, Value> = list
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect();
                    all.insert(name.to_string(), Value::Object(m));
                }
                all.into()
            }
            ("params", [name], true) => {
                let name = display(name);
                // Path first, then query string, then headers (those case-insensitively).
                let found = lists.iter().find_map(|(kind, list)| {
                    list.iter()
                        .find(|(k, _)| {
                            if *kind == "header" {
                                k.eq_ignore_ascii_case(&name)
                            } else {
                                *k == name
                            }
                        })
                        .map(|(_, v)| v.clone())
                });
                Value::String(found.unwrap_or_default())
            }
            ("path", [p], true) => self.json_path(&display(p))?.unwrap_or(Value::Null),
            ("json", [p], true) => Value::String(
                self.json_path(&display(p))?
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            _ => Value::Null,
        })
    }
}
