//! The ids and sizes every floor names: a session's id, a task's id, a workspace's name, a
//! terminal's size. Plain data, importing nothing of the crate.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Smallest size a PTY is given: programs misbehave on a 0- or 1-cell terminal.
pub const MIN_TERMINAL_DIM: u16 = 2;
/// Largest size a PTY is given, beyond any real screen. Every cell of the grid is kept in
/// memory, about 32 bytes each: 1000×500 costs 16 MB a session, 4096×4096 half a gigabyte.
pub const MAX_TERMINAL_COLS: u16 = 1000;
pub const MAX_TERMINAL_ROWS: u16 = 500;

/// A session's id, unique within one manager.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct SessionId(pub u64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

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

/// The workspace of a session that names none.
const DEFAULT_WORKSPACE: &str = "default";

/// A workspace's name: the sessions of one project, shown together, named after the project's
/// directory or by whoever asked. It is shown in lists and titles, so it is 1–128 characters,
/// none of them a control character; a name from elsewhere (the API, a client, a state file)
/// is checked as it is read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidWorkspaceName> {
        let name = name.into();
        let length = name.chars().count();
        if (1..=128).contains(&length) && !name.chars().any(char::is_control) {
            Ok(Self(name))
        } else {
            Err(InvalidWorkspaceName(name.escape_debug().to_string()))
        }
    }

    /// The name of a directory as a workspace's: its control characters replaced, cut to 128
    /// characters; an empty one is the default workspace.
    pub fn of_directory(name: &str) -> Self {
        let name: String = name
            .chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .take(128)
            .collect();
        Self::new(name).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for WorkspaceName {
    fn default() -> Self {
        Self(DEFAULT_WORKSPACE.to_string())
    }
}

impl TryFrom<String> for WorkspaceName {
    type Error = InvalidWorkspaceName;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

impl From<WorkspaceName> for String {
    fn from(name: WorkspaceName) -> Self {
        name.0
    }
}

impl fmt::Display for WorkspaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl PartialEq<str> for WorkspaceName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl JsonSchema for WorkspaceName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WorkspaceName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "pattern": WORKSPACE_NAME_PATTERN,
            "description": "1–128 characters, none of them a control character.",
        })
    }
}

/// What [`WorkspaceName::new`] accepts besides its length, as a JSON Schema pattern.
pub const WORKSPACE_NAME_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a workspace name is 1–128 characters, none of them a control character (got \"{0}\")")]
pub struct InvalidWorkspaceName(pub String);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_name_is_1_to_128_characters_without_a_control_character() {
        assert!(WorkspaceName::new("api").is_ok());
        assert!(WorkspaceName::new("é".repeat(128)).is_ok());
        for bad in [
            String::new(),
            "x".repeat(129),
            "a\u{0}b".into(),
            "evil\u{1b}]0;x".into(),
        ] {
            assert!(WorkspaceName::new(bad.clone()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_name_read_from_a_peer_is_checked_and_a_directorys_is_made_printable() {
        let read = serde_json::from_str::<WorkspaceName>("\"a\\u0007b\"");
        assert!(
            read.is_err(),
            "a control character is refused as it is read"
        );
        assert_eq!(
            serde_json::to_string(&WorkspaceName::default()).unwrap(),
            "\"default\""
        );
        assert_eq!(WorkspaceName::of_directory("a\nb").as_str(), "a\u{FFFD}b");
        assert_eq!(WorkspaceName::of_directory(""), WorkspaceName::default());
        assert_eq!(
            WorkspaceName::of_directory(&"x".repeat(300)).as_str().len(),
            128
        );
    }
}
