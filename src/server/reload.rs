//! `ccmux reload` and SIGHUP: the config files read again and put in force where they can
//! be. A file that no longer parses is reported and the config in force stays.
//!
//! What applies where: macros and the manager's limits at once; `[[policy]]` rules to the
//! running sessions' next permission requests too; profiles, templates, defaults and
//! `[[session]]` entries to the sessions started from now on; `[ui]` to clients that attach
//! from now on (each TUI reads it when it starts). The API's and the socket's listeners and
//! caps, `[recording]` and `frame_cap` are fixed when the server starts: a change to them is
//! reported as waiting for a restart.

use std::path::PathBuf;
use std::sync::Arc;

use crate::claude::policy::Policies;
use crate::config::live::LiveConfig;
use crate::config::{self, Config, ConfigError, Flags};
use crate::manager::Manager;

/// What reads the config again: the same files, flags and directory as at start.
pub struct Reloader {
    flags: Flags,
    cwd: PathBuf,
    live: LiveConfig,
    manager: Manager,
}

impl Reloader {
    pub fn new(flags: Flags, cwd: PathBuf, live: LiveConfig, manager: Manager) -> Self {
        Self {
            flags,
            cwd,
            live,
            manager,
        }
    }

    /// Reads the files and puts the new config in force; returns one line per section that
    /// changed, saying where it applies. On an error the config in force stays.
    pub async fn reload(&self) -> Result<Vec<String>, ConfigError> {
        let loaded = config::load(&self.cwd, &self.flags, |k| std::env::var(k).ok())?;
        let new = Arc::new(loaded.config);
        let old = self.live.replace(new.clone());
        self.manager.set_limits(new.session_limits()).await;
        if old.policies != new.policies {
            let policies = Arc::new(Policies::new(&new.policies));
            for session in self.manager.list() {
                if !session.state().is_ending() && !session.recipe().policy_off {
                    session.follow_policies(policies.clone()).await;
                }
            }
        }
        let changes = changes(&old, &new);
        tracing::info!(?changes, "the config was reloaded");
        Ok(changes)
    }
}

/// Where a changed section takes effect, for each section that changed.
fn changes(old: &Config, new: &Config) -> Vec<String> {
    let sections: [(&str, bool, &str); 11] = [
        ("macros", old.macros != new.macros, "at once"),
        (
            "policy",
            old.policies != new.policies,
            "at once, running sessions included",
        ),
        (
            "limits",
            old.limits != new.limits,
            "max_sessions and keep_ended at once, scrollback for new sessions; \
             api_* and socket_* after a restart",
        ),
        (
            "defaults",
            old.defaults != new.defaults,
            "idle_timeout at once, the rest for new sessions",
        ),
        ("profiles", old.profiles != new.profiles, "for new sessions"),
        (
            "templates",
            old.templates != new.templates,
            "for new sessions",
        ),
        ("session", old.sessions != new.sessions, "for new sessions"),
        ("claude", old.claude != new.claude, "for new sessions"),
        (
            "ui",
            old.ui != new.ui,
            "for clients that attach from now on (frame_cap after a restart)",
        ),
        ("api", old.api != new.api, "after a restart"),
        (
            "recording",
            old.recording != new.recording,
            "after a restart",
        ),
    ];
    sections
        .iter()
        .filter(|(_, changed, _)| *changed)
        .map(|(name, _, applies)| format!("{name}: {applies}"))
        .collect()
}

impl crate::server::Hub {
    /// `ccmux reload`'s answer: what changed, or why nothing did.
    pub(super) async fn reload_answer(&self) -> crate::protocol::ServerMessage {
        use crate::protocol::ServerMessage;
        match self.reload().await {
            Ok(changes) => ServerMessage::Reloaded { changes },
            Err(reason) => ServerMessage::Refused { reason },
        }
    }

    /// Reloads the config, or says why it cannot.
    async fn reload(&self) -> Result<Vec<String>, String> {
        let Some(reloader) = &self.reloader else {
            return Err("this server reads no config files".to_string());
        };
        reloader.reload().await.map_err(|e| {
            tracing::warn!(error = %e, "the config was not reloaded; the old one stays");
            format!("the config was not reloaded; the old one stays in force:\n{e}")
        })
    }
}

/// SIGHUP reloads the config; what went wrong goes to the log, the old config staying.
pub(super) async fn on_sighup(hub: Arc<crate::server::Hub>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("SIGHUP cannot be caught; `ccmux reload` still reloads");
        return;
    };
    while hup.recv().await.is_some() {
        // Logged by `reload` either way.
        let _ = hub.reload().await;
    }
}
