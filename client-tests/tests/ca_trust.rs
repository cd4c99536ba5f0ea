//! Trusting `ca.pem` is all a client needs: Python's standard library, through `SSL_CERT_FILE`
//! (the same variable OpenSSL-based runtimes and tools read), reaches the API by name.

use std::process::Command;

use client_tests::{Config, Emulator, Target, SEED_API_ID};

/// Python with the emulator's name pinned to the endpoint address (as DNS would answer) and
/// certificate verification on, using the default context.
const SCRIPT: &str = r#"
import os, socket, ssl, sys, urllib.request
name, address, port, api = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
real = socket.getaddrinfo
socket.getaddrinfo = lambda host, *a, **k: real(address if host == name else host, *a, **k)
req = urllib.request.Request(f"https://{name}:{port}/test/pets/1", headers={"x-apigw-api-id": api})
try:
    with urllib.request.urlopen(req, context=ssl.create_default_context()) as r:
        print(r.status, r.read().decode())
except Exception as e:
    print("ERROR", type(e).__name__, e)
"#;

fn python(t: &Target, ca_file: Option<&std::path::Path>) -> String {
    let name = t.dns_name(0, 0);
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        SCRIPT,
        &name,
        "127.0.1.1",
        &t.https_port.to_string(),
        SEED_API_ID,
    ]);
    cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    if let Some(ca) = ca_file {
        cmd.env("SSL_CERT_FILE", ca);
    }
    let out = cmd.output().expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_trusting_ca_pem_through_ssl_cert_file_gets_the_pet() {
    client_tests::require_tool("python3", "python3");
    let emu = Emulator::start(Config::seed()).await.unwrap();
    let t = Target::of(&emu);
    let out = tokio::task::spawn_blocking(move || python(&t, Some(&t.ca_file.clone())))
        .await
        .unwrap();
    assert_eq!(
        out,
        "200 {\n  \"id\": 1,\n  \"type\": \"dog\",\n  \"price\": 249.99\n}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_without_the_ca_refuses_the_certificate() {
    client_tests::require_tool("python3", "python3");
    let emu = Emulator::start(Config::seed()).await.unwrap();
    let t = Target::of(&emu);
    let empty = tempfile::NamedTempFile::new().unwrap();
    let path = empty.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || python(&t, Some(&path)))
        .await
        .unwrap();
    assert!(
        out.starts_with("ERROR URLError") && out.contains("CERTIFICATE_VERIFY_FAILED"),
        "{out}"
    );
}
