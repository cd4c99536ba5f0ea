//! HTTP/2's share of the HTTP/1.1 limits: the 10 MB body limit (counted as the body arrives,
//! refused with the same 413), the request deadline for the body, and the idle timeout of a
//! connection with no stream open. hyper offers none of these for HTTP/2 servers.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::watch;
use tokio::time::Instant;

use super::super::http1::Http1Limits;
use super::super::response::GatewayResponse;

/// How long a connection closed for idleness may take to say goodbye (GOAWAY, PING): no stream
/// is open, so nothing is lost by cutting it off after this.
const IDLE_DRAIN: Duration = Duration::from_secs(5);

/// The limits an HTTP/2 connection applies, the HTTP/1.1 ones.
#[derive(Debug, Clone, Copy)]
pub(super) struct H2Limits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
}

impl From<&Http1Limits> for H2Limits {
    fn from(l: &Http1Limits) -> Self {
        H2Limits {
            max_body_bytes: l.max_body_bytes,
            request_timeout: l.request_timeout,
            idle_timeout: l.idle_timeout,
        }
    }
}

/// Why a stream's body was not read whole.
#[derive(Debug, thiserror::Error)]
pub(super) enum BodyError {
    /// Over the body limit: answered 413.
    #[error("the request body is over {0} bytes")]
    TooLarge(usize),
    /// The body missed the request deadline: the stream is reset, unanswered, as HTTP/1.1 closes
    /// the connection.
    #[error("the request body missed the request deadline")]
    Deadline,
    /// The client reset the stream or broke the protocol: nothing to answer, and the request is
    /// not handled with a partial body.
    #[error("the request body could not be read: {0}")]
    Client(#[from] hyper::Error),
}

/// The body of one stream, by `deadline`, refused beyond `max` bytes: the whole body is never
/// buffered when it is over the limit (an announced length over it is refused before reading).
pub(super) async fn read_body(
    mut body: Incoming,
    max: usize,
    deadline: Instant,
) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > max as u64 {
        return Err(BodyError::TooLarge(max));
    }
    tokio::time::timeout_at(deadline, collect(&mut body, max))
        .await
        .unwrap_or(Err(BodyError::Deadline))
}

/// Counts the DATA frames as they come. A body in one frame (most are) is kept as it is; a
/// longer one is copied once into a buffer sized from `Content-Length` when there is one.
async fn collect(body: &mut Incoming, max: usize) -> Result<Bytes, BodyError> {
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        // Trailers are capped like any header block by hyper, and ignored.
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > max {
            return Err(BodyError::TooLarge(max));
        }
        match &mut joined {
            _ if data.is_empty() => {}
            Some(buf) => buf.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                // What is left by Content-Length (0 without one), never past the limit.
                let left = usize::try_from(body.size_hint().lower()).unwrap_or(max);
                let mut buf = BytesMut::with_capacity(total.saturating_add(left).min(max));
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&data);
                first = Bytes::new();
                joined = Some(buf);
            }
        }
    }
    Ok(joined.map_or(first, BytesMut::freeze))
}

/// The answer to a body over the limit: HTTP/1.1's 413, with its message.
pub(super) fn payload_too_large() -> GatewayResponse {
    GatewayResponse {
        status: 413,
        content_type: "application/json".into(),
        headers: Vec::new(),
        // As http1::bare_response words it.
        body: Bytes::from_static(br#"{"message":"HTTP content length exceeded 10485760 bytes."}"#),
    }
}

/// Which streams of one connection are open, and since when none is.
pub(super) struct Activity {
    started: Instant,
    open: AtomicUsize,
    /// Milliseconds from `started` to when the last stream ended.
    last_end_ms: AtomicU64,
}

impl Activity {
    pub(super) fn new() -> Arc<Activity> {
        Arc::new(Activity {
            started: Instant::now(),
            open: AtomicUsize::new(0),
            last_end_ms: AtomicU64::new(0),
        })
    }

    /// Counts a stream as open until the guard is dropped (with its response body).
    pub(super) fn begin(self: &Arc<Self>) -> StreamGuard {
        self.open.fetch_add(1, Ordering::Relaxed);
        StreamGuard(self.clone())
    }

    /// When the connection is idle for `idle`: `None` while a stream is open.
    fn idle_at(&self, idle: Duration) -> Option<Instant> {
        if self.open.load(Ordering::Acquire) > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last_end_ms.load(Ordering::Relaxed));
        Some(self.started + last + idle)
    }
}

/// One open stream of an [`Activity`].
pub(super) struct StreamGuard(Arc<Activity>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let ms = self.0.started.elapsed().as_millis();
        self.0
            .last_end_ms
            .store(u64::try_from(ms).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.0.open.fetch_sub(1, Ordering::Release);
    }
}

/// A response body that keeps its stream counted as open until hyper has sent it (or dropped
/// it), so that a slow reader's response is not cut off as idleness.
pub(super) struct GuardedBody {
    body: Full<Bytes>,
    _guard: StreamGuard,
}

/// `response` with `guard` held by its body.
pub(super) fn guarded(
    response: http::Response<Full<Bytes>>,
    guard: StreamGuard,
) -> http::Response<GuardedBody> {
    response.map(|body| GuardedBody {
        body,
        _guard: guard,
    })
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Serves `conn` until it ends or `stopped` changes (then it finishes its streams, as
/// `until_stopped`), or until no stream has been open for `idle`: then it says GOAWAY and
/// closes, as HTTP/1.1 closes a kept-alive connection idle that long. A connection that never
/// opens a stream is idle from its start.
pub(super) async fn serve_until_idle<C: GracefulConnection>(
    conn: C,
    activity: &Activity,
    idle: Duration,
    stopped: &mut watch::Receiver<bool>,
) {
    tokio::pin!(conn);
    let mut check = activity.started + idle;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stopped.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
                return;
            }
            () = tokio::time::sleep_until(check) => match activity.idle_at(idle) {
                Some(at) if at <= Instant::now() => break,
                Some(at) => check = at,
                None => check = Instant::now() + idle,
            },
        }
    }
    tracing::debug!(?idle, "HTTP/2 connection idle; closing it");
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(IDLE_DRAIN, conn).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_is_idle_only_with_no_stream_open() {
        let idle = Duration::from_secs(60);
        let activity = Activity::new();
        assert_eq!(activity.idle_at(idle), Some(activity.started + idle));
        let guard = activity.begin();
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(activity.idle_at(idle), None, "a stream is open");
        drop(guard);
        // Idle from when the stream ended, not from the connection's start.
        let at = activity.idle_at(idle).expect("idle again");
        assert!(
            at >= activity.started + Duration::from_millis(30) + idle,
            "{at:?}"
        );
    }
}
