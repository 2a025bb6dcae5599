//! One isolated run of a program under test: its own HOME, XDG dirs and tmux socket dir, so
//! no config, token, socket or server of the person running the bench leaks in, and a unique
//! name that marks every process the run starts, so none outlives it.
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use portable_pty::CommandBuilder;

/// The environment variable whose value marks a run's processes; children inherit it.
const MARK: &str = "ECHO_BENCH_RUN";

/// Fresh directories and a unique name; kills every process still marked with it when dropped.
pub struct Sandbox {
    name: String,
    root: tempfile::TempDir,
}

impl Sandbox {
    pub fn new(prefix: &str) -> anyhow::Result<Self> {
        static RUNS: AtomicU32 = AtomicU32::new(0);
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        // Fixed width, so no run's name contains another's.
        let name = format!("{prefix}-{}-{n:04}", std::process::id());
        let root = tempfile::tempdir()?;
        for dir in ["home", "config", "data", "state", "runtime", "project"] {
            std::fs::create_dir(root.path().join(dir))?;
        }
        // XDG_RUNTIME_DIR must be private to its user, and servers check.
        let runtime = root.path().join("runtime");
        std::fs::set_permissions(&runtime, mode_700())?;
        Ok(Self { name, root })
    }

    /// Unique to this run: a socket name for `-L`, and the mark on its processes.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory the program is started from (where a `ccmux.toml` goes).
    pub fn project(&self) -> PathBuf {
        self.root.path().join("project")
    }

    /// The isolated `XDG_RUNTIME_DIR`, where servers put their sockets.
    pub fn runtime_dir(&self) -> PathBuf {
        self.root.path().join("runtime")
    }

    /// The isolated `XDG_CONFIG_HOME`, where a program's global config file goes.
    pub fn config_home(&self) -> PathBuf {
        self.root.path().join("config")
    }

    /// The isolated environment, as pairs, for a `std::process::Command` too.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let dir = |name: &str| self.root.path().join(name).display().to_string();
        vec![
            ("HOME", dir("home")),
            ("XDG_CONFIG_HOME", dir("config")),
            ("XDG_DATA_HOME", dir("data")),
            ("XDG_STATE_HOME", dir("state")),
            ("XDG_RUNTIME_DIR", dir("runtime")),
            ("TMUX_TMPDIR", dir("runtime")),
            ("TERM", "xterm-256color".into()),
            // Plain ASCII right before the typed text: what the echo detector looks for.
            ("PS1", super::typometer::PROMPT.into()),
            (MARK, self.name.clone()),
        ]
    }

    /// `program args…` with the isolated environment, started from the project directory.
    pub fn command(&self, program: impl AsRef<OsStr>, args: &[&str]) -> CommandBuilder {
        let mut command = CommandBuilder::new(program);
        command.args(args);
        command.cwd(self.project());
        command.env_remove("TMUX");
        command.env_remove("CCMUX_SOCKET");
        for (key, value) in self.env() {
            command.env(key, value);
        }
        command
    }

    /// Same as `command`, for programs run to completion outside the PTY (`run_bounded`).
    pub fn std_command(&self, program: impl AsRef<OsStr>, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(program);
        command
            .args(args)
            .current_dir(self.project())
            .env_remove("TMUX")
            .env_remove("CCMUX_SOCKET")
            .envs(self.env());
        command
    }

    /// Every live process of this run: marked in its environment, or naming the run on its
    /// command line (a server that cleans its environment still names its socket).
    pub fn processes(&self) -> Vec<u32> {
        let mark = format!("{MARK}={}", self.name);
        all_pids()
            .filter(|&pid| {
                let read = |file: &str| std::fs::read(format!("/proc/{pid}/{file}"));
                let has = |bytes: Vec<u8>, needle: &str| {
                    bytes
                        .split(|b| *b == 0)
                        .any(|part| part.windows(needle.len()).any(|w| w == needle.as_bytes()))
                };
                read("environ").is_ok_and(|env| has(env, &mark))
                    || read("cmdline").is_ok_and(|cmd| has(cmd, &self.name))
            })
            .collect()
    }

    /// The run's other processes of the same program as `pid` (say, the server a client
    /// started); not the programs running in its panes.
    pub fn same_program_as(&self, pid: u32) -> Vec<u32> {
        let program = exe(pid);
        self.processes()
            .into_iter()
            .filter(|&other| other != pid && program.is_some() && exe(other) == program)
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for pid in self.processes() {
            // SAFETY: kill(2) on a process this run started (it carries the run's mark).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

/// Runs `command` to completion with its output captured; kills it after `limit`.
pub fn run_bounded(
    command: &mut std::process::Command,
    limit: Duration,
) -> anyhow::Result<std::process::Output> {
    use std::process::Stdio;
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(output) => Ok(output?),
        Err(_) => {
            // SAFETY: kill(2) on our child, not yet reaped: the waiting thread has not returned.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            let _ = rx.recv();
            anyhow::bail!("{command:?} took longer than {limit:?}")
        }
    }
}

fn mode_700() -> std::fs::Permissions {
    std::os::unix::fs::PermissionsExt::from_mode(0o700)
}

pub fn all_pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
}

/// The program the process runs (its name may be cut short or changed; this is not).
pub fn exe(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// User plus system CPU time the process has used so far, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces; fields after it are plain.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}
