//! Claude Code, first-class: its hooks and status line as a second signal beside the screen,
//! what they tell about a session (`ClaudeInfo`), and permission policies answered through its
//! PermissionRequest hook.
//!
//! ## Two signals, and which one wins
//!
//! Every `claude` session the server starts gets hooks (see `launch.rs`). A hook moves the
//! state at once, with a reason saying so:
//!
//! | hook              | state          | reason                                     |
//! |-------------------|----------------|--------------------------------------------|
//! | UserPromptSubmit  | busy           | `hook: prompt submitted`                   |
//! | PermissionRequest | waiting_input  | `permission: Bash touch created_by_tool.txt` (unless a policy answered) |
//! | PreToolUse        | busy           | `hook: running Bash`                       |
//! | PostToolUse       | busy           | `hook: Bash ran`                           |
//! | Stop              | idle           | `hook: turn ended`                         |
//!
//! The screen stays primary for what no hook reports: an Esc interrupt, a dialog answered, a
//! login screen, an error. So the screen's verdicts keep applying, with one exception: right
//! after a hook moved the state, the screen usually still shows the moment before (the spinner
//! after Stop, the prompt after UserPromptSubmit), or misses a mark (Claude Code 2.1.197 ran a
//! tool with no `esc to interrupt` in its footer). Until the screen agrees with the hook once,
//! or [`HOOK_HOLD`] has passed since the last hook, a screen verdict contradicting the hook is
//! ignored; when the screen agrees, the hook's reason stays, since it names the tool or the
//! turn. After that the screen decides again. What the screen shows plainly applies at
//! once: `waiting_input` (a dialog, also one no PermissionRequest announced, such as a question
//! Claude asks), `authenticating` and `error`. A session without hooks (`hooks = false`, `claude --bare`, not started by a server) is
//! decided by the screen alone, as before.

pub mod capability;
pub mod event;
pub mod info;
pub mod launch;
pub mod policy;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use event::Report;
pub use info::ClaudeInfo;
pub use launch::{ClaudeOptions, HookEndpoint};

use crate::ids::SessionId;

/// How long a hook's state holds against a screen that has not caught up with it.
pub const HOOK_HOLD: Duration = Duration::from_secs(2);

/// What a hook process sends the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPost {
    pub session: SessionId,
    /// The session's capability, from the hook's environment.
    pub capability: String,
    pub report: Report,
}

/// Why a report was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportRefused {
    #[error("this capability does not belong to session {0}")]
    WrongCapability(SessionId),
    #[error("session {0} takes no hook reports")]
    NoHooks(SessionId),
    #[error("no session {0}")]
    NoSession(SessionId),
}
