//! Signalling and reaping a session's processes.
//!
//! A session's child is a session leader (portable-pty calls `setsid`), so everything it starts
//! shares its session id, even jobs an interactive shell moved to their own process group.
//! Terminating a session therefore signals every process of that session, not just one group.

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

/// `SIGKILL` for `Killed`: portable-pty reports the signal that ended a child only as
/// `strsignal`'s description, which reads badly in "killed by …" and differs between C
/// libraries. A description of no signal listed above is kept as it is.
pub fn signal_name(description: &str) -> String {
    FATAL_SIGNALS
        .iter()
        .find(|&&(signal, _)| strsignal(signal).as_deref() == Some(description))
        .map_or_else(|| description.to_string(), |(_, name)| name.to_string())
}

fn strsignal(signal: libc::c_int) -> Option<String> {
    // SAFETY: strsignal returns null or a NUL-terminated description that stays valid until
    // the next call on this thread; it is copied at once.
    unsafe {
        let text = libc::strsignal(signal);
        (!text.is_null()).then(|| {
            std::ffi::CStr::from_ptr(text)
                .to_string_lossy()
                .into_owned()
        })
    }
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

/// Pids of every process (zombies included) whose session id is `sid`.
pub fn session_members(sid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| stat_session(pid) == Some(sid))
        .collect()
}

/// The session id field of `/proc/PID/stat`.
fn stat_session(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // state ppid pgrp session
    rest.split_whitespace().nth(3)?.parse().ok()
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
pub fn reap_session(sid: i32) -> usize {
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

/// Whether `pid` exists and is not a zombie.
pub fn is_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .map(|i| s[i + 1..].trim_start().starts_with('Z'))
        })
        .is_some_and(|zombie| !zombie)
}
