//! `apigw-emulator`: run the emulator, check a scenario, print the scenario schema, evaluate
//! policies.
//!
//! Exit codes: 0 success; 1 the emulator could not run (a port in use, an unwritable certs
//! directory); 2 usage or scenario error.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use apigw_emulator::scenario::cloudformation::{self, TemplateOptions};
use apigw_emulator::{Config, ConfigOrigin, Emulator, PortChoice, ReadyInfo, StartError};
use clap::{Parser, Subcommand};
use iam_policy::{AuthzRequest, ConditionContext, Policy, PolicyScope, Principal};

#[derive(Parser)]
#[command(
    name = "apigw-emulator",
    version,
    about = "A local, offline emulator of an Amazon API Gateway private REST API reached through an interface VPC endpoint",
    after_help = "Exit codes: 0 success, 1 the emulator could not run, 2 usage or scenario error.\n\nWith no --config, `up` serves the seed scenario of AWS's \"connect to a private API over Direct Connect\" walkthrough."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start DNS and the HTTPS front end and serve until Ctrl-C (SIGINT) or SIGTERM.
    Up(UpArgs),
    /// Check a scenario file and print what it defines; exit 2 with the error if it is invalid.
    Validate {
        #[command(flatten)]
        source: ScenarioArgs,
    },
    /// Print the JSON Schema of scenario files.
    Schema,
    /// Exit 0 when the emulator that writes this ready file is up (for container health checks,
    /// where no shell or curl exists), 1 otherwise.
    Healthcheck {
        /// The file `up --ready-file` writes once DNS and HTTPS listen.
        #[arg(long, value_name = "FILE")]
        ready_file: PathBuf,
    },
    /// Evaluate or validate IAM policies as API Gateway does.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Show where the local CA is, what it may vouch for, and how to trust it (and stop trusting
    /// it) in each runtime.
    Certs {
        #[command(flatten)]
        certs: CertsDirArg,
    },
    /// Explain one request step by step: DNS, endpoint, security group, API, stage, resource,
    /// policies, integration, the response, and the smallest fix when it fails.
    /// Example: apigw-emulator explain -- curl -IX GET https://vpce-….vpce.amazonaws.com/test
    Explain {
        #[command(flatten)]
        source: ScenarioArgs,
        /// The client's own address (who it stands for comes from the scenario's clients).
        #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
        from: std::net::IpAddr,
        /// The curl command line, after `--`.
        #[arg(last = true, required = true, value_name = "CURL COMMAND")]
        command: Vec<String>,
    },
    /// Check this machine for the walkthrough: ports, endpoint addresses, the system resolver,
    /// trust in the local CA per runtime; print the command that fixes each problem. Exit 0 when
    /// all is well, 1 when something needs fixing.
    Doctor {
        #[command(flatten)]
        source: ScenarioArgs,
        #[command(flatten)]
        certs: CertsDirArg,
    },
}

/// Where the local CA is kept (created by `up` if missing, reused afterwards).
#[derive(clap::Args)]
struct CertsDirArg {
    /// Where the local CA is kept (created if missing, reused afterwards).
    #[arg(
        long,
        value_name = "DIR",
        env = "APIGW_EMULATOR_CERTS_DIR",
        default_value = "certs"
    )]
    certs_dir: PathBuf,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Decide one request against a policy; prints {"decision", "decidingStatement", "trace"} as JSON.
    Eval {
        /// The policy document (JSON).
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// The action, e.g. execute-api:Invoke.
        #[arg(long, default_value = "execute-api:Invoke")]
        action: String,
        /// The resource ARN, e.g. arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/test/GET/pets.
        /// `execute-api:/...` shorthand in the policy expands against this API.
        #[arg(long)]
        resource: String,
        /// `anonymous` (default), an account id, or an IAM ARN.
        #[arg(long, default_value = "anonymous")]
        principal: String,
        /// Condition keys as a JSON object of key to string or array of strings,
        /// e.g. '{"aws:SourceVpce": "vpce-01234567890abcdef"}'.
        #[arg(long, value_name = "JSON")]
        context: Option<String>,
    },
    /// Check a policy document; exit 2 with the error (JSON path and what was expected).
    Validate {
        /// The policy document (JSON).
        file: PathBuf,
        /// The API whose `execute-api:/...` shorthand the policy uses (default: a placeholder API).
        #[arg(long, value_name = "ARN")]
        api_arn: Option<String>,
    },
}

/// A policy or its inputs could not be used: exit 2, like a scenario error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Where the scenario comes from: a scenario file, a CloudFormation/SAM template, or both
/// (the template's resources added to the scenario's).
#[derive(clap::Args)]
struct ScenarioArgs {
    /// The scenario file (JSON). Default: the built-in seed scenario, unless --template is given.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// A CloudFormation or SAM template (JSON or YAML) whose VPCs, endpoints and REST APIs to
    /// serve.
    #[arg(long, short, value_name = "FILE")]
    template: Option<PathBuf>,
    /// A value for one of the template's Parameters (repeatable).
    #[arg(long = "parameter", value_name = "NAME=VALUE", requires = "template")]
    parameters: Vec<String>,
}

#[derive(clap::Args)]
struct UpArgs {
    #[command(flatten)]
    source: ScenarioArgs,
    /// Once listening, write addresses, names and the CA path to this file as JSON.
    #[arg(long, value_name = "FILE")]
    ready_file: Option<PathBuf>,
    #[command(flatten)]
    certs: CertsDirArg,
    /// DNS address and port (overrides the scenario). Port 0 picks a free one.
    #[arg(long, value_name = "IP:PORT")]
    dns_listen: Option<std::net::SocketAddr>,
    /// HTTPS port of every endpoint address (overrides the scenario). 0 picks a free one.
    #[arg(long, value_name = "PORT")]
    https_port: Option<u16>,
    /// Listen on addresses other than loopback (a container network, a LAN) when the scenario
    /// asks for them. Without it such a scenario is refused: other machines could reach the
    /// emulator and would be served certificates from a CA they should not trust.
    #[arg(long, env = "APIGW_EMULATOR_ALLOW_NON_LOOPBACK")]
    allow_non_loopback: bool,
    /// Where the control plane (EC2 and API Gateway calls from the AWS CLI, boto3, SDKs)
    /// listens. Default: 127.0.0.1:4566, or a free port when that is taken.
    #[arg(long, value_name = "IP:PORT")]
    control_plane_listen: Option<std::net::SocketAddr>,
    /// Do not serve the control plane.
    #[arg(long, conflicts_with_all = ["control_plane_listen", "state_dir"])]
    no_control_plane: bool,
    /// Keep the control plane's state in DIR: restored at start (instead of the scenario) and
    /// written atomically after every change. Without it, changes live in memory only.
    #[arg(long, value_name = "DIR", env = "APIGW_EMULATOR_STATE_DIR")]
    state_dir: Option<PathBuf>,
}

/// Loads the scenario, with the warnings a template produced.
fn load(source: &ScenarioArgs) -> anyhow::Result<(Config, Vec<apigw_emulator::ConfigError>)> {
    let base = match &source.config {
        Some(path) => Some(Config::from_file(path)?),
        None => None,
    };
    let Some(template) = &source.template else {
        return Ok((base.unwrap_or_else(Config::seed), Vec::new()));
    };
    let mut options = TemplateOptions::default();
    for p in &source.parameters {
        let (name, value) = p
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--parameter {p:?}: expected NAME=VALUE")))?;
        options
            .parameters
            .insert(name.to_string(), value.to_string());
    }
    if let Some(b) = &base {
        options.region = Some(b.region.clone());
        options.account_id = Some(b.account_id.clone());
    }
    let made = cloudformation::scenario_from_file(template, &options)?;
    let config = match base {
        None => made.config,
        Some(b) => cloudformation::merge_into(b, made.config),
    };
    Ok((config, made.warnings))
}

/// Prints what was accepted but is not emulated.
fn print_warnings<'w>(warnings: impl IntoIterator<Item = &'w apigw_emulator::ConfigError>) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let code = if err.downcast_ref::<apigw_emulator::ConfigError>().is_some()
                || err.downcast_ref::<UsageError>().is_some()
                || err
                    .downcast_ref::<StartError>()
                    .is_some_and(StartError::is_config_error)
            {
                2
            } else {
                1
            };
            eprintln!("error: {err:#}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&Config::json_schema())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { source } => {
            let (config, warnings) = load(&source)?;
            print_warnings(&warnings);
            let topology = apigw_emulator::Topology::from_config(&config)?;
            print_warnings(&topology.warnings);
            println!(
                "{}: valid: {} VPC endpoint(s), {} REST API(s), {} stage(s)",
                config.origin(),
                topology.vpc_endpoints.len(),
                topology.rest_apis.len(),
                topology
                    .rest_apis
                    .values()
                    .map(|a| a.stages.len())
                    .sum::<usize>()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Up(args) => up(args),
        Command::Certs { certs } => certs_command(&certs.certs_dir),
        Command::Doctor { source, certs } => doctor_command(&source, &certs.certs_dir),
        Command::Explain {
            source,
            from,
            command,
        } => explain_command(&source, from, &command),
        Command::Policy(command) => policy_command(command),
        Command::Healthcheck { ready_file } => {
            let ready = std::fs::read_to_string(&ready_file)
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|v| v["dns"].as_str().map(str::to_string));
            match ready {
                Some(dns) => {
                    println!("ready: DNS on {dns}");
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!(
                        "not ready: {} is missing or incomplete",
                        ready_file.display()
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

/// `apigw-emulator explain -- curl …`: runs the scenario in-process on free ports.
fn explain_command(
    source: &ScenarioArgs,
    from: std::net::IpAddr,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let args = match command.split_first() {
        Some((first, rest)) if first == "curl" => rest,
        _ => command,
    };
    let request = apigw_emulator::teach::explain::parse_curl(args, from).map_err(UsageError)?;
    let (config, _) = load(source)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let explanation = runtime.block_on(async {
        let emulator = Emulator::start(config).await?;
        let explanation = emulator.explain(&request).await;
        emulator.shutdown().await;
        Ok::<_, StartError>(explanation)
    })?;
    for (i, step) in explanation.steps.iter().enumerate() {
        println!("{:>2}. {step}", i + 1);
    }
    let success = explanation
        .response
        .as_ref()
        .is_some_and(|r| (200..400).contains(&r.status));
    if explanation.response.is_none() {
        println!("\nThe client gets no HTTP response.");
    }
    for f in &explanation.fixes {
        println!("\nTo make it succeed: {f}");
    }
    Ok(if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `apigw-emulator doctor`.
fn doctor_command(source: &ScenarioArgs, certs_dir: &Path) -> anyhow::Result<ExitCode> {
    let (config, _) = load(source)?;
    let topology = apigw_emulator::Topology::from_config(&config)?;
    let var = |name: &str| std::env::var(name).ok();
    let env = apigw_emulator::teach::doctor::Environment {
        var: &var,
        system_bundle: PathBuf::from("/etc/ssl/certs/ca-certificates.crt"),
        executable: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("apigw-emulator")),
    };
    let findings = apigw_emulator::teach::doctor::check(&topology, certs_dir, &env);
    for f in &findings {
        println!("{}  {}", if f.ok { "ok " } else { "fix" }, f.summary);
        for step in &f.fixes {
            println!("       $ {step}");
        }
    }
    let to_fix = findings.iter().filter(|f| !f.ok).count();
    if to_fix == 0 {
        println!("\nall {} checks passed", findings.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "\n{to_fix} of {} checks need a fix (commands above)",
            findings.len()
        );
        Ok(ExitCode::from(1))
    }
}

/// `apigw-emulator certs`: the CA, its limits, and trust per runtime.
fn certs_command(dir: &Path) -> anyhow::Result<ExitCode> {
    let Some(ca) = apigw_emulator::dataplane::tls::pki::describe(dir)? else {
        println!(
            "No CA in {} yet: `apigw-emulator up` creates one there (or pass --certs-dir).",
            dir.display()
        );
        return Ok(ExitCode::from(1));
    };
    let pem = ca.cert_path.display().to_string();
    let mode = ca
        .key_mode
        .map(|m| format!("mode {m:04o}"))
        .unwrap_or_else(|| "mode unknown".to_string());
    println!("CA certificate  {pem}");
    println!("                {}", ca.common_name);
    println!("                SHA-256 {}", ca.sha256_fingerprint);
    println!(
        "CA key          {} ({mode}; never logged, git-ignored; keep it on this machine)",
        ca.key_path.display()
    );
    println!(
        "May vouch for   {} and names under them, nothing else (X.509 name constraints)",
        ca.name_constraints.join(", ")
    );
    println!();
    println!("Trust it, per runtime:");
    let rows = [
        ("curl", format!("curl --cacert {pem} …   or   export CURL_CA_BUNDLE={pem}")),
        ("Python", format!("export REQUESTS_CA_BUNDLE={pem} SSL_CERT_FILE={pem}   (requests; urllib, httpx)")),
        ("AWS CLI, boto3", format!("export AWS_CA_BUNDLE={pem}")),
        ("Node.js", format!("export NODE_EXTRA_CA_CERTS={pem}")),
        ("Java", format!("keytool -importcert -noprompt -alias apigw-emulator -file {pem} -cacerts -storepass changeit")),
        ("Go, OpenSSL", format!("export SSL_CERT_FILE={pem}   (replaces the system roots for that process)")),
        ("Debian, Ubuntu", format!("sudo cp {pem} /usr/local/share/ca-certificates/apigw-emulator.crt && sudo update-ca-certificates")),
        ("Rust (rustls)", format!("add {pem} to the client's RootCertStore")),
    ];
    for (runtime, how) in &rows {
        println!("  {runtime:<15} {how}");
    }
    println!();
    println!("Stop trusting it:");
    let rows = [
        ("variables", "unset CURL_CA_BUNDLE REQUESTS_CA_BUNDLE SSL_CERT_FILE AWS_CA_BUNDLE NODE_EXTRA_CA_CERTS".to_string()),
        ("Java", "keytool -delete -alias apigw-emulator -cacerts -storepass changeit".to_string()),
        ("Debian, Ubuntu", "sudo rm /usr/local/share/ca-certificates/apigw-emulator.crt && sudo update-ca-certificates --fresh".to_string()),
        (
            "the CA itself",
            format!(
                "rm {} {} {}   (the next `up` makes a new one)",
                ca.cert_path.display(),
                ca.key_path.display(),
                ca.cert_path.with_file_name("ca.json").display()
            ),
        ),
    ];
    for (what, how) in &rows {
        println!("  {what:<15} {how}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The scope a resource ARN gives policy shorthand: `arn:<partition>:execute-api:<region>:<account>:<api-id>/...`.
fn scope_from_arn(arn: &str) -> PolicyScope {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "execute-api", region, account, rest] => PolicyScope {
            partition: partition.to_string(),
            region: region.to_string(),
            account_id: account.to_string(),
            api_id: rest
                .split('/')
                .next()
                .map(str::to_string)
                .filter(|s| !s.is_empty()),
        },
        _ => PolicyScope {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            api_id: None,
        },
    }
}

fn read_policy(path: &Path, scope: &PolicyScope) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("{}: cannot read the file: {e}", path.display())))?;
    Policy::parse(&text, scope).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
}

fn principal_from(text: &str) -> anyhow::Result<Principal> {
    if text.eq_ignore_ascii_case("anonymous") || text == "*" {
        return Ok(Principal::Anonymous);
    }
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Principal::Aws {
            arn: format!("arn:aws:iam::{text}:root"),
            account_id: text.to_string(),
        });
    }
    match text.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "iam" | "sts", _, account, _] => Ok(Principal::Aws {
            arn: text.to_string(),
            account_id: account.to_string(),
        }),
        _ => Err(UsageError(format!(
            "--principal: expected anonymous, a 12-digit account id or an IAM ARN, found {text:?}"
        ))
        .into()),
    }
}

fn context_from(text: Option<&str>) -> anyhow::Result<ConditionContext> {
    let Some(text) = text else {
        return Ok(ConditionContext::new());
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| UsageError(format!("--context: not JSON: {e}")))?;
    Ok(ConditionContext::from_json(&value).map_err(|e| UsageError(format!("--context: {e}")))?)
}

fn policy_command(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Eval {
            policy,
            action,
            resource,
            principal,
            context,
        } => {
            let policy = read_policy(&policy, &scope_from_arn(&resource))?;
            let principal = principal_from(&principal)?;
            let context = context_from(context.as_deref())?;
            let request = AuthzRequest {
                action: &action,
                resource: &resource,
                principal: &principal,
                context: &context,
            };
            let (evaluation, trace) = policy.evaluate_with_trace(&request);
            let out = serde_json::json!({
                "decision": evaluation.decision,
                "decidingStatement": evaluation.deciding_statement,
                "trace": trace,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Validate { file, api_arn } => {
            let arn = api_arn.unwrap_or_else(|| {
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5".to_string()
            });
            read_policy(&file, &scope_from_arn(&arn))?;
            println!("{}: valid", file.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn up(args: UpArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    let (config, warnings) = load(&args.source)?;
    print_warnings(&warnings);
    // Validated here too, so that warnings print before the banner.
    let topology = apigw_emulator::Topology::from_config(&config)?;
    print_warnings(&topology.warnings);
    let dns_ip = args
        .dns_listen
        .or(topology.settings.dns_listen)
        .map_or(std::net::IpAddr::from([127, 0, 0, 1]), |a| a.ip());
    let exposed: Vec<String> = std::iter::once(dns_ip)
        .chain(topology.listen_addresses())
        .filter(|ip| !ip.is_loopback())
        .map(|ip| ip.to_string())
        .collect();
    if !exposed.is_empty() {
        if !args.allow_non_loopback {
            return Err(UsageError(format!(
                "{}: the scenario listens on {} beyond loopback; other machines could reach the emulator. Pass --allow-non-loopback (or APIGW_EMULATOR_ALLOW_NON_LOOPBACK=true) if that is intended, e.g. on a container network",
                config.origin(),
                exposed.join(", ")
            ))
            .into());
        }
        eprintln!(
            "warning: listening beyond loopback on {} (--allow-non-loopback): anyone who can reach these addresses can use the emulator",
            exposed.join(", ")
        );
    }
    let origin = config.origin();
    // A ready file left by an earlier run (a container restart) must not announce this one early.
    if let Some(path) = &args.ready_file {
        let _ = std::fs::remove_file(path);
    }
    // Thousands of held connections need thousands of descriptors; many systems start at 1024.
    let wanted = topology.settings.connection_limits.max_connections as u64 + 1024;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < wanted - 1024 => tracing::warn!(
            "the open-file limit is {got}: fewer than emulator.https.maxConnections connections can be held (raise it with `ulimit -n`)"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot raise the open-file limit: {e}"),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let mut builder = Emulator::builder(config)
            .certs_dir(&args.certs.certs_dir)
            .ports(PortChoice::Standard);
        if let Some(addr) = args.dns_listen {
            builder = builder.dns_listen(addr);
        }
        if let Some(port) = args.https_port {
            builder = builder.https_port(port);
        }
        if let Some(addr) = args.control_plane_listen {
            builder = builder.control_plane_listen(addr);
        }
        if args.no_control_plane {
            builder = builder.control_plane(false);
        }
        if let Some(dir) = &args.state_dir {
            builder = builder.state_dir(dir);
        }
        let mut emulator = builder.start().await?;
        print_banner(&origin, &emulator);
        if let Some(path) = &args.ready_file {
            write_ready_file(path, emulator.ready_info())?;
        }
        while let Signal::Reload = wait_for_signal().await {
            // SIGHUP: read the scenario again; a bad one leaves the running one in force.
            let reloaded =
                load(&args.source)
                    .map_err(|e| e.to_string())
                    .and_then(|(config, warnings)| {
                        print_warnings(&warnings);
                        emulator.reload(config).map_err(|e| e.to_string())
                    });
            match reloaded {
                Ok(warnings) => {
                    print_warnings(&warnings);
                    tracing::info!("reloaded {origin}");
                    eprintln!("reloaded: {origin}");
                    if let Some(path) = &args.ready_file {
                        write_ready_file(path, emulator.ready_info())?;
                    }
                }
                Err(e) => {
                    eprintln!("error: reload refused, still serving the previous scenario: {e}");
                }
            }
        }
        tracing::info!("stopping");
        emulator.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn init_logging() {
    // hickory logs every query at INFO, which costs about a fifth of DNS throughput.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,hickory_server=warn,hickory_proto=warn,hickory_net=warn",
        )
    });
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// What a signal asks for.
enum Signal {
    /// SIGINT or SIGTERM.
    Stop,
    /// SIGHUP: read the scenario again.
    Reload,
}

async fn wait_for_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => Signal::Stop,
                    _ = term.recv() => Signal::Stop,
                    _ = hup.recv() => Signal::Reload,
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                Signal::Stop
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Stop
    }
}

/// Written through a temporary file so a waiting script never reads half of it.
fn write_ready_file(path: &Path, ready: &ReadyInfo) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_string_pretty(ready)?;
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn print_banner(origin: &ConfigOrigin, emulator: &Emulator) {
    let ready = emulator.ready_info();
    let mut out = String::new();
    let source = match origin {
        ConfigOrigin::BuiltIn => "the seed scenario (built in)".to_string(),
        other => other.to_string(),
    };
    out.push_str(&format!(
        "apigw-emulator {} serving {source}: region {}, account {}\n",
        env!("CARGO_PKG_VERSION"),
        ready.region,
        ready.account_id
    ));
    for note in emulator.notes() {
        out.push_str(&format!("  note: {note}\n"));
    }
    let https_port = emulator.https_port();
    out.push_str(&format!("  DNS     {} (udp, tcp)\n", ready.dns));
    out.push_str(&format!(
        "  HTTPS   port {https_port} on each endpoint address\n"
    ));
    out.push_str(&format!(
        "  CA      {}  (trust this file)\n",
        ready.ca_certificate
    ));
    if let Some(endpoint) = &ready.control_plane_endpoint {
        out.push_str(&format!(
            "  Control {endpoint}  (aws --endpoint-url {endpoint} ec2|apigateway ...; console at {endpoint}/console)\n"
        ));
    }
    for e in &ready.vpc_endpoints {
        out.push_str(&format!(
            "\n  VPC endpoint {} in {} ({})\n",
            e.vpc_endpoint_id, e.vpc_id, e.service_name
        ));
        for d in &e.dns_entries {
            let scope = if e.private_dns_enabled && !d.dns_name.starts_with("vpce-") {
                "  (private DNS: inside the VPC only)"
            } else {
                ""
            };
            out.push_str(&format!(
                "    {}  {}{scope}\n",
                d.dns_name,
                d.addresses.join(", ")
            ));
        }
    }
    if let Some(public) = &ready.public_endpoint {
        out.push_str(&format!(
            "\n  Public endpoint (REGIONAL and EDGE APIs)  {}\n",
            public.addresses.join(", ")
        ));
    }
    let api_zone = format!(
        "execute-api.{}.{}",
        ready.region,
        if ready.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    );
    for a in &ready.rest_apis {
        out.push_str(&format!(
            "\n  REST API {} {:?} ({}), stages: {}\n",
            a.id,
            a.name,
            a.endpoint_types.join(","),
            a.stages.join(", ")
        ));
        let port_part = if https_port == 443 {
            String::new()
        } else {
            format!(":{https_port}")
        };
        for stage in &a.stages {
            if a.endpoint_types.iter().any(|t| t != "PRIVATE") {
                out.push_str(&format!(
                    "    https://{}.{api_zone}{port_part}/{stage}  (public endpoint)\n",
                    a.id
                ));
            }
            for vpce in &a.vpc_endpoint_ids {
                out.push_str(&format!(
                    "    https://{}-{vpce}.{api_zone}{port_part}/{stage}  (Route 53 alias)\n",
                    a.id
                ));
            }
        }
    }
    if let (Some(e), Some(api)) = (
        ready.vpc_endpoints.first(),
        ready.rest_apis.iter().find(|a| !a.stages.is_empty()),
    ) {
        if let Some(entry) = e.dns_entries.first() {
            let (dns_ip, dns_port) = ready.dns.rsplit_once(':').unwrap_or((&ready.dns, "53"));
            let addr = entry
                .addresses
                .first()
                .map(String::as_str)
                .unwrap_or("127.0.0.1");
            let name = &entry.dns_name;
            let port_part = if https_port == 443 {
                String::new()
            } else {
                format!(":{https_port}")
            };
            out.push_str("\n  Try the walkthrough's steps:\n");
            out.push_str(&format!("    dig @{dns_ip} -p {dns_port} {name}\n"));
            out.push_str(&format!(
                "    curl --cacert {} --resolve {name}:{https_port}:{addr} -IX GET -H 'x-apigw-api-id:{}' https://{name}{port_part}/{}\n",
                ready.ca_certificate, api.id, api.stages[0]
            ));
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}
