//! `/console/explain`: a form taking a curl command line and a source address; with a command,
//! the page also shows what [`crate::teach::explain`] found (steps, the response or what would be
//! called, the fixes).
//!
//! A `GET` is a dry run: it calls no backend and no function, so a link (or another site's
//! image tag) can do no harm. Sending for real is the second form, a `POST` carrying the
//! console's token, which the control plane's guard checks before the page runs.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::html::{self, escape, Nav};
use super::Console;
use crate::controlplane::{ControlRequest, ControlResponse};
use crate::teach::explain::{explain_with, parse_curl, Explanation, Mode};

const DEFAULT_SOURCE: &str = "127.0.0.1";

/// Longest command line accepted: a pasted curl command, not a document.
const MAX_COMMAND: usize = 64 * 1024;

/// Most of a response body the page shows (an integration may answer megabytes).
const MAX_BODY_SHOWN: usize = 64 * 1024;

/// `GET /console/explain`: the form, and a dry run of the command in the query.
pub(super) async fn page(req: &ControlRequest, console: &Console) -> ControlResponse {
    render_page(&req.query, console, Mode::DryRun).await
}

/// `POST /console/explain` (token checked by the guard): the command in the form, sent for real.
pub(super) async fn send(req: &ControlRequest, console: &Console) -> ControlResponse {
    let form = crate::controlplane::server::parse_query(&String::from_utf8_lossy(&req.body));
    render_page(&form, console, Mode::Send).await
}

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn render_page(
    fields: &[(String, String)],
    console: &Console,
    mode: Mode,
) -> ControlResponse {
    let command = field(fields, "command").unwrap_or("").trim();
    let from = field(fields, "from")
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or(DEFAULT_SOURCE);
    let mut out = String::new();
    let _ = write!(
        out,
        "<section><form method=\"get\" action=\"/console/explain\" id=\"explain-form\">\
<label for=\"command\">curl command line</label>\
<textarea id=\"command\" name=\"command\" rows=\"4\" placeholder=\"curl -H 'x-apigw-api-id:abc1234567' https://vpce-….execute-api.us-east-1.vpce.amazonaws.com/test\">{}</textarea>\
<label for=\"from\">Source address (who sends it)</label>\
<input type=\"text\" id=\"from\" name=\"from\" value=\"{}\">\
<div><button type=\"submit\">Explain</button></div></form></section>",
        escape(command),
        escape(from)
    );
    let mut status = 200;
    if !command.is_empty() {
        match run(command, from, console, mode).await {
            Ok(explanation) => {
                render(&explanation, mode, &mut out);
                send_form(command, from, console.token(), &mut out);
            }
            Err(message) => {
                status = 400;
                let _ = write!(
                    out,
                    "<p id=\"explain-error\" class=\"error\">{}</p>",
                    escape(&message)
                );
            }
        }
    }
    html::response(
        status,
        html::page("Explain a request", Nav::Explain, None, &out),
    )
}

/// The second form: the same request, sent for real (a `POST` with the console's token).
fn send_form(command: &str, from: &str, token: &str, out: &mut String) {
    let _ = write!(
        out,
        "<section><form method=\"post\" action=\"/console/explain\" id=\"send-form\">\
<input type=\"hidden\" name=\"command\" value=\"{}\">\
<input type=\"hidden\" name=\"from\" value=\"{}\">\
<input type=\"hidden\" name=\"token\" value=\"{}\">\
<p class=\"muted\">Explaining calls no backend and no function. Sending calls the integration for real.</p>\
<div><button type=\"submit\">Send it for real</button></div></form></section>",
        escape(command),
        escape(from),
        escape(token)
    );
}

async fn run(
    command: &str,
    from: &str,
    console: &Console,
    mode: Mode,
) -> Result<Explanation, String> {
    if command.len() > MAX_COMMAND {
        return Err(format!(
            "the command line is {} bytes; the console takes at most {MAX_COMMAND}",
            command.len()
        ));
    }
    let source: IpAddr = from
        .parse()
        .map_err(|_| format!("source address {from:?} is not an IP address"))?;
    let mut words = split_command_line(command)?;
    if words.first().is_some_and(|w| w == "curl") {
        words.remove(0);
    }
    let request = parse_curl(&words, source).map_err(|e| e.to_string())?;
    let topology = console.topology.load_full();
    Ok(explain_with(
        &topology,
        &console.gateway,
        console.https_port,
        &request,
        mode,
    )
    .await)
}

fn render(explanation: &Explanation, mode: Mode, out: &mut String) {
    out.push_str("<section><h2>Steps</h2><ol id=\"explain-steps\">");
    for step in &explanation.steps {
        let _ = write!(out, "<li>{}</li>", escape(step));
    }
    out.push_str("</ol></section><section id=\"explain-response\"><h2>Response</h2>");
    if mode == Mode::Send {
        out.push_str("<p id=\"explain-sent\">Sent for real: the integration was called.</p>");
    }
    match &explanation.response {
        None if explanation.would_call.is_some() => {
            let _ = write!(
                out,
                "<p id=\"explain-would-call\" class=\"muted\">Not sent: a dry run stops before the integration. It would call <code>{}</code>.</p>",
                escape(explanation.would_call.as_deref().unwrap_or_default())
            );
        }
        None => out.push_str(
            "<p id=\"explain-status\" class=\"bad\">No response: the client gets no answer at all.</p>",
        ),
        Some(r) => {
            let reason = http::StatusCode::from_u16(r.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let _ = write!(
                out,
                "<p id=\"explain-status\" data-status=\"{}\"><code>HTTP/1.1 {} {}</code></p><table id=\"explain-headers\"><tbody><tr><th>Content-Type</th><td><code>{}</code></td></tr>",
                r.status,
                r.status,
                escape(reason),
                escape(&r.content_type)
            );
            for (name, value) in &r.headers {
                let _ = write!(
                    out,
                    "<tr><th>{}</th><td><code>{}</code></td></tr>",
                    escape(name),
                    escape(value)
                );
            }
            let shown = &r.body[..r.body.len().min(MAX_BODY_SHOWN)];
            let _ = write!(
                out,
                "</tbody></table><pre id=\"explain-body\">{}</pre>",
                escape(&String::from_utf8_lossy(shown))
            );
            if r.body.len() > MAX_BODY_SHOWN {
                let _ = write!(
                    out,
                    "<p class=\"muted\">The first {MAX_BODY_SHOWN} of {} bytes.</p>",
                    r.body.len()
                );
            }
        }
    }
    out.push_str("</section><section><h2>Fixes</h2><ul id=\"explain-fixes\">");
    if explanation.fixes.is_empty() {
        out.push_str("<li class=\"ok\">None needed: the request succeeds as it is.</li>");
    }
    for fix in &explanation.fixes {
        let _ = write!(out, "<li class=\"fix\">{}</li>", escape(fix));
    }
    out.push_str("</ul></section>");
}

/// Splits a command line as a POSIX shell would for a plain command: single and double quotes,
/// backslash escapes, and backslash-newline continuations (commands pasted from docs span lines).
/// No expansion: `$VAR` stays as written.
pub(super) fn split_command_line(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => {}
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some(next) => {
                    word.push(next);
                    in_word = true;
                }
                None => return Err("the command line ends with a lone backslash".to_string()),
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("a single quote is not closed".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("a double quote is not closed".to_string()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("a double quote is not closed".to_string()),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split_command_line(line).expect("splits")
    }

    #[test]
    fn command_lines_split_as_a_shell_splits_them() {
        assert_eq!(
            words("curl -H 'x-apigw-api-id: abc' \\\n  \"https://h/test?a=1&b=\\\"2\\\"\" -d '' "),
            vec![
                "curl",
                "-H",
                "x-apigw-api-id: abc",
                "https://h/test?a=1&b=\"2\"",
                "-d",
                ""
            ]
        );
        assert_eq!(words("a\\ b c\\\r\nd"), vec!["a b", "cd"]);
        assert_eq!(words("\"a\\nb\" $X"), vec!["a\\nb", "$X"]);
        assert!(words("   ").is_empty());
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        assert_eq!(
            split_command_line("curl 'abc"),
            Err("a single quote is not closed".to_string())
        );
        assert_eq!(
            split_command_line("curl \"abc"),
            Err("a double quote is not closed".to_string())
        );
        assert_eq!(
            split_command_line("curl \\"),
            Err("the command line ends with a lone backslash".to_string())
        );
    }
}
