//! HTTP/1.1 on one connection, written here rather than taken from hyper so that responses carry
//! API Gateway's header spelling and order byte for byte (`x-amzn-RequestId`, `Content-Type`, ...).
//! hyper writes every header name in lower case on HTTP/1 and offers no way to keep the case of
//! response headers, and clients such as `curl -i` show the bytes as sent.
//!
//! Requests are parsed with `httparse`; bodies come by `Content-Length` or chunked encoding;
//! `Expect: 100-continue` is honoured; connections are kept alive unless the client asks
//! otherwise (HTTP/1.0, `Connection: close`).

mod head;

use std::future::Future;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::Instant;

use head::Framing;

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
    /// How long a started request may take to arrive whole, head and body (a deadline, not a
    /// per-read timeout).
    pub request_timeout: Duration,
    /// How long a TLS handshake may take.
    pub handshake_timeout: Duration,
}

impl Http1Limits {
    /// The most a connection's read buffer may hold: the largest thing being read (a head, a
    /// body or a line) and one read more.
    fn largest_buffer(&self) -> usize {
        self.max_head_bytes.max(self.max_body_bytes).max(MAX_LINE) + READ_CHUNK
    }
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
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum ReadError {
    /// The peer went away or was too slow; nothing to answer.
    #[error("the client went away or missed the request deadline")]
    Gone,
    /// Malformed or too large: answer with this status and close.
    #[error("refused with {0}")]
    Refuse(u16),
}

/// Most bytes taken from the socket at once (a TLS record's worth), so that the buffer never
/// holds more than the limit being enforced plus this.
const READ_CHUNK: usize = 16 * 1024;

/// Longest chunk-size line (with extensions) or trailer line.
const MAX_LINE: usize = 4096;

struct Conn<'l, IO> {
    io: IO,
    buf: BytesMut,
    limits: &'l Http1Limits,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Conn<'_, IO> {
    /// Reads at most `READ_CHUNK` more bytes; `Gone` on EOF, error or `deadline`.
    async fn fill(&mut self, deadline: Instant) -> Result<(), ReadError> {
        self.buf.reserve(READ_CHUNK);
        let mut room = (&mut self.buf).limit(READ_CHUNK);
        match tokio::time::timeout_at(deadline, self.io.read_buf(&mut room)).await {
            Ok(Ok(n)) if n > 0 => {
                // Every caller stops filling at its own limit; the fuzz test holds it to that.
                debug_assert!(
                    self.buf.len() <= self.limits.largest_buffer(),
                    "{} bytes buffered",
                    self.buf.len()
                );
                Ok(())
            }
            _ => Err(ReadError::Gone),
        }
    }

    /// Waits for the next request (up to the idle timeout, unless it is the connection's first)
    /// and reads its head. The request timeout runs from the moment the request began, the
    /// connection's start for its first: it bounds the whole request, head and body, however
    /// the client paces its bytes (a per-read timeout lets a dripping client hold the
    /// connection forever). Returns the request's deadline with the head.
    async fn next_head(&mut self, first: bool) -> Result<(Head, Instant), ReadError> {
        if !first && self.buf.is_empty() {
            self.fill(Instant::now() + self.limits.idle_timeout).await?;
        }
        let deadline = Instant::now() + self.limits.request_timeout;
        Ok((self.read_head(deadline).await?, deadline))
    }

    async fn read_head(&mut self, deadline: Instant) -> Result<Head, ReadError> {
        let limits = self.limits;
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
                        let parsed = head::parse_request(&req)?;
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
            self.fill(deadline).await?;
        }
    }

    /// `len` bytes of body; callers have checked `len` against the body limit.
    async fn read_exact_body(&mut self, len: usize, deadline: Instant) -> Result<Bytes, ReadError> {
        while self.buf.len() < len {
            self.fill(deadline).await?;
        }
        Ok(self.buf.split_to(len).freeze())
    }

    async fn read_line(&mut self, deadline: Instant) -> Result<BytesMut, ReadError> {
        let mut searched: usize = 0;
        loop {
            // Only the new bytes (and the one before, a CR waiting for its LF) are searched.
            let from = searched.saturating_sub(1);
            let window = &self.buf[from..self.buf.len().min(MAX_LINE + 2)];
            if let Some(pos) = window.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.split_to(from + pos);
                self.buf.advance(2);
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(ReadError::Refuse(400));
            }
            searched = self.buf.len();
            self.fill(deadline).await?;
        }
    }

    async fn read_chunked_body(&mut self, deadline: Instant) -> Result<Bytes, ReadError> {
        let max = self.limits.max_body_bytes;
        let mut body = BytesMut::new();
        loop {
            let size = head::chunk_size(&self.read_line(deadline).await?)?;
            if size == 0 {
                self.skip_trailers(deadline).await?;
                return Ok(body.freeze());
            }
            // Checked: a huge size must not wrap the sum back under the limit.
            if body.len().checked_add(size).is_none_or(|total| total > max) {
                return Err(ReadError::Refuse(413));
            }
            let chunk = self.read_exact_body(size, deadline).await?;
            body.extend_from_slice(&chunk);
            if !self.read_line(deadline).await?.is_empty() {
                return Err(ReadError::Refuse(400));
            }
        }
    }

    /// Trailer fields, up to the empty line: ignored, but counted against the head limit like
    /// any header fields (431 beyond it), so that they cannot go on forever.
    async fn skip_trailers(&mut self, deadline: Instant) -> Result<(), ReadError> {
        let mut total = 0usize;
        loop {
            let line = self.read_line(deadline).await?;
            if line.is_empty() {
                return Ok(());
            }
            total = total.saturating_add(line.len() + 2);
            if total > self.limits.max_head_bytes {
                return Err(ReadError::Refuse(431));
            }
        }
    }

    /// The body of the request whose head is `head`, by the request's `deadline`.
    async fn read_body(
        &mut self,
        head: Head,
        deadline: Instant,
    ) -> Result<GatewayRequest, ReadError> {
        let (mut request, framing) = head;
        // Too large is known from the head: refuse before inviting the body with 100 Continue.
        if matches!(framing, Framing::Length(n) if n > self.limits.max_body_bytes) {
            return Err(ReadError::Refuse(413));
        }
        if request.expect_continue && framing != Framing::None {
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .map_err(|_| ReadError::Gone)?;
        }
        request.body = match framing {
            Framing::None => Bytes::new(),
            Framing::Length(n) => self.read_exact_body(n, deadline).await?,
            Framing::Chunked => self.read_chunked_body(deadline).await?,
        };
        Ok(request)
    }

    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.io.write_all(bytes).await?;
        self.io.flush().await
    }
}

/// A parsed head: the request without its body, and how the body is framed.
type Head = (GatewayRequest, Framing);

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
        buf: BytesMut::with_capacity(READ_CHUNK),
        limits,
    };
    let mut first = true;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let head = tokio::select! {
            head = conn.next_head(first) => head,
            // Between requests, and while a head arrives, shutdown closes at once; a request
            // whose head has arrived is finished.
            _ = shutdown.changed() => break,
        };
        first = false;
        let request = match head {
            Ok((head, deadline)) => conn.read_body(head, deadline).await,
            Err(e) => Err(e),
        };
        let request = match request {
            Ok(request) => request,
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
mod fuzz;
#[cfg(test)]
mod tests;
