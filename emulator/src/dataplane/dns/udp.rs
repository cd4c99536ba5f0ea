//! DNS over UDP: one thread per socket that receives, answers and sends.
//!
//! hickory-server's UDP path spawns a task per query and sends the answer through a channel to a
//! sender task; with its message parsing and name encoding that cost about 34 000 instructions a
//! query, against dnsmasq's few thousand. Here a query is answered inside one loop on a thread of
//! its own, with one receive and one send buffer for all queries. The commonest query of all (A or AAAA for an
//! endpoint name) takes a fast path that reads and writes the wire format directly; a unit test
//! holds its bytes equal to what the general path (hickory-proto's encoder) writes. Everything else
//! goes through the general path; only a forwarded query, which waits on an upstream, gets a task.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{MessageType, Metadata, ResponseCode};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};
use hickory_server::net::xfer::Protocol;
use hickory_server::server::Request;

use super::{response, response_edns, DnsHandler, Reply, Resolved};
use crate::model::topology::Topology;

/// The UDP side of the DNS server: a thread of its own.
pub(super) struct UdpServer {
    thread: Option<std::thread::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl UdpServer {
    /// Serves queries arriving on `socket` on a dedicated thread. Forwarded queries, which wait
    /// on an upstream, run on `runtime`.
    pub(super) fn start(
        socket: tokio::net::UdpSocket,
        handler: Arc<DnsHandler>,
        runtime: tokio::runtime::Handle,
    ) -> std::io::Result<UdpServer> {
        let socket = socket.into_std()?;
        socket.set_nonblocking(false)?;
        // The stop flag is also looked at this often, should the wake-up datagram be lost.
        socket.set_read_timeout(Some(Duration::from_secs(1)))?;
        let addr = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("apigw-dns-udp".to_string())
            .spawn({
                let stop = stop.clone();
                move || serve(Arc::new(socket), &handler, &runtime, &stop)
            })?;
        Ok(UdpServer {
            thread: Some(thread),
            stop,
            addr,
        })
    }

    /// Stops the thread and waits for it.
    pub(super) async fn shutdown(mut self) {
        self.signal_stop();
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// Tells the thread to stop; an empty datagram wakes its blocked receive at once.
    fn signal_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let mut target = self.addr;
        let loopback: IpAddr = if target.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        };
        if target.ip().is_unspecified() {
            target.set_ip(loopback);
        }
        if let Ok(waker) = std::net::UdpSocket::bind((loopback, 0)) {
            let _ = waker.send_to(&[], target);
        }
    }
}

impl Drop for UdpServer {
    /// An emulator dropped without `shutdown` must not leave the thread serving.
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.signal_stop();
        }
    }
}

/// The loop: a blocking receive, the answer, a send. A thread blocked in `recvfrom` is woken by
/// the kernel when a datagram arrives, without an event loop in between: under load this spends
/// far fewer context switches per query than an async task does (dnsmasq's design).
fn serve(
    socket: Arc<std::net::UdpSocket>,
    handler: &Arc<DnsHandler>,
    runtime: &tokio::runtime::Handle,
    stop: &AtomicBool,
) {
    let mut incoming = vec![0u8; 4096];
    let mut out = Vec::with_capacity(512);
    let mut name = String::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        let (n, src) = match socket.recv_from(&mut incoming) {
            Ok(pair) => pair,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) => {
                // ICMP errors of earlier sends surface here on some systems; keep serving.
                tracing::debug!("DNS receive failed: {e}");
                continue;
            }
        };
        if !answerable(src) {
            continue;
        }
        let raw = &incoming[..n];
        if fast_answer(&handler.topology.load(), raw, &mut name, &mut out) {
            let _ = socket.send_to(&out, src);
            continue;
        }
        let request = match Request::from_bytes(raw.to_vec(), src, Protocol::Udp) {
            Ok(request) => request,
            Err(_) => {
                if format_error(raw, &mut out) {
                    let _ = socket.send_to(&out, src);
                }
                continue;
            }
        };
        // A response sent to us is never answered: that would make us a reflector.
        if request.metadata.message_type == MessageType::Response {
            continue;
        }
        match handler.reply(&request) {
            reply @ Reply::Forward(_) => {
                let (socket, handler) = (socket.clone(), handler.clone());
                runtime.spawn(async move {
                    let resolved = handler.resolve(&request, reply).await;
                    let mut out = Vec::with_capacity(512);
                    if encode(&request, &resolved, &mut out) {
                        // A UDP send does not wait for the peer.
                        let _ = socket.send_to(&out, src);
                    }
                });
            }
            Reply::Local(answer) => {
                if encode(&request, &Resolved::Local(answer), &mut out) {
                    let _ = socket.send_to(&out, src);
                }
            }
        }
    }
}

/// Encodes a response into `out`: no larger than the client's EDNS payload size, or 512 bytes
/// without EDNS (truncated, with TC set, when the records do not fit).
fn encode(request: &Request, resolved: &Resolved, out: &mut Vec<u8>) -> bool {
    let edns = response_edns(request);
    let response = response(request, edns.as_ref(), resolved);
    out.clear();
    let max = response.edns().map_or(512, |e| e.max_payload());
    let mut encoder = BinEncoder::new(out);
    encoder.set_max_size(max);
    response.destructive_emit(&mut encoder).is_ok()
}

/// FORMERR for a query whose header parsed but whose body did not (as hickory-server answers).
fn format_error(raw: &[u8], out: &mut Vec<u8>) -> bool {
    let mut decoder = BinDecoder::new(raw);
    let Ok(header) = hickory_proto::op::Header::read(&mut decoder) else {
        return false;
    };
    if header.metadata.message_type != MessageType::Query {
        return false;
    }
    let mut metadata = Metadata::response_from_request(&header.metadata);
    metadata.response_code = ResponseCode::FormErr;
    out.clear();
    let mut encoder = BinEncoder::new(out);
    hickory_proto::op::Header {
        metadata,
        counts: Default::default(),
    }
    .emit(&mut encoder)
    .is_ok()
}

/// Whether a reply can be sent to `src` (hickory-server's rule: no port 0, no unspecified or
/// broadcast address).
fn answerable(src: SocketAddr) -> bool {
    src.port() != 0
        && match src.ip() {
            IpAddr::V4(v4) => !v4.is_unspecified() && !v4.is_broadcast(),
            IpAddr::V6(v6) => !v6.is_unspecified(),
        }
}

const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
const TYPE_OPT: u16 = 41;
const CLASS_IN: u16 = 1;
const FLAG_QR: u16 = 0x8000;
const OPCODE_MASK: u16 = 0x7800;
const FLAG_AA: u16 = 0x0400;
const FLAG_TC: u16 = 0x0200;
const FLAG_RD: u16 = 0x0100;
const FLAG_CD: u16 = 0x0010;

fn u16_at(raw: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*raw.get(at)?, *raw.get(at + 1)?]))
}

/// Answers, straight from the wire format, a standard query with one question: class IN, type A
/// or AAAA, a name in lower case without compression that the topology answers with addresses
/// (an endpoint's regional or zonal name), and at most an EDNS version 0 OPT record. Returns false,
/// leaving `out` unspecified, for anything else, and for an answer with no records (it needs the
/// zone's SOA): the general path answers those.
fn fast_answer(topology: &Topology, raw: &[u8], name: &mut String, out: &mut Vec<u8>) -> bool {
    let Some(query) = simple_query(raw, name) else {
        return false;
    };
    let Some(answer) = topology.dns_answer(name) else {
        return false;
    };
    let qtype = query.qtype;
    let addresses = answer.addresses.iter().filter(|ip| match ip {
        IpAddr::V4(_) => qtype == TYPE_A,
        IpAddr::V6(_) => qtype == TYPE_AAAA,
    });
    let count = addresses.clone().count();
    if count == 0 {
        return false;
    }
    out.clear();
    write_header(&query, count as u16, out);
    write_records(&query, addresses, topology.settings.dns_ttl, out);
    if let Some(payload) = query.payload {
        write_opt(payload, out);
    }
    out.len() <= usize::from(query.payload.unwrap_or(512))
}

/// What the fast path reads of a query it can answer.
struct SimpleQuery<'q> {
    /// The query's id, as it stands in the header.
    id: &'q [u8],
    flags: u16,
    /// `TYPE_A` or `TYPE_AAAA`.
    qtype: u16,
    /// The question as it stands in the query: the name, type and class.
    question: &'q [u8],
    /// The payload size to answer within (at least 512), when the query has an OPT record.
    payload: Option<u16>,
}

/// Reads a query the fast path can answer, its name into `name`; `None` for any other.
fn simple_query<'q>(raw: &'q [u8], name: &mut String) -> Option<SimpleQuery<'q>> {
    let (flags, with_opt) = simple_header(raw)?;
    let at = read_name(raw, name)?;
    let (Some(qtype), Some(CLASS_IN)) = (u16_at(raw, at), u16_at(raw, at + 2)) else {
        return None;
    };
    if name.len() > 253 || !matches!(qtype, TYPE_A | TYPE_AAAA) {
        return None;
    }
    let at = at + 4;
    let payload = if with_opt {
        Some(opt_payload(raw, at)?)
    } else if at == raw.len() {
        None
    } else {
        return None;
    };
    Some(SimpleQuery {
        id: &raw[..2],
        flags,
        qtype,
        question: &raw[12..at],
        payload,
    })
}

/// The flags of a standard query with one question and at most one additional record, and
/// whether it has that record.
fn simple_header(raw: &[u8]) -> Option<(u16, bool)> {
    let flags = u16_at(raw, 2)?;
    let counts = (
        u16_at(raw, 4),
        u16_at(raw, 6),
        u16_at(raw, 8),
        u16_at(raw, 10),
    );
    if flags & (FLAG_QR | OPCODE_MASK | FLAG_TC) != 0
        || !matches!(counts, (Some(1), Some(0), Some(0), Some(0 | 1)))
    {
        return None;
    }
    Some((flags, counts.3 == Some(1)))
}

/// Reads the question's name into `name`, dotted, and returns where its type starts; `None`
/// unless every label is in lower case (letters, digits, `-`) and none is compressed.
fn read_name(raw: &[u8], name: &mut String) -> Option<usize> {
    name.clear();
    let mut at = 12;
    loop {
        let len = *raw.get(at)?;
        at += 1;
        if len == 0 {
            return Some(at);
        }
        // Longer than 63 is a compression pointer or invalid: the general path decides.
        let label = raw.get(at..at + usize::from(len)).filter(|_| len <= 63)?;
        let lower = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
        let label = std::str::from_utf8(label)
            .ok()
            .filter(|l| l.as_bytes().iter().all(lower))?;
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(label);
        at += usize::from(len);
    }
}

/// The payload size of the OPT record at `at`, the query's last record: root name, EDNS
/// version 0, options ignored (as the general path ignores them).
fn opt_payload(raw: &[u8], at: usize) -> Option<u16> {
    let (Some(0), Some(TYPE_OPT), Some(payload), Some(rdlen)) = (
        raw.get(at).copied(),
        u16_at(raw, at + 1),
        u16_at(raw, at + 3),
        u16_at(raw, at + 9),
    ) else {
        return None;
    };
    if raw.get(at + 6) != Some(&0) || at + 11 + usize::from(rdlen) != raw.len() {
        return None;
    }
    Some(payload.max(512))
}

/// The response's header and its copy of the question.
fn write_header(query: &SimpleQuery<'_>, answers: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(query.id);
    let response_flags = FLAG_QR | FLAG_AA | (query.flags & (FLAG_RD | FLAG_CD));
    out.extend_from_slice(&response_flags.to_be_bytes());
    for count in [1, answers, 0, u16::from(query.payload.is_some())] {
        out.extend_from_slice(&count.to_be_bytes());
    }
    out.extend_from_slice(query.question);
}

/// One answer record an address.
fn write_records<'a>(
    query: &SimpleQuery<'_>,
    addresses: impl Iterator<Item = &'a IpAddr>,
    ttl: u32,
    out: &mut Vec<u8>,
) {
    // The owner is the question's name, written out in the first record and pointed to from the
    // others: hickory-proto's encoder does not compress against the question, and UDP answers
    // stay byte for byte what TCP answers are.
    let owner = &query.question[..query.question.len() - 4];
    let mut first_owner_at = None;
    for ip in addresses {
        match first_owner_at {
            None => {
                first_owner_at = Some(out.len());
                out.extend_from_slice(owner);
            }
            Some(offset) => out.extend_from_slice(&(0xc000 | offset as u16).to_be_bytes()),
        }
        out.extend_from_slice(&query.qtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        match ip {
            IpAddr::V4(v4) => {
                out.extend_from_slice(&4u16.to_be_bytes());
                out.extend_from_slice(&v4.octets());
            }
            IpAddr::V6(v6) => {
                out.extend_from_slice(&16u16.to_be_bytes());
                out.extend_from_slice(&v6.octets());
            }
        }
    }
}

/// The response's OPT record: root name, OPT, our payload size, extended rcode 0, version 0,
/// no flags, no options.
fn write_opt(payload: u16, out: &mut Vec<u8>) {
    out.push(0);
    out.extend_from_slice(&TYPE_OPT.to_be_bytes());
    out.extend_from_slice(&payload.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use arc_swap::ArcSwap;

    fn handler() -> DnsHandler {
        let config = crate::scenario::config::Config::seed();
        let topology = Topology::from_config(&config).expect("the seed scenario builds");
        DnsHandler::new(Arc::new(ArcSwap::from_pointee(topology)))
    }

    /// A query as dig or dnsperf writes it.
    fn query(name: &str, qtype: u16, flags: u16, edns: Option<(u16, u8, &[u8])>) -> Vec<u8> {
        let mut q = vec![0xbe, 0xef];
        q.extend_from_slice(&flags.to_be_bytes());
        q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, u8::from(edns.is_some())]);
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.push(0);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        if let Some((payload, version, options)) = edns {
            q.push(0);
            q.extend_from_slice(&41u16.to_be_bytes());
            q.extend_from_slice(&payload.to_be_bytes());
            q.extend_from_slice(&[0, version, 0x80, 0]);
            q.extend_from_slice(&(options.len() as u16).to_be_bytes());
            q.extend_from_slice(options);
        }
        q
    }

    fn general_path(handler: &DnsHandler, raw: &[u8]) -> Vec<u8> {
        let src: SocketAddr = "127.0.0.1:5353".parse().unwrap();
        let request = Request::from_bytes(raw.to_vec(), src, Protocol::Udp).unwrap();
        let Reply::Local(answer) = handler.reply(&request) else {
            panic!("an endpoint name is answered here, not forwarded");
        };
        let mut out = Vec::new();
        assert!(encode(&request, &Resolved::Local(answer), &mut out));
        out
    }

    #[test]
    fn the_fast_path_writes_the_bytes_the_general_path_writes() {
        let handler = handler();
        let topology = handler.topology.load();
        let endpoint = &topology.vpc_endpoints[0];
        let cookie: &[u8] = &[0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8];
        let mut checked = 0;
        for entry in &endpoint.dns_entries {
            for qtype in [TYPE_A, TYPE_AAAA] {
                for flags in [0x0100, 0x0000, 0x0110, 0x0120] {
                    for edns in [None, Some((1232, 0, &[][..])), Some((100, 0, cookie))] {
                        let raw = query(&entry.dns_name, qtype, flags, edns);
                        let (mut name, mut out) = (String::new(), Vec::new());
                        let fast = fast_answer(&topology, &raw, &mut name, &mut out);
                        let has_records = entry.addresses.iter().any(|ip| {
                            matches!(
                                (ip, qtype),
                                (IpAddr::V4(_), TYPE_A) | (IpAddr::V6(_), TYPE_AAAA)
                            )
                        });
                        assert_eq!(fast, has_records, "{} type {qtype}", entry.dns_name);
                        if fast {
                            assert_eq!(
                                out,
                                general_path(&handler, &raw),
                                "{} type {qtype} flags {flags:#x} edns {edns:?}",
                                entry.dns_name
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked >= 24, "only {checked} answers compared");
    }

    #[test]
    fn anything_unusual_is_left_to_the_general_path() {
        let handler = handler();
        let topology = handler.topology.load();
        let name = topology.vpc_endpoints[0].dns_entries[0].dns_name.clone();
        let upper = name.to_ascii_uppercase();
        let mut trailing = query(&name, TYPE_A, 0x0100, None);
        trailing.push(0);
        let mut two_questions = query(&name, TYPE_A, 0x0100, None);
        two_questions[5] = 2;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("upper case", query(&upper, TYPE_A, 0x0100, None)),
            ("type TXT", query(&name, 16, 0x0100, None)),
            (
                "an unknown name",
                query("nope.example.com", TYPE_A, 0x0100, None),
            ),
            ("a response", query(&name, TYPE_A, 0x8100, None)),
            ("opcode NOTIFY", query(&name, TYPE_A, 0x2000, None)),
            (
                "EDNS version 1",
                query(&name, TYPE_A, 0x0100, Some((1232, 1, &[]))),
            ),
            ("trailing bytes", trailing),
            ("two questions", two_questions),
            (
                "cut short",
                query(&name, TYPE_A, 0x0100, None)[..20].to_vec(),
            ),
        ];
        for (what, raw) in cases {
            let (mut n, mut out) = (String::new(), Vec::new());
            assert!(!fast_answer(&topology, &raw, &mut n, &mut out), "{what}");
        }
    }

    #[test]
    fn edns_version_1_gets_badvers_with_an_opt_record_of_version_0() {
        let handler = handler();
        let topology = handler.topology.load();
        let name = topology.vpc_endpoints[0].dns_entries[0].dns_name.clone();
        for (what, name) in [
            ("an endpoint name", name.as_str()),
            ("any name", "example.com"),
        ] {
            let raw = query(name, TYPE_A, 0x0100, Some((1232, 1, &[])));
            let (mut n, mut out) = (String::new(), Vec::new());
            assert!(!fast_answer(&topology, &raw, &mut n, &mut out), "{what}");
            let out = general_path(&handler, &raw);
            // Header: the id, QR and RD, RCODE's low 4 bits 0 (BADVERS is 16); one question, no
            // answers, one additional record: the OPT.
            assert_eq!(out[..4], [0xbe, 0xef, 0x81, 0x00], "{what}");
            assert_eq!(out[4..12], [0, 1, 0, 0, 0, 0, 0, 1], "{what}");
            // OPT: root, type 41, payload 1232, extended RCODE 1 (16 >> 4), version 0, no flags,
            // no options.
            let opt = &out[out.len() - 11..];
            assert_eq!(opt, [0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0], "{what}");
        }
    }

    #[test]
    fn a_query_whose_body_does_not_parse_gets_formerr() {
        let handler = handler();
        let topology = handler.topology.load();
        let name = topology.vpc_endpoints[0].dns_entries[0].dns_name.clone();
        let raw = query(&name, TYPE_A, 0x0100, None);
        let mut out = Vec::new();
        assert!(format_error(&raw[..raw.len() - 3], &mut out));
        assert_eq!(out, [0xbe, 0xef, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(!format_error(&raw[..5], &mut out), "no header, no answer");
    }
}
