//! Answering a dialog (a permission prompt, a numbered menu) so that the answer is taken.
//!
//! Typing into a dialog is not enough: Claude Code drops keys that reach it within about
//! 100 ms of a dialog appearing (see `shared/claude-code-screens.md`), so a program answering
//! as soon as it sees the dialog loses its answer and the session waits forever. So an answer
//! waits until the dialog has been on screen for [`KEY_GUARD`] (the actor notes when the
//! screen first showed it: `SessionStatus::dialog_since`), sends the choice, checks within
//! [`CONFIRM`] that the session left `waiting_input`, and sends it once more if the same dialog
//! is still there.
//!
//! (Not to be confused with `answers.rs`, which answers terminal queries such as DA1.)

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::session::menu::{self, Menu};
use crate::session::{Session, SessionError, SessionInfo, SessionState, SessionStatus};

/// How long a dialog must have been on screen before keys are sent to it: the 100 ms Claude
/// Code ignores keys for, with room for a loaded machine drawing the dialog late.
pub const KEY_GUARD: Duration = Duration::from_millis(250);
/// How long an answer may take to show (the session leaving `waiting_input`) before it is
/// sent again, and then before it is given up.
pub const CONFIRM: Duration = Duration::from_secs(5);
/// How long a session in `waiting_input` may take to show its dialog on screen (a hook can
/// report a permission request before the dialog is drawn).
const DIALOG_APPEARS: Duration = Duration::from_secs(5);

/// Which option to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// The option with this number, as the dialog shows it (1–9).
    Number(u8),
    /// The first option saying Yes (the trust question's "Yes, I trust this folder"), else
    /// the first option.
    Yes,
    /// The option that says "No", or Esc when there is none.
    No,
    /// The option with this label (a question's `Luxon`), in any case.
    Label(String),
}

/// Longest label a choice may name.
const MAX_LABEL: usize = 200;
/// A label: no control characters, and something besides white space.
const LABEL_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";

impl Choice {
    /// `1`–`9`, `yes`, `no` or an option's label, as `ctl answer` takes it. Any other
    /// non-blank text (`0`, `12`) is a label: the dialog says whether it has that option.
    pub fn parse(text: &str) -> Result<Self, InvalidChoice> {
        let invalid = || InvalidChoice(text.chars().take(MAX_LABEL).collect());
        let label = text.trim();
        if label.is_empty()
            || text.chars().count() > MAX_LABEL
            || text.chars().any(char::is_control)
        {
            return Err(invalid());
        }
        Ok(match label.to_ascii_lowercase().as_str() {
            "yes" | "y" => Self::Yes,
            "no" | "n" => Self::No,
            digit @ ("1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9") => {
                Self::Number(digit.as_bytes()[0] - b'0')
            }
            _ => Self::Label(label.to_string()),
        })
    }

    /// A JSON number: an option's number, 1–9.
    fn number(n: f64) -> Result<Self, InvalidChoice> {
        if n.fract() == 0.0 && (1.0..=9.0).contains(&n) {
            Ok(Self::Number(n as u8))
        } else {
            Err(InvalidChoice(n.to_string()))
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Yes => f.write_str("yes"),
            Self::No => f.write_str("no"),
            Self::Label(label) => f.write_str(label),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("choice `{0}` is not an option number 1–9, `yes`, `no` or an option's label")]
pub struct InvalidChoice(pub String);

/// On the wire: a number, `"yes"` / `"no"`, or a label.
impl Serialize for Choice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(n) => s.serialize_u8(*n),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

impl schemars::JsonSchema for Choice {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Choice".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [{"type": "integer", "minimum": 1, "maximum": 9}, {"type": "string", "minLength": 1, "maxLength": MAX_LABEL, "pattern": LABEL_PATTERN}],
            "description": "The option's number as the dialog shows it; yes (the first option saying Yes, else the first) / no (the option saying No); or an option's label (e.g. a question's answer), in any case.",
        })
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            // `2.0` is the integer 2 to JSON Schema (and to the OpenAPI document's checkers).
            Float(f64),
            Word(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Choice::number(n as f64),
            Raw::Float(f) => Choice::number(f),
            Raw::Word(w) => Choice::parse(&w),
        }
        .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("the session is {0}: no dialog waits for an answer")]
    NotWaiting(SessionState),
    #[error("the dialog offers options 1–{offered}; there is no option {choice}")]
    NoSuchOption { choice: u8, offered: u8 },
    #[error("the dialog has no option `{label}` (pick a number, yes, no or one of: {offered})")]
    NoSuchLabel { label: String, offered: String },
    /// A Claude Code session waits, but no numbered options show: typing `n` and Enter would
    /// pick whatever is highlighted, so nothing is sent.
    #[error(
        "the session waits for input but its screen shows no numbered options to pick from; \
         look at its screen (GET /api/v1/sessions/ID/screen) and send keys yourself"
    )]
    NoOptions,
    #[error(
        "the session still waits after the answer was sent twice; look at its screen \
         (GET /api/v1/sessions/ID/screen)"
    )]
    NotTaken,
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// Whether the same dialog is still up: `waiting_input`, with the screen showing it since
/// `since`.
fn still_waiting(status: &SessionStatus, since: Option<Instant>) -> bool {
    status.state == SessionState::WaitingInput && status.dialog_since == since
}

impl Session {
    /// Answers the dialog the session waits on, making sure the answer is taken; returns the
    /// session's info once it has left `waiting_input`.
    pub async fn answer(&self, choice: Choice) -> Result<SessionInfo, AnswerError> {
        let state = self.state();
        if state != SessionState::WaitingInput {
            return Err(AnswerError::NotWaiting(state));
        }
        let mut status = self.watch_status();
        // The dialog must be on screen: a hook may have announced it before it was drawn.
        let shown = tokio::time::timeout(
            DIALOG_APPEARS,
            status.wait_for(|s| s.dialog_since.is_some() || s.state != SessionState::WaitingInput),
        )
        .await
        .map(|seen| seen.map(|s| (s.state, s.dialog_since)));
        let since = match shown {
            Ok(Ok((SessionState::WaitingInput, since))) => since,
            Ok(Ok((state, _))) => return Err(AnswerError::NotWaiting(state)),
            Ok(Err(_)) => return Err(SessionError::Ended.into()),
            // No dialog drawn (a program's plain question): the guard counts from now.
            Err(_) => None,
        };
        let guard_from = since.unwrap_or_else(Instant::now);
        tokio::time::sleep_until((guard_from + KEY_GUARD).into()).await;
        for attempt in 0..2 {
            if !still_waiting(&self.status(), since) {
                break;
            }
            let menus = self.info().profile == crate::session::ProfileKind::Claude.to_string();
            let keys = menu::keys(&choice, &Menu::read(&self.screen().lines), menus)?;
            tracing::debug!(session = %self.id(), %choice, attempt, "answering a dialog");
            self.send_input(keys).await?;
            let left = tokio::time::timeout(CONFIRM, status.wait_for(|s| !still_waiting(s, since)));
            if let Ok(Ok(_)) = left.await {
                return Ok(self.info());
            }
        }
        if still_waiting(&self.status(), since) {
            return Err(AnswerError::NotTaken);
        }
        Ok(self.info())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_read_as_numbers_or_yes_and_no() {
        let parse = |json: &str| serde_json::from_str::<Choice>(json);
        assert_eq!(parse("2").unwrap(), Choice::Number(2));
        assert_eq!(
            parse("3.0").unwrap(),
            Choice::Number(3),
            "a whole number in float form"
        );
        assert_eq!(parse("\"yes\"").unwrap(), Choice::Yes);
        assert_eq!(parse("\"No\"").unwrap(), Choice::No);
        for bad in ["0", "10", "\"\"", "-1", "true", "2.5", "300.0"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&Choice::Number(3)).unwrap(), "3");
        assert_eq!(Choice::parse("2"), Ok(Choice::Number(2)));
        assert_eq!(parse("\" Luxon \"").unwrap(), Choice::Label("Luxon".into()));
        assert_eq!(parse("\"0\"").unwrap(), Choice::Label("0".into()));
        assert!(parse("\"  \"").is_err(), "blank");
    }
}
