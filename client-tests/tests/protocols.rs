//! TLS and HTTP versions as curl negotiates them, one scenario setting at a time: by default TLS
//! 1.2 and HTTP/1.1 only (AWS's private API endpoints agree no ALPN protocol); `http2` adds h2
//! by ALPN (still TLS 1.2); `tls13` adds TLS 1.3 (still HTTP/1.1).

use client_tests::{config_from, seed_json, CurlResponse, Emulator, Target, SEED_API_ID};

/// What one `curl -i -v` call printed.
struct Verbose {
    /// `None` when curl printed no response.
    response: Option<CurlResponse>,
    /// curl's `-v` trace (stderr).
    log: String,
    exit: Option<i32>,
}

/// Starts the seed scenario with `emulator.https` set to `https`, then runs `check`.
async fn with_https(https: serde_json::Value, check: impl FnOnce(Target) + Send + 'static) {
    let mut v = seed_json();
    v["emulator"]["https"] = https;
    let emulator = Emulator::start(config_from(&v))
        .await
        .expect("the scenario starts");
    let target = Target::of(&emulator);
    tokio::task::spawn_blocking(move || check(target))
        .await
        .expect("the client side finished");
    emulator.shutdown().await;
}

/// `curl -i -v <args> GET /test/pets/1` through the seed endpoint's regional name.
fn curl_verbose(t: &Target, args: &[&str]) -> Verbose {
    let name = t.dns_name(0, 0);
    let header = format!("x-apigw-api-id:{SEED_API_ID}");
    let mut all = vec!["-i", "-v", "-H", header.as_str()];
    all.extend_from_slice(args);
    let out = t.curl(&name, "127.0.1.1".parse().unwrap(), "/test/pets/1", &all);
    Verbose {
        response: (!out.stdout.is_empty()).then(|| CurlResponse::parse(&out)),
        log: String::from_utf8_lossy(&out.stderr).into_owned(),
        exit: out.status.code(),
    }
}

impl Verbose {
    fn response(&self) -> &CurlResponse {
        self.response
            .as_ref()
            .unwrap_or_else(|| panic!("curl printed no response: {}", self.log))
    }
}

const PET_1: &str = "{\n  \"id\": 1,\n  \"type\": \"dog\",\n  \"price\": 249.99\n}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_curl_offering_h2_gets_http_1_1_over_tls_1_2() {
    with_https(serde_json::json!({}), |t| {
        let v = curl_verbose(&t, &["--http2"]);
        assert_eq!(v.exit, Some(0), "{}", v.log);
        assert!(v.log.contains("ALPN: offers h2,http/1.1"), "{}", v.log);
        assert!(
            v.log
                .contains("ALPN: server did not agree on a protocol. Uses default."),
            "{}",
            v.log
        );
        assert!(
            v.log.contains("SSL connection using TLSv1.2 / "),
            "{}",
            v.log
        );
        assert_eq!(v.response().status_line, "HTTP/1.1 200 OK");
        assert_eq!(v.response().body, PET_1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_tls_1_3_only_client_fails_the_handshake() {
    with_https(serde_json::json!({}), |t| {
        let v = curl_verbose(&t, &["--tlsv1.3", "--tls-max", "1.3"]);
        assert_eq!(v.exit, Some(35), "curl's SSL connect error: {}", v.log);
        assert!(v.log.contains("alert protocol version"), "{}", v.log);
        assert!(v.response.is_none(), "no HTTP response at all");
        // Explicitly capped at 1.2, the same client is served.
        let v = curl_verbose(&t, &["--tlsv1.2", "--tls-max", "1.2"]);
        assert_eq!(v.response().status_line, "HTTP/1.1 200 OK", "{}", v.log);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http2_on_curl_gets_http_2_over_tls_1_2_and_lower_case_header_names() {
    with_https(serde_json::json!({"http2": true}), |t| {
        let v = curl_verbose(&t, &["--http2"]);
        assert!(v.log.contains("ALPN: server accepted h2"), "{}", v.log);
        assert!(
            v.log.contains("SSL connection using TLSv1.2 / "),
            "TLS 1.3 stays off: {}",
            v.log
        );
        assert_eq!(v.response().status_line, "HTTP/2 200 ");
        // HTTP/2 has no Connection header; the rest keep AWS's order, in lower case.
        assert_eq!(
            v.response().header_names(),
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
        assert_eq!(v.response().body, PET_1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http2_on_a_client_asking_for_http_1_1_still_gets_it() {
    with_https(serde_json::json!({"http2": true}), |t| {
        let v = curl_verbose(&t, &["--http1.1"]);
        assert!(v.log.contains("ALPN: offers http/1.1"), "{}", v.log);
        assert!(
            v.log.contains("ALPN: server accepted http/1.1"),
            "{}",
            v.log
        );
        assert_eq!(v.response().status_line, "HTTP/1.1 200 OK");
        assert_eq!(v.response().header("Connection"), Some("keep-alive"));
        assert_eq!(v.response().body, PET_1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_tls13_on_tls_1_3_works_and_http_stays_1_1() {
    with_https(serde_json::json!({"tls13": true}), |t| {
        let v = curl_verbose(&t, &["--http2", "--tlsv1.3", "--tls-max", "1.3"]);
        assert_eq!(v.exit, Some(0), "{}", v.log);
        assert!(
            v.log.contains("SSL connection using TLSv1.3 / "),
            "{}",
            v.log
        );
        assert!(
            v.log.contains("ALPN: server did not agree on a protocol"),
            "h2 stays off: {}",
            v.log
        );
        assert_eq!(v.response().status_line, "HTTP/1.1 200 OK");
        assert_eq!(v.response().body, PET_1);
        // TLS 1.2 clients are still served.
        let v = curl_verbose(&t, &["--tls-max", "1.2"]);
        assert!(
            v.log.contains("SSL connection using TLSv1.2 / "),
            "{}",
            v.log
        );
        assert_eq!(v.response().status_line, "HTTP/1.1 200 OK");
    })
    .await;
}
