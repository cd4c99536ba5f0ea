//! The Java methods a template can call on values: strings (`length`, `substring`,
//! `replaceAll`, `split`, …, indices in UTF-16 units as Java counts them), lists and maps
//! (`size`, `get`, `keySet`, `put`, `add`, …), and `toString`/`equals` on anything.

use serde_json::Value;

use crate::error::VtlError;
use crate::limits::{MAX_REGEX_SIZE, REGEX_CACHE};
use crate::render::Renderer;
use crate::value::{as_int, display, index_of, values_equal};

impl Renderer<'_, '_> {
    pub(crate) fn call(&self, recv: &Value, name: &str, args: &[Value]) -> Result<Value, VtlError> {
        let r = match (recv, name, args) {
            (_, "toString", []) => Value::String(display(recv)),
            (_, "equals", [x]) => Value::Bool(
                std::mem::discriminant(recv) == std::mem::discriminant(x) && values_equal(recv, x),
            ),
            (Value::String(s), ..) => {
                self.spend_text(s)?;
                self.string_method(s, name, args)?
            }
            (Value::Array(a), "size", []) => Value::from(a.len()),
            (Value::Array(a), "isEmpty", []) => Value::Bool(a.is_empty()),
            (Value::Array(a), "get", [i]) => index_of(i, a.len())
                .and_then(|i| a.get(i))
                .cloned()
                .unwrap_or(Value::Null),
            (Value::Array(a), "contains" | "indexOf", [x]) => {
                self.spend(a.len() as u64)?;
                let found = a.iter().position(|y| values_equal(x, y));
                if name == "contains" {
                    Value::Bool(found.is_some())
                } else {
                    found.map_or(Value::from(-1), Value::from)
                }
            }
            (Value::Object(m), "size", []) => Value::from(m.len()),
            (Value::Object(m), "isEmpty", []) => Value::Bool(m.is_empty()),
            (Value::Object(m), "get", [k]) => m.get(&display(k)).cloned().unwrap_or(Value::Null),
            (Value::Object(m), "containsKey", [k]) => Value::Bool(m.contains_key(&display(k))),
            (Value::Object(m), "keySet", []) => {
                Value::Array(m.keys().map(|k| Value::String(k.clone())).collect())
            }
            (Value::Object(m), "values", []) => Value::Array(m.values().cloned().collect()),
            // A receiver that is no variable's own value (a method's result, `$input.path`) or
            // an unknown method: `put` and the like change a copy, and return what they would.
            (Value::Object(_) | Value::Array(_), ..) => {
                self.charge(recv)?;
                mutate(&mut recv.clone(), name, args.to_vec())
            }
            _ => Value::Null,
        };
        self.charge(&r)?;
        Ok(r)
    }

    /// `pattern` compiled, from the render's cache when it is there; `whole` anchors it at both
    /// ends, as Java's `matches` does.
    fn regex(&self, pattern: &str, whole: bool) -> Result<regex::Regex, VtlError> {
        let pattern = if whole {
            format!("^(?:{pattern})$")
        } else {
            pattern.to_string()
        };
        if let Some(re) = self
            .regexes
            .try_borrow()
            .ok()
            .and_then(|c| c.get(&pattern).cloned())
        {
            return Ok(re);
        }
        let re = regex::RegexBuilder::new(&pattern)
            .size_limit(MAX_REGEX_SIZE)
            .dfa_size_limit(MAX_REGEX_SIZE)
            .build()
            .map_err(|e| self.fail(format!("unsupported regular expression {pattern:?}: {e}")))?;
        if let Ok(mut cache) = self.regexes.try_borrow_mut() {
            if cache.len() < REGEX_CACHE {
                cache.insert(pattern, re.clone());
            }
        }
        Ok(re)
    }

    fn string_method(&self, s: &str, name: &str, args: &[Value]) -> Result<Value, VtlError> {
        let text = |i: usize| args.get(i).map(display).unwrap_or_default();
        let v = match (name, args.len()) {
            ("length" | "size", 0) => Value::from(s.encode_utf16().count()),
            ("isEmpty", 0) => Value::Bool(s.is_empty()),
            ("contains", 1) => Value::Bool(s.contains(&text(0))),
            ("startsWith", 1) => Value::Bool(s.starts_with(&text(0))),
            ("endsWith", 1) => Value::Bool(s.ends_with(&text(0))),
            ("equalsIgnoreCase", 1) => Value::Bool(s.to_lowercase() == text(0).to_lowercase()),
            ("indexOf" | "lastIndexOf", 1) => find_utf16(s, &text(0), name == "indexOf"),
            ("substring", 1 | 2) | ("charAt", 1) => self.substring(s, name, args)?,
            ("toLowerCase", 0) => Value::String(s.to_lowercase()),
            ("toUpperCase", 0) => Value::String(s.to_uppercase()),
            ("trim", 0) => Value::String(s.trim_matches(|c| c <= ' ').to_string()),
            ("concat", 1) => Value::String(format!("{s}{}", text(0))),
            ("replace", 2) => Value::String(s.replace(&text(0), &text(1))),
            ("replaceAll" | "replaceFirst", 2) => {
                let re = self.regex(&text(0), false)?;
                let rep = java_replacement(&text(1));
                let limit = if name == "replaceAll" { 0 } else { 1 };
                Value::String(re.replacen(s, limit, rep.as_str()).into_owned())
            }
            ("matches", 1) => Value::Bool(self.regex(&text(0), true)?.is_match(s)),
            ("split", 1) => self.split(s, &text(0))?,
            _ => Value::Null,
        };
        self.sized(v)
    }

    /// `substring(a)`, `substring(a, b)` and `charAt(a)`, which fail out of range as Java's do.
    fn substring(&self, s: &str, name: &str, args: &[Value]) -> Result<Value, VtlError> {
        let int = |i: usize| args.get(i).and_then(as_int);
        let out_of_range = || self.fail(format!("{name}: string index out of range"));
        let u: Vec<u16> = s.encode_utf16().collect();
        let a = int(0)
            .and_then(|a| usize::try_from(a).ok())
            .ok_or_else(out_of_range)?;
        let b = match (name, int(1)) {
            ("charAt", _) => a.saturating_add(1),
            (_, Some(b)) => usize::try_from(b).map_err(|_| out_of_range())?,
            _ if args.len() == 2 => return Ok(Value::Null),
            _ => u.len(),
        };
        Ok(Value::String(String::from_utf16_lossy(
            u.get(a..b).ok_or_else(out_of_range)?,
        )))
    }

    /// Java's `split`: trailing empty strings are dropped, and so is a leading one that an
    /// empty match at the start made.
    fn split(&self, s: &str, pattern: &str) -> Result<Value, VtlError> {
        let re = self.regex(pattern, false)?;
        let mut parts: Vec<&str> = if s.is_empty() {
            vec![""]
        } else {
            re.split(s).collect()
        };
        if !s.is_empty() {
            let leading_empty_match = re.find(s).is_some_and(|m| m.end() == 0);
            if leading_empty_match && parts.first() == Some(&"") {
                parts.remove(0);
            }
            while parts.last() == Some(&"") {
                parts.pop();
            }
        }
        Ok(Value::Array(
            parts
                .into_iter()
                .map(|p| Value::String(p.to_string()))
                .collect(),
        ))
    }
}

/// `indexOf` (`first`) or `lastIndexOf`, in UTF-16 units; -1 when absent.
fn find_utf16(s: &str, needle: &str, first: bool) -> Value {
    let (hay, needle) = (
        s.encode_utf16().collect::<Vec<u16>>(),
        needle.encode_utf16().collect::<Vec<u16>>(),
    );
    let found = if needle.is_empty() {
        Some(if first { 0 } else { hay.len() })
    } else if first {
        hay.windows(needle.len())
            .position(|w| w == needle.as_slice())
    } else {
        hay.windows(needle.len())
            .rposition(|w| w == needle.as_slice())
    };
    found.map_or(Value::from(-1), Value::from)
}

/// The in-place methods of maps and lists (`put`, `add`, `remove`, `putAll`).
pub(crate) fn mutate(target: &mut Value, method: &str, args: Vec<Value>) -> Value {
    let mut args = args.into_iter();
    match (target, method, args.next(), args.next(), args.next()) {
        (Value::Object(m), "put", Some(k), Some(v), None) => {
            m.insert(display(&k), v).unwrap_or(Value::Null)
        }
        (Value::Object(m), "remove", Some(k), None, None) => {
            m.shift_remove(&display(&k)).unwrap_or(Value::Null)
        }
        (Value::Object(m), "putAll", Some(Value::Object(other)), None, None) => {
            m.extend(other);
            Value::Null
        }
        (Value::Array(a), "add", Some(v), None, None) => {
            a.push(v);
            Value::Bool(true)
        }
        (Value::Array(a), "remove", Some(i), None, None) => match index_of(&i, a.len()) {
            Some(i) => a.remove(i),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// A Java `replaceAll` replacement (`$1`, `\$`) in the `regex` crate's syntax.
fn java_replacement(rep: &str) -> String {
    let mut out = String::new();
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(n) => out.push(n),
                None => {}
            },
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}
