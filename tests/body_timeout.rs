//! A client that sends a request head and then stalls or trickles the body is cut off: the
//! body must arrive within a bounded time of the head (10 s), through a raw TCP socket.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, start_server};

/// A POST whose head promises a 1000-byte body and whose first `sent` bytes follow it.
fn promise_a_body(server: &Server, token: Option<&str>, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .write_all(&b"{\"task_id\": \"x".repeat(100)[..sent])
        .unwrap();
    stream
}

/// Everything the server says until it closes the connection; panics if it is still open
/// after a minute, far past the 10 s it allows.
fn until_closed(mut stream: TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut said = Vec::new();
    match stream.read_to_end(&mut said) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!(
            "still open after a minute ({e}); it said: {}",
            String::from_utf8_lossy(&said)
        ),
    }
    String::from_utf8_lossy(&said).into_owned()
}

#[test]
fn a_stalled_body_is_answered_with_an_error_and_its_connection_closed() {
    let server = start_server();
    let said = until_closed(promise_a_body(&server, Some(TOKEN), 10));
    assert!(said.starts_with("HTTP/1.1 4"), "{said}");
    assert!(said.contains("did not arrive"), "{said}");
}

#[test]
fn a_stalled_body_without_a_token_is_closed_too() {
    let server = start_server();
    let said = until_closed(promise_a_body(&server, None, 10));
    assert!(
        said.is_empty() || said.starts_with("HTTP/1.1 401"),
        "{said}"
    );
}

#[test]
fn a_body_trickled_a_byte_at_a_time_is_cut_off() {
    let server = start_server();
    let mut stream = promise_a_body(&server, Some(TOKEN), 1);
    // The 999 bytes still owed, one every 200 ms, would take over three minutes.
    let started = Instant::now();
    let mut cut_off = false;
    for byte in b"{\"task_id\": \"x".repeat(100)[1..999].iter() {
        if stream.write_all(&[*byte]).is_err() {
            cut_off = true;
            break;
        }
        let mut peek = [0u8; 1];
        stream.set_nonblocking(true).unwrap();
        let closed = stream.peek(&mut peek).is_ok();
        stream.set_nonblocking(false).unwrap();
        if closed {
            cut_off = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(cut_off, "still taking bytes after {:?}", started.elapsed());
    let said = until_closed(stream);
    assert!(said.is_empty() || said.starts_with("HTTP/1.1 4"), "{said}");
}
