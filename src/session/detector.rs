//! Decides a session's state from its screen and the timing of its output.
//!
//! The detector never changes state itself: it returns a [`Decision`] that the session actor
//! applies through the state machine, so every change still goes through one function.

use std::time::{Duration, Instant};

use crate::session::profile::{Profile, Rule, Scope, Verdict};

/// The screen as the detector sees it.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// Visible lines joined by `\n`, trailing blanks trimmed.
    pub screen: &'a str,
    /// The cursor's row up to the cursor column.
    pub cursor_line: &'a str,
}

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

#[derive(Debug)]
pub struct Detector {
    profile: Profile,
    last_output: Instant,
    submission: Option<Submission>,
}

impl Detector {
    pub fn new(profile: Profile, now: Instant) -> Self {
        Self {
            profile,
            last_output: now,
            submission: None,
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

    pub fn decide(&mut self, obs: Observation<'_>, now: Instant) -> Decision {
        let quiet_for = now.saturating_duration_since(self.last_output);
        let quiet_until = |needed: Duration| self.last_output + needed;

        if self.profile.busy_while_output && quiet_for < self.profile.prompt_quiet {
            return Decision {
                verdict: Some((Verdict::Busy, "output flowing".to_string())),
                recheck_at: Some(quiet_until(self.profile.prompt_quiet)),
            };
        }

        let matched = self
            .first_match(obs)
            .map(|rule| (rule.verdict, rule.name.clone(), rule.when_stalled));
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
            None if self.profile.busy_while_output => (
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
            Verdict::Prompt => self.decide_prompt(reason, quiet_for, now),
            Verdict::WaitingInput | Verdict::Authenticating | Verdict::Error => {
                self.submission = None;
                decided(verdict, reason)
            }
        }
    }

    /// A prompt is believed once output has settled and, after a submission, once the
    /// program has shown it worked on it (or has had time to and stayed quiet).
    fn decide_prompt(&mut self, reason: String, quiet_for: Duration, now: Instant) -> Decision {
        let profile = &self.profile;
        if quiet_for < profile.prompt_quiet {
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
        decided(Verdict::Prompt, reason)
    }

    /// The first rule that matches; one that needs a stalled command only while one runs.
    fn first_match(&self, obs: Observation<'_>) -> Option<&Rule> {
        let running = self.submission.is_some();
        self.profile.rules.iter().find(|rule| {
            let text = match rule.scope {
                Scope::Screen => obs.screen,
                Scope::CursorLine => obs.cursor_line,
            };
            (running || rule.when_stalled.is_none()) && rule.pattern.is_match(text)
        })
    }
}

fn decided(verdict: Verdict, reason: String) -> Decision {
    Decision {
        verdict: Some((verdict, reason)),
        recheck_at: None,
    }
}

#[cfg(test)]
#[path = "detector_tests.rs"]
mod tests;
