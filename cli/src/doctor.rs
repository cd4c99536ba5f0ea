//! `apigw-emulator doctor`: checks this machine for the walkthrough and prints the command
//! that fixes each problem.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::scenario::load;
use crate::ScenarioArgs;

/// `apigw-emulator doctor`.
pub(crate) fn doctor_command(source: &ScenarioArgs, certs_dir: &Path) -> anyhow::Result<ExitCode> {
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
