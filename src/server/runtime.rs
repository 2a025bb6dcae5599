//! Starting up: the config, the manager, the API beside it, and the sessions started at
//! launch.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;

use crate::api::{self, Access, AppState};
use crate::config::{self, Config, Flags, ResolveError, SessionRequest};
use crate::manager::{Manager, ManagerError};
use crate::paths;
use crate::server::args::GlobalArgs;
use crate::session::{Session, TaskId};

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
        let flags = Flags {
            config: global.config.clone(),
            listen: global.listen,
        };
        let loaded = config::load(&cwd, &flags, |k| std::env::var(k).ok())?;
        Ok(Self {
            untrusted_notice: loaded.untrusted_notice(),
            config: Arc::new(loaded.config),
            cwd,
            global,
        })
    }

    /// Where the token is kept: `--token-file`, else `api.token_file`, else the data dir.
    pub fn token_file(&self) -> PathBuf {
        self.global
            .token_file
            .clone()
            .or_else(|| self.config.api.token_file.clone())
            .unwrap_or_else(|| paths::data_dir().join("token"))
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
            eprintln!(
                "ccmux: warning: a token given with --token shows in `ps` to every user; \
                 use --token-file PATH, --token - (stdin) or CCMUX_API_TOKEN"
            );
            Ok(flag)
        }
        None => Ok(None),
    }
}

/// A running manager with its API.
pub struct Running {
    pub manager: Manager,
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
        if ctx.config.recording.enabled {
            // Sessions matter more than their recordings: a directory that cannot be used
            // is reported, and the server runs without recording.
            let dir = crate::recording::dir();
            match crate::recording::Recorder::start(dir.clone(), ctx.config.recording.limits()) {
                Ok(recorder) => manager_config.recorder = Some(recorder),
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "sessions are not recorded");
                    eprintln!(
                        "ccmux: warning: sessions are not recorded: cannot use {}: {e}",
                        dir.display()
                    );
                }
            }
        }
        let manager = Manager::new(manager_config).context("the session threads cannot start")?;
        let (stop_api, mut stopped) = watch::channel(false);
        let (mut api_addr, mut api_task) = (None, None);
        if ctx.config.api.enabled {
            let access = Access {
                token: ctx.token()?,
                allowed_origins: ctx.config.api.allowed_origins.clone(),
                allowed_hosts: ctx.config.api.allowed_hosts.clone(),
            };
            let state = AppState {
                manager: manager.clone(),
                config: ctx.config.clone(),
                cwd: ctx.cwd.clone(),
            };
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            let (addr, task) = api::start(
                ctx.config.api.listen,
                ctx.global.allow_remote,
                state,
                access,
                shutdown,
            )
            .await?;
            api_addr = Some(addr);
            api_task = Some(task);
        }
        Ok(Self {
            manager,
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
        // A task restored from the state file is already running.
        for entry in configured.filter(|s| {
            TaskId::new(s.task_id.clone()).map_or(true, |t| self.manager.find_task(&t).is_none())
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
