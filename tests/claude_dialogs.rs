//! Claude Code's dialogs through the real server, against the fixture (which draws each
//! dialog 0.13–0.36 s after its PermissionRequest hook and drops keys for 100 ms after, as
//! Claude Code does): `waiting_input` is published when the dialog takes keys, and `answer`
//! knows each dialog's options.

mod common;

use std::path::Path;
use std::time::Duration;

use common::fixture;
use common::fixture_api::{command, fixture_session, info, screen, wait_for, wait_for_state};
use common::server::{Server, start_server, start_server_with_config};
use serde_json::{Value, json};

fn answer(server: &Server, id: u64, choice: Value) -> Value {
    let (status, info) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/answer"),
        Some(json!({ "choice": choice })),
    );
    assert_eq!(status, 200, "{choice}: {info}");
    info
}

/// Waits for the screen to show `text`: the Stop hook ends a turn a moment before the
/// fixture draws its last frame.
fn shows(server: &Server, id: u64, text: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !screen(server, id).contains(text) {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            screen(server, id)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn keys(server: &Server, id: u64, data: &str) {
    let (status, body) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({ "data": data })),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_raw_key_sent_300_ms_after_waiting_input_is_taken_every_time() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "raw-key", dir.path(), json!({}));
    for run in 0..10 {
        let result = command(&server, id, "make a file with permission");
        assert_eq!(result["state"], "waiting_input", "run {run}: {result}");
        let waiting = info(&server, id);
        assert_eq!(
            waiting["state_reason"], "permission: Bash touch created_by_tool.txt",
            "the hook's reason, once the screen showed its dialog: {waiting}"
        );
        assert!(waiting["input_since"].is_string(), "{waiting}");
        std::thread::sleep(Duration::from_millis(300));
        keys(&server, id, "1");
        wait_for_state(&server, id, "idle");
        let shown = screen(&server, id);
        assert!(!shown.contains("keys dropped"), "run {run}: {shown}");
        assert!(dir.path().join("created_by_tool.txt").exists(), "run {run}");
        std::fs::remove_file(dir.path().join("created_by_tool.txt")).unwrap();
        assert_eq!(info(&server, id)["input_since"], Value::Null);
    }
}

/// A fixture session that starts on the folder-trust question.
fn untrusted(server: &Server, task: &str, dir: &Path) -> u64 {
    let body = json!({"task_id": task, "project_path": dir, "profile": "claude",
        "command": ["python3", fixture("fake_claude.py")], "auth_token": "sk-test",
        "environment": {"FAKE_CLAUDE_TRUST": "ask"}});
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let waiting = wait_for_state(server, id, "waiting_input");
    assert_eq!(waiting["state_reason"], "folder trust", "{waiting}");
    id
}

#[test]
fn yes_to_the_folder_trust_question_moves_to_trust_and_confirms() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = untrusted(&server, "trust-yes", dir.path());
    let info = answer(&server, id, json!("yes"));
    assert_ne!(info["state"], "waiting_input", "{info}");
    wait_for_state(&server, id, "ready");
    let id = untrusted(&server, "trust-no", dir.path());
    answer(&server, id, json!("No, exit"));
    wait_for_state(&server, id, "terminated");
}

#[test]
fn a_question_is_answered_by_label_and_two_by_number_label_and_the_review() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "questions", dir.path(), json!({}));
    let result = command(&server, id, "ask me a question");
    assert_eq!(result["state"], "waiting_input", "{result}");
    assert_eq!(
        info(&server, id)["state_reason"],
        "permission: AskUserQuestion"
    );
    answer(&server, id, json!("luxon"));
    wait_for_state(&server, id, "idle");
    shows(&server, id, "→ Luxon");

    let result = command(&server, id, "ask me two questions");
    assert_eq!(result["state"], "waiting_input", "{result}");
    let next = answer(&server, id, json!(1));
    assert_eq!(
        next["state"], "waiting_input",
        "the second question: {next}"
    );
    assert!(screen(&server, id).contains("Which test runner"));
    // A new dialog in the same place: its own reason, as the screen reads it.
    assert_eq!(next["state_reason"], "question", "{next}");
    answer(&server, id, json!("Jest"));
    let review = wait_for(&server, id, "the review", |i| {
        i["state_reason"] == "question review"
    });
    assert_eq!(review["state"], "waiting_input");
    answer(&server, id, json!("yes"));
    wait_for_state(&server, id, "idle");
    shows(&server, id, "Using date-fns and Jest.");
}

#[test]
fn two_permissions_in_a_row_and_a_plan_are_each_answered() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "in-a-row", dir.path(), json!({}));
    let result = command(&server, id, "use two tools");
    assert_eq!(result["state"], "waiting_input", "{result}");
    assert_eq!(
        info(&server, id)["state_reason"],
        "permission: Bash touch first.txt"
    );
    answer(&server, id, json!("yes"));
    let second = wait_for(&server, id, "the second dialog", |i| {
        i["state_reason"] == "permission: Bash touch second.txt"
    });
    assert_eq!(second["state"], "waiting_input");
    answer(&server, id, json!("yes"));
    wait_for_state(&server, id, "idle");
    assert!(dir.path().join("first.txt").exists() && dir.path().join("second.txt").exists());

    let result = command(&server, id, "make a plan");
    assert_eq!(result["state"], "waiting_input", "{result}");
    assert_eq!(
        info(&server, id)["state_reason"],
        "permission: ExitPlanMode"
    );
    answer(&server, id, json!(2));
    wait_for_state(&server, id, "idle");
    shows(
        &server,
        id,
        "approved Claude's plan: Yes, manually approve edits",
    );
}

#[test]
fn a_usage_limit_waits_until_it_resets_then_continues_once_when_asked_to() {
    let server = start_server_with_config("[claude]\ncontinue_after_limit = \"go on please\"\n");
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "limit", dir.path(), json!({}));
    let result = command(&server, id, "hit the limit");
    assert_eq!(result["state"], "waiting_input", "{result}");
    let waiting = wait_for(&server, id, "the reset time", |i| {
        i["resets_at"].is_string()
    });
    let reason = waiting["state_reason"].as_str().unwrap();
    let clock = reads_as_a_clock(reason);
    assert!(clock, "usage limit · resets HH:MM: {waiting}");
    // The fixture's limit resets 2 s after it was hit; the prompt follows 10 s after that.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !screen(&server, id).contains("You said: go on please") {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            screen(&server, id)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    wait_for_state(&server, id, "idle");
}

/// `usage limit · resets HH:MM`.
fn reads_as_a_clock(reason: &str) -> bool {
    let Some(clock) = reason.strip_prefix("usage limit · resets ") else {
        return false;
    };
    let bytes = clock.as_bytes();
    clock.len() == 5
        && bytes[2] == b':'
        && clock.replace(':', "").chars().all(|c| c.is_ascii_digit())
}
