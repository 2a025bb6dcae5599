//! ccmux and tmux as servers with no client attached, driven the way a script drives them:
//! ccmux through its REST API (`ccmux serve`), tmux through its command line. Each runs in a
//! sandbox of its own (see `sandbox.rs`), so nothing of the person's setup leaks in and no
//! process outlives the run.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::sandbox::{self, Sandbox};

const TOKEN: &str = "bench-token-0123456789abcdef";

/// `ccmux serve` on an ephemeral port, and an HTTP client for its API.
pub struct Serve {
    child: Child,
    addr: String,
    agent: ureq::Agent,
    sandbox: Sandbox,
}

impl Serve {
    pub fn start(exe: &Path, max_sessions: usize) -> anyhow::Result<Self> {
        let sandbox = Sandbox::new("ccmux-compare")?;
        let mut command =
            sandbox.std_command(exe, &["serve", "--listen", "127.0.0.1:0", "--token", TOKEN]);
        command.env("CCMUX_MAX_SESSIONS", max_sessions.to_string());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
        let mut said = String::new();
        let addr = loop {
            anyhow::ensure!(
                stderr.read_line(&mut said)? > 0,
                "ccmux serve did not say where it listens:\n{said}"
            );
            if let Some(rest) = said.lines().last().and_then(|l| l.split("http://").nth(1)) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        };
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Self {
            child,
            addr,
            agent,
            sandbox,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn project(&self) -> std::path::PathBuf {
        self.sandbox.project()
    }

    /// A request with the token; the status and the JSON body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let url = format!("http://{}/api/v1{path}", self.addr);
        let auth = format!("Bearer {TOKEN}");
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("authorization", &auth).call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("authorization", &auth)
                .call(),
            (_, Some(body)) => self
                .agent
                .post(&url)
                .header("authorization", &auth)
                .send_json(body),
            (_, None) => self
                .agent
                .post(&url)
                .header("authorization", &auth)
                .send_empty(),
        };
        let mut response = response?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_json()
            .unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Starts `command` in a `cols`×`rows` session; its id.
    pub fn create(&self, task: &str, command: &[&str], size: (u16, u16)) -> anyhow::Result<u64> {
        let body = json!({"task_id": task, "project_path": self.project(), "command": command,
                          "environment": {"PS1": "$ "}, "terminal_size": [size.0, size.1]});
        let (status, info) = self.call("POST", "/sessions/claude", Some(body))?;
        anyhow::ensure!(status == 201, "create {task}: {status} {info}");
        info["session_id"]
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("no session_id in {info}"))
    }

    /// The session's screen as text.
    pub fn screen(&self, id: u64) -> anyhow::Result<String> {
        let (_, screen) = self.call("GET", &format!("/sessions/{id}/screen"), None)?;
        Ok(screen["lines"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default())
    }

    pub fn state(&self, id: u64) -> anyhow::Result<String> {
        let (_, info) = self.call("GET", &format!("/sessions/{id}"), None)?;
        Ok(info["state"].as_str().unwrap_or_default().to_string())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child; the sandbox then ends whatever it left behind.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// A private tmux server with no client attached.
pub struct TmuxServer {
    sandbox: Sandbox,
}

impl TmuxServer {
    /// A server whose first session runs `command` at `cols`×`rows`, keeping `history` lines.
    pub fn start(command: &str, size: (u16, u16), history: usize) -> anyhow::Result<Self> {
        let server = Self {
            sandbox: Sandbox::new("tmux-compare")?,
        };
        let (x, y) = (size.0.to_string(), size.1.to_string());
        // history-limit applies to panes made after it is set: set it on the server first.
        server.run(&[
            "-f",
            "/dev/null",
            "start-server",
            ";",
            "set",
            "-g",
            "history-limit",
            &history.to_string(),
            ";",
            "set",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "set",
            "-g",
            "default-size",
            &format!("{x}x{y}"),
            ";",
            "new-session",
            "-d",
            "-x",
            &x,
            "-y",
            &y,
            command,
        ])?;
        Ok(server)
    }

    /// `tmux -L NAME ARGS…`, which must succeed; its standard output.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut all = vec!["-L", self.sandbox.name()];
        all.extend(args);
        let mut command = self.sandbox.std_command("tmux", &all);
        let output = sandbox::run_bounded(&mut command, Duration::from_secs(10))?;
        anyhow::ensure!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// A new window running `command` (a new pane of the same size).
    pub fn window(&self, command: &str) -> anyhow::Result<()> {
        self.run(&["new-window", "-d", command]).map(drop)
    }

    pub fn screen(&self, target: &str) -> anyhow::Result<String> {
        self.run(&["capture-pane", "-p", "-t", target])
    }

    /// The server process (tmux forks it off the first command).
    pub fn pid(&self) -> anyhow::Result<u32> {
        let pid = self.run(&["display-message", "-p", "#{pid}"])?;
        Ok(pid.trim().parse()?)
    }
}

/// Waits (polling every `every`) until `done` says so; how long that took.
pub fn until(
    limit: Duration,
    every: Duration,
    what: &str,
    mut done: impl FnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    while !done()? {
        anyhow::ensure!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(every);
    }
    Ok(started.elapsed())
}

/// A number from `/proc/PID/status` (`VmRSS` in KiB, `Threads`).
pub fn proc_status(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
