//! Reading a curl command line as curl reads it: the method, URL, headers, body and
//! `--resolve` that `explain` needs.

use std::net::IpAddr;

use bytes::Bytes;

/// The request to explain, as a curl command line describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRequest {
    /// `GET`, `POST`, … (`-X`; `-I` alone is HEAD; a body alone is POST).
    pub method: String,
    /// The host in the URL.
    pub host: String,
    /// The port in the URL (443 by default).
    pub port: u16,
    /// Path and query.
    pub target: String,
    /// `-H` headers, in order.
    pub headers: Vec<(String, String)>,
    /// `-d` / `--data*`.
    pub body: Bytes,
    /// `--resolve host:port:addr`: the address curl connects to without DNS.
    pub resolve: Option<IpAddr>,
    /// The client's own address (who it stands for comes from `emulator.clients`).
    pub source: IpAddr,
}

/// Why a curl command line cannot be explained; each says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CurlError {
    /// An option that takes a value came last.
    #[error("curl option {0} needs a value")]
    MissingValue(String),
    /// `-H` without `name:`.
    #[error("header {0:?} has no ':'")]
    HeaderWithoutColon(String),
    /// `--resolve` not as `host:port:address`.
    #[error("--resolve {0:?}: expected host:port:address")]
    BadResolve(String),
    /// No URL among the arguments.
    #[error("no URL in the curl command")]
    NoUrl,
    /// The URL is not `https://`.
    #[error("{0}: execute-api endpoints are HTTPS only")]
    NotHttps(String),
    /// The port is not a number below 65536.
    #[error("bad port in {0}")]
    BadPort(String),
}

/// Parses curl's arguments (without the word `curl` itself).
pub fn parse_curl(args: &[String], source: IpAddr) -> Result<ExplainRequest, CurlError> {
    let options = CurlOptions::read(args)?;
    let url = options.url.ok_or(CurlError::NoUrl)?;
    let (host, port, target) = split_url(&url)?;
    let method = options.method.unwrap_or_else(|| {
        if options.head {
            "HEAD".into()
        } else if options.body.is_empty() {
            "GET".into()
        } else {
            "POST".into()
        }
    });
    Ok(ExplainRequest {
        method,
        host: host.to_ascii_lowercase(),
        port,
        target,
        headers: options.headers,
        body: Bytes::from(options.body),
        resolve: options.resolve,
        source,
    })
}

/// What curl's options say, before the URL is taken apart.
#[derive(Default)]
struct CurlOptions {
    method: Option<String>,
    /// `-I`.
    head: bool,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    url: Option<String>,
    resolve: Option<IpAddr>,
}

impl CurlOptions {
    fn read(args: &[String]) -> Result<CurlOptions, CurlError> {
        let mut options = CurlOptions::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            options.take(arg, &mut it)?;
        }
        Ok(options)
    }

    /// Takes one argument, and the value after it from `rest` when the option has one.
    fn take(
        &mut self,
        arg: &str,
        rest: &mut std::slice::Iter<'_, String>,
    ) -> Result<(), CurlError> {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| CurlError::MissingValue(arg.to_string()))
        };
        match arg {
            "-X" | "--request" => self.method = Some(value()?),
            "-H" | "--header" => self.headers.push(header(&value()?)?),
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                self.body.extend_from_slice(value()?.as_bytes())
            }
            "--resolve" => self.resolve = Some(resolve_address(&value()?)?),
            "-A" | "--user-agent" => self.headers.push(("User-Agent".into(), value()?)),
            "--cacert" | "-o" | "--output" | "-w" | "--write-out" | "-m" | "--max-time"
            | "--connect-timeout" | "--request-target" | "-u" | "--user" => {
                value()?;
            }
            a if a.starts_with("--") => {}
            a if a.starts_with('-') && a.len() > 1 => {
                // Combined short flags such as -IX GET, -sS, -ik.
                let flags = &a[1..];
                self.head |= flags.contains('I');
                if let Some(pos) = flags.find('X') {
                    let rest = &flags[pos + 1..];
                    self.method = Some(if rest.is_empty() {
                        value()?
                    } else {
                        rest.to_string()
                    });
                }
            }
            a => self.url = Some(a.to_string()),
        }
        Ok(())
    }
}

/// `-H 'name: value'`.
fn header(h: &str) -> Result<(String, String), CurlError> {
    let (k, v) = h
        .split_once(':')
        .ok_or_else(|| CurlError::HeaderWithoutColon(h.to_string()))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

/// The address of `--resolve host:port:address`.
fn resolve_address(spec: &str) -> Result<IpAddr, CurlError> {
    let address = spec.rsplit(':').next().unwrap_or_default();
    address
        .trim_matches(['[', ']'])
        .parse()
        .map_err(|_| CurlError::BadResolve(spec.to_string()))
}

/// An `https://` URL's host, port (443 by default) and path with query (`/` by default).
fn split_url(url: &str) -> Result<(String, u16, String), CurlError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| CurlError::NotHttps(url.to_string()))?;
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (
            h.to_string(),
            p.parse().map_err(|_| CurlError::BadPort(url.to_string()))?,
        ),
        _ => (authority.to_string(), 443),
    };
    Ok((host, port, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_command_lines_are_read_as_curl_reads_them() {
        let args: Vec<String> = [
            "-IX",
            "GET",
            "-H",
            "x-apigw-api-id:chw1a2q2xk",
            "https://vpce-1.example:8443/test?x=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = parse_curl(&args, "127.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.host, "vpce-1.example");
        assert_eq!(r.port, 8443);
        assert_eq!(r.target, "/test?x=1");
        assert_eq!(
            r.headers,
            vec![("x-apigw-api-id".to_string(), "chw1a2q2xk".to_string())]
        );
        let args: Vec<String> = ["-I", "--resolve", "a:443:127.0.1.1", "https://a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = parse_curl(&args, "127.0.0.1".parse().unwrap()).unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("HEAD", "/"));
        assert_eq!(r.resolve, Some("127.0.1.1".parse().unwrap()));
        let args: Vec<String> = ["-d", "x", "http://a/"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            parse_curl(&args, "127.0.0.1".parse().unwrap()).unwrap_err(),
            CurlError::NotHttps("http://a/".to_string())
        );
    }
}
