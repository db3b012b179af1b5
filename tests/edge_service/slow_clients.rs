//! Slow, stuck and idle clients, over raw TCP against the example's server: a connection that
//! stops mid-headers or mid-body is closed within the configured timeout, an idle kept-alive
//! one is closed too, and none of them holds a stopping server past its shutdown grace.
//!
//! The timeouts are short here; `BOUND` is only how long a test waits before declaring the
//! connection held (it is never reached when the server behaves), so nothing here measures
//! speed.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::server::{Timeouts, serve};
use crate::{ADMIN, PLAY_TIME, TestClock, app, settings};

/// Longer than any configured timeout by far: reaching it means the server held on.
const BOUND: Duration = Duration::from_secs(30);

const SHORT: Timeouts = Timeouts {
    header_read: Duration::from_millis(300),
    body_read: Duration::from_millis(300),
    shutdown_grace: Duration::from_millis(300),
};

/// The in-memory edge app served with `timeouts`; the sender stops it, the handle ends when
/// it has stopped.
async fn start(timeouts: Timeouts) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let clock = TestClock::at(PLAY_TIME);
    let app = app::memory_app(settings(&clock)).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, timeouts, async {
        let _ = stopped.await;
    }));
    (address, stop, server)
}

/// Everything the server sends until it closes the connection; panics if it is still open
/// after `BOUND`.
async fn until_closed(stream: &TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buffer = [0_u8; 4096];
        loop {
            match read_some(stream, &mut buffer).await {
                // A reset is a close too.
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server still holds the connection after {BOUND:?}; received {:?}",
        String::from_utf8_lossy(&received)
    );
    String::from_utf8_lossy(&received).into_owned()
}

/// Reads what has arrived (waiting for something); 0 at the end of the stream.
async fn read_some(stream: &TcpStream, buffer: &mut [u8]) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buffer) {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            read => return read,
        }
    }
}

async fn connect_and_send(address: SocketAddr, bytes: &str) -> TcpStream {
    let stream = TcpStream::connect(address).await.unwrap();
    let mut rest = bytes.as_bytes();
    while !rest.is_empty() {
        stream.writable().await.unwrap();
        match stream.try_write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(err) => panic!("write failed: {err}"),
        }
    }
    stream
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_closed_after_the_header_timeout() {
    let (address, _stop, _server) = start(SHORT).await;
    let stream = connect_and_send(
        address,
        "GET /v1/play/acct-e2e/video-7 HTTP/1.1\r\nHost: edge\r\nUser-Agent: sl",
    )
    .await;
    let answer = until_closed(&stream).await;
    // hyper closes without an answer (or, in some versions, with a bare 408).
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let (address, _stop, _server) = start(SHORT).await;
    let stream = TcpStream::connect(address).await.unwrap();
    let answer = until_closed(&stream).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_stalled_admin_body_is_answered_in_json_and_closed_after_the_body_timeout() {
    let (address, _stop, _server) = start(SHORT).await;
    let stream = connect_and_send(
        address,
        &format!(
            "POST /v1/accounts/acct-e2e/keys HTTP/1.1\r\nHost: edge\r\n\
             Authorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n{{\"value\": \"MFkw"
        ),
    )
    .await;
    let answer = until_closed(&stream).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains(r#""error":"malformed_json""#), "{answer}");
}

#[tokio::test]
async fn a_stalled_body_on_the_playback_route_is_answered_and_closed() {
    let (address, _stop, _server) = start(SHORT).await;
    let stream = connect_and_send(
        address,
        "GET /v1/play/acct-e2e/video-7 HTTP/1.1\r\nHost: edge\r\nContent-Length: 100\r\n\r\nabc",
    )
    .await;
    let answer = until_closed(&stream).await;
    // The layer answers without reading the body; the connection cannot be reused after an
    // unfinished body, so it is closed.
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains(r#""error":"token_missing""#), "{answer}");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let (address, _stop, _server) = start(SHORT).await;
    let stream = connect_and_send(address, "GET /nowhere HTTP/1.1\r\nHost: edge\r\n\r\n").await;
    let answer = until_closed(&stream).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains(r#""error":"not_found""#), "{answer}");
}

#[tokio::test]
async fn idle_and_stuck_connections_do_not_hold_a_stopping_server_past_its_grace() {
    // Header and body timeouts far longer than the test: only the shutdown may free these.
    let (address, stop, server) = start(Timeouts {
        header_read: Duration::from_secs(600),
        body_read: Duration::from_secs(600),
        shutdown_grace: Duration::from_millis(300),
    })
    .await;
    // Kept alive and idle after one answered request.
    let idle = connect_and_send(address, "GET /nowhere HTTP/1.1\r\nHost: edge\r\n\r\n").await;
    let mut first = [0_u8; 12];
    let read = read_some(&idle, &mut first).await.unwrap();
    assert_eq!(&first[..read], &b"HTTP/1.1 404"[..read]);
    assert!(read > 0);
    // Stuck in the middle of its headers.
    let stuck = connect_and_send(address, "GET /v1/play/acct-e2e/video-7 HTTP/1.1\r\nHo").await;

    stop.send(()).unwrap();
    let stopped = tokio::time::timeout(BOUND, server).await;
    assert!(stopped.is_ok(), "the server did not stop within {BOUND:?}");
    until_closed(&idle).await;
    until_closed(&stuck).await;
}
