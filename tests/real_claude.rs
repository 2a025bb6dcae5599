//! The `claude` profile against the real Claude Code CLI, offline, talking to a loopback
//! stand-in for the Messages API (`fixtures/messages_api.py`). Opt-in:
//!
//! ```sh
//! CCMUX_REAL_CLAUDE=/path/to/claude cargo test --test real_claude -- --ignored --nocapture
//! ```

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ccmux::session::event::EventKind;
use ccmux::session::{Ending, ProfileKind, SessionConfig, SessionState};
use common::*;

const KEY: &str = "sk-ant-api03-ccmux-offline-test-key-0123456789";

/// The fake API server, killed when dropped.
struct Api(Child, u16);

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_api() -> Api {
    let mut child = Command::new("python3")
        .arg(fixture("messages_api.py"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the fake API");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().expect("the fake API prints its port");
    Api(child, port)
}

/// A HOME where Claude Code has been onboarded, trusts `project` and accepts `KEY`.
fn claude_home(home: &std::path::Path, project: &std::path::Path) {
    let approved = &KEY[KEY.len() - 20..];
    let state = serde_json::json!({
        "hasCompletedOnboarding": true,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [approved], "rejected": []},
        "projects": {project.to_string_lossy(): {"hasTrustDialogAccepted": true, "allowedTools": []}},
    });
    std::fs::write(home.join(".claude.json"), state.to_string()).unwrap();
}

/// Claude Code in `project`, with its HOME in `home`, talking to `api`.
fn real_claude(api: &Api, home: &std::path::Path, project: &std::path::Path) -> SessionConfig {
    let program = std::env::var("CCMUX_REAL_CLAUDE").expect("CCMUX_REAL_CLAUDE=/path/to/claude");
    claude_home(home, project);
    SessionConfig::new(task("real"), project)
        .with_command([program.as_str(), "--permission-mode", "default"])
        .with_profile(ProfileKind::Claude)
        .with_size(120, 40)
        .with_env("HOME", home.to_string_lossy())
        .with_env("ANTHROPIC_BASE_URL", format!("http://127.0.0.1:{}", api.1))
        .with_env("DISABLE_TELEMETRY", "1")
        .with_env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the real Claude Code: set CCMUX_REAL_CLAUDE to its path"]
async fn real_claude_code_without_a_key_is_authenticating() {
    let api = start_api();
    let (home, project) = (scratch_dir(), scratch_dir());
    let project_path = project.path().canonicalize().unwrap();
    let config = real_claude(&api, home.path(), &project_path);
    let manager = manager();
    let session = manager.create_session(config).await.unwrap();
    let seen = session
        .wait_for_state(Duration::from_secs(60), |s| {
            s == SessionState::Authenticating
        })
        .await;
    assert_eq!(
        seen,
        Ok(SessionState::Authenticating),
        "{}",
        session.screen().lines.join("\n")
    );
    println!("login screen: {}", session.status().state_reason);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the real Claude Code: set CCMUX_REAL_CLAUDE to its path"]
async fn real_claude_code_goes_through_every_state() {
    let api = start_api();
    let (home, project) = (scratch_dir(), scratch_dir());
    let project_path = project.path().canonicalize().unwrap();
    let mut config = real_claude(&api, home.path(), &project_path);
    config.auth_token = Some(KEY.into());

    let manager = manager();
    let mut events = manager.subscribe();
    let session = manager.create_session(config).await.unwrap();
    let long = Duration::from_secs(60);
    assert_eq!(
        session
            .wait_for_state(long, |s| s == SessionState::Ready)
            .await,
        Ok(SessionState::Ready)
    );

    let answer = session.send_command("what is 2+2?", long).await.unwrap();
    assert_eq!(answer.state, SessionState::Idle, "{answer:?}");
    assert!(answer.output.contains("The answer is 4."), "{answer:?}");

    let slow = session
        .send_command("please be SLOW", Duration::from_secs(4))
        .await
        .unwrap();
    assert!(slow.timed_out);
    assert_eq!(slow.state, SessionState::Busy);
    session.interrupt().await.unwrap();
    wait_state(&session, SessionState::Idle).await;

    let asked = session
        .send_command("use a TOOL please", long)
        .await
        .unwrap();
    assert_eq!(asked.state, SessionState::WaitingInput, "{asked:?}");
    assert!(
        session
            .screen()
            .lines
            .join("\n")
            .contains("Do you want to proceed?")
    );
    session.send_input("1").await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    assert!(project_path.join("created_by_tool.txt").exists());

    let info = manager
        .terminate(session.id(), Ending::Graceful)
        .await
        .unwrap();
    assert_eq!(info.status.state, SessionState::Terminated);
    assert!(session_processes(session.pid()).is_empty());

    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EventKind::State(change) = event.kind {
            seen.push(format!("{} ({})", change.to, change.reason));
        }
    }
    println!("states seen on Claude Code:\n  {}", seen.join("\n  "));
}

/// Through a real `ccmux serve`, so the session gets its hooks: the events Claude Code sends,
/// the cost its status line reports, and how long answering its permission dialog takes.
#[test]
#[ignore = "needs the real Claude Code: set CCMUX_REAL_CLAUDE to its path"]
fn real_claude_code_reports_through_hooks_and_its_dialog_is_answered() {
    use serde_json::{Value, json};
    use std::time::Instant;

    let api = start_api();
    let (home, project) = (scratch_dir(), scratch_dir());
    let project_path = project.path().canonicalize().unwrap();
    let program = std::env::var("CCMUX_REAL_CLAUDE").expect("CCMUX_REAL_CLAUDE=/path/to/claude");
    claude_home(home.path(), &project_path);
    let server = common::server::start_server();
    let body = json!({"task_id": "real-hooks", "project_path": project_path, "profile": "claude",
        "command": [program, "--permission-mode", "default"], "auth_token": KEY,
        "terminal_size": [120, 40],
        "environment": {"HOME": home.path(), "ANTHROPIC_BASE_URL": format!("http://127.0.0.1:{}", api.1),
                        "DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}});
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let get = || {
        server
            .call("GET", &format!("/api/v1/sessions/{id}"), None)
            .1
    };
    let wait = |what: &str, ok: &dyn Fn(&Value) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let info = get();
            if ok(&info) {
                return info;
            }
            assert!(Instant::now() < deadline, "never {what}: {info}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("ready", &|i| i["state"] == "ready");
    let command = |text: &str| {
        let path = format!("/api/v1/sessions/{id}/commands");
        server
            .call("POST", &path, Some(json!({"command": text, "timeout": 60})))
            .1
    };
    let answer = command("what is 2+2?");
    assert_eq!(answer["state"], "idle", "{answer}");
    assert!(
        answer["output"]
            .as_str()
            .unwrap()
            .contains("The answer is 4."),
        "{answer}"
    );
    let costed = wait("a cost", &|i| i["cost_usd"].is_number());

    let asked = command("use a TOOL please");
    assert_eq!(asked["state"], "waiting_input", "{asked}");
    let waiting = get();
    let started = Instant::now();
    println!(
        "answer sent at {}",
        chrono::Utc::now().format("%H:%M:%S%.3f")
    );
    let (status, answered) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/answer"),
        Some(json!({"choice": "yes"})),
    );
    let latency = started.elapsed();
    assert_eq!(status, 200, "{answered}");
    // Idle by the Stop hook: the screen alone can read idle while the tool still runs.
    wait("the turn's end", &|i| {
        i["state"] == "idle" && i["state_reason"] == "hook: turn ended"
    });

    let (_, page) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?since=0&limit=10000"),
        None,
    );
    let entries = page["entries"].as_array().unwrap();
    let told = |kind: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["type"] == kind)
            .map(|e| {
                let at = e["timestamp"].as_str().unwrap_or_default();
                let at = at.get(11..23).unwrap_or(at);
                format!("{at} {}", e["content"].as_str().unwrap_or_default())
            })
            .collect()
    };
    let hooks: Vec<String> = told("system")
        .into_iter()
        .filter(|l| l.contains("Claude Code hook: "))
        .collect();
    let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
    println!(
        "screen:\n{}",
        screen["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!("hook events seen:\n  {}", hooks.join("\n  "));
    println!("states seen:\n  {}", told("state").join("\n  "));
    assert!(project_path.join("created_by_tool.txt").exists());
    assert!(
        hooks.iter().any(|h| h.ends_with("PermissionRequest Bash")),
        "{hooks:?}"
    );
    assert!(hooks.iter().any(|h| h.ends_with("Stop")), "{hooks:?}");
    println!("hook events seen:\n  {}", hooks.join("\n  "));
    println!("states seen:\n  {}", told("state").join("\n  "));
    println!(
        "after one turn: model {} cost_usd {} context_used_percent {} claude_session_id {}",
        costed["model"],
        costed["cost_usd"],
        costed["context_used_percent"],
        costed["claude_session_id"]
    );
    println!(
        "waiting: {} pending_permission {}",
        waiting["state_reason"], waiting["pending_permission"]
    );
    println!(
        "answer took {} ms, then {}",
        latency.as_millis(),
        answered["state"]
    );
    println!(
        "at the end: cost_usd {} lines +{} -{}",
        get()["cost_usd"],
        get()["lines_added"],
        get()["lines_removed"]
    );
    server.call("DELETE", &format!("/api/v1/sessions/{id}"), None);
}

/// A `[[policy]]` allow rule answers the real CLI's permission request through its hook: the
/// tool runs with no dialog.
#[test]
#[ignore = "needs the real Claude Code: set CCMUX_REAL_CLAUDE to its path"]
fn real_claude_code_takes_a_policy_decision_from_the_permission_hook() {
    use serde_json::json;

    let api = start_api();
    let (home, project) = (scratch_dir(), scratch_dir());
    let project_path = project.path().canonicalize().unwrap();
    let program = std::env::var("CCMUX_REAL_CLAUDE").expect("CCMUX_REAL_CLAUDE=/path/to/claude");
    claude_home(home.path(), &project_path);
    let server = common::server::start_server_with_config(
        "[[policy]]\ntool = \"Bash\"\ninput = \"^touch \"\ndecision = \"allow\"\n",
    );
    let body = json!({"task_id": "real-policy", "project_path": project_path, "profile": "claude",
        "command": [program, "--permission-mode", "default"], "auth_token": KEY,
        "environment": {"HOME": home.path(), "ANTHROPIC_BASE_URL": format!("http://127.0.0.1:{}", api.1),
                        "DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}});
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server
        .call("GET", &format!("/api/v1/sessions/{id}"), None)
        .1["state"]
        != "ready"
    {
        assert!(std::time::Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "use a TOOL please", "timeout": 60})),
    );
    assert_eq!(result["state"], "idle", "{result}");
    assert!(project_path.join("created_by_tool.txt").exists());
    let (_, page) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?since=0&limit=10000"),
        None,
    );
    let log: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "state" || e["type"] == "system")
        .filter_map(|e| e["content"].as_str())
        .collect();
    assert!(
        log.iter()
            .any(|l| l.starts_with("policy: allow Bash touch")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.contains("waiting_input")), "{log:?}");
    println!("with an allow policy:\n  {}", log.join("\n  "));
    server.call("DELETE", &format!("/api/v1/sessions/{id}"), None);
}
