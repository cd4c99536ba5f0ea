//! What a started emulator tells its user, and writes to `--ready-file`: addresses, names,
//! ports and the CA to trust ([`ReadyInfo`]), made from the topology being served.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::topology::Topology;

/// What a started emulator tells its user (and writes to `--ready-file`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyInfo {
    /// `IP:PORT` of the DNS server (UDP and TCP).
    pub dns: String,
    /// The HTTPS port of every endpoint address, including endpoints created later.
    pub https_port: u16,
    /// Absolute path of the CA certificate to trust.
    pub ca_certificate: String,
    /// The Region.
    pub region: String,
    /// The account.
    pub account_id: String,
    /// Endpoints with their DNS names, addresses and HTTPS port.
    pub vpc_endpoints: Vec<ReadyEndpoint>,
    /// APIs with their deployed stages.
    pub rest_apis: Vec<ReadyApi>,
    /// The public endpoint serving REGIONAL and EDGE APIs, when the scenario has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_endpoint: Option<ReadyPublicEndpoint>,
    /// `http://IP:PORT` of the control plane: what the AWS CLI's `--endpoint-url` takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_endpoint: Option<String>,
}

/// The public endpoint in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyPublicEndpoint {
    /// Where public API names resolve.
    pub addresses: Vec<String>,
    /// Its HTTPS port.
    pub https_port: u16,
}

/// An endpoint in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyEndpoint {
    /// `vpce-...`.
    pub vpc_endpoint_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// `com.amazonaws.<region>.execute-api`.
    pub service_name: String,
    /// Private DNS names enabled.
    pub private_dns_enabled: bool,
    /// Regional name first, then zonal names, as `describe-vpc-endpoints` lists them.
    pub dns_entries: Vec<ReadyDnsEntry>,
    /// The port its addresses listen on for HTTPS.
    pub https_port: u16,
}

/// A DNS name in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyDnsEntry {
    /// The name.
    pub dns_name: String,
    /// What it resolves to.
    pub addresses: Vec<String>,
}

/// An API in [`ReadyInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyApi {
    /// The API id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `["PRIVATE"]`, ...
    pub endpoint_types: Vec<String>,
    /// Deployed stages.
    pub stages: Vec<String>,
    /// Associated VPC endpoints (their Route 53 alias names resolve).
    pub vpc_endpoint_ids: Vec<String>,
}

/// `path` made absolute, as given when that fails.
pub(super) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What `topology` serves with DNS on `dns`, HTTPS on `https_port` and the CA at `ca_path`;
/// no control plane yet.
pub(super) fn ready_info(
    topology: &Topology,
    dns: SocketAddr,
    ca_path: &Path,
    https_port: u16,
) -> ReadyInfo {
    ReadyInfo {
        dns: dns.to_string(),
        https_port,
        ca_certificate: absolute(ca_path).display().to_string(),
        region: topology.region.name.clone(),
        account_id: topology.account_id.clone(),
        vpc_endpoints: topology
            .vpc_endpoints
            .iter()
            .map(|e| ready_endpoint(topology, e, https_port))
            .collect(),
        rest_apis: topology
            .rest_apis
            .values()
            .map(|a| ReadyApi {
                id: a.id.clone(),
                name: a.name.clone(),
                endpoint_types: vec![a.endpoint_type.as_str().to_string()],
                stages: a.stages.keys().cloned().collect(),
                vpc_endpoint_ids: a.vpc_endpoint_ids.clone(),
            })
            .collect(),
        public_endpoint: (!topology.public_addresses.is_empty()).then(|| ReadyPublicEndpoint {
            addresses: to_strings(&topology.public_addresses),
            https_port,
        }),
        control_plane_endpoint: None,
    }
}

fn ready_endpoint(
    topology: &Topology,
    e: &crate::model::topology::VpcEndpoint,
    https_port: u16,
) -> ReadyEndpoint {
    ReadyEndpoint {
        vpc_endpoint_id: e.id.clone(),
        vpc_id: e.vpc_id.clone(),
        service_name: e.service_name.clone(),
        private_dns_enabled: e.private_dns_enabled,
        // As DescribeVpcEndpoints lists them: regional, zonal, then private DNS names.
        dns_entries: e
            .dns_entries
            .iter()
            .map(|d| ReadyDnsEntry {
                dns_name: d.dns_name.clone(),
                addresses: to_strings(&d.addresses),
            })
            .chain(
                e.private_dns_enabled
                    .then(|| private_dns_entries(topology, e))
                    .into_iter()
                    .flatten(),
            )
            .collect(),
        https_port,
    }
}

/// The API zone and its wildcard, resolving to the endpoint's regional addresses.
fn private_dns_entries(
    topology: &Topology,
    e: &crate::model::topology::VpcEndpoint,
) -> [ReadyDnsEntry; 2] {
    let zone = topology.region.api_zone();
    let addresses = to_strings(&e.dns_entries[0].addresses);
    [
        ReadyDnsEntry {
            dns_name: zone.clone(),
            addresses: addresses.clone(),
        },
        ReadyDnsEntry {
            dns_name: format!("*.{zone}"),
            addresses,
        },
    ]
}

fn to_strings<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(|a| a.to_string()).collect()
}
