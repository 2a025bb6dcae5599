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
