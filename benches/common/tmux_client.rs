//! tmux under test, as the yardstick: its client runs in the bench's terminal and draws there,
//! just as ccmux's does; its server is private to the run (own socket name and socket dir).

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
        let args = [
            "-f",
            "/dev/null",
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
        let output = self.tmux(&["split-window", "-d", command])?;
        anyhow::ensure!(
            output.status.success(),
            "tmux split-window: {}",
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
