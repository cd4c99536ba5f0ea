//! No client can stall the control plane: a connection that drips its request head is closed
//! 10 s after it began, and at most 256 connections are served at once (more wait for a slot),
//! while calls shaped as the AWS CLI sends them are answered.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use client_tests::RunningBinary;

const SG: &str = "sg-0a1b2c3d4e5f60003";
const EC2_AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";

/// The control plane's `IP:PORT`.
fn start() -> (RunningBinary, String) {
    let emulator = RunningBinary::start(&["--control-plane-listen", "127.0.0.1:0"]);
    let ep = emulator.target.control_plane_endpoint();
    let addr = ep.trim_start_matches("http://").to_string();
    (emulator, addr)
}

/// `DescribeSecurityGroups` as the AWS CLI sends it (form body, SigV4 `Authorization`), on a
/// new connection; the status line and body of the answer.
fn describe_group(addr: &str) -> (String, String) {
    let body = format!("Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1={SG}");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\n{EC2_AUTH}\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut tcp = TcpStream::connect(addr).expect("connect to the control plane");
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    tcp.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer)
        .expect("an answer, then the close");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    (status, body.to_string())
}

/// Whether the server has closed `tcp` (EOF or reset); waits at most `wait` for it.
fn closed_within(tcp: &mut TcpStream, wait: Duration) -> bool {
    tcp.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 512];
    match tcp.read(&mut buf) {
        Ok(0) => true,
        Ok(n) => panic!(
            "the server answered a head it never got: {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
        Err(_) => true,
    }
}

#[test]
fn a_head_that_drips_is_closed_by_the_deadline_while_calls_are_answered() {
    let (_emulator, addr) = start();
    let started = Instant::now();
    let mut drip = TcpStream::connect(&addr).expect("connect");
    drip.write_all(format!("POST / HTTP/1.1\r\nHost: {addr}\r\nX-Drip: ").as_bytes())
        .unwrap();
    let mut answered = false;
    let closed_after = loop {
        // One byte of the header every half second: never a whole head.
        if drip.write_all(b"a").is_err() || closed_within(&mut drip, Duration::from_millis(500)) {
            break started.elapsed();
        }
        if !answered && started.elapsed() > Duration::from_secs(2) {
            let (status, body) = describe_group(&addr);
            assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
            assert!(body.contains(SG), "{body}");
            answered = true;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "a connection dripping its head was still open after 20 s"
        );
    };
    assert!(answered, "the drip was closed after {closed_after:?}");
    assert!(
        closed_after >= Duration::from_secs(9) && closed_after < Duration::from_secs(14),
        "closed after {closed_after:?}, not at the 10 s deadline"
    );
}

#[test]
fn connections_beyond_the_limit_wait_for_a_slot() {
    let (_emulator, addr) = start();
    let started = Instant::now();
    // 256 connections that never send a head hold every slot until the head deadline.
    let mut held: Vec<TcpStream> = (0..256)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    // Accepted (and their deadlines running) before the next connection is made.
    std::thread::sleep(Duration::from_millis(500));
    let (status, body) = describe_group(&addr);
    let answered_after = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(
        answered_after >= Duration::from_secs(9) && answered_after < Duration::from_secs(20),
        "the 257th connection was answered after {answered_after:?}, not once a slot was freed"
    );
    for tcp in &mut held {
        assert!(
            closed_within(tcp, Duration::from_secs(5)),
            "a silent connection stayed open"
        );
    }
    // Nothing is held now: a call is answered at once.
    let again = Instant::now();
    assert_eq!(describe_group(&addr).0, "HTTP/1.1 200 OK");
    assert!(
        again.elapsed() < Duration::from_secs(3),
        "{:?}",
        again.elapsed()
    );
}
