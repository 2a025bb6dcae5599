//! Many sessions on few threads, and commands that finish while other sessions flood: through
//! a real `ccmux serve` and its HTTP API.
//!
//! `cargo test --test scale -- --ignored --nocapture` also prints the command round-trip
//! figures (a measurement, not a test: nothing is asserted on time).

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, start_server_with_config};
use serde_json::{Value, json};

const ROOM_FOR_200: &str = "[limits]\nmax_sessions = 200\n";

fn bash_body(task: &str, dir: &std::path::Path) -> Value {
    json!({"task_id": task, "project_path": dir, "command": ["bash", "--norc", "--noprofile", "-i"],
           "environment": {"PS1": "ccmux-test$ "}, "terminal_size": [100, 30]})
}

fn create(server: &Server, body: Value) -> u64 {
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    info["session_id"].as_u64().unwrap()
}

fn wait_until_takes_commands(server: &Server, id: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        if info["state"] == "ready" || info["state"] == "idle" {
            return;
        }
        assert!(Instant::now() < deadline, "never ready: {info}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn command(server: &Server, id: u64, text: &str) -> Value {
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": text, "timeout": 60})),
    );
    assert_eq!(status, 200, "{result}");
    result
}

/// The `Threads:` line of the server's `/proc/PID/status`.
fn server_threads(server: &Server) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

#[test]
fn a_hundred_sessions_are_created_and_listed_on_at_most_110_server_threads() {
    let server = start_server_with_config(ROOM_FOR_200);
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<u64> = (0..100)
        .map(|i| create(&server, bash_body(&format!("many-{i}"), dir.path())))
        .collect();
    for &id in &ids {
        wait_until_takes_commands(&server, id);
    }
    let (status, list) = server.call("GET", "/api/v1/sessions", None);
    assert_eq!(status, 200);
    let listed: Vec<u64> = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_u64().unwrap())
        .collect();
    assert_eq!(listed.len(), 100, "{list}");
    assert!(ids.iter().all(|id| listed.contains(id)));
    let threads = server_threads(&server);
    println!("100 sessions: {threads} server threads");
    assert!(threads <= 110, "{threads} threads for 100 sessions");
    // Every one of them still serves its program.
    let last = *ids.last().unwrap();
    assert!(
        command(&server, last, "echo still-here")["output"]
            .as_str()
            .unwrap()
            .contains("still-here")
    );
}

#[test]
fn sessions_flooding_at_full_speed_do_not_stop_another_sessions_command() {
    let server = start_server_with_config(ROOM_FOR_200);
    let dir = tempfile::tempdir().unwrap();
    let quiet = create(&server, bash_body("quiet", dir.path()));
    let floods: Vec<u64> = (0..4)
        .map(|i| {
            create(
                &server,
                json!({"task_id": format!("flood-{i}"), "project_path": dir.path(),
                       "command": ["yes", "a line of flood output that never ends"]}),
            )
        })
        .collect();
    wait_until_takes_commands(&server, quiet);
    let read_before: Vec<u64> = floods
        .iter()
        .map(|&id| wait_for_bytes_read(&server, id, 256 << 10))
        .collect();
    for round in 0..5 {
        let result = command(&server, quiet, &format!("echo round-{round}"));
        assert_eq!(result["timed_out"], false, "{result}");
        assert!(
            result["output"]
                .as_str()
                .unwrap()
                .contains(&format!("round-{round}")),
            "{result}"
        );
    }
    // The floods were flowing all along, and still are.
    for (&id, &before) in floods.iter().zip(&read_before) {
        wait_for_bytes_read(&server, id, before + 1);
    }
}

/// Waits until session `id` has read more than `bytes`; returns what it has read.
fn wait_for_bytes_read(server: &Server, id: u64, bytes: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        let read = info["bytes_read"].as_u64().unwrap();
        if read > bytes {
            return read;
        }
        assert!(
            Instant::now() < deadline,
            "read no more than {bytes}: {info}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Prints the median and spread of `echo ok` round trips on bash, and thread counts.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn measure_command_round_trips_and_threads() {
    let server = start_server_with_config(ROOM_FOR_200);
    let dir = tempfile::tempdir().unwrap();
    let id = create(&server, bash_body("round-trip", dir.path()));
    wait_until_takes_commands(&server, id);
    command(&server, id, "echo warm");
    let mut times: Vec<Duration> = (0..50)
        .map(|_| {
            let start = Instant::now();
            let result = command(&server, id, "echo ok");
            assert_eq!(result["timed_out"], false, "{result}");
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "echo ok round trip over 50: median {:.1} ms, min {:.1} ms, p90 {:.1} ms",
        times[25].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[45].as_secs_f64() * 1e3
    );
    println!("1 session: {} server threads", server_threads(&server));
    let claude = create(
        &server,
        json!({"task_id": "claude", "project_path": dir.path(), "profile": "claude",
               "command": ["python3", common::fixture("fake_claude.py")], "auth_token": "sk-test"}),
    );
    wait_until_takes_commands(&server, claude);
    let mut turns: Vec<u64> = (0..10)
        .map(|_| {
            let result = command(&server, claude, "a quick one 0.05s");
            assert_eq!(result["state"], "idle", "{result}");
            result["duration_ms"].as_u64().unwrap()
        })
        .collect();
    turns.sort();
    println!(
        "fake Claude turn of 50 ms work (Enter goes 120 ms after the text): median {} ms",
        turns[5]
    );
    let floods: Vec<u64> = (0..4)
        .map(|i| {
            create(
                &server,
                json!({"task_id": format!("flood-{i}"), "project_path": dir.path(),
                       "command": ["yes", "a line of flood output that never ends"]}),
            )
        })
        .collect();
    for &flood in &floods {
        wait_for_bytes_read(&server, flood, 256 << 10);
    }
    let mut api: Vec<Duration> = (0..200)
        .map(|_| {
            let start = Instant::now();
            let (status, _) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
            assert_eq!(status, 200);
            start.elapsed()
        })
        .collect();
    api.sort();
    let (mut flooded, mut inside): (Vec<Duration>, Vec<u64>) = (0..20)
        .map(|_| {
            let start = Instant::now();
            let result = command(&server, id, "echo ok");
            (start.elapsed(), result["duration_ms"].as_u64().unwrap())
        })
        .unzip();
    flooded.sort();
    inside.sort();
    println!(
        "while 4 sessions flood: API GET p50 {:.1} ms, p99 {:.1} ms; echo ok median {:.1} ms \
         ({} ms of it in the session)",
        api[100].as_secs_f64() * 1e3,
        api[198].as_secs_f64() * 1e3,
        flooded[10].as_secs_f64() * 1e3,
        inside[10]
    );
    for flood in floods {
        server.call("DELETE", &format!("/api/v1/sessions/{flood}"), None);
    }
    for i in 1..100 {
        create(&server, bash_body(&format!("more-{i}"), dir.path()));
    }
    std::thread::sleep(Duration::from_secs(2));
    println!("100 sessions: {} server threads", server_threads(&server));
}
