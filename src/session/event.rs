//! What sessions announce: to subscribers (TUI, WebSocket clients) and to the manager.

use std::sync::Arc;

use serde::Serialize;

use crate::session::command::{CommandRecord, CommandResult};
use crate::session::output::SessionOutput;
use crate::session::state::StateChange;
use crate::session::{SessionId, TaskId};

/// Broadcast to every subscriber. A subscriber that falls behind loses old events (it is told
/// so by the channel) and never slows a session down.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub session_id: SessionId,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EventKind {
    Output(SessionOutput),
    State(StateChange),
}

/// State changes for the manager's bookkeeping. Sent on an unbounded channel because they are
/// few and must never be lost, unlike output.
#[derive(Debug, Clone)]
pub struct StateNote {
    pub session_id: SessionId,
    /// `None`: the state stayed, but the session's info changed (Claude Code's cost, say).
    pub change: Option<StateChange>,
}

/// Where a session sends what it announces.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub events: tokio::sync::broadcast::Sender<Event>,
    pub states: tokio::sync::mpsc::UnboundedSender<StateNote>,
    /// Finished commands.
    pub commands: Arc<dyn CommandSink>,
}

/// Where a session reports each command it finishes (the manager counts it and keeps it).
pub trait CommandSink: Send + Sync + std::fmt::Debug {
    fn finished(
        &self,
        task_id: &TaskId,
        session_id: SessionId,
        record: &CommandRecord,
        result: &CommandResult,
    );
}

impl Notifier {
    pub fn output(&self, session_id: SessionId, entry: SessionOutput) {
        let _ = self.events.send(Event {
            session_id,
            kind: EventKind::Output(entry),
        });
    }

    /// The session's info changed without its state: views showing it should look again.
    pub fn info_changed(&self, session_id: SessionId) {
        let _ = self.states.send(StateNote {
            session_id,
            change: None,
        });
    }

    pub fn state(&self, session_id: SessionId, change: StateChange) {
        let _ = self.states.send(StateNote {
            session_id,
            change: Some(change.clone()),
        });
        let _ = self.events.send(Event {
            session_id,
            kind: EventKind::State(change),
        });
    }
}
