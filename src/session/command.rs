//! A command sent to a session, from submission to result.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::session::error::SessionError;
use crate::session::state::SessionState;

/// Most bytes of a command's output kept for its result; beyond it the oldest half is dropped.
const CAPTURE_LIMIT: usize = 4 * 1024 * 1024;

/// What `send_command` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandResult {
    /// What the command printed, ANSI removed; for Claude the reply, not the redrawn chrome.
    pub output: String,
    /// The state the session was in when the command finished (or timed out).
    pub state: SessionState,
    pub duration_ms: u64,
    pub timed_out: bool,
}

/// One entry of the command history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRecord {
    pub command: String,
    pub sent_at: DateTime<Utc>,
    /// `None` while the command is still running.
    pub result: Option<CommandResult>,
}

pub type CommandReply = oneshot::Sender<Result<CommandResult, SessionError>>;

/// A command the session has queued, in order with everything sent to it before.
pub struct PendingCommand(pub(super) oneshot::Receiver<Result<CommandResult, SessionError>>);

impl PendingCommand {
    /// Its result once it finished or timed out, or why the session refused it.
    pub async fn finished(self) -> Result<CommandResult, SessionError> {
        self.0.await.map_err(|_| SessionError::Ended)?
    }
}

/// The command in flight: at most one per session, since only ready/idle sessions take one.
pub struct ActiveCommand {
    pub text: String,
    pub started: Instant,
    pub deadline: Instant,
    pub reply: CommandReply,
    captured: Vec<u8>,
}

impl ActiveCommand {
    pub fn new(text: String, timeout: Duration, reply: CommandReply, now: Instant) -> Self {
        Self {
            text,
            started: now,
            deadline: now + timeout,
            reply,
            captured: Vec::new(),
        }
    }

    pub fn capture(&mut self, bytes: &[u8]) {
        self.captured.extend_from_slice(bytes);
        if self.captured.len() > CAPTURE_LIMIT {
            self.captured
                .drain(..self.captured.len() - CAPTURE_LIMIT / 2);
        }
    }

    pub fn captured_text(&self) -> String {
        String::from_utf8_lossy(&self.captured).into_owned()
    }
}

/// How a command ended, as a script would sort it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The session is ready or idle again.
    Finished,
    /// Its time ran out while it was still running.
    TimedOut,
    /// It stopped at a question, a permission prompt or a login.
    WaitingInput,
    /// The session ended under it.
    Ended,
    /// The session reports an error.
    Error,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Finished,
        Outcome::TimedOut,
        Outcome::WaitingInput,
        Outcome::Ended,
        Outcome::Error,
    ];

    pub fn of(state: SessionState, timed_out: bool) -> Self {
        use SessionState::*;
        match state {
            _ if timed_out => Self::TimedOut,
            Ready | Idle => Self::Finished,
            Initializing | Busy => Self::TimedOut,
            WaitingInput | Authenticating => Self::WaitingInput,
            Terminating | Terminated => Self::Ended,
            Error => Self::Error,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::TimedOut => "timed_out",
            Self::WaitingInput => "waiting_input",
            Self::Ended => "ended",
            Self::Error => "error",
        }
    }
}
