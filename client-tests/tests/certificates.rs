//! The local CA and the server certificate as `openssl` and `curl` see them: a CA name-constrained
//! to the two execute-api zones (no IP address, e-mail address or URI; see also ca_constraints.rs), a server certificate with both wildcards, one CA kept across
//! starts in `--certs-dir` with a private key only its owner reads, and trust through
//! `CURL_CA_BUNDLE`.

use std::path::Path;
use std::process::{Command, Output};

use client_tests::{require_tool, Config, Emulator, RunningBinary, Target, SEED_API_ID};

/// The API's own name, which the certificate must cover too (Host and private DNS forms).
const API_NAME: &str = "chw1a2q2xk.execute-api.us-east-1.amazonaws.com";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The lines of one `X509v3 ...` extension block of `openssl x509 -text`, trimmed.
fn extension_block(x509_text: &str, heading: &str) -> Vec<String> {
    x509_text
        .lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("X509v3 ") && !l.starts_with("    Signature"))
        .map(|l| l.trim().to_string())
        .collect()
}

async fn with_seed(check: impl FnOnce(Target) + Send + 'static) {
    client_tests::with_emulator(Config::seed(), check).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_is_critically_name_constrained_to_exactly_the_two_execute_api_zones() {
    with_seed(|t| {
        let ca = t.ca_file.to_str().expect("a UTF-8 path");
        let out = client_tests::openssl(&["x509", "-in", ca, "-noout", "-text"], b"");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let x509 = text(&out.stdout);
        assert!(
            x509.contains("Subject: O = apigw-emulator, CN = apigw-emulator local CA"),
            "{x509}"
        );
        let constraints = extension_block(&x509, "X509v3 Name Constraints: critical");
        assert_eq!(
            constraints.first().map(String::as_str),
            Some("Permitted:"),
            "{x509}"
        );
        let excluded_at = constraints
            .iter()
            .position(|l| l == "Excluded:")
            .unwrap_or(constraints.len());
        let mut permitted = constraints[1..excluded_at].to_vec();
        permitted.sort();
        // The two zones, and e-mail addresses and URIs only under `.invalid`, which cannot exist.
        assert_eq!(
            permitted,
            [
                "DNS:execute-api.us-east-1.amazonaws.com",
                "DNS:execute-api.us-east-1.vpce.amazonaws.com",
                "URI:.invalid",
                "email:.invalid",
            ],
            "no other DNS name permitted: {x509}"
        );
        // Every IP address excluded: the CA never vouches for one.
        assert_eq!(
            constraints[excluded_at..],
            [
                "Excluded:",
                "IP:0.0.0.0/0.0.0.0",
                "IP:0:0:0:0:0:0:0:0/0:0:0:0:0:0:0:0"
            ],
            "{x509}"
        );
        assert_eq!(
            extension_block(&x509, "X509v3 Basic Constraints: critical"),
            ["CA:TRUE, pathlen:0"]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_certificate_has_both_wildcards_and_verifies_for_either_kind_of_name() {
    with_seed(|t| {
        let ca = t.ca_file.to_str().expect("a UTF-8 path").to_string();
        let vpce_name = t.dns_name(0, 0);
        for (address, name) in [
            ("127.0.1.1", vpce_name.as_str()),
            ("127.0.1.2", t.dns_name(0, 2).as_str()),
            ("127.0.1.1", API_NAME),
        ] {
            let connect = format!("{address}:{}", t.https_port);
            let handshake = client_tests::openssl(
                &[
                    "s_client",
                    "-connect",
                    &connect,
                    "-servername",
                    name,
                    "-CAfile",
                    &ca,
                    "-verify_hostname",
                    name,
                    "-verify_return_error",
                ],
                b"",
            );
            let log = text(&handshake.stdout);
            assert!(
                handshake.status.success(),
                "{name}: {log}{}",
                text(&handshake.stderr)
            );
            assert!(log.contains("Verify return code: 0 (ok)"), "{name}: {log}");
            let cert = client_tests::openssl(
                &[
                    "x509",
                    "-noout",
                    "-subject",
                    "-issuer",
                    "-ext",
                    "subjectAltName",
                ],
                &handshake.stdout,
            );
            let fields = text(&cert.stdout);
            let lines: Vec<&str> = fields.lines().map(str::trim).collect();
            assert!(
                [
                    "subject=CN = *.execute-api.us-east-1.amazonaws.com",
                    "subject=CN = *.execute-api.us-east-1.vpce.amazonaws.com"
                ]
                .contains(&lines[0]),
                "{fields}"
            );
            // Each CA's name carries 8 hexadecimal digits of its key, so clients can tell CAs apart.
            let issuer = lines[1]
                .strip_prefix("issuer=O = apigw-emulator, CN = apigw-emulator local CA ")
                .unwrap_or_else(|| panic!("{}", lines[1]));
            assert!(
                issuer.len() == 8 && issuer.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}",
                lines[1]
            );
            assert_eq!(lines[2], "X509v3 Subject Alternative Name:");
            let mut sans: Vec<&str> = lines[3].split(", ").collect();
            sans.sort();
            assert_eq!(
                sans,
                [
                    "DNS:*.execute-api.us-east-1.amazonaws.com",
                    "DNS:*.execute-api.us-east-1.vpce.amazonaws.com"
                ],
                "{fields}"
            );
        }
    })
    .await;
}

#[test]
fn two_binary_starts_with_one_certs_dir_reuse_the_same_ca() {
    let certs = tempfile::tempdir().expect("a temporary directory");
    let ca_path = certs.path().join("ca.pem");

    let mut first = RunningBinary::start_with_certs_dir(certs.path(), &[]);
    let banner = first.banner();
    assert!(
        banner
            .iter()
            .any(|l| l.trim()
                == format!("note: created a new local CA in {}", certs.path().display())),
        "{banner:#?}"
    );
    assert_eq!(
        first.target.ready["caCertificate"].as_str(),
        ca_path.to_str()
    );
    let ca_first = std::fs::read(&ca_path).expect("ca.pem exists");
    let (status, _) = first.stop();
    assert!(status.success());

    let mut second = RunningBinary::start_with_certs_dir(certs.path(), &[]);
    let banner = second.banner();
    assert!(
        !banner.iter().any(|l| l.contains("created a new local CA")),
        "{banner:#?}"
    );
    assert_eq!(std::fs::read(&ca_path).expect("ca.pem exists"), ca_first);

    // A client that trusted the first run's file (a copy) reaches the second run.
    let kept = certs.path().join("trusted-earlier.pem");
    std::fs::write(&kept, &ca_first).unwrap();
    let t = Target {
        ca_file: kept,
        ..second.target.clone()
    };
    let name = t.dns_name(0, 0);
    let out = t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test",
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            &format!("x-apigw-api-id:{SEED_API_ID}"),
        ],
    );
    assert_eq!(text(&out.stdout), "200", "{}", text(&out.stderr));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_key_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let certs = tempfile::tempdir().expect("a temporary directory");
    let emulator = Emulator::builder(Config::seed())
        .certs_dir(certs.path())
        .start()
        .await
        .expect("the seed starts");
    let mode = |file: &str| {
        std::fs::metadata(certs.path().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("ca-key.pem"), 0o600);
    assert_eq!(mode("ca.pem"), 0o644, "the certificate is public");
    assert_eq!(emulator.ca_path(), certs.path().join("ca.pem"));
    emulator.shutdown().await;
}

/// curl with no `--cacert`: trust comes from the environment only.
fn curl_with_env(t: &Target, ca_bundle: Option<&Path>) -> Output {
    require_tool("curl", "curl");
    let name = t.dns_name(0, 0);
    let port = t.https_port;
    let mut cmd = Command::new("curl");
    // The machine's own settings (e.g. CURL_CA_BUNDLE for the system store) must not decide.
    cmd.env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(bundle) = ca_bundle {
        cmd.env("CURL_CA_BUNDLE", bundle);
    }
    cmd.args([
        "-sS",
        "--max-time",
        "10",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
    ])
    .arg("--resolve")
    .arg(format!("{name}:{port}:127.0.1.1"))
    .args(["-H", &format!("x-apigw-api-id:{SEED_API_ID}")])
    .arg(format!("https://{name}:{port}/test/pets"))
    .output()
    .expect("curl runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_trusting_the_ca_through_curl_ca_bundle_needs_no_cacert() {
    with_seed(|t| {
        let out = curl_with_env(&t, Some(&t.ca_file));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "200");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_without_the_ca_fails_with_exit_code_60() {
    with_seed(|t| {
        let out = curl_with_env(&t, None);
        assert_eq!(out.status.code(), Some(60), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr)
                .contains("SSL certificate problem: unable to get local issuer certificate"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "000", "no HTTP status");
    })
    .await;
}

/// Two emulators with their own certs directories, as two projects on one machine have.
async fn two_cas(check: impl FnOnce(Target, Target) + Send + 'static) {
    let (a, b) = tokio::join!(
        Emulator::start(Config::seed()),
        Emulator::start(Config::seed())
    );
    let (a, b) = (a.expect("a starts"), b.expect("b starts"));
    assert_ne!(a.ca_pem(), b.ca_pem());
    let (ta, tb) = (Target::of(&a), Target::of(&b));
    tokio::task::spawn_blocking(move || check(ta, tb))
        .await
        .expect("the client side finished");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn a_client_trusting_another_emulators_ca_gets_curl_error_60() {
    two_cas(|ta, tb| {
        let out = curl_with_env(&tb, Some(&ta.ca_file));
        assert_eq!(out.status.code(), Some(60), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr)
                .contains("SSL certificate problem: unable to get local issuer certificate"),
            "{}",
            text(&out.stderr)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn a_bundle_trusting_two_emulators_cas_reaches_both() {
    two_cas(|ta, tb| {
        let bundle = tempfile::NamedTempFile::new().unwrap();
        let both = [&ta, &tb]
            .map(|t| std::fs::read_to_string(&t.ca_file).unwrap())
            .concat();
        std::fs::write(bundle.path(), both).unwrap();
        for (which, t) in [("first", &ta), ("second", &tb)] {
            let out = curl_with_env(t, Some(bundle.path()));
            assert_eq!(
                text(&out.stdout),
                "200",
                "the {which} emulator: {}",
                text(&out.stderr)
            );
        }
    })
    .await;
}
