//! Workspaces: the sessions of one project, shown together. A workspace exists while it has
//! sessions; attaching to a project's workspace that does not exist yet starts it from the
//! project's config. A workspace follows its project: `ccmux` there starts the configured
//! sessions it lacks (the project was trusted since, say), and one whose sessions have all
//! ended has ended: it starts afresh.

use std::path::Path;

use crate::config::{self, Flags, SessionRequest, TokenEnv};
use crate::protocol::Attach;
use crate::server::Hub;
use crate::server::runtime::start_session;
use crate::session::WorkspaceName;

/// Why an attach found nothing to show.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("no workspace named `{0}`; `ccmux ls` lists them")]
    Unknown(WorkspaceName),
    #[error("no workspaces are running; `ccmux` starts one")]
    None,
    #[error("{0}")]
    Config(#[from] config::ConfigError),
}

/// The workspace an attach asks for, started first when it must be. Returns its name and what
/// the user should hear: a project file that was ignored, sessions that did not start, a
/// shell started in place of `claude`.
pub async fn open(hub: &Hub, attach: &Attach) -> Result<(WorkspaceName, Vec<String>), AttachError> {
    let existing = hub.manager.workspaces();
    let name = match (&attach.workspace, attach.create) {
        (Some(name), _) => name.clone(),
        (None, true) => config::workspace_name(&attach.cwd),
        (None, false) => hub.most_recent(&existing).ok_or(AttachError::None)?,
    };
    let follows_project = attach.create && attach.workspace.is_none();
    if existing.contains(&name) && !follows_project {
        return Ok((name, Vec::new()));
    }
    if !attach.create {
        return Err(AttachError::Unknown(name));
    }
    let sessions = hub.manager.workspace_sessions(&name);
    // A restore that failed is kept for its user to read and `ctl restart`: not an ending.
    let kept = |s: &crate::session::Session| !s.state().is_ending() || s.status().restore_failed;
    if sessions.iter().any(kept) {
        let problems = start_missing(hub, &name, attach, &sessions).await?;
        return Ok((name, problems));
    }
    // Only ended sessions are left: the workspace has ended, and its dead panes go with it.
    for session in sessions {
        if let Err(e) = hub.manager.dismiss(session.id()).await {
            tracing::debug!(session = %session.id(), error = %e, "an ended pane was kept");
        }
    }
    let problems = start(hub, &name, attach).await?;
    Ok((name, problems))
}

/// The project's autostart sessions whose task the running workspace lacks, started in it:
/// what `ccmux` after `ccmux trust` (or after a new `[[session]]`) is for.
async fn start_missing(
    hub: &Hub,
    name: &WorkspaceName,
    attach: &Attach,
    sessions: &[crate::session::Session],
) -> Result<Vec<String>, AttachError> {
    if !attach.run.is_empty() {
        // `ccmux -- CMD` names what to start only when the workspace starts.
        return Ok(Vec::new());
    }
    let config = load(attach)?.config;
    let requests = config
        .sessions
        .iter()
        .filter(|s| s.autostart && !sessions.iter().any(|o| o.task_id().as_str() == s.task_id))
        .map(SessionRequest::from)
        .collect();
    Ok(start_all(hub, name, &config, requests, attach).await)
}

fn load(attach: &Attach) -> Result<config::LoadedConfig, AttachError> {
    let flags = Flags {
        config: attach.config.clone(),
        listen: None,
    };
    Ok(config::load(&attach.cwd, &flags, |k| {
        std::env::var(k).ok()
    })?)
}

/// Starts `requests` in the workspace `name`; returns why any did not start.
async fn start_all(
    hub: &Hub,
    name: &WorkspaceName,
    config: &config::Config,
    requests: Vec<SessionRequest>,
    attach: &Attach,
) -> Vec<String> {
    let mut problems = Vec::new();
    for mut request in requests {
        request.workspace = Some(name.clone());
        request.token_env = TokenEnv::Client(attach.tokens.0.clone());
        if let Err(problem) = start_session(&hub.manager, config, request, &attach.cwd).await {
            tracing::warn!(%problem, workspace = %name, "a configured session did not start");
            problems.push(problem.to_string());
        }
    }
    problems
}

/// Starts a workspace: the `--` command, else the project's autostart sessions, else one
/// session running the default command (also when the project file is not trusted, so the user
/// is not left without a workspace).
async fn start(
    hub: &Hub,
    name: &WorkspaceName,
    attach: &Attach,
) -> Result<Vec<String>, AttachError> {
    let loaded = load(attach)?;
    let mut problems = Vec::from_iter(loaded.untrusted_notice());
    let config = loaded.config;
    let mut requests: Vec<SessionRequest> = Vec::new();
    if attach.run.is_empty() {
        requests.extend(
            config
                .sessions
                .iter()
                .filter(|s| s.autostart)
                .map(SessionRequest::from),
        );
    }
    if requests.is_empty() {
        if attach.run.is_empty() {
            problems.extend(shell_instead_of_claude(&config));
        }
        requests.push(SessionRequest {
            task_id: default_task(&attach.cwd),
            command: (!attach.run.is_empty()).then(|| attach.run.clone()),
            ..SessionRequest::default()
        });
    }
    problems.extend(start_all(hub, name, &config, requests, attach).await);
    Ok(problems)
}

/// Why a session that names no command runs a shell, when nothing configured one: `claude` is
/// not on PATH. Without it, a first run opens a shell without saying why.
fn shell_instead_of_claude(config: &config::Config) -> Option<String> {
    let command = config.default_command();
    (config.defaults.command.is_none() && command != ["claude"])
        .then(|| format!("claude not found on PATH; started {}", command.join(" ")))
}

/// A task named after the directory: what a bare `ccmux` in a project calls its session.
pub fn default_task(cwd: &Path) -> String {
    cwd.file_name()
        .map_or_else(|| "main".to_string(), |n| n.to_string_lossy().into_owned())
}
