//! Every command a session ran, kept after the session and the server are gone: one JSONL
//! file per task in the data dir (see `file.rs`), written by one thread (`writer.rs`) so a
//! session never waits for a disk.

mod file;
mod writer;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::session::{SessionId, SessionState, TaskId};

pub use file::read_task;
pub use writer::Writer;

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

/// One line of a task's history file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    pub task_id: TaskId,
    pub session_id: SessionId,
    pub command: String,
    pub sent_at: DateTime<Utc>,
    /// `None` while the command runs (only in answers, never in the file).
    pub outcome: Option<Outcome>,
    /// The session's state when it ended.
    pub state: Option<SessionState>,
    pub duration_ms: Option<u64>,
}

/// Where a session reports its finished commands: the metrics, and the history file when the
/// manager keeps one.
#[derive(Debug, Clone)]
pub struct CommandSink {
    pub metrics: Arc<Metrics>,
    pub writer: Option<Writer>,
}

impl CommandSink {
    pub fn new(metrics: Arc<Metrics>, dir: Option<PathBuf>) -> Self {
        Self {
            metrics,
            writer: dir.map(Writer::start),
        }
    }

    pub fn finished(&self, entry: Entry) {
        if let (Some(outcome), Some(ms)) = (entry.outcome, entry.duration_ms) {
            self.metrics.command_finished(outcome, ms);
        }
        if let Some(writer) = &self.writer {
            writer.append(entry);
        }
    }

    /// Blocks until the entries finished so far are on disk (see `Writer::sync`).
    pub fn sync(&self) {
        if let Some(writer) = &self.writer {
            writer.sync();
        }
    }
}

impl Entry {
    /// The line for a command that has just ended.
    pub fn finished(
        task_id: &TaskId,
        session_id: SessionId,
        record: &crate::session::CommandRecord,
        result: &crate::session::CommandResult,
    ) -> Self {
        Self {
            task_id: task_id.clone(),
            session_id,
            command: record.command.clone(),
            sent_at: record.sent_at,
            outcome: Some(Outcome::of(result.state, result.timed_out)),
            state: Some(result.state),
            duration_ms: Some(result.duration_ms),
        }
    }

    /// A command a session holds in memory: running, or carried over from before a restart.
    pub fn held(
        task_id: &TaskId,
        session_id: SessionId,
        record: &crate::session::CommandRecord,
    ) -> Self {
        let result = record.result.as_ref();
        Self {
            task_id: task_id.clone(),
            session_id,
            command: record.command.clone(),
            sent_at: record.sent_at,
            outcome: result.map(|r| Outcome::of(r.state, r.timed_out)),
            state: result.map(|r| r.state),
            duration_ms: result.map(|r| r.duration_ms),
        }
    }
}
