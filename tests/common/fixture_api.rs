//! A `ccmux serve` driven over HTTP with Claude Code fixture sessions: the helpers the hooks,
//! policy and answer tests share.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::fixture;
use super::server::Server;

pub fn info(server: &Server, id: u64) -> Value {
    server
        .call("GET", &format!("/api/v1/sessions/{id}"), None)
        .1
}

pub fn wait_for(server: &Server, id: u64, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info = info(server, id);
        if ok(&info) {
            return info;
        }
        assert!(Instant::now() < deadline, "never {what}: {info}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn wait_for_state(server: &Server, id: u64, want: &str) -> Value {
    wait_for(server, id, want, |i| i["state"] == want)
}

/// A fixture session started with `extra` in its create body, once ready.
pub fn fixture_session(server: &Server, task: &str, dir: &Path, extra: Value) -> u64 {
    let mut body = json!({"task_id": task, "project_path": dir, "profile": "claude",
                          "command": ["python3", fixture("fake_claude.py")], "auth_token": "sk-test"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    wait_for_state(server, id, "ready");
    id
}

pub fn command(server: &Server, id: u64, text: &str) -> Value {
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": text, "timeout": 30})),
    );
    assert_eq!(status, 200, "{result}");
    result
}

pub fn log(server: &Server, id: u64) -> String {
    let (_, page) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?since=0&limit=10000"),
        None,
    );
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] != "output")
        .map(|e| {
            format!(
                "{}: {}\n",
                e["type"],
                e["content"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

pub fn screen(server: &Server, id: u64) -> String {
    let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
    let lines = screen["lines"].as_array().unwrap().iter();
    lines
        .map(|l| l.as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until session `id`'s screen shows `text`.
pub fn wait_for_screen(server: &Server, id: u64, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !screen(server, id).contains(text) {
        assert!(Instant::now() < deadline, "{text:?} never showed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value of `name` in the environment of process `pid`.
pub fn environ(pid: u64, name: &str) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    raw.split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok())
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
}

/// `ccmux hook` as a session's hook runs, with `capability` for session `session`.
pub fn post_hook(server: &Server, session: u64, capability: &str, payload: Value) -> String {
    let mut child = super::server::ccmux(server.home.path())
        .arg("hook")
        .env("CCMUX_HOOK_SOCKET", server.socket())
        .env("CCMUX_HOOK_SESSION", session.to_string())
        .env("CCMUX_HOOK_CAPABILITY", capability)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "a hook must exit 0");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
