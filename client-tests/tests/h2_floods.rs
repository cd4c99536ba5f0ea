//! HTTP/2 (opt-in) against its known floods, through the real TLS port: rapid reset
//! (CVE-2023-44487) and CONTINUATION floods end the abusive connection while other clients are
//! served. And HTTP/1.1's limits hold on HTTP/2 too: the 10 MB body limit (413, without holding
//! the body), the request deadline and the idle timeout.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use client_tests::{config_from, seed_json, Emulator, RunningBinary, Target, SEED_API_ID};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start() -> (Emulator, Target) {
    start_with(serde_json::json!({"http2": true})).await
}

/// The seed scenario with these `emulator.https` settings.
async fn start_with(https: serde_json::Value) -> (Emulator, Target) {
    let mut scenario = seed_json();
    scenario["emulator"]["https"] = https;
    let emulator = Emulator::start(config_from(&scenario))
        .await
        .expect("the scenario starts");
    let target = Target::of(&emulator);
    (emulator, target)
}

/// A TLS connection offering only h2 by ALPN.
async fn h2_tls(t: &Target) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut config = t.tls_client_config();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(("127.0.1.1", t.https_port))
        .await
        .expect("TCP connects");
    let name = ServerName::try_from(t.dns_name(0, 0)).expect("a DNS name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("the TLS handshake succeeds");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    tls
}

fn request(t: &Target) -> http::Request<()> {
    http::Request::builder()
        .uri(format!("https://{}/test/pets/1", t.dns_name(0, 0)))
        .header("x-apigw-api-id", SEED_API_ID)
        .body(())
        .expect("a request")
}

/// A well-behaved h2 request on a new connection.
async fn ok_status(t: &Target) -> u16 {
    let (mut client, connection) = h2::client::handshake(h2_tls(t).await)
        .await
        .expect("h2 handshake");
    tokio::spawn(connection);
    let (response, _) = client.send_request(request(t), true).expect("sent");
    response.await.expect("a response").status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn rapid_reset_ends_the_connection_and_others_are_served() {
    let (emulator, t) = start().await;
    assert_eq!(ok_status(&t).await, 200);
    let (mut client, connection) = h2::client::handshake(h2_tls(&t).await)
        .await
        .expect("h2 handshake");
    let connection = tokio::spawn(connection);
    let mut refused = false;
    for _ in 0..5_000 {
        match client.send_request(request(&t), true) {
            Ok((_, mut stream)) => stream.send_reset(h2::Reason::CANCEL),
            Err(_) => {
                refused = true;
                break;
            }
        }
        if connection.is_finished() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(
        refused || matches!(ended, Ok(Ok(Err(_)))),
        "the server kept a connection that reset 5 000 streams: {ended:?}"
    );
    assert_eq!(ok_status(&t).await, 200, "another client is still served");
    emulator.shutdown().await;
}

/// An HTTP/2 frame header: length, type, flags, stream id.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn a_continuation_flood_is_cut_off() {
    let (emulator, t) = start().await;
    let mut tls = h2_tls(&t).await;
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    tls.write_all(&frame(0x4, 0, 0, &[])).await.unwrap(); // SETTINGS
                                                          // HEADERS without END_HEADERS, then CONTINUATION frames that never end the block.
    tls.write_all(&frame(0x1, 0x1, 1, &[0x82])).await.unwrap(); // :method GET, END_STREAM
    let junk = [0x40u8; 16_000];
    let mut cut_off = false;
    for _ in 0..400 {
        if tls.write_all(&frame(0x9, 0, 1, &junk)).await.is_err() {
            cut_off = true;
            break;
        }
    }
    // Either writing already failed, or the server closes the connection (after its GOAWAY).
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = tls.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .is_ok();
    assert!(
        cut_off || closed,
        "the server kept reading 6.4 MB of CONTINUATION without closing"
    );
    assert_eq!(ok_status(&t).await, 200, "another client is still served");
    emulator.shutdown().await;
}

/// 11 MB, over API Gateway's 10 MB payload limit.
const OVER_LIMIT: usize = 11 * 1024 * 1024;

fn post(t: &Target, length: Option<usize>) -> http::Request<()> {
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("https://{}/test/pets", t.dns_name(0, 0)))
        .header("x-apigw-api-id", SEED_API_ID)
        .header("content-type", "application/json");
    if let Some(n) = length {
        request = request.header("content-length", n.to_string());
    }
    request.body(()).expect("a request")
}

/// POSTs `OVER_LIMIT` bytes on a new connection (with or without `content-length`); returns the
/// status and body of the answer.
async fn post_over_limit(t: &Target, announced: bool) -> (u16, String) {
    let (mut client, connection) = h2::client::handshake(h2_tls(t).await)
        .await
        .expect("h2 handshake");
    tokio::spawn(connection);
    let request = post(t, announced.then_some(OVER_LIMIT));
    let (response, mut stream) = client.send_request(request, false).expect("sent");
    // Queued in this process; h2 sends it as the server's flow-control window allows.
    let _ = stream.send_data(Bytes::from(vec![b'x'; OVER_LIMIT]), true);
    let response = tokio::time::timeout(Duration::from_secs(30), response)
        .await
        .expect("an answer within 30 s")
        .expect("a response");
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut text = Vec::new();
    while let Some(Ok(chunk)) = body.data().await {
        let _ = body.flow_control().release_capacity(chunk.len());
        text.extend_from_slice(&chunk);
    }
    (status, String::from_utf8_lossy(&text).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_h2_body_over_10_mb_gets_413_without_being_held() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("scenario.json");
    let mut scenario = seed_json();
    scenario["emulator"]["https"] = serde_json::json!({"http2": true});
    std::fs::write(&file, scenario.to_string()).expect("scenario written");
    let running = RunningBinary::start(&["--config", file.to_str().expect("a UTF-8 path")]);
    let (t, pid) = (running.target.clone(), running.pid());
    assert_eq!(ok_status(&t).await, 200, "warmed up");
    // The peak, not the current size: a body freed after the answer would hide in VmRSS.
    let before = client_tests::status_kb(pid, "VmHWM:");
    let (status, body) = post_over_limit(&t, true).await;
    let grown = client_tests::status_kb(pid, "VmHWM:").saturating_sub(before);
    eprintln!("peak memory grew by {grown} bytes");
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        body,
        r#"{"message":"HTTP content length exceeded 10485760 bytes."}"#
    );
    assert!(
        grown < OVER_LIMIT as u64,
        "the emulator's peak memory grew by {} MB for an 11 MB body it refused",
        grown / (1024 * 1024)
    );
    // Without a length, it is counted as it comes, and refused at the limit.
    let (status, body) = post_over_limit(&t, false).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(ok_status(&t).await, 200, "the emulator still serves");
    drop(running);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_h2_connection_is_closed_after_the_idle_timeout() {
    let (emulator, t) =
        start_with(serde_json::json!({"http2": true, "idleTimeoutSeconds": 1})).await;
    let (mut client, connection) = h2::client::handshake(h2_tls(&t).await)
        .await
        .expect("h2 handshake");
    let connection = tokio::spawn(connection);
    let (response, _) = client.send_request(request(&t), true).expect("sent");
    assert_eq!(response.await.expect("a response").status(), 200);
    let idle_since = std::time::Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    let idle = idle_since.elapsed();
    assert!(
        ended.is_ok(),
        "the connection was still open after 5 s idle"
    );
    assert!(
        idle >= Duration::from_millis(900),
        "closed after {idle:?}, before the idle timeout"
    );
    drop(client);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dripping_h2_body_is_reset_at_the_request_deadline() {
    let (emulator, t) =
        start_with(serde_json::json!({"http2": true, "requestTimeoutSeconds": 1})).await;
    let (mut client, connection) = h2::client::handshake(h2_tls(&t).await)
        .await
        .expect("h2 handshake");
    tokio::spawn(connection);
    let (response, mut stream) = client.send_request(post(&t, None), false).expect("sent");
    let started = std::time::Instant::now();
    // One byte every 200 ms, for up to 5 s: every read is prompt, the body never ends.
    tokio::spawn(async move {
        for _ in 0..25 {
            if stream.send_data(Bytes::from_static(b"x"), false).is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let answer = tokio::time::timeout(Duration::from_secs(4), response).await;
    let took = started.elapsed();
    match answer {
        Ok(Err(e)) => assert!(e.is_reset(), "{e:?}"),
        other => panic!("a body dripping past the 1 s deadline got {other:?} after {took:?}"),
    }
    assert!(took < Duration::from_secs(3), "reset after {took:?}");
    // Only the stream is refused: the connection serves the next request.
    let (response, _) = client.send_request(request(&t), true).expect("sent");
    assert_eq!(response.await.expect("a response").status(), 200);
    emulator.shutdown().await;
}

/// The h2 library under hyper answers this one itself, before the gateway sees the stream: a
/// bare 431 (no headers, no body) and the stream refused; the connection lives on.
#[tokio::test(flavor = "multi_thread")]
async fn an_h2_header_block_over_32_kb_gets_431() {
    let (emulator, t) = start().await;
    let (mut client, connection) = h2::client::handshake(h2_tls(&t).await)
        .await
        .expect("h2 handshake");
    tokio::spawn(connection);
    let mut big = request(&t);
    let value = http::HeaderValue::from_str(&"a".repeat(40 * 1024)).expect("a header value");
    big.headers_mut().insert("x-big", value);
    let (response, _) = client.send_request(big, true).expect("sent");
    let response = response.await.expect("a response");
    assert_eq!(response.status(), 431);
    assert!(response.headers().is_empty(), "{:?}", response.headers());
    let (response, _) = client.send_request(request(&t), true).expect("sent");
    assert_eq!(response.await.expect("a response").status(), 200);
    emulator.shutdown().await;
}
