//! A real `ccmux serve` on an ephemeral port, with its own config/data dirs, and an HTTP client.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;

use serde_json::Value;

pub const TOKEN: &str = "test-token-0123456789";

pub struct Server {
    pub child: Child,
    pub addr: String,
    /// What it wrote to stderr before it listened: start-up problems and notices.
    pub said: String,
    /// Shared by the servers a test starts one after another.
    pub home: Rc<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// A `ccmux` command whose config, data and state dirs live under `home`.
pub fn ccmux(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ccmux"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env_remove("CCMUX_SOCKET")
        .env_remove("CCMUX_API_TOKEN")
        .env_remove("CCMUX_LISTEN")
        .current_dir(home);
    cmd
}

pub fn start_server() -> Server {
    start_server_with_config("")
}

/// A server whose global `config.toml` says `config`.
pub fn start_server_with_config(config: &str) -> Server {
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("config/ccmux");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), config).unwrap();
    let cwd = home.path().to_path_buf();
    serve(Rc::new(home), &cwd, &["--token", TOKEN])
}

/// `ccmux serve --listen 127.0.0.1:0 ARGS` started in `cwd`, once it says where it listens.
pub fn serve(home: Rc<tempfile::TempDir>, cwd: &Path, args: &[&str]) -> Server {
    let mut cmd = ccmux(home.path());
    cmd.current_dir(cwd)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args);
    launch(cmd, home)
}

/// A server (no config) that may open at most `fds` file descriptors.
pub fn start_server_with_fd_limit(fds: u64) -> Server {
    start_server_with_config_and_fd_limit("", fds)
}

/// A server whose `config.toml` says `config`, that may open at most `fds` file descriptors.
pub fn start_server_with_config_and_fd_limit(config: &str, fds: u64) -> Server {
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("config/ccmux");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), config).unwrap();
    let mut cmd = ccmux(home.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--token", TOKEN]);
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: fds,
                rlim_max: fds,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    launch(cmd, Rc::new(home))
}

/// Starts `cmd` (a `ccmux serve`) and waits until it says where it listens.
pub fn launch(mut cmd: Command, home: Rc<tempfile::TempDir>) -> Server {
    let mut child = cmd
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while stderr.read_line(&mut said).unwrap() > 0 {
        let line = said.lines().last().unwrap_or_default();
        if let Some(rest) = line.split("http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().to_string();
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            return Server {
                child,
                addr,
                said,
                home,
            };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("ccmux serve did not say where it listens:\n{said}");
}

impl Server {
    /// Polls session `id` until its state is `want`; returns its info then.
    pub fn wait_for_state(&self, id: impl std::fmt::Display, want: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (_, info) = self.call("GET", &format!("/api/v1/sessions/{id}"), None);
            if info["state"] == want {
                return info;
            }
            assert!(std::time::Instant::now() < deadline, "never {want}: {info}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends a request with the token; returns the status and JSON body.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(
            method,
            path,
            body,
            &[("authorization", &format!("Bearer {TOKEN}"))],
        )
    }

    pub fn call_as(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let url = self.url(path);
        let response = match method {
            "GET" => {
                let mut r = agent.get(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.call()
            }
            "DELETE" => {
                let mut r = agent.delete(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.call()
            }
            _ => {
                let mut r = agent.post(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                match body {
                    Some(Value::String(raw)) => {
                        r.content_type("application/json").send(raw.as_bytes())
                    }
                    Some(body) => r.send_json(body),
                    None => r.send_empty(),
                }
            }
        };
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_json()
            .unwrap_or(Value::Null);
        (status, body)
    }
}

impl Server {
    /// The server's Unix socket.
    pub fn socket(&self) -> std::path::PathBuf {
        self.home.path().join("run/ccmux/default")
    }

    /// How many file descriptors the server process has open.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map_or(0, |d| d.count())
    }

    /// The server process's resident memory.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

/// `ccmux detect --profile claude FILE` as `(seconds, state, reason)` lines, with the times
/// checked to go forward.
pub fn detect_timed(file: &Path) -> Vec<(f64, String, String)> {
    let home = tempfile::tempdir().unwrap();
    let out = ccmux(home.path())
        .args(["detect", "--profile", "claude"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut last = -1.0;
    text.lines()
        .map(|line| {
            let mut parts = line.split_whitespace();
            let time: f64 = parts.next().unwrap().parse().unwrap();
            assert!(time > last, "times go forward: {text}");
            last = time;
            let state = parts.next().unwrap().to_string();
            (time, state, parts.collect::<Vec<_>>().join(" "))
        })
        .collect()
}

/// `ccmux detect --profile claude FILE` as `(state, reason)` lines.
pub fn detect(file: &Path) -> Vec<(String, String)> {
    detect_timed(file)
        .into_iter()
        .map(|(_, state, reason)| (state, reason))
        .collect()
}

/// `ccmux ctl ARGS` against `server`, run to its end.
pub fn ctl(server: &Server, args: &[&str]) -> std::process::Output {
    ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN, "ctl"])
        .args(args)
        .output()
        .unwrap()
}

/// A finished command's exit status and output, for an assertion's message.
pub fn said(out: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
