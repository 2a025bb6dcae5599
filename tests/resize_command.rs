//! A command sent right after a resize returns its own output: bash redraws its prompt on
//! SIGWINCH, and that redraw is not the command's end.

mod common;

use common::server::start_server;
use serde_json::json;

#[test]
fn stty_size_right_after_each_of_50_resizes_returns_the_new_size() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "resized", "project_path": dir.path(), "profile": "shell",
                      "command": ["bash", "--norc", "--noprofile", "-i"],
                      "environment": {"PS1": "resized$ "}});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let (_, ready) = server.call("GET", &format!("/api/v1/sessions/{id}/wait"), None);
    assert_eq!(ready["outcome"], "reached", "{ready}");
    let mut wrong = Vec::new();
    for round in 0..50u32 {
        let (cols, rows) = (60 + round % 2 * 40 + round, 20 + round % 7);
        let size = json!({"cols": cols, "rows": rows});
        let (status, _) = server.call("POST", &format!("/api/v1/sessions/{id}/resize"), Some(size));
        assert_eq!(status, 200);
        let command = json!({"command": "stty size", "timeout": 10});
        let (status, result) = server.call(
            "POST",
            &format!("/api/v1/sessions/{id}/commands"),
            Some(command),
        );
        assert_eq!(status, 200, "{result}");
        if result["output"] != format!("{rows} {cols}") || result["timed_out"] == true {
            wrong.push(format!("round {round}: {result}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of 50 wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
