//! Who may talk to the control plane: the checks every request passes before it is routed
//! ("Who may call the control plane" in docs/decisions.md).
//!
//! A web page the user visits can make the browser send requests to `127.0.0.1:4566`: simple
//! cross-site POSTs (forms, `text/plain`), and, through DNS rebinding (a name of the attacker's
//! that resolves to 127.0.0.1), requests whose answers it can read. The AWS CLI, boto3 and the
//! SDKs send EC2 Query calls as `application/x-www-form-urlencoded` POSTs too, so the content
//! type cannot tell them apart; what can:
//! - the `Host` a browser sends is the name in the page's URL: a rebinding name is refused, only
//!   `localhost`, a loopback address or the address the connection arrived on are served;
//! - a browser marks what a page sends (`Origin`, `Sec-Fetch-Site`, `Referer`), and cannot set
//!   `Authorization` on a cross-site request without a CORS preflight, which the control plane
//!   never grants: a call to a service must carry the SigV4 `Authorization` header and no mark
//!   of another origin;
//! - the console's only write (sending an explained request for real) carries a token that
//!   only the console's own pages know.

use std::net::{IpAddr, SocketAddr};

use super::ControlRequest;

/// Why a request was refused before it was routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// No `Host`, or more than one.
    #[error("the request must carry exactly one Host header")]
    NoHost,
    /// A `Host` naming something other than this machine's loopback or listen address (DNS
    /// rebinding).
    #[error("Host {0:?} is not localhost, a loopback address or the control plane's address")]
    ForeignHost(String),
    /// A browser sent it from another origin.
    #[error(
        "{header} {value:?} is another origin: the control plane takes no calls from web pages"
    )]
    CrossOrigin {
        /// `Origin`, `Sec-Fetch-Site` or `Referer`.
        header: &'static str,
        /// What it said.
        value: String,
    },
    /// A call to a service without the SigV4 `Authorization` header (credentials in the query
    /// string prove nothing: any page can put them in a URL).
    #[error(
        "the call carries no SigV4 Authorization header; the AWS CLI and SDKs always send one"
    )]
    Unsigned,
    /// A console form sent without the console's token.
    #[error("the form carries no valid console token; reload the page and send it again")]
    BadToken,
}

/// What a request is for, as far as the guard cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A call to EC2 or API Gateway.
    Service,
    /// A console page (`GET`, reads only).
    ConsoleRead,
    /// A console form that changes something outside the page (`POST`).
    ConsoleWrite,
}

/// Checks `request`, which arrived on `local`, for `purpose`; `token` is the console's.
pub fn check(
    request: &ControlRequest,
    local: SocketAddr,
    purpose: Purpose,
    token: &str,
) -> Result<(), GuardError> {
    let host = single_host(request)?;
    if !allowed_host(host, local.ip()) {
        return Err(GuardError::ForeignHost(host.to_string()));
    }
    if purpose == Purpose::ConsoleRead {
        // Reads: another origin cannot see the answer (no CORS), and rebinding is refused above.
        return Ok(());
    }
    same_origin(request, host)?;
    match purpose {
        Purpose::Service if !signed(request) => Err(GuardError::Unsigned),
        Purpose::ConsoleWrite if !token_matches(request, token) => Err(GuardError::BadToken),
        _ => Ok(()),
    }
}

fn single_host(request: &ControlRequest) -> Result<&str, GuardError> {
    let mut hosts = request.headers.get_all(http::header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().map_err(|_| GuardError::NoHost),
        _ => Err(GuardError::NoHost),
    }
}

/// `localhost`, a loopback address or `local`, each with or without a port. A trailing dot
/// (`localhost.`) is refused: that name goes to DNS, where anyone may answer it.
pub fn allowed_host(host: &str, local: IpAddr) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((inside, rest)) if port_suffix(rest) => inside,
            _ => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        },
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == local,
        Err(_) => false,
    }
}

/// Empty, or `:` and a port number.
fn port_suffix(rest: &str) -> bool {
    rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port)
}

fn is_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// No mark of another origin: `Origin` and `Referer`, when sent, name `http://<Host>`;
/// `Sec-Fetch-Site`, when sent, is `same-origin` or `none` (typed by the user).
fn same_origin(request: &ControlRequest, host: &str) -> Result<(), GuardError> {
    let cross = |header: &'static str, value: &str| GuardError::CrossOrigin {
        header,
        value: value.to_string(),
    };
    if let Some(origin) = request.header("origin") {
        if !is_own_origin(origin, host) {
            return Err(cross("Origin", origin));
        }
    }
    if let Some(site) = request.header("sec-fetch-site") {
        if !site.eq_ignore_ascii_case("same-origin") && !site.eq_ignore_ascii_case("none") {
            return Err(cross("Sec-Fetch-Site", site));
        }
    }
    if let Some(referer) = request.header("referer") {
        let origin = referer
            .find("://")
            .map(|i| {
                let after = &referer[i + 3..];
                &referer[..i + 3 + after.find(['/', '?', '#']).unwrap_or(after.len())]
            })
            .unwrap_or(referer);
        if !is_own_origin(origin, host) {
            return Err(cross("Referer", referer));
        }
    }
    // Headers that are not text are not a browser's: they carry no origin to compare.
    Ok(())
}

fn is_own_origin(origin: &str, host: &str) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

fn signed(request: &ControlRequest) -> bool {
    request
        .header("authorization")
        .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"))
}

/// The form field `token` of an `application/x-www-form-urlencoded` body equals `token`.
fn token_matches(request: &ControlRequest, token: &str) -> bool {
    let form = request
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let Ok(body) = std::str::from_utf8(&request.body) else {
        return false;
    };
    form && super::server::parse_query(body)
        .iter()
        .any(|(k, v)| k == "token" && constant_time_eq(v.as_bytes(), token.as_bytes()))
}

/// Compares without stopping at the first difference, so timing does not reveal the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = "127.0.0.1:4566";

    fn request(headers: &[(&str, &str)], body: &str) -> ControlRequest {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.append(
                http::HeaderName::from_bytes(k.as_bytes()).expect("a name"),
                http::HeaderValue::from_str(v).expect("a value"),
            );
        }
        ControlRequest {
            method: http::Method::POST,
            path: "/".to_string(),
            query: Vec::new(),
            headers: map,
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    fn checked(headers: &[(&str, &str)], purpose: Purpose) -> Result<(), GuardError> {
        let local: SocketAddr = LOCAL.parse().expect("an address");
        check(&request(headers, "token=t0k"), local, purpose, "t0k")
    }

    #[test]
    fn hosts_are_loopback_localhost_or_the_listen_address() {
        let local: IpAddr = "192.0.2.7".parse().expect("an address");
        for ok in [
            "localhost",
            "LOCALHOST:4566",
            "127.0.0.1",
            "127.8.9.1:80",
            "[::1]",
            "[::1]:4566",
            "192.0.2.7:4566",
        ] {
            assert!(allowed_host(ok, local), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4566",
            "localhost.",
            "localhost.evil.example",
            "192.0.2.8",
            "127.0.0.1:x",
            "127.0.0.1:",
            "[::1",
            "[::1]x",
            "::1",
            "",
        ] {
            assert!(!allowed_host(bad, local), "{bad}");
        }
    }

    #[test]
    fn the_aws_cli_passes_and_browser_marks_are_refused() {
        let cli = [
            ("host", LOCAL),
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/ec2/aws4_request",
            ),
        ];
        assert_eq!(checked(&cli, Purpose::Service), Ok(()));
        let mut evil = cli.to_vec();
        evil.push(("origin", "http://evil.example"));
        assert!(matches!(
            checked(&evil, Purpose::Service),
            Err(GuardError::CrossOrigin {
                header: "Origin",
                ..
            })
        ));
        let mut site = cli.to_vec();
        site.push(("sec-fetch-site", "same-site"));
        assert!(checked(&site, Purpose::Service).is_err());
        let mut referer = cli.to_vec();
        referer.push(("referer", "http://127.0.0.1:4566.evil.example/x"));
        assert!(checked(&referer, Purpose::Service).is_err());
        let unsigned = [("host", LOCAL), ("content-type", "text/plain")];
        assert_eq!(
            checked(&unsigned, Purpose::Service),
            Err(GuardError::Unsigned)
        );
        assert_eq!(
            checked(&[("host", "evil.example")], Purpose::ConsoleRead),
            Err(GuardError::ForeignHost("evil.example".to_string()))
        );
        assert_eq!(
            checked(&[("host", LOCAL), ("host", LOCAL)], Purpose::ConsoleRead),
            Err(GuardError::NoHost)
        );
    }

    #[test]
    fn console_forms_need_the_token_and_their_own_origin() {
        let form = [
            ("host", LOCAL),
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", "http://127.0.0.1:4566"),
            ("sec-fetch-site", "same-origin"),
            ("referer", "http://127.0.0.1:4566/console/explain?command=x"),
        ];
        assert_eq!(checked(&form, Purpose::ConsoleWrite), Ok(()));
        let local: SocketAddr = LOCAL.parse().expect("an address");
        assert_eq!(
            check(
                &request(&form, "token=nope"),
                local,
                Purpose::ConsoleWrite,
                "t0k"
            ),
            Err(GuardError::BadToken)
        );
        let text = [("host", LOCAL), ("content-type", "text/plain")];
        assert_eq!(
            checked(&text, Purpose::ConsoleWrite),
            Err(GuardError::BadToken)
        );
    }
}
