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
use ccmux::session::{ProfileKind, SessionConfig, SessionState};
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

    let info = manager.terminate(session.id(), false).await.unwrap();
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
