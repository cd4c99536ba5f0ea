//! `/console/requests` and `/console/requests/<seq>`: the request log, as a list refreshing
//! itself and as one request's full trace.

use std::fmt::Write as _;

use super::html::{self, escape, Nav};
use crate::controlplane::ControlResponse;
use crate::dataplane::gateway::request_log::{LoggedRequest, RequestLog};

/// Seconds between reloads of the list (a meta refresh: the page runs no script).
const REFRESH_SECONDS: u32 = 5;

fn status_class(status: u16) -> &'static str {
    match status {
        200..=399 => "ok",
        400..=499 => "warn",
        _ => "bad",
    }
}

fn decision_class(decision: &str) -> &'static str {
    match decision {
        "Allow" => "ok",
        // Refused before any policy was evaluated.
        "-" => "muted",
        _ => "bad",
    }
}

fn clock(t: time::OffsetDateTime) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn milliseconds(d: std::time::Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn or_dash(value: Option<&str>) -> String {
    escape(value.unwrap_or("-"))
}

/// Why the request was refused, as the log says it (empty when it was served).
fn reason_text(e: &LoggedRequest) -> String {
    e.trace
        .reason
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

pub(super) fn list(log: &RequestLog) -> ControlResponse {
    let entries = log.recent();
    let mut out = String::new();
    let _ = write!(
        out,
        "<p class=\"muted\">The last {} requests through the HTTPS front end, newest first ({} since the start). This page reloads every {REFRESH_SECONDS} seconds.</p>",
        log.capacity(),
        log.total()
    );
    out.push_str("<section><table id=\"requests\"><thead><tr><th>#</th><th>Time (UTC)</th><th>Source</th><th>Endpoint</th><th>Request</th><th>Status</th><th>API</th><th>Stage</th><th>Resource</th><th>Decision</th><th>Reason</th><th>ms</th></tr></thead><tbody>");
    if entries.is_empty() {
        out.push_str(
            "<tr id=\"no-requests\"><td colspan=\"12\" class=\"muted\">No requests yet.</td></tr>",
        );
    }
    for e in &entries {
        row(e, &mut out);
    }
    out.push_str("</tbody></table></section>");
    html::response(
        200,
        html::page(
            "Recent requests",
            Nav::Requests,
            Some(REFRESH_SECONDS),
            &out,
        ),
    )
}

fn row(e: &LoggedRequest, out: &mut String) {
    let decision = e.trace.decision_name();
    let _ = write!(
        out,
        "<tr data-request-seq=\"{seq}\" data-status=\"{status}\" data-decision=\"{d}\"><td><a href=\"/console/requests/{seq}\">{seq}</a></td><td class=\"mono\">{}</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"request\"><code>{} {}</code><div class=\"host\">{}</div></td><td class=\"status {}\">{status}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"decision {}\">{d}</td><td class=\"reason\">{}</td><td class=\"mono\">{}</td></tr>",
        clock(e.time),
        e.source.ip(),
        or_dash(e.trace.endpoint.as_deref()),
        escape(&e.method),
        escape(&e.target),
        escape(&e.host),
        status_class(e.status),
        or_dash(e.trace.api.as_deref()),
        or_dash(e.trace.stage.as_deref()),
        or_dash(e.trace.resource.as_deref()),
        decision_class(decision),
        escape(&reason_text(e)),
        milliseconds(e.latency),
        seq = e.seq,
        status = e.status,
        d = escape(decision),
    );
}

pub(super) fn detail(log: &RequestLog, seq_text: &str) -> ControlResponse {
    let Some(entry) = seq_text.parse::<u64>().ok().and_then(|seq| log.get(seq)) else {
        return missing(log, seq_text);
    };
    let e = &*entry;
    let mut out = String::new();
    summary(e, &mut out);
    trace_table(e, &mut out);
    explain_link(e, &mut out);
    html::response(
        200,
        html::page(&format!("Request {}", e.seq), Nav::Requests, None, &out),
    )
}

/// The 404 page for a sequence number the log does not hold (any more).
fn missing(log: &RequestLog, seq_text: &str) -> ControlResponse {
    let body = format!(
        "<section id=\"request-missing\"><p>Request <code>{}</code> is not among the last {} kept (the log holds {} since the start).</p><p><a href=\"/console/requests\">Back to the list</a></p></section>",
        escape(seq_text),
        log.capacity(),
        log.total()
    );
    html::response(
        404,
        html::page("Request not found", Nav::Requests, None, &body),
    )
}

/// The request itself: time, request line, Host, status, request id, latency.
fn summary(e: &LoggedRequest, out: &mut String) {
    let _ = write!(
        out,
        "<section><dl id=\"request-detail\" data-request-seq=\"{seq}\">\
<dt>Time (UTC)</dt><dd>{}</dd>\
<dt>Request</dt><dd><code id=\"request-line\">{} {} {}</code></dd>\
<dt>Host</dt><dd><code>{}</code></dd>\
<dt>Status</dt><dd id=\"request-status\" class=\"{}\">{}</dd>\
<dt>Request id</dt><dd><code>{}</code></dd>\
<dt>Latency</dt><dd>{} ms</dd>\
</dl></section>",
        crate::aws::timestamps::iso8601_millis(e.time),
        escape(&e.method),
        escape(&e.target),
        if e.http2 { "HTTP/2" } else { "HTTP/1.1" },
        escape(&e.host),
        status_class(e.status),
        e.status,
        or_dash(e.request_id.as_deref()),
        milliseconds(e.latency),
        seq = e.seq,
    );
}

/// `<code>` around a value, or around `-` when there is none.
fn code_or_dash(value: Option<&str>) -> String {
    format!("<code>{}</code>", or_dash(value))
}

/// The trace table: one row a step of the request's way through the gateway.
fn trace_table(e: &LoggedRequest, out: &mut String) {
    out.push_str("<h2>Trace</h2><section><table id=\"request-trace\"><tbody>");
    for (key, label, value) in trace_steps(e) {
        let _ = write!(
            out,
            "<tr data-trace=\"{key}\"><th>{label}</th><td>{value}</td></tr>"
        );
    }
    out.push_str("</tbody></table></section>");
}

/// The trace's rows: key, label and the value's HTML.
fn trace_steps(e: &LoggedRequest) -> [(&'static str, &'static str, String); 8] {
    let decision = e.trace.decision_name();
    let reason = e.trace.reason.as_ref().map(ToString::to_string);
    [
        (
            "source",
            "Source",
            format!("{} ({})", e.source, or_dash(e.trace.client.as_deref())),
        ),
        ("local", "Arrived on", format!("<code>{}</code>", e.local)),
        (
            "endpoint",
            "Endpoint",
            code_or_dash(e.trace.endpoint.as_deref()),
        ),
        ("api", "API", code_or_dash(e.trace.api.as_deref())),
        ("stage", "Stage", code_or_dash(e.trace.stage.as_deref())),
        (
            "resource",
            "Resource",
            code_or_dash(e.trace.resource.as_deref()),
        ),
        (
            "decision",
            "Policy decision",
            format!(
                "<span class=\"{}\">{}</span>",
                decision_class(decision),
                escape(decision)
            ),
        ),
        ("reason", "Reason", or_dash(reason.as_deref())),
    ]
}

/// The links under the trace: explain this request, back to the list.
fn explain_link(e: &LoggedRequest, out: &mut String) {
    let command = curl_command(e);
    let _ = write!(
        out,
        "<p><a id=\"explain-this\" href=\"/console/explain?command={}&amp;from={}\">Explain this request</a> · <a href=\"/console/requests\">Back to the list</a></p>",
        crate::aws::percent::encode_component(&command),
        crate::aws::percent::encode_component(&e.source.ip().to_string())
    );
}

/// A curl command line for the explain form that repeats what can be known of the request
/// (the log keeps no headers besides Host, so `x-apigw-api-id` is added back when an API was
/// selected without the Host naming it).
fn curl_command(e: &LoggedRequest) -> String {
    let host = e.host.split(':').next().unwrap_or_default();
    let mut command = format!("curl -X {} ", shell_quote(&e.method));
    if let Some(api) = &e.trace.api {
        if !host.starts_with(api.as_str()) {
            command.push_str(&format!(
                "-H {} ",
                shell_quote(&format!("x-apigw-api-id:{api}"))
            ));
        }
    }
    command.push_str(&format!(
        "--resolve {} {}",
        shell_quote(&format!("{host}:443:{}", e.local.ip())),
        shell_quote(&format!("https://{host}{}", e.target))
    ));
    command
}

fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@=,%+".contains(&b))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::gateway::request_log::sample;
    use crate::dataplane::gateway::{PolicyKind, Refusal};
    use iam_policy::Decision;

    fn body(r: ControlResponse) -> String {
        String::from_utf8(r.body).expect("UTF-8")
    }

    #[test]
    fn the_list_shows_requests_newest_first_and_refreshes() {
        let log = RequestLog::new(8);
        log.record(sample(200, Some(Decision::Allow)));
        let mut denied = sample(403, Some(Decision::ImplicitDeny));
        denied.trace.reason = Some(Refusal::PolicyDenied {
            policy: PolicyKind::Resource,
            decision: Decision::ImplicitDeny,
            statement: Some("<none>".to_string()),
            message: String::new(),
        });
        log.record(denied);
        let r = list(&log);
        assert_eq!(r.status, 200);
        let html = body(r);
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"5\">"));
        let first = html.find("<tr data-request-seq=\"2\"").expect("row 2");
        let second = html.find("<tr data-request-seq=\"1\"").expect("row 1");
        assert!(first < second, "newest first");
        assert!(html.contains("<tr data-request-seq=\"2\" data-status=\"403\" data-decision=\"ImplicitDeny\"><td><a href=\"/console/requests/2\">2</a></td><td class=\"mono\">10:00:00.250</td>"));
        assert!(html.contains("<td class=\"status warn\">403</td>"));
        assert!(html.contains("<td class=\"decision bad\">ImplicitDeny</td><td class=\"reason\">resource policy: ImplicitDeny (statement &lt;none&gt;)</td><td class=\"mono\">1.5</td>"));
        assert!(html.contains("<td class=\"status ok\">200</td>"));
        assert!(html.contains("<td class=\"request\"><code>GET /test</code><div class=\"host\">vpce-01234567890abcdef-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com</div></td>"));
    }

    #[test]
    fn an_empty_list_says_so() {
        let html = body(list(&RequestLog::new(4)));
        assert!(html.contains(
            "<tr id=\"no-requests\"><td colspan=\"12\" class=\"muted\">No requests yet.</td></tr>"
        ));
    }

    #[test]
    fn the_detail_page_shows_the_whole_trace_and_links_to_explain() {
        let log = RequestLog::new(4);
        let mut e = sample(403, None);
        e.trace.decision = None;
        e.trace.api = None;
        e.trace.stage = None;
        e.trace.resource = None;
        e.trace.reason = Some(Refusal::NoApiSelected {
            host: "x".to_string(),
        });
        log.record(e);
        let r = detail(&log, "1");
        assert_eq!(r.status, 200);
        let html = body(r);
        assert!(html.contains("<dl id=\"request-detail\" data-request-seq=\"1\">"));
        assert!(html.contains("<dd><code id=\"request-line\">GET /test HTTP/1.1</code></dd>"));
        assert!(html.contains("<dd id=\"request-status\" class=\"warn\">403</dd>"));
        assert!(html.contains("<tr data-trace=\"endpoint\"><th>Endpoint</th><td><code>vpce-01234567890abcdef</code></td></tr>"));
        assert!(html.contains("<tr data-trace=\"api\"><th>API</th><td><code>-</code></td></tr>"));
        assert!(html.contains("<tr data-trace=\"reason\"><th>Reason</th><td>no x-apigw-api-id header, and Host &quot;x&quot; names no API</td></tr>"));
        assert!(html.contains("<a id=\"explain-this\" href=\"/console/explain?command=curl%20-X%20GET%20--resolve%20vpce-01234567890abcdef-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com%3A443%3A127.0.1.1%20https%3A%2F%2Fvpce-01234567890abcdef-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com%2Ftest&amp;from=127.0.0.1\">"), "{html}");
    }

    #[test]
    fn unknown_or_evicted_requests_get_a_404() {
        let log = RequestLog::new(1);
        log.record(sample(200, Some(Decision::Allow)));
        log.record(sample(200, Some(Decision::Allow)));
        for seq in ["1", "3", "abc", "<x>"] {
            let r = detail(&log, seq);
            assert_eq!(r.status, 404, "{seq}");
            let html = body(r);
            assert!(html.contains("<section id=\"request-missing\">"));
            assert!(!html.contains("<x>"));
        }
        assert_eq!(detail(&log, "2").status, 200);
    }

    #[test]
    fn shell_quoting_round_trips_through_the_explain_splitter() {
        assert_eq!(shell_quote("GET"), "GET");
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(
            super::super::explain_page::split_command_line(&shell_quote("a b'c")),
            Ok(vec!["a b'c".to_string()])
        );
    }
}
