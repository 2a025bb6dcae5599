//! One reaper for every session's child, woken by `SIGCHLD`, instead of a thread per child
//! blocked in `wait`.
//!
//! Invariants:
//! - Only the pids registered with [`Reaper::watch`] are waited for, each by its own pid and
//!   never with `waitpid(-1)`: other code of the process (a `std::process::Command` it runs, the
//!   orphans `process::Leftovers` reaps as subreaper) keeps its children to itself.
//! - A child that exited before it was registered is not missed: registering looks at once.
//! - Signals coalesce (two exits may raise one `SIGCHLD`), so every wake-up looks at every
//!   registered pid; each look is one non-blocking `waitpid`.
//! - Exit is reported by the child's reaping, not by the PTY's end: a grandchild may hold the
//!   terminal open after the program itself has exited.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;

use crate::session::process;
use crate::session::pty::ExitInfo;

type Watched = Arc<Mutex<HashMap<libc::pid_t, oneshot::Sender<ExitInfo>>>>;

/// The children being waited for. The task that reaps them ends once this handle is dropped
/// and none is left.
pub struct Reaper {
    watched: Watched,
    /// Dropped with the reaper: tells its task to end once nothing is left to reap.
    _alive: oneshot::Sender<()>,
}

impl Reaper {
    /// Starts the reaper's task. Must be called inside a tokio runtime (its signal driver
    /// delivers `SIGCHLD`).
    pub fn start() -> std::io::Result<Self> {
        let mut children = signal(SignalKind::child())?;
        let watched = Watched::default();
        let (alive, mut dropped) = oneshot::channel::<()>();
        let task_watched = watched.clone();
        tokio::spawn(async move {
            let mut orphaned = false;
            loop {
                tokio::select! {
                    signalled = children.recv() => if signalled.is_none() {
                        // The runtime is shutting down, and this task with it.
                        break;
                    },
                    _ = &mut dropped, if !orphaned => orphaned = true,
                }
                reap(&task_watched);
                if orphaned && task_watched.lock().is_empty() {
                    break;
                }
            }
        });
        Ok(Self {
            watched,
            _alive: alive,
        })
    }

    /// How `pid`, a child of this process, ends. The receiver fails only if the runtime goes
    /// away first.
    pub fn watch(&self, pid: u32) -> oneshot::Receiver<ExitInfo> {
        let (tx, rx) = oneshot::channel();
        self.watched.lock().insert(pid as libc::pid_t, tx);
        reap(&self.watched);
        rx
    }
}

/// Reaps every watched child that has exited and reports how it ended.
fn reap(watched: &Watched) {
    let mut watched = watched.lock();
    let ended: Vec<(libc::pid_t, ExitInfo)> = watched
        .keys()
        .filter_map(|&pid| Some((pid, try_wait(pid)?)))
        .collect();
    for (pid, info) in ended {
        if let Some(tx) = watched.remove(&pid) {
            let _ = tx.send(info);
        }
    }
}

/// How `pid` ended, if it has; reaps it.
fn try_wait(pid: libc::pid_t) -> Option<ExitInfo> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid on one pid with WNOHANG; `status` is a valid out-pointer.
        let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if reaped == 0 {
            return None;
        }
        if reaped == pid {
            return Some(decode(status));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            // ECHILD: not (or no longer) our child to wait for; its end cannot be known.
            return Some(ExitInfo {
                code: None,
                signal: Some(format!("lost ({error})")),
            });
        }
    }
}

fn decode(status: libc::c_int) -> ExitInfo {
    if libc::WIFSIGNALED(status) {
        ExitInfo {
            code: None,
            signal: Some(process::signal_name(libc::WTERMSIG(status))),
        }
    } else {
        ExitInfo {
            code: Some(libc::WEXITSTATUS(status)),
            signal: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(script: &str) -> u32 {
        std::process::Command::new("sh")
            .args(["-c", script])
            .spawn()
            .unwrap()
            .id()
    }

    #[tokio::test]
    async fn children_are_reported_with_their_code_or_signal_even_if_they_ended_first() {
        let reaper = Reaper::start().unwrap();
        let early = child("exit 3");
        std::thread::sleep(std::time::Duration::from_millis(100));
        let killed = child("kill -KILL $$");
        let later = child("sleep 0.2; exit 0");
        let early = reaper.watch(early);
        let killed = reaper.watch(killed);
        let later = reaper.watch(later);
        assert_eq!(early.await.unwrap().code, Some(3));
        assert_eq!(killed.await.unwrap().signal.as_deref(), Some("SIGKILL"));
        assert_eq!(later.await.unwrap().code, Some(0));
    }

    #[tokio::test]
    async fn a_child_it_was_not_asked_about_is_left_to_its_owner() {
        let reaper = Reaper::start().unwrap();
        let mut own = std::process::Command::new("true").spawn().unwrap();
        let watched = reaper.watch(child("exit 0"));
        watched.await.unwrap();
        assert!(own.wait().unwrap().success());
    }
}
