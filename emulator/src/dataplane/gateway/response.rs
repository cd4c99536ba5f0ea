//! AWS-shaped responses: the one place that turns an outcome into status, headers and body.
//!
//! Header order and spelling follow what API Gateway sends (decision 7 in the README):
//! `Date`, `Content-Type`, `Content-Length`, `Connection`, `x-amzn-RequestId`,
//! `x-amzn-ErrorType` (errors only), the method's own response headers, `x-amz-apigw-id`, and
//! `X-Amzn-Trace-Id` after a successful HTTP integration. No `Server` header.

use std::borrow::Cow;

use base64::Engine;
use bytes::Bytes;

/// A response before the transport adds `Date`, `Content-Length` and `Connection`.
#[derive(Debug, Clone)]
pub struct GatewayResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Cow<'static, str>,
    /// Headers that follow `Connection`, in order.
    pub headers: Vec<(Cow<'static, str>, String)>,
    /// The body.
    pub body: Bytes,
}

/// Why API Gateway refused or failed a request, as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayError {
    /// No API could be selected, the API is not reachable this way, or the stage is unknown.
    Forbidden,
    /// The stage exists, but not the resource or not the method on it.
    MissingAuthenticationToken,
    /// A policy denied the request; the message is AWS's sentence.
    AccessDenied(String),
    /// The integration failed (backend unreachable, bad configuration).
    InternalServerError,
    /// The integration did not answer in time.
    IntegrationTimeout,
    /// A Lambda function failed or answered outside the proxy response contract.
    BadGateway,
    /// No request template matches the content type and `passthroughBehavior` forbids passing
    /// the body through.
    UnsupportedMediaType,
}

impl GatewayError {
    /// Status, `x-amzn-ErrorType` and body, byte for byte as API Gateway sends them.
    pub fn parts(&self) -> (u16, &'static str, String) {
        match self {
            GatewayError::Forbidden => (
                403,
                "ForbiddenException",
                r#"{"message":"Forbidden"}"#.to_string(),
            ),
            GatewayError::MissingAuthenticationToken => (
                403,
                "MissingAuthenticationTokenException",
                r#"{"message":"Missing Authentication Token"}"#.to_string(),
            ),
            // Capital M: API Gateway's AccessDeniedException body differs from the others.
            GatewayError::AccessDenied(message) => (
                403,
                "AccessDeniedException",
                serde_json::json!({ "Message": message }).to_string(),
            ),
            GatewayError::InternalServerError => (
                500,
                "InternalServerErrorException",
                r#"{"message": "Internal server error"}"#.to_string(),
            ),
            GatewayError::BadGateway => (
                502,
                "InternalServerErrorException",
                r#"{"message": "Internal server error"}"#.to_string(),
            ),
            // The default gateway response template, `{"message":$context.error.messageString}`.
            GatewayError::UnsupportedMediaType => (
                415,
                "UnsupportedMediaTypeException",
                r#"{"message":"Unsupported Media Type"}"#.to_string(),
            ),
            GatewayError::IntegrationTimeout => (
                504,
                "InternalServerErrorException",
                r#"{"message": "Endpoint request timed out"}"#.to_string(),
            ),
        }
    }
}

/// Per-request identifiers that every response carries.
#[derive(Debug, Clone)]
pub struct RequestIds {
    /// `x-amzn-RequestId`, a UUID; `$context.requestId`.
    pub request_id: String,
    /// `x-amz-apigw-id`, 16 characters of base64; `$context.extendedRequestId`.
    pub extended_request_id: String,
}

impl RequestIds {
    /// Fresh random ids.
    pub fn generate() -> RequestIds {
        let random = uuid::Uuid::new_v4();
        // 11 random bytes are 15 base64 characters and one `=`, the shape AWS uses.
        let extended = base64::engine::general_purpose::STANDARD
            .encode(&uuid::Uuid::new_v4().as_bytes()[..11]);
        RequestIds {
            request_id: random.to_string(),
            extended_request_id: extended,
        }
    }
}

/// `Root=1-<epoch hex>-<24 hex>`, the X-Ray trace id shape.
pub fn trace_id() -> String {
    let epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("Root=1-{epoch:08x}-{}", &random[..24])
}

impl GatewayResponse {
    /// The error response for `error`.
    pub fn error(error: &GatewayError, ids: &RequestIds) -> GatewayResponse {
        let (status, error_type, body) = error.parts();
        GatewayResponse {
            status,
            content_type: Cow::Borrowed("application/json"),
            headers: vec![
                (Cow::Borrowed("x-amzn-RequestId"), ids.request_id.clone()),
                (Cow::Borrowed("x-amzn-ErrorType"), error_type.to_string()),
                (
                    Cow::Borrowed("x-amz-apigw-id"),
                    ids.extended_request_id.clone(),
                ),
            ],
            body: Bytes::from(body),
        }
    }

    /// A successful (integration) response with the method's own headers.
    pub fn success(
        status: u16,
        content_type: String,
        method_headers: Vec<(String, String)>,
        body: Bytes,
        ids: &RequestIds,
        trace: Option<String>,
    ) -> GatewayResponse {
        let mut headers = Vec::with_capacity(method_headers.len() + 3);
        headers.push((Cow::Borrowed("x-amzn-RequestId"), ids.request_id.clone()));
        headers.extend(method_headers.into_iter().map(|(k, v)| (Cow::Owned(k), v)));
        headers.push((
            Cow::Borrowed("x-amz-apigw-id"),
            ids.extended_request_id.clone(),
        ));
        if let Some(t) = trace {
            headers.push((Cow::Borrowed("X-Amzn-Trace-Id"), t));
        }
        GatewayResponse {
            status,
            content_type: Cow::Owned(content_type),
            headers,
            body,
        }
    }

    /// The value of a header (case-insensitive), for logs and tests.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_aws_bytes() {
        assert_eq!(GatewayError::Forbidden.parts().2.len(), 23);
        assert_eq!(GatewayError::MissingAuthenticationToken.parts().2.len(), 42);
        assert_eq!(GatewayError::InternalServerError.parts().2.len(), 36);
        let (_, t, body) =
            GatewayError::AccessDenied("User: anonymous is not authorized".into()).parts();
        assert_eq!(t, "AccessDeniedException");
        assert_eq!(body, r#"{"Message":"User: anonymous is not authorized"}"#);
    }

    #[test]
    fn ids_have_aws_shapes() {
        let ids = RequestIds::generate();
        assert_eq!(ids.request_id.len(), 36);
        assert_eq!(ids.extended_request_id.len(), 16);
        assert!(ids.extended_request_id.ends_with('='));
        let t = trace_id();
        assert!(
            t.starts_with("Root=1-") && t.len() == "Root=1-".len() + 8 + 1 + 24,
            "{t}"
        );
    }
}
