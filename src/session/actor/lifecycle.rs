//! The end of a session: terminate requests, the child's exit, and reaping what it left.
//!
//! Order of events: the child is reaped by the reaper (`on_exit`); its leftovers get a
//! hangup and, after a grace period, a kill; the last output is drained (`finish`) and the
//! state becomes `terminated`; terminate requests are answered only once no process of the
//! session is left, so "terminate returned" means "nothing is running".

use std::time::Instant;

use super::*;

impl Actor {
    /// Terminated, and every process of the session killed and reaped.
    pub(super) fn is_gone(&self) -> bool {
        self.machine.state() == SessionState::Terminated
            && self.timers.kill.is_none()
            && self.timers.reap.is_none()
    }

    pub(super) fn begin_terminate(&mut self, ending: Ending, reason: &str) {
        if self.machine.state() == SessionState::Terminated {
            self.answer_terminate_waiters();
            return;
        }
        self.transition(SessionState::Terminating, reason);
        let now = Instant::now();
        if ending == Ending::Forced || self.exit.is_some() {
            self.timers.kill = Some(now);
        } else if self.timers.kill.is_none() {
            self.signal_leftovers(Signal::Hangup);
            self.timers.kill = Some(now + TERMINATE_GRACE);
        }
        self.on_timer(now);
    }

    pub(super) fn on_exit(&mut self, info: ExitInfo) {
        let now = Instant::now();
        self.system(describe(&info));
        self.status.send_modify(|s| s.exit_code = info.code);
        self.exit = Some(info);
        // Keys are refused from now on, whichever way they come.
        self.input.close();
        // The program is gone; whatever it left behind gets a hangup, as from a closed
        // terminal, then a kill — at once if a terminate was already asked for.
        self.signal_leftovers(Signal::Hangup);
        let grace = if self.machine.state() == SessionState::Terminating {
            Duration::ZERO
        } else {
            STRAGGLER_GRACE
        };
        self.timers.kill = Some(now + grace);
        self.timers.drain = Some(now + DRAIN_TIMEOUT);
        self.timers.enter = None;
    }

    /// Signals the session's processes and those still holding its terminal, which is looked
    /// for only while the master is ours (see `Leftovers::signal`).
    pub(super) fn signal_leftovers(&mut self, signal: Signal) {
        let tty = self.master.as_ref().and_then(|m| m.tty_name());
        self.leftovers.signal(signal, tty.as_deref());
    }

    /// The program has exited and its output is drained (or we stopped waiting for it).
    pub(super) fn finish(&mut self) {
        self.timers.drain = None;
        if self.machine.state() == SessionState::Terminated {
            return;
        }
        let asked = self.machine.state() == SessionState::Terminating;
        let restored = self.origin == crate::session::kept::Origin::Restored;
        let reason = match &self.exit {
            // A restore that failed on its own (Claude Code that cannot resume) is kept to be
            // retried; its screen says why, so the reason carries its last lines.
            Some(info) if restored && !asked && info.code != Some(0) => {
                self.status.send_modify(|s| s.restore_failed = true);
                let screen = self.terminal.lock().snapshot();
                last_lines(&describe(info), &screen.lines)
            }
            Some(info) => describe(info),
            None => "ended".to_string(),
        };
        self.transition(SessionState::Terminated, &reason);
        self.master = None;
        self.input.close();
        self.stop = None;
        // With the reader's, the last handle on the recording: the recorder closes its file.
        self.recording = None;
        // The settings file goes, and the capability with it.
        self.claude.hooked = None;
        self.answers.end();
        self.timers.eval = None;
        self.answer_terminate_waiters();
    }

    pub(super) fn reap_leftovers(&mut self, now: Instant) {
        let Some((_, give_up)) = self.timers.reap else {
            return;
        };
        let left = self.leftovers.reap();
        if left == 0 || now >= give_up {
            if left > 0 {
                tracing::warn!(session = %self.id, left, "processes of the session survived SIGKILL");
            }
            self.timers.reap = None;
            self.answer_terminate_waiters();
        } else {
            self.timers.reap = Some((now + REAP_INTERVAL, give_up));
        }
    }

    fn answer_terminate_waiters(&mut self) {
        if self.is_gone() {
            for waiter in self.terminate_waiters.drain(..) {
                let _ = waiter.send(());
            }
        }
    }

    /// Appends to the log and tells subscribers.
    pub(super) fn record(&mut self, kind: OutputType, content: String) {
        let entry = self.log.push(kind, content);
        self.notifier.output(self.id, entry);
    }

    pub(super) fn system(&mut self, content: String) {
        self.record(OutputType::System, content);
    }
}

fn describe(info: &ExitInfo) -> String {
    match (&info.code, &info.signal) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) => format!("killed by {signal}"),
        (None, None) => "exited".to_string(),
    }
}

/// `what`, then the last few non-blank lines of `screen`, bounded.
fn last_lines(what: &str, screen: &[String]) -> String {
    const LINES: usize = 3;
    const CHARS: usize = 300;
    let mut last: Vec<&str> = screen
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .rev()
        .take(LINES)
        .collect();
    if last.is_empty() {
        return what.to_string();
    }
    last.reverse();
    let said: String = last.join(" / ").chars().take(CHARS).collect();
    format!("{what}: {said}")
}
