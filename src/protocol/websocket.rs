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
    /// Replaces the output filter the URL set (see `output_filter`); `types` is the URL's
    /// `type`, comma-separated. Refused with an `invalid_value` error, keeping the old one.
    Filter {
        #[serde(default)]
        strip_ansi: bool,
        grep: Option<String>,
        types: Option<String>,
    },
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
