//! AWS_PROXY integrations with Lambda: the REST API proxy event as API Gateway builds it, sent
//! to a local function, and the proxy response contract read back.
//!
//! A function runs either behind the Lambda Runtime Interface Emulator's HTTP API (what
//! `docker run -p 9000:8080 public.ecr.aws/lambda/...` images and `aws-lambda-rie` serve:
//! `POST /2015-03-31/functions/function/invocations`) or as a local command that reads the
//! event on stdin and writes the result on stdout.
//!
//! As on AWS: a result that is not a JSON object with an integer `statusCode`, a string `body`
//! and only the contract's keys, or a function error, is 502 `{"message": "Internal server
//! error"}`; a function that cannot be invoked at all is 500; a timeout is 504. A result over
//! Lambda's 6 291 556-byte response limit is 502 too, and is never read past the limit.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use serde_json::{json, Map, Value};
use tokio::io::AsyncWriteExt;

use super::body::{self, preview, Limit, ReadError, LAMBDA_RESPONSE_LIMIT, STDERR_KEPT};
use super::http::{forwarded_for, proxy_output, timed_out, Backends};
use super::IntegrationError;
use super::{IntegrationOutput, MethodRequest};
use crate::dataplane::gateway::response::GatewayError;
use crate::model::api::LambdaProxyIntegration;
use crate::model::topology::LambdaFunction;

const PROXY_RESPONSE_KEYS: &[&str] = &[
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// The function ARN inside an integration URI
/// (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<ARN>/invocations`).
pub fn function_arn(uri: &str) -> Option<&str> {
    let start = uri.find("/functions/")? + "/functions/".len();
    let rest = &uri[start..];
    rest.strip_suffix("/invocations")
}

/// Finds the local function for an ARN: by the whole ARN, `name:qualifier`, or the name.
fn lookup<'f>(
    functions: &'f BTreeMap<String, LambdaFunction>,
    arn: &str,
) -> Option<&'f LambdaFunction> {
    let after = arn.split(":function:").nth(1).unwrap_or(arn);
    let name = after.split(':').next().unwrap_or(after);
    functions
        .get(arn)
        .or_else(|| functions.get(after))
        .or_else(|| functions.get(name))
}

/// A name's value in both of the event's maps: the single-value one keeps the last value, the
/// multi-value one lists them all.
fn add_value(single: &mut Map<String, Value>, multi: &mut Map<String, Value>, k: &str, v: &str) {
    single.insert(k.to_string(), Value::String(v.to_string()));
    match multi.get_mut(k) {
        Some(Value::Array(values)) => values.push(Value::String(v.to_string())),
        _ => {
            multi.insert(k.to_string(), json!([v]));
        }
    }
}

/// A name's one value in both of the event's maps, replacing any the client sent.
fn set_value(single: &mut Map<String, Value>, multi: &mut Map<String, Value>, k: &str, v: &str) {
    single.insert(k.to_string(), Value::String(v.to_string()));
    multi.insert(k.to_string(), json!([v]));
}

/// The single- and multi-value maps of names and values, in order.
fn value_maps(pairs: &[(String, String)]) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi = Map::new();
    for (k, v) in pairs {
        add_value(&mut single, &mut multi, k, v);
    }
    (single, multi)
}

/// `headers` and `multiValueHeaders`: the client's, then what API Gateway adds.
fn header_maps(request: &MethodRequest<'_>) -> (Map<String, Value>, Map<String, Value>) {
    let (mut single, mut multi) = value_maps(request.headers);
    // What API Gateway adds for a request that came through a VPC endpoint (captured events).
    if !request.context.vpce_id.is_empty() {
        for (k, v) in [
            ("x-amzn-cipher-suite", request.cipher_suite),
            ("x-amzn-tls-version", request.tls_version),
            ("x-amzn-vpc-id", request.context.vpc_id),
            ("x-amzn-vpce-config", "1"),
            ("x-amzn-vpce-id", request.context.vpce_id),
        ] {
            add_value(&mut single, &mut multi, k, v);
        }
    }
    let forwarded = forwarded_for(request);
    for (k, v) in [
        ("X-Forwarded-For", forwarded.as_str()),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ] {
        set_value(&mut single, &mut multi, k, v);
    }
    (single, multi)
}

/// Names and values as a JSON object of strings.
fn string_map<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> Map<String, Value> {
    pairs
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// An empty map is `null` in the event.
fn or_null(m: Map<String, Value>) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        Value::Object(m)
    }
}

/// The event's `body` (`null` when empty; base64 for a binary media type) and whether it is
/// base64-encoded.
fn event_body(request: &MethodRequest<'_>) -> (Value, bool) {
    if request.body.is_empty() {
        return (Value::Null, false);
    }
    let binary = request
        .header("content-type")
        .is_some_and(|ct| request.api.is_binary(ct));
    let body = if binary {
        base64::engine::general_purpose::STANDARD.encode(request.body)
    } else {
        String::from_utf8_lossy(request.body).into_owned()
    };
    (Value::String(body), binary)
}

/// The event's `requestContext`.
fn request_context(request: &MethodRequest<'_>) -> Value {
    let context = &request.context;
    let field = |key: &str| context.field(key);
    // The event's identity lists Cognito's and IAM's keys too, all null for an anonymous call.
    let mut identity = context.identity();
    for unknown in [
        "cognitoIdentityPoolId",
        "cognitoIdentityId",
        "principalOrgId",
        "accessKey",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
    ] {
        identity.insert(unknown.into(), Value::Null);
    }
    json!({
        "resourceId": field("resourceId"),
        "resourcePath": field("resourcePath"),
        "httpMethod": field("httpMethod"),
        "extendedRequestId": field("extendedRequestId"),
        "requestTime": field("requestTime"),
        "path": field("path"),
        "accountId": field("accountId"),
        "protocol": field("protocol"),
        "stage": field("stage"),
        "domainPrefix": field("domainPrefix"),
        "requestTimeEpoch": field("requestTimeEpoch"),
        "requestId": field("requestId"),
        "identity": identity,
        "domainName": field("domainName"),
        "deploymentId": field("deploymentId"),
        "apiId": field("apiId"),
    })
}

/// The REST API (payload 1.0) proxy event.
pub fn event(request: &MethodRequest<'_>) -> Value {
    let (headers, multi_headers) = header_maps(request);
    let (query, multi_query) = value_maps(request.query);
    let path_parameters = string_map(request.path_parameters.iter().map(|(k, v)| (k, v)));
    let (body, base64_encoded) = event_body(request);
    json!({
        "resource": request.context.resource_path,
        "path": request.context.path_below_stage,
        "httpMethod": request.context.http_method,
        "headers": or_null(headers),
        "multiValueHeaders": or_null(multi_headers),
        "queryStringParameters": or_null(query),
        "multiValueQueryStringParameters": or_null(multi_query),
        "pathParameters": or_null(path_parameters),
        "stageVariables": or_null(string_map(request.stage_variables.iter())),
        "requestContext": request_context(request),
        "body": body,
        "isBase64Encoded": base64_encoded,
    })
}

/// Reads a proxy response; `None` is API Gateway's "Malformed Lambda proxy response".
pub fn read_response(result: &[u8], request: &MethodRequest<'_>) -> Option<IntegrationOutput> {
    let value: Map<String, Value> = serde_json::from_slice(result).ok()?;
    if value
        .keys()
        .any(|k| !PROXY_RESPONSE_KEYS.contains(&k.as_str()))
    {
        return None;
    }
    let status = match value.get("statusCode")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .and_then(|s| u16::try_from(s).ok())
    .filter(|s| (100..=599).contains(s))?;
    let headers = response_headers(&value)?;
    let body = response_body(&value, request)?;
    Some(proxy_output(status, headers, body, true))
}

/// A header value the response may give: a string, number or boolean.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The response's `multiValueHeaders`, then those of its `headers` not named there.
fn response_headers(value: &Map<String, Value>) -> Option<Vec<(String, String)>> {
    let mut headers: Vec<(String, String)> = Vec::new();
    match value.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, values) in m {
                for v in values.as_array()? {
                    headers.push((k.clone(), scalar(v)?));
                }
            }
        }
        Some(_) => return None,
    }
    match value.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                // A name in both maps: the multi-value one already carries its values.
                if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)) {
                    headers.push((k.clone(), scalar(v)?));
                }
            }
        }
        Some(_) => return None,
    }
    Some(headers)
}

/// The response's `body`, decoded from base64 when `isBase64Encoded` says so and the client
/// accepts a binary media type.
fn response_body(value: &Map<String, Value>, request: &MethodRequest<'_>) -> Option<Bytes> {
    let body = match value.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return None,
    };
    let base64_encoded = match value.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return None,
    };
    // API Gateway turns a base64 body into bytes when the client accepts a binary media type.
    let accepts_binary = request.header("accept").is_some_and(|accept| {
        accept
            .split(',')
            .any(|t| request.api.is_binary(t.split(';').next().unwrap_or("")))
    });
    if base64_encoded && accepts_binary {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .ok()?;
        Some(Bytes::from(decoded))
    } else {
        Some(Bytes::from(body))
    }
}

/// Runs an AWS_PROXY integration.
pub async fn invoke(
    backends: &Backends,
    spec: &LambdaProxyIntegration,
    request: &MethodRequest<'_>,
    functions: &BTreeMap<String, LambdaFunction>,
) -> Result<IntegrationOutput, IntegrationError> {
    let uri = request.with_stage_variables(&spec.uri);
    let arn = function_arn(&uri).unwrap_or(&uri);
    let Some(function) = lookup(functions, arn) else {
        let cause = "Execution failed due to configuration error: no local function for this ARN; add it under emulator.integrations.lambdaFunctions (its name, with an endpoint or a command)".to_string();
        tracing::warn!(function = arn, "{cause}");
        return Err(IntegrationError::new(
            GatewayError::InternalServerError,
            cause,
        ));
    };
    let payload = event(request).to_string();
    let timeout = Duration::from_millis(spec.timeout_millis);
    let result = match function {
        LambdaFunction::Endpoint(base) => {
            let url = format!(
                "{}/2015-03-31/functions/function/invocations",
                base.trim_end_matches('/')
            );
            let outgoing = http::Request::builder()
                .method("POST")
                .uri(&url)
                .header("Content-Type", "application/json")
                .body(Full::new(Bytes::from(payload)))
                .map_err(|e| {
                    let cause = format!("Execution failed due to configuration error: {e}");
                    tracing::warn!(%url, "{cause}");
                    IntegrationError::new(GatewayError::InternalServerError, cause)
                })?;
            let (status, headers, body) = backends
                .send(outgoing, false, timeout, Limit::Lambda)
                .await?;
            let function_error = headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-function-error"));
            if function_error || !(200..300).contains(&status) {
                let cause = format!("Lambda execution failed: {}", preview(&body));
                tracing::warn!(function = arn, status, "{cause}");
                return Err(IntegrationError::new(GatewayError::BadGateway, cause));
            }
            body
        }
        LambdaFunction::Command(argv) => run_command(argv, payload, timeout, arn).await?,
    };
    read_response(&result, request).ok_or_else(|| {
        let cause = format!(
            "Execution failed due to configuration error: Malformed Lambda proxy response: {}",
            preview(&result)
        );
        tracing::warn!(function = arn, "{cause}");
        IntegrationError::new(GatewayError::BadGateway, cause)
    })
}

/// What a command function left: its exit status, stdout and the head of its stderr.
type Finished = (std::process::ExitStatus, Vec<u8>, Vec<u8>);

/// Runs a command function: the event on its stdin, its result read from stdout (up to
/// Lambda's response limit), within `timeout`.
async fn run_command(
    argv: &[String],
    payload: String,
    timeout: Duration,
    arn: &str,
) -> Result<Bytes, IntegrationError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(IntegrationError::new(
            GatewayError::InternalServerError,
            format!("Execution failed due to configuration error: the local function {arn} has an empty command"),
        ));
    };
    // Killed when dropped: on a timeout, or once its stdout is over the limit.
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            let cause = format!(
                "Execution failed due to configuration error: cannot start {program:?}: {e}"
            );
            tracing::warn!(function = arn, "{cause}");
            IntegrationError::new(GatewayError::InternalServerError, cause)
        })?;
    let (status, stdout, stderr) = tokio::time::timeout(timeout, converse(&mut child, payload))
        .await
        .map_err(|_| {
            let cause = timed_out(timeout);
            tracing::warn!(function = arn, "{cause}");
            IntegrationError::new(GatewayError::IntegrationTimeout, cause)
        })?
        .map_err(|e| {
            let failure = match e {
                ReadError::TooLarge(_) => Limit::Lambda.exceeded(),
                other => IntegrationError::new(
                    GatewayError::InternalServerError,
                    format!("the function's process failed: {other}"),
                ),
            };
            tracing::warn!(function = arn, "{}", failure.cause);
            failure
        })?;
    if !status.success() {
        let cause = format!(
            "Lambda execution failed with {status}: {}",
            preview(&stderr)
        );
        tracing::warn!(function = arn, "{cause}");
        return Err(IntegrationError::new(GatewayError::BadGateway, cause));
    }
    Ok(Bytes::from(stdout))
}

/// Writes the event to the child's stdin while its stdout is read (up to the limit) and its
/// stderr drained, all at once: a function that writes before it reads its event never blocks.
async fn converse(
    child: &mut tokio::process::Child,
    payload: String,
) -> Result<Finished, ReadError> {
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let feed = async {
        if let Some(mut stdin) = stdin {
            // A function that does not read its event still runs; a broken pipe is not an error.
            let _ = stdin.write_all(payload.as_bytes()).await;
        }
        Ok::<_, ReadError>(())
    };
    let result = async {
        match stdout {
            Some(pipe) => body::read_pipe(pipe, LAMBDA_RESPONSE_LIMIT).await,
            None => Ok(Vec::new()),
        }
    };
    let errors = async {
        Ok(match stderr {
            Some(pipe) => body::read_pipe_head(pipe, STDERR_KEPT).await,
            None => Vec::new(),
        })
    };
    let ((), stdout, stderr) = tokio::try_join!(feed, result, errors)?;
    Ok((child.wait().await?, stdout, stderr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_function_is_found_by_arn_name_or_qualified_name() {
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders:live/invocations";
        let arn = function_arn(uri).unwrap();
        assert_eq!(
            arn,
            "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
        );
        let by_name = BTreeMap::from([(
            "orders".to_string(),
            LambdaFunction::Command(vec!["x".into()]),
        )]);
        assert!(lookup(&by_name, arn).is_some());
        let by_qualified = BTreeMap::from([(
            "orders:live".to_string(),
            LambdaFunction::Command(vec!["x".into()]),
        )]);
        assert!(lookup(&by_qualified, arn).is_some());
        assert!(lookup(&by_name, "arn:aws:lambda:us-east-1:1:function:other").is_none());
    }
}
