//! `apigw-emulator explain -- curl …`: every step API Gateway takes for one request (DNS, which
//! endpoint the address belongs to, the security group, API selection, stage, resource and
//! method, both policies, the integration), the response the client gets, and, when it fails,
//! the smallest change that makes it succeed. AWS answers a mistake with a bare 403 or silence;
//! this says why.
//!
//! Explaining is a dry run ([`Mode::DryRun`]): the gateway decides the request by its own steps
//! and stops before an integration that would call a backend or a Lambda function, saying what
//! it would call. Only [`Mode::Send`] (`explain --send`, the console's POST) calls it.

use std::net::{IpAddr, SocketAddr};

use crate::dataplane::gateway::response::GatewayResponse;
use crate::dataplane::gateway::{ConnectionInfo, DryRun, Gateway, GatewayRequest, Trace};
use crate::model::topology::{Frontend, Topology};
use crate::Emulator;
pub use curl::{parse_curl, CurlError, ExplainRequest};

mod curl;
mod fixes;
mod integration;

/// Whether the integration is really called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Stop before any integration that calls out of the emulator (a backend, a function), and
    /// say what would be called. MOCK integrations call nothing and are answered.
    DryRun,
    /// Send the request for real: the backend or function is called.
    Send,
}

/// What `explain` found.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Each step and its verdict, in order.
    pub steps: Vec<String>,
    /// The response the client gets (`None`: no answer at all, or a dry run stopped before
    /// the integration: see `would_call`).
    pub response: Option<GatewayResponse>,
    /// A dry run that passed every check: the integration a real request would call
    /// (`HTTP_PROXY POST http://…`, `AWS_PROXY: Lambda function …`).
    pub would_call: Option<String>,
    /// The smallest changes that would make the request succeed.
    pub fixes: Vec<String>,
}

/// Explains one request against a running emulator's current scenario, as a dry run: no
/// backend or function is called.
pub async fn explain(emulator: &Emulator, request: &ExplainRequest) -> Explanation {
    explain_as(emulator, request, Mode::DryRun).await
}

/// Explains one request as [`explain`] does, in `mode` ([`Mode::Send`] calls the integration).
pub async fn explain_as(emulator: &Emulator, request: &ExplainRequest, mode: Mode) -> Explanation {
    explain_with(
        &emulator.topology(),
        emulator.gateway(),
        emulator.https_port(),
        request,
        mode,
    )
    .await
}

/// Explains one request against `topology` as `gateway` serves it, for callers that hold the
/// parts rather than the [`Emulator`] (the web console). `https_port` is the port the endpoint
/// addresses listen on. Nothing is recorded in the gateway's request log.
pub async fn explain_with(
    topology: &Topology,
    gateway: &Gateway,
    https_port: u16,
    request: &ExplainRequest,
    mode: Mode,
) -> Explanation {
    let mut steps = Vec::new();
    let mut fixes = Vec::new();
    let client = topology.client(request.source);
    steps.push(format!(
        "client: {} (source {})",
        client.describe(),
        request.source
    ));
    let ends = (|| {
        let address = resolve_step(topology, request, &mut steps, &mut fixes)?;
        frontend_step(topology, address, &mut steps, &mut fixes)?;
        let ends = (
            SocketAddr::new(address, https_port),
            SocketAddr::new(request.source, 50_000),
        );
        security_group_step(
            topology,
            gateway,
            ends,
            client.address,
            &mut steps,
            &mut fixes,
        )?;
        Some(ends)
    })();
    let (response, would_call) = match ends {
        Some(ends) => {
            let sent = send(gateway, request, ends, mode).await;
            gateway_steps(topology, request, sent, &mut steps, &mut fixes)
        }
        None => (None, None),
    };
    Explanation {
        steps,
        response,
        would_call,
        fixes,
    }
}

/// Step 1: the address the client connects to (DNS, or curl's `--resolve`).
fn resolve_step(
    topology: &Topology,
    request: &ExplainRequest,
    steps: &mut Vec<String>,
    fixes: &mut Vec<String>,
) -> Option<IpAddr> {
    let address = match request.resolve {
        Some(a) => {
            steps.push(format!(
                "DNS: not asked: curl --resolve connects {} to {a}",
                request.host
            ));
            a
        }
        None => match topology.dns_answer(&request.host) {
            Some(answer) if !answer.addresses.is_empty() => {
                let list: Vec<String> = answer.addresses.iter().map(IpAddr::to_string).collect();
                steps.push(format!(
                    "DNS: {} resolves to {}",
                    request.host,
                    list.join(", ")
                ));
                answer.addresses[0]
            }
            _ => {
                steps.push(format!(
                    "DNS: the emulator has no record for {}: NXDOMAIN inside the emulated zones, REFUSED outside",
                    request.host
                ));
                let names: Vec<String> = topology
                    .vpc_endpoints
                    .iter()
                    .filter_map(|e| e.dns_entries.first().map(|d| d.dns_name.clone()))
                    .collect();
                fixes.push(format!(
                    "call an endpoint's DNS name instead: {}",
                    names.join(", ")
                ));
                return None;
            }
        },
    };
    Some(address)
}

/// Step 2: which endpoint (or the public front end) the address belongs to.
fn frontend_step(
    topology: &Topology,
    address: IpAddr,
    steps: &mut Vec<String>,
    fixes: &mut Vec<String>,
) -> Option<()> {
    match topology.frontend(address) {
        Some(Frontend::VpcEndpoint(e)) => steps.push(format!(
            "address {address} is a network interface of {} (VPC {})",
            e.id, e.vpc_id
        )),
        Some(Frontend::Public) => steps.push(format!(
            "address {address} is the public execute-api endpoint (REGIONAL and EDGE APIs only)"
        )),
        None => {
            steps.push(format!(
                "address {address}: nothing listens there; the connection is refused"
            ));
            fixes.push("connect to an address the endpoint's DNS name resolves to".to_string());
            return None;
        }
    }
    Some(())
}

/// Step 3: the endpoint's security groups, before any TLS.
fn security_group_step(
    topology: &Topology,
    gateway: &Gateway,
    (local, peer): (SocketAddr, SocketAddr),
    client_address: IpAddr,
    steps: &mut Vec<String>,
    fixes: &mut Vec<String>,
) -> Option<()> {
    let address = local.ip();
    if gateway.admit(local, peer).is_err() {
        let groups = topology
            .endpoint_by_address(address)
            .and_then(|e| e.security_groups.clone())
            .unwrap_or_default();
        let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        steps.push(format!(
            "security group: {} allow(s) no tcp/443 from {}: the connection gets no answer (curl waits until it times out)",
            ids.join(", "),
            client_address
        ));
        fixes.push(format!(
            "add an inbound rule to {} for tcp/443 from {} (or a CIDR containing it)",
            ids.first()
                .copied()
                .unwrap_or("the endpoint's security group"),
            client_address
        ));
        return None;
    }
    match topology
        .endpoint_by_address(address)
        .and_then(|e| e.security_groups.as_ref())
    {
        Some(groups) => steps.push(format!(
            "security group: {} allow(s) tcp/443 from {}",
            groups
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            client_address
        )),
        None => steps.push("security group: none on this address, nothing is filtered".to_string()),
    }
    Some(())
}

/// How far the gateway got: its answer, or (dry run) what it would call.
type Sent = (
    Result<GatewayResponse, crate::dataplane::gateway::WouldCall>,
    Trace,
);

/// Runs the request through the gateway: decided only (dry run), or really sent.
async fn send(
    gateway: &Gateway,
    request: &ExplainRequest,
    (local, peer): (SocketAddr, SocketAddr),
    mode: Mode,
) -> Sent {
    let mut headers = request.headers.clone();
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        let host = if request.port == 443 {
            request.host.clone()
        } else {
            format!("{}:{}", request.host, request.port)
        };
        headers.insert(0, ("Host".to_string(), host));
    }
    let gateway_request = GatewayRequest {
        method: request.method.clone(),
        target: request.target.clone(),
        headers,
        body: request.body.clone(),
        connection_close: false,
        expect_continue: false,
        http2: false,
    };
    let conn = ConnectionInfo {
        local,
        peer,
        sni: Some(request.host.clone()),
        tls_version: "TLSv1.2",
        cipher_suite: "ECDHE-ECDSA-AES128-GCM-SHA256",
    };
    match mode {
        Mode::Send => {
            let (response, trace) = gateway.handle_traced(&conn, gateway_request).await;
            (Ok(response), trace)
        }
        Mode::DryRun => match gateway.dry_run(&conn, gateway_request).await {
            (DryRun::Answered(response), trace) => (Ok(response), trace),
            (DryRun::Stopped(would), trace) => (Err(would), trace),
        },
    }
}

/// Step 4: the gateway's own steps, as it decided them; then the response (or what a dry run
/// would call) and the smallest fix.
fn gateway_steps(
    topology: &Topology,
    request: &ExplainRequest,
    (sent, trace): Sent,
    steps: &mut Vec<String>,
    fixes: &mut Vec<String>,
) -> (Option<GatewayResponse>, Option<String>) {
    match &trace.api {
        Some(api) => steps.push(format!(
            "API: {api} (selected by {})",
            if request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("x-apigw-api-id"))
            {
                "the x-apigw-api-id header"
            } else {
                "the Host name"
            }
        )),
        None => steps.push("API: none selected".to_string()),
    }
    if let Some(stage) = &trace.stage {
        steps.push(format!("stage: {stage}"));
    }
    if let Some(resource) = &trace.resource {
        steps.push(format!("resource: {resource}, method {}", request.method));
    }
    if trace.decision.is_some() {
        steps.push(format!("policies: {}", trace.decision_name()));
    }
    if let Some(reason) = &trace.reason {
        steps.push(format!("why: {reason}"));
    }
    let response = match sent {
        Ok(response) => response,
        Err(would) => {
            let called = integration::describe(&would, &topology.settings);
            steps.push(format!(
                "integration: {called}: not called, explain is a dry run (send it for real with `explain --send` or the console's Send button)"
            ));
            return (None, Some(called));
        }
    };
    let body = String::from_utf8_lossy(&response.body);
    steps.push(if body.len() <= 200 && !body.contains('\n') {
        format!("response: {} {body}", response.status)
    } else {
        format!(
            "response: {} ({}, {} bytes)",
            response.status,
            response.content_type,
            response.body.len()
        )
    });
    // 5. The smallest fix.
    fixes.extend(fixes::for_refusal(topology, &trace, &response));
    (Some(response), None)
}
