//! The user's own API behind the private endpoint: an OpenAPI definition with MOCK, HTTP,
//! HTTP_PROXY and AWS_PROXY integrations, called with curl through the full HTTPS path, against
//! real backends these tests start on loopback (an HTTP echo server, an HTTPS one with its own CA,
//! a Lambda Runtime Interface Emulator stand-in, a local command).

use client_tests::backends::{EchoBackend, Echoed, FunctionResult, LambdaRie};
use client_tests::{config_from, seed_json, with_emulator, CurlResponse, Target};
use serde_json::json;

const API: &str = "a1b2c3d4e5";
const VPCE: &str = "vpce-01234567890abcdef";

struct Backends {
    echo: EchoBackend,
    trusted_tls: EchoBackend,
    untrusted_tls: EchoBackend,
    lambda: LambdaRie,
    closed_port: u16,
}

/// A Lambda function that echoes what it got as a proxy response.
fn echo_function(event: &serde_json::Value) -> FunctionResult {
    let path = event["path"].as_str().unwrap_or_default();
    let result = match path {
        "/fn/malformed" => json!({"statusCode": 200, "body": {"not": "a string"}}),
        "/fn/extra" => json!({"statusCode": 200, "body": "", "unexpected": true}),
        "/fn/crash" => {
            return (
                br#"{"errorMessage": "boom", "errorType": "Exception"}"#.to_vec(),
                true,
            )
        }
        "/fn/binary" => json!({
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": "iVBORw0KGgo=",
            "isBase64Encoded": true
        }),
        _ => json!({
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Fn": "echo"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": event.to_string(),
            "isBase64Encoded": false
        }),
    };
    (result.to_string().into_bytes(), false)
}

fn http(uri: String, extra: serde_json::Value) -> serde_json::Value {
    let mut integration = json!({"type": "http_proxy", "httpMethod": "ANY", "uri": uri});
    if let (Some(target), Some(more)) = (integration.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            target.insert(k.clone(), v.clone());
        }
    }
    json!({"x-amazon-apigateway-integration": integration})
}

fn definition(b: &Backends) -> serde_json::Value {
    let echo = b.echo.port();
    let lambda_uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations";
    json!({
        "openapi": "3.0.1",
        "info": {"title": "orders", "version": "1"},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "paths": {
            "/items/{id}": {"get": {"x-amazon-apigateway-integration": {
                "type": "http",
                "httpMethod": "GET",
                "uri": "http://${stageVariables.backend}/items/{id}",
                "requestParameters": {
                    "integration.request.path.id": "method.request.path.id",
                    "integration.request.querystring.q": "method.request.querystring.q",
                    "integration.request.header.X-Tenant": "'acme'",
                    "integration.request.header.X-Stage": "stageVariables.label"
                },
                "responses": {
                    "default": {"statusCode": "200", "responseParameters": {
                        "method.response.header.X-Backend": "integration.response.header.x-backend",
                        "method.response.header.X-Path": "integration.response.body.path"
                    }}
                }
            }}},
            "/status/{code}": {"get": {"x-amazon-apigateway-integration": {
                "type": "http",
                "httpMethod": "GET",
                "uri": format!("http://127.0.0.1:{echo}/status/{{code}}"),
                "requestParameters": {"integration.request.path.code": "method.request.path.code"},
                "responses": {
                    "default": {"statusCode": "200"},
                    "4\\d{2}": {"statusCode": "400", "responseTemplates": {
                        "application/json": "{\"failed\": \"$input.path('$.path')\", \"stage\": \"$context.stage\"}"
                    }}
                }
            }}},
            "/proxy/{proxy+}": {"x-amazon-apigateway-any-method": http(
                format!("http://127.0.0.1:{echo}/{{proxy}}"),
                json!({"requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}})
            )},
            "/slow": {"get": http(format!("http://127.0.0.1:{echo}/slow/3000"), json!({"timeoutInMillis": 500}))},
            "/down": {"get": http(format!("http://127.0.0.1:{}/", b.closed_port), json!({}))},
            "/tls/trusted": {"get": http(format!("https://localhost:{}/trusted", b.trusted_tls.port()), json!({}))},
            "/tls/untrusted": {"get": http(format!("https://localhost:{}/untrusted", b.untrusted_tls.port()), json!({}))},
            "/tls/skip": {"get": http(
                format!("https://localhost:{}/skip", b.untrusted_tls.port()),
                json!({"tlsConfig": {"insecureSkipVerification": true}})
            )},
            "/mock": {"post": {"x-amazon-apigateway-integration": {
                "type": "mock",
                "passthroughBehavior": "never",
                "requestTemplates": {"application/json": "{\"statusCode\": $input.json('$.want')}"},
                "responses": {
                    "default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"ok\": true}"}},
                    "404": {"statusCode": "404",
                            "responseParameters": {"method.response.header.X-Reason": "'not-found'"},
                            "responseTemplates": {"application/json": "{\"message\": \"no $input.params('name')\"}"}}
                }
            }}},
            "/fn/{name}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri
            }}},
            "/cmd": {"get": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:shell/invocations"
            }}},
            "/missing-fn": {"get": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nowhere/invocations"
            }}},
            "/none": {"get": {}}
        }
    })
}

fn scenario(b: &Backends) -> serde_json::Value {
    let mut s = seed_json();
    let policy = s["restApis"][0]["policy"].clone();
    s["restApis"] = json!([{
        "id": API,
        "endpointConfiguration": {"types": ["PRIVATE"]},
        "policy": policy,
        "body": definition(b),
        "stages": [{"stageName": "test", "variables": {
            "backend": format!("127.0.0.1:{}", b.echo.port()),
            "label": "blue",
            "fn": "echo"
        }}]
    }]);
    s["emulator"]["integrations"] = json!({
        "trustedCaFiles": [b.trusted_tls.ca_file.as_ref().expect("an HTTPS backend has a CA")],
        "lambdaFunctions": {
            "echo": {"endpoint": b.lambda.url()},
            "shell": {"command": ["sh", "-c", "cat >/dev/null; printf '%s' '{\"statusCode\": 200, \"headers\": {\"Content-Type\": \"text/plain\"}, \"body\": \"from a command\"}'"]}
        }
    });
    s
}

async fn with_api(check: impl FnOnce(Target) + Send + 'static) {
    // A port that was free a moment ago and is closed now: nothing listens there.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let backends = Backends {
        echo: EchoBackend::http().await,
        trusted_tls: EchoBackend::https().await,
        untrusted_tls: EchoBackend::https().await,
        lambda: LambdaRie::start(echo_function).await,
        closed_port,
    };
    with_emulator(config_from(&scenario(&backends)), check).await;
    drop(backends);
}

fn call(t: &Target, path: &str, args: &[&str]) -> CurlResponse {
    t.call(API, path, args)
}

#[tokio::test(flavor = "multi_thread")]
async fn http_integrations_map_parameters_and_responses() {
    with_api(|t| {
        let r = call(
            &t,
            "/test/items/a%20b?q=x&q=last&other=1",
            &["-H", "x-secret: no"],
        );
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
        let seen = Echoed::parse(&r.body);
        assert_eq!(seen.field("method"), "GET");
        assert_eq!(seen.field("path"), "/items/a%20b");
        assert_eq!(
            seen.field("query"),
            "q=last",
            "only mapped parameters, last value"
        );
        assert_eq!(seen.header("x-tenant").as_deref(), Some("acme"));
        assert_eq!(seen.header("x-stage").as_deref(), Some("blue"));
        assert_eq!(
            seen.header("user-agent").as_deref(),
            Some("AmazonAPIGateway_a1b2c3d4e5")
        );
        assert_eq!(
            seen.header("x-amzn-apigateway-api-id").as_deref(),
            Some(API)
        );
        assert_eq!(seen.header("accept").as_deref(), Some("application/json"));
        assert_eq!(
            seen.header("x-secret"),
            None,
            "HTTP sends only mapped headers"
        );
        assert_eq!(r.header("X-Backend"), Some("echo"));
        assert_eq!(r.header("X-Path"), Some("/items/a%20b"));
        assert!(r.header("X-Amzn-Trace-Id").is_some());

        let r = call(&t, "/test/status/404", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
        assert_eq!(r.body, r#"{"failed": "/status/404", "stage": "test"}"#);
        let r = call(&t, "/test/status/201", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "the default response");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_passes_the_request_and_the_answer_through() {
    with_api(|t| {
        let r = call(
            &t,
            "/test/proxy/a/b%20c?x=1&x=2",
            &[
                "-X",
                "PUT",
                "-H",
                "X-Custom: yes",
                "-H",
                "Content-Type: text/plain",
                "--data-binary",
                "hello",
            ],
        );
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
        let seen = Echoed::parse(&r.body);
        assert_eq!(seen.field("method"), "PUT");
        assert_eq!(seen.field("path"), "/a/b%20c");
        assert_eq!(seen.field("query"), "x=1&x=2");
        assert_eq!(seen.field("body"), "hello");
        assert_eq!(seen.header("x-custom").as_deref(), Some("yes"));
        assert_eq!(seen.header("content-type").as_deref(), Some("text/plain"));
        assert_eq!(seen.header("x-forwarded-for").as_deref(), Some("10.20.0.1"));
        assert_eq!(seen.header("x-amzn-vpce-id").as_deref(), Some(VPCE));
        assert_eq!(
            seen.header("x-amzn-vpc-id").as_deref(),
            Some("vpc-0a1b2c3d4e5f67890")
        );
        assert_eq!(seen.header("x-amzn-vpce-config").as_deref(), Some("1"));
        assert_eq!(
            seen.header("x-apigw-api-id").as_deref(),
            Some(API),
            "the client's headers pass"
        );
        assert_eq!(r.header("x-backend"), Some("echo"));
        assert_eq!(r.header("x-amzn-Remapped-Server"), Some("echo-backend"));
        assert!(r.header("x-amzn-Remapped-Date").is_some());
        assert!(r.header("x-amzn-Remapped-Content-Length").is_some());
        assert_eq!(r.header("Server"), None);
        assert_eq!(
            r.header("X-Amzn-Trace-Id"),
            None,
            "HTTP_PROXY answers carry no trace id"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_failures_answer_as_api_gateway_does() {
    with_api(|t| {
        let r = call(&t, "/test/slow", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 504 Gateway Timeout");
        assert_eq!(r.body, r#"{"message": "Endpoint request timed out"}"#);
        let r = call(&t, "/test/down", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 500 Internal Server Error");
        assert_eq!(r.body, r#"{"message": "Internal server error"}"#);
        assert_eq!(
            r.header("x-amzn-ErrorType"),
            Some("InternalServerErrorException")
        );
        let r = call(&t, "/test/none", &[]);
        assert_eq!(
            r.status_line, "HTTP/1.1 500 Internal Server Error",
            "no integration"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn https_backends_are_verified_against_trusted_cas() {
    with_api(|t| {
        let r = call(&t, "/test/tls/trusted", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
        assert_eq!(Echoed::parse(&r.body).field("path"), "/trusted");
        let r = call(&t, "/test/tls/untrusted", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 500 Internal Server Error");
        assert_eq!(r.body, r#"{"message": "Internal server error"}"#);
        let r = call(&t, "/test/tls/skip", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "insecureSkipVerification");
        assert_eq!(Echoed::parse(&r.body).field("path"), "/skip");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_templates_select_the_status_and_render_the_body() {
    with_api(|t| {
        let r = call(
            &t,
            "/test/mock?name=widget",
            &[
                "-H",
                "Content-Type: application/json",
                "--data",
                r#"{"want": 404}"#,
            ],
        );
        assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
        assert_eq!(r.body, r#"{"message": "no widget"}"#);
        assert_eq!(r.header("X-Reason"), Some("not-found"));
        let r = call(
            &t,
            "/test/mock",
            &[
                "-H",
                "Content-Type: application/json",
                "--data",
                r#"{"want": 200}"#,
            ],
        );
        assert_eq!(r.status_line, "HTTP/1.1 200 OK");
        assert_eq!(r.body, r#"{"ok": true}"#);
        let r = call(
            &t,
            "/test/mock",
            &["-H", "Content-Type: text/plain", "--data", "x"],
        );
        assert_eq!(r.status_line, "HTTP/1.1 415 Unsupported Media Type");
        assert_eq!(r.body, r#"{"message":"Unsupported Media Type"}"#);
        assert_eq!(
            r.header("x-amzn-ErrorType"),
            Some("UnsupportedMediaTypeException")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_proxy_gets_the_event_api_gateway_builds() {
    with_api(|t| {
        let r = call(
            &t,
            "/test/fn/order-7?a=1&a=2&b=x",
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "-H",
                "X-Multi: 1",
                "-H",
                "X-Multi: 2",
                "--data",
                r#"{"n":1}"#,
            ],
        );
        assert_eq!(r.status_line, "HTTP/1.1 201 Created", "{}", r.body);
        assert_eq!(r.header("X-Fn"), Some("echo"));
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        let cookies: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k == "Set-Cookie")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert!(
            r.header("X-Amzn-Trace-Id").is_some(),
            "AWS_PROXY answers carry a trace id"
        );
        let event: serde_json::Value = serde_json::from_str(&r.body).expect("the event as JSON");
        assert_eq!(event["resource"], "/fn/{name}");
        assert_eq!(event["path"], "/fn/order-7");
        assert_eq!(event["httpMethod"], "POST");
        assert_eq!(event["pathParameters"], json!({"name": "order-7"}));
        assert_eq!(event["queryStringParameters"], json!({"a": "2", "b": "x"}));
        assert_eq!(
            event["multiValueQueryStringParameters"],
            json!({"a": ["1", "2"], "b": ["x"]})
        );
        assert_eq!(event["multiValueHeaders"]["X-Multi"], json!(["1", "2"]));
        assert_eq!(event["headers"]["x-amzn-vpce-id"], VPCE);
        assert_eq!(event["headers"]["x-amzn-vpce-config"], "1");
        assert_eq!(event["headers"]["X-Forwarded-For"], "10.20.0.1");
        assert_eq!(event["stageVariables"]["fn"], "echo");
        assert_eq!(event["body"], r#"{"n":1}"#);
        assert_eq!(event["isBase64Encoded"], false);
        let ctx = &event["requestContext"];
        assert_eq!(ctx["stage"], "test");
        assert_eq!(ctx["path"], "/test/fn/order-7");
        assert_eq!(ctx["resourcePath"], "/fn/{name}");
        assert_eq!(ctx["apiId"], API);
        assert_eq!(ctx["accountId"], "123456789012");
        assert_eq!(ctx["protocol"], "HTTP/1.1");
        assert_eq!(ctx["identity"]["vpceId"], VPCE);
        assert_eq!(ctx["identity"]["vpcId"], "vpc-0a1b2c3d4e5f67890");
        assert_eq!(ctx["identity"]["sourceIp"], "10.20.0.1");
        assert_eq!(ctx["requestId"].as_str(), r.header("x-amzn-RequestId"));
        assert_eq!(
            ctx["extendedRequestId"].as_str(),
            r.header("x-amz-apigw-id")
        );
        assert_eq!(ctx["domainName"], t.dns_name(0, 0));

        // Binary: a PNG request body arrives base64-encoded.
        let r = call(
            &t,
            "/test/fn/upload",
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: image/png",
                "--data-binary",
                "\u{1}PNG",
            ],
        );
        let event: serde_json::Value = serde_json::from_str(&r.body).expect("the event as JSON");
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], "AVBORw==");
        let r = call(&t, "/test/fn/binary", &["-H", "Accept: image/png"]);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK");
        assert_eq!(
            r.header("Content-Length"),
            Some("8"),
            "the PNG signature, decoded"
        );
        assert!(r.body.ends_with("PNG\r\n\u{1a}\n"), "{:?}", r.body);
        let r = call(&t, "/test/fn/binary", &[]);
        assert_eq!(
            r.body, "iVBORw0KGgo=",
            "without a binary Accept the base64 text is returned"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_failures_are_502_or_500() {
    with_api(|t| {
        for path in ["/test/fn/malformed", "/test/fn/extra", "/test/fn/crash"] {
            let r = call(&t, path, &[]);
            assert_eq!(r.status_line, "HTTP/1.1 502 Bad Gateway", "{path}");
            assert_eq!(r.body, r#"{"message": "Internal server error"}"#, "{path}");
            assert_eq!(
                r.header("x-amzn-ErrorType"),
                Some("InternalServerErrorException")
            );
        }
        let r = call(&t, "/test/missing-fn", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 500 Internal Server Error");
        let r = call(&t, "/test/cmd", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert_eq!(r.body, "from a command");
    })
    .await;
}
