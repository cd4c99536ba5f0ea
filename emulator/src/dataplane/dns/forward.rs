//! Forwarding queries for names outside the emulated zones to the configured upstream resolvers.
//!
//! All forwarded queries share one UDP socket per address family (bound on first use): each
//! goes out under a fresh random id, and an answer is taken only from the server it was sent to,
//! with that id and the same question. At most [`MAX_IN_FLIGHT`] queries wait at once; beyond
//! that a query is refused at once (the caller answers SERVFAIL) rather than opening more: a flood
//! of queries to a silent upstream once took a socket each and used up every descriptor.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hickory_proto::op::Message;
use ring::rand::SecureRandom;
use tokio::net::UdpSocket;
use tokio::sync::{oneshot, OnceCell, Semaphore};

/// How many forwarded queries may wait for an upstream at once.
pub(crate) const MAX_IN_FLIGHT: usize = 256;

/// How long one upstream server may take to answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

/// The largest UDP answer read from an upstream.
const MAX_ANSWER: usize = 65_535;

/// Why a query was not forwarded, or got no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ForwardError {
    /// Too many forwarded queries are waiting already.
    #[error("{MAX_IN_FLIGHT} forwarded queries are waiting already")]
    Busy,
    /// The query has no question to match an answer to.
    #[error("the query has no question that can be matched")]
    NoQuestion,
    /// No upstream server answered in time.
    #[error("no upstream server answered")]
    NoAnswer,
}

/// A query sent upstream and not answered yet.
struct Waiting {
    server: SocketAddr,
    /// The question section as sent: an answer must repeat it.
    question: Vec<u8>,
    answer: oneshot::Sender<Message>,
}

/// The waiting queries by the id they went out with.
type Table = Arc<Mutex<HashMap<u16, Waiting>>>;

fn lock(table: &Table) -> MutexGuard<'_, HashMap<u16, Waiting>> {
    // The table is consistent after every statement: a panic elsewhere cannot leave it broken.
    table
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The forwarder one DNS server's handlers share.
pub(crate) struct Forwarder {
    table: Table,
    slots: Semaphore,
    v4: OnceCell<Arc<UdpSocket>>,
    v6: OnceCell<Arc<UdpSocket>>,
    receivers: Mutex<Vec<tokio::task::AbortHandle>>,
    random: ring::rand::SystemRandom,
}

impl Default for Forwarder {
    fn default() -> Self {
        Forwarder {
            table: Table::default(),
            slots: Semaphore::new(MAX_IN_FLIGHT),
            v4: OnceCell::new(),
            v6: OnceCell::new(),
            receivers: Mutex::new(Vec::new()),
            random: ring::rand::SystemRandom::new(),
        }
    }
}

impl Drop for Forwarder {
    /// The receiving tasks hold the sockets: stopping them closes the sockets.
    fn drop(&mut self) {
        let receivers = self.receivers.get_mut().unwrap_or_else(|p| p.into_inner());
        for receiver in receivers.drain(..) {
            receiver.abort();
        }
    }
}

/// Removes its query from the table when the wait ends, however it ends.
struct Registered<'t> {
    table: &'t Table,
    id: u16,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        lock(self.table).remove(&self.id);
    }
}

impl Forwarder {
    /// Asks each of `upstream` in turn for `query` (a query as the client sent it) and returns
    /// the first answer.
    pub(crate) async fn forward(
        &self,
        upstream: &[SocketAddr],
        query: &[u8],
    ) -> Result<Message, ForwardError> {
        let _slot = self.slots.try_acquire().map_err(|_| ForwardError::Busy)?;
        let question_end = question_end(query).ok_or(ForwardError::NoQuestion)?;
        let mut out = query.to_vec();
        for server in upstream {
            let Some(socket) = self.socket(*server).await else {
                continue;
            };
            let (answer, answered) = oneshot::channel();
            let id = self.register(*server, &query[12..question_end], answer);
            let _registered = Registered {
                table: &self.table,
                id,
            };
            out[..2].copy_from_slice(&id.to_be_bytes());
            if let Err(e) = socket.send_to(&out, server).await {
                tracing::debug!(%server, "cannot send to the upstream: {e}");
                continue;
            }
            match tokio::time::timeout(UPSTREAM_TIMEOUT, answered).await {
                Ok(Ok(message)) => return Ok(message),
                _ => tracing::debug!(%server, "upstream did not answer"),
            }
        }
        Err(ForwardError::NoAnswer)
    }

    /// Enters a query for `server` under an id no waiting query has, and returns the id.
    fn register(
        &self,
        server: SocketAddr,
        question: &[u8],
        answer: oneshot::Sender<Message>,
    ) -> u16 {
        let mut table = lock(&self.table);
        let mut id = [0u8; 2];
        // At most MAX_IN_FLIGHT of 65 536 ids are taken: a free one comes within a few draws.
        // Should the system's generator fail, counting up still finds a free id.
        let mut fallback = table.len() as u16;
        let id = loop {
            let candidate = match self.random.fill(&mut id) {
                Ok(()) => u16::from_be_bytes(id),
                Err(_) => {
                    fallback = fallback.wrapping_add(1);
                    fallback
                }
            };
            if !table.contains_key(&candidate) {
                break candidate;
            }
        };
        table.insert(
            id,
            Waiting {
                server,
                question: question.to_vec(),
                answer,
            },
        );
        id
    }

    /// The socket for `server`'s address family, bound (and its receiver started) on first use.
    async fn socket(&self, server: SocketAddr) -> Option<Arc<UdpSocket>> {
        let (cell, bind) = if server.is_ipv4() {
            (&self.v4, SocketAddr::from(([0, 0, 0, 0], 0)))
        } else {
            (&self.v6, SocketAddr::from(([0u16; 8], 0)))
        };
        let socket = cell
            .get_or_try_init(|| async {
                let socket = Arc::new(UdpSocket::bind(bind).await?);
                let receiver = tokio::spawn(receive(socket.clone(), self.table.clone()));
                self.receivers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(receiver.abort_handle());
                Ok::<_, std::io::Error>(socket)
            })
            .await;
        match socket {
            Ok(socket) => Some(socket.clone()),
            Err(e) => {
                tracing::debug!(%bind, "cannot open a socket for forwarding: {e}");
                None
            }
        }
    }
}

/// Reads answers from upstream servers and hands each to the query it answers.
async fn receive(socket: Arc<UdpSocket>, table: Table) {
    let mut buf = vec![0u8; MAX_ANSWER];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, from)) => deliver(&table, &buf[..n], from),
            // ICMP errors of earlier sends surface here on some systems; keep receiving.
            Err(e) => tracing::debug!("receiving from upstream servers: {e}"),
        }
    }
}

/// Hands `raw` to the waiting query it answers: same id, sent to `from`, same question.
/// Anything else (a late answer, a forgery, a stray datagram) is dropped.
fn deliver(table: &Table, raw: &[u8], from: SocketAddr) {
    const FLAG_QR: u8 = 0x80;
    if raw.len() < 12 || raw[2] & FLAG_QR == 0 {
        return;
    }
    let id = u16::from_be_bytes([raw[0], raw[1]]);
    let waiting = {
        let mut table = lock(table);
        let answers = table.get(&id).is_some_and(|w| {
            w.server == from
                && raw
                    .get(12..12 + w.question.len())
                    .is_some_and(|q| q.eq_ignore_ascii_case(&w.question))
        });
        if !answers {
            return;
        }
        table.remove(&id)
    };
    let Some(waiting) = waiting else {
        return;
    };
    match Message::from_vec(raw) {
        Ok(message) => {
            let _ = waiting.answer.send(message);
        }
        // The query's wait ends with no answer: the next server is asked.
        Err(e) => tracing::debug!(%from, "upstream sent an undecodable answer: {e}"),
    }
}

/// Where the question section of `query` (one question, its name uncompressed) ends.
fn question_end(query: &[u8]) -> Option<usize> {
    let mut at = 12;
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        // A compression pointer (or a reserved label type): the first name has nothing before
        // it to point to.
        if len > 63 {
            return None;
        }
        at += len;
    }
    let end = at + 4;
    (end <= query.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(id: u16, name: &str) -> Vec<u8> {
        let mut q = id.to_be_bytes().to_vec();
        q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, 1, 0, 1]);
        q
    }

    fn as_answer(mut q: Vec<u8>, id: u16) -> Vec<u8> {
        q[..2].copy_from_slice(&id.to_be_bytes());
        q[2] |= 0x80;
        q
    }

    #[test]
    fn the_question_ends_after_its_name_type_and_class() {
        let q = query(1, "example.com");
        assert_eq!(question_end(&q), Some(q.len()));
        assert_eq!(question_end(&q[..q.len() - 1]), None, "cut short");
        let mut pointer = q[..12].to_vec();
        pointer.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(question_end(&pointer), None);
    }

    #[test]
    fn only_the_server_asked_with_the_id_and_question_sent_can_answer() {
        let forwarder = Forwarder::default();
        let server: SocketAddr = "127.0.0.1:5300".parse().unwrap();
        let q = query(7, "example.com");
        let end = question_end(&q).unwrap();
        let (answer, mut answered) = oneshot::channel();
        let id = forwarder.register(server, &q[12..end], answer);
        let other: SocketAddr = "127.0.0.1:5301".parse().unwrap();
        deliver(&forwarder.table, &as_answer(q.clone(), id), other);
        deliver(
            &forwarder.table,
            &as_answer(query(7, "example.org"), id),
            server,
        );
        deliver(&forwarder.table, &as_answer(q.clone(), id ^ 1), server);
        let mut not_an_answer = q.clone();
        not_an_answer[..2].copy_from_slice(&id.to_be_bytes());
        deliver(&forwarder.table, &not_an_answer, server);
        assert!(answered.try_recv().is_err(), "nothing delivered yet");
        deliver(&forwarder.table, &as_answer(q.clone(), id), server);
        assert_eq!(answered.try_recv().expect("delivered").metadata.id, id);
        assert!(lock(&forwarder.table).is_empty());
    }

    #[tokio::test]
    async fn beyond_the_bound_a_query_is_refused_at_once() {
        let forwarder = Arc::new(Forwarder::default());
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let upstream = vec![silent.local_addr().unwrap()];
        let q = query(1, "example.com");
        let mut waiting = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            let (f, u, q) = (forwarder.clone(), upstream.clone(), q.clone());
            waiting.push(tokio::spawn(async move { f.forward(&u, &q).await }));
        }
        while forwarder.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let started = std::time::Instant::now();
        let refused = forwarder.forward(&upstream, &q).await;
        assert!(matches!(refused, Err(ForwardError::Busy)), "{refused:?}");
        assert!(started.elapsed() < Duration::from_millis(100));
        for task in waiting {
            task.abort();
        }
    }
}
