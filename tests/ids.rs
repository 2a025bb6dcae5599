//! Sessions keep their ids across a restart, ids are never handed out twice while a server's
//! state lives, and `ctl` and the API name sessions as `WORKSPACE/TASK` or by task id.

mod common;

use std::path::Path;
use std::rc::Rc;

use common::server::{Server, TOKEN, ctl, said, serve};
use serde_json::{Value, json};

/// A `cat` session for `task` in `dir` (whose name is its workspace's).
fn create(server: &Server, task: &str, dir: &Path) -> u64 {
    let body = json!({"task_id": task, "project_path": dir, "command": ["cat"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    info["session_id"].as_u64().unwrap()
}

fn kill(server: &Server, id: u64) {
    let (status, info) = server.call("DELETE", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(status, 200, "{info}");
}

fn tasks_by_id(server: &Server) -> Vec<(u64, String, String)> {
    let (_, list) = server.call("GET", "/api/v1/sessions", None);
    list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |v: &Value| v.as_str().unwrap().to_string();
            (
                s["session_id"].as_u64().unwrap(),
                text(&s["task_id"]),
                text(&s["state"]),
            )
        })
        .collect()
}

#[test]
fn a_restarted_server_keeps_session_ids_and_never_hands_one_out_twice() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let first = serve(home.clone(), home.path(), &["--token", TOKEN]);
    let ids: Vec<u64> = ["one", "two", "three", "four"]
        .iter()
        .map(|task| create(&first, task, &project))
        .collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    kill(&first, 1);
    kill(&first, 2);
    kill(&first, 4);
    drop(first); // SIGTERM: the live session is saved to come back.

    let second = serve(home.clone(), home.path(), &["--token", TOKEN]);
    let restored = tasks_by_id(&second);
    assert_eq!(restored.len(), 1, "{restored:?}");
    assert_eq!((restored[0].0, restored[0].1.as_str()), (3, "three"));
    let fresh = create(&second, "five", &project);
    assert_eq!(
        fresh, 5,
        "ids 1, 2 and 4 were handed out before the restart"
    );
}

#[test]
fn ctl_and_the_api_take_workspace_slash_task_and_a_task_id_one_workspace_has() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let (alpha, beta) = (home.path().join("alpha"), home.path().join("beta"));
    for dir in [&alpha, &beta] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let server = serve(home.clone(), home.path(), &["--token", TOKEN]);
    let quick = create(&server, "quick", &alpha);
    let old_alpha = create(&server, "dup", &alpha);
    kill(&server, old_alpha);
    let old_beta = create(&server, "dup", &beta);
    kill(&server, old_beta);

    let out = ctl(&server, &["input", "quick", "typed-by-task\\r"]);
    assert!(out.status.success(), "{}", said(&out));
    let out = ctl(&server, &["--json", "screen", "alpha/quick"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("typed-by-task"));

    let (status, info) = server.call("GET", "/api/v1/sessions/alpha%2Fdup", None);
    assert_eq!(
        (status, info["session_id"].as_u64()),
        (200, Some(old_alpha)),
        "{info}"
    );
    let (status, info) = server.call("GET", "/api/v1/sessions/quick/screen", None);
    assert_eq!(status, 200, "{info}");
    let (status, info) = server.call("GET", &format!("/api/v1/sessions/{quick}"), None);
    assert_eq!(info["task_id"], "quick", "{status} {info}");

    let out = ctl(&server, &["screen", "dup"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alpha, beta") && err.contains("409"), "{err}");
    let out = ctl(&server, &["screen", "nosuch"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`nosuch`") && err.contains("404"), "{err}");
    assert!(!err.contains("invalid digit"), "{err}");
}

#[test]
fn two_projects_may_each_have_a_task_called_api_but_one_project_only_one() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let (alpha, beta) = (home.path().join("alpha"), home.path().join("beta"));
    for dir in [&alpha, &beta] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let server = serve(home.clone(), home.path(), &["--token", TOKEN]);
    let first = create(&server, "api", &alpha);
    let second = create(&server, "api", &beta);
    assert_ne!(first, second);
    let body = json!({"task_id": "api", "project_path": alpha, "command": ["cat"]});
    let (status, refused) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("workspace `alpha`"), "{message}");
    let (_, info) = server.call("GET", "/api/v1/sessions/beta%2Fapi", None);
    assert_eq!(info["session_id"].as_u64(), Some(second), "{info}");
}
