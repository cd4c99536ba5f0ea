//! `$util`: `escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`,
//! `base64Decode`, each of one argument, printed as a string first.

use base64::Engine as _;
use serde_json::Value;

use crate::error::VtlError;
use crate::render::Renderer;
use crate::value::{display, Step};

impl Renderer<'_, '_> {
    /// `$util` followed by `step`; null for anything but a known function of one non-null
    /// argument.
    pub(crate) fn util_member(&self, step: &Step<'_>) -> Result<Value, VtlError> {
        let Step::Method(name, args) = step else {
            return Ok(Value::Null);
        };
        let s = match args.as_slice() {
            [Value::Null] => return Ok(Value::Null),
            [v] => display(v),
            _ => return Ok(Value::Null),
        };
        self.spend_text(&s)?;
        let fail = |what: &str| self.fail(format!("$util.{name}: {what}"));
        let v = match *name {
            "escapeJavaScript" => Value::String(escape_javascript(&s)),
            "parseJson" => serde_json::from_str(&s).map_err(|e| fail(&e.to_string()))?,
            "urlEncode" => Value::String(url_encode(&s)),
            "urlDecode" => Value::String(url_decode(&s).ok_or_else(|| fail("malformed escape"))?),
            "base64Encode" => Value::String(base64::engine::general_purpose::STANDARD.encode(&s)),
            "base64Decode" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .map_err(|e| fail(&e.to_string()))?;
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => Value::Null,
        };
        self.charge(&v)?;
        Ok(v)
    }
}

fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `application/x-www-form-urlencoded`, as Java's `URLEncoder` does it.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn url_decode(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = [it.next()?, it.next()?];
                let hex = std::str::from_utf8(&hex).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
            }
            b => bytes.push(b),
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
