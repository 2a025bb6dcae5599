//! Helpers shared by the integration tests: real sessions on real PTYs.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ccmux::manager::{Manager, ManagerConfig};
use ccmux::session::{ProfileKind, Session, SessionConfig, SessionState, TaskId};

pub mod tmux;

pub const WAIT: Duration = Duration::from_secs(15);

pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    path.to_string_lossy().into_owned()
}

pub fn manager() -> Manager {
    Manager::new(ManagerConfig::default()).expect("the manager starts")
}

pub fn task(name: &str) -> TaskId {
    TaskId::new(name).unwrap()
}

/// Writes `text` as the global config file of `home` (its `XDG_CONFIG_HOME` is `home/config`).
pub fn write_global_config(home: &std::path::Path, text: &str) {
    let dir = home.join("config/ccmux");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

pub fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The Claude Code fixture, logged in.
pub fn claude(task_name: &str, dir: &std::path::Path) -> SessionConfig {
    let mut config = SessionConfig::new(task(task_name), dir)
        .with_command(["python3", &fixture("fake_claude.py")])
        .with_profile(ProfileKind::Claude)
        .with_size(100, 30);
    config.auth_token = Some("sk-test-key".into());
    config
}

/// An interactive bash with no rc files and a known prompt.
pub fn bash(task_name: &str, dir: &std::path::Path) -> SessionConfig {
    SessionConfig::new(task(task_name), dir)
        .with_command(["bash", "--norc", "--noprofile", "-i"])
        .with_env("PS1", "ccmux-test$ ")
        .with_size(120, 40)
}

/// A program run once through `python3 -c`, watched by the generic profile.
pub fn python(task_name: &str, dir: &std::path::Path, script: &str) -> SessionConfig {
    SessionConfig::new(task(task_name), dir)
        .with_command(["python3", "-c", script])
        .with_profile(ProfileKind::Generic)
}

pub async fn wait_state(session: &Session, want: SessionState) {
    let got = session.wait_for_state(WAIT, |s| s == want).await;
    assert_eq!(
        got,
        Ok(want),
        "waiting for {want}; screen:\n{}",
        session.screen().lines.join("\n")
    );
}

/// Waits until the screen shows `needle`, waking on the session's status changes and output.
pub async fn wait_screen(manager: &Manager, session: &Session, needle: &str) {
    let mut events = manager.subscribe();
    let deadline = Instant::now() + WAIT;
    while !session.screen().lines.join("\n").contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "screen never showed {needle:?}:\n{}",
            session.screen().lines.join("\n")
        );
        let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), events.recv()).await;
    }
}

/// Pids of processes in `pid`'s session that are still alive (zombies count: they are not reaped).
pub fn session_processes(pid: u32) -> Vec<i32> {
    ccmux::session::process::session_members(pid as i32)
}

/// Waits until a process called `name` is among `candidates()`. A session turns busy when
/// Enter is sent, before the shell has started the command; an interrupt sent in between
/// reaches the shell, not the command.
pub fn wait_for_process(name: &str, candidates: impl Fn() -> Vec<i32>) {
    let deadline = Instant::now() + WAIT;
    let running = || {
        candidates().iter().any(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == name)
        })
    };
    while !running() {
        assert!(Instant::now() < deadline, "`{name}` never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

pub fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
pub mod fixture_api;
pub mod real_cli;
pub mod remote;
pub mod server;
pub mod sshd;
