//! The WebSocket API's messages (`/ws/sessions/{id}`): JSON objects `{"type": …, "data": …}`.
//! The server (`api::ws`) and `ctl` both use these types, so neither guesses the other's shape.

use serde::{Deserialize, Serialize};

use crate::session::dialog::Choice;
use crate::session::state::StateChange;
use crate::session::{ScreenSnapshot, SessionId, SessionInfo, SessionOutput, SessionState};

/// What the server sends on a session's socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum WsEvent {
    /// First, and whenever the client fell behind: the whole screen.
    Screen(ScreenState),
    /// An entry of the session's output log.
    Output(SessionOutput),
    State(StateChange),
    /// A command sent on this socket finished (or timed out).
    CommandResult(CommandOutcome),
    /// A dialog answered on this socket was taken: the session as it is after the answer.
    Answered(Box<SessionInfo>),
    /// A `wait` sent on this socket ended: how, and the session then.
    Waited(Box<WaitResult>),
    Error(WsError),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenState {
    #[serde(flatten)]
    pub screen: ScreenSnapshot,
    pub state: SessionState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandOutcome {
    pub session_id: SessionId,
    pub command: String,
    pub output: String,
    pub state: SessionState,
    pub duration_ms: u64,
    pub timed_out: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WsError {
    pub code: String,
    pub message: String,
}

/// What a client may send on a session's socket. Unknown types and fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WsRequest {
    /// Type the command, press Enter, answer with a `command_result` when it finished.
    Command {
        command: String,
        /// Seconds to wait; the server's default when absent.
        timeout: Option<f64>,
    },
    /// Raw keys, sent as they are.
    Input {
        data: String,
    },
    Resize {
        cols: u32,
        rows: u32,
    },
    /// The profile's interrupt key.
    Interrupt,
    /// Answer the dialog the session waits on (see `session::dialog`); replied to with
    /// `answered`, or an error `not_waiting` / `answer_not_taken`.
    Answer {
        choice: Choice,
    },
    /// Answer with `waited` once the session is in one of `state` (comma-separated names;
    /// `ready,idle` when absent), or waits for a person, errs or ends, or `timeout` seconds
    /// (30 when absent, at most 600) have passed: `GET …/wait` on the socket.
    Wait {
        state: Option<String>,
        timeout: Option<f64>,
    },
    /// Replaces the output filter the URL set (see `output_filter`); `types` is the URL's
    /// `type`, comma-separated. Refused with an `invalid_value` error, keeping the old one.
    Filter {
        #[serde(default)]
        strip_ansi: bool,
        grep: Option<String>,
        types: Option<String>,
    },
}

/// How a wait ended; `ctl wait` exits with `ctl send`'s code for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitOutcome {
    /// The session is in one of the states asked for.
    Reached,
    /// Time ran out first.
    TimedOut,
    /// It waits for a person: a question, a permission prompt or a login.
    WaitingInput,
    /// It ended.
    Ended,
    /// It reports an error.
    Error,
}

impl WaitOutcome {
    /// What `state` means to a wait for `wanted`; `None` while it is worth waiting on.
    pub fn of(state: SessionState, wanted: &[SessionState]) -> Option<Self> {
        use SessionState::*;
        if wanted.contains(&state) {
            return Some(Self::Reached);
        }
        match state {
            WaitingInput | Authenticating => Some(Self::WaitingInput),
            Terminated => Some(Self::Ended),
            Error => Some(Self::Error),
            Initializing | Ready | Busy | Idle | Terminating => None,
        }
    }
}

/// How a wait ended, and the session then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "WaitResult")]
pub struct WaitResult {
    pub outcome: WaitOutcome,
    #[serde(flatten)]
    pub session: SessionInfo,
}

impl WsEvent {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::Error(WsError {
            code: code.to_string(),
            message: message.into(),
        })
    }

    /// The message as the JSON text a socket carries.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("WebSocket events serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_keep_their_wire_shape() {
        let event = WsEvent::error("session_ended", "gone");
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["type"], "error");
        assert_eq!(json["data"]["code"], "session_ended");
        assert_eq!(serde_json::from_value::<WsEvent>(json).unwrap(), event);
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let ok: WsRequest =
            serde_json::from_str(r#"{"type":"resize","cols":80,"rows":24}"#).unwrap();
        assert_eq!(ok, WsRequest::Resize { cols: 80, rows: 24 });
        assert!(
            serde_json::from_str::<WsRequest>(r#"{"type":"resize","cols":1,"rows":2,"x":1}"#)
                .is_err()
        );
    }
}
