//! What a server reads back or is given is checked like the API checks it, and what it writes
//! is the user's alone: a terminal size in the state file is clamped, a workspace name has no
//! control character, a rejected create leaves no mark on the next session's recording, and
//! ccmux's directories are 0700.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::fixture_api::*;
use common::server::{Server, TOKEN, ccmux, launch, start_server};
use serde_json::{Value, json};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_data_history_recordings_and_state_dirs_are_for_the_user_alone() {
    let home = tempfile::tempdir().unwrap();
    // Left open by an older ccmux: the server closes them.
    let data = home.path().join("data/ccmux");
    std::fs::create_dir_all(data.join("history")).unwrap();
    for dir in [&data, &data.join("history")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut cmd = ccmux(home.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--token", TOKEN]);
    let server = launch(cmd, Rc::new(home));
    let home = server.home.path();
    for dir in [
        home.join("data/ccmux"),
        home.join("data/ccmux/history"),
        home.join("data/ccmux/recordings"),
        home.join("state/ccmux"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
}

#[test]
fn a_workspace_name_with_a_nul_or_a_control_character_is_refused() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    for name in ["a\u{0}b", "evil\u{1b}]0;x\u{7}", ""] {
        let body = json!({"task_id": "ws", "project_path": dir.path(),
                          "command": ["sleep", "60"], "workspace": name});
        let (status, answer) = server.call("POST", "/api/v1/sessions", Some(body));
        assert_eq!(status, 422, "{name:?}: {answer}");
    }
}

#[test]
fn a_workspace_name_with_a_control_character_is_refused_on_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let out = ccmux(home.path())
        .args(["attach", "-s", "evil\u{1b}]0;x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("a workspace name is 1–128 characters"),
        "{said}"
    );
    assert!(
        !said.contains('\u{1b}'),
        "the name is shown escaped: {said:?}"
    );
}

fn recording_status(server: &Server, id: u64) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    agent
        .get(&server.url(&format!("/api/v1/sessions/{id}/recording")))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn after_a_create_rejected_for_a_nul_in_argv_the_next_session_records_under_its_own_name() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let bad = json!({"task_id": "rejected", "project_path": dir.path(),
                     "command": ["sh", "-c", "echo\u{0}x"]});
    let (status, answer) = server.call("POST", "/api/v1/sessions", Some(bad));
    assert_eq!(status, 422, "{answer}");
    let good = json!({"task_id": "accepted", "project_path": dir.path(),
                      "command": ["sh", "-c", "echo recorded; sleep 60"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(good));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    wait_for(&server, id, "its output", |_| {
        screen(&server, id).contains("recorded")
    });
    assert_eq!(recording_status(&server, id), 200);
    let names: Vec<String> = std::fs::read_dir(server.home.path().join("data/ccmux/recordings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.contains("accepted")), "{names:?}");
}

#[test]
fn a_terminal_size_out_of_range_in_the_state_file_is_clamped_on_restore() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let serve = |home: &Rc<tempfile::TempDir>| {
        let mut cmd = ccmux(home.path());
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--token", TOKEN]);
        launch(cmd, home.clone())
    };
    let first = serve(&home);
    let dir = home.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    let body = json!({"task_id": "huge", "project_path": dir,
                      "command": ["sh", "-c", "sleep 600"]});
    let (status, info) = first.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    drop(first); // SIGTERM: the sessions are saved for the next start.
    let state = home.path().join("data/ccmux/state.json");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let mut edited = saved.clone();
    edited["sessions"][0]["terminal_size"] = json!({"cols": 65535, "rows": 65535});
    std::fs::write(&state, edited.to_string()).unwrap();

    let second = serve(&home);
    let deadline = Instant::now() + Duration::from_secs(10);
    let restored = loop {
        let (_, list) = second.call("GET", "/api/v1/sessions", None);
        if let Some(s) = list["sessions"].as_array().and_then(|s| s.first()) {
            break s.clone();
        }
        assert!(Instant::now() < deadline, "nothing restored");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        restored["terminal_size"],
        json!({"cols": 1000, "rows": 500}),
        "{restored}"
    );
}
