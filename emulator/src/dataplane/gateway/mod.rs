//! The execute-api front end of the VPC endpoints: from a decrypted request to API Gateway's
//! answer.
//!
//! Order of checks (decision 4 in docs/decisions.md), each refusal exactly as AWS words it:
//! 1. the endpoint: the local address the connection arrived on (this is `aws:SourceVpce`);
//! 2. the API ([`select`]): `x-apigw-api-id`, else the `Host` name; unknown, not PRIVATE, or
//!    (alias names) not associated with this endpoint → 403 `Forbidden`;
//! 3. the stage, the first path segment; unknown → 403 `Forbidden`;
//! 4. resource and method; unknown → 403 `Missing Authentication Token`;
//! 5. the endpoint policy, then the API's resource policy as deployed ([`authorize`]) → 403
//!    `AccessDenied`;
//! 6. the integration.
//!
//! Every refusal is a typed [`Refusal`]: the client's answer and the reason the log, the
//! console, the access log and `explain` show. `server` owns sockets, TLS and protocols;
//! `http1` is the HTTP/1.1 codec; `response` shapes bytes; `request_log` keeps the last
//! requests for the console.

mod access;
mod authorize;
pub mod clock;
pub mod coalesce;
mod dry_run;
pub mod http1;
pub mod refusal;
mod request;
pub mod request_log;
pub mod response;
mod select;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::dataplane::access_log::AccessLogWriter;
use crate::dataplane::context::RequestContext;
use crate::dataplane::integration::{Integrations, MethodRequest};
use crate::model::api::RouteMatch;
use crate::model::network::{self, Admission, ClientIdentity};
use crate::model::topology::{Frontend, RestApi, Stage, Topology, VpcEndpoint};
use access::{access_context, AccessFacts};
use authorize::MethodTarget;
pub use dry_run::{DryRun, WouldCall};
use iam_policy::Decision;
pub use refusal::{PolicyKind, Refusal};
pub use request::{ConnectionInfo, GatewayRequest};
use request_log::{LoggedRequest, RequestLog};
use response::{GatewayResponse, RequestIds};

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
    /// The policies' decision, once they were evaluated.
    pub decision: Option<Decision>,
    /// Why it was refused or failed.
    pub reason: Option<Refusal>,
}

impl Trace {
    /// The decision as logs and the console write it (`-` before any policy ran).
    pub fn decision_name(&self) -> &'static str {
        self.decision.map_or("-", Decision::as_str)
    }
}

/// How a request ended: the trace, and what the stage's access log needs beyond it.
#[derive(Debug, Default)]
struct Outcome {
    trace: Trace,
    access: Option<AccessFacts>,
}

/// The request as far as routing got it: the API, the endpoint it came through, the stage.
struct Routed<'t> {
    api: &'t Arc<RestApi>,
    endpoint: Option<&'t VpcEndpoint>,
    client: ClientIdentity<'t>,
    stage: &'t Arc<Stage>,
    /// The path below the stage (`""` for the stage's root).
    rest: &'t str,
}

/// Routes, authorizes and answers requests, reading the current topology per request.
pub struct Gateway {
    topology: Arc<ArcSwap<Topology>>,
    integrations: Integrations,
    access_log: AccessLogWriter,
    requests: RequestLog,
}

impl Gateway {
    /// A gateway over `topology`, calling integrations through `integrations`.
    pub fn new(topology: Arc<ArcSwap<Topology>>, integrations: Integrations) -> Gateway {
        Gateway {
            topology,
            integrations,
            access_log: AccessLogWriter::start(),
            requests: RequestLog::default(),
        }
    }

    /// The last requests answered through [`Gateway::handle`] (the web console's list).
    pub fn requests(&self) -> &RequestLog {
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
        self.requests.record(LoggedRequest {
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
        let result = self
            .process(&topology, conn, &request, &ids, &mut outcome)
            .await;
        let response = answer(result, &ids, &mut outcome.trace);
        if let Some(facts) = &outcome.access {
            if let Some(settings) = &facts.stage.access_log {
                let context =
                    access_context(conn, &request, &ids, &outcome, facts, &response, started);
                let line = crate::dataplane::access_log::render(&settings.format, &context);
                self.access_log.write(&settings.destination, line);
            }
        }
        log_access(&request, &ids, &outcome.trace, response.status, started);
        (response, outcome.trace)
    }

    async fn process(
        &self,
        topology: &Topology,
        conn: &ConnectionInfo,
        request: &GatewayRequest,
        ids: &RequestIds,
        outcome: &mut Outcome,
    ) -> Result<GatewayResponse, Refusal> {
        let decided = decide(topology, conn, request, outcome)?;
        self.integrate(topology, conn, request, ids, &decided, outcome)
            .await
    }

    /// Step 6: the integration, and the gateway's own headers around its answer.
    async fn integrate(
        &self,
        topology: &Topology,
        conn: &ConnectionInfo,
        request: &GatewayRequest,
        ids: &RequestIds,
        decided: &Decided<'_>,
        outcome: &mut Outcome,
    ) -> Result<GatewayResponse, Refusal> {
        let Decided { routed, route, now } = decided;
        let query = request.query();
        let host = request::host_name(request);
        let (stage, endpoint) = (routed.stage, routed.endpoint);
        let resource_path = if routed.rest.is_empty() {
            "/"
        } else {
            routed.rest
        };
        let method_request = MethodRequest {
            context: RequestContext {
                account_id: &topology.account_id,
                api_id: &routed.api.id,
                deployment_id: &stage.deployment.id,
                domain_name: &host,
                extended_request_id: &ids.extended_request_id,
                http_method: &request.method,
                path_below_stage: resource_path,
                protocol: request.protocol(),
                request_id: &ids.request_id,
                request_time: &now.texts.request_time,
                request_time_epoch: now.epoch_ms,
                resource_id: &route.resource.id,
                resource_path: &route.resource.path,
                stage: &stage.name,
                source_ip: routed.client.address,
                user_agent: request.header("user-agent"),
                vpce_id: endpoint.map(|e| e.id.as_str()).unwrap_or_default(),
                vpc_id: endpoint.map(|e| e.vpc_id.as_str()).unwrap_or_default(),
            },
            api: &stage.deployment.definition,
            stage_variables: &stage.variables,
            path_parameters: &route.path_parameters,
            query: &query,
            raw_query: request.target.split_once('?').map(|(_, q)| q),
            headers: &request.headers,
            body: &request.body,
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
        let output = output.map_err(|e| Refusal::IntegrationFailed {
            error: e.error,
            cause: e.cause,
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
}

/// Steps 1 to 5, everything before the integration: the endpoint, API, stage, resource and
/// method, and both policies. One path for requests and for `explain`'s dry runs.
fn decide<'t>(
    topology: &'t Topology,
    conn: &ConnectionInfo,
    request: &'t GatewayRequest,
    outcome: &mut Outcome,
) -> Result<Decided<'t>, Refusal> {
    let routed = route_to_stage(topology, conn, request, outcome)?;
    let now = clock::now();
    // Only stages with an access log pay for its facts.
    outcome.access = routed.stage.access_log.is_some().then(|| AccessFacts {
        stage: routed.stage.clone(),
        account_id: topology.account_id.clone(),
        source_ip: routed.client.address,
        vpc_id: routed
            .endpoint
            .map(|e| e.vpc_id.clone())
            .unwrap_or_default(),
        resource_id: None,
        path_below_stage: match routed.rest {
            "" => "/".to_string(),
            rest => rest.to_string(),
        },
        integration_latency_ms: None,
        request_time: (now.texts.request_time.clone(), now.epoch_ms),
    });
    let resource_path = if routed.rest.is_empty() {
        "/"
    } else {
        routed.rest
    };
    let route = routed
        .stage
        .deployment
        .definition
        .route(resource_path, &request.method)
        .ok_or_else(|| Refusal::NoMethod {
            method: request.method.clone(),
            resource_path: resource_path.to_string(),
        })?;
    outcome.trace.resource = Some(route.resource.path.clone());
    if let Some(facts) = outcome.access.as_mut() {
        facts.resource_id = Some(route.resource.id.clone());
    }
    outcome.trace.decision = Some(authorize_call(topology, &routed, request, &now)?);
    Ok(Decided { routed, route, now })
}

/// A request that passed every check: what the integration is called with.
struct Decided<'t> {
    routed: Routed<'t>,
    route: RouteMatch<'t>,
    now: clock::Now,
}

/// The client's answer: the integration's, or the refusal's (recorded in `trace`).
fn answer(
    result: Result<GatewayResponse, Refusal>,
    ids: &RequestIds,
    trace: &mut Trace,
) -> GatewayResponse {
    match result {
        Ok(response) => response,
        Err(refusal) => {
            let response = GatewayResponse::error(&refusal.error(), ids);
            if let Some(decision) = refusal.decision() {
                trace.decision = Some(decision);
            }
            trace.reason = Some(refusal);
            response
        }
    }
}

/// Steps 1 to 3: the endpoint (or public front end), the API, the stage.
fn route_to_stage<'t>(
    topology: &'t Topology,
    conn: &ConnectionInfo,
    request: &'t GatewayRequest,
    outcome: &mut Outcome,
) -> Result<Routed<'t>, Refusal> {
    let local = conn.local.ip();
    let frontend = topology
        .frontend(local)
        .ok_or(Refusal::NothingServed { local })?;
    let client = topology.client(conn.peer.ip());
    outcome.trace.client = Some(client.describe());
    let (api, endpoint) = match frontend {
        Frontend::VpcEndpoint(endpoint) => {
            outcome.trace.endpoint = Some(endpoint.id.clone());
            let api = select::private_api(topology, endpoint, request)?;
            (api, Some(&**endpoint))
        }
        Frontend::Public => {
            outcome.trace.endpoint = Some("public".to_string());
            (select::public_api(topology, request)?, None)
        }
    };
    outcome.trace.api = Some(api.id.clone());
    let path = request.path();
    let after_slash = path.strip_prefix('/').unwrap_or(path);
    let (stage_name, rest) = match after_slash.find('/') {
        Some(i) => (&after_slash[..i], &after_slash[i..]),
        None => (after_slash, ""),
    };
    let stage = api.stages.get(stage_name).ok_or_else(|| {
        if stage_name.is_empty() {
            Refusal::NoStage
        } else {
            Refusal::StageNotDeployed {
                stage: stage_name.to_string(),
                deployed: api.stages.keys().cloned().collect(),
            }
        }
    })?;
    outcome.trace.stage = Some(stage.name.clone());
    Ok(Routed {
        api,
        endpoint,
        client,
        stage,
        rest,
    })
}

/// Step 5: the endpoint policy, then the resource policy as deployed to the stage.
fn authorize_call(
    topology: &Topology,
    routed: &Routed<'_>,
    request: &GatewayRequest,
    now: &clock::Now,
) -> Result<Decision, Refusal> {
    let (api, stage) = (routed.api, routed.stage);
    let target = MethodTarget::new(
        &api.arn,
        &api.masked_arn,
        &stage.name,
        &request.method,
        routed.rest,
    );
    let context = authorize::condition_context(
        topology,
        routed.endpoint,
        routed.client.address,
        request,
        now,
    );
    let wording = topology.settings.denial_wording;
    if let Some(endpoint) = routed.endpoint {
        authorize::authorize(
            &endpoint.policy,
            PolicyKind::VpcEndpoint,
            &target,
            &context,
            wording,
        )?;
    }
    match (&stage.deployment.policy, routed.endpoint) {
        (Some(policy), _) => {
            authorize::authorize(policy, PolicyKind::Resource, &target, &context, wording)
        }
        // A public API without a resource policy is open to everyone.
        (None, None) => Ok(Decision::Allow),
        // Private APIs cannot be deployed without a policy; should one get here, nothing allows it.
        (None, Some(_)) => Err(authorize::no_resource_policy(&target, wording)),
    }
}

/// The request's log line (target `apigw_emulator::access`), with why it was refused.
fn log_access(
    request: &GatewayRequest,
    ids: &RequestIds,
    trace: &Trace,
    status: u16,
    started: std::time::Instant,
) {
    use crate::dataplane::access_log::Escaped;
    let reason = trace
        .reason
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    // What the client chose is escaped: one request is one line, whatever bytes it carried
    // (`&str` fields such as `reason` are written quoted and escaped by the formatter already;
    // `%` fields and the message are not).
    let (method, path) = (Escaped(&request.method), Escaped(request.path()));
    tracing::info!(
        target: "apigw_emulator::access",
        request_id = %ids.request_id,
        source = trace.client.as_deref().unwrap_or("-"),
        endpoint = trace.endpoint.as_deref().unwrap_or("-"),
        api = trace.api.as_deref().unwrap_or("-"),
        stage = trace.stage.as_deref().unwrap_or("-"),
        method = %method,
        path = %path,
        resource = trace.resource.as_deref().unwrap_or("-"),
        status,
        decision = trace.decision_name(),
        reason = reason.as_str(),
        ms = started.elapsed().as_millis() as u64,
        "{method} {path} {status}"
    );
}
