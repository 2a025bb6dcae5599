//! What a session knows about the Claude Code it runs, from hooks and the status line: shown in
//! session info (API, `ctl`, WebSocket, TUI) beside the state.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::claude::event::{HookKind, Report};

/// A tool waiting for the user's permission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingPermission {
    pub tool_name: String,
    pub tool_input: Value,
}

/// Every field is `None` until Claude Code reports it (or for ever, with hooks off).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClaudeInfo {
    /// Claude Code's conversation id, for `claude --resume`.
    pub claude_session_id: Option<String>,
    pub model: Option<String>,
    pub cost_usd: Option<f64>,
    pub context_used_percent: Option<f64>,
    pub lines_added: Option<u64>,
    pub lines_removed: Option<u64>,
    /// The last tool Claude Code ran or asked to run.
    pub last_tool: Option<String>,
    pub pending_permission: Option<PendingPermission>,
}

impl ClaudeInfo {
    /// Takes in what a report says.
    pub fn apply(&mut self, report: &Report) {
        let id = match report {
            Report::Hook {
                claude_session_id, ..
            }
            | Report::StatusLine {
                claude_session_id, ..
            } => claude_session_id,
        };
        if id.is_some() {
            self.claude_session_id.clone_from(id);
        }
        match report {
            Report::StatusLine { figures, .. } => {
                let f = figures.clone();
                self.model = f.model.or(self.model.take());
                self.cost_usd = f.cost_usd.or(self.cost_usd);
                self.context_used_percent = f.context_used_percent.or(self.context_used_percent);
                self.lines_added = f.lines_added.or(self.lines_added);
                self.lines_removed = f.lines_removed.or(self.lines_removed);
            }
            Report::Hook { kind, .. } => match kind {
                HookKind::SessionStart { model: Some(model) } => self.model = Some(model.clone()),
                HookKind::PreToolUse(tool) => self.last_tool = Some(tool.tool_name.clone()),
                HookKind::PermissionRequest(tool) => {
                    self.last_tool = Some(tool.tool_name.clone());
                    self.pending_permission = Some(PendingPermission {
                        tool_name: tool.tool_name.clone(),
                        tool_input: tool.tool_input.clone(),
                    });
                }
                HookKind::PostToolUse(tool) => {
                    self.last_tool = Some(tool.tool_name.clone());
                    self.pending_permission = None;
                }
                HookKind::UserPromptSubmit
                | HookKind::Stop { .. }
                | HookKind::SessionEnd { .. } => {
                    self.pending_permission = None;
                }
                HookKind::SessionStart { model: None } | HookKind::Notification { .. } => {}
            },
        }
    }

    /// `$0.42 · ctx 17%`, for a pane title; empty when nothing is known.
    pub fn summary(&self) -> String {
        let cost = self.cost_usd.map(|c| format!("${c:.2}"));
        let context = self
            .context_used_percent
            .map(|p| format!("ctx {}%", p.round()));
        [cost, context]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claude::event::{StatusFigures, ToolCall};

    fn hook(kind: HookKind) -> Report {
        Report::Hook {
            claude_session_id: Some("abc".into()),
            kind,
        }
    }

    #[test]
    fn a_permission_is_pending_until_its_tool_ran_or_the_turn_ended() {
        let tool = ToolCall {
            tool_name: "Bash".into(),
            tool_input: serde_json::json!({"command": "ls"}),
        };
        let mut info = ClaudeInfo::default();
        info.apply(&hook(HookKind::PermissionRequest(tool.clone())));
        assert_eq!(info.pending_permission.as_ref().unwrap().tool_name, "Bash");
        assert_eq!(info.claude_session_id.as_deref(), Some("abc"));
        info.apply(&hook(HookKind::PostToolUse(tool)));
        assert_eq!(info.pending_permission, None);
        assert_eq!(info.last_tool.as_deref(), Some("Bash"));
    }

    #[test]
    fn the_summary_shows_what_is_known() {
        let mut info = ClaudeInfo::default();
        assert_eq!(info.summary(), "");
        info.apply(&Report::StatusLine {
            claude_session_id: None,
            figures: StatusFigures {
                cost_usd: Some(0.4249),
                context_used_percent: Some(16.6),
                ..StatusFigures::default()
            },
        });
        assert_eq!(info.summary(), "$0.42 · ctx 17%");
    }
}
