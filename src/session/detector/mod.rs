//! Decides a session's state from its screen and the timing of its output.
//!
//! The detector never changes state itself: it returns a [`Decision`] that the session actor
//! applies through the state machine, so every change still goes through one function.

use std::time::{Duration, Instant};

use crate::session::profile::{Profile, Verdict};
use crate::session::region::{Region, ScreenView};

/// What the detector concluded, and when it wants to look again.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    pub verdict: Option<(Verdict, String)>,
    /// A time-based condition (quiet period, settle time) may change the verdict then.
    pub recheck_at: Option<Instant>,
    /// With `waiting_input`: the dialog as drawn (its block, without the cursor mark), so
    /// that a new question in the same place counts as a new dialog.
    pub dialog: Option<String>,
    /// The deciding rule's `resets` group: when the limit it reports lifts, as the program
    /// wrote it.
    pub resets: Option<String>,
}

/// The rule that matched, and what it read.
struct Matched {
    verdict: Verdict,
    reason: String,
    when_stalled: Option<Duration>,
    /// The text of the rule's region.
    seen: String,
    resets: Option<String>,
}

/// A command or Enter that was sent and whose effect has not been seen yet.
#[derive(Debug, Clone, Copy)]
struct Submission {
    at: Instant,
    progress_seen: bool,
}

/// The error last reported: which rule, how often its pattern matched then, and the output
/// seen by then. Once the program prints more, that same text no longer holds the session in
/// `error`: the next other rule that matches decides, unless the error shows again.
#[derive(Debug, Clone)]
struct ReportedError {
    rule: String,
    matches: usize,
    output_at: Instant,
    /// No other verdict came since: the session is in `error`.
    current: bool,
}

#[derive(Debug)]
pub struct Detector {
    profile: Profile,
    last_output: Instant,
    submission: Option<Submission>,
    error: Option<ReportedError>,
    /// The cursor line of the last prompt believed. Seeing it again after a submission's
    /// output means the prompt is back: the command is done, without waiting for quiet.
    last_prompt: Option<String>,
    /// The dialog on screen and since when: it is believed once it has been there for the
    /// profile's `dialog_settle`, when the program takes keys.
    dialog_seen: Option<(String, Instant)>,
}

impl Detector {
    pub fn new(profile: Profile, now: Instant) -> Self {
        Self {
            profile,
            last_output: now,
            submission: None,
            error: None,
            last_prompt: None,
            dialog_seen: None,
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn on_output(&mut self, now: Instant) {
        self.last_output = now;
        if let Some(s) = self
            .submission
            .as_mut()
            .filter(|_| self.profile.output_means_progress)
        {
            s.progress_seen = true;
        }
    }

    /// Enter was pressed: until the program shows it started, an unchanged prompt means nothing.
    pub fn on_submit(&mut self, now: Instant) {
        self.submission = Some(Submission {
            at: now,
            progress_seen: false,
        });
    }

    /// The terminal was resized: the program may redraw its prompt (bash does on SIGWINCH),
    /// perhaps only after a command was typed, and that redraw is no sign the command ended.
    /// So the prompt stops meaning "back" until it is believed again once output settles.
    pub fn on_resize(&mut self) {
        self.last_prompt = None;
    }

    pub fn decide(&mut self, view: &ScreenView, now: Instant) -> Decision {
        let decision = self.judge(view, now);
        if let (Some(error), Some((verdict, _))) = (&mut self.error, &decision.verdict) {
            error.current &= *verdict == Verdict::Error;
        }
        decision
    }

    /// Whether the screen, as it stood after some output, may end a submission, so it is
    /// worth deciding on at once rather than after the debounce: the prompt is back on the
    /// cursor line, or (for programs whose prompt is a whole-screen picture, like Claude
    /// Code's input box) a whole frame was drawn.
    pub fn look_at_once(&self, cursor_line: &str, mid_frame: bool) -> bool {
        let screen_prompt = self
            .profile
            .rules
            .iter()
            .any(|r| r.verdict == Verdict::Prompt && r.region != Region::CursorLine);
        self.submission.is_some() && (self.prompt_back(cursor_line) || screen_prompt && !mid_frame)
    }

    /// The program printed something since the submission and the cursor now sits on the
    /// very prompt it was submitted at.
    fn prompt_back(&self, cursor_line: &str) -> bool {
        self.submission.is_some_and(|s| s.progress_seen)
            && self.last_prompt.as_deref() == Some(cursor_line)
    }

    fn judge(&mut self, view: &ScreenView, now: Instant) -> Decision {
        let quiet_for = now.saturating_duration_since(self.last_output);
        let last_output = self.last_output;
        let quiet_until = |needed: Duration| last_output + needed;
        // In `error`, only a rule says otherwise: output flowing or going quiet does not.
        let in_error = self.error.as_ref().is_some_and(|e| e.current);

        if !in_error && self.profile.busy_while_output && quiet_for < self.profile.prompt_quiet {
            return Decision {
                verdict: Some((Verdict::Busy, "output flowing".to_string())),
                recheck_at: Some(quiet_until(self.profile.prompt_quiet)),
                ..Decision::default()
            };
        }

        self.forget_scrolled_errors(view);
        let matched = self.first_match(view);
        if matched
            .as_ref()
            .is_none_or(|m| m.verdict != Verdict::WaitingInput)
        {
            self.dialog_seen = None;
        }
        if let Some(quiet) = matched.as_ref().and_then(|m| m.when_stalled)
            && quiet_for < quiet
        {
            return Decision {
                recheck_at: Some(quiet_until(quiet)),
                ..Decision::default()
            };
        }
        let Some(matched) = matched else {
            if self.profile.busy_while_output && !in_error {
                let reason = format!(
                    "output quiet for {} ms",
                    self.profile.prompt_quiet.as_millis()
                );
                return decided(Verdict::Prompt, reason);
            }
            return Decision::default();
        };
        let Matched {
            verdict,
            reason,
            seen,
            resets,
            ..
        } = matched;
        match verdict {
            Verdict::Busy => {
                if let Some(s) = &mut self.submission {
                    s.progress_seen = true;
                }
                decided(verdict, reason)
            }
            Verdict::Prompt => {
                self.decide_prompt(reason, quiet_for, view.region(Region::CursorLine), now)
            }
            Verdict::Error => {
                self.submission = None;
                self.remember_error(view, &reason);
                decided(verdict, reason)
            }
            Verdict::WaitingInput => {
                self.submission = None;
                self.decide_dialog(reason, seen, resets, now)
            }
            Verdict::Authenticating => {
                self.submission = None;
                decided(verdict, reason)
            }
        }
    }

    /// A dialog is believed once it has been on screen for the profile's `dialog_settle`:
    /// before that the program may drop the keys sent to it, so `waiting_input` would tell a
    /// client to act too soon. A changed dialog (the next question) starts its own wait.
    fn decide_dialog(
        &mut self,
        reason: String,
        seen: String,
        resets: Option<String>,
        now: Instant,
    ) -> Decision {
        let drawn: String = seen.replace('❯', " ");
        let since = match &self.dialog_seen {
            Some((dialog, since)) if *dialog == drawn => *since,
            _ => {
                self.dialog_seen = Some((drawn.clone(), now));
                now
            }
        };
        let takes_keys = since + self.profile.dialog_settle;
        if now < takes_keys {
            return Decision {
                recheck_at: Some(takes_keys),
                ..Decision::default()
            };
        }
        Decision {
            dialog: Some(drawn),
            resets,
            ..decided(Verdict::WaitingInput, reason)
        }
    }

    /// A prompt is believed once output has settled, or at once when it is the prompt the
    /// submission was made at, back after the program's output; and, after a submission, once
    /// the program has shown it worked on it (or has had time to and stayed quiet).
    fn decide_prompt(
        &mut self,
        reason: String,
        quiet_for: Duration,
        cursor_line: &str,
        now: Instant,
    ) -> Decision {
        let back = self.prompt_back(cursor_line);
        let profile = &self.profile;
        if quiet_for < profile.prompt_quiet && !back {
            return Decision {
                recheck_at: Some(self.last_output + profile.prompt_quiet),
                ..Decision::default()
            };
        }
        if let Some(s) = self.submission {
            let settled = now.saturating_duration_since(s.at) >= profile.settle;
            if !s.progress_seen && !settled {
                return Decision {
                    recheck_at: Some(s.at + profile.settle),
                    ..Decision::default()
                };
            }
        }
        self.submission = None;
        // The reason stays the rule's id, however soon the prompt was believed.
        self.last_prompt = Some(cursor_line.to_string());
        decided(Verdict::Prompt, reason)
    }

    /// The first (highest-priority) rule that matches; one that needs a stalled command only
    /// while one runs; an error already reported only until the program prints more.
    fn first_match(&self, view: &ScreenView) -> Option<Matched> {
        let running = self.submission.is_some();
        // Output since the error, or a submission made after it (whose output may not have
        // arrived yet), moves past it: the error's old text on screen no longer matches.
        let moved_past = |seen: &ReportedError| {
            self.last_output > seen.output_at
                || self.submission.is_some_and(|s| s.at > seen.output_at)
        };
        let rule = self.profile.rules.iter().find(|rule| {
            if rule.when_stalled.is_some() && !running {
                return false;
            }
            let text = view.region(rule.region);
            match &self.error {
                Some(seen) if seen.rule == rule.id && moved_past(seen) => {
                    rule.pattern.find_iter(text).count() > seen.matches
                }
                _ => rule.pattern.is_match(text),
            }
        })?;
        let seen = view.region(rule.region);
        Some(Matched {
            verdict: rule.verdict,
            reason: rule.reason_for(seen),
            when_stalled: rule.when_stalled,
            seen: seen.to_string(),
            resets: rule.resets(seen),
        })
    }

    /// An error text that scrolled off no longer counts, so that a new one showing where it
    /// was is news.
    fn forget_scrolled_errors(&mut self, view: &ScreenView) {
        let Some(seen) = &mut self.error else { return };
        if let Some(rule) = self.profile.rules.iter().find(|r| r.id == seen.rule) {
            let now = rule.pattern.find_iter(view.region(rule.region)).count();
            seen.matches = seen.matches.min(now);
        }
    }

    fn remember_error(&mut self, view: &ScreenView, reason: &str) {
        let Some(rule) = self
            .profile
            .rules
            .iter()
            .find(|r| r.reason_for(view.region(r.region)) == reason)
        else {
            return;
        };
        self.error = Some(ReportedError {
            rule: rule.id.clone(),
            matches: rule.pattern.find_iter(view.region(rule.region)).count(),
            output_at: self.last_output,
            current: true,
        });
    }
}

fn decided(verdict: Verdict, reason: String) -> Decision {
    Decision {
        verdict: Some((verdict, reason)),
        ..Decision::default()
    }
}

#[cfg(test)]
mod claude_dialogs;
#[cfg(test)]
mod tests;
