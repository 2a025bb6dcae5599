//! The real Claude Code CLI, offline: a loopback stand-in for the Messages API
//! (`fixtures/messages_api.py`) and a HOME where it is onboarded. For the opt-in tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::fixture;
use super::server::{Server, TOKEN, start_server_with_config};

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

/// The real CLI's sessions, on one server and one fake API.
pub struct Bench {
    program: String,
    api: Api,
    pub server: Server,
    dirs: Vec<tempfile::TempDir>,
}

impl Bench {
    pub fn new() -> Self {
        Self {
            program: std::env::var("CCMUX_REAL_CLAUDE").expect("CCMUX_REAL_CLAUDE=/path/to/claude"),
            api: start_api(),
            server: start_server_with_config("[recording]\nrecord_input = true\n"),
            dirs: Vec::new(),
        }
    }

    pub fn get(&self, id: u64) -> Value {
        self.server
            .call("GET", &format!("/api/v1/sessions/{id}"), None)
            .1
    }

    pub fn screen(&self, id: u64) -> String {
        let (_, screen) = self
            .server
            .call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        let lines = screen["lines"].as_array().cloned().unwrap_or_default();
        lines
            .iter()
            .map(|l| l.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn wait(&self, id: u64, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let info = self.get(id);
            if ok(&info) {
                return info;
            }
            assert!(
                Instant::now() < deadline,
                "never {what}: {info}\n{}",
                self.screen(id)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A Claude Code session in a project of its own, in permission `mode`, trusting it or not.
    pub fn start(
        &mut self,
        task: &str,
        mode: &str,
        trust: Trust,
        extra_env: &[(&str, &str)],
    ) -> u64 {
        let (home, project) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let project_path = project.path().canonicalize().unwrap();
        claude_home_trusting(home.path(), &project_path, trust);
        let mut environment = json!({"HOME": home.path(),
            "ANTHROPIC_BASE_URL": format!("http://127.0.0.1:{}", self.api.1),
            "DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"});
        for (name, value) in extra_env {
            environment[*name] = json!(value);
        }
        let body = json!({"task_id": task, "project_path": project_path, "profile": "claude",
            "command": [self.program, "--permission-mode", mode], "auth_token": KEY,
            "terminal_size": [120, 40], "environment": environment});
        let (status, info) = self
            .server
            .call("POST", "/api/v1/sessions/claude", Some(body));
        assert_eq!(status, 201, "{info}");
        self.dirs.extend([home, project]);
        let id = info["session_id"].as_u64().unwrap();
        let first = if trust == Trust::Accepted {
            "ready"
        } else {
            "waiting_input"
        };
        if trust == Trust::Accepted {
            self.wait(id, first, |i| i["state"] == first);
        }
        id
    }

    pub fn keys(&self, id: u64, data: &str) {
        let path = format!("/api/v1/sessions/{id}/input");
        let (status, body) = self
            .server
            .call("POST", &path, Some(json!({ "data": data })));
        assert_eq!(status, 200, "{body}");
    }

    /// Types `text`, then Enter on its own a moment later (as Claude Code needs).
    pub fn type_line(&self, id: u64, text: &str) {
        self.keys(id, text);
        std::thread::sleep(Duration::from_millis(200));
        self.keys(id, "\r");
    }

    pub fn recording(&self, id: u64) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder().build().new_agent();
        agent
            .get(self.server.url(&format!("/api/v1/sessions/{id}/recording")))
            .header("authorization", &format!("Bearer {TOKEN}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }

    pub fn end(&self, id: u64) {
        self.server
            .call("DELETE", &format!("/api/v1/sessions/{id}"), None);
    }
}
