//! `ccmux detect FILE`: a recording replayed through a terminal and the detectors, on a
//! clock of its own (the recording's), with no process: the states a live session would have
//! gone through, and why. Recorded sessions so become a regression suite for the detectors.

use std::time::{Duration, Instant};

use crate::recording::asciicast::{EventKind, Recording};
use crate::session::detector::{Detector, Observation};
use crate::session::profile::Profile;
use crate::session::state::StateMachine;
use crate::session::{SessionState, Terminal};

/// As the session actor: output is looked at this long after it arrives.
const EVAL_DEBOUNCE: Duration = Duration::from_millis(15);
/// After the last event, how long the clock runs on for quiet periods to elapse.
const TAIL: Duration = Duration::from_secs(10);
/// Most looks at one moment's screen: a recheck loop must not spin.
const MAX_EVALS: usize = 1_000_000;

/// One change of state.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Seconds into the recording.
    pub time: f64,
    pub state: SessionState,
    pub reason: String,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>9.3}  {:<14}  {}", self.time, self.state, self.reason)
    }
}

/// `ccmux detect FILE [--profile P]`: the timeline as lines of `TIME  STATE  REASON`.
pub fn run(
    path: &std::path::Path,
    profile: Option<&str>,
    config: &crate::config::Config,
) -> anyhow::Result<String> {
    let profile = profile_named(profile.unwrap_or("claude"), config)?;
    let recording = crate::recording::asciicast::read_file(path)?;
    Ok(timeline(&recording, profile)
        .iter()
        .map(|step| format!("{step}\n"))
        .collect())
}

/// A built-in profile or a `[profiles.NAME]` of `config`.
fn profile_named(name: &str, config: &crate::config::Config) -> anyhow::Result<Profile> {
    if let Ok(kind) = name.parse::<crate::session::ProfileKind>() {
        return Ok(kind.profile());
    }
    let spec = config.profiles.get(name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown profile `{name}`: expected claude, shell, generic or a [profiles.NAME] of your own"
        )
    })?;
    Ok(spec.to_profile(name))
}

struct Run {
    base: Instant,
    terminal: Terminal,
    detector: Detector,
    machine: StateMachine,
    eval_at: Option<Instant>,
    steps: Vec<Step>,
}

/// The state timeline of `recording` under `profile`. Keystrokes are known only when the
/// recording has `"i"` events (`record_input = true`): an Enter in them is a submission, as
/// when a live session is typed to.
pub fn timeline(recording: &Recording, profile: Profile) -> Vec<Step> {
    let base = Instant::now();
    let mut run = Run {
        base,
        terminal: Terminal::new(recording.header.size(), 0),
        detector: Detector::new(profile, base),
        machine: StateMachine::new(),
        eval_at: Some(base + EVAL_DEBOUNCE),
        steps: Vec::new(),
    };
    let mut end = base;
    for event in &recording.events {
        let at = base + Duration::from_secs_f64(event.time);
        run.evaluate_until(at);
        end = at;
        match &event.kind {
            EventKind::Output(text) => {
                run.terminal.process(text.as_bytes());
                run.detector.on_output(at);
                run.schedule(at + EVAL_DEBOUNCE);
            }
            EventKind::Resize(size) => run.terminal.resize(*size),
            EventKind::Input(keys) if keys.contains(['\r', '\n']) => run.submitted(at),
            EventKind::Input(_) | EventKind::Marker(_) => {}
        }
    }
    run.evaluate_until(end + TAIL);
    run.steps
}

impl Run {
    fn schedule(&mut self, at: Instant) {
        self.eval_at = Some(self.eval_at.map_or(at, |t| t.min(at)));
    }

    /// Enter reached the program, as `actor::submitted` sees it.
    fn submitted(&mut self, at: Instant) {
        self.detector.on_submit(at);
        let takes_enter = matches!(
            self.machine.state(),
            SessionState::Ready | SessionState::Idle | SessionState::WaitingInput
        );
        if self.detector.profile().output_means_progress && takes_enter {
            self.transition(at, SessionState::Busy, "enter pressed");
        }
        self.schedule(at + EVAL_DEBOUNCE);
    }

    /// Every look at the screen due up to `until`, in order.
    fn evaluate_until(&mut self, until: Instant) {
        for _ in 0..MAX_EVALS {
            let Some(at) = self.eval_at.filter(|at| *at <= until) else {
                return;
            };
            self.eval_at = None;
            let (screen, cursor_line) = (self.terminal.text(), self.terminal.cursor_line());
            let decision = self.detector.decide(
                Observation {
                    screen: &screen,
                    cursor_line: &cursor_line,
                },
                at,
            );
            if let Some(recheck) = decision.recheck_at {
                self.schedule(recheck.max(at + Duration::from_millis(1)));
            }
            if let Some((verdict, reason)) = decision.verdict
                && let Some(to) = self.machine.state_for(verdict)
            {
                self.transition(at, to, &reason);
            }
        }
    }

    fn transition(&mut self, at: Instant, to: SessionState, reason: &str) {
        if let Ok(Some(change)) = self.machine.transition(to, reason) {
            self.steps.push(Step {
                time: at.duration_since(self.base).as_secs_f64(),
                state: change.to,
                reason: change.reason,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::asciicast::{Event, Header};
    use crate::session::TerminalSize;

    fn recording(events: Vec<(f64, EventKind)>) -> Recording {
        Recording {
            header: Header::new(TerminalSize { cols: 40, rows: 5 }, 0, "xterm", "t".into()),
            events: events
                .into_iter()
                .map(|(time, kind)| Event { time, kind })
                .collect(),
        }
    }

    #[test]
    fn a_shell_prompt_is_ready_then_busy_after_enter_then_idle() {
        let rec = recording(vec![
            (0.1, EventKind::Output("user$ ".into())),
            (1.0, EventKind::Input("sleep 1\r".into())),
            (1.01, EventKind::Output("sleep 1\r\n".into())),
            (2.0, EventKind::Output("user$ ".into())),
        ]);
        let steps = timeline(&rec, crate::session::ProfileKind::Shell.profile());
        let states: Vec<SessionState> = steps.iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [SessionState::Ready, SessionState::Busy, SessionState::Idle],
            "{steps:#?}"
        );
        assert!(steps[0].time >= 0.1 && steps[2].time >= 2.0, "{steps:#?}");
    }
}
