//! `apigw-emulator up`: checks the scenario, starts the emulator on the standard ports, prints
//! the banner and writes the ready file, then serves until a signal stops it, reading the
//! scenario again on SIGHUP.

use std::process::ExitCode;

use apigw_emulator::{
    Config, ConfigOrigin, Emulator, EmulatorBuilder, PortChoice, ReloadError, Topology,
};

use crate::banner::print_banner;
use crate::logging::init_logging;
use crate::ready_file::write_ready_file;
use crate::scenario::{load, print_warnings};
use crate::signals::{wait_for_signal, Signal};
use crate::UpArgs;

/// Runs `up` to the end: 0 after a signal stopped it.
pub(crate) fn up(args: UpArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    let (config, warnings) = load(&args.source)?;
    print_warnings(&warnings);
    // Validated here too, so that warnings print before the banner.
    let topology = Topology::from_config(&config)?;
    print_warnings(&topology.warnings);
    let origin = config.origin();
    // A ready file left by an earlier run (a container restart) must not announce this one early.
    if let Some(path) = &args.ready_file {
        let _ = std::fs::remove_file(path);
    }
    raise_open_file_limit(&topology);
    crate::runtime()?.block_on(serve(args, config, origin))
}

/// Thousands of held connections need thousands of descriptors; many systems start at 1024.
fn raise_open_file_limit(topology: &Topology) {
    let wanted = topology.settings.connection_limits.max_connections as u64 + 1024;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < wanted - 1024 => tracing::warn!(
            "the open-file limit is {got}: fewer than emulator.https.maxConnections connections can be held (raise it with `ulimit -n`)"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot raise the open-file limit: {e}"),
    }
}

/// Starts the emulator and serves until SIGINT or SIGTERM, then waits for requests in progress.
async fn serve(args: UpArgs, config: Config, origin: ConfigOrigin) -> anyhow::Result<ExitCode> {
    let mut emulator = builder(&args, config).start().await?;
    print_banner(&origin, &emulator);
    if let Some(path) = &args.ready_file {
        write_ready_file(path, emulator.ready_info())?;
    }
    while let Signal::Reload = wait_for_signal().await {
        reload(&args, &origin, &mut emulator)?;
    }
    tracing::info!("stopping");
    emulator.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The emulator as the command line configures it, on the standard ports where it says nothing.
fn builder(args: &UpArgs, config: Config) -> EmulatorBuilder {
    let mut builder = Emulator::builder(config)
        .certs_dir(&args.certs.certs_dir)
        .ports(PortChoice::Standard)
        // Every listener (flags, scenario, state file, reloads) is checked by the library's one
        // rule; the flag is its opt-in.
        .allow_non_loopback(args.allow_non_loopback);
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
    builder
}

/// SIGHUP: reads the scenario again; a bad one leaves the running one in force. With a state
/// directory, the control plane's state is kept instead (see `ReloadError::StateKept`). Fails
/// only when the ready file cannot be written.
fn reload(args: &UpArgs, origin: &ConfigOrigin, emulator: &mut Emulator) -> anyhow::Result<()> {
    let reloaded = load(&args.source)
        .map_err(|e| e.to_string())
        .and_then(|(config, warnings)| {
            print_warnings(&warnings);
            match emulator.reload(config) {
                Err(kept @ ReloadError::StateKept { .. }) => Ok(Err(kept)),
                other => other.map(Ok).map_err(|e| e.to_string()),
            }
        });
    match reloaded {
        Ok(Ok(warnings)) => {
            print_warnings(&warnings);
            tracing::info!("reloaded {origin}");
            eprintln!("reloaded: {origin}");
            if let Some(path) = &args.ready_file {
                write_ready_file(path, emulator.ready_info())?;
            }
        }
        Ok(Err(kept)) => {
            tracing::info!("{kept}");
            eprintln!("reload: {kept}");
        }
        Err(e) => {
            eprintln!("error: reload refused, still serving the previous scenario: {e}");
        }
    }
    Ok(())
}
