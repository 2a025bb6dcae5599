//! Permission policies: `[[policy]]` rules that answer Claude Code's permission requests
//! through its PermissionRequest hook, so a routine tool runs (or is refused) without anyone
//! typing into a dialog.
//!
//! Rules are checked in order and the first match wins. A rule names a tool exactly and may
//! add a regular expression on the tool's main input (its command, file path or URL). No
//! matching rule, or a matching `ask`, leaves the question to the user as before.

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::claude::event::ToolCall;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
    Ask,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Ask => "ask",
        })
    }
}

/// One `[[policy]]` entry as config writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// The tool's name, exactly (`Bash`, `Edit`, `WebFetch`, …).
    pub tool: String,
    /// A regular expression searched in the tool's main input; absent: any input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    pub decision: Decision,
}

impl PolicyRule {
    /// The rule's regex, compiled; `ccmux config check` reports a bad one with its place.
    pub fn pattern(&self) -> Result<Option<Regex>, regex::Error> {
        self.input.as_deref().map(Regex::new).transpose()
    }
}

impl fmt::Display for PolicyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tool = {:?}", self.tool)?;
        if let Some(input) = &self.input {
            write!(f, ", input = {input:?}")?;
        }
        write!(f, ", decision = {}", self.decision)
    }
}

/// The rules a session follows, compiled.
#[derive(Debug, Clone, Default)]
pub struct Policies(Vec<(PolicyRule, Option<Regex>)>);

/// A rule that matched a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    /// 1-based, in the order of the config.
    pub rule_number: usize,
    pub rule: String,
}

impl Policies {
    /// Compiles `rules`; one whose regex does not compile (config check refuses those) is
    /// left out and logged.
    pub fn new(rules: &[PolicyRule]) -> Self {
        Self(
            rules
                .iter()
                .filter_map(|rule| match rule.pattern() {
                    Ok(pattern) => Some((rule.clone(), pattern)),
                    Err(e) => {
                        tracing::warn!(%rule, error = %e, "a policy rule is left out");
                        None
                    }
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first rule matching `call`, if any.
    pub fn decide(&self, call: &ToolCall) -> Option<Verdict> {
        let input = call.main_input();
        self.0
            .iter()
            .enumerate()
            .find(|(_, (rule, pattern))| {
                rule.tool == call.tool_name && pattern.as_ref().is_none_or(|p| p.is_match(&input))
            })
            .map(|(i, (rule, _))| Verdict {
                decision: rule.decision,
                rule_number: i + 1,
                rule: rule.to_string(),
            })
    }
}

/// What the PermissionRequest hook prints to make Claude Code allow or deny the tool itself
/// (its hook output format); `None` for ask, which leaves the dialog to the user.
pub fn hook_output(verdict: &Verdict) -> Option<String> {
    let decision = match verdict.decision {
        Decision::Allow => serde_json::json!({"behavior": "allow"}),
        Decision::Deny => serde_json::json!({"behavior": "deny",
            "message": format!("denied by ccmux policy rule {} ({})", verdict.rule_number, verdict.rule)}),
        Decision::Ask => return None,
    };
    let output = serde_json::json!({"hookSpecificOutput": {
        "hookEventName": "PermissionRequest", "decision": decision}});
    Some(output.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(tool: &str, input: Option<&str>, decision: Decision) -> PolicyRule {
        PolicyRule {
            tool: tool.into(),
            input: input.map(Into::into),
            decision,
        }
    }

    fn bash(command: &str) -> ToolCall {
        ToolCall {
            tool_name: "Bash".into(),
            tool_input: serde_json::json!({ "command": command }),
        }
    }

    #[test]
    fn the_first_matching_rule_wins_and_no_match_is_none() {
        let policies = Policies::new(&[
            rule("Bash", Some("^rm "), Decision::Deny),
            rule("Bash", Some("^touch "), Decision::Allow),
            rule("Bash", None, Decision::Ask),
        ]);
        let verdict = policies.decide(&bash("touch x")).unwrap();
        assert_eq!(
            (verdict.decision, verdict.rule_number),
            (Decision::Allow, 2)
        );
        assert_eq!(
            policies.decide(&bash("rm -rf /")).unwrap().decision,
            Decision::Deny
        );
        assert_eq!(
            policies.decide(&bash("ls")).unwrap().decision,
            Decision::Ask
        );
        let edit = ToolCall {
            tool_name: "Edit".into(),
            tool_input: serde_json::json!({"file_path": "/a"}),
        };
        assert_eq!(policies.decide(&edit), None);
    }

    #[test]
    fn allow_and_deny_answer_through_the_hook_and_ask_does_not() {
        let verdict = |decision| Verdict {
            decision,
            rule_number: 1,
            rule: "tool = \"Bash\"".into(),
        };
        let allow: serde_json::Value =
            serde_json::from_str(&hook_output(&verdict(Decision::Allow)).unwrap()).unwrap();
        assert_eq!(
            allow["hookSpecificOutput"]["hookEventName"],
            "PermissionRequest"
        );
        assert_eq!(allow["hookSpecificOutput"]["decision"]["behavior"], "allow");
        let deny = hook_output(&verdict(Decision::Deny)).unwrap();
        assert!(deny.contains("\"deny\""));
        assert_eq!(hook_output(&verdict(Decision::Ask)), None);
    }
}
