//! Binding the listeners: the port each service gets when neither the caller nor the scenario
//! sets one ([`PortChoice`]), the sockets themselves, and bind errors that say how to fix them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::net::{TcpListener, TcpSocket, UdpSocket};

use super::StartError;

/// Which ports to use where the scenario leaves them unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortChoice {
    /// Free ports picked by the system (library and tests).
    Ephemeral,
    /// 53 and 443 when the process may bind them, else 8053 and 8443 (the CLI).
    Standard,
}

/// How one service is named and which ports [`PortChoice::Standard`] gives it.
pub(super) struct Service {
    /// How start-up notes name it.
    in_notes: &'static str,
    /// How bind errors name it.
    pub(super) in_errors: &'static str,
    /// The port tried first, as on AWS.
    standard: u16,
    /// What it falls back to when the process may not bind that (0: a free one).
    fallback: u16,
}

pub(super) const DNS: Service = Service {
    in_notes: "DNS",
    in_errors: "DNS",
    standard: 53,
    fallback: 8053,
};

pub(super) const HTTPS: Service = Service {
    in_notes: "HTTPS",
    in_errors: "HTTPS",
    standard: 443,
    fallback: 8443,
};

/// LocalStack's port, so `--endpoint-url http://localhost:4566` scripts work unchanged.
pub(super) const CONTROL_PLANE: Service = Service {
    in_notes: "control plane",
    in_errors: "the control plane",
    standard: 4566,
    fallback: 0,
};

/// How often port 0 on several addresses is retried when the picked port is taken on one.
const PORT_ATTEMPTS: usize = 20;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// What a failed bind reports: the address tried and what the system said.
type BindFailure = (SocketAddr, std::io::Error);

/// Binds `service` with `bind` on the port `asked` for (by the caller or the scenario), else on
/// the one `choice` gives it; a standard port that cannot be bound gives way to the fallback,
/// with a note saying so. Returns what `bind` made and the port it got.
async fn bind_service<L>(
    service: &Service,
    asked: Option<u16>,
    choice: PortChoice,
    notes: &mut Vec<String>,
    mut bind: impl AsyncFnMut(u16) -> Result<(L, u16), BindFailure>,
) -> Result<(L, u16), StartError> {
    let failed = |(addr, e): BindFailure| bind_error(service.in_errors, addr, e);
    match (asked, choice) {
        (Some(port), _) => bind(port).await.map_err(failed),
        (None, PortChoice::Ephemeral) => bind(0).await.map_err(failed),
        (None, PortChoice::Standard) => match bind(service.standard).await {
            Ok(bound) => Ok(bound),
            Err((_, e)) => {
                let (bound, port) = bind(service.fallback).await.map_err(failed)?;
                notes.push(format!(
                    "{} on port {port}: port {} is not available ({e})",
                    service.in_notes, service.standard
                ));
                Ok((bound, port))
            }
        },
    }
}

/// The DNS server's UDP socket and TCP listener, on `asked` (default: 127.0.0.1 and the port
/// `choice` gives).
pub(super) async fn bind_dns(
    asked: Option<SocketAddr>,
    choice: PortChoice,
    notes: &mut Vec<String>,
) -> Result<(UdpSocket, TcpListener), StartError> {
    let ip = asked.map_or(LOCALHOST, |a| a.ip());
    let asked_port = asked.map(|a| a.port());
    let (sockets, _) = bind_service(&DNS, asked_port, choice, notes, async |port| {
        let addr = SocketAddr::new(ip, port);
        dns_sockets(addr).await.map_err(|e| (addr, e))
    })
    .await?;
    Ok(sockets)
}

/// One HTTPS listener per endpoint address, all on one port, and that port. Without addresses
/// (no endpoints yet), a probe on 127.0.0.1 still picks the port that endpoints created later
/// through the control plane will listen on, and no listener is returned.
pub(super) async fn bind_https(
    addresses: Vec<IpAddr>,
    asked: Option<u16>,
    choice: PortChoice,
    notes: &mut Vec<String>,
) -> Result<(Vec<TcpListener>, u16), StartError> {
    let probe_only = addresses.is_empty();
    let addresses = if probe_only {
        vec![LOCALHOST]
    } else {
        addresses
    };
    let (listeners, port) = bind_service(&HTTPS, asked, choice, notes, async |port| {
        https_listeners(&addresses, port)
    })
    .await?;
    Ok((if probe_only { Vec::new() } else { listeners }, port))
}

/// The control plane's listener, on `asked` (default: 127.0.0.1 and the port `choice` gives).
pub(super) async fn bind_control_plane(
    asked: Option<SocketAddr>,
    choice: PortChoice,
    notes: &mut Vec<String>,
) -> Result<TcpListener, StartError> {
    let ip = asked.map_or(LOCALHOST, |a| a.ip());
    let asked_port = asked.map(|a| a.port());
    let (listener, _) = bind_service(&CONTROL_PLANE, asked_port, choice, notes, async |port| {
        let addr = SocketAddr::new(ip, port);
        tcp_listener(addr)
            .and_then(|l| Ok((l.local_addr()?.port(), l)))
            .map(|(port, l)| (l, port))
            .map_err(|e| (addr, e))
    })
    .await?;
    Ok(listener)
}

pub(super) fn bind_error(
    what: impl Into<String>,
    addr: SocketAddr,
    source: std::io::Error,
) -> StartError {
    let hint = match source.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            " (ports below 1024 need root or CAP_NET_BIND_SERVICE; choose another port, e.g. {})",
            if addr.port() == DNS.standard { DNS.fallback } else { HTTPS.fallback }
        ),
        std::io::ErrorKind::AddrInUse => " (another process uses it; stop it, or choose another port, or 0 for a free one)".to_string(),
        std::io::ErrorKind::AddrNotAvailable => {
            " (the address is not on this machine; on macOS add loopback aliases: sudo ifconfig lo0 alias <address>)".to_string()
        }
        _ => String::new(),
    };
    StartError::Bind {
        what: what.into(),
        addr,
        source,
        hint,
    }
}

pub(super) fn tcp_listener(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    // tokio's default backlog of 128 drops bursts of test clients.
    socket.listen(1024)
}

/// UDP and TCP on one port (`0` picks one free for both), and that port.
async fn dns_sockets(addr: SocketAddr) -> std::io::Result<((UdpSocket, TcpListener), u16)> {
    let mut last = None;
    for _ in 0..PORT_ATTEMPTS {
        let udp = UdpSocket::bind(addr).await?;
        let port = udp.local_addr()?.port();
        match tcp_listener(SocketAddr::new(addr.ip(), port)) {
            Ok(tcp) => return Ok(((udp, tcp), port)),
            Err(e) if addr.port() == 0 && e.kind() == std::io::ErrorKind::AddrInUse => {
                last = Some(e)
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port")))
}

/// Binds one listener per address, all on the same port (`0` picks one free on all of them),
/// and returns them with that port.
fn https_listeners(
    addresses: &[IpAddr],
    port: u16,
) -> Result<(Vec<TcpListener>, u16), BindFailure> {
    let mut last = None;
    for _ in 0..PORT_ATTEMPTS {
        let mut listeners = Vec::with_capacity(addresses.len());
        let mut chosen = port;
        let mut failed = None;
        for ip in addresses {
            let addr = SocketAddr::new(*ip, chosen);
            match tcp_listener(addr).and_then(|l| l.local_addr().map(|a| (l, a))) {
                Ok((listener, local)) => {
                    chosen = local.port();
                    listeners.push(listener);
                }
                Err(e) => {
                    failed = Some((addr, e));
                    break;
                }
            }
        }
        match failed {
            None => return Ok((listeners, chosen)),
            Some((_, e)) if port == 0 && e.kind() == std::io::ErrorKind::AddrInUse => {
                last = Some(e)
            }
            Some(f) => return Err(f),
        }
    }
    let addr = SocketAddr::new(addresses.first().copied().unwrap_or(LOCALHOST), port);
    Err((
        addr,
        last.unwrap_or_else(|| std::io::Error::other("no free port")),
    ))
}
