//! `ccmux detect FILE`: a recording replayed through a terminal and the detectors, on a
//! clock of its own (the recording's), with no process: the states a live session would have
//! gone through, and why. Recorded sessions so become a regression suite for the detectors.

use std::time::Duration;

use crate::recording::asciicast::{EventKind, Recording};
use crate::session::SessionState;
use crate::session::probe::Probe;
use crate::session::profile::Profile;

/// After the last event, how long the clock runs on for quiet periods to elapse.
const TAIL: Duration = Duration::from_secs(10);

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

/// The state timeline of `recording` under `profile`, through the same terminal, detector and
/// state machine a live session uses (`Probe`). Keystrokes are known only when the recording
/// has `"i"` events (`record_input = true`): an Enter in them is a submission, as when a live
/// session is typed to.
pub fn timeline(recording: &Recording, profile: Profile) -> Vec<Step> {
    let mut probe = Probe::new(profile, recording.header.size());
    let mut end = Duration::ZERO;
    for event in &recording.events {
        end = Duration::from_secs_f64(event.time.max(0.0));
        probe.run_until(end);
        match &event.kind {
            EventKind::Output(text) => {
                probe.feed(text.as_bytes());
            }
            EventKind::Resize(size) => probe.resize(*size),
            EventKind::Input(keys) if keys.contains(['\r', '\n']) => {
                probe.submit();
            }
            EventKind::Input(_) | EventKind::Marker(_) => {}
        }
    }
    probe.run_until(end + TAIL);
    probe
        .timeline()
        .iter()
        .map(|step| Step {
            time: step.at.as_secs_f64(),
            state: step.state,
            reason: step.reason.clone(),
        })
        .collect()
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
