//! Commands are kept per task across server restarts, and `/metrics` counts them (and the
//! API's requests) in a format Prometheus' own parser reads: through a real `ccmux serve`.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::fixture;
use common::server::{Server, TOKEN, serve, start_server};
use serde_json::{Value, json};

fn bash_body(task: &str, dir: &std::path::Path) -> Value {
    json!({"task_id": task, "project_path": dir, "command": ["bash", "--norc", "--noprofile", "-i"],
           "environment": {"PS1": "ccmux-test$ "}})
}

fn ready_bash(server: &Server, task: &str, dir: &std::path::Path) -> u64 {
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(bash_body(task, dir)));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        if info["state"] == "ready" {
            return id;
        }
        assert!(Instant::now() < deadline, "never ready: {info}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn command(server: &Server, id: u64, text: &str, timeout: f64) -> Value {
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": text, "timeout": timeout})),
    );
    assert_eq!(status, 200, "{result}");
    result
}

fn history(server: &Server, id: u64) -> Vec<Value> {
    let (status, page) = server.call("GET", &format!("/api/v1/sessions/{id}/history"), None);
    assert_eq!(status, 200, "{page}");
    page["entries"].as_array().unwrap().clone()
}

#[test]
fn a_tasks_history_survives_a_server_restart() {
    let first = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = ready_bash(&first, "kept", dir.path());
    command(&first, id, "echo one", 20.0);
    command(&first, id, "echo two", 20.0);
    let before = history(&first, id);
    let commands: Vec<&str> = before
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["echo one", "echo two"]);
    assert!(
        before
            .iter()
            .all(|e| e["outcome"] == "finished" && e["duration_ms"].is_u64())
    );
    // Ended, so the next server does not restore it: only the history file can remember.
    assert_eq!(
        first
            .call("DELETE", &format!("/api/v1/sessions/{id}"), None)
            .0,
        200
    );
    let home = first.home.clone();
    drop(first);

    let file = home.path().join("data/ccmux/history/kept.jsonl");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "only the user reads what was typed");

    let second = serve(Rc::clone(&home), home.path(), &["--token", TOKEN]);
    let id = ready_bash(&second, "kept", dir.path());
    command(&second, id, "echo three", 20.0);
    let after = history(&second, id);
    let commands: Vec<&str> = after
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["echo one", "echo two", "echo three"]);
    assert_eq!(after[0]["sent_at"], before[0]["sent_at"]);

    let ctl = common::server::ccmux(home.path())
        .args(["--listen", &second.addr, "--token", TOKEN])
        .args(["ctl", "history", &id.to_string()])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&ctl.stdout);
    assert!(
        ctl.status.success(),
        "{}",
        String::from_utf8_lossy(&ctl.stderr)
    );
    assert!(
        printed.contains("finished") && printed.contains("echo three"),
        "{printed}"
    );
}

/// `(sample name, labels) → value`, as prometheus_client's parser reads `text`.
fn parse_prometheus(text: &str) -> HashMap<(String, Vec<(String, String)>), f64> {
    let mut parser = Command::new("python3")
        .arg(fixture("parse_metrics.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    parser
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = parser.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let sample: Value = serde_json::from_str(line).unwrap();
            let mut labels: Vec<(String, String)> = sample["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            labels.sort();
            let name = sample["name"].as_str().unwrap().to_string();
            ((name, labels), sample["value"].as_f64().unwrap())
        })
        .collect()
}

fn metrics_text(server: &Server) -> (u16, String) {
    let response = ureq::get(&server.url("/metrics"))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().read_to_string().unwrap())
}

#[test]
fn metrics_parse_as_prometheus_text_and_count_commands_and_requests() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = ready_bash(&server, "counted", dir.path());
    command(&server, id, "echo counted", 20.0);
    let slow = command(&server, id, "sleep 30", 0.5);
    assert_eq!(slow["timed_out"], true);
    let (status, _) = server.call_as("GET", "/metrics", None, &[]);
    assert_eq!(status, 401, "metrics are behind the token");

    let (status, text) = metrics_text(&server);
    assert_eq!(status, 200);
    let samples = parse_prometheus(&text);
    let value = |name: &str, labels: &[(&str, &str)]| {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        *samples
            .get(&(name.to_string(), labels.clone()))
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
    };
    assert_eq!(
        value("ccmux_commands_total", &[("outcome", "finished")]),
        1.0
    );
    assert_eq!(
        value("ccmux_commands_total", &[("outcome", "timed_out")]),
        1.0
    );
    assert_eq!(value("ccmux_commands_total", &[("outcome", "error")]), 0.0);
    assert_eq!(value("ccmux_command_duration_seconds_count", &[]), 2.0);
    assert_eq!(
        value("ccmux_command_duration_seconds_bucket", &[("le", "+Inf")]),
        2.0
    );
    assert!(value("ccmux_command_duration_seconds_sum", &[]) >= 0.5);
    assert_eq!(
        value("ccmux_sessions", &[("state", "busy")]),
        1.0,
        "still sleeping"
    );
    assert_eq!(value("ccmux_sessions", &[("state", "idle")]), 0.0);
    assert!(value("ccmux_bytes_read_total", &[]) > 0.0);
    assert_eq!(value("ccmux_cost_usd", &[]), 0.0, "shells cost nothing");
    let commands_route = [
        ("route", "/api/v1/sessions/{id}/commands"),
        ("status", "200"),
    ];
    assert_eq!(value("ccmux_api_requests_total", &commands_route), 2.0);
    assert_eq!(
        value(
            "ccmux_api_requests_total",
            &[("route", "/metrics"), ("status", "401")]
        ),
        1.0
    );

    let ctl = common::server::ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN, "ctl", "metrics"])
        .output()
        .unwrap();
    assert!(ctl.status.success());
    let printed = parse_prometheus(&String::from_utf8_lossy(&ctl.stdout));
    let finished = vec![("outcome".to_string(), "finished".to_string())];
    let key = ("ccmux_commands_total".to_string(), finished);
    assert_eq!(
        printed.get(&key),
        Some(&1.0),
        "ctl metrics prints the same text"
    );
}
