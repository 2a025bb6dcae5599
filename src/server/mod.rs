//! The per-user server: it owns the manager, the sessions and the API, and serves clients on a
//! Unix socket. Sessions outlive the clients that show them; a client detaches and comes back.

mod accept;
pub mod args;
mod connection;
mod hooks;
pub mod info;
mod intake;
mod keystrokes;
mod outbox;
mod reload;
pub mod runtime;
mod screens;
pub mod socket;
pub mod state_file;
mod usage_feed;
mod workspace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::config::limits::SocketLimits;
use crate::config::{self, SessionRequest};
use crate::manager::{ClientId, Manager};
use crate::protocol::NewSession;
use crate::session::WorkspaceName;
pub use accept::serve_in_process;
pub use reload::Reloader;
use runtime::{Context, Running, StartError, start_session, stop_signal};
pub use socket::SocketPath;
pub use workspace::default_task;

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
}

/// How `ccmux serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub socket: SocketPath,
    /// Started by a client, not by the user: no workspace of its own, and it ends once it has
    /// neither sessions nor clients.
    pub background: bool,
    /// Start the sessions the state file holds.
    pub restore: bool,
}

/// What every connection shares.
pub struct Hub {
    pub manager: Manager,
    pub api: Option<SocketAddr>,
    /// What a socket client may make the server hold (see `intake`).
    limits: SocketLimits,
    /// Most frames a second a client is sent (`ui.frame_cap`).
    pub frame_cap: u32,
    /// Workspaces by last use, most recent last.
    recent: Mutex<Vec<WorkspaceName>>,
    /// `Some(reason)` once the server is going away.
    stop: watch::Sender<Option<String>>,
    next_client: AtomicU64,
    clients: AtomicUsize,
    /// Clients joined or left: the background server checks whether it is still needed.
    clients_changed: tokio::sync::Notify,
    /// What went wrong at start (a state file set aside, a session that did not come back),
    /// told to the first client that attaches.
    startup_notices: Mutex<Vec<String>>,
    /// A client has attached to a workspace: a background server's reason to exist arrived.
    attached: watch::Sender<bool>,
    /// Reads the config files again; `None` in a server without files (the TUI's tests).
    reloader: Option<Reloader>,
}

impl Hub {
    fn new(
        manager: Manager,
        api: Option<SocketAddr>,
        limits: SocketLimits,
        frame_cap: u32,
        reloader: Option<Reloader>,
    ) -> Self {
        Self {
            manager,
            api,
            limits,
            frame_cap,
            recent: Mutex::default(),
            stop: watch::channel(None).0,
            next_client: AtomicU64::new(1),
            clients: AtomicUsize::new(0),
            clients_changed: tokio::sync::Notify::new(),
            startup_notices: Mutex::default(),
            attached: watch::channel(false).0,
            reloader,
        }
    }

    /// Start-up problems not told to any client yet.
    fn take_startup_notices(&self) -> Vec<String> {
        std::mem::take(&mut self.startup_notices.lock())
    }

    pub fn stop(&self, reason: &str) {
        self.stop.send_if_modified(|stop| {
            let first = stop.is_none();
            stop.get_or_insert_with(|| reason.to_string());
            first
        });
    }

    pub fn stopping(&self) -> watch::Receiver<Option<String>> {
        self.stop.subscribe()
    }

    fn client_joined(&self) -> ClientId {
        self.clients.fetch_add(1, Ordering::SeqCst);
        self.clients_changed.notify_one();
        ClientId(self.next_client.fetch_add(1, Ordering::SeqCst))
    }

    fn client_left(&self) {
        self.clients.fetch_sub(1, Ordering::SeqCst);
        self.clients_changed.notify_one();
    }

    fn used(&self, workspace: &WorkspaceName) {
        self.attached.send_replace(true);
        let mut recent = self.recent.lock();
        recent.retain(|w| w != workspace);
        recent.push(workspace.clone());
    }

    /// The most recently attached of `existing`, else the first of them.
    fn most_recent(&self, existing: &[WorkspaceName]) -> Option<WorkspaceName> {
        let recent = self.recent.lock();
        recent
            .iter()
            .rev()
            .find(|w| existing.contains(w))
            .or_else(|| existing.first())
            .cloned()
    }

    /// A session from the TUI's prompt, in the client's workspace, resolved against the
    /// config of the directory it works in.
    async fn create(
        &self,
        new: NewSession,
        workspace: WorkspaceName,
        tokens: &crate::protocol::Tokens,
    ) -> Result<(), CreateError> {
        let cwd = new.project_path;
        let flags = config::Flags::default();
        let config = config::load(&cwd, &flags, |k| std::env::var(k).ok())?.config;
        let request = SessionRequest {
            task_id: new.task_id,
            project_path: Some(cwd.clone()),
            command: new.command,
            template: new.template,
            workspace: Some(workspace),
            token_env: config::TokenEnv::Client(tokens.0.clone()),
            ..SessionRequest::default()
        };
        start_session(&self.manager, &config, request, &cwd).await?;
        Ok(())
    }
}

/// Runs the server until a termination signal or `kill-server`.
pub async fn run(ctx: Context, options: ServeOptions) -> anyhow::Result<()> {
    let listener = socket::bind(&options.socket).await?;
    let running = Running::start(&ctx, hook_endpoint(&options.socket)).await?;
    let limits = ctx.config.limits.socket();
    let hub = Arc::new(Hub::new(
        running.manager.clone(),
        running.api_addr,
        limits,
        ctx.config.ui.frame_cap,
        Some(ctx.reloader(running.config.clone(), running.manager.clone())),
    ));
    let state = state_file::StateFile::new(&crate::paths::data_dir(), &options.socket.name);
    if options.restore {
        let problems = restore(&hub.manager, &ctx, &state).await;
        for problem in &problems {
            tracing::warn!(%problem, "restoring sessions");
            crate::terminal_text::errln!("ccmux: {problem}");
        }
        hub.startup_notices.lock().extend(problems);
    }
    let server_info = info::ServerInfo::of(&ctx, running.api_addr);
    info::write(&options.socket, &server_info)?;
    if !options.background {
        for problem in running.autostart(&ctx).await {
            crate::terminal_text::errln!("ccmux: {problem}");
        }
        if let Some(addr) = running.api_addr {
            let token = match &server_info.token_file {
                Some(file) => format!("the token in {} (`ccmux token` prints it)", file.display()),
                None => "the token given by --token or CCMUX_API_TOKEN".to_string(),
            };
            crate::terminal_text::errln!(
                "ccmux: serving the API on http://{addr} (it takes {token})"
            );
        }
        crate::terminal_text::errln!(
            "ccmux: clients attach with `ccmux attach` ({})",
            options.socket.path.display()
        );
    }
    let accepting = tokio::spawn(accept::accept(listener, hub.clone()));
    let needed = tokio::spawn(stop_when_unneeded(hub.clone(), options.background));
    let saving = tokio::spawn(keep_saved(hub.manager.clone(), state.clone()));
    let reloading = tokio::spawn(reload::on_sighup(hub.clone()));
    let mut stopping = hub.stopping();
    let signalled = tokio::select! {
        _ = stop_signal() => {
            hub.stop("the server was asked to stop");
            true
        }
        _ = stopping.wait_for(Option::is_some) => false,
    };
    accepting.abort();
    needed.abort();
    reloading.abort();
    // Saving stops before the sessions end, or the file would say none is left.
    saving.abort();
    let _ = saving.await;
    if signalled {
        // Stopped from outside (a reboot, say): the sessions come back at the next start.
        save_now(&hub.manager, &state).await;
    } else {
        state.remove();
    }
    info::remove(&options.socket);
    let _ = std::fs::remove_file(&options.socket.path);
    tracing::info!(reason = ?hub.stopping().borrow().clone(), "the server is stopping");
    running.shutdown().await;
    // The sessions' last output is on disk before the process exits.
    if let Some(recorder) = hub.manager.recorder().cloned() {
        let _ = tokio::task::spawn_blocking(move || recorder.sync()).await;
    }
    Ok(())
}

/// Hooks reach this server on its socket; their settings files go in a private directory
/// beside it. None when this binary's path is unknown.
fn hook_endpoint(socket: &SocketPath) -> Option<crate::claude::HookEndpoint> {
    let exe = std::env::current_exe().ok()?;
    let dir = socket.path.parent()?.join("hooks");
    Some(crate::claude::HookEndpoint {
        socket: socket.path.clone(),
        dir,
        exe,
    })
}

/// Starts the saved sessions again; returns what did not work out.
async fn restore(manager: &Manager, ctx: &Context, state: &state_file::StateFile) -> Vec<String> {
    let saved = match state.load() {
        Ok(saved) => saved,
        Err(e) => return vec![e.to_string()],
    };
    manager.ids_from(saved.next_id).await;
    let mut problems = Vec::new();
    for session in saved.sessions {
        let task = session.recipe.task_id.clone();
        let started = match state_file::to_config(&session, &ctx.config) {
            Ok(mut config) => {
                config.restored_screen = last_screen(&session, config.scrollback).await;
                let created = match session.session_id {
                    Some(id) => manager.restore_session(config, id).await,
                    None => manager.create_session(config).await,
                };
                created.map(drop).map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(problem) = started {
            problems.push(format!("session `{task}` was not restored: {problem}"));
        }
    }
    tracing::info!(sessions = manager.list().len(), "restored saved sessions");
    problems
}

/// The screen `saved` had at the end of its recording, read and parsed off the async workers.
async fn last_screen(saved: &state_file::SavedSession, scrollback: usize) -> Option<Vec<u8>> {
    let path = saved.recording.clone()?;
    tokio::task::spawn_blocking(move || crate::recording::last_screen(&path, scrollback))
        .await
        .ok()
        .flatten()
        .map(|(_, bytes)| bytes)
}

/// Saves the live sessions whenever one starts, ends or changes state.
async fn keep_saved(manager: Manager, state: state_file::StateFile) {
    let mut changes = manager.changes();
    let mut last = None;
    while changes.changed().await {
        let now = state_file::snapshot(&manager).await;
        if last.as_ref() != Some(&now) {
            if let Err(e) = state.save(&now) {
                tracing::warn!(error = %e, "the sessions could not be saved");
            }
            last = Some(now);
        }
    }
}

async fn save_now(manager: &Manager, state: &state_file::StateFile) {
    if let Err(e) = state.save(&state_file::snapshot(manager).await) {
        tracing::warn!(error = %e, "the sessions could not be saved");
    }
}

/// How long a background server waits for the client that started it to attach.
const ATTACH_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// A background server ends once it has no live session and no client, so none lingers
/// after its user is done; one started with `ccmux serve` stays until told to stop. It first
/// waits for the client it was started for to attach (or [`ATTACH_GRACE`] to pass): a `ccmux
/// ls` that comes and goes in between does not end it under that client.
async fn stop_when_unneeded(hub: Arc<Hub>, background: bool) {
    if !background {
        return;
    }
    let mut attached = hub.attached.subscribe();
    let _ = tokio::time::timeout(ATTACH_GRACE, attached.wait_for(|a| *a)).await;
    let mut changes = hub.manager.changes();
    loop {
        let live = hub.manager.list().iter().any(|s| !s.state().is_ending());
        if !live && hub.clients.load(Ordering::SeqCst) == 0 {
            hub.stop("no sessions and no clients are left");
            return;
        }
        tokio::select! {
            alive = changes.changed() => if !alive { return },
            _ = hub.clients_changed.notified() => {}
        }
    }
}
