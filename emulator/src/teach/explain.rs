//! `apigw-emulator explain -- curl …`: every step API Gateway takes for one request (DNS, which
//! endpoint the address belongs to, the security group, API selection, stage, resource and
//! method, both policies, the integration), the response the client gets, and, when it fails,
//! the smallest change that makes it succeed. AWS answers a mistake with a bare 403 or silence;
//! this says why.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;

use crate::dataplane::gateway::response::GatewayResponse;
use crate::dataplane::gateway::Gateway;
use crate::dataplane::gateway::{ConnectionInfo, GatewayRequest};
use crate::model::topology::{Frontend, Topology};
use crate::Emulator;

/// The request to explain, as a curl command line describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRequest {
    /// `GET`, `POST`, … (`-X`; `-I` alone is HEAD; a body alone is POST).
    pub method: String,
    /// The host in the URL.
    pub host: String,
    /// The port in the URL (443 by default).
    pub port: u16,
    /// Path and query.
    pub target: String,
    /// `-H` headers, in order.
    pub headers: Vec<(String, String)>,
    /// `-d` / `--data*`.
    pub body: Bytes,
    /// `--resolve host:port:addr`: the address curl connects to without DNS.
    pub resolve: Option<IpAddr>,
    /// The client's own address (who it stands for comes from `emulator.clients`).
    pub source: IpAddr,
}

/// Parses curl's arguments (without the word `curl` itself).
pub fn parse_curl(args: &[String], source: IpAddr) -> Result<ExplainRequest, String> {
    let mut method = None;
    let mut head = false;
    let mut headers = Vec::new();
    let mut body = Vec::new();
    let mut url = None;
    let mut resolve = None;
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("curl option {name} needs a value"))
        };
        match arg.as_str() {
            "-X" | "--request" => method = Some(value(arg)?),
            "-H" | "--header" => {
                let h = value(arg)?;
                let (k, v) = h
                    .split_once(':')
                    .ok_or_else(|| format!("header {h:?} has no ':'"))?;
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                body.extend_from_slice(value(arg)?.as_bytes())
            }
            "--resolve" => {
                let spec = value(arg)?;
                let address = spec.rsplit(':').next().unwrap_or_default();
                resolve = Some(
                    address
                        .trim_matches(['[', ']'])
                        .parse()
                        .map_err(|_| format!("--resolve {spec:?}: expected host:port:address"))?,
                );
            }
            "-A" | "--user-agent" => headers.push(("User-Agent".into(), value(arg)?)),
            "--cacert" | "-o" | "--output" | "-w" | "--write-out" | "-m" | "--max-time"
            | "--connect-timeout" | "--request-target" | "-u" | "--user" => {
                value(arg)?;
            }
            a if a.starts_with("--") => {}
            a if a.starts_with('-') && a.len() > 1 => {
                // Combined short flags such as -IX GET, -sS, -ik.
                let flags = &a[1..];
                head |= flags.contains('I');
                if let Some(pos) = flags.find('X') {
                    let rest = &flags[pos + 1..];
                    method = Some(if rest.is_empty() {
                        value(arg)?
                    } else {
                        rest.to_string()
                    });
                }
            }
            a => url = Some(a.to_string()),
        }
    }
    let url = url.ok_or("no URL in the curl command")?;
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{url}: execute-api endpoints are HTTPS only"))?;
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (
            h.to_string(),
            p.parse().map_err(|_| format!("bad port in {url}"))?,
        ),
        _ => (authority.to_string(), 443),
    };
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if body.is_empty() {
            "GET".into()
        } else {
            "POST".into()
        }
    });
    Ok(ExplainRequest {
        method,
        host: host.to_ascii_lowercase(),
        port,
        target,
        headers,
        body: Bytes::from(body),
        resolve,
        source,
    })
}

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

fn api_ids(topology: &Topology) -> Vec<String> {
    topology.rest_apis.keys().cloned().collect()
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

    // 1. DNS.
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
                return Explanation {
                    steps,
                    response: None,
                    fixes,
                };
            }
        },
    };

    // 2. Which endpoint the address belongs to.
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
            return Explanation {
                steps,
                response: None,
                fixes,
            };
        }
    }
    let local = SocketAddr::new(address, https_port);
    let peer = SocketAddr::new(request.source, 50_000);

    // 3. Security groups, before any TLS.
    if gateway.admit(local, peer).is_err() {
        let groups = topology
            .endpoint_by_address(address)
            .and_then(|e| e.security_groups.clone())
            .unwrap_or_default();
        let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        steps.push(format!(
            "security group: {} allow(s) no tcp/443 from {}: the connection gets no answer (curl waits until it times out)",
            ids.join(", "),
            client.address
        ));
        fixes.push(format!(
            "add an inbound rule to {} for tcp/443 from {} (or a CIDR containing it)",
            ids.first()
                .copied()
                .unwrap_or("the endpoint's security group"),
            client.address
        ));
        return Explanation {
            steps,
            response: None,
            fixes,
        };
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
            client.address
        )),
        None => steps.push("security group: none on this address, nothing is filtered".to_string()),
    }

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
    if let Some(decision) = trace.decision {
        steps.push(format!("policies: {decision}"));
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
    let reason = trace.reason.clone().unwrap_or_default();
    if reason.contains("no x-apigw-api-id header") {
        fixes.push(format!(
            "add the header: -H 'x-apigw-api-id:<api id>' (APIs here: {})",
            api_ids(topology).join(", ")
        ));
    } else if reason.starts_with("stage ") || reason == "the path names no stage" {
        let stages: Vec<String> = trace
            .api
            .as_ref()
            .and_then(|id| topology.rest_apis.get(id))
            .map(|a| a.stages.keys().cloned().collect())
            .unwrap_or_default();
        match (&trace.api, stages.is_empty()) {
            (Some(api), true) => fixes.push(format!(
                "deploy the API to a stage first: it has none yet (aws apigateway create-deployment --rest-api-id {api} --stage-name <name>)"
            )),
            _ => fixes.push(format!(
                "start the path with a deployed stage: {}",
                stages
                    .iter()
                    .map(|s| format!("/{s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    } else if reason.starts_with("no method ") {
        if let Some(api) = trace.api.as_ref().and_then(|id| topology.rest_apis.get(id)) {
            let methods: Vec<String> = api
                .stages
                .values()
                .next()
                .map(|s| {
                    s.deployment
                        .definition
                        .resources()
                        .iter()
                        .flat_map(|r| {
                            r.methods()
                                .map(|(m, _)| format!("{m} {}", r.path))
                                .collect::<Vec<_>>()
                        })
                        .collect()
                })
                .unwrap_or_default();
            fixes.push(format!("call a method the API has: {}", methods.join(", ")));
        }
    } else if trace.decision.is_some_and(|d| d != "Allow") {
        // The walkthrough's "you must deploy the API": a policy edited but not deployed.
        let undeployed = trace
            .api
            .as_ref()
            .and_then(|id| topology.rest_apis.get(id))
            .and_then(|api| {
                let stage = api.stages.get(trace.stage.as_deref()?)?;
                (stage.deployment.policy != api.current_policy).then(|| {
                    format!(
                        "deploy: the resource policy changed after stage {}'s deployment {}, and a change is served only once deployed (aws apigateway create-deployment --rest-api-id {} --stage-name {})",
                        stage.name, stage.deployment.id, api.id, stage.name
                    )
                })
            });
        fixes.extend(undeployed);
        fixes.push(format!(
            "change the policy so it allows this request: {reason}{}",
            trace
                .endpoint
                .as_deref()
                .filter(|e| e.starts_with("vpce-"))
                .map(|e| format!(" (requests through this endpoint carry aws:SourceVpce = {e})"))
                .unwrap_or_default()
        ));
    } else if reason.contains("no REST API has the id") {
        fixes.push(format!(
            "use an API id that exists: {}",
            api_ids(topology).join(", ")
        ));
    } else if reason.contains("not PRIVATE") || reason.contains("is PRIVATE") {
        fixes.push(
            "call PRIVATE APIs through a VPC endpoint, and REGIONAL/EDGE ones by their public name"
                .to_string(),
        );
    } else if reason.contains("alias name") {
        fixes.push("associate the API with this endpoint (endpointConfiguration.vpcEndpointIds), or call the endpoint's own name with x-apigw-api-id".to_string());
    } else if response.status >= 500 {
        fixes.push(format!("fix the integration: {reason}"));
    }
    Explanation {
        steps,
        response: Some(response),
        fixes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_command_lines_are_read_as_curl_reads_them() {
        let args: Vec<String> = [
            "-IX",
            "GET",
            "-H",
            "x-apigw-api-id:chw1a2q2xk",
            "https://vpce-1.example:8443/test?x=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = parse_curl(&args, "127.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.host, "vpce-1.example");
        assert_eq!(r.port, 8443);
        assert_eq!(r.target, "/test?x=1");
        assert_eq!(
            r.headers,
            vec![("x-apigw-api-id".to_string(), "chw1a2q2xk".to_string())]
        );
        let args: Vec<String> = ["-I", "--resolve", "a:443:127.0.1.1", "https://a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = parse_curl(&args, "127.0.0.1".parse().unwrap()).unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("HEAD", "/"));
        assert_eq!(r.resolve, Some("127.0.1.1".parse().unwrap()));
        let args: Vec<String> = ["-d", "x", "http://a/"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(parse_curl(&args, "127.0.0.1".parse().unwrap())
            .unwrap_err()
            .contains("HTTPS only"));
    }
}
