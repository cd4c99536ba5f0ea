use super::*;
use crate::model::api::Integration;
use crate::scenario::document::parse;

const OAS30: &str = r#"
openapi: 3.0.1
info: {title: orders, description: Order service}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement: [{Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/*"}]
x-amazon-apigateway-endpoint-configuration: {vpcEndpointIds: [vpce-01234567890abcdef]}
x-amazon-apigateway-binary-media-types: [image/png]
paths:
  /orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://127.0.0.1:9/orders/{id}
        requestParameters: {integration.request.path.id: method.request.path.id}
        responses:
          default: {statusCode: 200}
          "4\\d{2}": {statusCode: "404"}
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:9/{proxy}"}
  /fn:
    post:
      security: [{api_key: []}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations
  /empty: {}
"#;

#[test]
fn an_oas30_export_carries_the_endpoint_configuration_on_its_server() {
    let doc = serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://x/{basePath}",
                     "x-amazon-apigateway-endpoint-configuration": {"vpcEndpointIds": ["vpce-01234567890abcdef"]}}],
        "paths": {}
    });
    let api = import(&doc).unwrap();
    assert_eq!(api.vpc_endpoint_ids, vec!["vpce-01234567890abcdef"]);
}

#[test]
fn an_openapi_30_document_becomes_a_resource_tree() {
    let api = import(&parse(OAS30).unwrap()).unwrap();
    assert_eq!(api.title.as_deref(), Some("orders"));
    assert_eq!(api.vpc_endpoint_ids, ["vpce-01234567890abcdef"]);
    assert!(api.policy.is_some());
    assert!(api.definition.is_binary("image/png; q=1"));
    let paths: Vec<_> = api
        .definition
        .resources()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        ["/", "/empty", "/fn", "/orders", "/orders/{id}", "/{proxy+}"]
    );
    let m = api.definition.route("/orders/7", "GET").unwrap();
    let Some(Integration::Http(h)) = &m.method.integration else {
        panic!("expected HTTP");
    };
    assert!(!h.proxy);
    assert_eq!(h.responses.len(), 2);
    let m = api.definition.route("/a/b", "DELETE").unwrap();
    assert!(matches!(&m.method.integration, Some(Integration::Http(h)) if h.proxy));
    assert!(matches!(
        api.definition
            .route("/fn", "POST")
            .unwrap()
            .method
            .integration,
        Some(Integration::LambdaProxy(_))
    ));
    assert_eq!(api.warnings.len(), 1, "{:?}", api.warnings);
    assert_eq!(api.warnings[0].path, "$.paths['/fn'].post.security");
}

#[test]
fn swagger_20_is_read_too() {
    let doc = serde_json::json!({
        "swagger": "2.0",
        "info": {"title": "t"},
        "basePath": "/v1",
        "paths": {"/": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200"}}
        }}}}
    });
    let api = import(&doc).unwrap();
    assert!(api.definition.route("/", "GET").is_some());
    assert!(api.warnings.is_empty());
}

#[test]
fn errors_name_the_json_path() {
    let bad = |doc: serde_json::Value| import(&doc).unwrap_err();
    let e = bad(serde_json::json!({"openapi": "2.5"}));
    assert_eq!(e.path, "$");
    let e = bad(
        serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
        "x-amazon-apigateway-integration": {"type": "http", "uri": "ftp://x", "httpMethod": "GET"}}}}}),
    );
    assert_eq!(
        e.path,
        "$.paths['/a'].get.x-amazon-apigateway-integration.uri"
    );
    let e = bad(
        serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
        "x-amazon-apigateway-integration": {"type": "mock",
          "requestParameters": {"integration.request.header.x": "method.request.nope"}}}}}}),
    );
    assert_eq!(
        e.path,
        "$.paths['/a'].get.x-amazon-apigateway-integration.requestParameters['integration.request.header.x']"
    );
    assert!(
        e.message
            .starts_with("Invalid mapping expression specified"),
        "{e}"
    );
    let e = bad(serde_json::json!({"openapi": "3.0.1", "paths": {"/a/{p+}/b": {}}}));
    assert_eq!(e.path, "$.paths['/a/{p+}/b']");
    let e = bad(
        serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
        "x-amazon-apigateway-integration": {"type": "kafka"}}}}}),
    );
    assert!(e.message.contains("kafka"), "{e}");
    let e = bad(
        serde_json::json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
        "x-amazon-apigateway-integration": {"type": "mock", "responses": {"(": {"statusCode": 200}}}}}}}),
    );
    assert!(e.message.contains("selection pattern"), "{e}");
}

#[test]
fn what_is_not_emulated_is_reported() {
    let doc = serde_json::json!({"openapi": "3.0.1",
        "x-amazon-apigateway-gateway-responses": {},
        "x-amazon-apigateway-request-validators": {},
        "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:s3:path/b", "httpMethod": "GET"}},
                             "post": {}}}});
    let api = import(&doc).unwrap();
    let paths: Vec<_> = api.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.x-amazon-apigateway-gateway-responses",
            "$.x-amazon-apigateway-request-validators",
            "$.paths['/a'].get.x-amazon-apigateway-integration.type",
            "$.paths['/a'].post"
        ]
    );
}
