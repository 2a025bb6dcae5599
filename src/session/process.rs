//! Signalling and reaping a session's processes.
//!
//! A session's child is a session leader (portable-pty calls `setsid`), so everything it starts
//! shares its session id, even jobs an interactive shell moved to their own process group.
//! Terminating a session therefore signals every process of that session, not just one group,
//! and every process still holding its terminal ([`Leftovers`]).

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Hangup,
    Kill,
}

impl Signal {
    fn raw(self) -> libc::c_int {
        match self {
            Self::Hangup => libc::SIGHUP,
            Self::Kill => libc::SIGKILL,
        }
    }
}

/// The signals that end a program unless it handles them, by their conventional names.
const FATAL_SIGNALS: [(libc::c_int, &str); 21] = [
    (libc::SIGHUP, "SIGHUP"),
    (libc::SIGINT, "SIGINT"),
    (libc::SIGQUIT, "SIGQUIT"),
    (libc::SIGILL, "SIGILL"),
    (libc::SIGTRAP, "SIGTRAP"),
    (libc::SIGABRT, "SIGABRT"),
    (libc::SIGBUS, "SIGBUS"),
    (libc::SIGFPE, "SIGFPE"),
    (libc::SIGKILL, "SIGKILL"),
    (libc::SIGUSR1, "SIGUSR1"),
    (libc::SIGSEGV, "SIGSEGV"),
    (libc::SIGUSR2, "SIGUSR2"),
    (libc::SIGPIPE, "SIGPIPE"),
    (libc::SIGALRM, "SIGALRM"),
    (libc::SIGTERM, "SIGTERM"),
    (libc::SIGXCPU, "SIGXCPU"),
    (libc::SIGXFSZ, "SIGXFSZ"),
    (libc::SIGVTALRM, "SIGVTALRM"),
    (libc::SIGPROF, "SIGPROF"),
    (libc::SIGIO, "SIGIO"),
    (libc::SIGSYS, "SIGSYS"),
];

/// The conventional name of `signal` (`SIGKILL`), or its number for one not listed above.
pub fn signal_name(signal: libc::c_int) -> String {
    FATAL_SIGNALS
        .iter()
        .find(|&&(listed, _)| listed == signal)
        .map_or_else(|| format!("signal {signal}"), |(_, name)| name.to_string())
}

/// Makes orphaned descendants of our sessions our children rather than init's, so that they
/// can be reaped here; some inits (containers, sandboxes) never reap them and they would
/// linger as zombies.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Every pid in `/proc`.
fn all_pids() -> impl Iterator<Item = i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
}

/// Pids of every process (zombies included) whose session id is `sid`.
pub fn session_members(sid: i32) -> Vec<i32> {
    all_pids()
        .filter(|&pid| stat_field(pid, SESSION_FIELD) == Some(sid as u64))
        .collect()
}

/// Fields of `/proc/PID/stat`, numbered as in proc(5).
const SESSION_FIELD: usize = 6;
const START_TIME_FIELD: usize = 22;

fn stat_field(pid: i32, field: usize) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses; field 3 follows the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(field - 3)?.parse().ok()
}

/// Pids of the processes, other than ours, with a descriptor open on `tty`.
fn terminal_holders(tty: &Path) -> Vec<i32> {
    let ours = std::process::id() as i32;
    all_pids()
        .filter(|&pid| pid != ours)
        .filter(|pid| {
            let fds = std::fs::read_dir(format!("/proc/{pid}/fd"));
            fds.into_iter()
                .flatten()
                .flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == tty))
        })
        .collect()
}

/// A process by pid and start time: a pid the kernel has since given to another process is
/// neither signalled nor reaped in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Process {
    pid: i32,
    started: u64,
}

impl Process {
    fn of(pid: i32) -> Option<Self> {
        let started = stat_field(pid, START_TIME_FIELD)?;
        Some(Self { pid, started })
    }

    /// Still this process, alive or a zombie.
    fn exists(self) -> bool {
        stat_field(self.pid, START_TIME_FIELD) == Some(self.started)
    }
}

/// What must not outlive a session: the members of its terminal session, and processes that
/// left it (`setsid`) but kept its terminal as their stdio. Those get no hangup from the
/// kernel and would pin the PTY, and the session's threads with it, for as long as they run.
pub struct Leftovers {
    sid: i32,
    /// Processes found holding the terminal, until they are reaped or gone.
    escaped: Vec<Process>,
}

impl Leftovers {
    pub fn new(sid: i32) -> Self {
        Self {
            sid,
            escaped: Vec::new(),
        }
    }

    /// Sends `signal` to the session's members and to every process holding `tty`, the
    /// session's terminal. Give `tty` only while the session holds its master: the number of
    /// a closed PTY may already be another session's.
    pub fn signal(&mut self, signal: Signal, tty: Option<&Path>) {
        signal_session(self.sid, signal);
        let holders = tty.map(terminal_holders).unwrap_or_default();
        for pid in holders {
            let member = stat_field(pid, SESSION_FIELD) == Some(self.sid as u64);
            if let Some(found) = Process::of(pid).filter(|p| !member && !self.escaped.contains(p)) {
                self.escaped.push(found);
            }
        }
        for process in self.escaped.iter().filter(|p| p.exists()) {
            // SAFETY: kill takes plain integers; the pid was just checked to be this process.
            unsafe {
                libc::kill(process.pid, signal.raw());
            }
        }
    }

    /// Reaps those that are our children (we are their subreaper) and have exited. Returns
    /// how many remain.
    pub fn reap(&mut self) -> usize {
        self.escaped.retain(|process| {
            if process.exists() {
                let mut status = 0;
                // SAFETY: as in `reap_session`.
                unsafe {
                    libc::waitpid(process.pid, &mut status, libc::WNOHANG);
                }
            }
            process.exists()
        });
        reap_session(self.sid) + self.escaped.len()
    }
}

/// Sends `signal` to the process group `sid` and to every other member of session `sid`.
pub fn signal_session(sid: i32, signal: Signal) {
    if sid <= 1 {
        return;
    }
    // SAFETY: killpg and kill take plain integers; a stale pid only yields ESRCH.
    unsafe {
        libc::killpg(sid, signal.raw());
    }
    for pid in session_members(sid) {
        if pid != std::process::id() as i32 {
            unsafe {
                libc::kill(pid, signal.raw());
            }
        }
    }
}

/// Reaps the members of session `sid` that are our children and have exited (orphans we
/// adopted as subreaper). Returns how many members remain.
fn reap_session(sid: i32) -> usize {
    for pid in session_members(sid) {
        let mut status = 0;
        // SAFETY: waitpid on one pid with WNOHANG; `status` is a valid out-pointer. A pid that
        // is not our child only yields ECHILD.
        unsafe {
            libc::waitpid(pid, &mut status, libc::WNOHANG);
        }
    }
    session_members(sid).len()
}

/// How a session is ended: its processes get a hangup and a grace period, or a kill at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Graceful,
    Forced,
}

impl Ending {
    /// `Forced` when a caller asked for force (the API's `?force=true`).
    pub fn forced(asked: bool) -> Self {
        if asked { Self::Forced } else { Self::Graceful }
    }
}
