//! `apigw-emulator explain -- curl …`: every step API Gateway takes for one request (DNS, which
//! endpoint the address belongs to, the security group, API selection, stage, resource and
//! method, both policies, the integration), the response the client gets, and, when it fails,
//! the smallest change that makes it succeed. AWS answers a mistake with a bare 403 or silence;
//! this says why.

use std::net::{IpAddr, SocketAddr};

use crate::dataplane::gateway::response::GatewayResponse;
use crate::dataplane::gateway::Gateway;
use crate::dataplane::gateway::{ConnectionInfo, GatewayRequest};
use crate::model::topology::{Frontend, Topology};
use crate::Emulator;
pub use curl::{parse_curl, CurlError, ExplainRequest};

mod curl;
mod fixes;

/// What `explain` found.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Each step and its verdict, in order.
    pub steps: Vec<String>,
    /// The response the client gets (`None`: no answer at all).
    pub response: Option<GatewayResponse>,
    /// The smallest changes that would make the request succeed.
    pub fixes: Vec<String>,
}

/// Explains one request against a running emulator's current scenario.
pub async fn explain(emulator: &Emulator, request: &ExplainRequest) -> Explanation {
    explain_with(
        &emulator.topology(),
        emulator.gateway(),
        emulator.https_port(),
        request,
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
    let response = match ends {
        Some(ends) => {
            Some(gateway_steps(topology, gateway, request, ends, &mut steps, &mut fixes).await)
        }
        None => None,
    };
    Explanation {
        steps,
        response,
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

/// Step 4: the gateway's own steps, from a real run of the request through it.
async fn gateway_steps(
    topology: &Topology,
    gateway: &Gateway,
    request: &ExplainRequest,
    (local, peer): (SocketAddr, SocketAddr),
    steps: &mut Vec<String>,
    fixes: &mut Vec<String>,
) -> GatewayResponse {
    // 4. The gateway's own steps.
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
    let (response, trace) = gateway.handle_traced(&conn, gateway_request).await;
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
    response
}
