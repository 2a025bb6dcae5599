//! What a session is started with.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

pub use crate::ids::{
    InvalidTaskId, MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS, MIN_TERMINAL_DIM, SizeOutOfRange,
    TASK_ID_PATTERN, TaskId, TerminalSize, WorkspaceName,
};
use crate::session::command::CommandRecord;
use crate::session::conversation::Conversation;
use crate::session::profile::{Profile, ProfileKind};

/// Most bytes one argument, one added `NAME=value` variable or the auth token may take. Linux
/// refuses a string over 128 KiB, and refuses it in the forked child: the session would be
/// reported started and its child would die at once. Checked when the PTY is spawned.
pub const MAX_EXEC_STRING: usize = 64 * 1024;
/// Most bytes all arguments, and apart from them all added variables, may take: the kernel
/// allows a quarter of the stack (commonly 2 MiB) for argv and the whole environment.
pub const MAX_EXEC_TOTAL: usize = 256 * 1024;
/// Most arguments, and apart from them added variables: each costs a pointer besides its bytes.
pub const MAX_EXEC_COUNT: usize = 1024;

/// Everything needed to start one session.
#[derive(Clone)]
pub struct SessionConfig {
    pub task_id: TaskId,
    /// The child's working directory; must exist.
    pub project_path: PathBuf,
    /// argv, run without a shell.
    pub command: Vec<String>,
    /// Added to (and overriding) the inherited environment.
    pub environment: BTreeMap<String, String>,
    pub terminal_size: TerminalSize,
    /// Given to the child as `ANTHROPIC_API_KEY`; never logged or shown.
    pub auth_token: Option<String>,
    /// How many output entries the log keeps before dropping the oldest.
    pub output_limit: usize,
    /// Which detector decides the state; `None` picks one from the command name.
    pub profile: Option<ProfileKind>,
    /// A profile described in config (`[profiles.NAME]`); wins over `profile`.
    pub custom_profile: Option<Profile>,
    /// Rows of history kept above the screen.
    pub scrollback: usize,
    /// The workspace the session belongs to: the sessions of one project, shown together.
    pub workspace: WorkspaceName,
    /// Claude Code's conversation; `None` lets the session choose (see `Conversation`).
    pub conversation: Option<Conversation>,
    /// The variable `auth_token` was read from, so a restarted server can read it again.
    pub auth_token_env: Option<String>,
    /// The profile asked for by name (built-in or `[profiles.NAME]`), if any.
    pub profile_name: Option<String>,
    /// Commands run before a restart, carried over by a restored session.
    pub history: Vec<CommandRecord>,
    /// Where the session's output is recorded, when recordings are on (set by the manager).
    pub recording: Option<crate::session::tap::Tap>,
    /// Bytes that draw the screen a restored session had, shown before its program draws.
    pub restored_screen: Option<Vec<u8>>,
    /// A git worktree to run in (see `crate::worktree`).
    pub worktree: Option<crate::worktree::Placement>,
    /// Hooks, status line and permission policies (see `claude`).
    pub claude: crate::claude::ClaudeOptions,
    /// Whether its environment's values and token are kept for a restore (see `kept`).
    pub keep: crate::session::kept::Keep,
    pub origin: crate::session::kept::Origin,
}

impl SessionConfig {
    /// A config with the defaults: `claude` in `project_path`, 120×40.
    pub fn new(task_id: TaskId, project_path: impl Into<PathBuf>) -> Self {
        Self {
            task_id,
            project_path: project_path.into(),
            command: vec!["claude".to_string()],
            environment: BTreeMap::new(),
            terminal_size: TerminalSize::default(),
            auth_token: None,
            output_limit: 10_000,
            profile: None,
            custom_profile: None,
            scrollback: 10_000,
            workspace: WorkspaceName::default(),
            conversation: None,
            auth_token_env: None,
            profile_name: None,
            history: Vec::new(),
            recording: None,
            restored_screen: None,
            worktree: None,
            claude: crate::claude::ClaudeOptions::default(),
            keep: crate::session::kept::Keep::default(),
            origin: crate::session::kept::Origin::default(),
        }
    }

    pub fn with_command<S: Into<String>>(mut self, argv: impl IntoIterator<Item = S>) -> Self {
        self.command = argv.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    pub fn with_size(mut self, cols: u16, rows: u16) -> Self {
        self.terminal_size = TerminalSize::clamped(cols, rows);
        self
    }

    pub fn with_profile(mut self, profile: ProfileKind) -> Self {
        self.profile = Some(profile);
        self
    }

    /// The profile in force: the explicit one, else one guessed from argv[0].
    pub fn effective_profile(&self) -> ProfileKind {
        self.profile
            .unwrap_or_else(|| ProfileKind::for_command(self.command.first().map(String::as_str)))
    }

    /// The detector profile in force: the custom one, else the built-in.
    pub fn detector_profile(&self) -> Profile {
        self.custom_profile
            .clone()
            .unwrap_or_else(|| self.effective_profile().profile())
    }
}

/// Hand-written so that `auth_token` can never reach a log line.
impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("task_id", &self.task_id)
            .field("workspace", &self.workspace)
            .field("project_path", &self.project_path)
            .field("command", &self.command)
            .field("environment", &self.environment.keys().collect::<Vec<_>>())
            .field("terminal_size", &self.terminal_size)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("output_limit", &self.output_limit)
            .field("conversation", &self.conversation)
            .field("profile", &self.profile)
            .field(
                "custom_profile",
                &self.custom_profile.as_ref().map(|p| &p.name),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_task_id_pattern_accepts_exactly_what_task_ids_accept() {
        let pattern = regex::Regex::new(TASK_ID_PATTERN).unwrap();
        let samples = [
            "fix-login",
            "a b",
            " x ",
            "日本",
            "x\u{feff}",
            "\u{feff}",
            "",
            " ",
            "\u{3000}\u{a0}",
            "a\nb",
            "a\n",
            "\u{85}",
            "x\u{202e}y",
            "x\u{2067}",
            "\u{9f}a",
            "tab\there",
            "é",
        ];
        for sample in samples {
            let short_enough = sample.chars().count() <= 128;
            assert_eq!(
                pattern.is_match(sample) && short_enough,
                TaskId::new(sample).is_ok(),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn sizes_are_clamped_to_between_two_cells_and_1000_by_500() {
        assert_eq!(
            TerminalSize::clamped(0, 1),
            TerminalSize { cols: 2, rows: 2 }
        );
        assert_eq!(
            TerminalSize::clamped(60_000, 60_000),
            TerminalSize {
                cols: MAX_TERMINAL_COLS,
                rows: MAX_TERMINAL_ROWS
            }
        );
    }

    #[test]
    fn checked_sizes_stop_at_1000_columns_and_500_rows() {
        assert!(TerminalSize::checked(1000, 500).is_ok());
        assert!(TerminalSize::checked(1001, 500).is_err());
        assert!(TerminalSize::checked(1000, 501).is_err());
        assert!(TerminalSize::checked(1, 40).is_err());
    }

    #[test]
    fn task_ids_reject_empty_and_control_characters() {
        assert_eq!(TaskId::new("  "), Err(InvalidTaskId::Empty));
        assert_eq!(TaskId::new("a\nb"), Err(InvalidTaskId::Control));
        assert_eq!(TaskId::new("x".repeat(129)), Err(InvalidTaskId::TooLong));
        assert!(TaskId::new("fix-login").is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_auth_token() {
        let mut config = SessionConfig::new(TaskId::new("t").unwrap(), "/tmp");
        config.auth_token = Some("sk-secret-value".into());
        assert!(!format!("{config:?}").contains("sk-secret-value"));
    }
}
