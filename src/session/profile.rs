//! Detector profiles: the screen patterns and key sequences that describe one kind of program.
//!
//! Profiles are data, so that other agent CLIs can be described without code: the built-in ones
//! are the files in `assets/profiles/`, written in the very schema users write under
//! `[profiles.NAME]` (see `config::ProfileSpec`), and checked against the real Claude Code 2.x
//! screens (see `detector/tests.rs` and `tests/profiles.rs`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::session::profile_spec::ProfileSpec;
use crate::session::region::Region;
use crate::session::state::SessionState;

/// The built-in profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    Claude,
    Shell,
    Generic,
}

impl ProfileKind {
    pub const ALL: [ProfileKind; 3] = [Self::Claude, Self::Shell, Self::Generic];

    /// Picks a profile from argv[0]: `claude` → claude, common shells → shell, else generic.
    pub fn for_command(program: Option<&str>) -> Self {
        let name = program
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .unwrap_or("");
        match name {
            "claude" => Self::Claude,
            "sh" | "bash" | "zsh" | "fish" | "dash" | "ksh" | "mksh" | "ash" | "nu" => Self::Shell,
            _ => Self::Generic,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Shell => "shell",
            Self::Generic => "generic",
        }
    }

    /// The shipped profile's text: what a user would write under `[profiles.NAME]`.
    pub fn source(self) -> &'static str {
        match self {
            Self::Claude => include_str!("../../assets/profiles/claude.toml"),
            Self::Shell => include_str!("../../assets/profiles/shell.toml"),
            Self::Generic => include_str!("../../assets/profiles/generic.toml"),
        }
    }

    /// The shipped profile, read from its text as a user's profile is. The files are checked
    /// by the tests; one that does not parse is a build mistake, not a user's.
    pub fn profile(self) -> Profile {
        let spec: ProfileSpec = toml::from_str(self.source())
            .unwrap_or_else(|e| panic!("assets/profiles/{self}.toml: {e}"));
        spec.build(self.as_str(), Profile::blank(self))
    }
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProfileKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "claude" => Ok(Self::Claude),
            "shell" => Ok(Self::Shell),
            "generic" => Ok(Self::Generic),
            other => Err(format!(
                "unknown profile `{other}` (expected claude, shell or generic)"
            )),
        }
    }
}

/// What a matching rule says about the session; in profiles, its `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Authenticating,
    WaitingInput,
    Busy,
    /// The program shows its input prompt: ready the first time, idle after.
    #[serde(rename = "idle")]
    Prompt,
    Error,
}

impl Verdict {
    /// The state this verdict moves a session to, given whether it has been ready before;
    /// `None`: activity before the first prompt is still start-up.
    pub fn state(self, been_ready: bool) -> Option<SessionState> {
        Some(match self {
            Self::Prompt if been_ready => SessionState::Idle,
            Self::Prompt => SessionState::Ready,
            Self::Busy if !been_ready => return None,
            Self::Busy => SessionState::Busy,
            Self::WaitingInput => SessionState::WaitingInput,
            Self::Authenticating => SessionState::Authenticating,
            Self::Error => SessionState::Error,
        })
    }

    /// The priority of a rule that names none: log-in screens and questions beat errors,
    /// errors beat work, work beats a prompt.
    pub fn default_priority(self) -> i32 {
        match self {
            Self::Authenticating => 500,
            Self::WaitingInput => 400,
            Self::Error => 300,
            Self::Busy => 200,
            Self::Prompt => 100,
        }
    }
}

/// One pattern → verdict rule. The matching rule with the highest priority wins; among equal
/// priorities, the one listed first.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Names the rule in a state's reason, and lets a profile based on this one replace it.
    pub id: String,
    pub region: Region,
    pub pattern: Regex,
    pub verdict: Verdict,
    pub priority: i32,
    /// `Some(quiet)`: the rule holds only while a submitted command runs and once its output
    /// has been quiet that long. A line that merely looks like a question (`Name: `) is one
    /// only when the program has stopped to wait for the answer.
    pub when_stalled: Option<Duration>,
}

/// How to cut a command's reply out of a full-screen program's transcript.
#[derive(Debug, Clone)]
pub struct ReplyRules {
    /// The transcript line that echoes the submitted prompt starts with this.
    pub echo_prefix: String,
    /// The reply ends at the first line matching this (e.g. the input box's top rule).
    pub end: Regex,
    /// Lines that are chrome, not reply (spinners, tips, timings).
    pub drop: Vec<Regex>,
    /// Prefixes stripped from reply lines (e.g. the `● ` bullet).
    pub strip_prefixes: Vec<String>,
}

/// Everything the session needs to know about a kind of program.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Shown as the session's profile: a built-in's name or a `[profiles.NAME]` key.
    pub name: String,
    /// The built-in this profile is, or is based on.
    pub kind: ProfileKind,
    /// Highest priority first.
    pub rules: Vec<Rule>,
    /// Output flowing means busy and quiet means idle (programs with no recognisable prompt).
    pub busy_while_output: bool,
    /// Output seen after a submission counts as the program having started on it.
    pub output_means_progress: bool,
    /// How long output must be quiet before a prompt is believed.
    pub prompt_quiet: Duration,
    /// After a submission, how long to wait for signs of work before a prompt counts as "done".
    pub settle: Duration,
    /// Keys that interrupt the current work.
    pub interrupt: Vec<u8>,
    /// Delay between typing a command and pressing Enter (zero: one write).
    pub enter_delay: Duration,
    pub reply: Option<ReplyRules>,
}

impl Profile {
    /// A profile with no rules and every setting at its zero, for a shipped profile to fill in.
    pub fn blank(kind: ProfileKind) -> Self {
        Self {
            name: kind.as_str().to_string(),
            kind,
            rules: Vec::new(),
            busy_while_output: false,
            output_means_progress: false,
            prompt_quiet: Duration::ZERO,
            settle: Duration::ZERO,
            interrupt: b"\x03".to_vec(),
            enter_delay: Duration::ZERO,
            reply: None,
        }
    }

    /// Claude Code 2.x, as observed on its real screens (`assets/profiles/claude.toml`).
    pub fn claude() -> Self {
        ProfileKind::Claude.profile()
    }

    /// An interactive shell (`assets/profiles/shell.toml`).
    pub fn shell() -> Self {
        ProfileKind::Shell.profile()
    }

    /// Anything else: busy while it prints, idle once quiet (`assets/profiles/generic.toml`).
    pub fn generic() -> Self {
        ProfileKind::Generic.profile()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_follows_the_program_name() {
        assert_eq!(
            ProfileKind::for_command(Some("/usr/local/bin/claude")),
            ProfileKind::Claude
        );
        assert_eq!(ProfileKind::for_command(Some("bash")), ProfileKind::Shell);
        assert_eq!(
            ProfileKind::for_command(Some("python3")),
            ProfileKind::Generic
        );
        assert_eq!(ProfileKind::for_command(None), ProfileKind::Generic);
    }

    #[test]
    fn profile_names_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!("shell".parse::<ProfileKind>(), Ok(ProfileKind::Shell));
        assert!(
            "zsh"
                .parse::<ProfileKind>()
                .unwrap_err()
                .contains("expected claude")
        );
    }

    #[test]
    fn every_shipped_profile_builds_with_unique_rule_ids_highest_priority_first() {
        for kind in ProfileKind::ALL {
            let profile = kind.profile();
            assert_eq!((profile.kind, profile.name.as_str()), (kind, kind.as_str()));
            assert!(!profile.rules.is_empty(), "{kind}");
            let mut ids: Vec<&str> = profile.rules.iter().map(|r| r.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(
                ids.len(),
                profile.rules.len(),
                "{kind}: a rule id used twice"
            );
            assert!(
                profile
                    .rules
                    .windows(2)
                    .all(|w| w[0].priority >= w[1].priority),
                "{kind}"
            );
        }
    }
}
