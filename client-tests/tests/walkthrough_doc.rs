//! `docs/walkthrough.md`: AWS's Direct Connect walkthrough step by step, with the emulator's
//! commands and their real output, generated here from a run of the real binary, so the page
//! never goes stale. The test fails when the committed page differs from what the run produced;
//! `UPDATE_DOCS=1 cargo test -p client-tests --test walkthrough_doc` rewrites it.
//!
//! Values that change from run to run are normalized: ports to the CLI's fallbacks (8053, 8443),
//! the temporary certs directory to `certs`, request ids, dates and trace ids to placeholders.

use std::process::Command;

use client_tests::{RunningBinary, SEED_API_ID, SEED_VPCE_ID};

fn normalize(text: &str, running: &RunningBinary) -> String {
    let t = &running.target;
    let certs = t
        .ca_file
        .parent()
        .expect("a certs dir")
        .display()
        .to_string();
    let mut out = text
        .replace(&format!("-p {}", t.dns.port()), "-p 8053")
        .replace(&format!("127.0.0.1:{}", t.dns.port()), "127.0.0.1:8053")
        .replace(&format!("port {} ", t.https_port), "port 8443 ")
        .replace(&format!(":{}", t.https_port), ":8443")
        .replace(&format!("#{}(", t.dns.port()), "#8053(")
        .replace(&certs, "certs");
    let mut lines = Vec::new();
    for line in out.lines() {
        let lower = line.to_ascii_lowercase();
        let replaced = if lower.starts_with("date:") {
            format!("{}: <date>", &line[..4])
        } else if lower.starts_with("x-amzn-requestid:") {
            format!("{}: <request id>", &line[..16])
        } else if lower.starts_with("x-amz-apigw-id:") {
            format!("{}: <extended request id>", &line[..14])
        } else if lower.starts_with("x-amzn-trace-id:") {
            format!("{}: <trace id>", &line[..15])
        } else if line.starts_with(";; WHEN:") {
            ";; WHEN: <date>".to_string()
        } else if line.starts_with(";; Query time:") {
            ";; Query time: <n> msec".to_string()
        } else if line.starts_with(";; ->>HEADER<<-") {
            line.split(", id: ").next().unwrap_or(line).to_string() + ", id: <id>"
        } else if line.starts_with("; <<>> DiG") {
            "; <<>> DiG <version> <<>> <arguments>".to_string()
        } else if line.starts_with(";; MSG SIZE") || line.starts_with("; COOKIE") {
            continue;
        } else {
            line.to_string()
        };
        lines.push(replaced);
    }
    out = lines.join("\n");
    out
}

fn run(command: &str, running: &RunningBinary) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .expect("the command runs");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    normalize(text.trim_end(), running)
}

fn scenario_part(pointer: &str) -> String {
    let seed: serde_json::Value =
        serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO)
            .expect("the seed is JSON");
    serde_json::to_string_pretty(seed.pointer(pointer).expect("a part of the seed")).expect("JSON")
}

#[test]
fn the_walkthrough_page_is_what_the_emulator_really_prints() {
    let mut running = RunningBinary::start(&[]);
    let banner = normalize(&running.banner().join("\n"), &running);
    let t = running.target.clone();
    let name = t.dns_name(0, 0);
    let dns_port = t.dns.port();
    let port = t.https_port;
    let ca = t.ca_file.display().to_string();
    let dig = run(
        &format!("dig +noall +answer @127.0.0.1 -p {dns_port} {name}"),
        &running,
    );
    let dig_short = run(
        &format!("dig +short @127.0.0.1 -p {dns_port} {name}"),
        &running,
    );
    let curl = |args: &str, path: &str| {
        run(
            &format!("curl -sS --cacert {ca} --resolve {name}:{port}:127.0.1.1 {args} https://{name}:{port}{path}"),
            &running,
        )
    };
    let ok = curl(
        &format!("-IX GET -H 'x-apigw-api-id:{SEED_API_ID}'"),
        "/test",
    );
    let no_header = curl("-i -X GET", "/test");
    let post = curl(
        &format!("-i -X POST -H 'x-apigw-api-id:{SEED_API_ID}'"),
        "/test",
    );
    let stage = curl(
        &format!("-i -X GET -H 'x-apigw-api-id:{SEED_API_ID}'"),
        "/prod",
    );
    let pets = curl(
        &format!("-s -H 'x-apigw-api-id:{SEED_API_ID}'"),
        "/test/pets",
    );
    let (status, _) = running.stop();
    assert!(status.success());

    let page = format!(
        r#"# The walkthrough, offline

This page follows AWS's "How do I connect to a private API Gateway over a Direct Connect
connection?" step by step. Every command below was run against the emulator by
`client-tests/tests/walkthrough_doc.rs`, and every output is what it printed (ports shown as the
CLI's defaults when 53 and 443 are taken, 8053 and 8443; ids and dates as placeholders).

## 1. Create a VPC endpoint for execute-api

AWS: an interface endpoint for `com.amazonaws.REGION.execute-api` in the VPC of the Direct Connect
connection, in the chosen subnets, private DNS off, a security group allowing TCP/443, the Full
Access policy; note its id ({SEED_VPCE_ID}).

Emulator: the built-in seed scenario ([`emulator/scenarios/seed.json`](../emulator/scenarios/seed.json))
has that endpoint; in your own scenario it is a `vpcEndpoints` entry:

```json
{endpoint}
```

## 2. Create the private REST API (the Example API)

```json
{api_head}
```

`"example": "PetStore"` is the console's Example API; your own API takes `"body"` or `"bodyFile"`
(an OpenAPI document) instead.

## 3. Grant the VPC endpoint permission: the resource policy

The walkthrough's policy, with `{{{{vpceID}}}}` replaced:

```json
{policy}
```

## 4. Deploy the API to a stage

```json
{stages}
```

A PRIVATE API without a resource policy cannot be deployed, as on AWS (`apigw-emulator validate`
says so with the JSON path).

## 5. Test DNS resolution of the endpoint name

Start the emulator (`cargo run --release -- up`); it prints:

```text
{banner}
```

Then, as from the on-premises computer:

```console
$ dig +noall +answer @127.0.0.1 -p 8053 {name}
{dig}
```

or just the addresses:

```console
$ dig +short @127.0.0.1 -p 8053 {name}
{dig_short}
```

## 6. Test the API over HTTPS

The walkthrough's command (plus `--cacert`, to trust the emulator's CA, and `--resolve`, unless
your resolver sends the name to the emulator; `apigw-emulator doctor` says how):

```console
$ curl --cacert certs/ca.pem --resolve {name}:8443:127.0.1.1 -IX GET -H 'x-apigw-api-id:{SEED_API_ID}' https://{name}:8443/test
{ok}
```

"The first line of the response should include HTTP/1.1 200 OK." The walkthrough's three ways to
get a 403 instead:

Without the `x-apigw-api-id` header:

```console
$ curl … -i -X GET https://{name}:8443/test
{no_header}
```

With another method than GET (the Example API has no POST on `/`):

```console
$ curl … -i -X POST -H 'x-apigw-api-id:{SEED_API_ID}' https://{name}:8443/test
{post}
```

With a stage that is not deployed:

```console
$ curl … -i -X GET -H 'x-apigw-api-id:{SEED_API_ID}' https://{name}:8443/prod
{stage}
```

And the Example API's pets, through the HTTP integration:

```console
$ curl … -s -H 'x-apigw-api-id:{SEED_API_ID}' https://{name}:8443/test/pets
{pets}
```
"#,
        endpoint = scenario_part("/vpcEndpoints/0"),
        api_head = {
            let seed: serde_json::Value =
                serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).unwrap();
            let mut api = seed["restApis"][0].clone();
            if let Some(o) = api.as_object_mut() {
                o.remove("policy");
                o.remove("stages");
            }
            serde_json::to_string_pretty(&api).unwrap()
        },
        policy = scenario_part("/restApis/0/policy"),
        stages = scenario_part("/restApis/0/stages"),
    );

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/walkthrough.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &page).expect("docs/walkthrough.md is written");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/walkthrough.md is stale: run `UPDATE_DOCS=1 cargo test -p client-tests --test walkthrough_doc` and commit it.\n--- generated ---\n{page}"
    );
}
