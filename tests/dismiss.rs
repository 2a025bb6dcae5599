//! An ended session stays visible (its last screen, how it ended) until it is dismissed, and
//! then it goes for every client at once: `Ctrl-A x`, `ctl rm ID` (the API's dismiss route), or
//! `[limits] keep_ended` seconds after it ended. Through the binary: tmux and the HTTP API.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, ctl, said, start_server, start_server_with_config};
use common::tmux::{Tmux, project_with_shells};

#[test]
fn closing_an_ended_pane_dismisses_it_for_every_client_and_a_new_attach() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["doomed", "keeper"]);
    let a = Tmux::start(home, project.path(), &[], (120, 30));
    a.wait_for(|s| s.contains("keeper ● ready"), "both sessions start");
    let b = a.client(project.path(), (120, 30), "attach");
    b.wait_for(|s| s.contains("keeper ● ready"), "a second client attaches");

    // The focused (first) pane's shell exits: both clients keep its pane, saying how it ended.
    a.text("exit");
    a.keys(&["Enter"]);
    b.wait_for(
        |s| s.contains("doomed") && s.contains("exited with code 0"),
        "the ended pane stays, with how it ended",
    );
    assert!(a.ls().contains("doomed"), "an ended session is listed");

    a.keys(&["C-a", "x"]);
    b.wait_for(
        |s| !s.contains("doomed") && s.contains("keeper"),
        "the other client loses the dismissed pane too",
    );
    let c = a.client(project.path(), (120, 30), "attach");
    let screen = c.wait_for(|s| s.contains("keeper ● ready"), "a new client attaches");
    assert!(
        !screen.contains("doomed"),
        "a new attach shows no dismissed pane:\n{screen}"
    );
    assert!(!a.ls().contains("doomed"), "dismissed sessions leave ls");
}

/// Starts a shell through `ctl new --wait`; returns its id.
fn new_shell(server: &Server, task: &str) -> String {
    let out = ctl(
        server,
        &[
            "--json",
            "new",
            "--task",
            task,
            "--wait",
            "--profile",
            "shell",
            "--",
            "bash",
            "--norc",
            "--noprofile",
            "-i",
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["session_id"].to_string()
}

#[test]
fn ctl_rm_dismisses_an_ended_session_and_refuses_a_live_one() {
    let server = start_server();
    let id = new_shell(&server, "removable");

    let out = ctl(&server, &["rm", "removable"]);
    assert!(
        !out.status.success(),
        "a live session is not dismissed: {}",
        said(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("still running"),
        "{}",
        said(&out)
    );
    let (status, body) = server.call("POST", &format!("/api/v1/sessions/{id}/dismiss"), None);
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "session_running", "{body}");

    let out = ctl(&server, &["kill", &id]);
    assert!(out.status.success(), "{}", said(&out));
    let (status, body) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(
        (status, &body["state"]),
        (200, &"terminated".into()),
        "{body}"
    );

    let out = ctl(&server, &["rm", "removable"]);
    assert!(out.status.success(), "{}", said(&out));
    let (status, _) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(status, 404, "a dismissed session is gone");
    let (_, list) = server.call("GET", "/api/v1/sessions", None);
    assert_eq!(list["sessions"], serde_json::json!([]), "{list}");
}

#[test]
fn keep_ended_dismisses_an_ended_session_after_its_seconds() {
    let server = start_server_with_config("[limits]\nkeep_ended = 1\n");
    let id = new_shell(&server, "fleeting");
    let out = ctl(&server, &["kill", &id]);
    assert!(out.status.success(), "{}", said(&out));
    let (status, body) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(
        (status, &body["state"]),
        (200, &"terminated".into()),
        "kept at first"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        if status == 404 {
            break;
        }
        assert!(Instant::now() < deadline, "still there 10 s after it ended");
        std::thread::sleep(Duration::from_millis(100));
    }
}
