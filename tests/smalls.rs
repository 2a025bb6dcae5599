//! Small things a new user tripped over (issue 24, point 12), through the binary.

mod common;

use common::server::{ccmux, start_server};
use serde_json::json;

#[test]
fn completions_into_a_pipe_closed_early_do_not_panic() {
    let script = format!(
        "set -o pipefail; {} completions bash | head -1",
        env!("CARGO_BIN_EXE_ccmux")
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn detect_names_a_missing_file_once_and_hints_at_the_profile_when_it_saw_nothing() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing.cast");
    let out = ccmux(home.path())
        .arg("detect")
        .arg(&missing)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");

    let shell = home.path().join("shell.cast");
    std::fs::write(
        &shell,
        "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1700000000}\n\
         [0.1, \"o\", \"user@host:~$ \"]\n[0.5, \"o\", \"ls\\r\\nfile\\r\\nuser@host:~$ \"]\n",
    )
    .unwrap();
    let out = ccmux(home.path())
        .arg("detect")
        .arg(&shell)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--profile shell"));
    let out = ccmux(home.path())
        .args(["detect", "--profile", "shell"])
        .arg(&shell)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("ready"));
}

#[test]
fn help_names_ccmux_listen() {
    let home = tempfile::tempdir().unwrap();
    let out = ccmux(home.path()).arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("CCMUX_LISTEN"));
}

#[test]
fn create_takes_terminal_size_in_the_shape_info_answers_with() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "sized", "project_path": dir.path(), "command": ["cat"],
                      "terminal_size": {"cols": 90, "rows": 33}});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    assert_eq!(info["terminal_size"], json!({"cols": 90, "rows": 33}));
    let body = json!({"task_id": "bad", "project_path": dir.path(), "command": ["cat"],
                      "terminal_size": {"cols": 90, "rows": 33, "depth": 2}});
    let (status, _) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 422);
}

#[test]
fn a_session_in_error_takes_the_next_command() {
    let server = common::server::start_server_with_config(
        "[profiles.fails]\nbased_on = \"shell\"\nerror = [\"it-broke\"]\n",
    );
    let body = json!({"task_id": "fails", "project_path": server.home.path(), "profile": "fails",
                      "command": ["bash", "--norc", "--noprofile", "-i"],
                      "environment": {"PS1": "errs$ "}});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let (_, ready) = server.call("GET", &format!("/api/v1/sessions/{id}/wait"), None);
    assert_eq!(ready["outcome"], "reached", "{ready}");
    let send = |command: &str| {
        let body = json!({"command": command, "timeout": 10});
        server.call(
            "POST",
            &format!("/api/v1/sessions/{id}/commands"),
            Some(body),
        )
    };
    let (status, broke) = send("echo it-broke");
    assert_eq!((status, &broke["state"]), (200, &json!("error")), "{broke}");
    let (status, fine) = send("echo fine-$((6*7))");
    assert_eq!(status, 200, "a session in error refused a command: {fine}");
    assert_eq!(fine["output"], "fine-42", "{fine}");
}

#[test]
fn sessions_know_they_run_in_a_pane_and_a_ccmux_started_there_warns_it_is_nested() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "pane", "project_path": dir.path(),
                      "command": ["sh", "-c", "echo in-pane=$CCMUX; exec sleep 30"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        if screen["lines"].to_string().contains("in-pane=1") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{screen}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let home = tempfile::tempdir().unwrap();
    let out = ccmux(home.path())
        .env("CCMUX", "1")
        .args(["-L", "nested", "attach"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nested"), "{err}");
}
