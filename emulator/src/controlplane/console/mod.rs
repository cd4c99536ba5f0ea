//! The web console on the control port: plain server-rendered pages (no script, no external
//! assets) showing what the emulator serves and what it answered.
//!
//! - `/console`: VPCs and subnets, security groups and their rules, VPC endpoints with their
//!   DNS names and addresses, REST APIs with their stages, deployments and resource policies;
//! - `/console/requests`: the last requests through the HTTPS front end, newest first,
//!   refreshing itself every 5 seconds; `/console/requests/<seq>`: one request's trace;
//! - `/console/explain`: a form running [`crate::teach::explain`] for a curl command line, as a
//!   dry run (`GET`: nothing is called); its second form `POST`s the same request with the
//!   console's token to send it for real.
//!
//! It shows the [`RequestLog`] the gateway records into, and reads the served [`Topology`]
//! (what the control plane's state was validated into) rather than the scenario, so it shows
//! exactly what requests meet.

mod explain_page;
pub mod html;
mod overview;
mod requests;

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::controlplane::{ControlRequest, ControlResponse};
use crate::dataplane::gateway::Gateway;
use crate::model::topology::Topology;
use html::Nav;

/// What the console's pages read.
#[derive(Clone)]
pub struct Console {
    topology: Arc<ArcSwap<Topology>>,
    gateway: Arc<Gateway>,
    https_port: u16,
    /// Random per process: the console's forms carry it, so a page elsewhere cannot post them
    /// (it cannot read the console's pages to learn it).
    token: Arc<str>,
}

impl Console {
    /// A console over the served `topology` (the same `Arc` the servers read, so reloads and
    /// control-plane changes show at once), the `gateway` whose requests it lists, and the
    /// HTTPS port the endpoint addresses listen on (for `explain`).
    pub fn new(topology: Arc<ArcSwap<Topology>>, gateway: Arc<Gateway>, https_port: u16) -> Self {
        Console {
            topology,
            gateway,
            https_port,
            token: uuid::Uuid::new_v4().simple().to_string().into(),
        }
    }

    /// The token the console's forms carry (checked by [`crate::controlplane::guard`]).
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("https_port", &self.https_port)
            .finish_non_exhaustive()
    }
}

/// The page a refused request gets (another origin, a foreign Host, a form without the token).
pub fn forbidden(message: &str) -> ControlResponse {
    html::response(
        403,
        html::page(
            "Forbidden",
            Nav::None,
            None,
            &format!(
                "<section id=\"forbidden\"><p class=\"error\">{}</p></section>",
                html::escape(message)
            ),
        ),
    )
}

/// Answers one unsigned `GET`, or a console form's `POST` (whose token the guard checked).
pub async fn handle(req: &ControlRequest, console: &Console) -> ControlResponse {
    let path = req.path.as_str();
    if req.method == http::Method::POST {
        return match path {
            "/console/explain" | "/console/explain/" => explain_page::send(req, console).await,
            _ => html::not_found(path),
        };
    }
    match path {
        "/" => {
            let mut r = ControlResponse::new(303, "text/plain; charset=utf-8", "See /console\n");
            r.headers
                .push(("Location".to_string(), "/console".to_string()));
            r
        }
        "/console" | "/console/" => overview::page(&console.topology.load_full()),
        "/console/requests" | "/console/requests/" => requests::list(console.gateway.requests()),
        "/console/explain" | "/console/explain/" => explain_page::page(req, console).await,
        _ => match path.strip_prefix("/console/requests/") {
            Some(seq) => requests::detail(console.gateway.requests(), seq),
            None => html::not_found(path),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::gateway::{ConnectionInfo, GatewayRequest};
    use crate::dataplane::integration::Integrations;
    use crate::Config;

    fn seed_console() -> Console {
        let topology = Arc::new(ArcSwap::from_pointee(
            Topology::from_config(&Config::seed()).expect("the seed is valid"),
        ));
        let gateway = Arc::new(Gateway::new(
            topology.clone(),
            Integrations::new(Default::default(), &[]),
        ));
        Console::new(topology, gateway, 443)
    }

    fn get(target: &str) -> ControlRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        ControlRequest {
            method: http::Method::GET,
            path: crate::aws::percent::decode(path),
            query: crate::controlplane::server::parse_query(query),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::new(),
        }
    }

    fn text(r: &ControlResponse) -> String {
        String::from_utf8(r.body.clone()).expect("UTF-8")
    }

    fn regional_name(console: &Console) -> String {
        console.topology.load().vpc_endpoints[0].dns_entries[0]
            .dns_name
            .clone()
    }

    async fn call_gateway(console: &Console, headers: Vec<(&str, &str)>, target: &str) -> u16 {
        let host = regional_name(console);
        let mut all = vec![("Host".to_string(), host.clone())];
        all.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let conn = ConnectionInfo {
            local: "127.0.1.1:443".parse().expect("an address"),
            peer: "127.0.0.1:50123".parse().expect("an address"),
            sni: Some(host),
            tls_version: "TLSv1.3",
            cipher_suite: "TLS_AES_128_GCM_SHA256",
        };
        let request = GatewayRequest {
            method: "GET".to_string(),
            target: target.to_string(),
            headers: all,
            body: bytes::Bytes::new(),
            connection_close: false,
            expect_continue: false,
            http2: false,
        };
        console.gateway.handle(&conn, request).await.status
    }

    #[tokio::test]
    async fn the_root_redirects_to_the_console() {
        let r = handle(&get("/"), &seed_console()).await;
        assert_eq!(r.status, 303);
        assert!(r
            .headers
            .contains(&("Location".to_string(), "/console".to_string())));
    }

    #[tokio::test]
    async fn unknown_pages_are_404() {
        let r = handle(&get("/nothing"), &seed_console()).await;
        assert_eq!(r.status, 404);
        assert!(text(&r).contains("no page at <code>/nothing</code>"));
    }

    #[tokio::test]
    async fn the_overview_is_served_as_html_with_a_script_free_policy() {
        let r = handle(&get("/console"), &seed_console()).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.headers[0],
            (
                "Content-Type".to_string(),
                "text/html; charset=utf-8".to_string()
            )
        );
        assert!(r.headers.iter().any(|(k, v)| k == "Content-Security-Policy"
            && v.starts_with("default-src 'none'; style-src 'unsafe-inline'")));
        assert!(text(&r).contains("<table id=\"vpc-endpoints\">"));
    }

    #[tokio::test]
    async fn gateway_requests_show_in_the_list_and_explain_runs_are_not_recorded() {
        let console = seed_console();
        assert_eq!(
            call_gateway(&console, vec![("x-apigw-api-id", "chw1a2q2xk")], "/test").await,
            200
        );
        assert_eq!(call_gateway(&console, vec![], "/test").await, 403);
        let command = format!(
            "curl --resolve {name}:443:127.0.1.1 https://{name}/test",
            name = regional_name(&console)
        );
        let r = handle(
            &get(&format!(
                "/console/explain?command={}&from=127.0.0.1",
                crate::aws::percent::encode_component(&command)
            )),
            &console,
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            console.gateway.requests().total(),
            2,
            "explain is not logged"
        );

        let list = text(&handle(&get("/console/requests"), &console).await);
        assert!(
            list.contains("<tr data-request-seq=\"2\" data-status=\"403\" data-decision=\"-\">")
        );
        assert!(list
            .contains("<tr data-request-seq=\"1\" data-status=\"200\" data-decision=\"Allow\">"));
        let detail = handle(&get("/console/requests/2"), &console).await;
        assert_eq!(detail.status, 200);
        assert!(text(&detail).contains("no x-apigw-api-id header"));
    }

    #[tokio::test]
    async fn explain_shows_steps_the_response_and_the_fix() {
        let console = seed_console();
        let command = format!("curl -i \\\n  https://{}/test", regional_name(&console));
        let r = handle(
            &get(&format!(
                "/console/explain?command={}",
                crate::aws::percent::encode_component(&command)
            )),
            &console,
        )
        .await;
        assert_eq!(r.status, 200);
        let html = text(&r);
        assert!(
            html.contains("<form method=\"get\" action=\"/console/explain\" id=\"explain-form\">")
        );
        assert!(
            html.contains("<input type=\"text\" id=\"from\" name=\"from\" value=\"127.0.0.1\">")
        );
        assert!(html.contains("<ol id=\"explain-steps\"><li>client: 10.20.0.1 (on-premises over Direct Connect) (source 127.0.0.1)</li>"), "{html}");
        assert!(html.contains("<li>DNS: vpce-01234567890abcdef-"));
        assert!(html.contains(
            "<p id=\"explain-status\" data-status=\"403\"><code>HTTP/1.1 403 Forbidden</code></p>"
        ));
        assert!(
            html.contains(
                "<pre id=\"explain-body\">{&quot;message&quot;:&quot;Forbidden&quot;}</pre>"
            ),
            "{html}"
        );
        assert!(html.contains("<li class=\"fix\">add the header: -H &#39;x-apigw-api-id:&lt;api id&gt;&#39; (APIs here: chw1a2q2xk)</li>"), "{html}");
    }

    #[tokio::test]
    async fn explain_without_a_command_shows_only_the_form_and_bad_input_is_a_400() {
        let console = seed_console();
        let r = handle(&get("/console/explain"), &console).await;
        assert_eq!(r.status, 200);
        let html = text(&r);
        assert!(html.contains("<textarea id=\"command\" name=\"command\""));
        assert!(!html.contains("explain-steps"));

        let r = handle(
            &get("/console/explain?command=curl+http%3A%2F%2Fx%2F"),
            &console,
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(text(&r).contains("<p id=\"explain-error\" class=\"error\">http://x/: execute-api endpoints are HTTPS only</p>"));

        let r = handle(
            &get("/console/explain?command=curl+https%3A%2F%2Fx%2F&from=%3Cnope%3E"),
            &console,
        )
        .await;
        assert_eq!(r.status, 400);
        let html = text(&r);
        assert!(html.contains("source address &quot;&lt;nope&gt;&quot; is not an IP address"));
        assert!(
            html.contains("value=\"&lt;nope&gt;\""),
            "the form keeps what was typed, escaped"
        );
    }
}
