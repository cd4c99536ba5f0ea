//! Reading what a backend answers within API Gateway's limits, and quoting it in causes.
//!
//! API Gateway takes at most 10 MB from an integration (REST API quotas, "Payload size"), and a
//! Lambda function's synchronous response is at most 6 291 556 bytes (Lambda's own quota; over
//! it AWS logs "Response payload size exceeded maximum allowed payload size (6291556 bytes)" and
//! the client gets 502). Reading stops at the limit: a larger answer is never held, whether it
//! announces its length or streams without one.

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Body;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::IntegrationError;
use crate::dataplane::access_log::escape_control;
use crate::dataplane::gateway::response::GatewayError;

/// API Gateway's payload limit, for what an HTTP or HTTP_PROXY backend answers.
pub const INTEGRATION_RESPONSE_LIMIT: usize = 10 * 1024 * 1024;
/// Lambda's synchronous invocation response limit, for what a function answers.
pub const LAMBDA_RESPONSE_LIMIT: usize = 6_291_556;
/// How much of a function's stderr a cause quotes.
pub const STDERR_KEPT: usize = 4096;
/// How much of a backend's answer a cause quotes (causes are kept for the console).
const PREVIEW_BYTES: usize = 1024;

/// Which limit an answer is read under, and what exceeding it means for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// An HTTP or HTTP_PROXY backend: 500, as for a backend whose answer cannot be used
    /// (decision in docs/decisions.md, "Integration responses over the limit").
    Integration,
    /// A Lambda function (endpoint or command): 502, as AWS answers.
    Lambda,
}

impl Limit {
    /// The most bytes an answer may have.
    pub fn bytes(self) -> usize {
        match self {
            Limit::Integration => INTEGRATION_RESPONSE_LIMIT,
            Limit::Lambda => LAMBDA_RESPONSE_LIMIT,
        }
    }

    /// The failure of an answer over the limit.
    pub fn exceeded(self) -> IntegrationError {
        match self {
            Limit::Integration => IntegrationError::new(
                GatewayError::InternalServerError,
                format!("Execution failed: the integration response is over API Gateway's payload limit ({INTEGRATION_RESPONSE_LIMIT} bytes)"),
            ),
            Limit::Lambda => IntegrationError::new(
                GatewayError::BadGateway,
                format!("Lambda Customer Function Error: Response payload size exceeded maximum allowed payload size ({LAMBDA_RESPONSE_LIMIT} bytes)"),
            ),
        }
    }
}

/// Why an answer could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It is longer than the limit; reading stopped there.
    #[error("the answer is over {0} bytes")]
    TooLarge(usize),
    /// The body broke off.
    #[error("{0}")]
    Body(Box<dyn std::error::Error + Send + Sync>),
    /// The pipe failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads `body` whole, up to `limit` bytes. A body that announces more fails before any is
/// read. One frame (the common case) is returned without a copy.
pub async fn read_body<B>(mut body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let announced = body.size_hint().lower();
    if announced > limit as u64 {
        return Err(ReadError::TooLarge(limit));
    }
    let mut first: Option<Bytes> = None;
    let mut more = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|e| ReadError::Body(e.into()))?.into_data() else {
            continue; // trailers
        };
        // Once a second frame came, `more` holds the first one too.
        let held = if more.is_empty() {
            first.as_ref().map_or(0, Bytes::len)
        } else {
            more.len()
        };
        if held + data.len() > limit {
            return Err(ReadError::TooLarge(limit));
        }
        match &first {
            None => first = Some(data),
            Some(head) => {
                if more.is_empty() {
                    // `announced` is at most `limit` here.
                    more.reserve((announced as usize).max(head.len() + data.len()));
                    more.extend_from_slice(head);
                }
                more.extend_from_slice(&data);
            }
        }
    }
    Ok(if more.is_empty() {
        first.unwrap_or_default()
    } else {
        more.freeze()
    })
}

/// Reads `reader` to its end, up to `limit` bytes.
pub async fn read_pipe<R: AsyncRead + Unpin>(
    mut reader: R,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() + n > limit {
            return Err(ReadError::TooLarge(limit));
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Reads `reader` to its end, keeping its first `kept` bytes: the writer is never blocked on a
/// full pipe, and what is kept is bounded.
pub async fn read_pipe_head<R: AsyncRead + Unpin>(mut reader: R, kept: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 8192];
    // A read error ends the pipe; what was kept still explains the failure.
    while let Ok(n) = reader.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        let room = kept.saturating_sub(out.len()).min(n);
        out.extend_from_slice(&chunk[..room]);
    }
    out
}

/// A backend's bytes as a cause quotes them: the first KiB, as text, with control characters
/// escaped (causes are written to the log, one line each), and the length when cut.
pub fn preview(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(PREVIEW_BYTES)];
    let text = String::from_utf8_lossy(shown);
    let escaped: Cow<'_, str> = escape_control(&text);
    if shown.len() < bytes.len() {
        format!("{escaped}… ({} bytes)", bytes.len())
    } else {
        escaped.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Frame;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// `chunks` frames of `size` bytes, with no announced length.
    struct Chunks {
        left: usize,
        chunk: Bytes,
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            if self.left == 0 {
                return Poll::Ready(None);
            }
            self.left -= 1;
            Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
        }
    }

    fn stream(chunks: usize, size: usize) -> Chunks {
        Chunks {
            left: chunks,
            chunk: Bytes::from(vec![b'x'; size]),
        }
    }

    #[tokio::test]
    async fn bodies_are_read_up_to_the_limit() {
        let whole = read_body(Full::new(Bytes::from_static(b"abc")), 3).await;
        assert_eq!(whole.expect("within the limit"), Bytes::from_static(b"abc"));
        assert!(matches!(
            read_body(Full::new(Bytes::from_static(b"abcd")), 3).await,
            Err(ReadError::TooLarge(3))
        ));
        let joined = read_body(stream(4, 1000), 4000)
            .await
            .expect("at the limit");
        assert_eq!(joined.len(), 4000);
        assert!(matches!(
            read_body(stream(5, 1000), 4000).await,
            Err(ReadError::TooLarge(4000))
        ));
    }

    #[tokio::test]
    async fn pipes_are_read_up_to_the_limit() {
        let data = vec![b'y'; 200_000];
        assert_eq!(
            read_pipe(&data[..], 200_000).await.expect("fits").len(),
            200_000
        );
        assert!(matches!(
            read_pipe(&data[..], 199_999).await,
            Err(ReadError::TooLarge(_))
        ));
        assert_eq!(read_pipe_head(&data[..], 10).await.len(), 10);
    }

    #[test]
    fn previews_are_short_and_one_line() {
        assert_eq!(preview(b"a\r\nb"), "a\\r\\nb");
        let long = vec![b'z'; 5000];
        let p = preview(&long);
        assert!(p.ends_with("… (5000 bytes)") && p.len() < 1100, "{p}");
    }
}
