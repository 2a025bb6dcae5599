//! Every command a session ran, kept after the session and the server are gone: one JSONL
//! file per task in the data dir (see `file.rs`), written by one thread (`writer.rs`) so a
//! session never waits for a disk.

mod file;
mod writer;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::session::{SessionId, SessionState, TaskId};

pub use crate::session::command::Outcome;
pub use file::read_task;
pub use writer::Writer;

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
