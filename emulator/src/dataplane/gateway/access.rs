//! What a stage's access log line needs: the facts the gateway gathers on the way, and the
//! `$context` object the line's format reads.

use std::sync::Arc;

use apigw_vtl::ContextUse;
use serde_json::{json, Value};

use super::request::{host_name, ConnectionInfo, GatewayRequest};
use super::response::{GatewayResponse, RequestIds};
use super::Outcome;
use crate::dataplane::context::RequestContext;

/// Facts about a request that reached a stage, for its access log.
#[derive(Debug)]
pub(super) struct AccessFacts {
    pub(super) stage: Arc<crate::model::topology::Stage>,
    pub(super) account_id: String,
    pub(super) source_ip: std::net::IpAddr,
    pub(super) vpc_id: String,
    pub(super) resource_id: Option<String>,
    /// The path below the stage as `$context.path` ends (`/` for the stage's root).
    pub(super) path_below_stage: String,
    pub(super) integration_latency_ms: Option<u64>,
    pub(super) request_time: (String, u64),
}

/// `$context` for a stage's access log line.
pub(super) fn access_context(
    conn: &ConnectionInfo,
    request: &GatewayRequest,
    ids: &RequestIds,
    outcome: &Outcome,
    facts: &AccessFacts,
    response: &GatewayResponse,
    started: std::time::Instant,
) -> Value {
    let host = host_name(request);
    let context = request_context(request, ids, outcome, facts, &host);
    // The access log reads what templates read, and what only a finished request has.
    let mut line = context.object(&ContextUse::All);
    let (message, response_type) = error_fields(response).unwrap_or_default();
    let message_string = if message.is_empty() {
        String::new()
    } else {
        Value::String(message.clone()).to_string()
    };
    let latency = facts.integration_latency_ms;
    for (key, value) in [
        (
            "error",
            json!({"message": message, "messageString": message_string, "responseType": response_type}),
        ),
        ("integrationLatency", json!(latency)),
        ("integration", json!({"latency": latency})),
        (
            "responseLatency",
            json!(started.elapsed().as_millis() as u64),
        ),
        ("responseLength", json!(response.body.len())),
        ("status", json!(response.status)),
        ("tlsVersion", json!(conn.tls_version)),
    ] {
        line.insert(key.to_string(), value);
    }
    Value::Object(line)
}

/// The `$context` templates read, for a request that reached a stage.
fn request_context<'a>(
    request: &'a GatewayRequest,
    ids: &'a RequestIds,
    outcome: &'a Outcome,
    facts: &'a AccessFacts,
    host: &'a str,
) -> RequestContext<'a> {
    RequestContext {
        account_id: &facts.account_id,
        api_id: outcome.trace.api.as_deref().unwrap_or_default(),
        deployment_id: &facts.stage.deployment.id,
        domain_name: host,
        extended_request_id: &ids.extended_request_id,
        http_method: &request.method,
        path_below_stage: &facts.path_below_stage,
        protocol: request.protocol(),
        request_id: &ids.request_id,
        request_time: &facts.request_time.0,
        request_time_epoch: facts.request_time.1,
        resource_id: facts.resource_id.as_deref().unwrap_or_default(),
        resource_path: outcome.trace.resource.as_deref().unwrap_or_default(),
        stage: &facts.stage.name,
        source_ip: facts.source_ip,
        user_agent: request.header("user-agent"),
        vpce_id: outcome
            .trace
            .endpoint
            .as_deref()
            .filter(|e| e.starts_with("vpce-"))
            .unwrap_or_default(),
        vpc_id: &facts.vpc_id,
    }
}

/// `$context.error.message` and `.responseType` of an error response (`None` for an answer).
fn error_fields(response: &GatewayResponse) -> Option<(String, &'static str)> {
    let kind = response.header("x-amzn-ErrorType")?;
    let message = serde_json::from_slice::<Value>(&response.body)
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
    Some((message, response_type))
}
