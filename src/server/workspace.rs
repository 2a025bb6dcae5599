//! Workspaces: the sessions of one project, shown together. A workspace exists while it has
//! sessions; attaching to a project's workspace that does not exist yet starts it from the
//! project's config.

use std::path::Path;

use crate::config::{self, Flags, SessionRequest};
use crate::protocol::Attach;
use crate::server::Hub;
use crate::server::runtime::start_session;

/// Why an attach found nothing to show.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("no workspace named `{0}`; `ccmux ls` lists them")]
    Unknown(String),
    #[error("no workspaces are running; `ccmux` starts one")]
    None,
    #[error("{0}")]
    Config(#[from] config::ConfigError),
}

/// The workspace an attach asks for, started first when it must be. Returns its name and what
/// the user should hear: a project file that was ignored, sessions that did not start, a
/// shell started in place of `claude`.
pub async fn open(hub: &Hub, attach: &Attach) -> Result<(String, Vec<String>), AttachError> {
    let existing = hub.manager.workspaces();
    let name = match (&attach.workspace, attach.create) {
        (Some(name), _) => name.clone(),
        (None, true) => config::workspace_name(&attach.cwd),
        (None, false) => hub.most_recent(&existing).ok_or(AttachError::None)?,
    };
    if existing.contains(&name) {
        return Ok((name, Vec::new()));
    }
    if !attach.create {
        return Err(AttachError::Unknown(name));
    }
    let problems = start(hub, &name, attach).await?;
    Ok((name, problems))
}

/// Starts a workspace: the `--` command, else the project's autostart sessions, else one
/// session running the default command (also when the project file is not trusted, so the user
/// is not left without a workspace).
async fn start(hub: &Hub, name: &str, attach: &Attach) -> Result<Vec<String>, AttachError> {
    let flags = Flags {
        config: attach.config.clone(),
        listen: None,
    };
    let loaded = config::load(&attach.cwd, &flags, |k| std::env::var(k).ok())?;
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
    for mut request in requests {
        request.workspace = Some(name.to_string());
        if let Err(problem) = start_session(&hub.manager, &config, request, &attach.cwd).await {
            tracing::warn!(%problem, workspace = name, "a configured session did not start");
            problems.push(problem.to_string());
        }
    }
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
