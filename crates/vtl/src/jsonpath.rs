//! The JSONPath subset `$input.path` and `$input.json` take: `$`, `.name`, `['name']`, `[0]`,
//! `[-1]`, `[*]`, `.*`.

use serde_json::Value;

enum PathStep {
    Key(String),
    Index(i64),
    All,
}

/// A parsed path; `multi` when a wildcard makes the result a list of matches.
pub(crate) struct JsonPath {
    steps: Vec<PathStep>,
    multi: bool,
}

impl JsonPath {
    /// Parses `path`; the error says what is wrong with it.
    pub(crate) fn parse(path: &str) -> Result<JsonPath, String> {
        let path = path.trim();
        let mut rest = path.strip_prefix('$').ok_or("must start with '$'")?;
        let (mut steps, mut multi) = (Vec::new(), false);
        while !rest.is_empty() {
            if rest.starts_with("..") {
                return Err("recursive descent '..' is not supported by apigw-emulator".into());
            }
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                let (name, r) = r.split_at(end);
                match name {
                    "" => return Err("empty name after '.'".into()),
                    "*" => {
                        multi = true;
                        steps.push(PathStep::All);
                    }
                    _ => steps.push(PathStep::Key(name.to_string())),
                }
                rest = r;
            } else if let Some(r) = rest.strip_prefix('[') {
                let (step, r) = bracket(r.trim_start(), &mut multi)?;
                rest = r.trim_start().strip_prefix(']').ok_or("expected ']'")?;
                steps.push(step);
            } else {
                return Err(format!("unexpected {rest:?}"));
            }
        }
        Ok(JsonPath { steps, multi })
    }

    /// What the path finds in `root`: a copy of the first match, or of all as a list when the
    /// path has a wildcard.
    pub(crate) fn select(&self, root: &Value) -> Option<Value> {
        let mut cur = vec![root];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in cur {
                match (step, v) {
                    (PathStep::Key(k), Value::Object(m)) => next.extend(m.get(k)),
                    (PathStep::Index(i), Value::Array(a)) => {
                        let i = if *i < 0 {
                            a.len().checked_sub(i.unsigned_abs() as usize)
                        } else {
                            usize::try_from(*i).ok()
                        };
                        next.extend(i.and_then(|i| a.get(i)));
                    }
                    (PathStep::All, Value::Array(a)) => next.extend(a.iter()),
                    (PathStep::All, Value::Object(m)) => next.extend(m.values()),
                    _ => {}
                }
            }
            cur = next;
        }
        if self.multi {
            Some(Value::Array(cur.into_iter().cloned().collect()))
        } else {
            cur.first().map(|v| (*v).clone())
        }
    }
}

/// The inside of `[…]` (`'name'`, `"name"`, `0`, `-1`, `*`) and what follows it.
fn bracket<'p>(r: &'p str, multi: &mut bool) -> Result<(PathStep, &'p str), String> {
    let quote = r.chars().next().filter(|c| *c == '\'' || *c == '"');
    if let Some(q) = quote {
        let body = &r[1..];
        let end = body.find(q).ok_or("unclosed quote")?;
        return Ok((PathStep::Key(body[..end].to_string()), &body[end + 1..]));
    }
    let end = r.find(']').ok_or("unclosed '['")?;
    let inner = r[..end].trim();
    let step = if inner == "*" {
        *multi = true;
        PathStep::All
    } else {
        PathStep::Index(
            inner
                .parse()
                .map_err(|_| format!("unsupported index {inner:?}"))?,
        )
    };
    Ok((step, &r[end..]))
}
