//! What is known about a session, as plain data: its id, the status its actor publishes,
//! what `list` and the API show, and the recipe a restarted server starts it again from.
//! Kept apart from the [`Session`](super::Session) handle, which hands these out.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conversation;
use super::{SessionState, TaskId, TerminalSize, WorkspaceName};
pub use crate::ids::SessionId;

/// What changes over a session's life, published by its actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionStatus {
    pub state: SessionState,
    pub state_reason: String,
    pub exit_code: Option<i32>,
    pub last_activity: DateTime<Utc>,
    pub commands_run: u64,
    pub terminal_size: TerminalSize,
    pub bytes_read: u64,
    /// Since when the screen has shown a dialog (see `dialog.rs`); not on the wire.
    #[serde(skip)]
    pub dialog_since: Option<std::time::Instant>,
    /// In `waiting_input`: since when the dialog on screen takes keys (it has been drawn for
    /// the profile's `dialog_settle`); `None` when no dialog was seen (a hook announced one
    /// that the screen never showed).
    #[serde(default)]
    pub input_since: Option<DateTime<Utc>>,
    /// In `waiting_input` on a usage limit: when the program said the limit lifts.
    #[serde(default)]
    pub resets_at: Option<DateTime<Utc>>,
    /// Restored, its program ended on its own with a failure (not asked to end): a restore
    /// to retry. Not on the wire.
    #[serde(skip)]
    pub restore_failed: bool,
    /// What Claude Code's hooks and status line said (see `claude::info`).
    #[serde(flatten)]
    pub claude: crate::claude::ClaudeInfo,
}

/// Everything known about a session, as shown by `list` and the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionInfo {
    pub session_id: SessionId,
    pub task_id: TaskId,
    pub workspace: WorkspaceName,
    pub project_path: PathBuf,
    pub command: Vec<String>,
    /// The detector profile's name.
    pub profile: String,
    pub pid: u32,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub status: SessionStatus,
    /// CPU and memory of its processes: sampled when asked for (API, stats), else `None`.
    #[serde(default)]
    pub resources: Option<Resources>,
    /// The git worktree it runs in, if any.
    #[serde(default)]
    pub worktree: Option<crate::worktree::WorktreeInfo>,
}

/// What a restarted server needs to start a session again: how it was asked for, and (unless
/// the session opted out) the values of its environment and its token (see `kept`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub task_id: TaskId,
    pub workspace: WorkspaceName,
    pub project_path: PathBuf,
    pub command: Vec<String>,
    pub environment_names: Vec<String>,
    pub auth_token_env: Option<String>,
    pub profile: Option<String>,
    pub conversation: Option<conversation::Conversation>,
    pub created_at: DateTime<Utc>,
    /// The worktree's name, so that a restored session finds it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree: Option<String>,
    /// `hooks = false` and `policy = false`, kept so that a restored session has them off too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hooks_off: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub policy_off: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<super::kept::KeptSecrets>,
    /// Not saved: what was restored and fails is kept by the server.
    #[serde(skip)]
    pub origin: super::kept::Origin,
}

/// A session's use of the machine at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Resources {
    /// CPU time over the last interval, in percent of one core (a busy loop reads about 100).
    pub cpu_percent: f64,
    /// Resident memory of every process of the session.
    pub rss_bytes: u64,
    /// How many processes that is.
    pub processes: u32,
}
