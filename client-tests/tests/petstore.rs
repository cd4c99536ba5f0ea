//! The console's Example API (PetStore) through curl, resource by resource: the MOCK root page,
//! the HTTP integrations with the demo backend, the CORS OPTIONS mocks, and a second stage.

use client_tests::{config_from, seed_json, CurlResponse, Target, SEED_API_ID};

/// The root page as the Example API's MOCK integration renders it for `stage`.
fn root_page(stage: &str) -> String {
    r#"<html>
    <head>
        <style>
        body {
            color: #333;
            font-family: Sans-serif;
            max-width: 800px;
            margin: auto;
        }
        </style>
    </head>
    <body>
        <h1>Welcome to your Pet Store API</h1>
        <p>
            You have successfully deployed your first API. You are seeing this HTML page because the <code>GET</code> method to the root resource of your API returns this content as a Mock integration.
        </p>
        <p>
            The Pet Store API contains the <code>/pets</code> and <code>/pets/{petId}</code> resources. By making a <a href="/STAGE/pets/" target="_blank"><code>GET</code> request</a> to <code>/pets</code> you can retrieve a list of Pets in your API. If you are looking for a specific pet, for example the pet with ID 1, you can make a <a href="/STAGE/pets/1" target="_blank"><code>GET</code> request</a> to <code>/pets/1</code>.
        </p>
        <p>
            You can use a REST client such as <a href="https://www.getpostman.com/" target="_blank">Postman</a> to test the <code>POST</code> methods in your API to create a new pet. Use the sample body below to send the <code>POST</code> request:
        </p>
        <pre>
{
    "type" : "cat",
    "price" : 123.11
}
        </pre>
    </body>
</html>"#
        .replace("STAGE", stage)
}

/// The first page of pets, as the demo backend pretty-prints it.
const PETS_PAGE_1: &str = r#"[
  {
    "id": 1,
    "type": "dog",
    "price": 249.99
  },
  {
    "id": 2,
    "type": "cat",
    "price": 124.99
  },
  {
    "id": 3,
    "type": "fish",
    "price": 0.99
  }
]"#;

/// Headers after an HTTP integration: the method's CORS header, then the ids and the trace id.
const HTTP_INTEGRATION_HEADERS: [&str; 8] = [
    "Date",
    "Content-Type",
    "Content-Length",
    "Connection",
    "x-amzn-RequestId",
    "Access-Control-Allow-Origin",
    "x-amz-apigw-id",
    "X-Amzn-Trace-Id",
];

/// Headers after a CORS OPTIONS mock: no trace id.
const CORS_HEADERS: [&str; 8] = [
    "Date",
    "Content-Type",
    "Content-Length",
    "Connection",
    "x-amzn-RequestId",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Origin",
];

async fn with_emulator(scenario: serde_json::Value, check: impl FnOnce(Target) + Send + 'static) {
    client_tests::with_emulator(config_from(&scenario), check).await;
}

/// `curl -i` to the seed API through the seed endpoint, with extra arguments.
fn call(t: &Target, path: &str, args: &[&str]) -> CurlResponse {
    t.call(SEED_API_ID, path, args)
}

/// `Root=1-<8 hex>-<24 hex>`.
fn assert_trace_id(resp: &CurlResponse) {
    let trace = resp.header("X-Amzn-Trace-Id").unwrap_or_default();
    let parts: Vec<&str> = trace
        .strip_prefix("Root=1-")
        .unwrap_or_default()
        .split('-')
        .collect();
    assert!(
        parts.len() == 2
            && parts[0].len() == 8
            && parts[1].len() == 24
            && parts
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit())),
        "{trace:?}"
    );
}

fn assert_http_integration_ok(resp: &CurlResponse, body: &str) {
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK", "{resp:?}");
    assert_eq!(resp.header_names(), HTTP_INTEGRATION_HEADERS);
    assert_eq!(resp.header("Content-Type"), Some("application/json"));
    assert_eq!(resp.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        resp.header("Content-Length"),
        Some(body.len().to_string().as_str())
    );
    assert_trace_id(resp);
    assert_eq!(resp.body, body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_stage_root_returns_the_welcome_page_with_the_stage_filled_in() {
    with_emulator(seed_json(), |t| {
        let resp = call(&t, "/test", &[]);
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
        assert_eq!(resp.header("Content-Type"), Some("text/html"));
        assert_eq!(resp.body, root_page("test"));
        assert!(!resp.body.contains("$context"));
        assert_eq!(
            resp.header("Content-Length"),
            Some(resp.body.len().to_string().as_str())
        );
        assert_eq!(
            resp.header("X-Amzn-Trace-Id"),
            None,
            "MOCK integrations are not traced"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pets_returns_the_first_page_pretty_printed() {
    with_emulator(seed_json(), |t| {
        assert_http_integration_ok(&call(&t, "/test/pets", &[]), PETS_PAGE_1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pets_maps_type_and_page_onto_the_backend_query() {
    with_emulator(seed_json(), |t| {
        assert_http_integration_ok(
            &call(&t, "/test/pets?type=cat&page=2", &[]),
            r#"[
  {
    "id": 4,
    "type": "cat",
    "price": 999.99
  },
  {
    "id": 5,
    "type": "cat",
    "price": 249.99
  },
  {
    "id": 6,
    "type": "cat",
    "price": 49.97
  }
]"#,
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pet_by_id_maps_the_path_parameter() {
    with_emulator(seed_json(), |t| {
        assert_http_integration_ok(
            &call(&t, "/test/pets/1", &[]),
            "{\n  \"id\": 1,\n  \"type\": \"dog\",\n  \"price\": 249.99\n}",
        );
        assert_http_integration_ok(
            &call(&t, "/test/pets/3", &[]),
            "{\n  \"id\": 3,\n  \"type\": \"fish\",\n  \"price\": 0.99\n}",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_pets_echoes_the_new_pet_with_success() {
    with_emulator(seed_json(), |t| {
        let resp = call(
            &t,
            "/test/pets",
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "--data-raw",
                r#"{"type":"dog","price":249.99}"#,
            ],
        );
        assert_http_integration_ok(
            &resp,
            "{\n  \"pet\": {\n    \"type\": \"dog\",\n    \"price\": 249.99\n  },\n  \"message\": \"success\"\n}",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_on_pets_and_a_pet_answer_cors_with_an_empty_body() {
    with_emulator(seed_json(), |t| {
        for (path, methods) in [
            ("/test/pets", "POST,GET,OPTIONS"),
            ("/test/pets/7", "GET,OPTIONS"),
        ] {
            let resp = call(&t, path, &["-X", "OPTIONS"]);
            assert_eq!(resp.status_line, "HTTP/1.1 200 OK", "{path}");
            let names = resp.header_names();
            assert_eq!(names[..8], CORS_HEADERS, "{path}");
            assert_eq!(
                names[8..],
                ["x-amz-apigw-id"],
                "no trace id after a MOCK: {path}"
            );
            assert_eq!(resp.header("Access-Control-Allow-Methods"), Some(methods));
            assert_eq!(
                resp.header("Access-Control-Allow-Headers"),
                Some("Content-Type,X-Amz-Date,Authorization,X-Api-Key")
            );
            assert_eq!(resp.header("Access-Control-Allow-Origin"), Some("*"));
            assert_eq!(resp.header("Content-Length"), Some("0"));
            assert_eq!(resp.body, "", "{path}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_stage_serves_the_same_api_and_links_its_own_paths() {
    let mut v = seed_json();
    v["restApis"][0]["stages"]
        .as_array_mut()
        .expect("the seed API has stages")
        .push(serde_json::json!({"stageName": "prod"}));
    with_emulator(v, |t| {
        let root = call(&t, "/prod", &[]);
        assert_eq!(root.status_line, "HTTP/1.1 200 OK");
        assert_eq!(root.body, root_page("prod"));
        assert!(root
            .body
            .contains(r#"<a href="/prod/pets/" target="_blank">"#));
        assert!(!root.body.contains("/test/"));
        assert_http_integration_ok(&call(&t, "/prod/pets", &[]), PETS_PAGE_1);
        // The page's own link, with its trailing slash, reaches the list too.
        assert_http_integration_ok(&call(&t, "/prod/pets/", &[]), PETS_PAGE_1);
        assert_eq!(call(&t, "/test", &[]).body, root_page("test"));
    })
    .await;
}
