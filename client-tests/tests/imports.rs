//! Definitions users bring, served end to end: AWS's own OpenAPI export of the Example API
//! (`get-export --export-type oas30 --extensions integrations`) as a scenario's `bodyFile`, and
//! a CloudFormation template run with `up --template`, called with dig and curl.

use client_tests::{config_from, seed_json, CurlResponse, Emulator, RunningBinary, Target};

fn example(file: &str) -> String {
    format!("{}/../examples/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aws_export_of_the_example_api_serves_like_the_console_one() {
    let mut scenario = seed_json();
    let api = scenario["restApis"][0]
        .as_object_mut()
        .expect("the seed API");
    api.remove("example");
    api.remove("policy");
    api.remove("name");
    api.insert(
        "bodyFile".into(),
        example("petstore-export.oas30.yaml").into(),
    );
    let emulator = Emulator::start(config_from(&scenario))
        .await
        .expect("the export imports and starts");
    let t = Target::of(&emulator);
    tokio::task::spawn_blocking(move || {
        let name = t.dns_name(0, 0);
        let address = t.resolve(&name)[0];
        let get = |path: &str, args: &[&str]| {
            let mut all = vec!["-i", "-H", "x-apigw-api-id: chw1a2q2xk"];
            all.extend_from_slice(args);
            CurlResponse::parse(&t.curl(&name, address, path, &all))
        };
        let r = get("/test/pets?type=cat&page=2", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
        let pets: serde_json::Value = serde_json::from_str(&r.body).expect("JSON pets");
        assert_eq!(
            pets,
            serde_json::json!([
                {"id": 4, "type": "cat", "price": 999.99},
                {"id": 5, "type": "cat", "price": 249.99},
                {"id": 6, "type": "cat", "price": 49.97}
            ])
        );
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        let r = get("/test", &[]);
        assert_eq!(r.header("Content-Type"), Some("text/html"));
        assert!(
            r.body.contains("<a href=\"/test/pets/\">/test/pets/</a>"),
            "{}",
            r.body
        );
        let r = get("/test/pets", &["-X", "OPTIONS"]);
        assert_eq!(
            r.header("Access-Control-Allow-Methods"),
            Some("POST,GET,OPTIONS")
        );
        // The export's own policy (full ARNs) is the one in force, and it allows this endpoint.
        assert_eq!(get("/test/pets/1", &[]).status_line, "HTTP/1.1 200 OK");
    })
    .await
    .expect("the client side finished");
    emulator.shutdown().await;
}

#[test]
fn a_cloudformation_template_serves_with_up_template() {
    let running = RunningBinary::start(&[
        "--config",
        &example("on-premises.json"),
        "--template",
        &example("private-api.cfn.yaml"),
    ]);
    let t = &running.target;
    let api_id = t.ready["restApis"][0]["id"]
        .as_str()
        .expect("an API id")
        .to_string();
    let vpce_id = t.ready["vpcEndpoints"][0]["vpcEndpointId"]
        .as_str()
        .expect("an endpoint id")
        .to_string();
    assert!(
        api_id.len() == 10 && vpce_id.starts_with("vpce-0"),
        "{api_id} {vpce_id}"
    );

    // The regional name with the header, as in the walkthrough.
    let name = t.dns_name(0, 0);
    let address = t.resolve(&name)[0];
    let header = format!("x-apigw-api-id: {api_id}");
    let r = CurlResponse::parse(&t.curl(&name, address, "/test/orders/42", &["-i", "-H", &header]));
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
    let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"orderId": "42", "stage": "test", "via": vpce_id})
    );

    // The Route 53 alias name of the associated endpoint, without the header.
    let alias = format!("{api_id}-{vpce_id}.execute-api.us-east-1.amazonaws.com");
    let alias_address = t.resolve(&alias)[0];
    let r = CurlResponse::parse(&t.curl(&alias, alias_address, "/test/orders/0", &["-i"]));
    assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
    assert_eq!(r.body, r#"{"message": "order 0 not found"}"#);

    // The stage comes from the template's parameter.
    let r = CurlResponse::parse(&t.curl(&alias, alias_address, "/prod/orders/1", &["-i"]));
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    let (status, _) = running.stop();
    assert!(status.success());
}
