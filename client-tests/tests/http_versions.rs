//! Protocol versions as AWS's execute-api endpoints offer them: TLS 1.2 and HTTP/1.1 by default
//! (a curl that offers h2 still gets HTTP/1.1), HTTP/2 and TLS 1.3 only when the scenario opts in.

use client_tests::{config_from, seed_json, CurlResponse, Emulator, Target};

async fn start(settings: serde_json::Value) -> (Emulator, Target) {
    let mut v = seed_json();
    v["emulator"]["https"] = settings;
    let emulator = Emulator::start(config_from(&v))
        .await
        .expect("the scenario starts");
    let target = Target::of(&emulator);
    (emulator, target)
}

fn verbose(t: &Target, args: &[&str]) -> (CurlResponse, String, Option<i32>) {
    let name = t.dns_name(0, 0);
    let mut all = vec!["-i", "-v", "-H", "x-apigw-api-id:chw1a2q2xk"];
    all.extend_from_slice(args);
    let out = t.curl(&name, "127.0.1.1".parse().unwrap(), "/test/pets/1", &all);
    (
        CurlResponse::parse(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_client_offering_h2_gets_http_1_1_over_tls_1_2() {
    let (_emu, t) = start(serde_json::json!({})).await;
    let (resp, log, _) = tokio::task::spawn_blocking(move || verbose(&t, &["--http2"]))
        .await
        .unwrap();
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert!(
        log.contains("ALPN: server did not agree on a protocol"),
        "{log}"
    );
    assert!(
        log.contains("SSL connection using TLSv1.2 / ECDHE-ECDSA-AES128-GCM-SHA256"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_tls_1_3_only_clients_are_refused() {
    let (_emu, t) = start(serde_json::json!({})).await;
    let name = t.dns_name(0, 0);
    let out = tokio::task::spawn_blocking(move || {
        t.curl(&name, "127.0.1.1".parse().unwrap(), "/test", &["--tlsv1.3"])
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(35), "curl's TLS handshake error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("alert protocol version"));
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_is_served_when_the_scenario_opts_in() {
    let (_emu, t) = start(serde_json::json!({"http2": true, "tls13": true})).await;
    let (resp, log, _) =
        tokio::task::spawn_blocking(move || verbose(&t, &["--http2", "--tlsv1.3"]))
            .await
            .unwrap();
    assert_eq!(resp.status_line, "HTTP/2 200 ");
    assert!(log.contains("TLSv1.3"), "{log}");
    // HTTP/2 spells header names in lower case; the order is AWS's.
    let names: Vec<&str> = resp.header_names();
    assert_eq!(
        names,
        [
            "date",
            "content-type",
            "content-length",
            "x-amzn-requestid",
            "access-control-allow-origin",
            "x-amz-apigw-id",
            "x-amzn-trace-id"
        ]
    );
    assert_eq!(
        resp.body,
        "{\n  \"id\": 1,\n  \"type\": \"dog\",\n  \"price\": 249.99\n}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_errors_carry_the_same_bodies() {
    let (_emu, t) = start(serde_json::json!({"http2": true})).await;
    let name = t.dns_name(0, 0);
    let out = tokio::task::spawn_blocking(move || {
        t.curl(
            &name,
            "127.0.1.1".parse().unwrap(),
            "/nope",
            &["-i", "--http2", "-H", "x-apigw-api-id:chw1a2q2xk"],
        )
    })
    .await
    .unwrap();
    let resp = CurlResponse::parse(&out);
    assert_eq!(resp.status_line, "HTTP/2 403 ");
    assert_eq!(resp.header("x-amzn-errortype"), Some("ForbiddenException"));
    assert_eq!(resp.body, r#"{"message":"Forbidden"}"#);
}
