//! A Rust client as users' own tests would write it, beyond `rust_client.rs`: hickory-resolver
//! asking only the emulator's DNS server, behind reqwest's `dns_resolver`, and reqwest trusting
//! only `ca.pem`. It lists, reads and posts pets by the endpoint's regional name, speaks HTTP/2
//! when the scenario offers it, and refuses an untrusted CA or a name the certificate lacks.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use client_tests::{config_from, seed_json, Config, Emulator, SEED_API_ID};
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};

fn install_ring() {
    // Several tests share the process: only the first install succeeds, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A resolver whose only name server is the emulator's (UDP and TCP on its port).
fn emulator_resolver(dns: SocketAddr) -> TokioResolver {
    let mut server = NameServerConfig::udp_and_tcp(dns.ip());
    for connection in &mut server.connections {
        connection.port = dns.port();
    }
    Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![server]),
        TokioRuntimeProvider::default(),
    )
    .build()
    .expect("the resolver builds")
}

/// reqwest's name resolution through that resolver, every address on the emulator's HTTPS port.
struct ViaEmulatorDns {
    resolver: Arc<TokioResolver>,
    https_port: u16,
}

impl reqwest::dns::Resolve for ViaEmulatorDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (resolver, port) = (self.resolver.clone(), self.https_port);
        Box::pin(async move {
            let lookup = resolver.lookup_ip(name.as_str()).await?;
            let addrs: Vec<SocketAddr> =
                lookup.iter().map(|ip| SocketAddr::new(ip, port)).collect();
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A client resolving through the emulator and trusting `roots` only.
fn client_with_roots(
    emulator: &Emulator,
    roots: Vec<reqwest::Certificate>,
) -> reqwest::ClientBuilder {
    install_ring();
    reqwest::Client::builder()
        .dns_resolver(ViaEmulatorDns {
            resolver: Arc::new(emulator_resolver(emulator.dns_addr())),
            https_port: emulator.https_port(),
        })
        .tls_certs_only(roots)
}

/// The client users write: the emulator's DNS, the emulator's CA.
fn client(emulator: &Emulator) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes()).expect("ca.pem is PEM");
    client_with_roots(emulator, vec![ca])
        .build()
        .expect("the client builds")
}

/// `https://<endpoint e's regional name>:<port><path>`.
fn url(emulator: &Emulator, e: usize, path: &str) -> String {
    let name = &emulator.ready_info().vpc_endpoints[e].dns_entries[0].dns_name;
    format!("https://{name}:{}{path}", emulator.https_port())
}

/// The whole error chain, for matching on the root cause.
fn chain(error: &reqwest::Error) -> String {
    let mut text = format!("{error}");
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        text.push_str(&format!(" / {s}"));
        source = s.source();
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hickory_resolves_the_regional_name_to_the_endpoint_addresses_as_ready_info_lists_them() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let entry = &emulator.ready_info().vpc_endpoints[0].dns_entries[0];
    let answered: Vec<IpAddr> = emulator_resolver(emulator.dns_addr())
        .lookup_ip(entry.dns_name.as_str())
        .await
        .expect("the regional name resolves")
        .iter()
        .collect();
    let listed: Vec<IpAddr> = entry.addresses.iter().map(|a| a.parse().unwrap()).collect();
    assert_eq!(
        answered,
        vec![
            "127.0.1.1".parse::<IpAddr>().unwrap(),
            "127.0.1.2".parse().unwrap()
        ]
    );
    assert_eq!(answered, listed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_lists_pets_by_the_regional_name_with_the_api_id_header() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let response = client(&emulator)
        .get(url(&emulator, 0, "/test/pets"))
        .header("x-apigw-api-id", SEED_API_ID)
        .send()
        .await
        .expect("the call succeeds");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    let remote = response.remote_addr().expect("a TCP peer").ip();
    assert!(
        ["127.0.1.1", "127.0.1.2"].contains(&remote.to_string().as_str()),
        "connected to an endpoint address: {remote}"
    );
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-amzn-trace-id"));
    let pets: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(
        pets,
        serde_json::json!([
            {"id": 1, "type": "dog", "price": 249.99},
            {"id": 2, "type": "cat", "price": 124.99},
            {"id": 3, "type": "fish", "price": 0.99}
        ])
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_posts_a_pet_as_json_and_reads_the_answer() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let response = client(&emulator)
        .post(url(&emulator, 0, "/test/pets"))
        .header("x-apigw-api-id", SEED_API_ID)
        .json(&serde_json::json!({"type": "dog", "price": 249.99}))
        .send()
        .await
        .expect("the call succeeds");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(
        response.text().await.unwrap(),
        "{\n  \"pet\": {\n    \"type\": \"dog\",\n    \"price\": 249.99\n  },\n  \"message\": \"success\"\n}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_reads_aws_error_bodies_and_headers() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let response = client(&emulator)
        .get(url(&emulator, 0, "/test/nothing"))
        .header("x-apigw-api-id", SEED_API_ID)
        .send()
        .await
        .expect("the call succeeds");
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_speaks_http_2_when_the_scenario_offers_it() {
    let mut v = seed_json();
    v["emulator"]["https"] = serde_json::json!({"http2": true});
    let emulator = Emulator::start(config_from(&v)).await.unwrap();
    let response = client(&emulator)
        .get(url(&emulator, 0, "/test/pets/2"))
        .header("x-apigw-api-id", SEED_API_ID)
        .send()
        .await
        .expect("the call succeeds");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"id": 2, "type": "cat", "price": 124.99})
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_not_trusting_the_ca_fails_with_an_unknown_issuer() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let untrusting = client_with_roots(&emulator, Vec::new()).build().unwrap();
    let error = untrusting
        .get(url(&emulator, 0, "/test"))
        .header("x-apigw-api-id", SEED_API_ID)
        .send()
        .await
        .expect_err("the certificate is refused");
    let text = chain(&error);
    assert!(error.is_connect(), "{text}");
    assert!(
        text.contains("invalid peer certificate: UnknownIssuer"),
        "{text}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_trusting_the_ca_refuses_a_name_the_certificate_does_not_cover() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    // Pinned to an endpoint address, as a stale hosts entry would.
    let address = SocketAddr::new("127.0.1.1".parse().unwrap(), emulator.https_port());
    install_ring();
    let pinned = reqwest::Client::builder()
        .resolve("api.example.com", address)
        .tls_certs_only([reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let error = pinned
        .get(format!("https://api.example.com:{}/test", address.port()))
        .header("x-apigw-api-id", SEED_API_ID)
        .send()
        .await
        .expect_err("the name is not on the certificate");
    let text = chain(&error);
    assert!(
        text.contains(
            r#"invalid peer certificate: certificate not valid for name "api.example.com"; certificate is only valid for "#
        ),
        "{text}"
    );
    for san in [
        r#"DnsName("*.execute-api.us-east-1.vpce.amazonaws.com")"#,
        r#"DnsName("*.execute-api.us-east-1.amazonaws.com")"#,
    ] {
        assert!(text.contains(san), "{san} in {text}");
    }
    emulator.shutdown().await;
}
