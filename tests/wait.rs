//! Scripts wait for a session instead of polling it: `ctl new --wait`, `ctl wait` with the
//! exit codes `ctl send` uses, and the API's long-poll `GET /api/v1/sessions/{id}/wait`.

mod common;

use common::fixture;
use common::server::{Server, ctl, said, start_server};
use serde_json::json;

/// A shell that takes a second to show its prompt: `initializing` until then.
const SLOW_SHELL: &[&str] = &[
    "--profile",
    "shell",
    "--",
    "sh",
    "-c",
    "sleep 1; PS1='wait$ ' exec bash --norc --noprofile -i",
];

#[test]
fn ctl_new_wait_returns_once_the_session_takes_commands_so_send_succeeds_at_once() {
    let server = start_server();
    let mut args = vec!["--json", "new", "--task", "scripted", "--wait"];
    args.extend_from_slice(SLOW_SHELL);
    let out = ctl(&server, &args);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["outcome"], "reached", "{info}");
    assert_eq!(info["state"], "ready", "{info}");
    let id = info["session_id"].to_string();

    let out = ctl(&server, &["send", &id, "echo sent-$((6*7))"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sent-42"));
}

#[test]
fn ctl_wait_exits_as_send_does_timed_out_waiting_input_and_ended() {
    let server = start_server();
    let mut args = vec!["--json", "new", "--task", "waited"];
    args.extend_from_slice(SLOW_SHELL);
    let out = ctl(&server, &args);
    assert!(out.status.success(), "{}", said(&out));
    let id =
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["session_id"].to_string();

    let out = ctl(&server, &["wait", &id, "--state", "idle,ready"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let out = ctl(
        &server,
        &["wait", &id, "--state", "busy", "--timeout", "0.5"],
    );
    assert_eq!(out.status.code(), Some(3), "timed out: {}", said(&out));
    let out = ctl(&server, &["wait", &id, "--state", "sleepy"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`sleepy` is not a state"));

    let (asking, _dir) = asking_claude(&server);
    let out = ctl(
        &server,
        &["wait", &asking, "--state", "idle", "--timeout", "20"],
    );
    assert_eq!(out.status.code(), Some(4), "waiting input: {}", said(&out));

    assert!(ctl(&server, &["kill", &id]).status.success());
    let out = ctl(&server, &["wait", &id]);
    assert_eq!(out.status.code(), Some(5), "ended: {}", said(&out));
}

/// The Claude Code fixture, asked for something that needs a permission; and its project.
fn asking_claude(server: &Server) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "asking", "project_path": dir.path(), "auth_token": "sk-test", "profile": "claude",
                      "command": ["python3", fixture("fake_claude.py")]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].to_string();
    let (status, ready) = server.call("GET", &format!("/api/v1/sessions/{id}/wait"), None);
    assert_eq!(
        (status, &ready["outcome"]),
        (200, &json!("reached")),
        "{ready}"
    );
    let input = json!({"data": "ask permission please\r"});
    let (status, _) = server.call("POST", &format!("/api/v1/sessions/{id}/input"), Some(input));
    assert_eq!(status, 200);
    (id, dir)
}

#[test]
fn the_wait_route_caps_its_timeout_and_names_bad_states_and_unknown_ids() {
    let server = start_server();
    let (status, body) = server.call("GET", "/api/v1/sessions/77/wait", None);
    assert_eq!(status, 404, "{body}");
    let dir = tempfile::tempdir().unwrap();
    let create = json!({"task_id": "capped", "project_path": dir.path(), "command": ["cat"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(create));
    assert_eq!(status, 201, "{info}");
    let id = &info["session_id"];
    for (query, field) in [
        ("timeout=601", "timeout"),
        ("state=ready,nope", "state"),
        ("state=", "state"),
    ] {
        let (status, body) =
            server.call("GET", &format!("/api/v1/sessions/{id}/wait?{query}"), None);
        assert_eq!(status, 422, "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{body}"
        );
    }
    let (status, body) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/wait?state=waiting_input&timeout=0.2"),
        None,
    );
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("timed_out")),
        "{body}"
    );
}

#[test]
fn ctl_kill_on_a_session_that_had_already_ended_says_so_and_exits_5() {
    let server = start_server();
    let out = ctl(&server, &["--json", "new", "--task", "short", "--", "cat"]);
    assert!(out.status.success(), "{}", said(&out));
    let id =
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["session_id"].to_string();
    let out = ctl(&server, &["kill", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let out = ctl(&server, &["kill", &id]);
    assert_eq!(out.status.code(), Some(5), "{}", said(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("session {id} had already ended")),
        "{err}"
    );
}

#[test]
fn the_websocket_waits_too_answering_waited_or_naming_a_bad_field() {
    let server = start_server();
    let mut args = vec!["--json", "new", "--task", "ws-waited"];
    args.extend_from_slice(SLOW_SHELL);
    let out = ctl(&server, &args);
    assert!(out.status.success(), "{}", said(&out));
    let id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["session_id"]
        .as_u64()
        .unwrap();
    let auth = format!("Bearer {}", common::server::TOKEN);
    let request = ccmux::ctl::ws_request(&server.addr, id, &auth).unwrap();
    let (mut socket, _) = tungstenite::connect(request).unwrap();
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
    }
    let mut ask = |request: serde_json::Value| {
        socket
            .send(tungstenite::Message::text(request.to_string()))
            .unwrap();
        loop {
            if let tungstenite::Message::Text(text) = socket.read().unwrap() {
                let event: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                if event["type"] == "waited" || event["type"] == "error" {
                    break event;
                }
            }
        }
    };

    let bad = ask(json!({"type": "wait", "state": "sleepy"}));
    assert_eq!(bad["data"]["code"], "invalid_value", "{bad}");
    assert!(
        bad["data"]["message"]
            .as_str()
            .unwrap()
            .starts_with("state"),
        "{bad}"
    );
    // Still initializing (its prompt comes after a second): the wait ends once it is ready.
    let reached = ask(json!({"type": "wait", "state": "ready,idle", "timeout": 20}));
    assert_eq!(reached["data"]["outcome"], "reached", "{reached}");
    assert_eq!(reached["data"]["state"], "ready", "{reached}");
    let timed_out = ask(json!({"type": "wait", "state": "busy", "timeout": 0.3}));
    assert_eq!(timed_out["data"]["outcome"], "timed_out", "{timed_out}");
}
