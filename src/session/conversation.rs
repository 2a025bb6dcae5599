//! Claude Code's conversation id: ccmux starts every `claude` session under an id it chose, so
//! that a restarted server can resume the same conversation (`--session-id`, `--resume`).

use serde::{Deserialize, Serialize};

use crate::session::config::SessionConfig;
use crate::session::profile::ProfileKind;

/// Flags with which the user already chose a conversation: ccmux then adds none.
const USER_CHOSEN: [&str; 5] = ["--session-id", "--resume", "--continue", "-r", "-c"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conversation {
    /// A new conversation under this id.
    Start(String),
    /// Go on with this earlier conversation.
    Resume(String),
}

impl Conversation {
    /// A fresh id for a Claude Code session whose argv does not choose a conversation itself.
    pub fn for_new(config: &SessionConfig) -> Option<Self> {
        let claude =
            config.effective_profile() == ProfileKind::Claude && config.custom_profile.is_none();
        let chosen = config.command.iter().any(|arg| {
            USER_CHOSEN.contains(&arg.as_str())
                || USER_CHOSEN
                    .iter()
                    .any(|flag| arg.starts_with(&format!("{flag}=")))
        });
        (claude && !chosen).then(|| Self::Start(uuid::Uuid::new_v4().to_string()))
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Start(id) | Self::Resume(id) => id,
        }
    }

    /// The same conversation, continued.
    pub fn resumed(&self) -> Self {
        Self::Resume(self.id().to_string())
    }

    /// What is appended to the program's argv.
    pub fn args(&self) -> [&str; 2] {
        match self {
            Self::Start(id) => ["--session-id", id],
            Self::Resume(id) => ["--resume", id],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::TaskId;

    fn config(argv: &[&str]) -> SessionConfig {
        SessionConfig::new(TaskId::new("t").unwrap(), "/tmp").with_command(argv.iter().copied())
    }

    #[test]
    fn claude_gets_an_id_unless_its_argv_chose_a_conversation() {
        let started = Conversation::for_new(&config(&["claude"])).unwrap();
        assert!(matches!(started, Conversation::Start(_)));
        assert_eq!(started.args()[0], "--session-id");
        assert_eq!(started.resumed().args(), ["--resume", started.id()]);
        for chosen in [
            &["claude", "--resume", "x"][..],
            &["claude", "-c"],
            &["claude", "--session-id=u"],
        ] {
            assert_eq!(Conversation::for_new(&config(chosen)), None, "{chosen:?}");
        }
        assert_eq!(Conversation::for_new(&config(&["bash"])), None);
    }
}
