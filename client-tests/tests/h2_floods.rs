//! HTTP/2 (opt-in) against its known floods, through the real TLS port: rapid reset
//! (CVE-2023-44487) and CONTINUATION floods end the abusive connection while other clients are
//! served.

use std::sync::Arc;
use std::time::Duration;

use client_tests::{config_from, seed_json, Emulator, Target, SEED_API_ID};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start() -> (Emulator, Target) {
    let mut scenario = seed_json();
    scenario["emulator"]["https"] = serde_json::json!({"http2": true});
    let emulator = Emulator::start(config_from(&scenario))
        .await
        .expect("the scenario starts");
    let target = Target::of(&emulator);
    (emulator, target)
}

/// A TLS connection offering only h2 by ALPN.
async fn h2_tls(t: &Target) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&t.ca_file).expect("the CA file") {
        roots.add(cert.expect("a PEM certificate")).expect("a CA");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
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
