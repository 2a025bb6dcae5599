//! Sessions in git worktrees of their own, on a real repository in a temp dir, through a real
//! `ccmux serve` and `ccmux ctl`.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, ccmux, start_server};
use serde_json::{Value, json};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with one commit on `main`.
fn repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["config", "user.email", "test@example.com"]);
    git(repo.path(), &["config", "user.name", "Test"]);
    std::fs::write(repo.path().join("README"), "hello\n").unwrap();
    git(repo.path(), &["add", "README"]);
    git(repo.path(), &["commit", "-qm", "first"]);
    repo
}

fn create(server: &Server, task: &str, dir: &Path, worktree: Value) -> (u16, Value) {
    let body = json!({"task_id": task, "project_path": dir, "worktree": worktree,
                      "command": ["bash", "--norc", "--noprofile", "-i"],
                      "environment": {"PS1": "wt$ "}});
    server.call("POST", "/api/v1/sessions", Some(body))
}

fn ready(server: &Server, task: &str, dir: &Path, worktree: Value) -> Value {
    let (status, info) = create(server, task, dir, worktree);
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        if info["state"] == "ready" {
            return info;
        }
        assert!(Instant::now() < deadline, "never ready: {info}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(server: &Server, id: &Value, command: &str) -> String {
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": command, "timeout": 20})),
    );
    assert_eq!(status, 200, "{result}");
    result["output"].as_str().unwrap().to_string()
}

fn worktree_of(server: &Server, id: &Value) -> Value {
    server
        .call("GET", &format!("/api/v1/sessions/{id}"), None)
        .1["worktree"]
        .clone()
}

#[test]
fn a_session_runs_in_its_own_worktree_which_is_reused_kept_and_removed_only_clean() {
    let server = start_server();
    let repo = repository();
    let root = std::fs::canonicalize(repo.path()).unwrap();
    let expected = root.join(".ccmux/worktrees/fix-login");

    let info = ready(&server, "fix-login", repo.path(), json!(true));
    let id = info["session_id"].clone();
    assert_eq!(info["project_path"], json!(expected));
    let worktree = &info["worktree"];
    assert_eq!(worktree["branch"], "ccmux/fix-login");
    assert_eq!(worktree["base"], "main");
    assert_eq!(
        (worktree["dirty"].clone(), worktree["ahead"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(run(&server, &id, "pwd"), expected.display().to_string());
    assert_eq!(
        git(&expected, &["branch", "--show-current"]),
        "ccmux/fix-login"
    );
    assert_eq!(
        git(repo.path(), &["status", "--porcelain"]),
        "",
        "the repo itself stays clean"
    );

    run(&server, &id, "echo change > new.txt");
    assert_eq!(worktree_of(&server, &id)["dirty"], 1);
    run(&server, &id, "git add new.txt && git commit -qm second");
    let counted = worktree_of(&server, &id);
    assert_eq!(
        (counted["dirty"].clone(), counted["ahead"].clone()),
        (json!(0), json!(1))
    );

    // Deleting keeps the worktree; the task's next session finds it again.
    assert_eq!(
        server
            .call("DELETE", &format!("/api/v1/sessions/{id}"), None)
            .0,
        200
    );
    assert!(expected.join("new.txt").exists());
    let again = ready(&server, "fix-login", repo.path(), json!(true));
    let id = again["session_id"].clone();
    assert_eq!(again["project_path"], json!(expected));
    assert_eq!(
        again["worktree"]["ahead"], 1,
        "the same branch, with its commit"
    );

    // A dirty worktree is never removed, and the session is left alone.
    run(&server, &id, "echo unsaved > scratch.txt");
    let (status, refused) = server.call(
        "DELETE",
        &format!("/api/v1/sessions/{id}?remove_worktree=true"),
        None,
    );
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "worktree_dirty");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("1 uncommitted change") && message.contains("kept"),
        "{message}"
    );
    assert!(expected.join("scratch.txt").exists());
    let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(info["state"], "idle", "still running");

    // Clean again: `ctl kill --remove-worktree` removes it; the branch and its commit stay.
    run(&server, &id, "rm scratch.txt");
    let out = ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN])
        .args(["ctl", "kill", "--remove-worktree", &id.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!expected.exists(), "a clean worktree is removed when asked");
    assert_eq!(
        git(
            repo.path(),
            &["rev-list", "--count", "main..ccmux/fix-login"]
        ),
        "1"
    );
}

#[test]
fn a_restarted_server_brings_a_worktree_session_back_in_its_worktree() {
    let first = start_server();
    let repo = repository();
    let info = ready(&first, "kept", repo.path(), json!(true));
    let expected = std::fs::canonicalize(repo.path())
        .unwrap()
        .join(".ccmux/worktrees/kept");
    run(&first, &info["session_id"], "mkdir -p sub && cd sub");
    let home = first.home.clone();
    // SIGTERM: the server saves its sessions to start them again.
    drop(first);

    let second = common::server::serve(home.clone(), home.path(), &["--token", TOKEN]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let restored = loop {
        let (_, list) = second.call("GET", "/api/v1/sessions", None);
        if let Some(s) = list["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["state"] == "ready")
        {
            break s.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the session did not come back: {list}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(restored["task_id"], "kept");
    assert_eq!(restored["worktree"]["branch"], "ccmux/kept");
    assert_eq!(restored["worktree"]["path"], json!(expected));
    assert_eq!(
        restored["project_path"],
        json!(expected.join("sub")),
        "where the shell was"
    );
    let worktrees = git(repo.path(), &["worktree", "list"]);
    assert_eq!(
        worktrees.lines().count(),
        2,
        "no worktree inside the worktree: {worktrees}"
    );
}

#[test]
fn a_named_worktree_and_the_errors_outside_a_repository_or_with_a_bad_name() {
    let server = start_server();
    let repo = repository();
    let info = ready(&server, "task-with-name", repo.path(), json!("shared"));
    let root = std::fs::canonicalize(repo.path()).unwrap();
    assert_eq!(
        info["project_path"],
        json!(root.join(".ccmux/worktrees/shared"))
    );
    assert_eq!(info["worktree"]["branch"], "ccmux/shared");
    let out = ccmux(server.home.path())
        .args([
            "--listen",
            &server.addr,
            "--token",
            TOKEN,
            "ctl",
            "--json",
            "new",
        ])
        .args(["--task", "from-ctl", "--worktree", "--cwd"])
        .arg(repo.path())
        .args(["--", "bash", "--norc", "--noprofile", "-i"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(made["worktree"]["branch"], "ccmux/from-ctl", "{made}");
    server.call(
        "DELETE",
        &format!("/api/v1/sessions/{}", made["session_id"]),
        None,
    );

    let plain = tempfile::tempdir().unwrap();
    let (status, refused) = create(&server, "outside", plain.path(), json!(true));
    assert_eq!(status, 422, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("is not in a git repository"), "{message}");
    let (status, refused) = create(&server, "bad", repo.path(), json!("../escape"));
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot name a worktree")
    );
    let (_, list) = server.call("GET", "/api/v1/sessions", None);
    let tasks: Vec<&str> = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        tasks,
        ["task-with-name", "from-ctl"],
        "a refused worktree starts no session"
    );
    let (status, refused) = server.call(
        "DELETE",
        &format!("/api/v1/sessions/{}?remove_worktree=true", 999),
        None,
    );
    assert_eq!(status, 404, "{refused}");
}
