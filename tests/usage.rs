//! A session's CPU and memory, summed over its processes, in its info and in stats: through a
//! real `ccmux serve`.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, start_server};
use serde_json::{Value, json};

/// Starts `command`; waits for the state `want` when given.
fn start(server: &Server, task: &str, command: &[&str], want: Option<&str>) -> u64 {
    let dir = std::env::temp_dir();
    let body = json!({"task_id": task, "project_path": dir, "command": command, "profile": "shell",
                      "environment": {"PS1": "usage$ "}});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(want) = want
        && server
            .call("GET", &format!("/api/v1/sessions/{id}"), None)
            .1["state"]
            != want
    {
        assert!(Instant::now() < deadline, "{task} never {want}");
        std::thread::sleep(Duration::from_millis(50));
    }
    id
}

/// The session's resources from its second sample, taken a while after the first, so that
/// its CPU share covers more than the first sample's short window.
fn settled_resources(server: &Server, id: u64) -> Value {
    server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    std::thread::sleep(Duration::from_millis(1500));
    let (status, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(status, 200);
    info["resources"].clone()
}

#[test]
fn a_busy_loop_uses_cpu_and_an_idle_shell_little() {
    let server = start_server();
    let idle = start(
        &server,
        "idle",
        &["bash", "--norc", "--noprofile", "-i"],
        Some("ready"),
    );
    // The loop runs in a child of the shell: the whole tree counts, not just its leader.
    let busy = start(
        &server,
        "busy",
        &[
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            "bash -c 'while :; do :; done'; sleep 600",
        ],
        None,
    );
    let idle_used = settled_resources(&server, idle);
    let busy_used = settled_resources(&server, busy);

    let cpu = |v: &Value| v["cpu_percent"].as_f64().unwrap();
    let rss = |v: &Value| v["rss_bytes"].as_u64().unwrap();
    assert!(cpu(&busy_used) > 1.0, "a busy loop: {busy_used}");
    assert!(
        cpu(&busy_used) > cpu(&idle_used),
        "{busy_used} vs {idle_used}"
    );
    assert!(busy_used["processes"].as_u64().unwrap() >= 2, "{busy_used}");
    assert!(cpu(&idle_used) < 10.0, "an idle shell: {idle_used}");
    assert!(rss(&idle_used) > 0, "{idle_used}");
    assert!(
        rss(&idle_used) < 64 << 20,
        "an idle shell is small: {idle_used}"
    );

    let (_, stats) = server.call("GET", "/api/v1/stats", None);
    assert!(
        stats["resources"]["rss_bytes"].as_u64().unwrap() >= rss(&idle_used),
        "{stats}"
    );
    let (_, list) = server.call("GET", "/api/v1/sessions", None);
    assert!(
        list["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["resources"].is_object()),
        "{list}"
    );
}

#[test]
fn an_ended_session_reports_no_usage() {
    let server = start_server();
    let id = start(
        &server,
        "gone",
        &["bash", "--norc", "--noprofile", "-i"],
        Some("ready"),
    );
    server.call("DELETE", &format!("/api/v1/sessions/{id}"), None);
    let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(info["state"], "terminated");
    assert!(info["resources"].is_null(), "{info}");
}
