//! The execute-api front end of the VPC endpoints: from a decrypted request to API Gateway's
//! answer.
//!
//! Order of checks (decision 4 in the README), each refusal exactly as AWS words it:
//! 1. the endpoint: the local address the connection arrived on (this is `aws:SourceVpce`);
//! 2. the API: `x-apigw-api-id`, else the `Host` name; unknown, not PRIVATE, or (alias names) not
//!    associated with this endpoint → 403 `Forbidden`;
//! 3. the stage, the first path segment; unknown → 403 `Forbidden`;
//! 4. resource and method; unknown → 403 `Missing Authentication Token`;
//! 5. the endpoint policy, then the API's resource policy (as deployed) → 403 `AccessDenied`;
//! 6. the integration.
//!
//! `server` owns sockets, TLS and protocols; `http1` is the HTTP/1.1 codec; `response` shapes
//! bytes.

pub mod clock;
pub mod coalesce;
pub mod http1;
pub mod response;
pub mod server;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use arc_swap::ArcSwap;
use bytes::Bytes;

use crate::dataplane::integration::{Integrations, MethodRequest};
use crate::model::names;
use crate::model::network::{self, Admission};
use crate::model::topology::{EndpointType, Frontend, RestApi, Topology, VpcEndpoint};
use crate::policy::{AuthzRequest, ConditionContext, Decision, Policy, Principal};
use crate::scenario::config::DenialWording;
use response::{GatewayError, GatewayResponse, RequestIds};

/// A request as read from the wire.
#[derive(Debug, Clone)]
pub struct GatewayRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (origin form: path and query).
    pub target: String,
    /// Headers in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Bytes,
    /// The client asked to close the connection after this request.
    pub connection_close: bool,
    /// The client sent `Expect: 100-continue`.
    pub expect_continue: bool,
    /// The request came over HTTP/2.
    pub http2: bool,
}

impl GatewayRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn query(&self) -> Vec<(String, String)> {
        let Some((_, q)) = self.target.split_once('?') else {
            return Vec::new();
        };
        q.split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (
                    crate::model::api::percent_decode(k),
                    crate::model::api::percent_decode(v),
                )
            })
            .collect()
    }
}

/// What is known about the connection a request came on.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The address the client dialled: it identifies the VPC endpoint.
    pub local: SocketAddr,
    /// The client.
    pub peer: SocketAddr,
    /// The TLS server name the client asked for.
    pub sni: Option<String>,
    /// `TLSv1.2` or `TLSv1.3`.
    pub tls_version: &'static str,
    /// The negotiated cipher suite, as OpenSSL names it (`ECDHE-ECDSA-AES128-GCM-SHA256`).
    pub cipher_suite: &'static str,
}

/// The Host header's name, lower case, without a port.
fn host_name(request: &GatewayRequest) -> String {
    let host = request.header("host").unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    host.to_ascii_lowercase()
}

/// How a request ended, for the access log.
#[derive(Debug, Default)]
struct Outcome {
    client: Option<String>,
    endpoint: Option<String>,
    api: Option<String>,
    stage: Option<String>,
    resource: Option<String>,
    decision: Option<&'static str>,
    reason: Option<String>,
    /// What the stage's access log needs beyond the above.
    access: Option<AccessFacts>,
}

/// How a request was decided, step by step as far as it got.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Who the source address stands for.
    pub client: Option<String>,
    /// The VPC endpoint id (or `public`).
    pub endpoint: Option<String>,
    /// The selected API.
    pub api: Option<String>,
    /// The stage.
    pub stage: Option<String>,
    /// The matched resource.
    pub resource: Option<String>,
    /// `Allow`, `ExplicitDeny`, `ImplicitDeny`.
    pub decision: Option<&'static str>,
    /// Why it was refused or failed.
    pub reason: Option<String>,
}

/// Facts about a request that reached a stage, for its access log.
#[derive(Debug)]
struct AccessFacts {
    stage: Arc<crate::model::topology::Stage>,
    account_id: String,
    source_ip: std::net::IpAddr,
    vpc_id: String,
    resource_id: Option<String>,
    integration_latency_ms: Option<u64>,
    request_time: (String, u64),
}

/// The method ARN a request invokes, as policies see it and as denial messages show it.
struct MethodTarget<'a> {
    arn: String,
    /// The API's ARN with the account masked; the method part follows as in `arn`.
    masked_api_arn: &'a str,
    api_arn_len: usize,
}

impl MethodTarget<'_> {
    /// The ARN as a denial shows it, account masked (built only for a denial).
    fn masked_arn(&self) -> String {
        format!("{}{}", self.masked_api_arn, &self.arn[self.api_arn_len..])
    }
}

/// Routes, authorizes and answers requests, reading the current topology per request.
pub struct Gateway {
    topology: Arc<ArcSwap<Topology>>,
    integrations: Integrations,
    access_log: crate::dataplane::access_log::AccessLogWriter,
    requests: crate::controlplane::console::RequestLog,
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "Allow",
        Decision::ExplicitDeny => "ExplicitDeny",
        Decision::ImplicitDeny => "ImplicitDeny",
    }
}

/// AWS's denial sentence for a policy decision.
fn denial_message(
    resource_arn: &str,
    decision: Decision,
    endpoint_policy: bool,
    wording: DenialWording,
) -> String {
    let base = format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {resource_arn}");
    let (policy_kind, policy_kind_short) = if endpoint_policy {
        ("a VPC endpoint policy", "VPC endpoint policy")
    } else {
        ("a resource-based policy", "resource-based policy")
    };
    match (decision, wording) {
        (Decision::ExplicitDeny, DenialWording::Current) => {
            format!("{base} with an explicit deny in {policy_kind}")
        }
        (Decision::ExplicitDeny, DenialWording::Legacy) => format!("{base} with an explicit deny"),
        (_, DenialWording::Current) => {
            format!("{base} because no {policy_kind_short} allows the execute-api:Invoke action")
        }
        (_, DenialWording::Legacy) => base,
    }
}

/// `$context` for a stage's access log line.
fn access_context(
    conn: &ConnectionInfo,
    request: &GatewayRequest,
    ids: &RequestIds,
    outcome: &Outcome,
    facts: &AccessFacts,
    response: &GatewayResponse,
    started: std::time::Instant,
) -> serde_json::Value {
    let host = host_name(request);
    let error = response.header("x-amzn-ErrorType").map(|kind| {
        let message = serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("Message"))
                    .and_then(|m| m.as_str().map(str::to_string))
            })
            .unwrap_or_default();
        let response_type = match kind {
            "MissingAuthenticationTokenException" => "MISSING_AUTHENTICATION_TOKEN",
            "AccessDeniedException" => "ACCESS_DENIED",
            "UnsupportedMediaTypeException" => "UNSUPPORTED_MEDIA_TYPE",
            "ForbiddenException" => "DEFAULT_4XX",
            _ if response.status == 504 => "INTEGRATION_TIMEOUT",
            _ => "INTEGRATION_FAILURE",
        };
        (message, response_type)
    });
    let (message, response_type) = error.unwrap_or_default();
    serde_json::json!({
        "accountId": facts.account_id,
        "apiId": outcome.api,
        "deploymentId": facts.stage.deployment.id,
        "domainName": host,
        "domainPrefix": host.split('.').next().unwrap_or_default(),
        "error": {
            "message": message,
            "messageString": if message.is_empty() { String::new() } else { serde_json::Value::String(message.clone()).to_string() },
            "responseType": response_type,
        },
        "extendedRequestId": ids.extended_request_id,
        "httpMethod": request.method,
        "identity": {
            "sourceIp": facts.source_ip.to_string(),
            "userAgent": request.header("user-agent"),
            "vpceId": outcome.endpoint.as_deref().filter(|e| e.starts_with("vpce-")),
            "vpcId": facts.vpc_id,
        },
        "integrationLatency": facts.integration_latency_ms,
        "integration": {"latency": facts.integration_latency_ms},
        "path": request.path(),
        "protocol": if request.http2 { "HTTP/2.0" } else { "HTTP/1.1" },
        "requestId": ids.request_id,
        "requestTime": facts.request_time.0,
        "requestTimeEpoch": facts.request_time.1,
        "resourceId": facts.resource_id,
        "resourcePath": outcome.resource,
        "responseLatency": started.elapsed().as_millis() as u64,
        "responseLength": response.body.len(),
        "stage": facts.stage.name,
        "status": response.status,
        "tlsVersion": conn.tls_version,
    })
}

impl Gateway {
    /// A gateway over `topology`, calling integrations through `integrations`.
    pub fn new(topology: Arc<ArcSwap<Topology>>, integrations: Integrations) -> Gateway {
        Gateway {
            topology,
            integrations,
            access_log: crate::dataplane::access_log::AccessLogWriter::start(),
            requests: crate::controlplane::console::RequestLog::default(),
        }
    }

    /// The last requests answered through [`Gateway::handle`] (the web console's list).
    pub fn requests(&self) -> &crate::controlplane::console::RequestLog {
        &self.requests
    }

    /// Answers one request, writes its access-log line and records it in [`Gateway::requests`].
    pub async fn handle(&self, conn: &ConnectionInfo, request: GatewayRequest) -> GatewayResponse {
        let started = std::time::Instant::now();
        let (method, host, target, http2) = (
            request.method.clone(),
            request.header("host").unwrap_or_default().to_string(),
            request.target.clone(),
            request.http2,
        );
        let (response, trace) = self.handle_traced(conn, request).await;
        self.requests
            .record(crate::controlplane::console::LoggedRequest {
                seq: 0,
                time: time::OffsetDateTime::now_utc(),
                source: conn.peer,
                local: conn.local,
                method,
                host,
                target,
                http2,
                status: response.status,
                request_id: response.header("x-amzn-RequestId").map(str::to_string),
                trace,
                latency: started.elapsed(),
            });
        response
    }

    /// Answers one request and says how it was decided (for `explain`).
    pub async fn handle_traced(
        &self,
        conn: &ConnectionInfo,
        request: GatewayRequest,
    ) -> (GatewayResponse, Trace) {
        let started = std::time::Instant::now();
        let ids = RequestIds::generate();
        let topology = self.topology.load_full();
        let mut outcome = Outcome::default();
        let response = match self
            .process(&topology, conn, &request, &ids, &mut outcome)
            .await
        {
            Ok(response) => response,
            Err(error) => GatewayResponse::error(&error, &ids),
        };
        if let Some(facts) = &outcome.access {
            if let Some(settings) = &facts.stage.access_log {
                let context =
                    access_context(conn, &request, &ids, &outcome, facts, &response, started);
                let line = crate::dataplane::access_log::render(&settings.format, &context);
                self.access_log.write(&settings.destination, line);
            }
        }
        tracing::info!(
            target: "apigw_emulator::access",
            request_id = %ids.request_id,
            source = outcome.client.as_deref().unwrap_or("-"),
            endpoint = outcome.endpoint.as_deref().unwrap_or("-"),
            api = outcome.api.as_deref().unwrap_or("-"),
            stage = outcome.stage.as_deref().unwrap_or("-"),
            method = %request.method,
            path = %request.path(),
            resource = outcome.resource.as_deref().unwrap_or("-"),
            status = response.status,
            decision = outcome.decision.unwrap_or("-"),
            reason = outcome.reason.as_deref().unwrap_or(""),
            ms = started.elapsed().as_millis() as u64,
            "{} {} {}",
            request.method,
            request.path(),
            response.status
        );
        let trace = Trace {
            client: outcome.client,
            endpoint: outcome.endpoint,
            api: outcome.api,
            stage: outcome.stage,
            resource: outcome.resource,
            decision: outcome.decision,
            reason: outcome.reason,
        };
        (response, trace)
    }

    async fn process(
        &self,
        topology: &Topology,
        conn: &ConnectionInfo,
        request: &GatewayRequest,
        ids: &RequestIds,
        outcome: &mut Outcome,
    ) -> Result<GatewayResponse, GatewayError> {
        let frontend = topology.frontend(conn.local.ip()).ok_or_else(|| {
            outcome.reason = Some(format!("nothing is served on {}", conn.local.ip()));
            GatewayError::Forbidden
        })?;
        let client = topology.client(conn.peer.ip());
        outcome.client = Some(client.describe());
        let (api, endpoint) = match frontend {
            Frontend::VpcEndpoint(endpoint) => {
                outcome.endpoint = Some(endpoint.id.clone());
                (
                    self.select_api(topology, endpoint, request, outcome)?,
                    Some(endpoint),
                )
            }
            Frontend::Public => {
                outcome.endpoint = Some("public".to_string());
                (self.select_public_api(topology, request, outcome)?, None)
            }
        };
        outcome.api = Some(api.id.clone());

        let path = request.path();
        let after_slash = path.strip_prefix('/').unwrap_or(path);
        let (stage_name, rest) = match after_slash.find('/') {
            Some(i) => (&after_slash[..i], &after_slash[i..]),
            None => (after_slash, ""),
        };
        let stage = api.stages.get(stage_name).ok_or_else(|| {
            outcome.reason = Some(if stage_name.is_empty() {
                "the path names no stage".to_string()
            } else {
                format!(
                    "stage {stage_name:?} is not deployed; deployed: {:?}",
                    api.stages.keys().collect::<Vec<_>>()
                )
            });
            GatewayError::Forbidden
        })?;
        outcome.stage = Some(stage.name.clone());
        let now = clock::now();
        // Only stages with an access log pay for its facts.
        outcome.access = stage.access_log.is_some().then(|| AccessFacts {
            stage: stage.clone(),
            account_id: topology.account_id.clone(),
            source_ip: client.address,
            vpc_id: endpoint.map(|e| e.vpc_id.clone()).unwrap_or_default(),
            resource_id: None,
            integration_latency_ms: None,
            request_time: (now.texts.request_time.clone(), now.epoch_ms),
        });

        let resource_path = if rest.is_empty() { "/" } else { rest };
        let route = stage
            .deployment
            .definition
            .route(resource_path, &request.method)
            .ok_or_else(|| {
                outcome.reason = Some(format!(
                    "no method {} on a resource matching {resource_path}",
                    request.method
                ));
                GatewayError::MissingAuthenticationToken
            })?;
        outcome.resource = Some(route.resource.path.clone());
        if let Some(facts) = outcome.access.as_mut() {
            facts.resource_id = Some(route.resource.id.clone());
        }

        // The method ARN names the path as requested, without its leading slash.
        let method_path = rest.strip_prefix('/').unwrap_or(rest);
        let mut arn = String::with_capacity(
            api.arn.len() + stage.name.len() + request.method.len() + method_path.len() + 3,
        );
        for part in [
            &api.arn,
            "/",
            &stage.name,
            "/",
            &request.method,
            "/",
            method_path,
        ] {
            arn.push_str(part);
        }
        let target = MethodTarget {
            arn,
            masked_api_arn: &api.masked_arn,
            api_arn_len: api.arn.len(),
        };
        let context = self.condition_context(
            topology,
            endpoint.map(|e| &**e),
            client.address,
            request,
            &now,
        );
        let wording = topology.settings.denial_wording;
        if let Some(endpoint) = endpoint {
            self.authorize(&endpoint.policy, &target, &context, true, wording, outcome)?;
        }
        match (&stage.deployment.policy, endpoint) {
            (Some(policy), _) => {
                self.authorize(policy, &target, &context, false, wording, outcome)?
            }
            // A public API without a resource policy is open to everyone.
            (None, None) => {}
            // Private APIs cannot be deployed without a policy; should one get here, nothing allows it.
            (None, Some(_)) => {
                outcome.decision = Some("ImplicitDeny");
                return Err(GatewayError::AccessDenied(denial_message(
                    &target.masked_arn(),
                    Decision::ImplicitDeny,
                    false,
                    wording,
                )));
            }
        }

        let query = request.query();
        let host = request.header("host").unwrap_or_default();
        let method_request = MethodRequest {
            api_id: &api.id,
            account_id: &topology.account_id,
            deployment_id: &stage.deployment.id,
            api: &stage.deployment.definition,
            stage: &stage.name,
            stage_variables: &stage.variables,
            resource_path: &route.resource.path,
            resource_id: &route.resource.id,
            http_method: &request.method,
            request_id: &ids.request_id,
            extended_request_id: &ids.extended_request_id,
            request_time: &now.texts.request_time,
            request_time_epoch: now.epoch_ms,
            path: resource_path,
            path_parameters: &route.path_parameters,
            query: &query,
            raw_query: request.target.split_once('?').map(|(_, q)| q),
            headers: &request.headers,
            body: &request.body,
            source_ip: client.address,
            vpce_id: endpoint.map(|e| e.id.as_str()).unwrap_or_default(),
            vpc_id: endpoint.map(|e| e.vpc_id.as_str()).unwrap_or_default(),
            domain_name: host.split(':').next().unwrap_or_default(),
            protocol: if request.http2 {
                "HTTP/2.0"
            } else {
                "HTTP/1.1"
            },
            tls_version: conn.tls_version,
            cipher_suite: conn.cipher_suite,
        };
        let integration_started = std::time::Instant::now();
        let output = self
            .integrations
            .invoke(route.method, &method_request, &topology.settings)
            .await;
        if let Some(facts) = outcome.access.as_mut() {
            facts.integration_latency_ms = Some(integration_started.elapsed().as_millis() as u64);
        }
        let output = output.inspect_err(|e| {
            outcome.reason = Some(format!("integration failed: {e:?}"));
        })?;
        let trace = output.traced.then(response::trace_id);
        Ok(GatewayResponse::success(
            output.status,
            output.content_type,
            output.headers,
            output.body,
            ids,
            trace,
        ))
    }

    /// On the public endpoint the Host names the API, which must be REGIONAL or EDGE.
    fn select_public_api<'t>(
        &self,
        topology: &'t Topology,
        request: &GatewayRequest,
        outcome: &mut Outcome,
    ) -> Result<&'t Arc<RestApi>, GatewayError> {
        let host = host_name(request);
        let api = host
            .strip_suffix(topology.api_host_suffix())
            .filter(|label| names::is_rest_api_id(label))
            .and_then(|id| topology.rest_api(id))
            .ok_or_else(|| {
                outcome.reason = Some(format!(
                    "the public endpoint serves APIs by Host, and {host:?} names none"
                ));
                GatewayError::Forbidden
            })?;
        if api.endpoint_type == EndpointType::Private {
            outcome.reason = Some(format!(
                "API {} is PRIVATE: it is reached only through VPC endpoints",
                api.id
            ));
            return Err(GatewayError::Forbidden);
        }
        Ok(api)
    }

    /// Picks the API by `x-apigw-api-id`, else by the Host name.
    fn select_api<'t>(
        &self,
        topology: &'t Topology,
        endpoint: &VpcEndpoint,
        request: &GatewayRequest,
        outcome: &mut Outcome,
    ) -> Result<&'t Arc<RestApi>, GatewayError> {
        let (api_id, alias_vpce) = if let Some(id) = request.header("x-apigw-api-id") {
            (id.trim().to_string(), None)
        } else {
            let host = host_name(request);
            match host.strip_suffix(topology.api_host_suffix()) {
                Some(label) if names::is_rest_api_id(label) => (label.to_string(), None),
                Some(label) => match label.split_once('-') {
                    // Route 53 alias: `<api-id>-<vpce-id>.execute-api.<region>.amazonaws.com`.
                    Some((id, vpce))
                        if names::is_rest_api_id(id) && names::is_resource_id(vpce, "vpce") =>
                    {
                        (id.to_string(), Some(vpce.to_string()))
                    }
                    _ => {
                        outcome.reason = Some(format!(
                            "no x-apigw-api-id header, and Host {host:?} names no API"
                        ));
                        return Err(GatewayError::Forbidden);
                    }
                },
                None => {
                    outcome.reason = Some(format!(
                        "no x-apigw-api-id header, and Host {host:?} names no API"
                    ));
                    return Err(GatewayError::Forbidden);
                }
            }
        };
        let api = topology.rest_api(&api_id).ok_or_else(|| {
            outcome.reason = Some(format!("no REST API has the id {api_id:?}"));
            GatewayError::Forbidden
        })?;
        if api.endpoint_type != EndpointType::Private {
            // VPC endpoints route only to private APIs.
            outcome.reason = Some(format!(
                "API {api_id} is {}, not PRIVATE",
                api.endpoint_type.as_str()
            ));
            return Err(GatewayError::Forbidden);
        }
        if let Some(vpce) = alias_vpce {
            if vpce != endpoint.id || !api.vpc_endpoint_ids.contains(&vpce) {
                outcome.reason = Some(format!("the alias name needs API {api_id} to be associated with {vpce}, and to be called through it"));
                return Err(GatewayError::Forbidden);
            }
        }
        Ok(api)
    }

    /// The condition keys API Gateway supplies for an anonymous call. Through a VPC endpoint:
    /// `aws:SourceVpce`, `aws:SourceVpc`, `aws:VpcSourceIp`, and no `aws:SourceIp`; through the
    /// public endpoint: `aws:SourceIp` only.
    fn condition_context(
        &self,
        topology: &Topology,
        endpoint: Option<&VpcEndpoint>,
        client_address: IpAddr,
        request: &GatewayRequest,
        now: &clock::Now,
    ) -> ConditionContext {
        // Names in lower case, as the context stores them: no allocation for them.
        let mut c = ConditionContext::with_capacity(10);
        match endpoint {
            Some(endpoint) => {
                c.insert_static("aws:sourcevpce", endpoint.id.clone());
                c.insert_static("aws:sourcevpc", endpoint.vpc_id.clone());
                c.insert_static("aws:vpcsourceip", clock::ip_text(client_address));
            }
            None => c.insert_static("aws:sourceip", clock::ip_text(client_address)),
        }
        c.insert_static("aws:securetransport", "true");
        c.insert_static("aws:currenttime", now.texts.iso8601.clone());
        c.insert_static("aws:epochtime", now.texts.epoch_text.clone());
        c.insert_static("aws:principaltype", "Anonymous");
        c.insert_static("aws:requestedregion", topology.region.name.clone());
        if let Some(ua) = request.header("user-agent") {
            c.insert_static("aws:useragent", ua);
        }
        if let Some(referer) = request.header("referer") {
            c.insert_static("aws:referer", referer);
        }
        c
    }

    /// Whether the endpoint's security groups let a connection in (checked before TLS). A
    /// dropped connection gets no answer at all, as on AWS.
    pub fn admit(&self, local: SocketAddr, peer: SocketAddr) -> Result<(), std::time::Duration> {
        let topology = self.topology.load();
        let Some(Frontend::VpcEndpoint(endpoint)) = topology.frontend(local.ip()) else {
            return Ok(());
        };
        let Some(groups) = &endpoint.security_groups else {
            return Ok(());
        };
        let client = topology.client(peer.ip());
        // Rules speak of the endpoint's port 443, whatever local port stands for it.
        match network::admit(groups, &client, 443) {
            Admission::Allowed { .. } => Ok(()),
            Admission::Dropped { group_ids } => {
                tracing::info!(
                    target: "apigw_emulator::access",
                    source = %client.describe(),
                    endpoint = %endpoint.id,
                    "security group drop: no rule of {} allows tcp/443 from {}; the connection gets no answer",
                    group_ids.join(", "),
                    client.address
                );
                Err(topology.settings.security_group_drop)
            }
        }
    }

    fn authorize(
        &self,
        policy: &Policy,
        target: &MethodTarget<'_>,
        context: &ConditionContext,
        endpoint_policy: bool,
        wording: DenialWording,
        outcome: &mut Outcome,
    ) -> Result<(), GatewayError> {
        let principal = Principal::Anonymous;
        let request = AuthzRequest {
            action: "execute-api:Invoke",
            resource: &target.arn,
            principal: &principal,
            context,
        };
        let evaluation = policy.evaluate(&request);
        outcome.decision = Some(decision_name(evaluation.decision));
        if evaluation.decision == Decision::Allow {
            return Ok(());
        }
        // AWS never says why; the log does.
        let (_, trace) = policy.evaluate_with_trace(&request);
        let which = if endpoint_policy {
            "VPC endpoint policy"
        } else {
            "resource policy"
        };
        let reason = format!(
            "{which}: {} (statement {})",
            decision_name(evaluation.decision),
            evaluation
                .deciding_statement
                .as_ref()
                .map(|s| s
                    .sid
                    .as_deref()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("#{}", s.index)))
                .unwrap_or_else(|| "none allows".to_string())
        );
        tracing::info!(target: "apigw_emulator::policy", resource = %target.arn, trace = %serde_json::to_string(&trace).unwrap_or_default(), "{reason}");
        outcome.reason = Some(reason);
        Err(GatewayError::AccessDenied(denial_message(
            &target.masked_arn(),
            evaluation.decision,
            endpoint_policy,
            wording,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_messages_use_aws_wording() {
        let arn = "arn:aws:execute-api:us-east-1:********9012:chw1a2q2xk/test/GET/";
        assert_eq!(
            denial_message(arn, Decision::ExplicitDeny, false, DenialWording::Current),
            format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn} with an explicit deny in a resource-based policy")
        );
        assert_eq!(
            denial_message(arn, Decision::ImplicitDeny, false, DenialWording::Current),
            format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn} because no resource-based policy allows the execute-api:Invoke action")
        );
        assert!(
            denial_message(arn, Decision::ExplicitDeny, false, DenialWording::Legacy)
                .ends_with("/GET/ with an explicit deny")
        );
        assert!(
            denial_message(arn, Decision::ExplicitDeny, true, DenialWording::Current)
                .ends_with("with an explicit deny in a VPC endpoint policy")
        );
    }
}
