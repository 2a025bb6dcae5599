//! The other machine of the remote tests: a ccmux server with a home of its own behind a real
//! `sshd` on the loopback, and this machine's ccmux, with another home, reaching it by ssh.

use std::path::Path;
use std::process::Command;
use std::rc::Rc;

use serde_json::json;

use super::server::{self, Server, TOKEN};
use super::sshd::Sshd;
use super::tmux::Tmux;

/// The other machine: its ccmux server (with an API for the test to set it up) behind sshd.
pub struct Remote {
    pub server: Server,
    pub sshd: Sshd,
}

impl Remote {
    /// Its server keeps the token in a file, as a user's does, so its own `ctl` finds it.
    pub fn start() -> Self {
        let home = tempfile::tempdir().unwrap();
        let token_file = home.path().join("token");
        std::fs::write(&token_file, TOKEN).unwrap();
        let cwd = home.path().to_path_buf();
        let token_file = token_file.display().to_string();
        let server = server::serve(Rc::new(home), &cwd, &["--token-file", &token_file]);
        let sshd = Sshd::start(server.home.path());
        Self { server, sshd }
    }

    /// A shell session on the remote server, once it shows its prompt.
    pub fn shell(&self, task: &str) -> u64 {
        let body = json!({"task_id": task, "project_path": self.server.home.path(),
            "command": ["bash", "--norc", "--noprofile", "-i"],
            "environment": {"PS1": format!("{task}$ ")}});
        let (status, info) = self.server.call("POST", "/api/v1/sessions", Some(body));
        assert_eq!(status, 201, "{info}");
        info["session_id"].as_u64().unwrap()
    }

    /// This machine's TUI in tmux at `size`, attached to this machine's server over ssh
    /// (`ccmux attach --host`), with a home of its own.
    pub fn attach_over_ssh(&self, size: (u16, u16)) -> Tmux {
        let home = tempfile::tempdir().unwrap();
        let config = format!("[remote]\nssh = \"{}\"\n", self.sshd.ssh_command());
        local(home.path(), &config);
        let cwd = home.path().to_path_buf();
        let args = format!("attach --host {}", self.sshd.host());
        Tmux::run(Rc::new(home), &cwd, &[], size, &args)
    }

    /// What `ccmux ls` prints on the other machine, run there against its own server.
    pub fn ls(&self) -> String {
        let out = server::ccmux(self.server.home.path())
            .arg("ls")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", server::said(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// This machine's ccmux, with a home of its own and a config saying `config`.
pub fn local(home: &Path, config: &str) -> Command {
    let dir = home.join("config/ccmux");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
    server::ccmux(home)
}

/// The last `tick-N` on the screen.
pub fn last_tick(screen: &str) -> u64 {
    screen
        .split("tick-")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .max()
        .unwrap_or(0)
}
