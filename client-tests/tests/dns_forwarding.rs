//! Names outside the emulated zones: refused by default (not an open resolver), forwarded to a
//! configured upstream otherwise (as in a container, where Docker's resolver knows service names).

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
