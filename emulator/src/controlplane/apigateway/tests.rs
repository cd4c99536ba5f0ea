//! The control calls end to end through [`handle`]: the answers' exact bodies, status codes and
//! error types, and what the data plane serves from the state they build.

use serde_json::{json, Value};

use super::deployments::PRIVATE_WITHOUT_POLICY;
use super::*;
use crate::aws::ids::current_deployment_id;
use crate::aws::names;
use crate::controlplane::validate;
use crate::scenario::config::ConfigOrigin;

const NOW: i64 = 1_700_000_000;

fn ctx() -> ControlContext {
    ControlContext {
        now: time::OffsetDateTime::from_unix_timestamp(NOW).unwrap(),
        request_id: "req-1".to_string(),
    }
}

fn request(method: &str, target: &str, body: &str) -> ControlRequest {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    ControlRequest {
        method: method.parse().unwrap(),
        path: path.to_string(),
        query: query
            .split('&')
            .filter(|q| !q.is_empty())
            .map(|q| {
                let (k, v) = q.split_once('=').unwrap_or((q, ""));
                (k.to_string(), v.to_string())
            })
            .collect(),
        headers: http::HeaderMap::new(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

/// Runs a call; returns the status, the JSON body (null when empty) and the new state.
fn call(state: &Config, method: &str, target: &str, body: &str) -> (u16, Value, Option<Config>) {
    let handled = handle(&request(method, target, body), state, &ctx());
    let value = if handled.response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&handled.response.body).unwrap()
    };
    (
        handled.response.status,
        value,
        handled.change.map(|change| change.state),
    )
}

/// Runs a call that must change the state; returns the answer and moves the state on.
fn write(state: &mut Config, method: &str, target: &str, body: &str) -> (u16, Value) {
    let (status, value, new_state) = call(state, method, target, body);
    *state = new_state.unwrap_or_else(|| panic!("{method} {target}: {status} {value}"));
    (status, value)
}

fn empty_state() -> Config {
    Config::from_json_str(
        r#"{"region":"us-east-1","accountId":"123456789012"}"#,
        ConfigOrigin::Inline,
    )
    .unwrap()
}

fn error(state: &Config, method: &str, target: &str, body: &str) -> (u16, String, Value) {
    let handled = handle(&request(method, target, body), state, &ctx());
    assert!(handled.change.is_none());
    let kind = handled
        .response
        .headers
        .iter()
        .find(|(k, _)| k == "x-amzn-ErrorType")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&handled.response.body).unwrap();
    (handled.response.status, kind, body)
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;

fn create_api(state: &mut Config, body: Value) -> String {
    let (status, api) = write(state, "POST", "/restapis", &body.to_string());
    assert_eq!(status, 201);
    api["id"].as_str().unwrap().to_string()
}

#[test]
fn create_rest_api_answers_as_aws() {
    let mut state = empty_state();
    let body = json!({"name": "orders", "description": "d",
        "endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-01234567890abcdef"]},
        "policy": POLICY, "binaryMediaTypes": ["image/png"]});
    let (status, api) = write(&mut state, "POST", "/restapis", &body.to_string());
    assert_eq!(status, 201);
    let id = api["id"].as_str().unwrap().to_string();
    assert!(names::is_rest_api_id(&id));
    let expected_policy = format!(
        r#"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:{id}\/*\"}}]}}"#
    );
    assert_eq!(
        api,
        json!({"id": id, "name": "orders", "description": "d", "createdDate": NOW,
            "binaryMediaTypes": ["image/png"], "apiKeySource": "HEADER",
            "endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-01234567890abcdef"]},
            "policy": expected_policy, "disableExecuteApiEndpoint": false,
            "rootResourceId": crate::aws::ids::short_id("/")})
    );
    let (status, got, new_state) = call(&state, "GET", &format!("/restapis/{id}"), "");
    assert_eq!((status, new_state.is_none()), (200, true));
    assert_eq!(got, api);
    let (_, list, _) = call(&state, "GET", "/restapis", "");
    assert_eq!(list, json!({"item": [api]}));
    // EDGE is the default endpoint type.
    let (_, edge) = write(&mut state, "POST", "/restapis", r#"{"name":"e"}"#);
    assert_eq!(edge["endpointConfiguration"], json!({"types": ["EDGE"]}));
    let (status, _) = write(&mut state, "DELETE", &format!("/restapis/{id}"), "");
    assert_eq!(status, 202);
    assert_eq!(state.rest_apis.len(), 1);
}

#[test]
fn errors_carry_aws_types_and_messages() {
    let mut state = empty_state();
    let id = create_api(
        &mut state,
        json!({"name": "a", "endpointConfiguration": {"types": ["REGIONAL"]}}),
    );
    let root = crate::aws::ids::short_id("/");
    let cases = [
        (
            "GET",
            "/restapis/abc1234567".to_string(),
            404,
            "NotFoundException",
            "Invalid API identifier specified 123456789012:abc1234567",
        ),
        (
            "GET",
            format!("/restapis/{id}/resources/zzzzzz"),
            404,
            "NotFoundException",
            "Invalid Resource identifier specified",
        ),
        (
            "GET",
            format!("/restapis/{id}/resources/{root}/methods/GET"),
            404,
            "NotFoundException",
            "Invalid Method identifier specified",
        ),
        (
            "GET",
            format!("/restapis/{id}/stages/nope"),
            404,
            "NotFoundException",
            "Invalid Stage identifier specified",
        ),
        (
            "GET",
            format!("/restapis/{id}/deployments/abcdef"),
            404,
            "NotFoundException",
            "Invalid Deployment identifier specified",
        ),
        (
            "POST",
            format!("/restapis/{id}/deployments"),
            400,
            "BadRequestException",
            "The REST API doesn't contain any methods",
        ),
        (
            "GET",
            "/nothing/here".to_string(),
            404,
            "UnknownOperationException",
            "Unknown operation",
        ),
        (
            "POST",
            "/restapis".to_string(),
            400,
            "BadRequestException",
            "Invalid REST API name specified",
        ),
    ];
    for (method, target, status, kind, message) in cases {
        assert_eq!(
            error(&state, method, &target, ""),
            (status, kind.to_string(), json!({"message": message})),
            "{method} {target}"
        );
    }
    write(
        &mut state,
        "PUT",
        &format!("/restapis/{id}/resources/{root}/methods/GET"),
        r#"{"authorizationType":"NONE"}"#,
    );
    assert_eq!(
        error(
            &state,
            "GET",
            &format!("/restapis/{id}/resources/{root}/methods/GET/integration"),
            ""
        ),
        (
            404,
            "NotFoundException".into(),
            json!({"message": "Invalid Integration identifier specified"})
        )
    );
    assert_eq!(
        error(&state, "POST", &format!("/restapis/{id}/deployments"), ""),
        (
            400,
            "BadRequestException".into(),
            json!({"message": "No integration defined for method"})
        )
    );
    assert_eq!(
        error(
            &state,
            "PUT",
            &format!("/restapis/{id}/resources/{root}/methods/GET"),
            "{}"
        )
        .0,
        409
    );
    assert_eq!(
        error(
            &state,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            "{not json"
        )
        .1,
        "BadRequestException"
    );
}

#[test]
fn a_private_api_without_a_policy_is_not_deployed() {
    let mut state = empty_state();
    let id = create_api(
        &mut state,
        json!({"name": "p", "endpointConfiguration": {"types": ["PRIVATE"]}}),
    );
    let root = crate::aws::ids::short_id("/");
    write(
        &mut state,
        "PUT",
        &format!("/restapis/{id}/resources/{root}/methods/GET"),
        "{}",
    );
    write(
        &mut state,
        "PUT",
        &format!("/restapis/{id}/resources/{root}/methods/GET/integration"),
        r#"{"type":"MOCK"}"#,
    );
    assert_eq!(
        error(
            &state,
            "POST",
            &format!("/restapis/{id}/deployments"),
            r#"{"stageName":"test"}"#
        ),
        (
            400,
            "BadRequestException".into(),
            json!({"message": PRIVATE_WITHOUT_POLICY})
        )
    );
}

/// The calls the console makes for a MOCK method, then a deployment: the data plane routes
/// the stage's path to what the calls built.
#[test]
fn built_by_calls_then_deployed_the_api_is_served() {
    let mut state = empty_state();
    let id = create_api(
        &mut state,
        json!({"name": "mocky", "endpointConfiguration": {"types": ["REGIONAL"]}}),
    );
    let root = crate::aws::ids::short_id("/");
    let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
    assert_eq!(resources, json!({"item": [{"id": root, "path": "/"}]}));

    let (status, pets) = write(
        &mut state,
        "POST",
        &format!("/restapis/{id}/resources/{root}"),
        r#"{"pathPart":"pets"}"#,
    );
    let pets_id = crate::aws::ids::short_id("/pets");
    assert_eq!(status, 201);
    assert_eq!(
        pets,
        json!({"id": pets_id, "parentId": root, "pathPart": "pets", "path": "/pets"})
    );
    assert_eq!(
        error(
            &state,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            r#"{"pathPart":"pets"}"#
        ),
        (
            409,
            "ConflictException".into(),
            json!({"message": "Another resource with the same parent already has this name: pets"})
        )
    );
    let m = format!("/restapis/{id}/resources/{pets_id}/methods/GET");
    let (status, method) = write(
        &mut state,
        "PUT",
        &m,
        r#"{"authorizationType":"NONE","requestParameters":{"method.request.querystring.type":false}}"#,
    );
    assert_eq!(status, 201);
    assert_eq!(
        method,
        json!({"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": false,
        "requestParameters": {"method.request.querystring.type": false}})
    );
    let (status, integration) = write(
        &mut state,
        "PUT",
        &format!("{m}/integration"),
        r#"{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}"#,
    );
    assert_eq!(status, 201);
    assert_eq!(
        integration,
        json!({"type": "MOCK",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000,
        "cacheNamespace": pets_id, "cacheKeyParameters": []})
    );
    assert_eq!(
        error(
            &state,
            "PUT",
            &format!("{m}/integration/responses/200"),
            "{}"
        ),
        (
            404,
            "NotFoundException".into(),
            json!({"message": "Invalid Response status code specified"})
        )
    );
    let (status, mr) = write(
        &mut state,
        "PUT",
        &format!("{m}/responses/200"),
        r#"{"responseModels":{"application/json":"Empty"},"responseParameters":{"method.response.header.X-Kind":false}}"#,
    );
    assert_eq!(status, 201);
    assert_eq!(
        mr,
        json!({"statusCode": "200",
        "responseParameters": {"method.response.header.X-Kind": false},
        "responseModels": {"application/json": "Empty"}})
    );
    let (status, ir) = write(
        &mut state,
        "PUT",
        &format!("{m}/integration/responses/200"),
        r#"{"selectionPattern":"","responseParameters":{"method.response.header.X-Kind":"'mock'"},"responseTemplates":{"application/json":"{\"pets\": []}"}}"#,
    );
    assert_eq!(status, 201);
    assert_eq!(
        ir,
        json!({"statusCode": "200",
        "responseParameters": {"method.response.header.X-Kind": "'mock'"},
        "responseTemplates": {"application/json": "{\"pets\": []}"}})
    );
    let (_, got, _) = call(&state, "GET", &format!("{m}/integration/responses/200"), "");
    assert_eq!(got, ir);
    let (_, got, _) = call(&state, "GET", &m, "");
    assert_eq!(
        got["methodIntegration"]["integrationResponses"],
        json!({"200": ir})
    );
    assert_eq!(got["methodResponses"], json!({"200": mr}));
    let (_, embedded, _) = call(
        &state,
        "GET",
        &format!("/restapis/{id}/resources?embed=methods"),
        "",
    );
    assert_eq!(embedded["item"][1]["resourceMethods"]["GET"], got);
    let (_, plain, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
    assert_eq!(plain["item"][1]["resourceMethods"], json!({"GET": {}}));

    let (status, deployment) = write(
        &mut state,
        "POST",
        &format!("/restapis/{id}/deployments"),
        r#"{"stageName":"test","description":"first","variables":{"v":"1"}}"#,
    );
    assert_eq!(status, 201);
    let deployment_id = deployment["id"].as_str().unwrap().to_string();
    assert_eq!(deployment_id.len(), 6);
    assert_eq!(
        deployment,
        json!({"id": deployment_id, "description": "first", "createdDate": NOW})
    );
    let (_, stage, _) = call(&state, "GET", &format!("/restapis/{id}/stages/test"), "");
    assert_eq!(
        stage,
        json!({"deploymentId": deployment_id, "stageName": "test",
        "cacheClusterEnabled": false, "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {},
        "variables": {"v": "1"}, "tracingEnabled": false, "createdDate": NOW, "lastUpdatedDate": NOW})
    );

    let topology = validate(&state).unwrap();
    let served = &topology.rest_apis[&id].stages["test"];
    assert_eq!(served.deployment.id, deployment_id);
    let route = served.deployment.definition.route("/pets", "GET").unwrap();
    let Some(crate::model::api::Integration::Mock(mock)) = &route.method.integration else {
        panic!("expected a MOCK integration");
    };
    assert_eq!(mock.responses[0].status_code, 200);
    assert_eq!(mock.responses[0].selection_pattern, None);

    // A change after the deployment is not served until the next one.
    let (status, _) = write(&mut state, "DELETE", &m, "");
    assert_eq!(status, 204);
    let topology = validate(&state).unwrap();
    assert!(topology.rest_apis[&id].stages["test"]
        .deployment
        .definition
        .route("/pets", "GET")
        .is_some());
    assert_eq!(
        error(
            &state,
            "DELETE",
            &format!("/restapis/{id}/deployments/{deployment_id}"),
            ""
        ),
        (
            400,
            "BadRequestException".into(),
            json!({"message": "Active stages pointing to this deployment must be moved or deleted"})
        )
    );
    let (_, list, _) = call(&state, "GET", &format!("/restapis/{id}/deployments"), "");
    assert_eq!(list, json!({"item": [deployment]}));
    let (status, _) = write(
        &mut state,
        "DELETE",
        &format!("/restapis/{id}/resources/{pets_id}"),
        "",
    );
    assert_eq!(status, 202);
    let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
    assert_eq!(resources["item"].as_array().unwrap().len(), 1);
}

#[test]
fn stages_are_created_updated_and_deleted() {
    let mut state = empty_state();
    let id = create_api(
        &mut state,
        json!({"name": "s", "endpointConfiguration": {"types": ["REGIONAL"]}}),
    );
    let root = crate::aws::ids::short_id("/");
    let m = format!("/restapis/{id}/resources/{root}/methods/ANY");
    write(&mut state, "PUT", &m, "{}");
    write(
        &mut state,
        "PUT",
        &format!("{m}/integration"),
        r#"{"type":"HTTP_PROXY","httpMethod":"ANY","uri":"http://127.0.0.1:9/"}"#,
    );
    let (_, d) = write(
        &mut state,
        "POST",
        &format!("/restapis/{id}/deployments"),
        "{}",
    );
    let d = d["id"].as_str().unwrap().to_string();
    let body = json!({"stageName": "prod", "deploymentId": d, "description": "live"}).to_string();
    let (status, stage) = write(&mut state, "POST", &format!("/restapis/{id}/stages"), &body);
    assert_eq!(status, 201);
    assert_eq!(stage["description"], "live");
    assert_eq!(
        error(&state, "POST", &format!("/restapis/{id}/stages"), &body),
        (
            409,
            "ConflictException".into(),
            json!({"message": "Stage already exists"})
        )
    );
    let patch = json!({"patchOperations": [
        {"op": "replace", "path": "/variables/color", "value": "blue"},
        {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": "arn:aws:logs:us-east-1:123456789012:log-group:g"},
        {"op": "replace", "path": "/description", "value": "changed"}]});
    let (status, stage) = write(
        &mut state,
        "PATCH",
        &format!("/restapis/{id}/stages/prod"),
        &patch.to_string(),
    );
    assert_eq!(status, 200);
    assert_eq!(
        stage,
        json!({"deploymentId": d, "stageName": "prod", "description": "changed",
        "cacheClusterEnabled": false, "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {},
        "variables": {"color": "blue"},
        "accessLogSettings": {"format": "$context.requestId", "destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:g"},
        "tracingEnabled": false, "createdDate": NOW, "lastUpdatedDate": NOW})
    );
    assert!(state.rest_apis[0].stages[0]
        .access_log_settings
        .as_ref()
        .unwrap()
        .destination
        .is_none());
    let (_, stages, _) = call(&state, "GET", &format!("/restapis/{id}/stages"), "");
    assert_eq!(stages, json!({"item": [stage]}));
    let bad = json!({"patchOperations": [{"op": "replace", "path": "/nope", "value": "x"}]});
    assert_eq!(
        error(
            &state,
            "PATCH",
            &format!("/restapis/{id}/stages/prod"),
            &bad.to_string()
        )
        .0,
        400
    );
    let (status, _) = write(
        &mut state,
        "DELETE",
        &format!("/restapis/{id}/stages/prod"),
        "",
    );
    assert_eq!(status, 202);
    let (status, _) = write(
        &mut state,
        "DELETE",
        &format!("/restapis/{id}/deployments/{d}"),
        "",
    );
    assert_eq!(status, 202);
}

#[test]
fn update_rest_api_applies_patch_operations() {
    let mut state = empty_state();
    let id = create_api(
        &mut state,
        json!({"name": "u", "endpointConfiguration": {"types": ["REGIONAL"]}}),
    );
    let patch = json!({"patchOperations": [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/binaryMediaTypes/image~1png"},
        {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"},
        {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "PRIVATE"},
        {"op": "add", "path": "/endpointConfiguration/vpcEndpointIds", "value": "vpce-01234567890abcdef"},
        {"op": "replace", "path": "/policy", "value": POLICY}]});
    let (status, api) = write(
        &mut state,
        "PATCH",
        &format!("/restapis/{id}"),
        &patch.to_string(),
    );
    assert_eq!(status, 200);
    assert_eq!(api["name"], "renamed");
    assert_eq!(api["binaryMediaTypes"], json!(["image/png"]));
    assert_eq!(api["apiKeySource"], "AUTHORIZER");
    assert_eq!(
        api["endpointConfiguration"],
        json!({"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-01234567890abcdef"]})
    );
    assert!(api["policy"]
        .as_str()
        .unwrap()
        .starts_with(r#"{\"Version\":\"2012-10-17\""#));
    let patch =
        json!({"patchOperations": [{"op": "remove", "path": "/binaryMediaTypes/image~1png"}]});
    let (_, api) = write(
        &mut state,
        "PATCH",
        &format!("/restapis/{id}"),
        &patch.to_string(),
    );
    assert!(api.get("binaryMediaTypes").is_none());
}

#[test]
fn import_reads_json_and_yaml_and_reports_warnings() {
    let mut state = empty_state();
    let yaml = "openapi: 3.0.1\ninfo: {title: imported, version: '1'}\nx-amazon-apigateway-request-validators: {}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}\n";
    let (status, api) = write(
        &mut state,
        "POST",
        "/restapis?mode=import&endpointConfigurationTypes=REGIONAL",
        yaml,
    );
    assert_eq!(status, 201);
    assert_eq!(api["name"], "imported");
    assert_eq!(api["endpointConfiguration"], json!({"types": ["REGIONAL"]}));
    assert_eq!(api["warnings"], json!(["$.x-amazon-apigateway-request-validators: request validators are not emulated: requests are not validated"]));
    let (status, kind, _) = error(
        &state,
        "POST",
        "/restapis?mode=import&failonwarnings=true",
        yaml,
    );
    assert_eq!((status, kind.as_str()), (400, "BadRequestException"));
    let (status, kind, body) = error(
        &state,
        "POST",
        "/restapis?mode=import",
        r#"{"openapi":"2.5"}"#,
    );
    assert_eq!((status, kind.as_str()), (400, "BadRequestException"));
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("$: expected an OpenAPI 3.0 document"));
    let id = api["id"].as_str().unwrap().to_string();
    let merge = r#"{"openapi":"3.0.1","info":{"title":"imported","version":"2"},"paths":{"/b":{"post":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}"#;
    let (status, _) = write(
        &mut state,
        "PUT",
        &format!("/restapis/{id}?mode=merge"),
        merge,
    );
    assert_eq!(status, 200);
    let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
    let paths: Vec<&str> = resources["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/", "/a", "/b"]);
    write(
        &mut state,
        "PUT",
        &format!("/restapis/{id}?mode=overwrite"),
        merge,
    );
    let (_, resources, _) = call(&state, "GET", &format!("/restapis/{id}/resources"), "");
    assert_eq!(resources["item"].as_array().unwrap().len(), 2);
}

#[test]
fn get_export_serves_the_stage_document_as_json_or_yaml() {
    let state = Config::seed();
    let handled = handle(
        &request(
            "GET",
            "/restapis/chw1a2q2xk/stages/test/exports/oas30?extensions=integrations",
            "",
        ),
        &state,
        &ctx(),
    );
    assert_eq!(handled.response.status, 200);
    assert_eq!(
        handled.response.headers[0],
        ("Content-Type".to_string(), "application/json".to_string())
    );
    let doc: Value = serde_json::from_slice(&handled.response.body).unwrap();
    assert!(doc["paths"]["/pets"].is_object(), "{doc}");
    let mut yaml = request(
        "GET",
        "/restapis/chw1a2q2xk/stages/test/exports/swagger",
        "",
    );
    yaml.headers
        .insert("accept", http::HeaderValue::from_static("application/yaml"));
    let handled = handle(&yaml, &state, &ctx());
    assert_eq!(handled.response.headers[0].1, "application/yaml");
    let text = String::from_utf8(handled.response.body).unwrap();
    assert!(crate::scenario::document::parse(&text).unwrap()["paths"].is_object());
    assert_eq!(
        error(
            &state,
            "GET",
            "/restapis/chw1a2q2xk/stages/nope/exports/oas30",
            ""
        ),
        (
            404,
            "NotFoundException".into(),
            json!({"message": "Invalid Stage identifier specified"})
        )
    );
}

/// A scenario's Example API: read from the bundled document; the first change freezes what
/// its stage served, so the stage keeps serving it.
#[test]
fn an_example_api_is_read_and_frozen_on_its_first_change() {
    let mut state = Config::seed();
    let (_, api, _) = call(&state, "GET", "/restapis/chw1a2q2xk", "");
    assert_eq!(api["name"], "PetStore");
    assert_eq!(api["endpointConfiguration"]["types"], json!(["PRIVATE"]));
    let (_, resources, _) = call(&state, "GET", "/restapis/chw1a2q2xk/resources", "");
    let paths: Vec<&str> = resources["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/", "/pets", "/pets/{petId}"]);
    let current = current_deployment_id("chw1a2q2xk");
    let (_, stage, _) = call(&state, "GET", "/restapis/chw1a2q2xk/stages/test", "");
    assert_eq!(stage["deploymentId"], json!(current));
    let pets = crate::aws::ids::short_id("/pets");
    let (status, _) = write(
        &mut state,
        "DELETE",
        &format!("/restapis/chw1a2q2xk/resources/{pets}"),
        "",
    );
    assert_eq!(status, 202);
    let api = &state.rest_apis[0];
    assert!(api.example.is_none() && api.body.is_some());
    assert_eq!(
        api.stages[0].deployment_id.as_deref(),
        Some(current.as_str())
    );
    let topology = validate(&state).unwrap();
    let served = &topology.rest_apis["chw1a2q2xk"].stages["test"].deployment;
    assert_eq!(served.id, current);
    assert!(served.definition.route("/pets", "GET").is_some());
    assert!(served.policy.is_some());
}
