//! `apigw-emulator`: run the emulator, check a scenario, print the scenario schema, evaluate
//! policies.
//!
//! Exit codes: 0 success; 1 the emulator could not run (a port in use, an unwritable certs
//! directory); 2 usage or scenario error.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod banner;
mod certs;
mod doctor;
mod explain;
mod logging;
mod policy;
mod ready_file;
mod scenario;
mod signals;
mod up;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use apigw_emulator::StartError;
use clap::{Parser, Subcommand};

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
    /// A dry run unless --send: no backend or function is called.
    /// Example: apigw-emulator explain -- curl -IX GET https://vpce-….vpce.amazonaws.com/test
    Explain {
        #[command(flatten)]
        source: ScenarioArgs,
        /// The client's own address (who it stands for comes from the scenario's clients).
        #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
        from: std::net::IpAddr,
        /// Send the request for real: call the backend or Lambda function. Without it, explain
        /// is a dry run that stops before the integration and says what it would call.
        #[arg(long)]
        send: bool,
        /// Allow a scenario whose addresses are not loopback (explaining a container's scenario
        /// inside its container), as `up --allow-non-loopback` does.
        #[arg(long, env = "APIGW_EMULATOR_ALLOW_NON_LOOPBACK")]
        allow_non_loopback: bool,
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
            let schema = apigw_emulator::Config::json_schema();
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { source } => scenario::validate_command(&source),
        Command::Up(args) => up::up(args),
        Command::Certs { certs } => certs::certs_command(&certs.certs_dir),
        Command::Doctor { source, certs } => doctor::doctor_command(&source, &certs.certs_dir),
        Command::Explain {
            source,
            from,
            send,
            allow_non_loopback,
            command,
        } => explain::explain_command(
            &source,
            from,
            explain::Options {
                send,
                allow_non_loopback,
            },
            &command,
        ),
        Command::Policy(command) => policy::policy_command(command),
        Command::Healthcheck { ready_file } => ready_file::healthcheck_command(&ready_file),
    }
}

/// The multi-threaded runtime `up` serves on and `explain` runs its emulator on.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
