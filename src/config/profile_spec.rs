//! `[profiles.NAME]`: describing another agent CLI's screens without code.

use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::KeyChord;
use crate::session::ProfileKind;
use crate::session::profile::{Profile, Rule, Scope, Verdict};

/// Patterns are regular expressions matched against the whole screen (use `(?m)` for `^`/`$`
/// per line). The first match wins, tried in the order auth, waiting, error, busy, idle,
/// before the rules of the built-in profile this one is based on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileSpec {
    pub based_on: Option<ProfileKind>,
    pub auth: Vec<Pattern>,
    pub waiting: Vec<Pattern>,
    pub error: Vec<Pattern>,
    pub busy: Vec<Pattern>,
    pub idle: Vec<Pattern>,
    /// The key that stops the current work (`esc`, `ctrl-c`, …).
    pub interrupt: Option<KeyChord>,
    /// Milliseconds of quiet output before a prompt is believed.
    pub quiet_ms: Option<u64>,
}

impl ProfileSpec {
    pub fn to_profile(&self, name: &str) -> Profile {
        let mut profile = self.based_on.unwrap_or(ProfileKind::Generic).profile();
        profile.name = name.to_string();
        let groups = [
            ("auth", &self.auth, Verdict::Authenticating),
            ("waiting", &self.waiting, Verdict::WaitingInput),
            ("error", &self.error, Verdict::Error),
            ("busy", &self.busy, Verdict::Busy),
            ("idle", &self.idle, Verdict::Prompt),
        ];
        let mut rules: Vec<Rule> = groups
            .into_iter()
            .flat_map(|(group, patterns, verdict)| {
                patterns.iter().map(move |p| {
                    Rule::compiled(
                        format!("{name}.{group}: {}", p.0.as_str()),
                        Scope::Screen,
                        p.0.clone(),
                        verdict,
                    )
                })
            })
            .collect();
        if !self.idle.is_empty() {
            // A described prompt replaces "quiet means idle".
            profile.busy_while_output = false;
        }
        rules.append(&mut profile.rules);
        profile.rules = rules;
        if let Some(key) = self.interrupt {
            profile.interrupt = key.to_bytes();
        }
        if let Some(ms) = self.quiet_ms {
            profile.prompt_quiet = Duration::from_millis(ms);
        }
        profile
    }
}

/// A regular expression, checked when the config is read.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Regex::new(&text)
            .map(Pattern)
            .map_err(|e| serde::de::Error::custom(format!("invalid regular expression: {e}")))
    }
}
