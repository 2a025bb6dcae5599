//! ccmux under test, whichever design the binary has: today's single process (the TUI runs
//! the sessions), or a client that talks to a per-user background server selected by `-L`.
//! What the binary can do is read from its `--help`, so the bench needs no change when the
//! server lands.
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::pty_client::PtyClient;
use super::sandbox::{self, Sandbox};

/// ccmux's prefix key, Ctrl-A.
const PREFIX: u8 = 0x01;
/// Most frames a second, set in the run's global config (`ui.frame_cap`, its default too): what
/// bounds a client's traffic once the server sends frames.
pub const FRAME_CAP: u32 = 60;

/// What `ccmux --help` offers.
#[derive(Debug)]
pub struct Features {
    /// `-L NAME` selects a server (without it there is no server to select).
    pub socket_flag: bool,
    pub kill_server: bool,
    pub attach: bool,
    /// A project's `ccmux.toml` runs only once `ccmux trust` trusted it.
    pub trust: bool,
}

impl Features {
    fn parse(help: &str) -> Self {
        let commands = subcommands(help);
        Self {
            socket_flag: help.lines().any(|l| l.trim_start().starts_with("-L")),
            kill_server: commands.iter().any(|c| c == "kill-server"),
            attach: commands.iter().any(|c| c == "attach"),
            trust: commands.iter().any(|c| c == "trust"),
        }
    }
}

/// The first word of each entry in clap's `Commands:` section.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// One session of a `ccmux.toml`.
pub struct Spec<'a> {
    pub task_id: &'a str,
    pub command: &'a [&'a str],
}

/// The binary, and what it can do.
pub struct Ccmux {
    exe: PathBuf,
    pub features: Features,
}

impl Ccmux {
    pub fn detect(exe: &Path) -> anyhow::Result<Self> {
        let output = sandbox::run_bounded(
            std::process::Command::new(exe).arg("--help"),
            Duration::from_secs(10),
        )?;
        anyhow::ensure!(output.status.success(), "`ccmux --help` failed");
        let features = Features::parse(&String::from_utf8_lossy(&output.stdout));
        Ok(Self {
            // As /proc/PID/exe shows it, to tell its processes from the run's others.
            exe: exe.canonicalize()?,
            features,
        })
    }

    /// A fresh sandbox with `sessions` in its `ccmux.toml`, and a client started there.
    pub fn start(&self, sessions: &[Spec]) -> anyhow::Result<Running<'_>> {
        let sandbox = Sandbox::new("ccmux-echo")?;
        std::fs::write(sandbox.project().join("ccmux.toml"), config(sessions))?;
        let global = sandbox.config_home().join("ccmux");
        std::fs::create_dir_all(&global)?;
        std::fs::write(
            global.join("config.toml"),
            format!("[ui]\nframe_cap = {FRAME_CAP}\n"),
        )?;
        if self.features.trust {
            let trusted = sandbox::run_bounded(
                &mut sandbox.std_command(&self.exe, &["trust"]),
                Duration::from_secs(10),
            )?;
            anyhow::ensure!(
                trusted.status.success(),
                "`ccmux trust` failed: {trusted:?}"
            );
        }
        let client = self.client(&sandbox, &["--listen", "127.0.0.1:0"])?;
        Ok(Running {
            ccmux: self,
            client,
            sandbox,
        })
    }

    /// `ccmux [-L NAME] ARGS…` on a fresh terminal in `sandbox`.
    fn client(&self, sandbox: &Sandbox, args: &[&str]) -> anyhow::Result<PtyClient> {
        PtyClient::spawn(sandbox.command(&self.exe, &self.args(sandbox, args)))
    }

    fn args<'a>(&self, sandbox: &'a Sandbox, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = Vec::new();
        if self.features.socket_flag {
            all.extend(["-L", sandbox.name()]);
        }
        all.extend(args);
        all
    }
}

/// A `ccmux.toml` with these sessions; commands as JSON arrays, which TOML reads the same.
fn config(sessions: &[Spec]) -> String {
    sessions
        .iter()
        .map(|s| {
            format!(
                "[[session]]\ntask_id = {:?}\ncommand = {}\n\n",
                s.task_id,
                serde_json::to_string(s.command).expect("strings serialize")
            )
        })
        .collect()
}

/// A client (and the server it started, if any) in its sandbox. Dropping it stops the client,
/// then the server, then anything else the run left behind.
pub struct Running<'a> {
    ccmux: &'a Ccmux,
    pub client: PtyClient,
    sandbox: Sandbox,
}

impl Running<'_> {
    /// The run's isolated directories and name.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Moves focus to pane `n` (1–9) with the prefix key, as a person would.
    pub fn focus(&mut self, n: u8) -> anyhow::Result<()> {
        self.client.type_slowly(&[PREFIX, b'0' + n])
    }

    /// Hangs up the client's terminal, as closing a terminal window does: with a server the
    /// sessions live on (a detach); without one they end with it.
    pub fn hang_up(&mut self) {
        self.client.stop(libc::SIGHUP, Duration::from_secs(3));
    }

    /// A new `ccmux [-L NAME] attach` on a fresh terminal, to the same server.
    pub fn attach(&self) -> anyhow::Result<PtyClient> {
        self.ccmux.client(&self.sandbox, &["attach"])
    }

    /// Where the server of this run listens (`$XDG_RUNTIME_DIR/ccmux/NAME`), when it has a
    /// server selected by `-L`.
    pub fn socket(&self) -> Option<PathBuf> {
        let dir = self.sandbox.runtime_dir().join("ccmux");
        self.ccmux
            .features
            .socket_flag
            .then(|| dir.join(self.sandbox.name()))
    }

    /// `ccmux -L NAME attach` on a fresh terminal, looking for the server's socket under
    /// `runtime` (its `XDG_RUNTIME_DIR`) instead: where a proxy can stand.
    pub fn attach_through(&self, runtime: &Path) -> anyhow::Result<PtyClient> {
        let args = self.ccmux.args(&self.sandbox, &["attach"]);
        let mut command = self.sandbox.command(&self.ccmux.exe, &args);
        command.env("XDG_RUNTIME_DIR", runtime);
        PtyClient::spawn(command)
    }

    /// ccmux processes of this run other than the client: the server, if there is one.
    pub fn server_pids(&self) -> Vec<u32> {
        let client = self.client.pid();
        self.sandbox
            .processes()
            .into_iter()
            .filter(|&pid| Some(pid) != client && sandbox::exe(pid) == Some(self.ccmux.exe.clone()))
            .collect()
    }

    fn kill_server(&self) {
        if self.ccmux.features.kill_server {
            let args = self.ccmux.args(&self.sandbox, &["kill-server"]);
            let mut command = self.sandbox.std_command(&self.ccmux.exe, &args);
            if let Err(e) = sandbox::run_bounded(&mut command, Duration::from_secs(5)) {
                eprintln!("ccmux kill-server: {e:#}");
            }
        }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.client.stop(libc::SIGTERM, Duration::from_secs(2));
        self.kill_server();
        // Then the sandbox's own drop kills whatever is still marked as this run's.
    }
}
