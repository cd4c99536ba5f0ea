//! HTML building blocks for the console: escaping, the page frame with its inline style sheet,
//! and the responses that carry pages.
//!
//! Every value that comes from a scenario, a request or a form goes through [`escape`]; the
//! pages run no script, and the Content-Security-Policy says so.

use std::fmt::Write as _;

use crate::controlplane::ControlResponse;

pub use crate::controlplane::markup::html as escape;

/// Which navigation link is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/console`.
    Overview,
    /// `/console/requests` and its detail pages.
    Requests,
    /// `/console/explain`.
    Explain,
    /// None (error pages).
    None,
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#16191f;background:#f2f3f3}
header{background:#232f3e;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header .brand{font-weight:600;font-size:16px}
header a{color:#d5dbdb;text-decoration:none;padding:2px 4px}
header a.current{color:#fff;border-bottom:2px solid #ff9900}
main{padding:16px 24px;max-width:1400px}
h1{font-size:22px;margin:4px 0 12px}
h2{font-size:18px;margin:24px 0 8px}
h3{font-size:15px;margin:16px 0 6px}
section{background:#fff;border:1px solid #d5dbdb;border-radius:4px;padding:8px 16px 16px;margin-bottom:16px;overflow-x:auto}
section>h2:first-child{margin-top:6px}
table{border-collapse:collapse;width:100%;margin:4px 0}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid #e9ebed}
th{background:#fafafa;font-weight:600;white-space:nowrap}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f8f8f8;border:1px solid #e9ebed;padding:8px;overflow:auto;margin:4px 0;white-space:pre-wrap;word-break:break-all}
ul{margin:0;padding-left:18px}
td.request{min-width:300px;max-width:420px;word-break:break-all}
td.request .host{color:#5f6b7a;font-size:12px}
td.reason{min-width:200px}
.muted{color:#5f6b7a}
.ok{color:#037f0c;font-weight:600}
.bad{color:#d91515;font-weight:600}
.warn{color:#8d6605;font-weight:600}
.on{color:#037f0c}.off{color:#5f6b7a}
.error{background:#fff0f0;border:1px solid #d91515;padding:8px;border-radius:4px}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:0}
dt{font-weight:600}dd{margin:0}
form label{display:block;font-weight:600;margin:8px 0 4px}
textarea{width:100%;min-height:90px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
input[type=text]{width:260px;font-family:ui-monospace,Menlo,Consolas,monospace}
button{margin-top:10px;background:#ff9900;border:1px solid #ec7211;border-radius:2px;padding:6px 18px;font-weight:600;cursor:pointer}
";

/// A whole page: `title` (plain text, escaped here) around `body` (HTML, already escaped).
/// `refresh_seconds` adds a `<meta http-equiv="refresh">` so the page stays live without script.
pub fn page(title: &str, nav: Nav, refresh_seconds: Option<u32>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    if let Some(seconds) = refresh_seconds {
        let _ = writeln!(out, "<meta http-equiv=\"refresh\" content=\"{seconds}\">");
    }
    let _ = writeln!(out, "<title>{} · apigw-emulator</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<header><span class=\"brand\">apigw-emulator console</span><nav>");
    for (target, label, which) in [
        ("/console", "Overview", Nav::Overview),
        ("/console/requests", "Requests", Nav::Requests),
        ("/console/explain", "Explain", Nav::Explain),
    ] {
        let class = if which == nav {
            " class=\"current\""
        } else {
            ""
        };
        let _ = write!(out, "<a href=\"{target}\"{class}>{label}</a> ");
    }
    out.push_str("</nav></header>\n<main>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    out.push_str(body);
    out.push_str("\n</main>\n</body>\n</html>\n");
    out
}

/// An HTML response. The console runs no script and loads nothing from elsewhere; the policy
/// makes a browser enforce that, and keeps other sites from framing it.
pub fn response(status: u16, html: String) -> ControlResponse {
    let mut r = ControlResponse::new(status, "text/html; charset=utf-8", html);
    r.headers.push((
        "Content-Security-Policy".to_string(),
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'".to_string(),
    ));
    r.headers
        .push(("X-Content-Type-Options".to_string(), "nosniff".to_string()));
    // Every page shows live state.
    r.headers
        .push(("Cache-Control".to_string(), "no-store".to_string()));
    r
}

/// The 404 page.
pub fn not_found(path: &str) -> ControlResponse {
    response(
        404,
        page(
            "Not found",
            Nav::None,
            None,
            &format!(
                "<section id=\"not-found\"><p>The console has no page at <code>{}</code>.</p><p>Pages: <a href=\"/console\">/console</a>, <a href=\"/console/requests\">/console/requests</a>, <a href=\"/console/explain\">/console/explain</a>. The AWS CLI and SDKs reach the control plane here with <code>--endpoint-url</code>.</p></section>",
                escape(path)
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_every_character_that_can_break_out() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script> it's"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; it&#39;s"
        );
        assert_eq!(escape("vpce-0123 → 127.0.1.1"), "vpce-0123 → 127.0.1.1");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            crate::aws::percent::encode_component("curl -H 'a:b' https://x/test"),
            "curl%20-H%20%27a%3Ab%27%20https%3A%2F%2Fx%2Ftest"
        );
        assert_eq!(crate::aws::percent::encode_component("é"), "%C3%A9");
    }

    #[test]
    fn the_page_frame_escapes_its_title_and_marks_the_current_page() {
        let html = page("<b>", Nav::Requests, Some(5), "<p>body</p>");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.contains("<title>&lt;b&gt; · apigw-emulator</title>"));
        assert!(html.contains("<h1>&lt;b&gt;</h1>"));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"5\">"));
        assert!(html.contains("<a href=\"/console/requests\" class=\"current\">Requests</a>"));
        assert!(html.contains("<a href=\"/console\">Overview</a>"));
        assert!(!html.contains("<script"));
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn unknown_paths_get_a_404_page_naming_them_escaped() {
        let r = not_found("/console/<x>");
        assert_eq!(r.status, 404);
        assert_eq!(
            r.headers[0],
            (
                "Content-Type".to_string(),
                "text/html; charset=utf-8".to_string()
            )
        );
        let body = String::from_utf8(r.body).expect("UTF-8");
        assert!(body.contains("no page at <code>/console/&lt;x&gt;</code>"));
    }
}
