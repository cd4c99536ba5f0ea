//! The last requests the HTTPS front end answered, for the web console's live list. The
//! gateway records into it, so it lives here; the console only reads it.
//!
//! Recording sits on the request path, so it never waits: a fixed ring of slots, each an
//! [`ArcSwapOption`], and an atomic cursor handing out sequence numbers. A request costs one
//! `Arc` allocation and one swap; readers load the slots without blocking writers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::Trace;

/// How many requests the console keeps.
pub const REQUEST_LOG_CAPACITY: usize = 256;

/// One answered request.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// 1, 2, 3, … in arrival order of the answers; the detail page's key.
    pub seq: u64,
    /// When it was answered.
    pub time: time::OffsetDateTime,
    /// The client's address as the emulator saw it.
    pub source: SocketAddr,
    /// The local address it arrived on (which endpoint interface, or the public endpoint).
    pub local: SocketAddr,
    /// `GET`, `POST`, …
    pub method: String,
    /// The `Host` header as sent.
    pub host: String,
    /// Path and query as sent.
    pub target: String,
    /// It came over HTTP/2.
    pub http2: bool,
    /// The status answered.
    pub status: u16,
    /// The `x-amzn-RequestId` answered, when there was one.
    pub request_id: Option<String>,
    /// How it was decided: endpoint, API, stage, resource, policy decision and reason.
    pub trace: Trace,
    /// From the request's arrival at the gateway to its answer.
    pub latency: Duration,
}

/// A ring of the last [`REQUEST_LOG_CAPACITY`] requests.
pub struct RequestLog {
    slots: Box<[ArcSwapOption<LoggedRequest>]>,
    /// The last sequence number handed out (0: none yet).
    last_seq: AtomicUsize,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog::new(REQUEST_LOG_CAPACITY)
    }
}

impl RequestLog {
    /// An empty log keeping the last `capacity` requests (at least one).
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog {
            slots: (0..capacity.max(1))
                .map(|_| ArcSwapOption::empty())
                .collect(),
            last_seq: AtomicUsize::new(0),
        }
    }

    fn slot(&self, seq: u64) -> &ArcSwapOption<LoggedRequest> {
        // seq ≥ 1; the modulo keeps the index in range whatever the width of usize.
        &self.slots[((seq - 1) % self.slots.len() as u64) as usize]
    }

    /// Records `entry` (its `seq` is overwritten) and returns the sequence number it got.
    pub fn record(&self, mut entry: LoggedRequest) -> u64 {
        let seq = self.last_seq.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        entry.seq = seq;
        let new = Some(Arc::new(entry));
        // Two writers a whole ring apart may race for a slot; the newer entry wins.
        self.slot(seq).rcu(|current| match current {
            Some(c) if c.seq > seq => current.clone(),
            _ => new.clone(),
        });
        seq
    }

    /// The requests still kept, newest first.
    pub fn recent(&self) -> Vec<Arc<LoggedRequest>> {
        let mut entries: Vec<Arc<LoggedRequest>> =
            self.slots.iter().filter_map(|s| s.load_full()).collect();
        entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.seq));
        entries
    }

    /// Request `seq`, if it is still kept.
    pub fn get(&self, seq: u64) -> Option<Arc<LoggedRequest>> {
        if seq == 0 {
            return None;
        }
        self.slot(seq).load_full().filter(|e| e.seq == seq)
    }

    /// How many requests were recorded since the start, kept or not.
    pub fn total(&self) -> u64 {
        self.last_seq.load(Ordering::Relaxed) as u64
    }

    /// How many requests it keeps at most.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLog")
            .field("capacity", &self.slots.len())
            .field("total", &self.total())
            .finish()
    }
}

#[cfg(test)]
pub(crate) fn sample(status: u16, decision: Option<iam_policy::Decision>) -> LoggedRequest {
    LoggedRequest {
        seq: 0,
        time: time::macros::datetime!(2026-11-25 10:00:00.250 UTC),
        source: "127.0.0.1:50000".parse().expect("an address"),
        local: "127.0.1.1:443".parse().expect("an address"),
        method: "GET".to_string(),
        host: "vpce-01234567890abcdef-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"
            .to_string(),
        target: "/test".to_string(),
        http2: false,
        status,
        request_id: Some("1d8f0c1e-0000-4000-8000-000000000000".to_string()),
        trace: Trace {
            client: Some("127.0.0.1".to_string()),
            endpoint: Some("vpce-01234567890abcdef".to_string()),
            api: Some("chw1a2q2xk".to_string()),
            stage: Some("test".to_string()),
            resource: Some("/".to_string()),
            decision,
            reason: None,
        },
        latency: Duration::from_micros(1500),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_n_newest_first_with_sequence_numbers() {
        let log = RequestLog::new(3);
        assert!(log.recent().is_empty());
        for status in [200, 403, 404, 500, 502] {
            log.record(sample(status, None));
        }
        let recent: Vec<(u64, u16)> = log.recent().iter().map(|e| (e.seq, e.status)).collect();
        assert_eq!(recent, vec![(5, 502), (4, 500), (3, 404)]);
        assert_eq!(log.get(4).map(|e| e.status), Some(500));
        assert!(log.get(2).is_none(), "overwritten");
        assert!(log.get(0).is_none());
        assert!(log.get(6).is_none(), "not yet recorded");
        assert_eq!(log.total(), 5);
    }

    #[test]
    fn an_older_entry_never_replaces_a_newer_one_in_its_slot() {
        let log = RequestLog::new(2);
        log.record(sample(200, None));
        log.record(sample(200, None));
        log.record(sample(201, None)); // seq 3, slot 0
        let stale = Some(Arc::new(LoggedRequest {
            seq: 1,
            ..sample(500, None)
        }));
        log.slot(1).rcu(|current| match current {
            Some(c) if c.seq > 1 => current.clone(),
            _ => stale.clone(),
        });
        assert_eq!(log.get(3).map(|e| e.status), Some(201));
    }
}
