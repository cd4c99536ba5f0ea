//! What the process is asked to do by signals while `up` serves: stop (Ctrl-C, SIGTERM) or
//! read the scenario again (SIGHUP, on Unix).

/// What a signal asks for.
pub(crate) enum Signal {
    /// SIGINT or SIGTERM.
    Stop,
    /// SIGHUP: read the scenario again.
    Reload,
}

/// Waits for the next signal; where SIGTERM and SIGHUP cannot be watched, for Ctrl-C alone.
pub(crate) async fn wait_for_signal() -> Signal {
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
