//! The real Claude Code CLI, offline: a loopback stand-in for the Messages API
//! (`fixtures/messages_api.py`) and a HOME where it is onboarded. For the opt-in tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::fixture;

pub const KEY: &str = "sk-ant-api03-ccmux-offline-test-key-0123456789";

/// The fake API server, killed when dropped.
pub struct Api(Child, pub u16);

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_api() -> Api {
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

/// Whether Claude Code has been told to trust the project already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Accepted,
    /// It asks on start (the folder-trust question).
    NotYet,
}

/// A HOME where Claude Code has been onboarded, trusts `project` and accepts `KEY`.
pub fn claude_home(home: &std::path::Path, project: &std::path::Path) {
    claude_home_trusting(home, project, Trust::Accepted);
}

/// A HOME where Claude Code has been onboarded and accepts `KEY`; `trust` says whether it
/// trusts `project`.
pub fn claude_home_trusting(home: &std::path::Path, project: &std::path::Path, trust: Trust) {
    let approved = &KEY[KEY.len() - 20..];
    let state = serde_json::json!({
        "hasCompletedOnboarding": true,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [approved], "rejected": []},
        "projects": {project.to_string_lossy(): {
            "hasTrustDialogAccepted": trust == Trust::Accepted, "allowedTools": []}},
    });
    std::fs::write(home.join(".claude.json"), state.to_string()).unwrap();
}
