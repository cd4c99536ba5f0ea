//! The embedded DNS server: authoritative for the endpoint names of the current topology.
//!
//! Answers, as Route 53 does for the real names:
//! - a regional endpoint name → one A record per network interface; a zonal name → its zone's;
//! - another type (AAAA, TXT, ...) for such a name → NOERROR with no records (and the zone's SOA);
//! - an unknown name inside an emulated zone → NXDOMAIN (and the zone's SOA);
//! - a name outside the zones → REFUSED, or the configured upstream's answer. The server is not an
//!   open resolver unless the user configures forwarding.
//!
//! The handler reads the topology snapshot per query and never blocks on a writer.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use hickory_proto::op::{Edns, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use hickory_server::Server;
use tokio::net::{TcpListener, UdpSocket};

use crate::topology::Topology;

/// How long a forwarded query may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

/// Answers DNS queries from the current topology.
pub struct DnsHandler {
    topology: Arc<ArcSwap<Topology>>,
}

/// Where a queried name falls.
enum Owner<'t> {
    /// An endpoint name with its addresses.
    Endpoint(&'t [IpAddr], &'t str),
    /// Inside an emulated zone, but no such name.
    UnknownInZone(&'t str),
    /// Outside every emulated zone.
    Outside,
}

fn classify<'t>(topology: &'t Topology, name: &'t str) -> Owner<'t> {
    if let Some(answer) = topology.dns_answer(name) {
        let zone = name.split_once('.').map(|(_, z)| z).unwrap_or(name);
        return Owner::Endpoint(&answer.addresses, zone);
    }
    for zone in topology.dns_zones() {
        let inside = name
            .strip_suffix(zone.as_str())
            .is_some_and(|head| head.is_empty() || head.ends_with('.'));
        if inside {
            return Owner::UnknownInZone(zone);
        }
    }
    Owner::Outside
}

fn soa_record(zone: &str, ttl: u32) -> Option<Record> {
    let origin = Name::from_ascii(format!("{zone}.")).ok()?;
    let mname = Name::from_ascii(format!("ns.{zone}.")).ok()?;
    let rname = Name::from_ascii(format!("hostmaster.{zone}.")).ok()?;
    Some(Record::from_rdata(
        origin,
        ttl,
        RData::SOA(SOA::new(mname, rname, 1, 7200, 900, 1_209_600, ttl)),
    ))
}

impl DnsHandler {
    /// A handler reading `topology` at every query.
    pub fn new(topology: Arc<ArcSwap<Topology>>) -> DnsHandler {
        DnsHandler { topology }
    }

    async fn forward(
        &self,
        upstream: &[SocketAddr],
        query: &[u8],
    ) -> Option<hickory_proto::op::Message> {
        for server in upstream {
            let bind: SocketAddr = if server.is_ipv4() {
                "0.0.0.0:0"
            } else {
                "[::]:0"
            }
            .parse()
            .ok()?;
            let Ok(socket) = UdpSocket::bind(bind).await else {
                continue;
            };
            if socket.send_to(query, server).await.is_err() {
                continue;
            }
            let mut buf = vec![0u8; 4096];
            match tokio::time::timeout(UPSTREAM_TIMEOUT, socket.recv_from(&mut buf)).await {
                Ok(Ok((n, from))) if from == *server => {
                    match hickory_proto::op::Message::from_vec(&buf[..n]) {
                        Ok(message) => return Some(message),
                        Err(e) => {
                            tracing::debug!(%server, "upstream sent an undecodable answer: {e}")
                        }
                    }
                }
                _ => tracing::debug!(%server, "upstream did not answer"),
            }
        }
        None
    }
}

#[async_trait::async_trait]
impl RequestHandler for DnsHandler {
    async fn handle_request<R: ResponseHandler, T: hickory_server::net::runtime::Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let resp_edns = request.edns.as_ref().map(|req_edns| {
            let mut e = Edns::new();
            e.set_max_payload(req_edns.max_payload().max(512));
            e.set_version(0);
            e
        });
        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(e) = &resp_edns {
            builder.edns(e);
        }
        let fallback = |request: &Request, code: ResponseCode| {
            let mut metadata = Metadata::response_from_request(&request.metadata);
            metadata.response_code = code;
            ResponseInfo::from(hickory_proto::op::Header {
                metadata,
                counts: Default::default(),
            })
        };

        if request.metadata.message_type != MessageType::Query
            || request.metadata.op_code != OpCode::Query
        {
            let response = builder.error_msg(&request.metadata, ResponseCode::NotImp);
            return response_handle
                .send_response(response)
                .await
                .unwrap_or_else(|_| fallback(request, ResponseCode::NotImp));
        }
        let Ok(info) = request.request_info() else {
            let response = builder.error_msg(&request.metadata, ResponseCode::FormErr);
            return response_handle
                .send_response(response)
                .await
                .unwrap_or_else(|_| fallback(request, ResponseCode::FormErr));
        };
        let qname: &LowerName = info.query.name();
        let qtype = info.query.query_type();
        let name_text = qname.to_string();
        let name = name_text.trim_end_matches('.');
        let topology = self.topology.load();
        let ttl = topology.settings.dns_ttl;

        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        metadata.recursion_available = false;
        match classify(&topology, name) {
            Owner::Endpoint(addresses, zone) => {
                let owner = Name::from(qname.clone());
                let answers: Vec<Record> = addresses
                    .iter()
                    .filter_map(|ip| match (ip, qtype) {
                        (IpAddr::V4(v4), RecordType::A | RecordType::ANY) => {
                            Some(Record::from_rdata(owner.clone(), ttl, RData::A(A(*v4))))
                        }
                        (IpAddr::V6(v6), RecordType::AAAA | RecordType::ANY) => Some(
                            Record::from_rdata(owner.clone(), ttl, RData::AAAA(AAAA(*v6))),
                        ),
                        _ => None,
                    })
                    .collect();
                let soa: Vec<Record> = if answers.is_empty() {
                    soa_record(zone, ttl).into_iter().collect()
                } else {
                    Vec::new()
                };
                let response = builder.build(metadata, answers.iter(), [], soa.iter(), []);
                response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| fallback(request, ResponseCode::ServFail))
            }
            Owner::UnknownInZone(zone) => {
                metadata.response_code = if name == zone {
                    ResponseCode::NoError
                } else {
                    ResponseCode::NXDomain
                };
                let soa: Vec<Record> = soa_record(&zone, ttl).into_iter().collect();
                let response = builder.build(metadata, [], [], soa.iter(), []);
                response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| fallback(request, ResponseCode::ServFail))
            }
            Owner::Outside => {
                let upstream = topology.settings.dns_upstream.clone();
                drop(topology);
                if !upstream.is_empty() {
                    if let Some(answer) = self.forward(&upstream, request.as_slice()).await {
                        let mut metadata = answer.metadata;
                        metadata.id = request.metadata.id;
                        let response = builder.build(
                            metadata,
                            answer.answers.iter(),
                            answer.authorities.iter(),
                            [],
                            answer.additionals.iter(),
                        );
                        return response_handle
                            .send_response(response)
                            .await
                            .unwrap_or_else(|_| fallback(request, ResponseCode::ServFail));
                    }
                    let response = builder.error_msg(&request.metadata, ResponseCode::ServFail);
                    return response_handle
                        .send_response(response)
                        .await
                        .unwrap_or_else(|_| fallback(request, ResponseCode::ServFail));
                }
                let response = builder.error_msg(&request.metadata, ResponseCode::Refused);
                response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| fallback(request, ResponseCode::Refused))
            }
        }
    }
}

/// The DNS server over UDP and TCP on one address.
pub struct DnsServer {
    server: Server<DnsHandler>,
    addr: SocketAddr,
}

impl DnsServer {
    /// Serves `topology` on sockets the caller bound (UDP and TCP on the same address).
    pub fn start(
        topology: Arc<ArcSwap<Topology>>,
        udp: UdpSocket,
        tcp: TcpListener,
    ) -> std::io::Result<DnsServer> {
        let addr = udp.local_addr()?;
        let mut server = Server::new(DnsHandler::new(topology));
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64);
        Ok(DnsServer { server, addr })
    }

    /// The address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting queries and waits for the ones in progress.
    pub async fn shutdown(mut self) {
        if let Err(e) = self.server.shutdown_gracefully().await {
            tracing::debug!("DNS server stopped with: {e}");
        }
    }
}
