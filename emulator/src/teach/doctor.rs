//! `apigw-emulator doctor`: checks this machine for what the walkthrough needs beyond the
//! emulator itself (ports, loopback addresses, the system resolver, trust in the local CA per
//! runtime) and gives, for each problem, the command that fixes it.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use crate::dataplane::tls::pki;
use crate::model::topology::Topology;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Whether all is well.
    pub ok: bool,
    /// What was checked and what was found.
    pub summary: String,
    /// Commands (or steps) that fix it; empty when `ok`.
    pub fixes: Vec<String>,
}

fn ok(summary: impl Into<String>) -> Finding {
    Finding {
        ok: true,
        summary: summary.into(),
        fixes: Vec::new(),
    }
}

fn fix(summary: impl Into<String>, fixes: Vec<String>) -> Finding {
    Finding {
        ok: false,
        summary: summary.into(),
        fixes,
    }
}

/// What the checks may read from the environment (so tests can pass their own).
pub struct Environment<'a> {
    /// An environment variable.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// The system's CA bundle (Debian: `/etc/ssl/certs/ca-certificates.crt`).
    pub system_bundle: PathBuf,
    /// The emulator binary, for the `setcap` fix.
    pub executable: PathBuf,
}

/// Runs every check for a scenario.
pub fn check(topology: &Topology, certs_dir: &Path, env: &Environment<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(ports(topology, env));
    findings.extend(addresses(topology));
    findings.push(system_resolver(topology));
    findings.extend(trust(certs_dir, env));
    findings
}

fn ports(topology: &Topology, env: &Environment<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let https_ip = topology
        .listen_addresses()
        .first()
        .copied()
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let setcap = format!(
        "sudo setcap cap_net_bind_service=+ep {}",
        env.executable.display()
    );
    let dns = SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 53);
    match std::net::UdpSocket::bind(dns) {
        Ok(_) => out.push(ok("DNS port 53 can be bound on 127.0.0.1")),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => out.push(fix(
            "DNS port 53 needs privileges here; the emulator falls back to 8053, which clients must then be told",
            vec![setcap.clone()],
        )),
        Err(e) => out.push(fix(
            format!("DNS port 53 on 127.0.0.1 is taken ({e}); the emulator falls back to 8053"),
            vec!["sudo ss -lunp 'sport = :53'   # see what holds it".to_string()],
        )),
    }
    let https = SocketAddr::new(https_ip, 443);
    match std::net::TcpListener::bind(https) {
        Ok(_) => out.push(ok(format!("HTTPS port 443 can be bound on {https_ip}"))),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => out.push(fix(
            "HTTPS port 443 needs privileges here; the emulator falls back to 8443 (curl then needs :8443 in the URL)",
            vec![setcap],
        )),
        Err(e) => out.push(fix(
            format!("HTTPS port 443 on {https_ip} is taken ({e}); the emulator falls back to 8443"),
            vec!["sudo ss -lntp 'sport = :443'   # see what holds it".to_string()],
        )),
    }
    out
}

fn addresses(topology: &Topology) -> Vec<Finding> {
    let missing: Vec<IpAddr> = topology
        .listen_addresses()
        .into_iter()
        .filter(|ip| std::net::TcpListener::bind(SocketAddr::new(*ip, 0)).is_err())
        .collect();
    if missing.is_empty() {
        return vec![ok(format!(
            "every endpoint address can be listened on ({})",
            topology
                .listen_addresses()
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))];
    }
    vec![fix(
        format!("these endpoint addresses are not on this machine: {missing:?}"),
        missing
            .iter()
            .map(|ip| match ip {
                IpAddr::V4(v4) if v4.is_loopback() => {
                    format!(
                        "sudo ifconfig lo0 alias {v4}   # macOS; Linux routes all of 127/8 to lo"
                    )
                }
                IpAddr::V6(_) => format!("sudo ip -6 addr add {ip}/128 dev lo"),
                _ => format!("sudo ip addr add {ip}/32 dev lo"),
            })
            .collect(),
    )]
}

fn system_resolver(topology: &Topology) -> Finding {
    let Some(endpoint) = topology.vpc_endpoints.first() else {
        return ok("no VPC endpoint to resolve");
    };
    let Some(entry) = endpoint.dns_entries.first() else {
        return ok("no endpoint name to resolve");
    };
    let name = &entry.dns_name;
    let expected: Vec<IpAddr> = entry.addresses.clone();
    let got: Vec<IpAddr> = (name.as_str(), 443)
        .to_socket_addrs()
        .map(|it| it.map(|a| a.ip()).collect())
        .unwrap_or_default();
    if !got.is_empty() && got.iter().all(|ip| expected.contains(ip)) {
        return ok(format!("the system resolver sends {name} to the emulator"));
    }
    let zones = topology.dns_zones().to_vec();
    let dns = topology
        .settings
        .dns_listen
        .map(|a| a.to_string())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    fix(
        format!(
            "the system resolver does not send {name} to the emulator (it answered {got:?}); curl and SDKs use it unless told otherwise"
        ),
        vec![
            format!(
                "sudo resolvectl dns lo {dns} && sudo resolvectl domain lo {}   # Linux with systemd-resolved (use IP:PORT if DNS is not on 53)",
                zones.iter().map(|z| format!("~{z}")).collect::<Vec<_>>().join(" ")
            ),
            format!(
                "printf 'nameserver 127.0.0.1\\nport 8053\\n' | sudo tee {}   # macOS, one file per zone",
                zones
                    .iter()
                    .map(|z| format!("/etc/resolver/{z}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "dns: [<the emulator's address>]   # docker compose, on the client service".to_string(),
            format!("curl --resolve {name}:443:{} …   # one command, no resolver change", expected.first().map(IpAddr::to_string).unwrap_or_default()),
        ],
    )
}

/// Whether the PEM file at `path` contains the CA certificate `ca_pem`.
fn bundle_has(path: &Path, ca_pem: &str) -> bool {
    let body = |pem: &str| -> String { pem.lines().filter(|l| !l.starts_with("-----")).collect() };
    let wanted = body(ca_pem);
    std::fs::read_to_string(path)
        .map(|text| body(&text).contains(&wanted))
        .unwrap_or(false)
}

fn trust(certs_dir: &Path, env: &Environment<'_>) -> Vec<Finding> {
    let (cert_path, ca_pem) = match local_ca(certs_dir) {
        Ok(ca) => ca,
        Err(finding) => return vec![finding],
    };
    let pem = cert_path.display().to_string();
    let via_var = |name: &str| -> bool {
        (env.var)(name).is_some_and(|p| bundle_has(Path::new(&p), &ca_pem))
    };
    let system = bundle_has(&env.system_bundle, &ca_pem);
    let curl_how = if via_var("CURL_CA_BUNDLE") {
        Some("CURL_CA_BUNDLE")
    } else if system {
        Some("the system store")
    } else {
        None
    };
    let system_fix = format!(
        "sudo cp {pem} /usr/local/share/ca-certificates/apigw-emulator.crt && sudo update-ca-certificates"
    );
    let mut out = vec![runtime(
        "curl",
        curl_how,
        vec![format!("export CURL_CA_BUNDLE={pem}"), system_fix],
    )];
    for (name, var) in [
        ("Python requests", "REQUESTS_CA_BUNDLE"),
        ("the AWS CLI (and boto3)", "AWS_CA_BUNDLE"),
        ("Node.js", "NODE_EXTRA_CA_CERTS"),
    ] {
        out.push(runtime(
            name,
            via_var(var).then_some(var),
            vec![format!("export {var}={pem}")],
        ));
    }
    out.push(java(&pem));
    out
}

/// The local CA's certificate path and PEM text, or the finding that says why there is none.
fn local_ca(certs_dir: &Path) -> Result<(PathBuf, String), Finding> {
    let ca = match pki::describe(certs_dir) {
        Ok(Some(ca)) => ca,
        Ok(None) => {
            return Err(fix(
                format!("no local CA in {} yet", certs_dir.display()),
                vec![format!(
                    "apigw-emulator up --certs-dir {}   # creates it; then run doctor again",
                    certs_dir.display()
                )],
            ))
        }
        Err(e) => return Err(fix(format!("the local CA is unusable: {e}"), Vec::new())),
    };
    match std::fs::read_to_string(&ca.cert_path) {
        Ok(ca_pem) => Ok((ca.cert_path, ca_pem)),
        Err(_) => Err(fix(
            format!("{} cannot be read", ca.cert_path.display()),
            Vec::new(),
        )),
    }
}

/// A runtime's finding: how it trusts the local CA, or the fixes when it does not.
fn runtime(name: &str, trusted: Option<&str>, fixes: Vec<String>) -> Finding {
    match trusted {
        Some(how) => ok(format!("{name}: trusts the local CA ({how})")),
        None => fix(format!("{name}: does not trust the local CA"), fixes),
    }
}

/// Java's default trust store, through `keytool`, when there is one.
fn java(pem: &str) -> Finding {
    let java = std::process::Command::new("keytool")
        .args([
            "-list",
            "-cacerts",
            "-storepass",
            "changeit",
            "-alias",
            "apigw-emulator",
        ])
        .output();
    match java {
        Ok(o) => runtime(
            "Java",
            o.status.success().then_some("the cacerts alias apigw-emulator"),
            vec![format!("sudo keytool -importcert -noprompt -alias apigw-emulator -file {pem} -cacerts -storepass changeit")],
        ),
        Err(_) => ok("Java: no keytool here, nothing to check"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_matched_by_certificate_body() {
        let dir = tempfile::tempdir().unwrap();
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\n-----END CERTIFICATE-----\n";
        let bundle = dir.path().join("bundle.pem");
        std::fs::write(&bundle, format!("other\n{pem}more\n")).unwrap();
        assert!(bundle_has(&bundle, pem));
        assert!(!bundle_has(
            &bundle,
            "-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----\n"
        ));
        assert!(!bundle_has(&dir.path().join("missing"), pem));
    }
}
