//! Claude Code's hooks and status line, through a real `ccmux serve` and the fixture, which
//! runs the hooks of the `--settings` file ccmux gives it with the JSON Claude Code sends.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::fixture;
use common::fixture_api::*;
use common::server::{Server, TOKEN, ccmux, start_server};
use serde_json::{Value, json};

#[test]
fn hooks_end_a_turn_and_the_status_line_reports_cost_context_and_lines() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "hooks-turn", dir.path(), json!({}));
    let started = wait_for(&server, id, "a model", |i| i["model"].is_string());
    assert_eq!(started["model"], "Opus 5.5", "{started}");
    let conversation = started["claude_session_id"].as_str().unwrap().to_string();
    assert_eq!(conversation.len(), 36, "{started}");

    let result = command(&server, id, "say hello from the hooks");
    assert_eq!(result["state"], "idle", "{result}");
    assert_eq!(result["output"], "hello from the hooks");
    assert!(
        log(&server, id).contains("busy → idle: hook: turn ended"),
        "{}",
        log(&server, id)
    );
    let hooks: Vec<String> = log(&server, id)
        .lines()
        .filter_map(|l| {
            l.split_once("Claude Code hook: ")
                .map(|(_, e)| e.to_string())
        })
        .collect();
    assert_eq!(
        hooks,
        ["SessionStart", "UserPromptSubmit", "Stop"],
        "{hooks:?}"
    );
    let after = wait_for(&server, id, "a turn's cost", |i| i["cost_usd"] == 0.0123);
    assert_eq!(after["context_used_percent"], 7.0);
    assert_eq!(
        (after["lines_added"].clone(), after["lines_removed"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(after["claude_session_id"], conversation.as_str());
    command(&server, id, "say again");
    wait_for(&server, id, "two turns' cost", |i| i["cost_usd"] == 0.0246);
    let (_, stats) = server.call("GET", "/api/v1/stats", None);
    assert_eq!(stats["cost_usd"], 0.0246, "{stats}");
}

#[test]
fn a_permission_request_waits_naming_the_tool_and_the_answer_runs_it() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "hooks-permission", dir.path(), json!({}));
    let result = command(&server, id, "create a file, with permission");
    assert_eq!(result["state"], "waiting_input", "{result}");
    let waiting = info(&server, id);
    assert_eq!(
        waiting["state_reason"],
        "permission: Bash touch created_by_tool.txt"
    );
    // The screen's dialog, seen after the hook, agrees with it and keeps the hook's reason.
    wait_for(&server, id, "the dialog on screen", |_| {
        screen(&server, id).contains("Do you want to proceed?")
    });
    for _ in 0..10 {
        let reason = info(&server, id)["state_reason"].clone();
        assert_eq!(reason, "permission: Bash touch created_by_tool.txt");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(waiting["pending_permission"]["tool_name"], "Bash");
    assert_eq!(
        waiting["pending_permission"]["tool_input"]["command"],
        "touch created_by_tool.txt"
    );
    assert_eq!(waiting["last_tool"], "Bash");

    let (status, answered) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/answer"),
        Some(json!({"choice": "yes"})),
    );
    assert_eq!(status, 200, "{answered}");
    let done = wait_for_state(&server, id, "idle");
    assert!(done["pending_permission"].is_null(), "{done}");
    assert!(dir.path().join("created_by_tool.txt").exists());
    let log = log(&server, id);
    assert!(
        log.contains("waiting_input → busy: hook: Bash ran"),
        "{log}"
    );
    let order = [
        "PreToolUse Bash",
        "PermissionRequest Bash",
        "PostToolUse Bash",
        "Stop",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|e| log.find(&format!("Claude Code hook: {e}")).expect(e))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{log}");
}

#[test]
fn an_esc_interrupt_fires_no_hook_and_the_screen_still_ends_busy() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "hooks-esc", dir.path(), json!({}));
    server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({"data": "please be slow\r"})),
    );
    wait_for(&server, id, "busy on screen", |_| {
        screen(&server, id).contains("esc to interrupt")
    });
    wait_for_state(&server, id, "busy");
    server.call("POST", &format!("/api/v1/sessions/{id}/interrupt"), None);
    let idle = wait_for_state(&server, id, "idle");
    assert!(
        !idle["state_reason"].as_str().unwrap().starts_with("hook"),
        "{idle}"
    );
    assert!(screen(&server, id).contains("Interrupted"));
}

#[test]
fn the_users_own_status_line_still_shows() {
    let server = start_server();
    let claude_dir = server.home.path().join(".claude");
    std::fs::create_dir_all(&claude_dir).unwrap();
    let settings = json!({"statusLine": {"type": "command",
        "command": "cat > /dev/null; echo my-own-status-line"}});
    std::fs::write(claude_dir.join("settings.json"), settings.to_string()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "user-status", dir.path(), json!({}));
    wait_for(&server, id, "the user's status line", |_| {
        screen(&server, id).contains("my-own-status-line")
    });
    command(&server, id, "say hi");
    wait_for(&server, id, "a turn's cost", |i| i["cost_usd"] == 0.0123);
    assert!(screen(&server, id).contains("my-own-status-line"));
}

#[test]
fn hooks_off_or_bare_start_claude_as_before() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let off = fixture_session(&server, "hooks-off", dir.path(), json!({"hooks": false}));
    let bare = fixture_session(
        &server,
        "hooks-bare",
        dir.path(),
        json!({"command": ["python3", fixture("fake_claude.py"), "--bare"]}),
    );
    for id in [off, bare] {
        assert!(
            !screen(&server, id).contains("--settings"),
            "{}",
            screen(&server, id)
        );
        let result = command(&server, id, "say plain");
        assert_eq!(result["state"], "idle", "{result}");
        let info = info(&server, id);
        assert!(
            info["cost_usd"].is_null() && info["model"].is_null(),
            "{info}"
        );
        assert!(!log(&server, id).contains("hook:"));
    }
}

fn socket(server: &Server) -> PathBuf {
    server.socket()
}

#[test]
fn a_sessions_capability_posts_for_it_alone_and_opens_no_api_route() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let a = fixture_session(&server, "cap-a", dir.path(), json!({}));
    let b = fixture_session(&server, "cap-b", dir.path(), json!({}));
    let pid = info(&server, a)["pid"].as_u64().unwrap();
    let capability = environ(pid, "CCMUX_HOOK_CAPABILITY").expect("the child has a capability");
    assert_eq!(environ(pid, "CCMUX_API_TOKEN"), None);
    let child_env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(!String::from_utf8_lossy(&child_env).contains(TOKEN));

    let note = json!({"hook_event_name": "Notification", "session_id": "x", "message": "hello from a hook"});
    let refused = post_hook(&server, b, &capability, note.clone());
    assert!(refused.contains("does not belong to session"), "{refused}");
    assert!(!log(&server, b).contains("hello from a hook"));
    let refused = post_hook(&server, a, "0".repeat(64).as_str(), note.clone());
    assert!(refused.contains("does not belong to session"), "{refused}");
    assert_eq!(post_hook(&server, a, &capability, note), "");
    assert!(log(&server, a).contains("Claude Code: hello from a hook"));

    for (method, path) in [
        ("GET", "/api/v1/sessions".to_string()),
        ("GET", format!("/api/v1/sessions/{a}")),
        ("POST", format!("/api/v1/sessions/{a}/input")),
    ] {
        let (status, _) = server.call_as(
            method,
            &path,
            Some(json!({"data": "x"})),
            &[("authorization", &format!("Bearer {capability}"))],
        );
        assert_eq!(status, 401, "{method} {path}");
    }

    // The settings file is the session's own, private, and goes with it.
    let settings: Vec<PathBuf> = std::fs::read_dir(socket(&server).with_file_name("hooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(settings.len(), 2, "{settings:?}");
    for file in &settings {
        assert_eq!(
            std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    server.call("DELETE", &format!("/api/v1/sessions/{a}"), None);
    server.call("DELETE", &format!("/api/v1/sessions/{b}"), None);
    let deadline = Instant::now() + Duration::from_secs(10);
    while settings.iter().any(|f| f.exists()) {
        assert!(Instant::now() < deadline, "settings files left behind");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_hook_with_no_server_exits_at_once_and_quietly() {
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = ccmux(home.path())
        .arg("hook")
        .env("CCMUX_HOOK_SOCKET", home.path().join("gone"))
        .env("CCMUX_HOOK_SESSION", "1")
        .env("CCMUX_HOOK_CAPABILITY", "x")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_permission_reported_by_a_hook_with_no_dialog_drawn_gets_no_keys_typed() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "no-dialog", dir.path(), json!({}));
    let pid = info(&server, id)["pid"].as_u64().unwrap();
    let capability = environ(pid, "CCMUX_HOOK_CAPABILITY").unwrap();
    let request = json!({"hook_event_name": "PermissionRequest", "session_id": "x", "tool_name": "Bash",
                         "tool_input": {"command": "rm -rf build"}, "permission_suggestions": []});
    assert_eq!(post_hook(&server, id, &capability, request), "");
    // The hook only announces a dialog: until the screen shows one, nothing waits …
    assert_eq!(info(&server, id)["state"], "ready");
    // … unless it never does: then the hook is believed, saying so.
    let waiting = wait_for_state(&server, id, "waiting_input");
    assert_eq!(
        waiting["state_reason"],
        "permission: Bash rm -rf build (its dialog not seen on screen)"
    );
    assert_eq!(waiting["input_since"], Value::Null, "{waiting}");
    // No dialog on screen: the answer waits for one, the screen (input box) takes the state
    // back once the hook's hold lapses, and the answer is refused with nothing typed: a `n`
    // and Enter would land in the input box, or pick a dialog's highlighted option.
    let (status, body) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/answer"),
        Some(json!({"choice": "no"})),
    );
    assert_eq!(status, 409, "{body}");
    assert!(
        !screen(&server, id).contains("❯ n"),
        "{}",
        screen(&server, id)
    );
    assert!(!log(&server, id).contains("input: n"));
}
