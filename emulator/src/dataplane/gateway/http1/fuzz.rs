//! Property tests of the HTTP/1.1 reader against hostile byte streams, and the corpus of inputs
//! that once broke it (or would break a careless reader), replayed on every test run.
//!
//! Streams are built from pieces of requests (request lines, framing headers with odd values,
//! chunk sizes up to `u64::MAX`, stray bytes) and delivered in arbitrary slices, so that every
//! read boundary is tried. Whatever arrives, the codec must not panic (its buffer bound is a
//! `debug_assert!` in `Conn::fill`, so buffering past the limits panics here), must hand the
//! handler no body over the limit, and must answer only with whole responses: the handler's, or
//! one 4xx/5xx after which the connection closes. Small limits keep each case fast: the whole
//! file runs in a few seconds in a debug build.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use super::{serve, Http1Limits};
use crate::dataplane::gateway::response::GatewayResponse;
use crate::dataplane::gateway::GatewayRequest;

const MAX_HEAD: usize = 512;
const MAX_BODY: usize = 1024;

fn limits() -> Http1Limits {
    Http1Limits {
        max_head_bytes: MAX_HEAD,
        max_headers: 16,
        max_body_bytes: MAX_BODY,
        idle_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        handshake_timeout: Duration::from_secs(1),
    }
}

/// What the server did with one stream.
struct Outcome {
    output: Vec<u8>,
    bodies: Vec<usize>,
}

/// Feeds `input` to the codec in slices of the sizes in `splits` (the rest at once), then
/// closes the stream; panics if the codec panicked or did not finish.
fn run(input: &[u8], splits: &[usize]) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), exchange(input, splits))
            .await
            .expect("the codec finishes once the stream ends")
    })
}

async fn exchange(input: &[u8], splits: &[usize]) -> Outcome {
    let (client, server) = tokio::io::duplex(4096);
    let (_stop, stopped) = watch::channel(false);
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let server = tokio::spawn(async move {
        let limits = limits();
        serve(server, &limits, stopped, |request: GatewayRequest| {
            let seen = seen.clone();
            async move {
                seen.lock().expect("not poisoned").push(request.body.len());
                GatewayResponse {
                    status: 200,
                    content_type: Cow::Borrowed("text/plain"),
                    headers: Vec::new(),
                    body: Bytes::from(request.body.len().to_string()),
                }
            }
        })
        .await
    });
    let (mut reader, mut writer) = tokio::io::split(client);
    let slices = slices(input, splits);
    let writing = tokio::spawn(async move {
        for slice in slices {
            if writer.write_all(&slice).await.is_err() {
                return;
            }
            // Lets the server read this slice alone.
            tokio::task::yield_now().await;
        }
        let _ = writer.shutdown().await;
    });
    let mut output = Vec::new();
    let _ = reader.read_to_end(&mut output).await;
    server.await.expect("the codec does not panic");
    let _ = writing.await;
    let bodies = bodies.lock().expect("not poisoned").clone();
    Outcome { output, bodies }
}

fn slices(input: &[u8], splits: &[usize]) -> Vec<Vec<u8>> {
    let mut rest = input;
    let mut out = Vec::new();
    for &n in splits {
        let (slice, tail) = rest.split_at(n.min(rest.len()));
        out.push(slice.to_vec());
        rest = tail;
    }
    out.push(rest.to_vec());
    out
}

/// The statuses of the responses in `output`, checking that each is whole and that nothing
/// follows a refusal.
fn statuses(output: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(output);
    let mut rest: &str = &text;
    let mut statuses = Vec::new();
    while !rest.is_empty() {
        assert!(
            statuses.last().is_none_or(|s| *s < 400),
            "after a refusal: {text}"
        );
        let (head, tail) = rest.split_once("\r\n\r\n").expect("a whole head");
        let status: u16 = head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a status line: {text}"));
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |n| n.parse().expect("a length"));
        assert!(tail.len() >= length, "a whole body: {text}");
        rest = &tail[length..];
        statuses.push(status);
    }
    statuses
}

/// The properties every stream must keep.
fn check(input: &[u8], splits: &[usize]) -> Vec<u16> {
    let outcome = run(input, splits);
    assert!(
        outcome.bodies.iter().all(|n| *n <= MAX_BODY),
        "{:?}",
        outcome.bodies
    );
    let statuses = statuses(&outcome.output);
    for status in &statuses {
        assert!(matches!(status, 100 | 200 | 400..=599), "{statuses:?}");
    }
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(served, outcome.bodies.len(), "{statuses:?}");
    statuses
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    let texts = prop::sample::select(vec![
        "GET /a HTTP/1.1\r\n",
        "POST /b HTTP/1.1\r\n",
        "OPTIONS * HTTP/1.1\r\n",
        "CONNECT h:1 HTTP/1.1\r\n",
        "GET x HTTP/1.0\r\n",
        "Host: h\r\n",
        "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Expect: 100-continue\r\n",
        "Connection: close\r\n",
        "Content-Length: +4\r\n",
        "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        "\r\n",
        "\r",
        "\n",
        "0\r\n\r\n",
        ";ext=1\r\n",
    ]);
    let size = prop_oneof![0u64..40, Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()];
    prop_oneof![
        4 => texts.prop_map(|t| t.as_bytes().to_vec()),
        2 => size.clone().prop_map(|n| format!("{n:x}\r\n").into_bytes()),
        1 => size.prop_map(|n| format!("Content-Length: {n}\r\n").into_bytes()),
        1 => (1usize..700).prop_map(|n| vec![b'x'; n]),
        1 => prop::collection::vec(any::<u8>(), 0..48),
    ]
}

/// A well-formed request for `/w` with `body`, framed by length or in chunks of `chunks` sizes.
fn well_formed(body: &[u8], chunked: Option<&[usize]>) -> Vec<u8> {
    let Some(sizes) = chunked else {
        let head = format!("POST /w HTTP/1.1\r\nContent-Length: {}\r\n\r\n", body.len());
        return [head.as_bytes(), body].concat();
    };
    let mut out = b"POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for slice in slices(body, sizes).iter().filter(|s| !s.is_empty()) {
        out.extend_from_slice(format!("{:x}\r\n", slice.len()).as_bytes());
        out.extend_from_slice(slice);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// A chunked request whose chunks claim a size and mostly carry as many bytes (up to 600),
/// sometimes another number: sizes near `u64::MAX` probe the sum's arithmetic, mismatches the
/// framing.
fn chunked_stream() -> impl Strategy<Value = Vec<u8>> {
    let size = prop_oneof![0u64..600, u64::MAX - 8..=u64::MAX, any::<u64>()];
    let length = prop_oneof![3 => Just(None), 1 => (0usize..600).prop_map(Some)];
    let chunk = (size, length, prop::bool::weighted(0.9));
    prop::collection::vec(chunk, 0..6).prop_map(|chunks| {
        let mut out = b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for (size, length, crlf) in chunks {
            out.extend_from_slice(format!("{size:x}\r\n").as_bytes());
            let claimed = usize::try_from(size).unwrap_or(usize::MAX).min(600);
            out.extend(std::iter::repeat_n(b'c', length.unwrap_or(claimed)));
            if crlf {
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_stream_in_any_slices_is_served_or_refused_within_the_limits(
        pieces in prop::collection::vec(piece(), 0..14),
        splits in prop::collection::vec(1usize..48, 0..24),
    ) {
        check(&pieces.concat(), &splits);
    }

    #[test]
    fn chunked_bodies_with_any_sizes_are_bounded(
        input in chunked_stream(),
        splits in prop::collection::vec(1usize..600, 0..8),
    ) {
        check(&input, &splits);
    }

    #[test]
    fn a_well_formed_request_in_any_slices_gets_its_answer(
        body in prop::collection::vec(any::<u8>(), 0..1400),
        chunks in prop::option::of(prop::collection::vec(1usize..400, 0..6)),
        splits in prop::collection::vec(1usize..64, 0..24),
    ) {
        let input = well_formed(&body, chunks.as_deref());
        let expected = if body.len() > MAX_BODY { 413 } else { 200 };
        prop_assert_eq!(check(&input, &splits), vec![expected]);
    }
}

/// Inputs that broke the codec or that a careless reader gets wrong, with the status of the
/// first answer (0: none, the stream ended first).
const CORPUS: &[(&str, &[u8], u16)] = &[
    (
        "a 1-byte chunk, then one whose size wraps the sum past the limit (issue 19)",
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\nffffffffffffffff\r\nxxxxxxxx",
        413,
    ),
    (
        "a chunk size longer than any integer",
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100000000000000000000\r\nx",
        413,
    ),
    ("a signed chunk size", b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+1\r\nx\r\n0\r\n\r\n", 400),
    ("a bare LF in a chunk extension", b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\nb\r\nx\r\n0\r\n\r\n", 400),
    ("a signed Content-Length", b"POST /a HTTP/1.1\r\nContent-Length: +4\r\n\r\nabcd", 400),
    ("two Content-Lengths", b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    ("a Content-Length over the limit", b"POST /a HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413),
    ("a Content-Length past u64", b"POST /a HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413),
    ("chunked, then gzip", b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("gzip alone", b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ("both framings", b"POST /a HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("two Hosts", b"GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("a target without its slash", b"GET a HTTP/1.1\r\n\r\n", 400),
    ("too many headers", b"GET /a HTTP/1.1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\nA:1\r\n\r\n", 431),
    ("CRLF split between reads", b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200),
    ("a head cut short", b"GET /a HTTP/1.1\r\nHost: a\r\n", 0),
    ("nothing", b"", 0),
];

#[test]
fn the_corpus_is_served_or_refused_as_recorded() {
    let long_line = [
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;".as_slice(),
        &[b'e'; 5000],
    ]
    .concat();
    let long_head = [
        b"GET /a HTTP/1.1\r\nX: ".as_slice(),
        &[b'h'; MAX_HEAD],
        b"\r\n\r\n",
    ]
    .concat();
    let over = [
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n".as_slice(),
        &[b'b'; 600],
        b"\r\n258\r\n",
    ]
    .concat();
    let generated = [
        (
            "a chunk-size line past the line limit",
            long_line.as_slice(),
            400,
        ),
        ("a head past the limit", long_head.as_slice(), 431),
        ("two chunks over the limit together", over.as_slice(), 413),
    ];
    for (what, input, expected) in CORPUS.iter().copied().chain(generated) {
        for splits in [&[][..], &[1; 4096][..], &[7; 1024][..], &[4093, 3][..]] {
            let statuses = check(input, splits);
            let first = statuses.first().copied().unwrap_or(0);
            assert_eq!(
                first,
                expected,
                "{what}, slices {:?}: {statuses:?}",
                &splits[..splits.len().min(2)]
            );
        }
    }
}
