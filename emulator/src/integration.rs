//! Integrations: what answers a method once the gateway has routed and authorized a request.
//!
//! - MOCK: the request template's `statusCode` selects an integration response, whose
//!   parameters and template make the answer. Nothing is called.
//! - HTTP (non-proxy): request parameters map the method request onto the backend URI, query
//!   string and headers; the backend is really called over HTTP; its status selects an
//!   integration response by `selectionPattern`; the body passes through unless a response
//!   template is set.
//!
//! Templates support the `$context.*` variables; the full VTL subset comes with OpenAPI import.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::api::{HttpIntegration, Integration, IntegrationResponse, Method, MockIntegration};
use crate::gateway::response::GatewayError;

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
    /// Whether API Gateway adds `X-Amzn-Trace-Id` (it does after HTTP integrations).
    pub traced: bool,
}

/// The request as integrations see it (`method.request.*` and `$context.*`).
#[derive(Debug)]
pub struct MethodRequest<'a> {
    /// The API id.
    pub api_id: &'a str,
    /// The stage name.
    pub stage: &'a str,
    /// The matched resource's template path.
    pub resource_path: &'a str,
    /// The request method.
    pub http_method: &'a str,
    /// `x-amzn-RequestId`.
    pub request_id: &'a str,
    /// `x-amz-apigw-id`.
    pub extended_request_id: &'a str,
    /// The path after the stage, as requested.
    pub path: &'a str,
    /// Path parameters.
    pub path_parameters: &'a [(String, String)],
    /// Query string parameters, decoded, in order.
    pub query: &'a [(String, String)],
    /// Request headers, as received.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a Bytes,
    /// `$context.identity.sourceIp`.
    pub source_ip: IpAddr,
    /// `$context.identity.vpceId`.
    pub vpce_id: &'a str,
    /// `$context.identity.vpcId`.
    pub vpc_id: &'a str,
    /// `$context.domainName`.
    pub domain_name: &'a str,
}

impl MethodRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn context(&self, name: &str) -> Option<String> {
        Some(match name {
            "stage" => self.stage.to_string(),
            "apiId" => self.api_id.to_string(),
            "requestId" => self.request_id.to_string(),
            "extendedRequestId" => self.extended_request_id.to_string(),
            "resourcePath" => self.resource_path.to_string(),
            "httpMethod" => self.http_method.to_string(),
            "path" => format!("/{}{}", self.stage, self.path),
            "domainName" => self.domain_name.to_string(),
            "domainPrefix" => self
                .domain_name
                .split('.')
                .next()
                .unwrap_or_default()
                .to_string(),
            "identity.sourceIp" => self.source_ip.to_string(),
            "identity.vpceId" => self.vpce_id.to_string(),
            "identity.vpcId" => self.vpc_id.to_string(),
            "identity.userAgent" => self.header("user-agent").unwrap_or_default().to_string(),
            "protocol" => "HTTP/1.1".to_string(),
            _ => return None,
        })
    }

    /// `method.request.path.X`, `method.request.querystring.X`, `method.request.header.X`, or a
    /// quoted static value.
    fn parameter(&self, source: &str) -> Option<String> {
        if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return Some(literal.to_string());
        }
        if let Some(name) = source.strip_prefix("method.request.path.") {
            return self
                .path_parameters
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
        }
        if let Some(name) = source.strip_prefix("method.request.querystring.") {
            return self
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
        }
        if let Some(name) = source.strip_prefix("method.request.header.") {
            return self.header(name).map(str::to_string);
        }
        None
    }
}

/// Fills `$context.name` and `${context.name}` references; other text is kept as written.
pub fn render_template(template: &str, request: &MethodRequest<'_>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (braced, body) = match after.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, after),
        };
        if let Some(var) = body.strip_prefix("context.") {
            let len = var
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
                .count();
            let mut name = &var[..len];
            // A sentence may end right after a reference: `$context.stage.` is `stage` then `.`.
            name = name.trim_end_matches('.');
            let closes = !braced || var[name.len()..].starts_with('}');
            if let (Some(value), true) = (request.context(name), closes) {
                out.push_str(&value);
                rest = &var[name.len() + usize::from(braced)..];
                continue;
            }
        }
        out.push('$');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Calls integrations. One per emulator; holds the HTTP client pool and the host overrides that
/// send the Example API's demo backend to the local stand-in.
pub struct Integrations {
    client: Client<HttpConnector, Full<Bytes>>,
    host_overrides: HashMap<String, SocketAddr>,
}

fn select_response<'r>(
    responses: &'r [IntegrationResponse],
    status: &str,
) -> Option<&'r IntegrationResponse> {
    responses
        .iter()
        .filter(|r| {
            r.selection_pattern
                .as_deref()
                .is_some_and(|p| !p.is_empty())
        })
        .find(|r| {
            r.selection_pattern
                .as_deref()
                .and_then(|p| regex::Regex::new(&format!("^(?:{p})$")).ok())
                .is_some_and(|re| re.is_match(status))
        })
        .or_else(|| {
            responses
                .iter()
                .find(|r| r.selection_pattern.as_deref().is_none_or(str::is_empty))
        })
}

/// Picks a template by the request's `Accept`, else `application/json`, else the first.
fn select_template<'t>(
    templates: &'t std::collections::BTreeMap<String, String>,
    accept: Option<&str>,
) -> Option<(&'t str, &'t str)> {
    let wanted = accept.and_then(|a| {
        a.split(',')
            .map(|t| t.split(';').next().unwrap_or("").trim())
            .find(|t| templates.contains_key(*t))
    });
    let key = wanted.or_else(|| {
        templates
            .contains_key("application/json")
            .then_some("application/json")
    });
    match key {
        Some(k) => templates
            .get_key_value(k)
            .map(|(k, v)| (k.as_str(), v.as_str())),
        None => templates
            .iter()
            .next()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    }
}

/// Applies an integration response: headers from `method.response.header.*` mappings, the body
/// from a template or passed through.
fn map_response(
    chosen: &IntegrationResponse,
    request: &MethodRequest<'_>,
    backend_headers: &[(String, String)],
    backend_body: Bytes,
    traced: bool,
) -> IntegrationOutput {
    let mut content_type = None;
    let mut headers = Vec::new();
    for (target, source) in &chosen.response_parameters {
        let Some(name) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        let value =
            if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                Some(literal.to_string())
            } else if let Some(h) = source.strip_prefix("integration.response.header.") {
                backend_headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(h))
                    .map(|(_, v)| v.clone())
            } else {
                None
            };
        let Some(value) = value else { continue };
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value);
        } else {
            headers.push((name.to_string(), value));
        }
    }
    let (template_type, body) =
        match select_template(&chosen.response_templates, request.header("accept")) {
            Some((ct, template)) => (
                Some(ct.to_string()),
                Bytes::from(render_template(template, request)),
            ),
            None => (None, backend_body),
        };
    IntegrationOutput {
        status: chosen.status_code,
        content_type: content_type
            .or(template_type)
            .unwrap_or_else(|| "application/json".to_string()),
        headers,
        body,
        traced,
    }
}

impl Integrations {
    /// `host_overrides` maps backend host names to local addresses.
    pub fn new(host_overrides: HashMap<String, SocketAddr>) -> Integrations {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Integrations {
            client,
            host_overrides,
        }
    }

    /// Runs the method's integration.
    pub async fn invoke(
        &self,
        method: &Method,
        request: &MethodRequest<'_>,
    ) -> Result<IntegrationOutput, GatewayError> {
        match &method.integration {
            Integration::Mock(mock) => Ok(self.mock(mock, request)),
            Integration::Http(http) => self.http(http, request).await,
        }
    }

    fn mock(&self, mock: &MockIntegration, request: &MethodRequest<'_>) -> IntegrationOutput {
        let content_type = request.header("content-type").unwrap_or("application/json");
        let content_type = content_type.split(';').next().unwrap_or("").trim();
        let template = mock
            .request_templates
            .get(content_type)
            .or_else(|| mock.request_templates.get("application/json"));
        let status = template
            .map(|t| render_template(t, request))
            .and_then(|rendered| serde_json::from_str::<serde_json::Value>(&rendered).ok())
            .and_then(|v| {
                v.get("statusCode").and_then(|s| {
                    s.as_u64()
                        .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
                })
            })
            .unwrap_or(200);
        match select_response(&mock.responses, &status.to_string()) {
            Some(chosen) => map_response(chosen, request, &[], Bytes::new(), false),
            // No integration response covers the status: API Gateway fails the method as a
            // configuration error.
            None => IntegrationOutput {
                status: 500,
                content_type: "application/json".to_string(),
                headers: Vec::new(),
                body: Bytes::from_static(br#"{"message": "Internal server error"}"#),
                traced: false,
            },
        }
    }

    async fn http(
        &self,
        spec: &HttpIntegration,
        request: &MethodRequest<'_>,
    ) -> Result<IntegrationOutput, GatewayError> {
        let mut uri = spec.uri.clone();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        for (target, source) in &spec.request_parameters {
            let value = request.parameter(source);
            if let Some(name) = target.strip_prefix("integration.request.path.") {
                uri = uri.replace(
                    &format!("{{{name}}}"),
                    &encode_path_segment(value.as_deref().unwrap_or("")),
                );
            } else if let (Some(name), Some(v)) = (
                target.strip_prefix("integration.request.querystring."),
                value.clone(),
            ) {
                query.push((name.to_string(), v));
            } else if let (Some(name), Some(v)) =
                (target.strip_prefix("integration.request.header."), value)
            {
                headers.push((name.to_string(), v));
            }
        }
        if !query.is_empty() {
            let qs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
                .collect();
            uri.push(if uri.contains('?') { '&' } else { '?' });
            uri.push_str(&qs.join("&"));
        }
        let parsed: http::Uri = uri.parse().map_err(|_| {
            tracing::warn!(%uri, "the integration URI is not a valid URI");
            GatewayError::InternalServerError
        })?;
        let host = parsed.host().unwrap_or_default().to_string();
        let host_header = match parsed.port_u16() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        // The demo backend's public name goes to the local stand-in; other hosts are dialled.
        let target_uri = match self.host_overrides.get(&host) {
            Some(addr) => {
                let pq = parsed.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                format!("http://{addr}{pq}")
                    .parse::<http::Uri>()
                    .map_err(|_| GatewayError::InternalServerError)?
            }
            None => parsed.clone(),
        };
        if target_uri.scheme_str() != Some("http") {
            tracing::warn!(%uri, "only http:// backends are supported for HTTP integrations so far");
            return Err(GatewayError::InternalServerError);
        }
        let mut builder = http::Request::builder()
            .method(spec.http_method.as_str())
            .uri(target_uri)
            .header("Host", host_header)
            .header("User-Agent", format!("AmazonAPIGateway_{}", request.api_id))
            .header("X-Amzn-Apigateway-Api-Id", request.api_id)
            .header("Accept", "application/json");
        if !request.body.is_empty() {
            builder = builder.header(
                "Content-Type",
                request.header("content-type").unwrap_or("application/json"),
            );
        }
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let outgoing = builder.body(Full::new(request.body.clone())).map_err(|e| {
            tracing::warn!("cannot build the integration request: {e}");
            GatewayError::InternalServerError
        })?;
        let call = async {
            let response = self.client.request(outgoing).await.map_err(|e| {
                tracing::info!(%uri, "integration request failed: {e}");
                GatewayError::InternalServerError
            })?;
            let status = response.status().as_u16();
            let backend_headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|_| GatewayError::InternalServerError)?
                .to_bytes();
            Ok::<_, GatewayError>((status, backend_headers, body))
        };
        let (status, backend_headers, body) =
            tokio::time::timeout(Duration::from_millis(spec.timeout_millis), call)
                .await
                .map_err(|_| GatewayError::IntegrationTimeout)??;
        let chosen = select_response(&spec.responses, &status.to_string())
            .ok_or(GatewayError::InternalServerError)?;
        Ok(map_response(chosen, request, &backend_headers, body, true))
    }
}

fn encode_with(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_path_segment(s: &str) -> String {
    encode_with(s, |b| matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn encode_query(s: &str) -> String {
    encode_with(s, |b| matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(body: &'a Bytes, headers: &'a [(String, String)]) -> MethodRequest<'a> {
        MethodRequest {
            api_id: "chw1a2q2xk",
            stage: "test",
            resource_path: "/",
            http_method: "GET",
            request_id: "r",
            extended_request_id: "e",
            path: "/",
            path_parameters: &[],
            query: &[],
            headers,
            body,
            source_ip: "127.0.0.1".parse().unwrap(),
            vpce_id: "vpce-01234567890abcdef",
            vpc_id: "vpc-0a1b2c3d4e5f67890",
            domain_name: "chw1a2q2xk.execute-api.us-east-1.amazonaws.com",
        }
    }

    #[test]
    fn templates_fill_context_variables() {
        let body = Bytes::new();
        let r = request(&body, &[]);
        assert_eq!(
            render_template("<a href=\"/$context.stage/pets/\">", &r),
            "<a href=\"/test/pets/\">"
        );
        assert_eq!(
            render_template("${context.apiId}-$context.identity.vpceId.", &r),
            "chw1a2q2xk-vpce-01234567890abcdef."
        );
        assert_eq!(
            render_template("$5 and $context.nope and $", &r),
            "$5 and $context.nope and $"
        );
    }

    #[test]
    fn responses_are_selected_by_pattern_then_default() {
        let resp = |p: Option<&str>, s| IntegrationResponse {
            selection_pattern: p.map(String::from),
            status_code: s,
            response_parameters: vec![],
            response_templates: Default::default(),
        };
        let rs = vec![
            resp(None, 200),
            resp(Some("4\\d{2}"), 400),
            resp(Some("500"), 500),
        ];
        assert_eq!(select_response(&rs, "404").unwrap().status_code, 400);
        assert_eq!(select_response(&rs, "500").unwrap().status_code, 500);
        assert_eq!(select_response(&rs, "201").unwrap().status_code, 200);
    }
}
