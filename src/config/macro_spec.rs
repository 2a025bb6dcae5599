//! `[macros.NAME]`: named sequences of steps run against a session (see `crate::macros`).
//!
//! ```toml
//! [macros.test-and-fix]
//! steps = [
//!   { send = "run the tests" },          # a command, as POST /commands sends it
//!   { wait = "idle", timeout = 600 },    # until the session reaches this state
//!   { expect = "passed" },               # a regex on the screen; no match stops the macro
//!   { keys = "esc" },                    # keys, named like [ui] keys, space-separated
//! ]
//! ```
//!
//! Each step is checked as the file is read, so a macro that parsed can run: a bad regex, an
//! unknown state or key, or a step that does two things is an error with its line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::config::KeyChord;
use crate::config::check::Finding;
use crate::session::SessionState;

/// The longest any step may wait, as for commands.
const MAX_TIMEOUT_SECS: f64 = 24.0 * 3600.0;
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MacroSpec {
    pub steps: Vec<Step>,
}

/// One step, checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "RawStep", into = "RawStep")]
pub enum Step {
    /// Send a command and wait until it finishes, as `POST /commands` does.
    Send { text: String, timeout: Duration },
    /// Wait until the session is in `state`.
    Wait {
        state: SessionState,
        timeout: Duration,
    },
    /// Look for `pattern` on the screen, for up to `timeout` (zero: look once).
    Expect {
        pattern: regex::Regex,
        timeout: Duration,
    },
    /// Press keys.
    Keys {
        names: String,
        chords: Vec<KeyChord>,
    },
}

impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        RawStep::from(self.clone()) == RawStep::from(other.clone())
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send { text, .. } => write!(f, "send {text:?}"),
            Self::Wait { state, .. } => write!(f, "wait {state}"),
            Self::Expect { pattern, .. } => write!(f, "expect /{}/", pattern.as_str()),
            Self::Keys { names, .. } => write!(f, "keys {names}"),
        }
    }
}

/// A step as the file writes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    send: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wait: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keys: Option<String>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    #[error("a step does one thing: give exactly one of send, wait, expect or keys")]
    NotOneThing,
    #[error("`{0}` is not a state: the states are {states}", states = state_names())]
    UnknownState(String),
    #[error("expect: {0}")]
    BadRegex(String),
    #[error("keys: {0}")]
    BadKey(String),
    #[error("keys: give at least one key")]
    NoKeys,
    #[error("keys take no timeout: they are pressed at once")]
    KeysTimeout,
    #[error(
        "timeout must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds (expect: 0 or more)"
    )]
    BadTimeout,
}

fn state_names() -> String {
    SessionState::ALL.map(|s| s.to_string()).join(", ")
}

impl TryFrom<RawStep> for Step {
    type Error = StepError;

    fn try_from(raw: RawStep) -> Result<Self, StepError> {
        let given = [&raw.send, &raw.wait, &raw.expect, &raw.keys];
        if given.iter().filter(|v| v.is_some()).count() != 1 {
            return Err(StepError::NotOneThing);
        }
        let timeout = |default: Duration, zero_ok: bool| match raw.timeout {
            None => Ok(default),
            Some(s) if (s > 0.0 || (zero_ok && s == 0.0)) && s <= MAX_TIMEOUT_SECS => {
                Ok(Duration::from_secs_f64(s))
            }
            Some(_) => Err(StepError::BadTimeout),
        };
        if let Some(text) = raw.send {
            return Ok(Self::Send {
                text,
                timeout: timeout(DEFAULT_SEND_TIMEOUT, false)?,
            });
        }
        if let Some(name) = raw.wait {
            let state = SessionState::ALL
                .into_iter()
                .find(|s| s.to_string() == name)
                .ok_or(StepError::UnknownState(name))?;
            return Ok(Self::Wait {
                state,
                timeout: timeout(DEFAULT_WAIT_TIMEOUT, false)?,
            });
        }
        if let Some(pattern) = raw.expect {
            let pattern = regex::RegexBuilder::new(&pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| StepError::BadRegex(e.to_string()))?;
            return Ok(Self::Expect {
                pattern,
                timeout: timeout(Duration::ZERO, true)?,
            });
        }
        let names = raw.keys.unwrap_or_default();
        if raw.timeout.is_some() {
            return Err(StepError::KeysTimeout);
        }
        let chords = names
            .split_whitespace()
            .map(|k| {
                k.parse::<KeyChord>()
                    .map_err(|e| StepError::BadKey(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if chords.is_empty() {
            return Err(StepError::NoKeys);
        }
        Ok(Self::Keys { names, chords })
    }
}

impl From<Step> for RawStep {
    fn from(step: Step) -> Self {
        match step {
            Step::Send { text, timeout } => Self {
                send: Some(text),
                timeout: Some(timeout.as_secs_f64()),
                ..Self::default()
            },
            Step::Wait { state, timeout } => Self {
                wait: Some(state.to_string()),
                timeout: Some(timeout.as_secs_f64()),
                ..Self::default()
            },
            Step::Expect { pattern, timeout } => Self {
                expect: Some(pattern.as_str().to_string()),
                timeout: Some(timeout.as_secs_f64()),
                ..Self::default()
            },
            Step::Keys { names, .. } => Self {
                keys: Some(names),
                ..Self::default()
            },
        }
    }
}

/// The macros of a file, each step with where it is.
#[derive(Deserialize)]
struct Located {
    #[serde(default)]
    macros: BTreeMap<Spanned<String>, LocatedMacro>,
}

#[derive(Deserialize)]
struct LocatedMacro {
    #[serde(default)]
    steps: Vec<Spanned<toml::Value>>,
}

/// The first macro in `text` that could not run, at its name or its step. Anything else
/// wrong with the file is left to the full parse.
pub(super) fn locate_errors(text: &str) -> Result<(), Finding> {
    let Ok(located) = toml::from_str::<Located>(text) else {
        return Ok(());
    };
    for (name, spec) in &located.macros {
        if !valid_name(name.get_ref()) {
            let message = "a macro's name is 1–64 letters, digits, `-` or `_`";
            return Err(Finding::at(name, message));
        }
        for step in &spec.steps {
            if let Err(e) = Step::deserialize(step.get_ref().clone()) {
                return Err(Finding::at(step, e.to_string()));
            }
        }
    }
    Ok(())
}

/// A macro's name is part of a URL and a command line: letters, digits, `-` and `_`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MacroSpec, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_four_kinds_of_step_parse_with_their_defaults() {
        let spec = parse(
            r#"steps = [{ send = "run" }, { wait = "idle", timeout = 5 }, { expect = "ok" }, { keys = "esc ctrl-c" }]"#,
        )
        .unwrap();
        let shown: Vec<String> = spec.steps.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            shown,
            [
                r#"send "run""#,
                "wait idle",
                "expect /ok/",
                "keys esc ctrl-c"
            ]
        );
        assert!(
            matches!(spec.steps[0], Step::Send { timeout, .. } if timeout == DEFAULT_SEND_TIMEOUT)
        );
        assert!(matches!(&spec.steps[3], Step::Keys { chords, .. } if chords.len() == 2));
    }

    #[test]
    fn bad_steps_say_what_is_wrong() {
        for (text, wanted) in [
            (r#"steps = [{ expect = "(" }]"#, "expect: regex parse error"),
            (
                r#"steps = [{ wait = "sleeping" }]"#,
                "`sleeping` is not a state",
            ),
            (
                r#"steps = [{ keys = "ctrl-nope" }]"#,
                "`ctrl-nope` is not a key",
            ),
            (
                r#"steps = [{ send = "a", keys = "esc" }]"#,
                "exactly one of",
            ),
            (r#"steps = [{ sned = "a" }]"#, "unknown field `sned`"),
            (
                r#"steps = [{ wait = "idle", timeout = 0 }]"#,
                "timeout must be",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }
}
