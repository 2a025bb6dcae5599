//! One program in one pseudo-terminal: its screen, its state and its output.
//!
//! A [`Session`] is a cheap handle. The work happens in the session's actor task (see
//! `actor/`), which owns everything mutable except the terminal; the terminal sits behind a
//! short lock so that views (TUI, API) can read the screen without a round trip.

mod actor;
mod answers;
mod blocks;
mod claude_link;
pub mod command;
pub mod config;
pub mod conversation;
pub mod detector;
pub mod dialog;
mod epoll;
pub mod error;
pub mod event;
mod history;
mod hooks;
mod info;
mod input;
pub mod kept;
pub mod menu;
pub mod osc_limit;
pub mod output;
mod parse_pool;
mod poller;
pub mod probe;
pub mod process;
pub mod profile;
pub mod profile_spec;
mod pty;
mod pty_io;
mod reaper;
pub mod region;
pub mod replay;
pub mod reply;
mod requests;
mod screen_listeners;
mod services;
pub mod state;
pub mod tap;
pub mod terminal;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use tokio::sync::{mpsc, watch};

pub use crate::ids::{InvalidWorkspaceName, WorkspaceName};
pub use command::{CommandRecord, CommandResult, PendingCommand};
pub use config::{InvalidTaskId, SessionConfig, TaskId, TerminalSize};
pub use error::SessionError;
pub use info::{Recipe, Resources, SessionId, SessionInfo, SessionStatus};
pub use output::{OutputType, SessionOutput};
pub use process::Ending;
pub use profile::ProfileKind;
pub use pty::{ExitInfo, IN_A_PANE, preflight, resolve_program};
pub use screen_listeners::ScreenListener;
pub use services::SessionServices;
pub use state::SessionState;
pub use terminal::{ChangedRows, Revision, ScreenSnapshot, Terminal};

use actor::Control;
use event::Notifier;
use screen_listeners::ScreenListeners;

struct Inner {
    id: SessionId,
    recipe: Recipe,
    task_id: TaskId,
    workspace: WorkspaceName,
    project_path: PathBuf,
    command: Vec<String>,
    profile: String,
    pid: u32,
    created_at: DateTime<Utc>,
    terminal: Arc<Mutex<Terminal>>,
    worktree: Option<crate::worktree::WorktreeInfo>,
    status: watch::Receiver<SessionStatus>,
    /// Told whenever output was parsed into the terminal.
    screen: ScreenListeners,
    control: mpsc::Sender<Control>,
    /// The program's input, shared with the actor: keys typed by a client go straight in.
    input: input::InputSender,
    recording: Option<tap::CurrentFile>,
}

/// When the last handle goes, the actor sees its control channel close and kills the process
/// group; this covers the case where the runtime is gone too and the actor cannot run.
impl Drop for Inner {
    fn drop(&mut self) {
        if self.status.borrow().state != SessionState::Terminated {
            process::signal_session(self.pid as i32, process::Signal::Kill);
        }
    }
}

#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.inner.id)
            .field("task_id", &self.inner.task_id)
            .field("state", &self.state())
            .finish()
    }
}

impl Session {
    /// Starts `config.command` in a PTY. Must be called inside a tokio runtime.
    pub fn spawn(
        id: SessionId,
        mut config: SessionConfig,
        notifier: Notifier,
        services: &SessionServices,
    ) -> Result<Session, SessionError> {
        if config.conversation.is_none() {
            config.conversation = conversation::Conversation::for_new(&config);
        }
        let terminal = Arc::new(Mutex::new(Terminal::new(
            config.terminal_size,
            config.scrollback,
        )));
        if let Some(screen) = config.restored_screen.take() {
            terminal.lock().process(&screen);
            if let Some(recording) = &config.recording {
                recording.output(&screen);
            }
        }
        let hooked = hooks::prepare(id, &mut config);
        let recording = config.recording.clone();
        let screen = ScreenListeners::default();
        let spawned = pty::spawn(
            &config,
            pty_io::Parser::new(terminal.clone(), recording.clone(), id, screen.clone()),
            services.parse_shard(id),
            services.reaper(),
        )?;
        let pid = spawned.pid;
        let input = spawned.input.clone();
        let profile = config.detector_profile().name;
        let (control, status) =
            actor::start(id, &config, terminal.clone(), notifier, spawned, hooked);
        tracing::info!(session = %id, task = %config.task_id, command = ?crate::logging::argv(&config.command), "session started");
        let created_at = Utc::now();
        let recipe = Recipe {
            task_id: config.task_id.clone(),
            workspace: config.workspace.clone(),
            project_path: config.project_path.clone(),
            command: config.command.clone(),
            environment_names: config.environment.keys().cloned().collect(),
            auth_token_env: config.auth_token_env.clone(),
            profile: config.profile_name.clone(),
            conversation: config.conversation.clone(),
            created_at,
            worktree: config.worktree.as_ref().map(|w| w.name().to_string()),
            hooks_off: !config.claude.hooks,
            policy_off: !config.claude.policy,
            secrets: (config.keep == kept::Keep::ForRestore).then(|| kept::KeptSecrets {
                environment: config.environment.clone(),
                auth_token: config.auth_token.clone(),
            }),
            origin: config.origin,
        };
        Ok(Session {
            inner: Arc::new(Inner {
                id,
                recipe,
                task_id: config.task_id,
                workspace: config.workspace,
                project_path: config.project_path,
                command: config.command,
                profile,
                pid,
                created_at,
                terminal,
                worktree: config.worktree.and_then(crate::worktree::Placement::made),
                status,
                screen,
                control,
                input,
                recording: recording.map(|r| r.current_file()),
            }),
        })
    }

    pub fn id(&self) -> SessionId {
        self.inner.id
    }

    pub fn task_id(&self) -> &TaskId {
        &self.inner.task_id
    }

    pub fn pid(&self) -> u32 {
        self.inner.pid
    }

    pub fn state(&self) -> SessionState {
        self.inner.status.borrow().state
    }

    /// The size the program was last told; cheaper than `status()` for a per-frame check.
    pub fn terminal_size(&self) -> TerminalSize {
        self.inner.status.borrow().terminal_size
    }

    /// How to start this session again after a restart.
    pub fn recipe(&self) -> &Recipe {
        &self.inner.recipe
    }

    pub fn workspace(&self) -> &WorkspaceName {
        &self.inner.workspace
    }

    pub fn project_path(&self) -> &std::path::Path {
        &self.inner.project_path
    }

    pub fn status(&self) -> SessionStatus {
        self.inner.status.borrow().clone()
    }

    /// A receiver that wakes on every status change (state, size, activity).
    pub fn watch_status(&self) -> watch::Receiver<SessionStatus> {
        self.inner.status.clone()
    }

    /// Has `listener` told, on the parse thread itself and ahead of the session's own
    /// bookkeeping, each time output was parsed into the terminal; for as long as it lives.
    pub fn listen_screen(&self, listener: std::sync::Weak<dyn ScreenListener>) {
        self.inner.screen.add(listener);
    }

    pub fn info(&self) -> SessionInfo {
        let i = &self.inner;
        SessionInfo {
            session_id: i.id,
            task_id: i.task_id.clone(),
            workspace: i.workspace.clone(),
            project_path: i.project_path.clone(),
            command: i.command.clone(),
            profile: i.profile.clone(),
            pid: i.pid,
            created_at: i.created_at,
            status: self.status(),
            resources: None,
            worktree: i.worktree.clone(),
        }
    }

    /// The live terminal. Hold the lock only to read or draw.
    pub fn terminal(&self) -> &Arc<Mutex<Terminal>> {
        &self.inner.terminal
    }

    /// The recording file being written now, when the session is recorded.
    pub fn recording_file(&self) -> Option<PathBuf> {
        self.inner.recording.as_ref().and_then(|r| r.get())
    }

    pub fn screen(&self) -> ScreenSnapshot {
        self.inner.terminal.lock().snapshot()
    }

    /// Waits until the state satisfies `pred`, or `timeout`. Returns the last state seen.
    pub async fn wait_for_state(
        &self,
        timeout: Duration,
        pred: impl Fn(SessionState) -> bool,
    ) -> Result<SessionState, SessionState> {
        let mut rx = self.watch_status();
        let waited = tokio::time::timeout(timeout, rx.wait_for(|s| pred(s.state))).await;
        match waited {
            Ok(Ok(status)) => Ok(status.state),
            _ => Err(self.state()),
        }
    }
}
