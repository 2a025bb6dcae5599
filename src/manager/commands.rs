//! Where the manager takes the commands its sessions finish: each becomes a metrics count and,
//! when the manager keeps a history, a line of its task's history file.

use std::path::PathBuf;
use std::sync::Arc;

use crate::history::{Entry, Writer};
use crate::metrics::Metrics;
use crate::session::event::CommandSink;
use crate::session::{CommandRecord, CommandResult, SessionId, TaskId};

#[derive(Debug, Clone)]
pub struct CommandLog {
    metrics: Arc<Metrics>,
    writer: Option<Writer>,
}

impl CommandLog {
    pub fn new(metrics: Arc<Metrics>, dir: Option<PathBuf>) -> Self {
        Self {
            metrics,
            writer: dir.map(Writer::start),
        }
    }

    /// Blocks until the entries finished so far are on disk (see `Writer::sync`).
    pub fn sync(&self) {
        if let Some(writer) = &self.writer {
            writer.sync();
        }
    }
}

impl CommandSink for CommandLog {
    fn finished(
        &self,
        task_id: &TaskId,
        session_id: SessionId,
        record: &CommandRecord,
        result: &CommandResult,
    ) {
        let entry = Entry::finished(task_id, session_id, record, result);
        if let (Some(outcome), Some(ms)) = (entry.outcome, entry.duration_ms) {
            self.metrics.command_finished(outcome, ms);
        }
        if let Some(writer) = &self.writer {
            writer.append(entry);
        }
    }
}
