//! What the Unix socket holds out against: idle and silent clients by the hundred, frames
//! announced and never sent, empty input on a full queue, and hook reports far over the
//! limits `ccmux hook` applies. The caps are lowered through `[limits]` so that each case
//! takes a few seconds.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ccmux::protocol::{self, ClientMessage, ServerMessage};
use ccmux::screen::input::Input;
use ccmux::session::SessionId;
use common::fixture_api::*;
use common::server::{Server, ccmux, start_server_with_config_and_fd_limit};
use serde_json::json;

const LIMITS: &str = "[limits]\nsocket_clients = 8\nsocket_hello_ms = 500\n\
                      socket_idle_ms = 1000\nsocket_frame_ms = 500\n";

fn server() -> Server {
    start_server_with_config_and_fd_limit(LIMITS, 128)
}

fn connect(server: &Server) -> UnixStream {
    let stream = UnixStream::connect(server.socket()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

fn send(stream: &mut UnixStream, message: &ClientMessage) {
    stream
        .write_all(&protocol::encode(message).unwrap())
        .unwrap();
}

fn receive(stream: &mut UnixStream) -> Option<ServerMessage> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut body).ok()?;
    protocol::decode(&body).ok()
}

fn hello(server: &Server) -> UnixStream {
    let mut stream = connect(server);
    send(
        &mut stream,
        &ClientMessage::Hello {
            version: protocol::VERSION,
        },
    );
    let welcome = receive(&mut stream);
    assert!(
        matches!(welcome, Some(ServerMessage::Welcome { .. })),
        "{welcome:?}"
    );
    stream
}

/// How long until the server closes `stream` (reading nothing more than `limit`).
fn closed_after(stream: &mut UnixStream) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = Vec::new();
    match stream.read_to_end(&mut sink) {
        Ok(_) => Some(started.elapsed()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Some(started.elapsed()),
        Err(_) => None,
    }
}

fn ls_works(server: &Server) -> bool {
    let mut child = ccmux(server.home.path())
        .arg("ls")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

#[test]
fn hundreds_of_silent_clients_leave_the_server_its_descriptors() {
    let server = server();
    let before = server.open_fds();
    let silent: Vec<UnixStream> = (0..300)
        .filter_map(|_| UnixStream::connect(server.socket()).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let held = server.open_fds();
    eprintln!("descriptors: {before} before, {held} with 300 silent clients");
    assert!(held <= before + 8 + 4, "{held} descriptors open");
    let (status, _) = server.call("GET", "/api/v1/health", None);
    assert_eq!(status, 200);
    // Past their hello deadline they hold nothing.
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        ls_works(&server),
        "ls must work though they are still connected"
    );
    drop(silent);
}

#[test]
fn a_client_that_never_says_hello_is_closed_at_its_deadline() {
    let server = server();
    let mut stream = connect(&server);
    let took = closed_after(&mut stream).expect("still open after 5 s");
    assert!(took < Duration::from_secs(2), "closed after {took:?}");
}

#[test]
fn a_client_attached_to_nothing_and_silent_is_closed_at_the_idle_limit() {
    let server = server();
    let mut stream = hello(&server);
    let took = closed_after(&mut stream).expect("still open after 5 s");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}

#[test]
fn frames_announced_and_never_sent_hold_no_memory_and_are_dropped() {
    let server = server();
    let before = server.rss_kib();
    // 16 MiB is the default budget: the largest frame a client may announce.
    let mut half_sent: Vec<UnixStream> = (0..8)
        .map(|_| {
            let mut stream = hello(&server);
            stream.write_all(&(16u32 << 20).to_be_bytes()).unwrap();
            stream.write_all(b"x").unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let grown = server.rss_kib().saturating_sub(before);
    eprintln!("RSS grew {grown} KiB with 8 frames of 16 MiB announced");
    assert!(grown < 32 * 1024, "{grown} KiB");
    for stream in &mut half_sent {
        let took = closed_after(stream).expect("a half-sent frame is kept");
        assert!(took < Duration::from_secs(3), "closed after {took:?}");
    }
}

#[test]
fn a_frame_announced_over_the_budget_is_refused_at_once() {
    let server = server();
    let mut stream = hello(&server);
    stream.write_all(&(64u32 << 20).to_be_bytes()).unwrap();
    // The server may already have closed: a refused write is the answer too.
    let _ = stream.write_all(b"x");
    let took = closed_after(&mut stream).expect("an over-budget frame is kept");
    assert!(took < Duration::from_millis(400), "closed after {took:?}");
}

/// The CPU time process `pid` has used, in clock ticks (a hundredth of a second).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// A session whose program never reads its input (in raw mode, so that the terminal does not
/// drop what does not fit a line), its queue filled over the API.
fn full_queue(server: &Server) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let script = "import sys, time, tty; tty.setraw(0); print('raw', flush=True); time.sleep(600)";
    let body = json!({"task_id": "full", "project_path": dir.path(),
                      "command": ["python3", "-c", script], "profile": "generic"});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    wait_for(server, id, "raw mode", |_| {
        screen(server, id).contains("raw")
    });
    // Smaller and smaller chunks, until not one byte more fits.
    let mut chunk = 256 * 1024;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let input = json!({"data": "x".repeat(chunk)});
        let (status, _) = server.call("POST", &format!("/api/v1/sessions/{id}/input"), Some(input));
        match status {
            429 if chunk == 1 => return id,
            429 => chunk /= 2,
            _ => {}
        }
        assert!(Instant::now() < deadline, "the queue never filled");
    }
}

#[test]
fn empty_input_on_a_full_queue_is_refused_over_the_api_and_the_socket() {
    let server = server();
    let id = full_queue(&server);
    // A PTY whose program does not read says it is writable while taking nothing: the
    // server must not spin on it (it once took a whole core, and with one worker, hung).
    let busy = cpu_ticks(server.child.id());
    std::thread::sleep(Duration::from_secs(1));
    let spent = cpu_ticks(server.child.id()) - busy;
    assert!(
        spent < 30,
        "the server spent {spent} ticks of 100 in a second on a full queue"
    );
    let (status, body) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({"data": ""})),
    );
    assert_eq!(status, 429, "{body}");

    let mut stream = hello(&server);
    let input = ClientMessage::Input {
        session: SessionId(id),
        input: Input::Text(String::new()),
    };
    send(&mut stream, &input);
    send(&mut stream, &ClientMessage::List);
    let mut told = Vec::new();
    loop {
        match receive(&mut stream) {
            Some(ServerMessage::Notice { text }) => told.push(text),
            Some(ServerMessage::Listing { .. }) | None => break,
            Some(_) => {}
        }
    }
    assert!(
        told.iter().any(|t| t.contains("not reading its input")),
        "no notice of a full queue: {told:?}"
    );
}

#[test]
fn a_hook_report_over_the_limits_is_cut_by_the_server() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "big-report", dir.path(), json!({}));
    let pid = info(&server, id)["pid"].as_u64().unwrap();
    let capability = environ(pid, "CCMUX_HOOK_CAPABILITY").unwrap();
    let report: ccmux::claude::Report = serde_json::from_value(json!({"Hook": {
        "claude_session_id": "a".repeat(1 << 20),
        "kind": {"Notification": {"message": "m".repeat(1 << 20)}},
    }}))
    .unwrap();
    let mut stream = hello(&server);
    send(
        &mut stream,
        &ClientMessage::Report(ccmux::claude::ReportPost {
            session: SessionId(id),
            capability,
            report,
        }),
    );
    assert!(matches!(
        receive(&mut stream),
        Some(ServerMessage::ReportTaken { .. })
    ));
    let (status, list) = server.call("GET", "/api/v1/sessions", None);
    assert_eq!(status, 200);
    let size = list.to_string().len();
    eprintln!("GET /sessions: {size} bytes after a report of 2 MiB");
    assert!(size < 64 * 1024, "{size} bytes");
}
