//! What Claude Code's hooks and status line report, as ccmux keeps it: typed, and bounded
//! before it leaves the hook process (a tool's input can be a whole file).
//!
//! The shapes read here are the ones observed on Claude Code 2.1 (see
//! `shared/claude-code-screens.md`, "Hooks and the status line").

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most bytes of a tool's input kept as JSON; a larger one is replaced by its main input.
pub const MAX_TOOL_INPUT: usize = 16 * 1024;
/// Most characters kept of a tool's main input, a notification or a model name.
pub const MAX_TEXT: usize = 2048;
/// Most characters kept of Claude's last reply.
pub const MAX_REPLY: usize = 256 * 1024;
/// Longest Claude Code session id kept (real ones are UUIDs): it goes into `--resume`.
pub const MAX_SESSION_ID: usize = 128;

/// A tool Claude Code is about to run, runs, or asks permission for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub tool_name: String,
    /// The tool's input as Claude Code gave it, or `{"truncated": main input}` when large.
    pub tool_input: Value,
}

impl ToolCall {
    fn from_hook(payload: &Value) -> Self {
        Self {
            tool_name: text(&payload["tool_name"]).unwrap_or_default(),
            tool_input: payload["tool_input"].clone(),
        }
        .bounded()
    }

    fn bounded(self) -> Self {
        let tool_input = if self.tool_input.to_string().len() <= MAX_TOOL_INPUT {
            self.tool_input
        } else {
            serde_json::json!({ "truncated": main_input(&self.tool_input) })
        };
        Self {
            tool_name: cut(&self.tool_name, MAX_TEXT),
            tool_input,
        }
    }

    /// What the tool acts on: a command, a file path, a URL, a pattern; what a policy's
    /// `input` regex is matched against and what a state reason shows.
    pub fn main_input(&self) -> String {
        main_input(&self.tool_input)
    }
}

fn main_input(input: &Value) -> String {
    const KEYS: [&str; 7] = [
        "command",
        "file_path",
        "url",
        "notebook_path",
        "path",
        "pattern",
        "truncated",
    ];
    KEYS.iter()
        .find_map(|k| input[*k].as_str())
        .map(|s| cut(s, MAX_TEXT))
        .unwrap_or_default()
}

/// One hook event. Every one also carries Claude Code's session id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HookKind {
    SessionStart {
        model: Option<String>,
    },
    UserPromptSubmit,
    PreToolUse(ToolCall),
    PermissionRequest(ToolCall),
    PostToolUse(ToolCall),
    Notification {
        message: String,
    },
    Stop {
        /// Claude's reply, the result of a command that ends with this turn.
        last_message: Option<String>,
    },
    SessionEnd {
        reason: String,
    },
}

impl HookKind {
    /// The event's name, and the tool it concerns: `PreToolUse Bash`.
    pub fn describe(&self) -> String {
        match self {
            Self::SessionStart { .. } => "SessionStart".into(),
            Self::UserPromptSubmit => "UserPromptSubmit".into(),
            Self::PreToolUse(t) => format!("PreToolUse {}", t.tool_name),
            Self::PermissionRequest(t) => format!("PermissionRequest {}", t.tool_name),
            Self::PostToolUse(t) => format!("PostToolUse {}", t.tool_name),
            Self::Notification { .. } => "Notification".into(),
            Self::Stop { .. } => "Stop".into(),
            Self::SessionEnd { .. } => "SessionEnd".into(),
        }
    }
}

/// The status line's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusFigures {
    pub model: Option<String>,
    pub cost_usd: Option<f64>,
    pub context_used_percent: Option<f64>,
    pub lines_added: Option<u64>,
    pub lines_removed: Option<u64>,
}

/// What a session's hook process posts to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Report {
    Hook {
        claude_session_id: Option<String>,
        kind: HookKind,
    },
    StatusLine {
        claude_session_id: Option<String>,
        figures: StatusFigures,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the hook input is not JSON: {0}")]
    NotJson(String),
    #[error("hook event `{0}` is not one ccmux asked for")]
    UnknownEvent(String),
}

impl Report {
    /// A hook's stdin, as Claude Code writes it.
    pub fn from_hook(stdin: &[u8]) -> Result<Self, ReportError> {
        let payload: Value =
            serde_json::from_slice(stdin).map_err(|e| ReportError::NotJson(e.to_string()))?;
        let event = text(&payload["hook_event_name"]).unwrap_or_default();
        let kind = match event.as_str() {
            "SessionStart" => HookKind::SessionStart {
                model: text(&payload["model"]),
            },
            "UserPromptSubmit" => HookKind::UserPromptSubmit,
            "PreToolUse" => HookKind::PreToolUse(ToolCall::from_hook(&payload)),
            "PermissionRequest" => HookKind::PermissionRequest(ToolCall::from_hook(&payload)),
            "PostToolUse" => HookKind::PostToolUse(ToolCall::from_hook(&payload)),
            "Notification" => HookKind::Notification {
                message: text(&payload["message"]).unwrap_or_default(),
            },
            "Stop" => HookKind::Stop {
                last_message: payload["last_assistant_message"]
                    .as_str()
                    .map(|m| cut(m, MAX_REPLY)),
            },
            "SessionEnd" => HookKind::SessionEnd {
                reason: text(&payload["reason"]).unwrap_or_default(),
            },
            other => return Err(ReportError::UnknownEvent(cut(other, 64))),
        };
        Ok(Self::Hook {
            claude_session_id: session_id(&payload["session_id"]),
            kind,
        })
    }

    /// The report within the limits `ccmux hook` applies before it posts. The server applies
    /// them again: any program holding a session's capability can post what it likes.
    pub fn bounded(self) -> Self {
        let id = |id: Option<String>| id.and_then(|id| session_id(&Value::String(id)));
        let short = |s: Option<String>| s.map(|s| cut(&s, MAX_TEXT));
        match self {
            Self::Hook {
                claude_session_id,
                kind,
            } => Self::Hook {
                claude_session_id: id(claude_session_id),
                kind: kind.bounded(),
            },
            Self::StatusLine {
                claude_session_id,
                figures,
            } => Self::StatusLine {
                claude_session_id: id(claude_session_id),
                figures: StatusFigures {
                    model: short(figures.model),
                    ..figures
                },
            },
        }
    }

    /// The status line command's stdin.
    pub fn from_status_line(stdin: &[u8]) -> Result<Self, ReportError> {
        let payload: Value =
            serde_json::from_slice(stdin).map_err(|e| ReportError::NotJson(e.to_string()))?;
        let model = &payload["model"];
        let figures = StatusFigures {
            model: text(&model["display_name"]).or_else(|| text(&model["id"])),
            cost_usd: payload["cost"]["total_cost_usd"].as_f64(),
            context_used_percent: payload["context_window"]["used_percentage"].as_f64(),
            lines_added: payload["cost"]["total_lines_added"].as_u64(),
            lines_removed: payload["cost"]["total_lines_removed"].as_u64(),
        };
        Ok(Self::StatusLine {
            claude_session_id: session_id(&payload["session_id"]),
            figures,
        })
    }
}

impl HookKind {
    fn bounded(self) -> Self {
        let short = |s: String| cut(&s, MAX_TEXT);
        match self {
            Self::SessionStart { model } => Self::SessionStart {
                model: model.map(short),
            },
            Self::UserPromptSubmit => Self::UserPromptSubmit,
            Self::PreToolUse(t) => Self::PreToolUse(t.bounded()),
            Self::PermissionRequest(t) => Self::PermissionRequest(t.bounded()),
            Self::PostToolUse(t) => Self::PostToolUse(t.bounded()),
            Self::Notification { message } => Self::Notification {
                message: short(message),
            },
            Self::Stop { last_message } => Self::Stop {
                last_message: last_message.map(|m| cut(&m, MAX_REPLY)),
            },
            Self::SessionEnd { reason } => Self::SessionEnd {
                reason: short(reason),
            },
        }
    }
}

/// A Claude Code session id: a word of letters, digits, `-` and `_`, at most
/// [`MAX_SESSION_ID`] long; anything else is no id.
fn session_id(value: &Value) -> Option<String> {
    let id = value.as_str()?;
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
    (!id.is_empty() && id.len() <= MAX_SESSION_ID && id.chars().all(word)).then(|| id.to_string())
}

/// A string field (a model may also come as `{id, display_name}`), cut to [`MAX_TEXT`].
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(cut(s, MAX_TEXT)),
        Value::Object(o) => o
            .get("display_name")
            .or_else(|| o.get("id"))
            .and_then(Value::as_str)
            .map(|s| cut(s, MAX_TEXT)),
        _ => None,
    }
}

fn cut(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_request_keeps_the_tool_and_its_command() {
        let stdin =
            br#"{"session_id":"abc","hook_event_name":"PermissionRequest","tool_name":"Bash",
            "tool_input":{"command":"touch created_by_tool.txt","description":"Create a file"},
            "permission_suggestions":[],"cwd":"/tmp","transcript_path":"/tmp/t.jsonl"}"#;
        let Report::Hook {
            claude_session_id,
            kind: HookKind::PermissionRequest(tool),
        } = Report::from_hook(stdin).unwrap()
        else {
            panic!("not a permission request")
        };
        assert_eq!(claude_session_id.as_deref(), Some("abc"));
        assert_eq!(tool.tool_name, "Bash");
        assert_eq!(tool.main_input(), "touch created_by_tool.txt");
    }

    #[test]
    fn a_huge_tool_input_is_cut_to_its_main_input() {
        let content = "x".repeat(100_000);
        let stdin = serde_json::json!({"hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": "/tmp/a.txt", "content": content}})
        .to_string();
        let Report::Hook {
            kind: HookKind::PreToolUse(tool),
            ..
        } = Report::from_hook(stdin.as_bytes()).unwrap()
        else {
            panic!()
        };
        assert!(tool.tool_input.to_string().len() < 1000);
        assert_eq!(tool.main_input(), "/tmp/a.txt");
    }

    #[test]
    fn the_status_line_gives_cost_context_and_lines() {
        let stdin = br#"{"session_id":"abc","model":{"id":"claude-opus","display_name":"Opus"},
            "cost":{"total_cost_usd":0.0123,"total_duration_ms":5,"total_lines_added":7,"total_lines_removed":2},
            "context_window":{"used_percentage":12.5,"remaining_percentage":87.5}}"#;
        let Report::StatusLine { figures, .. } = Report::from_status_line(stdin).unwrap() else {
            panic!()
        };
        assert_eq!(figures.model.as_deref(), Some("Opus"));
        assert_eq!(figures.cost_usd, Some(0.0123));
        assert_eq!(figures.context_used_percent, Some(12.5));
        assert_eq!(
            (figures.lines_added, figures.lines_removed),
            (Some(7), Some(2))
        );
    }

    #[test]
    fn unknown_events_and_non_json_are_refused() {
        assert!(Report::from_hook(b"not json").is_err());
        assert!(Report::from_hook(br#"{"hook_event_name":"Other"}"#).is_err());
    }
}
