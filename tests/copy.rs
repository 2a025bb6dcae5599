//! Copying a session's text: `ccmux ctl copy` through a live server, to a file or stdout, whole
//! or by line numbers; and in the TUI, a selection (keyboard in scroll mode, or a mouse drag)
//! copied to the outer terminal's clipboard with OSC 52, which tmux takes as its buffer.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, ccmux, start_server};
use serde_json::json;

fn ctl(server: &Server, args: &[&str]) -> std::process::Output {
    ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN, "ctl"])
        .args(args)
        .output()
        .unwrap()
}

/// A session that printed `line 1` … `line 300`, more than its 10 rows show.
fn printed_300_lines(server: &Server) -> String {
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "copy", "project_path": dir.path(), "terminal_size": [40, 10],
                      "command": ["sh", "-c", "seq -f 'line %g' 1 300; exec sleep 60"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        if screen["lines"].to_string().contains("line 300") {
            return id;
        }
        assert!(Instant::now() < deadline, "never printed: {screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctl_copy_writes_history_and_screen_to_a_file_or_a_range_to_stdout() {
    let server = start_server();
    let id = printed_300_lines(&server);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copied.txt");

    let out = ctl(&server, &["copy", &id, "--output", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copied = std::fs::read_to_string(&file).unwrap();
    let want: String = (1..=300).map(|n| format!("line {n}\n")).collect();
    assert_eq!(copied, want, "all of history and the screen, no blank tail");

    let out = ctl(&server, &["copy", &id, "--lines", "-3:"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line 298\nline 299\nline 300\n"
    );
    let out = ctl(&server, &["copy", &id, "--lines", "10:12"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line 10\nline 11\nline 12\n"
    );

    let out = ctl(&server, &["copy", &id, "--lines", "0:3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no 0"));
    let out = ctl(&server, &["copy", "999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session"));
}
