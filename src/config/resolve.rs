//! Turning config entries into the `SessionConfig`s the manager starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, SessionEntry, Template};
use crate::manager::{ManagerConfig, SessionLimits};
use crate::session::{InvalidTaskId, ProfileKind, SessionConfig, TaskId, WorkspaceName};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    TaskId(#[from] InvalidTaskId),
    #[error(
        "unknown profile `{0}`: expected claude, shell, generic or a [profiles.NAME] of your own"
    )]
    UnknownProfile(String),
    #[error("unknown template `{0}`")]
    UnknownTemplate(String),
    #[error("auth_token_env names `{0}`, which is not set")]
    MissingTokenVariable(String),
    #[error(transparent)]
    Worktree(#[from] crate::worktree::WorktreeError),
}

/// Whose environment an `auth_token_env` names a variable of: whoever asked for the session.
#[derive(Clone, Default)]
pub enum TokenEnv {
    /// The server's: it starts the session on its own (`ccmux serve`'s autostart, the API).
    #[default]
    Server,
    /// A client's: the values it sent of the variables its config names (see
    /// `Config::token_variables`).
    Client(std::collections::BTreeMap<String, String>),
}

impl TokenEnv {
    fn get(&self, var: &str) -> Option<String> {
        match self {
            Self::Server => std::env::var(var).ok(),
            Self::Client(values) => values.get(var).cloned(),
        }
    }
}

/// Names the variables, never their values (tokens).
impl std::fmt::Debug for TokenEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Server => f.write_str("Server"),
            Self::Client(values) => f.debug_tuple("Client").field(&values.keys()).finish(),
        }
    }
}

/// What a new session is asked to be, before defaults fill the gaps.
#[derive(Debug, Clone, Default)]
pub struct SessionRequest {
    pub task_id: String,
    pub project_path: Option<PathBuf>,
    pub command: Option<Vec<String>>,
    pub environment: std::collections::BTreeMap<String, String>,
    pub profile: Option<String>,
    pub auth_token: Option<String>,
    pub auth_token_env: Option<String>,
    /// Where `auth_token_env`'s variable is read.
    pub token_env: TokenEnv,
    pub template: Option<String>,
    /// The workspace to join; by default the one of the project the session works in.
    pub workspace: Option<WorkspaceName>,
    /// Run in a git worktree of the project (see `crate::worktree`).
    pub worktree: Option<crate::worktree::WorktreeOption>,
    /// Claude Code hooks (default on) and permission policies (default on).
    pub hooks: Option<bool>,
    pub policy: Option<bool>,
    /// Keep the environment's values and the token for a restore (default true; see
    /// `session::kept`).
    pub restore_secrets: Option<bool>,
}

/// The workspace a directory belongs to: named after the directory holding its project file
/// (`ccmux.toml` here or above), else after the directory itself.
pub fn workspace_name(dir: &Path) -> WorkspaceName {
    let root = crate::config::find_project_file(dir)
        .and_then(|file| file.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf());
    root.file_name()
        .map_or_else(WorkspaceName::default, |name| {
            WorkspaceName::of_directory(&name.to_string_lossy())
        })
}

impl From<&SessionEntry> for SessionRequest {
    fn from(entry: &SessionEntry) -> Self {
        Self {
            task_id: entry.task_id.clone(),
            project_path: entry.project_path.clone(),
            command: entry.command.clone(),
            environment: entry.environment.clone(),
            profile: entry.profile.clone(),
            auth_token_env: entry.auth_token_env.clone(),
            template: entry.template.clone(),
            worktree: entry.worktree.clone(),
            hooks: entry.hooks,
            policy: entry.policy,
            ..Self::default()
        }
    }
}

impl Config {
    /// The manager's limits.
    pub fn manager_config(&self) -> ManagerConfig {
        let limits = self.session_limits();
        ManagerConfig {
            max_sessions: limits.max_sessions,
            idle_timeout: limits.idle_timeout,
            keep_ended: limits.keep_ended,
            history_dir: Some(crate::paths::data_dir().join("history")),
            ..ManagerConfig::default()
        }
    }

    /// The variables `auth_token_env` names in sessions and templates: what a client sends the
    /// values of, so that a session's token comes from the environment of who asked for it.
    pub fn token_variables(&self) -> std::collections::BTreeSet<&str> {
        let sessions = self.sessions.iter().map(|s| &s.auth_token_env);
        let templates = self.templates.values().map(|t| &t.auth_token_env);
        sessions
            .chain(templates)
            .flatten()
            .map(String::as_str)
            .collect()
    }

    /// What a running manager takes from a reloaded config.
    pub fn session_limits(&self) -> SessionLimits {
        let seconds = |s: u64| (s > 0).then(|| Duration::from_secs(s));
        SessionLimits {
            max_sessions: self.limits.max_sessions,
            idle_timeout: seconds(self.defaults.idle_timeout),
            keep_ended: seconds(self.limits.keep_ended),
        }
    }

    /// The command of a session that names none: the configured default, else `claude` when
    /// it is on PATH, else the user's `$SHELL`.
    pub fn default_command(&self) -> Vec<String> {
        if let Some(command) = &self.defaults.command {
            return command.clone();
        }
        // Found as a session would find it, with the environment ccmux itself has.
        if crate::session::resolve_program("claude", &std::collections::BTreeMap::new()).is_ok() {
            return vec!["claude".to_string()];
        }
        let shell = std::env::var("SHELL")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".to_string());
        vec![shell]
    }

    /// A full session config: the request, then its template, then `[defaults]`.
    pub fn session_config(
        &self,
        request: SessionRequest,
        cwd: &Path,
    ) -> Result<SessionConfig, ResolveError> {
        let empty = Template::default();
        let template = match &request.template {
            Some(name) => self
                .templates
                .get(name)
                .ok_or_else(|| ResolveError::UnknownTemplate(name.clone()))?,
            None => &empty,
        };
        let project_path = request
            .project_path
            .or_else(|| template.project_path.clone())
            .map_or_else(|| cwd.to_path_buf(), |p| cwd.join(p));
        let mut config = SessionConfig::new(TaskId::new(request.task_id)?, project_path);
        let worktree = request.worktree.or_else(|| template.worktree.clone());
        if let Some(name) = worktree.map(|w| w.name(&config.task_id)).transpose()? {
            config.worktree = name.map(crate::worktree::Placement::Asked);
        }
        config.workspace = match request.workspace {
            Some(name) => name,
            None => workspace_name(&config.project_path),
        };
        if request.restore_secrets == Some(false) {
            config.keep = crate::session::kept::Keep::Never;
        }
        config.command = request
            .command
            .or_else(|| template.command.clone())
            .unwrap_or_else(|| self.default_command());
        config.environment = self.defaults.environment.clone();
        config.environment.extend(template.environment.clone());
        config.environment.extend(request.environment);
        config.terminal_size = self.defaults.terminal_size.0;
        config.output_limit = self.defaults.output_limit;
        config.scrollback = self.limits.scrollback;
        let profile = request
            .profile
            .or_else(|| template.profile.clone())
            .or_else(|| self.defaults.profile.clone());
        if let Some(name) = profile {
            self.apply_profile(&mut config, &name)?;
            config.profile_name = Some(name);
        }
        let token_env = request
            .auth_token_env
            .or_else(|| template.auth_token_env.clone());
        config.auth_token = match (request.auth_token, token_env) {
            (Some(token), _) => Some(token),
            (None, Some(var)) => {
                let token = request
                    .token_env
                    .get(&var)
                    .ok_or_else(|| ResolveError::MissingTokenVariable(var.clone()))?;
                config.auth_token_env = Some(var);
                Some(token)
            }
            (None, None) => None,
        };
        config.claude.hooks = request.hooks.or(template.hooks).unwrap_or(true);
        config.claude.policy = request.policy.or(template.policy).unwrap_or(true);
        config
            .claude
            .continue_after_limit
            .clone_from(&self.claude.continue_after_limit);
        if config.claude.policy {
            config.claude.policies =
                std::sync::Arc::new(crate::claude::policy::Policies::new(&self.policies));
        }
        Ok(config)
    }

    fn apply_profile(&self, config: &mut SessionConfig, name: &str) -> Result<(), ResolveError> {
        if let Ok(kind) = name.parse::<ProfileKind>() {
            config.profile = Some(kind);
        } else if let Some(spec) = self.profiles.get(name) {
            config.custom_profile = Some(spec.to_profile(name));
        } else {
            return Err(ResolveError::UnknownProfile(name.to_string()));
        }
        Ok(())
    }
}
