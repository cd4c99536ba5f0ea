//! Shared helpers for the client tests: start the emulator (the real binary, or the library on
//! free ports), and act as its users do, with `dig`, `curl` and a Rust resolver and HTTPS client.
//!
//! Tests only ever talk to loopback addresses.

use std::io::BufRead;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use apigw_emulator::{Config, ConfigOrigin, Emulator};

pub mod backends;

/// The seed scenario's API id, endpoint id and stage.
pub const SEED_API_ID: &str = "chw1a2q2xk";
/// The seed scenario's endpoint.
pub const SEED_VPCE_ID: &str = "vpce-01234567890abcdef";

/// Panics with the install command when a tool the tests use is missing.
pub fn require_tool(tool: &str, package: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(found, "`{tool}` is not installed; install it with `apt-get install {package}` (the README's test command does this)");
}

/// The emulator binary's name, as users type it.
pub const EMULATOR_BINARY: &str = "apigw-emulator";

/// The package whose binary [`emulator_binary`] runs: what `cargo run -p …` and `cargo build -p …`
/// name. The one place to change when the binary moves to another package.
pub const EMULATOR_BINARY_PACKAGE: &str = "apigw-emulator-cli";

/// The emulator binary built next to the test executables.
pub fn emulator_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    // target/<profile>/deps/<test> → target/<profile>/apigw-emulator
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    let bin = dir.join(EMULATOR_BINARY);
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it (or `cargo build -p {EMULATOR_BINARY_PACKAGE}` first)",
        bin.display()
    );
    bin
}

/// The seed scenario as a JSON value, for tests that change one thing.
pub fn seed_json() -> serde_json::Value {
    serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO)
        .expect("the seed scenario is JSON")
}

/// A scenario from a JSON value.
pub fn config_from(value: &serde_json::Value) -> Config {
    Config::from_json_str(&value.to_string(), ConfigOrigin::Inline)
        .expect("the test scenario parses")
}

/// The parts of a started emulator a client needs.
#[derive(Debug, Clone)]
pub struct Target {
    /// The DNS server.
    pub dns: SocketAddr,
    /// The CA file to trust.
    pub ca_file: PathBuf,
    /// The HTTPS port of every endpoint address.
    pub https_port: u16,
    /// The ready information as JSON.
    pub ready: serde_json::Value,
}

impl Target {
    /// From a library handle.
    pub fn of(emulator: &Emulator) -> Target {
        Target {
            dns: emulator.dns_addr(),
            ca_file: emulator.ca_path().to_path_buf(),
            https_port: emulator.https_port(),
            ready: serde_json::to_value(emulator.ready_info()).expect("ready info serializes"),
        }
    }

    /// A rustls client configuration that trusts the emulator's CA and nothing else.
    pub fn tls_client_config(&self) -> rustls::ClientConfig {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in
            rustls::pki_types::CertificateDer::pem_file_iter(&self.ca_file).expect("the CA file")
        {
            roots.add(cert.expect("a PEM certificate")).expect("a CA");
        }
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
    }

    /// The `i`th DNS name of endpoint `e` (0 = regional, then zonal).
    pub fn dns_name(&self, e: usize, i: usize) -> String {
        self.ready["vpcEndpoints"][e]["dnsEntries"][i]["dnsName"]
            .as_str()
            .expect("a DNS name")
            .to_string()
    }

    /// `dig` against the emulator's DNS server; returns its full output.
    pub fn dig(&self, args: &[&str]) -> String {
        require_tool("dig", "dnsutils");
        let out = Command::new("dig")
            .arg(format!("@{}", self.dns.ip()))
            .arg("-p")
            .arg(self.dns.port().to_string())
            .args(["+time=2", "+tries=1"])
            .args(args)
            .output()
            .expect("dig runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `dig +short` for an A record: the addresses, in answer order.
    pub fn resolve(&self, name: &str) -> Vec<IpAddr> {
        self.dig(&["+short", name, "A"])
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Runs curl against `https://<name>:<port><path>`, connecting to `address` (as if DNS had
    /// answered it) and trusting the emulator's CA, with extra arguments. Returns curl's output.
    pub fn curl(&self, name: &str, address: IpAddr, path: &str, args: &[&str]) -> Output {
        require_tool("curl", "curl");
        let port = self.https_port;
        Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(&self.ca_file)
            .arg("--resolve")
            .arg(format!("{name}:{port}:{address}"))
            .args(args)
            .arg(format!("https://{name}:{port}{path}"))
            .output()
            .expect("curl runs")
    }
}

/// Starts `config` with the library on free ports, runs the blocking client side `check` off the
/// runtime's workers, then shuts the emulator down.
pub async fn with_emulator(config: Config, check: impl FnOnce(Target) + Send + 'static) {
    let emulator = Emulator::start(config).await.expect("the scenario starts");
    let target = Target::of(&emulator);
    tokio::task::spawn_blocking(move || check(target))
        .await
        .expect("the client side finished");
    emulator.shutdown().await;
}

impl Target {
    /// `curl -i` to `api_id` through the first endpoint's regional name at its first interface
    /// address (127.0.1.1), with `x-apigw-api-id` and extra arguments.
    pub fn call(&self, api_id: &str, path: &str, args: &[&str]) -> CurlResponse {
        let name = self.dns_name(0, 0);
        let header = format!("x-apigw-api-id:{api_id}");
        let mut all = vec!["-i", "-H", header.as_str()];
        all.extend_from_slice(args);
        CurlResponse::parse(&self.curl(&name, "127.0.1.1".parse().expect("an address"), path, &all))
    }
}

/// An HTTP response as `curl -i` printed it, split up.
#[derive(Debug, Clone)]
pub struct CurlResponse {
    /// The status line, e.g. `HTTP/1.1 200 OK`.
    pub status_line: String,
    /// Header lines in order, as sent (name case kept).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl CurlResponse {
    /// Parses `curl -i` output (the last response if there were several, e.g. 100 Continue).
    pub fn parse(output: &Output) -> CurlResponse {
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success() || !text.is_empty(),
            "curl failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CurlResponse {
            status_line,
            headers,
            body: body.to_string(),
        }
    }

    /// The header names in order.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// A header's value, by exact name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The emulator binary running `up`, stopped (SIGTERM, then kill) when dropped.
pub struct RunningBinary {
    child: Option<Child>,
    /// Where its ready file, CA and logs live.
    pub dir: tempfile::TempDir,
    /// What the ready file says.
    pub target: Target,
}

impl RunningBinary {
    /// Starts `apigw-emulator up` with `args` on free ports (unless `args` choose ports) and waits
    /// for the ready file.
    pub fn start(args: &[&str]) -> RunningBinary {
        RunningBinary::start_in(None, args)
    }

    /// As [`RunningBinary::start`], keeping the CA in `certs_dir` (which outlives this run) rather
    /// than in the run's own temporary directory.
    pub fn start_with_certs_dir(certs_dir: &Path, args: &[&str]) -> RunningBinary {
        RunningBinary::start_in(Some(certs_dir), args)
    }

    fn start_in(certs_dir: Option<&Path>, args: &[&str]) -> RunningBinary {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ready_path = dir.path().join("ready.json");
        let certs_dir = certs_dir.map_or_else(|| dir.path().join("certs"), Path::to_path_buf);
        let mut cmd = Command::new(emulator_binary());
        cmd.arg("up")
            .arg("--ready-file")
            .arg(&ready_path)
            .arg("--certs-dir")
            .arg(certs_dir);
        if !args.contains(&"--dns-listen") {
            cmd.args(["--dns-listen", "127.0.0.1:0"]);
        }
        if !args.contains(&"--https-port") {
            cmd.args(["--https-port", "0"]);
        }
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::from(
            std::fs::File::create(dir.path().join("stderr.log")).expect("log file"),
        ));
        let mut child = cmd.spawn().expect("the emulator binary starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready_path.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                let log =
                    std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
                panic!("the emulator exited with {status} before it was ready: {log}");
            }
            assert!(
                Instant::now() < deadline,
                "the emulator wrote no ready file within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let ready: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&ready_path).expect("ready file"))
                .expect("ready JSON");
        let target = Target {
            dns: ready["dns"]
                .as_str()
                .expect("dns")
                .parse()
                .expect("dns address"),
            ca_file: PathBuf::from(ready["caCertificate"].as_str().expect("caCertificate")),
            https_port: ready["httpsPort"].as_u64().expect("httpsPort") as u16,
            ready,
        };
        RunningBinary {
            child: Some(child),
            dir,
            target,
        }
    }

    /// The banner lines the binary printed on stdout (reads until the banner's last line).
    pub fn banner(&mut self) -> Vec<String> {
        let child = self.child.as_mut().expect("running");
        let stdout = child.stdout.take().expect("stdout is piped once");
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let last = line.trim_start().starts_with("curl ");
            lines.push(line);
            if last {
                break;
            }
        }
        lines
    }

    /// Sends it a signal by name (`HUP`, `TERM`, ...).
    pub fn signal(&self, name: &str) {
        let child = self.child.as_ref().expect("running");
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// What it wrote on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// Stops it with SIGTERM and returns its exit status and stderr.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Ok(Some(s)) = child.try_wait() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                break child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let log = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        (status, log)
    }
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The walkthrough's resource policy: deny every request not through `vpce`, allow the rest.
pub fn walkthrough_policy(vpce: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*/*/*",
             "Condition": {"StringNotEquals": {"aws:sourceVpce": vpce}}},
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*/*/*"}
        ]
    })
    .to_string()
}

impl Target {
    /// `curl -i -X GET` through `dns_name` as the emulator's DNS resolves it (the walkthrough's
    /// nslookup step), with `x-apigw-api-id`.
    pub fn call_by_name(&self, dns_name: &str, api_id: &str, path: &str) -> CurlResponse {
        let addresses = self.resolve(dns_name);
        assert!(!addresses.is_empty(), "{dns_name} resolves");
        let header = format!("x-apigw-api-id:{api_id}");
        CurlResponse::parse(&self.curl(
            dns_name,
            addresses[0],
            path,
            &["-i", "-X", "GET", "-H", &header],
        ))
    }

    /// The control plane's `http://IP:PORT`, from the ready file.
    pub fn control_plane_endpoint(&self) -> String {
        self.ready["controlPlaneEndpoint"]
            .as_str()
            .expect("the ready file names the control plane")
            .to_string()
    }
}

/// A `kB` line of `/proc/<pid>/status`, in bytes.
pub fn status_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {key} in {status}"))
}

/// Runs `openssl` with `args`, `stdin` on its standard input; its whole output.
pub fn openssl(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write as _;
    require_tool("openssl", "openssl");
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("openssl reads its input");
    child.wait_with_output().expect("openssl finishes")
}
