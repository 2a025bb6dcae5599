//! Sessions on other machines. Nothing new listens on a network port: the client runs the
//! user's own `ssh` (their config, agent and keys) to start `ccmux bridge` on the other
//! machine, which joins the ssh channel to that machine's server socket (see [`bridge`]); the
//! client then speaks the socket protocol over the ssh child's pipes (see [`link`]). The
//! remote server's socket rules (its private directory, peer uid) are its own and unchanged.

pub mod attach;
pub mod bridge;
pub mod ctl;
mod link;
pub mod mux;

use std::process::{Command, Stdio};

pub use link::{RemoteError, connect};

/// Whether ssh may ask the user something (a password, a new host key) on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompts {
    /// Before the TUI takes the terminal, and for `ls` and `ctl`.
    MayAsk,
    /// While the TUI owns the terminal (dialling a dropped link again): ssh runs without a
    /// controlling terminal, so it fails rather than read the user's keys.
    Never,
}

use crate::client;
use crate::config::RemoteSection;
use crate::protocol::WorkspaceListing;

/// The environment variable that overrides `[remote] ssh`.
pub const SSH_ENV: &str = "CCMUX_SSH";

/// ssh's own keepalive, given to the default `ssh`: a link whose network dies without a word
/// (no FIN, no RST) is dropped after 3 unanswered probes 5 s apart, 15 to 20 s, instead of
/// when TCP gives up (many minutes), and is dialled again. The protocol has no ping of its
/// own. A command the user gives (`CCMUX_SSH`, `[remote] ssh`) is run as given: their
/// wrapper may take no `-o`, and their keepalive is theirs to choose.
const KEEPALIVE: &str = "-o ServerAliveInterval=5 -o ServerAliveCountMax=3";

/// `ccmux ls --host HOST`: HOST's workspaces, each with its sessions.
pub async fn list(
    section: &RemoteSection,
    host: &str,
    socket: &str,
) -> anyhow::Result<Vec<WorkspaceListing>> {
    let (ssh, host) = (Ssh::from_config(section), Host::parse(host)?);
    let connection = connect(&ssh, &host, socket, Prompts::MayAsk).await?;
    Ok(client::list(connection).await?)
}

/// `[user@]host` as ssh takes it: never an option, never more than one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host(String);

impl Host {
    pub fn parse(text: &str) -> Result<Self, RemoteError> {
        let bad = text.is_empty()
            || text.starts_with('-')
            || text.len() > 255
            || text.chars().any(|c| c.is_whitespace() || c.is_control());
        if bad {
            return Err(RemoteError::BadHost(text.to_string()));
        }
        Ok(Self(text.to_string()))
    }
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to reach a host's ccmux: the ssh command line (shell text, run by `sh`, so a user's
/// `ssh -p 2222 -i ~/key` works as typed) and the remote ccmux as the remote shell finds it.
#[derive(Debug, Clone)]
pub struct Ssh {
    command: String,
    remote: String,
}

impl Ssh {
    /// `CCMUX_SSH`, else `[remote] ssh`, else `ssh` with a keepalive (see [`KEEPALIVE`]);
    /// `[remote] command`, else `ccmux`.
    pub fn from_config(section: &RemoteSection) -> Self {
        Self::chosen(std::env::var(SSH_ENV).ok(), section)
    }

    /// The same, with `from_env` as `CCMUX_SSH`'s value.
    fn chosen(from_env: Option<String>, section: &RemoteSection) -> Self {
        let command = from_env
            .filter(|c| !c.trim().is_empty())
            .or_else(|| section.ssh.clone())
            .unwrap_or_else(|| format!("ssh {KEEPALIVE}"));
        let remote = section.command.clone().unwrap_or_else(|| "ccmux".into());
        Self { command, remote }
    }

    /// The remote ccmux as configured, for messages.
    pub fn remote_ccmux(&self) -> &str {
        &self.remote
    }

    /// `ssh HOST 'ccmux ARGS…'`, each argument quoted for the remote shell.
    pub fn command(&self, host: &Host, args: &[String], prompts: Prompts) -> Command {
        let mut remote = self.remote.clone();
        for arg in args {
            remote.push(' ');
            remote.push_str(&quote(arg));
        }
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{} \"$@\"", self.command))
            .arg("ccmux-ssh")
            .arg(&host.0)
            .arg(remote)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if prompts == Prompts::Never {
            use std::os::unix::process::CommandExt;
            // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
            unsafe {
                command.pre_exec(|| {
                    libc::setsid();
                    Ok(())
                });
            }
        }
        command
    }
}

/// One word for a POSIX shell, whatever it holds: single-quoted, with each `'` closed,
/// escaped and reopened.
pub fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:@,+".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        return arg.to_string();
    }
    format!("'{}'", arg.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_word_comes_back_whole_from_the_shell() {
        for word in [
            "plain",
            "",
            "two words",
            "it's",
            "$(rm -rf /)",
            "a\nb",
            "`x`;|&",
        ] {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", quote(word)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), word);
        }
    }

    /// What the `ssh` found on the PATH is given when `ssh` runs `ccmux ls` on `box`.
    fn ssh_argv(ssh: &Ssh) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("ssh");
        std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let host = Host::parse("box").unwrap();
        let out = ssh
            .command(&host, &["ls".to_string()], Prompts::MayAsk)
            .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    #[test]
    fn the_default_ssh_drops_a_silently_dead_link_within_twenty_seconds() {
        let ssh = Ssh::chosen(None, &RemoteSection::default());
        let argv = ssh_argv(&ssh);
        let option = |name: &str| {
            let at = argv.iter().position(|a| a.starts_with(&format!("{name}=")));
            let value = at
                .filter(|i| *i > 0 && argv[i - 1] == "-o")
                .map(|i| &argv[i][name.len() + 1..]);
            value.and_then(|v| v.parse::<u64>().ok())
        };
        let (interval, count) = (option("ServerAliveInterval"), option("ServerAliveCountMax"));
        let silent = interval.zip(count).map(|(i, c)| i * (c + 1));
        assert!(silent.is_some_and(|s| s <= 20), "{argv:?}");
        assert_eq!(argv[argv.len() - 2..], ["box", "ccmux ls"], "{argv:?}");
    }

    #[test]
    fn a_users_ssh_command_runs_as_given() {
        let section = RemoteSection {
            ssh: Some("ssh -p 2222".into()),
            ..RemoteSection::default()
        };
        for (from_env, said) in [(None, "2222"), (Some("ssh -p 3333".to_string()), "3333")] {
            let argv = ssh_argv(&Ssh::chosen(from_env, &section));
            assert_eq!(argv, ["-p", said, "box", "ccmux ls"]);
        }
    }

    #[test]
    fn a_host_is_one_word_and_never_an_option() {
        assert!(Host::parse("me@build-box").is_ok());
        for bad in ["", "-oProxyCommand=x", "a b", "a\nb"] {
            assert!(matches!(Host::parse(bad), Err(RemoteError::BadHost(_))));
        }
    }
}
