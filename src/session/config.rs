//! What a session is started with.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::session::command::CommandRecord;
use crate::session::conversation::Conversation;
use crate::session::profile::{Profile, ProfileKind};

/// Smallest size a PTY is given: programs misbehave on a 0- or 1-cell terminal.
pub const MIN_TERMINAL_DIM: u16 = 2;
/// Largest size a PTY is given, beyond any real screen. Every cell of the grid is kept in
/// memory, about 32 bytes each: 1000×500 costs 16 MB a session, 4096×4096 half a gigabyte.
pub const MAX_TERMINAL_COLS: u16 = 1000;
pub const MAX_TERMINAL_ROWS: u16 = 500;

/// Most bytes one argument, one added `NAME=value` variable or the auth token may take. Linux
/// refuses a string over 128 KiB, and refuses it in the forked child: the session would be
/// reported started and its child would die at once. Checked when the PTY is spawned.
pub const MAX_EXEC_STRING: usize = 64 * 1024;
/// Most bytes all arguments, and apart from them all added variables, may take: the kernel
/// allows a quarter of the stack (commonly 2 MiB) for argv and the whole environment.
pub const MAX_EXEC_TOTAL: usize = 256 * 1024;
/// Most arguments, and apart from them added variables: each costs a pointer besides its bytes.
pub const MAX_EXEC_COUNT: usize = 1024;

/// The workspace of a session that names none.
pub const DEFAULT_WORKSPACE: &str = "default";

/// The task a session works on. One live session per task at a time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(String);

impl TaskId {
    /// A task id is 1–128 printable characters, none of them a bidi override.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidTaskId> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(InvalidTaskId::Empty);
        }
        if id.chars().count() > 128 {
            return Err(InvalidTaskId::TooLong);
        }
        // Bidi overrides and isolates make an id print as another one.
        let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if id.chars().any(|c| c.is_control() || bidi(c)) {
            return Err(InvalidTaskId::Control);
        }
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// What [`TaskId::new`] accepts, as a JSON Schema pattern that ECMA-262 and Python's `re` read
/// alike: no control or bidi character anywhere, and at least one that is not blank either (the
/// blanks are Unicode's White_Space that are not controls, what `str::trim` removes).
pub const TASK_ID_PATTERN: &str = concat!(
    r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*",
    r"[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069 \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$",
);

/// The API documents task ids with the rules [`TaskId::new`] applies.
impl JsonSchema for TaskId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TaskId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "pattern": TASK_ID_PATTERN,
            "description": "1–128 characters, not all blank, without control or bidirectional-override characters.",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTaskId {
    #[error("task_id must not be empty")]
    Empty,
    #[error("task_id must be at most 128 characters")]
    TooLong,
    #[error("task_id must not contain control or bidirectional-override characters")]
    Control,
}

/// Columns × rows of a session's terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TerminalSize {
    pub cols: u16,
    pub rows: u16,
}

impl TerminalSize {
    /// A size clamped to what a PTY can sensibly have.
    pub fn clamped(cols: u16, rows: u16) -> Self {
        Self {
            cols: cols.clamp(MIN_TERMINAL_DIM, MAX_TERMINAL_COLS),
            rows: rows.clamp(MIN_TERMINAL_DIM, MAX_TERMINAL_ROWS),
        }
    }

    /// A size that must already be in range: for sizes people type, where clamping would hide
    /// a mistake.
    pub fn checked(cols: u32, rows: u32) -> Result<Self, SizeOutOfRange> {
        let min = u32::from(MIN_TERMINAL_DIM);
        if !(min..=u32::from(MAX_TERMINAL_COLS)).contains(&cols)
            || !(min..=u32::from(MAX_TERMINAL_ROWS)).contains(&rows)
        {
            return Err(SizeOutOfRange { cols, rows });
        }
        Ok(Self {
            cols: cols as u16,
            rows: rows as u16,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cols must be {MIN_TERMINAL_DIM}–{MAX_TERMINAL_COLS} and rows {MIN_TERMINAL_DIM}–{MAX_TERMINAL_ROWS} (got {cols}×{rows})"
)]
pub struct SizeOutOfRange {
    pub cols: u32,
    pub rows: u32,
}

impl Default for TerminalSize {
    fn default() -> Self {
        Self {
            cols: 120,
            rows: 40,
        }
    }
}

impl fmt::Display for TerminalSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.cols, self.rows)
    }
}

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
    pub workspace: String,
    /// Claude Code's conversation; `None` lets the session choose (see `Conversation`).
    pub conversation: Option<Conversation>,
    /// The variable `auth_token` was read from, so a restarted server can read it again.
    pub auth_token_env: Option<String>,
    /// The profile asked for by name (built-in or `[profiles.NAME]`), if any.
    pub profile_name: Option<String>,
    /// Commands run before a restart, carried over by a restored session.
    pub history: Vec<CommandRecord>,
    /// Where the session's output is recorded, when recordings are on (set by the manager).
    pub recording: Option<crate::recording::Tap>,
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
            workspace: DEFAULT_WORKSPACE.to_string(),
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
