//! `apigw-emulator explain [--send] -- curl …`: one request step by step against the scenario,
//! run in-process on free ports, and the smallest fix when it fails. Without `--send` it is a
//! dry run: no backend or function is called.

use std::process::ExitCode;

use apigw_emulator::teach::explain::{explain_as, Mode};
use apigw_emulator::{Emulator, StartError};

use crate::scenario::load;
use crate::{ScenarioArgs, UsageError};

/// `explain`'s switches.
pub(crate) struct Options {
    /// Send the request for real.
    pub(crate) send: bool,
    /// Serve a scenario whose addresses are not loopback.
    pub(crate) allow_non_loopback: bool,
}

/// `apigw-emulator explain -- curl …`: runs the scenario in-process on free ports.
pub(crate) fn explain_command(
    source: &ScenarioArgs,
    from: std::net::IpAddr,
    options: Options,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let mode = if options.send {
        Mode::Send
    } else {
        Mode::DryRun
    };
    let args = match command.split_first() {
        Some((first, rest)) if first == "curl" => rest,
        _ => command,
    };
    let request = apigw_emulator::teach::explain::parse_curl(args, from)
        .map_err(|e| UsageError(e.to_string()))?;
    let (config, _) = load(source)?;
    let explanation = crate::runtime()?.block_on(async {
        let emulator = Emulator::builder(config)
            .allow_non_loopback(options.allow_non_loopback)
            .start()
            .await?;
        let explanation = explain_as(&emulator, &request, mode).await;
        emulator.shutdown().await;
        Ok::<_, StartError>(explanation)
    })?;
    for (i, step) in explanation.steps.iter().enumerate() {
        println!("{:>2}. {step}", i + 1);
    }
    // A dry run that reaches the integration found nothing to fix.
    let success = explanation.would_call.is_some()
        || explanation
            .response
            .as_ref()
            .is_some_and(|r| (200..400).contains(&r.status));
    if let Some(called) = &explanation.would_call {
        println!("\nNot sent (a dry run); it would call {called}. Add --send to send it.");
    } else if explanation.response.is_none() {
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
