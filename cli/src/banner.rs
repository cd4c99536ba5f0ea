//! The banner `up` prints once serving: what runs where, each endpoint's names, each API's
//! URLs, and the walkthrough's `dig` and `curl` steps against the first endpoint.

use std::fmt::Write as _;
use std::io::Write as _;

use apigw_emulator::{ConfigOrigin, Emulator, ReadyApi, ReadyEndpoint, ReadyInfo};

/// Writes the whole banner to stdout at once.
pub(crate) fn print_banner(origin: &ConfigOrigin, emulator: &Emulator) {
    let ready = emulator.ready_info();
    let https_port = emulator.https_port();
    let mut out = String::new();
    header(&mut out, origin, emulator.notes(), ready, https_port);
    for e in &ready.vpc_endpoints {
        vpc_endpoint(&mut out, e);
    }
    if let Some(public) = &ready.public_endpoint {
        let _ = writeln!(
            out,
            "\n  Public endpoint (REGIONAL and EDGE APIs)  {}",
            public.addresses.join(", ")
        );
    }
    let api_zone = api_zone(&ready.region);
    for a in &ready.rest_apis {
        rest_api(&mut out, a, &api_zone, https_port);
    }
    walkthrough(&mut out, ready, https_port);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// What is served, start-up notes, and where DNS, HTTPS, the CA and the control plane are.
fn header(
    out: &mut String,
    origin: &ConfigOrigin,
    notes: &[String],
    ready: &ReadyInfo,
    https_port: u16,
) {
    let source = match origin {
        ConfigOrigin::BuiltIn => "the seed scenario (built in)".to_string(),
        other => other.to_string(),
    };
    let _ = writeln!(
        out,
        "apigw-emulator {} serving {source}: region {}, account {}",
        env!("CARGO_PKG_VERSION"),
        ready.region,
        ready.account_id
    );
    for note in notes {
        let _ = writeln!(out, "  note: {note}");
    }
    let _ = writeln!(out, "  DNS     {} (udp, tcp)", ready.dns);
    let _ = writeln!(out, "  HTTPS   port {https_port} on each endpoint address");
    let _ = writeln!(out, "  CA      {}  (trust this file)", ready.ca_certificate);
    if let Some(endpoint) = &ready.control_plane_endpoint {
        let _ = writeln!(
            out,
            "  Control {endpoint}  (aws --endpoint-url {endpoint} ec2|apigateway ...; console at {endpoint}/console)"
        );
    }
}

/// One endpoint with its DNS names and their addresses.
fn vpc_endpoint(out: &mut String, e: &ReadyEndpoint) {
    let _ = writeln!(
        out,
        "\n  VPC endpoint {} in {} ({})",
        e.vpc_endpoint_id, e.vpc_id, e.service_name
    );
    for d in &e.dns_entries {
        let scope = if e.private_dns_enabled && !d.dns_name.starts_with("vpce-") {
            "  (private DNS: inside the VPC only)"
        } else {
            ""
        };
        let _ = writeln!(out, "    {}  {}{scope}", d.dns_name, d.addresses.join(", "));
    }
}

/// One API with the URLs of its stages: the public name, and a Route 53 alias per endpoint.
fn rest_api(out: &mut String, a: &ReadyApi, api_zone: &str, https_port: u16) {
    let _ = writeln!(
        out,
        "\n  REST API {} {:?} ({}), stages: {}",
        a.id,
        a.name,
        a.endpoint_types.join(","),
        a.stages.join(", ")
    );
    let port_part = port_part(https_port);
    for stage in &a.stages {
        if a.endpoint_types.iter().any(|t| t != "PRIVATE") {
            let _ = writeln!(
                out,
                "    https://{}.{api_zone}{port_part}/{stage}  (public endpoint)",
                a.id
            );
        }
        for vpce in &a.vpc_endpoint_ids {
            let _ = writeln!(
                out,
                "    https://{}-{vpce}.{api_zone}{port_part}/{stage}  (Route 53 alias)",
                a.id
            );
        }
    }
}

/// The walkthrough's `dig` and `curl`, against the first endpoint's regional name and the
/// first API with a stage, when there are both.
fn walkthrough(out: &mut String, ready: &ReadyInfo, https_port: u16) {
    let (Some(e), Some(api)) = (
        ready.vpc_endpoints.first(),
        ready.rest_apis.iter().find(|a| !a.stages.is_empty()),
    ) else {
        return;
    };
    let Some(entry) = e.dns_entries.first() else {
        return;
    };
    let (dns_ip, dns_port) = ready.dns.rsplit_once(':').unwrap_or((&ready.dns, "53"));
    let addr = entry
        .addresses
        .first()
        .map(String::as_str)
        .unwrap_or("127.0.0.1");
    let name = &entry.dns_name;
    let port_part = port_part(https_port);
    out.push_str("\n  Try the walkthrough's steps:\n");
    let _ = writeln!(out, "    dig @{dns_ip} -p {dns_port} {name}");
    let _ = writeln!(
        out,
        "    curl --cacert {} --resolve {name}:{https_port}:{addr} -IX GET -H 'x-apigw-api-id:{}' https://{name}{port_part}/{}",
        ready.ca_certificate, api.id, api.stages[0]
    );
}

/// `execute-api.<region>.amazonaws.com`, or `.com.cn` in the China Regions.
fn api_zone(region: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("execute-api.{region}.{domain}")
}

/// `:PORT` in a URL, nothing for HTTPS's own port.
fn port_part(https_port: u16) -> String {
    if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    }
}
