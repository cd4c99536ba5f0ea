//! Names outside the emulated zones: refused by default (not an open resolver), forwarded to a
//! configured upstream otherwise (as in a container, where Docker's resolver knows service names),
//! with a bound on the queries waiting upstream.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use client_tests::{config_from, seed_json, Emulator, Target};

/// An emulator in another Region stands in for the upstream resolver: its names are outside the
/// first emulator's zones.
async fn upstream() -> Emulator {
    let mut v = seed_json();
    v["region"] = "eu-west-1".into();
    v["vpcs"][0]["subnets"][0]["availabilityZone"] = "eu-west-1a".into();
    v["vpcs"][0]["subnets"][1]["availabilityZone"] = "eu-west-1b".into();
    v["vpcEndpoints"][0]["serviceName"] = "com.amazonaws.eu-west-1.execute-api".into();
    Emulator::start(config_from(&v))
        .await
        .expect("the upstream starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_outside_the_zones_are_forwarded_to_the_upstream_when_configured() {
    let up = upstream().await;
    let up_target = Target::of(&up);
    let foreign = up_target.dns_name(0, 0);
    let mut v = seed_json();
    v["emulator"] = serde_json::json!({ "dns": { "upstream": [up.dns_addr().to_string()] } });
    let emu = Emulator::start(config_from(&v)).await.unwrap();
    let t = Target::of(&emu);
    let name = t.dns_name(0, 0);
    let (t2, foreign2) = (t.clone(), foreign.clone());
    let (own, forwarded, refused_upstream) = tokio::task::spawn_blocking(move || {
        (
            t2.resolve(&name),
            t2.dig(&[&foreign2]),
            t2.dig(&["example.com"]),
        )
    })
    .await
    .unwrap();
    assert_eq!(own.len(), 2, "its own names are still answered");
    assert!(forwarded.contains("status: NOERROR"), "{forwarded}");
    assert!(
        forwarded.contains(&format!("{foreign}.")) && forwarded.contains("127.0.1.1"),
        "{forwarded}"
    );
    // The upstream refuses what it does not own; the answer comes back as it gave it.
    assert!(
        refused_upstream.contains("status: REFUSED"),
        "{refused_upstream}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_upstream_other_names_are_refused() {
    let up = upstream().await;
    let foreign = Target::of(&up).dns_name(0, 0);
    let emu = Emulator::start(client_tests::Config::seed()).await.unwrap();
    let t = Target::of(&emu);
    let out = tokio::task::spawn_blocking(move || t.dig(&[&foreign]))
        .await
        .unwrap();
    assert!(
        out.contains("status: REFUSED") && out.contains("ANSWER: 0"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_gives_servfail() {
    // A bound but silent UDP socket: queries go unanswered.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut v = seed_json();
    v["emulator"] =
        serde_json::json!({ "dns": { "upstream": [silent.local_addr().unwrap().to_string()] } });
    let emu = Emulator::start(config_from(&v)).await.unwrap();
    let t = Target::of(&emu);
    let out = tokio::task::spawn_blocking(move || t.dig(&["+time=6", "example.com"]))
        .await
        .unwrap();
    assert!(out.contains("status: SERVFAIL"), "{out}");
}

/// Descriptors the process `pid` has open.
fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| dir.count())
        .unwrap_or(0)
}

/// An upstream that reads every query and answers none, until dropped.
struct SilentUpstream {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl SilentUpstream {
    fn start() -> SilentUpstream {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let reader = std::thread::spawn({
            let stop = stop.clone();
            move || {
                let mut buf = [0u8; 512];
                while !stop.load(Ordering::Relaxed) {
                    let _ = socket.recv_from(&mut buf);
                }
            }
        });
        SilentUpstream {
            addr,
            stop,
            reader: Some(reader),
        }
    }
}

impl Drop for SilentUpstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// An A query, id `i`, for `q<i>.example.com`: a name outside the zones, new each time.
fn outside_query(i: u16) -> Vec<u8> {
    let mut q = i.to_be_bytes().to_vec();
    q.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    let label = format!("q{i}");
    q.push(label.len() as u8);
    q.extend_from_slice(label.as_bytes());
    q.extend_from_slice(b"\x07example\x03com\x00");
    q.extend_from_slice(&[0, 1, 0, 1]);
    q
}

/// Collects (RCODE, time since `started`) of every answer `socket` receives, until none came
/// for 200 ms after 2 s.
fn collect_answers(
    socket: UdpSocket,
    started: Instant,
) -> std::thread::JoinHandle<Vec<(u8, Duration)>> {
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    std::thread::spawn(move || {
        let mut answers = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            match socket.recv(&mut buf) {
                Ok(n) if n >= 4 => answers.push((buf[3] & 0x0f, started.elapsed())),
                Ok(_) => {}
                Err(_) if started.elapsed() > Duration::from_secs(2) => return answers,
                Err(_) => {}
            }
        }
    })
}

#[test]
fn a_flood_of_queries_to_a_silent_upstream_is_bounded_and_the_own_names_still_answer() {
    const QUERIES: u16 = 3000;
    let silent = SilentUpstream::start();
    let mut v = seed_json();
    v["emulator"] = serde_json::json!({ "dns": { "upstream": [silent.addr.to_string()] } });
    let scenario = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(scenario.path(), v.to_string()).unwrap();
    let emulator =
        client_tests::RunningBinary::start(&["--config", scenario.path().to_str().unwrap()]);
    let (t, pid) = (emulator.target.clone(), emulator.pid());
    let before = open_descriptors(pid);

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let collector = collect_answers(client.try_clone().unwrap(), Instant::now());
    let mut most = before;
    for i in 0..QUERIES {
        client.send_to(&outside_query(i), t.dns).unwrap();
        // Paced a little, so the emulator's receive buffer does not overflow.
        if i % 50 == 49 {
            std::thread::sleep(Duration::from_millis(1));
            most = most.max(open_descriptors(pid));
        }
    }
    // Its own names are answered while the forwarded queries wait.
    let own = t.resolve(&t.dns_name(0, 0));
    for _ in 0..5 {
        most = most.max(open_descriptors(pid));
        std::thread::sleep(Duration::from_millis(50));
    }
    let answers = collector.join().unwrap();

    assert_eq!(
        own.len(),
        2,
        "the endpoint's name is answered during the flood"
    );
    assert!(
        most <= before + 8,
        "descriptors went from {before} to {most} for {QUERIES} forwarded queries"
    );
    // Nothing can have timed out upstream (3 s) yet: every answer so far is the bound's SERVFAIL.
    let prompt_servfails = answers
        .iter()
        .filter(|(rcode, when)| *rcode == 2 && *when < Duration::from_secs(2))
        .count();
    assert!(
        prompt_servfails >= 2000,
        "{prompt_servfails} of {QUERIES} queries got a prompt SERVFAIL ({} answers)",
        answers.len()
    );
    assert!(
        answers.iter().all(|(rcode, _)| *rcode == 2),
        "only SERVFAIL for names the upstream never answers"
    );
}
