//! The web console in a real browser: Debian's headless Chromium loads the pages from the
//! control port after curl made requests through the HTTPS front end; the DOM it builds is
//! checked, and screenshots of the main views are kept in `target/test-artifacts/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use client_tests::{require_tool, CurlResponse, Target, SEED_API_ID, SEED_VPCE_ID};
use client_tests::{Config, Emulator};

const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);

/// Where screenshots go: `<target dir>/test-artifacts`.
fn artifacts_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir)
            }
        }
        // target/<profile>/deps/<test binary>
        None => std::env::current_exe()
            .expect("the test executable has a path")
            .ancestors()
            .nth(3)
            .expect("tests run from target/<profile>/deps")
            .to_path_buf(),
    };
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts directory can be created");
    dir
}

/// Headless Chromium with its own profile and HOME, killed if it outlives the timeout.
struct Browser {
    home: tempfile::TempDir,
}

impl Browser {
    fn new() -> Browser {
        require_tool("chromium", "chromium");
        Browser {
            home: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn run(&self, args: &[String]) -> Vec<u8> {
        let profile = self.home.path().join("profile");
        let mut child = Command::new("chromium")
            .env("HOME", self.home.path())
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut stdout = stdout;
            let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
            out
        });
        let deadline = Instant::now() + CHROMIUM_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("chromium can be waited for") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} did not finish within {CHROMIUM_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let out = reader.join().expect("the reader finished");
        assert!(status.success(), "chromium {args:?} exited with {status}");
        out
    }

    /// The DOM Chromium built for `url`, serialized.
    fn dom(&self, url: &str) -> String {
        String::from_utf8(self.run(&["--dump-dom".to_string(), url.to_string()]))
            .expect("the DOM is UTF-8")
    }

    /// Saves a 1280×1000 screenshot of `url` and checks it has real content.
    fn screenshot(&self, url: &str, file: &Path) {
        let _ = std::fs::remove_file(file);
        self.run(&[
            format!("--screenshot={}", file.display()),
            "--window-size=1280,1000".to_string(),
            url.to_string(),
        ]);
        let size = std::fs::metadata(file)
            .unwrap_or_else(|e| panic!("no screenshot at {}: {e}", file.display()))
            .len();
        assert!(
            size > 5 * 1024,
            "{} is {size} bytes: a blank page?",
            file.display()
        );
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The element starting at `start` up to its first `end`.
fn element<'h>(html: &'h str, start: &str, end: &str) -> &'h str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in the DOM:\n{html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).map_or(rest.len(), |i| i + end.len())]
}

fn client_side(target: Target, console: String, artifacts: PathBuf) {
    let browser = Browser::new();
    let name = target.dns_name(0, 0);
    let port = target.https_port;

    // Three requests through the HTTPS front end: allowed, no API named, a stage not deployed.
    let ok = target.call(SEED_API_ID, "/test", &[]);
    assert_eq!(ok.status_line, "HTTP/1.1 200 OK", "{}", ok.body);
    let no_header = CurlResponse::parse(&target.curl(
        &name,
        "127.0.1.1".parse().expect("an address"),
        "/test",
        &["-i"],
    ));
    assert_eq!(no_header.status_line, "HTTP/1.1 403 Forbidden");
    let wrong_stage = target.call(SEED_API_ID, "/prod", &[]);
    assert_eq!(wrong_stage.status_line, "HTTP/1.1 403 Forbidden");

    // The overview.
    let overview_url = format!("{console}/console");
    let dom = browser.dom(&overview_url);
    let endpoint = element(
        &dom,
        &format!("<tr data-vpc-endpoint-id=\"{SEED_VPCE_ID}\">"),
        "</tr>",
    );
    let entries = target.ready["vpcEndpoints"][0]["dnsEntries"]
        .as_array()
        .expect("DNS entries");
    assert_eq!(entries.len(), 3, "regional and two zonal names");
    for entry in entries {
        let dns_name = entry["dnsName"].as_str().expect("a name");
        let addresses: Vec<&str> = entry["addresses"]
            .as_array()
            .expect("addresses")
            .iter()
            .map(|a| a.as_str().expect("an address"))
            .collect();
        let li = element(
            endpoint,
            &format!("<li data-dns-name=\"{dns_name}\">"),
            "</li>",
        );
        assert!(
            li.contains(&format!(
                "<code class=\"address\">{}</code>",
                addresses.join(", ")
            )),
            "{li}"
        );
    }
    assert!(
        element(&dom, "<li data-dns-name=", "</li>").contains("127.0.1.1, 127.0.1.2"),
        "the regional name answers both interfaces"
    );
    let api = element(
        &dom,
        &format!("<div class=\"rest-api\" data-rest-api-id=\"{SEED_API_ID}\">"),
        "</table></div>",
    );
    assert!(
        api.contains("<dd data-endpoint-type=\"\">PRIVATE</dd>"),
        "{api}"
    );
    let stage = element(api, "<tr data-stage=\"test\">", "</tr>");
    assert!(stage.contains("<code data-deployment-id=\"\">"), "{stage}");
    let policy = element(
        stage,
        "<pre class=\"policy resource-policy\" data-stage=\"test\">",
        "</pre>",
    );
    // Condition keys are case-insensitive; the seed spells it as AWS's walkthrough does.
    assert!(
        policy
            .to_ascii_lowercase()
            .contains(&format!("\"aws:sourcevpce\": \"{SEED_VPCE_ID}\"")),
        "{policy}"
    );
    browser.screenshot(&overview_url, &artifacts.join("console-overview.png"));

    // The request list: newest first, with statuses and decisions.
    let requests_url = format!("{console}/console/requests");
    let dom = browser.dom(&requests_url);
    assert!(
        dom.contains("<meta http-equiv=\"refresh\" content=\"5\">"),
        "{dom}"
    );
    let table = element(&dom, "<table id=\"requests\">", "</table>");
    let rows: Vec<&str> = table.matches("<tr data-request-seq=").collect();
    assert_eq!(rows.len(), 3, "{table}");
    let allowed = element(
        table,
        "<tr data-request-seq=\"1\" data-status=\"200\" data-decision=\"Allow\">",
        "</tr>",
    );
    assert!(
        allowed.contains(&format!("<code>{SEED_API_ID}</code>")),
        "{allowed}"
    );
    assert!(
        allowed.contains("<td class=\"decision ok\">Allow</td>"),
        "{allowed}"
    );
    let missing = element(
        table,
        "<tr data-request-seq=\"2\" data-status=\"403\" data-decision=\"-\">",
        "</tr>",
    );
    assert!(
        missing.contains("<td class=\"reason\">no x-apigw-api-id header, and Host"),
        "{missing}"
    );
    let stage_row = element(
        table,
        "<tr data-request-seq=\"3\" data-status=\"403\" data-decision=\"-\">",
        "</tr>",
    );
    assert!(
        stage_row.contains("<td class=\"reason\">stage \"prod\" is not deployed"),
        "{stage_row}"
    );
    assert!(
        table.find("data-request-seq=\"3\"") < table.find("data-request-seq=\"1\""),
        "newest first"
    );
    browser.screenshot(&requests_url, &artifacts.join("console-requests.png"));

    // One request's trace.
    let detail_url = format!("{console}/console/requests/2");
    let dom = browser.dom(&detail_url);
    assert!(
        dom.contains("<dl id=\"request-detail\" data-request-seq=\"2\">"),
        "{dom}"
    );
    assert!(dom.contains("<dd id=\"request-status\" class=\"warn\">403</dd>"));
    assert!(dom.contains(&format!(
        "<tr data-trace=\"endpoint\"><th>Endpoint</th><td><code>{SEED_VPCE_ID}</code></td></tr>"
    )));
    assert!(
        element(&dom, "<tr data-trace=\"reason\">", "</tr>").contains("no x-apigw-api-id header")
    );
    browser.screenshot(&detail_url, &artifacts.join("console-request-detail.png"));

    // Explain the request that had no x-apigw-api-id.
    let command = format!("curl -i --resolve {name}:{port}:127.0.1.1 https://{name}:{port}/test");
    let explain_url = format!(
        "{console}/console/explain?command={}&from=127.0.0.1",
        encode(&command)
    );
    let dom = browser.dom(&explain_url);
    let textarea = element(&dom, "<textarea id=\"command\"", "</textarea>");
    assert!(textarea.contains(&command), "{textarea}");
    assert!(
        dom.contains(
            "<p id=\"explain-status\" data-status=\"403\"><code>HTTP/1.1 403 Forbidden</code></p>"
        ),
        "{dom}"
    );
    let steps = element(&dom, "<ol id=\"explain-steps\">", "</ol>");
    assert!(
        steps.contains(&format!(
            "<li>DNS: not asked: curl --resolve connects {name} to 127.0.1.1</li>"
        )),
        "{steps}"
    );
    let fixes = element(&dom, "<ul id=\"explain-fixes\">", "</ul>");
    assert!(
        fixes.contains(&format!(
            "<li class=\"fix\">add the header: -H 'x-apigw-api-id:&lt;api id&gt;' (APIs here: {SEED_API_ID})</li>"
        )),
        "{fixes}"
    );
    browser.screenshot(&explain_url, &artifacts.join("console-explain.png"));
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_shows_the_scenario_the_requests_their_traces_and_explain() {
    let emulator = Emulator::start(Config::seed())
        .await
        .expect("the seed scenario starts");
    let console = emulator
        .control_plane_endpoint()
        .expect("the control plane runs by default");
    let target = Target::of(&emulator);
    let artifacts = artifacts_dir();
    let outcome =
        tokio::task::spawn_blocking(move || client_side(target, console, artifacts)).await;
    emulator.shutdown().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
