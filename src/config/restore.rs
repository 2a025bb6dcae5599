//! A session started again from its recipe: after a server restart, or asked for with
//! `ctl restart` once it has ended. What it is started with is what was saved for it (see
//! `session::kept`), never what the server's environment holds under the same names; its
//! size and names pass the checks a new session's do.

use std::path::Path;

use crate::config::{Config, ResolveError, SessionRequest};
use crate::session::kept::{Keep, Origin};
use crate::session::{CommandRecord, Recipe, SessionConfig, TerminalSize};

/// Where the session stood when it was saved (or ended).
pub struct Standing {
    pub cwd: std::path::PathBuf,
    pub terminal_size: TerminalSize,
    pub history: Vec<CommandRecord>,
}

impl Config {
    /// `recipe` as a config to start, Claude Code resuming its conversation.
    pub fn restored_session(
        &self,
        recipe: &Recipe,
        standing: Standing,
    ) -> Result<SessionConfig, ResolveError> {
        let kept = recipe.secrets.clone().unwrap_or_default();
        let request = SessionRequest {
            task_id: recipe.task_id.to_string(),
            project_path: Some(standing.cwd.clone()),
            command: Some(recipe.command.clone()),
            environment: kept.environment,
            profile: recipe.profile.clone(),
            auth_token: kept.auth_token,
            // A token named by config (`auth_token_env`) and not kept is read as that config
            // says; nothing else is read from the server's environment.
            auth_token_env: recipe
                .secrets
                .is_none()
                .then(|| recipe.auth_token_env.clone())
                .flatten(),
            token_env: super::TokenEnv::Server,
            workspace: Some(recipe.workspace.clone()),
            worktree: recipe
                .worktree
                .clone()
                .map(crate::worktree::WorktreeOption::Named),
            hooks: Some(!recipe.hooks_off),
            policy: Some(!recipe.policy_off),
            restore_secrets: Some(recipe.secrets.is_some()),
            template: None,
        };
        let mut session = self.session_config(request, Path::new(&standing.cwd))?;
        session.auth_token_env.clone_from(&recipe.auth_token_env);
        let size = standing.terminal_size;
        session.terminal_size = TerminalSize::clamped(size.cols, size.rows);
        session.conversation = recipe.conversation.as_ref().map(|c| c.resumed());
        session.history = standing.history;
        session.origin = Origin::Restored;
        session.keep = if recipe.secrets.is_some() {
            Keep::ForRestore
        } else {
            Keep::Never
        };
        Ok(session)
    }
}
