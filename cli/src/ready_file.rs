//! The ready file: `up --ready-file` writes it once DNS and HTTPS listen (and again after a
//! reload); `healthcheck` reads it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use apigw_emulator::ReadyInfo;

/// Written through a temporary file so a waiting script never reads half of it.
pub(crate) fn write_ready_file(path: &Path, ready: &ReadyInfo) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_string_pretty(ready)?;
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `apigw-emulator healthcheck`: 0 when the ready file names the DNS address, 1 otherwise.
pub(crate) fn healthcheck_command(ready_file: &Path) -> anyhow::Result<ExitCode> {
    let ready = std::fs::read_to_string(ready_file)
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
