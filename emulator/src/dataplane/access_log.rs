//! Stage access logs in API Gateway's form: a format string with `$context` variables, one line
//! per request, written to stdout or a file.
//!
//! Lines are rendered on the request path and handed to one writer task over a bounded channel,
//! so a slow disk never holds a request: when the channel is full the line is dropped and counted
//! (and the count logged), which is also what CloudWatch delivery does under pressure.
//!
//! It also owns [`Escaped`]: how text a client chose (paths, headers, causes quoting a backend)
//! is written into a line-oriented log, here and on stderr, so that it cannot forge lines.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::model::topology::AccessLogDestination;

/// Renders `format` with `$context.name` / `${context.name}` taken from `context` (a JSON
/// object, dotted names reaching into nested objects). Missing or empty values print `-`, as
/// API Gateway prints them. When the format is a JSON object, values are escaped for a JSON
/// string so that every line stays valid JSON; otherwise their control characters are escaped
/// ([`Escaped`]) so that every request stays one line.
pub fn render(format: &str, context: &Value) -> String {
    let json = format.trim_start().starts_with('{');
    let mut out = String::with_capacity(format.len() + 64);
    let mut rest = format;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (braced, body) = match after.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, after),
        };
        if let Some(var) = body.strip_prefix("context.") {
            let len = var
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
                .count();
            let name = var[..len].trim_end_matches('.');
            let closes = !braced || var[name.len()..].starts_with('}');
            if closes && !name.is_empty() {
                let value = name
                    .split('.')
                    .try_fold(context, |v, key| v.as_object()?.get(key));
                let text = match value {
                    None | Some(Value::Null) => "-".to_string(),
                    Some(Value::String(s)) if s.is_empty() => "-".to_string(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                };
                if json {
                    let quoted = Value::String(text).to_string();
                    out.push_str(&quoted[1..quoted.len() - 1]);
                } else {
                    out.push_str(&escape_control(&text));
                }
                rest = &var[name.len() + usize::from(braced)..];
                continue;
            }
        }
        out.push('$');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Text written into a line-oriented log with its control characters escaped: `\n`, `\r`,
/// `\t`, other C0 controls and DEL as `\xNN`, C1 controls and the Unicode line and paragraph
/// separators as `\u{NNNN}`. Everything else, quotes and backslashes included, is written as
/// is, so a line without control characters is unchanged.
///
/// AWS documents no escaping for non-JSON access log formats; this follows what Apache httpd
/// (whose Common Log Format API Gateway offers) does for control characters (decision in
/// docs/decisions.md, "Log lines").
pub struct Escaped<'a>(pub &'a str);

/// Whether `c` would break or recolour a log line.
fn needs_escape(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if (c as u32) < 0x80 => write!(f, "\\x{:02x}", c as u32)?,
                c => write!(f, "\\u{{{:04x}}}", c as u32)?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// `text` with its control characters escaped ([`Escaped`]); borrowed when it has none, as
/// nearly every value has.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if text.contains(needs_escape) {
        Cow::Owned(Escaped(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// Hands rendered lines to the writer task.
#[derive(Clone)]
pub struct AccessLogWriter {
    sender: mpsc::Sender<(AccessLogDestination, String)>,
    dropped: Arc<AtomicU64>,
}

impl AccessLogWriter {
    /// Starts the writer task (on the current Tokio runtime).
    pub fn start() -> AccessLogWriter {
        let (sender, mut receiver) = mpsc::channel::<(AccessLogDestination, String)>(65_536);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = dropped.clone();
        tokio::spawn(async move {
            let mut files: HashMap<PathBuf, std::io::BufWriter<std::fs::File>> = HashMap::new();
            let mut batch = Vec::with_capacity(256);
            while receiver.recv_many(&mut batch, 256).await > 0 {
                // Blocking writes off the async workers; one batch at a time.
                let work = std::mem::take(&mut batch);
                let mut taken = std::mem::take(&mut files);
                taken = tokio::task::spawn_blocking(move || {
                    write_batch(&mut taken, work);
                    taken
                })
                .await
                .unwrap_or_default();
                files = taken;
                let lost = counter.swap(0, Ordering::Relaxed);
                if lost > 0 {
                    tracing::warn!("{lost} access log lines were dropped: the writer fell behind");
                }
            }
        });
        AccessLogWriter { sender, dropped }
    }

    /// Queues a line; never waits.
    pub fn write(&self, destination: &AccessLogDestination, line: String) {
        if self.sender.try_send((destination.clone(), line)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn write_batch(
    files: &mut HashMap<PathBuf, std::io::BufWriter<std::fs::File>>,
    batch: Vec<(AccessLogDestination, String)>,
) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (destination, line) in batch {
        match destination {
            AccessLogDestination::Stdout => {
                let _ = writeln!(out, "{line}");
            }
            AccessLogDestination::File(path) => {
                if !files.contains_key(&path) {
                    match std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                    {
                        Ok(f) => {
                            files.insert(path.clone(), std::io::BufWriter::new(f));
                        }
                        Err(e) => {
                            tracing::warn!(path = %path.display(), "cannot open the access log: {e}");
                            continue;
                        }
                    }
                }
                if let Some(f) = files.get_mut(&path) {
                    let _ = writeln!(f, "{line}");
                }
            }
        }
    }
    let _ = out.flush();
    for f in files.values_mut() {
        let _ = f.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_render_context_variables_like_api_gateway() {
        let ctx = serde_json::json!({
            "requestId": "r-1", "status": 403, "identity": {"sourceIp": "10.0.0.1", "userAgent": "a \"b\""},
            "error": {"message": ""}
        });
        assert_eq!(
            render("$context.identity.sourceIp $context.requestId [$context.status] $context.error.message $context.nope.", &ctx),
            "10.0.0.1 r-1 [403] - -."
        );
        assert_eq!(
            render(
                r#"{"ua":"$context.identity.userAgent","s":"${context.status}"}"#,
                &ctx
            ),
            r#"{"ua":"a \"b\"","s":"403"}"#
        );
        assert_eq!(render("$5 $contexts $", &ctx), "$5 $contexts $");
    }

    #[test]
    fn control_characters_cannot_forge_lines() {
        let ctx = serde_json::json!({
            "path": "/x\r\n127.0.0.1 - - [forged] \"GET / HTTP/1.1\" 200",
            "identity": {"userAgent": "\u{1b}[31mred\t\u{7f}\u{85}\u{2028}end"},
            "requestId": "a\\nb \"q\""
        });
        let line = render(
            "$context.path $context.identity.userAgent $context.requestId",
            &ctx,
        );
        assert!(!line.contains(['\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{2028}']));
        assert_eq!(
            line,
            r#"/x\r\n127.0.0.1 - - [forged] "GET / HTTP/1.1" 200 \x1b[31mred\t\x7f\u{0085}\u{2028}end a\nb "q""#
        );
        // JSON formats keep JSON's own escapes: the line is one valid JSON object.
        let json = render(r#"{"p":"$context.path"}"#, &ctx);
        assert_eq!(json.lines().count(), 1);
        let parsed: Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(parsed["p"], ctx["path"]);
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            escape_control("/prod/pets?x=%0d%0a"),
            Cow::Borrowed(_)
        ));
        assert_eq!(Escaped("a\u{0}b").to_string(), "a\\x00b");
    }
}
