//! Answering a dialog through the real server (REST, WebSocket, `ctl answer`), against the
//! Claude Code fixture, whose dialog drops the keys of its first 100 ms as Claude Code does.

mod common;

use std::time::Duration;

use common::fixture;
use common::fixture_api::{screen, wait_for_state};
use common::server::{Server, TOKEN, ccmux, start_server};
use serde_json::{Value, json};

/// A fixture session that has just shown its permission dialog for `touch created_by_tool.txt`.
fn asking(server: &Server, task: &str, dir: &std::path::Path) -> u64 {
    let body = json!({"task_id": task, "project_path": dir, "profile": "claude",
                      "command": ["python3", fixture("fake_claude.py")], "auth_token": "sk-test"});
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    wait_for_state(server, id, "ready");
    let (_, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "create a file, with permission", "timeout": 20})),
    );
    assert_eq!(result["state"], "waiting_input", "{result}");
    id
}

fn answer(server: &Server, id: u64, choice: Value) -> (u16, Value) {
    server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/answer"),
        Some(json!({ "choice": choice })),
    )
}

#[test]
fn yes_sent_the_moment_the_dialog_appears_is_taken_the_first_time() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = asking(&server, "answer-yes", dir.path());
    let (status, info) = answer(&server, id, json!("yes"));
    assert_eq!(status, 200, "{info}");
    assert_ne!(info["state"], "waiting_input", "{info}");
    assert_eq!(info["session_id"], id);
    wait_for_state(&server, id, "idle");
    assert!(dir.path().join("created_by_tool.txt").exists());
    // Sent inside the dialog's first 100 ms, the keys would have been dropped and sent again.
    assert!(
        !screen(&server, id).contains("keys dropped"),
        "{}",
        screen(&server, id)
    );
}

#[test]
fn raw_keys_sent_at_once_are_dropped_by_the_fixture_dialog_like_claude_code_does() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = asking(&server, "answer-guard", dir.path());
    // Straight to the program, with no guard: the fixture drops keys of its dialog's first
    // 100 ms. Whether this lands inside them depends on the machine, so nothing is asserted
    // about it; what follows must work either way.
    server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({"data": "4"})),
    );
    std::thread::sleep(Duration::from_millis(300));
    let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    if info["state"] == "waiting_input" {
        assert!(screen(&server, id).contains("keys dropped"));
        let (status, info) = answer(&server, id, json!("no"));
        assert_eq!(status, 200, "{info}");
    }
    wait_for_state(&server, id, "idle");
    assert!(screen(&server, id).contains("User rejected"));
    assert!(!dir.path().join("created_by_tool.txt").exists());
}

#[test]
fn no_picks_the_option_that_says_no_and_nothing_runs() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = asking(&server, "answer-no", dir.path());
    let (status, info) = answer(&server, id, json!("no"));
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["state"], "idle", "{info}");
    assert!(screen(&server, id).contains("User rejected"));
    assert!(!dir.path().join("created_by_tool.txt").exists());
}

#[test]
fn nothing_waiting_is_409_and_an_option_the_dialog_lacks_is_422() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = asking(&server, "answer-errors", dir.path());
    let (status, body) = answer(&server, id, json!(7));
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("1–4"),
        "{body}"
    );
    for bad in [json!(0), json!("maybe"), json!(true)] {
        let (status, body) = answer(&server, id, bad.clone());
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let (status, _) = answer(&server, id, json!(1));
    assert_eq!(status, 200);
    wait_for_state(&server, id, "idle");
    let (status, body) = answer(&server, id, json!("yes"));
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_waiting");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("idle"),
        "{body}"
    );
    let (status, _) = answer(&server, 999, json!("yes"));
    assert_eq!(status, 404);
}

#[test]
fn the_websocket_answers_with_the_session_after_the_answer() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = asking(&server, "answer-ws", dir.path());
    let request = ccmux::ctl::ws_request(&server.addr, id, &format!("Bearer {TOKEN}")).unwrap();
    let (mut socket, _) = tungstenite::connect(request).unwrap();
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
    }
    let message = json!({"type": "answer", "choice": 2}).to_string();
    socket.send(tungstenite::Message::text(message)).unwrap();
    let answered = loop {
        if let tungstenite::Message::Text(text) = socket.read().unwrap() {
            let event: Value = serde_json::from_str(text.as_str()).unwrap();
            if event["type"] == "answered" || event["type"] == "error" {
                break event;
            }
        }
    };
    assert_eq!(answered["type"], "answered", "{answered}");
    assert_eq!(answered["data"]["session_id"], id);
    assert_ne!(answered["data"]["state"], "waiting_input");
    wait_for_state(&server, id, "idle");
    assert!(dir.path().join("created_by_tool.txt").exists());
}

#[test]
fn ctl_answer_takes_a_number_or_yes_and_no() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = asking(&server, "answer-ctl", dir.path()).to_string();
    let ctl = |args: &[&str]| {
        ccmux(server.home.path())
            .args(["--listen", &server.addr, "--token", TOKEN, "ctl"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = ctl(&["answer", &id, "maybe"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("yes"));
    let out = ctl(&["--json", "answer", &id, "yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(info["state"], "waiting_input", "{info}");
    wait_for_state(&server, id.parse().unwrap(), "idle");
    assert!(dir.path().join("created_by_tool.txt").exists());
}
