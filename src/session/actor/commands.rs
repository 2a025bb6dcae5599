//! Commands sent to the session, from their keys to their result: at most one in flight, its
//! output captured as it arrives, and the history of those sent. Kept apart from the actor's
//! loop so that the loop reads as events in, state out.

use std::time::{Duration, Instant};

use super::*;
use crate::session::command::{ActiveCommand, CommandRecord, CommandReply, CommandResult};
use crate::session::error::SessionError;
use crate::session::profile::Profile;
use crate::session::reply;

/// Most commands kept in the history; the oldest go first.
const HISTORY_LIMIT: usize = 1000;

/// The command in flight, if any, and the history of those sent.
pub(super) struct Commands {
    active: Option<ActiveCommand>,
    history: Vec<CommandRecord>,
}

impl Commands {
    /// Carries on a history restored from an earlier run of the session.
    pub(super) fn new(history: Vec<CommandRecord>) -> Self {
        Self {
            active: None,
            history,
        }
    }

    pub(super) fn is_running(&self) -> bool {
        self.active.is_some()
    }

    /// When the command in flight times out.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.active.as_ref().map(|c| c.deadline)
    }

    pub(super) fn history(&self) -> Vec<CommandRecord> {
        self.history.clone()
    }

    /// Keeps the program's output for the command in flight's result.
    pub(super) fn capture(&mut self, bytes: &[u8]) {
        if let Some(cmd) = &mut self.active {
            cmd.capture(bytes);
        }
    }

    /// The command's keys have been written: it is in flight and in the history.
    fn begin(&mut self, text: String, timeout: Duration, reply: CommandReply, now: Instant) {
        self.history.push(CommandRecord {
            command: text.clone(),
            sent_at: Utc::now(),
            result: None,
        });
        if self.history.len() > HISTORY_LIMIT {
            self.history.remove(0);
        }
        self.active = Some(ActiveCommand::new(text, timeout, reply, now));
    }

    /// Ends the command in flight; its history entry is given the result by `settle`.
    fn take(&mut self) -> Option<ActiveCommand> {
        self.active.take()
    }

    /// The history entry of the command that just finished, given its result.
    fn settle(&mut self, result: &CommandResult) -> Option<&CommandRecord> {
        let record = self.history.iter_mut().rev().find(|r| r.result.is_none())?;
        record.result = Some(result.clone());
        Some(record)
    }
}

impl Actor {
    pub(super) fn start_command(&mut self, text: String, timeout: Duration, reply: CommandReply) {
        let state = self.machine.state();
        if self.exit.is_some() || state.is_ending() {
            let _ = reply.send(Err(SessionError::Ended));
            return;
        }
        // A program that reported an error and carried on takes the next command too: the
        // command is how a user moves it on.
        let takes = state.accepts_commands() || state == SessionState::Error;
        if !takes || self.commands.is_running() {
            let _ = reply.send(Err(SessionError::NotAcceptingCommands(state)));
            return;
        }
        let now = Instant::now();
        let delay = self.detector.profile().enter_delay;
        let mut keys = text.clone().into_bytes();
        if delay.is_zero() {
            keys.push(b'\r');
        }
        if let Err(e) = self.write(keys, text.clone()) {
            let _ = reply.send(Err(e));
            return;
        }
        self.commands.begin(text, timeout, reply, now);
        self.status.send_modify(|s| s.commands_run += 1);
        self.transition(SessionState::Busy, "command sent");
        if delay.is_zero() {
            self.detector.on_submit(now);
            self.schedule_eval(now);
        } else {
            // Typed text and Enter in one write read as a paste to Claude Code: Enter comes later.
            self.timers.enter = Some(now + delay);
        }
    }

    /// Presses the Enter that `start_command` held back.
    pub(super) fn press_delayed_enter(&mut self, now: Instant) {
        self.timers.enter = None;
        if self.input.send(b"\r").is_ok() {
            if let Some(recording) = &self.recording {
                recording.input(b"\r");
            }
            self.detector.on_submit(now);
            self.schedule_eval(now);
        }
    }

    pub(super) fn complete_command(&mut self, end: CommandEnd) {
        let timed_out = end == CommandEnd::TimedOut;
        let Some(cmd) = self.commands.take() else {
            return;
        };
        let profile = self.detector.profile();
        // A Stop hook's reply is Claude's own words; the screen's is what was drawn of them.
        let output = match (self.claude.reply.take(), &profile.reply) {
            (Some(reply), _) => reply,
            (None, Some(rules)) => {
                let lines = self.terminal.lock().lines_with_history();
                reply::transcript_reply(&lines, &cmd.text, rules)
            }
            (None, None) => {
                reply::stream_reply(&cmd.captured_text(), &cmd.text, |l| is_prompt(profile, l))
            }
        };
        let result = CommandResult {
            output,
            state: self.machine.state(),
            duration_ms: cmd.started.elapsed().as_millis() as u64,
            timed_out,
        };
        if let Some(record) = self.commands.settle(&result) {
            (self.notifier.commands).finished(&self.task_id, self.id, record, &result);
        }
        let _ = cmd.reply.send(Ok(result));
    }
}

/// Why a running command is completed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CommandEnd {
    /// The session left `busy`.
    Settled,
    /// Its deadline passed first.
    TimedOut,
}

fn is_prompt(profile: &Profile, line: &str) -> bool {
    profile
        .rules
        .iter()
        .any(|r| r.verdict == Verdict::Prompt && r.pattern.is_match(line))
}
