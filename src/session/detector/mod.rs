//! Decides a session's state from its screen and the timing of its output.
//!
//! The detector never changes state itself: it returns a [`Decision`] that the session actor
//! applies through the state machine, so every change still goes through one function.

use std::time::{Duration, Instant};

use crate::session::profile::{Profile, Rule, Verdict};
use crate::session::region::{Region, ScreenView};

/// What the detector concluded, and when it wants to look again.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: Option<(Verdict, String)>,
    /// A time-based condition (quiet period, settle time) may change the verdict then.
    pub recheck_at: Option<Instant>,
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
}

impl Detector {
    pub fn new(profile: Profile, now: Instant) -> Self {
        Self {
            profile,
            last_output: now,
            submission: None,
            error: None,
            last_prompt: None,
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
            };
        }

        self.forget_scrolled_errors(view);
        let matched = self
            .first_match(view)
            .map(|rule| (rule.verdict, rule.id.clone(), rule.when_stalled));
        if let Some((_, _, Some(quiet))) = matched
            && quiet_for < quiet
        {
            return Decision {
                verdict: None,
                recheck_at: Some(quiet_until(quiet)),
            };
        }
        let (verdict, reason) = match matched {
            Some((verdict, reason, _)) => (verdict, reason),
            None if self.profile.busy_while_output && !in_error => (
                Verdict::Prompt,
                format!(
                    "output quiet for {} ms",
                    self.profile.prompt_quiet.as_millis()
                ),
            ),
            None => {
                return Decision {
                    verdict: None,
                    recheck_at: None,
                };
            }
        };

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
            Verdict::WaitingInput | Verdict::Authenticating => {
                self.submission = None;
                decided(verdict, reason)
            }
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
                verdict: None,
                recheck_at: Some(self.last_output + profile.prompt_quiet),
            };
        }
        if let Some(s) = self.submission {
            let settled = now.saturating_duration_since(s.at) >= profile.settle;
            if !s.progress_seen && !settled {
                return Decision {
                    verdict: None,
                    recheck_at: Some(s.at + profile.settle),
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
    fn first_match(&self, view: &ScreenView) -> Option<&Rule> {
        let running = self.submission.is_some();
        self.profile.rules.iter().find(|rule| {
            if rule.when_stalled.is_some() && !running {
                return false;
            }
            let text = view.region(rule.region);
            match &self.error {
                Some(seen) if seen.rule == rule.id && self.last_output > seen.output_at => {
                    rule.pattern.find_iter(text).count() > seen.matches
                }
                _ => rule.pattern.is_match(text),
            }
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

    fn remember_error(&mut self, view: &ScreenView, id: &str) {
        let Some(rule) = self.profile.rules.iter().find(|r| r.id == id) else {
            return;
        };
        self.error = Some(ReportedError {
            rule: id.to_string(),
            matches: rule.pattern.find_iter(view.region(rule.region)).count(),
            output_at: self.last_output,
            current: true,
        });
    }
}

fn decided(verdict: Verdict, reason: String) -> Decision {
    Decision {
        verdict: Some((verdict, reason)),
        recheck_at: None,
    }
}

#[cfg(test)]
mod tests;
