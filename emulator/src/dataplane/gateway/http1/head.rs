//! What a parsed request head means, checked as strictly as RFC 9112 asks: the body's framing
//! (`Content-Length`, `Transfer-Encoding`, chunk sizes), the one `Host`, and the request
//! target's form. Anything ambiguous is refused, since two readers disagreeing about where a
//! request ends is how request smuggling starts.

use bytes::Bytes;

use super::ReadError;
use crate::dataplane::gateway::GatewayRequest;

/// 400 Bad Request: malformed or ambiguous.
const BAD: ReadError = ReadError::Refuse(400);

/// How the request body is delimited.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Framing {
    None,
    Length(usize),
    Chunked,
}

/// The transfer codings a request names, over all its `Transfer-Encoding` lines, in order.
#[derive(Default)]
struct TransferCodings {
    present: bool,
    /// `chunked` appeared, and is the last coding so far.
    chunked_last: bool,
    /// A coding followed `chunked`, or `chunked` came twice: the body's end is unknowable.
    misplaced: bool,
    /// A coding other than `chunked` (we decode none).
    unsupported: bool,
}

impl TransferCodings {
    fn add(&mut self, value: &str) {
        self.present = true;
        // A list: empty elements are allowed and mean nothing (RFC 9110, 5.6.1).
        for coding in value.split(',').map(|t| t.trim_matches([' ', '\t'])) {
            if coding.is_empty() {
                continue;
            }
            let chunked = coding.eq_ignore_ascii_case("chunked");
            // Anything after a chunked, a second chunked included (RFC 9112, 6.1).
            self.misplaced |= self.chunked_last;
            self.chunked_last = chunked;
            self.unsupported |= !chunked;
        }
    }

    /// RFC 9112, 6.1: chunked not last is a 400 (the framing cannot be known); a coding we do
    /// not decode is a 501. An empty value names no coding at all: 400.
    fn chunked(&self) -> Result<bool, ReadError> {
        if !self.present {
            Ok(false)
        } else if self.misplaced {
            Err(BAD)
        } else if self.unsupported {
            Err(ReadError::Refuse(501))
        } else if self.chunked_last {
            Ok(true)
        } else {
            Err(BAD)
        }
    }
}

/// `Content-Length = 1*DIGIT` (RFC 9112, 6.2): `+4`, `-4`, `0x4`, `4 4` are invalid. Digits too
/// many for a `usize` are valid syntax for a body over every limit: they saturate, and get 413.
fn content_length(value: &str) -> Result<usize, ReadError> {
    let digits = value.trim_matches([' ', '\t']);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BAD);
    }
    Ok(digits.parse().unwrap_or(usize::MAX))
}

/// What the head's headers say about framing and the connection.
struct HeadFacts {
    content_length: Option<usize>,
    codings: TransferCodings,
    hosts: usize,
    connection_close: bool,
    expect_continue: bool,
}

impl HeadFacts {
    fn note(&mut self, name: &str, value: &str, minor: u8) -> Result<(), ReadError> {
        if name.eq_ignore_ascii_case("content-length") {
            let n = content_length(value)?;
            if self.content_length.is_some_and(|old| old != n) {
                return Err(BAD);
            }
            self.content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            self.codings.add(value);
        } else if name.eq_ignore_ascii_case("host") {
            self.hosts += 1;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    self.connection_close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") && minor == 0 {
                    self.connection_close = false;
                }
            }
        } else if name.eq_ignore_ascii_case("expect")
            && value.trim().eq_ignore_ascii_case("100-continue")
        {
            self.expect_continue = true;
        }
        Ok(())
    }

    fn framing(&self) -> Result<Framing, ReadError> {
        // RFC 9112, 3.2: more than one Host is a 400 (which one names the API would be a guess).
        if self.hosts > 1 {
            return Err(BAD);
        }
        // Both framings at once is how request smuggling starts: refuse it.
        Ok(match (self.codings.chunked()?, self.content_length) {
            (true, Some(_)) => return Err(BAD),
            (true, None) => Framing::Chunked,
            (false, Some(0)) | (false, None) => Framing::None,
            (false, Some(n)) => Framing::Length(n),
        })
    }
}

/// The request as the gateway sees it, and how its body is framed.
pub(super) fn parse_request(
    req: &httparse::Request<'_, '_>,
) -> Result<(GatewayRequest, Framing), ReadError> {
    let method = req.method.ok_or(BAD)?;
    let target = req.path.ok_or(BAD)?;
    let minor = req.version.ok_or(BAD)?;
    let mut headers = Vec::with_capacity(req.headers.len());
    let mut facts = HeadFacts {
        content_length: None,
        codings: TransferCodings::default(),
        hosts: 0,
        connection_close: minor == 0,
        expect_continue: false,
    };
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value).into_owned();
        facts.note(h.name, &value, minor)?;
        headers.push((h.name.to_string(), value));
    }
    let framing = facts.framing()?;
    let target = request_target(method, target, &mut headers)?;
    let request = GatewayRequest {
        method: method.to_string(),
        target,
        headers,
        body: Bytes::new(),
        connection_close: facts.connection_close,
        expect_continue: facts.expect_continue,
        http2: false,
    };
    Ok((request, framing))
}

/// The target in one of the four forms of RFC 9112, 3.2, else 400: origin form (`/path?q`);
/// absolute form, whose authority stands for the Host (origin servers must accept it, 3.2.2);
/// asterisk form for OPTIONS and authority form for CONNECT, which name no stage and are
/// passed on as they are (the gateway answers them 403).
fn request_target(
    method: &str,
    target: &str,
    headers: &mut Vec<(String, String)>,
) -> Result<String, ReadError> {
    if target.starts_with('/') {
        return Ok(target.to_string());
    }
    if let Some((authority, origin_form)) = absolute_form(target) {
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("host"));
        headers.push(("Host".to_string(), authority.to_string()));
        return Ok(origin_form);
    }
    let allowed = match method {
        "OPTIONS" => target == "*",
        "CONNECT" => is_authority_form(target),
        _ => false,
    };
    if allowed {
        Ok(target.to_string())
    } else {
        Err(BAD)
    }
}

/// `https://host:port/path?q` → (`host:port`, `/path?q`).
pub(super) fn absolute_form(target: &str) -> Option<(&str, String)> {
    let lower = target.get(..8)?.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &target[8..]
    } else if lower.starts_with("http://") {
        &target[7..]
    } else {
        return None;
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    (!authority.is_empty()).then_some((authority, path))
}

/// `host:port`, the port in digits (RFC 9112, 3.2.3).
fn is_authority_form(target: &str) -> bool {
    let Some((host, port)) = target.rsplit_once(':') else {
        return false;
    };
    !host.is_empty()
        && !host.contains(['/', '?', '#', '@'])
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// The size on a chunk's first line: `1*HEXDIG`, then optional whitespace (BWS) and extensions,
/// which are skipped but may hold no control characters (a bare CR or LF there is a smuggling
/// trick). More hex digits than a `usize` holds saturate: a chunk that large is over every
/// limit, and gets 413.
pub(super) fn chunk_size(line: &[u8]) -> Result<usize, ReadError> {
    let end = line.iter().position(|&b| b == b';').unwrap_or(line.len());
    let (digits, extensions) = line.split_at(end);
    if extensions
        .iter()
        .any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(BAD);
    }
    let digits = digits.trim_ascii_end();
    if digits.is_empty() {
        return Err(BAD);
    }
    let mut size: usize = 0;
    for &b in digits {
        let digit = char::from(b).to_digit(16).ok_or(BAD)?;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(digit as usize))
            .unwrap_or(usize::MAX);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_form_targets_become_origin_form() {
        assert_eq!(
            absolute_form("https://a.example:8443/test/pets?x=1"),
            Some(("a.example:8443", "/test/pets?x=1".to_string()))
        );
        assert_eq!(
            absolute_form("HTTP://a.example?x"),
            Some(("a.example", "/?x".to_string()))
        );
        assert_eq!(absolute_form("/test"), None);
        assert_eq!(absolute_form("https:///x"), None);
        assert_eq!(absolute_form("h"), None);
    }

    #[test]
    fn chunk_sizes_saturate_instead_of_wrapping() {
        assert_eq!(chunk_size(b"ffffffffffffffff"), Ok(usize::MAX));
        assert_eq!(chunk_size(b"1ffffffffffffffff0"), Ok(usize::MAX));
        assert_eq!(chunk_size(b"A;ext=\"v\""), Ok(10));
        assert_eq!(chunk_size(b"0\t"), Ok(0));
        assert_eq!(chunk_size(b"+a"), Err(BAD));
        assert_eq!(chunk_size(b";x"), Err(BAD));
    }

    #[test]
    fn content_lengths_saturate_instead_of_failing() {
        assert_eq!(content_length(" 12\t"), Ok(12));
        assert_eq!(content_length("184467440737095516160"), Ok(usize::MAX));
        assert_eq!(content_length("+1"), Err(BAD));
        assert_eq!(content_length("1_0"), Err(BAD));
    }
}
