//! Integrations: what answers a method once the gateway has routed and authorized a request.
//!
//! - MOCK: the request template's `statusCode` selects an integration response, whose
//!   parameters and template make the answer. Nothing is called.
//! - HTTP (non-proxy): request parameters and templates map the method request onto the
//!   backend call; its status selects an integration response by `selectionPattern`.
//! - HTTP_PROXY: the request passes through to the backend and its answer back, with the
//!   headers API Gateway adds and remaps ([`http`]).
//! - AWS_PROXY: a local Lambda function gets the REST API proxy event and answers with the
//!   proxy response contract ([`lambda`]).
//!
//! Mapping (parameters, templates, response selection) lives in [`mapping`]. Whatever the kind,
//! the answer's headers are checked before they can reach the client ([`headers`]), and a
//! backend's answer is read only up to API Gateway's limits ([`body`]).

mod body;
mod headers;
mod http;
mod lambda;
pub mod mapping;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use bytes::Bytes;

use crate::dataplane::context::RequestContext;
use crate::dataplane::gateway::response::GatewayError;
use crate::model::api::{ApiDefinition, Integration, Method, MockIntegration};
use crate::model::topology::Settings;

/// An integration that did not answer: what the client gets, and why, in the words of API
/// Gateway's execution log where it has them. The cause travels to the gateway's refusal, so
/// `explain`, the console and the log all show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationError {
    /// The answer the client gets.
    pub error: GatewayError,
    /// What went wrong.
    pub cause: String,
}

impl IntegrationError {
    /// A failure answered with `error`.
    pub fn new(error: GatewayError, cause: impl Into<String>) -> IntegrationError {
        IntegrationError {
            error,
            cause: cause.into(),
        }
    }
}

/// What the integration produced, before the gateway adds its own headers.
#[derive(Debug)]
pub struct IntegrationOutput {
    /// The status the client gets.
    pub status: u16,
    /// `Content-Type` of the answer.
    pub content_type: String,
    /// Method response headers, in mapping order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// Whether API Gateway adds `X-Amzn-Trace-Id` (after HTTP and AWS_PROXY integrations).
    pub traced: bool,
}

/// The request as integrations see it (`method.request.*` and `$context.*`).
#[derive(Debug)]
pub struct MethodRequest<'a> {
    /// `$context`: the request's facts, as templates, the Lambda event and access logs show them.
    pub context: RequestContext<'a>,
    /// The API's definition (binary media types).
    pub api: &'a ApiDefinition,
    /// The stage's variables.
    pub stage_variables: &'a BTreeMap<String, String>,
    /// Path parameters.
    pub path_parameters: &'a [(String, String)],
    /// Query string parameters, decoded, in order.
    pub query: &'a [(String, String)],
    /// The query string as sent (without `?`), for HTTP_PROXY.
    pub raw_query: Option<&'a str>,
    /// Request headers, as received.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a Bytes,
    /// `TLSv1.2` or `TLSv1.3`.
    pub tls_version: &'a str,
    /// The negotiated cipher suite, in OpenSSL's spelling.
    pub cipher_suite: &'a str,
}

/// Calls integrations. One per emulator; holds the HTTP clients and the host overrides that
/// send the Example API's demo backend to the local stand-in.
pub struct Integrations {
    http: http::Backends,
}

impl Integrations {
    /// `host_overrides` maps backend host names to local addresses; `trusted_cas` are the extra
    /// CA certificates HTTPS backends may chain to (beside the public web roots).
    pub fn new(
        host_overrides: HashMap<String, SocketAddr>,
        trusted_cas: &[rustls::pki_types::CertificateDer<'static>],
    ) -> Integrations {
        Integrations {
            http: http::Backends::new(host_overrides, trusted_cas),
        }
    }

    /// Runs the method's integration and checks the headers of its answer.
    pub async fn invoke(
        &self,
        method: &Method,
        request: &MethodRequest<'_>,
        settings: &Settings,
    ) -> Result<IntegrationOutput, IntegrationError> {
        let output = self.answer(method, request, settings).await?;
        let Some(refused) = headers::refusal(&output) else {
            return Ok(output);
        };
        // A function's header is part of its proxy response, which is then malformed (502); a
        // mapped header is the method's configuration (500).
        let (error, cause) = match &method.integration {
            Some(Integration::LambdaProxy(_)) => (
                GatewayError::BadGateway,
                format!("Execution failed due to configuration error: Malformed Lambda proxy response: {refused}"),
            ),
            _ => (
                GatewayError::InternalServerError,
                format!("Execution failed due to configuration error: {refused}; a header value may not hold CR, LF or another control character, nor a header name anything but a token"),
            ),
        };
        tracing::warn!(
            api = request.context.api_id,
            resource = request.context.resource_path,
            "{cause}"
        );
        Err(IntegrationError::new(error, cause))
    }

    async fn answer(
        &self,
        method: &Method,
        request: &MethodRequest<'_>,
        settings: &Settings,
    ) -> Result<IntegrationOutput, IntegrationError> {
        match &method.integration {
            Some(Integration::Mock(mock)) => mock_answer(mock, request),
            Some(Integration::Http(spec)) => self.http.call(spec, request).await,
            Some(Integration::LambdaProxy(spec)) => {
                lambda::invoke(&self.http, spec, request, &settings.lambda_functions).await
            }
            Some(Integration::Unsupported(what)) => {
                let cause = format!("Execution failed: {what} is not emulated");
                tracing::warn!(
                    api = request.context.api_id,
                    resource = request.context.resource_path,
                    "{cause}"
                );
                Err(IntegrationError::new(
                    GatewayError::InternalServerError,
                    cause,
                ))
            }
            None => {
                let cause = "Execution failed due to configuration error: No integration defined for method";
                tracing::warn!(
                    api = request.context.api_id,
                    resource = request.context.resource_path,
                    method = request.context.http_method,
                    "{cause}"
                );
                Err(IntegrationError::new(
                    GatewayError::InternalServerError,
                    cause,
                ))
            }
        }
    }
}

fn mock_answer(
    mock: &MockIntegration,
    request: &MethodRequest<'_>,
) -> Result<IntegrationOutput, IntegrationError> {
    // A constant template (`{"statusCode": 200}`) selected its status when it was loaded.
    let status = match mapping::request_template(request, &mock.request_templates)
        .and_then(|t| t.static_mock_status())
    {
        Some(status) => status,
        None => crate::model::api::mock_status(&mapping::request_body(
            request,
            &mock.request_templates,
            mock.passthrough_behavior,
        )?),
    };
    match mapping::select_response(&mock.responses, &status.to_string()) {
        Some(chosen) => mapping::map_response(chosen, request, &[], Bytes::new(), false),
        None => {
            // API Gateway: "Execution failed due to configuration error: No match for output
            // mapping and no default output mapping".
            let cause = "Execution failed due to configuration error: no integration response matches the MOCK status and there is no default";
            tracing::warn!(
                api = request.context.api_id,
                resource = request.context.resource_path,
                status,
                "{cause}"
            );
            Err(IntegrationError::new(
                GatewayError::InternalServerError,
                cause,
            ))
        }
    }
}
