//! What a session keeps so that a restarted server starts it again whole: the values of its
//! environment and its auth token. Without them Claude Code came back as a stranger (another
//! `CLAUDE_CONFIG_DIR`, no key) and could not find its conversation; and reading them back
//! from the server's own environment by name handed a child whatever the server had under
//! that name (its API token, for a session that had set `CCMUX_API_TOKEN` to a decoy).
//!
//! They go to the state file (data dir, 0600) and nowhere else: `Debug` shows names only, so a
//! log line never holds a value. A session created with `restore_secrets: false` keeps none.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeptSecrets {
    pub environment: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
}

impl fmt::Debug for KeptSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptSecrets")
            .field("environment", &self.environment.keys().collect::<Vec<_>>())
            .field("auth_token", &self.auth_token.as_ref().map(|_| "<kept>"))
            .finish()
    }
}

/// Whether a session's secrets are kept for a restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    #[default]
    ForRestore,
    Never,
}

/// Where a session came from: a restore that fails is kept to be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    #[default]
    New,
    Restored,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_the_variables_and_shows_no_value() {
        let kept = KeptSecrets {
            environment: BTreeMap::from([("HOME".to_string(), "/secret/home".to_string())]),
            auth_token: Some("sk-very-secret".into()),
        };
        let shown = format!("{kept:?}");
        assert!(shown.contains("HOME"), "{shown}");
        assert!(
            !shown.contains("secret/home") && !shown.contains("sk-very"),
            "{shown}"
        );
    }
}
