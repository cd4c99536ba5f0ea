//! A Rust client as users' own integration tests would write it: hickory-resolver pointed at the
//! emulator's DNS server only, and reqwest (rustls) trusting only the emulator's CA.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use client_tests::{Config, Emulator};
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};

fn install_crypto() {
    // Several tests in one process: only the first install succeeds, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A resolver that asks the emulator's DNS server and nothing else.
fn resolver(dns: SocketAddr) -> TokioResolver {
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

/// Lets reqwest resolve names through the emulator's DNS, with the emulator's HTTPS port.
struct EmulatorDns {
    resolver: Arc<TokioResolver>,
    https_port: u16,
}

impl reqwest::dns::Resolve for EmulatorDns {
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

fn client(emulator: &Emulator, trust_ca: bool) -> reqwest::Client {
    install_crypto();
    let dns = EmulatorDns {
        resolver: Arc::new(resolver(emulator.dns_addr())),
        https_port: emulator.https_port(),
    };
    let builder = reqwest::Client::builder().dns_resolver(dns);
    let builder = if trust_ca {
        builder.tls_certs_only([
            reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes()).expect("the CA is PEM")
        ])
    } else {
        builder.tls_certs_only([])
    };
    builder.build().expect("the client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hickory_resolves_the_regional_and_zonal_names_through_the_emulator() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let ready = emulator.ready_info().clone();
    let resolver = resolver(emulator.dns_addr());
    let entries = &ready.vpc_endpoints[0].dns_entries;
    let regional: Vec<IpAddr> = resolver
        .lookup_ip(entries[0].dns_name.as_str())
        .await
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        regional,
        vec![
            "127.0.1.1".parse::<IpAddr>().unwrap(),
            "127.0.1.2".parse().unwrap()
        ]
    );
    let zonal: Vec<IpAddr> = resolver
        .lookup_ip(entries[2].dns_name.as_str())
        .await
        .unwrap()
        .iter()
        .collect();
    assert_eq!(zonal, vec!["127.0.1.2".parse::<IpAddr>().unwrap()]);
    let unknown = resolver
        .lookup_ip("vpce-0fffffffffffffff0-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com")
        .await;
    assert!(unknown.is_err(), "NXDOMAIN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_trusting_the_ca_calls_the_api_by_its_endpoint_name() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let name = emulator.ready_info().vpc_endpoints[0].dns_entries[0]
        .dns_name
        .clone();
    let url = format!(
        "https://{name}:{}/test/pets?type=cat&page=2",
        emulator.https_port()
    );
    let response = client(&emulator, true)
        .get(&url)
        .header("x-apigw-api-id", "chw1a2q2xk")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let pets: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        pets,
        serde_json::json!([
            {"id": 4, "type": "cat", "price": 999.99},
            {"id": 5, "type": "cat", "price": 249.99},
            {"id": 6, "type": "cat", "price": 49.97}
        ])
    );
    let denied = client(&emulator, true).get(&url).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    assert_eq!(denied.headers()["x-amzn-errortype"], "ForbiddenException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_without_the_ca_refuses_the_certificate() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let name = emulator.ready_info().vpc_endpoints[0].dns_entries[0]
        .dns_name
        .clone();
    let url = format!("https://{name}:{}/test", emulator.https_port());
    let error = client(&emulator, false).get(&url).send().await.unwrap_err();
    let chain = format!("{error:?}");
    assert!(
        error.is_connect() || chain.contains("certificate"),
        "{chain}"
    );
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("certificate"),
        "{chain}"
    );
}
