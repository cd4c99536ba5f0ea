//! HTTP/1.1 on one connection, written here rather than taken from hyper so that responses carry
//! API Gateway's header spelling and order byte for byte (`x-amzn-RequestId`, `Content-Type`, ...).
//! hyper writes every header name in lower case on HTTP/1 and offers no way to keep the case of
//! response headers, and clients such as `curl -i` show the bytes as sent.
//!
//! Requests are parsed with `httparse`; bodies come by `Content-Length` or chunked encoding;
//! `Expect: 100-continue` is honoured; connections are kept alive unless the client asks
//! otherwise (HTTP/1.0, `Connection: close`).

use std::future::Future;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use super::response::GatewayResponse;
use super::GatewayRequest;

/// Limits of the HTTP/1.1 reader.
#[derive(Debug, Clone)]
pub struct Http1Limits {
    /// Largest request line plus headers.
    pub max_head_bytes: usize,
    /// Most headers in one request.
    pub max_headers: usize,
    /// Largest body (API Gateway's payload limit is 10 MB).
    pub max_body_bytes: usize,
    /// How long a kept-alive connection may sit idle.
    pub idle_timeout: Duration,
    /// How long a started request may take to arrive.
    pub request_timeout: Duration,
    /// How long a TLS handshake may take.
    pub handshake_timeout: Duration,
}

impl Default for Http1Limits {
    fn default() -> Self {
        Http1Limits {
            max_head_bytes: 32 * 1024,
            max_headers: 128,
            max_body_bytes: 10 * 1024 * 1024,
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// A request that could not be read; answered with a bare status and the connection closed.
#[derive(Debug)]
enum ReadError {
    /// The peer went away or was too slow; nothing to answer.
    Gone,
    /// Malformed or too large: answer with this status and close.
    Refuse(u16),
}

struct Conn<IO> {
    io: IO,
    buf: BytesMut,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Conn<IO> {
    /// Reads more bytes; `Gone` on EOF, error or timeout.
    async fn fill(&mut self, timeout: Duration) -> Result<(), ReadError> {
        self.buf.reserve(8 * 1024);
        match tokio::time::timeout(timeout, self.io.read_buf(&mut self.buf)).await {
            Ok(Ok(n)) if n > 0 => Ok(()),
            _ => Err(ReadError::Gone),
        }
    }

    async fn read_head(
        &mut self,
        limits: &Http1Limits,
        first_wait: Duration,
    ) -> Result<(GatewayRequest, Framing), ReadError> {
        let mut wait = first_wait;
        loop {
            if !self.buf.is_empty() {
                let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
                let mut req = httparse::Request::new(&mut headers);
                match req.parse(&self.buf) {
                    // A head may arrive whole in one read: its size is checked either way.
                    Ok(httparse::Status::Complete(len)) if len > limits.max_head_bytes => {
                        return Err(ReadError::Refuse(431));
                    }
                    Ok(httparse::Status::Complete(len)) => {
                        let parsed = parse_request(&req)?;
                        self.buf.advance(len);
                        return Ok(parsed);
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > limits.max_head_bytes {
                            return Err(ReadError::Refuse(431));
                        }
                    }
                    Err(httparse::Error::TooManyHeaders) => return Err(ReadError::Refuse(431)),
                    Err(_) => return Err(ReadError::Refuse(400)),
                }
            }
            self.fill(wait).await?;
            wait = limits.request_timeout;
        }
    }

    async fn read_exact_body(
        &mut self,
        len: usize,
        limits: &Http1Limits,
    ) -> Result<Bytes, ReadError> {
        while self.buf.len() < len {
            self.fill(limits.request_timeout).await?;
        }
        Ok(self.buf.split_to(len).freeze())
    }

    async fn read_line(&mut self, limits: &Http1Limits) -> Result<BytesMut, ReadError> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.split_to(pos);
                self.buf.advance(2);
                return Ok(line);
            }
            if self.buf.len() > 4096 {
                return Err(ReadError::Refuse(400));
            }
            self.fill(limits.request_timeout).await?;
        }
    }

    async fn read_chunked_body(&mut self, limits: &Http1Limits) -> Result<Bytes, ReadError> {
        let mut body = BytesMut::new();
        loop {
            let line = self.read_line(limits).await?;
            let size_text = std::str::from_utf8(&line).map_err(|_| ReadError::Refuse(400))?;
            let size_text = size_text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Refuse(400))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.read_line(limits).await?.is_empty() {}
                return Ok(body.freeze());
            }
            if body.len() + size > limits.max_body_bytes {
                return Err(ReadError::Refuse(413));
            }
            let chunk = self.read_exact_body(size, limits).await?;
            body.extend_from_slice(&chunk);
            if !self.read_line(limits).await?.is_empty() {
                return Err(ReadError::Refuse(400));
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.io.write_all(bytes).await?;
        self.io.flush().await
    }
}

/// How the request body is delimited.
enum Framing {
    None,
    Length(usize),
    Chunked,
}

fn parse_request(req: &httparse::Request<'_, '_>) -> Result<(GatewayRequest, Framing), ReadError> {
    let method = req.method.ok_or(ReadError::Refuse(400))?.to_string();
    let target = req.path.ok_or(ReadError::Refuse(400))?.to_string();
    let minor = req.version.ok_or(ReadError::Refuse(400))?;
    let mut headers = Vec::with_capacity(req.headers.len());
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut connection_close = minor == 0;
    let mut expect_continue = false;
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value).into_owned();
        if h.name.eq_ignore_ascii_case("content-length") {
            let n: usize = value.trim().parse().map_err(|_| ReadError::Refuse(400))?;
            if content_length.is_some_and(|old| old != n) {
                return Err(ReadError::Refuse(400));
            }
            content_length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("chunked"))
            {
                chunked = true;
            } else {
                return Err(ReadError::Refuse(501));
            }
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    connection_close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") && minor == 0 {
                    connection_close = false;
                }
            }
        } else if h.name.eq_ignore_ascii_case("expect")
            && value.trim().eq_ignore_ascii_case("100-continue")
        {
            expect_continue = true;
        }
        headers.push((h.name.to_string(), value));
    }
    // The absolute form (`GET https://host/stage/path`) names the host itself; origin servers
    // must accept it and use its authority rather than the Host header (RFC 9112, 3.2.2).
    let target = match absolute_form(&target) {
        Some((authority, origin_form)) => {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("host"));
            headers.push(("Host".to_string(), authority.to_string()));
            origin_form
        }
        None => target,
    };
    // Both framings at once is how request smuggling starts: refuse it.
    let framing = match (chunked, content_length) {
        (true, Some(_)) => return Err(ReadError::Refuse(400)),
        (true, None) => Framing::Chunked,
        (false, Some(0)) | (false, None) => Framing::None,
        (false, Some(n)) => Framing::Length(n),
    };
    let request = GatewayRequest {
        method,
        target,
        headers,
        body: Bytes::new(),
        connection_close,
        expect_continue,
        http2: false,
    };
    Ok((request, framing))
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

/// Serializes a response in API Gateway's header order. `head_only` omits the body (HEAD).
pub fn encode_response(
    resp: &GatewayResponse,
    close: bool,
    head_only: bool,
    date: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + resp.body.len());
    let line = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    out.extend_from_slice(line.as_bytes());
    let fixed = format!(
        "Date: {date}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
        resp.content_type,
        resp.body.len(),
        if close { "close" } else { "keep-alive" }
    );
    out.extend_from_slice(fixed.as_bytes());
    for (name, value) in &resp.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
    out
}

/// `https://host:port/path?q` → (`host:port`, `/path?q`).
fn absolute_form(target: &str) -> Option<(&str, String)> {
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

fn bare_response(status: u16, date: &str) -> Vec<u8> {
    // A body over API Gateway's payload limit gets its message (inferred from public reports;
    // not in the recorded responses).
    let body: &str = if status == 413 {
        r#"{"message":"HTTP content length exceeded 10485760 bytes."}"#
    } else {
        ""
    };
    let content_type = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    format!(
        "HTTP/1.1 {status} {}\r\nDate: {date}\r\n{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    )
    .into_bytes()
}

/// The current time as an HTTP date, formatted once per second per thread.
pub fn http_date() -> String {
    super::clock::now().texts.http_date.clone()
}

/// Serves HTTP/1.1 requests on `io` until the client closes, a limit is hit, or `shutdown` fires
/// (the request in progress is finished first).
pub async fn serve<IO, F, Fut>(
    io: IO,
    limits: &Http1Limits,
    mut shutdown: watch::Receiver<bool>,
    mut handle: F,
) where
    IO: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(GatewayRequest) -> Fut,
    Fut: Future<Output = GatewayResponse>,
{
    let mut conn = Conn {
        io,
        buf: BytesMut::with_capacity(8 * 1024),
    };
    let mut first = true;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let wait = if first {
            limits.request_timeout
        } else {
            limits.idle_timeout
        };
        first = false;
        let head = tokio::select! {
            head = conn.read_head(limits, wait) => head,
            _ = shutdown.changed() => break,
        };
        let (mut request, framing) = match head {
            Ok(parsed) => parsed,
            Err(ReadError::Gone) => break,
            Err(ReadError::Refuse(status)) => {
                let _ = conn.write(&bare_response(status, &http_date())).await;
                break;
            }
        };
        // Too large is known from the head: refuse before inviting the body with 100 Continue.
        if matches!(framing, Framing::Length(n) if n > limits.max_body_bytes) {
            let _ = conn.write(&bare_response(413, &http_date())).await;
            break;
        }
        let body_expected = !matches!(framing, Framing::None);
        if request.expect_continue
            && body_expected
            && conn.write(b"HTTP/1.1 100 Continue\r\n\r\n").await.is_err()
        {
            break;
        }
        let body = match framing {
            Framing::None => Ok(Bytes::new()),
            Framing::Length(n) => conn.read_exact_body(n, limits).await,
            Framing::Chunked => conn.read_chunked_body(limits).await,
        };
        request.body = match body {
            Ok(b) => b,
            Err(ReadError::Gone) => break,
            Err(ReadError::Refuse(status)) => {
                let _ = conn.write(&bare_response(status, &http_date())).await;
                break;
            }
        };
        let close = request.connection_close || *shutdown.borrow();
        let head_only = request.method == "HEAD";
        let response = handle(request).await;
        let bytes = encode_response(&response, close, head_only, &http_date());
        if conn.write(&bytes).await.is_err() || close {
            break;
        }
    }
    let _ = conn.io.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    async fn exchange(input: &'static [u8]) -> String {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (_tx, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            serve(
                server,
                &Http1Limits::default(),
                rx,
                |req: GatewayRequest| async move {
                    GatewayResponse {
                        status: 200,
                        content_type: Cow::Borrowed("text/plain"),
                        headers: vec![(Cow::Borrowed("x-amzn-RequestId"), "id".to_string())],
                        body: Bytes::from(format!(
                            "{} {} {}",
                            req.method,
                            req.target,
                            String::from_utf8_lossy(&req.body)
                        )),
                    }
                },
            )
            .await
        });
        let (mut r, mut w) = tokio::io::split(client);
        w.write_all(input).await.unwrap();
        w.shutdown().await.unwrap();
        let mut out = String::new();
        r.read_to_string(&mut out).await.unwrap();
        task.await.unwrap();
        out
    }

    fn strip_date(s: &str) -> String {
        s.lines()
            .filter(|l| !l.starts_with("Date: "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn answers_with_aws_header_spelling_and_order() {
        let out = exchange(b"GET /test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
        assert_eq!(
            strip_date(&out),
            "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 10\nConnection: close\nx-amzn-RequestId: id\n\nGET /test "
        );
    }

    #[tokio::test]
    async fn keeps_alive_and_reads_pipelined_and_chunked_requests() {
        let out = exchange(
            b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n1;ext\r\nz\r\n0\r\n\r\n",
        )
        .await;
        assert!(
            out.contains("Connection: keep-alive\r\nx-amzn-RequestId: id\r\n\r\nPOST /a abc"),
            "{out}"
        );
        assert!(out.ends_with("POST /b xyz"), "{out}");
    }

    #[tokio::test]
    async fn head_requests_get_no_body() {
        let out = exchange(b"HEAD / HTTP/1.1\r\n\r\n").await;
        assert!(
            out.ends_with(
                "Content-Length: 7\r\nConnection: keep-alive\r\nx-amzn-RequestId: id\r\n\r\n"
            ),
            "{out}"
        );
        assert!(!out.contains("HEAD /"), "{out}");
    }

    #[tokio::test]
    async fn malformed_and_ambiguous_requests_are_refused() {
        assert!(exchange(b"GARBAGE\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 400 Bad Request\r\n"));
        let smuggle = exchange(
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        )
        .await;
        assert!(smuggle.starts_with("HTTP/1.1 400 "), "{smuggle}");
    }

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

    #[tokio::test]
    async fn http_1_0_closes_after_the_response() {
        let out = exchange(b"GET /x HTTP/1.0\r\n\r\nGET /y HTTP/1.0\r\n\r\n").await;
        assert!(out.contains("Connection: close"), "{out}");
        assert!(!out.contains("/y"), "{out}");
    }
}
