//! What the actor learns besides the screen's verdict: when a dialog appeared on screen (for
//! answering it, see `dialog.rs`), and Claude Code's hook reports, reconciled with the screen
//! as `claude`'s module documentation describes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::claude::event::{HookKind, Report};
use crate::claude::launch::Hooked;
use crate::claude::policy::{self, Decision, Policies};
use crate::claude::{HOOK_HOLD, ReportRefused};

/// How long after a PermissionRequest hook the screen has to show its dialog before the
/// session is `waiting_input` without it (the dialog comes 0.13–0.36 s after the hook).
const DIALOG_FALLBACK: Duration = Duration::from_secs(2);

/// A dialog a PermissionRequest hook announced: `waiting_input` comes when the screen shows
/// it (Claude Code draws it 0.13–0.36 s after the hook, and takes keys ~100 ms later), with
/// this reason; or at `until`, if the screen never does.
#[derive(Debug, Clone)]
struct Announced {
    reason: String,
    until: Instant,
}

/// A state a hook set, which the screen may not contradict until it agreed once or `until`.
#[derive(Debug, Clone, Copy)]
struct Hold {
    state: SessionState,
    until: Instant,
}

/// What a screen verdict does while a hook's state holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScreenSays {
    /// No hold, or the screen shows what a hook cannot hide: the verdict applies.
    Moves,
    /// The screen agrees with the hook, whose reason (which tool, which turn) says more: the
    /// state and its reason stay, and the hold ends.
    Agrees,
    /// The screen still shows the moment before the hook: ignored until the hold ends.
    Held,
}

/// The actor's side of the hooks.
pub(super) struct ClaudeLink {
    /// `None`: the session has no hooks and takes no reports.
    pub(super) hooked: Option<Hooked>,
    policies: Arc<Policies>,
    hold: Option<Hold>,
    announced: Option<Announced>,
    /// The reply of the turn a Stop hook just ended, for the command it finishes.
    pub(super) reply: Option<String>,
}

impl ClaudeLink {
    pub(super) fn new(hooked: Option<Hooked>, policies: Arc<Policies>) -> Self {
        Self {
            hooked,
            policies,
            hold: None,
            announced: None,
            reply: None,
        }
    }

    /// Permission requests from now on are answered by `policies`.
    pub(super) fn follow(&mut self, policies: Arc<Policies>) {
        self.policies = policies;
    }

    /// The reason a hook gave for the dialog the screen now shows, if one announced it.
    pub(super) fn take_announced(&mut self) -> Option<String> {
        self.announced.take().map(|a| a.reason)
    }
}

impl Actor {
    /// The screen shows a dialog (`drawn`, believed once it takes keys) or not: keeps the
    /// moment it was believed; a different dialog in its place (the next question) is a new
    /// one.
    pub(super) fn note_dialog(&mut self, drawn: Option<String>, now: Instant) {
        if drawn == self.drawn_dialog {
            return;
        }
        let showing = drawn.is_some();
        self.drawn_dialog = drawn;
        self.status.send_modify(|s| {
            s.dialog_since = showing.then_some(now);
            s.input_since = showing.then(chrono::Utc::now);
        });
    }

    /// A dialog a hook announced that the screen has not shown in time: `waiting_input`
    /// anyway, saying so, since the hook said Claude Code waits; held against the screen as
    /// a hook's state is.
    pub(super) fn announced_dialog_overdue(&mut self, now: Instant) {
        let Some(announced) = &self.claude.announced else {
            return;
        };
        if now < announced.until {
            self.timers.eval = Some(
                self.timers
                    .eval
                    .map_or(announced.until, |t| t.min(announced.until)),
            );
            return;
        }
        let reason = format!("{} (its dialog not seen on screen)", announced.reason);
        self.claude.announced = None;
        if self.machine.state() != SessionState::WaitingInput {
            self.hook_moves(SessionState::WaitingInput, &reason, now);
        }
    }

    /// What the screen's verdict `to` may do now, given the last hook's hold.
    pub(super) fn screen_may_move(&mut self, to: SessionState, now: Instant) -> ScreenSays {
        let Some(hold) = self.claude.hold else {
            return ScreenSays::Moves;
        };
        // A dialog, a login or an error on screen is there whatever a hook said before.
        let shown = [
            SessionState::WaitingInput,
            SessionState::Authenticating,
            SessionState::Error,
        ];
        let says = if now >= hold.until || self.machine.state() != hold.state {
            ScreenSays::Moves
        } else if to == hold.state {
            ScreenSays::Agrees
        } else if shown.contains(&to) {
            ScreenSays::Moves
        } else {
            ScreenSays::Held
        };
        if says == ScreenSays::Held {
            self.timers.eval = Some(self.timers.eval.map_or(hold.until, |t| t.min(hold.until)));
        } else {
            self.claude.hold = None;
        }
        says
    }

    /// A report from the session's hooks; what the hook prints back, if anything.
    pub(super) fn on_report(
        &mut self,
        capability: &str,
        report: Report,
        now: Instant,
    ) -> Result<Option<String>, ReportRefused> {
        let hooked = self
            .claude
            .hooked
            .as_ref()
            .ok_or(ReportRefused::NoHooks(self.id))?;
        if !hooked.capability.admits(capability) {
            return Err(ReportRefused::WrongCapability(self.id));
        }
        if self.machine.state().is_ending() {
            return Ok(None);
        }
        let before = self.status.borrow().claude.clone();
        self.status.send_modify(|s| s.claude.apply(&report));
        if self.status.borrow().claude != before {
            self.notifier.info_changed(self.id);
        }
        let Report::Hook { kind, .. } = report else {
            return Ok(None);
        };
        self.system(format!("Claude Code hook: {}", kind.describe()));
        let state = self.machine.state();
        match kind {
            HookKind::UserPromptSubmit => {
                self.claude.announced = None;
                self.hook_moves(SessionState::Busy, "hook: prompt submitted", now)
            }
            HookKind::PermissionRequest(tool) => {
                let verdict = self.claude.policies.decide(&tool);
                let what = format!("{} {}", tool.tool_name, tool.main_input());
                let what = what.trim_end();
                if let Some(verdict) = &verdict {
                    self.system(format!(
                        "policy: {} {what} (rule {}: {})",
                        verdict.decision, verdict.rule_number, verdict.rule
                    ));
                }
                match verdict.filter(|v| v.decision != Decision::Ask) {
                    Some(verdict) => {
                        self.status
                            .send_modify(|s| s.claude.pending_permission = None);
                        return Ok(policy::hook_output(&verdict));
                    }
                    None => {
                        let until = now + DIALOG_FALLBACK;
                        self.claude.announced = Some(Announced {
                            reason: format!("permission: {what}"),
                            until,
                        });
                        self.timers.eval = Some(self.timers.eval.map_or(until, |t| t.min(until)));
                    }
                }
            }
            // A tool runs inside a turn: busy, even if the screen lost its busy marks.
            HookKind::PreToolUse(tool) if state != SessionState::Authenticating => {
                self.hook_moves(
                    SessionState::Busy,
                    &format!("hook: running {}", tool.tool_name),
                    now,
                );
            }
            HookKind::PostToolUse(tool) if state != SessionState::Authenticating => {
                self.hook_moves(
                    SessionState::Busy,
                    &format!("hook: {} ran", tool.tool_name),
                    now,
                );
            }
            HookKind::Stop { last_message }
                if matches!(state, SessionState::Busy | SessionState::WaitingInput) =>
            {
                if self.commands.is_running() {
                    self.claude.reply = last_message;
                }
                self.claude.announced = None;
                self.hook_moves(SessionState::Idle, "hook: turn ended", now);
            }
            HookKind::SessionEnd { reason } => {
                self.system(format!("Claude Code ended its session ({reason})"));
            }
            HookKind::Notification { message } => {
                self.system(format!("Claude Code: {message}"));
            }
            HookKind::SessionStart { .. }
            | HookKind::PreToolUse(_)
            | HookKind::PostToolUse(_)
            | HookKind::Stop { .. } => {}
        }
        Ok(None)
    }

    /// A hook's state: applied at once, and held against the screen for a moment.
    fn hook_moves(&mut self, to: SessionState, reason: &str, now: Instant) {
        self.transition(to, reason);
        if self.machine.state() == to {
            let until = now + HOOK_HOLD;
            self.claude.hold = Some(Hold { state: to, until });
            self.timers.eval = Some(self.timers.eval.map_or(until, |t| t.min(until)));
        }
    }
}
