//! The HTTP/1.1 codec against hand-written exchanges: framing, keep-alive, refusals.

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

#[tokio::test]
async fn http_1_0_closes_after_the_response() {
    let out = exchange(b"GET /x HTTP/1.0\r\n\r\nGET /y HTTP/1.0\r\n\r\n").await;
    assert!(out.contains("Connection: close"), "{out}");
    assert!(!out.contains("/y"), "{out}");
}

/// The status line the codec answers `input` with (the first response's).
async fn first_status(input: &'static [u8]) -> String {
    let out = exchange(input).await;
    out.lines().next().unwrap_or("").to_string()
}

#[tokio::test]
async fn content_length_is_digits_only_and_agrees_with_itself() {
    for value in ["+4", "-4", "0x4", "4 4", "4,4", "", " +0"] {
        let input = format!("POST /a HTTP/1.1\r\nContent-Length: {value}\r\n\r\nabcd");
        let out = exchange(input.leak().as_bytes()).await;
        assert!(
            out.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{value:?}: {out}"
        );
    }
    assert_eq!(
        first_status(b"POST /a HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 3\r\n\r\nabcd")
            .await,
        "HTTP/1.1 400 Bad Request"
    );
    // Agreeing duplicates and surrounding whitespace are fine.
    let out =
        exchange(b"POST /a HTTP/1.1\r\nContent-Length:  4 \r\nContent-Length: 4\r\n\r\nabcd").await;
    assert!(out.ends_with("POST /a abcd"), "{out}");
    // Too many digits for any integer is valid syntax for a body over the limit.
    let out =
        exchange(b"POST /a HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n").await;
    assert!(
        out.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{out}"
    );
    assert!(out.ends_with(r#"{"message":"HTTP content length exceeded 10485760 bytes."}"#));
}

#[tokio::test]
async fn transfer_codings_other_than_a_final_chunked_are_refused() {
    let body = "\r\n\r\n0\r\n\r\n";
    for (codings, status) in [
        ("chunked, gzip", "HTTP/1.1 400 Bad Request"),
        ("chunked, chunked", "HTTP/1.1 400 Bad Request"),
        (
            "chunked\r\nTransfer-Encoding: gzip",
            "HTTP/1.1 400 Bad Request",
        ),
        ("", "HTTP/1.1 400 Bad Request"),
        ("gzip, chunked", "HTTP/1.1 501 Not Implemented"),
        (
            "gzip\r\nTransfer-Encoding: chunked",
            "HTTP/1.1 501 Not Implemented",
        ),
        ("gzip", "HTTP/1.1 501 Not Implemented"),
        ("chunked;q=1", "HTTP/1.1 501 Not Implemented"),
    ] {
        let input = format!("POST /a HTTP/1.1\r\nTransfer-Encoding: {codings}{body}");
        let out = exchange(input.leak().as_bytes()).await;
        assert!(
            out.starts_with(&format!("{status}\r\n")),
            "{codings:?}: {out}"
        );
        assert!(out.contains("Connection: close\r\n"), "{out}");
    }
    // Case and empty list elements do not matter.
    let out =
        exchange(b"POST /a HTTP/1.1\r\nTransfer-Encoding: , CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n")
            .await;
    assert!(out.ends_with("POST /a z"), "{out}");
}

#[tokio::test]
async fn two_host_headers_are_refused() {
    assert_eq!(
        first_status(b"GET /a HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n").await,
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        first_status(b"GET https://a/x HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n").await,
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        first_status(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n").await,
        "HTTP/1.1 200 OK"
    );
}

#[tokio::test]
async fn request_targets_need_a_form_rfc_9112_allows() {
    for input in [
        &b"GET test/pets HTTP/1.1\r\n\r\n"[..],
        b"GET * HTTP/1.1\r\n\r\n",
        b"GET example.com:443 HTTP/1.1\r\n\r\n",
        b"GET ftp://a/x HTTP/1.1\r\n\r\n",
        b"GET https:///x HTTP/1.1\r\n\r\n",
        b"CONNECT example.com HTTP/1.1\r\n\r\n",
        b"CONNECT :443 HTTP/1.1\r\n\r\n",
    ] {
        let out = exchange(input).await;
        assert!(
            out.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{}: {out}",
            String::from_utf8_lossy(input)
        );
    }
    // Origin form, asterisk form for OPTIONS, authority form for CONNECT, absolute form.
    assert!(exchange(b"OPTIONS * HTTP/1.1\r\n\r\n")
        .await
        .ends_with("OPTIONS * "));
    assert!(exchange(b"CONNECT example.com:443 HTTP/1.1\r\n\r\n")
        .await
        .ends_with("CONNECT example.com:443 "));
    assert!(exchange(b"GET https://a/x?y HTTP/1.1\r\n\r\n")
        .await
        .ends_with("GET /x?y "));
}

#[tokio::test]
async fn chunk_sizes_are_hex_digits_and_never_overflow() {
    // 1 byte, then a chunk as large as usize can say: the sum used to wrap past the limit.
    let out = exchange(
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\nffffffffffffffff\r\nxxxx",
    )
    .await;
    assert!(
        out.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{out}"
    );
    let out = exchange(
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000000000\r\nxxxx",
    )
    .await;
    assert!(
        out.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{out}"
    );
    for size in ["+1", "-1", " 1", "0x1", "", "1\x0b", "1;a\nb"] {
        let input = format!(
            "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nz\r\n0\r\n\r\n"
        );
        let out = exchange(input.leak().as_bytes()).await;
        assert!(
            out.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{size:?}: {out}"
        );
    }
    // Whitespace before an extension is allowed (BWS), as are leading zeros.
    let out = exchange(
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n001 ;x=y\r\nz\r\n0\r\n\r\n",
    )
    .await;
    assert!(out.ends_with("POST /a z"), "{out}");
}

#[tokio::test]
async fn trailers_count_against_the_head_limit() {
    let mut input = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec();
    for _ in 0..700 {
        input.extend_from_slice(b"X-Trailer: 0123456789012345678901234567890123456789\r\n");
    }
    input.extend_from_slice(b"\r\n");
    let out = exchange(input.leak()).await;
    assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
}

/// Sends `input` one byte every `every`, then reads what the server answered and when it
/// closed; the server's limits are the defaults with a `timeout` request timeout.
async fn drip(input: &'static [u8], every: Duration, timeout: Duration) -> (String, Duration) {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (_tx, rx) = watch::channel(false);
    let limits = Http1Limits {
        request_timeout: timeout,
        idle_timeout: timeout,
        ..Http1Limits::default()
    };
    let task = tokio::spawn(async move {
        serve(server, &limits, rx, |_req: GatewayRequest| async move {
            GatewayResponse {
                status: 200,
                content_type: Cow::Borrowed("text/plain"),
                headers: Vec::new(),
                body: Bytes::new(),
            }
        })
        .await
    });
    let (mut r, mut w) = tokio::io::split(client);
    let started = tokio::time::Instant::now();
    let writer = tokio::spawn(async move {
        for byte in input {
            if w.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(every).await;
        }
        w
    });
    let mut out = String::new();
    let _ = r.read_to_string(&mut out).await;
    let closed = started.elapsed();
    writer.abort();
    task.await.unwrap();
    (out, closed)
}

#[tokio::test]
async fn the_request_timeout_bounds_the_whole_head_and_body() {
    let every = Duration::from_millis(20);
    let timeout = Duration::from_millis(300);
    // 40 bytes a 20 ms: each read is quick, the head as a whole is not.
    let (out, closed) = drip(
        b"GET /a HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaa\r\n\r\n",
        every,
        timeout,
    )
    .await;
    assert_eq!(out, "", "closed without an answer, as for any late request");
    assert!(
        closed >= timeout && closed < Duration::from_millis(700),
        "{closed:?}"
    );
    let (out, closed) = drip(
        b"POST /a HTTP/1.1\r\nContent-Length: 40\r\n\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Duration::from_millis(10),
        timeout,
    )
    .await;
    assert_eq!(out, "");
    assert!(
        closed >= timeout && closed < Duration::from_millis(700),
        "{closed:?}"
    );
    // Within the deadline a dripped request is served.
    let (out, _) = drip(
        b"GET /a HTTP/1.1\r\n\r\n",
        Duration::from_millis(5),
        timeout,
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
}
