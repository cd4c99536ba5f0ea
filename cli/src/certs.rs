//! `apigw-emulator certs`: where the local CA is, what it may vouch for, and how to trust it
//! (and stop trusting it) in each runtime.

use std::path::Path;
use std::process::ExitCode;

use apigw_emulator::ca::CaDescription;

/// `apigw-emulator certs`: the CA, its limits, and trust per runtime.
pub(crate) fn certs_command(dir: &Path) -> anyhow::Result<ExitCode> {
    let Some(ca) = apigw_emulator::ca::describe(dir)? else {
        println!(
            "No CA in {} yet: `apigw-emulator up` creates one there (or pass --certs-dir).",
            dir.display()
        );
        return Ok(ExitCode::from(1));
    };
    print_ca(&ca);
    println!();
    println!("Trust it, per runtime:");
    print_rows(&trust_rows(&ca.cert_path.display().to_string()));
    println!();
    println!("Stop trusting it:");
    print_rows(&untrust_rows(&ca));
    Ok(ExitCode::SUCCESS)
}

/// Where the certificate and key are, and what the CA may vouch for.
fn print_ca(ca: &CaDescription) {
    let pem = ca.cert_path.display().to_string();
    let mode = ca
        .key_mode
        .map(|m| format!("mode {m:04o}"))
        .unwrap_or_else(|| "mode unknown".to_string());
    println!("CA certificate  {pem}");
    println!("                {}", ca.common_name);
    println!("                SHA-256 {}", ca.sha256_fingerprint);
    println!(
        "CA key          {} ({mode}; never logged, git-ignored; keep it on this machine)",
        ca.key_path.display()
    );
    println!(
        "May vouch for   {} and names under them, nothing else (X.509 name constraints)",
        ca.name_constraints.join(", ")
    );
}

/// How each runtime trusts the certificate at `pem`.
fn trust_rows(pem: &str) -> [(&'static str, String); 8] {
    [
        ("curl", format!("curl --cacert {pem} …   or   export CURL_CA_BUNDLE={pem}")),
        ("Python", format!("export REQUESTS_CA_BUNDLE={pem} SSL_CERT_FILE={pem}   (requests; urllib, httpx)")),
        ("AWS CLI, boto3", format!("export AWS_CA_BUNDLE={pem}")),
        ("Node.js", format!("export NODE_EXTRA_CA_CERTS={pem}")),
        ("Java", format!("keytool -importcert -noprompt -alias apigw-emulator -file {pem} -cacerts -storepass changeit")),
        ("Go, OpenSSL", format!("export SSL_CERT_FILE={pem}   (replaces the system roots for that process)")),
        ("Debian, Ubuntu", format!("sudo cp {pem} /usr/local/share/ca-certificates/apigw-emulator.crt && sudo update-ca-certificates")),
        ("Rust (rustls)", format!("add {pem} to the client's RootCertStore")),
    ]
}

/// How to undo each of those, and to remove the CA itself.
fn untrust_rows(ca: &CaDescription) -> [(&'static str, String); 4] {
    [
        ("variables", "unset CURL_CA_BUNDLE REQUESTS_CA_BUNDLE SSL_CERT_FILE AWS_CA_BUNDLE NODE_EXTRA_CA_CERTS".to_string()),
        ("Java", "keytool -delete -alias apigw-emulator -cacerts -storepass changeit".to_string()),
        ("Debian, Ubuntu", "sudo rm /usr/local/share/ca-certificates/apigw-emulator.crt && sudo update-ca-certificates --fresh".to_string()),
        (
            "the CA itself",
            format!(
                "rm {} {} {}   (the next `up` makes a new one)",
                ca.cert_path.display(),
                ca.key_path.display(),
                ca.cert_path.with_file_name("ca.json").display()
            ),
        ),
    ]
}

fn print_rows(rows: &[(&str, String)]) {
    for (what, how) in rows {
        println!("  {what:<15} {how}");
    }
}
