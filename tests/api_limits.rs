//! What the API holds out against without a token: half-sent requests by the hundred, idle
//! connections, and too many WebSockets.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, start_server, start_server_with_fd_limit};
use serde_json::{Value, json};

const HALF_SENT: &[u8] = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n";

/// A request head that never ends; `None` when the server no longer takes connections.
fn half_sent(server: &Server) -> Option<TcpStream> {
    let addr = server.addr.parse().unwrap();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    // The server may already have closed it; that is what it is allowed to do.
    let _ = stream.write_all(HALF_SENT);
    Some(stream)
}

/// `GET /api/v1/health` on a fresh connection: its status line, and how long it took.
fn health(server: &Server) -> (String, Duration) {
    let started = Instant::now();
    let addr = server.addr.parse().unwrap();
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(10)) else {
        return ("no connection".into(), started.elapsed());
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response.lines().next().unwrap_or_default().to_string();
    (status, started.elapsed())
}

#[test]
fn health_answers_at_once_while_600_half_sent_requests_are_held() {
    // Few descriptors, so 600 connections are more than the server could ever hold open.
    let server = start_server_with_fd_limit(256);
    let held: Vec<TcpStream> = (0..600).map_while(|_| half_sent(&server)).collect();
    let (status, took) = health(&server);
    assert_eq!(status, "HTTP/1.1 200 OK", "after {took:?}");
    assert!(took < Duration::from_secs(3), "health took {took:?}");
    drop(held);
}

#[test]
fn a_request_head_not_finished_within_ten_seconds_is_closed() {
    let server = start_server();
    let mut stream = half_sent(&server).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = stream.read_to_end(&mut rest);
    let took = started.elapsed();
    assert!(
        !matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "still open after {took:?}"
    );
    assert!(
        (Duration::from_secs(9)..Duration::from_secs(15)).contains(&took),
        "closed after {took:?}"
    );
}

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>;

fn connect_ws(server: &Server, id: u64) -> Result<Socket, tungstenite::Error> {
    let request = ccmux::ctl::ws_request(&server.addr, id, &format!("Bearer {TOKEN}")).unwrap();
    tungstenite::connect(request).map(|(socket, _)| socket)
}

fn bash_session(server: &Server, dir: &std::path::Path) -> u64 {
    let body = json!({"task_id": "ws-cap", "project_path": dir,
                      "command": ["bash", "--norc", "--noprofile", "-i"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    info["session_id"].as_u64().unwrap()
}

#[test]
fn the_17th_websocket_to_one_session_is_refused_with_429_until_one_closes() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = bash_session(&server, dir.path());
    let mut open: Vec<Socket> = (0..16).map(|_| connect_ws(&server, id).unwrap()).collect();

    let Err(tungstenite::Error::Http(refused)) = connect_ws(&server, id) else {
        panic!("the 17th WebSocket was accepted");
    };
    assert_eq!(refused.status(), 429);
    let body: Value =
        serde_json::from_slice(refused.body().as_deref().unwrap_or_default()).unwrap();
    assert_eq!(body["error"]["code"], "too_many_websockets", "{body}");

    open.pop().unwrap().close(None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while connect_ws(&server, id).is_err() {
        assert!(
            Instant::now() < deadline,
            "the closed socket's place never came free"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET /api/v1/health` with the token on a fresh connection, after `pause`: its status line.
fn health_with_token(server: &Server, pause: Duration) -> String {
    let addr = server.addr.parse().unwrap();
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(10)) else {
        return "no connection".into();
    };
    std::thread::sleep(pause);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Connection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return "closed before the request".into();
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response.lines().next().unwrap_or_default();
    if status.is_empty() {
        "closed without an answer".into()
    } else {
        status.to_string()
    }
}

/// Keeps `count` connections open that `start` begins, opening a new one as each is closed,
/// until `stop`.
fn flood(
    server: &Server,
    count: usize,
    start: Vec<u8>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    std::thread::spawn(move || {
        let open = || {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
            let _ = s.write_all(&start);
            s.set_nonblocking(true).ok()?;
            Some(s)
        };
        let mut streams: Vec<Option<TcpStream>> = (0..count).map(|_| open()).collect();
        let mut opened = count;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            for slot in &mut streams {
                let closed = match slot {
                    Some(s) => !matches!(s.read(&mut [0; 512]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
                    None => true,
                };
                if closed {
                    *slot = open();
                    opened += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        opened
    })
}

#[test]
fn health_with_a_token_answers_through_a_flood_of_login_bodies_that_never_come() {
    // 32 connections at most (half of 64 descriptors); 48 logins keep them all.
    let server = start_server_with_fd_limit(64);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooding = flood(
        &server,
        48,
        format!(
            "POST /web/login HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{",
            server.addr
        )
        .into_bytes(),
        stop.clone(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let answers: Vec<String> = (0..10)
        .map(|_| health_with_token(&server, Duration::ZERO))
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let opened = flooding.join().unwrap();
    let ok = answers.iter().filter(|a| *a == "HTTP/1.1 200 OK").count();
    eprintln!("health: {ok}/10 answered 200 while {opened} login connections were opened");
    assert_eq!(ok, 10, "{answers:?}");
}

#[test]
fn honest_clients_that_pause_200_ms_are_served_through_a_connect_flood() {
    let server = start_server_with_fd_limit(64);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Silent connections, each closed by the flood itself once 64 newer ones are open.
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    let flooding = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut open = std::collections::VecDeque::new();
            let mut opened = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                    open.push_back(s);
                    opened += 1;
                }
                if open.len() > 64 {
                    open.pop_front();
                }
            }
            opened
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let answers: Vec<String> = (0..10)
        .map(|_| health_with_token(&server, Duration::from_millis(200)))
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let opened = flooding.join().unwrap();
    let ok = answers.iter().filter(|a| *a == "HTTP/1.1 200 OK").count();
    eprintln!("honest clients: {ok}/10 served while the flood opened {opened} connections");
    assert_eq!(ok, 10, "{answers:?}");
}
