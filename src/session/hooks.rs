//! Giving a Claude Code session ccmux's hooks (see `claude::launch` for the settings file and
//! the environment they are given through).

use std::path::PathBuf;

use serde_json::Value;

use crate::claude::capability::Capability;
use crate::claude::launch::{
    ENV_CAPABILITY, ENV_SESSION, ENV_SOCKET, ENV_USER_STATUS_LINE, Hooked, Launch, write_settings,
};
use crate::session::{ProfileKind, SessionConfig, SessionId};

/// Whether `config` is a Claude Code session that gets hooks.
pub fn wants_hooks(config: &SessionConfig) -> bool {
    let claude =
        config.effective_profile() == ProfileKind::Claude && config.custom_profile.is_none();
    let own = |flag: &str| {
        config
            .command
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    claude && config.claude.hooks && !own("--bare") && !own("--settings")
}

/// Writes the session's settings file and sets `config.claude.launch`; `None` (and a logged
/// reason) when the session gets no hooks.
pub fn prepare(id: SessionId, config: &mut SessionConfig) -> Option<Hooked> {
    let endpoint = config.claude.endpoint.clone()?;
    if !wants_hooks(config) {
        return None;
    }
    let hooked = write_settings(id, &endpoint).and_then(|settings| {
        Ok(Hooked {
            capability: Capability::generate()?,
            settings,
        })
    });
    let hooked = match hooked {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(session = %id, error = %e, "no hooks: the settings file could not be written");
            return None;
        }
    };
    let mut env = vec![
        (
            ENV_SOCKET.to_string(),
            endpoint.socket.display().to_string(),
        ),
        (ENV_SESSION.to_string(), id.to_string()),
        (
            ENV_CAPABILITY.to_string(),
            hooked.capability.as_str().to_string(),
        ),
    ];
    if let Some(command) = user_status_line(config) {
        env.push((ENV_USER_STATUS_LINE.to_string(), command));
    }
    config.claude.launch = Some(Launch {
        args: vec![
            "--settings".to_string(),
            hooked.settings.path().display().to_string(),
        ],
        env,
    });
    Some(hooked)
}

/// The user's own status line command: the last of `~/.claude/settings.json` and the
/// project's `.claude/settings.json` and `.claude/settings.local.json` that sets one.
fn user_status_line(config: &SessionConfig) -> Option<String> {
    let home = config
        .environment
        .get("HOME")
        .cloned()
        .or_else(|| std::env::var("HOME").ok())
        .map(PathBuf::from);
    let project = config.project_path.join(".claude");
    let files = [
        home.map(|h| h.join(".claude/settings.json")),
        Some(project.join("settings.json")),
        Some(project.join("settings.local.json")),
    ];
    files
        .into_iter()
        .flatten()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).ok()?;
            let settings: Value = serde_json::from_str(&text).ok()?;
            settings["statusLine"]["command"]
                .as_str()
                .map(str::to_string)
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_or_own_settings_or_hooks_off_mean_no_hooks() {
        let base = SessionConfig::new(crate::session::TaskId::new("t").unwrap(), "/tmp");
        assert!(wants_hooks(&base));
        let bare = base.clone().with_command(["claude", "--bare"]);
        assert!(!wants_hooks(&bare));
        let own = base
            .clone()
            .with_command(["claude", "--settings", "x.json"]);
        assert!(!wants_hooks(&own));
        let mut off = base.clone();
        off.claude.hooks = false;
        assert!(!wants_hooks(&off));
        assert!(!wants_hooks(&base.with_command(["bash"])));
    }
}
