//! A TCP stream that sends the TLS 1.3 session ticket together with the first response.
//!
//! rustls queues a NewSessionTicket as soon as it reads the client's Finished, and tokio-rustls
//! writes it out before the handshake future resolves. A client sends its first request right
//! after that Finished, so the response follows the ticket a few microseconds later:
//! long enough, on a busy machine, for the client to be woken for the ticket alone, decrypt it,
//! find nothing more and wait again. Measured with `wrk` and `Connection: close` (one handshake
//! per request), the client spent 495 µs of CPU per connection against us and 380 µs against
//! nginx, whose event loop writes both before the client runs. Held back and sent with the
//! response in one `writev`, the client wakes once.
//!
//! The request often arrives a little after the Finished, so the server reads, finds nothing
//! and waits, with the ticket still held: that is the point, and it is safe once the
//! handshake is over, since no client waits for a ticket (TLS 1.3 sends it for later
//! connections; in a TLS 1.2 False Start the client has sent its request already). While the
//! handshake is still under way, a read that would block sends whatever is held first, so a wrong
//! guess there costs a segment, never a stall.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// TLS record type of application data: all a TLS 1.3 client sends once it has keys.
const APPLICATION_DATA: u8 = 23;

/// `IO` with the server's writes between the client's first encrypted record and the first
/// response held back (see the module docs).
pub struct CoalescingStream<IO> {
    io: IO,
    mode: Mode,
    held: Vec<u8>,
}

enum Mode {
    /// The handshake is under way; `scan` follows the client's records until, after the server's
    /// first flight, one is encrypted (the client's Finished in TLS 1.3, or a TLS 1.2 False Start
    /// request).
    Watching {
        server_wrote: bool,
        scan: RecordScan,
    },
    /// Writes go to `held`; flushes send nothing.
    Holding,
    /// The next write or flush sends `held` first.
    Releasing,
    /// Nothing is held back any more.
    Passthrough,
}

impl<IO> CoalescingStream<IO> {
    /// Wraps a freshly accepted connection, before its TLS handshake.
    pub fn new(io: IO) -> Self {
        CoalescingStream {
            io,
            mode: Mode::Watching {
                server_wrote: false,
                scan: RecordScan::default(),
            },
            held: Vec::new(),
        }
    }

    /// The handshake is over: what is held goes out with the next write, flush or shutdown.
    pub fn release(&mut self) {
        self.mode = if self.held.is_empty() {
            Mode::Passthrough
        } else {
            Mode::Releasing
        };
    }
}

impl<IO: AsyncWrite + Unpin> CoalescingStream<IO> {
    /// Writes out everything held; `Pending` until it is all gone.
    fn poll_send_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.held.is_empty() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.held))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.held.drain(..n);
        }
        Ok(()).into()
    }

    /// `bufs` written after what is held, in one call when the socket takes it all. Counts only
    /// the caller's bytes: `Pending` means none of them was written.
    fn poll_write_after_held(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        while !self.held.is_empty() {
            let mut slices = Vec::with_capacity(bufs.len() + 1);
            slices.push(IoSlice::new(&self.held));
            slices.extend(bufs.iter().map(|b| IoSlice::new(b)));
            let n = ready!(Pin::new(&mut self.io).poll_write_vectored(cx, &slices))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            if n >= self.held.len() {
                let own = n - self.held.len();
                self.held = Vec::new();
                self.mode = Mode::Passthrough;
                return Poll::Ready(Ok(own));
            }
            self.held.drain(..n);
        }
        self.mode = Mode::Passthrough;
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn poll_write_slices(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.mode {
            Mode::Passthrough => Pin::new(&mut self.io).poll_write_vectored(cx, bufs),
            Mode::Watching { server_wrote, .. } => {
                *server_wrote = true;
                Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
            }
            Mode::Holding => {
                let mut n = 0;
                for b in bufs {
                    self.held.extend_from_slice(b);
                    n += b.len();
                }
                Poll::Ready(Ok(n))
            }
            Mode::Releasing => self.poll_write_after_held(cx, bufs),
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for CoalescingStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if let Mode::Watching { server_wrote, scan } = &mut this.mode {
                    if scan.saw_application_data(&buf.filled()[before..]) && *server_wrote {
                        this.mode = Mode::Holding;
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                // Mid-handshake and about to wait for the peer, who may wait for what we hold.
                if matches!(this.mode, Mode::Holding) && !this.held.is_empty() {
                    if let Poll::Ready(Err(e)) = this.poll_send_held(cx) {
                        return Poll::Ready(Err(e));
                    }
                }
                Poll::Pending
            }
            ready => ready,
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for CoalescingStream<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_slices(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_slices(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.mode {
            Mode::Holding => Poll::Ready(Ok(())),
            Mode::Releasing => {
                ready!(this.poll_send_held(cx))?;
                this.mode = Mode::Passthrough;
                Pin::new(&mut this.io).poll_flush(cx)
            }
            _ => Pin::new(&mut this.io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// Follows TLS record boundaries in a byte stream, five header bytes then a body.
#[derive(Default)]
struct RecordScan {
    header: [u8; 5],
    header_len: usize,
    body_left: usize,
}

impl RecordScan {
    /// Feeds the next bytes; whether one of the records they start is application data.
    fn saw_application_data(&mut self, mut bytes: &[u8]) -> bool {
        let mut seen = false;
        while !bytes.is_empty() {
            if self.body_left > 0 {
                let skip = self.body_left.min(bytes.len());
                self.body_left -= skip;
                bytes = &bytes[skip..];
                continue;
            }
            let take = (5 - self.header_len).min(bytes.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&bytes[..take]);
            self.header_len += take;
            bytes = &bytes[take..];
            if self.header_len == 5 {
                seen |= self.header[0] == APPLICATION_DATA;
                self.body_left = u16::from_be_bytes([self.header[3], self.header[4]]) as usize;
                self.header_len = 0;
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn record(kind: u8, body: usize) -> Vec<u8> {
        let mut r = vec![kind, 3, 3, (body >> 8) as u8, body as u8];
        r.resize(5 + body, 0xaa);
        r
    }

    /// Writes one record and flushes, as tokio-rustls does.
    async fn send<S: AsyncWrite + Unpin>(stream: &mut S, kind: u8, body: usize) {
        stream.write_all(&record(kind, body)).await.unwrap();
        stream.flush().await.unwrap();
    }

    #[test]
    fn the_scan_follows_records_split_anywhere() {
        let mut stream = record(22, 300);
        stream.extend(record(20, 1));
        stream.extend(record(APPLICATION_DATA, 53));
        for split in 0..stream.len() {
            let mut scan = RecordScan::default();
            let first = scan.saw_application_data(&stream[..split]);
            let second = scan.saw_application_data(&stream[split..]);
            // The header's first byte decides: before it arrives, nothing is seen.
            let boundary = 305 + 6;
            assert_eq!(first, split > boundary + 4, "split at {split}");
            assert!(first || second, "split at {split}");
        }
    }

    /// A TLS 1.3 exchange in miniature: the ticket written after the client's Finished arrives
    /// with the response, in one read on the client's side.
    #[tokio::test]
    async fn the_ticket_leaves_with_the_response() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut server = CoalescingStream::new(server);
        send(&mut client, 22, 200).await; // ClientHello
        let mut buf = vec![0u8; 4096];
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(n, 205);
        send(&mut server, 22, 800).await; // ServerHello..Finished
        let n = client.read(&mut buf).await.unwrap();
        assert_eq!(n, 805, "the server's flight is never held");

        let mut finished_and_request = record(20, 1);
        finished_and_request.extend(record(APPLICATION_DATA, 53));
        finished_and_request.extend(record(APPLICATION_DATA, 100));
        client.write_all(&finished_and_request).await.unwrap();
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(n, finished_and_request.len());
        send(&mut server, APPLICATION_DATA, 160).await; // the ticket
        server.release();
        send(&mut server, APPLICATION_DATA, 1500).await; // the response
        let n = client.read(&mut buf).await.unwrap();
        assert_eq!(n, 165 + 1505, "ticket and response in one read");
    }

    /// The request arrives after the Finished: the server waits for it, ticket still held.
    #[tokio::test]
    async fn after_the_handshake_waiting_for_the_request_keeps_the_ticket() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut server = CoalescingStream::new(server);
        let mut buf = vec![0u8; 4096];
        send(&mut server, 22, 800).await;
        assert_eq!(client.read(&mut buf).await.unwrap(), 805);
        send(&mut client, APPLICATION_DATA, 53).await; // Finished
        assert_eq!(server.read(&mut buf).await.unwrap(), 58);
        send(&mut server, APPLICATION_DATA, 160).await; // the ticket
        server.release();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let n = server.read(&mut buf).await.unwrap();
            send(&mut server, APPLICATION_DATA, 1500).await;
            (n, server)
        });
        tokio::task::yield_now().await;
        send(&mut client, APPLICATION_DATA, 100).await; // the request
        let (n, _server) = reader.await.unwrap();
        assert_eq!(n, 105);
        let n = client.read(&mut buf).await.unwrap();
        assert_eq!(n, 165 + 1505, "ticket and response in one read");
    }

    /// Mid-handshake, what is held goes out when the server would wait for the client.
    #[tokio::test]
    async fn a_read_that_would_wait_sends_what_is_held() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut server = CoalescingStream::new(server);
        send(&mut server, 22, 100).await;
        send(&mut client, APPLICATION_DATA, 10).await;
        let mut buf = vec![0u8; 4096];
        assert_eq!(server.read(&mut buf).await.unwrap(), 15);
        send(&mut server, APPLICATION_DATA, 20).await;
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 64];
            let n = server.read(&mut buf).await.unwrap();
            (n, server)
        });
        let mut got = vec![0u8; 4096];
        let n = client.read(&mut got).await.unwrap();
        assert_eq!(n, 105, "the first flight");
        let n = client.read(&mut got).await.unwrap();
        assert_eq!(
            n, 25,
            "the held record, sent because the server waits to read"
        );
        client.write_all(b"x").await.unwrap();
        let (n, _) = reader.await.unwrap();
        assert_eq!(n, 1);
    }

    /// Early data or a stray encrypted record before the server has written anything must not
    /// hold the server's first flight.
    #[tokio::test]
    async fn nothing_is_held_before_the_servers_first_flight() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut server = CoalescingStream::new(server);
        let mut hello = record(22, 200);
        hello.extend(record(APPLICATION_DATA, 30)); // 0-RTT data
        client.write_all(&hello).await.unwrap();
        let mut buf = vec![0u8; 4096];
        assert_eq!(server.read(&mut buf).await.unwrap(), 240);
        send(&mut server, 22, 800).await;
        let n = client.read(&mut buf).await.unwrap();
        assert_eq!(n, 805);
    }
}
