//! The library handle as a test double (wiremock-style): emulators started side by side are
//! independent, `shutdown().await` and `drop` both leave nothing listening, and `ready_info()`
//! says exactly what DNS answers.

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use client_tests::{config_from, seed_json, Config, CurlResponse, Emulator, Target, SEED_API_ID};

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the client side finished")
}

/// `curl -i GET /test/pets/1` through the seed endpoint's regional name at 127.0.1.1.
fn get_pet(t: &Target) -> std::process::Output {
    let name = t.dns_name(0, 0);
    t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test/pets/1",
        &["-i", "-H", &format!("x-apigw-api-id:{SEED_API_ID}")],
    )
}

/// True when a TCP connection to `addr` is refused (nothing listens).
fn refused(addr: SocketAddr) -> bool {
    matches!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
    )
}

/// Polls briefly: a dropped emulator's tasks end on the runtime, just after `drop` returns.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Everything a stopped emulator listened on refuses connections, and its DNS port gives no
/// answer over UDP.
fn assert_nothing_listens(t: &Target, https: &[SocketAddr]) {
    assert_eq!(
        https.len(),
        2,
        "the seed endpoint's two addresses: {https:?}"
    );
    for addr in https {
        eventually(&format!("HTTPS {addr} still accepts"), || refused(*addr));
    }
    eventually(&format!("DNS {} still accepts TCP", t.dns), || {
        refused(t.dns)
    });
    let name = t.dns_name(0, 0);
    let dig = t.dig(&[&name, "A"]);
    assert!(!dig.contains("status:"), "no DNS answer: {dig}");
    assert!(
        dig.contains("connection refused") || dig.contains("timed out"),
        "{dig}"
    );
    let out = get_pet(t);
    assert_eq!(
        out.status.code(),
        Some(7),
        "curl could not connect: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_emulators_started_at_once_from_the_seed_serve_independently() {
    let (a, b) = tokio::join!(
        Emulator::start(Config::seed()),
        Emulator::start(Config::seed())
    );
    let (a, b) = (a.expect("a starts"), b.expect("b starts"));
    assert_ne!(a.https_port(), b.https_port());
    assert_ne!(a.dns_addr(), b.dns_addr());
    assert_ne!(a.ca_pem(), b.ca_pem(), "each has its own temporary CA");
    let (ta, tb) = (Target::of(&a), Target::of(&b));
    blocking(move || {
        for t in [&ta, &tb] {
            assert_eq!(
                t.resolve(&t.dns_name(0, 0)),
                vec![
                    "127.0.1.1".parse::<IpAddr>().unwrap(),
                    "127.0.1.2".parse().unwrap()
                ]
            );
            let resp = CurlResponse::parse(&get_pet(t));
            assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
            assert_eq!(
                resp.body,
                "{\n  \"id\": 1,\n  \"type\": \"dog\",\n  \"price\": 249.99\n}"
            );
        }
        // A's CA vouches for nothing B serves.
        let crossed = Target {
            ca_file: ta.ca_file.clone(),
            ..tb.clone()
        };
        // (Which curl error it is: see certificates.rs.)
        let out = get_pet(&crossed);
        assert_ne!(out.status.code(), Some(0));
        assert!(out.stdout.is_empty(), "no response");
    })
    .await;
    a.shutdown().await;
    // B is untouched by A's shutdown.
    let tb = Target::of(&b);
    let still = blocking(move || CurlResponse::parse(&get_pet(&tb))).await;
    assert_eq!(still.status_line, "HTTP/1.1 200 OK");
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulators_sharing_a_certs_dir_share_one_ca() {
    let certs = tempfile::tempdir().expect("a temporary directory");
    let (a, b) = tokio::join!(
        Emulator::builder(Config::seed())
            .certs_dir(certs.path())
            .start(),
        Emulator::builder(Config::seed())
            .certs_dir(certs.path())
            .start()
    );
    let (a, b) = (a.expect("a starts"), b.expect("b starts"));
    assert_eq!(a.ca_pem(), b.ca_pem());
    assert_eq!(
        std::fs::read_to_string(certs.path().join("ca.pem")).unwrap(),
        a.ca_pem()
    );
    let created = [&a, &b]
        .iter()
        .filter(|e| {
            e.notes()
                .iter()
                .any(|n| n.starts_with("created a new local CA"))
        })
        .count();
    assert_eq!(created, 1, "exactly one of them made the CA");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_shutdown_nothing_listens_on_the_old_ports() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let t = Target::of(&emulator);
    let https = emulator.https_addrs();
    let t2 = t.clone();
    let before = blocking(move || CurlResponse::parse(&get_pet(&t2))).await;
    assert_eq!(before.status_line, "HTTP/1.1 200 OK");
    emulator.shutdown().await;
    blocking(move || assert_nothing_listens(&t, &https)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_drop_nothing_listens_on_the_old_ports() {
    let emulator = Emulator::start(Config::seed()).await.unwrap();
    let t = Target::of(&emulator);
    let https = emulator.https_addrs();
    let t2 = t.clone();
    let before = blocking(move || CurlResponse::parse(&get_pet(&t2))).await;
    assert_eq!(before.status_line, "HTTP/1.1 200 OK");
    drop(emulator);
    blocking(move || assert_nothing_listens(&t, &https)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_info_lists_exactly_what_dns_answers() {
    // The seed plus a one-subnet endpoint whose address is assigned automatically.
    let mut v = seed_json();
    v["vpcEndpoints"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "vpcEndpointId": "vpce-0fedcba9876543210",
            "serviceName": "com.amazonaws.us-east-1.execute-api",
            "vpcId": "vpc-0a1b2c3d4e5f67890",
            "subnetIds": ["subnet-0a1b2c3d4e5f60002"]
        }));
    let emulator = Emulator::start(config_from(&v)).await.unwrap();
    let ready = emulator.ready_info().clone();
    assert_eq!(ready.dns, emulator.dns_addr().to_string());
    assert_eq!(
        std::path::Path::new(&ready.ca_certificate),
        emulator.ca_path()
    );
    assert_eq!(
        std::fs::read_to_string(&ready.ca_certificate).unwrap(),
        emulator.ca_pem()
    );
    assert_eq!(ready.vpc_endpoints.len(), 2);
    assert_eq!(ready.vpc_endpoints[1].dns_entries.len(), 2);
    assert_eq!(
        ready.vpc_endpoints[1].dns_entries[0].addresses,
        ["127.0.1.3"],
        "automatic addresses continue after the seed endpoint's"
    );
    let mut listening: Vec<IpAddr> = emulator.https_addrs().iter().map(|a| a.ip()).collect();
    listening.sort();
    assert_eq!(
        listening,
        ["127.0.1.1", "127.0.1.2", "127.0.1.3"]
            .map(|a| a.parse::<IpAddr>().unwrap())
            .to_vec()
    );
    for e in &ready.vpc_endpoints {
        assert_eq!(e.https_port, emulator.https_port());
    }
    let t = Target::of(&emulator);
    blocking(move || {
        for e in &ready.vpc_endpoints {
            for entry in &e.dns_entries {
                let answered: Vec<String> = t
                    .resolve(&entry.dns_name)
                    .iter()
                    .map(IpAddr::to_string)
                    .collect();
                assert_eq!(answered, entry.addresses, "{}", entry.dns_name);
            }
        }
    })
    .await;
    emulator.shutdown().await;
}
