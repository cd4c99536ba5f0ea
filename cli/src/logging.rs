//! Logging for `up`: to stderr, coloured on a terminal, `RUST_LOG` when set.

use std::io::IsTerminal;

/// Installs the subscriber; `RUST_LOG` overrides the default filter.
pub(crate) fn init_logging() {
    // hickory logs every query at INFO, which costs about a fifth of DNS throughput.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,hickory_server=warn,hickory_proto=warn,hickory_net=warn",
        )
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
