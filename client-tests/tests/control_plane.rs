//! The seed walkthrough's console steps done with real AWS tooling against the control plane:
//! the AWS CLI and boto3 create the VPC, subnets, security group, endpoint and PRIVATE API,
//! attach the policy and deploy; `dig` and `curl` then see the data plane change. Also: state
//! survives a restart with `--state-dir`, and `kill -9` during a burst of writes leaves a valid
//! state file holding every acknowledged change.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use client_tests::{require_tool, RunningBinary};
use serde_json::Value;

/// An empty scenario: only the Region and account; everything else comes from the tools.
const EMPTY: &str = r#"{"region":"us-east-1","accountId":"123456789012"}"#;

/// The `aws` command: `APIGW_TEST_AWS_CLI`, else `aws` on the PATH.
fn aws_cli() -> String {
    std::env::var("APIGW_TEST_AWS_CLI").unwrap_or_else(|_| {
        require_tool(
            "aws",
            "awscli (pip install awscli; the README's test command does this)",
        );
        "aws".to_string()
    })
}

/// The Python that has boto3: `APIGW_TEST_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("APIGW_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn tool_env(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_PAGER", "")
}

/// Runs `aws --endpoint-url ENDPOINT ARGS --output json`; panics with stderr on failure.
fn aws(endpoint: &str, args: &[&str]) -> Value {
    let out = aws_raw(endpoint, args);
    assert!(
        out.status.success(),
        "aws {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("aws printed non-JSON ({e}): {text}"))
    }
}

/// Runs `aws` expecting failure; returns stderr.
fn aws_error(endpoint: &str, args: &[&str]) -> String {
    let out = aws_raw(endpoint, args);
    assert!(
        !out.status.success(),
        "aws {} should have failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn aws_raw(endpoint: &str, args: &[&str]) -> std::process::Output {
    tool_env(&mut Command::new(aws_cli()))
        .args(["--endpoint-url", endpoint, "--output", "json"])
        .args(args)
        .output()
        .expect("the aws CLI runs")
}

/// `aws apigateway update-rest-api` replacing the API's policy with the walkthrough's for `vpce`.
fn put_walkthrough_policy(endpoint: &str, api_id: &str, vpce: &str) -> Value {
    let policy = serde_json::to_string(&client_tests::walkthrough_policy(vpce)).expect("json");
    aws(
        endpoint,
        &[
            "apigateway",
            "update-rest-api",
            "--rest-api-id",
            api_id,
            "--patch-operations",
            &format!("op=replace,path=/policy,value={policy}"),
        ],
    )
}

fn start(dir: &Path, state_dir: &Path) -> RunningBinary {
    let scenario = dir.join("scenario.json");
    if !scenario.exists() {
        std::fs::write(&scenario, EMPTY).expect("scenario written");
    }
    RunningBinary::start_with_certs_dir(
        &dir.join("certs"),
        &[
            "--config",
            scenario.to_str().expect("utf-8 path"),
            "--control-plane-listen",
            "127.0.0.1:0",
            "--state-dir",
            state_dir.to_str().expect("utf-8 path"),
        ],
    )
}

/// The console's explain page for a curl command line, as HTML.
fn console_explain(control: &str, command: &str) -> String {
    let encoded: String = command
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    require_tool("curl", "curl");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .arg(format!(
            "{control}/console/explain?from=127.0.0.1&command={encoded}"
        ))
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_walkthrough_with_the_aws_cli_then_a_restart_keeps_everything() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state_dir = dir.path().join("state");
    let emulator = start(dir.path(), &state_dir);
    let target = emulator.target.clone();
    let ep = target.control_plane_endpoint();

    // Create an Amazon VPC endpoint for API Gateway.
    let vpc = aws(&ep, &["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]);
    let vpc_id = vpc["Vpc"]["VpcId"].as_str().expect("VpcId").to_string();
    assert!(vpc_id.starts_with("vpc-") && vpc_id.len() == 21, "{vpc_id}");
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")] {
        let s = aws(
            &ep,
            &[
                "ec2",
                "create-subnet",
                "--vpc-id",
                &vpc_id,
                "--cidr-block",
                cidr,
                "--availability-zone",
                az,
            ],
        );
        assert_eq!(s["Subnet"]["AvailabilityZone"], az);
        subnets.push(
            s["Subnet"]["SubnetId"]
                .as_str()
                .expect("SubnetId")
                .to_string(),
        );
    }
    let sg = aws(
        &ep,
        &[
            "ec2",
            "create-security-group",
            "--group-name",
            "vpce-https",
            "--description",
            "HTTPS from on premises",
            "--vpc-id",
            &vpc_id,
        ],
    );
    let sg_id = sg["GroupId"].as_str().expect("GroupId").to_string();
    aws(
        &ep,
        &[
            "ec2",
            "authorize-security-group-ingress",
            "--group-id",
            &sg_id,
            "--protocol",
            "tcp",
            "--port",
            "443",
            "--cidr",
            "127.0.0.0/8",
        ],
    );
    let created = aws(
        &ep,
        &[
            "ec2",
            "create-vpc-endpoint",
            "--vpc-id",
            &vpc_id,
            "--vpc-endpoint-type",
            "Interface",
            "--service-name",
            "com.amazonaws.us-east-1.execute-api",
            "--subnet-ids",
            &subnets[0],
            &subnets[1],
            "--security-group-ids",
            &sg_id,
            "--no-private-dns-enabled",
        ],
    );
    let vpce_id = created["VpcEndpoint"]["VpcEndpointId"]
        .as_str()
        .expect("VpcEndpointId")
        .to_string();
    let described = aws(
        &ep,
        &[
            "ec2",
            "describe-vpc-endpoints",
            "--vpc-endpoint-ids",
            &vpce_id,
        ],
    );
    let endpoint = &described["VpcEndpoints"][0];
    assert_eq!(endpoint["State"], "available");
    assert_eq!(endpoint["PrivateDnsEnabled"], false);
    let dns_entries = endpoint["DnsEntries"].as_array().expect("DnsEntries");
    assert_eq!(
        dns_entries.len(),
        3,
        "regional and two zonal names: {dns_entries:?}"
    );
    let regional = dns_entries[0]["DnsName"]
        .as_str()
        .expect("DnsName")
        .to_string();
    assert!(
        regional.starts_with(&format!("{vpce_id}-"))
            && regional.ends_with(".execute-api.us-east-1.vpce.amazonaws.com"),
        "{regional}"
    );
    assert!(dns_entries[1]["DnsName"]
        .as_str()
        .is_some_and(|n| n.contains("-us-east-1a.")));
    // The new name resolves at once, to the new endpoint's addresses.
    assert_eq!(target.resolve(&regional).len(), 2, "one address per subnet");

    // Create the private REST API: the console's Example API, imported.
    let example = dir.path().join("petstore.json");
    std::fs::write(
        &example,
        apigw_emulator::scenario::examples::example_document(
            "PetStore",
            &apigw_emulator::aws::names::Region::parse("us-east-1").expect("a region"),
        )
        .expect("the Example API"),
    )
    .expect("written");
    let api = aws(
        &ep,
        &[
            "apigateway",
            "import-rest-api",
            "--parameters",
            "endpointConfigurationTypes=PRIVATE",
            "--body",
            &format!("fileb://{}", example.display()),
        ],
    );
    let api_id = api["id"].as_str().expect("id").to_string();
    assert_eq!(api["endpointConfiguration"]["types"][0], "PRIVATE");
    assert_eq!(api["name"], "PetStore");

    // Not deployed yet: the stage does not exist.
    let before = target.call_by_name(&regional, &api_id, "/test");
    assert_eq!(before.status_line, "HTTP/1.1 403 Forbidden", "{before:?}");
    assert_eq!(before.body, r#"{"message":"Forbidden"}"#);

    // A private API cannot be deployed without a resource policy.
    let refused = aws_error(
        &ep,
        &[
            "apigateway",
            "create-deployment",
            "--rest-api-id",
            &api_id,
            "--stage-name",
            "test",
        ],
    );
    assert!(
        refused.contains("BadRequestException")
            && refused.contains("Private REST API doesn't have a resource policy attached to it"),
        "{refused}"
    );

    // Grant the VPC endpoint permission, then deploy.
    let updated = put_walkthrough_policy(&ep, &api_id, &vpce_id);
    assert!(
        updated["policy"]
            .as_str()
            .is_some_and(|p| p.contains(&vpce_id)),
        "{updated}"
    );
    let deployment = aws(
        &ep,
        &[
            "apigateway",
            "create-deployment",
            "--rest-api-id",
            &api_id,
            "--stage-name",
            "test",
        ],
    );
    assert_eq!(
        deployment["id"].as_str().map(str::len),
        Some(6),
        "{deployment}"
    );

    // The walkthrough's test: HTTP/1.1 200 OK.
    let ok = target.call_by_name(&regional, &api_id, "/test");
    assert_eq!(ok.status_line, "HTTP/1.1 200 OK", "{ok:?}");
    assert!(
        ok.body.contains("Welcome to your Pet Store API"),
        "{}",
        ok.body
    );
    let pets = target.call_by_name(&regional, &api_id, "/test/pets");
    assert_eq!(pets.status_line, "HTTP/1.1 200 OK");

    // A policy change is invisible until it is deployed.
    put_walkthrough_policy(&ep, &api_id, "vpce-0fffffffffffffff0");
    assert_eq!(
        target.call_by_name(&regional, &api_id, "/test").status_line,
        "HTTP/1.1 200 OK"
    );
    aws(
        &ep,
        &[
            "apigateway",
            "create-deployment",
            "--rest-api-id",
            &api_id,
            "--stage-name",
            "test",
        ],
    );
    let denied = target.call_by_name(&regional, &api_id, "/test");
    assert_eq!(denied.status_line, "HTTP/1.1 403 Forbidden");
    assert!(
        denied.body.contains("with an explicit deny"),
        "{}",
        denied.body
    );

    // Allowed again in the API, but not deployed: still denied, and explain says why.
    put_walkthrough_policy(&ep, &api_id, &vpce_id);
    assert_eq!(
        target.call_by_name(&regional, &api_id, "/test").status_line,
        "HTTP/1.1 403 Forbidden"
    );
    let page = console_explain(
        &ep,
        &format!("curl -IX GET -H 'x-apigw-api-id: {api_id}' https://{regional}/test"),
    );
    assert!(
        page.contains("deploy: the resource policy changed after stage test&#39;s deployment")
            || page.contains("deploy: the resource policy changed after stage test's deployment"),
        "{page}"
    );

    // Restart with the state directory: nothing is lost.
    let (status, _) = emulator.stop();
    assert!(status.success());
    let restarted = start(dir.path(), &state_dir);
    let target = restarted.target.clone();
    let ep = target.control_plane_endpoint();
    let apis = aws(&ep, &["apigateway", "get-rest-apis"]);
    assert_eq!(apis["items"][0]["id"], api_id.as_str(), "{apis}");
    let stages = aws(&ep, &["apigateway", "get-stages", "--rest-api-id", &api_id]);
    assert_eq!(stages["item"][0]["stageName"], "test", "{stages}");
    let endpoints = aws(&ep, &["ec2", "describe-vpc-endpoints"]);
    assert_eq!(
        endpoints["VpcEndpoints"][0]["VpcEndpointId"],
        vpce_id.as_str()
    );
    assert_eq!(
        endpoints["VpcEndpoints"][0]["DnsEntries"][0]["DnsName"],
        regional.as_str()
    );
    let still_denied = target.call_by_name(&regional, &api_id, "/test");
    assert_eq!(still_denied.status_line, "HTTP/1.1 403 Forbidden");
    assert!(still_denied.body.contains("with an explicit deny"));
    // The pending change survived too: deploying it now serves it.
    aws(
        &ep,
        &[
            "apigateway",
            "create-deployment",
            "--rest-api-id",
            &api_id,
            "--stage-name",
            "test",
        ],
    );
    assert_eq!(
        target.call_by_name(&regional, &api_id, "/test").status_line,
        "HTTP/1.1 200 OK"
    );
    let deployments = aws(
        &ep,
        &["apigateway", "get-deployments", "--rest-api-id", &api_id],
    );
    assert_eq!(
        deployments["items"].as_array().map(Vec::len),
        Some(3),
        "{deployments}"
    );
    restarted.stop();
}

/// The same steps through boto3, the way Python test suites create their fixtures.
#[test]
fn boto3_builds_a_private_api_that_answers() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let emulator = start(dir.path(), &dir.path().join("state"));
    let target = emulator.target.clone();
    let ep = target.control_plane_endpoint();
    let script = r#"
import json, sys, boto3
ep = sys.argv[1]
ec2 = boto3.client("ec2", endpoint_url=ep)
apigw = boto3.client("apigateway", endpoint_url=ep)
vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="https", Description="https", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "127.0.0.0/8"}]}])
vpce = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, ServiceName="com.amazonaws.us-east-1.execute-api",
                               SubnetIds=[subnet], SecurityGroupIds=[sg], PrivateDnsEnabled=False)["VpcEndpoint"]["VpcEndpointId"]
dns = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]["DnsEntries"][0]["DnsName"]
policy = {"Version": "2012-10-17", "Statement": [
  {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/*",
   "Condition": {"StringNotEquals": {"aws:sourceVpce": vpce}}},
  {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/*"}]}
api = apigw.create_rest_api(name="orders", endpointConfiguration={"types": ["PRIVATE"], "vpcEndpointIds": [vpce]},
                            policy=json.dumps(policy))
root = [r for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/"][0]["id"]
orders = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="orders")["id"]
apigw.put_method(restApiId=api["id"], resourceId=orders, httpMethod="GET", authorizationType="NONE")
apigw.put_integration(restApiId=api["id"], resourceId=orders, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
apigw.put_method_response(restApiId=api["id"], resourceId=orders, httpMethod="GET", statusCode="200")
apigw.put_integration_response(restApiId=api["id"], resourceId=orders, httpMethod="GET", statusCode="200",
                               responseTemplates={"application/json": '{"orders": []}'})
apigw.create_deployment(restApiId=api["id"], stageName="dev")
print(json.dumps({"api": api["id"], "vpce": vpce, "dns": dns}))
"#;
    let out = tool_env(&mut Command::new(python()))
        .arg("-c")
        .arg(script)
        .arg(&ep)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "boto3 script failed (pip install boto3; the README's test command does this): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).expect("the script prints JSON");
    let (api, dns) = (
        made["api"].as_str().expect("api"),
        made["dns"].as_str().expect("dns"),
    );
    let response = target.call_by_name(dns, api, "/dev/orders");
    assert_eq!(response.status_line, "HTTP/1.1 200 OK", "{response:?}");
    assert_eq!(response.body, r#"{"orders": []}"#);
    // The Route 53 alias name of the associated endpoint works too.
    let alias = format!(
        "{api}-{}.execute-api.us-east-1.amazonaws.com",
        made["vpce"].as_str().expect("vpce")
    );
    let addresses = target.resolve(&alias);
    assert!(!addresses.is_empty(), "{alias} resolves");
    let via_alias = client_tests::CurlResponse::parse(&target.curl(
        &alias,
        addresses[0],
        "/dev/orders",
        &["-i"],
    ));
    assert_eq!(via_alias.status_line, "HTTP/1.1 200 OK");
    emulator.stop();
}

/// One EC2 call over a plain socket (faster than the CLI, for the burst).
fn create_security_group(control: &str, vpc_id: &str, name: &str) -> Option<String> {
    let addr = control.trim_start_matches("http://");
    let body = format!(
        "Action=CreateSecurityGroup&Version=2016-11-15&GroupName={name}&GroupDescription=burst&VpcId={vpc_id}"
    );
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    if !response.starts_with("HTTP/1.1 200") {
        return None;
    }
    let start = response.find("<groupId>")? + "<groupId>".len();
    let end = response[start..].find("</groupId>")? + start;
    Some(response[start..end].to_string())
}

#[test]
fn kill_9_during_a_burst_of_writes_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state_dir = dir.path().join("state");
    let emulator = start(dir.path(), &state_dir);
    let ep = emulator.target.control_plane_endpoint();
    let vpc = aws(&ep, &["ec2", "create-vpc", "--cidr-block", "10.2.0.0/16"]);
    let vpc_id = vpc["Vpc"]["VpcId"].as_str().expect("VpcId").to_string();

    // Writes as fast as one client can, until the process is killed under it.
    let pid = emulator.pid();
    let writer = {
        let ep = ep.clone();
        let vpc_id = vpc_id.clone();
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(20);
            for i in 0.. {
                if Instant::now() > deadline {
                    break;
                }
                match create_security_group(&ep, &vpc_id, &format!("burst-{i}")) {
                    Some(id) => acknowledged.push(id),
                    None => break,
                }
            }
            acknowledged
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let acknowledged = writer.join().expect("the writer finished");
    assert!(
        acknowledged.len() >= 5,
        "the burst made progress: {}",
        acknowledged.len()
    );
    drop(emulator);

    // The state file is whole and holds every acknowledged group.
    let text = std::fs::read_to_string(state_dir.join("state.json")).expect("a state file");
    let state: Value = serde_json::from_str(&text).expect("the state file is valid JSON");
    let groups: Vec<&str> = state["scenario"]["securityGroups"]
        .as_array()
        .expect("security groups")
        .iter()
        .filter_map(|g| g["groupId"].as_str())
        .collect();
    for id in &acknowledged {
        assert!(
            groups.contains(&id.as_str()),
            "acknowledged {id} is in the state"
        );
    }
    // At most the call in flight is extra.
    let burst_groups = state["scenario"]["securityGroups"]
        .as_array()
        .expect("security groups")
        .iter()
        .filter(|g| {
            g["groupName"]
                .as_str()
                .is_some_and(|n| n.starts_with("burst-"))
        })
        .count();
    assert!(
        burst_groups <= acknowledged.len() + 1,
        "{burst_groups} vs {}",
        acknowledged.len()
    );

    // And it starts again from it.
    let restarted = start(dir.path(), &state_dir);
    let ep = restarted.target.control_plane_endpoint();
    let described = aws(
        &ep,
        &[
            "ec2",
            "describe-security-groups",
            "--group-ids",
            acknowledged.last().expect("one"),
        ],
    );
    assert_eq!(described["SecurityGroups"][0]["VpcId"], vpc_id.as_str());
    restarted.stop();
}

#[test]
fn a_deployment_takes_the_configured_time_to_reach_its_stage() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut scenario = client_tests::seed_json();
    scenario["emulator"]["controlPlane"] = serde_json::json!({"deploymentPropagationSeconds": 5});
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, scenario.to_string()).expect("written");
    let emulator = RunningBinary::start(&[
        "--config",
        file.to_str().expect("utf-8 path"),
        "--control-plane-listen",
        "127.0.0.1:0",
    ]);
    let target = emulator.target.clone();
    let ep = target.control_plane_endpoint();
    let name = target.dns_name(0, 0);
    let api = client_tests::SEED_API_ID;
    assert_eq!(
        target.call_by_name(&name, api, "/test").status_line,
        "HTTP/1.1 200 OK"
    );

    put_walkthrough_policy(&ep, api, "vpce-0fffffffffffffff0");
    let deployed = aws(
        &ep,
        &[
            "apigateway",
            "create-deployment",
            "--rest-api-id",
            api,
            "--stage-name",
            "test",
        ],
    );
    let deployed_at = Instant::now();
    let new_id = deployed["id"].as_str().expect("id").to_string();
    // Requests still meet the old deployment...
    assert_eq!(
        target.call_by_name(&name, api, "/test").status_line,
        "HTTP/1.1 200 OK"
    );
    assert!(
        deployed_at.elapsed() < Duration::from_secs(5),
        "the check ran inside the delay"
    );
    // ...while the control plane says the stage has the new one,
    let stage = aws(
        &ep,
        &[
            "apigateway",
            "get-stage",
            "--rest-api-id",
            api,
            "--stage-name",
            "test",
        ],
    );
    assert_eq!(stage["deploymentId"], new_id.as_str());
    // until the delay has passed.
    std::thread::sleep(
        Duration::from_secs(5).saturating_sub(deployed_at.elapsed()) + Duration::from_millis(500),
    );
    let after = target.call_by_name(&name, api, "/test");
    assert_eq!(
        after.status_line,
        "HTTP/1.1 403 Forbidden",
        "{after:?}\n{}",
        emulator.stderr()
    );
    assert!(
        after.body.contains("with an explicit deny"),
        "{}",
        after.body
    );
    emulator.stop();
}
