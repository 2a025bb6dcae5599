//! The manager: many sessions, one per task, with limits, idle timeouts and a clean shutdown.
//!
//! Sessions are created through the registry actor (`registry.rs`), which alone decides who
//! may start (task conflicts, the session limit) so those checks cannot race. Reads go to the
//! snapshot it publishes; commands, keys and resizes go straight to the session.

mod clients;
mod commands;
mod insight;
mod lookup;
mod registry;
mod sizes;

pub use sizes::ClientId;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::session::event::Event;
use crate::session::{
    Ending, Session, SessionConfig, SessionError, SessionId, SessionInfo, SessionState, TaskId,
    TerminalSize, WorkspaceName,
};
use commands::CommandLog;
use registry::{Registry, Request};
use sizes::SizeOwners;

#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Live sessions allowed at once.
    pub max_sessions: usize,
    /// A session idle (or ready) this long is terminated; `None` keeps it forever.
    pub idle_timeout: Option<Duration>,
    /// Ended sessions kept for inspection (final screen, output) before being forgotten.
    pub retain_ended: usize,
    /// An ended session is dismissed this long after it ended; `None` keeps it until a
    /// person dismisses it (or `retain_ended` newer ones push it out).
    pub keep_ended: Option<Duration>,
    /// Events buffered per subscriber before a slow one starts losing the oldest.
    pub event_capacity: usize,
    /// Records every session's output (`[recording]`); `None` records nothing.
    pub recorder: Option<crate::recording::Recorder>,
    /// Where each task's command history is kept; `None` keeps it in memory only.
    pub history_dir: Option<std::path::PathBuf>,
    /// Where Claude Code sessions' hooks reach the server; `None`: no hooks.
    pub hooks: Option<crate::claude::HookEndpoint>,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        Self {
            max_sessions: 32,
            idle_timeout: None,
            retain_ended: 16,
            keep_ended: None,
            event_capacity: 1024,
            recorder: None,
            history_dir: None,
            hooks: None,
        }
    }
}

/// What a reload may change in a running manager.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLimits {
    pub max_sessions: usize,
    pub idle_timeout: Option<Duration>,
    pub keep_ended: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ManagerError {
    #[error("no session with id {0}")]
    NotFound(SessionId),
    #[error("no session is named `{0}`: not an id, a task id or WORKSPACE/TASK")]
    NoSuchName(String),
    #[error(
        "task `{name}` has sessions in the workspaces {workspaces}; name one as WORKSPACE/TASK or by id"
    )]
    AmbiguousName { name: String, workspaces: String },
    #[error(
        "task `{task_id}` already has a live session ({session_id}) in workspace `{workspace}`; \
         terminate it first"
    )]
    TaskConflict {
        workspace: WorkspaceName,
        task_id: TaskId,
        session_id: SessionId,
    },
    #[error("the limit of {0} live sessions is reached; terminate one first")]
    TooManySessions(usize),
    #[error("session {0} is still running; end it first (`ctl kill`)")]
    StillRunning(SessionId),
    #[error("ccmux is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Worktree(#[from] crate::worktree::WorktreeError),
}

pub use crate::metrics::Stats;

struct Shared {
    requests: mpsc::Sender<Request>,
    registry: watch::Receiver<Arc<Registry>>,
    events: broadcast::Sender<Event>,
    started: Instant,
    sizes: parking_lot::Mutex<SizeOwners>,
    recorder: Option<crate::recording::Recorder>,
    metrics: Arc<crate::metrics::Metrics>,
    /// Shared with the blocking task that samples, which holds it while it reads `/proc`.
    usage: Arc<parking_lot::Mutex<crate::usage::Sampler>>,
    history_dir: Option<std::path::PathBuf>,
    /// Where finished commands go; read back through `history`.
    commands: CommandLog,
}

/// Wakes when sessions start, end, change state or are forgotten: not on output.
pub struct Changes(watch::Receiver<Arc<Registry>>);

impl Changes {
    /// Waits for the next change; false once the manager is gone.
    pub async fn changed(&mut self) -> bool {
        self.0.changed().await.is_ok()
    }
}

/// A handle to the manager; clones share it.
#[derive(Clone)]
pub struct Manager {
    shared: Arc<Shared>,
}

impl Manager {
    /// Starts the manager. Must be called inside a tokio runtime. Fails when the threads
    /// sessions share (the reaper, the parsers) cannot start.
    pub fn new(config: ManagerConfig) -> std::io::Result<Self> {
        crate::session::process::become_subreaper();
        let (events, _) = broadcast::channel(config.event_capacity.max(16));
        let recorder = config.recorder.clone();
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let history_dir = config.history_dir.clone();
        let commands = CommandLog::new(metrics.clone(), history_dir.clone());
        let (requests, registry) =
            registry::start(config, events.clone(), Arc::new(commands.clone()))?;
        Ok(Self {
            shared: Arc::new(Shared {
                requests,
                registry,
                events,
                started: Instant::now(),
                sizes: parking_lot::Mutex::default(),
                recorder,
                metrics,
                usage: Arc::default(),
                history_dir,
                commands,
            }),
        })
    }

    /// Starts a session. A task may have one live session; the limit counts live sessions.
    pub async fn create_session(&self, config: SessionConfig) -> Result<Session, ManagerError> {
        self.create(config, None).await
    }

    /// Starts a session again after a restart, under the id it had when that id is free.
    pub async fn restore_session(
        &self,
        config: SessionConfig,
        id: SessionId,
    ) -> Result<Session, ManagerError> {
        self.create(config, Some(id)).await
    }

    async fn create(
        &self,
        mut config: SessionConfig,
        id: Option<SessionId>,
    ) -> Result<Session, ManagerError> {
        insight::place_in_worktree(&mut config).await?;
        self.ask(|reply| Request::Create {
            config: Box::new(config),
            id,
            reply,
        })
        .await?
    }

    /// The id the next session gets: every id below it has been handed out.
    pub fn next_id(&self) -> u64 {
        self.shared.registry.borrow().next_id
    }

    /// Ids below `next` were handed out by an earlier run: no session gets one again.
    pub async fn ids_from(&self, next: u64) {
        let _ = self.shared.requests.send(Request::IdsFrom(next)).await;
    }

    pub fn get(&self, id: SessionId) -> Result<Session, ManagerError> {
        self.shared
            .registry
            .borrow()
            .sessions
            .get(&id)
            .cloned()
            .ok_or(ManagerError::NotFound(id))
    }

    /// All sessions, oldest first, ended ones included until they are forgotten.
    pub fn list(&self) -> Vec<Session> {
        self.shared
            .registry
            .borrow()
            .sessions
            .values()
            .cloned()
            .collect()
    }

    /// The live session of a task in a workspace, if any: task ids are unique per workspace.
    pub fn find_task(&self, workspace: &WorkspaceName, task_id: &TaskId) -> Option<Session> {
        self.shared
            .registry
            .borrow()
            .live_for_task(workspace, task_id)
            .cloned()
    }

    pub async fn send_input(
        &self,
        id: SessionId,
        bytes: impl Into<Vec<u8>>,
    ) -> Result<(), ManagerError> {
        Ok(self.get(id)?.send_input(bytes).await?)
    }

    /// A resize through the API: it holds until a client types into the session.
    pub async fn resize(&self, id: SessionId, size: TerminalSize) -> Result<(), ManagerError> {
        let session = self.get(id)?;
        self.shared.sizes.lock().api_resized(id);
        Ok(session.resize(size).await?)
    }

    pub async fn interrupt(&self, id: SessionId) -> Result<(), ManagerError> {
        Ok(self.get(id)?.interrupt().await?)
    }

    /// Ends a session and every process it started; `force` skips the polite hangup.
    pub async fn terminate(
        &self,
        id: SessionId,
        ending: Ending,
    ) -> Result<SessionInfo, ManagerError> {
        Ok(self.get(id)?.terminate(ending).await)
    }

    /// New limits from a reloaded config: they count from now, for running sessions too.
    pub async fn set_limits(&self, limits: SessionLimits) {
        let _ = self.shared.requests.send(Request::Limits(limits)).await;
    }

    /// Forgets an ended session for every client at once: its pane and its place in every
    /// list go. A live session is refused: it must end first.
    pub async fn dismiss(&self, id: SessionId) -> Result<SessionInfo, ManagerError> {
        let session = self.ask(|reply| Request::Dismiss { id, reply }).await??;
        Ok(session.info())
    }

    /// What a person closing a pane means: the session ends (gracefully), then goes.
    pub async fn close(&self, id: SessionId) -> Result<(), ManagerError> {
        self.terminate(id, Ending::Graceful).await?;
        self.dismiss(id).await.map(drop)
    }

    /// What records the sessions, when recordings are on.
    pub fn recorder(&self) -> Option<&crate::recording::Recorder> {
        self.shared.recorder.as_ref()
    }

    pub fn changes(&self) -> Changes {
        Changes(self.shared.registry.clone())
    }

    /// The names of the workspaces that have sessions, sorted.
    pub fn workspaces(&self) -> Vec<WorkspaceName> {
        let mut names: Vec<WorkspaceName> =
            self.list().iter().map(|s| s.workspace().clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// A workspace's sessions, oldest first.
    pub fn workspace_sessions(&self, workspace: &WorkspaceName) -> Vec<Session> {
        self.list()
            .into_iter()
            .filter(|s| s.workspace() == workspace)
            .collect()
    }

    /// Every session's output and state changes, as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    pub fn stats(&self) -> Stats {
        let registry = self.shared.registry.borrow().clone();
        let mut by_state: BTreeMap<String, usize> = SessionState::ALL
            .iter()
            .map(|s| (s.to_string(), 0))
            .collect();
        let (mut commands_run, mut bytes_read) = (
            registry.forgotten.commands_run,
            registry.forgotten.bytes_read,
        );
        let mut cost_usd = 0.0;
        for session in registry.sessions.values() {
            let status = session.status();
            cost_usd += status.claude.cost_usd.unwrap_or(0.0);
            *by_state.entry(status.state.to_string()).or_default() += 1;
            commands_run += status.commands_run;
            bytes_read += status.bytes_read;
        }
        Stats {
            live: registry.live_count(),
            by_state,
            created_total: registry.created_total,
            terminated_total: registry.terminated_total,
            commands_run,
            bytes_read,
            cost_usd,
            uptime_secs: self.shared.started.elapsed().as_secs(),
        }
    }

    /// Refuses new sessions, terminates every live one and waits until no process is left.
    pub async fn shutdown(&self) {
        let live = self
            .ask(|reply| Request::Shutdown { reply })
            .await
            .unwrap_or_default();
        let mut ending = tokio::task::JoinSet::new();
        for session in live {
            ending.spawn(async move { session.terminate(Ending::Graceful).await });
        }
        while ending.join_next().await.is_some() {}
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Request,
    ) -> Result<T, ManagerError> {
        let (tx, rx) = oneshot::channel();
        self.shared
            .requests
            .send(make(tx))
            .await
            .map_err(|_| ManagerError::ShuttingDown)?;
        rx.await.map_err(|_| ManagerError::ShuttingDown)
    }
}
