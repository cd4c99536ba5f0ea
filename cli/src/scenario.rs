//! Reading the scenario the command line names (a scenario file, a template, both, or the
//! seed), its warnings, and `apigw-emulator validate`.

use std::process::ExitCode;

use apigw_emulator::scenario::cloudformation::{self, TemplateOptions};
use apigw_emulator::{Config, ConfigError, Topology};

use crate::{ScenarioArgs, UsageError};

/// Loads the scenario, with the warnings a template produced.
pub(crate) fn load(source: &ScenarioArgs) -> anyhow::Result<(Config, Vec<ConfigError>)> {
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
pub(crate) fn print_warnings<'w>(warnings: impl IntoIterator<Item = &'w ConfigError>) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// `apigw-emulator validate`: the scenario's warnings and what it defines.
pub(crate) fn validate_command(source: &ScenarioArgs) -> anyhow::Result<ExitCode> {
    let (config, warnings) = load(source)?;
    print_warnings(&warnings);
    let topology = Topology::from_config(&config)?;
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
