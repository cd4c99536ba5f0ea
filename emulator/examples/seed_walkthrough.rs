//! The AWS walkthrough in code: start the emulator with the seed scenario, resolve the endpoint's
//! DNS name against its DNS server, then send the walkthrough's request over TLS, trusting only
//! the emulator's CA.
//!
//! Usage: `cargo run -p apigw-emulator --example seed_walkthrough`
//!
//! Shortcuts: a hand-built DNS query and a hand-written HTTP/1.1 request keep this example free of
//! extra dependencies; real tests would use hickory-resolver and reqwest (see client-tests/).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use apigw_emulator::{Config, Emulator};
use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(Config::seed()).await?;
    let ready = emulator.ready_info();
    let name = ready.vpc_endpoints[0].dns_entries[0].dns_name.clone();
    let api_id = &ready.rest_apis[0].id;

    // Step: "test the DNS hostname resolution of the VPC endpoint".
    let address = resolve(emulator.dns_addr(), &name).await?;
    println!("{name} resolves to {address}");

    // Step: curl -IX GET -H 'x-apigw-api-id:<api-id>' https://<vpce-name>/<stage>
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(emulator.ca_pem().as_bytes()) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let tcp = TcpStream::connect(SocketAddr::new(address, emulator.https_port())).await?;
    let mut stream = connector.connect(name.clone().try_into()?, tcp).await?;
    let request = format!("GET /test HTTP/1.1\r\nHost: {name}\r\nx-apigw-api-id: {api_id}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    println!("{}", response.lines().next().unwrap_or_default());

    emulator.shutdown().await;
    Ok(())
}

/// One A query over UDP, first address of the answer.
async fn resolve(server: SocketAddr, name: &str) -> Result<IpAddr, Box<dyn std::error::Error>> {
    let mut query = Message::query();
    query.add_query(Query::query(
        Name::from_ascii(format!("{name}."))?,
        RecordType::A,
    ));
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    socket.send_to(&query.to_vec()?, server).await?;
    let mut buf = vec![0; 512];
    let (n, _) = socket.recv_from(&mut buf).await?;
    let answer = Message::from_vec(&buf[..n])?;
    answer
        .answers
        .iter()
        .find_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            _ => None,
        })
        .ok_or_else(|| "no A record in the answer".into())
}
