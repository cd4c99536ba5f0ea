//! What a stage's access log line needs: the facts the gateway gathers on the way, and the
//! `$context` object the line's format reads.

use std::sync::Arc;

use super::request::{host_name, ConnectionInfo, GatewayRequest};
use super::response::{GatewayResponse, RequestIds};
use super::Outcome;

/// Facts about a request that reached a stage, for its access log.
#[derive(Debug)]
pub(super) struct AccessFacts {
    pub(super) stage: Arc<crate::model::topology::Stage>,
    pub(super) account_id: String,
    pub(super) source_ip: std::net::IpAddr,
    pub(super) vpc_id: String,
    pub(super) resource_id: Option<String>,
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
        "apiId": outcome.trace.api,
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
            "vpceId": outcome.trace.endpoint.as_deref().filter(|e| e.starts_with("vpce-")),
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
        "resourcePath": outcome.trace.resource,
        "responseLatency": started.elapsed().as_millis() as u64,
        "responseLength": response.body.len(),
        "stage": facts.stage.name,
        "status": response.status,
        "tlsVersion": conn.tls_version,
    })
}
