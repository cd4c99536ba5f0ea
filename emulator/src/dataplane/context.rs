//! `$context`: API Gateway's request context, built in one place for the three readers that
//! show it — mapping templates and `context.X` parameter mappings, the Lambda proxy event's
//! `requestContext`, and stage access logs — so that they cannot disagree on a value.
//!
//! Decisions where AWS documents nothing: `domainName` is the `Host` as the gateway matched it
//! (lower case, without a port); `identity.vpceId` and `identity.vpcId` are `null` on the public
//! endpoint, where no endpoint carried the request.

use std::net::IpAddr;

use apigw_vtl::ContextUse;
use serde_json::{Map, Value};

/// `$context`'s top-level keys, in the order a printed `$context` lists them.
pub const KEYS: [&str; 16] = [
    "accountId",
    "apiId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
];

/// What `$context` is made of, as far as the request got: a request refused before its
/// resource was matched has no `resourceId` or `resourcePath`.
#[derive(Debug, Clone)]
pub struct RequestContext<'a> {
    /// The account that owns the API.
    pub account_id: &'a str,
    /// The API id.
    pub api_id: &'a str,
    /// The deployment the stage serves.
    pub deployment_id: &'a str,
    /// The `Host`, lower case, without a port.
    pub domain_name: &'a str,
    /// `x-amz-apigw-id`.
    pub extended_request_id: &'a str,
    /// The request method.
    pub http_method: &'a str,
    /// The path as requested after the stage (`/pets`; empty for the stage's root).
    pub path_below_stage: &'a str,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub protocol: &'a str,
    /// `x-amzn-RequestId`.
    pub request_id: &'a str,
    /// `dd/MMM/yyyy:HH:mm:ss +0000`.
    pub request_time: &'a str,
    /// Milliseconds since the epoch.
    pub request_time_epoch: u64,
    /// The matched resource's id (empty before a resource is matched).
    pub resource_id: &'a str,
    /// The matched resource's template path (empty before a resource is matched).
    pub resource_path: &'a str,
    /// The stage name.
    pub stage: &'a str,
    /// `identity.sourceIp`: the address the client stands for.
    pub source_ip: IpAddr,
    /// `identity.userAgent`.
    pub user_agent: Option<&'a str>,
    /// `identity.vpceId`: the endpoint the request came through (empty on the public endpoint).
    pub vpce_id: &'a str,
    /// `identity.vpcId`: that endpoint's VPC (empty on the public endpoint).
    pub vpc_id: &'a str,
}

impl RequestContext<'_> {
    /// `$context` as a JSON object, with only the keys `wanted` (the request path builds no more).
    pub fn object(&self, wanted: &ContextUse) -> Map<String, Value> {
        let mut context = Map::new();
        match wanted {
            ContextUse::All => {
                for key in KEYS {
                    context.insert(key.to_string(), self.field(key));
                }
            }
            ContextUse::Keys(keys) => {
                for key in keys.iter().filter(|k| KEYS.contains(&k.as_str())) {
                    context.insert(key.clone(), self.field(key));
                }
            }
        }
        context
    }

    /// One top-level key of `$context`; `Null` for a key it does not have.
    pub fn field(&self, key: &str) -> Value {
        match key {
            "accountId" => self.account_id.into(),
            "apiId" => self.api_id.into(),
            "deploymentId" => self.deployment_id.into(),
            "domainName" => self.domain_name.into(),
            "domainPrefix" => self
                .domain_name
                .split('.')
                .next()
                .unwrap_or_default()
                .into(),
            "extendedRequestId" => self.extended_request_id.into(),
            "httpMethod" => self.http_method.into(),
            "identity" => Value::Object(self.identity()),
            "path" => format!("/{}{}", self.stage, self.path_below_stage).into(),
            "protocol" => self.protocol.into(),
            "requestId" => self.request_id.into(),
            "requestTime" => self.request_time.into(),
            "requestTimeEpoch" => self.request_time_epoch.into(),
            "resourceId" => known(self.resource_id),
            "resourcePath" => known(self.resource_path),
            "stage" => self.stage.into(),
            _ => Value::Null,
        }
    }

    /// `$context.identity` of an anonymous caller: who it is is unknown, where it came from is not.
    pub fn identity(&self) -> Map<String, Value> {
        let mut identity = Map::with_capacity(8);
        identity.insert("sourceIp".into(), self.source_ip.to_string().into());
        identity.insert("userAgent".into(), self.user_agent.into());
        identity.insert("vpceId".into(), known(self.vpce_id));
        identity.insert("vpcId".into(), known(self.vpc_id));
        for unknown in ["accountId", "caller", "user", "userArn"] {
            identity.insert(unknown.into(), Value::Null);
        }
        identity
    }
}

/// A value the request has, or `null` for one it does not (empty).
fn known(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        text.into()
    }
}
