//! Starting up: the config, the manager, the API beside it, and the sessions started at
//! launch.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;

use crate::api::{self, Access, AppState};
use crate::config::live::LiveConfig;
use crate::config::{self, Config, Flags, ResolveError, SessionRequest};
use crate::manager::{Manager, ManagerError};
use crate::paths;
use crate::server::args::GlobalArgs;
use crate::session::Session;

/// The merged config, and where ccmux was started.
pub struct Context {
    pub config: Arc<Config>,
    pub cwd: PathBuf,
    pub global: GlobalArgs,
    /// Why the project file's sessions will not start: it is not trusted.
    pub untrusted_notice: Option<String>,
}

impl Context {
    pub fn load(mut global: GlobalArgs) -> anyhow::Result<Self> {
        global.token = explicit_token(global.token.take())?;
        let cwd = std::env::current_dir().context("the current directory is not accessible")?;
        let flags = flags(&global);
        let loaded = config::load(&cwd, &flags, |k| std::env::var(k).ok())?;
        Ok(Self {
            untrusted_notice: loaded.untrusted_notice(),
            config: Arc::new(loaded.config),
            cwd,
            global,
        })
    }

    /// What a reload reads: the files, flags and directory the server started with.
    pub fn reloader(&self, live: LiveConfig, manager: Manager) -> crate::server::Reloader {
        crate::server::Reloader::new(flags(&self.global), self.cwd.clone(), live, manager)
    }

    /// Where the token is kept: `--token-file`, else `api.token_file`, else the data dir's
    /// `token` (`token-NAME` for a `-L NAME` server: each server has its own).
    pub fn token_file(&self) -> PathBuf {
        let own = match self.global.socket.as_str() {
            crate::server::socket::DEFAULT_NAME => "token".to_string(),
            name => format!("token-{name}"),
        };
        self.global
            .token_file
            .clone()
            .or_else(|| self.config.api.token_file.clone())
            .unwrap_or_else(|| paths::data_dir().join(own))
    }

    /// Where this server's API listens: `--listen` (or `CCMUX_LISTEN`) exactly; otherwise
    /// the default server prefers `[api] listen` and any other a free port.
    fn api_listen(&self) -> ApiListen {
        let preferred = self.config.api.listen;
        match self.global.listen {
            Some(addr) => ApiListen::Exactly(addr),
            None if self.global.socket == crate::server::socket::DEFAULT_NAME => {
                ApiListen::Preferably(preferred)
            }
            None => ApiListen::Exactly(SocketAddr::new(preferred.ip(), 0)),
        }
    }

    pub fn token(&self) -> anyhow::Result<String> {
        if let Some(file) = &self.global.token_file {
            return Ok(crate::http::token::read(file)?);
        }
        Ok(crate::http::token::resolve(
            self.global.token.as_deref(),
            &self.token_file(),
        )?)
    }
}

fn flags(global: &GlobalArgs) -> Flags {
    Flags {
        config: global.config.clone(),
        listen: global.listen,
    }
}

/// `--token -` reads the token from stdin; a token on the command line is visible to every user
/// in `ps`, so it is taken with a warning.
fn explicit_token(flag: Option<String>) -> anyhow::Result<Option<String>> {
    match flag.as_deref() {
        Some("-") => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the API token from stdin")?;
            let token = line.trim().to_string();
            anyhow::ensure!(!token.is_empty(), "--token -: stdin held no token");
            Ok(Some(token))
        }
        Some(_) => {
            crate::terminal_text::errln!(
                "ccmux: warning: a token given with --token shows in `ps` to every user; \
                 use --token-file PATH, --token - (stdin) or CCMUX_API_TOKEN"
            );
            Ok(flag)
        }
        None => Ok(None),
    }
}

/// Where the API is to listen.
#[derive(Debug, Clone, Copy)]
enum ApiListen {
    /// This address or none: the server does not start without it.
    Exactly(SocketAddr),
    /// This address, else a free port on its host (another server has it).
    Preferably(SocketAddr),
}

/// A running manager with its API.
pub struct Running {
    pub manager: Manager,
    /// The config in force; a reload replaces it.
    pub config: LiveConfig,
    pub api_addr: Option<SocketAddr>,
    stop_api: watch::Sender<bool>,
    api_task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Starts the manager and (when enabled) the API.
    /// `hooks`: where the sessions' Claude Code hooks reach this server.
    pub async fn start(
        ctx: &Context,
        hooks: Option<crate::claude::HookEndpoint>,
    ) -> anyhow::Result<Self> {
        let mut manager_config = ctx.config.manager_config();
        manager_config.hooks = hooks;
        // Where tasks' names show in file names: for the user alone.
        let data = paths::data_dir();
        for dir in [data.clone(), data.join("history"), paths::state_dir()] {
            if let Err(e) = paths::private_dir(&dir) {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot make it private");
            }
        }
        if ctx.config.recording.enabled {
            // Sessions matter more than their recordings: a directory that cannot be used
            // is reported, and the server runs without recording.
            let dir = crate::recording::dir();
            match crate::recording::Recorder::start(dir.clone(), ctx.config.recording.limits()) {
                Ok(recorder) => manager_config.recorder = Some(recorder),
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "sessions are not recorded");
                    crate::terminal_text::errln!(
                        "ccmux: warning: sessions are not recorded: cannot use {}: {e}",
                        dir.display()
                    );
                }
            }
        }
        let manager = Manager::new(manager_config).context("the session threads cannot start")?;
        let live = LiveConfig::new(ctx.config.clone());
        let (stop_api, stopped) = watch::channel(false);
        let (mut api_addr, mut api_task) = (None, None);
        if ctx.config.api.enabled {
            let access = Access {
                token: ctx.token()?,
                allowed_origins: ctx.config.api.allowed_origins.clone(),
                allowed_hosts: ctx.config.api.allowed_hosts.clone(),
            };
            let state = AppState {
                manager: manager.clone(),
                config: live.clone(),
                cwd: ctx.cwd.clone(),
            };
            let listen = ctx.api_listen();
            let (addr, task) =
                start_api(listen, ctx.global.allow_remote, state, access, &stopped).await?;
            api_addr = Some(addr);
            api_task = Some(task);
        }
        Ok(Self {
            manager,
            config: live,
            api_addr,
            stop_api,
            api_task,
        })
    }

    /// Starts the config's autostart sessions; errors are logged and returned as messages, after
    /// the notice of a project file that was ignored.
    pub async fn autostart(&self, ctx: &Context) -> Vec<String> {
        let mut problems = Vec::from_iter(ctx.untrusted_notice.clone());
        let configured = ctx.config.sessions.iter().filter(|s| s.autostart);
        // A task restored from the state file is already running in its workspace.
        for entry in configured.filter(|entry| {
            ctx.config
                .session_config(SessionRequest::from(*entry), &ctx.cwd)
                .map_or(true, |s| {
                    self.manager.find_task(&s.workspace, &s.task_id).is_none()
                })
        }) {
            if let Err(problem) =
                start_session(&self.manager, &ctx.config, entry.into(), &ctx.cwd).await
            {
                tracing::warn!(%problem, "a configured session did not start");
                problems.push(problem.to_string());
            }
        }
        problems
    }

    /// Stops the API, then ends every session.
    pub async fn shutdown(self) {
        let _ = self.stop_api.send(true);
        self.manager.shutdown().await;
        if let Some(task) = self.api_task {
            let _ = task.await;
        }
    }
}

/// Serves the API where `listen` says, until `stopped` turns true.
async fn start_api(
    listen: ApiListen,
    allow_remote: bool,
    state: AppState,
    access: Access,
    stopped: &watch::Receiver<bool>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), api::ServeError> {
    let shutdown = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    let (ApiListen::Exactly(addr) | ApiListen::Preferably(addr)) = listen;
    let started = api::start(
        addr,
        allow_remote,
        state.clone(),
        access.clone(),
        shutdown(stopped.clone()),
    )
    .await;
    match (started, listen) {
        (Err(api::ServeError::Bind { reason, .. }), ApiListen::Preferably(_)) => {
            let free = SocketAddr::new(addr.ip(), 0);
            let started = api::start(free, allow_remote, state, access, shutdown(stopped.clone()));
            let (bound, task) = started.await?;
            tracing::info!(%addr, %bound, %reason, "the API's usual address is taken");
            crate::terminal_text::errln!(
                "ccmux: {addr} is taken ({reason}); the API listens on {bound} instead"
            );
            Ok((bound, task))
        }
        (started, _) => started,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Manager(#[from] ManagerError),
}

/// Fills `request` in from `config` and starts it: what the TUI and autostart do alike.
pub async fn start_session(
    manager: &Manager,
    config: &Config,
    request: SessionRequest,
    cwd: &Path,
) -> Result<Session, StartError> {
    let session_config = config.session_config(request, cwd)?;
    Ok(manager.create_session(session_config).await?)
}

/// Waits for SIGINT, SIGTERM or SIGHUP.
/// What stops a server: SIGTERM or SIGINT. (SIGHUP reloads its config: see `reload.rs`.)
pub async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("signal handlers can be installed");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// What ends a client: SIGTERM, SIGINT, or SIGHUP (its terminal went away).
pub async fn termination_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("signal handlers can be installed");
    let mut hup = signal(SignalKind::hangup()).expect("signal handlers can be installed");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

/// `ccmux config path`.
pub fn describe_paths(cwd: &Path) -> String {
    let global = paths::global_config_file();
    let project = config::find_project_file(cwd);
    let mark = |p: &Path| if p.is_file() { "" } else { " (missing)" };
    format!(
        "global:  {}{}\nproject: {}\ndata:    {}\nlog:     {}\n",
        global.display(),
        mark(&global),
        project.map_or_else(
            || format!("none ({} not found here or above)", paths::PROJECT_FILE),
            |p| p.display().to_string()
        ),
        paths::data_dir().display(),
        crate::logging::default_file().display(),
    )
}
