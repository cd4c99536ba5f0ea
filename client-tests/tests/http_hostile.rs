//! The HTTPS front end against hostile and odd clients, through the real TLS port: oversized
//! heads and bodies, slow clients, absolute-form and CONNECT targets, invalid methods, missing or
//! foreign SNI, and the connection limit.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use client_tests::{config_from, seed_json, CurlResponse, Emulator, Target, SEED_API_ID};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start(https: serde_json::Value) -> (Emulator, Target) {
    let mut scenario = seed_json();
    scenario["emulator"]["https"] = https;
    let emulator = Emulator::start(config_from(&scenario))
        .await
        .expect("the scenario starts");
    let target = Target::of(&emulator);
    (emulator, target)
}

fn call(t: &Target, path: &str, args: &[&str]) -> CurlResponse {
    t.call(SEED_API_ID, path, args)
}

/// A TLS connection to the first endpoint address that trusts the emulator's CA.
async fn tls(t: &Target) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let config = t.tls_client_config();
    let tcp = tokio::net::TcpStream::connect(("127.0.1.1", t.https_port))
        .await
        .expect("TCP connects");
    let name = ServerName::try_from(t.dns_name(0, 0)).expect("a DNS name");
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("the TLS handshake succeeds")
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_heads_and_bodies_are_refused_with_their_status() {
    let (emulator, t) = start(serde_json::json!({})).await;
    tokio::task::spawn_blocking(move || {
        let big = format!("X-Big: {}", "a".repeat(40 * 1024));
        let r = call(&t, "/test", &["-H", &big]);
        assert_eq!(
            r.status_line,
            "HTTP/1.1 431 Request Header Fields Too Large"
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("big.bin");
        let mut f = std::fs::File::create(&file).unwrap();
        f.write_all(&vec![b'x'; 10 * 1024 * 1024 + 1]).unwrap();
        let data = format!("@{}", file.display());
        let r = call(&t, "/test/pets", &["-X", "POST", "--data-binary", &data]);
        assert_eq!(r.status_line, "HTTP/1.1 413 Payload Too Large");
        assert_eq!(
            r.body,
            r#"{"message":"HTTP content length exceeded 10485760 bytes."}"#
        );
        // Exactly at the limit is fine (the backend then refuses the non-JSON pet itself).
        let r = call(
            &t,
            "/test",
            &["-H", "Content-Type: text/plain", "--data-binary", "small"],
        );
        assert_eq!(
            r.status_line, "HTTP/1.1 403 Forbidden",
            "POST / has no method"
        );
    })
    .await
    .unwrap();
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_request_targets_and_methods_get_clear_answers() {
    let (emulator, t) = start(serde_json::json!({})).await;
    tokio::task::spawn_blocking(move || {
        let name = t.dns_name(0, 0);
        // Absolute form: the target's authority stands for the Host.
        let absolute =
            format!("https://{SEED_API_ID}.execute-api.us-east-1.amazonaws.com/test/pets/2");
        let r = CurlResponse::parse(&t.curl(
            &name,
            "127.0.1.1".parse().unwrap(),
            "/",
            &["-i", "--request-target", &absolute],
        ));
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
        assert!(r.body.contains("\"id\": 2"), "{}", r.body);
        // CONNECT and asterisk-form name no stage: Forbidden, as for any request without one.
        let r = call(
            &t,
            "/",
            &["-X", "CONNECT", "--request-target", "example.com:443"],
        );
        assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(r.body, r#"{"message":"Forbidden"}"#);
        let r = call(&t, "/", &["-X", "OPTIONS", "--request-target", "*"]);
        assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
        // A method that is not a token is a bad request.
        let r = call(&t, "/test", &["-X", "G(T"]);
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
        // Percent-encoding edge cases route or refuse, never crash.
        for path in [
            "/test/pets/%",
            "/test/pets/%zz",
            "/test/pets/%00",
            "/test/%2e%2e/pets",
            "/test//pets",
        ] {
            let r = call(&t, path, &[]);
            assert!(
                r.status_line.starts_with("HTTP/1.1 "),
                "{path}: {}",
                r.status_line
            );
        }
        assert_eq!(call(&t, "/test/pets/1", &[]).status_line, "HTTP/1.1 200 OK");
    })
    .await
    .unwrap();
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sni_decides_nothing_but_certificates_only_cover_the_emulated_zones() {
    let (emulator, t) = start(serde_json::json!({})).await;
    tokio::task::spawn_blocking(move || {
        let port = t.https_port;
        // No SNI (an IP literal): the certificate does not name the IP, so a verifying client
        // refuses; one that skips verification is served like any other.
        let url = format!("https://127.0.1.1:{port}/test/pets/1");
        let out = std::process::Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(&t.ca_file)
            .args(["-H", &format!("x-apigw-api-id: {SEED_API_ID}"), &url])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(60),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = std::process::Command::new("curl")
            .args([
                "-sS",
                "-k",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "10",
            ])
            .args(["-H", &format!("x-apigw-api-id: {SEED_API_ID}"), &url])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
        // A name outside the emulated zones gets no certificate a client would accept.
        let out = t.curl(
            "api.example.com",
            "127.0.1.1".parse().unwrap(),
            "/test",
            &[],
        );
        assert_eq!(
            out.status.code(),
            Some(60),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    })
    .await
    .unwrap();
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_clients_are_cut_off_at_the_request_timeout() {
    let (emulator, t) =
        start(serde_json::json!({"requestTimeoutSeconds": 1, "idleTimeoutSeconds": 2})).await;
    // A request head that never ends (slowloris).
    let mut slow = tls(&t).await;
    slow.write_all(b"GET /test HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was not closed");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    // A kept-alive connection goes at the idle timeout after its last response.
    let mut idle = tls(&t).await;
    let request =
        format!("GET /test/pets/1 HTTP/1.1\r\nHost: x\r\nx-apigw-api-id: {SEED_API_ID}\r\n\r\n");
    idle.write_all(request.as_bytes()).await.unwrap();
    let mut first = [0u8; 15];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK");
    let started = Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(6), idle.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the idle connection was not closed");
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_connection_limit_protects_the_process() {
    let (emulator, t) = start(serde_json::json!({"maxConnections": 4})).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(tls(&t).await);
    }
    // Over the limit, a new connection is closed at once.
    let mut extra = tokio::net::TcpStream::connect(("127.0.1.1", t.https_port))
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(3), extra.read(&mut byte)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    // Freed slots serve again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t2 = t.clone();
    let r = tokio::task::spawn_blocking(move || call(&t2, "/test/pets/1", &[]))
        .await
        .unwrap();
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    emulator.shutdown().await;
}

/// A head dripped one byte at a time, each byte well within the timeout, is still cut off when
/// the request timeout has passed since it began: the timeout bounds the whole request, not each
/// read. The connection is closed without an answer, as for any request that does not arrive in
/// time; other connections are served meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn a_dripped_head_is_cut_off_at_the_request_deadline() {
    let (emulator, t) = start(serde_json::json!({"requestTimeoutSeconds": 2})).await;
    let head =
        format!("GET /test/pets/1 HTTP/1.1\r\nHost: x\r\nx-apigw-api-id: {SEED_API_ID}\r\n\r\n");
    let (mut reader, mut writer) = tokio::io::split(tls(&t).await);
    let started = Instant::now();
    let drip = tokio::spawn(async move {
        let mut sent = 0;
        for byte in head.as_bytes() {
            if writer.write_all(&[*byte]).await.is_err() || writer.flush().await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        (sent, head.len())
    });
    // Meanwhile a normal request on another connection is answered.
    let t2 = t.clone();
    let r = tokio::task::spawn_blocking(move || call(&t2, "/test/pets/1", &[]))
        .await
        .unwrap();
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(8), reader.read_to_end(&mut answer)).await;
    let waited = started.elapsed();
    assert!(read.is_ok(), "the dripping connection was not closed");
    assert!(
        waited >= Duration::from_millis(1800) && waited < Duration::from_secs(4),
        "closed after {waited:?}"
    );
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    drip.abort();
    if let Ok(Ok((sent, total))) = tokio::time::timeout(Duration::from_secs(1), drip).await {
        assert!(sent < total, "the whole head was accepted");
    }
    emulator.shutdown().await;
}
