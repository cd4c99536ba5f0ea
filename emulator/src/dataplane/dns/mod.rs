//! The embedded DNS server: authoritative for the execute-api zones of the current topology.
//!
//! It answers as the resolver the asking client would use (the query's source address says who
//! the client is, see [`crate::model::network`]):
//! - endpoint names (`vpce-…vpce.amazonaws.com`): the regional name → every interface's address,
//!   a zonal name → its zone's; for everyone, as public DNS does;
//! - Route 53 alias names (`<api-id>-<vpce-id>.execute-api…`): the endpoint's addresses, when the
//!   API is associated with it; for everyone;
//! - public APIs' names (`<api-id>.execute-api…`): the public endpoint's addresses;
//! - for a client inside a VPC whose endpoint has private DNS: `execute-api.<region>.amazonaws.com`
//!   → the endpoint's addresses, and every name below it → a CNAME to that name (public APIs'
//!   names included: that is how private DNS breaks them);
//! - another type for a known name → NOERROR with no records; an unknown name in a zone →
//!   NXDOMAIN; negative answers carry the zone's SOA;
//! - names outside the zones → REFUSED, or the configured upstream's answer (see [`forward`]:
//!   SERVFAIL when none answers, or when too many forwarded queries wait already);
//! - a query with EDNS version 1 or later → BADVERS, whatever it asks.
//!
//! The handler reads the topology snapshot per query and never blocks on a writer.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use hickory_proto::op::{Edns, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use hickory_server::Server;
use tokio::net::{TcpListener, UdpSocket};

mod forward;
mod udp;

use forward::Forwarder;

use crate::aws::names;
use crate::model::network::ClientIdentity;
use crate::model::topology::{EndpointType, Topology};

/// Answers DNS queries from the current topology.
pub struct DnsHandler {
    topology: Arc<ArcSwap<Topology>>,
    forwarder: Arc<Forwarder>,
}

/// Where a queried name falls.
enum Owner<'t> {
    /// A name with addresses, answered directly or (`cname`) through an alias.
    Addresses {
        zone: &'t str,
        cname: Option<&'t str>,
        addresses: &'t [IpAddr],
    },
    /// Inside an emulated zone, but no such name (NXDOMAIN), or the zone apex (no data).
    UnknownInZone(&'t str),
    /// Outside every emulated zone.
    Outside,
}

fn in_zone(name: &str, zone: &str) -> bool {
    name.strip_suffix(zone)
        .is_some_and(|head| head.is_empty() || head.ends_with('.'))
}

/// What the resolver a client uses would answer: public DNS for clients on premises, the VPC's
/// resolver (with the private DNS names of its execute-api endpoint) for clients in a VPC.
fn classify<'t>(topology: &'t Topology, name: &str, client: &ClientIdentity<'t>) -> Owner<'t> {
    let zones = topology.dns_zones();
    let (vpce_zone, api_zone) = (zones[0].as_str(), zones[1].as_str());
    if let Some(answer) = topology.dns_answer(name) {
        return Owner::Addresses {
            zone: vpce_zone,
            cname: None,
            addresses: &answer.addresses,
        };
    }
    if in_zone(name, vpce_zone) {
        return Owner::UnknownInZone(vpce_zone);
    }
    if !in_zone(name, api_zone) {
        return Owner::Outside;
    }
    // Private DNS: the VPC's private hosted zone answers `execute-api.<region>.amazonaws.com`
    // with the endpoint's addresses and every name below it with a CNAME to that name, public
    // APIs' names included (which is why they break inside such a VPC).
    if let Some(endpoint) = client
        .vpc_id()
        .and_then(|vpc| topology.private_dns_endpoint(vpc))
    {
        let addresses = &endpoint.dns_entries[0].addresses;
        let cname = (name != api_zone).then_some(api_zone);
        return Owner::Addresses {
            zone: api_zone,
            cname,
            addresses,
        };
    }
    let label = name
        .strip_suffix(api_zone)
        .and_then(|h| h.strip_suffix('.'))
        .unwrap_or("");
    if names::is_rest_api_id(label) {
        if let Some(api) = topology.rest_apis.get(label) {
            if api.endpoint_type != EndpointType::Private {
                return Owner::Addresses {
                    zone: api_zone,
                    cname: None,
                    addresses: &topology.public_addresses,
                };
            }
        }
    } else if let Some((api_id, vpce_id)) = label.split_once('-') {
        // Route 53 alias of a private API associated with an endpoint: public DNS knows it.
        let associated = topology.rest_apis.get(api_id).is_some_and(|a| {
            a.endpoint_type == EndpointType::Private
                && a.vpc_endpoint_ids.iter().any(|v| v == vpce_id)
        });
        if let (true, Some(endpoint)) = (associated, topology.endpoint(vpce_id)) {
            return Owner::Addresses {
                zone: api_zone,
                cname: None,
                addresses: &endpoint.dns_entries[0].addresses,
            };
        }
    }
    Owner::UnknownInZone(api_zone)
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
    /// A handler reading `topology` at every query, with a forwarder of its own (for tests: a
    /// server's handlers share one, see [`DnsServer::start`]).
    #[cfg(test)]
    pub(crate) fn new(topology: Arc<ArcSwap<Topology>>) -> DnsHandler {
        DnsHandler::with_forwarder(topology, Arc::default())
    }

    /// A handler sharing `forwarder` (and its bound on waiting queries) with others.
    fn with_forwarder(topology: Arc<ArcSwap<Topology>>, forwarder: Arc<Forwarder>) -> DnsHandler {
        DnsHandler {
            topology,
            forwarder,
        }
    }
}

/// What the server says to one query from its own tables, before it is encoded for UDP or TCP.
pub(crate) enum Answer {
    /// Records from the topology (an empty answer carries the zone's SOA).
    Records {
        metadata: Metadata,
        answers: Vec<Record>,
        soa: Vec<Record>,
    },
    /// An error without records.
    Error(ResponseCode),
}

/// How one query is answered: here, or by the upstream resolvers.
pub(crate) enum Reply {
    Local(Answer),
    /// A name outside the zones, and resolvers to ask for it.
    Forward(Vec<SocketAddr>),
}

/// The query name as the topology's tables hold names: lower case, no trailing dot. Built from
/// the labels: `Name`'s `Display` escapes character by character and was a fifth of a query.
fn name_text(name: &LowerName) -> String {
    let name = Name::from(name.clone());
    let mut text = String::with_capacity(name.len());
    for label in name.iter() {
        if !text.is_empty() {
            text.push('.');
        }
        match std::str::from_utf8(label) {
            Ok(label) if label.bytes().all(|b| b.is_ascii_graphic() && b != b'.') => {
                text.push_str(label)
            }
            // A label no table can hold; any text that matches nothing will do.
            _ => text.push('\u{fffd}'),
        }
    }
    text
}

impl DnsHandler {
    /// Decides the reply to a parsed request from the current topology.
    fn reply(&self, request: &Request) -> Reply {
        // RFC 6891 §6.1.3: a query with an EDNS version this server does not implement (only 0
        // exists) gets BADVERS, with an OPT record of the version it does implement
        // (`response_edns`); what the Route 53 Resolver, like every conforming resolver, answers.
        if request.edns.as_ref().is_some_and(|e| e.version() > 0) {
            return Reply::Local(Answer::Error(ResponseCode::BADVERS));
        }
        if request.metadata.message_type != MessageType::Query
            || request.metadata.op_code != OpCode::Query
        {
            return Reply::Local(Answer::Error(ResponseCode::NotImp));
        }
        let Ok(info) = request.request_info() else {
            return Reply::Local(Answer::Error(ResponseCode::FormErr));
        };
        let qname: &LowerName = info.query.name();
        let qtype = info.query.query_type();
        let name = name_text(qname);
        let topology = self.topology.load();
        let ttl = topology.settings.dns_ttl;

        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        metadata.recursion_available = false;
        let client = topology.client(request.src().ip());
        match classify(&topology, &name, &client) {
            Owner::Addresses {
                zone,
                cname,
                addresses,
            } => {
                let mut answers: Vec<Record> = Vec::with_capacity(addresses.len() + 1);
                let mut owner = Name::from(qname.clone());
                if let Some(target) = cname {
                    let Ok(target) = Name::from_ascii(format!("{target}.")) else {
                        return Reply::Local(Answer::Error(ResponseCode::ServFail));
                    };
                    answers.push(Record::from_rdata(
                        owner.clone(),
                        ttl,
                        RData::CNAME(CNAME(target.clone())),
                    ));
                    owner = target;
                }
                if qtype != RecordType::CNAME {
                    answers.extend(addresses.iter().filter_map(|ip| match (ip, qtype) {
                        (IpAddr::V4(v4), RecordType::A | RecordType::ANY) => {
                            Some(Record::from_rdata(owner.clone(), ttl, RData::A(A(*v4))))
                        }
                        (IpAddr::V6(v6), RecordType::AAAA | RecordType::ANY) => Some(
                            Record::from_rdata(owner.clone(), ttl, RData::AAAA(AAAA(*v6))),
                        ),
                        _ => None,
                    }));
                }
                let soa = if answers.is_empty() {
                    soa_record(zone, ttl).into_iter().collect()
                } else {
                    Vec::new()
                };
                Reply::Local(Answer::Records {
                    metadata,
                    answers,
                    soa,
                })
            }
            Owner::UnknownInZone(zone) => {
                metadata.response_code = if name == zone {
                    ResponseCode::NoError
                } else {
                    ResponseCode::NXDomain
                };
                Reply::Local(Answer::Records {
                    metadata,
                    answers: Vec::new(),
                    soa: soa_record(zone, ttl).into_iter().collect(),
                })
            }
            Owner::Outside if topology.settings.dns_upstream.is_empty() => {
                Reply::Local(Answer::Error(ResponseCode::Refused))
            }
            Owner::Outside => Reply::Forward(topology.settings.dns_upstream.clone()),
        }
    }

    /// `reply` (decided for `request`) with forwarding done: the upstream's answer, or SERVFAIL
    /// when none answered.
    async fn resolve(&self, request: &Request, reply: Reply) -> Resolved {
        match reply {
            Reply::Local(answer) => Resolved::Local(answer),
            Reply::Forward(upstream) => {
                match self.forwarder.forward(&upstream, request.as_slice()).await {
                    Ok(answer) => Resolved::Upstream(answer),
                    Err(e) => {
                        tracing::debug!("forwarding failed: {e}");
                        Resolved::Local(Answer::Error(ResponseCode::ServFail))
                    }
                }
            }
        }
    }
}

/// A reply that needs no more waiting.
pub(crate) enum Resolved {
    Local(Answer),
    Upstream(hickory_proto::op::Message),
}

/// The EDNS a response carries: version 0, and at least the classic 512 bytes.
pub(crate) fn response_edns(request: &Request) -> Option<Edns> {
    request.edns.as_ref().map(|req_edns| {
        let mut e = Edns::new();
        e.set_max_payload(req_edns.max_payload().max(512));
        e.set_version(0);
        e
    })
}

/// The records of one response, as hickory-server's encoder takes them.
pub(crate) type Response<'q> = hickory_server::zone_handler::MessageResponse<
    'q,
    'q,
    std::slice::Iter<'q, Record>,
    std::slice::Iter<'q, Record>,
    std::slice::Iter<'q, Record>,
    std::slice::Iter<'q, Record>,
>;

/// The response message for `resolved` (`edns` from [`response_edns`]).
pub(crate) fn response<'q>(
    request: &'q Request,
    edns: Option<&'q Edns>,
    resolved: &'q Resolved,
) -> Response<'q> {
    let mut builder = MessageResponseBuilder::from_message_request(request);
    if let Some(e) = edns {
        builder.edns(e);
    }
    let none: &[Record] = &[];
    let error = |code| {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.response_code = code;
        metadata
    };
    let (metadata, answers, authorities, soa, additionals) = match resolved {
        Resolved::Local(Answer::Records {
            metadata,
            answers,
            soa,
        }) => (*metadata, &answers[..], none, &soa[..], none),
        Resolved::Local(Answer::Error(code)) => (error(*code), none, none, none, none),
        Resolved::Upstream(answer) => {
            let mut metadata = answer.metadata;
            metadata.id = request.metadata.id;
            (
                metadata,
                &answer.answers[..],
                &answer.authorities[..],
                none,
                &answer.additionals[..],
            )
        }
    };
    builder.build(
        metadata,
        answers.iter(),
        authorities.iter(),
        soa.iter(),
        additionals.iter(),
    )
}

/// DNS over TCP, through hickory-server's listener.
#[async_trait::async_trait]
impl RequestHandler for DnsHandler {
    async fn handle_request<R: ResponseHandler, T: hickory_server::net::runtime::Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let resolved = self.resolve(request, self.reply(request)).await;
        let edns = response_edns(request);
        let sent = response_handle
            .send_response(response(request, edns.as_ref(), &resolved))
            .await;
        sent.unwrap_or_else(|_| {
            let mut metadata = Metadata::response_from_request(&request.metadata);
            metadata.response_code = ResponseCode::ServFail;
            ResponseInfo::from(hickory_proto::op::Header {
                metadata,
                counts: Default::default(),
            })
        })
    }
}

/// The DNS server over UDP and TCP on one address.
pub struct DnsServer {
    server: Server<DnsHandler>,
    udp: udp::UdpServer,
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
        // One forwarder for UDP and TCP: one bound on the queries waiting upstream.
        let forwarder = Arc::new(Forwarder::default());
        let udp = udp::UdpServer::start(
            udp,
            Arc::new(DnsHandler::with_forwarder(
                topology.clone(),
                forwarder.clone(),
            )),
            tokio::runtime::Handle::current(),
        )?;
        let mut server = Server::new(DnsHandler::with_forwarder(topology, forwarder));
        server.register_listener(tcp, Duration::from_secs(5), 64);
        Ok(DnsServer { server, udp, addr })
    }

    /// The address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting queries and waits for the ones in progress.
    pub async fn shutdown(mut self) {
        self.udp.shutdown().await;
        if let Err(e) = self.server.shutdown_gracefully().await {
            tracing::debug!("DNS server stopped with: {e}");
        }
    }
}
