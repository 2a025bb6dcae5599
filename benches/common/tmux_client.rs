//! tmux under test, as the yardstick: its client runs in the bench's terminal and draws there,
//! just as ccmux's does; its server is private to the run (own socket name and socket dir).
//! Its panes keep 10 000 lines of history, as ccmux's sessions do (`[limits] scrollback`).
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::time::Duration;

use super::pty_client::PtyClient;
use super::sandbox::{self, Sandbox};

/// A tmux client attached to a new session running `bash`, in its sandbox. Dropping it stops
/// the client, then the server, then anything else the run left behind.
pub struct Running {
    pub client: PtyClient,
    sandbox: Sandbox,
}

impl Running {
    pub fn start() -> anyhow::Result<Self> {
        let sandbox = Sandbox::new("tmux-echo")?;
        // As separate words tmux runs bash itself: through `sh -c` (itself possibly bash) the
        // non-interactive shell would drop PS1 on the way.
        // history-limit applies to panes made after it is set: set it on the server first.
        let args = [
            "-f",
            "/dev/null",
            "start-server",
            ";",
            "set",
            "-g",
            "history-limit",
            "10000",
            ";",
            "new-session",
            "bash",
            "--norc",
            "--noprofile",
        ];
        let client = PtyClient::spawn(sandbox.command("tmux", &tmux_args(&sandbox, &args)))?;
        Ok(Self { client, sandbox })
    }

    /// Runs `command` in a second pane, leaving the focus on the first.
    pub fn split(&self, command: &str) -> anyhow::Result<()> {
        self.checked(&["split-window", "-d", command])
    }

    /// Runs `command` in one more pane, leaving the focus where it was, and tiles the window's
    /// panes so each keeps a share of it.
    pub fn split_tiled(&self, command: &str) -> anyhow::Result<()> {
        self.checked(&["split-window", "-d", command, ";", "select-layout", "tiled"])
    }

    /// The tmux server of this run (the client's own process is not among them).
    pub fn server_pids(&self) -> Vec<u32> {
        self.client
            .pid()
            .map_or_else(Vec::new, |pid| self.sandbox.same_program_as(pid))
    }

    /// `tmux ARGS…`, which must succeed.
    fn checked(&self, args: &[&str]) -> anyhow::Result<()> {
        let output = self.tmux(args)?;
        anyhow::ensure!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    }

    fn tmux(&self, args: &[&str]) -> anyhow::Result<std::process::Output> {
        let mut command = self
            .sandbox
            .std_command("tmux", &tmux_args(&self.sandbox, args));
        sandbox::run_bounded(&mut command, Duration::from_secs(5))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.client.stop(libc::SIGTERM, Duration::from_secs(2));
        let _ = self.tmux(&["kill-server"]);
    }
}

fn tmux_args<'a>(sandbox: &'a Sandbox, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["-L", sandbox.name()];
    all.extend(args);
    all
}
