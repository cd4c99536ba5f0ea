//! What the local CA's key can vouch for, as rustls (webpki) and `openssl verify` judge it:
//! certificates minted with the key, as anyone who read `ca-key.pem` could mint them, verify for
//! names in the execute-api zones only, never for an IP address, an e-mail address or a URI. And
//! a CA an older version made (constrained on DNS names only) is replaced at start.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use client_tests::{Config, Emulator, RunningBinary};
use rcgen::{
    Certificate, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer,
    KeyPair, SanType, PKCS_ECDSA_P256_SHA256,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

/// A name inside the API zone: what the CA exists to vouch for.
const IN_ZONE: &str = "chw1a2q2xk.execute-api.us-east-1.amazonaws.com";

/// Signs a server certificate for `sans` with the CA key in `certs` (its name from `ca.json`).
fn mint(certs: &Path, sans: Vec<SanType>) -> Certificate {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(certs.join("ca.json")).expect("ca.json"))
            .expect("ca.json is JSON");
    let key_pem = std::fs::read_to_string(certs.join("ca-key.pem")).expect("ca-key.pem");
    let ca_key = KeyPair::from_pem(&key_pem).expect("the CA key");
    let mut ca = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "apigw-emulator");
    dn.push(
        DnType::CommonName,
        meta["commonName"].as_str().expect("commonName"),
    );
    ca.distinguished_name = dn;
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::default();
    leaf.subject_alt_names = sans;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a key");
    leaf.signed_by(&key, &issuer)
        .expect("the CA key signs anything")
}

/// rustls's verdict on `leaf` for `name`, trusting only `ca.pem`.
fn verify(ca_pem: &Path, leaf: &Certificate, name: &str) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem).expect("ca.pem") {
        roots.add(cert.expect("a PEM certificate")).expect("a CA");
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .expect("a verifier");
    let name = ServerName::try_from(name.to_string()).expect("a server name");
    verifier
        .verify_server_cert(leaf.der(), &[], &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

/// `openssl verify`'s output for `leaf` (PEM) against `ca.pem`, and whether it verified.
fn openssl_verify(ca_pem: &Path, leaf: &Certificate) -> (bool, String) {
    let ca = ca_pem.to_str().expect("a UTF-8 path");
    let out = client_tests::openssl(&["verify", "-CAfile", ca], leaf.pem().as_bytes());
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), log)
}

fn dns(name: &str) -> SanType {
    SanType::DnsName(name.try_into().expect("a DNS name"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_minted_with_the_ca_key_verify_for_zone_names_only() {
    let certs = tempfile::tempdir().expect("a temporary directory");
    let emulator = Emulator::builder(Config::seed())
        .certs_dir(certs.path())
        .start()
        .await
        .expect("the seed starts");
    let ca = certs.path().join("ca.pem");

    // The control: a zone name verifies, so the failures below are the constraints' doing.
    let in_zone = mint(certs.path(), vec![dns(IN_ZONE)]);
    assert_eq!(verify(&ca, &in_zone, IN_ZONE), Ok(()));
    let (ok, log) = openssl_verify(&ca, &in_zone);
    assert!(ok, "{log}");

    let v4: IpAddr = "127.0.0.1".parse().unwrap();
    let v6: IpAddr = "::1".parse().unwrap();
    let cases: Vec<(&str, Vec<SanType>, &str)> = vec![
        (
            "a name outside the zones",
            vec![dns("example.com")],
            "example.com",
        ),
        ("an IPv4 address", vec![SanType::IpAddress(v4)], "127.0.0.1"),
        ("an IPv6 address", vec![SanType::IpAddress(v6)], "::1"),
        (
            "a zone name with an IP address beside it",
            vec![dns(IN_ZONE), SanType::IpAddress(v4)],
            IN_ZONE,
        ),
        (
            "a zone name with an e-mail address beside it",
            vec![
                dns(IN_ZONE),
                SanType::Rfc822Name("root@example.com".try_into().unwrap()),
            ],
            IN_ZONE,
        ),
        (
            "a zone name with a URI beside it",
            vec![
                dns(IN_ZONE),
                SanType::URI("https://example.com/".try_into().unwrap()),
            ],
            IN_ZONE,
        ),
    ];
    for (what, sans, name) in cases {
        let leaf = mint(certs.path(), sans);
        let verdict = verify(&ca, &leaf, name);
        assert!(
            verdict
                .as_ref()
                .is_err_and(|e| e.contains("NameConstraintViolation")),
            "{what}: rustls says {verdict:?}"
        );
        let (ok, log) = openssl_verify(&ca, &leaf);
        assert!(
            !ok && log.contains("subtree violation"),
            "{what}: openssl says {log}"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_certificate_still_verifies() {
    let emulator = Emulator::start(Config::seed())
        .await
        .expect("the seed starts");
    let t = client_tests::Target::of(&emulator);
    let config = t.tls_client_config();
    for name in [t.dns_name(0, 0), IN_ZONE.to_string()] {
        let tcp = tokio::net::TcpStream::connect(("127.0.1.1", t.https_port))
            .await
            .expect("TCP connects");
        let server_name = ServerName::try_from(name.clone()).expect("a DNS name");
        let handshake = tokio_rustls::TlsConnector::from(Arc::new(config.clone()))
            .connect(server_name, tcp)
            .await;
        assert!(handshake.is_ok(), "{name}: {:?}", handshake.err());
    }
    emulator.shutdown().await;
}

#[test]
fn a_ca_an_older_version_made_is_replaced_with_a_warning() {
    let certs = tempfile::tempdir().expect("a temporary directory");
    let first = RunningBinary::start_with_certs_dir(certs.path(), &[]);
    let (status, _) = first.stop();
    assert!(status.success());
    let old_pem = std::fs::read_to_string(certs.path().join("ca.pem")).expect("ca.pem");
    // ca.json as versions before this one wrote it: no version.
    let meta_path = certs.path().join("ca.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).expect("ca.json")).unwrap();
    meta.as_object_mut().expect("an object").remove("version");
    std::fs::write(&meta_path, meta.to_string()).expect("ca.json written");

    let mut second = RunningBinary::start_with_certs_dir(certs.path(), &[]);
    let banner = second.banner();
    assert!(
        banner
            .iter()
            .any(|l| l.trim()
                == format!("note: created a new local CA in {}", certs.path().display())),
        "{banner:#?}"
    );
    let new_pem = std::fs::read_to_string(certs.path().join("ca.pem")).expect("ca.pem");
    assert_ne!(new_pem, old_pem, "the old CA is not reused");
    let (_, log) = second.stop();
    assert!(
        log.contains("made by an older version")
            && log.contains("IP addresses")
            && log.contains("clients must trust the new ca.pem"),
        "{log}"
    );
}
