//! The DNS server against hostile and malformed input, with hand-made packets over real UDP and
//! TCP sockets: it keeps answering, never amplifies for names outside its zones, and is not an
//! open resolver.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use client_tests::{config_from, seed_json, Target};

/// A query for `name` and `qtype`, optionally with an EDNS OPT record advertising 4096 bytes.
fn query(id: u16, name: &str, qtype: u16, edns: bool) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0x01, 0x00]); // RD
    p.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, u8::from(edns)]);
    for label in name.trim_end_matches('.').split('.') {
        p.push(label.len() as u8);
        p.extend_from_slice(label.as_bytes());
    }
    p.push(0);
    p.extend_from_slice(&qtype.to_be_bytes());
    p.extend_from_slice(&[0, 1]);
    if edns {
        // OPT: root name, type 41, class = UDP payload size, TTL 0, an EDNS cookie option.
        p.extend_from_slice(&[0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8]);
        p.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    }
    p
}

fn rcode(response: &[u8]) -> u8 {
    response[3] & 0x0f
}

fn answer_count(response: &[u8]) -> u16 {
    u16::from_be_bytes([response[6], response[7]])
}

fn udp(dns: SocketAddr, packet: &[u8]) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(700)))
        .expect("a timeout");
    socket.send_to(packet, dns).expect("sent");
    let mut buf = [0u8; 4096];
    socket.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
}

fn assert_still_answers(t: &Target, after: &str) {
    let name = t.dns_name(0, 0);
    let response =
        udp(t.dns, &query(7, &name, 1, false)).unwrap_or_else(|| panic!("no answer after {after}"));
    assert_eq!(rcode(&response), 0, "after {after}");
    assert_eq!(answer_count(&response), 2, "after {after}");
}

async fn with_emulator(check: impl FnOnce(Target) + Send + 'static) {
    client_tests::with_emulator(config_from(&seed_json()), check).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_packets_get_no_crash_and_the_server_keeps_answering() {
    with_emulator(|t| {
        assert_still_answers(&t, "start");
        let name = t.dns_name(0, 0);
        let valid = query(1, &name, 1, false);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("an empty datagram", vec![]),
            ("a 5-byte header", valid[..5].to_vec()),
            ("a question cut short", valid[..valid.len() - 3].to_vec()),
            (
                "random bytes",
                (0..200u32).map(|i| (i * 73 % 251) as u8).collect(),
            ),
            ("a label longer than 63", {
                let mut p = valid[..12].to_vec();
                p.push(64);
                p.extend_from_slice(&[b'a'; 64]);
                p.extend_from_slice(&[0, 0, 1, 0, 1]);
                p
            }),
            ("a compression loop", {
                let mut p = valid[..12].to_vec();
                p.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
                p
            }),
            ("a claimed 65535 questions", {
                let mut p = valid.clone();
                p[4] = 0xff;
                p[5] = 0xff;
                p
            }),
            ("a response instead of a query", {
                let mut p = valid.clone();
                p[2] |= 0x80;
                p
            }),
        ];
        for (what, packet) in cases {
            if let Some(response) = udp(t.dns, &packet) {
                assert!(response.len() <= 512, "{what}: {} bytes", response.len());
                assert!(
                    response.len() < 12 || rcode(&response) != 0 || answer_count(&response) == 0,
                    "{what} must not be answered as a query"
                );
            }
            assert_still_answers(&t, what);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn names_outside_the_zones_are_refused_without_amplification() {
    with_emulator(|t| {
        for (name, qtype) in [
            ("example.com", 1u16),
            ("example.com", 255),
            ("isc.org", 16),
            ("amazonaws.com", 1),
        ] {
            let q = query(9, name, qtype, true);
            let response = udp(t.dns, &q).expect("an answer");
            assert_eq!(rcode(&response), 5, "{name} {qtype}: REFUSED");
            assert_eq!(answer_count(&response), 0);
            assert!(
                response.len() <= q.len(),
                "{name} {qtype}: {} bytes answered to a {}-byte query",
                response.len(),
                q.len()
            );
        }
        // ANY for an endpoint name gets no more than the A records would.
        let name = t.dns_name(0, 0);
        let q = query(10, &name, 255, true);
        let response = udp(t.dns, &q).expect("an answer");
        assert!(response.len() <= 512, "{} bytes", response.len());
        assert_still_answers(&t, "ANY and EDNS queries");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_and_partial_tcp_clients_do_not_stop_the_server() {
    with_emulator(|t| {
        let name = t.dns_name(0, 0);
        let q = query(11, &name, 1, false);
        let mut framed = (q.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&q);

        // A client that sends its query a byte at a time still gets its answer.
        let mut slow = TcpStream::connect(t.dns).expect("TCP connects");
        slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        slow.set_nodelay(true).unwrap();
        for byte in &framed {
            slow.write_all(&[*byte]).expect("a byte is written");
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut len = [0u8; 2];
        slow.read_exact(&mut len).expect("a length prefix");
        let mut response = vec![0u8; usize::from(u16::from_be_bytes(len))];
        slow.read_exact(&mut response).expect("the answer");
        assert_eq!(answer_count(&response), 2);

        // Clients that stop half-way, or claim more than they send, are dropped without harm.
        for cut in [1, 2, 7, framed.len() - 1] {
            let mut partial = TcpStream::connect(t.dns).expect("TCP connects");
            partial.write_all(&framed[..cut]).expect("written");
            drop(partial);
        }
        let mut liar = TcpStream::connect(t.dns).expect("TCP connects");
        liar.write_all(&[0xff, 0xff, 0, 1, 2]).expect("written");
        // Many idle connections at once do not starve a new client.
        let idle: Vec<TcpStream> = (0..50)
            .map(|_| TcpStream::connect(t.dns).expect("TCP connects"))
            .collect();
        assert_still_answers(&t, "partial and idle TCP clients");
        let mut fresh = TcpStream::connect(t.dns).expect("TCP connects");
        fresh
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        fresh.write_all(&framed).expect("written");
        fresh
            .read_exact(&mut len)
            .expect("a length prefix over TCP");
        drop(idle);
        drop(liar);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn edns_version_1_gets_badvers_over_udp_and_tcp() {
    with_emulator(|t| {
        let name = t.dns_name(0, 0);
        // `+noednsnegotiation`: dig must show the BADVERS answer, not retry with version 0.
        for transport in ["+notcp", "+tcp"] {
            for asked in [name.as_str(), "example.com"] {
                let out = t.dig(&["+edns=1", "+noednsnegotiation", transport, asked]);
                assert!(
                    out.contains("status: BADVERS"),
                    "{transport} {asked}: {out}"
                );
                assert!(
                    out.contains("EDNS: version: 0,"),
                    "{transport} {asked}: the OPT record says which version we speak: {out}"
                );
                assert!(out.contains("ANSWER: 0,"), "{transport} {asked}: {out}");
            }
        }
        // Version 0 is answered as always.
        let out = t.dig(&["+edns=0", &name, "A"]);
        assert!(out.contains("status: NOERROR"), "{out}");
        assert!(out.contains("ANSWER: 2,"), "{out}");
    })
    .await;
}
